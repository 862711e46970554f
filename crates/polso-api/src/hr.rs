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
//!
//! The server publishes each week once, as an immutable snapshot, when its
//! collection window closes (a few days after the week ends). A week of the
//! range asked for that is not published yet is `published: false`, with no
//! figures: shown as "not yet published", never as "fewer than k" and never
//! as "not asked". Each view carries the last published week and when the
//! next one is published, so HR can be told why a recent week is missing.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{MetricKey, NextPublication};

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
    /// Whose token it is, as the server said when connecting: HR (the
    /// organisation view) or a manager (their teams' view only). Absent when
    /// not connected.
    pub role: Option<crate::HrRole>,
    /// A manager's teams, by id and name, ordered by name; empty for HR.
    pub manager_of: Vec<crate::UnitRef>,
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
    /// The week is published. A week still collecting reports has no figures
    /// and is neither suppressed nor "not asked" (`asked` is then true,
    /// `suppressed` false): show "not yet published".
    pub published: bool,
    /// For eNPS: promoters, passives, detractors and the eNPS (−100 to +100),
    /// as the server derived them from the released histogram; absent when
    /// the histogram was withheld. Show this, not `mean`, as eNPS.
    #[ts(optional = nullable)]
    pub enps: Option<crate::EnpsFigures>,
    /// For burnout: the percentage reporting burnout symptoms (answer 3 or
    /// more on the single-item measure), from the released histogram; absent
    /// when it was withheld.
    #[ts(optional = nullable)]
    pub burnout_share: Option<f64>,
    /// How many people marked the metric "not applicable this week" (a
    /// customer item in a week without customers), as released under the
    /// same rules as every figure; absent when withheld or when the metric
    /// has no item that allows it. They are not in `n`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub not_applicable: Option<u32>,
    /// For a driver: the item the week asked for it.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub item_id: Option<String>,
    /// For a driver: `mean` on the level of the driver's anchor item, so the
    /// line moves with the people, not with the item asked (absent when the
    /// item's level is not yet known); draw the trend from this when present.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub standardised_mean: Option<f64>,
}

/// One four-week period of a metric the schedule asks once every four weeks
/// (a driver, engagement among them): the answer-weighted mean of the
/// period's released weeks, so the series reads as a trend instead of one dot
/// a month. Periods are the schedule's cycles (ISO week index divided by 4),
/// cut to the weeks shown; only released weeks enter one, and a period with
/// none is a gap that says why, never a zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PeriodPoint {
    /// The first ISO week of the period that is shown, such as `"2026-W45"`.
    pub from: String,
    /// The last ISO week of the period that is shown.
    pub to: String,
    /// The Monday of `from`.
    pub from_monday: String,
    /// The Sunday of `to`.
    pub to_sunday: String,
    /// The n-weighted mean of the released weeks (on the anchor's level when
    /// every one of them has a standardised mean), 0–100; absent when none
    /// was released.
    pub mean: Option<f64>,
    /// The lower end of the 95% interval, mean − 1.96·s/√n with s the
    /// released weeks' pooled sd, at least 0; absent when a week has no sd.
    pub low: Option<f64>,
    /// The upper end of the 95% interval, at most 100.
    pub high: Option<f64>,
    /// The answers in the released weeks; absent when none was released.
    pub n: Option<u32>,
    /// How many weeks of the period were released and entered the mean.
    pub released_weeks: u32,
    /// How many weeks asked the metric and were withheld (fewer than k); they
    /// do not enter the mean.
    pub withheld_weeks: u32,
    /// The schedule asked the metric in some week of the period (or a week of
    /// it is not yet published); false is a gap, "not asked".
    pub asked: bool,
    /// Asked, published, and no week of it released: "fewer than k".
    pub suppressed: bool,
    /// False when nothing of the period is released or withheld yet and some
    /// of its weeks are still collecting or to come: "not yet published".
    pub published: bool,
    /// The mean is on the driver's anchor level (every released week had a
    /// standardised mean).
    pub standardised: bool,
}

/// One metric's weekly series for the whole organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MetricSeries {
    /// The metric.
    pub metric: MetricKey,
    /// One point per week of the overview, oldest first.
    pub points: Vec<SeriesPoint>,
    /// For a metric asked once every four weeks: one point per four-week
    /// period, oldest first, to draw instead of the weeks. Absent for a
    /// metric asked weekly.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub periods: Option<Vec<PeriodPoint>>,
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
    /// The week is published; when false, `n` is absent and the week is not
    /// suppressed: it is still collecting reports.
    pub published: bool,
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
    /// The last week the organisation has published, such as `"2026-W46"`;
    /// absent when none is. Weeks after it are `published: false`.
    pub published_through: Option<String>,
    /// The next week to be published and when.
    pub next_publication: Option<NextPublication>,
    /// The organisation's questionnaire in time, oldest first: a week where
    /// a new edition began is where a metric's series may change because its
    /// items changed, not its people.
    #[serde(default)]
    pub questionnaire: Vec<crate::QuestionnaireAdoption>,
}

/// Which team to drill into, over the last `weeks` closed ISO weeks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TeamComparisonQuery {
    /// The team's id, from [`crate::OrganisationUnits`].
    pub team_id: String,
    /// How many closed weeks, ending with last week; 4 to 104.
    pub weeks: u32,
}

/// One metric of the drill-down: the team's series beside its department's
/// and the organisation's, week by week over the same weeks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ComparisonSeries {
    /// The metric.
    pub metric: MetricKey,
    /// The team's weeks, oldest first.
    pub team: Vec<SeriesPoint>,
    /// Its department's weeks.
    pub department: Vec<SeriesPoint>,
    /// The organisation's weeks; absent when the HR token reaches only some departments.
    pub organisation: Option<Vec<SeriesPoint>>,
    /// For a metric asked once every four weeks: the team's four-week
    /// periods, to draw instead of its weeks; absent for a weekly metric.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub team_periods: Option<Vec<PeriodPoint>>,
    /// The department's four-week periods, as `team_periods`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub department_periods: Option<Vec<PeriodPoint>>,
    /// The organisation's four-week periods, as `team_periods`; absent also
    /// when the token reaches only some departments.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub organisation_periods: Option<Vec<PeriodPoint>>,
}

/// A team's drill-down: every metric's trend for the team, its department and
/// the organisation. Withheld weeks are `suppressed` points, never zeros.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TeamComparison {
    /// The organisation's k, for the "fewer than k responses" wording.
    pub k: u32,
    /// The first ISO week shown.
    pub from: String,
    /// The last ISO week shown (last week).
    pub to: String,
    /// The team.
    pub team: crate::UnitRef,
    /// Its department.
    pub department: crate::UnitRef,
    /// The organisation, when the token reaches all of it.
    pub organisation: Option<crate::UnitRef>,
    /// One entry per metric, in the order of `MetricKey::ALL`.
    pub metrics: Vec<ComparisonSeries>,
    /// The last week the organisation has published, such as `"2026-W46"`;
    /// absent when none is. Weeks after it are `published: false`.
    pub published_through: Option<String>,
    /// The next week to be published and when.
    pub next_publication: Option<NextPublication>,
}

/// Which periods the heatmap compares: the last `period_weeks` published
/// weeks and as many weeks before them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HrHeatmapQuery {
    /// The length of each period in weeks, 1 to 26; the view uses 4.
    pub period_weeks: u32,
    /// One department's teams only (with its own row and the organisation's),
    /// by id; every team in the token's scope when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub department: Option<String>,
}

/// A run of ISO weeks, both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeatmapTeam {
    /// The team's id.
    pub id: String,
    /// The team's name.
    pub name: String,
    /// How many answered a week in the current period, on average over its weeks whose count was
    /// released (each week's released count of the most-answered metric asked); absent when none
    /// was released.
    pub answered: Option<f64>,
    /// The team's declared head-count, when the server says.
    pub headcount: Option<u32>,
    /// `answered / headcount`, at most 1 (a noisy count may pass the head-count); absent when
    /// either is.
    pub participation: Option<f64>,
    /// The id of the team's department, when the server's units say.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub department_id: Option<String>,
}

/// A department's or the organisation's own row in the heatmap: its figures
/// come from its own released cells, never from its teams' (a team's withheld
/// cell cannot be recovered by subtracting one released figure from another).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeatmapUnitRow {
    /// The unit's id.
    pub id: String,
    /// The unit's name.
    pub name: String,
    /// How many answered a week in the current period, on average over its
    /// weeks whose count was released, as [`HeatmapTeam::answered`].
    pub answered: Option<f64>,
    /// The sum of its teams' declared head-counts, when every team has one.
    pub headcount: Option<u32>,
    /// `answered / headcount`, at most 1.
    pub participation: Option<f64>,
    /// One cell per metric, in the heatmap's order; `team_id` holds this unit's id.
    pub cells: Vec<HeatmapCell>,
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Some week of the current period is published. When false (nothing is
    /// published yet) the cell has no figures and is neither suppressed nor
    /// "not asked" (`asked` true, `suppressed` false): "not yet published".
    pub published: bool,
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
    /// The responses the previous mean rests on; absent with it.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub previous_n: Option<u32>,
    /// The lower end of the change's 95% interval (Welch, counting each
    /// person once a period, with the release noise when it is known:
    /// `polso_desktop::change`); absent without a change, when a released
    /// week has no sd, and for eNPS (whose change is in eNPS points).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub change_low: Option<f64>,
    /// The upper end of the change's 95% interval.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub change_high: Option<f64>,
    /// The interval excludes 0: the change is likely real, not noise. Absent
    /// without an interval.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub change_likely_real: Option<bool>,
    /// For eNPS: the period's eNPS, −100 to +100, from the histograms the
    /// server released (weighted by their n); absent when none was. Show this,
    /// not `mean`, as eNPS.
    #[ts(optional = nullable)]
    pub enps: Option<f64>,
    /// For eNPS: the previous period's eNPS.
    #[ts(optional = nullable)]
    pub previous_enps: Option<f64>,
    /// For burnout: the percentage reporting burnout symptoms (answer 3 or
    /// more) over the period's released histograms; absent when none was.
    #[ts(optional = nullable)]
    pub burnout_share: Option<f64>,
}

/// The team × metric heatmap: the current period against the one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HrHeatmap {
    /// The organisation's k, for the "fewer than k responses" wording.
    pub k: u32,
    /// The latest period: it ends with the last published week (with the
    /// last closed week while nothing is published).
    pub current: WeekPeriod,
    /// The period before it, of the same length.
    pub previous: WeekPeriod,
    /// The teams the token reaches, by name.
    pub teams: Vec<HeatmapTeam>,
    /// The metrics, in the order of `MetricKey::ALL`.
    pub metrics: Vec<MetricKey>,
    /// One cell per team and metric, teams in order, then metrics in order.
    pub cells: Vec<HeatmapCell>,
    /// The last week the organisation has published, such as `"2026-W46"`;
    /// absent when none is. Weeks after it are `published: false`.
    pub published_through: Option<String>,
    /// The next week to be published and when.
    pub next_publication: Option<NextPublication>,
    /// Whether the changes' intervals include the differential-privacy noise
    /// of the released figures.
    pub release_noise: ReleaseNoiseInIntervals,
    /// The ε per cell the intervals' noise was computed for; only when included.
    pub epsilon_per_cell: Option<f64>,
    /// The departments the token reaches, by name, each from its own released cells.
    #[serde(default)]
    pub departments: Vec<HeatmapUnitRow>,
    /// The organisation from its own released cells; absent for a token that
    /// reaches only some departments.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub organisation: Option<HeatmapUnitRow>,
}

/// Whether the change intervals include the noise the server adds to released figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReleaseNoiseInIntervals {
    /// Differential privacy is off: the released figures carry no noise.
    Off,
    /// The noise's variance (from ε per cell) is added to each interval.
    Included,
    /// The server did not say its ε: the intervals leave the noise out.
    Unknown,
}

/// What the linkage view asks for: the weeks looked at and, optionally, the
/// pair (and lag) whose lag profile and scatter to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LinkageQuery {
    /// How many closed weeks, ending with last week; 12 to 156, 104 when absent.
    pub weeks: Option<u32>,
    /// The EX metric of the pair to detail; the pair with the strongest
    /// relation when absent.
    pub ex_metric: Option<MetricKey>,
    /// The CX metric's key (`nps`, `csat`, `ces`, `fcr` or a custom key) of the pair to detail.
    pub cx_metric: Option<String>,
    /// The lag in weeks (0–8) of the scatter; the pair's strongest lag when absent.
    pub lag: Option<u32>,
    /// Whether CX is read week by week (absent: weekly) or pooled over four weeks before the
    /// linkage is computed. EX cells are never pooled: the option cannot change which EX cells
    /// are used.
    pub cx_pooling: Option<CxPooling>,
}

/// How CX scores enter the linkage (`polso_core::linkage::customers`, "Pooling over four weeks").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CxPooling {
    /// Each week's CX cell as imported (the default).
    #[default]
    Weekly,
    /// Each CX cell replaced by the customer-weighted mean of its team's weeks `w − 3` to `w`,
    /// customers summed, so cells with few customers reach the minimum; the pooled series is
    /// autocorrelated, which the effective size accounts for.
    FourWeeks,
}

/// How a CX metric's sampling noise is known from a cell's score and number of customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CxSamplingModel {
    /// A share (CSAT, FCR): `p (1 − p) / n`, exact.
    Proportion,
    /// NPS: an upper bound of the noise from the score alone, so the reliability is a lower bound.
    NpsUpperBound,
    /// A scale mean (CES, custom) without its spread: not known.
    Unknown,
}

/// How much of one CX metric's week-to-week variation within teams is not sampling noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LinkageCxReliability {
    /// The CX metric's key.
    pub cx_metric: String,
    /// How its sampling noise is known.
    pub model: CxSamplingModel,
    /// The cells (with a known number of customers, at or above the minimum) it rests on.
    pub cells: u32,
    /// `1 − mean sampling variance / within-team variance`, 0 to 1 (a lower bound for NPS);
    /// absent when the noise is not known or there are too few cells.
    pub reliability: Option<f64>,
    /// `√reliability`: about how much the noise shrinks a correlation with this metric.
    pub attenuation: Option<f64>,
}

/// How much teams differ, from I².
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TeamHeterogeneity {
    /// I² below 25%: the spread among teams is mostly noise.
    Little,
    /// I² from 25% to 75%.
    Some,
    /// I² of 75% or more: teams really differ.
    ALot,
}

/// One team's own correlation at the detail's lag, and its estimate shrunk towards the pooled one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LinkageTeamEstimate {
    /// The team's name.
    pub team: String,
    /// The team's paired weeks.
    pub n: u32,
    /// The team's effective size.
    pub n_effective: f64,
    /// The team's own two-way correlation.
    pub r: f64,
    /// Lower end of its 95% interval.
    pub ci_low: f64,
    /// Upper end of its 95% interval.
    pub ci_high: f64,
    /// The empirical-Bayes estimate, shrunk towards the pooled one.
    pub r_shrunk: f64,
    /// `τ² / (τ² + se²)`: how much of its own figure the shrunk estimate keeps, 0 to 1.
    pub shrinkage_weight: f64,
}

/// The random-effects meta-analysis of the teams' own correlations at the detail's lag
/// (`polso_core::linkage::teams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LinkageTeamDifferences {
    /// The teams with their own figure, by team name.
    pub teams: Vec<LinkageTeamEstimate>,
    /// Teams with paired weeks but too few (or too little varying) for their own figure.
    pub teams_left_out: u32,
    /// Cochran's Q.
    pub q: f64,
    /// Its degrees of freedom (teams less one).
    pub degrees_of_freedom: u32,
    /// The p-value of "every team has the same true correlation".
    pub q_p_value: f64,
    /// DerSimonian–Laird τ² on Fisher's z scale.
    pub tau_squared: f64,
    /// τ, the spread of the teams' true correlations on Fisher's z scale.
    pub tau: f64,
    /// I², 0 to 1: the share of the spread among teams that is not noise.
    pub i_squared: f64,
    /// I² in words.
    pub heterogeneity: TeamHeterogeneity,
    /// The average team's correlation (random effects).
    pub pooled_r: f64,
    /// Lower end of its 95% interval.
    pub pooled_ci_low: f64,
    /// Upper end of its 95% interval.
    pub pooled_ci_high: f64,
    /// About 95% of teams' true correlations lie between this…
    pub typical_low: f64,
    /// …and this.
    pub typical_high: f64,
}

/// Why a correlation has no estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NotEnoughDataReason {
    /// Fewer paired weeks than the minimum (within teams).
    TooFewPairs,
    /// Fewer teams than the minimum (between teams).
    TooFewTeams,
    /// The EX or the CX values do not vary.
    NoVariation,
    /// Enough pairs, but an effective sample size (after autocorrelation and
    /// the team and week effects) below the minimum; `n_effective` says how
    /// much, `minimum` the threshold.
    SmallEffectiveSize,
}

/// One correlation: the estimate, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LinkageCorrelation {
    /// Paired team-weeks (within teams) or teams (between teams) that went in.
    pub n: u32,
    /// Teams that contributed.
    pub n_teams: u32,
    /// Pearson's r, −1 to 1; absent when there is not enough data.
    pub r: Option<f64>,
    /// The lower end of the Fisher-z 95% interval.
    pub ci_low: Option<f64>,
    /// The upper end of the Fisher-z 95% interval.
    pub ci_high: Option<f64>,
    /// The sample size after the correction for autocorrelated weeks.
    pub n_effective: Option<f64>,
    /// The two-sided p-value of "no correlation".
    pub p_value: Option<f64>,
    /// The p-value adjusted (Benjamini–Hochberg) for testing every pair and lag.
    pub p_adjusted: Option<f64>,
    /// For a finding (adjusted p at most the false discovery rate), the lower
    /// end of the false-coverage adjusted interval (Benjamini–Yekutieli);
    /// absent for other cells.
    pub fcr_low: Option<f64>,
    /// The upper end of the false-coverage adjusted interval.
    pub fcr_high: Option<f64>,
    /// Why there is no estimate; absent when there is one.
    pub not_enough_data: Option<NotEnoughDataReason>,
    /// The minimum of pairs, teams or effective size the reason refers to.
    pub minimum: Option<u32>,
}

/// One EX metric × CX metric pair at its strongest lag (within-team Pearson).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LinkagePair {
    /// The EX metric.
    pub ex_metric: MetricKey,
    /// The CX metric's key.
    pub cx_metric: String,
    /// The strongest lag in weeks, EX leading; absent when no lag has an estimate.
    pub lag: Option<u32>,
    /// Within teams and weeks (two-way fixed effects, the default), at `lag`
    /// (at lag 0 when there is none, with its reason).
    pub within: LinkageCorrelation,
    /// Within teams only (team means removed, week effects left in), at `lag`.
    pub team_demeaned: LinkageCorrelation,
    /// Week-to-week changes (drift-robust), at `lag`.
    pub first_difference: LinkageCorrelation,
    /// Between teams (team means), at the same lag.
    pub between: LinkageCorrelation,
    /// The chance, with the between-team figure's number of teams, of
    /// detecting the published r = 0.33; absent without a between-team figure.
    pub between_power: Option<f64>,
    /// Whether the view flags (colours) the pair: its strongest lag is a
    /// finding and the drift-robust figure agrees.
    pub flagged: bool,
    /// Whether the strongest lag is 0 or 8: no interior peak.
    pub edge_peak: bool,
    /// The pair's place when ranked by evidence (adjusted p, then z·√(n_eff − 3)), from 1; absent without an estimate.
    pub rank: Option<u32>,
}

/// How many weeks of one team's EX cells were withheld (below k or suppressed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WithheldWeeks {
    /// The team's name.
    pub team: String,
    /// Team-weeks of EX metrics asked but withheld, summed over metrics.
    pub withheld: u32,
    /// Team-weeks of EX metrics asked, summed over metrics.
    pub asked: u32,
}

/// One lag of a pair's lag profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LagPoint {
    /// The lag in weeks, EX leading.
    pub lag: u32,
    /// The within-team (two-way) correlation at this lag.
    pub within: LinkageCorrelation,
    /// The team-demeaned correlation at this lag.
    pub team_demeaned: LinkageCorrelation,
    /// The first-difference correlation at this lag.
    pub first_difference: LinkageCorrelation,
}

/// One point of the scatter: a team's week as deviations from the team's own means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LinkageScatterPoint {
    /// The team's name.
    pub team: String,
    /// The ISO week of the EX value; the CX value is `lag` weeks later.
    pub ex_week: String,
    /// The EX value minus the team's mean EX.
    pub ex_deviation: f64,
    /// The CX value minus the team's mean CX.
    pub cx_deviation: f64,
}

/// The least-squares line `cx_deviation = intercept + slope · ex_deviation`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct LinkageFit {
    /// CX points per EX point.
    pub slope: f64,
    /// The line's value at no EX deviation.
    pub intercept: f64,
}

/// The detail of one pair: its lag profile and its scatter at one lag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LinkageDetail {
    /// The EX metric.
    pub ex_metric: MetricKey,
    /// The CX metric's key.
    pub cx_metric: String,
    /// The lag of the scatter.
    pub lag: u32,
    /// Lags 0 to 8.
    pub profile: Vec<LagPoint>,
    /// The paired team-weeks at `lag`.
    pub points: Vec<LinkageScatterPoint>,
    /// The fitted line; absent with fewer than two distinct EX deviations.
    pub fit: Option<LinkageFit>,
    /// The team-permutation p-value of the default (two-way) figure at `lag`: how often pairing
    /// each team's EX with another team's CX, same weeks, gives a correlation at least as far from 0
    /// (`polso_core::linkage`, "The team-permutation test"). Never below `1 / (permutations + 1)`.
    /// Absent below 5 teams or when the figure has no estimate.
    pub permutation_p: Option<f64>,
    /// The permuted pairings `permutation_p` was computed from (the teams less one); absent with it.
    pub permutations: Option<u32>,
    /// The default figure at `lag` with each pair weighted by its CX cell's number of customers
    /// (a cell without a count weighs the median); `p_adjusted` is absent (not part of the grid's
    /// adjustment).
    pub weighted: LinkageCorrelation,
    /// Paired CX cells at `lag` whose number of customers is not known.
    pub weighted_cells_without_count: u32,
    /// How teams differ at `lag`; absent with fewer than `min_team_figures` teams that have
    /// enough weeks of their own.
    pub team_differences: Option<LinkageTeamDifferences>,
    /// The fewest teams with a figure of their own for `team_differences` (4).
    pub min_team_figures: u32,
}

/// The EX–CX linkage view: every pair at its strongest lag, and one pair in detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LinkageView {
    /// The first ISO week looked at.
    pub from: String,
    /// The last ISO week looked at (last week).
    pub to: String,
    /// How many teams have both released EX cells and CX scores.
    pub teams: u32,
    /// The EX metrics with released team cells, in the order of `MetricKey::ALL`.
    pub ex_metrics: Vec<MetricKey>,
    /// The CX metrics' keys, sorted.
    pub cx_metrics: Vec<String>,
    /// One per EX × CX metric, EX metrics in order, then CX metrics.
    pub pairs: Vec<LinkagePair>,
    /// The pair asked for, or the strongest; absent when there is no pair.
    pub detail: Option<LinkageDetail>,
    /// The fewest paired weeks a within-team correlation is estimated from.
    pub min_pairs: u32,
    /// The fewest teams a between-team correlation is estimated from.
    pub min_teams: u32,
    /// The smallest effective sample size a within-team figure is shown from.
    pub min_effective_n: f64,
    /// The false discovery rate a finding is held to (0.05).
    pub false_discovery_rate: f64,
    /// The teams a between-team correlation needs for 80% power at r = 0.33.
    pub teams_needed_for_power: u32,
    /// The first and last EX week every lag was computed over; absent when none.
    pub ex_from: Option<String>,
    /// The last EX week of the common window.
    pub ex_to: Option<String>,
    /// Per team with any withheld EX cell, how many, by team name.
    pub withheld: Vec<WithheldWeeks>,
    /// The fewest customer responses a CX cell needs to enter the linkage (30).
    pub min_cx_responses: u32,
    /// CX cells (team, week, metric) left out for fewer than `min_cx_responses` responses.
    pub cx_cells_too_few_customers: u32,
    /// How CX entered: week by week or pooled over four weeks.
    pub cx_pooling: CxPooling,
    /// Per CX metric (sorted by key), how much of its variation within teams is not sampling noise.
    pub cx_reliability: Vec<LinkageCxReliability>,
}
