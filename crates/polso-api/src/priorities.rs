//! HR's driver priorities (issue 16): which drivers move with engagement
//! across teams and four-week periods, how sure that is, and how much room
//! each has to improve. Crosses Tauri IPC only; every figure rests on the
//! teams' released four-week periods (`polso_desktop::priorities`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::MetricKey;

/// One driver's relation with engagement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DriverPriority {
    /// The driver.
    pub metric: MetricKey,
    /// Pearson's r between the driver's and engagement's released figures of
    /// the same team and four-week period; absent with too few data.
    pub r: Option<f64>,
    /// The lower end of r's 95% Fisher-z interval, counting each team once.
    pub ci_low: Option<f64>,
    /// The upper end.
    pub ci_high: Option<f64>,
    /// Team-periods where both figures were released.
    pub pairs: u32,
    /// Distinct teams among them: the n the interval rests on.
    pub teams: u32,
    /// The driver's mean over those team-periods, 0–100.
    pub level: Option<f64>,
    /// `100 − level`: the room to improve.
    pub room: Option<f64>,
    /// The interval lies above 0: the driver likely moves with engagement.
    pub likely_related: bool,
}

/// The drivers ranked: those likely related first, then by `r × room`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HrPriorities {
    /// The first ISO week looked at.
    pub from: String,
    /// The last ISO week looked at (the last published one).
    pub to: String,
    /// Every driver but engagement, ranked.
    pub drivers: Vec<DriverPriority>,
    /// The fewest teams a relation is estimated from.
    pub min_teams: u32,
    /// The fewest team-periods a relation is estimated from.
    pub min_pairs: u32,
}
