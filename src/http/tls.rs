//! HTTPS and mutual TLS for HIS clients (rustls).
//!
//! With `HISGATE_TLS_CERT_FILE` and `_KEY_FILE` the gateway serves HTTPS. With
//! `HISGATE_TLS_CLIENT_CA_FILE` it also asks each client for a certificate and accepts only one
//! issued by that CA (a client without one may still connect: the dashboard's users, the DoH's
//! tools). A facility's certificate names its facility code (`MA_CSKCB`) as the subject's common
//! name: a facility key used over a connection whose certificate names another facility is
//! refused, and with `HISGATE_TLS_REQUIRE_CLIENT_CERTIFICATE` a facility key must come with its
//! facility's certificate.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("the TLS configuration is refused: {0}")]
    Config(String),
    #[error("HISGATE_TLS_CERT_FILE and HISGATE_TLS_KEY_FILE go together")]
    Incomplete,
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> TlsError {
    TlsError::File { path: path.display().to_string(), reason: e.to_string() }
}

/// The TLS files of the configuration.
#[derive(Debug, Clone, Default)]
pub struct TlsFiles<'a> {
    pub cert: Option<&'a Path>,
    pub key: Option<&'a Path>,
    pub client_ca: Option<&'a Path>,
}

/// The rustls server configuration, or `None` to serve plain HTTP.
pub fn server_config(files: TlsFiles) -> Result<Option<rustls::ServerConfig>, TlsError> {
    let (cert, key) = match (files.cert, files.key) {
        (None, None) if files.client_ca.is_none() => return Ok(None),
        (Some(cert), Some(key)) => (cert, key),
        _ => return Err(TlsError::Incomplete),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| file_error(cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(cert, e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| file_error(key, e))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match files.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(ca).map_err(|e| file_error(ca, e))? {
                roots.add(cert.map_err(|e| file_error(ca, e))?).map_err(|e| file_error(ca, e))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder.with_single_cert(chain, key).map_err(|e| TlsError::Config(e.to_string()))?;
    Ok(Some(config))
}

/// The verified client certificate of a connection, as the request's connection data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The subject's common name: the facility code of a facility's certificate.
    pub common_name: Option<String>,
}

/// Notes a TLS connection's verified client certificate for its requests (`HttpServer::on_connect`).
pub fn on_connect(connection: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
    type Stream = actix_tls::accept::rustls_0_23::TlsStream<actix_web::rt::net::TcpStream>;
    let Some(stream) = connection.downcast_ref::<Stream>() else { return };
    let (_, session) = stream.get_ref();
    if let Some(leaf) = session.peer_certificates().and_then(|chain| chain.first()) {
        data.insert(ClientCertificate { common_name: common_name(leaf) });
    }
}

/// id-at-commonName.
const COMMON_NAME: x509_cert::der::asn1::ObjectIdentifier =
    x509_cert::der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");

/// The subject common name of a DER certificate.
fn common_name(der: &[u8]) -> Option<String> {
    use x509_cert::der::Decode;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let subject = &cert.tbs_certificate.subject;
    subject.0.iter().flat_map(|rdn| rdn.0.iter()).find(|a| a.oid == COMMON_NAME).and_then(|a| {
        let value = &a.value;
        x509_cert::der::asn1::Utf8StringRef::try_from(value)
            .map(|s| s.as_str().to_owned())
            .or_else(|_| x509_cert::der::asn1::PrintableStringRef::try_from(value).map(|s| s.as_str().to_owned()))
            .ok()
    })
}

/// Whether a facility key of `facility` may act over a connection with `certificate`: refused
/// when the certificate names another facility, or when one is required and there is none.
pub fn facility_may_use(facility: &str, certificate: Option<&ClientCertificate>, required: bool) -> Result<(), String> {
    match certificate {
        Some(ClientCertificate { common_name: Some(name) }) if name == facility => Ok(()),
        Some(ClientCertificate { common_name }) => Err(format!(
            "the client certificate is of `{}`, the API key of facility {facility}",
            common_name.as_deref().unwrap_or("(no common name)")
        )),
        None if required => {
            Err(format!("facility keys need the facility's client certificate (CN={facility}) on this gateway"))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_facility_key_goes_only_with_its_own_certificate() {
        let of = |cn: &str| ClientCertificate { common_name: Some(cn.to_owned()) };
        assert!(facility_may_use("83001", Some(&of("83001")), true).is_ok());
        assert!(facility_may_use("83001", Some(&of("83002")), false).unwrap_err().contains("83002"));
        assert!(facility_may_use("83001", None, false).is_ok());
        assert!(facility_may_use("83001", None, true).is_err());
        assert!(facility_may_use("83001", Some(&ClientCertificate { common_name: None }), false).is_err());
    }
}
