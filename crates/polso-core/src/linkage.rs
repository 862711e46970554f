//! EX–CX linkage: how employee-experience metrics move with the customer-experience scores the same
//! teams earn, week by week, with EX leading by 0 to 8 weeks (DESIGN.md, "EX–CX linkage"; issue 15,
//! "Statistics an analyst can defend").
//!
//! Input is the released (unsuppressed) cells only: one value per (team, ISO week, metric). The caller
//! filters suppressed cells out; this module never sees a count below k. For every EX metric, CX metric
//! and lag `L` in `0..=MAX_LAG_WEEKS`, an EX value of week `w` is paired with the same team's CX value
//! of week `w + L`.
//!
//! # One common window
//!
//! Every lag of every pair is computed over the same EX weeks: from the first EX week in the data to
//! `MAX_LAG_WEEKS` before the last CX week ([`LinkageGrid::ex_weeks`]). So lag 0 and lag 8 rest on the
//! same weeks of EX, and comparing the lags of a profile compares like with like.
//!
//! # The figures of one cell
//!
//! - **Within team and week (two-way fixed effects), the default** ("when a team's engagement is above
//!   its own usual level *and above what the whole organisation did that week*, is its CSAT `L` weeks
//!   later above its own usual level and that week's?"). Each side is replaced by its residual from
//!   team and week effects, `x_tw − a_t − b_w`, the least-squares projection off team and week
//!   dummies (team means removed, then the week effects solved for by conjugate gradients; the
//!   header of `linkage/panel.rs` has the method).
//!   A season, a campaign or any other week effect shared by all teams drops out; without this step a
//!   shared week effect alone makes a "significant" lag-0 linkage. Pearson on the pooled residuals,
//!   and Spearman on their ranks (residuals compared at 9 significant digits of the largest, so that
//!   values tied in the data stay tied) ([`LinkageCell::within_pearson`], [`LinkageCell::within_spearman`]).
//! - **Within team only** (team means removed, the figure before issue 15), shown beside the default
//!   ([`LinkageCell::team_demeaned_pearson`]).
//! - **First differences, drift-robust** ([`LinkageCell::first_difference_pearson`]): each team's
//!   change from one paired week to its next paired week (at most [`MAX_DIFFERENCE_GAP_WEEKS`] apart),
//!   then two-way demeaned as above. Two unrelated random walks correlate strongly in levels; their
//!   changes do not.
//! - **Between teams** ("do teams with higher engagement have higher CSAT?"). Each team with at least
//!   [`MIN_PAIRS_FOR_TEAM_MEAN`] paired weeks is reduced to its mean EX and mean CX over those weeks,
//!   and the team means are correlated across teams. This is the figure comparable to the published
//!   unit-level research (Harter, Schmidt and Hayes, 2002: r ≈ 0.33 across 7,939 units); with few
//!   teams it has little power ([`between_team_power`]).
//!
//! # The team-permutation test
//!
//! The p-value of the default figure rests on `n_eff`, which rests on a model of the autocorrelation
//! (Bartlett's sum up to a cutoff), and on week effects being the same for every team. Drifting
//! series bias the sample autocorrelations towards 0, and a calendar trend that every team follows
//! with its own strength survives the week demeaning as a team-specific trend; both make the
//! parametric p too small. [`LinkageSeries::team_permutation_test`] asks the data instead, for one
//! (EX metric, CX metric, lag), the detail view's cell: take the `T` teams of the default figure
//! (those with at least two paired weeks), sorted by name; for each cyclic shift `s = 1..T−1` pair
//! the EX of the `k`-th team with the CX of team `(k + s) mod T`, week `w` with week `w + lag`
//! exactly as before, keep the weeks where both exist, and recompute the same figure (two-way
//! fixed-effects residuals, Pearson on the pooled residuals). Every permuted dataset keeps each
//! team's own EX series and each team's own CX series whole, so their autocorrelation and any
//! drift stay as they are, and keeps the calendar, so a season or trend shared by the teams lines
//! up as it did; only the link between a team's EX and *its own* CX is broken. A shared trend makes
//! the permuted correlations about as large as the observed one, and the p-value large; a real per-team
//! link makes the observed correlation stand out. The cyclic shifts are `T − 1` derangements (no
//! team keeps its own CX) that need no random numbers, so the result is exactly reproducible.
//!
//! ```text
//! p_permutation = (1 + #{s : |r_s| ≥ |r_observed|}) / (1 + S)
//! ```
//!
//! with `S` the shifts whose permuted figure exists (a shift whose residuals do not vary, or that
//! leaves fewer than two pairs, is left out and not counted). The observed figure is one of the
//! `S + 1` and the `+ 1`s count it, so the p-value is never 0: with `T` teams it is at least `1 / T`
//! (0.2 at the minimum of [`MIN_PERMUTATION_TEAMS`] = 5 teams; 20 teams are needed for 0.05). Below
//! five teams there are too few shifts to say anything (with four, p could not go below 0.25, and
//! the null distribution would be three correlations), so the test is not computed and says why
//! ([`NotEnoughData::TooFewTeams`]); nor is it when the observed figure has no estimate (its own
//! reason is returned).
//!
//! # The numbers
//!
//! - `r`: Pearson's or Spearman's coefficient, from −1 to 1.
//! - `n`: pairs (team-weeks, or week-to-week changes) or teams (between-team).
//! - `n_effective`: the sample size the uncertainty is computed from. Between teams it is the number
//!   of teams. Within teams it corrects for two things. First, the fixed effects spend degrees of
//!   freedom: `m = n − a + 1`, where `a` is the rank of the absorbed effects (`T` teams for team
//!   demeaning; `T + W − C` for team and week effects, `W` distinct weeks, `C` connected components
//!   of the team–week graph), so that `m − 2` is the residual degrees of freedom of the regression.
//!   Second, weekly series are autocorrelated, so consecutive weeks are not independent pieces of
//!   evidence. Following Bartlett (1935) and Bayley and Hammersley (1946), in the form of Pyper and
//!   Peterman (1998):
//!
//!   ```text
//!   n_eff = m / (1 + 2 · Σ_{k=1..K} r_x(k) · r_y(k)),   clamped to [3, m]
//!   ```
//!
//!   where `r_x(k)` is the lag-`k` autocorrelation of the EX residuals, pooled over teams
//!   (`Σ_teams Σ_w x_w x_{w+k} / Σ_teams Σ_w x_w²`, over pairs of weeks exactly `k` calendar weeks
//!   apart that are both in the team's residuals), `r_y(k)` the same for CX, and the cutoff
//!   `K = min(10, ⌊S / 4⌋)` with `S` the longest span of a team's residual weeks, *in weeks* (last −
//!   first + 1). Before issue 15 `S` was the number of paired weeks, so a metric asked every 4th week
//!   (26 pairs over 104 weeks, but also 13 pairs over 52) could have a cutoff below 4, the only lag
//!   at which it has pairs, and went uncorrected. The Spearman coefficient uses the same `n_eff`.
//! - `ci_low`, `ci_high`: the Fisher-z 95% interval, `tanh(atanh(r) ± 1.959964 / √(n_eff − 3))`.
//! - `p_value`: two-sided, from Student's t with `n_eff − 2` degrees of freedom,
//!   `t = r · √((n_eff − 2) / (1 − r²))` ([`crate::stats::correlation_p_value`]).
//! - `p_adjusted`: Benjamini–Hochberg (1995) adjusted p-values across the whole grid (every EX metric ×
//!   CX metric × lag that has an estimate), separately in each family of figures (two-way Pearson,
//!   two-way Spearman, team-demeaned Pearson, first-difference Pearson, between-team Pearson,
//!   between-team Spearman). Tests at neighbouring lags are positively dependent, for which BH still
//!   controls the false discovery rate (Benjamini and Yekutieli, 2001).
//! - `fcr_interval`: for a cell whose adjusted p is at most [`FALSE_DISCOVERY_RATE`] (a *finding*),
//!   the false-coverage-rate adjusted interval of Benjamini and Yekutieli (2005): the Fisher-z interval
//!   at confidence `1 − R · q / m`, `R` findings among `m` estimated cells of its family, `q` =
//!   [`FALSE_DISCOVERY_RATE`]. Plain 95% intervals of the cells picked out of a large grid cover their
//!   true value less often than 95%; these keep the expected share of misses among the picked at `q`.
//! - `evidence`: `|atanh r| · √(n_eff − 3)`, Fisher's z statistic ([`Estimate::evidence`]).
//!
//! # Picked by evidence, not by size
//!
//! The strongest lag of a pair is the lag with the most evidence, not the largest |r| (which favours
//! the lags and metrics with the fewest pairs); pairs are ranked by adjusted p, then evidence
//! ([`LinkageGrid::ranked_pairs`]), and only findings are coloured by the view. A pair whose strongest
//! lag is 0 or 8 has **no interior peak** ([`LagPeak::Edge`]): the profile does not rise and fall
//! inside the lags looked at, so it shows co-movement in the same week (lag 0), or a peak that may lie
//! beyond the range (lag 8), rather than EX leading CX by a particular delay.
//!
//! # What the numbers do not mean
//!
//! A correlation is not a cause: a lagged one shows that EX moved first, not that it moved CX (a new
//! manager, a product change or the season can move both). Within-team and between-team answers can
//! differ, even in sign, and neither implies the other. The interval, not the point estimate, says what
//! the data allow; expect modest effects. An adjusted p-value controls the share of false findings
//! across the grid, not the chance that one cell is wrong.
//!
//! # How teams differ, and how many customers a CX cell rests on
//!
//! For the detail view's cell, [`teams`] gives each team's own correlation, a random-effects
//! meta-analysis of them (τ², Q, I², the pooled estimate) and each team's estimate shrunk towards
//! the pooled one ([`LinkageSeries::team_differences`]). [`customers`] says how much of each CX
//! metric's variation is sampling noise ([`cx_reliability`]), computes the default figure weighted
//! by each CX cell's customers ([`LinkageSeries::customer_weighted`]), and can pool CX over four
//! weeks before the series is built ([`pool_four_weeks`]).
//!
//! # Not enough data
//!
//! A CX cell summarising fewer than [`MIN_CX_RESPONSES`] customer responses is left out before
//! anything is paired (a weekly NPS from 10 customers moves 20–35 points by sampling alone; the
//! constant's documentation has the arithmetic); the grid counts them
//! ([`LinkageGrid::cx_cells_too_few_responses`]). Cells whose count is not known are kept.
//!
//! Below [`MIN_WITHIN_TEAM_PAIRS`] pairs (within-team), [`MIN_BETWEEN_TEAM_TEAMS`] teams
//! (between-team), when one side does not vary at all, or when the effective size of a within-team
//! figure is below [`MIN_EFFECTIVE_N`], a correlation has no estimate and says why ([`NotEnoughData`]).
//! Such cells are neither coloured nor ranked and take no part in the Benjamini–Hochberg adjustment.
//!
//! # How the grid is computed
//!
//! The grid is 19 EX metrics × the CX metrics × 9 lags, each cell a pooled panel of up to teams ×
//! weeks pairs (650,000 at 5,000 teams over three years), so it is computed on a dense layout rather
//! than on per-team maps. Each metric becomes one team × week table once ([`LinkageSeries::grid`]);
//! a cell's pairs are an EX table row beside the CX row shifted by the lag, laid out in one dense
//! panel (`linkage/panel.rs`, whose header describes the layout) that every figure of the cell
//! shares: the between-team means and the first differences are read from it, the team-demeaned
//! figure is computed on the way to the two-way one, and the panels' memory is reused from cell to
//! cell. The two-way residuals come from conjugate gradients on the week effects (a few sweeps per
//! cell for both sides together), Spearman's ranks from a radix sort of the residuals' 9-digit keys
//! (`linkage/ranks.rs`), and the sums run in interleaved lanes that the compiler vectorises
//! (`linkage/lanes.rs`). The detail view's functions build the same panel from per-team pairs and
//! so compute the same numbers. Every figure is checked against scipy to 1e-9
//! (`tests/it/linkage_reference.rs`, and the benchmark's pandas grid at 500 and 5,000 teams).
//!
//! Pure: no IO, no clock, no randomness (the permutation test's shifts are fixed, not drawn).

pub mod customers;
/// A deterministic number in [−1, 1) from a seed, a team and a week (SplitMix64), for the tests'
/// synthetic series.
#[cfg(test)]
pub(crate) fn test_noise(seed: u64, team: usize, week: i64) -> f64 {
    let mixed =
        seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add((team as u64) << 32).wrapping_add(week as u64);
    crate::splitmix::SplitMix64::new(mixed).uniform() * 2.0 - 1.0
}
mod lanes;
mod panel;
mod ranks;
pub mod teams;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::RangeInclusive;

use crate::bank::Metric;
use crate::cx::CxMetric;
pub use crate::cx::CxObservation;
use crate::stats::{
    correlation_power, false_coverage_confidence, fisher_z_interval_at, fisher_z_statistic, mean,
    ordinary_least_squares, sample_size_for_power,
};
use crate::week::IsoWeek;
use panel::{Panel, Residuals, Table, TeamPairs, effective_size, two_way};

pub use customers::{CustomerWeighted, CxReliability, SamplingModel, cx_reliability, pool_four_weeks};
pub use teams::{Heterogeneity, TeamCorrelation, TeamDifferences};

// The general statistics lived here before they moved to `crate::stats`; re-exported for callers.
pub use crate::stats::{
    average_ranks, benjamini_hochberg, correlation_p_value, fisher_z_interval, pearson, spearman,
    students_t_two_sided_p,
};

/// The longest lag looked at: EX of week `w` is paired with CX of weeks `w` to `w + 8`.
pub const MAX_LAG_WEEKS: u32 = 8;

/// Fewer pairs than this (over all teams) and a within-team correlation is not estimated.
pub const MIN_WITHIN_TEAM_PAIRS: usize = 10;

/// Fewer teams than this and a between-team correlation is not estimated.
pub const MIN_BETWEEN_TEAM_TEAMS: usize = 4;

/// A team enters the between-team correlation only with at least this many paired weeks, so that
/// its mean is not one or two weeks' noise.
pub const MIN_PAIRS_FOR_TEAM_MEAN: usize = 4;

/// The longest autocorrelation lag (in weeks) summed in the effective sample size.
pub const MAX_AUTOCORRELATION_LAG_WEEKS: usize = 10;

/// The smallest effective sample size at which a within-team correlation is estimated, coloured and
/// ranked. At `n_eff = 20` only `|r| > 0.44` can be told from 0 at the 5% level, already more than the
/// unit-level linkage research reports (r ≈ 0.33); below it, a cell that passes would more likely be
/// a chance peak than a relation, and its 95% interval spans most of −1 to 1 (at `n_eff = 6`, the
/// issue's example, r = 0 has the interval −0.81 to 0.81).
pub const MIN_EFFECTIVE_N: f64 = 20.0;

/// The fewest customer responses a CX cell (one team's score on one metric in one week) needs to
/// enter the linkage; cells with fewer are left out and counted. A weekly score from a handful of
/// customers is mostly sampling noise. With `n` responses, NPS (promoter share `p`, detractor share
/// `d`) has a sampling standard deviation of `100 · √((p + d − (p − d)²) / n)` points and a CSAT
/// share `p` one of `100 · √(p (1 − p) / n)`. At `n = 10`: NPS 25 points for a typical mix
/// (`p = 0.5`, `d = 0.2`) and up to 32 (`p = d = 0.5`), CSAT 13 points at `p = 0.8`, so a week
/// moves by 20–35 NPS points from sampling alone, more than any plausible EX-driven change. At
/// `n = 30`: NPS 14 (at most 18), CSAT 7.3; below that the standard deviation rises steeply
/// (`∝ 1/√n`: 17 NPS points at 20, 20 at 15), and 30 is also where the normal approximation of a
/// share holds for shares down to 1/6 (`n·p ≥ 5`). The demo organisation's cells have 30 to 200.
/// Cells above the minimum still differ in precision: the detail weights them by `n` beside the
/// default figure ([`LinkageSeries::customer_weighted`]).
pub const MIN_CX_RESPONSES: u32 = 30;

/// The false discovery rate `q` at which a cell counts as a finding (adjusted p at most `q`) and at
/// which the false-coverage intervals are set.
pub const FALSE_DISCOVERY_RATE: f64 = 0.05;

/// The unadjusted p-value below which the first-difference figure at a pair's strongest lag backs a
/// finding of the default figure ([`PairSummary::is_finding`]): a confirmation of one chosen cell,
/// not a search, so it is not adjusted again.
pub const DRIFT_ROBUST_CONFIRMATION_P: f64 = 0.05;

/// First differences join two paired weeks of a team at most this many weeks apart (a metric asked
/// every 4th week still has differences; a gap of months does not make one).
pub const MAX_DIFFERENCE_GAP_WEEKS: i64 = 4;

/// Fewer teams than this (teams with at least two paired weeks) and the team-permutation test is
/// not computed: `T − 1` cyclic shifts give a p-value no smaller than `1 / T` (module header).
pub const MIN_PERMUTATION_TEAMS: usize = 5;

/// The between-team correlation the power note is about: Harter, Schmidt and Hayes (2002), r ≈ 0.33
/// between unit engagement and customer satisfaction–loyalty.
pub const PUBLISHED_BETWEEN_TEAM_R: f64 = 0.33;

/// The power the between-team note asks for (80%, Cohen's convention), at the 5% level.
pub const BETWEEN_TEAM_TARGET_POWER: f64 = 0.8;

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
    /// Weeks against weeks inside teams, with each team's own level *and* each week's
    /// organisation-wide level removed (two-way fixed effects): the default within-team figure.
    WithinTeam,
    /// Weeks against weeks inside teams, only each team's own level removed (the plain figure).
    TeamDemeaned,
    /// Week-to-week changes inside teams, two-way demeaned: robust to drift and random walks.
    FirstDifference,
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
#[derive(Debug, Clone, PartialEq)]
pub enum NotEnoughData {
    /// Too few pairs (within-team).
    TooFewPairs {
        /// Pairs available.
        pairs: usize,
        /// The minimum, [`MIN_WITHIN_TEAM_PAIRS`].
        minimum: usize,
    },
    /// Too few teams (between-team, or the team-permutation test).
    TooFewTeams {
        /// Teams available.
        teams: usize,
        /// The minimum, [`MIN_BETWEEN_TEAM_TEAMS`] (between-team) or [`MIN_PERMUTATION_TEAMS`]
        /// (the team-permutation test).
        minimum: usize,
    },
    /// The EX or the CX values do not vary (after the transform, for within-team), so no correlation
    /// exists.
    NoVariation,
    /// Enough pairs, but so autocorrelated (or so many spent on team and week effects) that they
    /// carry the evidence of fewer than [`MIN_EFFECTIVE_N`] independent ones.
    SmallEffectiveSize {
        /// The effective sample size the pairs amount to.
        n_effective: f64,
        /// The minimum, [`MIN_EFFECTIVE_N`].
        minimum: f64,
    },
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
    /// For a finding (`p_adjusted ≤ FALSE_DISCOVERY_RATE`), the false-coverage-rate adjusted interval
    /// (Benjamini and Yekutieli, 2005; module header) as `(low, high)`; `None` for other cells.
    pub fcr_interval: Option<(f64, f64)>,
}

impl Estimate {
    /// `|atanh r| · √(n_eff − 3)`: Fisher's z statistic, the evidence against "no correlation" that
    /// cells and lags are ranked by.
    pub fn evidence(&self) -> f64 {
        fisher_z_statistic(self.r, self.n_effective).abs()
    }

    /// Whether the cell is a finding: adjusted p at most [`FALSE_DISCOVERY_RATE`].
    pub fn is_finding(&self) -> bool {
        self.p_adjusted <= FALSE_DISCOVERY_RATE
    }
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
    /// Pairs (within-team: team-weeks, or week-to-week changes) or teams (between-team) that went in.
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

    fn not_enough(n: usize, n_teams: usize, reason: NotEnoughData) -> Correlation {
        Correlation { n, n_teams, outcome: CorrelationOutcome::NotEnoughData(reason) }
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
    /// Within team and week (two-way fixed effects), Pearson: the default figure, by which lags and
    /// pairs are picked.
    pub within_pearson: Correlation,
    /// Within team and week (two-way fixed effects), Spearman.
    pub within_spearman: Correlation,
    /// Within team only (team means removed, week effects left in), Pearson.
    pub team_demeaned_pearson: Correlation,
    /// Week-to-week changes, two-way demeaned, Pearson (drift-robust).
    pub first_difference_pearson: Correlation,
    /// Between-team Pearson.
    pub between_pearson: Correlation,
    /// Between-team Spearman.
    pub between_spearman: Correlation,
}

/// The (scope, method) families of a cell, each adjusted with Benjamini–Hochberg on its own.
pub const FAMILIES: [(CorrelationScope, CorrelationMethod); 6] = [
    (CorrelationScope::WithinTeam, CorrelationMethod::Pearson),
    (CorrelationScope::WithinTeam, CorrelationMethod::Spearman),
    (CorrelationScope::TeamDemeaned, CorrelationMethod::Pearson),
    (CorrelationScope::FirstDifference, CorrelationMethod::Pearson),
    (CorrelationScope::BetweenTeam, CorrelationMethod::Pearson),
    (CorrelationScope::BetweenTeam, CorrelationMethod::Spearman),
];

impl LinkageCell {
    /// The correlation for one scope and method; `None` for the Spearman coefficient of the
    /// team-demeaned and first-difference figures, which are not computed.
    pub fn correlation(&self, scope: CorrelationScope, method: CorrelationMethod) -> Option<&Correlation> {
        match (scope, method) {
            (CorrelationScope::WithinTeam, CorrelationMethod::Pearson) => Some(&self.within_pearson),
            (CorrelationScope::WithinTeam, CorrelationMethod::Spearman) => Some(&self.within_spearman),
            (CorrelationScope::TeamDemeaned, CorrelationMethod::Pearson) => Some(&self.team_demeaned_pearson),
            (CorrelationScope::FirstDifference, CorrelationMethod::Pearson) => {
                Some(&self.first_difference_pearson)
            }
            (CorrelationScope::BetweenTeam, CorrelationMethod::Pearson) => Some(&self.between_pearson),
            (CorrelationScope::BetweenTeam, CorrelationMethod::Spearman) => Some(&self.between_spearman),
            (
                CorrelationScope::TeamDemeaned | CorrelationScope::FirstDifference,
                CorrelationMethod::Spearman,
            ) => None,
        }
    }

    fn correlation_mut(
        &mut self,
        scope: CorrelationScope,
        method: CorrelationMethod,
    ) -> Option<&mut Correlation> {
        match (scope, method) {
            (CorrelationScope::WithinTeam, CorrelationMethod::Pearson) => Some(&mut self.within_pearson),
            (CorrelationScope::WithinTeam, CorrelationMethod::Spearman) => Some(&mut self.within_spearman),
            (CorrelationScope::TeamDemeaned, CorrelationMethod::Pearson) => {
                Some(&mut self.team_demeaned_pearson)
            }
            (CorrelationScope::FirstDifference, CorrelationMethod::Pearson) => {
                Some(&mut self.first_difference_pearson)
            }
            (CorrelationScope::BetweenTeam, CorrelationMethod::Pearson) => Some(&mut self.between_pearson),
            (CorrelationScope::BetweenTeam, CorrelationMethod::Spearman) => Some(&mut self.between_spearman),
            (
                CorrelationScope::TeamDemeaned | CorrelationScope::FirstDifference,
                CorrelationMethod::Spearman,
            ) => None,
        }
    }
}

/// Where a pair's lag profile peaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagPeak {
    /// The strongest lag is strictly between 0 and [`MAX_LAG_WEEKS`]: EX leads CX by that delay.
    Interior,
    /// The strongest lag is 0 or [`MAX_LAG_WEEKS`]: no interior peak. At 0 the two move in the same
    /// week (EX does not lead); at the last lag the peak may lie beyond the lags looked at.
    Edge,
}

/// One EX × CX pair at its strongest lag, as the heatmap and the ranking use it.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSummary<'grid> {
    /// The EX metric.
    pub ex_metric: Metric,
    /// The CX metric.
    pub cx_metric: CxMetric,
    /// The cell at the pair's strongest lag ([`LinkageGrid::strongest_lag`]), or at lag 0 when no lag
    /// has an estimate.
    pub cell: &'grid LinkageCell,
    /// Where the profile peaks; `None` when no lag has an estimate.
    pub peak: Option<LagPeak>,
}

impl PairSummary<'_> {
    /// The default figure at the strongest lag, when there is one.
    pub fn estimate(&self) -> Option<&Estimate> {
        self.peak.and(self.cell.within_pearson.estimate())
    }

    /// Whether the drift-robust figure at the strongest lag backs the default one: the first-difference
    /// correlation has the same sign and its own p-value is below 0.05. `false` when it has no estimate.
    pub fn drift_robust_agrees(&self) -> bool {
        let (Some(default), Some(differenced)) =
            (self.estimate(), self.cell.first_difference_pearson.estimate())
        else {
            return false;
        };
        default.r.signum() == differenced.r.signum() && differenced.p_value < DRIFT_ROBUST_CONFIRMATION_P
    }

    /// Whether the view flags the pair (colours it and calls it a finding): its strongest lag is a
    /// finding of the default figure (adjusted p at most [`FALSE_DISCOVERY_RATE`]) *and* the
    /// drift-robust figure agrees ([`PairSummary::drift_robust_agrees`]). The second condition is
    /// what keeps persistent series honest: with φ ≈ 0.9 over a year or so the sample
    /// autocorrelations that `n_eff` is computed from are biased towards 0, so `n_eff` comes out too
    /// large and the default figure alone flags about one dataset in six with no relation at all
    /// (tests/it/linkage_simulation.rs); week-to-week changes of such series are close to
    /// independent, and both together flag fewer than one in twenty.
    pub fn is_finding(&self) -> bool {
        self.estimate().is_some_and(Estimate::is_finding) && self.drift_robust_agrees()
    }
}

/// The whole grid: every EX metric × CX metric present in the data × lag `0..=MAX_LAG_WEEKS`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkageGrid {
    /// The cells, ordered by EX metric (in [`Metric::ALL`] order), CX metric, then lag.
    pub cells: Vec<LinkageCell>,
    /// The common window of EX weeks every cell was computed over (module header); `None` when the
    /// data leave no week for it.
    pub ex_weeks: Option<RangeInclusive<IsoWeek>>,
    /// CX cells left out because they summarise fewer than [`MIN_CX_RESPONSES`] customer responses.
    pub cx_cells_too_few_responses: usize,
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

    /// The pair's strongest lag: the cell whose default figure (two-way Pearson) has the most
    /// evidence, `|atanh r| · √(n_eff − 3)`, among the lags that have an estimate (the shorter lag on
    /// a tie); `None` when no lag has one. Not the largest |r|, which favours the lags with the fewest
    /// pairs and the noisiest metrics.
    pub fn strongest_lag(&self, ex_metric: Metric, cx_metric: &CxMetric) -> Option<&LinkageCell> {
        let mut strongest: Option<(&LinkageCell, f64)> = None;
        for cell in self.lag_profile(ex_metric, cx_metric) {
            if let Some(estimate) = cell.within_pearson.estimate()
                && strongest.is_none_or(|(_, best)| estimate.evidence() > best)
            {
                strongest = Some((cell, estimate.evidence()));
            }
        }
        strongest.map(|(cell, _)| cell)
    }

    /// One pair at its strongest lag, with where its profile peaks; `None` when the pair is not in
    /// the grid.
    pub fn pair_summary(&self, ex_metric: Metric, cx_metric: &CxMetric) -> Option<PairSummary<'_>> {
        let strongest = self.strongest_lag(ex_metric, cx_metric);
        let cell = strongest.or_else(|| self.cell(ex_metric, cx_metric, 0))?;
        let peak = strongest.map(|cell| {
            if cell.lag_weeks == 0 || cell.lag_weeks == MAX_LAG_WEEKS {
                LagPeak::Edge
            } else {
                LagPeak::Interior
            }
        });
        Some(PairSummary { ex_metric, cx_metric: cx_metric.clone(), cell, peak })
    }

    /// Every pair at its strongest lag, ranked by evidence: pairs with an estimate first, by adjusted
    /// p ascending, then by evidence descending (adjusted p-values tie when BH's running minimum
    /// joins them); pairs without an estimate last, in grid order. The first is the pair the view
    /// opens. Never ranked by |r|.
    pub fn ranked_pairs(&self) -> Vec<PairSummary<'_>> {
        let mut summaries: Vec<PairSummary<'_>> = self
            .pairs()
            .iter()
            .filter_map(|(ex_metric, cx_metric)| self.pair_summary(*ex_metric, cx_metric))
            .collect();
        summaries.sort_by(|a, b| match (a.estimate(), b.estimate()) {
            (Some(a), Some(b)) => {
                a.p_adjusted.total_cmp(&b.p_adjusted).then_with(|| b.evidence().total_cmp(&a.evidence()))
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        summaries
    }
}

/// How much a between-team correlation over `n_teams` teams can see: its power to detect the
/// published unit-level correlation ([`PUBLISHED_BETWEEN_TEAM_R`]) at the 5% level, and the number of
/// teams that would give [`BETWEEN_TEAM_TARGET_POWER`] ([`crate::stats::correlation_power`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BetweenTeamPower {
    /// The teams the figure rests on.
    pub n_teams: usize,
    /// The chance, with this many teams, of a 95% interval that excludes 0 if the true correlation
    /// were 0.33.
    pub power: f64,
    /// The teams needed for an 80% chance (70 for r = 0.33).
    pub teams_needed: usize,
}

/// The power note of a between-team correlation over `n_teams` teams.
pub fn between_team_power(n_teams: usize) -> BetweenTeamPower {
    BetweenTeamPower {
        n_teams,
        power: correlation_power(PUBLISHED_BETWEEN_TEAM_R, n_teams as f64, 0.05),
        teams_needed: sample_size_for_power(PUBLISHED_BETWEEN_TEAM_R, BETWEEN_TEAM_TARGET_POWER, 0.05),
    }
}

/// The team-permutation test of one cell's default figure (module header, "The team-permutation
/// test").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TeamPermutationTest {
    /// The observed default figure (two-way fixed-effects Pearson), as in the grid.
    pub r_observed: f64,
    /// `(1 + at_least_as_large) / (1 + permutations)`: how often pairing teams' EX with other
    /// teams' CX, same weeks, gives a correlation at least as far from 0 as the observed one. At
    /// least `1 / (1 + permutations)`.
    pub p_value: f64,
    /// The permuted datasets with a figure (at most `n_teams − 1` cyclic shifts).
    pub permutations: usize,
    /// The permuted datasets with `|r| ≥ |r_observed|`.
    pub at_least_as_large: usize,
    /// The teams of the observed figure, which the shifts permute.
    pub n_teams: usize,
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

/// Validated, indexed observations, ready for [`LinkageSeries::grid`] and [`LinkageSeries::scatter`].
#[derive(Debug, Clone)]
pub struct LinkageSeries {
    teams: Vec<String>,
    /// Per EX metric, per team index: week index → value (ordered by week).
    ex: BTreeMap<Metric, Vec<BTreeMap<i64, f64>>>,
    /// Per CX metric, per team index: week index → value.
    cx: BTreeMap<CxMetric, Vec<HashMap<i64, f64>>>,
    /// The common window of EX week indexes (module header), empty when `start > end`.
    window: (i64, i64),
    /// CX cells left out for fewer than [`MIN_CX_RESPONSES`] responses.
    cx_cells_too_few_responses: usize,
}

impl LinkageSeries {
    /// Indexes the observations. Teams are matched by exact name. CX cells with fewer than
    /// [`MIN_CX_RESPONSES`] responses are left out (and counted) before anything else, the common
    /// window included. Fails on a non-finite value or a (team, week, metric) given twice.
    pub fn new(ex: &[ExObservation], cx: &[CxObservation]) -> Result<LinkageSeries, LinkageError> {
        // Observations come grouped by team as a rule: a name is looked up only when it changes.
        let mut team_names: BTreeSet<&str> = BTreeSet::new();
        let mut previous_name = None;
        for name in ex.iter().map(|o| o.team.as_str()).chain(cx.iter().map(|o| o.team.as_str())) {
            if previous_name != Some(name) {
                team_names.insert(name);
                previous_name = Some(name);
            }
        }
        let teams: Vec<String> = team_names.iter().map(|name| (*name).to_owned()).collect();
        let team_index: HashMap<&str, usize> =
            team_names.iter().enumerate().map(|(index, name)| (*name, index)).collect();
        let mut last_team: (&str, usize) = ("", usize::MAX);
        let mut team_of = |name: &str| -> usize {
            if last_team.1 == usize::MAX || last_team.0 != name {
                last_team = (team_names.get(name).copied().unwrap_or(""), team_index[name]);
            }
            last_team.1
        };
        let team_count = teams.len();

        let mut ex_series: BTreeMap<Metric, Vec<BTreeMap<i64, f64>>> = BTreeMap::new();
        for observation in ex {
            check_finite(&observation.team, observation.week, observation.metric.key(), observation.value)?;
            let per_team =
                ex_series.entry(observation.metric).or_insert_with(|| vec![BTreeMap::new(); team_count]);
            let team = team_of(observation.team.as_str());
            if per_team[team].insert(observation.week.index(), observation.value).is_some() {
                return Err(duplicate(&observation.team, observation.week, observation.metric.key()));
            }
        }
        let mut cx_series: BTreeMap<CxMetric, Vec<HashMap<i64, f64>>> = BTreeMap::new();
        let mut cx_cells_too_few_responses = 0;
        for observation in cx {
            check_finite(&observation.team, observation.week, observation.metric.key(), observation.value)?;
            if observation.n_responses.is_some_and(|n| n < MIN_CX_RESPONSES) {
                cx_cells_too_few_responses += 1;
                continue;
            }
            let per_team = cx_series
                .entry(observation.metric.clone())
                .or_insert_with(|| vec![HashMap::new(); team_count]);
            let team = team_of(observation.team.as_str());
            if per_team[team].insert(observation.week.index(), observation.value).is_some() {
                return Err(duplicate(&observation.team, observation.week, observation.metric.key()));
            }
        }
        let first_ex_week = ex.iter().map(|o| o.week.index()).min().unwrap_or(0);
        let last_cx_week = cx
            .iter()
            .filter(|o| o.n_responses.is_none_or(|n| n >= MIN_CX_RESPONSES))
            .map(|o| o.week.index())
            .max()
            .unwrap_or(-1);
        let window = (first_ex_week, last_cx_week - i64::from(MAX_LAG_WEEKS));
        Ok(LinkageSeries { teams, ex: ex_series, cx: cx_series, window, cx_cells_too_few_responses })
    }

    /// The common window of EX weeks: from the first EX week to [`MAX_LAG_WEEKS`] before the last CX
    /// week; `None` when that leaves no week.
    pub fn ex_weeks(&self) -> Option<RangeInclusive<IsoWeek>> {
        let (start, end) = self.window;
        (start <= end).then(|| IsoWeek::from_index(start)..=IsoWeek::from_index(end))
    }

    /// Computes the whole grid: every EX metric × CX metric × lag `0..=MAX_LAG_WEEKS` over the common
    /// window, with Benjamini–Hochberg adjustment and false-coverage intervals per family.
    pub fn grid(&self) -> LinkageGrid {
        // Each metric as a team × week table, once: EX over the window, CX over the window and the
        // lags after it (a lag is then an offset into the CX table).
        let (start, end) = self.window;
        let n_weeks = usize::try_from(end - start + 1).unwrap_or(0);
        let lag_weeks = MAX_LAG_WEEKS as usize;
        let cx_tables: Vec<(&CxMetric, Table)> = self
            .cx
            .iter()
            .map(|(metric, per_team)| {
                let mut table = Table::empty(self.teams.len(), start, n_weeks + lag_weeks);
                for (team, weeks) in per_team.iter().enumerate() {
                    weeks.iter().for_each(|(week, value)| table.set(team, *week, *value));
                }
                (metric, table)
            })
            .collect();
        let mut panels = CellPanels::default();
        let mut cells = Vec::new();
        for ex_metric in Metric::ALL {
            let Some(per_team) = self.ex.get(&ex_metric) else {
                continue;
            };
            let mut ex_table = Table::empty(self.teams.len(), start, n_weeks);
            for (team, weeks) in per_team.iter().enumerate() {
                // An empty window (start after end) has no week to fill.
                if start <= end {
                    weeks.range(start..=end).for_each(|(week, value)| ex_table.set(team, *week, *value));
                }
            }
            for (cx_metric, cx_table) in &cx_tables {
                for lag_weeks in 0..=MAX_LAG_WEEKS {
                    cells.push(cell(ex_metric, cx_metric, lag_weeks, &ex_table, cx_table, &mut panels));
                }
            }
        }
        for (scope, method) in FAMILIES {
            adjust_family(&mut cells, scope, method);
        }
        LinkageGrid {
            cells,
            ex_weeks: self.ex_weeks(),
            cx_cells_too_few_responses: self.cx_cells_too_few_responses,
        }
    }

    /// The scatter of within-team demeaned pairs for one (EX metric, CX metric, lag) over the common
    /// window, with its OLS line. Empty when either metric is absent.
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
        let fit = ordinary_least_squares(&xs, &ys).map(|(slope, intercept)| LineFit { slope, intercept });
        Scatter { ex_metric, cx_metric: cx_metric.clone(), lag_weeks, points, fit }
    }

    /// The team-permutation test of the default figure of one (EX metric, CX metric, lag) over the
    /// common window (module header, "The team-permutation test"): the observed two-way Pearson
    /// against the same figure with each team's EX paired with another team's CX, for every cyclic
    /// shift of the teams in name order. Not computed when the observed figure has no estimate (its
    /// reason) or has fewer than [`MIN_PERMUTATION_TEAMS`] teams ([`NotEnoughData::TooFewTeams`]).
    pub fn team_permutation_test(
        &self,
        ex_metric: Metric,
        cx_metric: &CxMetric,
        lag_weeks: u32,
    ) -> Result<TeamPermutationTest, NotEnoughData> {
        let residuals = two_way(&self.paired(ex_metric, cx_metric, lag_weeks));
        let (observed, _) = within_team(&residuals);
        let r_observed = match observed.outcome {
            CorrelationOutcome::Estimated(estimate) => estimate.r,
            CorrelationOutcome::NotEnoughData(reason) => return Err(reason),
        };
        // The teams of the observed figure (two or more pairs), in name order (team indexes follow
        // the sorted names).
        let teams: Vec<usize> = residuals.panel.teams.clone();
        let n_teams = teams.len();
        if n_teams < MIN_PERMUTATION_TEAMS {
            return Err(NotEnoughData::TooFewTeams { teams: n_teams, minimum: MIN_PERMUTATION_TEAMS });
        }
        let (Some(ex_teams), Some(cx_teams)) = (self.ex.get(&ex_metric), self.cx.get(cx_metric)) else {
            return Err(NotEnoughData::TooFewTeams { teams: 0, minimum: MIN_PERMUTATION_TEAMS });
        };
        let (mut permutations, mut at_least_as_large) = (0, 0);
        for shift in 1..n_teams {
            let permuted: Vec<TeamPairs> = (0..n_teams)
                .map(|k| {
                    let (ex_team, cx_team) = (teams[k], teams[(k + shift) % n_teams]);
                    self.pair_weeks(ex_team, &ex_teams[ex_team], &cx_teams[cx_team], lag_weeks)
                })
                .filter(|pairs| !pairs.weeks.is_empty())
                .collect();
            let permuted_residuals = two_way(&permuted);
            let (pooled_ex, pooled_cx) = permuted_residuals.pooled();
            if let Some(r) = pearson(&pooled_ex, &pooled_cx) {
                permutations += 1;
                at_least_as_large += usize::from(r.abs() >= r_observed.abs());
            }
        }
        Ok(TeamPermutationTest {
            r_observed,
            p_value: (1 + at_least_as_large) as f64 / (1 + permutations) as f64,
            permutations,
            at_least_as_large,
            n_teams,
        })
    }

    /// Each team's paired weeks in the common window: EX at `w`, CX at `w + lag_weeks`, for teams with
    /// at least one pair.
    fn paired(&self, ex_metric: Metric, cx_metric: &CxMetric, lag_weeks: u32) -> Vec<TeamPairs> {
        let (Some(ex_teams), Some(cx_teams)) = (self.ex.get(&ex_metric), self.cx.get(cx_metric)) else {
            return Vec::new();
        };
        ex_teams
            .iter()
            .zip(cx_teams)
            .enumerate()
            .map(|(team, (ex_weeks, cx_weeks))| self.pair_weeks(team, ex_weeks, cx_weeks, lag_weeks))
            .filter(|pairs| !pairs.weeks.is_empty())
            .collect()
    }

    /// One EX series paired with one CX series over the common window (EX at `w`, CX at
    /// `w + lag_weeks`), labelled `team`; the same team's series for the figures, another team's CX
    /// for the permutation test.
    fn pair_weeks(
        &self,
        team: usize,
        ex_weeks: &BTreeMap<i64, f64>,
        cx_weeks: &HashMap<i64, f64>,
        lag_weeks: u32,
    ) -> TeamPairs {
        let mut pairs = TeamPairs { team, weeks: Vec::new(), ex: Vec::new(), cx: Vec::new() };
        let (start, end) = self.window;
        if start > end {
            return pairs;
        }
        let lag = i64::from(lag_weeks);
        for (week, ex) in ex_weeks.range(start..=end) {
            if let Some(cx) = cx_weeks.get(&(week + lag)) {
                pairs.weeks.push(*week);
                pairs.ex.push(*ex);
                pairs.cx.push(*cx);
            }
        }
        pairs
    }
}

/// The panels one cell is computed in, kept from cell to cell so that their memory is reused.
#[derive(Default)]
struct CellPanels {
    levels: Residuals,
    differences: Residuals,
    buffers: FigureBuffers,
}

/// The pooled residuals and the ranking's memory of a within-team figure, kept from one figure to
/// the next.
#[derive(Default)]
struct FigureBuffers {
    pooled_ex: Vec<f64>,
    pooled_cx: Vec<f64>,
    ranks: ranks::RankBuffers,
}

/// One cell of the grid from the EX and CX tables: the pairs are laid out once
/// ([`Panel::fill_paired`]), the between-team means and the first differences taken from them, then
/// the levels are team-demeaned (the team-demeaned figure) and their week effects removed on top
/// (the default figure), and the differences are two-way demeaned (the drift-robust figure).
fn cell(
    ex_metric: Metric,
    cx_metric: &CxMetric,
    lag_weeks: u32,
    ex_table: &Table,
    cx_table: &Table,
    panels: &mut CellPanels,
) -> LinkageCell {
    let CellPanels { levels, differences, buffers } = panels;
    levels.panel.fill_paired(ex_table, cx_table, i64::from(lag_weeks), 2);
    let (between_pearson, between_spearman) = between_team(&levels.panel);
    levels.panel.differences_into(&mut differences.panel, 2);
    levels.absorbed = levels.panel.demean_teams();
    let (team_demeaned_pearson, _) = within_team_figures(levels, false, buffers);
    // The team means are gone; the two-way residuals remove the week effects from what is left.
    levels.absorbed = levels.panel.remove_week_effects();
    let (within_pearson, within_spearman) = within_team_figures(levels, true, buffers);
    differences.absorbed = differences.panel.demean_teams_and_weeks();
    let (first_difference_pearson, _) = within_team_figures(differences, false, buffers);
    LinkageCell {
        ex_metric,
        cx_metric: cx_metric.clone(),
        lag_weeks,
        within_pearson,
        within_spearman,
        team_demeaned_pearson,
        first_difference_pearson,
        between_pearson,
        between_spearman,
    }
}

/// Benjamini–Hochberg across one family's estimated cells, then the false-coverage intervals of its
/// findings (module header).
fn adjust_family(cells: &mut [LinkageCell], scope: CorrelationScope, method: CorrelationMethod) {
    let p_values: Vec<f64> = cells
        .iter()
        .filter_map(|cell| cell.correlation(scope, method)?.estimate().map(|e| e.p_value))
        .collect();
    let adjusted = benjamini_hochberg(&p_values);
    let findings = adjusted.iter().filter(|p| **p <= FALSE_DISCOVERY_RATE).count();
    let confidence = false_coverage_confidence(findings, p_values.len(), FALSE_DISCOVERY_RATE);
    let mut adjusted = adjusted.into_iter();
    for cell in cells {
        if let Some(Correlation { outcome: CorrelationOutcome::Estimated(estimate), .. }) =
            cell.correlation_mut(scope, method)
            && let Some(p_adjusted) = adjusted.next()
        {
            estimate.p_adjusted = p_adjusted;
            estimate.fcr_interval = estimate
                .is_finding()
                .then(|| fisher_z_interval_at(estimate.r, estimate.n_effective, confidence));
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

/// Pearson and Spearman of a within-team figure from its residuals (module header, "Not enough data").
fn within_team(residuals: &Residuals) -> (Correlation, Correlation) {
    within_team_figures(residuals, true, &mut FigureBuffers::default())
}

/// Pearson and, when `with_spearman`, Spearman (residuals compared at 9 significant digits of the
/// largest, so that values tied in the data, a coarse integer metric, whose residuals differ only by
/// rounding error, stay ties) of a within-team figure. Without Spearman the second correlation is
/// the first; the figure still has no variation when the rounded residuals of a side are all equal,
/// as it has with Spearman.
fn within_team_figures(
    residuals: &Residuals,
    with_spearman: bool,
    buffers: &mut FigureBuffers,
) -> (Correlation, Correlation) {
    let n = residuals.n();
    let n_teams = residuals.panel.teams.len();
    let not_enough = |reason: NotEnoughData| {
        let correlation = Correlation::not_enough(n, n_teams, reason);
        (correlation.clone(), correlation)
    };
    if n < MIN_WITHIN_TEAM_PAIRS {
        return not_enough(NotEnoughData::TooFewPairs { pairs: n, minimum: MIN_WITHIN_TEAM_PAIRS });
    }
    let (pearson_r, spearman_r) = if with_spearman {
        let FigureBuffers { pooled_ex, pooled_cx, ranks } = buffers;
        let pooled = residuals.panel.pooled_into(pooled_ex, pooled_cx);
        let (pooled_ex, pooled_cx) = (&pooled_ex[..pooled], &pooled_cx[..pooled]);
        (lanes::pearson(pooled_ex, pooled_cx), ranks::tie_safe_spearman(pooled_ex, pooled_cx, ranks))
    } else {
        // Read in place: no pooled copy is needed without ranks.
        let Panel { present, ex, cx, .. } = &residuals.panel;
        let pearson_r = lanes::weighted_pearson(present, ex, cx);
        let vary = |values: &[f64]| ranks::tie_safe_values_vary_where(present, values);
        (pearson_r, pearson_r.filter(|_| vary(ex) && vary(cx)))
    };
    let (Some(pearson_r), Some(spearman_r)) = (pearson_r, spearman_r) else {
        return not_enough(NotEnoughData::NoVariation);
    };
    let n_effective = effective_size(residuals);
    if n_effective < MIN_EFFECTIVE_N {
        return not_enough(NotEnoughData::SmallEffectiveSize { n_effective, minimum: MIN_EFFECTIVE_N });
    }
    let correlation =
        |r: f64| Correlation { n, n_teams, outcome: CorrelationOutcome::Estimated(estimate(r, n_effective)) };
    (correlation(pearson_r), correlation(spearman_r))
}

/// Between-team Pearson and Spearman for one cell's pairs (the teams of `levels` with at least
/// [`MIN_PAIRS_FOR_TEAM_MEAN`] pairs, by their mean EX and mean CX).
fn between_team(levels: &Panel) -> (Correlation, Correlation) {
    let n_weeks = levels.n_weeks.max(1);
    let (ex_means, cx_means): (Vec<f64>, Vec<f64>) = levels
        .counts
        .iter()
        .zip(levels.ex.chunks_exact(n_weeks).zip(levels.cx.chunks_exact(n_weeks)))
        .filter(|(count, _)| **count >= MIN_PAIRS_FOR_TEAM_MEAN)
        .map(|(count, (ex, cx))| {
            let pairs = *count as f64;
            // Sums over the row in week order: the absent weeks add exact zeros.
            (ex.iter().sum::<f64>() / pairs, cx.iter().sum::<f64>() / pairs)
        })
        .unzip();
    let n = ex_means.len();
    let not_enough = |reason: NotEnoughData| {
        let correlation = Correlation::not_enough(n, n, reason);
        (correlation.clone(), correlation)
    };
    if n < MIN_BETWEEN_TEAM_TEAMS {
        return not_enough(NotEnoughData::TooFewTeams { teams: n, minimum: MIN_BETWEEN_TEAM_TEAMS });
    }
    let (Some(pearson_r), Some(spearman_r)) = (pearson(&ex_means, &cx_means), spearman(&ex_means, &cx_means))
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

/// The interval and p-value of a coefficient `r` from an effective sample size (`p_adjusted` and the
/// false-coverage interval are filled in later, across the grid).
fn estimate(r: f64, n_effective: f64) -> Estimate {
    let (ci_low, ci_high) = fisher_z_interval(r, n_effective);
    Estimate {
        r,
        ci_low,
        ci_high,
        n_effective,
        p_value: correlation_p_value(r, n_effective),
        p_adjusted: 1.0,
        fcr_interval: None,
    }
}
