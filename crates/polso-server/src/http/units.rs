//! The units an HR or manager token reaches (`GET /v1/units`): its scope, decided by the
//! [`AuthenticatedReader`] extractor and [`units_within_reach`], names no size and no count.

use axum::Json;
use axum::extract::State;
use polso_api::{DepartmentUnits, HrRole, OrganisationUnits, UnitRef};

use crate::error::Result;
use crate::http::{AppState, AuthenticatedReader};
use crate::store::{HrAccess, OrganisationTree};

/// The departments and teams the HR or manager token reaches, by id and name,
/// and the organisation when its cells are readable: no sizes, no counts. A
/// manager sees their teams, each within its department (no other team of
/// it), and the organisation (whose cells their team view shows beside theirs).
#[utoipa::path(
    get,
    path = "/v1/units",
    tag = "hr",
    security(("hr_token" = [])),
    responses(
        (status = 200, body = polso_api::OrganisationUnits),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_units(
    State(state): State<AppState>,
    AuthenticatedReader(access): AuthenticatedReader,
) -> Result<Json<OrganisationUnits>> {
    let organisation_id = access.organisation_id.clone();
    let tree = state.blocking(move |store| store.organisation_tree(&organisation_id)).await?;
    Ok(Json(units_within_reach(&tree, &access)))
}

/// The units of `tree` that `access` reaches, with the teams' head-counts, as `GET /v1/units`
/// lists them.
pub(crate) fn units_within_reach(tree: &OrganisationTree, access: &HrAccess) -> OrganisationUnits {
    let unit = |id: &str, name: &str| UnitRef { id: id.to_owned(), name: name.to_owned(), headcount: None };
    OrganisationUnits {
        role: if access.is_manager() { HrRole::Manager } else { HrRole::Hr },
        organisation: access
            .reaches_organisation_cells()
            .then(|| unit(&tree.organisation.id, &tree.organisation.name)),
        departments: tree
            .departments
            .iter()
            .filter(|department| access.reaches_department(&department.id))
            .map(|department| DepartmentUnits {
                id: department.id.clone(),
                name: department.name.clone(),
                teams: department
                    .teams
                    .iter()
                    .filter(|team| access.reaches_team(&department.id, &team.id))
                    .map(|team| UnitRef { headcount: team.headcount, ..unit(&team.id, &team.name) })
                    .collect(),
            })
            .collect(),
        questionnaire: crate::questionnaire::plan_to_wire(&tree.organisation.questionnaire),
    }
}
