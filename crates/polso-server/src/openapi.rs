//! The OpenAPI 3.1 document of the HTTP API, served at `GET /v1/openapi.json`,
//! printed by `polso-server openapi` and committed as `openapi.json`.
//!
//! The paths come from `#[utoipa::path]` on the handlers in `http.rs`. The
//! schemas are mirrors of the `polso-api` wire types kept here, so the wire
//! crate stays free of an OpenAPI dependency; the tests serialise the real
//! wire types and check every field and enum value against the mirrors, and
//! check the committed file against a fresh document, so neither can drift.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Polso organisation server",
        description = "Enrols devices to teams, folds anonymized weekly reports into per-team sums, \
                       and releases them to HR under the organisation's k with secondary suppression. \
                       Every error is `{ code, message }`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        crate::http::health,
        crate::http::enrol,
        crate::http::submit_report,
        crate::http::read_aggregates,
        crate::http::openapi_document
    ),
    components(schemas(
        schemas::Health,
        schemas::EnrolRequest,
        schemas::EnrolResponse,
        schemas::ReportWindow,
        schemas::WeeklyReport,
        schemas::ReportedValue,
        schemas::ReportedScore,
        schemas::MetricKey,
        schemas::ReportAck,
        schemas::ReportStatus,
        schemas::UnitKind,
        schemas::AggregateTable,
        schemas::AggregateCell,
        schemas::ApiError,
        schemas::ErrorCode
    )),
    modifiers(&BearerTokens),
    tags((name = "devices", description = "Enrolment and weekly reports"), (name = "hr", description = "Released aggregates"))
)]
pub struct ApiDocument;

/// Adds the two bearer schemes: device tokens (`pd_…`) and HR tokens (`ph_…`).
struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, description) in [
            ("device_token", "The device token from enrolment, `pd_…`, kept in the OS keyring."),
            ("hr_token", "An HR token created by the administrator, `ph_…`."),
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

/// Mirrors of the wire types in `polso_api::sync` and `polso_api::error`, for
/// the document only. Field docs are the wire types' docs, shortened.
#[allow(dead_code, missing_docs)]
pub mod schemas {
    use utoipa::ToSchema;

    /// The answer to `GET /v1/health`.
    #[derive(ToSchema)]
    pub struct Health {
        /// Always `"ok"` when the server answers.
        pub status: String,
        /// The wire format the server speaks.
        pub wire_version: u32,
    }

    /// A device redeems an invite code to join a team.
    #[derive(ToSchema)]
    pub struct EnrolRequest {
        /// The wire format spoken.
        pub wire_version: u32,
        /// The invite code; case, spaces and dashes do not matter.
        pub invite_code: String,
    }

    /// What an enrolled device learns.
    #[derive(ToSchema)]
    pub struct EnrolResponse {
        /// The wire format the server speaks.
        pub wire_version: u32,
        /// The device's secret bearer token; the server keeps only its hash.
        pub device_token: String,
        /// The organisation's id.
        pub organisation_id: String,
        /// The team's id.
        pub team_id: String,
        /// The team's name.
        pub team_name: String,
        /// The organisation's schedule seed, below 2^53.
        pub organisation_seed: u64,
        /// When and how the device should send its reports.
        pub report_window: ReportWindow,
    }

    /// How a device sends its weekly reports.
    #[derive(ToSchema)]
    pub struct ReportWindow {
        /// Wait a random delay of up to this many seconds after the week closes.
        pub max_random_delay_seconds: u32,
        /// Reports for weeks older than this are refused.
        pub max_report_age_weeks: u32,
    }

    /// One device's answers for one closed ISO week. Unknown fields are refused.
    #[derive(ToSchema)]
    pub struct WeeklyReport {
        /// The wire format spoken.
        pub wire_version: u32,
        /// The ISO week answered, such as `2026-W48`.
        pub week: String,
        /// The item values, at most one per item.
        pub items: Vec<ReportedValue>,
        /// The metric scores, at most one per metric.
        pub metrics: Vec<ReportedScore>,
    }

    /// One item's value.
    #[derive(ToSchema)]
    pub struct ReportedValue {
        /// The item's id in the item bank.
        pub item_id: String,
        /// The value chosen on the item's scale.
        pub value: u8,
    }

    /// One metric's score.
    #[derive(ToSchema)]
    pub struct ReportedScore {
        /// The metric.
        pub metric: MetricKey,
        /// The score, 0 (worst) to 100 (best).
        pub score: f64,
    }

    /// An EX metric.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum MetricKey {
        Wellbeing,
        Who5,
        Burnout,
        Engagement,
        WorkLifeBalance,
        Communication,
        TeamCohesion,
        Tools,
        Empowerment,
        RoleClarity,
        Recognition,
        Growth,
        Trust,
        CustomerFocus,
        Enps,
    }

    /// The server's answer to a weekly report.
    #[derive(ToSchema)]
    pub struct ReportAck {
        /// The ISO week of the report.
        pub week: String,
        /// Whether it was counted now or before.
        pub status: ReportStatus,
    }

    /// `accepted`: counted now; `duplicate`: the same report was counted before.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ReportStatus {
        Accepted,
        Duplicate,
    }

    /// The level of the organisation a cell describes.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum UnitKind {
        Team,
        Department,
        Organisation,
    }

    /// The answer to `GET /v1/aggregates`.
    #[derive(ToSchema)]
    pub struct AggregateTable {
        /// The organisation's k.
        pub k: u32,
        /// One cell per unit and week.
        pub cells: Vec<AggregateCell>,
    }

    /// One unit's figures for one week and key. A cell that is not released
    /// carries no values: fewer than k, or withheld to protect another cell.
    #[derive(ToSchema)]
    pub struct AggregateCell {
        /// The level of the unit.
        pub unit_kind: UnitKind,
        /// The unit's id.
        pub unit_id: String,
        /// The unit's name.
        pub unit_name: String,
        /// The ISO week.
        pub week: String,
        /// The item id or metric key.
        pub key: String,
        /// Whether the values may be shown.
        pub released: bool,
        /// How many devices contributed (noisy with differential privacy on).
        pub n: Option<u32>,
        /// The mean value.
        pub mean: Option<f64>,
        /// The sample standard deviation.
        pub sd: Option<f64>,
        /// Counts per scale point, or ten bins of ten points for a metric.
        pub histogram: Option<Vec<u32>>,
    }

    /// Every error: a machine-readable code and an English message.
    #[derive(ToSchema)]
    pub struct ApiError {
        /// What went wrong, for the client to branch on.
        pub code: ErrorCode,
        /// A sentence in English naming what is wrong.
        pub message: String,
    }

    /// The codes the server answers with (a subset of `polso_api::ErrorCode`).
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum ErrorCode {
        InvalidInput,
        UnsupportedVersion,
        PayloadTooLarge,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        InviteUnknown,
        InviteExpired,
        InviteExhausted,
        DuplicateReport,
        UnknownItem,
        ValueOutOfScale,
        DuplicateAnswer,
        NoAnswers,
        InvalidWeek,
        WeekNotOpen,
        WeekClosed,
        InvalidSetting,
        Internal,
    }
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

    fn property_names(schema: &Value) -> BTreeSet<String> {
        schema["properties"].as_object().unwrap().keys().cloned().collect()
    }

    fn enum_values(schema: &Value) -> BTreeSet<String> {
        schema["enum"].as_array().unwrap().iter().map(|value| value.as_str().unwrap().to_owned()).collect()
    }

    fn field_names(value: &impl serde::Serialize) -> BTreeSet<String> {
        serde_json::to_value(value).unwrap().as_object().unwrap().keys().cloned().collect()
    }

    /// A unit enum's JSON string.
    fn text(value: impl serde::Serialize) -> String {
        serde_json::to_value(value).unwrap().as_str().unwrap().to_owned()
    }

    /// Every mirror has exactly the fields the wire type serialises.
    #[test]
    fn the_schemas_have_the_wire_types_fields() {
        let document: Value = serde_json::from_str(&document_json()).unwrap();
        let window = ReportWindow { max_random_delay_seconds: 1, max_report_age_weeks: 1 };
        let cell = AggregateCell {
            unit_kind: UnitKind::Team,
            unit_id: String::new(),
            unit_name: String::new(),
            week: String::new(),
            key: String::new(),
            released: false,
            n: None,
            mean: None,
            sd: None,
            histogram: None,
        };
        let cases: Vec<(&str, BTreeSet<String>)> = vec![
            ("Health", field_names(&Health { status: String::new(), wire_version: 1 })),
            ("EnrolRequest", field_names(&EnrolRequest { wire_version: 1, invite_code: String::new() })),
            (
                "EnrolResponse",
                field_names(&EnrolResponse {
                    wire_version: 1,
                    device_token: String::new(),
                    organisation_id: String::new(),
                    team_id: String::new(),
                    team_name: String::new(),
                    organisation_seed: 1,
                    report_window: window,
                }),
            ),
            ("ReportWindow", field_names(&window)),
            (
                "WeeklyReport",
                field_names(&WeeklyReport {
                    wire_version: 1,
                    week: String::new(),
                    items: vec![],
                    metrics: vec![],
                }),
            ),
            ("ReportedValue", field_names(&ReportedValue { item_id: String::new(), value: 1 })),
            ("ReportedScore", field_names(&ReportedScore { metric: MetricKey::Trust, score: 1.0 })),
            ("ReportAck", field_names(&ReportAck { week: String::new(), status: ReportStatus::Accepted })),
            ("AggregateTable", field_names(&AggregateTable { k: 5, cells: vec![] })),
            ("AggregateCell", field_names(&cell)),
            ("ApiError", field_names(&ApiError::new(ErrorCode::Internal, ""))),
        ];
        for (name, fields) in cases {
            assert_eq!(property_names(&schema_of(&document, name)), fields, "schema {name}");
        }
    }

    /// Every enum value of a mirror is one the wire type reads, and the
    /// closed enums list all of the wire type's values.
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
