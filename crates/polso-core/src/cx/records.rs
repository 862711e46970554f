//! The CSV layer: a file's bytes as text, and the text as records of fields, each with the
//! physical line it starts on. What a record is (separators, quotes, line breaks) is the `csv`
//! crate's reading, RFC 4180 as spreadsheets write it: a field that starts with `"` is quoted, `""`
//! is a quote inside it, and it may hold separators and line breaks; a line ends at `\n`, `\r\n` or
//! a lone `\r`; blank lines are no records. This file adds what the crate does not say:
//!
//! - **the line a record starts on** ([`CsvRecords`]), as a user opening the file in an editor
//!   finds it: a quoted line break moves the next record's line on, and blank lines count. The
//!   crate's own position of a record is where it started reading, before the line break that
//!   ended the record before and before blank lines, so the line is counted here from the record's
//!   first byte;
//! - **the two quoting mistakes** the crate reads without complaint ([`quote_problem`]): a quote
//!   never closed (the crate runs the field to the end of the file) and text after a closing quote
//!   (the crate appends it to the field).
//!
//! The survey importer ([`crate::survey`]) reads its rows through the same [`CsvRecords`].
//!
//! Pure: no IO. Each record is read into one buffer the caller keeps from record to record.

use super::error::{CxErrorKind, CxImportError};

/// The text of a CX file's bytes: UTF-8, without its byte-order mark if it has one; or an error at
/// the line and byte (in the line, counted after the mark) where the bytes stop being UTF-8.
pub(super) fn decode(bytes: &[u8]) -> Result<&str, CxImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        let before = &bytes[..error.valid_up_to()];
        let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&byte| byte == b'\n').map_or(0, |position| position + 1);
        CxImportError { line, column: error.valid_up_to() - line_start + 1, kind: CxErrorKind::NotUtf8 }
    })
}

/// The records of a text, in order, each with where it is ([`RecordPlace`]); see the module header.
/// Every record is given, blank ones (all fields empty) included; a text that is not read from
/// memory cannot fail, so the records end where the text does.
pub(crate) struct CsvRecords<'a> {
    reader: csv::Reader<&'a [u8]>,
    bytes: &'a [u8],
    /// Line breaks are counted up to this byte, which is on line `line`; it only moves forward.
    counted_to: usize,
    line: usize,
}

/// Where a record is in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordPlace<'a> {
    /// The physical line the record starts on, from 1.
    pub(crate) line: usize,
    /// The record as written, from its first byte to where the `csv` crate stopped reading it (its
    /// line break, or the end of the text).
    pub(crate) raw: &'a [u8],
}

impl<'a> CsvRecords<'a> {
    /// The records of `text` with fields separated by `separator`. Rows may have any number of
    /// fields (the `csv` crate's `flexible`): the readers say which row is short or long, and where.
    pub(crate) fn new(text: &'a str, separator: u8) -> CsvRecords<'a> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(separator)
            .from_reader(text.as_bytes());
        CsvRecords { reader, bytes: text.as_bytes(), counted_to: 0, line: 1 }
    }

    /// Reads the next record into `record` and returns where it is; `None` at the end of the text.
    pub(crate) fn read(&mut self, record: &mut csv::StringRecord) -> Option<RecordPlace<'a>> {
        // The text is valid UTF-8 and read from memory, so the reader cannot fail; stop if it does.
        if !self.reader.read_record(record).unwrap_or(false) {
            return None;
        }
        let length = self.bytes.len();
        let to_index = |byte: u64| usize::try_from(byte).unwrap_or(usize::MAX).min(length);
        let mut start = to_index(record.position().map_or(0, csv::Position::byte));
        while start < length && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted_to {
            self.line += line_breaks(&self.bytes[self.counted_to..start]);
            self.counted_to = start;
        }
        let end = to_index(self.reader.position().byte()).max(start);
        Some(RecordPlace { line: self.line, raw: &self.bytes[start..end] })
    }
}

impl Iterator for CsvRecords<'_> {
    type Item = (usize, csv::StringRecord);

    /// The next record in a buffer of its own, with the line it starts on.
    fn next(&mut self) -> Option<(usize, csv::StringRecord)> {
        let mut record = csv::StringRecord::new();
        let place = self.read(&mut record)?;
        Some((place.line, record))
    }
}

/// The line breaks in `bytes` as an editor counts them: `\n`, `\r\n` (once) and a lone `\r`.
fn line_breaks(bytes: &[u8]) -> usize {
    let lone_carriage_return = |index: usize| bytes.get(index + 1) != Some(&b'\n');
    bytes
        .iter()
        .enumerate()
        .filter(|&(index, &byte)| byte == b'\n' || byte == b'\r' && lone_carriage_return(index))
        .count()
}

/// The first quoting mistake in a record as written (`raw`, from [`RecordPlace`]), as the 0-based
/// field it is in and what it is: [`CxErrorKind::UnterminatedQuote`] for a quoted field that runs
/// to the end of the text, [`CxErrorKind::TextAfterQuote`] for anything but spaces or tabs between
/// a closing quote and the next separator or line break. `None` for a record without either.
///
/// The fields are delimited as the `csv` crate delimits them (a quote opens a quoted field only as
/// its first byte), so the field named is the one the crate read.
pub(super) fn quote_problem(raw: &[u8], separator: u8) -> Option<(usize, CxErrorKind)> {
    if !raw.contains(&b'"') {
        return None;
    }
    let mut field = 0;
    let mut position = 0;
    loop {
        if raw.get(position) == Some(&b'"') {
            position += 1;
            loop {
                match raw.get(position) {
                    None => return Some((field, CxErrorKind::UnterminatedQuote)),
                    Some(b'"') if raw.get(position + 1) == Some(&b'"') => position += 2,
                    Some(b'"') => break,
                    Some(_) => position += 1,
                }
            }
            position += 1;
            while matches!(raw.get(position), Some(b' ' | b'\t')) {
                position += 1;
            }
            match raw.get(position) {
                None | Some(b'\r' | b'\n') => return None,
                Some(&byte) if byte == separator => {}
                Some(_) => return Some((field, CxErrorKind::TextAfterQuote)),
            }
        } else {
            while let Some(&byte) = raw.get(position) {
                if byte == separator || matches!(byte, b'\r' | b'\n') {
                    break;
                }
                position += 1;
            }
            if raw.get(position) != Some(&separator) {
                return None;
            }
        }
        position += 1;
        field += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, separator: u8) -> Vec<(usize, Vec<String>)> {
        CsvRecords::new(text, separator)
            .map(|(line, record)| (line, record.iter().map(str::to_owned).collect()))
            .collect()
    }

    #[test]
    fn record_reader_handles_quotes_and_line_breaks() {
        let text = "a;\"b;c\";\"d \"\"e\"\"\"\r\n\"multi\nline\";x\n";
        assert_eq!(
            records(text, b';'),
            vec![
                (1, vec!["a".to_owned(), "b;c".to_owned(), "d \"e\"".to_owned()]),
                (2, vec!["multi\nline".to_owned(), "x".to_owned()]),
            ]
        );
    }

    /// A record's line is the physical line it starts on: after a quoted line break, after blank
    /// lines, and whichever line break the file uses (`\n`, `\r\n`, or a lone `\r` as old Mac
    /// exports end lines).
    #[test]
    fn lines_are_the_physical_lines_records_start_on() {
        let lines = |text: &str| records(text, b',').into_iter().map(|(line, _)| line).collect::<Vec<_>>();
        assert_eq!(lines("h,i\n\"two\nlines\",x\n\n\nafter,blank\n"), vec![1, 2, 6]);
        assert_eq!(lines("h,i\r\n\"a\r\nb\",x\r\n\r\nc,d"), vec![1, 2, 5]);
        assert_eq!(lines("h,i\ra,b\r\rc,d\r"), vec![1, 2, 4]);
        assert_eq!(lines("\n\n  h,i\n"), vec![3]);
    }

    #[test]
    fn quoting_mistakes_are_found_in_the_field_the_crate_read() {
        let problem = |raw: &str| quote_problem(raw.as_bytes(), b',');
        assert_eq!(problem("a,\"b,c\",\"d \"\"e\"\"\"\n"), None);
        assert_eq!(problem("a,\"b\"  ,c\r\n"), None);
        assert_eq!(problem("a,b\"c,d\n"), None);
        assert_eq!(problem("a,\"b\"x,c\n"), Some((1, CxErrorKind::TextAfterQuote)));
        assert_eq!(problem("\"b\" \"c\",d"), Some((0, CxErrorKind::TextAfterQuote)));
        assert_eq!(problem("a,b,\"c\nd,e\n"), Some((2, CxErrorKind::UnterminatedQuote)));
        assert_eq!(problem("a,\"b\"\"\n"), Some((1, CxErrorKind::UnterminatedQuote)));
    }

    #[test]
    fn a_byte_order_mark_is_removed_and_other_encodings_are_refused_where_they_start() {
        assert_eq!(decode(b"\xEF\xBB\xBFteam,week\n"), Ok("team,week\n"));
        let error = decode(b"\xEF\xBB\xBFa,b\nqualit\xE0,x\n").unwrap_err();
        assert_eq!((error.line, error.column, error.kind), (2, 7, CxErrorKind::NotUtf8));
    }
}
