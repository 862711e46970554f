//! Issue 16: an insider manager against the real binary. The administrator
//! creates a manager token for one team with `create-manager-token --team`;
//! the token is printed once and only its hash is in the database. With it,
//! the manager reads their team's published cells and nothing of another
//! team: not by id, not by listing, not by `unit=team` without an id, not
//! through another team's department, not in the privacy ledger; the CX
//! import is refused; the heatmap the server shapes (`/v1/heatmap`) holds
//! their team alone and pages no other department. Actions follow the same scope, and an employee's device reads
//! `/v1/team-results` of its own team only.
//!
//! Checked by mutation (2026-12-06): with `HrAccess::reaches_team` answering
//! `true` for a manager, or `AuthenticatedHr` letting a manager through, this
//! test fails; so it does with `ReleasedRead::table` keeping units outside the
//! token's scope (the heatmap's teams); with the actions checking departments instead of teams, it fails at the
//! sibling team.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, ensure};
use polso_faults::calendar;
use polso_faults::reports::full_report;
use polso_faults::server::{
    RunningServer, admin, admin_with_stderr, database_dump, enrol_devices, get_json, invite, organisation,
    post_json,
};
use polso_server::ServerStore;
use serde_json::{Value, json};

/// An id of the same shape as `id` that names nothing.
fn absent_like(id: &str) -> String {
    let (prefix, rest) = id.split_once('_').unwrap_or(("", id));
    format!("{prefix}_{}", "0".repeat(rest.len()))
}

fn unit_ids(table: &Value) -> Vec<String> {
    table["cells"]
        .as_array()
        .map(|cells| cells.iter().filter_map(|cell| cell["unit_id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[test]
fn a_manager_token_reads_its_team_and_nothing_of_another_through_the_real_binary() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    // Two departments of two teams: the manager leads the first team of the first department.
    let organisation = organisation(&database, "Capisquadra Srl", 2, 2)?;
    let teams: Vec<&str> = organisation.teams.iter().map(|(_, team)| team.as_str()).collect();
    let hr = admin(&database, &["create-hr-token", "--organisation", &organisation.id])?;
    ensure!(
        admin(&database, &["create-manager-token", "--team", &absent_like(teams[0])]).is_err(),
        "a team that does not exist is refused"
    );
    let (manager, stderr) = admin_with_stderr(&database, &["create-manager-token", "--team", teams[0]])?;
    ensure!(manager.starts_with("ph_") && !stderr.contains(&manager), "{manager} / {stderr}");
    ensure!(!database_dump(&database, &[])?.contains(&manager), "the raw token is stored");
    let listed = admin(&database, &["list-hr-tokens", "--organisation", &organisation.id])?;
    ensure!(listed.contains(&format!("manager of teams {}", teams[0])), "{listed}");

    let week = calendar::week();
    let codes: Vec<String> = teams.iter().map(|team| invite(&database, team, 5)).collect::<Result<_>>()?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let server = RunningServer::start_at(&database, output.clone(), calendar::enrolment_time(week))?;
    let devices: Vec<Vec<String>> =
        codes.iter().map(|code| enrol_devices(&server, code, 5)).collect::<Result<_>>()?;
    server.kill();
    let seed = polso_server::SqliteServerStore::open(&database)?
        .organisations()?
        .iter()
        .find(|candidate| candidate.id == organisation.id)
        .context("no organisation")?
        .seed;
    let server = RunningServer::start_at(&database, output.clone(), calendar::reporting_time(week))?;
    for (position, token) in devices.iter().flatten().enumerate() {
        let report = full_report(seed, week, |item| item.min + (position % 3) as u8);
        let (status, answer) = post_json(&server.url, "/v1/reports", Some(token), &report)?;
        ensure!(status == 200, "report: {status} {answer}");
    }
    server.kill();

    let server = RunningServer::start_at(&database, output, calendar::after_publication(week))?;
    let url = server.url.clone();
    let read = |path: &str, token: &str| get_json(&url, path, token);
    let aggregates = |query: &str| format!("/v1/aggregates?{query}&key=wellbeing&from={week}&to={week}");

    // Listing every team: HR reads four, the manager one.
    let (status, as_hr) = read(&aggregates("unit=team"), &hr)?;
    ensure!(status == 200 && unit_ids(&as_hr).len() == 4, "{status} {as_hr}");
    let (status, as_manager) = read(&aggregates("unit=team"), &manager)?;
    ensure!(status == 200 && unit_ids(&as_manager) == vec![teams[0].to_owned()], "{status} {as_manager}");
    ensure!(as_manager["cells"][0]["released"] == true, "{as_manager}");

    // Another team by id, and another team's department: exactly as a unit that does not exist.
    for (unit, existing) in
        [("team", teams[1]), ("team", teams[2]), ("department", organisation.departments[1].as_str())]
    {
        let (status, _) = read(&aggregates(&format!("unit={unit}&unit_id={existing}")), &hr)?;
        ensure!(status == 200, "HR reads {unit} {existing}");
        let missing = absent_like(existing);
        let (out_status, out_body) = read(&aggregates(&format!("unit={unit}&unit_id={existing}")), &manager)?;
        let (missing_status, missing_body) =
            read(&aggregates(&format!("unit={unit}&unit_id={missing}")), &manager)?;
        ensure!(out_status == 404 && missing_status == 404, "{unit}: {out_status} {missing_status}");
        ensure!(
            out_body.to_string().replace(existing, "<unit>")
                == missing_body.to_string().replace(&missing, "<unit>"),
            "{unit}: {out_body} / {missing_body}"
        );
    }

    // The units and the privacy ledger: the manager's team only.
    let (status, units) = read("/v1/units", &manager)?;
    ensure!(status == 200 && units["role"] == "manager", "{status} {units}");
    for hidden in [teams[1], teams[2], teams[3], organisation.departments[1].as_str()] {
        ensure!(!units.to_string().contains(hidden), "the units name {hidden}: {units}");
    }
    let (status, ledger) = read("/v1/privacy-ledger", &manager)?;
    let ledger_teams: Vec<&str> = ledger["teams"]
        .as_array()
        .map(|teams| teams.iter().filter_map(|team| team["team_id"].as_str()).collect())
        .unwrap_or_default();
    ensure!(status == 200 && ledger_teams == vec![teams[0]], "{status} {ledger}");

    // The heatmap the server shapes: HR's holds the four teams, the manager's their team alone
    // (no other team's id anywhere in it); another department's page is answered exactly as a
    // department that does not exist.
    let heatmap = |query: &str| format!("/v1/heatmap?period_weeks=1&to={week}{query}");
    let heatmap_teams = |body: &Value| -> Vec<String> {
        body["teams"]
            .as_array()
            .map(|teams| teams.iter().filter_map(|team| team["id"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let (status, as_hr) = read(&heatmap(""), &hr)?;
    ensure!(status == 200 && heatmap_teams(&as_hr).len() == 4, "{status} {as_hr}");
    let (status, as_manager) = read(&heatmap(""), &manager)?;
    ensure!(
        status == 200 && heatmap_teams(&as_manager) == vec![teams[0].to_owned()],
        "{status} {as_manager}"
    );
    for hidden in [teams[1], teams[2], teams[3], organisation.departments[1].as_str()] {
        ensure!(!as_manager.to_string().contains(hidden), "the manager's heatmap names {hidden}");
    }
    let other = organisation.departments[1].as_str();
    let missing = absent_like(other);
    let (out_status, out_body) = read(&heatmap(&format!("&department={other}")), &manager)?;
    let (missing_status, missing_body) = read(&heatmap(&format!("&department={missing}")), &manager)?;
    ensure!(out_status == 404 && missing_status == 404, "heatmap department: {out_status} {missing_status}");
    ensure!(
        out_body.to_string().replace(other, "<unit>") == missing_body.to_string().replace(&missing, "<unit>"),
        "heatmap department: {out_body} / {missing_body}"
    );

    // The CX import: refused, nothing stored.
    let csv = "team,week,metric,value,n\nTeam 0,2026-W40,CSAT,81,100\n";
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut response = agent
        .post(&format!("{url}/v1/cx"))
        .header("Content-Type", "text/csv")
        .header("Authorization", format!("Bearer {manager}"))
        .send(csv)?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string()?;
    ensure!(status == 403 && body.contains("\"forbidden\""), "CX import: {status} {body}");
    // Nor the stored CX scores, even of the manager's own team.
    let (status, scores) = read("/v1/cx?from=2026-W01&to=2026-W53", &manager)?;
    ensure!(status == 403 && scores["code"] == "forbidden", "CX scores: {status} {scores}");
    let (status, stored) = read("/v1/cx?from=2026-W01&to=2026-W53", &hr)?;
    ensure!(status == 200 && stored["rows"] == json!([]), "{status} {stored}");

    // Actions: the manager records for their own team only; another team of their own
    // department is answered as a team that does not exist, and nothing is kept for it.
    let action = |team: &str| json!({"team_id": team, "text": "Quieter Fridays", "owner": "Giulia", "due": "2026-12-20"});
    let (status, recorded) = post_json(&url, "/v1/actions", Some(&manager), &action(teams[0]))?;
    ensure!(status == 201, "the manager's own team: {status} {recorded}");
    let (status, refused) = post_json(&url, "/v1/actions", Some(&manager), &action(teams[1]))?;
    let (missing_status, missing) =
        post_json(&url, "/v1/actions", Some(&manager), &action(&absent_like(teams[1])))?;
    ensure!(status == 404 && missing_status == 404, "a sibling team: {status} {refused} / {missing}");
    let (status, listed) = read(&format!("/v1/actions?team_id={}", teams[1]), &hr)?;
    ensure!(status == 200 && listed["actions"] == json!([]), "kept for the sibling: {listed}");

    // An employee's device reads its own team, department and organisation, never a sibling's
    // cells nor another team's actions, and a parameter pointing elsewhere is refused.
    let (status, mine) = read("/v1/team-results", &devices[0][0])?;
    ensure!(status == 200, "{status} {mine}");
    let allowed = [teams[0], organisation.departments[0].as_str(), organisation.id.as_str()];
    ensure!(
        !unit_ids(&mine).is_empty() && unit_ids(&mine).iter().all(|unit| allowed.contains(&unit.as_str())),
        "units read by the device: {:?}",
        unit_ids(&mine)
    );
    ensure!(mine["actions"][0]["text"] == "Quieter Fridays", "{}", mine["actions"]);
    let (status, sibling) = read("/v1/team-results", &devices[1][0])?;
    ensure!(
        status == 200 && sibling["actions"] == json!([]),
        "a sibling device reads: {}",
        sibling["actions"]
    );
    ensure!(!unit_ids(&sibling).contains(&teams[0].to_owned()), "a sibling device reads the manager's team");
    let (status, _) = read(&format!("/v1/team-results?team_id={}", teams[1]), &devices[0][0])?;
    ensure!(status == 400, "a parameter pointing at another team: {status}");
    server.kill();
    Ok(())
}
