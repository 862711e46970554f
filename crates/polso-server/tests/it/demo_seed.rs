//! The demo organisation through the API: seeded with the real fold, its big
//! teams' cells are released and its teams smaller than k never are; the
//! same seed gives the same aggregates.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use polso_core::IsoWeek;
use polso_server::demo::{DemoOptions, generate_demo, seed_demo};
use polso_server::store::ServerStore;
use polso_server::{AppState, FixedClock, ServerConfig, SqliteServerStore, app};
use serde_json::Value;

use crate::support::{get, now, send};

fn options(seed: u64, weeks: u32) -> DemoOptions {
    DemoOptions { seed, today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), weeks }
}

/// (team name, week, key) → (n, sum, sum of squares, histogram).
type AggregatesByName = BTreeMap<(String, String, String), (u32, f64, f64, Vec<u32>)>;

/// Every team aggregate of a freshly seeded database, by (team name, week, key).
fn seeded_aggregates(seed: u64) -> AggregatesByName {
    let directory = tempfile::tempdir().unwrap();
    let store = SqliteServerStore::open(&directory.path().join("demo.db")).unwrap();
    let seeded = seed_demo(&store, &generate_demo(options(seed, 12)), now()).unwrap();
    let tree = store.organisation_tree(&seeded.organisation_id).unwrap();
    let team_names: BTreeMap<String, String> = tree
        .departments
        .iter()
        .flat_map(|department| department.teams.iter().map(|team| (team.id.clone(), team.name.clone())))
        .collect();
    let weeks = "2020-W01".parse::<IsoWeek>().unwrap()..="2030-W01".parse::<IsoWeek>().unwrap();
    store
        .team_aggregates(&seeded.organisation_id, None, weeks)
        .unwrap()
        .into_iter()
        .map(|aggregate| {
            (
                (team_names[&aggregate.team_id].clone(), aggregate.week.to_string(), aggregate.key),
                (aggregate.n, aggregate.sum, aggregate.sum_squares, aggregate.histogram),
            )
        })
        .collect()
}

#[test]
fn two_runs_with_the_same_seed_give_identical_aggregates() {
    let first = seeded_aggregates(7);
    assert!(first.len() > 100, "{}", first.len());
    assert_eq!(first, seeded_aggregates(7));
    assert_ne!(first, seeded_aggregates(8));
}

#[tokio::test]
async fn big_teams_are_released_and_teams_smaller_than_k_are_not() {
    let directory = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteServerStore::open(&directory.path().join("demo.db")).unwrap());
    let demo = generate_demo(options(7, 16));
    let seeded = seed_demo(store.as_ref(), &demo, now()).unwrap();
    assert_eq!(seeded.invites.len(), demo.teams.len());
    assert!(seeded.n_reports > 500, "{}", seeded.n_reports);
    let router = app(AppState::new(store.clone(), Arc::new(FixedClock::new(now())), ServerConfig::default()));

    let (from, to) = (demo.weeks[0].to_string(), demo.weeks[15].to_string());
    let query = format!("/v1/aggregates?unit=team&key=wellbeing&from={from}&to={to}");
    let (status, body) = send(router.clone(), get(&query, Some(&seeded.hr_token))).await;
    assert_eq!(status, 200, "{body}");
    let cells = body["cells"].as_array().unwrap();
    let released_weeks = |team: &str| -> Vec<&Value> {
        cells.iter().filter(|cell| cell["unit_name"] == team && cell["released"] == true).collect()
    };
    for big_team in ["Help desk", "Logistics", "Inside sales"] {
        let released = released_weeks(big_team);
        assert!(released.len() >= 8, "{big_team}: only {} weeks released", released.len());
        for cell in released {
            let mean = cell["mean"].as_f64().unwrap();
            assert!((0.0..=100.0).contains(&mean), "{cell}");
            assert!(cell["n"].as_u64().unwrap() >= 5, "{cell}");
        }
    }
    for small_team in ["Escalations", "Partnerships"] {
        assert!(released_weeks(small_team).is_empty(), "{small_team} was released");
    }

    // The organisation's cell is released on most weeks too.
    let query = format!("/v1/aggregates?unit=organisation&key=wellbeing&from={from}&to={to}");
    let (_, body) = send(router.clone(), get(&query, Some(&seeded.hr_token))).await;
    let released = body["cells"].as_array().unwrap().iter().filter(|cell| cell["released"] == true).count();
    assert!(released >= 8, "{body}");

    // CX scores for every team, small ones included (customer data: no k rule), from the week
    // CSAT can follow engagement on: CSAT, NPS and CES for each team and week.
    let (status, body) =
        send(router, get(&format!("/v1/cx?from={from}&to={to}"), Some(&seeded.hr_token))).await;
    assert_eq!(status, 200, "{body}");
    let rows = body["rows"].as_array().unwrap();
    let cx_weeks = 16 - polso_server::demo::CSAT_LAG_WEEKS;
    assert_eq!(rows.len(), demo.teams.len() * cx_weeks * 3);
    assert_eq!(seeded.n_cx_scores, rows.len());
    assert!(rows.iter().any(|row| row["team_name"] == "Partnerships" && row["metric"] == "csat"));
    for row in rows {
        let n = row["n"].as_u64().unwrap();
        assert!((30..=200).contains(&n), "{row}");
    }
}

#[test]
fn seeding_refuses_a_database_that_already_has_an_organisation() {
    let directory = tempfile::tempdir().unwrap();
    let store = SqliteServerStore::open(&directory.path().join("demo.db")).unwrap();
    seed_demo(&store, &generate_demo(options(1, 2)), now()).unwrap();
    let error = seed_demo(&store, &generate_demo(options(1, 2)), now()).unwrap_err();
    assert_eq!(error.code(), polso_api::ErrorCode::InvalidInput);
}

#[test]
fn the_command_line_prints_the_organisation_the_hr_token_and_one_invite_per_team() {
    let directory = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_polso-server"))
        .arg("--db")
        .arg(directory.path().join("demo.db"))
        .args(["demo-seed", "--weeks", "4", "--seed", "7", "--today", "2026-11-23"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("organisation: org_"), "{stdout}");
    assert!(lines[1].starts_with("hr token: ph_"), "{stdout}");
    let invites: Vec<&&str> = lines.iter().filter(|line| line.starts_with("invite ")).collect();
    assert_eq!(invites.len(), 10, "{stdout}");
    assert!(invites.iter().any(|line| line.starts_with("invite Customer Care / Help desk: ")), "{stdout}");
    // A manager of the demo employee's team, for trying the manager's view (issue 16).
    let manager =
        lines.iter().find_map(|line| line.strip_prefix("manager token Customer Care / Help desk: "));
    assert!(manager.is_some_and(|token| token.starts_with("ph_")), "{stdout}");
}

/// The relation the demo plants (CSAT follows the team's weekly mood
/// [`CSAT_LAG_WEEKS`] weeks later) is recovered by the core's linkage
/// statistics from what HR can read: the released team cells and the CX
/// scores, through the API. The EX metric asked every regular week
/// (wellbeing) finds it at the planted lag, clearly above the other lags.
#[tokio::test]
async fn the_planted_relation_is_found_at_its_lag_from_the_released_cells() {
    use polso_core::Metric;
    use polso_core::cx::CxMetric;
    use polso_core::linkage::{CxObservation, ExObservation, compute_linkage};
    use polso_server::demo::CSAT_LAG_WEEKS;

    let directory = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteServerStore::open(&directory.path().join("demo.db")).unwrap());
    let demo = generate_demo(options(20_261_123, 104));
    let seeded = seed_demo(store.as_ref(), &demo, now()).unwrap();
    // The demo organisation is new, so its released cells carry differential-privacy noise at the
    // default ε (issue 11, item 4): the relation must stand out through that noise.
    let privacy = store.organisation_tree(&seeded.organisation_id).unwrap().organisation.privacy;
    assert_eq!(privacy, polso_server::store::PrivacySetting::for_new_organisation());
    let router = app(AppState::new(store.clone(), Arc::new(FixedClock::new(now())), ServerConfig::default()));
    let (from, to) = (demo.weeks[0].to_string(), demo.weeks[103].to_string());

    let mut ex = Vec::new();
    for metric in Metric::ALL {
        let query = format!("/v1/aggregates?unit=team&key={}&from={from}&to={to}", metric.key());
        let (status, body) = send(router.clone(), get(&query, Some(&seeded.hr_token))).await;
        assert_eq!(status, 200, "{body}");
        for cell in body["cells"].as_array().unwrap().iter().filter(|cell| cell["released"] == true) {
            ex.push(ExObservation {
                team: cell["unit_name"].as_str().unwrap().to_owned(),
                week: cell["week"].as_str().unwrap().parse().unwrap(),
                metric,
                value: cell["mean"].as_f64().unwrap(),
            });
        }
    }
    let (status, body) =
        send(router, get(&format!("/v1/cx?from={from}&to={to}"), Some(&seeded.hr_token))).await;
    assert_eq!(status, 200, "{body}");
    let cx: Vec<CxObservation> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| CxObservation {
            team: row["team_name"].as_str().unwrap().to_owned(),
            week: row["week"].as_str().unwrap().parse().unwrap(),
            metric: match row["metric"].as_str().unwrap() {
                "csat" => CxMetric::Csat,
                "nps" => CxMetric::Nps,
                "ces" => CxMetric::Ces,
                other => panic!("the demo has no CX metric {other}"),
            },
            value: row["value"].as_f64().unwrap(),
            n_responses: row["n"].as_u64().map(|n| u32::try_from(n).unwrap()),
        })
        .collect();
    let grid = compute_linkage(&ex, &cx).unwrap();

    let csat = CxMetric::Csat;
    let profile: Vec<(u32, f64)> = grid
        .lag_profile(Metric::Wellbeing, &csat)
        .iter()
        .map(|cell| (cell.lag_weeks, cell.within_pearson.r().unwrap_or(f64::NAN)))
        .collect();
    let strongest = grid.strongest_lag(Metric::Wellbeing, &csat).unwrap();
    let estimate = strongest.within_pearson.estimate().unwrap();
    eprintln!("wellbeing → csat profile {profile:?}, adjusted p {}", estimate.p_adjusted);
    assert_eq!(strongest.lag_weeks as usize, CSAT_LAG_WEEKS, "{profile:?}");
    assert!(estimate.r > 0.3 && estimate.p_adjusted < 0.001, "{estimate:?}");
    for &(lag, r) in &profile {
        if lag as usize != CSAT_LAG_WEEKS {
            assert!(r < estimate.r - 0.15, "lag {lag} (r {r}) is close to the planted lag: {profile:?}");
        }
    }
    // CES is planted unrelated: no lag of it is a finding.
    for cell in grid.lag_profile(Metric::Wellbeing, &CxMetric::Ces) {
        let estimate = cell.within_pearson.estimate().unwrap();
        assert!(estimate.p_adjusted > 0.01, "{cell:?}");
    }
}

#[tokio::test]
async fn the_demo_manager_reads_one_released_batch_of_the_help_desks_comments() {
    let directory = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteServerStore::open(&directory.path().join("demo.db")).unwrap());
    let seeded = seed_demo(store.as_ref(), &generate_demo(options(7, 12)), now()).unwrap();
    let router = app(AppState::new(store.clone(), Arc::new(FixedClock::new(now())), ServerConfig::default()));
    let (status, units) = send(router.clone(), get("/v1/units", Some(&seeded.manager_token))).await;
    assert_eq!(status, 200, "{units}");
    let team = units["departments"][0]["teams"][0]["id"].as_str().unwrap().to_owned();
    let (status, comments) =
        send(router, get(&format!("/v1/comments?team_id={team}"), Some(&seeded.manager_token))).await;
    assert_eq!(status, 200, "{comments}");
    assert_eq!(comments["team_name"], "Help desk");
    let batches = comments["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 1, "{comments}");
    assert_eq!(batches[0]["comments"].as_array().unwrap().len(), 10);
}
