//! The k rule through the API: a cell appears only once k devices reported,
//! and totals never let a suppressed team be recovered by subtraction.

use polso_core::IsoWeek;
use serde_json::{Value, json};

use crate::support::{WEEK, World, report};

fn cell<'cells>(cells: &'cells [Value], unit_id: &str) -> &'cells Value {
    cells.iter().find(|cell| cell["unit_id"] == unit_id).unwrap_or_else(|| panic!("no cell for {unit_id}"))
}

fn assert_no_values(cell: &Value) {
    assert_eq!(cell["released"], false, "{cell}");
    for field in ["n", "mean", "sd", "histogram"] {
        assert!(cell[field].is_null(), "a suppressed cell carries {field}: {cell}");
    }
}

#[tokio::test]
async fn a_team_cell_appears_only_once_k_devices_reported() {
    let world = World::new(&[2]);
    let team = world.teams[0][0].clone();
    let query = format!("unit=team&key=trust&from={WEEK}&to={WEEK}&unit_id={team}");
    for device_number in 1..=6u32 {
        let device = world.enrol(&team).await;
        world.report_ok(&device, report(WEEK, &[3], 40.0 + f64::from(device_number))).await;
        let cells = world.read_cells(&query).await;
        assert_eq!(cells.len(), 1);
        if device_number < 5 {
            assert_no_values(&cells[0]);
            // Neither the department nor the organisation gives it away.
            for unit in ["department", "organisation"] {
                for cell in world.read_cells(&format!("unit={unit}&key=trust&from={WEEK}&to={WEEK}")).await {
                    assert_no_values(&cell);
                }
            }
        } else {
            assert_eq!(cells[0]["released"], true, "{}", cells[0]);
            assert_eq!(cells[0]["n"], device_number);
            let expected_mean =
                (1..=device_number).map(|n| 40.0 + f64::from(n)).sum::<f64>() / f64::from(device_number);
            assert!((cells[0]["mean"].as_f64().unwrap() - expected_mean).abs() < 1e-9);
        }
    }
    let response = world.read_cells(&format!("unit=organisation&key=trust&from={WEEK}&to={WEEK}")).await;
    assert_eq!(response[0]["n"], 6);
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
            world.report_ok(&device, report(WEEK, &[2, 4], 55.0)).await;
        }
    }
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
async fn raising_k_applies_to_every_read_at_once() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    for _ in 0..5 {
        let device = world.enrol(&team).await;
        world.report_ok(&device, report(WEEK, &[3], 50.0)).await;
    }
    let query = format!("unit=team&key=trust&from={WEEK}&to={WEEK}");
    assert_eq!(world.read_cells(&query).await[0]["released"], true);
    polso_server::admin::set_threshold(world.store.as_ref(), &world.organisation_id, 6).unwrap();
    assert_no_values(&world.read_cells(&query).await[0]);
}

#[tokio::test]
async fn a_week_the_schedule_did_not_ask_is_not_asked_rather_than_fewer_than_k() {
    // The world's schedule asks trust in WEEK and so not in the week before
    // (a driver is asked one week in four).
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    let asked_week: IsoWeek = WEEK.parse().unwrap();
    let not_asked_week = asked_week.previous();
    let query = format!("unit=team&key=trust&from={not_asked_week}&to={WEEK}&unit_id={team}");

    let by_week = |cells: Vec<Value>| -> (Value, Value) {
        assert_eq!(cells.len(), 2, "{cells:?}");
        assert_eq!(cells[0]["week"], not_asked_week.to_string());
        assert_eq!(cells[1]["week"], WEEK);
        (cells[0].clone(), cells[1].clone())
    };

    // Fewer than k reports in the asked week: asked, and withheld.
    let mut devices = Vec::new();
    for _ in 0..3 {
        let device = world.enrol(&team).await;
        world.report_ok(&device, report(WEEK, &[3], 50.0)).await;
        devices.push(device);
    }
    let (not_asked, asked) = by_week(world.read_cells(&query).await);
    assert_eq!(not_asked["asked"], false, "{not_asked}");
    assert_no_values(&not_asked);
    assert_eq!(asked["asked"], true, "{asked}");
    assert_no_values(&asked);

    // k reports in the asked week: released. Even a trust score sent for the
    // week that did not ask it (say, by a device on another bank) is neither
    // counted nor shown there.
    for _ in 0..3 {
        let device = world.enrol(&team).await;
        world.report_ok(&device, report(WEEK, &[3], 50.0)).await;
        devices.push(device);
    }
    for device in &devices {
        world.report_ok(device, report(&not_asked_week.to_string(), &[3], 50.0)).await;
    }
    let (not_asked, asked) = by_week(world.read_cells(&query).await);
    assert_eq!((&asked["asked"], &asked["released"], &asked["n"]), (&json!(true), &json!(true), &json!(6)));
    assert_eq!(not_asked["asked"], false, "{not_asked}");
    assert_no_values(&not_asked);

    // So at every level.
    for unit in ["department", "organisation"] {
        let cells = world.read_cells(&format!("unit={unit}&key=trust&from={not_asked_week}&to={WEEK}")).await;
        let (not_asked, asked) = by_week(cells);
        assert_eq!(
            (&not_asked["asked"], &asked["asked"], &asked["released"]),
            (&json!(false), &json!(true), &json!(true))
        );
        assert_no_values(&not_asked);
    }
}
