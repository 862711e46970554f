//! Four-week periods computed by hand from released cells: the n-weighted
//! mean and the pooled-sd interval of the module header, withheld weeks left
//! out, and each kind of gap.

use std::ops::RangeInclusive;

use polso_api::{AggregateCell, AggregateTable, MetricKey, UnitKind, UnitRef};
use polso_core::IsoWeek;

use super::*;
use crate::hr::{Publication, shape_overview};
use crate::team_view::{MetricTables, shape_comparison};

/// The first week of a schedule cycle, some weeks before 2026-W47.
fn cycle_start() -> IsoWeek {
    let near: IsoWeek = "2026-W40".parse().unwrap();
    IsoWeek::from_index(near.index() - near.index().rem_euclid(CYCLE_WEEKS))
}

/// The `offset`-th week from [`cycle_start`].
fn week(offset: i64) -> IsoWeek {
    IsoWeek::from_index(cycle_start().index() + offset)
}

fn cell(unit_kind: UnitKind, unit_id: &str, week: IsoWeek) -> AggregateCell {
    AggregateCell {
        unit_kind,
        unit_id: unit_id.to_owned(),
        unit_name: unit_id.to_owned(),
        week: week.to_string(),
        key: "engagement".to_owned(),
        asked: true,
        released: false,
        n: None,
        mean: None,
        sd: None,
        histogram: None,
        enps: None,
        burnout_share: None,
        item_id: None,
        standardised_mean: None,
    }
}

fn released(unit_kind: UnitKind, unit_id: &str, week: IsoWeek, n: u32, mean: f64, sd: f64) -> AggregateCell {
    AggregateCell {
        released: true,
        n: Some(n),
        mean: Some(mean),
        sd: Some(sd),
        ..cell(unit_kind, unit_id, week)
    }
}

fn not_asked(unit_kind: UnitKind, unit_id: &str, week: IsoWeek) -> AggregateCell {
    AggregateCell { asked: false, ..cell(unit_kind, unit_id, week) }
}

fn published_through(week: IsoWeek) -> Publication {
    Publication { published_through: Some(week), next_publication: None }
}

/// Four cycles of the organisation's engagement:
/// 0. weeks 0 and 2 released (n 20, mean 60, sd 10; n 30, mean 70, sd 12),
///    week 1 withheld, week 3 not asked;
/// 1. week 5 withheld (fewer than k), the others not asked;
/// 2. nothing asked;
/// 3. week 12 released, week 13 withheld; weeks 14 and 15 not published.
fn organisation_cells() -> Vec<AggregateCell> {
    let organisation = UnitKind::Organisation;
    let mut cells = vec![
        released(organisation, "org", week(0), 20, 60.0, 10.0),
        cell(organisation, "org", week(1)),
        released(organisation, "org", week(2), 30, 70.0, 12.0),
        not_asked(organisation, "org", week(3)),
        not_asked(organisation, "org", week(4)),
        cell(organisation, "org", week(5)),
        not_asked(organisation, "org", week(6)),
        not_asked(organisation, "org", week(7)),
        released(organisation, "org", week(12), 8, 40.0, 5.0),
        cell(organisation, "org", week(13)),
    ];
    cells.extend((8..12).map(|offset| not_asked(organisation, "org", week(offset))));
    cells
}

/// The 95% band of n-weighted weeks `(n, mean, sd)` by hand: the pooled
/// sum of squares over N − 1, then mean ± 1.96·s/√N.
fn by_hand(weeks: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let total: f64 = weeks.iter().map(|(n, _, _)| n).sum();
    let mean = weeks.iter().map(|(n, mean, _)| n * mean).sum::<f64>() / total;
    let sum_of_squares: f64 =
        weeks.iter().map(|(n, week_mean, sd)| (n - 1.0) * sd * sd + n * (week_mean - mean).powi(2)).sum();
    let half_width = 1.96 * (sum_of_squares / (total - 1.0)).sqrt() / total.sqrt();
    (mean, mean - half_width, mean + half_width)
}

fn assert_close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a figure");
    assert!((actual - expected).abs() < 1e-9, "{actual} is not {expected}");
}

#[test]
fn a_period_is_the_answer_weighted_mean_of_its_released_weeks_and_a_withheld_week_adds_nothing() {
    let cells = organisation_cells();
    let references: Vec<&AggregateCell> = cells.iter().collect();
    let weeks = week(0)..=week(15);
    let periods = four_week_periods(&weeks, &references, &published_through(week(13)));
    assert_eq!(periods.len(), 4);

    let first = &periods[0];
    let (mean, low, high) = by_hand(&[(20.0, 60.0, 10.0), (30.0, 70.0, 12.0)]);
    assert_close(first.mean, mean);
    assert_close(Some(mean), 66.0);
    assert_close(first.low, low);
    assert_close(first.high, high);
    assert_eq!((first.n, first.released_weeks, first.withheld_weeks), (Some(50), 2, 1));
    assert!(first.asked && first.published && !first.suppressed);
    assert_eq!(
        (first.from.as_str(), first.to.as_str()),
        (week(0).to_string().as_str(), week(3).to_string().as_str())
    );
    assert_eq!(first.from_monday, week(0).monday().to_string());
    assert_eq!(first.to_sunday, week(3).sunday().to_string());

    // No week released: a suppressed gap, never a zero.
    let second = &periods[1];
    assert_eq!((second.mean, second.low, second.n), (None, None, None));
    assert!(second.suppressed && second.asked && second.published);
    assert_eq!((second.released_weeks, second.withheld_weeks), (0, 1));

    // Nothing asked: "not asked", neither suppressed nor pending.
    let third = &periods[2];
    assert!(!third.asked && !third.suppressed && third.published);
    assert_eq!(third.mean, None);

    // One released week and one withheld, two not yet published: the released
    // week alone, with exactly its weekly band.
    let fourth = &periods[3];
    let (mean, low, high) = by_hand(&[(8.0, 40.0, 5.0)]);
    assert_close(fourth.mean, mean);
    assert_close(fourth.low, low);
    assert_close(fourth.high, high);
    assert_eq!(crate::hr::confidence_band(40.0, 5.0, 8), (fourth.low.unwrap(), fourth.high.unwrap()));
    assert_eq!((fourth.released_weeks, fourth.withheld_weeks), (1, 1));
}

#[test]
fn a_period_with_nothing_released_yet_and_weeks_still_to_publish_is_not_published() {
    let cells = [cell(UnitKind::Organisation, "org", week(0))];
    let references: Vec<&AggregateCell> = cells.iter().collect();
    // Week 0 not published either: nothing is known yet.
    let pending = four_week_periods(&(week(0)..=week(3)), &[], &published_through(week(-1)));
    assert_eq!(pending.len(), 1);
    assert!(!pending[0].published && !pending[0].suppressed && pending[0].asked);
    // The cycle runs past the range: its weeks to come may still ask it.
    let quiet = [
        not_asked(UnitKind::Organisation, "org", week(0)),
        not_asked(UnitKind::Organisation, "org", week(1)),
    ];
    let quiet: Vec<&AggregateCell> = quiet.iter().collect();
    let running = four_week_periods(&(week(0)..=week(1)), &quiet, &published_through(week(1)));
    assert!(!running[0].published && !running[0].suppressed);
    // A withheld week says "fewer than k" even while later weeks are pending.
    let withheld = four_week_periods(&(week(0)..=week(1)), &references, &published_through(week(1)));
    assert!(withheld[0].published && withheld[0].suppressed);
}

#[test]
fn periods_follow_the_schedule_cycles_and_a_cut_cycle_is_its_weeks_shown() {
    let mut cells = vec![released(UnitKind::Organisation, "org", week(2), 10, 50.0, 8.0)];
    cells.extend([3, 8, 9].map(|offset| not_asked(UnitKind::Organisation, "org", week(offset))));
    let references: Vec<&AggregateCell> = cells.iter().collect();
    let periods = four_week_periods(&(week(2)..=week(9)), &references, &published_through(week(9)));
    let bounds: Vec<(String, String)> =
        periods.iter().map(|period| (period.from.clone(), period.to.clone())).collect();
    assert_eq!(
        bounds,
        [(week(2), week(3)), (week(4), week(7)), (week(8), week(9))]
            .map(|(from, to)| (from.to_string(), to.to_string()))
    );
    assert_close(periods[0].mean, 50.0);
    // Published weeks with no cell count as withheld, as in the weekly series.
    assert!(periods[1].suppressed);
    assert_eq!(periods[1].withheld_weeks, 4);
    // The last cycle runs on past week 9 and released nothing: not yet published.
    assert!(!periods[2].published);
}

#[test]
fn a_driver_period_is_on_the_anchor_level_only_when_every_released_week_is() {
    let mut first = released(UnitKind::Organisation, "org", week(0), 10, 50.0, 8.0);
    let mut second = released(UnitKind::Organisation, "org", week(1), 30, 70.0, 6.0);
    first.standardised_mean = Some(55.0);
    second.standardised_mean = Some(65.0);
    let references = [&first, &second];
    let periods = four_week_periods(&(week(0)..=week(3)), &references, &published_through(week(3)));
    let (mean, low, high) = by_hand(&[(10.0, 55.0, 8.0), (30.0, 65.0, 6.0)]);
    assert_close(periods[0].mean, mean);
    assert_close(periods[0].low, low);
    assert_close(periods[0].high, high);
    assert!(periods[0].standardised);

    second.standardised_mean = None;
    let references = [&first, &second];
    let periods = four_week_periods(&(week(0)..=week(3)), &references, &published_through(week(3)));
    assert_close(periods[0].mean, by_hand(&[(10.0, 50.0, 8.0), (30.0, 70.0, 6.0)]).0);
    assert!(!periods[0].standardised);
}

#[test]
fn a_released_week_without_an_sd_leaves_the_period_without_an_interval() {
    let mut without_sd = released(UnitKind::Organisation, "org", week(0), 10, 50.0, 8.0);
    without_sd.sd = None;
    let with_sd = released(UnitKind::Organisation, "org", week(1), 10, 60.0, 8.0);
    let periods =
        four_week_periods(&(week(0)..=week(3)), &[&without_sd, &with_sd], &published_through(week(3)));
    assert_close(periods[0].mean, 55.0);
    assert_eq!((periods[0].low, periods[0].high), (None, None));
}

fn table(cells: Vec<AggregateCell>) -> AggregateTable {
    AggregateTable { k: 5, published_through: Some(week(13).to_string()), next_publication: None, cells }
}

#[test]
fn the_overview_gives_periods_to_drivers_and_none_to_weekly_metrics() {
    let range: RangeInclusive<IsoWeek> = week(0)..=week(15);
    let wellbeing: Vec<AggregateCell> = (0..14)
        .map(|offset| released(UnitKind::Organisation, "org", week(offset), 40, 70.0, 10.0))
        .map(|cell| AggregateCell { key: "wellbeing".to_owned(), ..cell })
        .collect();
    let overview = shape_overview(
        range,
        &[(MetricKey::Wellbeing, table(wellbeing)), (MetricKey::Engagement, table(organisation_cells()))],
    );
    assert_eq!(overview.metrics[0].periods, None);
    let periods = overview.metrics[1].periods.as_ref().expect("engagement is four-weekly");
    assert_eq!(periods.len(), 4);
    assert_close(periods[0].mean, 66.0);
    assert!(periods[1].suppressed);
    // The weekly points stay as they were beside the periods.
    assert_eq!(overview.metrics[1].points.len(), 16);
}

#[test]
fn the_team_view_computes_each_units_periods_from_its_own_released_cells() {
    let mut team_cells = vec![
        released(UnitKind::Team, "team_a", week(0), 6, 50.0, 9.0),
        cell(UnitKind::Team, "team_a", week(1)),
        not_asked(UnitKind::Team, "team_a", week(2)),
        not_asked(UnitKind::Team, "team_a", week(3)),
    ];
    // Another team's cell in the same table never enters team_a's period.
    team_cells.push(released(UnitKind::Team, "team_b", week(0), 6, 90.0, 9.0));
    let mut department_cells = vec![
        released(UnitKind::Department, "dep", week(0), 12, 55.0, 10.0),
        released(UnitKind::Department, "dep", week(1), 12, 65.0, 10.0),
    ];
    department_cells.extend([2, 3].map(|offset| not_asked(UnitKind::Department, "dep", week(offset))));
    let unit = |id: &str| UnitRef { id: id.to_owned(), name: id.to_owned(), headcount: None };
    let comparison = shape_comparison(
        week(0)..=week(3),
        unit("team_a"),
        unit("dep"),
        None,
        &[MetricTables {
            metric: MetricKey::Trust,
            team: table(team_cells),
            department: table(department_cells),
            organisation: None,
        }],
    );
    let series = &comparison.metrics[0];
    let team = series.team_periods.as_ref().expect("trust is four-weekly");
    assert_close(team[0].mean, 50.0);
    assert_eq!((team[0].released_weeks, team[0].withheld_weeks), (1, 1));
    let department = series.department_periods.as_ref().expect("trust is four-weekly");
    let (mean, low, high) = by_hand(&[(12.0, 55.0, 10.0), (12.0, 65.0, 10.0)]);
    assert_close(department[0].mean, mean);
    assert_close(department[0].low, low);
    assert_close(department[0].high, high);
    assert_eq!(series.organisation_periods, None);
}

#[test]
fn the_four_weekly_metrics_are_the_drivers_the_who5_and_life_satisfaction() {
    assert!(is_four_weekly(MetricKey::Engagement));
    assert!(is_four_weekly(MetricKey::Flexibility));
    assert!(is_four_weekly(MetricKey::Who5));
    assert!(!is_four_weekly(MetricKey::Wellbeing));
    assert!(!is_four_weekly(MetricKey::Burnout));
    assert!(!is_four_weekly(MetricKey::Enps));
    assert_eq!(
        MetricKey::ALL.into_iter().filter(|metric| is_four_weekly(*metric)).count(),
        DRIVERS.len() + 2
    );
}
