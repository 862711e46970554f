//! Results back to employees: `GET /v1/team-results`, the last published month of the device's
//! own team, its department and the organisation.
//!
//! With them come the actions HR recorded for the team ([`crate::http::actions`]).
//!
//! The same published cells HR reads, under the same rules (they ran once, at publication): this
//! path only chooses which units and weeks. The device's enrolment alone decides the team; the
//! request takes no parameter (an unknown one is refused), so no request reaches a sibling team,
//! another department or a week still collecting. The team's cells are what HR's team view shows;
//! what an employee can and cannot learn from them, knowing their own answer, is in
//! docs/threat-model.md ("An employee reading their team's results").

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use polso_api::{ResultsUnit, TeamResults, UnitKind};
use polso_core::IsoWeek;
use polso_core::Metric;
use polso_core::bank::ItemBank;
use polso_core::schedule::{DRIVERS, Schedule};

use crate::error::{Result, ServerError};
use crate::http::releases::{
    STANDARDISING_BASELINE_WEEKS, next_publication, publish_then_read, standardise_driver_cells,
};
use crate::http::{AppState, AuthenticatedDevice};
use crate::release::{ScheduledKey, cells_of_units, is_asked};
use crate::store::OrganisationTree;

/// How many published weeks make the employee's month: four, so every driver, asked one week in
/// four, is in it once.
pub(crate) const MONTH_WEEKS: i64 = 4;

/// The request takes no parameter; any given is refused rather than ignored.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoParameters {}

/// `invalid_input` when a request that takes no parameter was given one.
pub(crate) fn refuse_parameters(
    query: std::result::Result<Query<NoParameters>, QueryRejection>,
) -> Result<()> {
    query.map(|_| ()).map_err(|rejection| {
        ServerError::InvalidInput(format!("this request takes no parameter: {}", rejection.body_text()))
    })
}

/// The last published month (four weeks) of the device's team, its department and the
/// organisation: every metric's published cells of the three units, and their head-counts for the
/// participation rate.
#[utoipa::path(
    get,
    path = "/v1/team-results",
    tag = "devices",
    security(("device_token" = [])),
    responses(
        (status = 200, body = polso_api::TeamResults),
        (status = 400, description = "`invalid_input`: the request has a parameter (it takes none)", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_team_results(
    State(state): State<AppState>,
    device: AuthenticatedDevice,
    query: std::result::Result<Query<NoParameters>, QueryRejection>,
) -> Result<Json<TeamResults>> {
    refuse_parameters(query)?;
    let membership = device.membership;
    let organisation_id = membership.organisation_id.clone();
    let results = publish_then_read(&state, organisation_id, move |store, organisation_id, settings, now| {
        let tree = store.organisation_tree(organisation_id)?;
        let (team, department) = units_of_team(&tree, &membership.team_id)?;
        let organisation = ResultsUnit {
            id: tree.organisation.id.clone(),
            name: tree.organisation.name.clone(),
            headcount: sum_of_headcounts(
                tree.departments.iter().flat_map(|department| department.teams.iter()),
            ),
        };
        let actions: Vec<_> = store
            .team_actions(organisation_id, &team.id)?
            .into_iter()
            .map(|action| crate::http::actions::to_wire(action, team.name.clone()))
            .collect();
        let published_through = store.last_published_week(organisation_id)?;
        let next_publication = next_publication(settings, published_through, now);
        let Some(through) = published_through else {
            return Ok(TeamResults {
                k: tree.organisation.k.get(),
                weeks: Vec::new(),
                published_through: None,
                next_publication,
                team,
                department,
                organisation,
                cells: Vec::new(),
                actions,
            });
        };
        let month = through.plus_weeks(1 - MONTH_WEEKS)..=through;
        let bank = ItemBank::embedded();
        let schedule = Schedule::with_plan(bank, tree.organisation.seed, &tree.organisation.questionnaire);
        let units = [team.id.as_str(), department.id.as_str(), organisation.id.as_str()];
        // The three units' cells alone, looked up by key: not every team's of the organisation.
        let unit_ids: Vec<String> = units.iter().map(|id| (*id).to_owned()).collect();
        let mut cells = Vec::new();
        for metric in Metric::ALL {
            let key = metric.key();
            let published = store.published_cells_of_units(organisation_id, key, month.clone(), &unit_ids)?;
            let asked = |week: IsoWeek| is_asked(bank, &schedule, ScheduledKey::Metric(metric), week);
            let keep = |_: UnitKind, id: &str| units.contains(&id);
            let mut of_metric = cells_of_units(&tree, &published, key, month.clone(), &asked, &keep);
            if DRIVERS.contains(&metric) {
                // On the anchor item's level, with offsets from the organisation's cells, as HR's
                // organisation-wide reads.
                let baseline_weeks = through.plus_weeks(1 - STANDARDISING_BASELINE_WEEKS)..=through;
                let baseline = store.published_cells_of_units(
                    organisation_id,
                    key,
                    baseline_weeks,
                    std::slice::from_ref(&unit_ids[2]),
                )?;
                standardise_driver_cells(
                    &mut of_metric,
                    &baseline,
                    &[organisation.id.as_str()],
                    &schedule,
                    metric,
                );
            }
            cells.extend(of_metric);
        }
        let weeks = (month.start().index()..=month.end().index())
            .map(|index| IsoWeek::from_index(index).to_string())
            .collect();
        Ok(TeamResults {
            k: tree.organisation.k.get(),
            weeks,
            published_through: Some(through.to_string()),
            next_publication,
            team,
            department,
            organisation,
            cells,
            actions,
        })
    })
    .await?;
    Ok(Json(results))
}

/// The device's team and its department in the organisation's tree. A team no longer in it (the
/// administrator removed it) is `not_found`.
fn units_of_team(tree: &OrganisationTree, team_id: &str) -> Result<(ResultsUnit, ResultsUnit)> {
    for department in &tree.departments {
        if let Some(team) = department.teams.iter().find(|team| team.id == team_id) {
            return Ok((
                ResultsUnit { id: team.id.clone(), name: team.name.clone(), headcount: team.headcount },
                ResultsUnit {
                    id: department.id.clone(),
                    name: department.name.clone(),
                    headcount: sum_of_headcounts(department.teams.iter()),
                },
            ));
        }
    }
    Err(ServerError::NotFound("this device's team is no longer in the organisation".to_owned()))
}

/// The sum of the teams' head-counts; `None` when a team has none.
fn sum_of_headcounts<'a>(teams: impl Iterator<Item = &'a crate::store::TeamNode>) -> Option<u32> {
    teams.map(|team| team.headcount).sum()
}
