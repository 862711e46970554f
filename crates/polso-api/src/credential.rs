//! What the desktop app and the organisation server exchange to enrol with a
//! one-time personal code instead of an invite code: the team's public key,
//! a blind signature over a message the server never sees, and the credential
//! that then enrols exactly one device.
//!
//! The flow is RFC 9474's blind RSA (variant [`CREDENTIAL_VARIANT`]):
//! `POST /v1/credentials/key` answers the team's public key without spending
//! the code; `POST /v1/credentials` spends the code and signs a blinded
//! message; `POST /v1/enrol` with a [`CredentialEnrolRequest`] enrols. The
//! server learns that one rostered person enrolled once, never which person
//! holds which device. Binary values travel as standard base64 with padding.
//!
//! The personal code and the credential are secrets until spent: their
//! `Debug` output leaves them out.

use serde::{Deserialize, Serialize};

/// How a personal code begins, as the administrator prints it
/// (`P-XXXX-XXXX-XXXX-XXXX`). An invite code's first group has four
/// characters, so it never begins like this: the app tells the two apart by
/// this prefix alone (case and surrounding spaces do not matter).
pub const PERSONAL_CODE_PREFIX: &str = "P-";

/// The RFC 9474 variant both sides use: SHA-384, PSS with a 48-byte salt,
/// and a 32-byte random prefix of the message chosen by the app.
pub const CREDENTIAL_VARIANT: &str = "RSABSSA-SHA384-PSS-Randomized";

/// Asks for the public key of the personal code's team
/// (`POST /v1/credentials/key`); the code is checked, not spent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CredentialKeyRequest {
    /// The wire format spoken, [`crate::WIRE_VERSION`].
    pub wire_version: u32,
    /// The personal code, such as `"P-7KQM-2XWD-PR9T-4HJN"`. Case, spaces and dashes do not matter.
    pub personal_code: String,
}

/// The team's blind-signing public key, for the app to blind its message with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CredentialKey {
    /// The wire format the server speaks.
    pub wire_version: u32,
    /// The team the personal code enrols into.
    pub team_id: String,
    /// The team's name, to show before the code is spent.
    pub team_name: String,
    /// Always [`CREDENTIAL_VARIANT`].
    pub variant: String,
    /// The RSA-2048 public key, DER (SubjectPublicKeyInfo), base64.
    pub public_key: String,
}

/// Spends the personal code and asks for a blind signature
/// (`POST /v1/credentials`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CredentialRequest {
    /// The wire format spoken, [`crate::WIRE_VERSION`].
    pub wire_version: u32,
    /// The personal code; spent by a successful answer.
    pub personal_code: String,
    /// The blinded message, 256 bytes, base64. The server cannot read the message in it.
    pub blinded_message: String,
}

/// The server's blind signature over the blinded message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CredentialSignature {
    /// The wire format the server speaks.
    pub wire_version: u32,
    /// The blind signature, 256 bytes, base64; the app unblinds it.
    pub blind_signature: String,
}

/// A blind-signed credential: a random message and the team key's signature over it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// The team whose key signed it.
    pub team_id: String,
    /// The message, 32 random bytes chosen by the app, base64.
    pub message: String,
    /// The 32-byte message randomizer of the Randomized variant, base64.
    pub message_randomizer: String,
    /// The (unblinded) RSA-PSS signature, 256 bytes, base64.
    pub signature: String,
}

/// Enrols a device with a credential instead of an invite code (`POST /v1/enrol`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CredentialEnrolRequest {
    /// The wire format spoken, [`crate::WIRE_VERSION`].
    pub wire_version: u32,
    /// The credential; one credential enrols one device.
    pub credential: Credential,
}

impl std::fmt::Debug for CredentialKeyRequest {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CredentialKeyRequest")
            .field("wire_version", &self.wire_version)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CredentialRequest {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CredentialRequest")
            .field("wire_version", &self.wire_version)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Credential").field("team_id", &self.team_id).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CredentialEnrolRequest {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CredentialEnrolRequest")
            .field("wire_version", &self.wire_version)
            .field("credential", &self.credential)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_leaves_out_codes_and_credentials() {
        let request = CredentialRequest {
            wire_version: 1,
            personal_code: "P-SECR-ETSE-CRET-CODE".to_owned(),
            blinded_message: "AAAA".to_owned(),
        };
        let enrol = CredentialEnrolRequest {
            wire_version: 1,
            credential: Credential {
                team_id: "team_1".to_owned(),
                message: "bWVzc2FnZQ==".to_owned(),
                message_randomizer: "cmFuZG9t".to_owned(),
                signature: "c2lnbmF0dXJl".to_owned(),
            },
        };
        let printed = format!("{request:?} {enrol:?}");
        for secret in ["SECR", "AAAA", "bWVzc2FnZQ", "cmFuZG9t", "c2lnbmF0dXJl"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(printed.contains("team_1"), "{printed}");
    }

    #[test]
    fn an_invite_code_never_begins_like_a_personal_code() {
        // Invite codes are three groups of four: their second character is never a dash.
        assert!(!"7KQM-2XWD-PR9T".starts_with(PERSONAL_CODE_PREFIX));
        assert!(!"PKQM-2XWD-PR9T".starts_with(PERSONAL_CODE_PREFIX));
    }
}
