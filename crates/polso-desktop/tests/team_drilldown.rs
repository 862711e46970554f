//! The team drill-down against the real server library on a loopback socket,
//! seeded with the demo organisation: the team's series sits beside its
//! department's and the organisation's, a team smaller than k shows only
//! "fewer than k" weeks while its department is released, last week (still
//! collecting reports) is "not yet published" in every series with the date it
//! will be, a token scoped to one department gets no organisation series, and
//! a team outside the token is refused by name.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use polso_api::{ConnectHr, ErrorCode, MetricKey, TeamComparisonQuery};
use polso_desktop::hr::{HrCredentials, verify_hr_connection};
use polso_desktop::sync::UreqTransport;
use polso_desktop::team_view::read_team_comparison;
use polso_server::demo::{DemoOptions, generate_demo, seed_demo};
use polso_server::store::ServerStore;
use polso_server::{AppState, FixedClock, ServerConfig, SqliteServerStore, admin, app};

/// Monday of 2026-W48: last closed week is 2026-W47.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

struct DemoServer {
    url: String,
    store: Arc<SqliteServerStore>,
    organisation_id: String,
    hr_token: String,
    _runtime: tokio::runtime::Runtime,
    _directory: tempfile::TempDir,
}

fn demo_server() -> DemoServer {
    let directory = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteServerStore::open(&directory.path().join("server.db")).unwrap());
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let demo = generate_demo(DemoOptions { seed: 7, today: today(), weeks: 12 });
    let seeded = seed_demo(store.as_ref(), &demo, now).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = app(AppState::new(store.clone(), Arc::new(FixedClock::new(now)), ServerConfig::default()));
    runtime.spawn(async move { axum::serve(listener, router).await });
    DemoServer {
        url,
        store,
        organisation_id: seeded.organisation_id,
        hr_token: seeded.hr_token,
        _runtime: runtime,
        _directory: directory,
    }
}

fn credentials(server: &DemoServer, token: &str) -> HrCredentials {
    let form = ConnectHr { server_url: server.url.clone(), hr_token: token.to_owned() };
    verify_hr_connection(&UreqTransport::new(), &form, today()).unwrap().credentials().clone()
}

fn team_id(server: &DemoServer, name: &str) -> (String, String) {
    let tree = server.store.organisation_tree(&server.organisation_id).unwrap();
    tree.departments
        .iter()
        .find_map(|department| {
            department
                .teams
                .iter()
                .find(|team| team.name == name)
                .map(|team| (team.id.clone(), department.id.clone()))
        })
        .unwrap()
}

#[test]
fn a_team_is_compared_with_its_department_and_the_organisation() {
    let server = demo_server();
    let hr = credentials(&server, &server.hr_token);
    let (help_desk, _) = team_id(&server, "Help desk");
    let query = TeamComparisonQuery { team_id: help_desk.clone(), weeks: 12 };
    let comparison = read_team_comparison(&UreqTransport::new(), &hr, &query, today()).unwrap();
    assert_eq!(comparison.team.name, "Help desk");
    assert_eq!(comparison.department.name, "Customer Care");
    assert_eq!(comparison.organisation.as_ref().unwrap().name, "Demo Srl");
    assert_eq!((comparison.from.as_str(), comparison.to.as_str()), ("2026-W36", "2026-W47"));
    assert_eq!(comparison.metrics.len(), MetricKey::ALL.len());
    let wellbeing = comparison.metrics.iter().find(|series| series.metric == MetricKey::Wellbeing).unwrap();
    let organisation = wellbeing.organisation.as_ref().unwrap();
    assert_eq!((wellbeing.team.len(), wellbeing.department.len(), organisation.len()), (12, 12, 12));
    // Help desk (14 people) is released on most asked weeks, and its department and the
    // organisation hold more answers than it does.
    let mut released = 0;
    for ((team, department), organisation) in
        wellbeing.team.iter().zip(&wellbeing.department).zip(organisation)
    {
        assert_eq!((team.week.as_str(), team.asked), (department.week.as_str(), department.asked));
        if let (Some(team_n), Some(department_n), Some(organisation_n)) =
            (team.n, department.n, organisation.n)
        {
            released += 1;
            assert!(team_n < department_n && department_n < organisation_n, "{team:?} {department:?}");
        }
    }
    assert!(released >= 6, "only {released} weeks released for all three");
}

#[test]
fn a_team_smaller_than_k_shows_fewer_than_k_beside_its_released_department() {
    let server = demo_server();
    let hr = credentials(&server, &server.hr_token);
    let (partnerships, _) = team_id(&server, "Partnerships");
    let query = TeamComparisonQuery { team_id: partnerships, weeks: 12 };
    let comparison = read_team_comparison(&UreqTransport::new(), &hr, &query, today()).unwrap();
    for series in &comparison.metrics {
        for point in &series.team {
            assert!(point.mean.is_none() && point.n.is_none(), "{point:?}");
            assert_eq!(point.suppressed, point.asked && point.published, "{point:?}");
        }
    }
    let wellbeing = comparison.metrics.iter().find(|series| series.metric == MetricKey::Wellbeing).unwrap();
    assert!(wellbeing.department.iter().any(|point| point.mean.is_some()), "Sales is released");
}

#[test]
fn a_department_token_gets_no_organisation_and_no_team_of_another_department() {
    let server = demo_server();
    let (help_desk, customer_care) = team_id(&server, "Help desk");
    let (logistics, _) = team_id(&server, "Logistics");
    let scoped = admin::create_hr_token(server.store.as_ref(), &server.organisation_id, &[customer_care])
        .unwrap()
        .token;
    let hr = credentials(&server, &scoped);
    let query = TeamComparisonQuery { team_id: help_desk, weeks: 8 };
    let comparison = read_team_comparison(&UreqTransport::new(), &hr, &query, today()).unwrap();
    assert!(comparison.organisation.is_none());
    assert!(comparison.metrics.iter().all(|series| series.organisation.is_none()));

    let outside = TeamComparisonQuery { team_id: logistics.clone(), weeks: 8 };
    let error = read_team_comparison(&UreqTransport::new(), &hr, &outside, today()).unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    assert!(error.message.contains("team_id") && error.message.contains(&logistics), "{}", error.message);

    let injected = TeamComparisonQuery { team_id: "x&unit=organisation".to_owned(), weeks: 8 };
    let error = read_team_comparison(&UreqTransport::new(), &hr, &injected, today()).unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);

    let too_long = TeamComparisonQuery { team_id: logistics, weeks: 105 };
    let error = read_team_comparison(&UreqTransport::new(), &hr, &too_long, today()).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(error.message.contains("weeks"), "{}", error.message);
}

#[test]
fn last_week_is_not_yet_published_in_every_series_and_says_when_it_will_be() {
    let server = demo_server();
    let hr = credentials(&server, &server.hr_token);
    let (help_desk, _) = team_id(&server, "Help desk");
    let query = TeamComparisonQuery { team_id: help_desk, weeks: 12 };
    let comparison = read_team_comparison(&UreqTransport::new(), &hr, &query, today()).unwrap();
    // Monday of 2026-W48: 2026-W47 closed last night and is still collecting reports.
    let published_through = comparison.published_through.as_deref().unwrap();
    assert!(published_through < "2026-W47", "{published_through}");
    let next = comparison.next_publication.as_ref().unwrap();
    assert!(next.week.as_str() > published_through && next.week.as_str() <= "2026-W47", "{next:?}");
    assert!(chrono::DateTime::parse_from_rfc3339(&next.at).is_ok(), "{next:?}");
    for series in &comparison.metrics {
        let organisation = series.organisation.as_ref().unwrap();
        for points in [&series.team, &series.department, organisation] {
            for point in points {
                let published = point.week.as_str() <= published_through;
                assert_eq!(point.published, published, "{point:?}");
                if !published {
                    assert!(!point.suppressed && point.asked && point.mean.is_none(), "{point:?}");
                }
            }
        }
    }
}

/// The n-weighted mean of the organisation's released `key` cells in `from..=to`, read as HR.
fn organisation_period_mean(server: &DemoServer, key: &str, from: &str, to: &str) -> f64 {
    use polso_desktop::hr::HrTransport;
    let url = format!("{}/v1/aggregates?unit=organisation&key={key}&from={from}&to={to}", server.url);
    let answer = UreqTransport::new().get_json(&url, &server.hr_token).unwrap();
    let table: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let (mut sum, mut n) = (0.0, 0.0);
    for cell in table["cells"].as_array().unwrap() {
        if cell["released"] == true && cell["asked"] == true {
            let cell_n = cell["n"].as_f64().unwrap();
            sum += cell["mean"].as_f64().unwrap() * cell_n;
            n += cell_n;
        }
    }
    sum / n
}

#[test]
fn the_heatmaps_organisation_row_is_the_organisations_own_released_cells_period_by_period() {
    let server = demo_server();
    let credentials = credentials(&server, &server.hr_token);
    let query = polso_api::HrHeatmapQuery { period_weeks: 4, department: None };
    let heatmap =
        polso_desktop::hr::read_hr_heatmap(&UreqTransport::new(), &credentials, query, today()).unwrap();
    let organisation = heatmap.organisation.as_ref().expect("an HR token of the whole organisation");
    let wellbeing = organisation.cells.iter().find(|cell| cell.metric == MetricKey::Wellbeing).unwrap();
    let current = organisation_period_mean(&server, "wellbeing", &heatmap.current.from, &heatmap.current.to);
    let previous =
        organisation_period_mean(&server, "wellbeing", &heatmap.previous.from, &heatmap.previous.to);
    assert!((wellbeing.mean.unwrap() - current).abs() < 1e-9, "{wellbeing:?} / {current}");
    assert!((wellbeing.previous_mean.unwrap() - previous).abs() < 1e-9, "{wellbeing:?} / {previous}");
    assert!((wellbeing.change.unwrap() - (current - previous)).abs() < 1e-9);
}
