//! CX data over HTTP: importing a CX tool's file (`POST /v1/cx`), in Polso's
//! own layouts or a survey tool's export read through a saved mapping;
//! suggesting a mapping from a file (`POST /v1/cx/mapping-suggestion`);
//! saving and listing mappings per source (`PUT /v1/cx/mappings/{name}`,
//! `GET /v1/cx/mappings`); and reading the stored scores (`GET /v1/cx`).
//!
//! CX scores are customer data about teams, not answers of employees: no k
//! rule applies to them; the HR token's scope does (see [`crate::cx`]). A
//! mapping names columns and scales, never a team or an answer, so every HR
//! token of the organisation reads and saves the same mappings. A
//! suggestion reads only the file: it needs no team and stores nothing.
//! Every route here takes [`AuthenticatedHr`], which refuses a manager's
//! token with `forbidden`: managers read their teams' results, not CX.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use polso_api::{
    CxImportQuery, CxMapping, CxMappingList, CxMappingSuggestion, CxRowDto, CxSavedMapping, CxSeries,
    CxSeriesQuery, ErrorCode,
};
use polso_core::survey::{MAX_HEADER_ROWS, SurveyFile, SurveyMapping, suggest_mapping};

use crate::cx::{CheckedCx, CxReader, MAX_MAPPING_NAME_CHARS, check_cx_file, teams_of};
use crate::error::{Result, ServerError};
use crate::http::{AppState, AuthenticatedHr, query_weeks};

/// Most metric columns and filters a mapping may hold.
const MAX_MAPPING_ENTRIES: usize = 20;

/// Longest column name or filter text a mapping may hold, in characters.
const MAX_MAPPING_TEXT_CHARS: usize = polso_core::cx::MAX_CX_OTHER_FIELD_CHARS;

/// The request body of an import or a suggestion: the file, or why it could not be read.
fn file_body(
    state: &AppState,
    body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Bytes> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ServerError::PayloadTooLarge { limit_bytes: state.config.cx_body_limit_bytes }
        } else {
            ServerError::InvalidInput(format!(
                "the request body could not be read: {}",
                rejection.body_text()
            ))
        }
    })
}

/// Imports a CX tool's CSV export: every (team, week, metric) row of the teams the HR token
/// reaches, replacing earlier rows of the same key; all or nothing. With `dry_run=true` the file is
/// only checked and previewed. The body is the file itself, up to 64 MiB.
#[utoipa::path(
    post,
    path = "/v1/cx",
    tag = "hr",
    security(("hr_token" = [])),
    params(
        ("dry_run" = Option<bool>, Query, description = "`true`: check and preview, store nothing; `false` (the default): store"),
        ("mapping" = Option<String>, Query, description = "The name of a saved mapping (`PUT /v1/cx/mappings/{name}`) to read a survey tool's export with; without it, Polso's own layouts")
    ),
    request_body(
        content = String,
        content_type = "text/csv",
        description = "The CSV file as CX tools and spreadsheets export it (see `polso_core::cx`): aggregated rows or raw responses, comma or semicolon, decimal comma, UTF-8 with or without BOM, Italian or English headers; also accepted as `application/octet-stream`"
    ),
    responses(
        (status = 200, description = "Checked (`stored: false`, dry run) or stored (`stored: true`)", body = polso_api::CxImportReport),
        (status = 400, description = "`invalid_input`: the file has errors, each with line and column; nothing stored. An unknown query parameter, or a mapping name with no saved mapping, is a plain `invalid_input` error", body = polso_api::CxImportRejection),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 403, description = "`forbidden`: a manager's token (CX data and mappings need an HR token)", body = polso_api::ApiError),
        (status = 408, description = "`invalid_input`: the request took longer than the server allows", body = polso_api::ApiError),
        (status = 413, description = "`payload_too_large`", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn import_cx(
    State(state): State<AppState>,
    AuthenticatedHr(access): AuthenticatedHr,
    query: std::result::Result<Query<CxImportQuery>, QueryRejection>,
    body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response> {
    let Query(query) = query
        .map_err(|rejection| ServerError::InvalidInput(format!("bad query: {}", rejection.body_text())))?;
    let body = file_body(&state, body)?;
    let organisation_id = access.organisation_id.clone();
    let mapping_name = query.mapping.clone();
    let scope = access.mapping_scope()?;
    let (tree, mapping) = state
        .blocking(move |store| {
            let tree = store.organisation_tree(&organisation_id)?;
            let mapping = mapping_name
                .map(|name| crate::cx::saved_mapping(store, &organisation_id, &scope, &name))
                .transpose()?;
            Ok((tree, mapping))
        })
        .await?;
    let teams = teams_of(&tree, &access);
    // Parsing a large file is CPU work: keep it off the async threads.
    let checked = tokio::task::spawn_blocking(move || {
        let reader = mapping.as_ref().map_or(CxReader::Polso, CxReader::Survey);
        check_cx_file(&body, &teams, reader)
    })
    .await
    .map_err(|error| ServerError::BlockingTask(error.to_string()))?;
    match checked {
        CheckedCx::Rejected(rejection) => {
            let status = match rejection.code {
                ErrorCode::Forbidden => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            };
            Ok((status, Json(rejection)).into_response())
        }
        CheckedCx::Clean { mut report, scores } => {
            if !query.dry_run {
                let now = state.clock.now();
                let organisation_id = access.organisation_id.clone();
                state.blocking(move |store| store.upsert_cx_scores(&organisation_id, &scores, now)).await?;
                report.stored = true;
            }
            Ok(Json(report).into_response())
        }
    }
}

/// The stored CX scores of the teams the HR token reaches. CX scores are customer data about
/// teams, not answers of employees: no k rule applies to them.
#[utoipa::path(
    get,
    path = "/v1/cx",
    tag = "hr",
    security(("hr_token" = [])),
    params(
        ("from" = String, Query, description = "The first ISO week, such as `2026-W01`"),
        ("to" = String, Query, description = "The last ISO week, included"),
        ("metric" = Option<String>, Query, description = "One metric only: `nps`, `csat`, `ces`, `fcr` or a custom key")
    ),
    responses(
        (status = 200, body = polso_api::CxSeries),
        (status = 400, description = "`invalid_input` (also for unknown parameters), `invalid_week`", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 403, description = "`forbidden`: a manager's token (CX data and mappings need an HR token)", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_cx(
    State(state): State<AppState>,
    AuthenticatedHr(access): AuthenticatedHr,
    query: std::result::Result<Query<CxSeriesQuery>, QueryRejection>,
) -> Result<Json<CxSeries>> {
    let Query(query) = query
        .map_err(|rejection| ServerError::InvalidInput(format!("bad query: {}", rejection.body_text())))?;
    let weeks = query_weeks(&query.from, &query.to, state.config.max_query_weeks)?;
    let metric = match &query.metric {
        None => None,
        Some(label) => Some(
            polso_core::cx::CxMetric::from_label(label)
                .ok_or_else(|| ServerError::InvalidInput(format!("'{label}' is not a CX metric key")))?
                .key()
                .to_owned(),
        ),
    };
    let organisation_id = access.organisation_id.clone();
    let (tree, scores) = state
        .blocking(move |store| {
            let tree = store.organisation_tree(&organisation_id)?;
            let scores = store.cx_scores(&organisation_id, metric.as_deref(), weeks)?;
            Ok((tree, scores))
        })
        .await?;
    let teams: std::collections::HashMap<String, String> = teams_of(&tree, &access)
        .into_iter()
        .filter(|team| team.in_scope)
        .map(|team| (team.id, team.name))
        .collect();
    let mut rows: Vec<CxRowDto> = scores
        .into_iter()
        .filter_map(|score| {
            let team_name = teams.get(&score.team_id)?.clone();
            Some(CxRowDto {
                team_id: score.team_id,
                team_name,
                week: score.week.to_string(),
                metric: score.metric,
                value: score.value,
                n: score.n,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.team_name.as_str(), a.team_id.as_str(), &a.week, a.metric.as_str()).cmp(&(
            b.team_name.as_str(),
            b.team_id.as_str(),
            &b.week,
            b.metric.as_str(),
        ))
    });
    Ok(Json(CxSeries { rows }))
}

/// Suggests how to read a survey tool's export: the tool it looks like, a
/// mapping with what decided each column, and what the file does not tell
/// (which HR answers before importing). Reads only the file; stores nothing.
#[utoipa::path(
    post,
    path = "/v1/cx/mapping-suggestion",
    tag = "hr",
    security(("hr_token" = [])),
    request_body(
        content = String,
        content_type = "text/csv",
        description = "The survey tool's export: Qualtrics (three header rows), SurveyMonkey (two), Google Forms or a spreadsheet (one); comma, semicolon or tab; UTF-8 or UTF-16 with a byte-order mark"
    ),
    responses(
        (status = 200, body = polso_api::CxMappingSuggestion),
        (status = 400, description = "`invalid_input`: the file cannot be read as CSV, with line and column", body = polso_api::CxImportRejection),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 403, description = "`forbidden`: a manager's token (CX data and mappings need an HR token)", body = polso_api::ApiError),
        (status = 413, description = "`payload_too_large`", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn suggest_cx_mapping(
    State(state): State<AppState>,
    AuthenticatedHr(_): AuthenticatedHr,
    body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response> {
    let body = file_body(&state, body)?;
    let suggested = tokio::task::spawn_blocking(move || {
        SurveyFile::read(&body).map(|file| CxMappingSuggestion::from(&suggest_mapping(&file)))
    })
    .await
    .map_err(|error| ServerError::BlockingTask(error.to_string()))?;
    match suggested {
        Ok(suggestion) => Ok(Json(suggestion).into_response()),
        Err(errors) => {
            let issues = errors.iter().map(crate::cx_issues::of_survey).collect();
            let rejection = crate::cx::rejection(ErrorCode::InvalidInput, issues, crate::cx::empty_report());
            Ok((StatusCode::BAD_REQUEST, Json(rejection)).into_response())
        }
    }
}

/// The organisation's saved mappings, by name.
#[utoipa::path(
    get,
    path = "/v1/cx/mappings",
    tag = "hr",
    security(("hr_token" = [])),
    responses(
        (status = 200, body = polso_api::CxMappingList),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 403, description = "`forbidden`: a manager's token (CX data and mappings need an HR token)", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_cx_mappings(
    State(state): State<AppState>,
    AuthenticatedHr(access): AuthenticatedHr,
) -> Result<Json<CxMappingList>> {
    let organisation_id = access.organisation_id.clone();
    let scope = access.mapping_scope()?;
    let saved = state.blocking(move |store| store.cx_mappings(&organisation_id, &scope)).await?;
    let mappings = saved
        .into_iter()
        .map(|saved| {
            let mapping: SurveyMapping = serde_json::from_str(&saved.mapping)
                .map_err(|_| ServerError::CorruptData(format!("the saved CX mapping '{}'", saved.name)))?;
            Ok(CxSavedMapping {
                organisation_wide: saved.scope.is_empty(),
                name: saved.name,
                mapping: CxMapping::from(&mapping),
                saved_at: saved.saved_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Json(CxMappingList { mappings }))
}

/// Saves a mapping under `name`, replacing one of the same name, for the next
/// imports of that source. It may still have undecided parts (an import with
/// it then refuses, naming them); what no file could fit is refused here.
#[utoipa::path(
    put,
    path = "/v1/cx/mappings/{name}",
    tag = "hr",
    security(("hr_token" = [])),
    params(("name" = String, Path, description = "The source's name, 1 to 100 characters, such as `Qualtrics assistenza`")),
    request_body = polso_api::CxMapping,
    responses(
        (status = 200, body = polso_api::CxSavedMapping),
        (status = 400, description = "`invalid_input`: a name or a mapping no file could fit, naming the field", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 403, description = "`forbidden`: a manager's token (CX data and mappings need an HR token)", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn save_cx_mapping(
    State(state): State<AppState>,
    AuthenticatedHr(access): AuthenticatedHr,
    Path(name): Path<String>,
    Json(mapping): Json<CxMapping>,
) -> Result<Json<CxSavedMapping>> {
    let name = checked_mapping_name(&name)?;
    check_mapping(&mapping)?;
    let stored = serde_json::to_string(&SurveyMapping::from(&mapping))
        .map_err(|error| ServerError::InvalidInput(format!("the mapping: {error}")))?;
    let now = state.clock.now();
    let organisation_id = access.organisation_id.clone();
    let saved_name = name.clone();
    let scope = access.mapping_scope()?;
    let organisation_wide = scope.is_empty();
    state
        .blocking(move |store| store.save_cx_mapping(&organisation_id, &scope, &saved_name, &stored, now))
        .await?;
    Ok(Json(CxSavedMapping {
        name,
        mapping,
        saved_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        organisation_wide,
    }))
}

/// A mapping's name, trimmed: 1 to [`MAX_MAPPING_NAME_CHARS`] characters, no control character.
pub fn checked_mapping_name(name: &str) -> Result<String> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 || length > MAX_MAPPING_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ServerError::InvalidInput(format!(
            "a mapping's name has 1 to {MAX_MAPPING_NAME_CHARS} characters and no control character"
        )));
    }
    Ok(name.to_owned())
}

/// Refuses a mapping no file could fit, naming the field.
pub fn check_mapping(mapping: &CxMapping) -> Result<()> {
    let refuse = |what: String| Err(ServerError::InvalidInput(format!("the mapping's {what}")));
    if mapping.header_rows == 0 || mapping.header_rows as usize > MAX_HEADER_ROWS {
        return refuse(format!("header_rows must be 1 to {MAX_HEADER_ROWS}, not {}", mapping.header_rows));
    }
    if mapping.metrics.len() > MAX_MAPPING_ENTRIES || mapping.filters.len() > MAX_MAPPING_ENTRIES {
        return refuse(format!("metrics and filters hold at most {MAX_MAPPING_ENTRIES} entries each"));
    }
    let period = mapping.period.as_ref().map(|period| match period {
        polso_api::CxPeriodColumn::Date { column, .. } | polso_api::CxPeriodColumn::Week { column } => column,
    });
    let mut texts: Vec<(String, &String)> = Vec::new();
    texts.extend(mapping.team_column.iter().map(|column| ("team_column".to_owned(), column)));
    texts.extend(period.map(|column| ("period.column".to_owned(), column)));
    for (index, metric) in mapping.metrics.iter().enumerate() {
        texts.push((format!("metrics[{index}].column"), &metric.column));
    }
    for (index, filter) in mapping.filters.iter().enumerate() {
        texts.push((format!("filters[{index}].column"), &filter.column));
        texts.push((format!("filters[{index}].equals"), &filter.equals));
    }
    for (field, text) in texts {
        let length = text.chars().count();
        let may_be_empty = field.ends_with(".equals");
        if (!may_be_empty && text.trim().is_empty())
            || length > MAX_MAPPING_TEXT_CHARS
            || text.chars().any(char::is_control)
        {
            return refuse(format!(
                "{field} must be 1 to {MAX_MAPPING_TEXT_CHARS} characters with no control character"
            ));
        }
    }
    for (index, metric) in mapping.metrics.iter().enumerate() {
        if let Some(scale) = metric.scale
            && (scale.min >= scale.max || scale.max > 10)
        {
            return refuse(format!(
                "metrics[{index}].scale must run from a lower to a higher answer, at most 10 ('{}')",
                metric.column.chars().take(60).collect::<String>()
            ));
        }
    }
    Ok(())
}
