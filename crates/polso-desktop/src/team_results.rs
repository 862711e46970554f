//! The employee's "Your team" view: the last published month of the device's team beside its
//! department and the organisation, with how many answered, from `GET /v1/team-results`.
//!
//! [`read_my_team_month`] reads with the device token (network, no store; the credentials come
//! from [`crate::Desktop::device_read_credentials`]) and [`shape_team_month`] turns the published
//! cells into one figure per unit and metric. Both only read what the server published: a figure
//! the server withheld stays absent here, and the view says why (fewer than k answers, or not
//! asked this month), never estimates it.
//!
//! # The month's figures
//!
//! - A metric's figure for a unit is the mean of the month's released weeks, each weighted by its
//!   answers `n`: `Σ mean_w · n_w / Σ n_w`. A driver's weeks are on its anchor item's level (the
//!   server's `standardised_mean`), as HR's trends show them; eNPS is the promoters' share less the
//!   detractors', −100 to +100, from the released histogram.
//! - `weeks_asked` and `weeks_released` say how many weeks of the month asked the metric and how
//!   many of those the server released.
//! - Participation: for each week, the released count of the most-answered metric asked that
//!   week (as HR's overview counts it); the month's `answered` is the average over the weeks whose
//!   count was released, and its `rate` that divided by the unit's declared head-count, at most 1
//!   (with differential privacy a released count is noisy and may pass the head-count).

use polso_api::{
    AggregateCell, ApiError, ErrorCode, MetricKey, MonthFigure, MonthMetric, MonthParticipation, MyTeamMonth,
    ResultsUnit, TeamResults, UnitKind,
};
use polso_core::{IsoWeek, Metric};

use crate::hr::HrTransport;
use crate::privacy_ledger::{DeviceReadCredentials, read_as_device};

/// One `GET /v1/team-results` with the device token, shaped for the view.
pub fn read_my_team_month(
    transport: &dyn HrTransport,
    credentials: &DeviceReadCredentials,
) -> Result<MyTeamMonth, ApiError> {
    let results: TeamResults = read_as_device(transport, credentials, "/v1/team-results")?;
    shape_team_month(&results).map_err(|detail| {
        ApiError::new(
            ErrorCode::Internal,
            format!(
                "the server at {} sent team results that do not add up: {detail}",
                credentials.server_url()
            ),
        )
    })
}

/// The month's figures from the published cells (module header). Fails, naming the cell, on a
/// week that is not an ISO week or a released figure that is not a finite number in its range.
pub fn shape_team_month(results: &TeamResults) -> Result<MyTeamMonth, String> {
    for cell in &results.cells {
        check_cell(cell)?;
    }
    let weeks: Vec<IsoWeek> = results
        .weeks
        .iter()
        .map(|week| week.parse::<IsoWeek>().map_err(|_| format!("'{week}' is not an ISO week")))
        .collect::<Result<_, _>>()?;
    let units = [
        (UnitKind::Team, &results.team),
        (UnitKind::Department, &results.department),
        (UnitKind::Organisation, &results.organisation),
    ];
    let cells_of = |unit: &'_ ResultsUnit, kind: UnitKind| {
        let id = unit.id.clone();
        results.cells.iter().filter(move |cell| cell.unit_kind == kind && cell.unit_id == id)
    };
    let metrics = Metric::ALL
        .iter()
        .map(|metric| {
            let figure = |(kind, unit): (UnitKind, &ResultsUnit)| {
                month_figure(*metric, cells_of(unit, kind).filter(|cell| cell.key == metric.key()))
            };
            MonthMetric {
                metric: MetricKey::from(*metric),
                team: figure(units[0]),
                department: figure(units[1]),
                organisation: figure(units[2]),
            }
        })
        .collect();
    let participation =
        units.iter().map(|&(kind, unit)| participation(kind, unit, &weeks, cells_of(unit, kind))).collect();
    Ok(MyTeamMonth {
        k: results.k,
        from: weeks.first().map(ToString::to_string),
        to: weeks.last().map(ToString::to_string),
        from_monday: weeks.first().map(|week| week.monday().to_string()),
        to_sunday: weeks.last().map(|week| week.sunday().to_string()),
        next_publication: results.next_publication.clone(),
        participation,
        metrics,
        actions: results.actions.clone(),
        my_verdicts: Vec::new(),
    })
}

fn check_cell(cell: &AggregateCell) -> Result<(), String> {
    let name =
        || format!("{} of {} '{}' in {}", cell.key, unit_word(cell.unit_kind), cell.unit_id, cell.week);
    cell.week.parse::<IsoWeek>().map_err(|_| format!("the week of {} is not an ISO week", name()))?;
    let in_range = |value: Option<f64>, low: f64| {
        value.is_none_or(|value| value.is_finite() && (low..=100.0).contains(&value))
    };
    let enps = cell.enps.as_ref().map(|figures| figures.enps);
    if !in_range(cell.mean, 0.0) || !in_range(cell.standardised_mean, 0.0) || !in_range(enps, -100.0) {
        return Err(format!("the figure {} is not a number from 0 to 100", name()));
    }
    if cell.released != cell.mean.is_some() {
        return Err(format!(
            "{} is {} released yet {} a mean",
            name(),
            if cell.released { "" } else { "not" },
            if cell.mean.is_some() { "has" } else { "lacks" }
        ));
    }
    Ok(())
}

fn unit_word(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Team => "team",
        UnitKind::Department => "department",
        UnitKind::Organisation => "organisation",
    }
}

/// The answer-weighted mean of the released weeks of one unit's metric.
fn month_figure<'a>(metric: Metric, cells: impl Iterator<Item = &'a AggregateCell>) -> MonthFigure {
    let (mut weeks_asked, mut weeks_released) = (0_u32, 0_u32);
    let (mut weighted, mut n_total) = (0.0_f64, 0_u32);
    for cell in cells.filter(|cell| cell.asked) {
        weeks_asked += 1;
        let value = match metric {
            Metric::Enps => cell.enps.as_ref().map(|figures| figures.enps),
            _ => cell.standardised_mean.or(cell.mean),
        };
        if let (true, Some(value), Some(n)) = (cell.released, value, cell.n) {
            weeks_released += 1;
            weighted += value * f64::from(n);
            n_total = n_total.saturating_add(n);
        }
    }
    MonthFigure {
        mean: (n_total > 0).then(|| weighted / f64::from(n_total)),
        n: (n_total > 0).then_some(n_total),
        weeks_asked,
        weeks_released,
    }
}

/// How many of a unit's people answered, on average over the month's weeks whose count was
/// released.
fn participation<'a>(
    unit_kind: UnitKind,
    unit: &ResultsUnit,
    weeks: &[IsoWeek],
    cells: impl Iterator<Item = &'a AggregateCell>,
) -> MonthParticipation {
    let cells: Vec<&AggregateCell> = cells.collect();
    let weekly: Vec<u32> = weeks
        .iter()
        .filter_map(|week| {
            let week = week.to_string();
            cells
                .iter()
                .filter(|cell| cell.week == week && cell.asked && cell.released)
                .filter_map(|cell| cell.n)
                .max()
        })
        .collect();
    let answered =
        (!weekly.is_empty()).then(|| weekly.iter().map(|&n| f64::from(n)).sum::<f64>() / weekly.len() as f64);
    let rate = match (answered, unit.headcount) {
        (Some(answered), Some(headcount)) if headcount > 0 => {
            Some((answered / f64::from(headcount)).min(1.0))
        }
        _ => None,
    };
    MonthParticipation { unit_kind, name: unit.name.clone(), answered, headcount: unit.headcount, rate }
}

#[cfg(test)]
#[path = "team_results_tests.rs"]
mod tests;
