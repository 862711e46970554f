//! Actions: HR records what it will do about a team's results (`POST /v1/actions`) and lists a
//! team's actions (`GET /v1/actions?team_id=`); the team's devices read them with their results
//! (`GET /v1/team-results`, [`crate::http::results`]).
//!
//! An action is HR's own text about a team, not an answer, so no k rule applies to it; what it
//! may reach is the token's scope: HR's whole organisation or departments, or a manager's own
//! teams. A team outside it is answered exactly as a team that does not exist, so the answer is no
//! oracle of the organisation's teams.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use polso_api::{
    ActionList, ActionQuery, MAX_ACTION_OWNER_CHARS, MAX_ACTION_TEXT_CHARS, NewAction, TeamAction,
};

use crate::error::{Result, ServerError};
use crate::http::request_checks::{checked_text, shorten, team_in_reach};
use crate::http::{AppState, AuthenticatedReader};
use crate::store::StoredAction;

/// Records an action for a team the token (HR's, or a manager's) reaches.
#[utoipa::path(
    post,
    path = "/v1/actions",
    tag = "hr",
    security(("hr_token" = [])),
    request_body = polso_api::NewAction,
    responses(
        (status = 201, body = polso_api::TeamAction),
        (status = 400, description = "`invalid_input`: an empty or too long text or owner, or a date that is not `YYYY-MM-DD`, naming the field", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 404, description = "`not_found`: no such team within the token's reach (a team outside it is answered exactly alike)", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn record_action(
    State(state): State<AppState>,
    AuthenticatedReader(access): AuthenticatedReader,
    body: std::result::Result<Json<NewAction>, JsonRejection>,
) -> Result<(StatusCode, Json<TeamAction>)> {
    let Json(new) = body
        .map_err(|rejection| ServerError::InvalidInput(format!("bad action: {}", rejection.body_text())))?;
    let text = checked_text("text", &new.text, MAX_ACTION_TEXT_CHARS)?;
    let owner = checked_text("owner", &new.owner, MAX_ACTION_OWNER_CHARS)?;
    let due = NaiveDate::parse_from_str(new.due.trim(), "%Y-%m-%d").map_err(|_| {
        ServerError::InvalidInput(format!(
            "field 'due': '{}' is not a date written YYYY-MM-DD",
            shorten(&new.due)
        ))
    })?;
    let action = StoredAction {
        id: crate::secrets::new_id("act")?,
        team_id: new.team_id.clone(),
        text,
        owner,
        due,
        recorded_at: state.clock.now(),
        verdicts: None,
    };
    let recorded = state
        .blocking(move |store| {
            let tree = store.organisation_tree(&access.organisation_id)?;
            let team_name = team_in_reach(&tree, &access, &action.team_id)?;
            store.record_action(&access.organisation_id, &action)?;
            Ok(to_wire(action, team_name))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

/// The actions of one team the token reaches, newest first.
#[utoipa::path(
    get,
    path = "/v1/actions",
    tag = "hr",
    security(("hr_token" = [])),
    params(("team_id" = String, Query, description = "The team")),
    responses(
        (status = 200, body = polso_api::ActionList),
        (status = 400, description = "`invalid_input` (also for unknown parameters)", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 404, description = "`not_found`: no such team within the token's reach", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_actions(
    State(state): State<AppState>,
    AuthenticatedReader(access): AuthenticatedReader,
    query: std::result::Result<Query<ActionQuery>, QueryRejection>,
) -> Result<Json<ActionList>> {
    let Query(query) = query
        .map_err(|rejection| ServerError::InvalidInput(format!("bad query: {}", rejection.body_text())))?;
    let actions = state
        .blocking(move |store| {
            let tree = store.organisation_tree(&access.organisation_id)?;
            let team_name = team_in_reach(&tree, &access, &query.team_id)?;
            let stored = store.team_actions(&access.organisation_id, &query.team_id)?;
            Ok(stored.into_iter().map(|action| to_wire(action, team_name.clone())).collect())
        })
        .await?;
    Ok(Json(ActionList { actions }))
}

/// A stored action as the wire carries it.
pub(crate) fn to_wire(action: StoredAction, team_name: String) -> TeamAction {
    TeamAction {
        id: action.id,
        team_id: action.team_id,
        team_name,
        text: action.text,
        owner: action.owner,
        due: action.due.to_string(),
        recorded_at: action.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        verdicts: action.verdicts,
    }
}
