//! The header and the separator: the first record that is not blank is the header, read once with
//! a comma and once with a semicolon; the separator is the one that makes more header names
//! recognisable ([`super::columns::ColumnRole`]), then more columns, a comma on a tie. A tab is not
//! a separator of Polso's own layouts: a tab-separated file is one column, and refused as such.
//! The names are checked for length before anything repeats them in an error.
//!
//! Pure: no IO.

use super::columns::ColumnRole;
use super::error::{CxErrorKind, CxImportError};
use super::fields::{MAX_CX_FIELD_CHARS, length_over};
use super::records::{CsvRecords, quote_problem};

/// The separators tried, in the order that wins a tie.
const SEPARATORS: [u8; 2] = [b',', b';'];

/// A file's header, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    /// The separator chosen: `,` or `;`.
    pub(super) separator: u8,
    /// The physical line the header starts on.
    pub(super) line: usize,
    /// The header names, trimmed.
    pub(super) names: Vec<String>,
}

/// Finds the header (the first record that is not blank) and picks the separator (module header).
/// A quoting mistake with one separator may be fine with the other; with both, the comma's is
/// returned.
pub(super) fn read_header(text: &str) -> Result<Header, Vec<CxImportError>> {
    let mut best: Option<(Header, usize)> = None;
    let mut first_error = None;
    for separator in SEPARATORS {
        let mut records = CsvRecords::new(text, separator);
        let mut record = csv::StringRecord::new();
        let line = loop {
            let Some(place) = records.read(&mut record) else { break None };
            if let Some((field, kind)) = quote_problem(place.raw, separator) {
                first_error.get_or_insert(CxImportError { line: place.line, column: field + 1, kind });
                break None;
            }
            if !record.iter().all(|field| field.trim().is_empty()) {
                break Some(place.line);
            }
        };
        let Some(line) = line else { continue };
        let names: Vec<String> = record.iter().map(|field| field.trim().to_owned()).collect();
        let recognised = names.iter().filter(|name| ColumnRole::from_header(name).is_some()).count();
        let better = match &best {
            None => true,
            Some((best_header, best_recognised)) => {
                (recognised, names.len()) > (*best_recognised, best_header.names.len())
            }
        };
        if better {
            best = Some((Header { separator, line, names }, recognised));
        }
    }
    let Some((header, _)) = best else {
        let error = first_error.unwrap_or(CxImportError { line: 1, column: 1, kind: CxErrorKind::EmptyFile });
        return Err(vec![error]);
    };
    let line = header.line;
    // Before anything repeats a header name in an error.
    let too_long: Vec<CxImportError> = header
        .names
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
    if let [only] = header.names.as_slice() {
        return Err(vec![CxImportError {
            line,
            column: 1,
            kind: CxErrorKind::SingleColumnHeader { header: only.clone() },
        }]);
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_that_recognises_more_names_wins() {
        let header = read_header("\n\nteam;week;metric;value;n\n").unwrap();
        assert_eq!((header.separator, header.line, header.names.len()), (b';', 3, 5));
        // A comma inside a semicolon file's header name does not win: fewer names are recognised.
        let header = read_header("team;week;metric;value;n, responses\n").unwrap();
        assert_eq!(header.separator, b';');
        // On a tie, the comma.
        let header = read_header("a,b\n").unwrap();
        assert_eq!(header.separator, b',');
        // A quoting mistake with the comma is fine with the semicolon.
        let header = read_header("\"team\";week\n").unwrap();
        assert_eq!((header.separator, header.names[0].as_str()), (b';', "team"));
    }
}
