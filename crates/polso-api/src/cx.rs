//! Customer-experience (CX) scores over HTTP: importing a CX tool's CSV export
//! (`POST /v1/cx`) and reading the stored series back (`GET /v1/cx`).
//!
//! CX scores are customer data about teams (NPS, CSAT, CES, first-contact
//! resolution, custom metrics), not answers of employees, so they are stored
//! and returned as imported, without the k rule; an HR token still sees only
//! the teams of its scope. Metrics are named by their stable keys: `nps`,
//! `csat`, `ces`, `fcr`, or a custom metric's key (lowercase letters, digits
//! and `_`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ErrorCode;

/// The query of `POST /v1/cx`. The body is the CSV file itself (`text/csv` or
/// `application/octet-stream`), not JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CxImportQuery {
    /// `true` checks the file and returns the report with a preview, storing
    /// nothing; `false` (the default) checks it and stores every row.
    #[serde(default)]
    pub dry_run: bool,
    /// The name of a saved mapping (`PUT /v1/cx/mappings/{name}`) to read a
    /// survey tool's export with; without it the file is read in Polso's own
    /// layouts (see `polso_core::cx`).
    #[serde(default)]
    pub mapping: Option<String>,
}

/// Which of the two CSV layouts a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CxFileFormat {
    /// One row per (team, week or date, metric) with a value and a response count.
    Aggregated,
    /// One row per customer answer (team, date, score, optional metric), folded
    /// into NPS, CSAT or CES per team and week.
    RawResponses,
}

/// One problem in a CX file, where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxImportIssue {
    /// The 1-based line of the file (the header is line 1).
    pub line: u32,
    /// The 1-based CSV column (field) number, as a spreadsheet shows it.
    pub column: u32,
    /// What is wrong, as a stable code the app words in its own language.
    pub code: CxIssueCode,
    /// The values the wording of `code` names, such as `given` (the text
    /// as written in the file), `closest` (the nearest known team), `min`
    /// and `max` (a scale); see [`CxIssueCode`] for which code has which.
    #[ts(type = "Record<string, string>")]
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, String>))]
    pub params: std::collections::BTreeMap<String, String>,
    /// What is wrong, in English.
    pub message: String,
}

/// What is wrong in a CX file or with a mapping applied to it, as a stable
/// code; the parameters of each are in [`CxImportIssue::params`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CxIssueCode {
    /// The file has nothing but whitespace.
    EmptyFile,
    /// The bytes are not UTF-8 text (nor UTF-16 with a byte-order mark).
    NotUtf8,
    /// A quoted field is never closed.
    UnclosedQuote,
    /// Text follows a closing quote inside a field.
    TextAfterQuote,
    /// Polso's layout: the header is one column with commas and semicolons (`header`).
    SingleColumnHeader,
    /// A survey export: the first line is one column with every separator (`header`).
    SingleColumn,
    /// Polso's layout: required columns are missing (`columns`: their names, comma-separated).
    MissingColumns,
    /// Two header names mean one column (`name`, `first_column`).
    DuplicateColumn,
    /// Both a week and a date column.
    WeekAndDate,
    /// A row's field count differs from the header's (`expected`, `found`, `separator`).
    WrongFieldCount,
    /// The same, where a decimal comma in a comma-separated file was likely left unquoted.
    WrongFieldCountDecimalComma,
    /// The same, where the row is one field: likely another separator.
    WrongFieldCountOtherSeparator,
    /// The same, where a quote was likely left open.
    WrongFieldCountUnclosedQuote,
    /// A required field is empty (`field`: team, week, date, metric, value, n or score).
    EmptyField,
    /// A field is longer than its cap (`field`, `length`, `max`).
    FieldTooLong,
    /// The team is not the organisation's (`given`, `closest`).
    UnknownTeam,
    /// The team is not the organisation's, which has no teams (`given`).
    UnknownTeamNoTeams,
    /// Two teams the HR token reaches have this name (`team`).
    AmbiguousTeam,
    /// Not an ISO week (`given`).
    BadWeek,
    /// Not a date in an accepted form (`given`).
    BadDate,
    /// Not a date written in the mapping's order (`given`, `example`: a date so written).
    BadDateInOrder,
    /// Not a metric name (`given`).
    BadMetric,
    /// Not a number (`given`).
    BadNumber,
    /// Not a number, with thousands separators likely (`given`).
    BadNumberSeparators,
    /// Not a whole number of responses from 1 (`given`).
    BadCount,
    /// An aggregated value outside its metric's scale (`value`, `metric`, `min`, `max`).
    ValueOutOfRange,
    /// A raw score not a whole number on its scale (`given`, `metric`, `min`, `max`).
    BadScore,
    /// Raw responses without a metric column, none above 7 (`max_seen`).
    ScoresNotNps,
    /// A metric label naming effort without its direction (`given`).
    EffortDirectionUnknown,
    /// A metric that single answers cannot make (`metric`).
    NotARawMetric,
    /// The same team, week and metric twice (`team`, `week`, `metric`, `first_line`).
    DuplicateRow,
    /// Reading stopped; only the first `shown` problems are listed.
    TooManyErrors,
    /// A survey export wider than the cap (`count`, `max`).
    TooManyColumns,
    /// A survey export longer than the cap (`max`).
    TooManyRows,
    /// A mapping's header rows out of range (`header_rows`, `max`).
    BadHeaderRows,
    /// No row of answers after the header rows (`header_rows`).
    NoRowsAfterHeader,
    /// Polso's layout: a header and no rows.
    NoRows,
    /// A keep filter matched no row (`column`, `equals`, `found`: the first row's value).
    FilterKeepsNoRow,
    /// A keep filter matched no row, its column empty (`column`, `equals`).
    FilterKeepsNoRowEmptyColumn,
    /// A leave-out filter matched every row (`column`, `equals`).
    FilterLeavesOutEveryRow,
    /// No row passes the filters with an answer in a metric column.
    NoAnswers,
    /// The mapping chooses no team column.
    TeamColumnNotChosen,
    /// The mapping chooses neither a date nor a week column.
    PeriodColumnNotChosen,
    /// The mapping does not say the order of the dates in `column`.
    DateOrderNotChosen,
    /// The mapping chooses no metric column.
    NoMetricColumns,
    /// The direction of the answers in `column` is not chosen.
    DirectionNotChosen,
    /// The scale of the answers in `column` is not chosen.
    ScaleNotChosen,
    /// An NPS column whose scale is not 0 to 10 (`min`, `max`).
    BadNpsScale,
    /// A CSAT or CES scale Polso cannot fold (`metric`, `min`, `max`).
    BadScale,
    /// An NPS column mapped reversed (`column`).
    NpsReversed,
    /// The file has no column `name`.
    MissingColumn,
    /// `name` matches more than one column (`first_column`).
    AmbiguousColumn,
    /// Qualtrics' NPS group column mapped as a metric (`name`).
    NpsGroupColumn,
    /// Two columns mapped to one metric (`metric`, `first_column`).
    MetricMappedTwice,
    /// An answer not on its column's scale (`given`, `metric`, `min`, `max`).
    BadAnswer,
}

/// The first and last ISO week of a set of rows, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxWeekRange {
    /// The first ISO week, such as `"2026-W01"`.
    pub from: String,
    /// The last ISO week, such as `"2026-W48"`.
    pub to: String,
}

/// One CX score of one team in one ISO week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxRowDto {
    /// The team's id.
    pub team_id: String,
    /// The team's name, as the organisation spells it.
    pub team_name: String,
    /// The ISO week, such as `"2026-W48"`.
    pub week: String,
    /// The metric's key: `nps`, `csat`, `ces`, `fcr` or a custom key.
    pub metric: String,
    /// The score on the metric's scale: NPS −100 to 100, CSAT 0–100 (%), CES
    /// 1–7, FCR 0–100 (%), a custom metric's own scale.
    pub value: f64,
    /// How many customer responses the score summarises, when known.
    pub n: Option<u32>,
}

/// The tool a file looks like it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CxSurveyTool {
    /// Three header rows, the third of `{"ImportId": …}`.
    Qualtrics,
    /// Two header rows, `Respondent ID` first.
    SurveyMonkey,
    /// A `Timestamp` (`Informazioni cronologiche`) first column.
    GoogleForms,
    /// Anything else with one header row.
    Generic,
}

/// What a CX import found in a file, and whether it was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxImportReport {
    /// Every problem found (at most 100 and a last one saying there are more).
    /// Empty when the file is clean; when not, nothing is stored, and the
    /// figures below are zero or empty unless every row could be read (rows of
    /// teams outside the token's departments).
    pub errors: Vec<CxImportIssue>,
    /// How many (team, week, metric) rows the file holds.
    pub rows: u32,
    /// How many distinct teams the rows name.
    pub teams: u32,
    /// The first and last week of the rows; `null` when there are none.
    pub weeks: Option<CxWeekRange>,
    /// The metric keys the rows hold, sorted.
    pub metrics: Vec<String>,
    /// The layout detected from the header; `null` when the header could not be read.
    pub format: Option<CxFileFormat>,
    /// The first 20 rows, ordered by team name, week and metric.
    pub preview: Vec<CxRowDto>,
    /// Whether the rows were stored (replacing earlier rows of the same team,
    /// week and metric). `false` for a dry run or a file with errors.
    pub stored: bool,
    /// When a file read without a mapping is refused at its header but holds
    /// answers a survey tool exports (NPS, CSAT, CES questions), the tool it
    /// looks like: import it through a mapping
    /// (`POST /v1/cx/mapping-suggestion`). `null` otherwise.
    #[serde(default)]
    pub survey_tool: Option<CxSurveyTool>,
}

/// The body of a refused CX import (400 `invalid_input` for a file with errors,
/// 403 `forbidden` for rows of teams outside the HR token's departments): the
/// usual `{ code, message }` and, beside them, the import report with every
/// problem by line and column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxImportRejection {
    /// `invalid_input` or `forbidden`.
    pub code: ErrorCode,
    /// A summary in English, such as `"the file has 3 errors; nothing was stored"`.
    pub message: String,
    /// The report, with `errors` listing every problem and `stored: false`.
    #[serde(flatten)]
    pub report: CxImportReport,
}

/// The query of `GET /v1/cx`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CxSeriesQuery {
    /// The first ISO week, such as `"2026-W01"`.
    pub from: String,
    /// The last ISO week, included.
    pub to: String,
    /// One metric's key only (`nps`, `csat`, `ces`, `fcr` or a custom key); every metric when absent.
    pub metric: Option<String>,
}

/// The stored CX scores of the teams in the HR token's scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxSeries {
    /// Every stored score in the weeks asked, ordered by team name, week and metric.
    pub rows: Vec<CxRowDto>,
}
