//! Issue 19, restores: the database's generation travels on every answer a
//! device reads (enrolment, each report's acknowledgement, the questionnaire
//! check), is the same for every device, and changes only when the operator
//! makes a new one after a restore; a report counted before the new
//! generation is still a duplicate after it, so a device that sends it again
//! is counted once. Both stores (`POLSO_TEST_STORE=postgres`).

use axum::http::StatusCode;
use polso_api::WIRE_VERSION;
use polso_server::admin;
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

/// A device the restored server no longer knows joins again (a new enrolment, this week) and
/// sends the report it kept for last week, which was still collecting at the restore: counted.
/// Without a restore, a device that enrolled this week cannot report last week.
#[tokio::test]
async fn a_device_that_joins_again_after_a_restore_reports_the_weeks_still_collecting() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    let device = world.enrol_at(&team, now()).await;
    let (status, refused) = world.send(post_json("/v1/reports", Some(&device), report(WEEK, 4))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["code"], "week_before_enrolment");

    world.store.new_generation(now()).unwrap();
    let rejoined = world.enrol_at(&team, now()).await;
    let (status, ack) = world.send(post_json("/v1/reports", Some(&rejoined), report(WEEK, 4))).await;
    assert_eq!((status, ack["status"].as_str()), (StatusCode::OK, Some("accepted")), "{ack}");
    assert_eq!(world.snapshot().iter().map(|aggregate| aggregate.n).max(), Some(1));
}
