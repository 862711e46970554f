//! The OpenAPI 3.1 document of the HTTP API, served at `GET /v1/openapi.json`,
//! printed by `polso-server openapi` and committed as `openapi.json`.
//!
//! The paths come from `#[utoipa::path]` on the handlers under `http/`; the
//! schemas are derived on the `polso-api` wire types themselves (its
//! `openapi` feature), so the document cannot describe anything but what the
//! server reads and writes. A test checks the committed file against a fresh
//! document.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Polso organisation server",
        description = "Enrols devices to teams, folds anonymized weekly reports into per-team sums, \
                       and publishes each week once, when its collection window closes, under the \
                       organisation's k with secondary suppression and differential privacy. HR reads \
                       only published weeks. Every error is `{ code, message }`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        crate::http::health,
        crate::http::devices::enrol,
        crate::http::credential::read_credential_key,
        crate::http::credential::issue_credential,
        crate::http::devices::submit_report,
        crate::http::shared::submit_shared_report,
        crate::http::releases::read_aggregates,
        crate::http::heatmap::read_heatmap,
        crate::http::cx::import_cx,
        crate::http::cx::read_cx,
        crate::http::cx::suggest_cx_mapping,
        crate::http::cx::read_cx_mappings,
        crate::http::cx::save_cx_mapping,
        crate::http::units::read_units,
        crate::http::releases::read_privacy_ledger,
        crate::http::releases::read_device_privacy_loss,
        crate::http::results::read_team_results,
        crate::http::actions::record_action,
        crate::http::actions::read_actions,
        crate::http::comments::post_comment,
        crate::http::comments::read_comments,
        crate::http::comments::post_reply,
        crate::http::comments::read_thread,
        crate::http::comments::post_verdict,
        crate::http::care::read_care_contacts,
        crate::http::devices::read_questionnaire,
        serve_document
    ),
    components(schemas(
        polso_api::Health,
        polso_api::CareContacts,
        polso_api::CareContact,
        polso_api::CareContactKind,
        polso_api::EnrolRequest,
        polso_api::EnrolResponse,
        polso_api::QuestionnaireAdoption,
        polso_api::QuestionnaireResponse,
        polso_api::Aggregation,
        polso_api::AggregationMode,
        polso_api::HelperServer,
        polso_api::SharedReport,
        polso_api::CredentialKeyRequest,
        polso_api::CredentialKey,
        polso_api::CredentialRequest,
        polso_api::CredentialSignature,
        polso_api::CredentialEnrolRequest,
        polso_api::Credential,
        polso_api::ReportWindow,
        polso_api::WeeklyReport,
        polso_api::ReportedValue,
        polso_api::ReportedScore,
        polso_api::NextPublication,
        polso_api::HeatmapQuery,
        polso_api::HrHeatmap,
        polso_api::WeekPeriod,
        polso_api::HeatmapTeam,
        polso_api::HeatmapUnitRow,
        polso_api::HeatmapCell,
        polso_api::ReleaseNoiseInIntervals,
        polso_api::PrivacyLedger,
        polso_api::TeamPrivacyLoss,
        polso_api::DevicePrivacyLoss,
        polso_api::TeamResults,
        polso_api::NewAction,
        polso_api::TeamAction,
        polso_api::ActionList,
        polso_api::ActionVerdicts,
        polso_api::ActionVerdict,
        polso_api::NewActionVerdict,
        polso_api::NewComment,
        polso_api::PoolReceipt,
        polso_api::TeamComments,
        polso_api::CommentBatch,
        polso_api::ReleasedComment,
        polso_api::CommentReply,
        polso_api::ReplyAuthor,
        polso_api::NewReply,
        polso_api::ThreadRequest,
        polso_api::CommentThread,
        polso_api::ResultsUnit,
        polso_api::MetricKey,
        polso_api::ReportAck,
        polso_api::ReportStatus,
        polso_api::UnitKind,
        polso_api::AggregateTable,
        polso_api::AggregateCell,
        polso_api::EnpsFigures,
        polso_api::CxImportReport,
        polso_api::CxImportRejection,
        polso_api::CxImportIssue,
        polso_api::CxWeekRange,
        polso_api::CxRowDto,
        polso_api::CxFileFormat,
        polso_api::CxSeries,
        polso_api::CxMapping,
        polso_api::CxPeriodColumn,
        polso_api::CxDateOrder,
        polso_api::CxSurveyMetric,
        polso_api::CxMetricColumn,
        polso_api::CxAnswerScale,
        polso_api::CxDirection,
        polso_api::CxRowFilter,
        polso_api::CxSurveyTool,
        polso_api::CxColumnRole,
        polso_api::CxEvidence,
        polso_api::CxSuggestedColumn,
        polso_api::CxOpenQuestion,
        polso_api::CxMappingSuggestion,
        polso_api::CxSavedMapping,
        polso_api::CxMappingList,
        polso_api::OrganisationUnits,
        polso_api::HrRole,
        polso_api::DepartmentUnits,
        polso_api::UnitRef,
        polso_api::ApiError,
        polso_api::ErrorCode
    )),
    modifiers(&BearerTokens),
    tags((name = "devices", description = "Enrolment and weekly reports"), (name = "hr", description = "Released aggregates and CX scores"))
)]
pub struct ApiDocument;

/// Adds the two bearer schemes: device tokens (`pd_…`) and HR tokens (`ph_…`).
struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, description) in [
            ("device_token", "The device token from enrolment, `pd_…`, kept in the OS keyring."),
            (
                "hr_token",
                "An HR or manager token created by the administrator, `ph_…`; a manager's reads only its teams (and their departments and organisation beside them).",
            ),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(description)).build(),
                ),
            );
        }
    }
}

/// The document as pretty JSON with a final newline, as committed.
pub fn document_json() -> String {
    let mut text = ApiDocument::openapi().to_pretty_json().expect("the OpenAPI document serialises");
    text.push('\n');
    text
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta", operation_id = "openapi_document", responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub(crate) async fn serve_document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document_json()).into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use polso_api::*;
    use serde_json::Value;

    use super::*;

    fn schema_of(document: &Value, name: &str) -> Value {
        document["components"]["schemas"][name].clone()
    }

    fn enum_values(schema: &Value) -> BTreeSet<String> {
        schema["enum"].as_array().unwrap().iter().map(|value| value.as_str().unwrap().to_owned()).collect()
    }

    /// A unit enum's JSON string.
    fn text(value: impl serde::Serialize) -> String {
        serde_json::to_value(value).unwrap().as_str().unwrap().to_owned()
    }

    /// The document's enums list exactly the values the wire types read.
    #[test]
    fn the_schemas_enums_are_the_wire_types_values() {
        let document: Value = serde_json::from_str(&document_json()).unwrap();
        let metrics: BTreeSet<String> = polso_core::Metric::ALL
            .into_iter()
            .map(|metric| text(crate::report::metric_to_wire(metric)))
            .collect();
        assert_eq!(enum_values(&schema_of(&document, "MetricKey")), metrics);
        let units: BTreeSet<String> =
            [UnitKind::Team, UnitKind::Department, UnitKind::Organisation].into_iter().map(text).collect();
        assert_eq!(enum_values(&schema_of(&document, "UnitKind")), units);
        let statuses: BTreeSet<String> =
            [ReportStatus::Accepted, ReportStatus::Duplicate].into_iter().map(text).collect();
        assert_eq!(enum_values(&schema_of(&document, "ReportStatus")), statuses);
        for code in enum_values(&schema_of(&document, "ErrorCode")) {
            serde_json::from_value::<ErrorCode>(Value::String(code.clone()))
                .unwrap_or_else(|_| panic!("{code} is not a polso_api::ErrorCode"));
        }
    }

    /// The committed `openapi.json` is exactly what the code generates now.
    /// Regenerate it with `cargo run -p polso-server -- --db /tmp/x.db openapi > crates/polso-server/openapi.json`,
    /// or set `POLSO_UPDATE_OPENAPI=1` when running this test.
    #[test]
    fn committed_openapi_document_matches_the_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
        let fresh = document_json();
        if std::env::var_os("POLSO_UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "crates/polso-server/openapi.json is stale; rerun this test with POLSO_UPDATE_OPENAPI=1"
        );
    }
}
