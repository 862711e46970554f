//! What can be wrong when a survey export is read ([`super::SurveyFile::read`]) or folded through a
//! mapping ([`super::apply`]), and where: [`SurveyError`] always has a 1-based line and column.
//!
//! This is a type of its own rather than more variants of [`crate::cx::CxErrorKind`]: the mapping
//! step has failures the fixed layout of `parse_cx_csv` cannot have (a column the file lacks, a
//! direction not chosen, Qualtrics' NPS group mapped as a score), and a caller that shows these
//! to a user branches on this enum. Text taken from the file is shortened to
//! [`MAX_QUOTED_CHARS`] characters before it is put in an error, so an error never repeats a
//! customer's long comment.

use std::fmt;

use crate::cx::CxMetric;

use super::mapping::{DateOrder, SurveyMetric};

/// Text from the file is cut to this many characters (and `…`) in an error.
pub const MAX_QUOTED_CHARS: usize = 60;

/// One problem in a survey export or its mapping, where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct SurveyError {
    /// The 1-based line: the physical line a record starts on. Problems of the mapping point at the
    /// first header line.
    pub line: usize,
    /// The 1-based column (field) number, as a spreadsheet shows it; for a column the mapping names
    /// but the file lacks, one past the last column; for [`SurveyErrorKind::NotText`], the byte in
    /// the line.
    pub column: usize,
    /// What is wrong.
    pub kind: SurveyErrorKind,
}

/// What is wrong in a survey export or in the mapping applied to it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SurveyErrorKind {
    /// The file has nothing but whitespace.
    #[error("the file is empty")]
    EmptyFile,
    /// The bytes are neither UTF-8 nor UTF-16 with a byte-order mark.
    #[error("the file is not UTF-8 text; save it as \"CSV UTF-8\" and try again")]
    NotText,
    /// The first line splits into a single column with every separator.
    #[error(
        "the first line '{header}' is a single column; Polso reads files whose columns are separated by commas, semicolons or tabs"
    )]
    SingleColumn {
        /// The first line, shortened.
        header: String,
    },
    /// The first row has more columns than [`super::MAX_SURVEY_COLUMNS`].
    #[error(
        "the file has {count} columns; at most {max} are accepted (are many empty columns saved at the end of the rows?)"
    )]
    TooManyColumns {
        /// The columns of the first row.
        count: usize,
        /// The most accepted.
        max: usize,
    },
    /// The file has more rows of answers than [`super::MAX_SURVEY_ROWS`].
    #[error("the file has more than {max} rows of answers; split it into smaller files (by month, say)")]
    TooManyRows {
        /// The most accepted.
        max: usize,
    },
    /// A quoted field is never closed: the rest of the file became one field.
    #[error("a quoted field is not closed: a \" is missing")]
    UnclosedQuote,
    /// A row has fewer fields than the first line, or more that are not empty.
    #[error("expected {expected} columns separated by '{}', found {found}{hint}", separator.escape_debug())]
    WrongFieldCount {
        /// Columns in the first line.
        expected: usize,
        /// Columns in this row.
        found: usize,
        /// The separator detected from the first lines.
        separator: char,
        /// A hint at the likely cause, or empty.
        hint: &'static str,
    },
    /// A header text or a field Polso reads is longer than its cap; its text is not repeated.
    #[error("the {what} is {length} characters long; at most {max} are accepted")]
    FieldTooLong {
        /// What the field is: `header text`, `team`, `answer in column 'Q1'`…
        what: String,
        /// Its length, in characters.
        length: usize,
        /// The cap, in characters.
        max: usize,
    },
    /// The mapping's number of header rows is outside 1 to [`super::MAX_HEADER_ROWS`].
    #[error("{header_rows} header rows: a survey export has from 1 to {max} header rows")]
    BadHeaderRows {
        /// The number the mapping gives.
        header_rows: usize,
        /// The largest accepted.
        max: usize,
    },
    /// The file has no row after its header rows.
    #[error("the file has {header_rows} header row(s) and no rows of answers after them")]
    NoRows {
        /// The header rows the mapping gives.
        header_rows: usize,
    },
    /// A filter of the mapping matched no row of answers, so nothing would be imported. Filters
    /// compare ignoring ASCII case, so this is a different value (`1` where the file writes
    /// `True`), or a leave-out filter whose value every row holds.
    #[error("{}, so every row is left out; change the filter{}", if *leave_out {
        format!("every row has '{equals}' in '{column}', which the filter leaves out")
    } else {
        format!("no row has '{equals}' in '{column}'{}", match found {
            Some(found) => format!(" (the first row has '{found}')"),
            None => " (the column is empty)".to_owned(),
        })
    }, if *leave_out { " or remove it" } else { " to the value the file writes" })]
    FilterMatchedNoRow {
        /// The filter's column, shortened.
        column: String,
        /// The value the filter keeps (or leaves out), shortened.
        equals: String,
        /// Whether the filter leaves rows with `equals` out rather than keeping them.
        leave_out: bool,
        /// The column's first non-empty value, shortened.
        found: Option<String>,
    },
    /// No row passed the filters with an answer in a mapped column.
    #[error("no row passes the filters with an answer in a metric column; nothing would be imported")]
    NoAnswers,
    /// The mapping does not say which column holds the team.
    #[error("the team column is not chosen")]
    TeamColumnNotChosen,
    /// The mapping names neither a date nor a week column.
    #[error("the date (or week) column is not chosen")]
    PeriodColumnNotChosen,
    /// The mapping does not say whether dates are written day first, month first or year first.
    #[error(
        "whether the dates in '{column}' are day/month/year or month/day/year is not chosen; the file does not tell"
    )]
    DateOrderNotChosen {
        /// The date column.
        column: String,
    },
    /// The mapping has no metric column.
    #[error("no metric column is chosen")]
    NoMetricColumns,
    /// A metric column's direction (does a higher answer mean better or worse?) is not chosen.
    #[error(
        "whether a higher answer in '{column}' means better (easier) or worse (more effort) is not chosen"
    )]
    DirectionNotChosen {
        /// The column.
        column: String,
    },
    /// A metric column's answer scale is not chosen.
    #[error("the answer scale of '{column}' (such as 1 to 5 or 1 to 7) is not chosen")]
    ScaleNotChosen {
        /// The column.
        column: String,
    },
    /// A metric column's scale is not one Polso can fold.
    #[error("{min} to {max} is not a {metric} scale: {}", match metric {
        SurveyMetric::Nps => "NPS answers are 0 to 10",
        SurveyMetric::Csat | SurveyMetric::Ces => "a scale runs from 0 or 1 to at most 10, with at least 3 points",
    })]
    BadScale {
        /// The metric.
        metric: SurveyMetric,
        /// The scale's lowest answer.
        min: u8,
        /// The scale's highest answer.
        max: u8,
    },
    /// An NPS column is mapped with the direction reversed.
    #[error(
        "NPS answers run from 0 (not at all likely) to 10 (extremely likely); '{column}' cannot be reversed"
    )]
    NpsReversed {
        /// The column.
        column: String,
    },
    /// A column the mapping names is not in the file.
    #[error("the file has no column '{name}'")]
    MissingColumn {
        /// The name, shortened.
        name: String,
    },
    /// A name the mapping uses matches more than one column.
    #[error("'{name}' names more than one column (the first is column {first_column}); rename one of them")]
    AmbiguousColumn {
        /// The name, shortened.
        name: String,
        /// The first matching column, 1-based.
        first_column: usize,
    },
    /// The mapping reads Qualtrics' NPS group column (1, 2, 3 or Detractor, Passive, Promoter) as a
    /// metric.
    #[error(
        "'{name}' is Qualtrics' NPS group (detractor, passive, promoter), not an answer; map the 0 to 10 answer column beside it"
    )]
    NpsGroupColumn {
        /// The column's name, shortened.
        name: String,
    },
    /// Two columns are mapped to the same metric.
    #[error("{metric} is already mapped to '{first_column}'; Polso keeps one {metric} per team and week")]
    MetricMappedTwice {
        /// The metric.
        metric: SurveyMetric,
        /// The column mapped first, shortened.
        first_column: String,
    },
    /// A field the mapping reads is empty in a row that has answers.
    #[error("the {what} is empty")]
    EmptyField {
        /// `team`, `date` or `week`.
        what: &'static str,
    },
    /// The team is not one of the organisation's teams.
    #[error("unknown team '{given}'{}", match closest {
        Some(name) => format!("; the closest known team is '{name}'"),
        None => "; the organisation has no teams".to_owned(),
    })]
    UnknownTeam {
        /// The team as written, shortened.
        given: String,
        /// The most similar known team.
        closest: Option<String>,
    },
    /// The date cannot be read in the mapping's order.
    #[error("'{given}' is not a date written {order}")]
    BadDate {
        /// The text, shortened.
        given: String,
        /// The order the mapping gives.
        order: DateOrder,
    },
    /// The week is not an ISO week.
    #[error("'{given}' is not an ISO week such as 2026-W48")]
    BadWeek {
        /// The text, shortened.
        given: String,
    },
    /// An answer is not a whole number on its column's scale, nor a label Polso knows.
    #[error("'{given}' is not a {metric} answer on the scale {min} to {max}")]
    BadAnswer {
        /// The text, shortened.
        given: String,
        /// The metric.
        metric: CxMetric,
        /// The scale's lowest answer.
        min: u8,
        /// The scale's highest answer.
        max: u8,
    },
    /// Reading stopped after [`crate::cx::MAX_REPORTED_ERRORS`] errors.
    #[error("more than {shown} errors; the first {shown} are listed")]
    TooManyErrors {
        /// How many are listed.
        shown: usize,
    },
}

impl fmt::Display for DateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateOrder::YearMonthDay => "year first, such as 2026-11-23",
            DateOrder::DayMonthYear => "day first, such as 23/11/2026",
            DateOrder::MonthDayYear => "month first, such as 11/23/2026",
            DateOrder::Unknown => "in an order not yet chosen",
        })
    }
}

impl fmt::Display for SurveyMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SurveyMetric::Nps => "NPS",
            SurveyMetric::Csat => "CSAT",
            SurveyMetric::Ces => "CES",
        })
    }
}

/// `text` trimmed and cut to [`MAX_QUOTED_CHARS`] characters, with `…` when cut.
pub(crate) fn shorten(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// Collects errors up to [`crate::cx::MAX_REPORTED_ERRORS`], then one
/// [`SurveyErrorKind::TooManyErrors`].
#[derive(Debug, Default)]
pub(crate) struct ErrorList {
    errors: Vec<SurveyError>,
    full: bool,
}

impl ErrorList {
    pub(crate) fn push(&mut self, line: usize, column: usize, kind: SurveyErrorKind) {
        if self.full {
            return;
        }
        if self.errors.len() == crate::cx::MAX_REPORTED_ERRORS {
            let shown = crate::cx::MAX_REPORTED_ERRORS;
            self.errors.push(SurveyError { line, column, kind: SurveyErrorKind::TooManyErrors { shown } });
            self.full = true;
            return;
        }
        self.errors.push(SurveyError { line, column, kind });
    }

    /// True once the list holds its maximum: the caller may stop looking.
    pub(crate) fn is_full(&self) -> bool {
        self.full
    }

    /// True when an error is already listed at `line`.
    pub(crate) fn has_line(&self, line: usize) -> bool {
        self.errors.iter().any(|error| error.line == line)
    }

    pub(crate) fn len(&self) -> usize {
        self.errors.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub(crate) fn into_vec(self) -> Vec<SurveyError> {
        self.errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_long_text_on_a_character_boundary() {
        assert_eq!(shorten("  short  "), "short");
        let long = "è".repeat(MAX_QUOTED_CHARS + 5);
        let shortened = shorten(&long);
        assert_eq!(shortened.chars().count(), MAX_QUOTED_CHARS + 1);
        assert!(shortened.ends_with('…'));
    }

    #[test]
    fn the_error_list_stops_after_the_maximum() {
        let mut list = ErrorList::default();
        for line in 0..crate::cx::MAX_REPORTED_ERRORS + 10 {
            list.push(line + 1, 1, SurveyErrorKind::EmptyField { what: "team" });
        }
        assert!(list.is_full());
        let errors = list.into_vec();
        assert_eq!(errors.len(), crate::cx::MAX_REPORTED_ERRORS + 1);
        assert_eq!(
            errors.last().map(|error| &error.kind),
            Some(&SurveyErrorKind::TooManyErrors { shown: crate::cx::MAX_REPORTED_ERRORS })
        );
    }
}
