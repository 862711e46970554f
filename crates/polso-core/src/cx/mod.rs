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
//!   header names recognisable); a tab-separated file is refused as a single column. Records are
//!   read by the `csv` crate: a field whose first character is `"` is quoted, with `""` for a quote
//!   inside, and may hold separators and line breaks (a `"` after spaces at a field's start is
//!   text, as RFC 4180 and spreadsheets read it). Lines end with `\n`, `\r\n` or a lone `\r`. A
//!   quote never closed, and text after a closing quote, are errors where the field is.
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
//! Every [`CxImportError`] has a 1-based line (the physical line the record starts on, as an editor
//! counts lines: a quoted line break moves the next record's line on) and a 1-based column: the CSV
//! column (field) number, as a spreadsheet shows it. The one exception is text that is not UTF-8,
//! where the column is the byte position in the line. At most [`MAX_REPORTED_ERRORS`] errors are
//! listed; then parsing stops.
//!
//! # Cost
//!
//! The header is read once for each separator tried, the rows in one pass; each record is read into
//! one buffer kept from record to record, so the text is never copied whole. Memory grows with the
//! number of distinct (team, week, metric) keys, not with the file.
//!
//! # Layout of the module
//!
//! One file per concern, each depending only on those above it: [`label`] (folding labels for
//! comparison), [`metric`] (the metrics and their scales), [`model`] (what an import gives),
//! [`error`] (where and what), [`fields`] (a field's length, numbers and dates), [`teams`] (team
//! names matched), [`records`] (bytes to records with their lines, on the `csv` crate),
//! [`columns`] (header names to roles and the layout), [`header`] (the header and the
//! separator), [`aggregate`] (rows folded into cells), [`rows`] (one data row read), and this
//! file, which runs them in order.
//!
//! Pure: no IO. The caller reads the file and passes its bytes.

pub(crate) mod aggregate;
mod columns;
mod error;
mod fields;
mod header;
mod label;
mod metric;
mod model;
pub(crate) mod records;
mod rows;
mod teams;

pub use error::{CxErrorKind, CxImportError, DECIMAL_COMMA_HINT, MAX_REPORTED_ERRORS, OTHER_SEPARATOR_HINT};
pub(crate) use fields::length_over;
pub use fields::{MAX_CX_FIELD_CHARS, MAX_CX_OTHER_FIELD_CHARS};
pub(crate) use label::{fold, strip_accent};
pub use metric::{CxMetric, MAX_CUSTOM_METRIC_KEY_LEN};
pub use model::{CxFileFormat, CxImport, CxKey, CxObservation, CxValue};
pub(crate) use teams::TeamMatcher;

use columns::Layout;
use header::read_header;
use records::{CsvRecords, quote_problem};
use rows::RowParser;

/// Parses a CX CSV file (see the module header for what it accepts) against the organisation's
/// team names. Returns every row keyed by (team, week, metric), or every error (at most
/// [`MAX_REPORTED_ERRORS`] and a final [`CxErrorKind::TooManyErrors`]); never both.
pub fn parse_cx_csv<T: AsRef<str>>(bytes: &[u8], teams: &[T]) -> Result<CxImport, Vec<CxImportError>> {
    let text = records::decode(bytes).map_err(|error| vec![error])?;
    if text.trim().is_empty() {
        return Err(vec![CxImportError { line: 1, column: 1, kind: CxErrorKind::EmptyFile }]);
    }
    let header = read_header(text)?;
    let layout = Layout::from_header(&header.names, header.line)?;
    let mut parser = RowParser::new(&header, layout, teams);
    let mut records = CsvRecords::new(text, header.separator);
    let mut record = csv::StringRecord::new();
    while let Some(place) = records.read(&mut record) {
        // The header, and the blank lines above it, each start on a line of their own.
        if place.line <= header.line {
            continue;
        }
        match quote_problem(place.raw, header.separator) {
            Some((field, kind)) => {
                parser.errors.push(CxImportError { line: place.line, column: field + 1, kind })
            }
            None => parser.row(place.line, &record),
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
