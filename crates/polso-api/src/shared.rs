//! Two-server aggregation on the wire: how an organisation aggregates, the
//! helper a device pins, and a report sent as secret shares.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How an organisation's reports are aggregated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AggregationMode {
    /// The organisation's server sums the reports itself (it sees each one
    /// in memory while it folds it); the default, and what older servers do.
    #[default]
    OneServer,
    /// Each report is split into two secret shares: one for the
    /// organisation's server, one (sealed) for a helper server held by
    /// another party; neither sees a report, and figures leave only when
    /// both agree to release them.
    TwoServer,
}

/// The helper server of a two-server organisation, as a device pins it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HelperServer {
    /// Who holds the helper, in the words of its administrator (such as
    /// "RSU of Acme S.p.A."), shown to employees.
    pub party: String,
    /// The helper's HPKE public key (X25519), 32 bytes in standard base64.
    pub public_key: String,
    /// The key's fingerprint, to compare with the one the helper's holder
    /// publishes.
    pub fingerprint: String,
}

/// How an organisation aggregates, with its helper in two-server mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Aggregation {
    /// One or two servers.
    pub mode: AggregationMode,
    /// The helper, in two-server mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helper: Option<HelperServer>,
    /// The first ISO week sent as shares, in two-server mode; earlier weeks
    /// are sent as plain reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_week: Option<String>,
}

/// One device's report for one closed week, as secret shares
/// (`POST /v1/shared-reports`, device token as `Authorization: Bearer`):
/// the organisation's server gets its shares and the helper's sealed to the
/// helper, which only the helper can open. Every byte field is standard
/// base64; the layout of the shares follows from the week's questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SharedReport {
    /// The wire format spoken, [`crate::WIRE_VERSION`].
    pub wire_version: u32,
    /// The ISO week answered, such as `"2026-W48"`.
    pub week: String,
    /// The report's random id (16 bytes), the nonce of its shares.
    pub report_id: String,
    /// The public shares, one per cell.
    pub public_shares: String,
    /// The organisation server's input shares, one per cell.
    pub leader_shares: String,
    /// The helper's encapsulated key (HPKE).
    pub helper_encapsulated_key: String,
    /// The helper's input shares, sealed.
    pub helper_ciphertext: String,
}
