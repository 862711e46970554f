//! `POST /v1/shared-reports`: a device's report as secret shares, for an
//! organisation that aggregates with a helper ([`crate::leader`]).

use axum::Json;
use axum::extract::State;
use polso_api::{ReportAck, ReportStatus, SharedReport};
use polso_core::IsoWeek;

use crate::error::Result;
use crate::http::{AppState, AuthenticatedDevice, VersionedJson};
use crate::report::check_report_week;
use crate::store::FoldOutcome;

/// Sends one device's report for one closed ISO week as secret shares; a
/// retry is counted once. The server keeps its own shares and the helper's
/// sealed ones until the helper has verified them.
#[utoipa::path(
    post,
    path = "/v1/shared-reports",
    tag = "devices",
    request_body = polso_api::SharedReport,
    security(("device_token" = [])),
    responses(
        (status = 200, description = "Kept for verification now (`accepted`) or before (`duplicate`)", body = polso_api::ReportAck),
        (status = 400, description = "`invalid_input` (not base64, shares that do not fit the week, a week this organisation aggregates alone), `unsupported_version`, `invalid_week`, `week_not_open`", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 410, description = "`week_published`", body = polso_api::ApiError),
        (status = 413, description = "`payload_too_large`", body = polso_api::ApiError),
        (status = 422, description = "`week_before_enrolment`", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn submit_shared_report(
    State(state): State<AppState>,
    device: AuthenticatedDevice,
    VersionedJson(report): VersionedJson<SharedReport>,
) -> Result<Json<ReportAck>> {
    let now = state.clock.now();
    let week: IsoWeek = report.week.parse()?;
    check_report_week(week, now, state.config.collection_window(), device.membership.enrolled_week)?;
    let outcome = state
        .blocking(move |store| {
            let tree = store.organisation_tree(&device.membership.organisation_id)?;
            let accepted = crate::leader::accept_shared_report(
                store,
                &store.receipt_secret()?,
                &device.token,
                &tree,
                &device.membership.team_id,
                &report,
            )?;
            Ok((accepted, store.generation()?))
        })
        .await?;
    let (outcome, generation) = outcome;
    let status = match outcome.1 {
        FoldOutcome::Counted => ReportStatus::Accepted,
        FoldOutcome::AlreadyCounted => ReportStatus::Duplicate,
    };
    Ok(Json(crate::report::acknowledgement(week, status, generation, now)))
}
