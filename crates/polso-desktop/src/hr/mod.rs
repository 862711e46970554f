//! HR's side of the app: connecting to the organisation server with an HR
//! token, and reading its released aggregates as an organisation overview
//! and a team × metric heatmap. A manager connects the same way with a
//! manager's token; the server says so (`GET /v1/units`), the connection
//! keeps the role and the manager's teams, and the server serves such a
//! token its teams only, whatever the app asks.
//!
//! The split is the sync client's (`sync.rs`): the network half
//! ([`verify_hr_connection`], [`read_hr_overview`], [`read_hr_heatmap`])
//! touches no store, and the store half (the `Desktop` methods below) touches
//! no network, so the shell never holds the store while a server answers.
//! The HR token lives only in the vault (the OS keyring in the app); the
//! server's address is a setting.
//!
//! Everything shown comes from what the server released. A week or a cell the
//! server withheld stays withheld: it becomes a point or a cell with
//! `suppressed: true` and no figures, never a zero and never left out. The
//! server publishes each week once, when its collection window closes; a week
//! after the last published one is `published: false` (not yet published),
//! never suppressed. The overview's shaping ([`shape_overview`]) is pure,
//! and nothing here reads a clock: `today` is an argument.
//!
//! eNPS (promoters minus detractors, −100 to +100) and the share reporting
//! burnout symptoms are the server's, derived from the histograms it
//! released; nothing here computes them from a mean.
//!
//! The heatmap comes shaped from the server (`GET /v1/heatmap`): each team's,
//! department's and the organisation's two periods, the change and its 95%
//! interval, computed from the released cells by [`polso_hr::heatmap`], the
//! code the server runs.
//!
//! The parts: [`transport`] (HTTP and the server's answers), [`connection`] (the token and
//! address, checked by a real read), [`reads`] (one request per view), [`overview`] (the pure
//! shaping of the overview), and here the store half, which keeps the connection.

mod connection;
mod overview;
mod reads;
mod transport;

pub use crate::periods::confidence_band;
pub use crate::transport::HrTransport;
pub use connection::{VerifiedHrConnection, managed_teams, verify_hr_connection};
pub(crate) use overview::series_point;
pub use overview::{OVERVIEW_WEEKS, add_not_applicable, shape_overview};
pub use polso_hr::heatmap::{
    HEATMAP_PERIOD_WEEKS, KnownNoise, add_headcounts, add_unit_rows, shape_heatmap, shape_heatmap_with,
};
pub use polso_hr::publication::{Publication, latest_period_end};
pub(crate) use reads::{check_span, known_metric, read_aggregates, read_cx_series, read_unit_aggregates};
pub use reads::{last_closed_week, read_hr_heatmap, read_hr_overview, read_privacy_ledger, read_units};
pub use transport::HrCredentials;
pub(crate) use transport::{answer_error, get_from_server, not_polso, post_to_server};

use polso_api::{ApiError, ErrorCode, HrConnection, HrRole};

use crate::Desktop;
use crate::errors::store_to_api;
use crate::errors::vault_to_api;

/// The settings key of the server HR reads from. The token is deliberately
/// not a setting: it lives only in the vault.
const HR_SERVER_URL_KEY: &str = "hr.server_url";

/// The settings key of the organisation's k as the server last said.
pub(crate) const HR_K_KEY: &str = "hr.k";

/// The settings key of the token's role as the server said when connecting:
/// `hr` or `manager`. A connection kept before roles existed reads as HR.
const HR_ROLE_KEY: &str = "hr.role";

/// The settings key of a manager's teams (JSON, `[{id, name}]`), for "Manager of …".
const HR_MANAGER_OF_KEY: &str = "hr.manager_of";

impl Desktop {
    /// Keeps the HR token in `vault` under `account` (the app passes the OS
    /// keyring). Without a vault, connecting as HR is refused.
    pub fn with_hr_vault(
        mut self,
        vault: Box<dyn polso_store::SecretVault + Send + Sync>,
        account: impl Into<String>,
    ) -> Desktop {
        self.hr_vault = Some(vault);
        self.hr_token_account = account.into();
        self
    }

    /// Where HR stands: connected when a server address is kept.
    pub fn hr_connection(&self) -> Result<HrConnection, ApiError> {
        let server_url = self.store.setting(HR_SERVER_URL_KEY).map_err(store_to_api)?;
        let Some(server_url) = server_url else {
            return Ok(HrConnection {
                connected: false,
                server_url: None,
                k: None,
                role: None,
                manager_of: Vec::new(),
            });
        };
        let k = self.store.setting(HR_K_KEY).map_err(store_to_api)?.and_then(|text| text.parse().ok());
        let role = match self.store.setting(HR_ROLE_KEY).map_err(store_to_api)?.as_deref() {
            Some("manager") => HrRole::Manager,
            _ => HrRole::Hr,
        };
        let manager_of = match role {
            HrRole::Hr => Vec::new(),
            HrRole::Manager => self
                .store
                .setting(HR_MANAGER_OF_KEY)
                .map_err(store_to_api)?
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default(),
        };
        Ok(HrConnection { connected: true, server_url: Some(server_url), k, role: Some(role), manager_of })
    }

    /// Keeps a verified connection: the token in the vault (and only there),
    /// the server's address and k in the settings.
    pub fn keep_hr_connection(&mut self, verified: VerifiedHrConnection) -> Result<HrConnection, ApiError> {
        self.hr_vault()?.set(&self.hr_token_account, &verified.credentials.hr_token).map_err(vault_to_api)?;
        let k = verified.k.to_string();
        let role = match verified.role {
            HrRole::Hr => "hr",
            HrRole::Manager => "manager",
        };
        let manager_of = serde_json::to_string(&verified.manager_of)
            .map_err(|error| ApiError::new(ErrorCode::Internal, format!("the manager's teams: {error}")))?;
        self.store
            .set_settings(&[
                (HR_SERVER_URL_KEY, &verified.credentials.server_url),
                (HR_K_KEY, &k),
                (HR_ROLE_KEY, role),
                (HR_MANAGER_OF_KEY, &manager_of),
            ])
            .map_err(store_to_api)?;
        self.hr_connection()
    }

    /// Forgets the HR connection: the token leaves the vault, the address the
    /// settings. Succeeds when there was none.
    pub fn disconnect_hr(&mut self) -> Result<HrConnection, ApiError> {
        self.hr_vault()?.delete(&self.hr_token_account).map_err(vault_to_api)?;
        self.store
            .remove_settings(&[HR_SERVER_URL_KEY, HR_K_KEY, HR_ROLE_KEY, HR_MANAGER_OF_KEY])
            .map_err(store_to_api)?;
        self.hr_connection()
    }

    /// The server and token to read with, for [`read_hr_overview`] and
    /// [`read_hr_heatmap`]; `unauthorized` when HR is not connected.
    pub fn hr_credentials(&self) -> Result<HrCredentials, ApiError> {
        let not_connected =
            || ApiError::new(ErrorCode::Unauthorized, "HR is not connected to an organisation server");
        let server_url =
            self.store.setting(HR_SERVER_URL_KEY).map_err(store_to_api)?.ok_or_else(not_connected)?;
        let hr_token =
            self.hr_vault()?.get(&self.hr_token_account).map_err(vault_to_api)?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthorized,
                    "the HR token is no longer in the system keyring; connect again",
                )
            })?;
        Ok(HrCredentials { server_url, hr_token })
    }

    fn hr_vault(&self) -> Result<&(dyn polso_store::SecretVault + Send + Sync), ApiError> {
        self.hr_vault.as_deref().ok_or_else(|| {
            ApiError::new(ErrorCode::KeyringUnavailable, "no keyring was given to keep the HR token in")
        })
    }
}

#[cfg(test)]
mod tests;
