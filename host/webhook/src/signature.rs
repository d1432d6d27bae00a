//! Lever's signature scheme: HMAC-SHA256, keyed by the webhook's signature
//! token, over the plain concatenation `token + triggeredAt`.
//!
//! Not over the body and not in a header: third-party write-ups that say
//! otherwise are wrong (see the reference, lever-api.md §10).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::secret::Secret;

type HmacSha256 = Hmac<Sha256>;

/// The HMAC-SHA256 of `token + triggered_at` keyed by `key`, as raw bytes.
///
/// `triggered_at` is the decimal text exactly as it appeared in the JSON.
pub fn digest(key: &Secret, token: &str, triggered_at: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key.expose().as_bytes()).expect("HMAC takes any key length");
    mac.update(token.as_bytes());
    mac.update(triggered_at.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The signature Lever would send: the digest as lowercase hex.
pub fn sign(key: &Secret, token: &str, triggered_at: &str) -> String {
    to_hex(&digest(key, token, triggered_at))
}

/// Whether `signature` (hex, as found in the body) is the right one.
///
/// The hex is decoded first and the bytes are compared in constant time, so
/// the time taken says nothing about how many leading bytes were right.
/// Upper-case hex is accepted: the bytes, not their spelling, are signed.
pub fn matches(key: &Secret, token: &str, triggered_at: &str, signature: &str) -> bool {
    let Some(given) = from_hex(signature.trim()) else {
        return false;
    };
    constant_time_eq(&digest(key, token, triggered_at), &given)
}

/// Constant-time equality of two byte strings; a length difference is public.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    text.chunks(2).map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_test_case_2() {
        // Key "Jefe", data "what do ya want for nothing?": split across the
        // token and timestamp to show the message is a plain concatenation.
        let key = Secret::new("Jefe");
        assert_eq!(
            sign(&key, "what do ya want ", "for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn matches_lowercase_and_uppercase_hex_only_for_the_right_digest() {
        let key = Secret::new("k");
        let good = sign(&key, "t", "1");
        assert!(matches(&key, "t", "1", &good));
        assert!(matches(&key, "t", "1", &good.to_uppercase()));
        assert!(!matches(&key, "t", "2", &good));
        assert!(!matches(&key, "t", "1", &good[..62]));
        assert!(!matches(&key, "t", "1", "zz"));
        assert!(!matches(&key, "t", "1", ""));
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    /// A guard against a later edit comparing signatures with `==`, which
    /// returns at the first differing byte and leaks the prefix by timing.
    #[test]
    fn the_comparison_is_constant_time() {
        let source = include_str!("signature.rs");
        let code = source.split("#[cfg(test)]").next().unwrap();
        let body = code.split("pub fn matches").nth(1).unwrap().split("pub fn constant_time_eq").next().unwrap();
        assert!(body.contains("constant_time_eq("), "matches() must compare through constant_time_eq");
        assert!(!body.contains("=="), "matches() must not compare with ==");
        let helper = code.split("pub fn constant_time_eq").nth(1).unwrap().split("fn to_hex").next().unwrap();
        assert!(helper.contains(".ct_eq("), "constant_time_eq must use subtle's ct_eq");
    }
}
