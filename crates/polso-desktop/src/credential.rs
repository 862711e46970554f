//! Enrolment with a one-time personal code, the app's side of RFC 9474 blind
//! RSA (RSABSSA-SHA384-PSS-Randomized): fetch the team's public key, blind a
//! random message under it, spend the code for a blind signature, unblind
//! and verify it, then enrol with the message and signature.
//!
//! The server signs without seeing the message and sees the message only at
//! enrolment, so it cannot tell which personal code (which person) a device
//! enrolled with. The pure steps ([`PreparedCredential`]) take their
//! randomness as an argument; [`request_enrolment_with_personal_code`] runs
//! the three requests over a [`SyncTransport`].
//!
//! A personal code is told from an invite code by its prefix
//! ([`polso_api::PERSONAL_CODE_PREFIX`], `P-`): the enrol form takes either.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use blind_rsa_signatures::reexports::rsa::rand_core::CryptoRng;
use blind_rsa_signatures::{BlindSignature, BlindingResult, DefaultRng, PublicKeySha384PSSRandomized};
use polso_api::{
    ApiError, CREDENTIAL_VARIANT, Credential, CredentialEnrolRequest, CredentialKey, CredentialKeyRequest,
    CredentialRequest, CredentialSignature, EnrolResponse, ErrorCode, PERSONAL_CODE_PREFIX, WIRE_VERSION,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::enrolment::Enrolment;
use crate::transport::{SyncTransport, server_error, unreachable};

/// The length of the random message a credential carries.
const MESSAGE_BYTES: usize = 32;

/// How many times the final enrolment is tried when the server cannot be
/// reached: the personal code is spent by then, so a network blip must not
/// waste the credential.
const ENROL_ATTEMPTS: u32 = 3;

/// Whether a code typed into the enrol form is a personal code rather than an invite code.
pub fn is_personal_code(typed: &str) -> bool {
    typed.trim().to_ascii_uppercase().starts_with(PERSONAL_CODE_PREFIX)
}

/// A message blinded for a team's key, waiting for the server's blind signature.
pub struct PreparedCredential {
    team_id: String,
    public_key: PublicKeySha384PSSRandomized,
    team_key_fingerprint: String,
    message: [u8; MESSAGE_BYTES],
    blinding: BlindingResult,
}

impl std::fmt::Debug for PreparedCredential {
    /// Leaves out the message and the blinding secret.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PreparedCredential")
            .field("team_id", &self.team_id)
            .field("team_key_fingerprint", &self.team_key_fingerprint)
            .finish_non_exhaustive()
    }
}

fn not_a_polso_server(server_url: &str, why: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidServerAddress, format!("the server at {server_url} {why}"))
}

impl PreparedCredential {
    /// Draws a random message from `rng` and blinds it under the team key in
    /// `key`. Refused unless the key is the RFC 9474 variant Polso speaks and
    /// an RSA key of 2048 to 4096 bits.
    pub fn new<R: CryptoRng + ?Sized>(
        rng: &mut R,
        server_url: &str,
        key: &CredentialKey,
    ) -> Result<PreparedCredential, ApiError> {
        if key.variant != CREDENTIAL_VARIANT {
            return Err(not_a_polso_server(
                server_url,
                &format!("offers a credential key of variant '{}'", key.variant),
            ));
        }
        let public_key = BASE64
            .decode(key.public_key.trim())
            .ok()
            .and_then(|der| PublicKeySha384PSSRandomized::from_der(&der).ok())
            .ok_or_else(|| {
                not_a_polso_server(server_url, "offers a credential key that is not an RSA public key")
            })?;
        // The fingerprint is of the key as parsed, encoded again: the key the
        // signature is checked under, whatever encoding the server sent. The
        // server's command line fingerprints the same encoding.
        let team_key_fingerprint = public_key
            .to_der()
            .map(|der| polso_core::key_fingerprint::key_fingerprint(&der))
            .map_err(|error| ApiError::new(ErrorCode::Internal, format!("encoding the team key: {error}")))?;
        let mut message = [0u8; MESSAGE_BYTES];
        rng.fill_bytes(&mut message);
        let blinding = public_key.blind(rng, message).map_err(|error| {
            ApiError::new(ErrorCode::Internal, format!("blinding the credential: {error}"))
        })?;
        Ok(PreparedCredential {
            team_id: key.team_id.clone(),
            public_key,
            team_key_fingerprint,
            message,
            blinding,
        })
    }

    /// The fingerprint of the team key the message was blinded under
    /// ([`polso_core::key_fingerprint::key_fingerprint`]), as the server's
    /// `create-personal-codes` prints it.
    pub fn team_key_fingerprint(&self) -> &str {
        &self.team_key_fingerprint
    }

    /// The blinded message, base64, as the server signs it.
    pub fn blinded_message(&self) -> String {
        BASE64.encode(&self.blinding.blind_message.0)
    }

    /// Unblinds the server's blind signature and checks it under the team
    /// key: a signature that does not verify is refused, never sent on.
    pub fn finalize(self, server_url: &str, signature: &CredentialSignature) -> Result<Credential, ApiError> {
        let blind_signature = BASE64
            .decode(signature.blind_signature.trim())
            .map_err(|_| not_a_polso_server(server_url, "sent a blind signature that is not base64"))?;
        let signature = self
            .public_key
            .finalize(&BlindSignature(blind_signature), &self.blinding, self.message)
            .map_err(|_| not_a_polso_server(server_url, "sent a blind signature that does not verify"))?;
        let randomizer = self.blinding.msg_randomizer.ok_or_else(|| {
            ApiError::new(ErrorCode::Internal, "the Randomized variant blinded without a randomizer")
        })?;
        Ok(Credential {
            team_id: self.team_id,
            message: BASE64.encode(self.message),
            message_randomizer: BASE64.encode(randomizer.0),
            signature: BASE64.encode(&signature.0),
        })
    }
}

/// POSTs `body` to `server_url` + `path` and reads a `T` from a 2xx answer;
/// the server's `{code, message}` otherwise.
fn exchange<T: DeserializeOwned>(
    transport: &dyn SyncTransport,
    server_url: &str,
    path: &str,
    body: &impl Serialize,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(body)
        .map_err(|error| ApiError::new(ErrorCode::Internal, format!("encoding {path}: {error}")))?;
    let answer = transport
        .post_json(&format!("{server_url}{path}"), None, &body)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if !(200..300).contains(&answer.status) {
        return Err(server_error(server_url, &answer).unwrap_or_else(|| {
            not_a_polso_server(
                server_url,
                &format!("does not answer like a Polso server (HTTP {})", answer.status),
            )
        }));
    }
    serde_json::from_str(&answer.body)
        .map_err(|_| not_a_polso_server(server_url, "does not answer like a Polso server"))
}

fn check_wire_version(server_url: &str, wire_version: u32) -> Result<(), ApiError> {
    if wire_version == WIRE_VERSION {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::UnsupportedVersion,
        format!(
            "the server at {server_url} speaks wire version {wire_version}; this Polso speaks {WIRE_VERSION}"
        ),
    ))
}

/// Enrols with a personal code at `server_url` (already normalised): the
/// three requests of the blind-signature exchange. Touches no store, like
/// [`crate::sync::request_enrolment`], which calls it for codes that begin with `P-`.
pub fn request_enrolment_with_personal_code(
    transport: &dyn SyncTransport,
    server_url: &str,
    personal_code: &str,
) -> Result<Enrolment, ApiError> {
    request_enrolment_with_personal_code_using(transport, &mut DefaultRng, server_url, personal_code)
}

/// [`request_enrolment_with_personal_code`] with the randomness passed in.
pub fn request_enrolment_with_personal_code_using<R: CryptoRng + ?Sized>(
    transport: &dyn SyncTransport,
    rng: &mut R,
    server_url: &str,
    personal_code: &str,
) -> Result<Enrolment, ApiError> {
    let personal_code = personal_code.trim().to_owned();
    let key: CredentialKey = exchange(
        transport,
        server_url,
        "/v1/credentials/key",
        &CredentialKeyRequest { wire_version: WIRE_VERSION, personal_code: personal_code.clone() },
    )?;
    check_wire_version(server_url, key.wire_version)?;
    let prepared = PreparedCredential::new(rng, server_url, &key)?;
    let signature: CredentialSignature = exchange(
        transport,
        server_url,
        "/v1/credentials",
        &CredentialRequest {
            wire_version: WIRE_VERSION,
            personal_code,
            blinded_message: prepared.blinded_message(),
        },
    )?;
    check_wire_version(server_url, signature.wire_version)?;
    let team_key_fingerprint = prepared.team_key_fingerprint().to_owned();
    let credential = prepared.finalize(server_url, &signature)?;
    let request = CredentialEnrolRequest { wire_version: WIRE_VERSION, credential };
    let mut attempt = 1;
    let response: EnrolResponse = loop {
        match exchange(transport, server_url, "/v1/enrol", &request) {
            Err(error) if error.code == ErrorCode::ServerUnreachable && attempt < ENROL_ATTEMPTS => {
                std::thread::sleep(std::time::Duration::from_secs(u64::from(attempt)));
                attempt += 1;
            }
            other => break other?,
        }
    };
    check_wire_version(server_url, response.wire_version)?;
    if response.team_id != key.team_id {
        return Err(not_a_polso_server(
            server_url,
            "enrolled the device into another team than its key named",
        ));
    }
    Ok(Enrolment {
        server_url: server_url.to_owned(),
        response,
        team_key_fingerprint: Some(team_key_fingerprint),
    })
}

#[cfg(test)]
#[path = "credential_tests.rs"]
mod tests;
