//! The linkage statistics checked against an independent implementation (issues 4 and 15): the
//! synthetic data go to `tests/reference/linkage_reference.py`, which computes with numpy and scipy,
//! from the definitions alone, the common window, the two-way fixed-effects residuals (least squares
//! on team and week dummies), the team-demeaned and first-difference figures, the effective size with
//! its span-based cutoff, the minimum effective size, Pearson, Spearman, Fisher-z intervals,
//! t-distribution p-values, Benjamini–Hochberg, the Benjamini–Yekutieli false-coverage intervals, the
//! strongest lag by evidence, edge peaks, the ranking of pairs, the between-team power and the
//! team-permutation test at each pair's strongest lag; every number must agree to 1e-9 and every
//! decision exactly.
//!
//! Runs when `POLSO_REFERENCE_PYTHON` names a Python interpreter with numpy and scipy
//! (`POLSO_REFERENCE_PYTHON=$(bash scripts/python-reference-env.sh) cargo test -p polso-core`);
//! otherwise it says it was skipped and passes.

use std::path::Path;
use std::process::Command;

use polso_core::linkage::{
    BETWEEN_TEAM_TARGET_POWER, Correlation, FALSE_DISCOVERY_RATE, LagPeak, LinkageGrid, LinkageSeries,
    MAX_AUTOCORRELATION_LAG_WEEKS, MAX_DIFFERENCE_GAP_WEEKS, MAX_LAG_WEEKS, MIN_BETWEEN_TEAM_TEAMS,
    MIN_CX_RESPONSES, MIN_EFFECTIVE_N, MIN_PAIRS_FOR_TEAM_MEAN, MIN_PERMUTATION_TEAMS, MIN_WITHIN_TEAM_PAIRS,
    NotEnoughData, PUBLISHED_BETWEEN_TEAM_R, between_team_power,
};
use serde_json::{Value, json};

use crate::synthetic::{SyntheticData, generate};

const TOLERANCE: f64 = 1e-9;

/// The Python interpreter of the reference. The reference tests are `#[ignore]`d; run on purpose
/// without `POLSO_REFERENCE_PYTHON`, they fail saying how to set it.
pub fn reference_python(test: &str) -> Option<std::ffi::OsString> {
    let python = std::env::var_os("POLSO_REFERENCE_PYTHON").filter(|value| !value.is_empty());
    assert!(
        python.is_some(),
        "{test} needs POLSO_REFERENCE_PYTHON (POLSO_REFERENCE_PYTHON=$(bash scripts/python-reference-env.sh) cargo test -p polso-core -- --include-ignored)"
    );
    python
}

#[ignore = "compares with numpy and scipy; cargo xtask test runs it (POLSO_REFERENCE_PYTHON)"]
#[test]
fn linkage_statistics_match_scipy() {
    let Some(python) = reference_python("linkage_statistics_match_scipy") else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/linkage_reference.py");
    for seed in [11, 12] {
        let data = generate(seed);
        let series = LinkageSeries::new(&data.ex, &data.cx).unwrap();
        let grid = series.grid();
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
        let window = grid.ex_weeks.clone().unwrap();
        assert_eq!(reference["window"], json!([window.start().index(), window.end().index()]));
        assert_eq!(reference["cx_cells_too_few_responses"], grid.cx_cells_too_few_responses, "seed {seed}");
        assert!(grid.cx_cells_too_few_responses > 10, "the data must leave CX cells out");
        let (checked, largest_difference) = compare(&grid, &reference);
        let decisions = compare_picks(&grid, &reference);
        let permutation_tests = compare_permutation_tests(&series, &grid, &reference);
        println!(
            "linkage_statistics_match_scipy: seed {seed}: {checked} numbers agree with scipy {} to {TOLERANCE} \
             (largest difference {largest_difference:e}); {decisions} picks (strongest lag, edge, rank) equal; \
             {permutation_tests} team-permutation tests agree",
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
        .map(|o| {
            json!({"team": o.team, "week": o.week.index(), "metric": o.metric.key(), "value": o.value,
                   "n": o.n_responses})
        })
        .collect();
    let cells: Vec<Value> = grid
        .cells
        .iter()
        .map(|cell| json!({"ex_metric": cell.ex_metric.key(), "cx_metric": cell.cx_metric.key(), "lag": cell.lag_weeks}))
        .collect();
    json!({
        "max_lag": MAX_LAG_WEEKS,
        "min_cx_responses": MIN_CX_RESPONSES,
        "min_within_pairs": MIN_WITHIN_TEAM_PAIRS,
        "min_between_teams": MIN_BETWEEN_TEAM_TEAMS,
        "min_pairs_for_team_mean": MIN_PAIRS_FOR_TEAM_MEAN,
        "max_autocorrelation_lag": MAX_AUTOCORRELATION_LAG_WEEKS,
        "min_effective_n": MIN_EFFECTIVE_N,
        "false_discovery_rate": FALSE_DISCOVERY_RATE,
        "max_difference_gap": MAX_DIFFERENCE_GAP_WEEKS,
        "min_permutation_teams": MIN_PERMUTATION_TEAMS,
        "permutation_cells": permutation_cells(grid),
        "published_between_r": PUBLISHED_BETWEEN_TEAM_R,
        "target_power": BETWEEN_TEAM_TARGET_POWER,
        "ex": ex,
        "cx": cx,
        "cells": cells,
    })
}

/// The cells the team-permutation test is checked at: every pair's strongest lag, as the view's
/// detail opens them.
fn permutation_cells(grid: &LinkageGrid) -> Vec<Value> {
    grid.ranked_pairs()
        .iter()
        .filter(|pair| pair.estimate().is_some())
        .map(|pair| json!({"ex_metric": pair.ex_metric.key(), "cx_metric": pair.cx_metric.key(), "lag": pair.cell.lag_weeks}))
        .collect()
}

/// The team-permutation test at every cell of [`permutation_cells`]; returns how many were compared.
fn compare_permutation_tests(series: &LinkageSeries, grid: &LinkageGrid, reference: &Value) -> usize {
    let expected_tests = reference["permutation_tests"].as_array().unwrap();
    let cells = permutation_cells(grid);
    assert_eq!(expected_tests.len(), cells.len());
    assert!(cells.len() > 5, "the data must have pairs to test");
    let mut below_one = 0;
    for (cell, expected) in cells.iter().zip(expected_tests) {
        let ex_metric = polso_core::Metric::from_key(cell["ex_metric"].as_str().unwrap()).unwrap();
        let cx_metric = polso_core::cx::CxMetric::from_label(cell["cx_metric"].as_str().unwrap()).unwrap();
        let lag = u32::try_from(cell["lag"].as_u64().unwrap()).unwrap();
        let label = format!("permutation test of {} × {} at lag {lag}", ex_metric.key(), cx_metric.key());
        match series.team_permutation_test(ex_metric, &cx_metric, lag) {
            Ok(test) => {
                assert_eq!(expected["permutations"], test.permutations, "{label}");
                assert_eq!(expected["at_least_as_large"], test.at_least_as_large, "{label}");
                assert_eq!(expected["n_teams"], test.n_teams, "{label}");
                assert_close(test.r_observed, expected["r_observed"].as_f64().unwrap(), &label);
                assert_close(test.p_value, expected["p"].as_f64().unwrap(), &label);
                below_one += usize::from(test.p_value < 1.0);
            }
            Err(reason) => panic!("{label}: Rust {reason:?}, reference {expected}"),
        }
    }
    assert!(below_one > 0, "some observed figure must beat a permutation");
    cells.len()
}

/// Compares every cell; returns how many numbers were compared and the largest difference.
fn compare(grid: &LinkageGrid, reference: &Value) -> (usize, f64) {
    let reference_cells = reference["cells"].as_array().unwrap();
    assert_eq!(reference_cells.len(), grid.cells.len());
    let mut checked = 0;
    let mut largest_difference: f64 = 0.0;
    let (mut estimated, mut not_enough, mut small_effective, mut findings) = (0, 0, 0, 0);
    for (cell, expected) in grid.cells.iter().zip(reference_cells) {
        let label = format!("{} × {} at lag {}", cell.ex_metric.key(), cell.cx_metric.key(), cell.lag_weeks);
        assert_eq!(expected["ex_metric"], cell.ex_metric.key(), "{label}");
        assert_eq!(expected["cx_metric"], cell.cx_metric.key(), "{label}");
        assert_eq!(expected["lag"], cell.lag_weeks, "{label}");
        assert_eq!(expected["within_n"], cell.within_pearson.n, "{label}: within pairs");
        assert_eq!(expected["team_demeaned_n"], cell.team_demeaned_pearson.n, "{label}: team-demeaned pairs");
        assert_eq!(expected["first_difference_n"], cell.first_difference_pearson.n, "{label}: differences");
        assert_eq!(expected["between_n"], cell.between_pearson.n, "{label}: teams");
        if let Some(NotEnoughData::SmallEffectiveSize { n_effective, .. }) =
            cell.within_pearson.not_enough_data()
        {
            assert_eq!(expected["within_reason"], "small_effective_size", "{label}");
            let difference = assert_close(*n_effective, expected["within_n_eff"].as_f64().unwrap(), &label);
            largest_difference = largest_difference.max(difference);
            small_effective += 1;
        }
        for (name, correlation) in [
            ("within_pearson", &cell.within_pearson),
            ("within_spearman", &cell.within_spearman),
            ("team_demeaned_pearson", &cell.team_demeaned_pearson),
            ("first_difference_pearson", &cell.first_difference_pearson),
            ("between_pearson", &cell.between_pearson),
            ("between_spearman", &cell.between_spearman),
        ] {
            let label = format!("{label}, {name}");
            match (correlation.estimate(), &expected[name]) {
                (None, Value::Null) => not_enough += 1,
                (Some(_), Value::Null) | (None, _) => {
                    panic!("{label}: Rust {:?}, scipy {}", correlation.outcome, expected[name])
                }
                (Some(estimate), expected) => {
                    let (count, difference) = compare_estimate(correlation, expected, &label);
                    checked += count;
                    largest_difference = largest_difference.max(difference);
                    estimated += 1;
                    findings += usize::from(estimate.is_finding());
                }
            }
        }
    }
    assert!(
        estimated > 200 && not_enough > 10 && findings > 5,
        "the data must exercise every branch: {estimated} estimated, {not_enough} without, {findings} findings"
    );
    println!("  {small_effective} within-team cells below the minimum effective size");
    (checked, largest_difference)
}

fn compare_estimate(correlation: &Correlation, expected: &Value, label: &str) -> (usize, f64) {
    let estimate = correlation.estimate().unwrap();
    assert_eq!(expected["n"], correlation.n, "{label}: n");
    assert_eq!(expected["n_teams"], correlation.n_teams, "{label}: teams");
    let mut pairs = vec![
        ("r", estimate.r, expected["r"].as_f64()),
        ("ci_low", estimate.ci_low, expected["ci_low"].as_f64()),
        ("ci_high", estimate.ci_high, expected["ci_high"].as_f64()),
        ("n_eff", estimate.n_effective, expected["n_eff"].as_f64()),
        ("p", estimate.p_value, expected["p"].as_f64()),
        ("p_adjusted", estimate.p_adjusted, expected["p_adjusted"].as_f64()),
    ];
    match (estimate.fcr_interval, &expected["fcr_interval"]) {
        (None, Value::Null) => {}
        (Some((low, high)), Value::Array(interval)) => {
            pairs.push(("fcr_low", low, interval[0].as_f64()));
            pairs.push(("fcr_high", high, interval[1].as_f64()));
        }
        (mine, theirs) => panic!("{label}: false-coverage interval Rust {mine:?}, scipy {theirs}"),
    }
    let mut largest_difference: f64 = 0.0;
    for (key, actual, wanted) in &pairs {
        let wanted = wanted.unwrap_or_else(|| panic!("{label}: no {key} in {expected}"));
        largest_difference =
            largest_difference.max(assert_close(*actual, wanted, &format!("{label}: {key}")));
    }
    (pairs.len(), largest_difference)
}

/// The strongest lag, edge peak and ranking of every pair, and the power note; returns the count.
fn compare_picks(grid: &LinkageGrid, reference: &Value) -> usize {
    let mut decisions = 0;
    for expected in reference["pairs"].as_array().unwrap() {
        let ex_metric = polso_core::Metric::from_key(expected["ex_metric"].as_str().unwrap()).unwrap();
        let cx_metric =
            polso_core::cx::CxMetric::from_label(expected["cx_metric"].as_str().unwrap()).unwrap();
        let summary = grid.pair_summary(ex_metric, &cx_metric).unwrap();
        let label = format!("{} × {}", ex_metric.key(), cx_metric.key());
        match summary.peak {
            None => assert_eq!(expected["lag"], Value::Null, "{label}"),
            Some(peak) => {
                assert_eq!(expected["lag"], summary.cell.lag_weeks, "{label}: strongest lag");
                assert_eq!(expected["edge"], peak == LagPeak::Edge, "{label}: edge peak");
                let evidence = summary.estimate().unwrap().evidence();
                assert_close(evidence, expected["evidence"].as_f64().unwrap(), &format!("{label}: evidence"));
            }
        }
        decisions += 2;
    }
    let ranking: Vec<Value> = grid
        .ranked_pairs()
        .iter()
        .filter(|pair| pair.estimate().is_some())
        .map(|pair| json!([pair.ex_metric.key(), pair.cx_metric.key()]))
        .collect();
    assert_eq!(Value::Array(ranking.clone()), reference["ranking"], "ranking of pairs");
    decisions += ranking.len();
    for (teams, expected) in reference["power"].as_object().unwrap() {
        let power = between_team_power(teams.parse().unwrap());
        assert_close(power.power, expected.as_f64().unwrap(), &format!("power at {teams} teams"));
        assert_eq!(reference["teams_needed"], power.teams_needed);
        decisions += 1;
    }
    decisions
}

/// Asserts agreement to [`TOLERANCE`]; returns the difference.
fn assert_close(actual: f64, expected: f64, label: &str) -> f64 {
    let difference = (actual - expected).abs();
    assert!(difference <= TOLERANCE, "{label}: Rust {actual:e}, reference {expected:e}");
    difference
}
