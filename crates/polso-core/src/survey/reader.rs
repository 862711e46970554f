//! Reads the bytes of a survey export into rows of text fields, each with the line it starts on:
//! [`SurveyFile::read`]. It decides nothing about what the rows mean: how many of them are headers,
//! which column is the team, is for [`super::suggest_mapping`] and the mapping.
//!
//! # What it reads
//!
//! - **Encoding:** UTF-8 with or without a byte-order mark; UTF-16 with a byte-order mark (what
//!   Qualtrics writes for its TSV export). Anything else is [`SurveyErrorKind::NotText`] at the line
//!   and byte where the text stops being readable.
//! - **Separator:** comma, semicolon or tab, chosen from the first lines: the one whose first row has
//!   the most columns, counting only if the next few rows have as many.
//! - **Quotes** as RFC 4180 and every spreadsheet write them (a quoted field may hold separators,
//!   `""` and line breaks), read by the `csv` crate through the CX reader's records
//!   ([`crate::cx::records::CsvRecords`], which gives each row its line); this file adds the checks.
//!   A quote never closed (which the `csv` crate reads as a field running to the end of the file)
//!   is [`SurveyErrorKind::UnclosedQuote`] where its row starts.
//! - **Rows:** blank lines, and rows whose fields are all empty, are skipped. Every other row must
//!   have as many fields as the first row (more are accepted only when they are empty), or it is
//!   [`SurveyErrorKind::WrongFieldCount`] at its line, at the first missing or extra column.
//! - **Size:** at most [`MAX_SURVEY_COLUMNS`] columns (else [`SurveyErrorKind::TooManyColumns`] on
//!   the first line) and [`MAX_SURVEY_ROWS`] rows of answers below the header rows, counting the
//!   most header rows a tool writes (else [`SurveyErrorKind::TooManyRows`] at the first row past
//!   them). Each row is kept as one string and its fields' end offsets, only as many fields as the
//!   first row has, so the rows cost the file's text and a few words a row
//!   ([`SurveyFile::stored_bytes`]).
//! - **Lengths:** a field of the first [`super::MAX_HEADER_ROWS`] rows (header names and question
//!   texts) has at most [`MAX_CX_OTHER_FIELD_CHARS`] characters. Fields of the rows below are
//!   capped only where the mapping reads them ([`super::apply`]): customers' comments may be long,
//!   and a column Polso never reads is never parsed, matched or repeated in an error.
//!
//! # Line and column
//!
//! The line of a row is the physical line it starts on (a quoted line break makes a row span
//! lines; a line ends with `\n`, `\r\n` or a lone `\r`), counting from 1; columns count from 1. At most [`crate::cx::MAX_REPORTED_ERRORS`] errors
//! are listed.
//!
//! Pure: no IO. Memory is about the size of the text (see **Size**).

use std::borrow::Cow;

use crate::cx::records::CsvRecords;
use crate::cx::{MAX_CX_FIELD_CHARS, MAX_CX_OTHER_FIELD_CHARS, length_over};

use super::error::{ErrorList, SurveyError, SurveyErrorKind, shorten};
use super::{MAX_HEADER_ROWS, MAX_SURVEY_COLUMNS, MAX_SURVEY_ROWS};

/// The hint of a [`super::SurveyErrorKind::WrongFieldCount`] whose row likely
/// runs on past a quote left open.
pub const UNCLOSED_QUOTE_HINT: &str = "; is a quote (\") not closed?";

/// A survey export read into rows; see the module header for what is accepted.
#[derive(Debug, Clone)]
pub struct SurveyFile {
    separator: u8,
    field_count: usize,
    records: Vec<SurveyRecord>,
}

/// One row of the file (header or answers), stored compactly: the row's fields one after the
/// other in one string, and where each field ends in it. A row costs its text, four bytes a field
/// and a few words, so a file read costs about its own size.
#[derive(Debug, Clone)]
pub struct SurveyRecord {
    line: usize,
    text: Box<str>,
    /// The end of each field in `text`, in bytes; field `i` starts where field `i - 1` ends.
    ends: Box<[u32]>,
}

impl SurveyRecord {
    /// The physical line the row starts on, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The field in 0-based column `index`, untrimmed; empty past the row's end.
    pub fn field(&self, index: usize) -> &str {
        let Some(&end) = self.ends.get(index) else { return "" };
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        // The offsets were taken at field boundaries of this very text.
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    /// The number of fields in the row.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True for a row with no fields (never produced by [`SurveyFile::read`]).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The fields in order.
    fn fields(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|index| self.field(index))
    }

    /// The first `keep` fields of `fields` (a row's further fields are empty when it is accepted),
    /// or `None` for a row of 4 GiB or more, whose offsets do not fit.
    fn compact(line: usize, fields: &csv::StringRecord, keep: usize) -> Option<SurveyRecord> {
        let kept = fields.iter().take(keep);
        let mut text = String::with_capacity(kept.clone().map(str::len).sum());
        let mut ends = Vec::with_capacity(keep.min(fields.len()));
        for field in kept {
            text.push_str(field);
            ends.push(u32::try_from(text.len()).ok()?);
        }
        Some(SurveyRecord { line, text: text.into_boxed_str(), ends: ends.into_boxed_slice() })
    }

    /// The bytes this row holds: its text, its offsets and the record itself.
    fn stored_bytes(&self) -> usize {
        std::mem::size_of::<SurveyRecord>() + self.text.len() + std::mem::size_of_val(&*self.ends)
    }
}

impl SurveyFile {
    /// Reads a survey export's bytes. Returns every row, or every error found (at most
    /// [`crate::cx::MAX_REPORTED_ERRORS`] and a final [`SurveyErrorKind::TooManyErrors`]).
    pub fn read(bytes: &[u8]) -> Result<SurveyFile, Vec<SurveyError>> {
        let text = decode(bytes).map_err(|error| vec![error])?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        if text.trim().is_empty() {
            return Err(vec![SurveyError { line: 1, column: 1, kind: SurveyErrorKind::EmptyFile }]);
        }
        let separator = choose_separator(text);
        let mut errors = ErrorList::default();
        let mut records: Vec<SurveyRecord> = Vec::new();
        let mut field_count = 0;
        for (line, fields) in CsvRecords::new(text, separator) {
            if fields.iter().all(|field| field.trim().is_empty()) {
                continue;
            }
            if records.is_empty() {
                field_count = fields.len();
                if field_count == 1 {
                    let header = shorten(fields.get(0).unwrap_or(""));
                    errors.push(line, 1, SurveyErrorKind::SingleColumn { header });
                    break;
                }
                if field_count > MAX_SURVEY_COLUMNS {
                    let kind =
                        SurveyErrorKind::TooManyColumns { count: field_count, max: MAX_SURVEY_COLUMNS };
                    errors.push(line, MAX_SURVEY_COLUMNS + 1, kind);
                    break;
                }
            }
            if records.len() == MAX_SURVEY_ROWS + MAX_HEADER_ROWS {
                errors.push(line, 1, SurveyErrorKind::TooManyRows { max: MAX_SURVEY_ROWS });
                break;
            }
            check_row(&fields, line, field_count, separator, records.len(), &mut errors);
            if errors.is_full() {
                break;
            }
            match SurveyRecord::compact(line, &fields, field_count) {
                Some(record) => records.push(record),
                None => {
                    let length = fields.as_slice().chars().count();
                    let kind = SurveyErrorKind::FieldTooLong {
                        what: "row".to_owned(),
                        length,
                        max: u32::MAX as usize,
                    };
                    errors.push(line, 1, kind);
                    break;
                }
            }
        }
        if let Some(last) = records.last()
            && !errors.is_full()
            && !errors.has_line(last.line)
            && let Some(index) = unclosed_quote(text, last)
        {
            errors.push(last.line, index + 1, SurveyErrorKind::UnclosedQuote);
        }
        if !errors.is_empty() {
            return Err(errors.into_vec());
        }
        Ok(SurveyFile { separator, field_count, records })
    }

    /// The separator detected: `,`, `;` or a tab.
    pub fn separator(&self) -> char {
        char::from(self.separator)
    }

    /// The number of columns (fields of the first row).
    pub fn field_count(&self) -> usize {
        self.field_count
    }

    /// Every row that is not blank, headers included, in file order.
    pub fn records(&self) -> &[SurveyRecord] {
        &self.records
    }

    /// The bytes the rows hold: their text, field offsets and per-row bookkeeping (not the
    /// allocator's own overhead). Tests use it to check that a file costs about its size.
    pub fn stored_bytes(&self) -> usize {
        self.records.iter().map(SurveyRecord::stored_bytes).sum::<usize>() + std::mem::size_of::<SurveyFile>()
    }

    /// The name of every column when the file has `header_rows` header rows: the first row's text,
    /// trimmed. Where the first row is empty (SurveyMonkey writes a question's text above its first
    /// column only), the name is the last non-empty name to its left, ` - ` and the second row's
    /// text, as in `How satisfied were you? - Delivery`, cut to [`MAX_CX_FIELD_CHARS`] characters
    /// (so a long question above many columns is not repeated in full for each); a column with
    /// neither stays `""`.
    pub fn column_names(&self, header_rows: usize) -> Vec<String> {
        let first = self.records.first();
        let second = if header_rows >= 2 { self.records.get(1) } else { None };
        let mut names = Vec::with_capacity(self.field_count);
        let mut last_named = "";
        for index in 0..self.field_count {
            let name = first.map_or("", |record| record.field(index).trim());
            if !name.is_empty() {
                last_named = name;
                names.push(name.to_owned());
                continue;
            }
            let below = second.map_or("", |record| record.field(index).trim());
            names.push(match (last_named.is_empty(), below.is_empty()) {
                (_, true) => String::new(),
                (true, false) => below.to_owned(),
                (false, false) => {
                    let joined = [last_named, " - ", below].into_iter().flat_map(str::chars);
                    joined.take(MAX_CX_FIELD_CHARS).collect::<String>().trim_end().to_owned()
                }
            });
        }
        names
    }
}

/// Checks a row's field count, and a header row's lengths.
fn check_row(
    fields: &csv::StringRecord,
    line: usize,
    expected: usize,
    separator: u8,
    row_index: usize,
    errors: &mut ErrorList,
) {
    let found = fields.len();
    let extra_blank = fields.iter().skip(expected).all(|field| field.trim().is_empty());
    if found < expected || !extra_blank {
        let hint = if found > expected && separator == b',' {
            crate::cx::DECIMAL_COMMA_HINT
        } else if found > expected || line_span_hint(fields) {
            UNCLOSED_QUOTE_HINT
        } else {
            ""
        };
        let separator = char::from(separator);
        let kind = SurveyErrorKind::WrongFieldCount { expected, found, separator, hint };
        errors.push(line, found.min(expected) + 1, kind);
        return;
    }
    if row_index < MAX_HEADER_ROWS {
        for (index, field) in fields.iter().enumerate() {
            if let Some(length) = length_over(field, MAX_CX_OTHER_FIELD_CHARS) {
                let what = "header text".to_owned();
                let kind = SurveyErrorKind::FieldTooLong { what, length, max: MAX_CX_OTHER_FIELD_CHARS };
                errors.push(line, index + 1, kind);
            }
        }
    }
}

/// The field of the last row that an unclosed quote made run to the end of the file: the text has
/// an odd number of `"` (closed quotes and `""` come in pairs) and that field holds a line break.
/// The `csv` crate reads such a field without complaint.
fn unclosed_quote(text: &str, last: &SurveyRecord) -> Option<usize> {
    let quotes_odd = text.bytes().filter(|&byte| byte == b'"').count() % 2 == 1;
    quotes_odd.then(|| last.fields().position(|field| field.contains('\n'))).flatten()
}

/// True when a field holds a line break, as a field swallowed by an unclosed quote does.
fn line_span_hint(fields: &csv::StringRecord) -> bool {
    fields.iter().any(|field| field.contains('\n'))
}

/// The separator that splits the first rows best: the most columns in the first row, counted once
/// for every one of the first few rows that has as many (so a comma in a semicolon-separated
/// file's question text does not win); comma, then semicolon, then tab on a tie.
fn choose_separator(text: &str) -> u8 {
    const ROWS_LOOKED_AT: usize = 5;
    let mut best = (b',', 0);
    for separator in [b',', b';', b'\t'] {
        let counts: Vec<usize> = CsvRecords::new(text, separator)
            .filter(|(_, fields)| !fields.iter().all(|field| field.trim().is_empty()))
            .take(ROWS_LOOKED_AT)
            .map(|(_, fields)| fields.len())
            .collect();
        let first = counts.first().copied().unwrap_or(0);
        let alike = counts.iter().filter(|&&count| count == first).count();
        let score = if first > 1 { first * alike } else { 0 };
        if score > best.1 {
            best = (separator, score);
        }
    }
    best.0
}

/// The bytes as text: UTF-8 (a byte-order mark is removed later) or UTF-16 with a byte-order mark.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, SurveyError> {
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, true)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, false)),
        _ => None,
    };
    if let Some((rest, little_endian)) = utf16 {
        return decode_utf16(rest, little_endian).map(Cow::Owned);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(error) => {
            let before = &bytes[..error.valid_up_to()];
            let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
            let line_start =
                before.iter().rposition(|&byte| byte == b'\n').map_or(0, |position| position + 1);
            let column = error.valid_up_to() - line_start + 1;
            Err(SurveyError { line, column, kind: SurveyErrorKind::NotText })
        }
    }
}

fn decode_utf16(bytes: &[u8], little_endian: bool) -> Result<String, SurveyError> {
    let units = bytes.chunks(2).map(|pair| match (pair, little_endian) {
        ([low, high], true) => Some(u16::from_le_bytes([*low, *high])),
        ([high, low], false) => Some(u16::from_be_bytes([*high, *low])),
        _ => None,
    });
    let mut text = String::with_capacity(bytes.len() / 2);
    // Where an error is: the line, and the character in it.
    let (mut line, mut column) = (1, 1);
    for unit in char::decode_utf16(units.map_while(|unit| unit)) {
        let Ok(c) = unit else { return Err(SurveyError { line, column, kind: SurveyErrorKind::NotText }) };
        if c == '\n' {
            (line, column) = (line + 1, 1);
        } else {
            column += 1;
        }
        text.push(c);
    }
    if bytes.len() % 2 == 1 {
        return Err(SurveyError { line, column, kind: SurveyErrorKind::NotText });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> SurveyFile {
        SurveyFile::read(text.as_bytes()).unwrap()
    }

    fn rows(file: &SurveyFile) -> Vec<(usize, Vec<&str>)> {
        file.records()
            .iter()
            .map(|record| (record.line(), (0..record.len()).map(|index| record.field(index)).collect()))
            .collect()
    }

    #[test]
    fn separators_quotes_and_line_breaks() {
        let file = read("a;\"b;c\";\"d \"\"e\"\"\"\r\n\r\n\"multi\nline\";x;y\n;;\nz;1;2");
        assert_eq!(file.separator(), ';');
        assert_eq!(
            rows(&file),
            vec![
                (1, vec!["a", "b;c", "d \"e\""]),
                (3, vec!["multi\nline", "x", "y"]),
                (6, vec!["z", "1", "2"])
            ]
        );
        let tabs = read("\u{feff}Team\tScore\nNorth\t9\n");
        assert_eq!(tabs.separator(), '\t');
        assert_eq!(rows(&tabs), vec![(1, vec!["Team", "Score"]), (2, vec!["North", "9"])]);
        // Commas inside a semicolon-separated file's quoted question text do not win.
        let semicolons = read("Team;\"How satisfied, overall?\";Date\nNorth;5;2026-11-23\n");
        assert_eq!(semicolons.separator(), ';');
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read() {
        let text = "Team\tQ1\nNorth\t10\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let file = SurveyFile::read(&bytes).unwrap();
        assert_eq!(rows(&file), vec![(1, vec!["Team", "Q1"]), (2, vec!["North", "10"])]);
        let mut big_endian = vec![0xFE, 0xFF];
        big_endian.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(rows(&SurveyFile::read(&big_endian).unwrap()), rows(&file));
    }

    fn kinds_of(errors: &[SurveyError]) -> Vec<(usize, usize, SurveyErrorKind)> {
        errors.iter().map(|error| (error.line, error.column, error.kind.clone())).collect()
    }

    #[test]
    fn malformed_files_are_refused_where_they_go_wrong() {
        let error = |bytes: &[u8]| SurveyFile::read(bytes).unwrap_err();
        assert_eq!(error(b" \n\n")[0].kind, SurveyErrorKind::EmptyFile);
        let not_text = error(b"Team,Q1\nNo\xe9rd,9\n");
        assert_eq!(
            (not_text[0].line, not_text[0].column, &not_text[0].kind),
            (2, 3, &SurveyErrorKind::NotText)
        );
        let odd_utf16 = error(&[0xFF, 0xFE, b'a', 0, b'\n', 0, b'b']);
        assert_eq!((odd_utf16[0].line, odd_utf16[0].column), (2, 1));
        assert!(matches!(error(b"just one column\nx\n")[0].kind, SurveyErrorKind::SingleColumn { .. }));
        let short_row = error(b"Team,Q1,Q2\nNorth,9\nSouth,1,2,3\nWest,1,2,,\n");
        let found: Vec<(usize, usize, usize)> = short_row
            .iter()
            .map(|error| match error.kind {
                SurveyErrorKind::WrongFieldCount { found, .. } => (error.line, error.column, found),
                _ => (0, 0, 0),
            })
            .collect();
        assert_eq!(found, vec![(2, 3, 2), (3, 4, 4)]);
        let unclosed = error(b"Team,Date,NPS\nBilling,2026-11-23,\"9\nBilling,2026-11-24,10\n");
        assert_eq!(kinds_of(&unclosed), vec![(2, 3, SurveyErrorKind::UnclosedQuote)]);
        let unclosed_short = error(b"Team,Date,NPS\nBilling,\"2026-11-23,9\nBilling,2026-11-24,10\n");
        assert!(
            matches!(unclosed_short[0].kind, SurveyErrorKind::WrongFieldCount { hint, .. } if hint.contains("quote"))
        );
        let long_header = format!("Team,{}\nNorth,9\n", "x".repeat(MAX_CX_OTHER_FIELD_CHARS + 1));
        let long = error(long_header.as_bytes());
        assert_eq!((long[0].line, long[0].column), (1, 2));
    }

    #[test]
    fn column_names_join_surveymonkey_continuation_columns() {
        let file =
            read("Respondent ID,Which?,,Team\n,Response,Other (please specify),Response\n1,a,b,North\n");
        assert_eq!(
            file.column_names(2),
            vec!["Respondent ID", "Which?", "Which? - Other (please specify)", "Team"]
        );
        assert_eq!(file.column_names(1), vec!["Respondent ID", "Which?", "", "Team"]);
    }
}
