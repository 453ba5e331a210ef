//! Encryption at rest of what the store keeps about patients: stored episodes and check-ins.
//!
//! Envelope encryption: every row gets its own random 256-bit data key; the row's JSON is
//! compressed (zstd) and sealed with it (AES-256-GCM), and the data key is sealed (wrapped) with
//! the current master key. The stored text is `v1.<wrapped data key>.<sealed body>` (base64url),
//! and the id of the master key that wrapped it sits beside it in its own column. Rotating the
//! master key re-wraps the 60-byte data keys only; bodies are never rewritten.
//!
//! Master keys come from `HISGATE_MASTER_KEY_FILE` (one base64 key per line, the first one
//! current, the others still read) or `HISGATE_MASTER_KEY` (the same, comma-separated). The file
//! is read again when it changes, so `hisgate keys rotate-master` takes effect without a restart.
//!
//! Both sealings carry associated data: the data key is bound to its master key's id and to the
//! row (its content digest or id), the body to the row, so a sealed value moved to another row or
//! relabelled with another key id does not open.

mod keyring;

pub use keyring::{KeyId, Keyring, MasterKeyError, generate_key};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::prelude::{BASE64_URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

const NONCE_BYTES: usize = 12;
const DATA_KEY_BYTES: usize = 32;
/// zstd's fast level -1: a typical 9.8 KB episode compresses to 2.3 KB in 27 µs (level 1: 2.0 KB
/// in 34 µs) on the 2-core build machine; sealing is on every ingest's path.
const COMPRESSION_LEVEL: i32 = -1;
/// The envelope's format, first in every sealed value.
const FORMAT: &str = "v1";

/// zstd at [`COMPRESSION_LEVEL`], with one context per thread: making a context for each value
/// took longer than compressing a typical episode with it.
fn compress(plain: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: RefCell<zstd::bulk::Compressor<'static>> =
            RefCell::new(zstd::bulk::Compressor::new(COMPRESSION_LEVEL).expect("zstd makes a context at a valid level"));
    }
    COMPRESSOR.with_borrow_mut(|compressor| compressor.compress(plain)).expect("zstd compresses any bytes")
}

/// The inverse of [`compress`], with one context per thread too (dispatch opens every stored
/// episode). The frame records its size ([`compress`] always writes it), so the output is
/// allocated once at its exact length.
fn decompress(compressed: &[u8]) -> Result<Vec<u8>, VaultError> {
    thread_local! {
        static DECOMPRESSOR: RefCell<zstd::bulk::Decompressor<'static>> =
            RefCell::new(zstd::bulk::Decompressor::new().expect("zstd makes a decompression context"));
    }
    let size = zstd::bulk::Decompressor::upper_bound(compressed).ok_or(VaultError::Unopenable)?;
    DECOMPRESSOR
        .with_borrow_mut(|decompressor| decompressor.decompress(compressed, size))
        .map_err(|_| VaultError::Unopenable)
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("a stored value is sealed with master key {0}, which is not among the configured keys")]
    UnknownKey(String),
    #[error("a stored value does not open with its master key (damaged, or moved from another row)")]
    Unopenable,
    #[error("a stored value is not a sealed envelope")]
    Malformed,
    #[error(transparent)]
    Key(#[from] MasterKeyError),
    #[error(
        "no master key is configured: set HISGATE_MASTER_KEY_FILE (`hisgate keys new-master FILE` writes one) or \
         HISGATE_MASTER_KEY, or HISGATE_MODE=development to store patients' records in clear"
    )]
    Required,
    #[error("set either HISGATE_MASTER_KEY_FILE or HISGATE_MASTER_KEY, not both")]
    TwoSources,
}

/// A value as stored: the text of its column and the id of the master key that wrapped its data
/// key (`None`: stored in clear, by a gateway without a master key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub text: String,
    pub key: Option<String>,
}

/// Where the master keys come from, to read them again.
#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    /// Fixed for the life of the process (an environment variable, a test's key).
    Fixed,
    /// No key: values are stored in clear (development mode only).
    None,
}

/// The master keys in use and the sealing and opening of stored values.
pub struct Vault {
    source: Source,
    ring: RwLock<Arc<Keyring>>,
    /// The key file's modification time and length when last read.
    file_stamp: Mutex<Option<(std::time::SystemTime, u64)>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("source", &self.source).field("current", &self.current_key()).finish()
    }
}

impl Vault {
    /// The vault of the configuration: the keys of `file` or `keys`; none (values in clear) only
    /// when not `required`.
    pub fn configured(file: Option<PathBuf>, keys: Option<&str>, required: bool) -> Result<Self, VaultError> {
        match (file, keys) {
            (Some(_), Some(_)) => Err(VaultError::TwoSources),
            (Some(file), None) => Self::from_file(file),
            (None, Some(keys)) => {
                let vault = Self::from_text(keys)?;
                if vault.current_key().is_none() {
                    return Err(VaultError::Required);
                }
                Ok(vault)
            }
            (None, None) if required => Err(VaultError::Required),
            (None, None) => {
                tracing::warn!(
                    "no master key (HISGATE_MODE=development): patients' records are stored in clear; \
                     a key configured later seals them in the background"
                );
                Ok(Self::cleartext())
            }
        }
    }

    /// The key file, when the keys come from one.
    pub fn key_file(&self) -> Option<&std::path::Path> {
        match &self.source {
            Source::File(path) => Some(path),
            _ => None,
        }
    }

    /// The keys of `file`, read again whenever the file changes.
    pub fn from_file(file: PathBuf) -> Result<Self, VaultError> {
        let vault =
            Vault { source: Source::File(file), ring: RwLock::new(Arc::default()), file_stamp: Mutex::default() };
        vault.reload()?;
        Ok(vault)
    }

    /// Fixed keys, as text (one base64 key per line or comma).
    pub fn from_text(text: &str) -> Result<Self, VaultError> {
        let ring = Keyring::parse(text)?;
        Ok(Vault { source: Source::Fixed, ring: RwLock::new(Arc::new(ring)), file_stamp: Mutex::default() })
    }

    /// No key: values are stored and read in clear.
    pub fn cleartext() -> Self {
        Vault { source: Source::None, ring: RwLock::new(Arc::default()), file_stamp: Mutex::default() }
    }

    fn ring(&self) -> Arc<Keyring> {
        self.ring.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The id of the key new values are sealed with; `None` without a key.
    pub fn current_key(&self) -> Option<KeyId> {
        self.ring().current().map(|k| k.id().clone())
    }

    /// The ids of every configured key, the current one first.
    pub fn key_ids(&self) -> Vec<KeyId> {
        self.ring().ids()
    }

    /// Reads the key file again if it changed since it was last read; whether it did.
    pub fn reload(&self) -> Result<bool, VaultError> {
        let Source::File(path) = &self.source else { return Ok(false) };
        let meta = std::fs::metadata(path).map_err(|e| MasterKeyError::file(path, &e))?;
        let stamp = (meta.modified().map_err(|e| MasterKeyError::file(path, &e))?, meta.len());
        let mut seen = self.file_stamp.lock().unwrap_or_else(|p| p.into_inner());
        if *seen == Some(stamp) {
            return Ok(false);
        }
        let ring = Keyring::read_file(path)?;
        if ring.current().is_none() {
            return Err(MasterKeyError::Empty(path.display().to_string()).into());
        }
        *self.ring.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(ring);
        *seen = Some(stamp);
        Ok(true)
    }

    /// Seals `plain` for the row `binding` (a value that identifies the row and is stored in
    /// clear beside it) under the current master key; in clear without one.
    pub fn seal(&self, plain: &str, binding: &str) -> Sealed {
        let ring = self.ring();
        let Some(master) = ring.current() else { return Sealed { text: plain.to_owned(), key: None } };
        let mut data_key = [0u8; DATA_KEY_BYTES];
        rand::rng().fill_bytes(&mut data_key);
        let compressed = compress(plain.as_bytes());
        let body = seal_with(&data_key, &compressed, &body_context(binding));
        let wrapped = seal_with(master.secret(), &data_key, &key_context(master.id(), binding));
        let text =
            format!("{FORMAT}.{}.{}", BASE64_URL_SAFE_NO_PAD.encode(wrapped), BASE64_URL_SAFE_NO_PAD.encode(body));
        Sealed { text, key: Some(master.id().to_string()) }
    }

    /// The clear text of a stored value of row `binding`.
    pub fn open(&self, text: &str, key: Option<&str>, binding: &str) -> Result<String, VaultError> {
        let Some(key) = key else { return Ok(text.to_owned()) };
        let (wrapped, body) = split(text)?;
        let data_key = self.unwrap_data_key(key, &wrapped, binding)?;
        let compressed = open_with(&data_key, &body, &body_context(binding))?;
        String::from_utf8(decompress(&compressed)?).map_err(|_| VaultError::Unopenable)
    }

    /// The value sealed under the current key instead of `key` (re-wrapping its data key, or
    /// sealing a value stored in clear); `None` when it already is, or there is no key.
    pub fn rewrap(&self, text: &str, key: Option<&str>, binding: &str) -> Result<Option<Sealed>, VaultError> {
        let ring = self.ring();
        let Some(master) = ring.current() else { return Ok(None) };
        let Some(key) = key else { return Ok(Some(self.seal(text, binding))) };
        if key == master.id().as_str() {
            return Ok(None);
        }
        let (wrapped, body) = split(text)?;
        let data_key = self.unwrap_data_key(key, &wrapped, binding)?;
        let rewrapped = seal_with(master.secret(), &data_key, &key_context(master.id(), binding));
        let text =
            format!("{FORMAT}.{}.{}", BASE64_URL_SAFE_NO_PAD.encode(rewrapped), BASE64_URL_SAFE_NO_PAD.encode(body));
        Ok(Some(Sealed { text, key: Some(master.id().to_string()) }))
    }

    fn unwrap_data_key(&self, key: &str, wrapped: &[u8], binding: &str) -> Result<Vec<u8>, VaultError> {
        let ring = self.ring();
        let master = ring.find(key).ok_or_else(|| VaultError::UnknownKey(key.to_owned()))?;
        open_with(master.secret(), wrapped, &key_context(master.id(), binding))
    }

    /// A keyed digest of a personal value (a card number, a citizen ID) for the audit log: the
    /// same value gives the same digest under one master key, and without the key nobody can
    /// test a guess. `digest:` and 32 hex digits; without a key, a fixed development key.
    pub fn digest(&self, value: &str) -> String {
        self.ring().digest(value)
    }

    /// The digests of `value` under every configured key: what an audit search looks for.
    pub fn digests(&self, value: &str) -> Vec<String> {
        self.ring().digests(value)
    }
}

fn body_context(binding: &str) -> String {
    format!("hisgate body|{binding}")
}

fn key_context(key: &KeyId, binding: &str) -> String {
    format!("hisgate data key|{key}|{binding}")
}

/// `nonce ‖ ciphertext ‖ tag` of `plain` under `key`, bound to `context`.
fn seal_with(key: &[u8], plain: &[u8], context: &str) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(key).expect("keys are 32 bytes");
    let mut nonce = [0u8; NONCE_BYTES];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(&nonce.into(), Payload { msg: plain, aad: context.as_bytes() })
        .expect("AES-GCM seals any value under 64 GB");
    let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

fn open_with(key: &[u8], sealed: &[u8], context: &str) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < NONCE_BYTES {
        return Err(VaultError::Malformed);
    }
    let (nonce, body) = sealed.split_at(NONCE_BYTES);
    let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| VaultError::Malformed)?;
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| VaultError::Malformed)?;
    cipher.decrypt(&nonce.into(), Payload { msg: body, aad: context.as_bytes() }).map_err(|_| VaultError::Unopenable)
}

/// The wrapped data key and the sealed body of a stored envelope.
fn split(text: &str) -> Result<(Vec<u8>, Vec<u8>), VaultError> {
    let mut parts = text.splitn(3, '.');
    let (Some(FORMAT), Some(wrapped), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(VaultError::Malformed);
    };
    let decode = |part: &str| BASE64_URL_SAFE_NO_PAD.decode(part).map_err(|_| VaultError::Malformed);
    Ok((decode(wrapped)?, decode(body)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault_of(keys: &[&str]) -> Vault {
        Vault::from_text(&keys.join("\n")).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_and_shows_nothing_of_itself() {
        let key = generate_key();
        let vault = vault_of(&[&key]);
        let plain = r#"{"HO_TEN":"Nguyễn Văn Bảo","MA_THE_BHYT":"HS4010123456789"}"#;
        let sealed = vault.seal(plain, "row-1");
        assert_eq!(sealed.key.as_deref(), Some(vault.current_key().unwrap().as_str()));
        assert!(!sealed.text.contains("Nguy") && !sealed.text.contains("HS40"));
        assert_eq!(vault.open(&sealed.text, sealed.key.as_deref(), "row-1").unwrap(), plain);
        // Two sealings of one value differ (fresh data key and nonces).
        assert_ne!(vault.seal(plain, "row-1").text, sealed.text);
    }

    #[test]
    fn a_value_moved_to_another_row_or_key_or_altered_does_not_open() {
        let vault = vault_of(&[&generate_key()]);
        let sealed = vault.seal("{\"a\":1}", "row-1");
        let key = sealed.key.as_deref();
        assert!(matches!(vault.open(&sealed.text, key, "row-2"), Err(VaultError::Unopenable)));
        assert!(matches!(vault.open(&sealed.text, Some("0000000000000000"), "row-1"), Err(VaultError::UnknownKey(_))));
        let mut altered = sealed.text.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert!(matches!(vault.open(&altered, key, "row-1"), Err(VaultError::Unopenable)));
        assert!(matches!(vault.open("{\"a\":1}", key, "row-1"), Err(VaultError::Malformed)));
    }

    #[test]
    fn rotation_rewraps_the_data_key_and_keeps_the_body() {
        let (old, new) = (generate_key(), generate_key());
        let before = vault_of(&[&old]);
        let sealed = before.seal("{\"x\":\"y\"}", "row-9");
        let after = vault_of(&[&new, &old]);
        let rewrapped = after.rewrap(&sealed.text, sealed.key.as_deref(), "row-9").unwrap().unwrap();
        assert_eq!(rewrapped.key.as_deref(), Some(after.current_key().unwrap().as_str()));
        assert_eq!(rewrapped.text.rsplit('.').next(), sealed.text.rsplit('.').next(), "the body is untouched");
        assert_eq!(after.open(&rewrapped.text, rewrapped.key.as_deref(), "row-9").unwrap(), "{\"x\":\"y\"}");
        assert!(after.rewrap(&rewrapped.text, rewrapped.key.as_deref(), "row-9").unwrap().is_none());
        // Only the new key left: the re-wrapped value still opens, the old one no longer does.
        let only_new = vault_of(&[&new]);
        assert!(only_new.open(&rewrapped.text, rewrapped.key.as_deref(), "row-9").is_ok());
        assert!(matches!(only_new.open(&sealed.text, sealed.key.as_deref(), "row-9"), Err(VaultError::UnknownKey(_))));
        // A value stored in clear is sealed by a re-wrap.
        let sealed_now = after.rewrap("{}", None, "row-3").unwrap().unwrap();
        assert_eq!(after.open(&sealed_now.text, sealed_now.key.as_deref(), "row-3").unwrap(), "{}");
    }

    #[test]
    fn without_a_key_values_stay_in_clear() {
        let vault = Vault::cleartext();
        let sealed = vault.seal("{}", "row");
        assert_eq!(sealed, Sealed { text: "{}".to_owned(), key: None });
        assert_eq!(vault.open("{}", None, "row").unwrap(), "{}");
        assert!(vault.rewrap("{}", None, "row").unwrap().is_none());
    }

    #[test]
    fn digests_are_keyed_and_searchable_under_every_key() {
        let (old, new) = (generate_key(), generate_key());
        let a = vault_of(&[&old]);
        let b = vault_of(&[&new, &old]);
        let card = "HS4010123456789";
        assert_eq!(a.digest(card), a.digest(card));
        assert_ne!(a.digest(card), b.digest(card));
        assert!(a.digest(card).starts_with("digest:") && !a.digest(card).contains("0123456789"));
        assert_eq!(b.digests(card), vec![b.digest(card), a.digest(card)]);
    }

    #[test]
    fn the_key_file_is_read_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let first = generate_key();
        std::fs::write(&path, format!("# hisgate master keys\n{first}\n")).unwrap();
        let vault = Vault::from_file(path.clone()).unwrap();
        let before = vault.current_key().unwrap();
        assert!(!vault.reload().unwrap());
        std::fs::write(&path, format!("{}\n{first}\n", generate_key())).unwrap();
        assert!(vault.reload().unwrap());
        assert_ne!(vault.current_key().unwrap(), before);
        assert_eq!(vault.key_ids()[1], before);
    }
}
