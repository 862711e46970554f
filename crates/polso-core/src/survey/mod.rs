//! Imports CX survey exports as the tools write them (issue 15): one row per customer response,
//! several questions per row, header rows and metadata columns as Qualtrics, SurveyMonkey, Google
//! Forms or a spreadsheet write them. [`crate::cx::parse_cx_csv`] reads Polso's own long layout;
//! this module reads the tools' wide one through a column mapping and gives the same
//! [`crate::cx::CxImport`], so storing it is unchanged.
//!
//! Three steps, each pure (no IO, no clock; the caller reads the file and keeps the mapping):
//!
//! 1. [`SurveyFile::read`] reads the bytes into rows with their line numbers (separator, quotes,
//!    encodings: see [`reader`]).
//! 2. [`suggest_mapping`] proposes a [`SurveyMapping`] from the file alone (tool, header rows,
//!    team, date and its day/month order, metric columns with scale and direction, Qualtrics'
//!    `Finished` filter), with every decision and its evidence, and the questions the file cannot
//!    answer (see [`detect`]). A user confirms or corrects it; the mapping is saved as JSON per
//!    source and reused next month.
//! 3. [`apply`] folds the answers per (team, ISO week, metric): NPS, CSAT as top-two-box, CES on
//!    Polso's 1–7 "higher is easier" scale (see [`fold`]). It refuses a mapping with anything left
//!    undecided. All or nothing, errors with line and column.
//!
//! What it does not do: read Excel or SPSS files (save as CSV), convert time zones (an answer counts
//! on the date the export shows), fold metrics other than NPS, CSAT and CES from single answers,
//! or guess a team from the organisation's team names.

pub mod answers;
pub mod detect;
pub mod error;
pub mod fold;
pub mod mapping;
pub mod reader;

pub use detect::{
    ColumnRole, DateOrderEvidence, DateOrderReason, Evidence, OpenQuestion, ScaleSource, SuggestedColumn,
    Suggestion, SurveyTool, suggest_mapping,
};
pub use error::{MAX_QUOTED_CHARS, SurveyError, SurveyErrorKind};
pub use fold::apply;
pub use mapping::{
    AnswerScale, DateOrder, Direction, MetricColumn, PeriodColumn, RowFilter, SurveyMapping, SurveyMetric,
};
pub use reader::{SurveyFile, SurveyRecord};

/// The most header rows a survey export has (Qualtrics: short names, question texts, ImportIds).
pub const MAX_HEADER_ROWS: usize = 3;

/// The most columns a survey export may have; a wider file is refused when read. Qualtrics'
/// exports of long surveys have a few hundred.
pub const MAX_SURVEY_COLUMNS: usize = 1_000;

/// The most rows of answers a survey export may have below its header rows; a longer file is
/// refused when read.
pub const MAX_SURVEY_ROWS: usize = 1_000_000;

/// The rows of answers [`suggest_mapping`] looks at for its evidence (scales seen, the date order,
/// what a column holds): the first ones, so a suggestion costs the same on a file of any length.
/// [`apply`] reads every row.
pub const MAX_EVIDENCE_ROWS: usize = 10_000;
