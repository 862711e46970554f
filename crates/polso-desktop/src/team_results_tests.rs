//! Tests of the employee's month: the figures from hand-made published cells, worked out here by
//! hand, and the read against a scripted server.

use std::sync::Mutex;

use polso_api::{EnpsFigures, NextPublication};

use super::*;
use crate::sync::{HttpAnswer, TransportFailure};

const WEEKS: [&str; 4] = ["2026-W44", "2026-W45", "2026-W46", "2026-W47"];

fn unit(id: &str, headcount: Option<u32>) -> ResultsUnit {
    ResultsUnit { id: id.to_owned(), name: format!("{id} name"), headcount }
}

/// A cell of `unit` for `key` in `week`: released with `mean` and `n` when both are given.
fn cell(kind: UnitKind, unit: &str, key: &str, week: &str, released: Option<(f64, u32)>) -> AggregateCell {
    AggregateCell {
        unit_kind: kind,
        unit_id: unit.to_owned(),
        unit_name: format!("{unit} name"),
        week: week.to_owned(),
        key: key.to_owned(),
        asked: true,
        released: released.is_some(),
        n: released.map(|(_, n)| n),
        mean: released.map(|(mean, _)| mean),
        sd: None,
        histogram: None,
        enps: None,
        burnout_share: None,
        item_id: None,
        standardised_mean: None,
    }
}

fn not_asked(mut cell: AggregateCell) -> AggregateCell {
    cell.asked = false;
    cell
}

fn results(cells: Vec<AggregateCell>) -> TeamResults {
    TeamResults {
        k: 5,
        weeks: WEEKS.iter().map(|week| (*week).to_owned()).collect(),
        published_through: Some(WEEKS[3].to_owned()),
        next_publication: NextPublication {
            week: "2026-W48".to_owned(),
            at: "2026-12-05T12:00:00Z".to_owned(),
        },
        team: unit("t1", Some(20)),
        department: unit("d1", Some(60)),
        organisation: unit("o1", None),
        cells,
        actions: Vec::new(),
    }
}

fn metric(month: &MyTeamMonth, key: MetricKey) -> &MonthMetric {
    month.metrics.iter().find(|metric| metric.metric == key).unwrap()
}

#[test]
fn a_metric_of_the_month_is_the_answer_weighted_mean_of_its_released_weeks() {
    use UnitKind::{Department, Organisation, Team};
    let cells = vec![
        cell(Team, "t1", "wellbeing", WEEKS[0], Some((60.0, 5))),
        cell(Team, "t1", "wellbeing", WEEKS[1], Some((80.0, 10))),
        cell(Team, "t1", "wellbeing", WEEKS[2], None),
        not_asked(cell(Team, "t1", "wellbeing", WEEKS[3], None)),
        cell(Department, "d1", "wellbeing", WEEKS[0], Some((50.0, 30))),
        cell(Organisation, "o1", "wellbeing", WEEKS[0], Some((70.0, 100))),
    ];
    let month = shape_team_month(&results(cells)).unwrap();
    let wellbeing = metric(&month, MetricKey::Wellbeing);
    // (60·5 + 80·10) / 15
    assert!((wellbeing.team.mean.unwrap() - 1100.0 / 15.0).abs() < 1e-12);
    assert_eq!(
        (wellbeing.team.n, wellbeing.team.weeks_asked, wellbeing.team.weeks_released),
        (Some(15), 3, 2)
    );
    assert_eq!(wellbeing.department.mean, Some(50.0));
    assert_eq!(wellbeing.organisation.mean, Some(70.0));
    // A metric with no cells: nothing asked, nothing shown.
    let trust = metric(&month, MetricKey::Trust);
    assert_eq!((trust.team.mean, trust.team.weeks_asked, trust.team.weeks_released), (None, 0, 0));
    assert_eq!(month.metrics.len(), Metric::ALL.len());
    assert_eq!(month.from.as_deref(), Some("2026-W44"));
    assert_eq!(month.from_monday.as_deref(), Some("2026-10-26"));
    assert_eq!(month.to_sunday.as_deref(), Some("2026-11-22"));
}

#[test]
fn a_team_below_k_all_month_has_no_figure_and_says_how_many_weeks_were_asked() {
    let cells = (0..4).map(|week| cell(UnitKind::Team, "t1", "wellbeing", WEEKS[week], None)).collect();
    let month = shape_team_month(&results(cells)).unwrap();
    let wellbeing = metric(&month, MetricKey::Wellbeing);
    assert_eq!((wellbeing.team.mean, wellbeing.team.n), (None, None));
    assert_eq!((wellbeing.team.weeks_asked, wellbeing.team.weeks_released), (4, 0));
    let team = &month.participation[0];
    assert_eq!((team.answered, team.rate), (None, None));
}

#[test]
fn drivers_are_on_their_anchor_level_and_enps_is_promoters_less_detractors() {
    let mut trust = cell(UnitKind::Team, "t1", "trust", WEEKS[1], Some((50.0, 6)));
    trust.standardised_mean = Some(55.0);
    let mut enps = cell(UnitKind::Team, "t1", "enps", WEEKS[1], Some((64.0, 8)));
    enps.enps = Some(EnpsFigures { promoters: 50.0, passives: 25.0, detractors: 25.0, enps: 25.0 });
    let month = shape_team_month(&results(vec![trust, enps])).unwrap();
    assert_eq!(metric(&month, MetricKey::Trust).team.mean, Some(55.0));
    assert_eq!(metric(&month, MetricKey::Enps).team.mean, Some(25.0));
}

#[test]
fn participation_is_the_weekly_most_answered_count_over_the_head_count() {
    use UnitKind::{Organisation, Team};
    let cells = vec![
        cell(Team, "t1", "wellbeing", WEEKS[0], Some((60.0, 10))),
        cell(Team, "t1", "trust", WEEKS[0], Some((60.0, 12))),
        cell(Team, "t1", "wellbeing", WEEKS[1], Some((60.0, 16))),
        cell(Team, "t1", "wellbeing", WEEKS[2], None),
        // A noisy count above the head-count.
        cell(Organisation, "o1", "wellbeing", WEEKS[0], Some((60.0, 70))),
    ];
    let mut input = results(cells);
    input.organisation.headcount = Some(65);
    let month = shape_team_month(&input).unwrap();
    let team = &month.participation[0];
    assert_eq!(team.unit_kind, UnitKind::Team);
    // Weeks 44 and 45 released: (12 + 16) / 2 = 14 of 20.
    assert_eq!(team.answered, Some(14.0));
    assert_eq!(team.rate, Some(0.7));
    let department = &month.participation[1];
    assert_eq!((department.answered, department.headcount, department.rate), (None, Some(60), None));
    assert_eq!(month.participation[2].rate, Some(1.0));
}

#[test]
fn a_figure_out_of_range_or_a_bad_week_is_refused_naming_the_cell() {
    let cells = vec![cell(UnitKind::Team, "t1", "wellbeing", WEEKS[0], Some((150.0, 5)))];
    let error = shape_team_month(&results(cells)).unwrap_err();
    assert!(error.contains("wellbeing of team 't1' in 2026-W44"), "{error}");
    let mut bad_week = cell(UnitKind::Team, "t1", "wellbeing", WEEKS[0], Some((50.0, 5)));
    bad_week.week = "last week".to_owned();
    let error = shape_team_month(&results(vec![bad_week])).unwrap_err();
    assert!(error.contains("is not an ISO week"), "{error}");
    let mut inconsistent = cell(UnitKind::Team, "t1", "wellbeing", WEEKS[0], None);
    inconsistent.mean = Some(40.0);
    assert!(shape_team_month(&results(vec![inconsistent])).is_err());
}

/// A server that answers one GET and records the URL and the token.
struct OneAnswer {
    answer: HttpAnswer,
    requests: Mutex<Vec<(String, String)>>,
}

impl HrTransport for OneAnswer {
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure> {
        self.requests.lock().unwrap().push((url.to_owned(), bearer_token.to_owned()));
        Ok(self.answer.clone())
    }

    fn post_csv(&self, _url: &str, _bearer_token: &str, _body: &str) -> Result<HttpAnswer, TransportFailure> {
        Err(TransportFailure { detail: "team results never post".to_owned() })
    }
}

#[test]
fn the_month_is_read_with_the_device_token_and_a_server_error_is_passed_on() {
    let body = serde_json::to_string(&results(vec![cell(
        UnitKind::Team,
        "t1",
        "wellbeing",
        WEEKS[0],
        Some((60.0, 5)),
    )]))
    .unwrap();
    let server = OneAnswer { answer: HttpAnswer { status: 200, body }, requests: Mutex::new(Vec::new()) };
    let credentials = DeviceReadCredentials::for_tests("http://127.0.0.1:9", "pd_device");
    let month = read_my_team_month(&server, &credentials).unwrap();
    assert_eq!(metric(&month, MetricKey::Wellbeing).team.mean, Some(60.0));
    assert_eq!(
        server.requests.lock().unwrap().as_slice(),
        [("http://127.0.0.1:9/v1/team-results".to_owned(), "pd_device".to_owned())]
    );

    let body = r#"{"code":"not_found","message":"this device's team is no longer in the organisation"}"#;
    let server = OneAnswer {
        answer: HttpAnswer { status: 404, body: body.to_owned() },
        requests: Mutex::new(Vec::new()),
    };
    let error = read_my_team_month(&server, &credentials).unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    assert!(error.message.contains("no longer in the organisation"), "{error:?}");
}
