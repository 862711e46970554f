//! EX–CX linkage: how employee-experience metrics move with the customer-experience scores the same
//! teams earn, week by week, with EX leading by 0 to 8 weeks (DESIGN.md, "EX–CX linkage").
//!
//! Input is the released (unsuppressed) cells only: one value per (team, ISO week, metric). The caller
//! filters suppressed cells out; this module never sees a count below k. For every EX metric, CX metric
//! and lag `L` in `0..=MAX_LAG_WEEKS`, an EX value of week `w` is paired with the same team's CX value
//! of week `w + L`. Two questions are asked of those pairs:
//!
//! - **Within-team** ("when a team's engagement is above its own usual level, is its CSAT `L` weeks
//!   later above its own usual level?"). Each team's paired EX and CX values are demeaned with that
//!   team's means; the demeaned pairs of all teams are pooled and correlated (Pearson on the values,
//!   Spearman on the ranks of the pooled demeaned values, ties getting their average rank). Teams with
//!   a single paired week carry no within-team information and are left out.
//! - **Between-team** ("do teams with higher engagement have higher CSAT?"). Each team with at least
//!   [`MIN_PAIRS_FOR_TEAM_MEAN`] paired weeks is reduced to its mean EX and mean CX over those weeks,
//!   and the team means are correlated across teams.
//!
//! # The numbers
//!
//! - `r`: Pearson's or Spearman's coefficient, from −1 to 1.
//! - `n`: paired weeks (within-team) or teams (between-team).
//! - `n_effective`: the sample size the uncertainty is computed from. Between teams it is the number
//!   of teams. Within teams it corrects for two things. First, demeaning spends one degree of freedom
//!   per team: the pooled demeaned correlation is the partial correlation given team, so the starting
//!   size is `m = n − (T − 1)` for `T` teams. Second, weekly series are autocorrelated, so consecutive
//!   weeks are not independent pieces of evidence. Following Bartlett (1935) and Bayley and Hammersley
//!   (1946), in the form of Pyper and Peterman (1998):
//!
//!   ```text
//!   n_eff = m / (1 + 2 · Σ_{k=1..K} r_x(k) · r_y(k)),   clamped to [3, m]
//!   ```
//!
//!   where `r_x(k)` is the lag-`k` autocorrelation of the demeaned EX values, pooled over teams
//!   (`Σ_teams Σ_w x_w x_{w+k} / Σ_teams Σ_w x_w²`, over weeks `w` where both `w` and `w + k` are paired
//!   weeks of that team), `r_y(k)` the same for CX, and the cutoff `K = min(10, ⌊longest team's
//!   paired weeks / 4⌋)`. The Spearman coefficient uses the same `n_eff`.
//! - `ci_low`, `ci_high`: the Fisher-z 95% interval, `tanh(atanh(r) ± 1.959964 / √(n_eff − 3))`.
//! - `p_value`: two-sided, from Student's t with `n_eff − 2` degrees of freedom,
//!   `t = r · √((n_eff − 2) / (1 − r²))`, computed as the regularized incomplete beta function
//!   `I_{1−r²}((n_eff − 2)/2, 1/2)`, implemented here (a continued fraction evaluated with the
//!   modified Lentz method, as in Numerical Recipes §6.4, and a Lanczos log-gamma).
//! - `p_adjusted`: Benjamini–Hochberg (1995) adjusted p-values across the whole grid (every EX metric ×
//!   CX metric × lag that has an estimate), separately in four families: within-team Pearson,
//!   within-team Spearman, between-team Pearson, between-team Spearman. Tests at neighbouring lags are
//!   positively dependent, for which BH still controls the false discovery rate (Benjamini and
//!   Yekutieli, 2001, positive regression dependence).
//!
//! # What the numbers do not mean
//!
//! A correlation is not a cause: a lagged one shows that EX moved first, not that it moved CX (a new
//! manager, a product change or the season can move both). Within-team and between-team answers can
//! differ, even in sign, and neither implies the other. The interval, not the point estimate, says what
//! the data allow; expect modest effects (Harter, Schmidt and Hayes, 2002, report r ≈ 0.33 between unit
//! engagement and customer satisfaction). An adjusted p-value controls the share of false findings
//! across the grid, not the chance that one cell is wrong.
//!
//! # Not enough data
//!
//! Below [`MIN_WITHIN_TEAM_PAIRS`] paired weeks (within-team) or [`MIN_BETWEEN_TEAM_TEAMS`] teams
//! (between-team), or when one side does not vary at all, a correlation has no estimate and says why
//! ([`NotEnoughData`]). Such cells take no part in the Benjamini–Hochberg adjustment.
//!
//! Pure: no IO, no clock, no randomness.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::bank::Metric;
use crate::cx::CxMetric;
use crate::week::IsoWeek;

/// The longest lag looked at: EX of week `w` is paired with CX of weeks `w` to `w + 8`.
pub const MAX_LAG_WEEKS: u32 = 8;

/// Fewer paired weeks than this (over all teams) and a within-team correlation is not estimated.
pub const MIN_WITHIN_TEAM_PAIRS: usize = 10;

/// Fewer teams than this and a between-team correlation is not estimated.
pub const MIN_BETWEEN_TEAM_TEAMS: usize = 4;

/// A team enters the between-team correlation only with at least this many paired weeks, so that
/// its mean is not one or two weeks' noise.
pub const MIN_PAIRS_FOR_TEAM_MEAN: usize = 4;

/// The longest autocorrelation lag (in weeks) summed in the effective sample size.
pub const MAX_AUTOCORRELATION_LAG_WEEKS: usize = 10;

/// The 97.5th percentile of the standard normal distribution, for 95% intervals.
const NORMAL_QUANTILE_975: f64 = 1.959_963_984_540_054;

/// One released EX cell: a team's score on one EX metric in one week (0–100, higher is better).
#[derive(Debug, Clone, PartialEq)]
pub struct ExObservation {
    /// The team, by a name or id that is the same in the CX observations.
    pub team: String,
    /// The ISO week the pulse was about.
    pub week: IsoWeek,
    /// The EX metric.
    pub metric: Metric,
    /// The team's released score.
    pub value: f64,
}

/// One CX cell: a team's score on one CX metric in one week (as imported, see [`crate::cx`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CxObservation {
    /// The team, by a name or id that is the same in the EX observations.
    pub team: String,
    /// The ISO week the customers' answers fell in.
    pub week: IsoWeek,
    /// The CX metric.
    pub metric: CxMetric,
    /// The score (NPS −100 to 100, CSAT 0–100 %, CES 1–7, or a custom metric's own scale).
    pub value: f64,
}

/// Why observations cannot be used for linkage.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkageError {
    /// A value is NaN or infinite.
    #[error("the {metric} value of team '{team}' in {week} is not a finite number")]
    NonFiniteValue {
        /// The team.
        team: String,
        /// The week.
        week: IsoWeek,
        /// The metric's key.
        metric: String,
    },
    /// The same (team, week, metric) appears twice.
    #[error("team '{team}' has two {metric} values for {week}")]
    DuplicateObservation {
        /// The team.
        team: String,
        /// The week.
        week: IsoWeek,
        /// The metric's key.
        metric: String,
    },
}

/// Which question a correlation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorrelationScope {
    /// Weeks against weeks inside teams, each team's own level removed.
    WithinTeam,
    /// Team means against team means.
    BetweenTeam,
}

/// Which coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorrelationMethod {
    /// Pearson's r: the strength of a straight-line relation; sensitive to outliers.
    Pearson,
    /// Spearman's ρ: Pearson's r on ranks; any steadily rising or falling relation, robust to outliers.
    Spearman,
}

/// Why a correlation has no estimate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotEnoughData {
    /// Too few paired weeks (within-team).
    TooFewPairs {
        /// Paired weeks available.
        pairs: usize,
        /// The minimum, [`MIN_WITHIN_TEAM_PAIRS`].
        minimum: usize,
    },
    /// Too few teams (between-team).
    TooFewTeams {
        /// Teams available.
        teams: usize,
        /// The minimum, [`MIN_BETWEEN_TEAM_TEAMS`].
        minimum: usize,
    },
    /// The EX or the CX values do not vary (after demeaning, for within-team), so no correlation exists.
    NoVariation,
}

/// A correlation that could be estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The coefficient, from −1 to 1. Its sign says whether higher EX goes with higher (+) or lower (−)
    /// CX; its size how closely. It does not say that one causes the other.
    pub r: f64,
    /// Lower end of the 95% interval (Fisher z). If it is above 0, the data are hard to reconcile with
    /// no relation at all; it says nothing about the size of a relation in another period.
    pub ci_low: f64,
    /// Upper end of the 95% interval.
    pub ci_high: f64,
    /// The sample size the interval and p-value rest on, after the corrections in the module header;
    /// smaller than `n` when weeks are autocorrelated. Not a whole number in general.
    pub n_effective: f64,
    /// Two-sided p-value of "no correlation": how often a coefficient at least this far from 0 would
    /// arise if there were none. Not the probability that there is none.
    pub p_value: f64,
    /// The p-value adjusted with Benjamini–Hochberg across the grid in this correlation's family: the
    /// false discovery rate at which this cell would just count as a finding.
    pub p_adjusted: f64,
}

/// Either an estimate or the reason there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum CorrelationOutcome {
    /// Enough data: the estimate.
    Estimated(Estimate),
    /// Not enough data, and why.
    NotEnoughData(NotEnoughData),
}

/// One correlation of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// Paired weeks (within-team) or teams (between-team) that went in.
    pub n: usize,
    /// Teams that contributed.
    pub n_teams: usize,
    /// The estimate, or why there is none.
    pub outcome: CorrelationOutcome,
}

impl Correlation {
    /// The estimate, when there is one.
    pub fn estimate(&self) -> Option<&Estimate> {
        match &self.outcome {
            CorrelationOutcome::Estimated(estimate) => Some(estimate),
            CorrelationOutcome::NotEnoughData(_) => None,
        }
    }

    /// The coefficient, when there is one.
    pub fn r(&self) -> Option<f64> {
        self.estimate().map(|estimate| estimate.r)
    }

    /// Why there is no estimate, when there is none.
    pub fn not_enough_data(&self) -> Option<&NotEnoughData> {
        match &self.outcome {
            CorrelationOutcome::Estimated(_) => None,
            CorrelationOutcome::NotEnoughData(reason) => Some(reason),
        }
    }
}

/// Every correlation for one (EX metric, CX metric, lag).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkageCell {
    /// The EX metric.
    pub ex_metric: Metric,
    /// The CX metric.
    pub cx_metric: CxMetric,
    /// How many weeks EX leads: EX of week `w` paired with CX of week `w + lag_weeks`.
    pub lag_weeks: u32,
    /// Within-team Pearson.
    pub within_pearson: Correlation,
    /// Within-team Spearman.
    pub within_spearman: Correlation,
    /// Between-team Pearson.
    pub between_pearson: Correlation,
    /// Between-team Spearman.
    pub between_spearman: Correlation,
}

impl LinkageCell {
    /// The correlation for one scope and method.
    pub fn correlation(&self, scope: CorrelationScope, method: CorrelationMethod) -> &Correlation {
        match (scope, method) {
            (CorrelationScope::WithinTeam, CorrelationMethod::Pearson) => &self.within_pearson,
            (CorrelationScope::WithinTeam, CorrelationMethod::Spearman) => &self.within_spearman,
            (CorrelationScope::BetweenTeam, CorrelationMethod::Pearson) => &self.between_pearson,
            (CorrelationScope::BetweenTeam, CorrelationMethod::Spearman) => &self.between_spearman,
        }
    }

    fn correlation_mut(&mut self, scope: CorrelationScope, method: CorrelationMethod) -> &mut Correlation {
        match (scope, method) {
            (CorrelationScope::WithinTeam, CorrelationMethod::Pearson) => &mut self.within_pearson,
            (CorrelationScope::WithinTeam, CorrelationMethod::Spearman) => &mut self.within_spearman,
            (CorrelationScope::BetweenTeam, CorrelationMethod::Pearson) => &mut self.between_pearson,
            (CorrelationScope::BetweenTeam, CorrelationMethod::Spearman) => &mut self.between_spearman,
        }
    }
}

/// The whole grid: every EX metric × CX metric present in the data × lag `0..=MAX_LAG_WEEKS`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkageGrid {
    /// The cells, ordered by EX metric (in [`Metric::ALL`] order), CX metric, then lag.
    pub cells: Vec<LinkageCell>,
}

impl LinkageGrid {
    /// The cell for one (EX metric, CX metric, lag), if both metrics are in the data.
    pub fn cell(&self, ex_metric: Metric, cx_metric: &CxMetric, lag_weeks: u32) -> Option<&LinkageCell> {
        self.cells.iter().find(|cell| {
            cell.ex_metric == ex_metric && &cell.cx_metric == cx_metric && cell.lag_weeks == lag_weeks
        })
    }

    /// Every (EX metric, CX metric) pair of the grid, in grid order.
    pub fn pairs(&self) -> Vec<(Metric, CxMetric)> {
        let mut pairs: Vec<(Metric, CxMetric)> = Vec::new();
        for cell in &self.cells {
            if pairs.last().is_none_or(|(ex, cx)| *ex != cell.ex_metric || *cx != cell.cx_metric) {
                pairs.push((cell.ex_metric, cell.cx_metric.clone()));
            }
        }
        pairs
    }

    /// The lag profile of one pair: its cells from lag 0 to [`MAX_LAG_WEEKS`], for a chart of r by lag.
    pub fn lag_profile(&self, ex_metric: Metric, cx_metric: &CxMetric) -> Vec<&LinkageCell> {
        let mut profile: Vec<&LinkageCell> = self
            .cells
            .iter()
            .filter(|cell| cell.ex_metric == ex_metric && &cell.cx_metric == cx_metric)
            .collect();
        profile.sort_by_key(|cell| cell.lag_weeks);
        profile
    }

    /// The pair's strongest lag: the cell with the largest |r| of the within-team Pearson correlation
    /// among the lags that have an estimate (the shorter lag on a tie); `None` when no lag has one.
    ///
    /// Picking the largest of nine correlations favours chance peaks; the adjusted p-value and the
    /// interval of the chosen cell, and the shape of the whole lag profile, say how much to trust it.
    pub fn strongest_lag(&self, ex_metric: Metric, cx_metric: &CxMetric) -> Option<&LinkageCell> {
        let mut strongest: Option<(&LinkageCell, f64)> = None;
        for cell in self.lag_profile(ex_metric, cx_metric) {
            if let Some(r) = cell.within_pearson.r()
                && strongest.is_none_or(|(_, best)| r.abs() > best)
            {
                strongest = Some((cell, r.abs()));
            }
        }
        strongest.map(|(cell, _)| cell)
    }
}

/// One point of a scatter: a team's week, as deviations from that team's own means.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPoint {
    /// The team.
    pub team: String,
    /// The EX week (the CX week is `lag_weeks` later).
    pub ex_week: IsoWeek,
    /// EX value minus the team's mean EX over its paired weeks.
    pub ex_deviation: f64,
    /// CX value minus the team's mean CX over its paired weeks.
    pub cx_deviation: f64,
}

/// An ordinary least squares line `cx_deviation = intercept + slope · ex_deviation`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineFit {
    /// CX points per EX point, within teams: how much a team's CX is above its usual level, on
    /// average, when its EX was one point above its usual level `lag_weeks` before. A description of
    /// the data, not the effect of raising EX.
    pub slope: f64,
    /// The line's value at zero deviation; close to 0 since both sides are demeaned.
    pub intercept: f64,
}

/// The data for a scatter with a fitted line, for one (EX metric, CX metric, lag), within teams.
#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    /// The EX metric.
    pub ex_metric: Metric,
    /// The CX metric.
    pub cx_metric: CxMetric,
    /// The lag in weeks.
    pub lag_weeks: u32,
    /// The within-team demeaned pairs, by team then week (teams with one paired week left out).
    pub points: Vec<ScatterPoint>,
    /// The OLS line, when there are at least two points and the EX deviations vary.
    pub fit: Option<LineFit>,
}

/// One team's paired weeks for a (EX metric, CX metric, lag).
#[derive(Debug, Clone)]
struct TeamPairs {
    team: usize,
    /// EX week indexes ([`IsoWeek::index`]), ascending.
    weeks: Vec<i64>,
    ex: Vec<f64>,
    cx: Vec<f64>,
}

/// Validated, indexed observations, ready for [`LinkageSeries::grid`] and [`LinkageSeries::scatter`].
#[derive(Debug, Clone)]
pub struct LinkageSeries {
    teams: Vec<String>,
    /// Per EX metric, per team index: week index → value (ordered by week).
    ex: BTreeMap<Metric, Vec<BTreeMap<i64, f64>>>,
    /// Per CX metric, per team index: week index → value.
    cx: BTreeMap<CxMetric, Vec<HashMap<i64, f64>>>,
}

impl LinkageSeries {
    /// Indexes the observations. Teams are matched by exact name. Fails on a non-finite value or a
    /// (team, week, metric) given twice.
    pub fn new(ex: &[ExObservation], cx: &[CxObservation]) -> Result<LinkageSeries, LinkageError> {
        let team_names: BTreeSet<&str> =
            ex.iter().map(|o| o.team.as_str()).chain(cx.iter().map(|o| o.team.as_str())).collect();
        let teams: Vec<String> = team_names.iter().map(|name| (*name).to_owned()).collect();
        let team_index: HashMap<&str, usize> =
            team_names.iter().enumerate().map(|(index, name)| (*name, index)).collect();
        let team_count = teams.len();

        let mut ex_series: BTreeMap<Metric, Vec<BTreeMap<i64, f64>>> = BTreeMap::new();
        for observation in ex {
            check_finite(&observation.team, observation.week, observation.metric.key(), observation.value)?;
            let per_team =
                ex_series.entry(observation.metric).or_insert_with(|| vec![BTreeMap::new(); team_count]);
            let team = team_index[observation.team.as_str()];
            if per_team[team].insert(observation.week.index(), observation.value).is_some() {
                return Err(duplicate(&observation.team, observation.week, observation.metric.key()));
            }
        }
        let mut cx_series: BTreeMap<CxMetric, Vec<HashMap<i64, f64>>> = BTreeMap::new();
        for observation in cx {
            check_finite(&observation.team, observation.week, observation.metric.key(), observation.value)?;
            let per_team = cx_series
                .entry(observation.metric.clone())
                .or_insert_with(|| vec![HashMap::new(); team_count]);
            let team = team_index[observation.team.as_str()];
            if per_team[team].insert(observation.week.index(), observation.value).is_some() {
                return Err(duplicate(&observation.team, observation.week, observation.metric.key()));
            }
        }
        Ok(LinkageSeries { teams, ex: ex_series, cx: cx_series })
    }

    /// Computes the whole grid: every EX metric × CX metric × lag `0..=MAX_LAG_WEEKS`, with
    /// Benjamini–Hochberg adjustment per family across all of it.
    pub fn grid(&self) -> LinkageGrid {
        let mut cells = Vec::new();
        for ex_metric in Metric::ALL {
            if !self.ex.contains_key(&ex_metric) {
                continue;
            }
            for cx_metric in self.cx.keys() {
                for lag_weeks in 0..=MAX_LAG_WEEKS {
                    cells.push(self.cell(ex_metric, cx_metric, lag_weeks));
                }
            }
        }
        for scope in [CorrelationScope::WithinTeam, CorrelationScope::BetweenTeam] {
            for method in [CorrelationMethod::Pearson, CorrelationMethod::Spearman] {
                let p_values: Vec<f64> = cells
                    .iter()
                    .filter_map(|cell| cell.correlation(scope, method).estimate().map(|e| e.p_value))
                    .collect();
                let adjusted = benjamini_hochberg(&p_values);
                let mut adjusted = adjusted.into_iter();
                for cell in &mut cells {
                    if let CorrelationOutcome::Estimated(estimate) =
                        &mut cell.correlation_mut(scope, method).outcome
                        && let Some(p_adjusted) = adjusted.next()
                    {
                        estimate.p_adjusted = p_adjusted;
                    }
                }
            }
        }
        LinkageGrid { cells }
    }

    /// The scatter of within-team demeaned pairs for one (EX metric, CX metric, lag), with its OLS
    /// line. Empty when either metric is absent.
    pub fn scatter(&self, ex_metric: Metric, cx_metric: &CxMetric, lag_weeks: u32) -> Scatter {
        let mut points = Vec::new();
        for team_pairs in self.paired(ex_metric, cx_metric, lag_weeks) {
            if team_pairs.weeks.len() < 2 {
                continue;
            }
            let ex_mean = mean(&team_pairs.ex);
            let cx_mean = mean(&team_pairs.cx);
            for ((week, ex), cx) in team_pairs.weeks.iter().zip(&team_pairs.ex).zip(&team_pairs.cx) {
                points.push(ScatterPoint {
                    team: self.teams[team_pairs.team].clone(),
                    ex_week: IsoWeek::from_index(*week),
                    ex_deviation: ex - ex_mean,
                    cx_deviation: cx - cx_mean,
                });
            }
        }
        let xs: Vec<f64> = points.iter().map(|point| point.ex_deviation).collect();
        let ys: Vec<f64> = points.iter().map(|point| point.cx_deviation).collect();
        let fit = ordinary_least_squares(&xs, &ys);
        Scatter { ex_metric, cx_metric: cx_metric.clone(), lag_weeks, points, fit }
    }

    /// Each team's paired weeks: EX at `w`, CX at `w + lag_weeks`, for teams with at least one pair.
    fn paired(&self, ex_metric: Metric, cx_metric: &CxMetric, lag_weeks: u32) -> Vec<TeamPairs> {
        let (Some(ex_teams), Some(cx_teams)) = (self.ex.get(&ex_metric), self.cx.get(cx_metric)) else {
            return Vec::new();
        };
        let lag = i64::from(lag_weeks);
        let mut result = Vec::new();
        for (team, (ex_weeks, cx_weeks)) in ex_teams.iter().zip(cx_teams).enumerate() {
            let mut pairs = TeamPairs { team, weeks: Vec::new(), ex: Vec::new(), cx: Vec::new() };
            for (week, ex) in ex_weeks {
                if let Some(cx) = cx_weeks.get(&(week + lag)) {
                    pairs.weeks.push(*week);
                    pairs.ex.push(*ex);
                    pairs.cx.push(*cx);
                }
            }
            if !pairs.weeks.is_empty() {
                result.push(pairs);
            }
        }
        result
    }

    fn cell(&self, ex_metric: Metric, cx_metric: &CxMetric, lag_weeks: u32) -> LinkageCell {
        let paired = self.paired(ex_metric, cx_metric, lag_weeks);
        let (within_pearson, within_spearman) = within_team(&paired);
        let (between_pearson, between_spearman) = between_team(&paired);
        LinkageCell {
            ex_metric,
            cx_metric: cx_metric.clone(),
            lag_weeks,
            within_pearson,
            within_spearman,
            between_pearson,
            between_spearman,
        }
    }
}

/// Computes the grid from observations in one call: [`LinkageSeries::new`] then [`LinkageSeries::grid`].
pub fn compute_linkage(ex: &[ExObservation], cx: &[CxObservation]) -> Result<LinkageGrid, LinkageError> {
    Ok(LinkageSeries::new(ex, cx)?.grid())
}

fn check_finite(team: &str, week: IsoWeek, metric: &str, value: f64) -> Result<(), LinkageError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(LinkageError::NonFiniteValue { team: team.to_owned(), week, metric: metric.to_owned() })
    }
}

fn duplicate(team: &str, week: IsoWeek, metric: &str) -> LinkageError {
    LinkageError::DuplicateObservation { team: team.to_owned(), week, metric: metric.to_owned() }
}

/// Within-team Pearson and Spearman for one cell's pairs.
fn within_team(paired: &[TeamPairs]) -> (Correlation, Correlation) {
    let teams: Vec<&TeamPairs> = paired.iter().filter(|team| team.weeks.len() >= 2).collect();
    let n_teams = teams.len();
    let n = teams.iter().map(|team| team.weeks.len()).sum::<usize>();
    let not_enough = |reason: NotEnoughData| {
        let correlation = Correlation { n, n_teams, outcome: CorrelationOutcome::NotEnoughData(reason) };
        (correlation.clone(), correlation)
    };
    if n < MIN_WITHIN_TEAM_PAIRS {
        return not_enough(NotEnoughData::TooFewPairs { pairs: n, minimum: MIN_WITHIN_TEAM_PAIRS });
    }
    let demeaned: Vec<(Vec<f64>, Vec<f64>)> =
        teams.iter().map(|team| (demean(&team.ex), demean(&team.cx))).collect();
    let pooled_ex: Vec<f64> = demeaned.iter().flat_map(|(ex, _)| ex.iter().copied()).collect();
    let pooled_cx: Vec<f64> = demeaned.iter().flat_map(|(_, cx)| cx.iter().copied()).collect();
    let (Some(pearson_r), Some(spearman_r)) =
        (pearson(&pooled_ex, &pooled_cx), pearson(&average_ranks(&pooled_ex), &average_ranks(&pooled_cx)))
    else {
        return not_enough(NotEnoughData::NoVariation);
    };
    let weeks: Vec<&[i64]> = teams.iter().map(|team| team.weeks.as_slice()).collect();
    let n_effective = within_team_effective_size(&weeks, &demeaned);
    let correlation =
        |r: f64| Correlation { n, n_teams, outcome: CorrelationOutcome::Estimated(estimate(r, n_effective)) };
    (correlation(pearson_r), correlation(spearman_r))
}

/// Between-team Pearson and Spearman for one cell's pairs.
fn between_team(paired: &[TeamPairs]) -> (Correlation, Correlation) {
    let (ex_means, cx_means): (Vec<f64>, Vec<f64>) = paired
        .iter()
        .filter(|team| team.weeks.len() >= MIN_PAIRS_FOR_TEAM_MEAN)
        .map(|team| (mean(&team.ex), mean(&team.cx)))
        .unzip();
    let n = ex_means.len();
    let not_enough = |reason: NotEnoughData| {
        let correlation = Correlation { n, n_teams: n, outcome: CorrelationOutcome::NotEnoughData(reason) };
        (correlation.clone(), correlation)
    };
    if n < MIN_BETWEEN_TEAM_TEAMS {
        return not_enough(NotEnoughData::TooFewTeams { teams: n, minimum: MIN_BETWEEN_TEAM_TEAMS });
    }
    let (Some(pearson_r), Some(spearman_r)) =
        (pearson(&ex_means, &cx_means), pearson(&average_ranks(&ex_means), &average_ranks(&cx_means)))
    else {
        return not_enough(NotEnoughData::NoVariation);
    };
    let n_effective = n as f64;
    let correlation = |r: f64| Correlation {
        n,
        n_teams: n,
        outcome: CorrelationOutcome::Estimated(estimate(r, n_effective)),
    };
    (correlation(pearson_r), correlation(spearman_r))
}

/// The effective sample size of the pooled within-team correlation (formula in the module header).
///
/// `weeks[t]` are team `t`'s paired EX week indexes (ascending) and `demeaned[t]` its demeaned EX and
/// CX values in the same order.
fn within_team_effective_size(weeks: &[&[i64]], demeaned: &[(Vec<f64>, Vec<f64>)]) -> f64 {
    let n: usize = weeks.iter().map(|team_weeks| team_weeks.len()).sum();
    let longest = weeks.iter().map(|team_weeks| team_weeks.len()).max().unwrap_or(0);
    let cutoff = MAX_AUTOCORRELATION_LAG_WEEKS.min(longest / 4);
    let lagged_sum = autocorrelation_product_sum(weeks, demeaned, cutoff);
    let m = (n + 1 - weeks.len()) as f64;
    let denominator = 1.0 + 2.0 * lagged_sum;
    let n_effective = if denominator > 0.0 { m / denominator } else { m };
    n_effective.clamp(3.0_f64.min(m), m)
}

/// `Σ_{k=1..cutoff} r_x(k) · r_y(k)` with autocorrelations pooled over teams (module header).
fn autocorrelation_product_sum(weeks: &[&[i64]], demeaned: &[(Vec<f64>, Vec<f64>)], cutoff: usize) -> f64 {
    let sum_of_squares = |side: usize| -> f64 {
        demeaned.iter().flat_map(|pair| if side == 0 { &pair.0 } else { &pair.1 }).map(|v| v * v).sum()
    };
    let (ex_squares, cx_squares) = (sum_of_squares(0), sum_of_squares(1));
    if ex_squares <= 0.0 || cx_squares <= 0.0 {
        return 0.0;
    }
    // Dense per-team arrays over each team's span of weeks, `None` where a week is not paired.
    let dense: Vec<Vec<Option<(f64, f64)>>> = weeks
        .iter()
        .zip(demeaned)
        .map(|(team_weeks, (ex, cx))| {
            let first = team_weeks.first().copied().unwrap_or(0);
            let span = team_weeks.last().map_or(0, |last| last - first + 1);
            let mut slots = vec![None; usize::try_from(span).unwrap_or(0)];
            for ((week, ex), cx) in team_weeks.iter().zip(ex).zip(cx) {
                if let Some(slot) = usize::try_from(week - first).ok().and_then(|i| slots.get_mut(i)) {
                    *slot = Some((*ex, *cx));
                }
            }
            slots
        })
        .collect();
    let mut total = 0.0;
    for lag in 1..=cutoff {
        let (mut ex_products, mut cx_products) = (0.0, 0.0);
        for slots in &dense {
            for (earlier, later) in slots.iter().zip(slots.iter().skip(lag)) {
                if let (Some((ex0, cx0)), Some((ex1, cx1))) = (earlier, later) {
                    ex_products += ex0 * ex1;
                    cx_products += cx0 * cx1;
                }
            }
        }
        total += (ex_products / ex_squares) * (cx_products / cx_squares);
    }
    total
}

/// The interval and p-value of a coefficient `r` from an effective sample size (p_adjusted is filled
/// in later, across the grid).
fn estimate(r: f64, n_effective: f64) -> Estimate {
    let (ci_low, ci_high) = fisher_z_interval(r, n_effective);
    Estimate {
        r,
        ci_low,
        ci_high,
        n_effective,
        p_value: correlation_p_value(r, n_effective),
        p_adjusted: 1.0,
    }
}

/// The Fisher-z 95% interval: `tanh(atanh(r) ± z_0.975 / √(n − 3))`; (−1, 1) when `n ≤ 3`.
pub fn fisher_z_interval(r: f64, n_effective: f64) -> (f64, f64) {
    if n_effective <= 3.0 {
        return (-1.0, 1.0);
    }
    let z = r.atanh();
    let half_width = NORMAL_QUANTILE_975 / (n_effective - 3.0).sqrt();
    ((z - half_width).tanh(), (z + half_width).tanh())
}

/// Two-sided p-value of a correlation `r` against 0, from Student's t with `n − 2` degrees of freedom
/// (`n` need not be whole). 1 when `n ≤ 2`.
pub fn correlation_p_value(r: f64, n_effective: f64) -> f64 {
    let degrees_of_freedom = n_effective - 2.0;
    if degrees_of_freedom <= 0.0 || r.is_nan() {
        return 1.0;
    }
    let r_squared = (r * r).min(1.0);
    // With t² = df · r² / (1 − r²): df / (df + t²) = 1 − r², and P(|T| ≥ |t|) = I_{1−r²}(df/2, 1/2).
    regularized_incomplete_beta(degrees_of_freedom / 2.0, 0.5, 1.0 - r_squared, r_squared)
}

/// Two-sided p-value of Student's t statistic `t` with `degrees_of_freedom` (> 0, need not be whole).
pub fn students_t_two_sided_p(t: f64, degrees_of_freedom: f64) -> f64 {
    if t.is_nan() || degrees_of_freedom <= 0.0 {
        return 1.0;
    }
    if t.is_infinite() {
        return 0.0;
    }
    let t_squared = t * t;
    let x = degrees_of_freedom / (degrees_of_freedom + t_squared);
    let y = t_squared / (degrees_of_freedom + t_squared);
    regularized_incomplete_beta(degrees_of_freedom / 2.0, 0.5, x, y)
}

/// Benjamini–Hochberg adjusted p-values, in the input's order: sort ascending, `p_(i) · m / i`, then a
/// running minimum from the largest down, capped at 1 (as R's `p.adjust(method = "BH")`).
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![0.0; m];
    let mut running_min = f64::INFINITY;
    for (position, &index) in order.iter().enumerate().rev() {
        let scaled = p_values[index] * (m as f64 / (position + 1) as f64);
        running_min = running_min.min(scaled);
        adjusted[index] = running_min.min(1.0);
    }
    adjusted
}

/// Pearson's r, or `None` when either side does not vary or there are fewer than two values.
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 2 {
        return None;
    }
    let (x_mean, y_mean) = (mean(xs), mean(ys));
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        let (dx, dy) = (x - x_mean, y - y_mean);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Spearman's ρ: Pearson's r on average ranks.
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    pearson(&average_ranks(xs), &average_ranks(ys))
}

/// Ranks from 1, ties sharing the average of their ranks.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) share ranks start+1..=end, whose average is (start + 1 + end) / 2.
        let average = (start + 1 + end) as f64 / 2.0;
        for &index in &order[start..end] {
            ranks[index] = average;
        }
        start = end;
    }
    ranks
}

/// The OLS line of `ys` on `xs`, or `None` with fewer than two points or no variation in `xs`.
fn ordinary_least_squares(xs: &[f64], ys: &[f64]) -> Option<LineFit> {
    if xs.len() < 2 || xs.len() != ys.len() {
        return None;
    }
    let (x_mean, y_mean) = (mean(xs), mean(ys));
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxx += (x - x_mean) * (x - x_mean);
        sxy += (x - x_mean) * (y - y_mean);
    }
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some(LineFit { slope, intercept: y_mean - slope * x_mean })
}

fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    values.iter().sum::<f64>() / n
}

fn demean(values: &[f64]) -> Vec<f64> {
    let average = mean(values);
    values.iter().map(|value| value - average).collect()
}

/// The regularized incomplete beta function `I_x(a, b)`, with `y = 1 − x` passed in so that callers
/// who know `1 − x` exactly (such as `r²`) lose no precision to the subtraction.
///
/// Numerical Recipes (3rd ed., §6.4): the continued fraction converges fast for
/// `x < (a + 1) / (a + b + 2)`; otherwise the symmetry `I_x(a, b) = 1 − I_{1−x}(b, a)` is used.
/// Checked against mpmath at 40 digits for Student's t: absolute error below 1e-15 up to 1 000
/// degrees of freedom, below 1e-12 up to 10⁶ (the error grows slowly with the degrees of freedom).
fn regularized_incomplete_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    // ln x and ln y from whichever of the two is known without cancellation.
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    let log_front = a * ln_x + b * ln_y - log_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        log_front.exp() * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - log_front.exp() * beta_continued_fraction(b, a, y) / b
    }
}

/// The continued fraction of the incomplete beta function, by the modified Lentz method.
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPSILON: f64 = 1e-16;
    const MAX_ITERATIONS: u32 = 10_000;
    let (a_plus_b, a_plus_1, a_minus_1) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - a_plus_b * x / a_plus_1;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=MAX_ITERATIONS {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        // The even step.
        let aa = m * (b - m) * x / ((a_minus_1 + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        // The odd step.
        let aa = -(a + m) * (a_plus_b + m) * x / ((a + m2) * (a_plus_1 + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPSILON {
            break;
        }
    }
    h
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)`.
///
/// When the larger argument is big, `ln Γ(big) − ln Γ(big + small)` is a difference of two large
/// numbers; it is then taken from Stirling's series directly, without the cancellation.
fn log_beta(a: f64, b: f64) -> f64 {
    let (small, big) = if a < b { (a, b) } else { (b, a) };
    if big < 15.0 {
        return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
    }
    let sum = big + small;
    // ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + c(x), so
    // ln Γ(big) − ln Γ(sum) = −(big − ½) ln(1 + small/big) − small · ln(sum) + small + c(big) − c(sum).
    let difference =
        -(big - 0.5) * (small / big).ln_1p() - small * sum.ln() + small + stirling_correction(big)
            - stirling_correction(sum);
    log_gamma(small) + difference
}

/// `c(x) = ln Γ(x) − ((x − ½) ln x − x + ½ ln 2π)`, by its asymptotic series; for `x ≥ 15` the
/// error is below 1e-16.
fn stirling_correction(x: f64) -> f64 {
    let inverse = 1.0 / x;
    let inverse_squared = inverse * inverse;
    inverse
        * (1.0 / 12.0
            - inverse_squared
                * (1.0 / 360.0
                    - inverse_squared
                        * (1.0 / 1260.0 - inverse_squared * (1.0 / 1680.0 - inverse_squared / 1188.0))))
}

/// `ln Γ(x)` for `x > 0`: the Lanczos approximation (g = 7, nine coefficients; relative error about
/// 1e-15), with the reflection formula below 0.5.
fn log_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Γ(x) Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).abs().ln() - log_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, coefficient) in COEFFICIENTS.iter().enumerate().skip(1) {
        let i = i as f64;
        sum += coefficient / (x + i);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    /// SplitMix64, for deterministic test data.
    struct TestRandom(u64);

    impl TestRandom {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn uniform(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }

        fn normal(&mut self) -> f64 {
            let u1 = self.uniform().max(1e-300);
            let u2 = self.uniform();
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        }
    }

    #[test]
    fn log_gamma_matches_known_values() {
        // ln Γ(n) = ln((n − 1)!), ln Γ(1/2) = ln √π.
        assert!(close(log_gamma(1.0), 0.0, 1e-14));
        assert!(close(log_gamma(5.0), 24f64.ln(), 1e-13));
        assert!(close(log_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-14));
        assert!(close(log_gamma(101.0), 363.739_375_555_563_47, 1e-11));
        // The Stirling route agrees with the direct one where both are accurate.
        for (a, b) in [(15.0, 0.5), (40.5, 0.5), (20.0, 3.0), (100.0, 100.0)] {
            let direct = log_gamma(a) + log_gamma(b) - log_gamma(a + b);
            assert!(close(log_beta(a, b), direct, 1e-12), "a = {a}, b = {b}");
        }
    }

    #[test]
    fn students_t_matches_reference_values() {
        // Values from scipy.stats.t.sf(t, df) * 2.
        let cases = [
            (2.0, 10.0, 0.073_388_034_770_740_37),
            (1.0, 1.0, 0.5),
            (0.0, 5.0, 1.0),
            (3.5, 100.0, 0.000_696_427_717_356_268_8),
            (1.959_963_984_540_054, 1e5, 0.050_002_772_961_786_24),
            (4.2, 20_000.0, 2.680_704_458_268_436_7e-5),
            (2.5, 3.7, 0.071_822_022_911_826_78),
            (0.1, 1000.5, 0.920_364_359_008_087),
        ];
        for (t, df, expected) in cases {
            let p = students_t_two_sided_p(t, df);
            assert!(close(p, expected, 1e-12), "t = {t}, df = {df}: {p} vs {expected}");
        }
        assert_eq!(students_t_two_sided_p(f64::INFINITY, 10.0), 0.0);
    }

    #[test]
    fn correlation_p_value_equals_the_t_route() {
        for (r, n) in [(0.3, 50.0), (-0.05, 1000.0), (0.9, 5.5), (0.0, 20.0), (0.999, 30.0)] {
            let df: f64 = n - 2.0;
            let t = r * (df / (1.0 - r * r)).sqrt();
            let via_t = students_t_two_sided_p(t, df);
            assert!(close(correlation_p_value(r, n), via_t, 1e-13), "r = {r}, n = {n}");
        }
        assert_eq!(correlation_p_value(1.0, 20.0), 0.0);
        assert_eq!(correlation_p_value(0.5, 2.0), 1.0);
    }

    #[test]
    fn benjamini_hochberg_matches_the_textbook_example() {
        // Benjamini and Hochberg (1995), adjusted as R's p.adjust(method = "BH") does.
        let p = [0.01, 0.04, 0.03, 0.005, 0.5];
        let adjusted = benjamini_hochberg(&p);
        let expected = [0.025, 0.05, 0.05, 0.025, 0.5];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!(close(*a, e, 1e-15), "{adjusted:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[0.9, 0.95]), vec![0.95, 0.95]);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(average_ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
        assert_eq!(average_ranks(&[1.0, 1.0, 1.0]), vec![2.0, 2.0, 2.0]);
        assert!(spearman(&[1.0, 2.0, 3.0], &[1.0, 4.0, 9.0]).is_some_and(|rho| close(rho, 1.0, 1e-15)));
    }

    #[test]
    fn fisher_interval_brackets_r_and_narrows_with_n() {
        let (low_small, high_small) = fisher_z_interval(0.3, 30.0);
        let (low_large, high_large) = fisher_z_interval(0.3, 300.0);
        assert!(low_small < low_large && low_large < 0.3 && 0.3 < high_large && high_large < high_small);
        assert_eq!(fisher_z_interval(0.3, 3.0), (-1.0, 1.0));
        // n = 28: half width in z is 1.959964 / 5.
        let (low, high) = fisher_z_interval(0.0, 28.0);
        assert!(close(high, (1.959_963_984_540_054f64 / 5.0).tanh(), 1e-15) && close(low, -high, 1e-15));
    }

    #[test]
    fn effective_size_matches_the_ar1_formula() {
        // Two independent AR(1) series with φ = 0.5: n_eff / n → (1 − φ²) / (1 + φ²) = 0.6 for large n
        // (the truncated sum at K = 10 changes this by less than 1e-5).
        let mut random = TestRandom(7);
        let weeks: Vec<i64> = (0..20_000).collect();
        let ar1 = |random: &mut TestRandom| {
            let mut value = 0.0;
            (0..weeks.len())
                .map(|_| {
                    value = 0.5 * value + random.normal();
                    value
                })
                .collect::<Vec<f64>>()
        };
        let ex = demean(&ar1(&mut random));
        let cx = demean(&ar1(&mut random));
        let n_eff = within_team_effective_size(&[&weeks], &[(ex, cx)]);
        let ratio = n_eff / 20_000.0;
        assert!((0.55..0.65).contains(&ratio), "ratio {ratio}");
    }

    #[test]
    fn effective_size_is_clamped_and_counts_team_means() {
        // White noise: no correction beyond the T − 1 spent on team means.
        let weeks_a: Vec<i64> = (0..8).collect();
        let weeks_b: Vec<i64> = (0..8).collect();
        let alternating: Vec<f64> = (0..8).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        let constant_gaps =
            vec![(alternating.clone(), alternating.clone()), (alternating.clone(), alternating)];
        // Alternating series have r(1) = −7/8 on both sides: the sum is positive, so n_eff < m.
        let n_eff = within_team_effective_size(&[&weeks_a, &weeks_b], &constant_gaps);
        assert!((3.0..=15.0).contains(&n_eff), "{n_eff}");
    }

    fn observation_ex(team: &str, week: i64, value: f64) -> ExObservation {
        ExObservation {
            team: team.to_owned(),
            week: IsoWeek::from_index(week),
            metric: Metric::Engagement,
            value,
        }
    }

    fn observation_cx(team: &str, week: i64, value: f64) -> CxObservation {
        CxObservation {
            team: team.to_owned(),
            week: IsoWeek::from_index(week),
            metric: CxMetric::Csat,
            value,
        }
    }

    #[test]
    fn too_little_data_is_said_not_guessed() {
        let ex: Vec<ExObservation> = (0..5).map(|w| observation_ex("a", 1300 + w, w as f64)).collect();
        let cx: Vec<CxObservation> = (0..5).map(|w| observation_cx("a", 1300 + w, (w * w) as f64)).collect();
        let grid = compute_linkage(&ex, &cx).unwrap();
        assert_eq!(grid.cells.len(), 9);
        let cell = grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
        assert_eq!(cell.within_pearson.n, 5);
        assert_eq!(
            cell.within_pearson.not_enough_data(),
            Some(&NotEnoughData::TooFewPairs { pairs: 5, minimum: MIN_WITHIN_TEAM_PAIRS })
        );
        assert_eq!(
            cell.between_spearman.not_enough_data(),
            Some(&NotEnoughData::TooFewTeams { teams: 1, minimum: MIN_BETWEEN_TEAM_TEAMS })
        );
        assert!(grid.strongest_lag(Metric::Engagement, &CxMetric::Csat).is_none());
        // Lag 5 and beyond have no pairs at all.
        assert_eq!(grid.cell(Metric::Engagement, &CxMetric::Csat, 5).unwrap().within_pearson.n, 0);
    }

    #[test]
    fn constant_series_have_no_variation() {
        let ex: Vec<ExObservation> = (0..20).map(|w| observation_ex("a", 1300 + w, 50.0)).collect();
        let cx: Vec<CxObservation> = (0..20).map(|w| observation_cx("a", 1300 + w, w as f64)).collect();
        let grid = compute_linkage(&ex, &cx).unwrap();
        let cell = grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
        assert_eq!(cell.within_pearson.not_enough_data(), Some(&NotEnoughData::NoVariation));
    }

    #[test]
    fn team_levels_do_not_leak_into_within_team_correlation() {
        // Two teams whose levels differ by a lot but whose weekly wiggles are exactly opposite:
        // between-team data would say "positive", within-team must say −1.
        let mut ex = Vec::new();
        let mut cx = Vec::new();
        for (team, offset) in [("a", 0.0), ("b", 50.0)] {
            for w in 0..10 {
                let wiggle = if w % 2 == 0 { 1.0 } else { -1.0 };
                ex.push(observation_ex(team, 1300 + w, offset + wiggle));
                cx.push(observation_cx(team, 1300 + w, offset - wiggle));
            }
        }
        let grid = compute_linkage(&ex, &cx).unwrap();
        let cell = grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
        assert!(close(cell.within_pearson.r().unwrap(), -1.0, 1e-12));
        let estimate = cell.within_pearson.estimate().unwrap();
        assert!(estimate.p_value < 1e-15, "{estimate:?}");
    }

    #[test]
    fn scatter_fit_recovers_a_planted_slope() {
        let mut ex = Vec::new();
        let mut cx = Vec::new();
        for (team, offset) in [("a", 10.0), ("b", 40.0), ("c", 70.0)] {
            for w in 0..20_i64 {
                let deviation = ((w * 7 + offset as i64) % 11) as f64 - 5.0;
                ex.push(observation_ex(team, 1300 + w, offset + deviation));
                cx.push(observation_cx(team, 1302 + w, offset / 2.0 + 0.25 * deviation));
            }
        }
        let series = LinkageSeries::new(&ex, &cx).unwrap();
        let scatter = series.scatter(Metric::Engagement, &CxMetric::Csat, 2);
        assert_eq!(scatter.points.len(), 60);
        let fit = scatter.fit.unwrap();
        assert!(close(fit.slope, 0.25, 1e-12) && close(fit.intercept, 0.0, 1e-12), "{fit:?}");
        let grid = series.grid();
        assert_eq!(grid.strongest_lag(Metric::Engagement, &CxMetric::Csat).unwrap().lag_weeks, 2);
        assert_eq!(grid.pairs(), vec![(Metric::Engagement, CxMetric::Csat)]);
    }

    #[test]
    fn bad_observations_are_refused() {
        let ex = vec![observation_ex("a", 1300, f64::NAN)];
        assert!(matches!(compute_linkage(&ex, &[]), Err(LinkageError::NonFiniteValue { .. })));
        let cx = vec![observation_cx("a", 1300, 1.0), observation_cx("a", 1300, 2.0)];
        assert!(matches!(compute_linkage(&[], &cx), Err(LinkageError::DuplicateObservation { .. })));
    }
}
