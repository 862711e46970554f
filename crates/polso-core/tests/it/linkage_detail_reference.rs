//! The detail view's newer figures checked against an independent implementation (issue 15): how
//! teams differ (each team's own correlation with its own effective size, DerSimonian–Laird τ²,
//! Cochran's Q and its p-value, I², the pooled estimate and interval, the typical range and the
//! empirical-Bayes shrunk estimates) and what the number of customers changes (the reliability of
//! each CX metric, the customer-weighted two-way figure, and the four-week pooling of CX), on the
//! synthetic data with varied customer counts and on a data set whose teams have different links,
//! weekly and pooled. `tests/reference/linkage_detail_reference.py` computes them with numpy and
//! scipy from the formulas written out in it (weighted least squares on team and week dummies by
//! `numpy.linalg.lstsq`); every number must agree to 1e-9 and every decision exactly.
//!
//! Runs when `POLSO_REFERENCE_PYTHON` names a Python with numpy and scipy, as
//! `linkage_reference` does; otherwise it says it was skipped and passes.

use std::path::Path;
use std::process::Command;

use polso_core::Metric;
use polso_core::cx::CxMetric;
use polso_core::linkage::customers::{MIN_RELIABILITY_CELLS, POOLED_WEEKS};
use polso_core::linkage::teams::{MIN_META_ANALYSIS_TEAMS, MIN_TEAM_EFFECTIVE_N, MIN_TEAM_PAIRS};
use polso_core::linkage::{
    CxObservation, ExObservation, LinkageSeries, MAX_AUTOCORRELATION_LAG_WEEKS, MAX_LAG_WEEKS,
    MIN_CX_RESPONSES, MIN_EFFECTIVE_N, MIN_WITHIN_TEAM_PAIRS, NotEnoughData, cx_reliability, pool_four_weeks,
};
use polso_core::week::IsoWeek;
use serde_json::{Value, json};

use crate::linkage_reference::reference_python;
use crate::synthetic::{TestRandom, generate};

const TOLERANCE: f64 = 1e-9;

/// The synthetic data of `linkage_reference` with customer counts from 8 to 197 (about one cell in
/// twenty without a count), so that weights differ, pooling lifts cells over the minimum and some
/// cells have no count.
fn varied_counts(seed: u64) -> (Vec<ExObservation>, Vec<CxObservation>) {
    let data = generate(seed);
    let mut random = TestRandom::new(seed ^ 0x00C0_FFEE);
    let cx = data
        .cx
        .into_iter()
        .map(|mut cell| {
            let draw = random.uniform();
            let count = random.next_u64() % 190;
            cell.n_responses = (draw >= 0.05).then(|| 8 + u32::try_from(count).unwrap());
            cell
        })
        .collect();
    (data.ex, cx)
}

/// Twelve teams over 90 weeks whose CSAT follows engagement two weeks later with a slope from
/// −0.4 to 0.7 by team (so teams differ), NPS unrelated; counts 20 to 259.
fn different_teams(seed: u64) -> (Vec<ExObservation>, Vec<CxObservation>) {
    let mut random = TestRandom::new(seed);
    let (mut ex, mut cx) = (Vec::new(), Vec::new());
    let first = IsoWeek::new(2024, 1).unwrap().index();
    for team in 0..12 {
        let name = format!("Team {team:02}");
        let engagement = random.ar1(0.5, 92);
        let noise = random.ar1(0.3, 90);
        let nps = random.ar1(0.3, 90);
        let slope = -0.4 + 0.1 * team as f64;
        for week in 0..90 {
            let iso_week = IsoWeek::from_index(first + week as i64);
            ex.push(ExObservation {
                team: name.clone(),
                week: iso_week,
                metric: Metric::Engagement,
                value: 60.0 + 6.0 * engagement[week + 2],
            });
            let counts = [20 + random.next_u64() % 240, 20 + random.next_u64() % 240];
            let values = [
                (CxMetric::Csat, 80.0 + 4.0 * (slope * engagement[week] + 0.8 * noise[week])),
                (CxMetric::Nps, 30.0 + 12.0 * nps[week]),
            ];
            for ((metric, value), count) in values.into_iter().zip(counts) {
                let n_responses = Some(u32::try_from(count).unwrap());
                cx.push(CxObservation { team: name.clone(), week: iso_week, metric, value, n_responses });
            }
        }
    }
    (ex, cx)
}

#[ignore = "compares with numpy and scipy; cargo xtask test runs it (POLSO_REFERENCE_PYTHON)"]
#[test]
fn team_differences_and_customer_counts_match_numpy() {
    let Some(python) = reference_python("team_differences_and_customer_counts_match_numpy") else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/linkage_detail_reference.py");
    let (mut meta_analyses, mut heterogeneous, mut weighted_figures, mut reliabilities) = (0, 0, 0, 0);
    for (name, (ex, cx)) in [("synthetic", varied_counts(11)), ("different teams", different_teams(5))] {
        for pooled in [false, true] {
            let used = if pooled { pool_four_weeks(&cx) } else { cx.clone() };
            let series = LinkageSeries::new(&ex, &used).unwrap();
            let grid = series.grid();
            let mut cells: Vec<(Metric, CxMetric, u32)> = grid
                .ranked_pairs()
                .iter()
                .filter(|pair| pair.estimate().is_some())
                .map(|pair| (pair.ex_metric, pair.cx_metric.clone(), pair.cell.lag_weeks))
                .collect();
            for lag in [0, 2, 3] {
                cells.push((Metric::Engagement, CxMetric::Csat, lag));
            }
            let input = reference_input(&ex, &cx, pooled, &cells);
            let reference = run(&python, &script, &input);
            let label = format!("{name}, {}", if pooled { "pooled" } else { "weekly" });

            // The pooled observations, cell by cell.
            let expected_cx = reference["cx_used"].as_array().unwrap();
            assert_eq!(expected_cx.len(), used.len(), "{label}");
            for (cell, expected) in used.iter().zip(expected_cx) {
                close(cell.value, expected["value"].as_f64().unwrap(), &format!("{label}: pooled value"));
                assert_eq!(expected["n"], json!(cell.n_responses), "{label}: pooled count");
            }
            assert_eq!(reference["cx_cells_too_few_responses"], grid.cx_cells_too_few_responses, "{label}");

            for (index, (ex_metric, cx_metric, lag)) in cells.iter().enumerate() {
                let cell_label = format!("{label}: {} × {} at lag {lag}", ex_metric.key(), cx_metric.key());
                let expected = &reference["cells"][index];
                match series.team_differences(*ex_metric, cx_metric, *lag) {
                    Ok(differences) => {
                        compare_differences(&differences, &expected["teams"], &cell_label);
                        meta_analyses += 1;
                        heterogeneous += usize::from(differences.tau_squared > 0.0);
                    }
                    Err(NotEnoughData::TooFewTeams { teams, .. }) => {
                        assert_eq!(expected["teams"]["too_few_teams"], teams, "{cell_label}");
                    }
                    Err(other) => panic!("{cell_label}: {other:?}"),
                }
                let weighted = series.customer_weighted(&used, *ex_metric, cx_metric, *lag);
                let expected = &expected["weighted"];
                assert_eq!(expected["n"], weighted.correlation.n, "{cell_label}: weighted n");
                assert_eq!(expected["cells_without_count"], weighted.cells_without_count, "{cell_label}");
                assert_eq!(
                    expected["weight_for_unknown"],
                    json!(weighted.weight_for_unknown),
                    "{cell_label}"
                );
                close(weighted.kish_ratio, expected["kish_ratio"].as_f64().unwrap(), &cell_label);
                match (weighted.correlation.estimate(), expected["estimate"].as_object()) {
                    (Some(estimate), Some(wanted)) => {
                        for (key, value) in [
                            ("r", estimate.r),
                            ("n_eff", estimate.n_effective),
                            ("ci_low", estimate.ci_low),
                            ("ci_high", estimate.ci_high),
                            ("p", estimate.p_value),
                        ] {
                            close(
                                value,
                                wanted[key].as_f64().unwrap(),
                                &format!("{cell_label}: weighted {key}"),
                            );
                        }
                        weighted_figures += 1;
                    }
                    (None, None) => {}
                    (mine, theirs) => panic!("{cell_label}: weighted Rust {mine:?}, numpy {theirs:?}"),
                }
            }

            let expected_reliability = reference["reliability"].as_object().unwrap();
            for reliability in cx_reliability(&used) {
                let wanted = &expected_reliability[reliability.metric.key()];
                let metric_label = format!("{label}: reliability of {}", reliability.metric.key());
                assert_eq!(wanted["cells"], reliability.cells, "{metric_label}");
                assert_eq!(wanted["teams"], reliability.teams, "{metric_label}");
                for (key, value) in [
                    ("within", reliability.within_team_variance),
                    ("sampling", reliability.sampling_variance),
                    ("reliability", reliability.reliability),
                    ("attenuation", reliability.attenuation()),
                ] {
                    match (value, wanted[key].as_f64()) {
                        (Some(value), Some(wanted)) => {
                            close(value, wanted, &format!("{metric_label}: {key}"))
                        }
                        (None, None) => {}
                        (mine, theirs) => panic!("{metric_label}: {key} Rust {mine:?}, numpy {theirs:?}"),
                    }
                }
                reliabilities += usize::from(reliability.reliability.is_some());
            }
        }
    }
    println!(
        "team_differences_and_customer_counts_match_numpy: {meta_analyses} meta-analyses ({heterogeneous} with τ² > 0), \
         {weighted_figures} weighted figures, {reliabilities} reliabilities agree with numpy to {TOLERANCE}"
    );
    assert!(meta_analyses > 10 && heterogeneous > 2 && heterogeneous < meta_analyses, "both τ² branches");
    assert!(weighted_figures > 10 && reliabilities >= 8);
}

fn compare_differences(differences: &polso_core::linkage::TeamDifferences, expected: &Value, label: &str) {
    assert_eq!(expected["teams_left_out"], differences.teams_left_out, "{label}");
    assert_eq!(expected["degrees_of_freedom"], differences.degrees_of_freedom, "{label}");
    for (key, value) in [
        ("q", differences.q),
        ("q_p", differences.q_p_value),
        ("tau_squared", differences.tau_squared),
        ("i_squared", differences.i_squared),
        ("pooled_z", differences.pooled_z),
        ("pooled_se", differences.pooled_standard_error),
        ("pooled_ci_low", differences.pooled_ci_low),
        ("pooled_ci_high", differences.pooled_ci_high),
        ("typical_low", differences.typical_low),
        ("typical_high", differences.typical_high),
    ] {
        close(value, expected[key].as_f64().unwrap(), &format!("{label}: {key}"));
    }
    let expected_teams = expected["per_team"].as_array().unwrap();
    assert_eq!(expected_teams.len(), differences.teams.len(), "{label}");
    for (team, wanted) in differences.teams.iter().zip(expected_teams) {
        assert_eq!(wanted["team"], team.team, "{label}");
        assert_eq!(wanted["n"], team.n, "{label}");
        for (key, value) in [
            ("r", team.r),
            ("n_eff", team.n_effective),
            ("se", team.standard_error),
            ("ci_low", team.ci_low),
            ("ci_high", team.ci_high),
            ("shrinkage", team.shrinkage_weight),
            ("r_shrunk", team.r_shrunk),
        ] {
            close(value, wanted[key].as_f64().unwrap(), &format!("{label}, {}: {key}", team.team));
        }
    }
}

fn reference_input(
    ex: &[ExObservation],
    cx: &[CxObservation],
    pooled: bool,
    cells: &[(Metric, CxMetric, u32)],
) -> Value {
    let ex: Vec<Value> = ex
        .iter()
        .map(|o| json!({"team": o.team, "week": o.week.index(), "metric": o.metric.key(), "value": o.value}))
        .collect();
    let cx: Vec<Value> = cx
        .iter()
        .map(|o| {
            json!({"team": o.team, "week": o.week.index(), "metric": o.metric.key(), "value": o.value,
                   "n": o.n_responses})
        })
        .collect();
    let cells: Vec<Value> = cells
        .iter()
        .map(|(ex_metric, cx_metric, lag)| json!({"ex_metric": ex_metric.key(), "cx_metric": cx_metric.key(), "lag": lag}))
        .collect();
    json!({
        "max_lag": MAX_LAG_WEEKS,
        "min_cx_responses": MIN_CX_RESPONSES,
        "min_within_pairs": MIN_WITHIN_TEAM_PAIRS,
        "max_autocorrelation_lag": MAX_AUTOCORRELATION_LAG_WEEKS,
        "min_effective_n": MIN_EFFECTIVE_N,
        "min_team_pairs": MIN_TEAM_PAIRS,
        "min_team_effective_n": MIN_TEAM_EFFECTIVE_N,
        "min_meta_teams": MIN_META_ANALYSIS_TEAMS,
        "min_reliability_cells": MIN_RELIABILITY_CELLS,
        "pooled_weeks": POOLED_WEEKS,
        "pooled": pooled,
        "ex": ex,
        "cx": cx,
        "cells": cells,
    })
}

fn run(python: &std::ffi::OsStr, script: &Path, input: &Value) -> Value {
    let directory = tempfile::tempdir().unwrap();
    let input_path = directory.path().join("input.json");
    let output_path = directory.path().join("output.json");
    std::fs::write(&input_path, serde_json::to_vec(input).unwrap()).unwrap();
    let output = Command::new(python).arg(script).arg(&input_path).arg(&output_path).output().unwrap();
    assert!(
        output.status.success(),
        "the reference script failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&std::fs::read(&output_path).unwrap()).unwrap()
}

fn close(actual: f64, expected: f64, label: &str) {
    assert!((actual - expected).abs() <= TOLERANCE, "{label}: Rust {actual:e}, numpy {expected:e}");
}
