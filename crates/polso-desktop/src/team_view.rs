//! HR's team drill-down: one team's trend on every metric beside its
//! department's and the organisation's, over the same closed weeks, for small
//! multiples (one small chart per metric, three lines each).
//!
//! The team is looked up in the units the token reaches (`GET /v1/units`), so
//! an id outside them is refused before anything else is asked, and the
//! team's department is the server's, not the client's guess. Every figure is
//! one the server released at that level: a week withheld for the team (fewer
//! than k, or secondary suppression) stays a `suppressed` point even when the
//! department's week is shown. A week after the last published one is
//! `published: false` in every series (not yet published, never suppressed).
//! [`shape_comparison`] is pure; nothing here reads a clock.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::NaiveDate;
use polso_api::{
    AggregateCell, AggregateTable, ApiError, ComparisonSeries, ErrorCode, MetricKey, OrganisationUnits,
    SeriesPoint, TeamComparison, TeamComparisonQuery, UnitKind, UnitRef,
};
use polso_core::IsoWeek;

use crate::hr::{
    HrCredentials, HrTransport, OVERVIEW_WEEKS, Publication, check_span, last_closed_week,
    read_unit_aggregates, read_units, series_point,
};
use crate::periods::{four_week_periods, is_four_weekly};

/// The three tables of one metric: the team's, its department's and, when
/// the token reaches it, the organisation's.
pub struct MetricTables {
    /// The metric.
    pub metric: MetricKey,
    /// The team's cells.
    pub team: AggregateTable,
    /// The department's cells.
    pub department: AggregateTable,
    /// The organisation's cells.
    pub organisation: Option<AggregateTable>,
}

/// Reads the team's, its department's and the organisation's cells of every
/// metric over the last `query.weeks` closed weeks and shapes the drill-down.
/// Touches no store.
pub fn read_team_comparison(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    query: &TeamComparisonQuery,
    today: NaiveDate,
) -> Result<TeamComparison, ApiError> {
    check_span("weeks", "the drill-down spans", &OVERVIEW_WEEKS, query.weeks)?;
    let units = read_units(transport, credentials)?;
    let (department, team) = find_team(&units, &query.team_id)?;
    let to = last_closed_week(today);
    let from = to.plus_weeks(1 - i64::from(query.weeks));
    let mut tables = Vec::with_capacity(MetricKey::ALL.len());
    for metric in MetricKey::ALL {
        let read = |unit: UnitKind, id: &str| {
            read_unit_aggregates(transport, credentials, unit, Some(id), metric, from..=to)
        };
        // A metric the server does not know yet (an older server) is left out.
        let Some(team_table) = crate::hr::known_metric(read(UnitKind::Team, &team.id))? else { continue };
        tables.push(MetricTables {
            metric,
            team: team_table,
            department: read(UnitKind::Department, &department.id)?,
            organisation: match &units.organisation {
                Some(organisation) => Some(read(UnitKind::Organisation, &organisation.id)?),
                None => None,
            },
        });
    }
    Ok(shape_comparison(from..=to, team, department, units.organisation.clone(), &tables))
}

/// The team with `team_id` among the units and its department, or
/// `not_found` naming the field.
pub fn find_team(units: &OrganisationUnits, team_id: &str) -> Result<(UnitRef, UnitRef), ApiError> {
    units
        .departments
        .iter()
        .find_map(|department| {
            department.teams.iter().find(|team| team.id == team_id).map(|team| {
                (
                    UnitRef { id: department.id.clone(), name: department.name.clone(), headcount: None },
                    team.clone(),
                )
            })
        })
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("field 'team_id': no team '{team_id}' among the teams this HR token reaches"),
            )
        })
}

/// Shapes the tables into the drill-down. Every week of `weeks` gets a point
/// in every series: released, suppressed, not asked, or not yet published; a
/// metric asked once every four weeks also gets each unit's four-week periods
/// (`crate::periods`). Pure.
pub fn shape_comparison(
    weeks: RangeInclusive<IsoWeek>,
    team: UnitRef,
    department: UnitRef,
    organisation: Option<UnitRef>,
    tables: &[MetricTables],
) -> TeamComparison {
    let week_list: Vec<IsoWeek> =
        (weeks.start().index()..=weeks.end().index()).map(IsoWeek::from_index).collect();
    let k = tables.first().map_or(0, |tables| tables.team.k);
    let publication = Publication::of(tables.iter().flat_map(|tables| {
        [&tables.team, &tables.department].into_iter().chain(tables.organisation.as_ref())
    }));
    let series = |table: &AggregateTable, kind: UnitKind, unit_id: &str| -> Vec<SeriesPoint> {
        let by_week: HashMap<&str, &AggregateCell> = table
            .cells
            .iter()
            .filter(|cell| cell.unit_kind == kind && cell.unit_id == unit_id)
            .map(|cell| (cell.week.as_str(), cell))
            .collect();
        week_list
            .iter()
            .map(|week| {
                series_point(
                    *week,
                    by_week.get(week.to_string().as_str()).copied(),
                    publication.is_published(*week),
                )
            })
            .collect()
    };
    // The four-week periods of one unit, for a metric asked once every four weeks.
    let periods = |metric: MetricKey, table: &AggregateTable, kind: UnitKind, unit_id: &str| {
        is_four_weekly(metric).then(|| {
            let cells: Vec<&AggregateCell> =
                table.cells.iter().filter(|cell| cell.unit_kind == kind && cell.unit_id == unit_id).collect();
            four_week_periods(&weeks, &cells, &publication)
        })
    };
    let metrics = tables
        .iter()
        .map(|tables| {
            let organisation_table = tables.organisation.as_ref().zip(organisation.as_ref());
            ComparisonSeries {
                metric: tables.metric,
                team: series(&tables.team, UnitKind::Team, &team.id),
                department: series(&tables.department, UnitKind::Department, &department.id),
                organisation: organisation_table
                    .map(|(table, organisation)| series(table, UnitKind::Organisation, &organisation.id)),
                team_periods: periods(tables.metric, &tables.team, UnitKind::Team, &team.id),
                department_periods: periods(
                    tables.metric,
                    &tables.department,
                    UnitKind::Department,
                    &department.id,
                ),
                organisation_periods: organisation_table.and_then(|(table, organisation)| {
                    periods(tables.metric, table, UnitKind::Organisation, &organisation.id)
                }),
            }
        })
        .collect();
    TeamComparison {
        k,
        from: weeks.start().to_string(),
        to: weeks.end().to_string(),
        team,
        department,
        organisation,
        metrics,
        published_through: publication.published_through.map(|week| week.to_string()),
        next_publication: publication.next_publication.clone(),
    }
}
