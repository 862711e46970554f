//! Results back to employees (issue 16): `GET /v1/team-results` gives a device its own team's,
//! its department's and the organisation's published month, exactly the cells HR reads of those
//! units under the same rules, nothing of a sibling team, nothing while the week collects, and it
//! takes no parameter that could point it elsewhere.

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::{TEAM_HEADCOUNT, WEEK, World, assert_error, get, report};

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
