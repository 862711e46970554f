//! Tests of the linkage view against a fake server whose CSAT follows each
//! team's engagement three weeks later, and of the CX import's answers.

use std::sync::Mutex;

use chrono::NaiveDate;
use polso_api::{
    AggregateCell, AggregateTable, CxPooling, CxRowDto, CxSamplingModel, CxSeries, LinkageQuery, MetricKey,
    TeamHeterogeneity, UnitKind, WithheldWeeks,
};
use polso_core::IsoWeek;

use super::*;
use crate::hr::{HrCredentials, HrTransport};
use crate::sync::{HttpAnswer, TransportFailure};

const TEAMS: [&str; 6] = ["Help desk", "Phone support", "Inside sales", "Logistics", "Billing", "Returns"];

/// A Thursday of 2026-W48: last week is 2026-W47.
fn thursday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

/// A deterministic number in [−1, 1) for a team and week, from the core's SplitMix64.
fn noise(seed: u64, team: usize, week: i64) -> f64 {
    let mixed = seed
        .wrapping_add((team as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add((week as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    polso_core::splitmix::SplitMix64::new(mixed).uniform() * 2.0 - 1.0
}

fn engagement(team: usize, week: i64) -> f64 {
    55.0 + 3.0 * team as f64 + 12.0 * noise(1, team, week)
}

/// CSAT three weeks after engagement, plus a little noise of its own.
fn csat(team: usize, week: i64) -> f64 {
    70.0 + 0.9 * (engagement(team, week - 3) - 55.0) + 2.0 * noise(2, team, week)
}

fn cell(team: usize, week: IsoWeek, key: &str, mean: Option<f64>, released: bool) -> AggregateCell {
    AggregateCell {
        unit_kind: UnitKind::Team,
        unit_id: format!("t{team}"),
        unit_name: TEAMS.get(team).copied().unwrap_or("Tiny").to_owned(),
        week: week.to_string(),
        key: key.to_owned(),
        asked: true,
        released,
        n: mean.map(|_| 8),
        mean,
        sd: mean.map(|_| 10.0),
        histogram: None,
        enps: None,
        burnout_share: None,
        item_id: None,
        standardised_mean: None,
    }
}

/// Engagement and wellbeing (unrelated noise) released for six teams every
/// week; a seventh team, "Tiny", is withheld (with a bogus mean that must not
/// be read). CSAT for the six teams follows engagement three weeks later.
fn planted_cells(key: &str, weeks: RangeInclusive<IsoWeek>) -> Vec<AggregateCell> {
    let mut cells = Vec::new();
    for index in weeks.start().index()..=weeks.end().index() {
        let week = IsoWeek::from_index(index);
        for team in 0..TEAMS.len() {
            match key {
                "engagement" => cells.push(cell(team, week, key, Some(engagement(team, index)), true)),
                "wellbeing" => {
                    cells.push(cell(team, week, key, Some(60.0 + 10.0 * noise(3, team, index)), true))
                }
                _ => {}
            }
        }
        if key == "engagement" {
            cells.push(cell(TEAMS.len(), week, key, Some(0.0), false));
        }
    }
    cells
}

fn planted_cx(weeks: RangeInclusive<IsoWeek>) -> CxSeries {
    let mut rows = Vec::new();
    for index in weeks.start().index()..=weeks.end().index() {
        for (team, name) in TEAMS.iter().enumerate() {
            rows.push(CxRowDto {
                team_id: format!("t{team}"),
                team_name: (*name).to_owned(),
                week: IsoWeek::from_index(index).to_string(),
                metric: "csat".to_owned(),
                value: csat(team, index),
                n: Some(40),
            });
        }
    }
    CxSeries { rows }
}

/// A fake server: aggregates and CX series from the planted data; POST answers `post`.
struct Fake {
    post: HttpAnswer,
    requests: Mutex<Vec<(String, String)>>,
}

impl Fake {
    fn new(post: HttpAnswer) -> Fake {
        Fake { post, requests: Mutex::new(Vec::new()) }
    }
}

fn query_part(url: &str, name: &str) -> Option<String> {
    url.split(['?', '&']).find_map(|part| part.strip_prefix(&format!("{name}="))).map(str::to_owned)
}

impl HrTransport for Fake {
    fn get_json(&self, url: &str, _bearer_token: &str) -> Result<HttpAnswer, TransportFailure> {
        self.requests.lock().unwrap().push((url.to_owned(), String::new()));
        let from: IsoWeek = query_part(url, "from").unwrap().parse().unwrap();
        let to: IsoWeek = query_part(url, "to").unwrap().parse().unwrap();
        let body = if url.contains("/v1/cx?") {
            serde_json::to_string(&planted_cx(from..=to)).unwrap()
        } else {
            let key = query_part(url, "key").unwrap();
            serde_json::to_string(&AggregateTable {
                k: 5,
                published_through: None,
                next_publication: None,
                cells: planted_cells(&key, from..=to),
            })
            .unwrap()
        };
        Ok(HttpAnswer { status: 200, body })
    }

    fn post_csv(&self, url: &str, _bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        self.requests.lock().unwrap().push((url.to_owned(), body.to_owned()));
        Ok(self.post.clone())
    }
}

fn credentials() -> HrCredentials {
    HrCredentials::for_tests("http://polso.test", "ph_token")
}

fn ok() -> HttpAnswer {
    HttpAnswer { status: 200, body: String::new() }
}

#[test]
fn the_planted_lag_three_relation_is_found_and_detailed() {
    let fake = Fake::new(ok());
    let query =
        LinkageQuery { weeks: Some(40), ex_metric: None, cx_metric: None, lag: None, cx_pooling: None };
    let view = read_linkage(&fake, &credentials(), &query, thursday()).unwrap();

    assert_eq!((view.from.as_str(), view.to.as_str()), ("2026-W08", "2026-W47"));
    assert_eq!(view.teams, 6, "the withheld team has no released cell");
    assert_eq!(view.ex_metrics, vec![MetricKey::Wellbeing, MetricKey::Engagement]);
    assert_eq!(view.cx_metrics, vec!["csat".to_owned()]);
    assert_eq!(view.pairs.len(), 2);
    let pair = view.pairs.iter().find(|pair| pair.ex_metric == MetricKey::Engagement).unwrap();
    assert_eq!(pair.lag, Some(3));
    let r = pair.within.r.unwrap();
    assert!(r > 0.8, "r = {r}");
    assert!(pair.within.ci_low.unwrap() > 0.5 && pair.within.ci_high.unwrap() <= 1.0);
    assert!(pair.within.p_adjusted.unwrap() < 0.001);
    assert!(pair.within.n_effective.unwrap() <= f64::from(pair.within.n));
    assert_eq!(pair.within.n_teams, 6);
    // Issue 15: picked and flagged by evidence, with the other figures beside the default one.
    assert!(pair.flagged && !pair.edge_peak, "{pair:?}");
    assert_eq!(pair.rank, Some(1));
    assert!(pair.within.fcr_low.unwrap() < pair.within.ci_low.unwrap());
    assert!(pair.team_demeaned.r.unwrap() > 0.8 && pair.first_difference.r.unwrap() > 0.5, "{pair:?}");
    assert_eq!(pair.between.not_enough_data, None);
    assert!(pair.between_power.unwrap() < 0.2, "six teams have little power: {pair:?}");
    let wellbeing = view.pairs.iter().find(|pair| pair.ex_metric == MetricKey::Wellbeing).unwrap();
    assert!(!wellbeing.flagged && wellbeing.rank == Some(2), "{wellbeing:?}");
    assert_eq!(view.teams_needed_for_power, 70);
    assert_eq!(view.min_effective_n, 20.0);
    assert_eq!((view.ex_from.as_deref(), view.ex_to.as_deref()), (Some("2026-W08"), Some("2026-W39")));
    // The withheld team: every engagement week asked and withheld.
    assert_eq!(view.withheld, vec![WithheldWeeks { team: "Tiny".to_owned(), withheld: 40, asked: 40 }]);

    let detail = view.detail.expect("the strongest pair is detailed");
    assert_eq!((detail.ex_metric, detail.cx_metric.as_str(), detail.lag), (MetricKey::Engagement, "csat", 3));
    assert_eq!(detail.profile.iter().map(|point| point.lag).collect::<Vec<_>>(), (0..=8).collect::<Vec<_>>());
    let at_zero = detail.profile[0].within.r.unwrap().abs();
    assert!(at_zero < 0.5, "no relation at lag 0: {at_zero}");
    // The common window: 40 weeks less the longest lag.
    assert_eq!(detail.points.len(), 6 * (40 - 8));
    assert!(detail.profile.iter().all(|point| point.team_demeaned.n == point.within.n));
    // The team-permutation test over the 6 teams: 5 cyclic pairings of one
    // team's EX with another's CX, none as strong as the planted link.
    assert_eq!(detail.permutations, Some(5));
    assert_eq!(detail.permutation_p, Some(1.0 / 6.0));
    assert!(detail.points.iter().all(|point| point.team != "Tiny"));
    assert!(detail.points.iter().any(|point| point.team == "Help desk"));
    assert!(detail.fit.unwrap().slope > 0.5);

    let requests = fake.requests.lock().unwrap();
    assert_eq!(requests.len(), MetricKey::ALL.len() + 1);
    assert!(requests.iter().all(|(url, _)| url.contains("from=2026-W08&to=2026-W47")));
    assert!(requests.iter().any(|(url, _)| url.starts_with("http://polso.test/v1/cx?")));
}

#[test]
fn a_chosen_pair_and_lag_are_detailed() {
    let fake = Fake::new(ok());
    let query = LinkageQuery {
        weeks: Some(40),
        ex_metric: Some(MetricKey::Wellbeing),
        cx_metric: Some("csat".to_owned()),
        lag: Some(5),
        cx_pooling: None,
    };
    let view = read_linkage(&fake, &credentials(), &query, thursday()).unwrap();
    let detail = view.detail.unwrap();
    assert_eq!((detail.ex_metric, detail.lag), (MetricKey::Wellbeing, 5));
    assert_eq!(detail.points.len(), 6 * (40 - 8));

    let unknown = LinkageQuery { cx_metric: Some("nps".to_owned()), ..query.clone() };
    let error = read_linkage(&fake, &credentials(), &unknown, thursday()).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    for bad in [LinkageQuery { lag: Some(9), ..query.clone() }, LinkageQuery { weeks: Some(4), ..query }] {
        let error = read_linkage(&fake, &credentials(), &bad, thursday()).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput, "{bad:?}");
    }
}

#[test]
fn too_few_weeks_are_not_enough_data_with_the_reason() {
    let weeks =
        IsoWeek::from_index(IsoWeek::containing(thursday()).index() - 3)..=last_closed_week(thursday());
    let tables = vec![(
        MetricKey::Engagement,
        AggregateTable {
            k: 5,
            published_through: None,
            next_publication: None,
            cells: planted_cells("engagement", weeks.clone()).into_iter().take(7).collect(),
        },
    )];
    let cx = CxSeries { rows: planted_cx(weeks.clone()).rows.into_iter().take(6).collect() };
    let query = LinkageQuery { weeks: None, ex_metric: None, cx_metric: None, lag: None, cx_pooling: None };
    let view = shape_linkage(weeks, &tables, &cx, &query).unwrap();
    let pair = &view.pairs[0];
    assert_eq!(pair.lag, None);
    assert_eq!(pair.within.r, None);
    assert_eq!(pair.within.not_enough_data, Some(NotEnoughDataReason::TooFewPairs));
    assert_eq!(pair.within.minimum, Some(view.min_pairs));
    assert_eq!(pair.between.not_enough_data, Some(NotEnoughDataReason::TooFewTeams));
    assert_eq!(view.detail.unwrap().lag, 0);
}

#[test]
fn a_small_effective_size_says_so_with_its_minimum() {
    let correlation = Correlation {
        n: 10,
        n_teams: 2,
        outcome: CorrelationOutcome::NotEnoughData(NotEnoughData::SmallEffectiveSize {
            n_effective: 6.0,
            minimum: MIN_EFFECTIVE_N,
        }),
    };
    let wire = correlation_to_wire(&correlation);
    assert_eq!(wire.not_enough_data, Some(NotEnoughDataReason::SmallEffectiveSize));
    assert_eq!((wire.minimum, wire.n_effective, wire.r), (Some(20), Some(6.0), None));
}

/// The planted tables and CX over `weeks`, every CX cell from `customers` customers.
fn planted_inputs(
    weeks: RangeInclusive<IsoWeek>,
    customers: Option<u32>,
) -> (Vec<(MetricKey, AggregateTable)>, CxSeries) {
    let tables = [MetricKey::Engagement, MetricKey::Wellbeing]
        .into_iter()
        .map(|metric| {
            let table = AggregateTable {
                k: 5,
                published_through: None,
                next_publication: None,
                cells: planted_cells(metric.key(), weeks.clone()),
            };
            (metric, table)
        })
        .collect();
    let mut cx = planted_cx(weeks);
    for row in &mut cx.rows {
        row.n = customers;
    }
    (tables, cx)
}

#[test]
fn the_detail_says_how_teams_differ_and_what_customer_counts_change() {
    let weeks = IsoWeek::from_index(last_closed_week(thursday()).index() - 39)..=last_closed_week(thursday());
    let (tables, cx) = planted_inputs(weeks.clone(), Some(40));
    let query =
        LinkageQuery { weeks: Some(40), ex_metric: None, cx_metric: None, lag: None, cx_pooling: None };
    let view = shape_linkage(weeks.clone(), &tables, &cx, &query).unwrap();
    assert_eq!(view.cx_pooling, CxPooling::Weekly);
    let detail = view.detail.unwrap();
    let pair = view.pairs.iter().find(|pair| pair.ex_metric == MetricKey::Engagement).unwrap();
    // Every cell has 40 customers: equal weights give the default figure, no p_adjusted.
    let (weighted, default) = (detail.weighted.r.unwrap(), pair.within.r.unwrap());
    assert!((weighted - default).abs() < 1e-9, "{weighted} vs {default}");
    assert_eq!(detail.weighted.p_adjusted, None);
    assert_eq!(detail.weighted_cells_without_count, 0);
    // Every team follows the same planted link: six teams' own figures, by name, close together.
    let differences = detail.team_differences.expect("six teams with 32 weeks each");
    assert_eq!(detail.min_team_figures, 4);
    assert_eq!(differences.teams.len(), 6);
    assert_eq!(differences.teams_left_out, 0);
    assert_eq!(differences.degrees_of_freedom, 5);
    assert!(differences.teams.iter().any(|team| team.team == "Help desk"));
    assert!(differences.teams.iter().all(|team| team.n == 32 && team.r > 0.6), "{differences:?}");
    assert!(differences.pooled_r > 0.8 && differences.pooled_ci_low < differences.pooled_r);
    assert!((differences.tau - differences.tau_squared.sqrt()).abs() < 1e-15);
    let expected_words = if differences.i_squared < 0.25 {
        TeamHeterogeneity::Little
    } else if differences.i_squared < 0.75 {
        TeamHeterogeneity::Some
    } else {
        TeamHeterogeneity::ALot
    };
    assert_eq!(differences.heterogeneity, expected_words);
    // CSAT is a share: its reliability is known, between 0 and 1, with its attenuation.
    assert_eq!(view.cx_reliability.len(), 1);
    let reliability = &view.cx_reliability[0];
    assert_eq!((reliability.cx_metric.as_str(), reliability.model), ("csat", CxSamplingModel::Proportion));
    assert_eq!(reliability.cells, 6 * 40);
    let value = reliability.reliability.unwrap();
    assert!((0.0..=1.0).contains(&value));
    assert!((reliability.attenuation.unwrap() - value.sqrt()).abs() < 1e-15);

    // Cells without a count: the weighted figure says how many, reliability has nothing to rest on.
    let (tables, unknown) = planted_inputs(weeks.clone(), None);
    let view = shape_linkage(weeks, &tables, &unknown, &query).unwrap();
    let detail = view.detail.unwrap();
    assert_eq!(detail.weighted_cells_without_count, 6 * 32);
    assert_eq!(view.cx_reliability[0].reliability, None);
}

#[test]
fn pooling_over_four_weeks_lifts_cells_with_few_customers_and_leaves_ex_alone() {
    let weeks = IsoWeek::from_index(last_closed_week(thursday()).index() - 39)..=last_closed_week(thursday());
    // Twelve customers a week: below the minimum of 30 every week, 36 to 48 over four.
    let (tables, cx) = planted_inputs(weeks.clone(), Some(12));
    let weekly_query =
        LinkageQuery { weeks: Some(40), ex_metric: None, cx_metric: None, lag: None, cx_pooling: None };
    let weekly = shape_linkage(weeks.clone(), &tables, &cx, &weekly_query).unwrap();
    assert_eq!(weekly.cx_cells_too_few_customers, 6 * 40);
    assert!(weekly.pairs.is_empty() && weekly.detail.is_none());

    let pooled_query = LinkageQuery { cx_pooling: Some(CxPooling::FourWeeks), ..weekly_query };
    let pooled = shape_linkage(weeks, &tables, &cx, &pooled_query).unwrap();
    assert_eq!(pooled.cx_pooling, CxPooling::FourWeeks);
    // A team's first two weeks pool 12 and 24 customers; from the third on, 36 or more.
    assert_eq!(pooled.cx_cells_too_few_customers, 6 * 2);
    let pair = pooled.pairs.iter().find(|pair| pair.ex_metric == MetricKey::Engagement).unwrap();
    assert!(pair.within.r.is_some(), "{pair:?}");
    assert_eq!(pooled.cx_reliability[0].cells, 6 * 38);
    // The EX side is what it was: the same metrics, teams and withheld weeks.
    assert_eq!(pooled.ex_metrics, weekly.ex_metrics);
    assert_eq!(pooled.withheld, weekly.withheld);
    // The window starts with the first EX week, as always.
    assert_eq!(pooled.ex_from, Some(pooled.from.clone()));
    let detail = pooled.detail.unwrap();
    assert!(detail.points.iter().all(|point| point.team != "Tiny"));
}
