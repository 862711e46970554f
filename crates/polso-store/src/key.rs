//! The store's encryption key: 32 random bytes, kept in the OS keyring as hex.
//!
//! SQLCipher is given the key raw (`PRAGMA key = "x'…'"`), so no password-based
//! key derivation runs at every start: the key already has full entropy, because
//! it comes from the operating system's random source and never from a person.

use std::fmt;

/// The key that encrypts the local store.
///
/// It is deliberately not `Display`, and its `Debug` output hides the bytes, so
/// that the key cannot end up in a log or an error message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey {
    bytes: [u8; StoreKey::LENGTH],
}

/// Why a text is not a store key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a store key is {expected} hexadecimal digits; this text has {found} characters or a non-hex digit")]
pub struct KeyFormatError {
    /// How many characters a key's hex form has.
    pub expected: usize,
    /// How many characters the text had.
    pub found: usize,
}

impl StoreKey {
    /// The key's length in bytes (256 bits, SQLCipher's raw key size).
    pub const LENGTH: usize = 32;

    /// A new key from the operating system's random source.
    pub fn generate() -> Result<StoreKey, getrandom::Error> {
        let mut bytes = [0_u8; StoreKey::LENGTH];
        getrandom::fill(&mut bytes)?;
        Ok(StoreKey { bytes })
    }

    /// The key with these bytes; for tests and for keys read from elsewhere.
    pub fn from_bytes(bytes: [u8; StoreKey::LENGTH]) -> StoreKey {
        StoreKey { bytes }
    }

    /// The key written as 64 hexadecimal digits, as [`StoreKey::to_hex`] writes it.
    ///
    /// Upper- and lower-case digits are accepted; nothing else, not even spaces.
    pub fn from_hex(text: &str) -> Result<StoreKey, KeyFormatError> {
        let format_error = KeyFormatError { expected: StoreKey::LENGTH * 2, found: text.chars().count() };
        let digits = text.as_bytes();
        if digits.len() != StoreKey::LENGTH * 2 {
            return Err(format_error);
        }
        let mut bytes = [0_u8; StoreKey::LENGTH];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let high = hex_digit_value(pair[0]).ok_or_else(|| format_error.clone())?;
            let low = hex_digit_value(pair[1]).ok_or_else(|| format_error.clone())?;
            *byte = (high << 4) | low;
        }
        Ok(StoreKey { bytes })
    }

    /// The key as 64 lower-case hexadecimal digits: the form kept in the keyring
    /// and given to SQLCipher.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(StoreKey::LENGTH * 2);
        for byte in self.bytes {
            text.push(char::from(DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        text
    }

    /// The statement that gives this key to SQLCipher as a raw key, with no key
    /// derivation. Only hex digits are interpolated, so the text cannot inject SQL.
    pub(crate) fn pragma_key_statement(&self) -> String {
        format!("PRAGMA key = \"x'{}'\";", self.to_hex())
    }
}

fn hex_digit_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let key = StoreKey::generate().unwrap();
        let hex = key.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex.bytes().all(|digit| digit.is_ascii_hexdigit() && !digit.is_ascii_uppercase()));
        assert_eq!(StoreKey::from_hex(&hex).unwrap(), key);
        assert_eq!(StoreKey::from_hex(&hex.to_uppercase()).unwrap(), key);
    }

    #[test]
    fn known_bytes_have_known_hex() {
        let mut bytes = [0_u8; 32];
        bytes[0] = 0xab;
        bytes[31] = 0x0f;
        let hex = StoreKey::from_bytes(bytes).to_hex();
        assert!(hex.starts_with("ab00"));
        assert!(hex.ends_with("000f"));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(StoreKey::generate().unwrap(), StoreKey::generate().unwrap());
    }

    #[test]
    fn malformed_hex_is_refused() {
        let valid = "0".repeat(64);
        let cases = [
            String::new(),
            "0".repeat(63),
            "0".repeat(65),
            format!("{}g", "0".repeat(63)),
            format!(" {}", "0".repeat(63)),
            format!("{}é", "0".repeat(62)),
        ];
        assert!(StoreKey::from_hex(&valid).is_ok());
        for case in cases {
            assert!(StoreKey::from_hex(&case).is_err(), "{case:?}");
        }
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = StoreKey::from_bytes([0xab; 32]);
        let debug = format!("{key:?}");
        assert!(!debug.contains("ab"), "{debug}");
        assert!(!debug.contains("171"), "{debug}");
    }

    #[test]
    fn pragma_statement_is_a_raw_key() {
        let key = StoreKey::from_bytes([0x01; 32]);
        assert_eq!(key.pragma_key_statement(), format!("PRAGMA key = \"x'{}'\";", "01".repeat(32)));
    }
}
