//! The employee's own privacy ledger: how much differential-privacy loss (ε)
//! the published snapshots spent this year on the people of the device's
//! team, for the line in Settings ("this year your answers were released with
//! a total ε of …").
//!
//! The split is the sync client's: [`Desktop::device_read_credentials`]
//! reads the enrolment and the device token (store and vault, no network),
//! and [`read_my_privacy_loss`] asks the server (`GET
//! /v1/privacy-ledger/device`, network, no store), so the shell never holds
//! the store while the server answers. The device token travels only in the
//! `Authorization` header and never appears in an error or a debug print.
//! HR's ledger of every team is [`crate::hr::read_privacy_ledger`].

use polso_api::{ApiError, DevicePrivacyLoss, ErrorCode};

use crate::Desktop;
use crate::errors::vault_to_api;
use crate::hr::HrTransport;
use crate::transport::{polso_error, unreachable};

/// Where the device reads what the server publishes to it (its team's privacy
/// ledger, its team's results: [`crate::team_results`]) and with which token.
/// Has no `Debug` that prints the token.
#[derive(Clone)]
pub struct DeviceReadCredentials {
    server_url: String,
    device_token: String,
}

impl DeviceReadCredentials {
    /// The server's address.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    #[cfg(test)]
    pub(crate) fn for_tests(server_url: &str, device_token: &str) -> DeviceReadCredentials {
        DeviceReadCredentials { server_url: server_url.to_owned(), device_token: device_token.to_owned() }
    }
}

impl std::fmt::Debug for DeviceReadCredentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("DeviceReadCredentials")
            .field("server_url", &self.server_url)
            .finish_non_exhaustive()
    }
}

impl Desktop {
    /// The server and device token to read the device's ledger and its team's
    /// results with;
    /// `not_enrolled` when the device has no enrolment or its token left the
    /// keyring. Touches no network.
    pub fn device_read_credentials(&self) -> Result<DeviceReadCredentials, ApiError> {
        let status = self.sync_status()?;
        let server_url = status.server_url.filter(|_| status.enrolled).ok_or_else(|| {
            ApiError::new(ErrorCode::NotEnrolled, "this device is not enrolled with an organisation server")
        })?;
        let vault = self.device_vault.as_deref().ok_or_else(|| {
            ApiError::new(ErrorCode::KeyringUnavailable, "no keyring was given to keep the device token in")
        })?;
        let device_token = vault.get(&self.device_token_account).map_err(vault_to_api)?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotEnrolled,
                "the device token is no longer in the system keyring; enrol the device again",
            )
        })?;
        Ok(DeviceReadCredentials { server_url, device_token })
    }
}

/// One `GET /v1/privacy-ledger/device` with the device token: the ε spent
/// this year on each person of the device's team. Touches no store.
pub fn read_my_privacy_loss(
    transport: &dyn HrTransport,
    credentials: &DeviceReadCredentials,
) -> Result<DevicePrivacyLoss, ApiError> {
    let loss: DevicePrivacyLoss = read_as_device(transport, credentials, "/v1/privacy-ledger/device")?;
    if !loss.epsilon.is_finite() || loss.epsilon < 0.0 {
        let server_url = &credentials.server_url;
        return Err(ApiError::new(
            ErrorCode::Internal,
            format!("the server at {server_url} sent a privacy loss that is not a number of 0 or more"),
        ));
    }
    Ok(loss)
}

/// One `GET` of `path` on the device's server with the device token, its answer
/// read as `T`: an unreachable server, an error answer and a body that is not
/// a `T` each give their own error. Touches no store.
pub(crate) fn read_as_device<T: serde::de::DeserializeOwned>(
    transport: &dyn HrTransport,
    credentials: &DeviceReadCredentials,
    path: &str,
) -> Result<T, ApiError> {
    let server_url = &credentials.server_url;
    let answer = transport
        .get_json(&format!("{server_url}{path}"), &credentials.device_token)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if !(200..300).contains(&answer.status) {
        return Err(polso_error(server_url, &answer).unwrap_or_else(|fault| fault));
    }
    serde_json::from_str(&answer.body).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidServerAddress,
            format!("the server at {server_url} does not answer like a Polso server"),
        )
    })
}

#[cfg(test)]
#[path = "privacy_ledger_tests.rs"]
mod tests;
