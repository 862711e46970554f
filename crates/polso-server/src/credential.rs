//! Unlinkable, one-per-person enrolment with RFC 9474 blind RSA
//! (RSABSSA-SHA384-PSS-Randomized): the cryptography and the personal codes,
//! without IO. Storage is in `store::credentials` (on SQLite `sqlite::credentials`), the HTTP handlers in
//! `http::credential`.
//!
//! The administrator hands each rostered person a one-time personal code
//! (`P-XXXX-XXXX-XXXX-XXXX`, 80 random bits). The app shows the code to the
//! server to fetch the team's public key, blinds a random message under it,
//! and spends the code for a blind signature. It unblinds the signature and
//! enrols with the message and signature: the server checks the signature
//! under the team's key and that the message was never used, and so learns
//! that *some* rostered person of the team enrolled once, never which one.
//!
//! Why the Randomized variant: RFC 9474 recommends it; the 32-byte random
//! prefix the app adds means the server never signs a message it could have
//! chosen. Why RSA-2048: the RFC's minimum, and what the app verifies.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use blind_rsa_signatures::{
    DefaultRng, KeyPairSha384PSSRandomized, MessageRandomizer, PublicKeySha384PSSRandomized,
    SecretKeySha384PSSRandomized, Signature,
};
use sha2::{Digest, Sha256};

use crate::error::{Result, ServerError};
use crate::secrets::{Hash32, random_bytes};

/// The RSA modulus of every team key, in bits.
pub const MODULUS_BITS: usize = 2048;

/// The RSA modulus in bytes: the length of a blinded message and of each signature.
pub const MODULUS_BYTES: usize = MODULUS_BITS / 8;

/// The length of a credential's message, chosen at random by the app.
pub const MESSAGE_BYTES: usize = 32;

/// The length of the Randomized variant's message prefix.
pub const RANDOMIZER_BYTES: usize = 32;

/// How many characters of a personal code are random: 16 × 5 = 80 bits.
const PERSONAL_CODE_LENGTH: usize = 16;

/// Crockford's base-32 alphabet, as invite codes use it.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new personal code, such as `P-7KQM-2XWD-PR9T-4HJN`.
pub fn new_personal_code() -> Result<String> {
    let bytes = random_bytes::<PERSONAL_CODE_LENGTH>()?;
    let characters: Vec<char> =
        bytes.iter().map(|byte| char::from(ALPHABET[usize::from(byte % 32)])).collect();
    let groups: Vec<String> = characters.chunks(4).map(|group| group.iter().collect()).collect();
    Ok(format!("{}{}", polso_api::PERSONAL_CODE_PREFIX, groups.join("-")))
}

/// A personal code as typed, reduced to the form it is hashed in (upper case,
/// no spaces or dashes, the `P` kept); `None` when it cannot be a personal code.
pub fn normalise_personal_code(typed: &str) -> Option<String> {
    let normalised: String = typed
        .chars()
        .filter(|character| !matches!(character, '-' | ' '))
        .map(|character| character.to_ascii_uppercase())
        .collect();
    let random_part = normalised.strip_prefix('P')?;
    let well_formed =
        random_part.len() == PERSONAL_CODE_LENGTH && random_part.bytes().all(|byte| ALPHABET.contains(&byte));
    well_formed.then_some(normalised)
}

/// The hash a personal code is stored as: SHA-256 of its normalised form.
pub fn personal_code_hash(normalised: &str) -> Hash32 {
    Sha256::digest(normalised.as_bytes()).into()
}

/// The hash a spent credential's message is stored as.
pub fn message_hash(message: &[u8]) -> Hash32 {
    let mut hasher = Sha256::new();
    hasher.update(b"polso credential message v1");
    hasher.update(message);
    hasher.finalize().into()
}

/// A public key's fingerprint, for the administrator's record: the first 16
/// bytes of the SHA-256 of its DER, in hex groups of four (`3f9a-0c1d-…`).
/// One per team; a different one for the same team would mean a new key. The
/// app shows the same fingerprint for the key it enrolled under, computed by
/// the same function.
pub use polso_core::key_fingerprint::key_fingerprint;

/// A team's key pair as stored: both halves DER-encoded.
pub struct TeamKeyDer {
    /// The private key, PKCS#8 DER.
    pub secret_key_der: Vec<u8>,
    /// The public key, SubjectPublicKeyInfo DER.
    pub public_key_der: Vec<u8>,
}

impl std::fmt::Debug for TeamKeyDer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("TeamKeyDer").finish_non_exhaustive()
    }
}

fn crypto_failure(what: &str, error: blind_rsa_signatures::Error) -> ServerError {
    ServerError::CorruptData(format!("{what}: {error}"))
}

/// A new RSA-2048 key pair for a team (tens of milliseconds).
pub fn generate_team_key() -> Result<TeamKeyDer> {
    let key_pair = KeyPairSha384PSSRandomized::generate(&mut DefaultRng, MODULUS_BITS)
        .map_err(|error| ServerError::Randomness(format!("generating a team key: {error}")))?;
    Ok(TeamKeyDer {
        secret_key_der: key_pair.sk.to_der().map_err(|error| crypto_failure("encoding a team key", error))?,
        public_key_der: key_pair.pk.to_der().map_err(|error| crypto_failure("encoding a team key", error))?,
    })
}

/// Signs a blinded message with a team's private key. `InvalidInput` when the
/// message is not a number below the key's modulus of the right length.
pub fn sign_blinded(secret_key_der: &[u8], blinded_message: &[u8]) -> Result<Vec<u8>> {
    if blinded_message.len() != MODULUS_BYTES {
        return Err(ServerError::InvalidInput(format!(
            "a blinded message has {MODULUS_BYTES} bytes, not {}",
            blinded_message.len()
        )));
    }
    let secret_key = SecretKeySha384PSSRandomized::from_der(secret_key_der)
        .map_err(|error| crypto_failure("a stored team key", error))?;
    let signature = secret_key.blind_sign(blinded_message).map_err(|error| match error {
        blind_rsa_signatures::Error::UnsupportedParameters => {
            ServerError::InvalidInput("the blinded message is not below the team key's modulus".to_owned())
        }
        other => crypto_failure("blind signing", other),
    })?;
    Ok(signature.0)
}

/// Why a credential is refused when it does not verify, whatever the reason
/// (a wrong signature, a team without a key, a team that does not exist).
pub const NOT_SIGNED: &str = "this enrolment credential is not signed by its team's key";

/// A credential as received, decoded and checked for length.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodedCredential {
    /// The app's random message.
    pub message: Vec<u8>,
    /// The Randomized variant's prefix.
    pub message_randomizer: [u8; RANDOMIZER_BYTES],
    /// The signature.
    pub signature: Vec<u8>,
}

impl std::fmt::Debug for DecodedCredential {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("DecodedCredential").finish_non_exhaustive()
    }
}

/// Standard base64 decoded, or `InvalidInput` naming the field.
pub fn decode_base64(field: &str, text: &str) -> Result<Vec<u8>> {
    BASE64.decode(text.trim()).map_err(|_| ServerError::InvalidInput(format!("{field} is not base64")))
}

/// Standard base64 with padding.
pub fn encode_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

impl DecodedCredential {
    /// Decodes a credential's fields; `InvalidInput` naming the first that is wrong.
    pub fn decode(credential: &polso_api::Credential) -> Result<DecodedCredential> {
        let message = decode_base64("credential.message", &credential.message)?;
        if message.len() != MESSAGE_BYTES {
            return Err(ServerError::InvalidInput(format!(
                "credential.message must be {MESSAGE_BYTES} bytes"
            )));
        }
        let message_randomizer =
            decode_base64("credential.message_randomizer", &credential.message_randomizer)?
                .try_into()
                .map_err(|_| {
                    ServerError::InvalidInput(format!(
                        "credential.message_randomizer must be {RANDOMIZER_BYTES} bytes"
                    ))
                })?;
        let signature = decode_base64("credential.signature", &credential.signature)?;
        if signature.len() != MODULUS_BYTES {
            return Err(ServerError::InvalidInput(format!(
                "credential.signature must be {MODULUS_BYTES} bytes"
            )));
        }
        Ok(DecodedCredential { message, message_randomizer, signature })
    }

    /// Whether the team's public key signed this credential; `Unauthorized` when not.
    pub fn verify(&self, public_key_der: &[u8]) -> Result<()> {
        let public_key = PublicKeySha384PSSRandomized::from_der(public_key_der)
            .map_err(|error| crypto_failure("a stored team public key", error))?;
        public_key
            .verify(
                &Signature(self.signature.clone()),
                Some(MessageRandomizer(self.message_randomizer)),
                &self.message,
            )
            .map_err(|_| ServerError::Unauthorized(NOT_SIGNED))
    }
}

#[cfg(test)]
mod tests {
    use blind_rsa_signatures::BlindSignature;

    use super::*;

    /// The app's side of the exchange, as polso-desktop does it.
    fn blind_and_finalize(key: &TeamKeyDer, message: &[u8]) -> DecodedCredential {
        let public_key = PublicKeySha384PSSRandomized::from_der(&key.public_key_der).unwrap();
        let blinding = public_key.blind(&mut DefaultRng, message).unwrap();
        let blind_signature = sign_blinded(&key.secret_key_der, &blinding.blind_message.0).unwrap();
        let signature = public_key.finalize(&BlindSignature(blind_signature), &blinding, message).unwrap();
        DecodedCredential {
            message: message.to_vec(),
            message_randomizer: blinding.msg_randomizer.unwrap().0,
            signature: signature.0,
        }
    }

    #[test]
    fn a_blind_signed_message_verifies_under_its_team_key_only() {
        let key = generate_team_key().unwrap();
        let other_key = generate_team_key().unwrap();
        let credential = blind_and_finalize(&key, &[7; MESSAGE_BYTES]);
        credential.verify(&key.public_key_der).unwrap();
        let error = credential.verify(&other_key.public_key_der).unwrap_err();
        assert!(matches!(error, ServerError::Unauthorized(_)), "{error}");
    }

    #[test]
    fn a_changed_message_or_randomizer_does_not_verify() {
        let key = generate_team_key().unwrap();
        let credential = blind_and_finalize(&key, &[1; MESSAGE_BYTES]);
        let mut changed_message = credential.clone();
        changed_message.message[0] ^= 1;
        assert!(changed_message.verify(&key.public_key_der).is_err());
        let mut changed_randomizer = credential.clone();
        changed_randomizer.message_randomizer[0] ^= 1;
        assert!(changed_randomizer.verify(&key.public_key_der).is_err());
        let mut changed_signature = credential;
        changed_signature.signature[10] ^= 1;
        assert!(changed_signature.verify(&key.public_key_der).is_err());
    }

    #[test]
    fn the_blinded_message_the_server_signs_does_not_contain_the_message_or_its_hash() {
        let key = generate_team_key().unwrap();
        let public_key = PublicKeySha384PSSRandomized::from_der(&key.public_key_der).unwrap();
        let message = [0x5a; MESSAGE_BYTES];
        let first = public_key.blind(&mut DefaultRng, message).unwrap();
        let second = public_key.blind(&mut DefaultRng, message).unwrap();
        // The same message blinds differently each time: what the server sees is random.
        assert_ne!(first.blind_message, second.blind_message);
        let seen = &first.blind_message.0;
        assert!(!seen.windows(MESSAGE_BYTES).any(|window| window == message));
        assert!(!seen.windows(32).any(|window| window == message_hash(&message)));
    }

    #[test]
    fn malformed_blinded_messages_are_refused_as_input() {
        let key = generate_team_key().unwrap();
        let error = sign_blinded(&key.secret_key_der, &[1; 10]).unwrap_err();
        assert!(matches!(error, ServerError::InvalidInput(_)), "{error}");
        let error = sign_blinded(&key.secret_key_der, &[0xff; MODULUS_BYTES]).unwrap_err();
        assert!(matches!(error, ServerError::InvalidInput(_)), "{error}");
    }

    #[test]
    fn the_key_fingerprint_the_cli_prints_is_the_sha256_prefix_in_groups_of_four() {
        let key = generate_team_key().unwrap();
        let hex = crate::secrets::to_hex(&Sha256::digest(&key.public_key_der)[..16]);
        let groups: Vec<&str> = (0..hex.len()).step_by(4).map(|start| &hex[start..start + 4]).collect();
        assert_eq!(key_fingerprint(&key.public_key_der), groups.join("-"));
    }

    #[test]
    fn personal_codes_are_p_and_four_groups_and_normalise_back() {
        let code = new_personal_code().unwrap();
        assert!(code.starts_with("P-"), "{code}");
        assert_eq!(code.len(), 2 + 19, "{code}");
        let typed = format!("  {} ", code.to_lowercase().replace('-', " "));
        assert_eq!(normalise_personal_code(&typed), Some(code.replace('-', "")));
        assert_eq!(normalise_personal_code("7KQM-2XWD-PR9T"), None);
        assert_eq!(normalise_personal_code("P-7KQM-2XWD-PR9T"), None);
        assert_eq!(normalise_personal_code("P-7KQM-2XWD-PR9T-4HJU"), None, "U is not in the alphabet");
    }

    #[test]
    fn credentials_with_wrong_lengths_are_refused_as_input() {
        let good = polso_api::Credential {
            team_id: "team_a".to_owned(),
            message: encode_base64(&[1; MESSAGE_BYTES]),
            message_randomizer: encode_base64(&[2; RANDOMIZER_BYTES]),
            signature: encode_base64(&[3; MODULUS_BYTES]),
        };
        DecodedCredential::decode(&good).unwrap();
        for broken in [
            polso_api::Credential { message: encode_base64(&[1; 31]), ..good.clone() },
            polso_api::Credential { message_randomizer: "not base64!".to_owned(), ..good.clone() },
            polso_api::Credential { signature: encode_base64(&[3; 255]), ..good.clone() },
        ] {
            let error = DecodedCredential::decode(&broken).unwrap_err();
            assert!(matches!(error, ServerError::InvalidInput(_)), "{error}");
        }
    }
}
