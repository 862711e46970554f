//! Four-week values of the metrics the schedule asks once every four weeks,
//! so that HR's charts draw a driver as a trend (one point a month, joined by
//! a line) instead of one dot in every fourth week.
//!
//! Which metrics: every driver of the schedule (`polso_core::schedule::DRIVERS`,
//! engagement among them), the WHO-5 and life satisfaction: each is asked in
//! exactly one week of every cycle of [`CYCLE_WEEKS`] weeks. Wellbeing is asked
//! every week, and burnout and eNPS carry shares and eNPS figures of their
//! own week's histogram, so they stay weekly.
//!
//! Periods are the schedule's cycles, `week.index().div_euclid(4)`, the same
//! for the team, its department and the organisation, and the same wherever
//! the range shown starts; a cycle the range cuts is the weeks of it shown.
//!
//! **Statistics.** Only released cells enter a period: a week the server
//! withheld (fewer than k, or held back to protect another cell) adds nothing,
//! not even its absence as a zero. For the released weeks `i` with mean `mᵢ`,
//! sample sd `sᵢ` and `nᵢ` answers, the period's value is the answer-weighted
//! mean `m = Σ nᵢ·mᵢ / N` with `N = Σ nᵢ`, which is the mean of all the
//! released answers. When every released week has a standardised mean (a
//! driver put on its anchor item's level), `mᵢ` is that, so a change of item
//! between weeks does not move the line; the sd is unchanged by the shift. Its
//! 95% interval is `m ± 1.96·s/√N`, clamped to 0–100, where `s` is the sd of
//! all the released answers taken together:
//! `s² = (Σ (nᵢ − 1)·sᵢ² + Σ nᵢ·(mᵢ − m)²) / (N − 1)`, the usual pooling of
//! groups' means and sds. A period of one released week has exactly that
//! week's band. The interval treats the answers as independent; the same
//! person answering two weeks of one period makes it somewhat too narrow,
//! which cannot happen for a metric asked once a period. A released week
//! without an sd leaves the period without an interval rather than a guessed
//! one.
//!
//! A period with no released week says why: `suppressed` when some published
//! week asked the metric and was withheld, `published: false` when some of its
//! weeks are not published yet (or are still to come: the cycle runs past the
//! last closed week), `asked: false` when its published weeks did not ask the
//! metric. Pure: no clock, no store, no network.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use polso_api::{AggregateCell, MetricKey, PeriodPoint};
use polso_core::IsoWeek;
use polso_core::schedule::{CYCLE_WEEKS, DRIVERS};

use crate::convert::metric_to_wire;
use polso_hr::publication::Publication;

/// The z value of a two-sided 95% normal interval.
const Z_95: f64 = 1.96;

/// The 95% confidence band of a mean, `mean ± 1.96·sd/√n`, clamped to the
/// 0–100 of a metric score.
pub fn confidence_band(mean: f64, sd: f64, n: u32) -> (f64, f64) {
    let half_width = if n == 0 { 0.0 } else { Z_95 * sd / f64::from(n).sqrt() };
    ((mean - half_width).clamp(0.0, 100.0), (mean + half_width).clamp(0.0, 100.0))
}

/// Whether the schedule asks `metric` in one week of every four, so that its
/// series is drawn as four-week periods.
pub fn is_four_weekly(metric: MetricKey) -> bool {
    matches!(metric, MetricKey::Who5 | MetricKey::LifeSatisfaction)
        || DRIVERS.iter().any(|driver| metric_to_wire(*driver) == metric)
}

/// The schedule's cycle `week` belongs to.
fn cycle_of(week: IsoWeek) -> i64 {
    week.index().div_euclid(CYCLE_WEEKS)
}

/// The four-week periods of one unit's cells over `weeks`, oldest first.
/// `cells` are the unit's cells of one metric; a published week without a
/// cell counts as withheld, as in the weekly series.
pub fn four_week_periods(
    weeks: &RangeInclusive<IsoWeek>,
    cells: &[&AggregateCell],
    publication: &Publication,
) -> Vec<PeriodPoint> {
    let by_week: HashMap<&str, &AggregateCell> =
        cells.iter().map(|cell| (cell.week.as_str(), *cell)).collect();
    let mut periods = Vec::new();
    let (first, last) = (weeks.start().index(), weeks.end().index());
    let mut start = first;
    while start <= last {
        let cycle = cycle_of(IsoWeek::from_index(start));
        let cycle_end = (cycle + 1) * CYCLE_WEEKS - 1;
        let end = cycle_end.min(last);
        let period_weeks: Vec<IsoWeek> = (start..=end).map(IsoWeek::from_index).collect();
        // Weeks of the cycle after the last closed week are still to come.
        let runs_on = cycle_end > last;
        periods.push(period_point(&period_weeks, &by_week, publication, runs_on));
        start = end + 1;
    }
    periods
}

/// One released week, as it enters a period.
struct ReleasedWeek {
    mean: f64,
    standardised_mean: Option<f64>,
    n: u32,
    sd: Option<f64>,
}

fn period_point(
    weeks: &[IsoWeek],
    by_week: &HashMap<&str, &AggregateCell>,
    publication: &Publication,
    runs_on: bool,
) -> PeriodPoint {
    let mut released = Vec::new();
    let (mut withheld_weeks, mut unpublished_weeks) = (0u32, 0u32);
    for week in weeks {
        if !publication.is_published(*week) {
            unpublished_weeks += 1;
            continue;
        }
        let cell = by_week.get(week.to_string().as_str()).copied();
        if cell.is_some_and(|cell| !cell.asked) {
            continue;
        }
        match cell.filter(|cell| cell.released).and_then(|cell| Some((cell, cell.mean?, cell.n?))) {
            Some((cell, mean, n)) if n > 0 => {
                released.push(ReleasedWeek {
                    mean,
                    standardised_mean: cell.standardised_mean,
                    n,
                    sd: cell.sd,
                });
            }
            _ => withheld_weeks += 1,
        }
    }
    let (first, last) = (weeks[0], weeks[weeks.len() - 1]);
    let figures = pool(&released);
    let pending = unpublished_weeks > 0 || runs_on;
    PeriodPoint {
        from: first.to_string(),
        to: last.to_string(),
        from_monday: first.monday().to_string(),
        to_sunday: last.sunday().to_string(),
        mean: figures.as_ref().map(|figures| figures.mean),
        low: figures.as_ref().and_then(|figures| figures.band).map(|(low, _)| low),
        high: figures.as_ref().and_then(|figures| figures.band).map(|(_, high)| high),
        n: figures.as_ref().map(|figures| figures.n),
        released_weeks: released.len() as u32,
        withheld_weeks,
        asked: !released.is_empty() || withheld_weeks > 0 || pending,
        suppressed: released.is_empty() && withheld_weeks > 0,
        published: !released.is_empty() || withheld_weeks > 0 || !pending,
        standardised: figures.as_ref().is_some_and(|figures| figures.standardised),
    }
}

/// A period's figures from its released weeks.
struct PooledFigures {
    mean: f64,
    n: u32,
    band: Option<(f64, f64)>,
    standardised: bool,
}

/// The answer-weighted mean of `released`, with the interval of the module
/// header; `None` when nothing was released.
fn pool(released: &[ReleasedWeek]) -> Option<PooledFigures> {
    let total: u32 = released.iter().map(|week| week.n).sum();
    if total == 0 {
        return None;
    }
    let standardised = released.iter().all(|week| week.standardised_mean.is_some());
    let level = |week: &ReleasedWeek| {
        if standardised { week.standardised_mean.unwrap_or(week.mean) } else { week.mean }
    };
    let n_total = f64::from(total);
    let mean = released.iter().map(|week| f64::from(week.n) * level(week)).sum::<f64>() / n_total;
    let band = if total > 1 && released.iter().all(|week| week.sd.is_some()) {
        let within: f64 =
            released.iter().map(|week| (f64::from(week.n) - 1.0) * week.sd.unwrap_or(0.0).powi(2)).sum();
        let between: f64 = released.iter().map(|week| f64::from(week.n) * (level(week) - mean).powi(2)).sum();
        Some(confidence_band(mean, ((within + between) / (n_total - 1.0)).sqrt(), total))
    } else {
        None
    };
    Some(PooledFigures { mean, n: total, band, standardised })
}

#[cfg(test)]
#[path = "periods_tests.rs"]
mod tests;
