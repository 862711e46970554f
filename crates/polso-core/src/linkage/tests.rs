//! Unit tests of the linkage grid: the effective size and its cutoff, the panel transforms, the
//! minimum effective size, evidence-based picking, edge peaks, false-coverage intervals and the
//! team-permutation test.

use super::panel::{TeamPairs, effective_size, first_differences, team_demeaned, two_way};
use super::*;

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

/// SplitMix64 (`crate::splitmix`), for deterministic test data.
struct TestRandom(crate::splitmix::SplitMix64);

impl TestRandom {
    fn new(seed: u64) -> TestRandom {
        TestRandom(crate::splitmix::SplitMix64::new(seed))
    }

    fn uniform(&mut self) -> f64 {
        self.0.uniform()
    }

    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn observation_ex(team: &str, week: i64, value: f64) -> ExObservation {
    ExObservation {
        team: team.to_owned(),
        week: IsoWeek::from_index(week),
        metric: Metric::Engagement,
        value,
    }
}

fn observation_cx(team: &str, week: i64, value: f64) -> CxObservation {
    CxObservation {
        team: team.to_owned(),
        week: IsoWeek::from_index(week),
        metric: CxMetric::Csat,
        value,
        n_responses: None,
    }
}

#[test]
fn too_little_data_is_said_not_guessed() {
    // 13 weeks: the common window is the first 5 EX weeks (the last CX week minus 8).
    let ex: Vec<ExObservation> = (0..13).map(|w| observation_ex("a", 1300 + w, w as f64)).collect();
    let cx: Vec<CxObservation> = (0..13).map(|w| observation_cx("a", 1300 + w, (w * w) as f64)).collect();
    let grid = compute_linkage(&ex, &cx).unwrap();
    assert_eq!(grid.cells.len(), 9);
    let cell = grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
    assert_eq!(cell.within_pearson.n, 5);
    assert_eq!(
        cell.within_pearson.not_enough_data(),
        Some(&NotEnoughData::TooFewPairs { pairs: 5, minimum: MIN_WITHIN_TEAM_PAIRS })
    );
    assert_eq!(
        cell.between_spearman.not_enough_data(),
        Some(&NotEnoughData::TooFewTeams { teams: 1, minimum: MIN_BETWEEN_TEAM_TEAMS })
    );
    assert!(grid.strongest_lag(Metric::Engagement, &CxMetric::Csat).is_none());
    // Every lag has the same 5 EX weeks.
    assert_eq!(grid.cell(Metric::Engagement, &CxMetric::Csat, 8).unwrap().within_pearson.n, 5);
}

/// CX that ends less than [`MAX_LAG_WEEKS`] after the EX starts leaves no common window: every cell
/// says there are no pairs, and nothing panics (the dense grid once took an empty window as a
/// reversed range of weeks).
#[test]
fn cx_ending_before_the_window_gives_cells_without_pairs() {
    let ex: Vec<ExObservation> = (0..13).map(|w| observation_ex("a", 1300 + w, w as f64)).collect();
    let cx: Vec<CxObservation> = (0..5).map(|w| observation_cx("a", 1300 + w, w as f64)).collect();
    let grid = compute_linkage(&ex, &cx).unwrap();
    assert_eq!(grid.cells.len(), 9);
    for cell in &grid.cells {
        assert_eq!(cell.within_pearson.n, 0, "{cell:?}");
        assert!(cell.within_pearson.not_enough_data().is_some());
    }
}

#[test]
fn constant_series_have_no_variation() {
    let ex: Vec<ExObservation> = (0..20).map(|w| observation_ex("a", 1300 + w, 50.0)).collect();
    let cx: Vec<CxObservation> = (0..20).map(|w| observation_cx("a", 1300 + w, w as f64)).collect();
    let grid = compute_linkage(&ex, &cx).unwrap();
    let cell = grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
    assert_eq!(cell.within_pearson.not_enough_data(), Some(&NotEnoughData::NoVariation));
}

#[test]
fn team_levels_do_not_leak_into_within_team_correlation() {
    // Two teams whose levels differ by a lot but whose weekly wiggles are exactly opposite:
    // between-team data would say "positive", within-team must say −1.
    let mut ex = Vec::new();
    let mut cx = Vec::new();
    for (team, offset) in [("a", 0.0), ("b", 50.0)] {
        let mut random = TestRandom::new(21);
        for w in 0..40 {
            let wiggle = random.normal();
            ex.push(observation_ex(team, 1300 + w, offset + wiggle));
            cx.push(observation_cx(team, 1300 + w, offset - wiggle));
        }
    }
    let grid = compute_linkage(&ex, &cx).unwrap();
    let cell = grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
    assert!(close(cell.team_demeaned_pearson.r().unwrap(), -1.0, 1e-12));
    let estimate = cell.team_demeaned_pearson.estimate().unwrap();
    assert!(estimate.p_value < 1e-15, "{estimate:?}");
}

#[test]
fn scatter_fit_recovers_a_planted_slope() {
    let mut ex = Vec::new();
    let mut cx = Vec::new();
    for (team, offset) in [("a", 10.0), ("b", 40.0), ("c", 70.0)] {
        for w in 0..40_i64 {
            let deviation = ((w * 7 + offset as i64) % 11) as f64 - 5.0;
            ex.push(observation_ex(team, 1300 + w, offset + deviation));
            cx.push(observation_cx(team, 1302 + w, offset / 2.0 + 0.25 * deviation));
        }
    }
    let series = LinkageSeries::new(&ex, &cx).unwrap();
    let scatter = series.scatter(Metric::Engagement, &CxMetric::Csat, 2);
    // The common window: EX weeks 1300 to 1333 (the last CX week, 1341, minus 8).
    assert_eq!(scatter.points.len(), 3 * 34);
    let fit = scatter.fit.unwrap();
    assert!(close(fit.slope, 0.25, 1e-12) && close(fit.intercept, 0.0, 1e-12), "{fit:?}");
    let grid = series.grid();
    assert_eq!(grid.strongest_lag(Metric::Engagement, &CxMetric::Csat).unwrap().lag_weeks, 2);
    assert_eq!(grid.pairs(), vec![(Metric::Engagement, CxMetric::Csat)]);
}

#[test]
fn bad_observations_are_refused() {
    let ex = vec![observation_ex("a", 1300, f64::NAN)];
    assert!(matches!(compute_linkage(&ex, &[]), Err(LinkageError::NonFiniteValue { .. })));
    let cx = vec![observation_cx("a", 1300, 1.0), observation_cx("a", 1300, 2.0)];
    assert!(matches!(compute_linkage(&[], &cx), Err(LinkageError::DuplicateObservation { .. })));
}

fn ar1(random: &mut TestRandom, phi: f64, length: usize) -> Vec<f64> {
    let mut value = 0.0;
    (0..length)
        .map(|_| {
            value = phi * value + random.normal();
            value
        })
        .collect()
}

fn team(team: usize, weeks: Vec<i64>, ex: Vec<f64>, cx: Vec<f64>) -> TeamPairs {
    TeamPairs { team, weeks, ex, cx }
}

#[test]
fn effective_size_matches_the_ar1_formula() {
    // Two independent AR(1) series with φ = 0.5: n_eff / n → (1 − φ²) / (1 + φ²) = 0.6 for large n
    // (the truncated sum at K = 10 changes this by less than 1e-5).
    let mut random = TestRandom::new(7);
    let weeks: Vec<i64> = (0..20_000).collect();
    let ex = ar1(&mut random, 0.5, weeks.len());
    let cx = ar1(&mut random, 0.5, weeks.len());
    let n_eff = effective_size(&team_demeaned(&[team(0, weeks, ex, cx)]));
    let ratio = n_eff / 20_000.0;
    assert!((0.55..0.65).contains(&ratio), "ratio {ratio}");
}

/// Issue 15, statistics 1: a metric asked every 4th week has pairs only at multiples of 4 weeks; the
/// cutoff came from the number of pairs (13 over a year: K = 3), so lag 4 was never summed and
/// n_eff = n. From the span (49 weeks: K = 10) lags 4 and 8 are summed.
#[test]
fn every_fourth_week_metric_is_corrected_for_autocorrelation() {
    let mut random = TestRandom::new(11);
    let mut teams = Vec::new();
    for index in 0..20 {
        // Weekly AR(1) with φ = 0.9, seen every 4th week: lag-4 autocorrelation 0.9⁴ ≈ 0.66.
        let ex_weekly = ar1(&mut random, 0.9, 52);
        let cx_weekly = ar1(&mut random, 0.9, 52);
        let weeks: Vec<i64> = (0..52).step_by(4).collect();
        let pick = |series: &[f64]| weeks.iter().map(|w| series[*w as usize]).collect::<Vec<f64>>();
        teams.push(team(index, weeks.clone(), pick(&ex_weekly), pick(&cx_weekly)));
    }
    let residuals = team_demeaned(&teams);
    let m = (residuals.n() + 1 - residuals.absorbed) as f64;
    let n_eff = effective_size(&residuals);
    assert!(n_eff < 0.8 * m, "n_eff {n_eff} of m {m}: the lag-4 autocorrelation was not summed");
}

#[test]
fn effective_size_is_clamped_and_counts_team_means() {
    let weeks: Vec<i64> = (0..8).collect();
    let alternating: Vec<f64> = (0..8).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
    let teams = vec![
        team(0, weeks.clone(), alternating.clone(), alternating.clone()),
        team(1, weeks, alternating.clone(), alternating),
    ];
    // Alternating series have r(1) = −7/8 on both sides: the sum is positive, so n_eff < m = 15.
    let n_eff = effective_size(&team_demeaned(&teams));
    assert!((3.0..15.0).contains(&n_eff), "{n_eff}");
}

#[test]
fn two_way_residuals_of_a_balanced_panel_are_the_double_demeaned_values() {
    // Balanced: x_tw − x̄_t − x̄_w + x̄ exactly.
    let mut random = TestRandom::new(3);
    let weeks: Vec<i64> = (0..6).collect();
    let teams: Vec<TeamPairs> = (0..4)
        .map(|index| {
            let ex = (0..6).map(|_| random.normal()).collect();
            let cx = (0..6).map(|_| random.normal()).collect();
            team(index, weeks.clone(), ex, cx)
        })
        .collect();
    let residuals = two_way(&teams);
    let grand = teams.iter().flat_map(|t| t.ex.iter()).sum::<f64>() / 24.0;
    for (t, original) in teams.iter().enumerate() {
        let team_mean = mean(&original.ex);
        for w in 0..6 {
            let week_mean = teams.iter().map(|t| t.ex[w]).sum::<f64>() / 4.0;
            let expected = original.ex[w] - team_mean - week_mean + grand;
            assert!(close(residuals.panel.team_pairs()[t].ex[w], expected, 1e-12));
        }
    }
    // 4 teams + 6 weeks − 1 component.
    assert_eq!(residuals.absorbed, 9);
}

#[test]
fn disconnected_team_groups_absorb_one_parameter_less_per_group() {
    // Teams 0 and 1 share weeks 0..4, teams 2 and 3 weeks 10..14: two components.
    let series = |start: i64| (start..start + 4).collect::<Vec<i64>>();
    let values = vec![1.0, 3.0, 2.0, 5.0];
    let teams = vec![
        team(0, series(0), values.clone(), values.clone()),
        team(1, series(0), vec![2.0, 1.0, 4.0, 3.0], values.clone()),
        team(2, series(10), values.clone(), vec![0.0, 1.0, 0.0, 2.0]),
        team(3, series(10), vec![5.0, 1.0, 1.0, 0.0], values),
    ];
    assert_eq!(two_way(&teams).absorbed, 4 + 8 - 2);
}

#[test]
fn first_differences_join_weeks_at_most_four_apart() {
    let differences =
        first_differences(&[team(0, vec![1, 2, 6, 20, 24], vec![1.0, 3.0, 4.0, 9.0, 7.0], vec![0.0; 5])]);
    assert_eq!(differences.len(), 1);
    assert_eq!(differences[0].weeks, vec![2, 6, 24]);
    assert_eq!(differences[0].ex, vec![2.0, 1.0, -2.0]);
}

/// Issue 15, statistics 5: a week effect shared by the whole organisation makes the team-demeaned
/// figure "significant" at lag 0; two-way fixed effects take it to r ≈ 0.
#[test]
fn a_shared_week_effect_is_removed_by_the_default_figure() {
    let mut random = TestRandom::new(5);
    let season: Vec<f64> = (0..60).map(|_| 3.0 * random.normal()).collect();
    let mut ex = Vec::new();
    let mut cx = Vec::new();
    for index in 0..10 {
        let name = format!("team {index}");
        for w in 0..60_i64 {
            ex.push(observation_ex(&name, 1300 + w, 50.0 + season[w as usize] + random.normal()));
            cx.push(observation_cx(&name, 1300 + w, 70.0 + season[w as usize] + random.normal()));
        }
    }
    let grid = compute_linkage(&ex, &cx).unwrap();
    let cell = grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
    let plain = cell.team_demeaned_pearson.estimate().unwrap();
    let two_way = cell.within_pearson.estimate().unwrap();
    assert!(plain.r > 0.8 && plain.is_finding(), "{plain:?}");
    assert!(two_way.r.abs() < 0.1 && !two_way.is_finding(), "{two_way:?}");
    // Two-way spends the 52 weeks of the window too: m = n − (10 + 52 − 1) + 1.
    assert!(two_way.n_effective <= (520 - 61 + 1) as f64);
    assert!(cell.first_difference_pearson.estimate().is_some_and(|e| e.r.abs() < 0.15));
}

/// Issue 15, statistics 8: 10 pairs whose effective size is below the minimum (here 5: two teams
/// and five weeks spend 6 of them on team and week effects) are not estimated, coloured or ranked.
#[test]
fn a_small_effective_size_is_not_estimated() {
    let mut random = TestRandom::new(9);
    let mut ex = Vec::new();
    let mut cx = Vec::new();
    for name in ["a", "b"] {
        // 13 weeks: the common window is the first 5 EX weeks.
        for w in 0..13 {
            ex.push(observation_ex(name, 1300 + w, random.normal()));
            cx.push(observation_cx(name, 1300 + w, random.normal()));
        }
    }
    let grid = compute_linkage(&ex, &cx).unwrap();
    let cell = grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
    assert_eq!(cell.within_pearson.n, 10);
    match cell.within_pearson.not_enough_data() {
        Some(NotEnoughData::SmallEffectiveSize { n_effective, minimum }) => {
            assert!(*n_effective <= 5.0 && *minimum == MIN_EFFECTIVE_N, "{n_effective}")
        }
        other => panic!("{other:?}"),
    }
    assert!(grid.strongest_lag(Metric::Engagement, &CxMetric::Csat).is_none());
    let ranked = grid.ranked_pairs();
    assert!(ranked.iter().all(|pair| pair.estimate().is_none() && !pair.is_finding()));
}

fn estimated(r: f64, n_effective: f64, p_adjusted: f64) -> Correlation {
    let mut estimate = super::estimate(r, n_effective);
    estimate.p_adjusted = p_adjusted;
    Correlation { n: 100, n_teams: 5, outcome: CorrelationOutcome::Estimated(estimate) }
}

fn hand_cell(ex_metric: Metric, lag_weeks: u32, within: Correlation) -> LinkageCell {
    let none = Correlation::not_enough(0, 0, NotEnoughData::NoVariation);
    LinkageCell {
        ex_metric,
        cx_metric: CxMetric::Csat,
        lag_weeks,
        within_pearson: within,
        within_spearman: none.clone(),
        team_demeaned_pearson: none.clone(),
        first_difference_pearson: none.clone(),
        between_pearson: none.clone(),
        between_spearman: none,
    }
}

/// Issue 15, statistics 2 and 3: the strongest lag and the default pair are chosen by evidence, not
/// by |r|, which favours the sparsest cells.
#[test]
fn lags_and_pairs_are_picked_by_evidence_not_by_size() {
    let none = || Correlation::not_enough(0, 0, NotEnoughData::TooFewPairs { pairs: 0, minimum: 10 });
    let mut cells = Vec::new();
    for lag in 0..=MAX_LAG_WEEKS {
        // Engagement: lag 1 has the largest r on few effective weeks; lag 3 more evidence.
        cells.push(hand_cell(
            Metric::Engagement,
            lag,
            match lag {
                1 => estimated(0.6, 22.0, 0.04),
                3 => estimated(0.4, 100.0, 0.001),
                _ => none(),
            },
        ));
    }
    for lag in 0..=MAX_LAG_WEEKS {
        // Wellbeing: a larger r than engagement's best, at lag 0, with little evidence.
        cells.push(hand_cell(
            Metric::Wellbeing,
            lag,
            if lag == 0 { estimated(0.7, 21.0, 0.02) } else { none() },
        ));
    }
    let grid = LinkageGrid { cells, ex_weeks: None, cx_cells_too_few_responses: 0 };
    assert_eq!(grid.strongest_lag(Metric::Engagement, &CxMetric::Csat).unwrap().lag_weeks, 3);
    let ranked = grid.ranked_pairs();
    assert_eq!(ranked[0].ex_metric, Metric::Engagement);
    assert_eq!(ranked[0].peak, Some(LagPeak::Interior));
    assert_eq!(ranked[1].ex_metric, Metric::Wellbeing);
    assert_eq!(ranked[1].peak, Some(LagPeak::Edge));
}

#[test]
fn findings_get_false_coverage_intervals_at_one_minus_r_q_over_m() {
    let mut cells: Vec<LinkageCell> = (0..=MAX_LAG_WEEKS)
        .map(|lag| {
            let r = if lag == 2 {
                0.5
            } else if lag == 3 {
                0.45
            } else {
                0.01 * f64::from(lag)
            };
            let mut correlation = estimated(r, 120.0, 1.0);
            if let CorrelationOutcome::Estimated(estimate) = &mut correlation.outcome {
                estimate.p_adjusted = 1.0;
            }
            hand_cell(Metric::Engagement, lag, correlation)
        })
        .collect();
    adjust_family(&mut cells, CorrelationScope::WithinTeam, CorrelationMethod::Pearson);
    let findings: Vec<&LinkageCell> =
        cells.iter().filter(|cell| cell.within_pearson.estimate().unwrap().is_finding()).collect();
    assert_eq!(findings.len(), 2);
    let confidence = 1.0 - 2.0 * FALSE_DISCOVERY_RATE / 9.0;
    for cell in &cells {
        let estimate = cell.within_pearson.estimate().unwrap();
        match estimate.fcr_interval {
            Some((low, high)) => {
                assert!(estimate.is_finding());
                let (expected_low, expected_high) = fisher_z_interval_at(estimate.r, 120.0, confidence);
                assert!(close(low, expected_low, 1e-15) && close(high, expected_high, 1e-15));
                assert!(low < estimate.ci_low && estimate.ci_high < high, "wider than 95%");
            }
            None => assert!(!estimate.is_finding()),
        }
    }
}

#[test]
fn between_team_power_says_how_many_teams_are_needed() {
    let power = between_team_power(20);
    assert_eq!(power.teams_needed, 70);
    assert!(power.power < 0.5, "{power:?}");
    assert!(between_team_power(70).power >= 0.8);
}

#[test]
fn every_lag_uses_the_same_window_of_ex_weeks() {
    let ex: Vec<ExObservation> = (0..30).map(|w| observation_ex("a", 1300 + w, w as f64)).collect();
    let cx: Vec<CxObservation> = (0..30).map(|w| observation_cx("a", 1300 + w, w as f64)).collect();
    let grid = compute_linkage(&ex, &cx).unwrap();
    let window = grid.ex_weeks.clone().unwrap();
    assert_eq!((window.start().index(), window.end().index()), (1300, 1321));
    for lag in 0..=MAX_LAG_WEEKS {
        assert_eq!(grid.cell(Metric::Engagement, &CxMetric::Csat, lag).unwrap().team_demeaned_pearson.n, 22);
    }
}

/// Issue 15, "CX cells carry their number of customers": a cell below [`MIN_CX_RESPONSES`] is left
/// out exactly as if it were absent, and counted; a cell at the minimum, or of unknown size, is kept.
#[test]
fn cx_cells_from_too_few_customers_are_left_out_and_counted() {
    let mut ex = Vec::new();
    let mut cx = Vec::new();
    for team in ["a", "b", "c", "d", "e", "f"] {
        for week in 0..40i64 {
            let swing = ((week * 7 + team.len() as i64 * 3 + i64::from(team.as_bytes()[0])) % 11) as f64;
            ex.push(observation_ex(team, 1300 + week, 50.0 + swing));
            let mut observation = observation_cx(team, 1300 + week, 40.0 + swing * 0.5 + (week % 3) as f64);
            observation.n_responses = Some(MIN_CX_RESPONSES + u32::try_from(week % 2).unwrap());
            cx.push(observation);
        }
    }
    // Every third cell of teams a and b from only a few customers, with a wild score.
    let mut with_small = cx.clone();
    let mut left_out = 0;
    for (index, observation) in with_small.iter_mut().enumerate() {
        if index < 80 && index % 3 == 0 {
            observation.n_responses = Some(MIN_CX_RESPONSES - 1);
            observation.value = 1000.0;
            left_out += 1;
        }
    }
    let without: Vec<CxObservation> =
        with_small.iter().filter(|o| o.n_responses != Some(MIN_CX_RESPONSES - 1)).cloned().collect();
    let grid = compute_linkage(&ex, &with_small).unwrap();
    assert_eq!(grid.cx_cells_too_few_responses, left_out);
    let expected = compute_linkage(&ex, &without).unwrap();
    assert_eq!(grid.cells, expected.cells);
    assert_eq!(expected.cx_cells_too_few_responses, 0);
    // Unknown sizes are kept: the same grid as with every cell at or above the minimum.
    let unknown: Vec<CxObservation> =
        cx.iter().cloned().map(|o| CxObservation { n_responses: None, ..o }).collect();
    assert_eq!(compute_linkage(&ex, &unknown).unwrap().cells, compute_linkage(&ex, &cx).unwrap().cells);
}

/// A panel of `teams` teams over `weeks` weeks from `value(team, week) -> (ex, cx)`, each
/// team named in name order (`team 00`, `team 01`, …).
fn panel(
    teams: usize,
    weeks: i64,
    mut value: impl FnMut(usize, i64) -> (f64, f64),
) -> (Vec<ExObservation>, Vec<CxObservation>) {
    let (mut ex, mut cx) = (Vec::new(), Vec::new());
    for team in 0..teams {
        let name = format!("team {team:02}");
        for week in 0..weeks {
            let (ex_value, cx_value) = value(team, week);
            ex.push(observation_ex(&name, 1300 + week, ex_value));
            cx.push(observation_cx(&name, 1300 + week, cx_value));
        }
    }
    (ex, cx)
}

#[test]
fn a_shared_calendar_trend_alone_is_not_a_team_link() {
    // One drifting series (a random walk) for the whole organisation; every team follows it with its
    // own strength on both sides, plus independent noise. Nothing links a team's EX to its own CX
    // beyond the calendar, yet the plain (team-demeaned) figure is strong.
    let mut random = TestRandom::new(41);
    let (teams, weeks) = (20, 60);
    let mut drift = vec![0.0];
    for _ in 1..weeks + 8 {
        let last = drift[drift.len() - 1];
        drift.push(last + random.normal());
    }
    let ex_strength: Vec<f64> = (0..teams).map(|_| 0.5 + random.uniform()).collect();
    let cx_strength: Vec<f64> = (0..teams).map(|_| 0.5 + random.uniform()).collect();
    let (ex, cx) = panel(teams, weeks + 8, |team, week| {
        let trend = drift[usize::try_from(week).unwrap()];
        (
            60.0 + ex_strength[team] * trend + 0.5 * random.normal(),
            70.0 + cx_strength[team] * trend + 0.5 * random.normal(),
        )
    });
    let series = LinkageSeries::new(&ex, &cx).unwrap();
    let grid = series.grid();
    let cell = grid.cell(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
    let plain = cell.team_demeaned_pearson.r().unwrap();
    assert!(plain > 0.8, "the plain figure is strong: {plain}");
    let test = series.team_permutation_test(Metric::Engagement, &CxMetric::Csat, 0).unwrap();
    assert_eq!((test.n_teams, test.permutations), (teams, teams - 1));
    assert_eq!(test.r_observed, cell.within_pearson.r().unwrap());
    // The trend's strengths differ by team, so week demeaning leaves part of it in each team's
    // residuals, and the default figure picks up a chance correlation of the strengths that its
    // parametric p-value takes for evidence; the permuted pairings share the calendar and show as much.
    let parametric_p = cell.within_pearson.estimate().unwrap().p_value;
    assert!(parametric_p < 0.01, "this dataset fools the parametric p-value: {parametric_p}");
    assert!(test.p_value > 0.1, "a shared trend gives a large permutation p: {test:?}");
}

#[test]
fn a_real_per_team_link_stands_out_of_every_permutation() {
    // Each team's EX is its own AR(1) series (φ = 0.7); its CX two weeks later follows it.
    let mut random = TestRandom::new(42);
    let (teams, weeks) = (20, 50);
    let mut ex_series: Vec<Vec<f64>> = Vec::new();
    for _ in 0..teams {
        let mut values = vec![random.normal()];
        for _ in 1..weeks {
            let last = values[values.len() - 1];
            values.push(0.7 * last + random.normal());
        }
        ex_series.push(values);
    }
    let (ex, cx) = panel(teams, weeks, |team, week| {
        let week = usize::try_from(week).unwrap();
        let linked = if week >= 2 { ex_series[team][week - 2] } else { 0.0 };
        (60.0 + 5.0 * ex_series[team][week], 70.0 + 4.0 * linked + 3.0 * random.normal())
    });
    let series = LinkageSeries::new(&ex, &cx).unwrap();
    let test = series.team_permutation_test(Metric::Engagement, &CxMetric::Csat, 2).unwrap();
    assert!(test.r_observed > 0.5, "{test:?}");
    assert_eq!((test.n_teams, test.permutations, test.at_least_as_large), (teams, teams - 1, 0));
    assert!(close(test.p_value, 1.0 / teams as f64, 1e-15), "{test:?}");
}

#[test]
fn the_permutation_test_needs_five_teams() {
    let mut random = TestRandom::new(43);
    let (ex, cx) = panel(4, 60, |_, _| (random.normal(), random.normal()));
    let series = LinkageSeries::new(&ex, &cx).unwrap();
    assert_eq!(
        series.team_permutation_test(Metric::Engagement, &CxMetric::Csat, 0),
        Err(NotEnoughData::TooFewTeams { teams: 4, minimum: MIN_PERMUTATION_TEAMS })
    );
    // Without an estimate of the observed figure, its own reason.
    let (ex, cx) = panel(6, 12, |_, _| (random.normal(), random.normal()));
    let series = LinkageSeries::new(&ex, &cx).unwrap();
    assert!(matches!(
        series.team_permutation_test(Metric::Engagement, &CxMetric::Csat, 0),
        Err(NotEnoughData::SmallEffectiveSize { .. })
    ));
}
