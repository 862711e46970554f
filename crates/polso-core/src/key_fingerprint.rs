//! The fingerprint of a public key (a team's blind-signing key, the helper
//! server's HPKE key), written once for the server's admin command line and
//! the app, so the two can never print it differently.
//!
//! Why it exists: a server that gave each person a different team key could
//! tell people apart by the key their credential verifies under ("key
//! partitioning"). Everyone in a team enrols under the same key, so everyone
//! sees the same fingerprint; HR can publish the one the command line prints,
//! and anyone can compare it with the one the app shows.

use sha2::{Digest, Sha256};

/// How many bytes of the SHA-256 digest the fingerprint shows: 128 bits.
const FINGERPRINT_BYTES: usize = 16;

/// A public key's fingerprint: the first 16 bytes of the SHA-256 of its
/// encoding (the DER SubjectPublicKeyInfo of an RSA key, the raw 32 bytes of
/// an X25519 key), in lower-case hex groups of four separated by dashes, such
/// as `3f9a-0c1d-…` (eight groups, 39 characters). A different fingerprint
/// means a different key.
pub fn key_fingerprint(public_key: &[u8]) -> String {
    let digest = Sha256::digest(public_key);
    let hex: Vec<String> = digest[..FINGERPRINT_BYTES].iter().map(|byte| format!("{byte:02x}")).collect();
    hex.chunks(2).map(|pair| pair.concat()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    #[test]
    fn a_fingerprint_is_the_first_half_of_the_sha256_in_groups_of_four() {
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 …
        expect!["ba78-16bf-8f01-cfea-4141-40de-5dae-2223"].assert_eq(&key_fingerprint(b"abc"));
        let fingerprint = key_fingerprint(b"");
        assert_eq!(fingerprint.len(), 39);
        assert_eq!(fingerprint, "e3b0-c442-98fc-1c14-9afb-f4c8-996f-b924");
    }
}
