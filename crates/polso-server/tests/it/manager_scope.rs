//! Manager tokens (issue 16), attacked as an insider manager would: a token
//! scoped to one team reads that team's published cells, with its
//! department's and the organisation's beside them (the cells every member
//! of the team already reads in "My team"), and nothing else. Another team is
//! answered exactly as a team that does not exist, whether asked by id, by
//! listing, by `unit=team` without an id or through its department; the CX
//! import, the CX scores and the CX mappings are refused; the privacy ledger
//! holds the manager's teams only; no request parameter widens the scope.
//!
//! Checked by mutation (2026-12-06): with `HrAccess::reaches_team` answering
//! `true` for a manager, `another_team_by_id_is_answered_as_a_team_that_does_not_exist`,
//! `a_listing_names_only_the_managers_teams`,
//! `a_difference_of_two_reads_gives_no_team_below_k`,
//! `the_privacy_ledger_holds_the_managers_teams_only` and
//! `no_parameter_widens_the_scope` fail; with `HrAccess::reaches_department`
//! answering `true` for a manager, `another_teams_department_is_answered_as_a_department_that_does_not_exist`
//! and `a_listing_names_only_the_managers_teams` fail; with `AuthenticatedHr`
//! letting a manager through, `a_manager_token_imports_no_cx_and_reads_no_mapping` fails.
//! The other three are not attacks on the scope: what a manager does read
//! (the same cells as HR's), that a manager's token is no device token, and
//! the administrator's checks when creating one.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use polso_server::admin;
use polso_server::store::GrantedScope;
use serde_json::Value;

use crate::support::{WEEK, World, assert_error, get, post_json, report};

/// Department 0 holds the manager's team (0.0) and a sibling (0.1);
/// department 1 holds one team (1.0). Each reports [`WEEK`] with the number of
/// devices given, then the week is published.
async fn published_world(mine: u8, sibling: u8, other: u8) -> World {
    let world = World::new(&[2, 1]);
    for (team, count) in
        [(&world.teams[0][0], mine), (&world.teams[0][1], sibling), (&world.teams[1][0], other)]
    {
        for device in 0..count {
            let token = world.enrol(team).await;
            world.report_ok(&token, report(WEEK, 1 + device % 5)).await;
        }
    }
    world.advance_to_publication();
    world
}

/// A manager token for the world's team 0.0.
fn manager_of_first_team(world: &World) -> String {
    admin::create_manager_token(world.store.as_ref(), &world.organisation_id, &[world.teams[0][0].clone()])
        .unwrap()
        .token
}

/// An id of the same shape as `id` that names nothing.
fn absent_like(id: &str) -> String {
    let (prefix, rest) = id.split_once('_').unwrap_or(("", id));
    format!("{prefix}_{}", "0".repeat(rest.len()))
}

fn aggregates(query: &str) -> String {
    format!("/v1/aggregates?{query}&key=trust&from={WEEK}&to={WEEK}")
}

fn unit_ids(body: &Value) -> Vec<String> {
    body["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| cell["unit_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_manager_reads_their_team_its_department_and_the_organisation_as_hr_does() {
    let world = published_world(6, 5, 5).await;
    let manager = manager_of_first_team(&world);
    let mine = &world.teams[0][0];
    for (unit, unit_id) in [
        ("team", mine.as_str()),
        ("department", world.departments[0].as_str()),
        ("organisation", world.organisation_id.as_str()),
    ] {
        let query = aggregates(&format!("unit={unit}&unit_id={unit_id}"));
        let (status, as_manager) = world.send(get(&query, Some(&manager))).await;
        assert_eq!(status, StatusCode::OK, "{unit}: {as_manager}");
        let (status, as_hr) = world.send(get(&query, Some(&world.hr_token))).await;
        assert_eq!(status, StatusCode::OK, "{unit}: {as_hr}");
        // The same k, the same suppression, the same noise: the very cells HR reads.
        assert_eq!(as_manager["cells"], as_hr["cells"], "{unit}");
        assert_eq!(as_manager["k"], as_hr["k"]);
        assert_eq!(unit_ids(&as_manager), vec![unit_id.to_owned()]);
    }
    let (_, team) = world.send(get(&aggregates("unit=team"), Some(&manager))).await;
    assert_eq!(team["cells"][0]["released"], true, "{team}");
    assert_eq!(team["cells"][0]["n"], 6, "{team}");
}

#[tokio::test]
async fn another_team_by_id_is_answered_as_a_team_that_does_not_exist() {
    let world = published_world(6, 5, 5).await;
    let manager = manager_of_first_team(&world);
    for other in [&world.teams[0][1], &world.teams[1][0]] {
        // The team exists and HR reads it.
        let (status, _) =
            world.send(get(&aggregates(&format!("unit=team&unit_id={other}")), Some(&world.hr_token))).await;
        assert_eq!(status, StatusCode::OK);
        let out_of_scope =
            world.send(get(&aggregates(&format!("unit=team&unit_id={other}")), Some(&manager))).await;
        let missing_id = absent_like(other);
        let missing =
            world.send(get(&aggregates(&format!("unit=team&unit_id={missing_id}")), Some(&manager))).await;
        assert_error(&out_of_scope, StatusCode::NOT_FOUND, "not_found");
        assert_error(&missing, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(
            out_of_scope.1.to_string().replace(other.as_str(), "<unit>"),
            missing.1.to_string().replace(&missing_id, "<unit>"),
            "an out-of-scope team must read exactly as a missing one"
        );
    }
}

#[tokio::test]
async fn another_teams_department_is_answered_as_a_department_that_does_not_exist() {
    let world = published_world(6, 5, 5).await;
    let manager = manager_of_first_team(&world);
    let other_department = &world.departments[1];
    let (status, _) = world
        .send(get(&aggregates(&format!("unit=department&unit_id={other_department}")), Some(&world.hr_token)))
        .await;
    assert_eq!(status, StatusCode::OK);
    let out_of_scope = world
        .send(get(&aggregates(&format!("unit=department&unit_id={other_department}")), Some(&manager)))
        .await;
    let missing_id = absent_like(other_department);
    let missing =
        world.send(get(&aggregates(&format!("unit=department&unit_id={missing_id}")), Some(&manager))).await;
    assert_error(&out_of_scope, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        out_of_scope.1.to_string().replace(other_department.as_str(), "<unit>"),
        missing.1.to_string().replace(&missing_id, "<unit>")
    );
    // Without an id: the manager's department only (department 1 holds a single team,
    // so its cell would be that team's).
    let (status, body) = world.send(get(&aggregates("unit=department"), Some(&manager))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(unit_ids(&body), vec![world.departments[0].clone()]);
}

#[tokio::test]
async fn a_listing_names_only_the_managers_teams() {
    let world = published_world(6, 5, 5).await;
    let manager = manager_of_first_team(&world);
    let (sibling, other) = (&world.teams[0][1], &world.teams[1][0]);

    // `unit=team` without an id: the manager's team, nothing of the others.
    let (status, body) = world.send(get(&aggregates("unit=team"), Some(&manager))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(unit_ids(&body), vec![world.teams[0][0].clone()]);
    let (_, as_hr) = world.send(get(&aggregates("unit=team"), Some(&world.hr_token))).await;
    assert_eq!(unit_ids(&as_hr).len(), 3, "HR reads all three: {as_hr}");

    // The units: the manager's team within its department, and the organisation; no sibling,
    // no other department, by id or by name.
    let (status, units) = world.send(get("/v1/units", Some(&manager))).await;
    assert_eq!(status, StatusCode::OK, "{units}");
    assert_eq!(units["role"], "manager");
    assert_eq!(units["organisation"]["id"], world.organisation_id.as_str());
    let departments = units["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 1, "{units}");
    assert_eq!(departments[0]["id"], world.departments[0].as_str());
    let teams = departments[0]["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 1, "{units}");
    assert_eq!(teams[0]["id"], world.teams[0][0].as_str());
    let text = units.to_string();
    for hidden in [
        sibling.as_str(),
        other.as_str(),
        world.departments[1].as_str(),
        "Team 0.1",
        "Team 1.0",
        "Department 1",
    ] {
        assert!(!text.contains(hidden), "the units name {hidden}: {text}");
    }
    let (_, hr_units) = world.send(get("/v1/units", Some(&world.hr_token))).await;
    assert_eq!(hr_units["role"], "hr");
}

/// The sibling team reports fewer than k: HR never reads it, and the manager
/// cannot get it as "department minus my team" either, since secondary
/// suppression withholds one of the two (the scope is not what closes this
/// difference; the direct reads in this test are what fail without the scope).
#[tokio::test]
async fn a_difference_of_two_reads_gives_no_team_below_k() {
    let world = published_world(6, 4, 5).await;
    let manager = manager_of_first_team(&world);
    let sibling = &world.teams[0][1];
    let (_, hr_teams) = world.send(get(&aggregates("unit=team"), Some(&world.hr_token))).await;
    let hr_sibling =
        hr_teams["cells"].as_array().unwrap().iter().find(|cell| cell["unit_id"] == *sibling).unwrap();
    assert_eq!(hr_sibling["released"], false, "the sibling is below k: {hr_sibling}");

    let (status, mine) = world.send(get(&aggregates("unit=team"), Some(&manager))).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(unit_ids(&mine), vec![world.teams[0][0].clone()], "the sibling is never listed: {mine}");
    let (status, department) = world.send(get(&aggregates("unit=department"), Some(&manager))).await;
    assert_eq!(status, StatusCode::OK, "{department}");
    let both_released = mine["cells"][0]["released"] == true && department["cells"][0]["released"] == true;
    assert!(!both_released, "department − team would give the sibling below k: {mine} {department}");
    let direct = world.send(get(&aggregates(&format!("unit=team&unit_id={sibling}")), Some(&manager))).await;
    assert_error(&direct, StatusCode::NOT_FOUND, "not_found");
}

fn request(method: Method, path: &str, token: &str, content_type: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn a_manager_token_imports_no_cx_and_reads_no_mapping() {
    let world = World::new(&[2, 1]);
    let manager = manager_of_first_team(&world);
    // A clean file of the manager's own team only.
    let own_team = "team,week,metric,value,n\nTeam 0.0,2026-W40,CSAT,81,100\n";
    for (what, attempt) in [
        ("import", request(Method::POST, "/v1/cx", &manager, "text/csv", own_team)),
        ("dry run", request(Method::POST, "/v1/cx?dry_run=true", &manager, "text/csv", own_team)),
        (
            "mapping suggestion",
            request(Method::POST, "/v1/cx/mapping-suggestion", &manager, "text/csv", own_team),
        ),
        ("CX scores", get("/v1/cx?from=2026-W01&to=2026-W53", Some(&manager))),
        ("mappings", get("/v1/cx/mappings", Some(&manager))),
        (
            "saving a mapping",
            request(Method::PUT, "/v1/cx/mappings/mine", &manager, "application/json", "{}"),
        ),
    ] {
        let response = world.send(attempt).await;
        assert_eq!(response.0, StatusCode::FORBIDDEN, "{what}: {}", response.1);
        assert_eq!(response.1["code"], "forbidden", "{what}");
        // The refusal names no unit.
        let text = response.1.to_string();
        assert!(
            !text.contains("team_") && !text.contains("dep_") && !text.contains("Team"),
            "{what}: {text}"
        );
    }
    let (status, stored) = world.send(get("/v1/cx?from=2026-W01&to=2026-W53", Some(&world.hr_token))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["rows"], serde_json::json!([]), "nothing was stored");
    // HR imports the same file.
    let (status, body) =
        world.send(request(Method::POST, "/v1/cx", &world.hr_token, "text/csv", own_team)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_privacy_ledger_holds_the_managers_teams_only() {
    let world = published_world(6, 5, 5).await;
    let manager = manager_of_first_team(&world);
    let (status, ledger) = world.send(get("/v1/privacy-ledger", Some(&manager))).await;
    assert_eq!(status, StatusCode::OK, "{ledger}");
    let teams: Vec<&str> =
        ledger["teams"].as_array().unwrap().iter().map(|team| team["team_id"].as_str().unwrap()).collect();
    assert_eq!(teams, vec![world.teams[0][0].as_str()]);
    let (_, hr_ledger) = world.send(get("/v1/privacy-ledger", Some(&world.hr_token))).await;
    assert_eq!(hr_ledger["teams"].as_array().unwrap().len(), 3);
    let hr_mine =
        hr_ledger["teams"].as_array().unwrap().iter().find(|team| team["team_id"] == teams[0]).unwrap();
    assert_eq!(&ledger["teams"][0], hr_mine, "the same figure as HR's");
}

#[tokio::test]
async fn no_parameter_widens_the_scope() {
    let world = published_world(6, 5, 5).await;
    let manager = manager_of_first_team(&world);
    let (mine, sibling) = (&world.teams[0][0], &world.teams[0][1]);
    for query in [
        format!("unit=team&unit_id={mine}&unit_id={sibling}"),
        format!("unit=team&unit_id={sibling}&unit_id={mine}"),
        format!("unit=team&team_id={sibling}"),
        "unit=team&scope=organisation".to_owned(),
        "unit=team&role=hr".to_owned(),
        format!("unit=team&departments={}", world.departments[0]),
        format!("unit=team&unit_id={mine}%2C{sibling}"),
    ] {
        let (status, body) = world.send(get(&aggregates(&query), Some(&manager))).await;
        if status == StatusCode::OK {
            assert_eq!(unit_ids(&body), vec![mine.clone()], "{query}: {body}");
        } else {
            assert!(
                status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
                "{query}: {status} {body}"
            );
            assert!(!body.to_string().contains("\"cells\""), "{query}: {body}");
        }
    }
    for path in ["/v1/units?role=hr", "/v1/privacy-ledger?team_id=x"] {
        let (status, body) = world.send(get(&path.replace('x', sibling), Some(&manager))).await;
        if status == StatusCode::OK {
            assert!(!body.to_string().contains(sibling.as_str()), "{path}: {body}");
        }
    }
}

#[tokio::test]
async fn a_manager_token_is_no_device_token() {
    let world = published_world(6, 5, 5).await;
    let manager = manager_of_first_team(&world);
    let response = world.send(get("/v1/team-results", Some(&manager))).await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "unauthorized");
    let response = world.send(post_json("/v1/reports", Some(&manager), report(WEEK, 3))).await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn the_administrator_creates_manager_tokens_only_for_the_organisations_teams() {
    let world = World::new(&[2, 1]);
    let store = world.store.as_ref();
    // No team, an unknown team, a team of another organisation, a department id: refused.
    let error = admin::create_manager_token(store, &world.organisation_id, &[]).unwrap_err();
    assert_eq!(error.code(), polso_api::ErrorCode::InvalidInput);
    let error =
        admin::create_manager_token(store, &world.organisation_id, &[absent_like(&world.teams[0][0])])
            .unwrap_err();
    assert_eq!(error.code(), polso_api::ErrorCode::NotFound);
    let other = admin::init_organisation(store, "Other").unwrap();
    let other_department = admin::add_department(store, &other.id, "Elsewhere").unwrap();
    let other_team = admin::add_team_with_headcount(store, &other_department, "Them", 10).unwrap();
    let error = admin::create_manager_token(store, &world.organisation_id, &[other_team]).unwrap_err();
    assert_eq!(error.code(), polso_api::ErrorCode::NotFound);
    let error = admin::create_manager_token(store, &world.organisation_id, &[world.departments[0].clone()])
        .unwrap_err();
    assert_eq!(error.code(), polso_api::ErrorCode::NotFound);

    // Two teams of two departments: both listed, and only the token's hash is kept.
    let teams = vec![world.teams[0][1].clone(), world.teams[1][0].clone()];
    let created = admin::create_manager_token(store, &world.organisation_id, &teams).unwrap();
    let listed = admin::list_hr_tokens(store, &world.organisation_id).unwrap();
    let summary = listed.iter().find(|token| token.id == created.id).unwrap();
    let mut expected = teams.clone();
    expected.sort();
    assert_eq!(summary.scope, GrantedScope::Teams(expected));
    let (status, units) = world.send(get("/v1/units", Some(&created.token))).await;
    assert_eq!(status, StatusCode::OK, "{units}");
    assert_eq!(units["departments"].as_array().unwrap().len(), 2, "{units}");
    // Only the token's hash is kept (the file's bytes, on SQLite; the column, on both).
    if let Some(database) = world.sqlite_path() {
        let database = std::fs::read(database).unwrap();
        assert!(
            !database.windows(created.token.len()).any(|window| window == created.token.as_bytes()),
            "the raw token is in the database"
        );
    }
    assert_eq!(
        world.table_columns("hr_tokens"),
        ["id", "token_hash", "organisation_id", "whole_organisation", "revoked", "role"]
    );
    // Revoked like an HR token.
    admin::revoke_hr_token(store, &created.id).unwrap();
    let response = world.send(get("/v1/units", Some(&created.token))).await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "unauthorized");
}
