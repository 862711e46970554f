//! The organisation's care contacts as devices read them (`GET /v1/care-contacts`); what they
//! are and how an administrator sets them is [`crate::care`]'s.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use polso_api::CareContacts;

use crate::error::Result;
use crate::http::results::{NoParameters, refuse_parameters};
use crate::http::{AppState, AuthenticatedDevice};

/// The organisation's care contacts, the same for every device of it: read on the app's regular
/// server check, whatever the device's answers, and kept on the device for the care path.
#[utoipa::path(
    get,
    path = "/v1/care-contacts",
    tag = "devices",
    security(("device_token" = [])),
    responses(
        (status = 200, body = polso_api::CareContacts),
        (status = 400, description = "`invalid_input`: the request has a parameter (it takes none)", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_care_contacts(
    State(state): State<AppState>,
    device: AuthenticatedDevice,
    query: std::result::Result<Query<NoParameters>, QueryRejection>,
) -> Result<Json<CareContacts>> {
    refuse_parameters(query)?;
    let organisation_id = device.membership.organisation_id.clone();
    let contacts = state.blocking(move |store| store.care_contacts(&organisation_id)).await?;
    Ok(Json(contacts))
}
