//! How teams differ: for one (EX metric, CX metric, lag), the detail view's cell, each team's own
//! within-team correlation, a random-effects meta-analysis of them, and each team's estimate shrunk
//! towards the pooled one (issue 15, "Statistics an analyst can defend").
//!
//! The default figure of [`crate::linkage`] pools every team's weeks into one correlation. It
//! answers "is there a link on average?", not "is the link the same in every team?". A pooled
//! r = 0.3 may be ten teams at about 0.3, or five at 0.7 and five at −0.1; the second calls for
//! looking at the teams, not at the organisation. This module says which.
//!
//! # Each team's correlation
//!
//! The same pairing and the same transform as the default figure: each team's paired weeks over the
//! common window (EX of week `w`, CX of week `w + lag`), the two-way (team and week) fixed-effects
//! residuals of all teams together, then Pearson's `r_t` on the team's own residuals. So a team's
//! figure is the default figure restricted to that team, week effects shared by the organisation
//! removed as they are there. A team with fewer than [`MIN_TEAM_PAIRS`] paired weeks, whose
//! residuals do not vary, with `|r_t| = 1`, or whose effective size is below [`MIN_TEAM_EFFECTIVE_N`]
//! is left out and counted ([`TeamDifferences::teams_left_out`]).
//!
//! On Fisher's scale, `z_t = atanh r_t` with standard error `se_t = 1 / √(n_eff,t − 3)`. The
//! effective size is the team's own, built the way the module builds the pooled one, not `n_t − 3`:
//!
//! ```text
//! m_t     = n_t · m / n                      (the team's share of the pooled degrees of freedom)
//! n_eff,t = m_t / (1 + 2 · Σ_{k=1..K_t} r_x(k) · r_y(k)),   clamped to [3, m_t]
//! ```
//!
//! with `m = n − a + 1` the pooled figure's degrees of freedom (`a` the rank of the team and week
//! effects) shared out in proportion to each team's pairs, `r_x(k)`, `r_y(k)` the lag-`k`
//! autocorrelations of the team's own EX and CX residuals and `K_t = min(10, ⌊span_t / 4⌋)` from the
//! team's span of weeks. Why not `n_t − 3`: weekly series are persistent, so `n_t − 3` overstates
//! what each team knows; the standard errors would be too small, Cochran's Q too large, and teams
//! would look more different than they are (I² inflated by autocorrelation, not by teams). And the
//! week effects spend about `W / T` of each team's pairs, which `n_t − 3` ignores too.
//!
//! # The random-effects meta-analysis
//!
//! The `k` teams' `z_t` are combined as in DerSimonian and Laird (1986), with `v_t = se_t²`
//! ([`crate::stats::dersimonian_laird`]):
//!
//! ```text
//! w_t   = 1 / v_t,   z_FE = Σ w_t z_t / Σ w_t
//! Q     = Σ w_t (z_t − z_FE)²                                  (Cochran's Q, k − 1 df)
//! τ²    = max(0, (Q − (k − 1)) / (Σ w_t − Σ w_t² / Σ w_t))     (DerSimonian–Laird)
//! I²    = max(0, (Q − (k − 1)) / Q)
//! w*_t  = 1 / (v_t + τ²),   μ = Σ w*_t z_t / Σ w*_t,   se_μ = 1 / √(Σ w*_t)
//! ```
//!
//! - `τ` is the standard deviation of the teams' *true* correlations on the z scale: how much the
//!   link itself differs from team to team, sampling noise taken out. `tanh(μ ± 1.96 τ)` is the
//!   range in which about 95% of teams' true correlations lie ([`TeamDifferences::typical_low`]).
//! - `I²` is the share of the spread among the teams' estimates that is real difference between
//!   teams rather than sampling noise (Higgins and Thompson, 2002). Higgins et al. (2003) read 25%
//!   as low, 50% moderate and 75% high; the view says "teams differ little" below 25%, "somewhat"
//!   up to 75%, "a lot" above ([`Heterogeneity`]). I² depends on how precise the teams' figures
//!   are (with many weeks per team, even small real differences give a high I²); τ does not, so
//!   both are shown.
//! - The pooled estimate `tanh μ` with its 95% interval `tanh(μ ± 1.96 se_μ)` is the average
//!   team's correlation. It differs from the default figure, which weights teams by their pairs and
//!   has a within-team interval; when τ² > 0 its interval is wider, because it also allows for
//!   teams differing.
//! - The p-value of Q (χ² with `k − 1` df) tests "every team has the same true correlation"; with
//!   few teams it has little power, so a large p is not evidence that teams are alike.
//!
//! With fewer than [`MIN_META_ANALYSIS_TEAMS`] teams there is no meta-analysis
//! ([`NotEnoughData::TooFewTeams`]): τ² from two or three estimates is mostly noise.
//!
//! # Shrinkage
//!
//! A small team's own r is noisy, and the most extreme teams in a forest plot are often the
//! smallest ones, not the most different. The empirical-Bayes estimate of each team's true z
//! (the best linear predictor under the random-effects model) pulls its own `z_t` towards `μ`:
//!
//! ```text
//! B_t = τ² / (τ² + v_t),   z_shrunk,t = μ + B_t · (z_t − μ),   r_shrunk,t = tanh z_shrunk,t
//! ```
//!
//! `B_t` near 1 (a precise team, or teams that really differ) keeps the team's own figure; near 0
//! (a noisy team, or teams that do not differ) gives the pooled one. With τ² = 0 every team's
//! shrunk figure is the pooled one: the data cannot tell the teams apart. `μ` is estimated, so
//! the shrunk figures are slightly too confident (Morris, 1983); they rank teams, they are not a
//! test of any one team.
//!
//! Pure: no IO, no clock, no randomness.

use crate::bank::Metric;
use crate::cx::CxMetric;
use crate::stats::{NORMAL_QUANTILE_975, chi_squared_survival, dersimonian_laird, pearson};

use super::panel::{Panel, TeamPairs, autocorrelation_product_sum, two_way};
use super::{LinkageSeries, MAX_AUTOCORRELATION_LAG_WEEKS, NotEnoughData};

/// A team's own correlation needs at least this many paired weeks (as the pooled figure does).
pub const MIN_TEAM_PAIRS: usize = 10;

/// A team's own correlation needs at least this effective size: `se = 1 / √(n_eff − 3)` is then at
/// most 0.71 on the z scale, a 95% interval of about ±0.9 around r = 0; below it a team's figure
/// says next to nothing and its standard error rests on the clamp.
pub const MIN_TEAM_EFFECTIVE_N: f64 = 5.0;

/// The fewest teams with their own figure for the meta-analysis: τ² from fewer is mostly noise.
pub const MIN_META_ANALYSIS_TEAMS: usize = 4;

/// Below this I², teams differ little (Higgins et al., 2003: 25% is low).
pub const LITTLE_HETEROGENEITY_I_SQUARED: f64 = 0.25;

/// From this I² on, teams differ a lot (Higgins et al., 2003: 75% is high).
pub const LARGE_HETEROGENEITY_I_SQUARED: f64 = 0.75;

/// One team's own correlation and its shrunk estimate (module header).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamCorrelation {
    /// The team, as named in the observations.
    pub team: String,
    /// The team's paired weeks.
    pub n: usize,
    /// The team's effective size (module header).
    pub n_effective: f64,
    /// The team's own Pearson r of its two-way residuals.
    pub r: f64,
    /// `atanh r`.
    pub z: f64,
    /// `1 / √(n_eff − 3)`, on the z scale.
    pub standard_error: f64,
    /// Lower end of the team's own 95% interval, `tanh(z − 1.96 se)`.
    pub ci_low: f64,
    /// Upper end of the team's own 95% interval.
    pub ci_high: f64,
    /// `B = τ² / (τ² + se²)`: how much of its own figure the shrunk estimate keeps (0 to 1).
    pub shrinkage_weight: f64,
    /// `μ + B (z − μ)`.
    pub z_shrunk: f64,
    /// `tanh z_shrunk`: the team's estimate shrunk towards the pooled one.
    pub r_shrunk: f64,
}

/// How much teams differ, in words, from I² (module header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heterogeneity {
    /// I² below 25%: the spread among teams is mostly sampling noise.
    Little,
    /// I² from 25% to 75%.
    Some,
    /// I² of 75% or more: the spread is mostly real differences between teams.
    ALot,
}

/// The random-effects meta-analysis of the teams' own correlations for one cell (module header).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamDifferences {
    /// The teams with their own figure, in name order.
    pub teams: Vec<TeamCorrelation>,
    /// Teams with paired weeks in the cell but no figure of their own (too few pairs, no variation
    /// or too small an effective size).
    pub teams_left_out: usize,
    /// Cochran's Q.
    pub q: f64,
    /// Its degrees of freedom, `k − 1`.
    pub degrees_of_freedom: usize,
    /// `P(χ²_(k−1) ≥ Q)`: the p-value of "every team has the same true correlation".
    pub q_p_value: f64,
    /// DerSimonian–Laird τ², the variance of the teams' true correlations on the z scale.
    pub tau_squared: f64,
    /// I², from 0 to 1.
    pub i_squared: f64,
    /// The pooled mean μ on the z scale.
    pub pooled_z: f64,
    /// Its standard error.
    pub pooled_standard_error: f64,
    /// `tanh μ`: the average team's correlation.
    pub pooled_r: f64,
    /// Lower end of its 95% interval, `tanh(μ − 1.96 se_μ)`.
    pub pooled_ci_low: f64,
    /// Upper end of its 95% interval.
    pub pooled_ci_high: f64,
    /// `tanh(μ − 1.96 τ)`: about 2.5% of teams' true correlations lie below.
    pub typical_low: f64,
    /// `tanh(μ + 1.96 τ)`: about 2.5% of teams' true correlations lie above.
    pub typical_high: f64,
}

impl TeamDifferences {
    /// τ, the standard deviation of the teams' true correlations on the z scale.
    pub fn tau(&self) -> f64 {
        self.tau_squared.sqrt()
    }

    /// I² in words (module header).
    pub fn heterogeneity(&self) -> Heterogeneity {
        if self.i_squared < LITTLE_HETEROGENEITY_I_SQUARED {
            Heterogeneity::Little
        } else if self.i_squared < LARGE_HETEROGENEITY_I_SQUARED {
            Heterogeneity::Some
        } else {
            Heterogeneity::ALot
        }
    }
}

impl LinkageSeries {
    /// How teams differ for one (EX metric, CX metric, lag) over the common window: each team's own
    /// correlation, the DerSimonian–Laird meta-analysis and the shrunk estimates (module header of
    /// [`crate::linkage::teams`]). [`NotEnoughData::TooFewTeams`] with fewer than
    /// [`MIN_META_ANALYSIS_TEAMS`] teams that have their own figure.
    pub fn team_differences(
        &self,
        ex_metric: Metric,
        cx_metric: &CxMetric,
        lag_weeks: u32,
    ) -> Result<TeamDifferences, NotEnoughData> {
        let paired = self.paired(ex_metric, cx_metric, lag_weeks);
        let residuals = two_way(&paired);
        let n = residuals.n();
        let degrees_of_freedom = (n + 1).saturating_sub(residuals.absorbed) as f64;
        let mut own: Vec<(String, usize, f64, f64)> = Vec::new();
        for team in &residuals.panel.team_pairs() {
            let n_team = team.weeks.len();
            if n_team < MIN_TEAM_PAIRS {
                continue;
            }
            let Some(r) = pearson(&team.ex, &team.cx).filter(|r| r.abs() < 1.0) else { continue };
            let n_effective = team_effective_size(team, n_team as f64 * degrees_of_freedom / n as f64);
            if n_effective < MIN_TEAM_EFFECTIVE_N {
                continue;
            }
            own.push((self.teams[team.team].clone(), n_team, n_effective, r));
        }
        let teams_left_out = paired.len() - own.len();
        if own.len() < MIN_META_ANALYSIS_TEAMS {
            return Err(NotEnoughData::TooFewTeams { teams: own.len(), minimum: MIN_META_ANALYSIS_TEAMS });
        }
        let z: Vec<f64> = own.iter().map(|(_, _, _, r)| r.atanh()).collect();
        let variance: Vec<f64> = own.iter().map(|(_, _, n_effective, _)| 1.0 / (n_effective - 3.0)).collect();
        let meta = dersimonian_laird(&z, &variance);
        let teams = own
            .into_iter()
            .zip(z.iter().zip(&variance))
            .map(|((team, n, n_effective, r), (&z, &variance))| {
                let standard_error = variance.sqrt();
                let shrinkage_weight = if meta.tau_squared > 0.0 {
                    meta.tau_squared / (meta.tau_squared + variance)
                } else {
                    0.0
                };
                let z_shrunk = meta.mean + shrinkage_weight * (z - meta.mean);
                TeamCorrelation {
                    team,
                    n,
                    n_effective,
                    r,
                    z,
                    standard_error,
                    ci_low: (z - NORMAL_QUANTILE_975 * standard_error).tanh(),
                    ci_high: (z + NORMAL_QUANTILE_975 * standard_error).tanh(),
                    shrinkage_weight,
                    z_shrunk,
                    r_shrunk: z_shrunk.tanh(),
                }
            })
            .collect();
        let tau = meta.tau_squared.sqrt();
        Ok(TeamDifferences {
            teams,
            teams_left_out,
            q: meta.q,
            degrees_of_freedom: z.len() - 1,
            q_p_value: chi_squared_survival(meta.q, (z.len() - 1) as f64),
            tau_squared: meta.tau_squared,
            i_squared: meta.i_squared,
            pooled_z: meta.mean,
            pooled_standard_error: meta.standard_error,
            pooled_r: meta.mean.tanh(),
            pooled_ci_low: (meta.mean - NORMAL_QUANTILE_975 * meta.standard_error).tanh(),
            pooled_ci_high: (meta.mean + NORMAL_QUANTILE_975 * meta.standard_error).tanh(),
            typical_low: (meta.mean - NORMAL_QUANTILE_975 * tau).tanh(),
            typical_high: (meta.mean + NORMAL_QUANTILE_975 * tau).tanh(),
        })
    }
}

/// One team's effective size from its share `m_team` of the pooled degrees of freedom (module
/// header): Bartlett's correction with the team's own autocorrelations and span.
fn team_effective_size(team: &TeamPairs, m_team: f64) -> f64 {
    let span = match (team.weeks.first(), team.weeks.last()) {
        (Some(first), Some(last)) => last - first + 1,
        _ => 0,
    };
    let cutoff = MAX_AUTOCORRELATION_LAG_WEEKS.min(usize::try_from(span / 4).unwrap_or(0));
    let lagged_sum = autocorrelation_product_sum(&Panel::from_pairs(std::slice::from_ref(team), 1), cutoff);
    let denominator = 1.0 + 2.0 * lagged_sum;
    let n_effective = if denominator > 0.0 { m_team / denominator } else { m_team };
    n_effective.clamp(3.0_f64.min(m_team), m_team)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkage::{CxObservation, ExObservation};
    use crate::week::IsoWeek;

    use crate::linkage::test_noise as noise;

    /// Twelve teams over 80 weeks; team `t`'s CSAT follows its engagement two weeks later with the
    /// slope `slope(t)` plus noise of its own.
    fn panel_observations(slope: impl Fn(usize) -> f64) -> (Vec<ExObservation>, Vec<CxObservation>) {
        let (mut ex, mut cx) = (Vec::new(), Vec::new());
        for team in 0..12 {
            let name = format!("Team {team:02}");
            for week in 0..80i64 {
                let engagement = |week: i64| 10.0 * noise(1, team, week);
                ex.push(ExObservation {
                    team: name.clone(),
                    week: IsoWeek::from_index(2000 + week),
                    metric: Metric::Engagement,
                    value: 60.0 + engagement(week),
                });
                cx.push(CxObservation {
                    team: name.clone(),
                    week: IsoWeek::from_index(2000 + week),
                    metric: CxMetric::Csat,
                    value: 80.0 + slope(team) * engagement(week - 2) + 4.0 * noise(2, team, week),
                    n_responses: None,
                });
            }
        }
        (ex, cx)
    }

    fn panel(slope: impl Fn(usize) -> f64) -> LinkageSeries {
        let (ex, cx) = panel_observations(slope);
        LinkageSeries::new(&ex, &cx).unwrap()
    }

    #[test]
    fn teams_with_the_same_link_differ_little_and_shrink_to_the_pooled_figure() {
        let series = panel(|_| 0.4);
        let differences = series.team_differences(Metric::Engagement, &CxMetric::Csat, 2).unwrap();
        assert_eq!(differences.teams.len(), 12);
        assert_eq!(differences.teams_left_out, 0);
        assert_eq!(differences.degrees_of_freedom, 11);
        assert!(differences.pooled_r > 0.5, "{differences:?}");
        assert_eq!(differences.heterogeneity(), Heterogeneity::Little, "{differences:?}");
        if differences.tau_squared == 0.0 {
            for team in &differences.teams {
                assert_eq!(team.shrinkage_weight, 0.0);
                assert!((team.r_shrunk - differences.pooled_r).abs() < 1e-12);
            }
        }
        // Shrunk figures are never further from the pooled one than the team's own.
        for team in &differences.teams {
            assert!((team.z_shrunk - differences.pooled_z).abs() <= (team.z - differences.pooled_z).abs());
        }
    }

    #[test]
    fn teams_with_opposite_links_differ_a_lot() {
        let series = panel(|team| if team % 2 == 0 { 0.8 } else { -0.8 });
        let differences = series.team_differences(Metric::Engagement, &CxMetric::Csat, 2).unwrap();
        assert_eq!(differences.heterogeneity(), Heterogeneity::ALot, "{differences:?}");
        assert!(differences.tau() > 0.5 && differences.q_p_value < 1e-6);
        assert!(differences.typical_low < -0.5 && differences.typical_high > 0.5);
        // The pooled interval allows for the teams differing: it spans 0.
        assert!(differences.pooled_ci_low < 0.0 && differences.pooled_ci_high > 0.0);
        for team in &differences.teams {
            assert!(team.shrinkage_weight > 0.9, "precise teams that differ keep their own figure");
            assert_eq!(team.r > 0.0, team.team.ends_with(['0', '2', '4', '6', '8']));
        }
    }

    #[test]
    fn a_team_with_too_few_weeks_is_left_out_and_counted() {
        let (mut ex, mut cx) = panel_observations(|_| 0.4);
        for week in 0..5i64 {
            ex.push(ExObservation {
                team: "Short".to_owned(),
                week: IsoWeek::from_index(2000 + week),
                metric: Metric::Engagement,
                value: 50.0 + week as f64,
            });
            cx.push(CxObservation {
                team: "Short".to_owned(),
                week: IsoWeek::from_index(2002 + week),
                metric: CxMetric::Csat,
                value: 70.0 + (week * week) as f64,
                n_responses: None,
            });
        }
        let series = LinkageSeries::new(&ex, &cx).unwrap();
        let differences = series.team_differences(Metric::Engagement, &CxMetric::Csat, 2).unwrap();
        assert_eq!(differences.teams_left_out, 1);
        assert_eq!(differences.teams.len(), 12);
        assert!(differences.teams.iter().all(|team| team.team != "Short"));
        assert!(matches!(
            series.team_differences(Metric::Engagement, &CxMetric::Nps, 2),
            Err(NotEnoughData::TooFewTeams { teams: 0, .. })
        ));
    }
}
