//! Issue 19, restores: the database's generation travels on every answer a
//! device reads (enrolment, each report's acknowledgement, the questionnaire
//! check), is the same for every device, and changes only when the operator
//! makes a new one after a restore; a report counted before the new
//! generation is still a duplicate after it, so a device that sends it again
//! is counted once. Both stores (`POLSO_TEST_STORE=postgres`).

use axum::http::StatusCode;
use polso_api::WIRE_VERSION;
use polso_server::admin;
use polso_server::store::ServerStore;
use serde_json::json;

use crate::support::{WEEK, World, enrolment_time, get, now, post_json, report, send};

#[tokio::test]
async fn every_answer_a_device_reads_carries_the_generation_a_restore_makes_anew() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    let generation = world.store.generation().unwrap();
    assert_eq!(generation.len(), 32, "{generation}");
    assert_ne!(World::new(&[1]).store.generation().unwrap(), generation, "random, per database");

    // Devices enrol in the week they report, by the server's clock.
    world.clock.set(enrolment_time());
    let code = admin::create_invite(world.store.as_ref(), &team, enrolment_time(), 7, 2).unwrap();
    let enrol = || post_json("/v1/enrol", None, json!({"wire_version": WIRE_VERSION, "invite_code": code}));
    let (status, enrolled) = world.send(enrol()).await;
    assert_eq!(status, StatusCode::CREATED, "{enrolled}");
    assert_eq!(enrolled["generation"], generation.as_str());
    let device = enrolled["device_token"].as_str().unwrap().to_owned();
    let (_, other) = world.send(enrol()).await;
    assert_eq!(other["generation"], generation.as_str(), "the same for every device");
    world.clock.set(now());

    let (status, ack) = world.send(post_json("/v1/reports", Some(&device), report(WEEK, 4))).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        (ack["status"].as_str(), ack["generation"].as_str()),
        (Some("accepted"), Some(generation.as_str()))
    );
    // And the server's time, by its own clock, for a device whose clock runs behind to learn by how much.
    let server_time = chrono::DateTime::parse_from_rfc3339(ack["server_time"].as_str().unwrap()).unwrap();
    assert_eq!(server_time.to_utc(), now(), "{ack}");
    let (status, read) = world.send(get("/v1/questionnaire", Some(&device))).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["generation"], generation.as_str());

    // The operator restores the database and makes a new generation (`new-generation`); a
    // server started on it afterwards answers with it, and what the restored database counted
    // stays counted once.
    let rotated = world.store.new_generation(now()).unwrap();
    assert_ne!(rotated, generation);
    assert_eq!(world.store.generation().unwrap(), rotated);
    let restarted = world.open_replica();
    assert_eq!(restarted.generation().unwrap(), rotated, "kept in the database");
    let (status, ack) =
        send(world.app_on(restarted.clone()), post_json("/v1/reports", Some(&device), report(WEEK, 4))).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        (ack["status"].as_str(), ack["generation"].as_str()),
        (Some("duplicate"), Some(rotated.as_str()))
    );
    let (_, read) = send(world.app_on(restarted), get("/v1/questionnaire", Some(&device))).await;
    assert_eq!(read["generation"], rotated.as_str());
    let counted = world.snapshot();
    assert!(!counted.is_empty() && counted.iter().all(|aggregate| aggregate.n == 1), "{counted:?}");
}

/// A device the restored server no longer knows joins again (a new enrolment, this week): it
/// cannot report last week, restore or not. The app never sends an earlier enrolment's report
/// under a new one, and the server lets no device back-fill a week before its enrolment.
#[tokio::test]
async fn a_device_that_joins_again_after_a_restore_cannot_back_fill_a_week() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    let device = world.enrol_at(&team, now()).await;
    let (status, refused) = world.send(post_json("/v1/reports", Some(&device), report(WEEK, 4))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["code"], "week_before_enrolment");

    world.store.new_generation(now()).unwrap();
    let rejoined = world.enrol_at(&team, now()).await;
    let (status, refused) = world.send(post_json("/v1/reports", Some(&rejoined), report(WEEK, 4))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["code"], "week_before_enrolment");
    assert!(world.snapshot().is_empty(), "nothing counted");
}

/// `polso-server … arguments`: whether it succeeded, and what it said on stderr.
fn run_binary(arguments: &[&str]) -> (bool, String) {
    let output =
        std::process::Command::new(env!("CARGO_BIN_EXE_polso-server")).args(arguments).output().unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn generation_in(path: &std::path::Path) -> String {
    polso_server::SqliteServerStore::open(path).unwrap().generation().unwrap()
}

/// The operator's commands through the real binary: a backup while the server serves; a
/// restore refused while it runs, from a file that is no backup and onto a PostgreSQL URL, each
/// with words that say what to do and nothing changed; then, the server stopped, the backup in
/// place with a new generation, and `new-generation` making another.
#[test]
fn the_operator_backs_up_while_serving_and_restores_only_a_stopped_server() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("org.db");
    let backup = directory.path().join("backup.db");
    let text = |path: &std::path::Path| path.to_str().unwrap().to_owned();
    let (db, backup_text) = (text(&database), text(&backup));
    crate::real_binary::admin(&database, &["init-org", "--name", "Acme"]);
    let server = crate::real_binary::RunningServer::spawn(&database, &["serve", "--listen", "127.0.0.1:0"]);

    let (ok, said) = run_binary(&["--db", &db, "backup", "--to", &backup_text]);
    assert!(ok, "{said}");
    let (ok, said) = run_binary(&["--db", &db, "backup", "--to", &backup_text]);
    assert!(!ok && said.contains("already exists"), "{said}");
    let (ok, said) = run_binary(&["--db", &db, "restore", "--from", &backup_text]);
    assert!(!ok && said.contains("in use") && said.contains("stop the server"), "{said}");
    let notes = directory.path().join("notes.txt");
    std::fs::write(&notes, "not a database".repeat(200)).unwrap();
    let (ok, said) = run_binary(&["--db", &db, "restore", "--from", &text(&notes)]);
    assert!(!ok && said.contains("is not a Polso server database"), "{said}");
    let (ok, said) = run_binary(&[
        "--database-url",
        "postgres://nobody@127.0.0.1:9/none",
        "restore",
        "--from",
        &backup_text,
    ]);
    assert!(!ok && said.contains("new-generation"), "{said}");
    server.stop();

    let before = generation_in(&database);
    assert_eq!(generation_in(&backup), before, "a backup is a copy");
    let (ok, said) = run_binary(&["--db", &db, "restore", "--from", &backup_text]);
    assert!(ok, "{said}");
    let restored = generation_in(&database);
    assert_ne!(restored, before);
    assert!(said.contains(&restored), "the new generation is named: {said}");
    let (ok, said) = run_binary(&["--db", &db, "new-generation"]);
    assert!(ok, "{said}");
    assert_ne!(generation_in(&database), restored);
}
