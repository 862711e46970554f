//! HR's CX import: a file sent to the organisation server (`POST /v1/cx`)
//! in Polso's own layouts, or, for a survey tool's export (Qualtrics,
//! SurveyMonkey, Google Forms), through a mapping saved per source. The
//! mapping step: the server suggests a mapping from the file
//! (`POST /v1/cx/mapping-suggestion`), HR confirms or corrects it and saves
//! it under the source's name (`PUT /v1/cx/mappings/{name}`), and the next
//! file of that source imports in one step (`GET /v1/cx/mappings`).
//!
//! The network only: nothing here touches the store, so the shell never
//! holds it while the server answers. A file with errors is not a failure:
//! the report lists them by line and column (and the server stored nothing).

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use polso_api::{
    ApiError, CxImportRejection, CxImportReport, CxMapping, CxMappingList, CxMappingStep, CxSavedMapping,
    ErrorCode,
};

use crate::hr::{HrCredentials, HrTransport, answer_error, get_from_server, not_polso};
use crate::transport::unreachable;

/// Sends a CX file to `POST /v1/cx`, read through the saved mapping
/// `mapping` when given: checked only when `dry_run`, checked and stored
/// otherwise.
pub fn import_cx(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    csv: &str,
    mapping: Option<&str>,
    dry_run: bool,
) -> Result<CxImportReport, ApiError> {
    let server_url = credentials.server_url();
    let mapping = mapping.map(|name| format!("&mapping={}", encoded(name))).unwrap_or_default();
    let url = format!("{server_url}/v1/cx?dry_run={dry_run}{mapping}");
    let answer = transport
        .post_csv(&url, credentials.hr_token(), csv)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if (200..300).contains(&answer.status) {
        return serde_json::from_str::<CxImportReport>(&answer.body).map_err(|_| not_polso(server_url));
    }
    if let Ok(rejection) = serde_json::from_str::<CxImportRejection>(&answer.body)
        && !rejection.report.errors.is_empty()
    {
        return Ok(rejection.report);
    }
    Err(answer_error(server_url, &answer))
}

/// The server's suggested mapping of a survey tool's export, or, for a file that cannot be
/// read as CSV at all, the server's report of its problems (each by line and column, with its
/// code), for the app to show as it shows an import's.
pub fn suggest_cx_mapping(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    csv: &str,
) -> Result<CxMappingStep, ApiError> {
    let server_url = credentials.server_url();
    let url = format!("{server_url}/v1/cx/mapping-suggestion");
    let answer = transport
        .post_csv(&url, credentials.hr_token(), csv)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if (200..300).contains(&answer.status) {
        return serde_json::from_str(&answer.body)
            .map(CxMappingStep::Suggested)
            .map_err(|_| not_polso(server_url));
    }
    if let Ok(rejection) = serde_json::from_str::<CxImportRejection>(&answer.body)
        && !rejection.report.errors.is_empty()
    {
        return Ok(CxMappingStep::Unreadable(rejection.report));
    }
    Err(answer_error(server_url, &answer))
}

/// The organisation's saved mappings.
pub fn read_cx_mappings(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
) -> Result<CxMappingList, ApiError> {
    get_from_server(transport, credentials, "/v1/cx/mappings")
}

/// Saves `mapping` under `name` at the server, for the next imports of that source.
pub fn save_cx_mapping(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    name: &str,
    mapping: &CxMapping,
) -> Result<CxSavedMapping, ApiError> {
    let server_url = credentials.server_url();
    let url = format!("{server_url}/v1/cx/mappings/{}", encoded(name));
    let body = serde_json::to_string(mapping)
        .map_err(|error| ApiError::new(ErrorCode::InvalidInput, format!("the mapping: {error}")))?;
    let answer = transport
        .put_json(&url, credentials.hr_token(), &body)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if (200..300).contains(&answer.status) {
        return serde_json::from_str(&answer.body).map_err(|_| not_polso(server_url));
    }
    Err(answer_error(server_url, &answer))
}

/// `text` as one URL path segment or query value.
fn encoded(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
#[path = "cx_import_tests.rs"]
mod tests;
