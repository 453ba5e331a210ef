//! The facility signature in `CHUKYDONVI`: an enveloped XML-DSig over the whole document, RSA-SHA256
//! with SHA-256 digests and exclusive (or inclusive) C14N, the facility's X.509 certificate in
//! `KeyInfo`. BHYT-FORMATS §a leaves the profile open; this is the common enveloped profile that
//! `xmlsec1 --verify` accepts.

use bergshamra::keys::loader;
use bergshamra::{DsigContext, KeysManager};
use chrono::{DateTime, Utc};
use x509_cert::der::{Decode, DecodePem};

/// Canonicalisation of the signed content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Canonicalisation {
    /// Exclusive C14N 1.0 (the default).
    Exclusive,
    /// Inclusive C14N 1.0.
    Inclusive,
}

impl Canonicalisation {
    fn uri(self) -> &'static str {
        match self {
            Canonicalisation::Exclusive => "http://www.w3.org/2001/10/xml-exc-c14n#",
            Canonicalisation::Inclusive => "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot load the facility key: {0}")]
    Key(String),
    #[error("cannot read the facility certificate: {0}")]
    Certificate(String),
    #[error("the document has no empty CHUKYDONVI to sign into")]
    NoSlot,
    #[error("signing failed: {0}")]
    Sign(String),
}

/// A facility's signing key and certificate.
pub struct FacilitySigner {
    context: DsigContext,
    c14n: Canonicalisation,
    /// The certificate's `notAfter`: operators watch it (a signature by an expired certificate is refused).
    pub not_after: DateTime<Utc>,
    pub subject: String,
}

fn certificate_facts(der: &[u8]) -> Result<(DateTime<Utc>, String), SignError> {
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| SignError::Certificate(e.to_string()))?;
    let not_after = cert.tbs_certificate.validity.not_after.to_unix_duration();
    let not_after = DateTime::from_timestamp(not_after.as_secs() as i64, 0).unwrap_or_default();
    Ok((not_after, cert.tbs_certificate.subject.to_string()))
}

impl FacilitySigner {
    /// From a PEM private key (PKCS#1 or PKCS#8) and a PEM certificate.
    pub fn from_pem(key_pem: &[u8], cert_pem: &[u8], c14n: Canonicalisation) -> Result<Self, SignError> {
        let mut key = loader::load_rsa_private_pem(key_pem).map_err(|e| SignError::Key(e.to_string()))?;
        let cert = loader::load_x509_cert_pem(cert_pem).map_err(|e| SignError::Certificate(e.to_string()))?;
        key.x509_chain = cert.x509_chain;
        let pem = std::str::from_utf8(cert_pem).map_err(|e| SignError::Certificate(e.to_string()))?;
        let parsed = x509_cert::Certificate::from_pem(pem.trim()).map_err(|e| SignError::Certificate(e.to_string()))?;
        let der = x509_cert::der::Encode::to_der(&parsed).map_err(|e| SignError::Certificate(e.to_string()))?;
        Self::from_key(key, &der, c14n)
    }

    /// From a PKCS#12 bundle (as USB tokens and HSM exports hand them out).
    pub fn from_pkcs12(bytes: &[u8], password: &str, c14n: Canonicalisation) -> Result<Self, SignError> {
        let key = loader::load_pkcs12(bytes, password).map_err(|e| SignError::Key(e.to_string()))?;
        let der = key
            .x509_chain
            .first()
            .cloned()
            .ok_or_else(|| SignError::Certificate("no certificate in the PKCS#12".into()))?;
        Self::from_key(key, &der, c14n)
    }

    fn from_key(key: bergshamra::Key, cert_der: &[u8], c14n: Canonicalisation) -> Result<Self, SignError> {
        let (not_after, subject) = certificate_facts(cert_der)?;
        let mut manager = KeysManager::new();
        manager.add_key(key);
        Ok(FacilitySigner { context: DsigContext::new(manager), c14n, not_after, subject })
    }

    /// Signs a `GIAMDINHHS` (or XML0/XML12) document whose `CHUKYDONVI` is empty.
    pub fn sign(&self, document: &[u8]) -> Result<Vec<u8>, SignError> {
        let text = std::str::from_utf8(document).map_err(|e| SignError::Sign(e.to_string()))?;
        let slot = "<CHUKYDONVI/>";
        let at = text.rfind(slot).ok_or(SignError::NoSlot)?;
        let c14n = self.c14n.uri();
        let template = format!(
            "<CHUKYDONVI><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>\
             <CanonicalizationMethod Algorithm=\"{c14n}\"/>\
             <SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
             <Reference URI=\"\"><Transforms>\
             <Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
             <Transform Algorithm=\"{c14n}\"/></Transforms>\
             <DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue></DigestValue>\
             </Reference></SignedInfo><SignatureValue></SignatureValue>\
             <KeyInfo><X509Data><X509Certificate></X509Certificate></X509Data></KeyInfo></Signature></CHUKYDONVI>"
        );
        let unsigned = format!("{}{template}{}", &text[..at], &text[at + slot.len()..]);
        bergshamra::sign(&self.context, &unsigned).map(String::into_bytes).map_err(|e| SignError::Sign(e.to_string()))
    }
}
