//! Benchmark 6, linkage: the full grid (every EX metric × every CX metric × 9
//! lags) over `teams` teams × `weeks` weeks with polso-core's linkage module,
//! against the same computation in pandas + scipy
//! (`reference/linkage_pandas.py`), each in its own process so each one's
//! peak memory is its own. Every number of the two grids must agree to 1e-9
//! (the effective sample size, in the hundreds of thousands, to 1e-9 of its
//! size), or the benchmark fails.
//!
//! The synthetic data: each team has a level, each week a team-wide swing
//! that lasts (AR(1)), EX metrics read the level and the swing with noise,
//! and CX follows the swing three weeks later; about 15% of EX cells and 10%
//! of CX cells are missing, as suppressed or unimported cells would be.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use polso_bench::{SplitMix64, own_peak_memory_mib, thread_cpu_time};
use polso_core::cx::CxMetric;
use polso_core::linkage::{
    Correlation, CxObservation, ExObservation, FALSE_DISCOVERY_RATE, LagPeak, LinkageSeries,
    MAX_AUTOCORRELATION_LAG_WEEKS, MAX_DIFFERENCE_GAP_WEEKS, MAX_LAG_WEEKS, MIN_BETWEEN_TEAM_TEAMS,
    MIN_EFFECTIVE_N, MIN_PAIRS_FOR_TEAM_MEAN, MIN_WITHIN_TEAM_PAIRS,
};
use polso_core::{IsoWeek, Metric};
use serde_json::{Value, json};

/// The tolerance of the comparison.
const TOLERANCE: f64 = 1e-9;

/// The CX metrics, in the order polso-core's grid lists them.
fn cx_metrics() -> [CxMetric; 4] {
    [CxMetric::Nps, CxMetric::Csat, CxMetric::Ces, CxMetric::FirstContactResolution]
}

/// One side's observations as columns.
#[derive(Default)]
struct Columns {
    team: Vec<u32>,
    week: Vec<i64>,
    metric: Vec<u8>,
    value: Vec<f64>,
}

impl Columns {
    fn push(&mut self, team: u32, week: i64, metric: u8, value: f64) {
        self.team.push(team);
        self.week.push(week);
        self.metric.push(metric);
        self.value.push(value);
    }

    fn write(&self, directory: &Path, side: &str) -> Result<()> {
        let bytes = |values: Vec<u8>, suffix: &str| -> Result<()> {
            let path = directory.join(format!("{side}_{suffix}"));
            std::fs::write(&path, values).with_context(|| format!("writing {}", path.display()))
        };
        bytes(self.team.iter().flat_map(|v| v.to_le_bytes()).collect(), "team.u32")?;
        bytes(self.week.iter().flat_map(|v| v.to_le_bytes()).collect(), "week.i64")?;
        bytes(self.metric.clone(), "metric.u8")?;
        bytes(self.value.iter().flat_map(|v| v.to_le_bytes()).collect(), "value.f64")
    }

    fn read(directory: &Path, side: &str) -> Result<Columns> {
        let read = |suffix: &str| -> Result<Vec<u8>> {
            let path = directory.join(format!("{side}_{suffix}"));
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
        };
        let team =
            read("team.u32")?.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let week = read("week.i64")?.chunks_exact(8).map(eight).map(i64::from_le_bytes).collect();
        let metric = read("metric.u8")?;
        let value = read("value.f64")?.chunks_exact(8).map(eight).map(f64::from_le_bytes).collect();
        Ok(Columns { team, week, metric, value })
    }
}

fn eight(chunk: &[u8]) -> [u8; 8] {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(chunk);
    bytes
}

/// Writes the synthetic observations and `meta.json` into `directory`.
pub fn prepare(n_teams: usize, weeks: i64, directory: &Path) -> Result<Value> {
    std::fs::create_dir_all(directory)?;
    let first = IsoWeek::new(2023, 48).context("the first week")?.index();
    let mut random = SplitMix64::new(6);
    let (mut ex, mut cx) = (Columns::default(), Columns::default());
    let cx_metrics = cx_metrics();
    for team in 0..n_teams as u32 {
        let level = 60.0 + 8.0 * random.normal();
        let cx_level = 40.0 + 10.0 * random.normal();
        let mut swings = Vec::with_capacity(weeks as usize);
        let mut swing = 0.0;
        for _ in 0..weeks {
            swing = 0.6 * swing + 5.0 * random.normal();
            swings.push(swing);
        }
        for (offset, swing) in swings.iter().enumerate() {
            let week = first + offset as i64;
            for (code, _) in Metric::ALL.iter().enumerate() {
                if random.next_f64() < 0.85 {
                    let value = (level + code as f64 + swing + 3.0 * random.normal()).clamp(0.0, 100.0);
                    ex.push(team, week, code as u8, value);
                }
            }
            let earlier = if offset >= 3 { swings[offset - 3] } else { 0.0 };
            for (code, _) in cx_metrics.iter().enumerate() {
                if random.next_f64() < 0.9 {
                    let value = cx_level + 0.4 * earlier + 4.0 * random.normal();
                    cx.push(team, week, code as u8, value);
                }
            }
        }
    }
    ex.write(directory, "ex")?;
    cx.write(directory, "cx")?;
    let meta = json!({
        "ex_metrics": Metric::ALL.iter().map(|metric| metric.key()).collect::<Vec<_>>(),
        "cx_metrics": cx_metrics.iter().map(|metric| metric.key()).collect::<Vec<_>>(),
        "max_lag": MAX_LAG_WEEKS,
        "min_within_pairs": MIN_WITHIN_TEAM_PAIRS,
        "min_between_teams": MIN_BETWEEN_TEAM_TEAMS,
        "min_pairs_for_team_mean": MIN_PAIRS_FOR_TEAM_MEAN,
        "max_autocorrelation_lag": MAX_AUTOCORRELATION_LAG_WEEKS,
        "min_effective_n": MIN_EFFECTIVE_N,
        "false_discovery_rate": FALSE_DISCOVERY_RATE,
        "max_difference_gap": MAX_DIFFERENCE_GAP_WEEKS,
    });
    std::fs::write(directory.join("meta.json"), serde_json::to_vec(&meta)?)?;
    Ok(json!({"ex_observations": ex.value.len(), "cx_observations": cx.value.len()}))
}

/// Polso's side, in its own process: reads the observations, times the grid,
/// writes the cells, the seconds and the peak memory to `output`.
pub fn run_polso(directory: &Path, output: &Path) -> Result<()> {
    let (ex_columns, cx_columns) = (Columns::read(directory, "ex")?, Columns::read(directory, "cx")?);
    let team_name = |team: u32| format!("t{team:06}");
    let ex: Vec<ExObservation> = (0..ex_columns.value.len())
        .map(|i| ExObservation {
            team: team_name(ex_columns.team[i]),
            week: IsoWeek::from_index(ex_columns.week[i]),
            metric: Metric::ALL[usize::from(ex_columns.metric[i])],
            value: ex_columns.value[i],
        })
        .collect();
    let cx_metrics = cx_metrics();
    let cx: Vec<CxObservation> = (0..cx_columns.value.len())
        .map(|i| CxObservation {
            team: team_name(cx_columns.team[i]),
            week: IsoWeek::from_index(cx_columns.week[i]),
            metric: cx_metrics[usize::from(cx_columns.metric[i])].clone(),
            value: cx_columns.value[i],
            // The synthetic scores carry no count of customers; none is left out.
            n_responses: None,
        })
        .collect();
    drop((ex_columns, cx_columns));

    let start = Instant::now();
    let cpu_start = thread_cpu_time().unwrap_or_default();
    let grid = LinkageSeries::new(&ex, &cx)?.grid();
    // The picks are part of what is timed: the reference computes them too.
    let ranked = grid.ranked_pairs();
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = (thread_cpu_time().unwrap_or_default().saturating_sub(cpu_start)).as_secs_f64();

    let correlation = |correlation: &Correlation| match correlation.estimate() {
        None => Value::Null,
        Some(e) => json!({"r": e.r, "ci_low": e.ci_low, "ci_high": e.ci_high, "n_eff": e.n_effective,
                          "p": e.p_value, "p_adjusted": e.p_adjusted,
                          "fcr_interval": e.fcr_interval.map(|(low, high)| vec![low, high])}),
    };
    let cells: Vec<Value> = grid
        .cells
        .iter()
        .map(|cell| {
            json!({
                "ex_metric": cell.ex_metric.key(), "cx_metric": cell.cx_metric.key(), "lag": cell.lag_weeks,
                "within_n": cell.within_pearson.n, "between_n": cell.between_pearson.n,
                "team_demeaned_n": cell.team_demeaned_pearson.n,
                "first_difference_n": cell.first_difference_pearson.n,
                "within_pearson": correlation(&cell.within_pearson),
                "within_spearman": correlation(&cell.within_spearman),
                "team_demeaned_pearson": correlation(&cell.team_demeaned_pearson),
                "first_difference_pearson": correlation(&cell.first_difference_pearson),
                "between_pearson": correlation(&cell.between_pearson),
                "between_spearman": correlation(&cell.between_spearman),
            })
        })
        .collect();
    let pairs: Vec<Value> = ranked
        .iter()
        .map(|pair| {
            json!({"ex_metric": pair.ex_metric.key(), "cx_metric": pair.cx_metric.key(),
                   "lag": pair.peak.map(|_| pair.cell.lag_weeks),
                   "edge": pair.peak.map(|peak| peak == LagPeak::Edge),
                   "evidence": pair.estimate().map(|estimate| estimate.evidence())})
        })
        .collect();
    let ranking: Vec<Value> = ranked
        .iter()
        .filter(|pair| pair.estimate().is_some())
        .map(|pair| json!([pair.ex_metric.key(), pair.cx_metric.key()]))
        .collect();
    let result = json!({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_memory_mib": own_peak_memory_mib(),
                        "cells": cells, "pairs": pairs, "ranking": ranking});
    std::fs::write(output, serde_json::to_vec(&result)?)?;
    Ok(())
}

/// Runs both sides on data of `n_teams` teams and compares them; returns the figures as JSON. With
/// `reuse_reference`, the pandas result of an earlier run of the same size is compared with instead
/// of running pandas again, when there is one (the data come from a fixed seed, so they are the same).
pub fn run(
    n_teams: usize,
    weeks: i64,
    python: &Path,
    script: &Path,
    work_dir: &Path,
    reuse_reference: bool,
) -> Result<Value> {
    let directory = work_dir.join(format!("linkage-{n_teams}"));
    let sizes = prepare(n_teams, weeks, &directory)?;
    let polso_output = directory.join("polso.json");
    let reference_output = directory.join("reference.json");
    let me = std::env::current_exe().context("finding polso-bench itself")?;
    let status = Command::new(me).arg("linkage-polso").arg(&directory).arg(&polso_output).status()?;
    if !status.success() {
        bail!("polso's linkage run failed ({status})");
    }
    let reused = reuse_reference && reference_output.exists();
    if !reused {
        let output = Command::new(python).arg(script).arg(&directory).arg(&reference_output).output()?;
        if !output.status.success() {
            bail!(
                "the pandas reference failed ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    let polso: Value = serde_json::from_slice(&std::fs::read(&polso_output)?)?;
    let reference: Value = serde_json::from_slice(&std::fs::read(&reference_output)?)?;
    let (checked, largest) = compare(&polso["cells"], &reference["cells"])?;
    let picks = compare_picks(&polso, &reference)?;
    // The inputs are large; the results are kept.
    for side in ["ex", "cx"] {
        for suffix in ["team.u32", "week.i64", "metric.u8", "value.f64"] {
            let _ = std::fs::remove_file(directory.join(format!("{side}_{suffix}")));
        }
    }
    let n_cells = polso["cells"].as_array().map_or(0, Vec::len);
    Ok(json!({
        "teams": n_teams,
        "weeks": weeks,
        "cells": n_cells,
        "observations": sizes,
        "numbers_compared": checked,
        "picks_compared": picks,
        "largest_difference": largest,
        "polso": {"seconds": polso["seconds"], "cpu_seconds": polso["cpu_seconds"],
                  "peak_memory_mib": polso["peak_memory_mib"]},
        "baseline": {"seconds": reference["seconds"], "cpu_seconds": reference["cpu_seconds"],
                     "peak_memory_mib": reference["peak_memory_mib"],
                     "versions": reference["versions"], "reused_from_an_earlier_run": reused},
    }))
}

/// The families of figures of a cell, as both sides name them.
const FAMILIES: [&str; 6] = [
    "within_pearson",
    "within_spearman",
    "team_demeaned_pearson",
    "first_difference_pearson",
    "between_pearson",
    "between_spearman",
];

/// Compares each pair's strongest lag, edge peak and evidence, and the ranking of pairs; fails on the
/// first disagreement. Returns how many decisions were compared.
pub fn compare_picks(polso: &Value, reference: &Value) -> Result<usize> {
    let key = |pair: &Value| format!("{} × {}", pair["ex_metric"], pair["cx_metric"]);
    let reference_pairs: HashMap<String, &Value> = reference["pairs"]
        .as_array()
        .context("the reference has no pairs")?
        .iter()
        .map(|pair| (key(pair), pair))
        .collect();
    let polso_pairs = polso["pairs"].as_array().context("polso's run has no pairs")?;
    if polso_pairs.len() != reference_pairs.len() {
        bail!("polso has {} pairs, the reference {}", polso_pairs.len(), reference_pairs.len());
    }
    let mut decisions = 0;
    for pair in polso_pairs {
        let label = key(pair);
        let other = reference_pairs.get(&label).with_context(|| format!("{label}: not in the reference"))?;
        for decision in ["lag", "edge"] {
            if pair[decision] != other[decision] {
                bail!(
                    "{label}: {decision} is {} in polso, {} in the reference",
                    pair[decision],
                    other[decision]
                );
            }
            decisions += 1;
        }
        match (pair["evidence"].as_f64(), other["evidence"].as_f64()) {
            (None, None) => {}
            (Some(a), Some(b)) if (a - b).abs() <= TOLERANCE => {}
            (a, b) => bail!("{label}: evidence {a:?} in polso, {b:?} in the reference"),
        }
    }
    if polso["ranking"] != reference["ranking"] {
        bail!(
            "the ranking of pairs differs:\npolso     {}\nreference {}",
            polso["ranking"],
            reference["ranking"]
        );
    }
    Ok(decisions + polso["ranking"].as_array().map_or(0, Vec::len))
}

/// Compares two grids cell by cell; fails on the first disagreement. Returns
/// how many numbers were compared and the largest difference.
pub fn compare(polso: &Value, reference: &Value) -> Result<(usize, f64)> {
    let key = |cell: &Value| format!("{} × {} at lag {}", cell["ex_metric"], cell["cx_metric"], cell["lag"]);
    let reference_cells: HashMap<String, &Value> = reference
        .as_array()
        .context("the reference has no cells")?
        .iter()
        .map(|cell| (key(cell), cell))
        .collect();
    let polso_cells = polso.as_array().context("polso's run has no cells")?;
    if polso_cells.len() != reference_cells.len() || polso_cells.is_empty() {
        bail!("polso has {} cells, the reference {}", polso_cells.len(), reference_cells.len());
    }
    let (mut checked, mut largest, mut estimated) = (0, 0.0f64, 0);
    for cell in polso_cells {
        let label = key(cell);
        let other = reference_cells.get(&label).with_context(|| format!("{label}: not in the reference"))?;
        for count in ["within_n", "team_demeaned_n", "first_difference_n", "between_n"] {
            if cell[count] != other[count] {
                bail!("{label}: {count} is {} in polso, {} in the reference", cell[count], other[count]);
            }
        }
        for family in FAMILIES {
            match (&cell[family], &other[family]) {
                (Value::Null, Value::Null) => {}
                (Value::Null, _) | (_, Value::Null) => {
                    bail!("{label}, {family}: polso {}, reference {}", cell[family], other[family])
                }
                (mine, theirs) => {
                    estimated += 1;
                    let interval = |side: &Value, end: usize| side["fcr_interval"].get(end).cloned();
                    let mut numbers: Vec<(&str, Option<f64>, Option<f64>)> =
                        ["r", "ci_low", "ci_high", "n_eff", "p", "p_adjusted"]
                            .into_iter()
                            .map(|number| (number, mine[number].as_f64(), theirs[number].as_f64()))
                            .collect();
                    match (&mine["fcr_interval"], &theirs["fcr_interval"]) {
                        (Value::Null, Value::Null) => {}
                        (Value::Array(_), Value::Array(_)) => {
                            for (end, name) in [(0, "fcr_low"), (1, "fcr_high")] {
                                let value = |side: &Value| interval(side, end).and_then(|v| v.as_f64());
                                numbers.push((name, value(mine), value(theirs)));
                            }
                        }
                        (a, b) => bail!(
                            "{label}, {family}: false-coverage interval {a} in polso, {b} in the reference"
                        ),
                    }
                    for (number, a, b) in numbers {
                        let (Some(a), Some(b)) = (a, b) else {
                            bail!(
                                "{label}, {family}: {number} missing ({} / {})",
                                mine[number],
                                theirs[number]
                            );
                        };
                        let scale = if number == "n_eff" { b.abs().max(1.0) } else { 1.0 };
                        let difference = (a - b).abs() / scale;
                        if difference.is_nan() || difference > TOLERANCE {
                            bail!("{label}, {family}: {number} is {a:e} in polso, {b:e} in the reference");
                        }
                        largest = largest.max(difference);
                        checked += 1;
                    }
                }
            }
        }
    }
    if estimated == 0 {
        bail!("no cell had an estimate: the comparison would prove nothing");
    }
    Ok((checked, largest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(r: f64, n_eff: f64) -> Value {
        let estimate =
            json!({"r": r, "ci_low": -0.1, "ci_high": 0.3, "n_eff": n_eff, "p": 0.2, "p_adjusted": 0.4});
        json!([{"ex_metric": "trust", "cx_metric": "nps", "lag": 0, "within_n": 12, "between_n": 5,
                "team_demeaned_n": 12, "first_difference_n": 9,
                "within_pearson": estimate, "within_spearman": estimate,
                "team_demeaned_pearson": null, "first_difference_pearson": null,
                "between_pearson": null, "between_spearman": null}])
    }

    fn picks(lag: u32, ranking: Value) -> Value {
        json!({"pairs": [{"ex_metric": "trust", "cx_metric": "nps", "lag": lag, "edge": lag == 0, "evidence": 4.5}],
               "ranking": ranking})
    }

    #[test]
    fn equal_picks_agree_and_different_ones_do_not() {
        let ranking = json!([["trust", "nps"]]);
        assert_eq!(compare_picks(&picks(3, ranking.clone()), &picks(3, ranking.clone())).unwrap(), 3);
        let error =
            compare_picks(&picks(3, ranking.clone()), &picks(0, ranking.clone())).unwrap_err().to_string();
        assert!(error.contains("lag"), "{error}");
        assert!(compare_picks(&picks(3, ranking), &picks(3, json!([]))).is_err());
    }

    /// The whole benchmark at a small size, pandas reference included, when
    /// `POLSO_REFERENCE_PYTHON` names a Python with numpy, scipy and pandas
    /// (`POLSO_REFERENCE_PYTHON=$(bash scripts/python-reference-env.sh) cargo test -p polso-bench`).
    #[ignore = "compares with numpy and scipy; cargo xtask test runs it (POLSO_REFERENCE_PYTHON)"]
    #[test]
    fn the_reference_agrees_on_a_small_grid() {
        let Some(python) = std::env::var_os("POLSO_REFERENCE_PYTHON").filter(|value| !value.is_empty())
        else {
            panic!(
                "the_reference_agrees_on_a_small_grid needs POLSO_REFERENCE_PYTHON (the linkage reference's Python)"
            );
        };
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/linkage_pandas.py");
        let directory = tempfile::tempdir().unwrap();
        let ex_and_cx = prepare(40, 60, directory.path()).unwrap();
        let polso_output = directory.path().join("polso.json");
        run_polso(directory.path(), &polso_output).unwrap();
        let reference_output = directory.path().join("reference.json");
        let output =
            Command::new(&python).arg(&script).arg(directory.path()).arg(&reference_output).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let polso: Value = serde_json::from_slice(&std::fs::read(&polso_output).unwrap()).unwrap();
        let reference: Value = serde_json::from_slice(&std::fs::read(&reference_output).unwrap()).unwrap();
        let (checked, largest) = compare(&polso["cells"], &reference["cells"]).unwrap();
        let picks = compare_picks(&polso, &reference).unwrap();
        assert!(checked > 1000 && picks > 60, "{checked} numbers, {picks} picks ({ex_and_cx})");
        eprintln!("{checked} numbers agree (largest difference {largest:e}), {picks} picks equal");
    }

    #[test]
    fn equal_grids_agree_and_different_ones_do_not() {
        let (checked, largest) = compare(&grid(0.1, 5e5), &grid(0.1 + 5e-10, 5e5 + 1e-5)).unwrap();
        assert_eq!(checked, 12);
        assert!(largest <= 5e-10 + 1e-15, "{largest}");
        let error = compare(&grid(0.1, 5e5), &grid(0.1 + 2e-9, 5e5)).unwrap_err().to_string();
        assert!(error.contains("trust") && error.contains(" r "), "{error}");
        assert!(compare(&grid(0.1, 5e5), &grid(0.1, 5e5 * (1.0 + 1e-8))).is_err());
    }

    #[test]
    fn the_data_round_trip_through_the_files() {
        let directory = tempfile::tempdir().unwrap();
        prepare(6, 20, directory.path()).unwrap();
        let ex = Columns::read(directory.path(), "ex").unwrap();
        assert!(ex.value.len() > 6 * 20 * 10, "{}", ex.value.len());
        assert_eq!(ex.team.len(), ex.value.len());
        assert!(ex.metric.iter().all(|code| usize::from(*code) < Metric::ALL.len()));
        let output = directory.path().join("polso.json");
        run_polso(directory.path(), &output).unwrap();
        let result: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
        assert_eq!(result["cells"].as_array().unwrap().len(), Metric::ALL.len() * 4 * 9);
    }
}
