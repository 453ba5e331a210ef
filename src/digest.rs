//! Digests and random tokens: the SHA-256 of keys, sessions and catalogue files, the MD5 the BHXH
//! protocol sends as a password, and the random secrets they are made of. A leaf: it imports
//! nothing of the gateway.

use rand::Rng;
use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes`, in lower-case hex.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

/// The MD5 of a password in uppercase hex: what the BHXH portal's protocol sends as the password
/// (BHXH-API.md §2), for the gateway's own account and for the front door's.
pub fn md5_upper_hex(text: &str) -> String {
    hex::encode_upper(<md5::Md5 as md5::Digest>::digest(text.as_bytes()))
}

/// Compares two digests without an early exit.
pub fn digests_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `bytes` random bytes in hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portals_md5_is_uppercase_hex() {
        assert_eq!(md5_upper_hex("abc"), "900150983CD24FB0D6963F7D28E17F72");
    }

    #[test]
    fn digests_compare_exactly() {
        assert!(digests_equal("abc", "abc"));
        assert!(!digests_equal("abc", "abd"));
        assert!(!digests_equal("abc", "ab"));
    }

    #[test]
    fn random_tokens_differ_and_have_their_length() {
        assert_eq!(random_hex(16).len(), 32);
        assert_ne!(random_hex(16), random_hex(16));
    }
}
