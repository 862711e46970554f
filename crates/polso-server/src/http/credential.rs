//! The HTTP side of blind-signature enrolment: `POST /v1/credentials/key`,
//! `POST /v1/credentials`, and the credential branch of `POST /v1/enrol`.
//!
//! Unknown or spent personal codes and credentials that do not verify count
//! as authentication failures of their source, like unknown invite codes
//! ([`crate::rate_limit`]), so guessing codes meets the same limit. Nothing
//! here logs a code, a message or a signature; errors name none of them.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use polso_api::{
    CREDENTIAL_VARIANT, CredentialEnrolRequest, CredentialKey, CredentialKeyRequest, CredentialRequest,
    CredentialSignature, WIRE_VERSION,
};

use crate::credential::{
    DecodedCredential, MODULUS_BYTES, NOT_SIGNED, decode_base64, encode_base64, message_hash,
    normalise_personal_code, personal_code_hash, sign_blinded,
};
use crate::error::{Result, ServerError};
use crate::http::{AppState, VersionedJson};
use crate::rate_limit::AuthenticationAttempt;
use crate::secrets::{Hash32, hash_secret, new_device_token};
use crate::store::Enrolment;

/// The hash of a typed personal code, or `InviteUnknown` when it cannot be one.
fn typed_code_hash(typed: &str) -> Result<Hash32> {
    normalise_personal_code(typed)
        .map(|normalised| personal_code_hash(&normalised))
        .ok_or(ServerError::InviteUnknown)
}

/// The team's public key for a personal code, without spending it.
#[utoipa::path(
    post,
    path = "/v1/credentials/key",
    tag = "devices",
    request_body = polso_api::CredentialKeyRequest,
    responses(
        (status = 200, description = "The team's blind-signing key; the code is not spent", body = polso_api::CredentialKey),
        (status = 400, description = "`invalid_input`, `unsupported_version`", body = polso_api::ApiError),
        (status = 404, description = "`invite_unknown`: the personal code is not known, or already spent", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many wrong codes from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_credential_key(
    State(state): State<AppState>,
    attempt: AuthenticationAttempt,
    VersionedJson(request): VersionedJson<CredentialKeyRequest>,
) -> Result<Json<CredentialKey>> {
    let outcome = async {
        let code_hash = typed_code_hash(&request.personal_code)?;
        state
            .blocking(move |store| match store.credentials() {
                Some(credentials) => credentials.personal_code_team(&code_hash),
                None => Ok(None),
            })
            .await?
            .ok_or(ServerError::InviteUnknown)
    }
    .await;
    let team = attempt.judge(outcome, Instant::now())?;
    Ok(Json(CredentialKey {
        wire_version: WIRE_VERSION,
        team_id: team.team_id,
        team_name: team.team_name,
        variant: CREDENTIAL_VARIANT.to_owned(),
        public_key: encode_base64(&team.public_key_der),
    }))
}

/// Spends a personal code for a blind signature over the app's blinded message.
#[utoipa::path(
    post,
    path = "/v1/credentials",
    tag = "devices",
    request_body = polso_api::CredentialRequest,
    responses(
        (status = 200, description = "The blind signature; the code is spent", body = polso_api::CredentialSignature),
        (status = 400, description = "`invalid_input` (the code is then not spent), `unsupported_version`", body = polso_api::ApiError),
        (status = 404, description = "`invite_unknown`: the personal code is not known, or already spent", body = polso_api::ApiError),
        (status = 409, description = "`team_full`: the team has no free place now; the code is not spent", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many wrong codes from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn issue_credential(
    State(state): State<AppState>,
    attempt: AuthenticationAttempt,
    VersionedJson(request): VersionedJson<CredentialRequest>,
) -> Result<Json<CredentialSignature>> {
    let blinded_message = decode_base64("blinded_message", &request.blinded_message)?;
    if blinded_message.len() != MODULUS_BYTES {
        return Err(ServerError::InvalidInput(format!("blinded_message must be {MODULUS_BYTES} bytes")));
    }
    let outcome = async {
        let code_hash = typed_code_hash(&request.personal_code)?;
        state
            .blocking(move |store| {
                let credentials = store.credentials().ok_or(ServerError::InviteUnknown)?;
                credentials.spend_personal_code(&code_hash, &mut |secret_key_der| {
                    sign_blinded(secret_key_der, &blinded_message)
                })
            })
            .await
    }
    .await;
    let blind_signature = attempt.judge(outcome, Instant::now())?;
    Ok(Json(CredentialSignature {
        wire_version: WIRE_VERSION,
        blind_signature: encode_base64(&blind_signature),
    }))
}

/// The credential branch of `POST /v1/enrol`: `body` has passed the wire
/// version check and has a `credential`. Verifies it under its team's key,
/// refuses a message used before, and enrols like an invite. Returns the new
/// device token and what it enrolled into.
pub(crate) async fn enrol_with_credential(
    state: &AppState,
    attempt: &AuthenticationAttempt,
    body: serde_json::Value,
) -> Result<(String, Enrolment)> {
    let request: CredentialEnrolRequest = serde_json::from_value(body).map_err(|error| {
        ServerError::InvalidInput(format!("the body does not have the expected shape: {error}"))
    })?;
    let credential = DecodedCredential::decode(&request.credential)?;
    let team_id = request.credential.team_id;
    if team_id.is_empty() || team_id.len() > 64 {
        return attempt.judge(Err(ServerError::Unauthorized(NOT_SIGNED)), Instant::now());
    }
    let device_token = new_device_token()?;
    let device_token_hash = hash_secret(&device_token);
    let now = state.clock.now();
    let outcome = state
        .blocking(move |store| {
            // A team without a key, or a backend without credentials: as a wrong signature.
            let credentials = store.credentials().ok_or(ServerError::Unauthorized(NOT_SIGNED))?;
            let public_key_der =
                credentials.team_public_key(&team_id)?.ok_or(ServerError::Unauthorized(NOT_SIGNED))?;
            credential.verify(&public_key_der)?;
            credentials.redeem_credential(
                &team_id,
                &message_hash(&credential.message),
                &device_token_hash,
                now,
            )
        })
        .await;
    let enrolment = attempt.judge(outcome, Instant::now())?;
    Ok((device_token, enrolment))
}
