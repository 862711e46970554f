//! What the desktop app and HR's view exchange with the organisation server
//! over HTTP: enrolment, the weekly report, and the released aggregates.
//!
//! Every request body carries `wire_version`; a server refuses a version it
//! does not speak with `unsupported_version` before reading anything else.
//! The weekly report holds item values and metric scores only: no free text,
//! no name, no identifier. The device token travels in the `Authorization`
//! header, never in a body, so a body can be checked for identifiers by
//! looking at its type alone.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::MetricKey;

/// A device redeems an invite code to join a team (`POST /v1/enrol`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The wire format spoken, [`crate::WIRE_VERSION`].
    pub wire_version: u32,
    /// The invite code HR or the administrator handed out, such as `"7KQM-2XWD-PR9T"`.
    /// Case, spaces and dashes do not matter.
    pub invite_code: String,
}

/// What an enrolled device learns: its secret token and the team it reports for.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    /// The wire format the server speaks.
    pub wire_version: u32,
    /// The device's secret bearer token. Keep it only in the OS keyring; the
    /// server keeps only a hash of it and cannot show it again.
    pub device_token: String,
    /// The organisation's id.
    pub organisation_id: String,
    /// The team's id.
    pub team_id: String,
    /// The team's name, to show the employee where their answers count.
    pub team_name: String,
    /// The organisation's schedule seed, so every device of it asks the same
    /// items in the same week. Always below 2^53, so JavaScript reads it exactly.
    #[ts(type = "number")]
    pub organisation_seed: u64,
    /// When and how the device should send its reports.
    pub report_window: ReportWindow,
    /// The organisation's questionnaire in time: which edition of the
    /// schedule its devices follow from which week. Absent from servers that
    /// predate editions, whose organisations all follow edition 2.
    #[serde(default)]
    pub questionnaire: Vec<QuestionnaireAdoption>,
    /// How the organisation aggregates reports, with the helper to pin in
    /// two-server mode. Absent from older servers: one server.
    #[serde(default)]
    pub aggregation: crate::Aggregation,
    /// The server database's generation: a random id that changes only when
    /// the database is restored from a backup, the same for every device.
    /// A device that sees a new one sends again the reports it still holds
    /// for the acceptance window (the server counts each once). Absent from
    /// older servers.
    #[serde(default)]
    pub generation: Option<String>,
}

impl std::fmt::Debug for EnrolResponse {
    /// Everything but the device token, so a debug print or a log line cannot leak it.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("EnrolResponse")
            .field("wire_version", &self.wire_version)
            .field("device_token", &"<redacted>")
            .field("organisation_id", &self.organisation_id)
            .field("team_id", &self.team_id)
            .field("team_name", &self.team_name)
            .field("organisation_seed", &self.organisation_seed)
            .field("report_window", &self.report_window)
            .field("questionnaire", &self.questionnaire)
            .field("aggregation", &self.aggregation)
            .field("generation", &self.generation)
            .finish()
    }
}

/// One questionnaire an organisation adopted: from which week, which edition
/// of the schedule, and whether the WHO-5 module is on. The first adoption of
/// a list has no week (it applies from the start); every later one starts a
/// four-week cycle, so no cycle mixes two editions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireAdoption {
    /// The first ISO week it applies to, such as `"2027-W05"`; `null` for the first adoption.
    pub from_week: Option<String>,
    /// The schedule's edition (2 or 3).
    pub edition: u32,
    /// Whether the WHO-5 module is on: only for an organisation that
    /// declared non-commercial use or holds WHO's permission.
    pub who5: bool,
}

/// The organisation's questionnaire, as a device reads it again
/// (`GET /v1/questionnaire` with the device token), so an edition adopted
/// after it enrolled reaches it before the cycle it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionnaireResponse {
    /// The wire format the server speaks.
    pub wire_version: u32,
    /// The adoptions, oldest first.
    pub questionnaire: Vec<QuestionnaireAdoption>,
    /// How the organisation aggregates reports now. Absent from older
    /// servers: one server.
    #[serde(default)]
    pub aggregation: crate::Aggregation,
    /// The server database's generation: a random id that changes only when
    /// the database is restored from a backup, the same for every device.
    /// A device that sees a new one sends again the reports it still holds
    /// for the acceptance window (the server counts each once). Absent from
    /// older servers.
    #[serde(default)]
    pub generation: Option<String>,
}

/// How a device sends its weekly reports, as the server asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportWindow {
    /// After a week's pulse window closes (Sunday night, local time), wait a
    /// random delay of up to this many seconds before sending its report, so
    /// the arrival time does not point at a person.
    pub max_random_delay_seconds: u32,
    /// The server refuses reports for weeks older than this many weeks.
    pub max_report_age_weeks: u32,
}

/// The prefix of the aggregate key of a "not applicable" count.
pub const NOT_APPLICABLE_KEY_PREFIX: &str = "not_applicable:";

/// The aggregate key of how many people marked `metric` "not applicable this
/// week", as HR asks for it and the server stores it
/// (`not_applicable:customer_focus`).
pub fn not_applicable_key(metric: MetricKey) -> String {
    format!("{NOT_APPLICABLE_KEY_PREFIX}{}", metric.key())
}

/// One item's value in a weekly report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportedValue {
    /// The item's id in the item bank, such as `"eng.2"`.
    pub item_id: String,
    /// The value chosen on the item's scale.
    pub value: u8,
}

/// One metric's score in a weekly report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportedScore {
    /// The metric.
    pub metric: MetricKey,
    /// The score, 0 (worst) to 100 (best).
    pub score: f64,
}

/// One device's answers for one closed ISO week (`POST /v1/reports`, with the
/// device token as `Authorization: Bearer`). Unknown fields are refused, so a
/// note or an identifier added by mistake never passes unnoticed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeeklyReport {
    /// The wire format spoken, [`crate::WIRE_VERSION`].
    pub wire_version: u32,
    /// The ISO week answered, such as `"2026-W48"`.
    pub week: String,
    /// The item values, at most one per item.
    pub items: Vec<ReportedValue>,
    /// The metric scores computed from them, at most one per metric.
    pub metrics: Vec<ReportedScore>,
    /// The asked items the employee marked "not applicable this week" (such
    /// as a customer item in a week without customers): no value, counted
    /// apart. Only items the bank allows it for; absent from older apps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_applicable: Vec<String>,
    /// Spaces that bring every report's body to one size, so its length on
    /// the wire says nothing about how many items were answered. Ignored by
    /// the server; absent from older apps.
    #[serde(default)]
    pub padding: String,
}

/// What the server did with a weekly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// The report was counted now.
    Accepted,
    /// The same report had already been counted; it was not counted again.
    /// A retry may safely treat this as success.
    Duplicate,
}

/// The server's answer to a weekly report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportAck {
    /// The ISO week of the report.
    pub week: String,
    /// Whether it was counted now or before.
    pub status: ReportStatus,
    /// The server database's generation: a random id that changes only when
    /// the database is restored from a backup, the same for every device.
    /// A device that sees a new one sends again the reports it still holds
    /// for the acceptance window (the server counts each once). Absent from
    /// older servers.
    #[serde(default)]
    pub generation: Option<String>,
    /// The server's time when it answered (RFC 3339, UTC): a device whose clock runs behind
    /// learns by how much, and closes its weeks by the server's clock, so its reports still
    /// arrive before their week is published. Absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub server_time: Option<String>,
}

/// The level of the organisation a cell describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// One team.
    Team,
    /// A department: the sum of its teams.
    Department,
    /// The whole organisation.
    Organisation,
}

/// The query of `GET /v1/aggregates`, as URL query parameters, with HR's token
/// as `Authorization: Bearer`. There is deliberately no parameter for k: the
/// threshold is the organisation's setting and nothing a caller can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AggregateQuery {
    /// Which level to read.
    pub unit: UnitKind,
    /// One unit only, by id; all the units of that level within the token's
    /// scope when absent.
    pub unit_id: Option<String>,
    /// An item id (`"eng.2"`), a metric key (`"wellbeing"`), or the count
    /// of people who marked a metric not applicable that week
    /// (`"not_applicable:customer_focus"`).
    pub key: String,
    /// The first ISO week, such as `"2026-W01"`.
    pub from: String,
    /// The last ISO week, included, such as `"2026-W48"`.
    pub to: String,
}

/// The query of `GET /v1/heatmap`, as URL query parameters, with HR's token
/// as `Authorization: Bearer`: the heatmap HR draws, shaped by the server from
/// its released cells. Like [`AggregateQuery`], nothing in it touches k or
/// any other protection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HeatmapQuery {
    /// The length of each of the two periods in weeks, 1 to 26.
    pub period_weeks: u32,
    /// The latest period's last week (an ISO week such as `"2026-W48"`) when
    /// earlier than the last published week and the last closed one.
    #[serde(default)]
    pub to: Option<String>,
    /// One department's teams only (with its own row and the organisation's),
    /// by id; every team in the token's scope when absent.
    #[serde(default)]
    pub department: Option<String>,
}

/// One unit's figures for one week and one item or metric.
///
/// A cell that is not released carries no values at all. When `asked` is
/// true, it holds fewer than k contributions, or it is withheld so that
/// another such cell cannot be recovered by subtraction; the two cases are
/// deliberately not told apart, show both as "fewer than k". When `asked` is
/// false the organisation's schedule did not ask the item or metric that
/// week: show "not asked", never "fewer than k".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// false when the organisation's schedule did not ask this item or metric
    /// that week; such a cell carries no values and says nothing about
    /// anyone. The schedule is public per organisation, so this reveals no
    /// answer. Absent from older servers, and then true.
    #[serde(default = "asked_by_default")]
    pub asked: bool,
    /// Whether the values below may be shown.
    pub released: bool,
    /// How many devices contributed; only when released.
    pub n: Option<u32>,
    /// The mean value (item scale or 0–100 score); only when released.
    pub mean: Option<f64>,
    /// The sample standard deviation (n - 1); only when released.
    pub sd: Option<f64>,
    /// How many answers fell on each point of the item's scale, from its
    /// lowest; for a metric, ten bins of ten points (100 in the last). Only
    /// when released.
    pub histogram: Option<Vec<u32>>,
    /// For the eNPS item and metric: promoters, passives, detractors and the
    /// eNPS, computed by the server from `histogram` alone (the released,
    /// noised one), so they tell nothing the histogram does not. Absent
    /// whenever `histogram` is, and from older servers.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub enps: Option<EnpsFigures>,
    /// For the single-item burnout measure (item and metric): the percentage
    /// of answers at 3 or more on its 1–5 scale, the measure's validated
    /// cut-off for burnout symptoms, computed from `histogram` alone. Absent
    /// whenever `histogram` is, and from older servers.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub burnout_share: Option<f64>,
    /// For a driver (a metric whose items take turns): the item the week
    /// asked for it. Absent for other keys, and in weeks that did not ask it.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub item_id: Option<String>,
    /// For a driver: `mean` put on the level of the driver's anchor item,
    /// by subtracting how far the asked item sits from the anchor over the
    /// released weeks of the last two years (the same cells this token
    /// reads), so a change of item does not move the line. Absent when
    /// withheld, or when the item has too few released weeks to tell.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub standardised_mean: Option<f64>,
}

/// The Employee Net Promoter Score of one released cell, from its released
/// histogram of the 0–10 answers: promoters answered 9 or 10, passives 7 or
/// 8, detractors 0 to 6.
///
/// The three shares and the eNPS are post-processing of the released
/// histogram: anyone holding the histogram can compute them, and any one
/// share follows from the others (100 minus the other two, or eNPS plus the
/// detractors), so no category is withheld on its own. k protects the cell as
/// a whole: the histogram, and with it these figures, leaves only from the
/// histogram minimum (at least 2k) and under secondary suppression.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnpsFigures {
    /// The percentage of promoters (9 or 10), 0–100.
    pub promoters: f64,
    /// The percentage of passives (7 or 8), 0–100.
    pub passives: f64,
    /// The percentage of detractors (0 to 6), 0–100.
    pub detractors: f64,
    /// `promoters − detractors`, from −100 to +100.
    pub enps: f64,
}

/// What a cell from a server that predates `asked` is taken to be: asked.
fn asked_by_default() -> bool {
    true
}

/// The answer to `GET /v1/aggregates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AggregateTable {
    /// The organisation's k, for the "fewer than k" wording.
    pub k: u32,
    /// The last week the organisation has published, if any. Cells come only
    /// for published weeks: a week still collecting reports is never served,
    /// not even its counts.
    pub published_through: Option<String>,
    /// The next week to be published and when, so HR can be told why a
    /// recent week is not there yet.
    pub next_publication: Option<NextPublication>,
    /// One cell per unit and published week, weeks in order, units by name.
    pub cells: Vec<AggregateCell>,
}

/// When the next week's snapshot is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextPublication {
    /// The ISO week, such as `"2026-W49"`.
    pub week: String,
    /// When its collection window closes and it is published, RFC 3339 UTC.
    pub at: String,
}

/// The answer to `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `"ok"` when the server answers.
    pub status: String,
    /// The wire format the server speaks.
    pub wire_version: u32,
}
