//! Tests of the change between periods: against an independent reference
//! (numpy and scipy, `tests/reference/change_reference.py`) when
//! `POLSO_REFERENCE_PYTHON` names a Python with them, against the server's
//! own noise mechanism, and the cases left without an interval.

use std::path::Path;
use std::process::Command;

use polso_core::dp::Epsilon;
use polso_core::splitmix::SplitMix64;
use serde_json::{Value, json};

use polso_hr::change::*;

const TOLERANCE: f64 = 1e-9;

/// The organisation's minimum group size in these tests.
const K: u32 = 5;

/// One period's raw answers, week by week.
type Weeks = Vec<Vec<f64>>;

/// A period of `weeks` weeks of answers around `centre` (0–100, on whole
/// points), `n_base` to `n_base + 5` a week.
fn answers(random: &mut SplitMix64, weeks: usize, n_base: u64, centre: f64) -> Weeks {
    (0..weeks)
        .map(|_| {
            let n = n_base + random.below(6);
            (0..n)
                .map(|_| {
                    let spread = (random.uniform() + random.uniform() + random.uniform() - 1.5) * 40.0;
                    (centre + spread).round().clamp(0.0, 100.0)
                })
                .collect()
        })
        .collect()
}

/// What the server releases for one week's answers: mean and sample sd.
fn released_week(answers: &[f64]) -> ReleasedWeek {
    let n = answers.len() as f64;
    let mean = answers.iter().sum::<f64>() / n;
    let sd = (answers.iter().map(|value| (value - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    ReleasedWeek { mean, released_mean: mean, n: answers.len() as u32, sd: Some(sd) }
}

fn estimate(weeks: &Weeks, epsilon: Option<f64>) -> PeriodEstimate {
    let released: Vec<ReleasedWeek> = weeks.iter().map(|week| released_week(week)).collect();
    pool_period(&released, epsilon.map(|epsilon| ReleaseNoise::of_epsilon_per_cell(epsilon, K).unwrap()))
        .unwrap()
}

/// The cases: a weekly metric over four weeks that rose, the same under the
/// default ε, a driver asked once a period that did not move, one under a
/// small ε, and a fall with unequal weeks.
fn cases() -> Vec<(Weeks, Weeks, Option<f64>)> {
    let mut random = SplitMix64::new(16);
    vec![
        (answers(&mut random, 4, 14, 78.0), answers(&mut random, 4, 14, 55.0), None),
        (answers(&mut random, 4, 14, 78.0), answers(&mut random, 4, 14, 55.0), Some(6.5)),
        (answers(&mut random, 1, 10, 64.0), answers(&mut random, 1, 11, 64.0), Some(1.0)),
        (answers(&mut random, 2, 6, 55.0), answers(&mut random, 3, 7, 52.0), Some(0.5)),
        (answers(&mut random, 3, 20, 48.0), answers(&mut random, 4, 5, 61.0), Some(2.25)),
    ]
}

fn close(name: &str, ours: f64, theirs: &Value, largest: &mut f64) {
    let theirs = theirs.as_f64().unwrap_or_else(|| panic!("{name}: the reference gave {theirs}"));
    let difference = (ours - theirs).abs();
    *largest = largest.max(difference);
    assert!(difference <= TOLERANCE * theirs.abs().max(1.0), "{name}: ours {ours}, scipy {theirs}");
}

#[ignore = "compares with numpy and scipy; cargo xtask test runs it (POLSO_REFERENCE_PYTHON)"]
#[test]
fn the_change_and_its_interval_match_scipy() {
    let python = std::env::var_os("POLSO_REFERENCE_PYTHON").filter(|value| !value.is_empty());
    let Some(python) = python else {
        panic!(
            "the_change_and_its_interval_match_scipy needs POLSO_REFERENCE_PYTHON (POLSO_REFERENCE_PYTHON=$(bash scripts/python-reference-env.sh) cargo test -p polso-desktop -- --include-ignored)"
        );
    };
    let cases = cases();
    let input: Vec<Value> = cases
        .iter()
        .map(|(now, before, epsilon)| json!({"now": now, "before": before, "epsilon": epsilon, "k": K}))
        .collect();
    let directory = tempfile::tempdir().unwrap();
    let (input_path, output_path) =
        (directory.path().join("input.json"), directory.path().join("output.json"));
    std::fs::write(&input_path, serde_json::to_vec(&input).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/change_reference.py");
    let output = Command::new(&python).arg(&script).arg(&input_path).arg(&output_path).output().unwrap();
    assert!(output.status.success(), "the reference failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let reference: Value = serde_json::from_slice(&std::fs::read(&output_path).unwrap()).unwrap();
    let (mut checked, mut largest, mut likely_real) = (0, 0.0_f64, 0);
    for (index, (now, before, epsilon)) in cases.iter().enumerate() {
        let theirs = &reference["cases"][index];
        let (now, before) = (estimate(now, *epsilon), estimate(before, *epsilon));
        for (name, period, their_period) in
            [("now", &now, &theirs["now"]), ("before", &before, &theirs["before"])]
        {
            close(&format!("case {index} {name} mean"), period.mean, &their_period["mean"], &mut largest);
            close(&format!("case {index} {name} sd"), period.sd.unwrap(), &their_period["sd"], &mut largest);
            close(
                &format!("case {index} {name} people"),
                period.people(),
                &their_period["people"],
                &mut largest,
            );
            close(
                &format!("case {index} {name} noise"),
                period.noise_variance,
                &their_period["noise_variance"],
                &mut largest,
            );
            assert_eq!(Some(u64::from(period.answers)), their_period["answers"].as_u64());
            checked += 5;
        }
        let change = period_change(&now, &before).unwrap();
        let their_change = &theirs["change"];
        close(&format!("case {index} change"), change.change, &their_change["change"], &mut largest);
        close(
            &format!("case {index} se"),
            change.standard_error,
            &their_change["standard_error"],
            &mut largest,
        );
        close(
            &format!("case {index} df"),
            change.degrees_of_freedom,
            &their_change["degrees_of_freedom"],
            &mut largest,
        );
        close(&format!("case {index} low"), change.low, &their_change["low"], &mut largest);
        close(&format!("case {index} high"), change.high, &their_change["high"], &mut largest);
        assert_eq!(Some(change.likely_real), their_change["likely_real"].as_bool(), "case {index}");
        checked += 6;
        likely_real += usize::from(change.likely_real);
    }
    assert!(likely_real >= 1 && likely_real < cases.len(), "the cases must hold both verdicts");
    println!(
        "the_change_and_its_interval_match_scipy: {checked} numbers agree with scipy {} to {TOLERANCE} \
         (largest difference {largest:e}); {likely_real} of {} changes likely real",
        reference["scipy_version"],
        cases.len()
    );
}

/// The noise variance the interval adds is the server's: the released mean of
/// one cell, drawn 100,000 times by the server's own `CellNoise` (a sampling
/// error of about 1%), varies at most as [`ReleaseNoise::mean_variance`] says,
/// within 3% of it at the default ε; at small ε and few answers, where the
/// clamp to 0–100 bites, the bound is up to 2.5 times the variance (and a
/// first-order formula would fall 20% short of it at ε = 1).
#[test]
fn the_noise_variance_is_the_servers_mechanisms() {
    use polso_server::privacy::{CellNoise, ExactFigures, ValueScale};
    for (numerator, denominator, n, mean) in [(13, 2, 12_u32, 80.0), (1, 1, 20, 35.0), (1, 2, 9, 70.0)] {
        let epsilon = Epsilon::from_ratio(numerator, denominator).unwrap();
        let noise = CellNoise::new(epsilon, ValueScale::Score);
        let histogram = [0_u32; 10];
        let exact = ExactFigures { n, sum: mean * f64::from(n), histogram: &histogram };
        let mut random = SplitMix64::new(7);
        let draws = 100_000;
        let means: Vec<f64> =
            (0..draws).map(|_| noise.noisy_cell(exact, K, false, &mut random).mean).collect();
        let average = means.iter().sum::<f64>() / f64::from(draws);
        let variance =
            means.iter().map(|value| (value - average).powi(2)).sum::<f64>() / f64::from(draws - 1);
        let expected = ReleaseNoise::of_epsilon_per_cell(epsilon.to_f64(), K).unwrap().mean_variance(mean, n);
        println!(
            "ε {epsilon}, n {n}, mean {mean}: the server's means vary by {variance}, the formula says {expected}"
        );
        // The formula leaves out the clamp of the mean to 0–100, which can only narrow the spread
        // (a clamp is 1-Lipschitz): an upper bound, allowing 3% for the draws' own error…
        assert!(variance <= expected * 1.03, "ε {epsilon}: {variance} is above the bound {expected}");
        // …that is tight where the clamp is rare (the default ε) and not much wider elsewhere.
        let slack = if (numerator, denominator) == (13, 2) { 1.03 } else { 2.6 };
        assert!(expected <= variance * slack, "ε {epsilon}: the bound {expected} is far above {variance}");
    }
}

#[test]
fn a_week_without_an_sd_or_a_period_of_one_person_has_no_interval() {
    let week = |n, sd| ReleasedWeek { mean: 60.0, released_mean: 60.0, n, sd };
    let with_sd = pool_period(&[week(10, Some(12.0))], None).unwrap();
    let without_sd = pool_period(&[week(10, Some(12.0)), week(9, None)], None).unwrap();
    assert_eq!(without_sd.sd, None);
    assert_eq!(period_change(&with_sd, &without_sd), None);
    let one_person = pool_period(&[week(1, Some(0.0))], None).unwrap();
    assert_eq!(period_change(&with_sd, &one_person), None);
    assert_eq!(pool_period(&[week(0, None)], None), None);
}

/// A weekly metric's four weeks count its people once, not four times: the
/// same answers spread over four weeks give a wider interval than in one week.
#[test]
fn a_period_counts_its_people_not_its_answers() {
    let week = |mean, n| ReleasedWeek { mean, released_mean: mean, n, sd: Some(15.0) };
    let four_weeks =
        pool_period(&[week(70.0, 10), week(70.0, 10), week(70.0, 10), week(70.0, 10)], None).unwrap();
    let one_week = pool_period(&[week(70.0, 40)], None).unwrap();
    assert_eq!((four_weeks.answers, four_weeks.people(), one_week.people()), (40, 10.0, 40.0));
    let before = pool_period(&[week(62.0, 40)], None).unwrap();
    let spread = period_change(&four_weeks, &before).unwrap();
    let single = period_change(&one_week, &before).unwrap();
    assert!(spread.high - spread.low > single.high - single.low);
    assert!(single.likely_real);
}

#[test]
fn noise_widens_the_interval_and_an_invalid_epsilon_is_refused() {
    let week = |mean| ReleasedWeek { mean, released_mean: mean, n: 10, sd: Some(15.0) };
    let noise = ReleaseNoise::of_epsilon_per_cell(1.0, K);
    let (now, before) =
        (pool_period(&[week(70.0)], None).unwrap(), pool_period(&[week(60.0)], None).unwrap());
    let (noisy_now, noisy_before) =
        (pool_period(&[week(70.0)], noise).unwrap(), pool_period(&[week(60.0)], noise).unwrap());
    let (plain, noisy) =
        (period_change(&now, &before).unwrap(), period_change(&noisy_now, &noisy_before).unwrap());
    assert!(noisy.standard_error > plain.standard_error);
    assert!(noisy.degrees_of_freedom > plain.degrees_of_freedom, "known noise adds no estimated term");
    assert_eq!(ReleaseNoise::of_epsilon_per_cell(0.0, K), None);
    assert_eq!(ReleaseNoise::of_epsilon_per_cell(50.0, K), None);
}
