//! HR's driver priorities (issue 16): which drivers move with engagement, how
//! sure that is, and how much room each has to improve, from the teams'
//! released four-week periods only.
//!
//! **Data.** The last [`PRIORITY_WEEKS`] published weeks, at the team level,
//! for engagement and every driver. Each team's weeks become the schedule's
//! four-week periods (`crate::periods`: a period is the answer-weighted mean
//! of its released weeks, on the driver's anchor level when known); a period
//! with nothing released is left out, never a zero. A pair is one team's
//! period where both engagement's and the driver's figures were released.
//!
//! **Statistics.** For each driver, Pearson's `r` over its pairs, across teams
//! and periods together, and its 95% Fisher-z interval
//! `tanh(atanh r ± 1.96/√(m − 3))`, where `m` is the number of **distinct
//! teams** among the pairs, not the number of pairs: a team's periods are not
//! independent of one another (the same people, the same manager), so each
//! team counts once, which makes the interval conservative. A driver needs at
//! least [`MIN_TEAMS`] teams and [`MIN_PAIRS`] pairs, or it has no figure. It
//! is **likely related** when the interval lies above 0. Its **level** is the
//! mean of its figures over its pairs and its **room** to improve is
//! `100 − level`. Drivers are ranked: likely related first, then by
//! `r × room` (a driver that moves with engagement and sits low ranks high),
//! then by r.
//!
//! This is association, not cause: a driver may move with engagement because
//! both follow something else. The linkage with CX (`polso_core::linkage`) is
//! read beside this in the view, not re-derived here.
//!
//! [`driver_relation`] and [`rank_priorities`] are pure; [`read_hr_priorities`]
//! is the network half and touches no store.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use chrono::NaiveDate;
use polso_api::{AggregateCell, AggregateTable, ApiError, DriverPriority, HrPriorities, MetricKey, UnitKind};
use polso_core::IsoWeek;
use polso_core::schedule::DRIVERS;
use polso_core::stats::{fisher_z_interval, pearson};

use crate::convert::metric_to_wire;
use crate::hr::{
    HrCredentials, HrTransport, Publication, known_metric, last_closed_week, latest_period_end,
    read_aggregates,
};
use crate::periods::four_week_periods;

/// The published weeks looked at: six four-week periods.
pub const PRIORITY_WEEKS: u32 = 24;

/// The fewest distinct teams a relation is estimated from (Fisher's interval needs more than 3).
pub const MIN_TEAMS: u32 = 4;

/// The fewest team-periods a relation is estimated from.
pub const MIN_PAIRS: u32 = 8;

/// One team's released figure of one four-week period.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamPeriodFigure {
    /// The team's id.
    pub team: String,
    /// The period's first week shown.
    pub period: String,
    /// The period's figure, 0–100.
    pub value: f64,
}

/// One driver's relation with engagement from the team-periods both released.
pub fn driver_relation(
    metric: MetricKey,
    engagement: &[TeamPeriodFigure],
    driver: &[TeamPeriodFigure],
) -> DriverPriority {
    let engagement_by: BTreeMap<(&str, &str), f64> = engagement
        .iter()
        .map(|figure| ((figure.team.as_str(), figure.period.as_str()), figure.value))
        .collect();
    let (mut xs, mut ys, mut teams) = (Vec::new(), Vec::new(), BTreeSet::new());
    for figure in driver {
        if let Some(value) = engagement_by.get(&(figure.team.as_str(), figure.period.as_str())) {
            xs.push(figure.value);
            ys.push(*value);
            teams.insert(figure.team.as_str());
        }
    }
    let pairs = u32::try_from(xs.len()).unwrap_or(u32::MAX);
    let n_teams = u32::try_from(teams.len()).unwrap_or(u32::MAX);
    let enough = pairs >= MIN_PAIRS && n_teams >= MIN_TEAMS;
    let r = if enough { pearson(&xs, &ys) } else { None };
    let interval = r.map(|r| fisher_z_interval(r, f64::from(n_teams)));
    let level = enough.then(|| xs.iter().sum::<f64>() / xs.len() as f64);
    DriverPriority {
        metric,
        r,
        ci_low: interval.map(|(low, _)| low),
        ci_high: interval.map(|(_, high)| high),
        pairs,
        teams: n_teams,
        level: level.filter(|_| r.is_some()),
        room: level.filter(|_| r.is_some()).map(|level| 100.0 - level),
        likely_related: interval.is_some_and(|(low, _)| low > 0.0),
    }
}

/// Ranks drivers: likely related first, then by `r × room`, then by r; drivers without a figure last.
pub fn rank_priorities(drivers: &mut [DriverPriority]) {
    let score = |driver: &DriverPriority| driver.r.zip(driver.room).map(|(r, room)| r * room);
    drivers.sort_by(|left, right| {
        right
            .r
            .is_some()
            .cmp(&left.r.is_some())
            .then(right.likely_related.cmp(&left.likely_related))
            .then(score(right).unwrap_or(f64::MIN).total_cmp(&score(left).unwrap_or(f64::MIN)))
            .then(right.r.unwrap_or(f64::MIN).total_cmp(&left.r.unwrap_or(f64::MIN)))
    });
}

/// Each team's released four-week figures of one metric over `weeks`.
pub fn team_period_figures(
    table: &AggregateTable,
    weeks: &RangeInclusive<IsoWeek>,
    publication: &Publication,
) -> Vec<TeamPeriodFigure> {
    let mut by_team: BTreeMap<&str, Vec<&AggregateCell>> = BTreeMap::new();
    for cell in table.cells.iter().filter(|cell| cell.unit_kind == UnitKind::Team) {
        by_team.entry(cell.unit_id.as_str()).or_default().push(cell);
    }
    by_team
        .into_iter()
        .flat_map(|(team, cells)| {
            four_week_periods(weeks, &cells, publication).into_iter().filter_map(move |period| {
                period.mean.map(|value| TeamPeriodFigure {
                    team: team.to_owned(),
                    period: period.from,
                    value,
                })
            })
        })
        .collect()
}

/// The driver priorities of the last [`PRIORITY_WEEKS`] published weeks: one
/// read of last week to learn the last published one, then one per metric
/// (engagement and the drivers) at the team level. Touches no store.
pub fn read_hr_priorities(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    today: NaiveDate,
) -> Result<HrPriorities, ApiError> {
    let last_week = last_closed_week(today);
    let probe = read_aggregates(
        transport,
        credentials,
        UnitKind::Team,
        MetricKey::Engagement,
        last_week..=last_week,
    )?;
    let to = latest_period_end(last_week, Publication::of([&probe]).published_through);
    let from = to.plus_weeks(1 - i64::from(PRIORITY_WEEKS));
    let mut tables = Vec::new();
    for metric in DRIVERS.iter().map(|driver| metric_to_wire(*driver)) {
        if let Some(table) =
            known_metric(read_aggregates(transport, credentials, UnitKind::Team, metric, from..=to))?
        {
            tables.push((metric, table));
        }
    }
    Ok(shape_priorities(from..=to, &tables))
}

/// The priorities from one team-level table per metric (engagement among them) over `weeks`.
pub fn shape_priorities(
    weeks: RangeInclusive<IsoWeek>,
    tables: &[(MetricKey, AggregateTable)],
) -> HrPriorities {
    let publication = Publication::of(tables.iter().map(|(_, table)| table));
    let figures: Vec<(MetricKey, Vec<TeamPeriodFigure>)> = tables
        .iter()
        .map(|(metric, table)| (*metric, team_period_figures(table, &weeks, &publication)))
        .collect();
    let engagement = figures
        .iter()
        .find(|(metric, _)| *metric == MetricKey::Engagement)
        .map(|(_, figures)| figures.as_slice());
    let mut drivers: Vec<DriverPriority> = figures
        .iter()
        .filter(|(metric, _)| *metric != MetricKey::Engagement)
        .map(|(metric, driver)| driver_relation(*metric, engagement.unwrap_or(&[]), driver))
        .collect();
    rank_priorities(&mut drivers);
    HrPriorities {
        from: weeks.start().to_string(),
        to: weeks.end().to_string(),
        drivers,
        min_teams: MIN_TEAMS,
        min_pairs: MIN_PAIRS,
    }
}

#[cfg(test)]
#[path = "priorities_tests.rs"]
mod tests;
