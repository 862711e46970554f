//! The k rule through the API under published releases (issue 11): nothing
//! of a week is served while it collects reports, so polling between
//! arrivals tells nothing; once published, a cell is released iff at least k
//! devices reported, totals never let a suppressed team be recovered by
//! subtraction, and the published week never changes again.

use chrono::Duration;
use polso_core::IsoWeek;
use serde_json::{Value, json};

use crate::support::{WEEK, World, publish_time, report, trust_score};

fn cell<'cells>(cells: &'cells [Value], unit_id: &str) -> &'cells Value {
    cells.iter().find(|cell| cell["unit_id"] == unit_id).unwrap_or_else(|| panic!("no cell for {unit_id}"))
}

fn assert_no_values(cell: &Value) {
    assert_eq!(cell["released"], false, "{cell}");
    for field in ["n", "mean", "sd", "histogram"] {
        assert!(cell[field].is_null(), "a suppressed cell carries {field}: {cell}");
    }
}

/// The mean trust score of reports whose trust item is each of `values`.
fn mean_trust(values: &[u8]) -> f64 {
    values.iter().map(|&value| trust_score(value)).sum::<f64>() / values.len() as f64
}

#[tokio::test]
async fn polling_between_arrivals_shows_nothing_of_a_collecting_week() {
    // Issue 11's first attack: HR reads after each arrival and subtracts
    // consecutive reads. Every read while the week collects must be the same
    // empty table, at every level, whatever arrived in between.
    let world = World::new(&[2]);
    let team = world.teams[0][0].clone();
    let queries: Vec<String> = [
        format!("unit=team&key=trust&from={WEEK}&to={WEEK}&unit_id={team}"),
        "unit=team&key=trust&from=2026-W40&to=2026-W52".to_owned(),
        "unit=department&key=trust&from=2026-W40&to=2026-W52".to_owned(),
        "unit=organisation&key=trust&from=2026-W40&to=2026-W52".to_owned(),
    ]
    .into();
    let mut first_reads: Option<Vec<Value>> = None;
    let mut values = Vec::new();
    for device_number in 1..=7u8 {
        let device = world.enrol(&team).await;
        let value = 1 + device_number % 5;
        world.report_ok(&device, report(WEEK, value)).await;
        values.push(value);
        let mut reads = Vec::new();
        for query in &queries {
            let table = world.read_table(query).await;
            assert!(table["published_through"].is_null(), "{table}");
            assert_eq!(table["next_publication"]["week"], WEEK, "{table}");
            assert_eq!(table["next_publication"]["at"], "2026-11-28T12:00:00Z", "{table}");
            assert_eq!(table["cells"], json!([]), "a collecting week is served: {table}");
            reads.push(table);
        }
        // Nothing at all differs between reads around an arrival.
        match &first_reads {
            None => first_reads = Some(reads),
            Some(first) => assert_eq!(&reads, first, "a read changed after report {device_number}"),
        }
    }

    // Once published, the week is there, exactly.
    world.advance_to_publication();
    let table = world.read_table(&queries[0]).await;
    assert_eq!(table["published_through"], WEEK, "{table}");
    assert_eq!(table["next_publication"]["week"], "2026-W48", "{table}");
    let cells = table["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1, "{table}");
    assert_eq!((&cells[0]["released"], &cells[0]["n"]), (&json!(true), &json!(7)), "{table}");
    assert!((cells[0]["mean"].as_f64().unwrap() - mean_trust(&values)).abs() < 1e-9, "{table}");
}

#[tokio::test]
async fn after_publication_a_team_cell_is_released_iff_k_devices_reported() {
    for n_devices in 3..=6u8 {
        let world = World::new(&[1]);
        let team = world.teams[0][0].clone();
        let mut values = Vec::new();
        for device_number in 0..n_devices {
            let device = world.enrol(&team).await;
            let value = 1 + device_number % 5;
            // A trust score no answer gives: the server scores the items itself.
            let mut body = report(WEEK, value);
            body["metrics"] = json!([{"metric": "trust", "score": 99.0}]);
            world.report_ok(&device, body).await;
            values.push(value);
        }
        world.advance_to_publication();
        for unit in ["team", "department", "organisation"] {
            let cells = world.read_cells(&format!("unit={unit}&key=trust&from={WEEK}&to={WEEK}")).await;
            assert_eq!(cells.len(), 1, "{n_devices} devices, {unit}: {cells:?}");
            if n_devices < 5 {
                assert_no_values(&cells[0]);
            } else {
                assert_eq!(cells[0]["released"], true, "{}", cells[0]);
                assert_eq!(cells[0]["n"], n_devices, "{}", cells[0]);
                let mean = cells[0]["mean"].as_f64().unwrap();
                assert!((mean - mean_trust(&values)).abs() < 1e-9, "{}", cells[0]);
                // n < 2k: the mean leaves, the spread does not.
                assert!(cells[0]["sd"].is_null() && cells[0]["histogram"].is_null(), "{}", cells[0]);
            }
        }
    }
}

#[tokio::test]
async fn a_department_total_never_reveals_a_suppressed_team() {
    // Department 0: teams of 6 and 2 devices; department 1: one team of 5.
    let world = World::new(&[2, 1]);
    let devices_per_team =
        [(world.teams[0][0].clone(), 6), (world.teams[0][1].clone(), 2), (world.teams[1][0].clone(), 5)];
    for (team, n_devices) in &devices_per_team {
        for _ in 0..*n_devices {
            let device = world.enrol(team).await;
            world.report_ok(&device, report(WEEK, 4)).await;
        }
    }
    world.advance_to_publication();
    let range = format!("key=trust&from={WEEK}&to={WEEK}");
    let teams = world.read_cells(&format!("unit=team&{range}")).await;
    let departments = world.read_cells(&format!("unit=department&{range}")).await;
    let organisation = world.read_cells(&format!("unit=organisation&{range}")).await;

    // The team of two is suppressed, and so is its sibling: otherwise the
    // department's 8 minus the sibling's 6 would give the pair back.
    assert_no_values(cell(&teams, &world.teams[0][1]));
    assert_no_values(cell(&teams, &world.teams[0][0]));
    assert_eq!(cell(&departments, &world.departments[0])["n"], 8);
    assert_eq!(cell(&teams, &world.teams[1][0])["n"], 5);
    assert_eq!(organisation[0]["n"], 13);

    // The general promise: under a released parent, the suppressed children
    // that hold reports are never exactly one.
    for (department_position, department_id) in world.departments.iter().enumerate() {
        let department_cell = cell(&departments, department_id);
        let suppressed_with_data = world.teams[department_position]
            .iter()
            .filter(|team| cell(&teams, team)["released"] == false)
            .filter(|team| devices_per_team.iter().any(|(id, n)| id == *team && *n > 0))
            .count();
        if department_cell["released"] == true {
            assert_ne!(suppressed_with_data, 1, "department {department_position}");
        }
    }
    let suppressed_departments = departments.iter().filter(|cell| cell["released"] == false).count();
    if organisation[0]["released"] == true {
        assert_ne!(suppressed_departments, 1);
    }
}

#[tokio::test]
async fn k_applies_at_publication_and_a_published_week_never_changes() {
    let query = format!("unit=team&key=trust&from={WEEK}&to={WEEK}");
    let world_with_five_reports = || async {
        let world = World::new(&[1]);
        let team = world.teams[0][0].clone();
        for _ in 0..5 {
            let device = world.enrol(&team).await;
            world.report_ok(&device, report(WEEK, 3)).await;
        }
        world
    };

    // Raised while the week collects: the publication uses the new k.
    let raised_before = world_with_five_reports().await;
    polso_server::admin::set_threshold(raised_before.store.as_ref(), &raised_before.organisation_id, 6)
        .unwrap();
    raised_before.advance_to_publication();
    let table = raised_before.read_table(&query).await;
    assert_eq!((&table["k"], &table["published_through"]), (&json!(6), &json!(WEEK)), "{table}");
    assert_no_values(&table["cells"][0]);

    // Raised after publication: the snapshot is what every later read returns.
    let raised_after = world_with_five_reports().await;
    raised_after.advance_to_publication();
    let published = raised_after.read_cells(&query).await;
    assert_eq!((&published[0]["released"], &published[0]["n"]), (&json!(true), &json!(5)));
    polso_server::admin::set_threshold(raised_after.store.as_ref(), &raised_after.organisation_id, 6)
        .unwrap();
    assert_eq!(raised_after.read_cells(&query).await, published);
}

#[tokio::test]
async fn a_week_the_schedule_did_not_ask_is_not_asked_rather_than_fewer_than_k() {
    // The world's schedule asks trust in WEEK, not in the week before, and
    // not in the week after (a WHO-5 week).
    let asked_week: IsoWeek = WEEK.parse().unwrap();
    let week_before = asked_week.previous();
    let week_after = asked_week.next();
    let by_week = |cells: Vec<Value>| -> Vec<Value> {
        assert_eq!(cells.len(), 3, "{cells:?}");
        for (cell, week) in cells.iter().zip([week_before, asked_week, week_after]) {
            assert_eq!(cell["week"], week.to_string(), "{cell}");
        }
        cells
    };
    let query = |unit: &str| format!("unit={unit}&key=trust&from={week_before}&to={week_after}");

    // Fewer than k reports in the asked week: asked, and withheld.
    let few = World::new(&[1]);
    for _ in 0..3 {
        let device = few.enrol(&few.teams[0][0]).await;
        few.report_ok(&device, report(WEEK, 3)).await;
    }
    few.advance_to_publication();
    let cells = few.read_cells(&format!("unit=team&key=trust&from={week_before}&to={WEEK}")).await;
    assert_eq!(cells.len(), 2, "{cells:?}");
    assert_eq!((&cells[0]["asked"], &cells[1]["asked"]), (&json!(false), &json!(true)));
    cells.iter().for_each(assert_no_values);

    // k reports in the asked week: released. A trust score sent for the week
    // after, which did not ask it (say, by a device on another bank), is
    // neither counted nor shown there.
    let world = World::new(&[1]);
    let mut devices = Vec::new();
    for _ in 0..6 {
        let device = world.enrol(&world.teams[0][0]).await;
        world.report_ok(&device, report(WEEK, 3)).await;
        devices.push(device);
    }
    // The Wednesday after the week after: it collects reports.
    world.clock.set(crate::support::now() + Duration::days(7));
    for device in &devices {
        let mut body = report(&week_after.to_string(), 3);
        body["metrics"].as_array_mut().unwrap().push(json!({"metric": "trust", "score": 50.0}));
        world.report_ok(device, body).await;
    }
    // Both weeks published.
    world.clock.set(publish_time() + Duration::days(7));
    let table = world.read_table(&query("team")).await;
    assert_eq!(table["published_through"], week_after.to_string(), "{table}");
    let cells = by_week(table["cells"].as_array().unwrap().clone());
    assert_eq!(
        (&cells[1]["asked"], &cells[1]["released"], &cells[1]["n"]),
        (&json!(true), &json!(true), &json!(6))
    );
    for not_asked in [&cells[0], &cells[2]] {
        assert_eq!(not_asked["asked"], false, "{not_asked}");
        assert_no_values(not_asked);
    }

    // So at every level.
    for unit in ["department", "organisation"] {
        let cells = by_week(world.read_cells(&query(unit)).await);
        assert_eq!(
            (&cells[0]["asked"], &cells[1]["asked"], &cells[1]["released"], &cells[2]["asked"]),
            (&json!(false), &json!(true), &json!(true), &json!(false))
        );
        assert_no_values(&cells[0]);
        assert_no_values(&cells[2]);
    }
}

#[tokio::test]
async fn a_late_report_after_publication_is_refused_and_changes_nothing() {
    use axum::http::StatusCode;
    use polso_server::store::{Contribution, ReportFold};

    use crate::support::{assert_error, post_json};

    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    let mut values = Vec::new();
    for device_number in 0..5u8 {
        let device = world.enrol(&team).await;
        world.report_ok(&device, report(WEEK, 1 + device_number)).await;
        values.push(1 + device_number);
    }
    let counted_device = world.enrol(&team).await;
    let late_device = world.enrol(&team).await;

    // The last second of the window still counts; its end does not.
    world.clock.set(publish_time() - Duration::seconds(1));
    world.report_ok(&counted_device, report(WEEK, 5)).await;
    values.push(5);
    let collected = world.snapshot();
    world.advance_to_publication();
    let refused = world.send(post_json("/v1/reports", Some(&late_device), report(WEEK, 1))).await;
    assert_error(&refused, StatusCode::GONE, "week_published");
    assert_eq!(world.snapshot(), collected, "a refused report changed the sums");

    // Published at the first read: six reports, and the raw sums are gone.
    let query = format!("unit=team&key=trust&from={WEEK}&to={WEEK}");
    let published = world.read_table(&query).await;
    assert_eq!(published["published_through"], WEEK, "{published}");
    assert_eq!((&published["cells"][0]["released"], &published["cells"][0]["n"]), (&json!(true), &json!(6)));
    let mean = published["cells"][0]["mean"].as_f64().unwrap();
    assert!((mean - mean_trust(&values)).abs() < 1e-9, "{published}");
    assert!(world.snapshot().is_empty(), "the published week's raw sums are kept: {:?}", world.snapshot());

    // Later reports for the week, new or retried, are refused and the release stays as it was.
    for device in [&late_device, &counted_device] {
        let refused = world.send(post_json("/v1/reports", Some(device), report(WEEK, 1))).await;
        assert_error(&refused, StatusCode::GONE, "week_published");
    }
    // Even a fold that skipped the HTTP checks is refused by the store.
    let fold = ReportFold {
        receipt: [7; 32],
        organisation_id: world.organisation_id.clone(),
        team_id: team.clone(),
        week: WEEK.parse().unwrap(),
        contributions: vec![Contribution { key: "metric:trust".to_owned(), value: 0.0, bin: 0, n_bins: 10 }],
    };
    let error = world.store.fold_report(&fold).unwrap_err();
    assert_eq!(error.code(), polso_api::ErrorCode::WeekPublished, "{error}");
    assert!(world.snapshot().is_empty());
    world.clock.set(publish_time() + Duration::days(1));
    let later = world.read_table(&query).await;
    assert_eq!(later["cells"], published["cells"]);
    assert_eq!(later["published_through"], published["published_through"]);
}
