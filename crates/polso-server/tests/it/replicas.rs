//! Several server processes on one database (replicas behind a load
//! balancer): a report sent to two of them at once counts once, a week that
//! two of them publish at once is published once, and HR reads the same from
//! either. Each replica is a store of its own on the world's database, as a
//! second process opens it; the tests run on SQLite and, under
//! `POLSO_TEST_STORE=postgres`, on PostgreSQL.

use axum::http::StatusCode;

use crate::support::{WEEK, World, get, post_json, report, send};

/// Devices enough for a released team cell at the default k.
const DEVICES: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_report_sent_to_two_replicas_at_once_counts_once() {
    let world = World::new(&[1]);
    let replica = world.open_replica();
    let team = world.teams[0][0].clone();
    let mut devices = Vec::new();
    for _ in 0..DEVICES {
        devices.push(world.enrol(&team).await);
    }

    let mut sends = Vec::new();
    for (position, device) in devices.iter().enumerate() {
        let body = report(WEEK, 1 + (position % 5) as u8);
        for app in [world.app(), world.app_on(replica.clone())] {
            sends.push(tokio::spawn(send(app, post_json("/v1/reports", Some(device), body.clone()))));
        }
    }
    let mut accepted = 0;
    let mut duplicates = 0;
    for handle in sends {
        let (status, ack) = handle.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{ack}");
        match ack["status"].as_str() {
            Some("accepted") => accepted += 1,
            Some("duplicate") => duplicates += 1,
            other => panic!("unexpected acknowledgement {other:?}: {ack}"),
        }
    }
    assert_eq!((accepted, duplicates), (DEVICES, DEVICES), "one of each pair is counted");
    let aggregates = world.snapshot();
    assert!(!aggregates.is_empty());
    assert!(aggregates.iter().all(|aggregate| aggregate.n == DEVICES as u32), "{aggregates:?}");
    // The replica reads the same sums.
    let weeks = WEEK.parse().unwrap()..=WEEK.parse().unwrap();
    assert_eq!(replica.team_aggregates(&world.organisation_id, None, weeks).unwrap(), aggregates);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_publishing_a_week_at_once_publish_it_once_and_serve_the_same() {
    let world = World::new(&[1]);
    let replicas: Vec<_> = (0..3).map(|_| world.open_replica()).collect();
    let team = world.teams[0][0].clone();
    for position in 0..DEVICES {
        let device = world.enrol(&team).await;
        world.report_ok(&device, report(WEEK, 1 + (position % 5) as u8)).await;
    }
    world.advance_to_publication();

    // Every replica's first HR read publishes the due week, all at once.
    let query = format!("/v1/aggregates?unit=team&key=trust&from={WEEK}&to={WEEK}");
    let mut reads = Vec::new();
    for replica in replicas.iter().cloned().chain([world.store.clone()]) {
        reads.push(tokio::spawn(send(world.app_on(replica), get(&query, Some(&world.hr_token)))));
    }
    let mut tables = Vec::new();
    for handle in reads {
        let (status, body) = handle.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        tables.push(body);
    }
    let week = WEEK.parse().unwrap();
    assert_eq!(world.store.last_published_week(&world.organisation_id).unwrap(), Some(week));
    // Each read saw the week published, by itself or by another replica, and
    // all serve the one publication: the same cells, the team's with every report.
    let cells = |table: &serde_json::Value| table["cells"].clone();
    for table in &tables {
        assert_eq!(table["published_through"], WEEK, "{table}");
        assert_eq!(cells(table), cells(&tables[0]), "replicas serve different publications");
    }
    let team_cell = tables[0]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|cell| cell["unit_id"] == team.as_str())
        .unwrap_or_else(|| panic!("no cell of the team: {}", tables[0]));
    assert_eq!(team_cell["n"], DEVICES, "{team_cell}");
    // Nothing of the week's raw sums is left on any replica's database.
    assert!(world.snapshot().is_empty(), "raw sums kept after publication");
}
