//! What HR's view of the app exchanges with its shell: the connect form, the
//! connection, the organisation overview and the team × metric heatmap.
//!
//! These cross Tauri IPC only. The shell reads the server's released
//! aggregates (`GET /v1/aggregates`, `sync.rs`) and shapes them into these
//! types; nothing here is a value the server did not release. A value the
//! server withheld is never a zero or a gap: it is a point or a cell with
//! `suppressed: true` and no figures, which the UI shows as "fewer than k
//! responses". A week the organisation's schedule did not ask a metric is
//! `asked: false` instead, shown as "not asked", never as "fewer than k".

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::MetricKey;

/// The HR connect form: the server's address and the HR access token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ConnectHr {
    /// The server's address, such as `"https://polso.example.org"`.
    pub server_url: String,
    /// The HR access token (`ph_…`) the administrator created. It is kept
    /// only in the OS keyring.
    pub hr_token: String,
}

impl std::fmt::Debug for ConnectHr {
    /// Leaves the token out, so a debug print cannot leak it.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ConnectHr").field("server_url", &self.server_url).finish_non_exhaustive()
    }
}

/// Where HR stands with the organisation server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HrConnection {
    /// Whether a server address and an HR token are kept.
    pub connected: bool,
    /// The server's address; only when connected.
    pub server_url: Option<String>,
    /// The organisation's minimum group size, as the server said when last read.
    pub k: Option<u32>,
}

/// Which weeks the overview covers: the last `weeks` closed ISO weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HrOverviewQuery {
    /// How many closed weeks, ending with last week; 4 to 104.
    pub weeks: u32,
}

/// One week of one metric's organisation-wide series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SeriesPoint {
    /// The ISO week, such as `"2026-W48"`.
    pub week: String,
    /// Its Monday, `"2026-11-23"`, for the locale's date format.
    pub week_monday: String,
    /// The released mean, 0–100; absent when suppressed.
    pub mean: Option<f64>,
    /// The lower end of the 95% confidence band, mean − 1.96·sd/√n, at least 0.
    pub low: Option<f64>,
    /// The upper end of the 95% confidence band, mean + 1.96·sd/√n, at most 100.
    pub high: Option<f64>,
    /// How many devices contributed; absent when suppressed.
    pub n: Option<u32>,
    /// The organisation's schedule asked this metric this week. A week it did
    /// not ask has no figures and is not suppressed: a gap, "not asked".
    pub asked: bool,
    /// The metric was asked and the server did not release this week: fewer
    /// than k responses (or held back to protect another cell, which is
    /// deliberately not told apart).
    pub suppressed: bool,
}

/// One metric's weekly series for the whole organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MetricSeries {
    /// The metric.
    pub metric: MetricKey,
    /// One point per week of the overview, oldest first.
    pub points: Vec<SeriesPoint>,
}

/// How many people answered in one week, organisation-wide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ParticipationPoint {
    /// The ISO week.
    pub week: String,
    /// Its Monday.
    pub week_monday: String,
    /// The released n of the most-answered metric asked that week (wellbeing
    /// in most weeks); absent when no asked metric was released.
    pub n: Option<u32>,
    /// Some metric was asked that week and none of them was released.
    pub suppressed: bool,
}

/// The organisation overview: each metric's trend with its confidence band,
/// and the responses per week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HrOverview {
    /// The organisation's k, for the "fewer than k responses" wording.
    pub k: u32,
    /// The first ISO week shown.
    pub from: String,
    /// The last ISO week shown (last week).
    pub to: String,
    /// One series per metric, in the order of `MetricKey::ALL`.
    pub metrics: Vec<MetricSeries>,
    /// One point per week, oldest first.
    pub participation: Vec<ParticipationPoint>,
}

/// Which periods the heatmap compares: the last `period_weeks` closed weeks
/// and as many weeks before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HrHeatmapQuery {
    /// The length of each period in weeks, 1 to 26; the view uses 4.
    pub period_weeks: u32,
}

/// A run of ISO weeks, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WeekPeriod {
    /// The first ISO week.
    pub from: String,
    /// The last ISO week.
    pub to: String,
    /// The Monday of the first week.
    pub from_monday: String,
    /// The Sunday of the last week.
    pub to_sunday: String,
}

/// A team as the heatmap lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HeatmapTeam {
    /// The team's id.
    pub id: String,
    /// The team's name.
    pub name: String,
}

/// One team's figure for one metric over the current period, with its change
/// from the previous one.
///
/// A period's mean is the n-weighted mean of the weeks the server released
/// in it; weeks the schedule did not ask the metric are left out. A cell whose
/// metric was asked in the period but with no released week is suppressed; a
/// cell whose metric was never asked in the period is `asked: false`, not
/// suppressed. Neither has figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HeatmapCell {
    /// The team's id.
    pub team_id: String,
    /// The metric.
    pub metric: MetricKey,
    /// The organisation's schedule asked the metric in at least one week of
    /// the current period.
    pub asked: bool,
    /// The metric was asked in the current period and none of its asked weeks
    /// was released: fewer than k responses.
    pub suppressed: bool,
    /// The current period's mean, 0–100.
    pub mean: Option<f64>,
    /// The responses the current mean rests on, summed over its released weeks.
    pub n: Option<u32>,
    /// How many weeks of the current period were released.
    pub released_weeks: u32,
    /// The previous period's mean; absent when none of its weeks was released.
    pub previous_mean: Option<f64>,
    /// `mean − previous_mean`, in points; only when both are there.
    pub change: Option<f64>,
}

/// The team × metric heatmap: the current period against the one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HrHeatmap {
    /// The organisation's k, for the "fewer than k responses" wording.
    pub k: u32,
    /// The latest period.
    pub current: WeekPeriod,
    /// The period before it, of the same length.
    pub previous: WeekPeriod,
    /// The teams the token reaches, by name.
    pub teams: Vec<HeatmapTeam>,
    /// The metrics, in the order of `MetricKey::ALL`.
    pub metrics: Vec<MetricKey>,
    /// One cell per team and metric, teams in order, then metrics in order.
    pub cells: Vec<HeatmapCell>,
}
