//! The linkage grid finds the relation planted in the synthetic data (issue 4, Tests): engagement
//! leading CSAT by three weeks, with a 95% interval that excludes 0, and few false findings among
//! the pairs with nothing planted.

use polso_core::Metric;
use polso_core::cx::CxMetric;
use polso_core::linkage::{LinkageSeries, MAX_LAG_WEEKS, NotEnoughData};

use crate::synthetic::{PLANTED_LAG_WEEKS, PLANTED_R, generate};

#[test]
fn planted_engagement_to_csat_relation_is_found_at_its_lag() {
    for seed in [1, 2, 3] {
        let data = generate(seed);
        let series = LinkageSeries::new(&data.ex, &data.cx).unwrap();
        let grid = series.grid();
        let strongest = grid.strongest_lag(Metric::Engagement, &CxMetric::Csat).unwrap();
        assert_eq!(strongest.lag_weeks, PLANTED_LAG_WEEKS, "seed {seed}");
        let estimate = strongest.within_pearson.estimate().unwrap();
        println!(
            "seed {seed}: lag {}, n {}, n_eff {:.1}, r {:.3} [{:.3}, {:.3}], p_adjusted {:.2e}",
            strongest.lag_weeks,
            strongest.within_pearson.n,
            estimate.n_effective,
            estimate.r,
            estimate.ci_low,
            estimate.ci_high,
            estimate.p_adjusted
        );
        assert!((PLANTED_R - 0.1..PLANTED_R + 0.1).contains(&estimate.r), "seed {seed}: {estimate:?}");
        assert!(estimate.ci_low > 0.0, "seed {seed}: the interval must exclude 0: {estimate:?}");
        assert!(estimate.ci_low < PLANTED_R && PLANTED_R < estimate.ci_high, "seed {seed}: {estimate:?}");
        assert!(estimate.p_adjusted < 0.001, "seed {seed}: {estimate:?}");
        assert!(estimate.n_effective < strongest.within_pearson.n as f64, "seed {seed}");
        let spearman = strongest.within_spearman.estimate().unwrap();
        assert!(spearman.ci_low > 0.0, "seed {seed}: {spearman:?}");

        let profile = grid.lag_profile(Metric::Engagement, &CxMetric::Csat);
        assert_eq!(profile.len(), MAX_LAG_WEEKS as usize + 1);
        assert!(profile.iter().enumerate().all(|(lag, cell)| cell.lag_weeks as usize == lag));

        let scatter = series.scatter(Metric::Engagement, &CxMetric::Csat, PLANTED_LAG_WEEKS);
        assert_eq!(scatter.points.len(), strongest.within_pearson.n);
        // Planted slope: 2 CSAT points per standard deviation, 0.3 of it through engagement's 5 points.
        let slope = scatter.fit.unwrap().slope;
        assert!((0.06..0.18).contains(&slope), "seed {seed}: slope {slope}");
    }
}

#[test]
fn pairs_with_nothing_planted_rarely_pass_the_adjusted_threshold() {
    let mut null_cells = 0;
    let mut false_findings = 0;
    for seed in [1, 2, 3, 4, 5] {
        let grid = LinkageSeries::new(&generate(seed).ex, &generate(seed).cx).unwrap().grid();
        for cell in &grid.cells {
            if cell.ex_metric == Metric::Engagement && cell.cx_metric == CxMetric::Csat {
                continue;
            }
            let correlation = cell.within_pearson.clone();
            if let Some(estimate) = correlation.estimate() {
                null_cells += 1;
                if estimate.p_adjusted < 0.05 {
                    false_findings += 1;
                }
            }
        }
    }
    assert!(null_cells > 200, "{null_cells}");
    assert!(false_findings * 20 <= null_cells, "{false_findings} of {null_cells}");
}

#[test]
fn short_series_say_not_enough_data() {
    let data = generate(1);
    let grid = LinkageSeries::new(&data.ex, &data.cx).unwrap().grid();
    let wait = CxMetric::Custom("wait_minutes".to_owned());
    let cell = grid.cell(Metric::Engagement, &wait, 0).unwrap();
    assert_eq!(
        cell.between_pearson.not_enough_data(),
        Some(&NotEnoughData::TooFewTeams { teams: 3, minimum: 4 })
    );
    // About 22 pairs of three teams over eight weeks: two-way effects spend 10 of them, leaving an effective
    // size below the minimum (issue 15: such a cell is neither coloured nor ranked).
    assert!(cell.within_pearson.n >= 20, "{}", cell.within_pearson.n);
    assert!(matches!(
        cell.within_pearson.not_enough_data(),
        Some(NotEnoughData::SmallEffectiveSize { n_effective, .. }) if *n_effective < 20.0
    ));
    assert!(grid.strongest_lag(Metric::Engagement, &wait).is_none());
    let late = grid.cell(Metric::Engagement, &wait, 8).unwrap();
    assert!(matches!(
        late.within_pearson.not_enough_data(),
        Some(NotEnoughData::TooFewPairs { pairs: 0, .. })
    ));
}
