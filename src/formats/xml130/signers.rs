//! The signers of every configured facility, loaded once at start-up.

use super::sign::{FacilitySigner, SignError};
use super::token::TokenKey;
use crate::config::SigningSettings;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Default)]
pub struct Signers {
    by_facility: BTreeMap<String, FacilitySigner>,
}

#[derive(Debug, thiserror::Error)]
#[error("signing key of facility {facility}: {source}")]
pub struct SignersError {
    pub facility: String,
    #[source]
    pub source: SignError,
}

/// A facility's certificate as operators need to see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateInfo {
    pub facility: String,
    pub subject: String,
    /// RFC 3339.
    pub not_after: String,
    pub days_left: i64,
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, SignError> {
    std::fs::read(path).map_err(|e| SignError::Key(format!("{}: {e}", path.display())))
}

/// The signer of a key on a PKCS#11 token: its token and key labels, PIN file and certificate.
fn token_signer(module: &std::path::Path, s: &SigningSettings) -> Result<FacilitySigner, SignError> {
    let missing = |what: &str| SignError::Key(format!("pkcs11_module needs {what}"));
    let token = s.pkcs11_token_label.as_deref().ok_or_else(|| missing("pkcs11_token_label"))?;
    let key = s.pkcs11_key_label.as_deref().ok_or_else(|| missing("pkcs11_key_label"))?;
    let pin_file = s.pkcs11_pin_file.as_ref().ok_or_else(|| missing("pkcs11_pin_file"))?;
    let cert = s.cert_pem.as_ref().ok_or_else(|| missing("cert_pem (the key's certificate)"))?;
    let pin = String::from_utf8(read(pin_file)?).map_err(|_| SignError::Key("the PIN file is not text".into()))?;
    let pin = crate::config::Secret::new(pin.lines().next().unwrap_or_default().trim());
    FacilitySigner::from_token(TokenKey::open(module, token, key, pin)?, &read(cert)?, s.c14n)
}

/// The signer of a key held by a remote signing service: its certificate here; the service's
/// account is read, and checked, by its client (`portal::signer::RemoteSigner::from_settings`).
fn remote_signer(s: &SigningSettings) -> Result<FacilitySigner, SignError> {
    let cert = s
        .cert_pem
        .as_ref()
        .ok_or_else(|| SignError::Key("remote_url needs cert_pem (the key's certificate)".into()))?;
    FacilitySigner::from_remote(&read(cert)?, s.c14n)
}

impl Signers {
    pub fn load(settings: &BTreeMap<String, SigningSettings>) -> Result<Self, SignersError> {
        let mut by_facility = BTreeMap::new();
        for (facility, s) in settings {
            let signer = (|| match (&s.pkcs11_module, &s.pkcs12, &s.key_pem, &s.cert_pem) {
                _ if s.remote_url.is_some() => remote_signer(s),
                (Some(module), ..) => token_signer(module, s),
                (None, Some(p12), ..) => FacilitySigner::from_pkcs12(&read(p12)?, s.password.expose(), s.c14n),
                (None, None, Some(key), Some(cert)) => FacilitySigner::from_pem(&read(key)?, &read(cert)?, s.c14n),
                _ => Err(SignError::Key("give remote_url, pkcs11_module, pkcs12, or key_pem and cert_pem".into())),
            })()
            .map_err(|source| SignersError { facility: facility.clone(), source })?;
            by_facility.insert(facility.clone(), signer);
        }
        Ok(Signers { by_facility })
    }

    /// The facility's signer; files of a facility without a key go unsigned.
    pub fn get(&self, facility: &str) -> Option<&FacilitySigner> {
        self.by_facility.get(facility)
    }

    pub fn certificates(&self) -> Vec<CertificateInfo> {
        let now = chrono::Utc::now();
        self.by_facility
            .iter()
            .map(|(facility, s)| CertificateInfo {
                facility: facility.clone(),
                subject: s.subject.clone(),
                not_after: s.not_after.to_rfc3339(),
                days_left: (s.not_after - now).num_days(),
            })
            .collect()
    }
}
