//! Differential privacy through the API: on by default for organisations the
//! administrator creates, off in the test world (exact values), and drawn
//! once, at publication: every later read, a new setting or a repeated query
//! returns the same published noisy values.

use polso_server::store::PrivacySetting;
use serde_json::Value;

use crate::support::{WEEK, World, report, trust_score};

const QUERY: &str = "unit=team&key=trust&from=2026-W47&to=2026-W47";

/// Devices per team: at least 2k, so each cell's sd and histogram are released too.
const DEVICES_PER_TEAM: u8 = 10;

/// The trust value of device `device_number` of the team at `team_position`.
fn trust_value(team_position: usize, device_number: u8) -> u8 {
    (1 + device_number / 2 + team_position as u8).min(5)
}

/// Two teams of [`DEVICES_PER_TEAM`] reports, not yet published.
async fn world_with_reports() -> World {
    let world = World::new(&[2]);
    for (team_position, team) in world.teams[0].clone().iter().enumerate() {
        for device_number in 0..DEVICES_PER_TEAM {
            let device = world.enrol(team).await;
            world.report_ok(&device, report(WEEK, trust_value(team_position, device_number))).await;
        }
    }
    world
}

/// A cell's n, mean and histogram of ten-point bins.
type Figures = (u64, f64, Vec<u64>);

/// Each team's exact figures.
fn exact_figures() -> Vec<Figures> {
    (0..2)
        .map(|team_position| {
            let scores: Vec<f64> =
                (0..DEVICES_PER_TEAM).map(|device| trust_score(trust_value(team_position, device))).collect();
            let mut histogram = vec![0; 10];
            for score in &scores {
                histogram[((score / 10.0) as usize).min(9)] += 1;
            }
            (scores.len() as u64, scores.iter().sum::<f64>() / scores.len() as f64, histogram)
        })
        .collect()
}

fn figures(cells: &[Value]) -> Vec<(Value, Value, Value, Value)> {
    cells
        .iter()
        .map(|cell| (cell["n"].clone(), cell["mean"].clone(), cell["sd"].clone(), cell["histogram"].clone()))
        .collect()
}

/// A cell's (n, mean, histogram) as numbers.
fn numbers(cell: &Value) -> Figures {
    let histogram = cell["histogram"].as_array().unwrap().iter().map(|bin| bin.as_u64().unwrap()).collect();
    (cell["n"].as_u64().unwrap(), cell["mean"].as_f64().unwrap(), histogram)
}

#[tokio::test]
async fn without_differential_privacy_cells_are_exact() {
    let world = world_with_reports().await;
    world.advance_to_publication();
    let cells = world.read_cells(QUERY).await;
    assert_eq!(cells.len(), 2);
    let exact = exact_figures();
    for (cell, (n, mean, histogram)) in cells.iter().zip(&exact) {
        let (cell_n, cell_mean, cell_histogram) = numbers(cell);
        assert_eq!(cell_n, *n, "{cell}");
        assert!((cell_mean - mean).abs() < 1e-9, "{cell}");
        assert_eq!(&cell_histogram, histogram, "{cell}");
        assert!(cell["sd"].as_f64().is_some(), "{cell}");
    }
    assert_ne!(exact[0], exact[1], "the two teams should differ, so the order is checked");
}

#[tokio::test]
async fn with_differential_privacy_noise_is_drawn_once_at_publication_and_never_again() {
    let world = world_with_reports().await;
    polso_server::admin::set_privacy(world.store.as_ref(), &world.organisation_id, Some("0.5")).unwrap();
    world.advance_to_publication();

    let first = figures(&world.read_cells(QUERY).await);
    for _ in 0..3 {
        assert_eq!(figures(&world.read_cells(QUERY).await), first, "a repeated query changed its values");
    }
    let exact = exact_figures();
    let noisy: Vec<Figures> = world.read_cells(QUERY).await.iter().map(numbers).collect();
    let differs = |(noisy, exact): (&Figures, &Figures)| {
        noisy.0 != exact.0 || (noisy.1 - exact.1).abs() > 1e-9 || noisy.2 != exact.2
    };
    assert!(noisy.iter().zip(&exact).all(differs), "ε = 0.5 left a cell exact: {noisy:?} vs {exact:?}");
    // The two teams' cells carry different noise.
    let noise_of = |position: usize| {
        let count_noise = noisy[position].0 as i64 - exact[position].0 as i64;
        let bin_noise: Vec<i64> =
            noisy[position].2.iter().zip(&exact[position].2).map(|(a, b)| *a as i64 - *b as i64).collect();
        (count_noise, bin_noise)
    };
    assert_ne!(noise_of(0), noise_of(1));
    for (n, mean, histogram) in &noisy {
        assert!(*n >= 5);
        assert!((0.0..=100.0).contains(mean));
        assert_eq!(histogram.len(), 10);
    }

    // A request parameter cannot turn it off.
    let (status, _) = world
        .send(crate::support::get(&format!("/v1/aggregates?{QUERY}&epsilon=100"), Some(&world.hr_token)))
        .await;
    assert_eq!(status, 400);

    // Neither a new setting nor turning it off re-draws or removes the
    // published noise: the snapshot is what every later read returns.
    polso_server::admin::set_privacy(world.store.as_ref(), &world.organisation_id, Some("0.5")).unwrap();
    assert_eq!(figures(&world.read_cells(QUERY).await), first);
    polso_server::admin::set_privacy(world.store.as_ref(), &world.organisation_id, None).unwrap();
    assert_eq!(figures(&world.read_cells(QUERY).await), first);
}

#[test]
fn an_organisation_the_administrator_creates_has_differential_privacy_on() {
    let world = World::new(&[]);
    let created = polso_server::admin::init_organisation(world.store.as_ref(), "Second").unwrap();
    assert_eq!(created.privacy, PrivacySetting::for_new_organisation());
    assert!(created.privacy.epsilon.is_some());
    // The test world keeps it off, for exact values.
    let tree = world.store.organisation_tree(&world.organisation_id).unwrap();
    assert_eq!(tree.organisation.privacy.epsilon, None);
}

#[test]
fn the_setting_refuses_a_bad_epsilon() {
    let world = World::new(&[1]);
    for bad in ["0", "-1", "abc", "100", "0.001"] {
        let error = polso_server::admin::set_privacy(world.store.as_ref(), &world.organisation_id, Some(bad))
            .unwrap_err();
        assert_eq!(error.code(), polso_api::ErrorCode::InvalidInput, "{bad}");
    }
}
