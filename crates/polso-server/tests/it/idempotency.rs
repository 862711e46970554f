//! A report sent many times, one after another or all at once, counts once;
//! the same device and week is a duplicate whatever the retry holds.

use axum::http::StatusCode;

use crate::support::{WEEK, World, asked_items, post_json, report, send, world_seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_report_sent_fifty_times_at_once_counts_once() {
    let world = World::new(&[1]);
    let device = world.enrol(&world.teams[0][0]).await;
    let body = report(WEEK, 4);

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

    // Every asked item and the metric each one scores (one item per metric this week).
    let asked = asked_items(world_seed(), WEEK);
    let aggregates = world.snapshot();
    assert_eq!(aggregates.len(), asked.len() * 2, "the asked items and their metrics: {aggregates:?}");
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
    let body = report(WEEK, 4);
    world.report_ok(&device, body.clone()).await;
    let before = world.snapshot();
    let mut reordered = body;
    reordered["items"].as_array_mut().unwrap().reverse();
    let (status, ack) = world.send(post_json("/v1/reports", Some(&device), reordered)).await;
    assert_eq!((status, ack["status"].as_str()), (StatusCode::OK, Some("duplicate")), "{ack}");
    assert_eq!(world.snapshot(), before);
}

#[tokio::test]
async fn a_retry_with_other_answers_is_a_duplicate_and_changes_nothing() {
    // No digest of a report's content is kept (issue 11, item 5): the device
    // and week alone make a report, so a second one cannot be told apart from
    // a retry and is not counted.
    let world = World::new(&[1]);
    let device = world.enrol(&world.teams[0][0]).await;
    world.report_ok(&device, report(WEEK, 5)).await;
    let before = world.snapshot();
    let (status, ack) = world.send(post_json("/v1/reports", Some(&device), report(WEEK, 1))).await;
    assert_eq!((status, ack["status"].as_str()), (StatusCode::OK, Some("duplicate")), "{ack}");
    assert_eq!(world.snapshot(), before);
}

#[tokio::test]
async fn two_devices_with_the_same_answers_both_count() {
    let world = World::new(&[1]);
    let first = world.enrol(&world.teams[0][0]).await;
    let second = world.enrol(&world.teams[0][0]).await;
    world.report_ok(&first, report(WEEK, 3)).await;
    world.report_ok(&second, report(WEEK, 3)).await;
    let aggregates = world.snapshot();
    assert!(!aggregates.is_empty());
    assert!(aggregates.iter().all(|aggregate| aggregate.n == 2), "{aggregates:?}");
}

/// Reports folded at once from many threads go through the store's group
/// commit: each counted exactly once, a refused one (its week published)
/// changes nothing of the others in its batch, and after every batch the WAL
/// is empty, so a copy of the files shows no past commit.
#[test]
fn concurrent_folds_are_grouped_and_a_refused_one_changes_nothing_of_the_others() {
    use polso_server::store::{Contribution, FoldOutcome, ReportFold, ServerStore, WeekPublication};

    let world = World::new(&[1]);
    let team_id = world.teams[0][0].clone();
    let open_week: polso_core::IsoWeek = WEEK.parse().unwrap();
    let published_week = open_week.previous();
    world
        .store
        .publish_week(
            &world.organisation_id,
            &WeekPublication {
                week: published_week,
                published_at: crate::support::now(),
                k: polso_core::anonymity::Threshold::DEFAULT,
                epsilon: None,
                cells: Vec::new(),
                ledger: Vec::new(),
            },
        )
        .unwrap();
    let fold = |device: u8, week: polso_core::IsoWeek| ReportFold {
        receipt: [device; 32],
        organisation_id: world.organisation_id.clone(),
        team_id: team_id.clone(),
        week,
        contributions: vec![Contribution { key: "item:x".to_owned(), value: 3.0, bin: 2, n_bins: 5 }],
    };
    let folds: Vec<ReportFold> = (0..40u8)
        .map(|device| fold(device, if device % 5 == 0 { published_week } else { open_week }))
        .chain((1..40u8).filter(|device| device % 5 != 0).map(|device| fold(device, open_week)))
        .collect();
    let store: std::sync::Arc<dyn ServerStore> = world.store.clone();
    let outcomes: Vec<(ReportFold, Result<FoldOutcome, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = folds
            .into_iter()
            .map(|fold| {
                let store = store.clone();
                scope.spawn(move || {
                    let outcome = store.fold_report(&fold).map_err(|error| format!("{:?}", error.code()));
                    (fold, outcome)
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    let refused = outcomes.iter().filter(|(_, outcome)| outcome == &Err("WeekPublished".to_owned())).count();
    let counted = outcomes.iter().filter(|(_, outcome)| outcome == &Ok(FoldOutcome::Counted)).count();
    let duplicates =
        outcomes.iter().filter(|(_, outcome)| outcome == &Ok(FoldOutcome::AlreadyCounted)).count();
    // 40 devices, every fifth for the published week; then the 32 others again.
    assert_eq!((refused, counted, duplicates), (8, 32, 32));
    for (fold, outcome) in &outcomes {
        assert_eq!(outcome.is_err(), fold.week == published_week, "{fold:?} {outcome:?}");
    }
    let aggregates = world.snapshot();
    assert_eq!(aggregates.len(), 1, "{aggregates:?}");
    assert_eq!((aggregates[0].week, aggregates[0].n), (open_week, 32));
    // SQLite's WAL is truncated after each batch (PostgreSQL's belongs to the database server).
    if let Some(database) = world.sqlite_path() {
        let wal = database.with_extension("db-wal");
        assert_eq!(std::fs::metadata(&wal).map(|meta| meta.len()).unwrap_or(0), 0, "the WAL is truncated");
    }
}
