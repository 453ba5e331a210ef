//! The master keys: read from text (one base64-encoded 256-bit key per line or comma, `#`
//! comments), the first one current; each known by an id derived from it.

use base64::prelude::{BASE64_STANDARD, Engine};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::Path;

const KEY_BYTES: usize = 32;
/// Digests of the audit log without a master key (development mode): no protection, only one
/// code path.
const DEVELOPMENT_DIGEST_KEY: &[u8] = b"hisgate development: no master key configured";

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("cannot read the master key file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("master key {position} is not a base64-encoded 32-byte key")]
    Invalid { position: usize },
    #[error("the master key file {0} holds no key")]
    Empty(String),
}

impl MasterKeyError {
    pub(super) fn file(path: &Path, e: &std::io::Error) -> Self {
        MasterKeyError::File { path: path.display().to_string(), reason: e.to_string() }
    }
}

/// A master key's id: 16 hex digits of a SHA-256 of the key (not of any use to find the key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId(String);

impl KeyId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub struct MasterKey {
    id: KeyId,
    secret: [u8; KEY_BYTES],
    /// The key of the audit digests, derived from the master key.
    digest_key: [u8; 32],
}

impl MasterKey {
    fn new(secret: [u8; KEY_BYTES]) -> Self {
        let id =
            hex::encode(&Sha256::new().chain_update(b"hisgate master key id|").chain_update(secret).finalize()[..8]);
        let digest_key = keyed(&secret, b"hisgate audit digest key");
        MasterKey { id: KeyId(id), secret, digest_key }
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    pub(super) fn secret(&self) -> &[u8] {
        &self.secret
    }
}

fn keyed(key: &[u8], value: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(value);
    mac.finalize().into_bytes().into()
}

/// The configured master keys, the current one first.
#[derive(Default)]
pub struct Keyring {
    keys: Vec<MasterKey>,
}

impl Keyring {
    pub fn parse(text: &str) -> Result<Self, MasterKeyError> {
        let keys = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with('#'))
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .enumerate()
            .map(|(i, line)| {
                let bytes = BASE64_STANDARD.decode(line).map_err(|_| MasterKeyError::Invalid { position: i + 1 })?;
                let secret: [u8; KEY_BYTES] =
                    bytes.try_into().map_err(|_| MasterKeyError::Invalid { position: i + 1 })?;
                Ok(MasterKey::new(secret))
            })
            .collect::<Result<_, _>>()?;
        Ok(Keyring { keys })
    }

    pub fn read_file(path: &Path) -> Result<Self, MasterKeyError> {
        let text = std::fs::read_to_string(path).map_err(|e| MasterKeyError::file(path, &e))?;
        Self::parse(&text)
    }

    pub fn current(&self) -> Option<&MasterKey> {
        self.keys.first()
    }

    pub fn find(&self, id: &str) -> Option<&MasterKey> {
        self.keys.iter().find(|k| k.id.0 == id)
    }

    pub fn ids(&self) -> Vec<KeyId> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }

    pub fn digest(&self, value: &str) -> String {
        digest_under(self.current().map_or(DEVELOPMENT_DIGEST_KEY, |k| &k.digest_key), value)
    }

    pub fn digests(&self, value: &str) -> Vec<String> {
        if self.keys.is_empty() {
            return vec![self.digest(value)];
        }
        self.keys.iter().map(|k| digest_under(&k.digest_key, value)).collect()
    }
}

fn digest_under(key: &[u8], value: &str) -> String {
    format!("digest:{}", hex::encode(&keyed(key, value.as_bytes())[..16]))
}

/// A new random master key, base64-encoded as the key file holds it.
pub fn generate_key() -> String {
    let mut secret = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut secret);
    BASE64_STANDARD.encode(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_in_order_with_comments_and_bad_ones_named() {
        let (a, b) = (generate_key(), generate_key());
        let ring = Keyring::parse(&format!("# current first, then older ones\n{a}\n\n{b}\n")).unwrap();
        assert_eq!(ring.ids().len(), 2);
        assert_eq!(ring.current().unwrap().id(), &Keyring::parse(&a).unwrap().ids()[0]);
        assert_eq!(Keyring::parse(&format!("{a},{b}")).unwrap().ids(), ring.ids());
        assert!(matches!(Keyring::parse(&format!("{a}\nshort")), Err(MasterKeyError::Invalid { position: 2 })));
        assert!(Keyring::parse("").unwrap().current().is_none());
    }
}
