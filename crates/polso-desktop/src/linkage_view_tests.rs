//! Tests of the linkage view against a fake server whose CSAT follows each
//! team's engagement three weeks later, and of the CX import's answers.

use std::sync::Mutex;

use chrono::NaiveDate;
use polso_api::{
    AggregateCell, AggregateTable, CxRowDto, CxSeries, LinkageQuery, MetricKey, UnitKind, WithheldWeeks,
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

/// A deterministic number in [−1, 1] for a team and week (splitmix64).
fn noise(seed: u64, team: usize, week: i64) -> f64 {
    let mut z = seed
        .wrapping_add((team as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add((week as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % 2_000_001) as f64 / 1_000_000.0 - 1.0
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
    let query = LinkageQuery { weeks: Some(40), ex_metric: None, cx_metric: None, lag: None };
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
    let query = LinkageQuery { weeks: None, ex_metric: None, cx_metric: None, lag: None };
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
