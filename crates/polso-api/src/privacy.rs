//! The privacy ledger: how much differential-privacy loss (ε) the published
//! snapshots spent on the people of each team this year.
//!
//! Each released cell of a published week spends its ε on every person whose
//! team it covers (the team's own cells, its department's and the
//! organisation's), whether or not they answered that week: a bound, counted
//! by basic composition. HR reads it per team (`GET /v1/privacy-ledger`);
//! a device reads its own team's (`GET /v1/privacy-ledger/device`) for the
//! employee's Settings.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One team's privacy loss in one calendar year of published weeks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamPrivacyLoss {
    /// The team's id.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
    /// The total ε spent this year on each person of the team (0 when
    /// differential privacy is off: then no formal bound holds at all).
    pub epsilon: f64,
    /// How many weeks of the year were published.
    pub weeks_published: u32,
}

/// The organisation's privacy ledger for one year (`GET /v1/privacy-ledger`,
/// HR token; teams within the token's scope only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrivacyLedger {
    /// The ISO year counted, such as 2026.
    pub year: i32,
    /// Whether differential privacy is on for the organisation now.
    pub dp_on: bool,
    /// ε spent per released cell now; absent when differential privacy is off.
    pub epsilon_per_cell: Option<f64>,
    /// One entry per team in scope, ordered by name.
    pub teams: Vec<TeamPrivacyLoss>,
}

/// A device's view of its own team's privacy loss this year
/// (`GET /v1/privacy-ledger/device`, device token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevicePrivacyLoss {
    /// The ISO year counted.
    pub year: i32,
    /// Whether differential privacy is on for the organisation now.
    pub dp_on: bool,
    /// The total ε spent this year on each person of the device's team.
    pub epsilon: f64,
    /// How many weeks of the year were published.
    pub weeks_published: u32,
}
