//! CX cells carry their number of customers (issue 15, "Statistics an analyst can defend"): how much
//! of the CX variation is sampling noise, a figure that weights each cell by its customers, and an
//! optional pooling of CX over four weeks so that cells with few customers reach the minimum.
//!
//! A weekly CX score is an estimate from the customers who answered that week: the fewer they were,
//! the more the score moves by chance. [`crate::linkage`] already leaves out cells below
//! [`MIN_CX_RESPONSES`]; above it, cells still differ in precision, and the noise that remains
//! weakens every correlation with EX.
//!
//! # Reliability: how much of the CX variation is not noise
//!
//! Per CX metric, over the cells that enter the linkage and whose number of customers `n` is known:
//!
//! ```text
//! reliability = 1 − mean_c(v_c) / s²_within,   clamped to [0, 1]
//! s²_within   = Σ_t Σ_w (y_tw − ȳ_t)² / (N − T)       (teams with at least two such cells)
//! ```
//!
//! `s²_within` is the variance of the scores around each team's own mean (what the within-team
//! figures correlate), `v_c` a cell's sampling variance given its `n` ([`sampling_variance`]), in
//! the score's own points²:
//!
//! - **CSAT and FCR** are shares (`p = score / 100`): `v = 100² · p (1 − p) / n`, exact for a share
//!   of `n` independent answers.
//! - **NPS** is `100 · (promoters − detractors) / n`; one answer scores +1, 0 or −1, with variance
//!   `p + d − (p − d)²`. Only the score `s = p − d` is known, and `p + d ≤ 1`, so
//!   `v ≤ 100² · (1 − (s / 100)²) / n`: an upper bound (reached when no one is passive). The noise is
//!   overstated, so the reliability shown is a **lower bound**.
//! - **CES and custom metrics** are means of a scale whose standard deviation the import does not
//!   carry: their noise is **not known**, and neither is their reliability ([`SamplingModel::Unknown`]).
//!
//! Spearman's (1904) attenuation: a correlation with a noisy measure is the correlation with the
//! true score times `√reliability` (the EX side taken as reliable). A reliability of 0.6 shrinks
//! r = 0.3 to about 0.23 ([`CxReliability::attenuation`]). The default figure removes week effects
//! too, which removes true variation but not sampling noise, so its CX side is slightly less
//! reliable than this.
//!
//! # Weighting by customers
//!
//! [`LinkageSeries::customer_weighted`] computes the default figure (two-way fixed effects, Pearson)
//! with each pair weighted by the number of customers of its CX cell, so a week scored by 200
//! customers counts more than one scored by 30. The team and week effects are the weighted least-
//! squares projection (weighted alternating projections: weighted team means, then weighted week
//! means, to convergence; the same residuals as weighted least squares on team and week dummies),
//! and the correlation is the weighted Pearson of the residuals,
//! `Σ w x y / √(Σ w x² · Σ w y²)` after subtracting weighted means.
//!
//! A cell whose number of customers is not known gets the **median** weight of the pair's cells
//! that have one: neither trusted like the largest cell nor dismissed like the smallest; with no
//! count known at all every weight is 1 and the figure is the default one. Its effective size is
//! the default figure's (Bartlett's correction, here of the weighted residuals) times Kish's (1965)
//! ratio `(Σ w)² / (n · Σ w²)`: unequal weights spend information, and the figure does not claim
//! the precision of `n` equally weighted pairs. It is shown beside the default figure for the
//! detailed cell, not adjusted across the grid (a check of one chosen cell, not a search). If the
//! two differ much, the noisiest weeks were carrying the default figure.
//!
//! # Pooling over four weeks
//!
//! [`pool_four_weeks`] replaces each CX cell of week `w` by the customer-weighted mean of the
//! team's cells of that metric in weeks `w − 3` to `w`, with their customers summed:
//!
//! ```text
//! value_w = Σ_{u=w−3..w} n_u · y_u / Σ n_u,   n_w = Σ_{u=w−3..w} n_u
//! ```
//!
//! so a team whose weeks have 10 to 20 customers reaches the minimum of 30 in its pooled cells. It
//! runs before [`LinkageSeries::new`], before the minimum is applied; weeks without a cell stay
//! without one (pooling adds no week, so the common window does not move). A cell whose `n` is not
//! known enters with the median `n` of the metric's known cells (1 if there are none), and makes
//! the pooled `n` unknown.
//!
//! The price: neighbouring pooled cells share three of their four weeks, so the CX series becomes
//! strongly autocorrelated (for independent weeks, 0.75, 0.5 and 0.25 at lags 1, 2 and 3) and a
//! change in CX is smeared over four weeks, which blurs the lag profile. The effective size
//! accounts for the first: Bartlett's sum `Σ r_x(k) · r_y(k)` runs to at least lag 3 whenever a
//! team spans 12 weeks or more, so with persistent EX (the usual case) the pooled figure claims
//! fewer independent weeks. With EX independent from week to week the products are near 0 and
//! `n_eff` barely moves, rightly: a correlation with a white series does not gain variance from
//! smoothing the other. Read the pooled lag of a peak as "within about four weeks".
//!
//! Only CX observations are pooled; EX cells, and so which EX cells are used and every privacy
//! rule on them (k, suppression), are untouched.
//!
//! Pure: no IO, no clock, no randomness.

use std::collections::{BTreeMap, HashMap};

use crate::bank::Metric;
use crate::cx::CxMetric;
use crate::stats::{kish_ratio, mean, median, weighted_pearson};

use super::panel::{Panel, Residuals, TeamPairs, effective_size, two_way};
use super::{
    Correlation, CorrelationOutcome, CxObservation, LinkageSeries, MIN_CX_RESPONSES, MIN_EFFECTIVE_N,
    MIN_WITHIN_TEAM_PAIRS, NotEnoughData, estimate,
};

/// The weeks a pooled CX cell covers: its own and the three before.
pub const POOLED_WEEKS: i64 = 4;

/// The fewest cells (with a known number of customers) a reliability is computed from.
pub const MIN_RELIABILITY_CELLS: usize = 10;

/// How a CX metric's sampling variance follows from a cell's score and number of customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplingModel {
    /// A share of answers (CSAT, FCR): `100² · p (1 − p) / n`, exact.
    Proportion,
    /// NPS: `100² · (1 − (s / 100)²) / n`, an upper bound, so the reliability is a lower bound.
    NpsUpperBound,
    /// A scale mean (CES, custom metrics) without its standard deviation: not known.
    Unknown,
}

impl SamplingModel {
    /// The model of a CX metric.
    pub fn of(metric: &CxMetric) -> SamplingModel {
        match metric {
            CxMetric::Csat | CxMetric::FirstContactResolution => SamplingModel::Proportion,
            CxMetric::Nps => SamplingModel::NpsUpperBound,
            CxMetric::Ces | CxMetric::Custom(_) => SamplingModel::Unknown,
        }
    }
}

/// A cell's sampling variance in the score's points² (module header); `None` when the model is
/// unknown or `n` is 0.
pub fn sampling_variance(metric: &CxMetric, value: f64, n_responses: u32) -> Option<f64> {
    if n_responses == 0 {
        return None;
    }
    let n = f64::from(n_responses);
    match SamplingModel::of(metric) {
        SamplingModel::Proportion => {
            let share = (value / 100.0).clamp(0.0, 1.0);
            Some(100.0 * 100.0 * share * (1.0 - share) / n)
        }
        SamplingModel::NpsUpperBound => {
            let score = (value / 100.0).clamp(-1.0, 1.0);
            Some(100.0 * 100.0 * (1.0 - score * score) / n)
        }
        SamplingModel::Unknown => None,
    }
}

/// The reliability of one CX metric's cells (module header).
#[derive(Debug, Clone, PartialEq)]
pub struct CxReliability {
    /// The CX metric.
    pub metric: CxMetric,
    /// How its sampling variance is known.
    pub model: SamplingModel,
    /// Cells it was computed from: entering the linkage, with a known number of customers, of teams
    /// with at least two such cells.
    pub cells: usize,
    /// Teams those cells belong to.
    pub teams: usize,
    /// `s²_within`, the variance around each team's own mean, points²; `None` with fewer than
    /// [`MIN_RELIABILITY_CELLS`] cells.
    pub within_team_variance: Option<f64>,
    /// The mean sampling variance of the cells, points²; `None` when the model is unknown.
    pub sampling_variance: Option<f64>,
    /// `1 − sampling / within`, clamped to [0, 1]; a lower bound for NPS; `None` when not known.
    pub reliability: Option<f64>,
}

impl CxReliability {
    /// `√reliability`: about how much the noise shrinks a correlation with this metric.
    pub fn attenuation(&self) -> Option<f64> {
        self.reliability.map(f64::sqrt)
    }
}

/// A cell's score and number of customers.
type ScoreAndCount = (f64, u32);

/// A cell's week index, score and number of customers (if known).
type WeekScoreAndCount = (i64, f64, Option<u32>);

/// The reliability of every CX metric in `cx`, by metric order (module header). Cells below
/// [`MIN_CX_RESPONSES`] are left out first, as [`LinkageSeries::new`] does; pass the observations
/// the series was built from (pooled, if the linkage was).
pub fn cx_reliability(cx: &[CxObservation]) -> Vec<CxReliability> {
    let mut by_metric: BTreeMap<&CxMetric, BTreeMap<&str, Vec<ScoreAndCount>>> = BTreeMap::new();
    for observation in cx {
        let entry = by_metric.entry(&observation.metric).or_default();
        if let Some(n) = observation.n_responses.filter(|n| *n >= MIN_CX_RESPONSES)
            && observation.value.is_finite()
        {
            entry.entry(observation.team.as_str()).or_default().push((observation.value, n));
        }
    }
    by_metric
        .into_iter()
        .map(|(metric, teams)| {
            let teams: Vec<&Vec<ScoreAndCount>> = teams.values().filter(|cells| cells.len() >= 2).collect();
            let cells: usize = teams.iter().map(|cells| cells.len()).sum();
            let model = SamplingModel::of(metric);
            let sum_of_squares: f64 = teams
                .iter()
                .map(|cells| {
                    let values: Vec<f64> = cells.iter().map(|(value, _)| *value).collect();
                    let team_mean = mean(&values);
                    values.iter().map(|value| (value - team_mean).powi(2)).sum::<f64>()
                })
                .sum();
            let within_team_variance = (cells >= MIN_RELIABILITY_CELLS && cells > teams.len())
                .then(|| sum_of_squares / (cells - teams.len()) as f64);
            let variances: Option<Vec<f64>> = teams
                .iter()
                .flat_map(|cells| cells.iter())
                .map(|(value, n)| sampling_variance(metric, *value, *n))
                .collect();
            let sampling = variances.filter(|variances| !variances.is_empty()).map(|v| mean(&v));
            let reliability = match (within_team_variance, sampling) {
                (Some(within), Some(sampling)) if within > 0.0 => {
                    Some((1.0 - sampling / within).clamp(0.0, 1.0))
                }
                _ => None,
            };
            CxReliability {
                metric: metric.clone(),
                model,
                cells,
                teams: teams.len(),
                within_team_variance,
                sampling_variance: sampling.filter(|_| model != SamplingModel::Unknown),
                reliability,
            }
        })
        .collect()
}

/// The default figure weighted by customers, for one cell (module header).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerWeighted {
    /// The weighted two-way Pearson; its `p_adjusted` is not set (1), since it is not part of the
    /// grid's adjustment.
    pub correlation: Correlation,
    /// Paired cells whose number of customers is not known.
    pub cells_without_count: usize,
    /// The weight those cells got: the median of the known counts; `None` when none is known (every
    /// weight is then 1).
    pub weight_for_unknown: Option<f64>,
    /// Kish's `(Σ w)² / (n · Σ w²)`, by which the effective size was multiplied (1 for equal weights).
    pub kish_ratio: f64,
}

impl LinkageSeries {
    /// The default figure of one (EX metric, CX metric, lag) with each pair weighted by its CX cell's
    /// number of customers (module header, "Weighting by customers"). `cx` must be the observations
    /// the series was built from, which carry the counts.
    pub fn customer_weighted(
        &self,
        cx: &[CxObservation],
        ex_metric: Metric,
        cx_metric: &CxMetric,
        lag_weeks: u32,
    ) -> CustomerWeighted {
        let paired = self.paired(ex_metric, cx_metric, lag_weeks);
        let absorbed = two_way(&paired).absorbed;
        let teams: Vec<TeamPairs> = paired.into_iter().filter(|team| team.weeks.len() >= 2).collect();
        let counts: HashMap<(&str, i64), Option<u32>> = cx
            .iter()
            .filter(|observation| &observation.metric == cx_metric)
            .map(|observation| {
                ((observation.team.as_str(), observation.week.index()), observation.n_responses)
            })
            .collect();
        let lag = i64::from(lag_weeks);
        let known: Vec<Option<u32>> = teams
            .iter()
            .flat_map(|team| {
                let name = self.teams[team.team].as_str();
                team.weeks.iter().map(move |week| (name, week + lag))
            })
            .map(|key| counts.get(&key).copied().flatten())
            .collect();
        let weight_for_unknown = median(known.iter().flatten().map(|n| f64::from(*n)).collect());
        let cells_without_count = known.iter().filter(|n| n.is_none()).count();
        let mut all_weights = known
            .iter()
            .map(|n| n.map_or(weight_for_unknown.unwrap_or(1.0), f64::from))
            .collect::<Vec<f64>>()
            .into_iter();
        let weights: Vec<Vec<f64>> =
            teams.iter().map(|team| all_weights.by_ref().take(team.weeks.len()).collect()).collect();
        let residuals =
            Residuals { panel: Panel::from_pairs(&weighted_two_way(&teams, &weights), 1), absorbed };
        let flat: Vec<f64> = weights.iter().flatten().copied().collect();
        let n = residuals.n();
        // One weight per pair of the residuals.
        let kish_ratio = kish_ratio(&flat);
        let n_teams = residuals.panel.teams.len();
        let outcome = (|| {
            if n < MIN_WITHIN_TEAM_PAIRS {
                return CorrelationOutcome::NotEnoughData(NotEnoughData::TooFewPairs {
                    pairs: n,
                    minimum: MIN_WITHIN_TEAM_PAIRS,
                });
            }
            let (pooled_ex, pooled_cx) = residuals.pooled();
            let Some(r) = weighted_pearson(&pooled_ex, &pooled_cx, &flat) else {
                return CorrelationOutcome::NotEnoughData(NotEnoughData::NoVariation);
            };
            let n_effective = effective_size(&residuals) * kish_ratio;
            if n_effective < MIN_EFFECTIVE_N {
                return CorrelationOutcome::NotEnoughData(NotEnoughData::SmallEffectiveSize {
                    n_effective,
                    minimum: MIN_EFFECTIVE_N,
                });
            }
            CorrelationOutcome::Estimated(estimate(r, n_effective))
        })();
        CustomerWeighted {
            correlation: Correlation { n, n_teams, outcome },
            cells_without_count,
            weight_for_unknown,
            kish_ratio,
        }
    }
}

/// The residuals of weighted least squares on team and week dummies, for EX and CX separately, by
/// weighted alternating projections (weighted team means, then weighted week means, until nothing
/// changes). `weights[t][i]` belongs to `teams[t]`'s `i`-th pair; every weight positive.
fn weighted_two_way(teams: &[TeamPairs], weights: &[Vec<f64>]) -> Vec<TeamPairs> {
    let mut slot_of_week: BTreeMap<i64, usize> = BTreeMap::new();
    for team in teams {
        for &week in &team.weeks {
            slot_of_week.insert(week, 0);
        }
    }
    for (slot, value) in slot_of_week.values_mut().enumerate() {
        *value = slot;
    }
    let slots: Vec<Vec<usize>> =
        teams.iter().map(|team| team.weeks.iter().map(|week| slot_of_week[week]).collect()).collect();
    let mut week_weights = vec![0.0; slot_of_week.len()];
    for (team_slots, team_weights) in slots.iter().zip(weights) {
        for (&slot, &weight) in team_slots.iter().zip(team_weights) {
            week_weights[slot] += weight;
        }
    }
    let mut residuals = teams.to_vec();
    let sides: [fn(&mut TeamPairs) -> &mut Vec<f64>; 2] = [|team| &mut team.ex, |team| &mut team.cx];
    for side in sides {
        let scale = residuals
            .iter_mut()
            .flat_map(|team| side(team).iter().map(|value| value.abs()).collect::<Vec<_>>())
            .fold(0.0f64, f64::max);
        let tolerance = 1e-13 * scale.max(1e-300);
        let mut week_sums = vec![0.0; week_weights.len()];
        for _ in 0..10_000 {
            let mut largest_change: f64 = 0.0;
            for (team, team_weights) in residuals.iter_mut().zip(weights) {
                let values = side(team);
                let weight_sum: f64 = team_weights.iter().sum();
                let team_mean = values.iter().zip(team_weights).map(|(v, w)| v * w).sum::<f64>() / weight_sum;
                largest_change = largest_change.max(team_mean.abs());
                values.iter_mut().for_each(|value| *value -= team_mean);
            }
            week_sums.iter_mut().for_each(|sum| *sum = 0.0);
            for ((team, team_slots), team_weights) in residuals.iter_mut().zip(&slots).zip(weights) {
                for ((value, &slot), weight) in side(team).iter().zip(team_slots).zip(team_weights) {
                    week_sums[slot] += value * weight;
                }
            }
            for ((team, team_slots), _) in residuals.iter_mut().zip(&slots).zip(weights) {
                for (value, &slot) in side(team).iter_mut().zip(team_slots) {
                    let week_mean = week_sums[slot] / week_weights[slot];
                    largest_change = largest_change.max(week_mean.abs());
                    *value -= week_mean;
                }
            }
            if largest_change <= tolerance {
                break;
            }
        }
    }
    residuals
}

/// Each CX cell replaced by the customer-weighted mean of its team's cells of the same metric over
/// the [`POOLED_WEEKS`] weeks ending with its own, with their customers summed (module header,
/// "Pooling over four weeks"). One cell out per cell in, same team, week and metric, same order.
pub fn pool_four_weeks(cx: &[CxObservation]) -> Vec<CxObservation> {
    let mut known_by_metric: BTreeMap<&CxMetric, Vec<f64>> = BTreeMap::new();
    let mut cells: HashMap<(&str, &CxMetric), Vec<WeekScoreAndCount>> = HashMap::new();
    for observation in cx {
        if let Some(n) = observation.n_responses {
            known_by_metric.entry(&observation.metric).or_default().push(f64::from(n));
        }
        cells.entry((observation.team.as_str(), &observation.metric)).or_default().push((
            observation.week.index(),
            observation.value,
            observation.n_responses,
        ));
    }
    let median_by_metric: BTreeMap<&CxMetric, f64> =
        known_by_metric.into_iter().filter_map(|(metric, counts)| Some((metric, median(counts)?))).collect();
    cx.iter()
        .map(|observation| {
            let week = observation.week.index();
            let weight_for_unknown = median_by_metric.get(&observation.metric).copied().unwrap_or(1.0);
            let (mut weighted_sum, mut weight_sum, mut customers) = (0.0, 0.0, Some(0u32));
            for (other_week, value, n) in &cells[&(observation.team.as_str(), &observation.metric)] {
                if (week - POOLED_WEEKS + 1..=week).contains(other_week) {
                    let weight = n.map_or(weight_for_unknown, f64::from);
                    weighted_sum += weight * value;
                    weight_sum += weight;
                    customers = customers.zip(*n).map(|(sum, n)| sum.saturating_add(n));
                }
            }
            CxObservation {
                team: observation.team.clone(),
                week: observation.week,
                metric: observation.metric.clone(),
                value: weighted_sum / weight_sum,
                n_responses: customers,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkage::ExObservation;
    use crate::week::IsoWeek;

    fn cx(team: &str, week: i64, metric: CxMetric, value: f64, n: Option<u32>) -> CxObservation {
        CxObservation {
            team: team.to_owned(),
            week: IsoWeek::from_index(week),
            metric,
            value,
            n_responses: n,
        }
    }

    fn ex(team: &str, week: i64, value: f64) -> ExObservation {
        ExObservation {
            team: team.to_owned(),
            week: IsoWeek::from_index(week),
            metric: Metric::Engagement,
            value,
        }
    }

    use crate::linkage::test_noise as noise;

    #[test]
    fn pooling_weights_by_customers_sums_them_and_adds_no_week() {
        let cells = vec![
            cx("a", 100, CxMetric::Csat, 80.0, Some(10)),
            cx("a", 101, CxMetric::Csat, 60.0, Some(30)),
            cx("a", 103, CxMetric::Csat, 90.0, Some(20)),
            cx("a", 104, CxMetric::Csat, 70.0, None),
            cx("b", 104, CxMetric::Csat, 10.0, Some(5)),
            cx("a", 104, CxMetric::Nps, 40.0, Some(12)),
        ];
        let pooled = pool_four_weeks(&cells);
        assert_eq!(pooled.len(), cells.len());
        let weeks: Vec<(&str, i64)> = pooled.iter().map(|o| (o.team.as_str(), o.week.index())).collect();
        assert_eq!(weeks, [("a", 100), ("a", 101), ("a", 103), ("a", 104), ("b", 104), ("a", 104)]);
        assert_eq!(pooled[0].value, 80.0);
        assert_eq!(pooled[1].value, (80.0 * 10.0 + 60.0 * 30.0) / 40.0);
        assert_eq!(pooled[1].n_responses, Some(40));
        assert_eq!(pooled[2].value, (800.0 + 1800.0 + 90.0 * 20.0) / 60.0);
        assert_eq!(pooled[2].n_responses, Some(60));
        // Week 104 pools 101–104 (100 is five weeks back); the unknown count takes the CSAT
        // median (10, 30, 20, 5 → 15) and leaves the pooled count unknown.
        assert_eq!(pooled[3].value, (60.0 * 30.0 + 90.0 * 20.0 + 70.0 * 15.0) / 65.0);
        assert_eq!(pooled[3].n_responses, None);
        // Other teams and metrics are not mixed in.
        assert_eq!((pooled[4].value, pooled[4].n_responses), (10.0, Some(5)));
        assert_eq!((pooled[5].value, pooled[5].n_responses), (40.0, Some(12)));
    }

    /// Engagement of a team: persistent from week to week (an AR(1) with φ = 0.7 of the noise).
    fn engagement(team: usize, week: i64) -> f64 {
        (0..30).map(|back| 0.7f64.powi(back) * noise(1, team, week - i64::from(back))).sum::<f64>()
    }

    /// Six teams over 60 weeks whose CSAT cells have 12 customers each, following engagement.
    fn small_cells() -> (Vec<ExObservation>, Vec<CxObservation>) {
        let (mut ex_cells, mut cx_cells) = (Vec::new(), Vec::new());
        for team in 0..6 {
            let name = format!("t{team}");
            for week in 0..60i64 {
                ex_cells.push(ex(&name, 3000 + week, 60.0 + 10.0 * engagement(team, week)));
                let value = 75.0 + 5.0 * engagement(team, week) + 3.0 * noise(2, team, week);
                cx_cells.push(cx(&name, 3000 + week, CxMetric::Csat, value, Some(12)));
            }
        }
        (ex_cells, cx_cells)
    }

    #[test]
    fn pooled_cells_with_few_customers_reach_the_minimum_and_cost_effective_size() {
        let (ex_cells, cx_cells) = small_cells();
        let weekly = LinkageSeries::new(&ex_cells, &cx_cells).unwrap().grid();
        assert_eq!(weekly.cx_cells_too_few_responses, 360);
        assert!(weekly.cells.is_empty(), "every CX cell is below the minimum");
        let pooled_cx = pool_four_weeks(&cx_cells);
        let pooled = LinkageSeries::new(&ex_cells, &pooled_cx).unwrap().grid();
        // 12, 24 and 36 customers in a team's first three weeks: the first two stay out.
        assert_eq!(pooled.cx_cells_too_few_responses, 6 * 2);
        let cell = pooled.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
        assert!(cell.within_pearson.estimate().is_some(), "{cell:?}");
        // The pooled CX is autocorrelated, as the EX is, so the effective size falls well below the
        // pairs (it would not if EX were independent from week to week: module header).
        let estimate = cell.within_pearson.estimate().unwrap();
        assert!(estimate.n_effective < 0.6 * (cell.within_pearson.n as f64), "{estimate:?}");
    }

    #[test]
    fn reliability_follows_the_sampling_variance_of_each_metric() {
        let mut cells = Vec::new();
        for team in 0..3 {
            for week in 0..6i64 {
                let csat = 70.0 + 10.0 * noise(5, team, week);
                cells.push(cx(&format!("t{team}"), week, CxMetric::Csat, csat, Some(40 + week as u32)));
                cells.push(cx(
                    &format!("t{team}"),
                    week,
                    CxMetric::Nps,
                    20.0 + 30.0 * noise(6, team, week),
                    Some(50),
                ));
                cells.push(cx(
                    &format!("t{team}"),
                    week,
                    CxMetric::Ces,
                    5.0 + noise(7, team, week),
                    Some(50),
                ));
            }
        }
        // A cell below the minimum and one without a count do not count.
        cells.push(cx("t0", 10, CxMetric::Csat, 0.0, Some(3)));
        cells.push(cx("t0", 11, CxMetric::Csat, 0.0, None));
        let reliabilities = cx_reliability(&cells);
        let metrics: Vec<&CxMetric> = reliabilities.iter().map(|r| &r.metric).collect();
        assert_eq!(metrics, [&CxMetric::Nps, &CxMetric::Csat, &CxMetric::Ces]);
        let csat = &reliabilities[1];
        assert_eq!((csat.cells, csat.teams, csat.model), (18, 3, SamplingModel::Proportion));
        let csat_cells: Vec<&CxObservation> = cells
            .iter()
            .filter(|c| c.metric == CxMetric::Csat && c.n_responses.is_some_and(|n| n >= 30))
            .collect();
        let noise_mean = csat_cells
            .iter()
            .map(|c| 100.0 * c.value * (1.0 - c.value / 100.0) / f64::from(c.n_responses.unwrap()))
            .sum::<f64>()
            / 18.0;
        let mut squares = 0.0;
        for team in ["t0", "t1", "t2"] {
            let values: Vec<f64> = csat_cells.iter().filter(|c| c.team == team).map(|c| c.value).collect();
            let team_mean = mean(&values);
            squares += values.iter().map(|v| (v - team_mean).powi(2)).sum::<f64>();
        }
        let within = squares / 15.0;
        assert!((csat.sampling_variance.unwrap() - noise_mean).abs() < 1e-9);
        assert!((csat.within_team_variance.unwrap() - within).abs() < 1e-9);
        let expected = (1.0 - noise_mean / within).clamp(0.0, 1.0);
        assert!((csat.reliability.unwrap() - expected).abs() < 1e-12);
        assert!((csat.attenuation().unwrap() - expected.sqrt()).abs() < 1e-12);
        assert_eq!(reliabilities[0].model, SamplingModel::NpsUpperBound);
        assert!(reliabilities[0].reliability.is_some());
        let ces = &reliabilities[2];
        assert_eq!((ces.model, ces.reliability, ces.sampling_variance), (SamplingModel::Unknown, None, None));
        assert!((sampling_variance(&CxMetric::Nps, 50.0, 100).unwrap() - 75.0).abs() < 1e-12);
        assert!((sampling_variance(&CxMetric::Csat, 80.0, 100).unwrap() - 16.0).abs() < 1e-12);
        assert_eq!(sampling_variance(&CxMetric::Ces, 5.0, 100), None);
    }

    #[test]
    fn equal_weights_give_the_default_figure_and_unequal_ones_favour_the_large_cells() {
        let (ex_cells, mut cx_cells) = small_cells();
        for cell in &mut cx_cells {
            cell.n_responses = Some(50);
        }
        let series = LinkageSeries::new(&ex_cells, &cx_cells).unwrap();
        let grid = series.grid();
        let default =
            grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap().within_pearson.estimate().copied();
        let weighted = series.customer_weighted(&cx_cells, Metric::Engagement, &CxMetric::Csat, 0);
        let (default, equal) = (default.unwrap(), weighted.correlation.estimate().copied().unwrap());
        assert!(
            (default.r - equal.r).abs() < 1e-10 && (default.n_effective - equal.n_effective).abs() < 1e-9
        );
        assert_eq!((weighted.kish_ratio, weighted.cells_without_count), (1.0, 0));
        // Half the weeks scored by 1000 customers follow EX; the other half, scored by 30, run
        // against it. Weighted, the large cells carry the figure.
        for cell in &mut cx_cells {
            let week = cell.week.index();
            let team = cell.team[1..].parse::<usize>().unwrap();
            if week % 2 == 0 {
                cell.n_responses = Some(1000);
            } else {
                cell.n_responses = Some(30);
                cell.value = 75.0 - 8.0 * engagement(team, week - 3000);
            }
        }
        cx_cells[0].n_responses = None;
        let series = LinkageSeries::new(&ex_cells, &cx_cells).unwrap();
        let unweighted =
            series.grid().cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap().within_pearson.r().unwrap();
        let weighted = series.customer_weighted(&cx_cells, Metric::Engagement, &CxMetric::Csat, 0);
        assert_eq!(weighted.cells_without_count, 1);
        assert_eq!(
            weighted.weight_for_unknown,
            Some(30.0),
            "the median of the paired cells' counts, most of them 30"
        );
        assert!(weighted.kish_ratio < 0.6);
        let r = weighted.correlation.r().unwrap();
        assert!(r > 0.4 && r > unweighted + 0.3, "weighted {r}, unweighted {unweighted}");
    }
}
