//! The errors of a CX file: where each is (line and column, as a user finds them in an editor or a
//! spreadsheet) and what is wrong, worded for the person who exported the file. The server gives
//! each kind a stable code for the app (`cx_issues` in polso-server).
//!
//! Pure: no IO.

use super::metric::CxMetric;
use crate::week::IsoWeek;

/// The hint of a [`CxErrorKind::WrongFieldCount`] with more fields than the
/// header in a comma-separated file.
pub const DECIMAL_COMMA_HINT: &str =
    "; a decimal comma in a comma-separated file must be inside quotes, as \"4,5\"";

/// The hint of a [`CxErrorKind::WrongFieldCount`] whose row is one field.
pub const OTHER_SEPARATOR_HINT: &str = "; is the file separated by another character?";

/// At most this many errors are reported; a file with more gets a final [`CxErrorKind::TooManyErrors`].
pub const MAX_REPORTED_ERRORS: usize = 100;

/// One problem in a CX file, where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct CxImportError {
    /// The 1-based line (the line a record starts on).
    pub line: usize,
    /// The 1-based CSV column (field) number; for [`CxErrorKind::NotUtf8`], the byte in the line.
    pub column: usize,
    /// What is wrong.
    pub kind: CxErrorKind,
}

/// What is wrong in a CX file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CxErrorKind {
    /// The file has nothing but whitespace.
    #[error("the file is empty")]
    EmptyFile,
    /// The file has a header but no data rows.
    #[error("the file has a header but no rows")]
    NoRows,
    /// The bytes are not UTF-8.
    #[error("the file is not UTF-8 text; save it as \"CSV UTF-8\" and try again")]
    NotUtf8,
    /// A quoted field is never closed.
    #[error("a quoted field is not closed: a \" is missing")]
    UnterminatedQuote,
    /// Text follows a closing quote inside the same field.
    #[error("unexpected text after a closing quote; a \" inside a quoted field is written \"\"")]
    TextAfterQuote,
    /// The header splits into a single column with either separator.
    #[error(
        "the header '{header}' is a single column; Polso reads files whose columns are separated by commas or semicolons"
    )]
    SingleColumnHeader {
        /// The header line.
        header: String,
    },
    /// Required columns are missing from the header.
    #[error(
        "missing column(s): {}; aggregated rows need team, week or date, metric, value and n; raw responses need team, date and score",
        missing.join(", ")
    )]
    MissingColumns {
        /// The missing columns' English names.
        missing: Vec<&'static str>,
    },
    /// Two header names mean the same column.
    #[error("column '{name}' means the same as column {first_column}")]
    DuplicateColumn {
        /// The second header name.
        name: String,
        /// The column of the first.
        first_column: usize,
    },
    /// The header has both a week and a date column.
    #[error("the file has both a week and a date column; keep one")]
    WeekAndDate,
    /// A row has a different number of fields than the header; the column is the first missing or
    /// extra one.
    #[error("expected {expected} columns separated by '{separator}', found {found}{hint}")]
    WrongFieldCount {
        /// Columns in the header.
        expected: usize,
        /// Columns in this row.
        found: usize,
        /// The separator detected from the header.
        separator: char,
        /// A hint at the likely cause, or empty.
        hint: &'static str,
    },
    /// A required field is empty.
    #[error("the {column_name} is empty")]
    EmptyField {
        /// The column's English name.
        column_name: &'static str,
    },
    /// A header name or field is longer than its cap ([`super::MAX_CX_FIELD_CHARS`],
    /// [`super::MAX_CX_OTHER_FIELD_CHARS`]); its text is not repeated.
    #[error("the {column_name} is {length} characters long; at most {max} are accepted")]
    FieldTooLong {
        /// What the field is: `team`, `header name`, `field of column 'Comment'`…
        column_name: String,
        /// Its length, in characters.
        length: usize,
        /// The cap, in characters.
        max: usize,
    },
    /// The team is not one of the organisation's teams.
    #[error("unknown team '{given}'{}", match closest {
        Some(name) => format!("; the closest known team is '{name}'"),
        None => "; the organisation has no teams".to_owned(),
    })]
    UnknownTeam {
        /// The team as written.
        given: String,
        /// The most similar known team.
        closest: Option<String>,
    },
    /// The week is not an ISO week.
    #[error("'{given}' is not an ISO week such as 2026-W48")]
    BadWeek {
        /// The text.
        given: String,
    },
    /// The date is not a date in an accepted form.
    #[error("'{given}' is not a date such as 2026-11-23 or 23/11/2026")]
    BadDate {
        /// The text.
        given: String,
    },
    /// The metric label is empty or too long.
    #[error("'{given}' is not a metric name")]
    BadMetric {
        /// The text.
        given: String,
    },
    /// A number cannot be read.
    #[error("'{given}' is not a number{}", if given.contains('.') && given.contains(',') {
        "; write it without thousands separators, such as 1234,5 or 1234.5"
    } else { "" })]
    BadNumber {
        /// The text.
        given: String,
    },
    /// A response count is not a whole number from 1.
    #[error("'{given}' is not a number of responses (a whole number from 1)")]
    BadCount {
        /// The text.
        given: String,
    },
    /// An aggregated value lies outside its metric's scale.
    #[error("{value} is outside the {metric} scale, {min} to {max}")]
    ValueOutOfRange {
        /// The metric.
        metric: CxMetric,
        /// The value.
        value: f64,
        /// The scale's lowest value.
        min: f64,
        /// The scale's highest value.
        max: f64,
    },
    /// A raw score is not a whole number on its metric's scale.
    #[error("'{given}' is not a {metric} answer: a whole number from {min} to {max}")]
    BadScore {
        /// The text.
        given: String,
        /// The metric.
        metric: CxMetric,
        /// The scale's lowest answer.
        min: u8,
        /// The scale's highest answer.
        max: u8,
    },
    /// Raw responses without a metric column have no score above 7, so they are not NPS answers
    /// (0 to 10) as such a file is read; more likely CSAT (1 to 5) or CES (1 to 7).
    #[error(
        "no score is above 7 (the highest is {max_seen}): these do not look like NPS answers (0 to 10), which a file without a metric column must hold; add a metric column (NPS, CSAT or CES) or import the file through a column mapping"
    )]
    ScoresNotNps {
        /// The highest score in the file.
        max_seen: u8,
    },
    /// A metric label names effort alone (`sforzo`), whose direction is not known: a higher
    /// answer may mean more effort, where Polso's CES is higher-is-easier.
    #[error(
        "'{given}' names effort, but not whether a higher answer means more effort or less; Polso's CES is higher-is-easier, so import these answers through a column mapping that says which (and reverses them if higher is more effort)"
    )]
    EffortDirectionUnknown {
        /// The label.
        given: String,
    },
    /// Raw responses name a metric that cannot be computed from single answers.
    #[error("{metric} cannot be computed from single answers; raw responses can be NPS, CSAT or CES")]
    NotARawMetric {
        /// The metric.
        metric: CxMetric,
    },
    /// The same (team, week, metric) appears twice.
    #[error("team '{team}', week {week}, {metric} is already on line {first_line}")]
    DuplicateRow {
        /// The team.
        team: String,
        /// The week.
        week: IsoWeek,
        /// The metric.
        metric: CxMetric,
        /// The line of the first occurrence.
        first_line: usize,
    },
    /// Parsing stopped after [`MAX_REPORTED_ERRORS`] errors.
    #[error("more than {shown} errors; the first {shown} are listed")]
    TooManyErrors {
        /// How many are listed.
        shown: usize,
    },
}
