//! Results back to employees (issue 16): `GET /v1/team-results` gives a device its own team's,
//! its department's and the organisation's published month, exactly the cells HR reads of those
//! units under the same rules, nothing of a sibling team, nothing while the week collects, and it
//! takes no parameter that could point it elsewhere.

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::{TEAM_HEADCOUNT, WEEK, World, assert_error, get, post_json, report};

/// Enrols `count` devices into `team` and sends each a report for [`WEEK`] with trust `1 + i % 5`.
async fn devices_reporting(world: &World, team: &str, count: u8) -> Vec<String> {
    let mut tokens = Vec::new();
    for device in 0..count {
        let token = world.enrol(team).await;
        world.report_ok(&token, report(WEEK, 1 + device % 5)).await;
        tokens.push(token);
    }
    tokens
}

async fn team_results(world: &World, device_token: &str) -> Value {
    let (status, body) = world.send(get("/v1/team-results", Some(device_token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn a_device_reads_its_team_department_and_organisation_as_published_and_nothing_else() {
    // Department 0: a team of 6 and a team of 5; department 1: a team of 5.
    let world = World::new(&[2, 1]);
    let (mine, sibling, other) = (&world.teams[0][0], &world.teams[0][1], &world.teams[1][0]);
    let my_devices = devices_reporting(&world, mine, 6).await;
    let sibling_devices = devices_reporting(&world, sibling, 5).await;
    devices_reporting(&world, other, 5).await;

    // While the week collects, nothing of it.
    let collecting = team_results(&world, &my_devices[0]).await;
    assert!(collecting["published_through"].is_null(), "{collecting}");
    assert_eq!(collecting["weeks"], serde_json::json!([]), "{collecting}");
    assert_eq!(collecting["cells"], serde_json::json!([]), "{collecting}");
    assert_eq!(collecting["next_publication"]["week"], WEEK, "{collecting}");

    world.advance_to_publication();
    let results = team_results(&world, &my_devices[0]).await;
    assert_eq!(results["published_through"], WEEK, "{results}");
    assert_eq!(results["weeks"], serde_json::json!(["2026-W44", "2026-W45", "2026-W46", WEEK]));
    assert_eq!(results["k"], 5);
    assert_eq!(results["team"]["id"], *mine);
    assert_eq!(results["team"]["headcount"], TEAM_HEADCOUNT);
    assert_eq!(results["department"]["id"], world.departments[0]);
    assert_eq!(results["department"]["headcount"], 2 * TEAM_HEADCOUNT);
    assert_eq!(results["organisation"]["id"], world.organisation_id);
    assert_eq!(results["organisation"]["headcount"], 3 * TEAM_HEADCOUNT);

    // Only the three units, and each cell exactly what HR reads of it.
    let cells = results["cells"].as_array().unwrap();
    let units = [mine.as_str(), world.departments[0].as_str(), world.organisation_id.as_str()];
    assert!(!cells.is_empty());
    for cell in cells {
        let unit_id = cell["unit_id"].as_str().unwrap();
        assert!(units.contains(&unit_id), "a cell of another unit: {cell}");
        let kind = cell["unit_kind"].as_str().unwrap();
        let (key, week) = (cell["key"].as_str().unwrap(), cell["week"].as_str().unwrap());
        let hr =
            world.read_cells(&format!("unit={kind}&unit_id={unit_id}&key={key}&from={week}&to={week}")).await;
        assert_eq!(hr.len(), 1, "{kind} {unit_id} {key} {week}");
        for field in ["asked", "released", "n", "mean", "sd", "histogram", "enps", "standardised_mean"] {
            assert_eq!(cell[field], hr[0][field], "{field} of {kind} {key} {week} differs from HR's: {cell}");
        }
    }
    // The team's trust in the reported week: released, from its six devices.
    let trust_of = |unit: &str| {
        cells
            .iter()
            .find(|cell| cell["unit_id"] == unit && cell["key"] == "trust" && cell["week"] == WEEK)
            .unwrap()
    };
    assert_eq!(trust_of(mine)["released"], true, "{}", trust_of(mine));
    assert_eq!(trust_of(mine)["n"], 6);

    // The sibling's device reads its own team, never this one's.
    let sibling_results = team_results(&world, &sibling_devices[0]).await;
    assert_eq!(sibling_results["team"]["id"], *sibling);
    let sibling_cells = sibling_results["cells"].as_array().unwrap();
    assert!(sibling_cells.iter().all(|cell| cell["unit_id"] != *mine));
    assert!(cells.iter().all(|cell| cell["unit_id"] != *sibling));
    // The two devices read the same department and organisation cells.
    let shared = |cells: &[Value]| -> Vec<Value> {
        cells.iter().filter(|cell| cell["unit_kind"] != "team").cloned().collect()
    };
    assert_eq!(shared(cells), shared(sibling_cells));
}

#[tokio::test]
async fn a_team_below_k_reads_its_cells_with_no_values() {
    let world = World::new(&[1]);
    let devices = devices_reporting(&world, &world.teams[0][0], 4).await;
    world.advance_to_publication();
    let results = team_results(&world, &devices[0]).await;
    let cells = results["cells"].as_array().unwrap();
    let asked: Vec<&Value> = cells.iter().filter(|cell| cell["asked"] == true).collect();
    assert!(!asked.is_empty(), "{results}");
    for cell in asked {
        assert_eq!(cell["released"], false, "{cell}");
        for field in ["n", "mean", "sd", "histogram", "enps", "standardised_mean"] {
            assert!(cell[field].is_null(), "a suppressed cell carries {field}: {cell}");
        }
    }
}

#[tokio::test]
async fn team_results_take_no_parameter_and_need_a_device_token() {
    let world = World::new(&[2]);
    let devices = devices_reporting(&world, &world.teams[0][0], 5).await;
    world.advance_to_publication();
    // A parameter naming another team is refused, not ignored.
    let other = &world.teams[0][1];
    let response = world.send(get(&format!("/v1/team-results?team_id={other}"), Some(&devices[0]))).await;
    assert_error(&response, StatusCode::BAD_REQUEST, "invalid_input");
    assert_error(&world.send(get("/v1/team-results", None)).await, StatusCode::UNAUTHORIZED, "unauthorized");
    // HR's token is not a device's.
    let response = world.send(get("/v1/team-results", Some(&world.hr_token))).await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "unauthorized");
}

fn action(team_id: &str, text: &str, due: &str) -> Value {
    serde_json::json!({"team_id": team_id, "text": text, "owner": "Giulia (team lead)", "due": due})
}

#[tokio::test]
async fn an_action_hr_records_reaches_the_teams_devices_and_no_other_team() {
    let world = World::new(&[2]);
    let (mine, other) = (&world.teams[0][0], &world.teams[0][1]);
    let my_device = world.enrol(mine).await;
    let other_device = world.enrol(other).await;

    let first = world
        .send(post_json(
            "/v1/actions",
            Some(&world.hr_token),
            action(mine, "Stand-up on Tuesdays", "2026-12-15"),
        ))
        .await;
    assert_eq!(first.0, StatusCode::CREATED, "{}", first.1);
    assert_eq!(first.1["team_name"], "Team 0.0");
    world.clock.set(polso_server::clock::Clock::now(world.clock.as_ref()) + chrono::Duration::minutes(1));
    let second = world
        .send(post_json(
            "/v1/actions",
            Some(&world.hr_token),
            action(mine, "No meetings on Friday", "2027-01-10"),
        ))
        .await;
    assert_eq!(second.0, StatusCode::CREATED, "{}", second.1);

    // The team's devices read them with their results, newest first; the other team's do not.
    let results = team_results(&world, &my_device).await;
    let texts: Vec<&str> =
        results["actions"].as_array().unwrap().iter().map(|a| a["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["No meetings on Friday", "Stand-up on Tuesdays"]);
    assert_eq!(results["actions"][1]["due"], "2026-12-15");
    assert_eq!(team_results(&world, &other_device).await["actions"], serde_json::json!([]));

    // HR lists them too.
    let (status, list) = world.send(get(&format!("/v1/actions?team_id={mine}"), Some(&world.hr_token))).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["actions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_hr_token_records_and_lists_actions_only_for_teams_it_reaches() {
    let world = World::new(&[1, 1]);
    let (inside, outside) = (&world.teams[0][0], &world.teams[1][0]);
    let scoped = polso_server::admin::create_hr_token(
        world.store.as_ref(),
        &world.organisation_id,
        &[world.departments[0].clone()],
    )
    .unwrap()
    .token;
    let recorded = world
        .send(post_json("/v1/actions", Some(&scoped), action(inside, "Ask the team", "2026-12-15")))
        .await;
    assert_eq!(recorded.0, StatusCode::CREATED, "{}", recorded.1);

    // Outside its departments: answered exactly as a team that does not exist, and nothing kept.
    let outside_answer =
        world.send(post_json("/v1/actions", Some(&scoped), action(outside, "Peek", "2026-12-15"))).await;
    let nowhere_answer = world
        .send(post_json("/v1/actions", Some(&scoped), action("team_nowhere", "Peek", "2026-12-15")))
        .await;
    assert_error(&outside_answer, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        outside_answer.1["message"].as_str().unwrap().replace(outside.as_str(), "X"),
        nowhere_answer.1["message"].as_str().unwrap().replace("team_nowhere", "X")
    );
    assert!(world.store.team_actions(&world.organisation_id, outside).unwrap().is_empty());
    let listed = world.send(get(&format!("/v1/actions?team_id={outside}"), Some(&scoped))).await;
    assert_error(&listed, StatusCode::NOT_FOUND, "not_found");
}

/// A manager records actions for their own team, and a sibling team in their department is out of
/// reach exactly as a team that does not exist (fails if actions check departments, not teams).
#[tokio::test]
async fn a_manager_records_actions_for_their_own_team_only() {
    let world = World::new(&[2]);
    let (mine, sibling) = (&world.teams[0][0], &world.teams[0][1]);
    let manager = polso_server::admin::create_manager_token(
        world.store.as_ref(),
        &world.organisation_id,
        std::slice::from_ref(mine),
    )
    .unwrap()
    .token;
    let recorded =
        world.send(post_json("/v1/actions", Some(&manager), action(mine, "One-to-ones", "2026-12-20"))).await;
    assert_eq!(recorded.0, StatusCode::CREATED, "{}", recorded.1);
    let sibling_answer =
        world.send(post_json("/v1/actions", Some(&manager), action(sibling, "Peek", "2026-12-20"))).await;
    assert_error(&sibling_answer, StatusCode::NOT_FOUND, "not_found");
    assert!(world.store.team_actions(&world.organisation_id, sibling).unwrap().is_empty());
    let listed = world.send(get(&format!("/v1/actions?team_id={sibling}"), Some(&manager))).await;
    assert_error(&listed, StatusCode::NOT_FOUND, "not_found");
    let (status, own) = world.send(get(&format!("/v1/actions?team_id={mine}"), Some(&manager))).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["actions"][0]["text"], "One-to-ones");
}

#[tokio::test]
async fn a_bad_action_is_refused_naming_its_field_and_nothing_is_kept() {
    let world = World::new(&[1]);
    let team = &world.teams[0][0];
    let cases = [
        (action(team, "   ", "2026-12-15"), "field 'text'"),
        (action(team, &"x".repeat(501), "2026-12-15"), "field 'text'"),
        (
            serde_json::json!({"team_id": team, "text": "Ok", "owner": "", "due": "2026-12-15"}),
            "field 'owner'",
        ),
        (action(team, "Ok", "15/12/2026"), "field 'due'"),
        (action(team, "Ok", "2026-02-30"), "field 'due'"),
        (
            serde_json::json!({"team_id": team, "text": "Ok", "owner": "A", "due": "2026-12-15", "who": "x"}),
            "who",
        ),
    ];
    for (body, field) in cases {
        let response = world.send(post_json("/v1/actions", Some(&world.hr_token), body)).await;
        assert_error(&response, StatusCode::BAD_REQUEST, "invalid_input");
        assert!(response.1["message"].as_str().unwrap().contains(field), "{field}: {}", response.1);
    }
    assert!(world.store.team_actions(&world.organisation_id, team).unwrap().is_empty());
    // A device token cannot record one.
    let device = world.enrol(team).await;
    let response =
        world.send(post_json("/v1/actions", Some(&device), action(team, "Mine", "2026-12-15"))).await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "unauthorized");
}
