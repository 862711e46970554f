//! Issue 11, item 2, "one person, one voice": a team's declared head-count
//! caps its devices whatever the invites allow, a team without one enrols
//! nobody, each device's enrolment week is kept (the week only), and the
//! administrator lists and revokes invites, devices and HR tokens by ids that
//! never show a secret. Through the Router in process, the store, the schema
//! itself, and the real binary's command line.

use std::path::Path;
use std::process::Command;

use axum::http::StatusCode;
use polso_api::{ErrorCode, WIRE_VERSION};
use polso_core::IsoWeek;
use polso_server::secrets::hash_secret;
use polso_server::store::GrantedScope;
use polso_server::{ServerStore, SqliteServerStore, admin};
use serde_json::json;

use crate::support::{WEEK, World, assert_error, now, post_json, report};

const SERVER: &str = env!("CARGO_BIN_EXE_polso-server");

/// Tries to enrol one device with `code`: the status and the body.
async fn try_enrol(world: &World, code: &str) -> (StatusCode, serde_json::Value) {
    world.send(post_json("/v1/enrol", None, json!({"wire_version": WIRE_VERSION, "invite_code": code}))).await
}

async fn enrol_with(world: &World, code: &str) -> String {
    let (status, body) = try_enrol(world, code).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["device_token"].as_str().unwrap().to_owned()
}

fn uses_left(world: &World, team_id: &str) -> Vec<u32> {
    admin::list_invites(world.store.as_ref(), &world.organisation_id)
        .unwrap()
        .into_iter()
        .filter(|invite| invite.team_id == team_id)
        .map(|invite| invite.uses_left)
        .collect()
}

#[tokio::test]
async fn enrolment_stops_at_the_declared_headcount_and_a_refused_one_changes_nothing() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    admin::set_headcount(world.store.as_ref(), &team, 3).unwrap();
    let code = admin::create_invite(world.store.as_ref(), &team, now(), 7, 50).unwrap();
    for _ in 0..3 {
        enrol_with(&world, &code).await;
    }
    for _ in 0..4 {
        let refused = try_enrol(&world, &code).await;
        assert_error(&refused, StatusCode::CONFLICT, "team_full");
        let message = refused.1["message"].as_str().unwrap();
        assert!(message.contains(&team) && message.contains("3 enrolled devices"), "{message}");
    }
    // A second invite for the same team does not reopen it.
    let second_code = admin::create_invite(world.store.as_ref(), &team, now(), 7, 5).unwrap();
    assert_error(&try_enrol(&world, &second_code).await, StatusCode::CONFLICT, "team_full");

    // Refused enrolments spent no use and enrolled nothing.
    let mut left = uses_left(&world, &team);
    left.sort_unstable();
    assert_eq!(left, vec![5, 47]);
    let team_headcount = admin::team_headcount(world.store.as_ref(), &team).unwrap();
    assert_eq!((team_headcount.headcount, team_headcount.n_devices), (Some(3), 3));
}

#[tokio::test]
async fn a_team_without_a_declared_headcount_enrols_nobody_until_it_is_declared() {
    let world = World::new(&[1]);
    let team = admin::add_team(world.store.as_ref(), &world.departments[0], "Undeclared").unwrap();
    let code = admin::create_invite(world.store.as_ref(), &team, now(), 7, 5).unwrap();
    let refused = try_enrol(&world, &code).await;
    assert_error(&refused, StatusCode::CONFLICT, "team_full");
    let message = refused.1["message"].as_str().unwrap();
    assert!(message.contains("no declared head-count") && message.contains("set-headcount"), "{message}");
    assert_eq!(uses_left(&world, &team), vec![5]);

    admin::set_headcount(world.store.as_ref(), &team, 1).unwrap();
    enrol_with(&world, &code).await;
    assert_error(&try_enrol(&world, &code).await, StatusCode::CONFLICT, "team_full");
}

#[tokio::test]
async fn a_headcount_is_never_set_below_the_enrolled_devices_revoke_devices_first() {
    let world = World::new(&[1]);
    let store = world.store.as_ref();
    let team = world.teams[0][0].clone();
    for _ in 0..3 {
        world.enrol(&team).await;
    }
    let error = admin::set_headcount(store, &team, 2).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(
        error.to_string().contains("3 enrolled devices") && error.to_string().contains("revoke"),
        "{error}"
    );
    assert_eq!(admin::team_headcount(store, &team).unwrap().headcount, Some(crate::support::TEAM_HEADCOUNT));

    let devices = admin::list_devices(store, &world.organisation_id, Some(&team)).unwrap();
    let (_, team_devices) = &devices[0];
    admin::revoke_device(store, &team_devices[0].id).unwrap();
    admin::set_headcount(store, &team, 2).unwrap();
    admin::set_headcount(store, &team, 40).unwrap();
    for bad in [0, 10_001] {
        assert_eq!(admin::set_headcount(store, &team, bad).unwrap_err().code(), ErrorCode::InvalidInput);
    }
    assert_eq!(admin::set_headcount(store, "team_missing", 4).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(
        admin::add_team_with_headcount(store, &world.departments[0], "Zero", 0).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    // The refused team was not created.
    let tree = store.organisation_tree(&world.organisation_id).unwrap();
    assert!(tree.departments[0].teams.iter().all(|team| team.name != "Zero"));
}

#[tokio::test]
async fn each_device_keeps_the_iso_week_it_enrolled_in_and_nothing_finer() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    // The world enrols its devices on a Monday morning, in the week the tests report.
    let token = world.enrol(&team).await;
    let membership = world.store.device(&hash_secret(&token)).unwrap().unwrap();
    let this_week = IsoWeek::containing(crate::support::enrolment_time().date_naive());
    assert_eq!(membership.enrolled_week, Some(this_week));
    assert_eq!(this_week.to_string(), "2026-W47");

    let listed = admin::list_devices(world.store.as_ref(), &world.organisation_id, None).unwrap();
    let (team_headcount, devices) = &listed[0];
    assert_eq!(team_headcount.n_devices, 1);
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].enrolled_week, Some(this_week));
    assert!(devices[0].id.starts_with("dev_") && devices[0].id.len() == 16, "{}", devices[0].id);
    assert!(!token.contains(&devices[0].id[4..]), "a device id is not a piece of its token");
}

#[tokio::test]
async fn invites_are_listed_by_id_never_by_code_and_a_revoked_one_enrols_nobody() {
    let world = World::new(&[2]);
    let store = world.store.as_ref();
    let code = admin::create_invite(store, &world.teams[0][0], now(), 7, 4).unwrap();
    let other_code = admin::create_invite(store, &world.teams[0][1], now(), 1, 2).unwrap();
    let invites = admin::list_invites(store, &world.organisation_id).unwrap();
    assert_eq!(invites.len(), 2);
    let listed = format!("{invites:?}");
    for secret in [&code, &other_code] {
        assert!(!listed.contains(secret.as_str()) && !listed.contains(&secret.replace('-', "")), "{listed}");
    }
    let invite = invites.iter().find(|invite| invite.team_id == world.teams[0][0]).unwrap();
    assert_eq!((invite.uses_left, invite.expires_at), (4, now() + chrono::Duration::days(7)));
    assert!(invite.id.starts_with("inv_") && invite.id.len() == 16, "{}", invite.id);

    // Ids are typed back in any case, with spaces around.
    admin::revoke_invite(store, &format!(" {} ", invite.id.to_uppercase().replace("INV_", "inv_"))).unwrap();
    assert_error(&try_enrol(&world, &code).await, StatusCode::NOT_FOUND, "invite_unknown");
    assert_eq!(admin::revoke_invite(store, &invite.id).unwrap_err().code(), ErrorCode::NotFound);
    for malformed in ["", "inv_", "inv_xyz", "dev_0123456789ab", "inv_0123456789abcd"] {
        assert_eq!(admin::revoke_invite(store, malformed).unwrap_err().code(), ErrorCode::InvalidInput);
    }
    // The other invite still works.
    enrol_with(&world, &other_code).await;
    assert_eq!(admin::list_invites(store, &world.organisation_id).unwrap().len(), 1);
}

#[tokio::test]
async fn a_revoked_device_is_refused_and_its_place_is_free_again() {
    let world = World::new(&[1]);
    let store = world.store.as_ref();
    let team = world.teams[0][0].clone();
    admin::set_headcount(store, &team, 1).unwrap();
    let code = admin::create_invite(store, &team, now(), 7, 5).unwrap();
    let first = enrol_with(&world, &code).await;
    assert_error(&try_enrol(&world, &code).await, StatusCode::CONFLICT, "team_full");

    // Before revocation the device is known, whatever the week rules say of the report.
    let before = world.send(post_json("/v1/reports", Some(&first), report(WEEK, 3))).await;
    assert_ne!(before.0, StatusCode::UNAUTHORIZED, "{}", before.1);

    let listed = admin::list_devices(store, &world.organisation_id, Some(&team)).unwrap();
    let device_id = listed[0].1[0].id.clone();
    admin::revoke_device(store, &device_id).unwrap();
    let after = world.send(post_json("/v1/reports", Some(&first), report(WEEK, 3))).await;
    assert_error(&after, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(store.device(&hash_secret(&first)).unwrap().is_none());

    assert_eq!(admin::revoke_device(store, &device_id).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(admin::revoke_device(store, "dev_nothex").unwrap_err().code(), ErrorCode::InvalidInput);
    enrol_with(&world, &code).await;
    assert_eq!(admin::team_headcount(store, &team).unwrap().n_devices, 1);
}

#[test]
fn hr_tokens_are_listed_with_their_scope_and_whether_revoked_never_the_token() {
    let world = World::new(&[1, 1]);
    let store = world.store.as_ref();
    let scoped = admin::create_hr_token(store, &world.organisation_id, &world.departments[..1]).unwrap();
    admin::revoke_hr_token(store, &scoped.id).unwrap();
    let tokens = admin::list_hr_tokens(store, &world.organisation_id).unwrap();
    assert_eq!(tokens.len(), 2);
    let listed = format!("{tokens:?}");
    assert!(!listed.contains(&world.hr_token) && !listed.contains(&scoped.token), "{listed}");
    let scoped_listed = tokens.iter().find(|token| token.id == scoped.id).unwrap();
    assert_eq!(scoped_listed.scope, GrantedScope::Departments(world.departments[..1].to_vec()));
    assert!(scoped_listed.revoked);
    let whole = tokens.iter().find(|token| token.id != scoped.id).unwrap();
    assert_eq!((&whole.scope, whole.revoked), (&GrantedScope::Organisation, false));
    assert_eq!(admin::list_hr_tokens(store, "org_missing").unwrap_err().code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn the_schema_itself_refuses_more_devices_than_the_headcount() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("server.db");
    let store = SqliteServerStore::open(&path).unwrap();
    let organisation = admin::init_organisation(&store, "Acme").unwrap();
    let department = admin::add_department(&store, &organisation.id, "Support").unwrap();
    let team = admin::add_team_with_headcount(&store, &department, "Help desk", 1).unwrap();
    let code = admin::create_invite(&store, &team, now(), 7, 5).unwrap();
    store
        .redeem_invite(&hash_secret(&polso_server::secrets::normalise_invite_code(&code)), &[1; 32], now())
        .unwrap();

    // A path that forgot the check: raw SQL on the same file.
    let connection = rusqlite::Connection::open(&path).unwrap();
    let error = connection
        .execute(
            "INSERT INTO devices (token_hash, team_id) VALUES (?1, ?2)",
            rusqlite::params![&[2u8; 32][..], team],
        )
        .unwrap_err();
    assert!(error.to_string().contains("head-count"), "{error}");
    let error = connection.execute("UPDATE teams SET headcount = NULL WHERE id = ?1", [&team]).unwrap_err();
    assert!(error.to_string().contains("head-count"), "{error}");
    let other_team = admin::add_team_with_headcount(&store, &department, "Field", 1).unwrap();
    connection
        .execute(
            "INSERT INTO devices (token_hash, team_id) VALUES (?1, ?2)",
            rusqlite::params![&[3u8; 32][..], other_team],
        )
        .unwrap();
    let error = connection
        .execute("UPDATE devices SET team_id = ?1 WHERE team_id = ?2", [&team, &other_team])
        .unwrap_err();
    assert!(error.to_string().contains("head-count"), "{error}");
    assert_eq!(admin::team_headcount(&store, &team).unwrap().n_devices, 1);
}

#[test]
fn a_version_4_database_keeps_its_devices_and_enrols_nobody_until_headcounts_are_declared() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("server.db");
    {
        let mut connection = rusqlite::Connection::open(&path).unwrap();
        let earlier = [
            include_str!("../../migrations/0001_initial.sql"),
            include_str!("../../migrations/0002_differential_privacy.sql"),
            include_str!("../../migrations/0003_cx_scores.sql"),
            include_str!("../../migrations/0004_publications.sql"),
        ];
        let steps: Vec<rusqlite_migration::M<'_>> =
            earlier.iter().map(|sql| rusqlite_migration::M::up(sql)).collect();
        rusqlite_migration::Migrations::new(steps).to_latest(&mut connection).unwrap();
        connection
            .execute_batch(
                "INSERT INTO organisations (id, name, seed, k) VALUES ('org_a', 'A', 1, 5);
                 INSERT INTO departments (id, organisation_id, name) VALUES ('dept_a', 'org_a', 'D');
                 INSERT INTO teams (id, department_id, name) VALUES ('team_a', 'dept_a', 'T');",
            )
            .unwrap();
        for byte in 1..=3u8 {
            connection
                .execute("INSERT INTO devices (token_hash, team_id) VALUES (?1, 'team_a')", [&[byte; 32][..]])
                .unwrap();
        }
    }
    let store = SqliteServerStore::open(&path).unwrap();
    let membership = store.device(&[1; 32]).unwrap().unwrap();
    assert_eq!((membership.team_id.as_str(), membership.enrolled_week), ("team_a", None));
    let team = admin::team_headcount(&store, "team_a").unwrap();
    assert_eq!((team.headcount, team.n_devices), (None, 3));

    let code = admin::create_invite(&store, "team_a", now(), 7, 5).unwrap();
    let code_hash = hash_secret(&polso_server::secrets::normalise_invite_code(&code));
    let error = store.redeem_invite(&code_hash, &[9; 32], now()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::TeamFull);
    assert!(error.to_string().contains("no declared head-count"), "{error}");
    assert_eq!(admin::set_headcount(&store, "team_a", 2).unwrap_err().code(), ErrorCode::InvalidInput);
    admin::set_headcount(&store, "team_a", 4).unwrap();
    store.redeem_invite(&code_hash, &[9; 32], now()).unwrap();
    assert_eq!(store.redeem_invite(&code_hash, &[10; 32], now()).unwrap_err().code(), ErrorCode::TeamFull);
}

/// Runs the real binary on `database`: (success, stdout, stderr).
fn run(database: &Path, arguments: &[&str]) -> (bool, String, String) {
    let output = Command::new(SERVER).arg("--db").arg(database).args(arguments).output().unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap().trim().to_owned(),
        String::from_utf8(output.stderr).unwrap().trim().to_owned(),
    )
}

fn run_ok(database: &Path, arguments: &[&str]) -> (String, String) {
    let (success, stdout, stderr) = run(database, arguments);
    assert!(success, "polso-server {arguments:?} failed: {stderr}");
    (stdout, stderr)
}

#[test]
fn the_command_line_declares_headcounts_and_lists_and_revokes_without_showing_secrets() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("server.db");
    run_ok(&database, &["init-org", "--name", "Acme"]);
    let (department, _) = run_ok(&database, &["add-department", "--name", "Support"]);
    let (team, _) = run_ok(
        &database,
        &["add-team", "--department", &department, "--name", "Help desk", "--headcount", "2"],
    );
    let (undeclared, warning) =
        run_ok(&database, &["add-team", "--department", &department, "--name", "Field"]);
    assert!(warning.contains("no head-count") && warning.contains("set-headcount"), "{warning}");

    let (code, said) = run_ok(&database, &["create-invite", "--team", &team, "--uses", "50"]);
    assert!(said.contains("0 of its 2 devices"), "{said}");
    let (_, said) = run_ok(&database, &["create-invite", "--team", &undeclared]);
    assert!(said.contains("no head-count"), "{said}");
    let (hr_token, hr_said) = run_ok(&database, &["create-hr-token"]);
    let hr_id = hr_said.split_whitespace().nth(2).unwrap().to_owned();

    let store = SqliteServerStore::open(&database).unwrap();
    let code_hash = hash_secret(&polso_server::secrets::normalise_invite_code(&code));
    // The command line's clock is the real one, so the invite is redeemed by it too.
    let real_now = chrono::Utc::now();
    store.redeem_invite(&code_hash, &[7; 32], real_now).unwrap();
    drop(store);

    let (invites, _) = run_ok(&database, &["list-invites"]);
    assert_eq!(invites.lines().count(), 2, "{invites}");
    assert!(!invites.contains(&code) && !invites.contains(&code.replace('-', "")), "{invites}");
    let line = invites.lines().find(|line| line.contains(&team)).unwrap();
    assert!(line.starts_with("inv_") && line.contains("uses left 49"), "{line}");
    let invite_id = line.split_whitespace().next().unwrap();

    let (devices, _) = run_ok(&database, &["list-devices", "--team", &team]);
    assert!(devices.contains("1 device(s), head-count 2"), "{devices}");
    let week = IsoWeek::containing(real_now.date_naive()).to_string();
    let device_line = devices.lines().find(|line| line.trim_start().starts_with("dev_")).unwrap();
    assert!(device_line.ends_with(&format!("enrolled {week}")), "{device_line}");
    let device_id = device_line.split_whitespace().next().unwrap();
    let (all_devices, _) = run_ok(&database, &["list-devices"]);
    assert!(all_devices.contains("0 device(s), head-count not declared"), "{all_devices}");

    let (success, _, refused) = run(&database, &["set-headcount", "--team", &team, "0"]);
    assert!(!success && refused.contains("1 to 10000"), "{refused}");
    run_ok(&database, &["revoke-device", "--id", device_id]);
    let (devices, _) = run_ok(&database, &["list-devices", "--team", &team]);
    assert!(devices.contains("0 device(s)"), "{devices}");
    run_ok(&database, &["set-headcount", "--team", &team, "1"]);
    run_ok(&database, &["revoke-invite", "--id", invite_id]);
    let (invites, _) = run_ok(&database, &["list-invites"]);
    assert_eq!(invites.lines().count(), 1, "{invites}");
    let (success, _, refused) = run(&database, &["revoke-invite", "--id", invite_id]);
    assert!(!success && refused.contains("no invite"), "{refused}");

    run_ok(&database, &["revoke-hr-token", "--id", &hr_id]);
    let (tokens, _) = run_ok(&database, &["list-hr-tokens"]);
    assert_eq!(tokens, format!("{hr_id} revoked whole organisation"));
    assert!(!tokens.contains(&hr_token));
}
