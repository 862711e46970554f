//! A report sent many times, one after another or all at once, counts once.

use axum::http::StatusCode;

use crate::support::{WEEK, World, post_json, report, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_report_sent_fifty_times_at_once_counts_once() {
    let world = World::new(&[1]);
    let device = world.enrol(&world.teams[0][0]).await;
    let body = report(WEEK, &[4, 2, 5], 62.5);

    let mut sends = Vec::new();
    for _ in 0..50 {
        let request = post_json("/v1/reports", Some(&device), body.clone());
        sends.push(tokio::spawn(send(world.app(), request)));
    }
    let mut statuses = Vec::new();
    for handle in sends {
        let (status, ack) = handle.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{ack}");
        assert_eq!(ack["week"], WEEK);
        statuses.push(ack["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(statuses.iter().filter(|status| *status == "accepted").count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| *status == "duplicate").count(), 49, "{statuses:?}");

    let aggregates = world.snapshot();
    assert_eq!(aggregates.len(), 4, "three items and one metric: {aggregates:?}");
    assert!(aggregates.iter().all(|aggregate| aggregate.n == 1), "{aggregates:?}");

    // And once more, later: still a duplicate, still counted once.
    let (status, ack) = world.send(post_json("/v1/reports", Some(&device), body)).await;
    assert_eq!((status, ack["status"].as_str()), (StatusCode::OK, Some("duplicate")));
    assert_eq!(world.snapshot(), aggregates);
}

#[tokio::test]
async fn a_retry_with_items_in_another_order_is_the_same_report() {
    let world = World::new(&[1]);
    let device = world.enrol(&world.teams[0][0]).await;
    let body = report(WEEK, &[4, 2], 62.5);
    world.report_ok(&device, body.clone()).await;
    let mut reordered = body;
    reordered["items"].as_array_mut().unwrap().reverse();
    let (status, ack) = world.send(post_json("/v1/reports", Some(&device), reordered)).await;
    assert_eq!((status, ack["status"].as_str()), (StatusCode::OK, Some("duplicate")), "{ack}");
}

#[tokio::test]
async fn two_devices_with_the_same_answers_both_count() {
    let world = World::new(&[1]);
    let first = world.enrol(&world.teams[0][0]).await;
    let second = world.enrol(&world.teams[0][0]).await;
    world.report_ok(&first, report(WEEK, &[3], 50.0)).await;
    world.report_ok(&second, report(WEEK, &[3], 50.0)).await;
    assert!(world.snapshot().iter().all(|aggregate| aggregate.n == 2));
}
