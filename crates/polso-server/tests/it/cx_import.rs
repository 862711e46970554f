//! CX import and read-back through the API (`POST /v1/cx`, `GET /v1/cx`): Italian
//! spreadsheet files previewed and stored, the same file twice storing nothing new, files
//! with errors refused with every line and column and nothing stored, department-scoped
//! tokens, a 50 MB raw-responses file, and the demo's planted EX–CX relation.

use std::fmt::Write as _;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use polso_core::IsoWeek;
use polso_core::Metric;
use polso_core::cx::CxMetric;
use polso_core::linkage::{CxObservation, ExObservation, compute_linkage};
use polso_server::admin;
use polso_server::demo::{CSAT_LAG_WEEKS, DemoOptions, generate_demo};
use serde_json::Value;

use crate::support::{World, assert_error, get};

/// An aggregated file as Italian Excel saves "CSV UTF-8": BOM, semicolons, decimal commas,
/// Italian headers, Italian dates and ISO weeks.
const ITALIAN_FILE: &str = "\u{feff}Squadra;Settimana;Metrica;Valore;Numero risposte\r\n\
    Team 0.0;2026-W40;CSAT;81,5;120\r\n\
    Team 0.0;2026-W41;CSAT;79,0;98\r\n\
    Team 0.1;2026-W40;NPS;-12,5;64\r\n\
    team 1.0;2026-W41;CES;5,25;40\r\n";

fn post_csv(path: &str, token: &str, body: impl Into<Vec<u8>>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.into()))
        .unwrap()
}

/// Every stored CX row the organisation's token sees in 2026.
async fn stored_rows(world: &World) -> Vec<Value> {
    let (status, body) = world.send(get("/v1/cx?from=2026-W01&to=2026-W53", Some(&world.hr_token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["rows"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_italian_file_is_previewed_then_stored_once_however_often_it_is_imported() {
    let world = World::new(&[2, 1]);

    let (status, report) = world.send(post_csv("/v1/cx?dry_run=true", &world.hr_token, ITALIAN_FILE)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(report["stored"], false);
    assert_eq!(report["rows"], 4);
    assert_eq!(report["teams"], 3);
    assert_eq!(report["format"], "aggregated");
    assert_eq!(report["weeks"], serde_json::json!({"from": "2026-W40", "to": "2026-W41"}));
    assert_eq!(report["metrics"], serde_json::json!(["ces", "csat", "nps"]));
    let preview = report["preview"].as_array().unwrap();
    assert_eq!(preview.len(), 4);
    assert_eq!(preview[0]["team_name"], "Team 0.0");
    assert_eq!(preview[0]["team_id"], world.teams[0][0].as_str());
    assert_eq!(preview[0]["value"], 81.5);
    assert_eq!(preview[0]["n"], 120);
    assert_eq!(preview[3]["team_name"], "Team 1.0", "matched to the organisation's spelling");
    assert!(stored_rows(&world).await.is_empty(), "a dry run stores nothing");

    let (status, report) = world.send(post_csv("/v1/cx?dry_run=false", &world.hr_token, ITALIAN_FILE)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["stored"], true);
    let first = stored_rows(&world).await;
    assert_eq!(first.len(), 4);
    let nps = first.iter().find(|row| row["metric"] == "nps").unwrap();
    assert_eq!(nps["team_id"], world.teams[0][1].as_str());
    assert_eq!(
        (nps["week"].as_str(), nps["value"].as_f64(), nps["n"].as_u64()),
        (Some("2026-W40"), Some(-12.5), Some(64))
    );

    // The same file again (as a CX tool's push, without dry_run) replaces, never adds.
    let (status, report) = world.send(post_csv("/v1/cx", &world.hr_token, ITALIAN_FILE)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["stored"], true);
    assert_eq!(stored_rows(&world).await, first);

    // A corrected value replaces the stored one.
    let corrected = "team,week,metric,value,n\nTeam 0.0,2026-W40,CSAT,90,121\n";
    let (status, _) = world.send(post_csv("/v1/cx", &world.hr_token, corrected)).await;
    assert_eq!(status, StatusCode::OK);
    let rows = stored_rows(&world).await;
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter().any(|row| row["week"] == "2026-W40" && row["metric"] == "csat" && row["value"] == 90.0)
    );

    // One metric, one range.
    let (status, body) =
        world.send(get("/v1/cx?from=2026-W41&to=2026-W41&metric=csat", Some(&world.hr_token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rows"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_file_with_errors_is_refused_with_every_line_and_column_and_nothing_is_stored() {
    let world = World::new(&[2]);
    let file = "squadra;settimana;metrica;valore;n\n\
        Team 0.0;2026-W40;CSAT;81,5;120\n\
        Team 9.9;2026-W40;CSAT;80;100\n\
        Team 0.1;2026-W40;CSAT;ottanta;100\n";
    let response = world.send(post_csv("/v1/cx?dry_run=false", &world.hr_token, file)).await;
    assert_error(&response, StatusCode::BAD_REQUEST, "invalid_input");
    let body = response.1;
    assert_eq!(body["stored"], false);
    let places: Vec<(u64, u64)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| (issue["line"].as_u64().unwrap(), issue["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(places, [(3, 1), (4, 4)], "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("Team 9.9"), "{body}");
    assert!(stored_rows(&world).await.is_empty());

    // An empty file, a file with only a header: refused too.
    for file in ["", "team,week,metric,value,n\n"] {
        let response = world.send(post_csv("/v1/cx", &world.hr_token, file)).await;
        assert_error(&response, StatusCode::BAD_REQUEST, "invalid_input");
        assert_eq!(response.1["errors"].as_array().unwrap().len(), 1, "{}", response.1);
    }
    // No parameter but dry_run: k and privacy settings are not reachable from here.
    let response = world.send(post_csv("/v1/cx?k=3", &world.hr_token, ITALIAN_FILE)).await;
    assert_error(&response, StatusCode::BAD_REQUEST, "invalid_input");
    let response = world.send(get("/v1/cx?from=2026-W01&to=2026-W02&k=3", Some(&world.hr_token))).await;
    assert_error(&response, StatusCode::BAD_REQUEST, "invalid_input");
    // Authentication comes first.
    let response = world.send(post_csv("/v1/cx", "ph_not_a_token", ITALIAN_FILE)).await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(stored_rows(&world).await.is_empty());
}

#[tokio::test]
async fn a_department_scoped_token_imports_and_reads_only_its_teams() {
    let world = World::new(&[2, 1]);
    let scoped =
        admin::create_hr_token(world.store.as_ref(), &world.organisation_id, &[world.departments[0].clone()])
            .unwrap()
            .token;
    // A team of another department is refused as a team that does not exist (issue 11, item 7).
    let response = world.send(post_csv("/v1/cx", &scoped, ITALIAN_FILE)).await;
    assert_error(&response, StatusCode::BAD_REQUEST, "invalid_input");
    let errors = response.1["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}", response.1);
    assert_eq!((errors[0]["line"].as_u64(), errors[0]["column"].as_u64()), (Some(5), Some(1)));
    assert!(errors[0]["message"].as_str().unwrap().starts_with("unknown team"), "{}", response.1);
    assert!(stored_rows(&world).await.is_empty(), "nothing of the file is stored");

    let own_teams = "team,week,metric,value,n\nTeam 0.0,2026-W40,CSAT,81,100\n";
    let (status, body) = world.send(post_csv("/v1/cx", &scoped, own_teams)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The organisation's token stores a row of the other department; the scoped token does not see it.
    let other = "team,week,metric,value,n\nTeam 1.0,2026-W40,CSAT,70,100\n";
    let (status, _) = world.send(post_csv("/v1/cx", &world.hr_token, other)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored_rows(&world).await.len(), 2);
    let (status, body) = world.send(get("/v1/cx?from=2026-W01&to=2026-W53", Some(&scoped))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["team_name"], "Team 0.0");
}

#[tokio::test]
async fn a_50_mb_raw_responses_file_is_accepted() {
    let world = World::new(&[2]);
    let mut file = String::with_capacity(51 * 1024 * 1024);
    file.push_str("team,date,metric,score,comment\n");
    let mut line = 0u64;
    // A free-text column the parser ignores makes the lines as long as real exports' are.
    let comment = "x".repeat(40);
    while file.len() < 50 * 1024 * 1024 {
        let team = if line.is_multiple_of(2) { "Team 0.0" } else { "Team 0.1" };
        let day = 1 + (line / 7) % 28;
        let (metric, score) = match line % 3 {
            0 => ("NPS", line % 11),
            1 => ("CSAT", 1 + line % 5),
            _ => ("CES", 1 + line % 7),
        };
        writeln!(file, "{team},2026-03-{day:02},{metric},{score},{comment}").unwrap();
        line += 1;
    }
    assert!(file.len() > 50 * 1024 * 1024);
    let (status, report) = world.send(post_csv("/v1/cx", &world.hr_token, file)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["format"], "raw_responses");
    assert_eq!(report["stored"], true);
    // Two teams × the weeks of March 1–28 × three metrics.
    let weeks =
        1 + "2026-W13".parse::<IsoWeek>().unwrap().index() - "2026-W09".parse::<IsoWeek>().unwrap().index();
    assert_eq!(report["rows"].as_i64(), Some(2 * weeks * 3), "{}", report["weeks"]);

    // Above the route's limit: refused as too large, nothing more stored.
    let before = stored_rows(&world).await;
    let too_large = vec![b'a'; 64 * 1024 * 1024 + 1];
    let response = world.send(post_csv("/v1/cx", &world.hr_token, too_large)).await;
    assert_error(&response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(stored_rows(&world).await, before);
    // The other routes keep their small limit.
    let big_json = vec![b' '; 100 * 1024];
    let response = world.send(crate::support::post_json("/v1/enrol", None, big_json)).await;
    assert_error(&response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[test]
fn the_demo_plants_csat_three_weeks_after_engagement() {
    let demo = generate_demo(DemoOptions {
        seed: 7,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        weeks: 104,
    });
    let mut ex = Vec::new();
    let mut cx = Vec::new();
    for team in &demo.teams {
        assert!(!team.cx.is_empty(), "{} has no CX scores", team.name);
        for score in &team.cx {
            assert!((30..=200).contains(&score.n));
            let (min, max) = score.metric.value_range().unwrap();
            assert!((min..=max).contains(&score.value), "{score:?}");
        }
        for (week, value) in demo.weeks.iter().zip(&team.latent_engagement) {
            ex.push(ExObservation {
                team: team.name.clone(),
                week: *week,
                metric: Metric::Engagement,
                value: *value,
            });
        }
        cx.extend(team.cx.iter().map(|score| CxObservation {
            team: team.name.clone(),
            week: score.week,
            metric: score.metric.clone(),
            value: score.value,
            n_responses: Some(score.n),
        }));
    }
    let grid = compute_linkage(&ex, &cx).unwrap();
    let strongest = grid.strongest_lag(Metric::Engagement, &CxMetric::Csat).unwrap();
    assert_eq!(strongest.lag_weeks as usize, CSAT_LAG_WEEKS);
    let r = strongest.within_pearson.r().unwrap();
    assert!((0.5..=0.85).contains(&r), "within-team r at the planted lag is {r}");
    // NPS is weakly related, CES not at all.
    let nps = grid.cell(Metric::Engagement, &CxMetric::Nps, 3).unwrap().within_pearson.r().unwrap();
    assert!(nps > 0.0 && nps < r, "NPS r {nps}");
    let ces = grid.cell(Metric::Engagement, &CxMetric::Ces, 3).unwrap().within_pearson.r().unwrap();
    assert!(ces.abs() < 0.1, "CES r {ces}");
}
