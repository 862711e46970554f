//! Tokens, invite codes and the keyed hashes the server keeps instead of them.
//!
//! The server never stores a secret it hands out: device tokens, HR tokens and
//! invite codes are kept as SHA-256 hashes (they carry 256 or 60 random bits,
//! so a plain hash cannot be reversed by guessing). A report's receipt is an
//! HMAC of the raw device token and the week under the server's own secret,
//! so a copy of the database cannot link receipts to devices: the raw token
//! exists only on the device and, for the length of a request, in memory.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Result, ServerError};

/// A SHA-256 or HMAC-SHA256 output.
pub type Hash32 = [u8; 32];

/// The prefix of device tokens, so a token pasted in the wrong place is recognisable.
pub const DEVICE_TOKEN_PREFIX: &str = "pd_";

/// The prefix of HR tokens.
pub const HR_TOKEN_PREFIX: &str = "ph_";

/// Crockford's base-32 alphabet: no I, L, O or U, so codes read aloud survive.
const INVITE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in an invite code, without dashes: 12 × 5 = 60 random bits.
const INVITE_LENGTH: usize = 12;

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| ServerError::Randomness(error.to_string()))?;
    Ok(bytes)
}

/// A new device token: the prefix and 256 random bits in hex.
pub fn new_device_token() -> Result<String> {
    Ok(format!("{DEVICE_TOKEN_PREFIX}{}", to_hex(&random_bytes::<32>()?)))
}

/// A new HR token: the prefix and 256 random bits in hex.
pub fn new_hr_token() -> Result<String> {
    Ok(format!("{HR_TOKEN_PREFIX}{}", to_hex(&random_bytes::<32>()?)))
}

/// A new invite code, such as `7KQM-2XWD-PR9T`.
pub fn new_invite_code() -> Result<String> {
    let bytes = random_bytes::<INVITE_LENGTH>()?;
    let characters: Vec<char> =
        bytes.iter().map(|byte| char::from(INVITE_ALPHABET[usize::from(byte % 32)])).collect();
    Ok(characters.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

/// An invite code as typed, reduced to the form it was hashed in: upper case,
/// without spaces or dashes.
pub fn normalise_invite_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|character| !matches!(character, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A new random id with a readable prefix, such as `team_3f9a0c1d2e4b5a69`.
pub fn new_id(prefix: &str) -> Result<String> {
    Ok(format!("{prefix}_{}", to_hex(&random_bytes::<8>()?)))
}

/// A new organisation seed, below 2^53 so JavaScript reads it exactly.
pub fn new_organisation_seed() -> Result<u64> {
    Ok(u64::from_le_bytes(random_bytes::<8>()?) & ((1 << 53) - 1))
}

/// The SHA-256 of a token or code, as stored.
pub fn hash_secret(secret: &str) -> Hash32 {
    Sha256::digest(secret.as_bytes()).into()
}

/// HMAC-SHA256 of `parts`, each prefixed with its length so no two different
/// lists of parts hash alike.
pub fn keyed_hash(key: &[u8], parts: &[&[u8]]) -> Hash32 {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_three_groups_of_four_and_normalise_back() {
        let code = new_invite_code().unwrap();
        assert_eq!(code.len(), 14, "{code}");
        assert_eq!(code.split('-').count(), 3, "{code}");
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(normalise_invite_code(&typed), code.replace('-', ""));
    }

    #[test]
    fn keyed_hash_separates_parts() {
        assert_ne!(keyed_hash(b"key", &[b"ab", b"c"]), keyed_hash(b"key", &[b"a", b"bc"]));
        assert_ne!(keyed_hash(b"key", &[b"abc"]), keyed_hash(b"other", &[b"abc"]));
    }

    #[test]
    fn seeds_fit_in_a_javascript_number() {
        for _ in 0..100 {
            assert!(new_organisation_seed().unwrap() < (1 << 53));
        }
    }
}
