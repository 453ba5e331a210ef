//! The facility signature in `CHUKYDONVI`: an enveloped XML-DSig over the whole document, RSA-SHA256
//! with SHA-256 digests and exclusive (or inclusive) C14N, the facility's X.509 certificate in
//! `KeyInfo`; the key in a file, on a PKCS#11 token (`token.rs`), which signs `SignedInfo`, or
//! with a remote signing service, which signs the SHA-256 of `SignedInfo` once the key holder
//! confirms (the dispatcher asks it and waits; here the signature is only put in place).
//! BHYT-FORMATS §a leaves the profile open; this is the common enveloped profile that
//! `xmlsec1 --verify` accepts.

use super::token::{TokenKey, TokenKeyError};
use base64::Engine;
use bergshamra::crypto::sign::SigningKey;
use bergshamra::keys::loader;
use chrono::{DateTime, Utc};
use x509_cert::der::{Decode, DecodePem};

pub use crate::config::Canonicalisation;

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot load the facility key: {0}")]
    Key(String),
    #[error("cannot read the facility certificate: {0}")]
    Certificate(String),
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("the facility's token: {0}")]
    Token(#[from] TokenKeyError),
    /// The key is with a remote signing service, which has not signed this document yet.
    #[error("the remote signing service has not signed this file yet")]
    AwaitingRemote(PendingSignature),
}

/// What a remote signing service is to sign for a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignature {
    /// The document's `DigestValue`: SHA-256 of its canonical form, base64.
    pub document_digest: String,
    /// SHA-256 of the canonical `SignedInfo`: the hash the service signs.
    pub signed_info_sha256: Vec<u8>,
}

/// A remote service's signature of the `SignedInfo` of the document whose `DigestValue` is
/// `document_digest`.
#[derive(Debug, Clone, Copy)]
pub struct RemoteSignature<'a> {
    pub document_digest: &'a str,
    pub value: &'a [u8],
}

/// Where a facility's private key is.
enum PrivateKey {
    /// Read from a key file (PEM or PKCS#12) into memory.
    File(SigningKey),
    /// On a hardware token or HSM: it signs, the key stays there.
    Token(TokenKey),
    /// With a remote signing service: the signature comes later, once the holder confirms; the
    /// certificate's public key checks it.
    Remote(SigningKey),
}

/// A facility's signing key and certificate.
pub struct FacilitySigner {
    key: PrivateKey,
    certificate_base64: String,
    c14n: Canonicalisation,
    /// The certificate's `notAfter`: operators watch it (a signature by an expired certificate is refused).
    pub not_after: DateTime<Utc>,
    pub subject: String,
}

fn certificate_der(cert_pem: &[u8]) -> Result<Vec<u8>, SignError> {
    let pem = std::str::from_utf8(cert_pem).map_err(|e| SignError::Certificate(e.to_string()))?;
    let parsed = x509_cert::Certificate::from_pem(pem.trim()).map_err(|e| SignError::Certificate(e.to_string()))?;
    x509_cert::der::Encode::to_der(&parsed).map_err(|e| SignError::Certificate(e.to_string()))
}

fn certificate_facts(der: &[u8]) -> Result<(DateTime<Utc>, String), SignError> {
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| SignError::Certificate(e.to_string()))?;
    let not_after = cert.tbs_certificate.validity.not_after.to_unix_duration();
    let not_after = DateTime::from_timestamp(not_after.as_secs() as i64, 0).unwrap_or_default();
    Ok((not_after, cert.tbs_certificate.subject.to_string()))
}

const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

impl FacilitySigner {
    /// From a PEM private key (PKCS#1 or PKCS#8) and a PEM certificate.
    pub fn from_pem(key_pem: &[u8], cert_pem: &[u8], c14n: Canonicalisation) -> Result<Self, SignError> {
        let key = loader::load_rsa_private_pem(key_pem).map_err(|e| SignError::Key(e.to_string()))?;
        Self::from_key(&key, &certificate_der(cert_pem)?, c14n)
    }

    /// From a key on a PKCS#11 token and the key's PEM certificate.
    pub fn from_token(key: TokenKey, cert_pem: &[u8], c14n: Canonicalisation) -> Result<Self, SignError> {
        Self::with(PrivateKey::Token(key), &certificate_der(cert_pem)?, c14n)
    }

    /// For a key held by a remote signing service, with the key's PEM certificate.
    pub fn from_remote(cert_pem: &[u8], c14n: Canonicalisation) -> Result<Self, SignError> {
        let der = certificate_der(cert_pem)?;
        let public = loader::load_x509_cert_der(&der)
            .and_then(|key| key.software_key())
            .map_err(|e| SignError::Certificate(e.to_string()))?
            .ok_or_else(|| SignError::Certificate("no public key in the certificate".into()))?;
        Self::with(PrivateKey::Remote(public), &der, c14n)
    }

    /// Whether signatures come from a remote service (and so are waited for).
    pub fn is_remote(&self) -> bool {
        matches!(self.key, PrivateKey::Remote(_))
    }

    /// Whether `value` is this remote signer's signature of the `SignedInfo` of a document whose
    /// `DigestValue` is `document_digest` (base64); `inherited_namespaces` as for [`Self::signature`].
    /// A service answering with another key's signature, or another hash's, is caught here, before
    /// any file carries it.
    pub fn verifies(&self, document_digest: &str, inherited_namespaces: &str, value: &[u8]) -> bool {
        let PrivateKey::Remote(public) = &self.key else { return false };
        let canonical = self.canonical_signed_info(document_digest, inherited_namespaces);
        bergshamra::crypto::sign::from_uri(RSA_SHA256)
            .and_then(|algorithm| algorithm.verify(public, canonical.as_bytes(), value))
            .unwrap_or(false)
    }

    /// `SignedInfo` in canonical form, as it is signed.
    fn canonical_signed_info(&self, digest: &str, inherited_namespaces: &str) -> String {
        let inherited = match self.c14n {
            Canonicalisation::Exclusive => "",
            Canonicalisation::Inclusive => inherited_namespaces,
        };
        format!(
            "<SignedInfo xmlns=\"{DSIG_NAMESPACE}\"{inherited}>{}</SignedInfo>",
            signed_info(self.c14n, digest, true)
        )
    }

    /// From a PKCS#12 bundle (as USB tokens and HSM exports hand them out).
    pub fn from_pkcs12(bytes: &[u8], password: &str, c14n: Canonicalisation) -> Result<Self, SignError> {
        let key = loader::load_pkcs12(bytes, password).map_err(|e| SignError::Key(e.to_string()))?;
        let der = key
            .x509_chain
            .first()
            .cloned()
            .ok_or_else(|| SignError::Certificate("no certificate in the PKCS#12".into()))?;
        Self::from_key(&key, &der, c14n)
    }

    fn from_key(key: &bergshamra::Key, cert_der: &[u8], c14n: Canonicalisation) -> Result<Self, SignError> {
        let key = key
            .software_key()
            .map_err(|e| SignError::Key(e.to_string()))?
            .filter(SigningKey::has_private_key)
            .ok_or_else(|| SignError::Key("no private key".into()))?;
        Self::with(PrivateKey::File(key), cert_der, c14n)
    }

    fn with(key: PrivateKey, cert_der: &[u8], c14n: Canonicalisation) -> Result<Self, SignError> {
        let (not_after, subject) = certificate_facts(cert_der)?;
        let certificate_base64 = base64::engine::general_purpose::STANDARD.encode(cert_der);
        Ok(FacilitySigner { key, certificate_base64, c14n, not_after, subject })
    }

    pub fn canonicalisation(&self) -> Canonicalisation {
        self.c14n
    }

    /// The `Signature` element of a document whose canonical form without that element (the
    /// enveloped-signature transform, then this signer's C14N) has the SHA-256 `digest`;
    /// `inherited_namespaces` are the declarations in scope where the signature goes, as
    /// ` xmlns:p="uri"` in prefix order (inclusive C14N renders them on `SignedInfo`).
    ///
    /// The document's writer computes the digest while it streams the document out, so that a
    /// file of any size is signed without being held in memory (see `EnvelopeWriter`).
    ///
    /// A remote signer's signature is `remote` when it is of this digest; else the answer is
    /// [`SignError::AwaitingRemote`] with what the service is to sign.
    pub fn signature(
        &self,
        digest: &[u8],
        inherited_namespaces: &str,
        remote: Option<RemoteSignature<'_>>,
    ) -> Result<String, SignError> {
        let digest = base64::engine::general_purpose::STANDARD.encode(digest);
        let canonical = self.canonical_signed_info(&digest, inherited_namespaces);
        let started = std::time::Instant::now();
        let (value, held) = match &self.key {
            PrivateKey::File(key) => (
                bergshamra::crypto::sign::from_uri(RSA_SHA256)
                    .and_then(|algorithm| algorithm.sign(key, canonical.as_bytes()))
                    .map_err(|e| SignError::Sign(e.to_string()))?,
                "file",
            ),
            PrivateKey::Token(token) => (token.sign(canonical.as_bytes())?, "token"),
            PrivateKey::Remote(_) => match remote.filter(|r| r.document_digest == digest) {
                Some(signed) => (signed.value.to_vec(), "remote"),
                None => {
                    use sha2::Digest;
                    let signed_info_sha256 = sha2::Sha256::digest(canonical.as_bytes()).to_vec();
                    return Err(SignError::AwaitingRemote(PendingSignature {
                        document_digest: digest,
                        signed_info_sha256,
                    }));
                }
            },
        };
        // A remote signature's wait is measured by the dispatcher, from request to answer.
        if held != "remote" {
            metrics::histogram!("hisgate_signing_seconds", "key" => held).record(started.elapsed().as_secs_f64());
        }
        Ok(format!(
            "<Signature xmlns=\"{DSIG_NAMESPACE}\"><SignedInfo>{}</SignedInfo><SignatureValue>{}</SignatureValue>\
             <KeyInfo><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></Signature>",
            signed_info(self.c14n, &digest, false),
            base64::engine::general_purpose::STANDARD.encode(value),
            self.certificate_base64
        ))
    }
}

/// The content of `SignedInfo`: as written in the document (empty elements closed in place, as
/// the common enveloped template has them) or in canonical form (C14N writes start and end tags).
fn signed_info(c14n: Canonicalisation, digest: &str, canonical: bool) -> String {
    let c14n = c14n.uri();
    let algorithm = |name: &str, uri: &str| {
        if canonical {
            format!("<{name} Algorithm=\"{uri}\"></{name}>")
        } else {
            format!("<{name} Algorithm=\"{uri}\"/>")
        }
    };
    format!(
        "{}{}<Reference URI=\"\"><Transforms>{}{}</Transforms>{}<DigestValue>{digest}</DigestValue></Reference>",
        algorithm("CanonicalizationMethod", c14n),
        algorithm("SignatureMethod", RSA_SHA256),
        algorithm("Transform", ENVELOPED),
        algorithm("Transform", c14n),
        algorithm("DigestMethod", SHA256),
    )
}
