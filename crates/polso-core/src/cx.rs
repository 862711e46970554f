//! Customer-experience (CX) scores and the parser of the CSV files CX tools and spreadsheets export
//! (DESIGN.md, "What is measured"; issue 4, point 2).
//!
//! [`parse_cx_csv`] takes a file's bytes and the organisation's team names and returns either every
//! row, keyed by (team, ISO week, metric), or every error found (each with its line and column);
//! never some rows and some errors. Because rows are keyed, storing them is an upsert and importing
//! the same file twice changes nothing.
//!
//! # What it reads
//!
//! - **Encoding:** UTF-8, with or without a byte-order mark. (Excel's plain "CSV" in Italian
//!   Windows is Windows-1252; the error says to save as "CSV UTF-8".)
//! - **Separator:** comma or semicolon, chosen from the header line (the one that makes more
//!   header names recognisable). Fields may be quoted with `"`, with `""` for a quote inside; a
//!   quoted field may hold separators and line breaks.
//! - **Header names,** in English or Italian, case, accents, spaces and punctuation ignored:
//!   team (`team`, `squadra`, `gruppo`), week (`week`, `settimana`), date (`date`, `data`,
//!   `giorno`), metric (`metric`, `metrica`, `indicatore`), value (`value`, `valore`),
//!   n (`n`, `responses`, `risposte`, `count`, `conteggio`, `numero risposte`), score (`score`,
//!   `punteggio`, `rating`, `voto`, `valutazione`). Other columns are ignored.
//! - **Two formats,** told apart by the header:
//!   - *aggregated rows* (a `value` column): team, week or date, metric, value, n. One row per
//!     (team, week, metric); a date stands for the ISO week that contains it. Values are checked
//!     against the metric's scale: NPS −100 to 100, CSAT 0 to 100 (percent satisfied), CES 1 to 7,
//!     FCR 0 to 100 (percent); custom metrics take any finite number.
//!   - *raw responses* (a `score` column, no `value`): team, date (or week), score, and optionally
//!     metric (NPS, CSAT or CES). Without a metric column every score is an NPS answer, and the
//!     file is refused ([`CxErrorKind::ScoresNotNps`], at the score column's header) when no score
//!     is above 7: a CSAT column renamed `score` (answers 1 to 5) would otherwise be stored as NPS
//!     −100. Scores are whole numbers on the metric's scale and are folded per (team, ISO week,
//!     metric) into:
//!     - **NPS** (0–10 "how likely are you to recommend"): % promoters (9–10) − % detractors
//!       (0–6), from −100 to 100;
//!     - **CSAT** (1–5 satisfaction): % of answers that are 4 or 5 ("satisfied" or "very
//!       satisfied", the usual top-two-box definition), from 0 to 100;
//!     - **CES** (1–7 "the company made it easy for me", CES 2.0): the mean score, higher is easier.
//!
//!     A metric named by effort alone (`sforzo`, `sforzo del cliente`, `effort`) is refused
//!     ([`CxErrorKind::EffortDirectionUnknown`], in both formats): such a question is often asked
//!     "how much effort", where a higher answer is more effort, the opposite of Polso's CES, and
//!     the file does not say which. Such answers import through a column mapping
//!     ([`crate::survey`]) that says a higher answer is more effort. The standard names of CES
//!     (`CES`, `customer effort score`, `effort score`) are read as CES.
//! - **Numbers** with a decimal point or a decimal comma (`4.5`, `4,5`), an optional trailing `%`;
//!   no thousands separators (`1.234,5` is refused as ambiguous). Counts are whole numbers from 1.
//! - **Dates** as ISO `2026-11-23` or Italian `23/11/2026` (also `23.11.2026`, `23-11-2026`),
//!   optionally followed by a time after `T` or a space, which is ignored. Never month first.
//! - **Weeks** as `2026-W48`.
//! - **Teams** matched to the organisation's team names ignoring case and surrounding or repeated
//!   spaces; an unknown team is an error that names the closest known team.
//!
//! - **Lengths:** a header name or a field of a column read has at most [`MAX_CX_FIELD_CHARS`]
//!   characters, a field of any other column [`MAX_CX_OTHER_FIELD_CHARS`]; a longer one is an
//!   error at its line and column, and its text is not repeated (nor matched against team names).
//!
//! Blank lines, and lines whose fields are all empty (spreadsheets leave these), are skipped.
//!
//! # Line and column
//!
//! Every [`CxImportError`] has a 1-based line (the physical line the record starts on, counting the
//! header as line 1) and a 1-based column: the CSV column (field) number, as a spreadsheet shows it.
//! The one exception is text that is not UTF-8, where the column is the byte position in the line.
//! At most [`MAX_REPORTED_ERRORS`] errors are listed; then parsing stops.
//!
//! # Cost
//!
//! One pass over the text, no copy of it: fields are borrowed unless a quote inside must be
//! unescaped. Memory grows with the number of distinct (team, week, metric) keys, not with the file.
//!
//! Pure: no IO. The caller reads the file and passes its bytes.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::NaiveDate;

use crate::week::IsoWeek;

/// The hint of a [`CxErrorKind::WrongFieldCount`] with more fields than the
/// header in a comma-separated file.
pub const DECIMAL_COMMA_HINT: &str =
    "; a decimal comma in a comma-separated file must be inside quotes, as \"4,5\"";

/// The hint of a [`CxErrorKind::WrongFieldCount`] whose row is one field.
pub const OTHER_SEPARATOR_HINT: &str = "; is the file separated by another character?";

/// At most this many errors are reported; a file with more gets a final [`CxErrorKind::TooManyErrors`].
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Longest key of a custom CX metric, in bytes.
pub const MAX_CUSTOM_METRIC_KEY_LEN: usize = 64;

/// Longest text of a header name, and of a field in a column Polso reads (team, week or date,
/// metric, value, n, score), in characters. Team names have at most 100.
pub const MAX_CX_FIELD_CHARS: usize = 200;

/// Longest text of a field in a column Polso ignores (a customer's comment, say), in characters.
pub const MAX_CX_OTHER_FIELD_CHARS: usize = 4_000;

/// A customer-experience metric.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CxMetric {
    /// Net Promoter Score: % promoters (9–10) − % detractors (0–6) on the 0–10 "would you recommend"
    /// question, from −100 to 100. Net Promoter® and NPS® are registered trademarks, and Net Promoter
    /// Score℠ a service mark, of Bain & Company, Inc., NICE Systems, Inc. and Fred Reichheld.
    Nps,
    /// Customer satisfaction: % of answers 4 or 5 on a 1–5 scale, from 0 to 100.
    Csat,
    /// Customer effort score: the mean of a 1–7 "it was easy" scale, higher is easier.
    Ces,
    /// First-contact resolution: % of contacts resolved at the first contact, from 0 to 100.
    FirstContactResolution,
    /// Any other metric, by its key (lowercase letters, digits and `_`).
    Custom(String),
}

/// One CX cell: a team's score on one CX metric in one week (as imported).
#[derive(Debug, Clone, PartialEq)]
pub struct CxObservation {
    /// The team, by a name or id that is the same in the EX observations.
    pub team: String,
    /// The ISO week the customers' answers fell in.
    pub week: IsoWeek,
    /// The CX metric.
    pub metric: CxMetric,
    /// The score (NPS −100 to 100, CSAT 0–100 %, CES 1–7, or a custom metric's own scale).
    pub value: f64,
    /// How many customer responses the score summarises, when the source says (`None`: not known,
    /// the cell is kept). A cell with fewer than [`crate::linkage::MIN_CX_RESPONSES`] is left out of the linkage and
    /// counted ([`crate::linkage::LinkageGrid::cx_cells_too_few_responses`]).
    pub n_responses: Option<u32>,
}

impl CxMetric {
    /// The metric's stable key: `nps`, `csat`, `ces`, `fcr` or the custom key.
    pub fn key(&self) -> &str {
        match self {
            CxMetric::Nps => "nps",
            CxMetric::Csat => "csat",
            CxMetric::Ces => "ces",
            CxMetric::FirstContactResolution => "fcr",
            CxMetric::Custom(key) => key,
        }
    }

    /// The metric a label names, in English or Italian (`NPS`, `Net Promoter Score`, `CSAT`,
    /// `soddisfazione`, `CES`, `customer effort score`, `FCR`, `risoluzione al primo contatto`…),
    /// or a custom metric whose key is the label in lowercase with `_` between words. `None` for a
    /// label with no letter or digit, or a key longer than [`MAX_CUSTOM_METRIC_KEY_LEN`].
    pub fn from_label(label: &str) -> Option<CxMetric> {
        let folded = fold(label);
        let metric = match folded.as_str() {
            "" => return None,
            "nps" | "netpromoterscore" => CxMetric::Nps,
            "csat"
            | "customersatisfaction"
            | "customersatisfactionscore"
            | "soddisfazione"
            | "soddisfazionecliente"
            | "soddisfazionedelcliente" => CxMetric::Csat,
            "ces" | "customereffortscore" | "effortscore" | "sforzo" | "sforzodelcliente" => CxMetric::Ces,
            "fcr" | "firstcontactresolution" | "risoluzionealprimocontatto" => {
                CxMetric::FirstContactResolution
            }
            _ => {
                let key = custom_key(label);
                if key.is_empty() || key.len() > MAX_CUSTOM_METRIC_KEY_LEN {
                    return None;
                }
                CxMetric::Custom(key)
            }
        };
        Some(metric)
    }

    /// The range an aggregated value must lie in, when the metric has a fixed scale.
    pub fn value_range(&self) -> Option<(f64, f64)> {
        match self {
            CxMetric::Nps => Some((-100.0, 100.0)),
            CxMetric::Csat | CxMetric::FirstContactResolution => Some((0.0, 100.0)),
            CxMetric::Ces => Some((1.0, 7.0)),
            CxMetric::Custom(_) => None,
        }
    }

    /// The answer scale of a raw response, for the metrics that can be computed from responses.
    pub fn response_scale(&self) -> Option<(u8, u8)> {
        match self {
            CxMetric::Nps => Some((0, 10)),
            CxMetric::Csat => Some((1, 5)),
            CxMetric::Ces => Some((1, 7)),
            CxMetric::FirstContactResolution | CxMetric::Custom(_) => None,
        }
    }
}

impl fmt::Display for CxMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CxMetric::Nps => f.write_str("NPS"),
            CxMetric::Csat => f.write_str("CSAT"),
            CxMetric::Ces => f.write_str("CES"),
            CxMetric::FirstContactResolution => f.write_str("FCR"),
            CxMetric::Custom(key) => f.write_str(key),
        }
    }
}

/// Which of the two layouts a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CxFileFormat {
    /// One row per (team, week or date, metric) with a value and a response count.
    Aggregated,
    /// One row per customer answer (team, date, score, optional metric).
    RawResponses,
}

/// The key a CX row is stored under: importing it again replaces it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CxKey {
    /// The team, spelled as in the organisation's list.
    pub team: String,
    /// The ISO week.
    pub week: IsoWeek,
    /// The metric.
    pub metric: CxMetric,
}

/// A CX row's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CxValue {
    /// The score on the metric's scale.
    pub value: f64,
    /// How many customer responses it summarises.
    pub n_responses: u32,
    /// The line of the file it came from (the first response's line, for raw responses).
    pub first_line: usize,
}

/// A successfully parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct CxImport {
    /// The layout detected from the header.
    pub format: CxFileFormat,
    /// The separator detected from the header: `,` or `;`.
    pub separator: char,
    /// Every row, keyed by (team, week, metric).
    pub rows: BTreeMap<CxKey, CxValue>,
}

impl CxImport {
    /// The rows as observations for [`crate::linkage`].
    pub fn observations(&self) -> Vec<CxObservation> {
        self.rows
            .iter()
            .map(|(key, value)| CxObservation {
                team: key.team.clone(),
                week: key.week,
                metric: key.metric.clone(),
                value: value.value,
                n_responses: Some(value.n_responses),
            })
            .collect()
    }
}

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
    /// A header name or field is longer than its cap ([`MAX_CX_FIELD_CHARS`],
    /// [`MAX_CX_OTHER_FIELD_CHARS`]); its text is not repeated.
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

/// Parses a CX CSV file (see the module header for what it accepts) against the organisation's
/// team names. Returns every row keyed by (team, week, metric), or every error (at most
/// [`MAX_REPORTED_ERRORS`] and a final [`CxErrorKind::TooManyErrors`]); never both.
pub fn parse_cx_csv<T: AsRef<str>>(bytes: &[u8], teams: &[T]) -> Result<CxImport, Vec<CxImportError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text =
        std::str::from_utf8(bytes).map_err(|error| vec![not_utf8_error(bytes, error.valid_up_to())])?;
    if text.trim().is_empty() {
        return Err(vec![CxImportError { line: 1, column: 1, kind: CxErrorKind::EmptyFile }]);
    }
    let (separator, header_line, header_fields, data_start) = read_header(text)?;
    let layout = Layout::from_header(&header_fields, header_line)?;
    let team_matcher = TeamMatcher::new(teams);
    let field_caps = header_fields
        .iter()
        .map(|name| match ColumnRole::from_header(name) {
            Some(role) => (role.name().to_owned(), MAX_CX_FIELD_CHARS),
            None => (format!("field of column '{name}'"), MAX_CX_OTHER_FIELD_CHARS),
        })
        .collect();
    let mut parser = RowParser {
        layout,
        field_caps,
        separator,
        team_matcher,
        errors: Vec::new(),
        aggregated: HashMap::new(),
        tallies: HashMap::new(),
        rows_seen: 0,
        header_line,
        max_score_without_metric: None,
    };
    let mut records = Records::new(text, separator, data_start, header_line + 1);
    let mut fields = Vec::new();
    while let Some(record) = records.next_record(&mut fields) {
        match record {
            Ok(line) => parser.row(line, &fields),
            Err(error) => parser.errors.push(error),
        }
        if parser.errors.len() >= MAX_REPORTED_ERRORS {
            parser.errors.truncate(MAX_REPORTED_ERRORS);
            let line = parser.errors.last().map_or(1, |error| error.line);
            parser.errors.push(CxImportError {
                line,
                column: 1,
                kind: CxErrorKind::TooManyErrors { shown: MAX_REPORTED_ERRORS },
            });
            break;
        }
    }
    parser.finish(teams)
}

/// Where the bytes stop being UTF-8, as (line, byte in line).
fn not_utf8_error(bytes: &[u8], valid_up_to: usize) -> CxImportError {
    let before = &bytes[..valid_up_to];
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&byte| byte == b'\n').map_or(0, |position| position + 1);
    CxImportError { line, column: valid_up_to - line_start + 1, kind: CxErrorKind::NotUtf8 }
}

/// Finds the header (the first non-blank record), picks the separator, and returns
/// (separator, header line, header fields, byte offset of the first data record).
fn read_header(text: &str) -> Result<(u8, usize, Vec<String>, usize), Vec<CxImportError>> {
    let mut best: Option<(u8, usize, Vec<String>, usize, usize)> = None;
    let mut first_error = None;
    for separator in [b',', b';'] {
        let mut records = Records::new(text, separator, 0, 1);
        let mut fields = Vec::new();
        let header = loop {
            match records.next_record(&mut fields) {
                None => break None,
                Some(Err(error)) => {
                    // A quote error with one separator may be fine with the other.
                    first_error.get_or_insert(error);
                    break None;
                }
                Some(Ok(line)) if !fields.iter().all(|field| field.trim().is_empty()) => break Some(line),
                Some(Ok(_)) => {}
            }
        };
        let Some(header) = header else { continue };
        let names: Vec<String> = fields.iter().map(|field| field.trim().to_owned()).collect();
        let recognised = names.iter().filter(|name| ColumnRole::from_header(name).is_some()).count();
        let better = match &best {
            None => true,
            Some((_, _, best_names, _, best_recognised)) => {
                (recognised, names.len()) > (*best_recognised, best_names.len())
            }
        };
        if better {
            best = Some((separator, header, names, records.position, recognised));
        }
    }
    let Some((separator, line, names, data_start, _)) = best else {
        let error = first_error.unwrap_or(CxImportError { line: 1, column: 1, kind: CxErrorKind::EmptyFile });
        return Err(vec![error]);
    };
    // Before anything repeats a header name in an error.
    let too_long: Vec<CxImportError> = names
        .iter()
        .enumerate()
        .filter_map(|(index, name)| {
            let length = length_over(name, MAX_CX_FIELD_CHARS)?;
            let column_name = "header name".to_owned();
            let kind = CxErrorKind::FieldTooLong { column_name, length, max: MAX_CX_FIELD_CHARS };
            Some(CxImportError { line, column: index + 1, kind })
        })
        .collect();
    if !too_long.is_empty() {
        return Err(too_long);
    }
    if names.len() == 1 {
        return Err(vec![CxImportError {
            line,
            column: 1,
            kind: CxErrorKind::SingleColumnHeader { header: names[0].clone() },
        }]);
    }
    Ok((separator, line, names, data_start))
}

/// What a header column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ColumnRole {
    Team,
    Week,
    Date,
    Metric,
    Value,
    Count,
    Score,
}

impl ColumnRole {
    fn from_header(name: &str) -> Option<ColumnRole> {
        let role = match fold(name).as_str() {
            "team" | "squadra" | "teamname" | "nometeam" | "nomesquadra" | "gruppo" | "group" => {
                ColumnRole::Team
            }
            "week" | "settimana" | "isoweek" | "settimanaiso" | "weekiso" => ColumnRole::Week,
            "date" | "data" | "giorno" | "day" | "responsedate" | "datarisposta" | "surveydate" => {
                ColumnRole::Date
            }
            "metric" | "metrica" | "indicatore" | "measure" | "misura" | "kpi" => ColumnRole::Metric,
            "value" | "valore" => ColumnRole::Value,
            "n" | "responses" | "risposte" | "count" | "conteggio" | "nresponses" | "numberofresponses"
            | "numerorisposte" | "numrisposte" | "nrisposte" | "respondents" | "rispondenti" => {
                ColumnRole::Count
            }
            "score" | "punteggio" | "rating" | "voto" | "valutazione" => ColumnRole::Score,
            _ => return None,
        };
        Some(role)
    }

    fn name(self) -> &'static str {
        match self {
            ColumnRole::Team => "team",
            ColumnRole::Week => "week",
            ColumnRole::Date => "date",
            ColumnRole::Metric => "metric",
            ColumnRole::Value => "value",
            ColumnRole::Count => "n",
            ColumnRole::Score => "score",
        }
    }
}

/// Where the columns are (0-based field indexes) and which format the file has.
#[derive(Debug, Clone, Copy)]
struct Layout {
    format: CxFileFormat,
    field_count: usize,
    team: usize,
    /// The week or date column, and whether it holds dates.
    period: (usize, bool),
    metric: Option<usize>,
    value: usize,
    count: Option<usize>,
}

impl Layout {
    fn from_header(names: &[String], line: usize) -> Result<Layout, Vec<CxImportError>> {
        let mut columns: HashMap<ColumnRole, usize> = HashMap::new();
        let mut errors = Vec::new();
        for (index, name) in names.iter().enumerate() {
            let Some(role) = ColumnRole::from_header(name) else { continue };
            if let Some(first) = columns.insert(role, index) {
                columns.insert(role, first);
                errors.push(CxImportError {
                    line,
                    column: index + 1,
                    kind: CxErrorKind::DuplicateColumn { name: name.clone(), first_column: first + 1 },
                });
            }
        }
        let get = |role: ColumnRole| columns.get(&role).copied();
        if let (Some(_), Some(date)) = (get(ColumnRole::Week), get(ColumnRole::Date)) {
            errors.push(CxImportError { line, column: date + 1, kind: CxErrorKind::WeekAndDate });
        }
        let format = if get(ColumnRole::Value).is_none() && get(ColumnRole::Score).is_some() {
            CxFileFormat::RawResponses
        } else {
            CxFileFormat::Aggregated
        };
        let mut missing = Vec::new();
        if get(ColumnRole::Team).is_none() {
            missing.push("team");
        }
        if get(ColumnRole::Week).is_none() && get(ColumnRole::Date).is_none() {
            missing.push(if format == CxFileFormat::Aggregated { "week or date" } else { "date" });
        }
        if format == CxFileFormat::Aggregated {
            for role in [ColumnRole::Metric, ColumnRole::Value, ColumnRole::Count] {
                if get(role).is_none() {
                    missing.push(role.name());
                }
            }
        }
        if !missing.is_empty() {
            errors.push(CxImportError {
                line,
                column: names.len() + 1,
                kind: CxErrorKind::MissingColumns { missing },
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let period = match (get(ColumnRole::Week), get(ColumnRole::Date)) {
            (Some(week), _) => (week, false),
            (None, Some(date)) => (date, true),
            (None, None) => (0, false),
        };
        let value = match format {
            CxFileFormat::Aggregated => get(ColumnRole::Value),
            CxFileFormat::RawResponses => get(ColumnRole::Score),
        };
        Ok(Layout {
            format,
            field_count: names.len(),
            team: get(ColumnRole::Team).unwrap_or(0),
            period,
            metric: get(ColumnRole::Metric),
            value: value.unwrap_or(0),
            count: get(ColumnRole::Count),
        })
    }
}

/// Running counts of raw responses for one (team, week, metric).
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    count: u32,
    sum: u64,
    promoters: u32,
    detractors: u32,
    satisfied: u32,
    first_line: usize,
}

impl Tally {
    fn value(&self, metric: &CxMetric) -> f64 {
        let n = f64::from(self.count.max(1));
        match metric {
            CxMetric::Nps => 100.0 * (f64::from(self.promoters) - f64::from(self.detractors)) / n,
            CxMetric::Csat => 100.0 * f64::from(self.satisfied) / n,
            _ => {
                #[allow(clippy::cast_precision_loss, reason = "sums of small scores stay far below 2^52")]
                let sum = self.sum as f64;
                sum / n
            }
        }
    }
}

type RowKey = (usize, IsoWeek, CxMetric);

struct RowParser {
    layout: Layout,
    /// Per column: what a too long field is called, and the cap.
    field_caps: Vec<(String, usize)>,
    separator: u8,
    team_matcher: TeamMatcher,
    errors: Vec<CxImportError>,
    aggregated: HashMap<RowKey, CxValue>,
    tallies: HashMap<RowKey, Tally>,
    rows_seen: usize,
    header_line: usize,
    /// The highest score of raw responses without a metric column, which must reach above 7.
    max_score_without_metric: Option<u8>,
}

impl RowParser {
    fn error(&mut self, line: usize, field: usize, kind: CxErrorKind) {
        self.errors.push(CxImportError { line, column: field + 1, kind });
    }

    fn row(&mut self, line: usize, fields: &[Cow<'_, str>]) {
        if fields.iter().all(|field| field.trim().is_empty()) {
            return;
        }
        self.rows_seen += 1;
        let expected = self.layout.field_count;
        let extra_fields_blank = fields.iter().skip(expected).all(|field| field.trim().is_empty());
        if fields.len() < expected || !extra_fields_blank {
            let hint = if fields.len() > expected && self.separator == b',' {
                DECIMAL_COMMA_HINT
            } else if fields.len() == 1 {
                OTHER_SEPARATOR_HINT
            } else {
                ""
            };
            let found = fields.len();
            self.error(
                line,
                found.min(expected),
                CxErrorKind::WrongFieldCount { expected, found, separator: char::from(self.separator), hint },
            );
            return;
        }
        let errors_before = self.errors.len();
        // Before any field is matched, parsed or repeated in an error.
        for (index, field) in fields.iter().enumerate().take(expected) {
            let Some((column_name, max)) = self.field_caps.get(index) else { continue };
            if let Some(length) = length_over(field, *max) {
                let kind = CxErrorKind::FieldTooLong { column_name: column_name.clone(), length, max: *max };
                self.error(line, index, kind);
            }
        }
        if self.errors.len() > errors_before {
            return;
        }
        let team = self.team(line, fields);
        let week = self.week(line, fields);
        let metric = self.metric(line, fields);
        match self.layout.format {
            CxFileFormat::Aggregated => {
                let value = self.aggregated_value(line, fields, metric.as_ref());
                let count = self.count(line, fields);
                if let (Some(team), Some(week), Some(metric), Some(value), Some(count)) =
                    (team, week, metric, value, count)
                    && self.errors.len() == errors_before
                {
                    self.insert_aggregated(line, (team, week, metric), value, count);
                }
            }
            CxFileFormat::RawResponses => {
                let score = metric.as_ref().and_then(|metric| self.score(line, fields, metric));
                if self.layout.metric.is_none()
                    && let Some(score) = score
                {
                    self.max_score_without_metric =
                        Some(self.max_score_without_metric.map_or(score, |max| max.max(score)));
                }
                if let (Some(team), Some(week), Some(metric), Some(score)) = (team, week, metric, score)
                    && self.errors.len() == errors_before
                {
                    self.add_response((team, week, metric), score, line);
                }
            }
        }
    }

    fn required<'f>(
        &mut self,
        line: usize,
        fields: &'f [Cow<'_, str>],
        index: usize,
        role: ColumnRole,
    ) -> Option<&'f str> {
        let text = fields.get(index).map_or("", |field| field.trim());
        if text.is_empty() {
            self.error(line, index, CxErrorKind::EmptyField { column_name: role.name() });
            return None;
        }
        Some(text)
    }

    fn team(&mut self, line: usize, fields: &[Cow<'_, str>]) -> Option<usize> {
        let index = self.layout.team;
        let given = self.required(line, fields, index, ColumnRole::Team)?;
        match self.team_matcher.find(given) {
            Some(team) => Some(team),
            None => {
                let closest = self.team_matcher.closest(given);
                self.error(line, index, CxErrorKind::UnknownTeam { given: given.to_owned(), closest });
                None
            }
        }
    }

    fn week(&mut self, line: usize, fields: &[Cow<'_, str>]) -> Option<IsoWeek> {
        let (index, is_date) = self.layout.period;
        let role = if is_date { ColumnRole::Date } else { ColumnRole::Week };
        let given = self.required(line, fields, index, role)?;
        let week =
            if is_date { parse_date(given).map(IsoWeek::containing) } else { given.parse::<IsoWeek>().ok() };
        if week.is_none() {
            let given = given.to_owned();
            let kind = if is_date { CxErrorKind::BadDate { given } } else { CxErrorKind::BadWeek { given } };
            self.error(line, index, kind);
        }
        week
    }

    fn metric(&mut self, line: usize, fields: &[Cow<'_, str>]) -> Option<CxMetric> {
        let Some(index) = self.layout.metric else {
            // Raw responses without a metric column are NPS answers (module header).
            return Some(CxMetric::Nps);
        };
        let given = self.required(line, fields, index, ColumnRole::Metric)?;
        if EFFORT_LABELS.contains(&fold(given).as_str()) {
            self.error(line, index, CxErrorKind::EffortDirectionUnknown { given: given.to_owned() });
            return None;
        }
        let Some(metric) = CxMetric::from_label(given) else {
            self.error(line, index, CxErrorKind::BadMetric { given: given.to_owned() });
            return None;
        };
        if self.layout.format == CxFileFormat::RawResponses && metric.response_scale().is_none() {
            self.error(line, index, CxErrorKind::NotARawMetric { metric });
            return None;
        }
        Some(metric)
    }

    fn aggregated_value(
        &mut self,
        line: usize,
        fields: &[Cow<'_, str>],
        metric: Option<&CxMetric>,
    ) -> Option<f64> {
        let index = self.layout.value;
        let given = self.required(line, fields, index, ColumnRole::Value)?;
        let Some(value) = parse_decimal(given) else {
            self.error(line, index, CxErrorKind::BadNumber { given: given.to_owned() });
            return None;
        };
        if let Some(metric) = metric
            && let Some((min, max)) = metric.value_range()
            && !(min..=max).contains(&value)
        {
            self.error(line, index, CxErrorKind::ValueOutOfRange { metric: metric.clone(), value, min, max });
            return None;
        }
        Some(value)
    }

    fn count(&mut self, line: usize, fields: &[Cow<'_, str>]) -> Option<u32> {
        let index = self.layout.count?;
        let given = self.required(line, fields, index, ColumnRole::Count)?;
        match given.parse::<u32>() {
            Ok(count) if count >= 1 && given.bytes().all(|byte| byte.is_ascii_digit()) => Some(count),
            _ => {
                self.error(line, index, CxErrorKind::BadCount { given: given.to_owned() });
                None
            }
        }
    }

    fn score(&mut self, line: usize, fields: &[Cow<'_, str>], metric: &CxMetric) -> Option<u8> {
        let index = self.layout.value;
        let given = self.required(line, fields, index, ColumnRole::Score)?;
        let (min, max) = metric.response_scale()?;
        let score = parse_decimal(given)
            .filter(|value| value.fract() == 0.0 && (f64::from(min)..=f64::from(max)).contains(value));
        match score {
            // The filter above keeps whole numbers from 0 to 10 only.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "whole, 0 to 10")]
            Some(score) => Some(score as u8),
            None => {
                self.error(
                    line,
                    index,
                    CxErrorKind::BadScore { given: given.to_owned(), metric: metric.clone(), min, max },
                );
                None
            }
        }
    }

    fn insert_aggregated(&mut self, line: usize, key: RowKey, value: f64, n_responses: u32) {
        if let Some(first) = self.aggregated.get(&key) {
            let kind = CxErrorKind::DuplicateRow {
                team: self.team_matcher.names[key.0].clone(),
                week: key.1,
                metric: key.2,
                first_line: first.first_line,
            };
            self.error(line, self.layout.team, kind);
            return;
        }
        self.aggregated.insert(key, CxValue { value, n_responses, first_line: line });
    }

    fn add_response(&mut self, key: RowKey, score: u8, line: usize) {
        let metric = key.2.clone();
        let tally = self.tallies.entry(key).or_insert(Tally { first_line: line, ..Tally::default() });
        tally.count = tally.count.saturating_add(1);
        tally.sum += u64::from(score);
        match metric {
            CxMetric::Nps if score >= 9 => tally.promoters += 1,
            CxMetric::Nps if score <= 6 => tally.detractors += 1,
            CxMetric::Csat if score >= 4 => tally.satisfied += 1,
            _ => {}
        }
    }

    fn finish<T: AsRef<str>>(self, teams: &[T]) -> Result<CxImport, Vec<CxImportError>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        if self.rows_seen == 0 {
            return Err(vec![CxImportError {
                line: self.header_line + 1,
                column: 1,
                kind: CxErrorKind::NoRows,
            }]);
        }
        if let Some(max_seen) = self.max_score_without_metric
            && max_seen <= 7
        {
            return Err(vec![CxImportError {
                line: self.header_line,
                column: self.layout.value + 1,
                kind: CxErrorKind::ScoresNotNps { max_seen },
            }]);
        }
        let team_name = |index: usize| teams[index].as_ref().to_owned();
        let rows: BTreeMap<CxKey, CxValue> = match self.layout.format {
            CxFileFormat::Aggregated => self
                .aggregated
                .into_iter()
                .map(|((team, week, metric), value)| (CxKey { team: team_name(team), week, metric }, value))
                .collect(),
            CxFileFormat::RawResponses => self
                .tallies
                .into_iter()
                .map(|((team, week, metric), tally)| {
                    let value = CxValue {
                        value: tally.value(&metric),
                        n_responses: tally.count,
                        first_line: tally.first_line,
                    };
                    (CxKey { team: team_name(team), week, metric }, value)
                })
                .collect(),
        };
        Ok(CxImport { format: self.layout.format, separator: char::from(self.separator), rows })
    }
}

/// Metric labels (folded) that name effort without saying its direction: refused by
/// [`parse_cx_csv`] (module header). "Sforzo" is Italian for effort.
const EFFORT_LABELS: &[&str] = &["sforzo", "sforzodelcliente", "sforzocliente", "effort", "customereffort"];

/// Matches team names as written in a file to the organisation's teams.
pub(crate) struct TeamMatcher {
    names: Vec<String>,
    exact: HashMap<String, usize>,
    normalized: HashMap<String, usize>,
    closest_cache: HashMap<String, Option<String>>,
}

impl TeamMatcher {
    pub(crate) fn new<T: AsRef<str>>(teams: &[T]) -> TeamMatcher {
        let names: Vec<String> = teams.iter().map(|team| team.as_ref().to_owned()).collect();
        let mut exact = HashMap::new();
        let mut normalized = HashMap::new();
        // The first team wins when two names differ only in case or spacing.
        for (index, name) in names.iter().enumerate().rev() {
            exact.insert(name.trim().to_owned(), index);
            normalized.insert(normalize_team(name), index);
        }
        TeamMatcher { names, exact, normalized, closest_cache: HashMap::new() }
    }

    pub(crate) fn find(&self, given: &str) -> Option<usize> {
        self.exact.get(given).or_else(|| self.normalized.get(&normalize_team(given))).copied()
    }

    pub(crate) fn closest(&mut self, given: &str) -> Option<String> {
        if let Some(cached) = self.closest_cache.get(given) {
            return cached.clone();
        }
        let wanted: Vec<char> = normalize_team(given).chars().collect();
        let closest = self
            .names
            .iter()
            .min_by_key(|name| edit_distance(&wanted, &normalize_team(name).chars().collect::<Vec<char>>()))
            .cloned();
        self.closest_cache.insert(given.to_owned(), closest.clone());
        closest
    }
}

/// The length of `text` in characters, when it is more than `max`.
pub(crate) fn length_over(text: &str, max: usize) -> Option<usize> {
    // A character has at least one byte: most fields are decided without counting.
    if text.len() <= max {
        return None;
    }
    let length = text.chars().count();
    (length > max).then_some(length)
}

/// Lowercase, trimmed, runs of whitespace made one space.
fn normalize_team(name: &str) -> String {
    name.split_whitespace().collect::<Vec<&str>>().join(" ").to_lowercase()
}

/// Levenshtein distance between two character sequences, in O(len_a · len_b) time and O(len_b) memory.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, char_a) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, char_b) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(char_a != char_b);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// A label folded for comparison: lowercase, common Latin accents removed, only letters and digits.
pub(crate) fn fold(label: &str) -> String {
    label.chars().flat_map(char::to_lowercase).map(strip_accent).filter(|c| c.is_alphanumeric()).collect()
}

pub(crate) fn strip_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        other => other,
    }
}

/// A custom metric's key: lowercase, accents removed, runs of other characters made one `_`.
fn custom_key(label: &str) -> String {
    let mut key = String::new();
    let mut pending_separator = false;
    for c in label.chars().flat_map(char::to_lowercase).map(strip_accent) {
        if c.is_ascii_alphanumeric() {
            if pending_separator && !key.is_empty() {
                key.push('_');
            }
            pending_separator = false;
            key.push(c);
        } else {
            pending_separator = true;
        }
    }
    key
}

/// A decimal number with a point or a comma, an optional trailing `%`; no thousands separators.
fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let text = text.strip_suffix('%').map_or(text, str::trim_end);
    if text.is_empty() || text.contains('.') && text.contains(',') || text.matches(',').count() > 1 {
        return None;
    }
    let valid = text
        .bytes()
        .all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b',' | b'-' | b'+' | b'e' | b'E'));
    if !valid || !text.bytes().any(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let value: f64 =
        if text.contains(',') { text.replacen(',', ".", 1).parse().ok()? } else { text.parse().ok()? };
    value.is_finite().then_some(value)
}

/// A date as `2026-11-23` or `23/11/2026` (also `.` or `-` between day, month and year), with an
/// optional time after `T` or a space.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let date_part = text.trim().split(['T', ' ']).next()?;
    let parts: Vec<&str> = date_part.split(['-', '/', '.']).collect();
    let [first, second, third] = parts.as_slice() else { return None };
    let number = |part: &str, max_len: usize| -> Option<u32> {
        if part.is_empty() || part.len() > max_len || !part.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if first.len() == 4 {
        if date_part.contains(['/', '.']) {
            return None;
        }
        let year = i32::try_from(number(first, 4)?).ok()?;
        NaiveDate::from_ymd_opt(year, number(second, 2)?, number(third, 2)?)
    } else if third.len() == 4 {
        let year = i32::try_from(number(third, 4)?).ok()?;
        NaiveDate::from_ymd_opt(year, number(second, 2)?, number(first, 2)?)
    } else {
        None
    }
}

/// A streaming CSV record reader over text, tracking line numbers.
struct Records<'a> {
    text: &'a str,
    separator: u8,
    position: usize,
    line: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, separator: u8, position: usize, line: usize) -> Records<'a> {
        Records { text, separator, position, line }
    }

    /// Reads the next record into `fields`; returns the line it starts on, an error (after which the
    /// reader has moved past the bad record), or `None` at the end of the text.
    fn next_record(&mut self, fields: &mut Vec<Cow<'a, str>>) -> Option<Result<usize, CxImportError>> {
        let bytes = self.text.as_bytes();
        if self.position >= bytes.len() {
            return None;
        }
        let start_line = self.line;
        fields.clear();
        loop {
            // Spaces before an opening quote are allowed.
            let mut field_start = self.position;
            while field_start < bytes.len() && matches!(bytes[field_start], b' ' | b'\t') {
                field_start += 1;
            }
            let field = if bytes.get(field_start) == Some(&b'"') {
                match self.quoted_field(field_start + 1, start_line, fields.len() + 1) {
                    Ok(field) => field,
                    Err(error) => return Some(Err(error)),
                }
            } else {
                let start = self.position;
                let mut end = start;
                while end < bytes.len() && bytes[end] != self.separator && bytes[end] != b'\n' {
                    end += 1;
                }
                self.position = end;
                let field = &self.text[start..end];
                Cow::Borrowed(field.strip_suffix('\r').unwrap_or(field))
            };
            fields.push(field);
            match bytes.get(self.position) {
                Some(&byte) if byte == self.separator => self.position += 1,
                Some(b'\n') => {
                    self.position += 1;
                    self.line += 1;
                    return Some(Ok(start_line));
                }
                _ => return Some(Ok(start_line)),
            }
        }
    }

    /// Reads a quoted field whose text starts at `start` (after the opening quote), leaving the
    /// position at the separator or line end after the closing quote.
    fn quoted_field(
        &mut self,
        start: usize,
        start_line: usize,
        column: usize,
    ) -> Result<Cow<'a, str>, CxImportError> {
        let bytes = self.text.as_bytes();
        let mut owned: Option<String> = None;
        let mut segment_start = start;
        let mut position = start;
        let content = loop {
            match bytes.get(position) {
                None => {
                    self.position = bytes.len();
                    return Err(CxImportError {
                        line: start_line,
                        column,
                        kind: CxErrorKind::UnterminatedQuote,
                    });
                }
                Some(b'"') if bytes.get(position + 1) == Some(&b'"') => {
                    owned.get_or_insert_with(String::new).push_str(&self.text[segment_start..=position]);
                    position += 2;
                    segment_start = position;
                }
                Some(b'"') => {
                    let last = &self.text[segment_start..position];
                    position += 1;
                    break match owned {
                        Some(mut text) => {
                            text.push_str(last);
                            Cow::Owned(text)
                        }
                        None => Cow::Borrowed(last),
                    };
                }
                Some(b'\n') => {
                    self.line += 1;
                    position += 1;
                }
                Some(_) => position += 1,
            }
        };
        while position < bytes.len() && matches!(bytes[position], b' ' | b'\t' | b'\r') {
            position += 1;
        }
        self.position = position;
        match bytes.get(position) {
            None | Some(b'\n') => Ok(content),
            Some(&byte) if byte == self.separator => Ok(content),
            Some(_) => {
                // Skip the rest of the line so the next record starts cleanly.
                while self.position < bytes.len() && bytes[self.position] != b'\n' {
                    self.position += 1;
                }
                if self.position < bytes.len() {
                    self.position += 1;
                    self.line += 1;
                }
                Err(CxImportError { line: start_line, column, kind: CxErrorKind::TextAfterQuote })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_labels_in_both_languages() {
        let cases = [
            ("NPS", Some(CxMetric::Nps)),
            ("Net Promoter Score", Some(CxMetric::Nps)),
            ("csat", Some(CxMetric::Csat)),
            ("Soddisfazione cliente", Some(CxMetric::Csat)),
            ("CES", Some(CxMetric::Ces)),
            ("Risoluzione al primo contatto", Some(CxMetric::FirstContactResolution)),
            ("Tempo di attesa (min)", Some(CxMetric::Custom("tempo_di_attesa_min".to_owned()))),
            ("  ", None),
            ("%%", None),
        ];
        for (label, expected) in cases {
            assert_eq!(CxMetric::from_label(label), expected, "{label}");
        }
        assert_eq!(CxMetric::Custom("x".to_owned()).key(), "x");
        assert_eq!(CxMetric::FirstContactResolution.key(), "fcr");
    }

    #[test]
    fn numbers_dates_and_headers() {
        assert_eq!(parse_decimal("4,5"), Some(4.5));
        assert_eq!(parse_decimal(" -12.25 "), Some(-12.25));
        assert_eq!(parse_decimal("85%"), Some(85.0));
        for bad in ["", "1.234,5", "1,2,3", "abc", "inf", "NaN", "4 5", "-"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("2026-11-23"), date(2026, 11, 23));
        assert_eq!(parse_date("23/11/2026"), date(2026, 11, 23));
        assert_eq!(parse_date("3.1.2027"), date(2027, 1, 3));
        assert_eq!(parse_date("2026-11-23T10:15:00Z"), date(2026, 11, 23));
        assert_eq!(parse_date("23/11/2026 10:15"), date(2026, 11, 23));
        for bad in ["2026/11/23", "11/23/2026", "23/11/26", "2026-02-30", "", "yesterday"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(ColumnRole::from_header(" Settimana "), Some(ColumnRole::Week));
        assert_eq!(ColumnRole::from_header("N. risposte"), Some(ColumnRole::Count));
        assert_eq!(ColumnRole::from_header("PUNTEGGIO"), Some(ColumnRole::Score));
        assert_eq!(ColumnRole::from_header("Metrìca"), Some(ColumnRole::Metric));
        assert_eq!(ColumnRole::from_header("comment"), None);
    }

    #[test]
    fn edit_distance_counts_edits() {
        let chars = |text: &str| text.chars().collect::<Vec<char>>();
        assert_eq!(edit_distance(&chars("support"), &chars("suport")), 1);
        assert_eq!(edit_distance(&chars(""), &chars("abc")), 3);
        assert_eq!(edit_distance(&chars("kitten"), &chars("sitting")), 3);
    }

    #[test]
    fn record_reader_handles_quotes_and_line_breaks() {
        let text = "a;\"b;c\";\"d \"\"e\"\"\"\r\n\"multi\nline\";x\n";
        let mut records = Records::new(text, b';', 0, 1);
        let mut fields = Vec::new();
        assert_eq!(records.next_record(&mut fields), Some(Ok(1)));
        assert_eq!(fields, vec!["a", "b;c", "d \"e\""]);
        assert_eq!(records.next_record(&mut fields), Some(Ok(2)));
        assert_eq!(fields, vec!["multi\nline", "x"]);
        assert_eq!(records.next_record(&mut fields), None);
    }
}
