//! Tests of the driver priorities: the relations against scipy when
//! `POLSO_REFERENCE_PYTHON` names a Python with it, the ranking, and the
//! figures left out with too few teams or a withheld period.

use std::path::Path;
use std::process::Command;

use polso_api::NextPublication;
use polso_core::splitmix::SplitMix64;
use serde_json::{Value, json};

use super::*;

const TOLERANCE: f64 = 1e-9;

/// Engagement for `teams` teams over six periods, and drivers that follow it
/// by `strength` (plus noise), some team-periods missing from each.
fn synthetic(teams: usize, strengths: &[f64]) -> (Vec<TeamPeriodFigure>, Vec<Vec<TeamPeriodFigure>>) {
    let mut random = SplitMix64::new(61);
    let mut engagement = Vec::new();
    for team in 0..teams {
        let base = 50.0 + 20.0 * random.uniform();
        for period in 0..6 {
            if random.below(7) == 0 {
                continue;
            }
            let value = base + 10.0 * (random.uniform() - 0.5);
            engagement.push(TeamPeriodFigure {
                team: format!("t{team}"),
                period: format!("p{period}"),
                value,
            });
        }
    }
    let mut drivers = Vec::new();
    for strength in strengths {
        let mut driver = Vec::new();
        for figure in &engagement {
            if random.below(9) == 0 {
                continue;
            }
            let value = 40.0 + strength * (figure.value - 50.0) + 12.0 * (random.uniform() - 0.5);
            driver.push(TeamPeriodFigure { value, ..figure.clone() });
        }
        drivers.push(driver);
    }
    (engagement, drivers)
}

fn figures_json(figures: &[TeamPeriodFigure]) -> Value {
    figures
        .iter()
        .map(|figure| json!({"team": figure.team, "period": figure.period, "value": figure.value}))
        .collect()
}

#[ignore = "compares with numpy and scipy; cargo xtask test runs it (POLSO_REFERENCE_PYTHON)"]
#[test]
fn driver_relations_match_scipy() {
    let Some(python) = std::env::var_os("POLSO_REFERENCE_PYTHON").filter(|value| !value.is_empty()) else {
        panic!(
            "driver_relations_match_scipy needs POLSO_REFERENCE_PYTHON (POLSO_REFERENCE_PYTHON=$(bash scripts/python-reference-env.sh) cargo test -p polso-desktop -- --include-ignored)"
        );
    };
    let (engagement, drivers) = synthetic(9, &[1.2, 0.4, 0.0, -0.6]);
    let (few_engagement, few_drivers) = synthetic(3, &[1.0]);
    let cases = [(engagement, drivers), (few_engagement, few_drivers)];
    let directory = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/priorities_reference.py");
    let (mut checked, mut largest, mut likely) = (0, 0.0_f64, 0);
    let mut scipy_version = Value::Null;
    for (index, (engagement, drivers)) in cases.iter().enumerate() {
        let input = json!({
            "engagement": figures_json(engagement),
            "drivers": drivers.iter().map(|driver| figures_json(driver)).collect::<Vec<_>>(),
            "min_teams": MIN_TEAMS,
            "min_pairs": MIN_PAIRS,
        });
        let (input_path, output_path) = (
            directory.path().join(format!("in{index}.json")),
            directory.path().join(format!("out{index}.json")),
        );
        std::fs::write(&input_path, serde_json::to_vec(&input).unwrap()).unwrap();
        let output = Command::new(&python).arg(&script).arg(&input_path).arg(&output_path).output().unwrap();
        assert!(
            output.status.success(),
            "the reference failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let reference: Value = serde_json::from_slice(&std::fs::read(&output_path).unwrap()).unwrap();
        scipy_version = reference["scipy_version"].clone();
        for (position, driver) in drivers.iter().enumerate() {
            let ours = driver_relation(MetricKey::Communication, engagement, driver);
            let theirs = &reference["drivers"][position];
            assert_eq!(
                Some(u64::from(ours.pairs)),
                theirs["pairs"].as_u64(),
                "case {index} driver {position}"
            );
            assert_eq!(
                Some(u64::from(ours.teams)),
                theirs["teams"].as_u64(),
                "case {index} driver {position}"
            );
            assert_eq!(Some(ours.likely_related), theirs["likely_related"].as_bool());
            for (name, value) in
                [("r", ours.r), ("ci_low", ours.ci_low), ("ci_high", ours.ci_high), ("level", ours.level)]
            {
                match (value, theirs[name].as_f64()) {
                    (Some(ours), Some(theirs)) => {
                        let difference = (ours - theirs).abs();
                        largest = largest.max(difference);
                        assert!(
                            difference <= TOLERANCE * theirs.abs().max(1.0),
                            "{name}: {ours} vs scipy {theirs}"
                        );
                        checked += 1;
                    }
                    (None, None) => {}
                    (ours, theirs) => {
                        panic!("case {index} driver {position} {name}: {ours:?} vs scipy {theirs:?}")
                    }
                }
            }
            likely += usize::from(ours.likely_related);
        }
    }
    assert!((1..4).contains(&likely), "the cases must hold both verdicts, {likely} likely related");
    println!(
        "driver_relations_match_scipy: {checked} numbers agree with scipy {} to {TOLERANCE} (largest difference \
         {largest:e}); {likely} drivers likely related",
        scipy_version
    );
}

#[test]
fn drivers_rank_by_evidence_then_by_relation_times_room() {
    let driver = |metric, r: Option<f64>, level: f64, likely_related| DriverPriority {
        metric,
        r,
        ci_low: r.map(|r| r - 0.3),
        ci_high: r.map(|r| r + 0.3),
        pairs: 30,
        teams: 8,
        level: r.map(|_| level),
        room: r.map(|_| 100.0 - level),
        likely_related,
    };
    let mut drivers = vec![
        driver(MetricKey::Tools, None, 0.0, false),
        driver(MetricKey::Trust, Some(0.5), 80.0, true),
        driver(MetricKey::Recognition, Some(0.4), 50.0, true),
        driver(MetricKey::Growth, Some(0.6), 40.0, false),
    ];
    rank_priorities(&mut drivers);
    let order: Vec<MetricKey> = drivers.iter().map(|driver| driver.metric).collect();
    // Recognition (0.4 × 50 = 20) before Trust (0.5 × 20 = 10); Growth is not likely related; Tools has no figure.
    assert_eq!(order, [MetricKey::Recognition, MetricKey::Trust, MetricKey::Growth, MetricKey::Tools]);
}

#[test]
fn too_few_teams_give_no_figure_however_many_periods() {
    let (engagement, drivers) = synthetic(3, &[1.0]);
    let relation = driver_relation(MetricKey::Trust, &engagement, &drivers[0]);
    assert!(relation.pairs >= MIN_PAIRS, "enough periods: {}", relation.pairs);
    assert_eq!((relation.teams, relation.r, relation.ci_low, relation.level), (3, None, None, None));
    assert!(!relation.likely_related);
}

/// A withheld week adds nothing to a period: the team-period without a released week is no pair.
#[test]
fn only_released_periods_make_pairs() {
    let week = |index: i64| IsoWeek::from_index(index);
    let start = week(4 * 500);
    let cell = |team: &str, offset: i64, key: &str, value: Option<f64>| AggregateCell {
        unit_kind: UnitKind::Team,
        unit_id: team.to_owned(),
        unit_name: team.to_owned(),
        week: start.plus_weeks(offset).to_string(),
        key: key.to_owned(),
        asked: true,
        released: value.is_some(),
        n: value.map(|_| 8),
        mean: value,
        sd: value.map(|_| 10.0),
        histogram: None,
        enps: None,
        burnout_share: None,
        item_id: None,
        standardised_mean: None,
    };
    let table = |cells| AggregateTable {
        k: 5,
        published_through: Some(start.plus_weeks(7).to_string()),
        next_publication: None::<NextPublication>,
        cells,
    };
    let weeks = start..=start.plus_weeks(7);
    let engagement = table(vec![cell("a", 0, "engagement", Some(60.0)), cell("a", 4, "engagement", None)]);
    let figures = team_period_figures(&engagement, &weeks, &Publication::of([&engagement]));
    assert_eq!(figures, [TeamPeriodFigure { team: "a".to_owned(), period: start.to_string(), value: 60.0 }]);
}
