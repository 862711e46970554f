//! HR's EX–CX linkage view: reads the released team cells of every EX metric
//! and the stored CX scores over the last closed weeks, runs the core's
//! linkage statistics ([`polso_core::linkage`], the one implementation) and
//! shapes the result for the UI: every EX × CX pair at its strongest lag (by
//! evidence, issue 15), flagged or not, ranked, with the two-way, team-demeaned,
//! first-difference and between-team figures; one pair in detail (lag profile,
//! scatter with its fitted line, the team-permutation p-value, the
//! customer-weighted figure and how teams differ at its lag); the reliability of
//! each CX metric; and the withheld EX weeks per team. On request CX is pooled
//! over four weeks before anything is computed; EX cells never are.
//!
//! Only released cells enter: a withheld or not-asked cell has no mean and is
//! left out, never read as zero. [`shape_linkage`] is pure; nothing here reads
//! a clock.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::RangeInclusive;

use chrono::NaiveDate;
use polso_api::{
    AggregateTable, ApiError, CxPooling, CxSamplingModel, CxSeries, ErrorCode, LagPoint, LinkageCorrelation,
    LinkageCxReliability, LinkageDetail, LinkageFit, LinkagePair, LinkageQuery, LinkageScatterPoint,
    LinkageTeamDifferences, LinkageTeamEstimate, LinkageView, MetricKey, NotEnoughDataReason,
    TeamHeterogeneity, UnitKind, WithheldWeeks,
};
use polso_core::cx::CxMetric;
use polso_core::linkage::teams::MIN_META_ANALYSIS_TEAMS;
use polso_core::linkage::{
    Correlation, CorrelationOutcome, CxObservation, CxReliability, ExObservation, FALSE_DISCOVERY_RATE,
    Heterogeneity, LagPeak, LinkageGrid, LinkageSeries, MAX_LAG_WEEKS, MIN_BETWEEN_TEAM_TEAMS,
    MIN_CX_RESPONSES, MIN_EFFECTIVE_N, MIN_WITHIN_TEAM_PAIRS, NotEnoughData, PairSummary, SamplingModel,
    TeamDifferences, between_team_power, cx_reliability, pool_four_weeks,
};
use polso_core::{IsoWeek, Metric};

use crate::hr::{HrCredentials, HrTransport, check_span, last_closed_week, read_aggregates, read_cx_series};

/// The shortest and the longest span looked at, in weeks.
pub const LINKAGE_WEEKS: RangeInclusive<u32> = 12..=156;

/// The span looked at when the query names none: two years.
pub const DEFAULT_LINKAGE_WEEKS: u32 = 104;

/// Reads the last `query.weeks` closed weeks of released team cells (one
/// request per EX metric) and CX scores (one request), and shapes the
/// linkage view. Touches no store.
pub fn read_linkage(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    query: &LinkageQuery,
    today: NaiveDate,
) -> Result<LinkageView, ApiError> {
    let weeks = query.weeks.unwrap_or(DEFAULT_LINKAGE_WEEKS);
    check_span("weeks", "linkage spans", &LINKAGE_WEEKS, weeks)?;
    check_lag(query.lag)?;
    let to = last_closed_week(today);
    let from = to.plus_weeks(1 - i64::from(weeks));
    let mut tables = Vec::with_capacity(MetricKey::ALL.len());
    for metric in MetricKey::ALL {
        let read = read_aggregates(transport, credentials, UnitKind::Team, metric, from..=to);
        if let Some(table) = crate::hr::known_metric(read)? {
            tables.push((metric, table));
        }
    }
    let cx = read_cx_series(transport, credentials, from..=to)?;
    shape_linkage(from..=to, &tables, &cx, query)
}

fn check_lag(lag: Option<u32>) -> Result<(), ApiError> {
    match lag {
        Some(lag) if lag > MAX_LAG_WEEKS => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("field 'lag': a lag is 0 to {MAX_LAG_WEEKS} weeks, not {lag}"),
        )),
        _ => Ok(()),
    }
}

/// Shapes team-level EX tables and CX scores into the linkage view. Pure.
pub fn shape_linkage(
    weeks: RangeInclusive<IsoWeek>,
    tables: &[(MetricKey, AggregateTable)],
    cx: &CxSeries,
    query: &LinkageQuery,
) -> Result<LinkageView, ApiError> {
    check_lag(query.lag)?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut ex = Vec::new();
    // Team id → (withheld, asked) team-weeks of EX metrics.
    let mut withheld: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for (metric, table) in tables {
        let core_metric = Metric::from(*metric);
        for cell in &table.cells {
            if cell.unit_kind != UnitKind::Team || !cell.asked {
                continue;
            }
            let Ok(week) = cell.week.parse::<IsoWeek>() else { continue };
            if !weeks.contains(&week) {
                continue;
            }
            let counts = withheld.entry(cell.unit_id.clone()).or_default();
            counts.1 += 1;
            if !cell.released {
                counts.0 += 1;
                names.entry(cell.unit_id.clone()).or_insert_with(|| cell.unit_name.clone());
                continue;
            }
            let Some(mean) = cell.mean else { continue };
            names.entry(cell.unit_id.clone()).or_insert_with(|| cell.unit_name.clone());
            ex.push(ExObservation { team: cell.unit_id.clone(), week, metric: core_metric, value: mean });
        }
    }
    let mut cx_observations = Vec::new();
    for row in &cx.rows {
        let (Some(metric), Ok(week)) = (CxMetric::from_label(&row.metric), row.week.parse::<IsoWeek>())
        else {
            continue;
        };
        if !weeks.contains(&week) || !row.value.is_finite() {
            continue;
        }
        names.entry(row.team_id.clone()).or_insert_with(|| row.team_name.clone());
        cx_observations.push(CxObservation {
            team: row.team_id.clone(),
            week,
            metric,
            value: row.value,
            n_responses: row.n,
        });
    }
    // Pooling touches the CX observations only, after the EX cells are chosen (issue 15: the
    // option must never change which EX cells are used).
    let cx_pooling = query.cx_pooling.unwrap_or_default();
    if cx_pooling == CxPooling::FourWeeks {
        cx_observations = pool_four_weeks(&cx_observations);
    }
    let ex_teams: BTreeSet<&str> = ex.iter().map(|observation| observation.team.as_str()).collect();
    let teams = cx_observations
        .iter()
        .map(|observation| observation.team.as_str())
        .filter(|team| ex_teams.contains(team))
        .collect::<BTreeSet<_>>()
        .len();
    let ex_metrics: Vec<MetricKey> = MetricKey::ALL
        .into_iter()
        .filter(|metric| ex.iter().any(|observation| observation.metric.key() == metric.key()))
        .collect();
    let cx_metrics: Vec<String> = cx_observations
        .iter()
        .map(|observation| observation.metric.key().to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    let series = LinkageSeries::new(&ex, &cx_observations).map_err(|error| {
        ApiError::new(ErrorCode::Internal, format!("the linkage data are not usable: {error}"))
    })?;
    let grid = series.grid();
    let ranked = grid.ranked_pairs();
    let pairs: Vec<LinkagePair> = grid
        .pairs()
        .iter()
        .filter_map(|(ex_metric, cx_metric)| {
            let summary = grid.pair_summary(*ex_metric, cx_metric)?;
            let rank = ranked
                .iter()
                .position(|other| {
                    other.ex_metric == summary.ex_metric && other.cx_metric == summary.cx_metric
                })
                .filter(|_| summary.estimate().is_some())
                .map(|position| count(position + 1));
            pair_to_wire(&summary, rank)
        })
        .collect();

    let chosen = match (&query.ex_metric, &query.cx_metric) {
        (Some(ex_metric), Some(cx_metric)) => {
            let found =
                pairs.iter().find(|pair| pair.ex_metric == *ex_metric && pair.cx_metric == *cx_metric);
            Some(found.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("no linkage data for {} and {cx_metric}", ex_metric.key()),
                )
            })?)
        }
        _ => first_ranked(&pairs),
    };
    let detail = chosen.map(|pair| {
        let lag = query.lag.or(pair.lag).unwrap_or(0);
        detail_of(&grid, &series, &cx_observations, pair, lag, &names)
    });

    Ok(LinkageView {
        from: weeks.start().to_string(),
        to: weeks.end().to_string(),
        teams: count(teams),
        ex_metrics,
        cx_metrics,
        pairs,
        detail,
        min_pairs: count(MIN_WITHIN_TEAM_PAIRS),
        min_teams: count(MIN_BETWEEN_TEAM_TEAMS),
        min_effective_n: MIN_EFFECTIVE_N,
        false_discovery_rate: FALSE_DISCOVERY_RATE,
        teams_needed_for_power: count(between_team_power(0).teams_needed),
        min_cx_responses: MIN_CX_RESPONSES,
        cx_cells_too_few_customers: count(grid.cx_cells_too_few_responses),
        cx_pooling,
        cx_reliability: cx_reliability(&cx_observations).iter().map(reliability_to_wire).collect(),
        ex_from: grid.ex_weeks.as_ref().map(|window| window.start().to_string()),
        ex_to: grid.ex_weeks.as_ref().map(|window| window.end().to_string()),
        withheld: withheld
            .into_iter()
            .filter(|(_, (withheld, _))| *withheld > 0)
            .map(|(team, (withheld, asked))| WithheldWeeks {
                team: names.get(&team).cloned().unwrap_or(team),
                withheld,
                asked,
            })
            .collect(),
    })
}

/// The pair ranked first by evidence (issue 15: never by the largest |r|); the first pair when none
/// has an estimate.
fn first_ranked(pairs: &[LinkagePair]) -> Option<&LinkagePair> {
    pairs.iter().find(|pair| pair.rank == Some(1)).or_else(|| pairs.first())
}

fn pair_to_wire(summary: &PairSummary<'_>, rank: Option<u32>) -> Option<LinkagePair> {
    let cell = summary.cell;
    Some(LinkagePair {
        ex_metric: MetricKey::from(summary.ex_metric),
        cx_metric: summary.cx_metric.key().to_owned(),
        lag: summary.peak.map(|_| cell.lag_weeks),
        within: correlation_to_wire(&cell.within_pearson),
        team_demeaned: correlation_to_wire(&cell.team_demeaned_pearson),
        first_difference: correlation_to_wire(&cell.first_difference_pearson),
        between: correlation_to_wire(&cell.between_pearson),
        between_power: cell
            .between_pearson
            .estimate()
            .map(|_| between_team_power(cell.between_pearson.n).power),
        flagged: summary.is_finding(),
        edge_peak: summary.peak == Some(LagPeak::Edge),
        rank,
    })
}

fn detail_of(
    grid: &LinkageGrid,
    series: &LinkageSeries,
    cx_observations: &[CxObservation],
    pair: &LinkagePair,
    lag: u32,
    names: &HashMap<String, String>,
) -> LinkageDetail {
    let ex_metric = Metric::from(pair.ex_metric);
    let cx_metric = CxMetric::from_label(&pair.cx_metric).unwrap_or(CxMetric::Custom(pair.cx_metric.clone()));
    let profile = grid
        .lag_profile(ex_metric, &cx_metric)
        .into_iter()
        .map(|cell| LagPoint {
            lag: cell.lag_weeks,
            within: correlation_to_wire(&cell.within_pearson),
            team_demeaned: correlation_to_wire(&cell.team_demeaned_pearson),
            first_difference: correlation_to_wire(&cell.first_difference_pearson),
        })
        .collect();
    let scatter = series.scatter(ex_metric, &cx_metric, lag);
    let permutation_test = series.team_permutation_test(ex_metric, &cx_metric, lag).ok();
    let weighted = series.customer_weighted(cx_observations, ex_metric, &cx_metric, lag);
    let mut weighted_wire = correlation_to_wire(&weighted.correlation);
    // A figure of the detailed cell only: it took no part in the grid's adjustment.
    weighted_wire.p_adjusted = None;
    let team_differences = series.team_differences(ex_metric, &cx_metric, lag).ok();
    LinkageDetail {
        ex_metric: pair.ex_metric,
        cx_metric: pair.cx_metric.clone(),
        lag,
        profile,
        points: scatter
            .points
            .iter()
            .map(|point| LinkageScatterPoint {
                team: names.get(&point.team).cloned().unwrap_or_else(|| point.team.clone()),
                ex_week: point.ex_week.to_string(),
                ex_deviation: point.ex_deviation,
                cx_deviation: point.cx_deviation,
            })
            .collect(),
        fit: scatter.fit.map(|fit| LinkageFit { slope: fit.slope, intercept: fit.intercept }),
        permutation_p: permutation_test.map(|test| test.p_value),
        permutations: permutation_test.map(|test| count(test.permutations)),
        weighted: weighted_wire,
        weighted_cells_without_count: count(weighted.cells_without_count),
        team_differences: team_differences.map(|differences| team_differences_to_wire(&differences, names)),
        min_team_figures: count(MIN_META_ANALYSIS_TEAMS),
    }
}

/// How teams differ, on the wire, teams by name.
fn team_differences_to_wire(
    differences: &TeamDifferences,
    names: &HashMap<String, String>,
) -> LinkageTeamDifferences {
    LinkageTeamDifferences {
        teams: differences
            .teams
            .iter()
            .map(|team| LinkageTeamEstimate {
                team: names.get(&team.team).cloned().unwrap_or_else(|| team.team.clone()),
                n: count(team.n),
                n_effective: team.n_effective,
                r: team.r,
                ci_low: team.ci_low,
                ci_high: team.ci_high,
                r_shrunk: team.r_shrunk,
                shrinkage_weight: team.shrinkage_weight,
            })
            .collect(),
        teams_left_out: count(differences.teams_left_out),
        q: differences.q,
        degrees_of_freedom: count(differences.degrees_of_freedom),
        q_p_value: differences.q_p_value,
        tau_squared: differences.tau_squared,
        tau: differences.tau(),
        i_squared: differences.i_squared,
        heterogeneity: match differences.heterogeneity() {
            Heterogeneity::Little => TeamHeterogeneity::Little,
            Heterogeneity::Some => TeamHeterogeneity::Some,
            Heterogeneity::ALot => TeamHeterogeneity::ALot,
        },
        pooled_r: differences.pooled_r,
        pooled_ci_low: differences.pooled_ci_low,
        pooled_ci_high: differences.pooled_ci_high,
        typical_low: differences.typical_low,
        typical_high: differences.typical_high,
    }
}

/// One CX metric's reliability on the wire.
fn reliability_to_wire(reliability: &CxReliability) -> LinkageCxReliability {
    LinkageCxReliability {
        cx_metric: reliability.metric.key().to_owned(),
        model: match reliability.model {
            SamplingModel::Proportion => CxSamplingModel::Proportion,
            SamplingModel::NpsUpperBound => CxSamplingModel::NpsUpperBound,
            SamplingModel::Unknown => CxSamplingModel::Unknown,
        },
        cells: count(reliability.cells),
        reliability: reliability.reliability,
        attenuation: reliability.attenuation(),
    }
}

/// One core correlation on the wire.
pub fn correlation_to_wire(correlation: &Correlation) -> LinkageCorrelation {
    let mut wire = LinkageCorrelation {
        n: count(correlation.n),
        n_teams: count(correlation.n_teams),
        r: None,
        ci_low: None,
        ci_high: None,
        n_effective: None,
        p_value: None,
        p_adjusted: None,
        fcr_low: None,
        fcr_high: None,
        not_enough_data: None,
        minimum: None,
    };
    match &correlation.outcome {
        CorrelationOutcome::Estimated(estimate) => {
            wire.r = Some(estimate.r);
            wire.ci_low = Some(estimate.ci_low);
            wire.ci_high = Some(estimate.ci_high);
            wire.n_effective = Some(estimate.n_effective);
            wire.p_value = Some(estimate.p_value);
            wire.p_adjusted = Some(estimate.p_adjusted);
            wire.fcr_low = estimate.fcr_interval.map(|(low, _)| low);
            wire.fcr_high = estimate.fcr_interval.map(|(_, high)| high);
        }
        CorrelationOutcome::NotEnoughData(reason) => {
            let (reason, minimum) = match reason {
                NotEnoughData::TooFewPairs { minimum, .. } => {
                    (NotEnoughDataReason::TooFewPairs, Some(*minimum))
                }
                NotEnoughData::TooFewTeams { minimum, .. } => {
                    (NotEnoughDataReason::TooFewTeams, Some(*minimum))
                }
                NotEnoughData::NoVariation => (NotEnoughDataReason::NoVariation, None),
                NotEnoughData::SmallEffectiveSize { n_effective, minimum } => {
                    wire.n_effective = Some(*n_effective);
                    (NotEnoughDataReason::SmallEffectiveSize, Some(*minimum as usize))
                }
            };
            wire.not_enough_data = Some(reason);
            wire.minimum = minimum.map(count);
        }
    }
    wire
}

fn count(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[path = "linkage_view_tests.rs"]
mod tests;
