//! The helper's key and the sealing of its input shares (HPKE, RFC 9180:
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, base mode).
//!
//! The app seals the helper's shares to the helper's public key, pinned at
//! enrolment, and sends them through the leader, which cannot open them.
//! The associated data binds the ciphertext to its report, organisation,
//! week, team and public shares, so a leader that moved a sealed share to
//! another report, week or team would have it refused by the helper.

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};

use crate::VdafError;

type Kem = X25519HkdfSha256;
type PrivateKey = <Kem as hpke::Kem>::PrivateKey;
type PublicKey = <Kem as hpke::Kem>::PublicKey;
type EncappedKey = <Kem as hpke::Kem>::EncappedKey;

/// The HPKE `info` of every sealed share: names the protocol, its version
/// and the recipient's role.
const INFO: &[u8] = b"polso-vdaf/1 helper input shares";

/// The length of a public key, and of an encapsulated key, in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;

/// The helper's public key: what the app pins at enrolment and shows with
/// its fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct HelperPublicKey([u8; PUBLIC_KEY_LEN]);

impl std::fmt::Debug for HelperPublicKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "HelperPublicKey({})", self.fingerprint())
    }
}

impl HelperPublicKey {
    /// The key from its 32 bytes; refuses bytes that are not an X25519 key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VdafError> {
        let key =
            PublicKey::from_bytes(bytes).map_err(|_| VdafError::Key("not a 32-byte X25519 public key"))?;
        let mut raw = [0u8; PUBLIC_KEY_LEN];
        raw.copy_from_slice(&key.to_bytes());
        Ok(Self(raw))
    }

    /// The key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.0
    }

    /// The fingerprint shown to employees beside the name of the party that
    /// holds the key: the first 16 bytes of the SHA-256 of the key, in
    /// groups of four hex digits.
    pub fn fingerprint(&self) -> String {
        polso_core::key_fingerprint::key_fingerprint(&self.0)
    }
}

/// The helper's key pair. The secret never leaves the helper.
pub struct HelperKeyPair {
    secret: PrivateKey,
    public: HelperPublicKey,
}

impl std::fmt::Debug for HelperKeyPair {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("HelperKeyPair").field("public", &self.public).finish_non_exhaustive()
    }
}

impl HelperKeyPair {
    /// A new key pair from the operating system's random source.
    pub fn generate() -> Self {
        let (secret, public) = Kem::gen_keypair();
        let mut raw = [0u8; PUBLIC_KEY_LEN];
        raw.copy_from_slice(&public.to_bytes());
        Self { secret, public: HelperPublicKey(raw) }
    }

    /// The key pair from the secret's 32 bytes, as the helper stores it.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, VdafError> {
        let secret =
            PrivateKey::from_bytes(bytes).map_err(|_| VdafError::Key("not a 32-byte X25519 secret key"))?;
        let public = Kem::sk_to_pk(&secret);
        let mut raw = [0u8; PUBLIC_KEY_LEN];
        raw.copy_from_slice(&public.to_bytes());
        Ok(Self { secret, public: HelperPublicKey(raw) })
    }

    /// The secret's 32 bytes, for the helper's own store.
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.secret.to_bytes().to_vec()
    }

    /// The public half.
    pub fn public(&self) -> &HelperPublicKey {
        &self.public
    }
}

/// Input shares sealed to the helper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedShares {
    /// The encapsulated key (32 bytes).
    pub encapsulated_key: Vec<u8>,
    /// The ciphertext with its 16-byte tag.
    pub ciphertext: Vec<u8>,
}

/// Seals `plaintext` to `recipient` under `aad`.
pub fn seal(recipient: &HelperPublicKey, aad: &[u8], plaintext: &[u8]) -> Result<SealedShares, VdafError> {
    let key =
        PublicKey::from_bytes(recipient.as_bytes()).map_err(|_| VdafError::Key("the helper's public key"))?;
    let (encapped, ciphertext) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeS::Base,
        &key,
        INFO,
        plaintext,
        aad,
    )
    .map_err(|_| VdafError::Seal)?;
    Ok(SealedShares { encapsulated_key: encapped.to_bytes().to_vec(), ciphertext })
}

/// Opens `sealed` with the helper's key under `aad`; refuses anything
/// tampered with, sealed to another key, or under other associated data.
pub fn open(keys: &HelperKeyPair, aad: &[u8], sealed: &SealedShares) -> Result<Vec<u8>, VdafError> {
    let encapped = EncappedKey::from_bytes(&sealed.encapsulated_key).map_err(|_| VdafError::Open)?;
    hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeR::Base,
        &keys.secret,
        &encapped,
        INFO,
        &sealed.ciphertext,
        aad,
    )
    .map_err(|_| VdafError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_share_opens_only_with_its_key_and_its_associated_data() {
        let helper = HelperKeyPair::generate();
        let sealed = seal(helper.public(), b"report 1", b"the helper's share").expect("sealed");
        assert_eq!(open(&helper, b"report 1", &sealed).expect("opened"), b"the helper's share");
        assert!(open(&helper, b"report 2", &sealed).is_err(), "other associated data");
        assert!(open(&HelperKeyPair::generate(), b"report 1", &sealed).is_err(), "another key");
        let mut tampered = sealed.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(open(&helper, b"report 1", &tampered).is_err(), "a flipped bit");
        assert_eq!(sealed.encapsulated_key.len(), PUBLIC_KEY_LEN);
        assert_eq!(sealed.ciphertext.len(), b"the helper's share".len() + 16);
    }

    #[test]
    fn a_key_pair_survives_its_stored_bytes_and_shows_a_stable_fingerprint() {
        let helper = HelperKeyPair::generate();
        let again = HelperKeyPair::from_secret_bytes(&helper.secret_bytes()).expect("restored");
        assert_eq!(again.public(), helper.public());
        let sealed = seal(helper.public(), b"", b"x").expect("sealed");
        assert_eq!(open(&again, b"", &sealed).expect("opened"), b"x");
        let public = HelperPublicKey::from_bytes(helper.public().as_bytes()).expect("public key");
        assert_eq!(public.fingerprint(), helper.public().fingerprint());
        assert_eq!(public.fingerprint().len(), 39);
        assert!(HelperPublicKey::from_bytes(&[0u8; 31]).is_err());
    }
}
