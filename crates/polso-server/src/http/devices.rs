//! The devices' side of the API: enrolment with an invite code or a blind-signed credential
//! (`POST /v1/enrol`), the organisation's questionnaire (`GET /v1/questionnaire`) and the weekly
//! report (`POST /v1/reports`), each authenticated by its extractor before the handler runs.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use polso_api::{
    EnrolRequest, EnrolResponse, QuestionnaireResponse, ReportAck, ReportStatus, ReportWindow, WIRE_VERSION,
    WeeklyReport,
};
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;

use crate::error::{Result, ServerError};
use crate::http::{AppState, AuthenticatedDevice, VersionedJson};
use crate::rate_limit::AuthenticationAttempt;
use crate::report::{check_report_week, validate_report};
use crate::secrets::{hash_secret, new_device_token, normalise_invite_code};

/// Redeems an invite code, or a blind-signed credential from a personal code
/// (a `CredentialEnrolRequest` body): the device gets a random token and its team.
#[utoipa::path(
    post,
    path = "/v1/enrol",
    tag = "devices",
    request_body(content = polso_api::EnrolRequest, description = "An `EnrolRequest` with an invite code, or a `CredentialEnrolRequest` with a credential from `POST /v1/credentials`"),
    responses(
        (status = 201, description = "Enrolled", body = polso_api::EnrolResponse),
        (status = 400, description = "`invalid_input`, `unsupported_version`", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`: the credential does not verify under its team's key", body = polso_api::ApiError),
        (status = 404, description = "`invite_unknown`", body = polso_api::ApiError),
        (status = 409, description = "`team_full`: the team has as many devices as its declared head-count", body = polso_api::ApiError),
        (status = 410, description = "`invite_expired`, `invite_exhausted` (also a credential used before)", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many enrolments or wrong codes from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn enrol(
    State(state): State<AppState>,
    attempt: AuthenticationAttempt,
    VersionedJson(body): VersionedJson<serde_json::Value>,
) -> Result<(StatusCode, Json<EnrolResponse>)> {
    attempt.take_enrolment(Instant::now())?;
    let (device_token, enrolment) = if body.get("credential").is_some() {
        // A blind-signed credential from a personal code (see `http::credential`).
        crate::http::credential::enrol_with_credential(&state, &attempt, body).await?
    } else {
        let request: EnrolRequest = serde_json::from_value(body).map_err(|error| {
            ServerError::InvalidInput(format!("the body does not have the expected shape: {error}"))
        })?;
        let code = normalise_invite_code(&request.invite_code);
        if code.is_empty() || code.len() > 64 {
            return attempt.judge(Err(ServerError::InviteUnknown), Instant::now());
        }
        let device_token = new_device_token()?;
        let code_hash = hash_secret(&code);
        let device_token_hash = hash_secret(&device_token);
        let now = state.clock.now();
        let enrolment = attempt.judge(
            state.blocking(move |store| store.redeem_invite(&code_hash, &device_token_hash, now)).await,
            Instant::now(),
        )?;
        (device_token, enrolment)
    };
    let organisation_id = enrolment.organisation.id.clone();
    let (aggregation, generation) = state
        .blocking(move |store| {
            Ok((crate::leader::aggregation_for(store, &organisation_id)?, store.generation()?))
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EnrolResponse {
            wire_version: WIRE_VERSION,
            device_token,
            organisation_id: enrolment.organisation.id,
            team_id: enrolment.team_id,
            team_name: enrolment.team_name,
            organisation_seed: enrolment.organisation.seed,
            questionnaire: crate::questionnaire::plan_to_wire(&enrolment.organisation.questionnaire),
            aggregation,
            generation: Some(generation),
            report_window: ReportWindow {
                max_random_delay_seconds: state.config.max_random_delay_seconds,
                max_report_age_weeks: state.config.report_age_weeks(),
            },
        }),
    ))
}

/// The device's organisation's questionnaire in time, read again on every
/// sync pass, so an edition the administrator adopted after the device
/// enrolled reaches it before the cycle it starts.
#[utoipa::path(
    get,
    path = "/v1/questionnaire",
    tag = "devices",
    security(("device_token" = [])),
    responses(
        (status = 200, body = polso_api::QuestionnaireResponse),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_questionnaire(
    State(state): State<AppState>,
    device: AuthenticatedDevice,
) -> Result<Json<QuestionnaireResponse>> {
    let organisation_id = device.membership.organisation_id.clone();
    let (organisation, aggregation, generation) = state
        .blocking(move |store| {
            Ok((
                store.organisation(&organisation_id)?,
                crate::leader::aggregation_for(store, &organisation_id)?,
                store.generation()?,
            ))
        })
        .await?;
    Ok(Json(QuestionnaireResponse {
        wire_version: WIRE_VERSION,
        questionnaire: crate::questionnaire::plan_to_wire(&organisation.questionnaire),
        aggregation,
        generation: Some(generation),
    }))
}

/// Sends one device's report for one closed ISO week; a retry is counted once.
#[utoipa::path(
    post,
    path = "/v1/reports",
    tag = "devices",
    request_body = polso_api::WeeklyReport,
    security(("device_token" = [])),
    responses(
        (status = 200, description = "Counted now (`accepted`) or before (`duplicate`)", body = polso_api::ReportAck),
        (status = 400, description = "`invalid_input`, `unsupported_version`, `unknown_item`, `item_not_in_week`, `value_out_of_scale`, `duplicate_answer`, `no_answers`, `invalid_week`, `week_not_open` (the week is still open, or in the future)", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 408, description = "`invalid_input`: the request took longer than the server allows", body = polso_api::ApiError),
        (status = 410, description = "`week_published`: the week's collection window has closed and it is published; the report can never be counted", body = polso_api::ApiError),
        (status = 413, description = "`payload_too_large`", body = polso_api::ApiError),
        (status = 422, description = "`week_before_enrolment`: the week began before this device enrolled", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn submit_report(
    State(state): State<AppState>,
    device: AuthenticatedDevice,
    VersionedJson(report): VersionedJson<WeeklyReport>,
) -> Result<Json<ReportAck>> {
    let now = state.clock.now();
    let week: IsoWeek = report.week.parse()?;
    check_report_week(week, now, state.config.collection_window(), device.membership.enrolled_week)?;
    let organisation_id = device.membership.organisation_id.clone();
    let (organisation, two_server) = state
        .blocking(move |store| {
            let two_server = crate::leader::helper_for_week(store, &organisation_id, week)?.is_some();
            Ok((store.organisation(&organisation_id)?, two_server))
        })
        .await?;
    if two_server {
        // The organisation's promise for this week: no server sees a report.
        return Err(ServerError::InvalidInput(format!(
            "{week} is aggregated with a helper: send it as shares (POST /v1/shared-reports), never in the clear"
        )));
    }
    let schedule = Schedule::with_plan(ItemBank::embedded(), organisation.seed, &organisation.questionnaire);
    let validated = validate_report(&report, ItemBank::embedded(), &schedule)?;
    drop(report);
    let (outcome, generation) = state
        .blocking(move |store| {
            let fold = validated.into_fold(
                &store.receipt_secret()?,
                &device.token,
                device.membership.organisation_id,
                device.membership.team_id,
            );
            Ok((store.fold_report(&fold)?, store.generation()?))
        })
        .await?;
    let status = match outcome {
        crate::store::FoldOutcome::Counted => ReportStatus::Accepted,
        crate::store::FoldOutcome::AlreadyCounted => ReportStatus::Duplicate,
    };
    Ok(Json(crate::report::acknowledgement(week, status, generation, now)))
}
