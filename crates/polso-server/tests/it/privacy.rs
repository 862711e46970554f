//! Differential privacy through the API: off by default (exact values), on
//! only through the administrator's setting, and then fixed per cell so a
//! repeated query returns the same noisy values.

use serde_json::Value;

use crate::support::{WEEK, World, report};

const QUERY: &str = "unit=team&key=trust&from=2026-W47&to=2026-W47";

async fn world_with_reports() -> World {
    let world = World::new(&[2]);
    for (team_position, team) in world.teams[0].clone().iter().enumerate() {
        for device_number in 0..8u32 {
            let device = world.enrol(team).await;
            let score = 30.0 + f64::from(device_number) * 7.0 + team_position as f64;
            world.report_ok(&device, report(WEEK, &[3], score)).await;
        }
    }
    world
}

fn figures(cells: &[Value]) -> Vec<(Value, Value, Value, Value)> {
    cells
        .iter()
        .map(|cell| (cell["n"].clone(), cell["mean"].clone(), cell["sd"].clone(), cell["histogram"].clone()))
        .collect()
}

#[tokio::test]
async fn without_differential_privacy_cells_are_exact() {
    let world = world_with_reports().await;
    let cells = world.read_cells(QUERY).await;
    assert_eq!(cells.len(), 2);
    let exact_means: Vec<f64> = (0..2)
        .map(|team| (0..8).map(|i| 30.0 + f64::from(i) * 7.0 + f64::from(team)).sum::<f64>() / 8.0)
        .collect();
    for cell in &cells {
        assert_eq!(cell["n"], 8, "{cell}");
        let mean = cell["mean"].as_f64().unwrap();
        assert!(exact_means.iter().any(|exact| (mean - exact).abs() < 1e-9), "{cell}");
    }
}

#[tokio::test]
async fn with_differential_privacy_the_same_query_gives_the_same_noisy_values() {
    let world = world_with_reports().await;
    let exact = figures(&world.read_cells(QUERY).await);
    polso_server::admin::set_privacy(world.store.as_ref(), &world.organisation_id, Some("0.5")).unwrap();

    let first = figures(&world.read_cells(QUERY).await);
    for _ in 0..3 {
        assert_eq!(figures(&world.read_cells(QUERY).await), first, "a repeated query changed its values");
    }
    assert_ne!(first, exact, "ε = 0.5 left every value exact");
    // The two teams' cells carry different noise.
    let noise_of = |position: usize| {
        (first[position].0.as_i64().unwrap() - 8, first[position].3.clone(), exact[position].3.clone())
    };
    assert_ne!(noise_of(0), noise_of(1));
    for (n, mean, _, histogram) in &first {
        assert!(n.as_u64().unwrap() >= 5);
        assert!((0.0..=100.0).contains(&mean.as_f64().unwrap()));
        assert_eq!(histogram.as_array().unwrap().len(), 10);
    }

    // A request parameter cannot turn it off.
    let (status, _) = world
        .send(crate::support::get(&format!("/v1/aggregates?{QUERY}&epsilon=100"), Some(&world.hr_token)))
        .await;
    assert_eq!(status, 400);

    // A new setting draws fresh noise; turning it off gives the exact values back.
    polso_server::admin::set_privacy(world.store.as_ref(), &world.organisation_id, Some("0.5")).unwrap();
    assert_ne!(figures(&world.read_cells(QUERY).await), first);
    polso_server::admin::set_privacy(world.store.as_ref(), &world.organisation_id, None).unwrap();
    assert_eq!(figures(&world.read_cells(QUERY).await), exact);
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
