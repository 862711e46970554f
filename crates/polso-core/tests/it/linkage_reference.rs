//! The linkage statistics checked against an independent implementation (issue 4, Tests): the
//! synthetic data go to `tests/reference/linkage_reference.py`, which computes Pearson, Spearman,
//! Fisher-z intervals, t-distribution p-values and Benjamini–Hochberg with numpy and scipy, and every
//! number must agree to 1e-9.
//!
//! Runs when `POLSO_REFERENCE_PYTHON` names a Python interpreter with numpy and scipy
//! (`POLSO_REFERENCE_PYTHON=$(bash scripts/python-reference-env.sh) cargo test -p polso-core`);
//! otherwise it says it was skipped and passes.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use polso_core::linkage::{
    Correlation, LinkageGrid, LinkageSeries, MAX_AUTOCORRELATION_LAG_WEEKS, MAX_LAG_WEEKS,
    MIN_BETWEEN_TEAM_TEAMS, MIN_PAIRS_FOR_TEAM_MEAN, MIN_WITHIN_TEAM_PAIRS,
};
use serde_json::{Value, json};

use crate::synthetic::{SyntheticData, generate};

const TOLERANCE: f64 = 1e-9;

#[test]
fn linkage_statistics_match_scipy() {
    let Some(python) = std::env::var_os("POLSO_REFERENCE_PYTHON").filter(|value| !value.is_empty()) else {
        // Straight to stderr, past the test harness's capture, so that a skip is seen in every run.
        let _ = writeln!(
            std::io::stderr(),
            "linkage_statistics_match_scipy: skipped, POLSO_REFERENCE_PYTHON is not set \
             (POLSO_REFERENCE_PYTHON=$(bash scripts/python-reference-env.sh) cargo test -p polso-core)"
        );
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/linkage_reference.py");
    for seed in [11, 12] {
        let data = generate(seed);
        let grid = LinkageSeries::new(&data.ex, &data.cx).unwrap().grid();
        let directory = tempfile::tempdir().unwrap();
        let input_path = directory.path().join("input.json");
        let output_path = directory.path().join("output.json");
        std::fs::write(&input_path, serde_json::to_vec(&reference_input(&data, &grid)).unwrap()).unwrap();
        let output = Command::new(&python).arg(&script).arg(&input_path).arg(&output_path).output().unwrap();
        assert!(
            output.status.success(),
            "the reference script failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let reference: Value = serde_json::from_slice(&std::fs::read(&output_path).unwrap()).unwrap();
        let (checked, largest_difference) = compare(&grid, &reference);
        println!(
            "linkage_statistics_match_scipy: seed {seed}: {checked} numbers agree with scipy {} to {TOLERANCE} \
             (largest difference {largest_difference:e})",
            reference["scipy_version"]
        );
    }
}

fn reference_input(data: &SyntheticData, grid: &LinkageGrid) -> Value {
    let ex: Vec<Value> = data
        .ex
        .iter()
        .map(|o| json!({"team": o.team, "week": o.week.index(), "metric": o.metric.key(), "value": o.value}))
        .collect();
    let cx: Vec<Value> = data
        .cx
        .iter()
        .map(|o| json!({"team": o.team, "week": o.week.index(), "metric": o.metric.key(), "value": o.value}))
        .collect();
    let cells: Vec<Value> = grid
        .cells
        .iter()
        .map(|cell| {
            json!({
                "ex_metric": cell.ex_metric.key(),
                "cx_metric": cell.cx_metric.key(),
                "lag": cell.lag_weeks,
                "within_n_eff": cell.within_pearson.estimate().map(|estimate| estimate.n_effective),
            })
        })
        .collect();
    json!({
        "max_lag": MAX_LAG_WEEKS,
        "min_within_pairs": MIN_WITHIN_TEAM_PAIRS,
        "min_between_teams": MIN_BETWEEN_TEAM_TEAMS,
        "min_pairs_for_team_mean": MIN_PAIRS_FOR_TEAM_MEAN,
        "max_autocorrelation_lag": MAX_AUTOCORRELATION_LAG_WEEKS,
        "ex": ex,
        "cx": cx,
        "cells": cells,
    })
}

/// Compares every cell; returns how many numbers were compared and the largest difference.
fn compare(grid: &LinkageGrid, reference: &Value) -> (usize, f64) {
    let reference_cells = reference["cells"].as_array().unwrap();
    assert_eq!(reference_cells.len(), grid.cells.len());
    let mut checked = 0;
    let mut largest_difference: f64 = 0.0;
    let mut estimated = 0;
    let mut not_enough = 0;
    for (cell, expected) in grid.cells.iter().zip(reference_cells) {
        let label = format!("{} × {} at lag {}", cell.ex_metric.key(), cell.cx_metric.key(), cell.lag_weeks);
        assert_eq!(expected["ex_metric"], cell.ex_metric.key(), "{label}");
        assert_eq!(expected["cx_metric"], cell.cx_metric.key(), "{label}");
        assert_eq!(expected["lag"], cell.lag_weeks, "{label}");
        assert_eq!(expected["within_n"], cell.within_pearson.n, "{label}: within-team pairs");
        assert_eq!(expected["between_n"], cell.between_pearson.n, "{label}: teams");
        if let Some(estimate) = cell.within_pearson.estimate() {
            let n_eff_numpy = expected["n_eff_numpy"].as_f64().unwrap();
            let difference = assert_close(estimate.n_effective, n_eff_numpy, &format!("{label}: n_eff"));
            largest_difference = largest_difference.max(difference);
            checked += 1;
        }
        for (name, correlation) in [
            ("within_pearson", &cell.within_pearson),
            ("within_spearman", &cell.within_spearman),
            ("between_pearson", &cell.between_pearson),
            ("between_spearman", &cell.between_spearman),
        ] {
            let label = format!("{label}, {name}");
            match (correlation.estimate(), &expected[name]) {
                (None, Value::Null) => not_enough += 1,
                (Some(_), Value::Null) | (None, _) => {
                    panic!("{label}: Rust {:?}, scipy {}", correlation.outcome, expected[name])
                }
                (Some(_), expected) => {
                    let (count, difference) = compare_estimate(correlation, expected, &label);
                    checked += count;
                    largest_difference = largest_difference.max(difference);
                    estimated += 1;
                }
            }
        }
    }
    assert!(estimated > 200 && not_enough > 10, "the data must exercise both: {estimated}, {not_enough}");
    (checked, largest_difference)
}

fn compare_estimate(correlation: &Correlation, expected: &Value, label: &str) -> (usize, f64) {
    let estimate = correlation.estimate().unwrap();
    let pairs = [
        ("r", estimate.r),
        ("ci_low", estimate.ci_low),
        ("ci_high", estimate.ci_high),
        ("p", estimate.p_value),
        ("p_adjusted", estimate.p_adjusted),
    ];
    let mut largest_difference: f64 = 0.0;
    for (key, actual) in pairs {
        let wanted = expected[key].as_f64().unwrap_or_else(|| panic!("{label}: no {key} in {expected}"));
        largest_difference = largest_difference.max(assert_close(actual, wanted, &format!("{label}: {key}")));
    }
    (pairs.len(), largest_difference)
}

/// Asserts agreement to [`TOLERANCE`]; returns the difference.
fn assert_close(actual: f64, expected: f64, label: &str) -> f64 {
    let difference = (actual - expected).abs();
    assert!(difference <= TOLERANCE, "{label}: Rust {actual:e}, reference {expected:e}");
    difference
}
