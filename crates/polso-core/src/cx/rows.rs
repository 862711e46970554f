//! One data row of Polso's own layouts read against the header's [`Layout`]: its field count
//! checked, its fields' lengths checked before any is repeated, then each column it needs read
//! (team, week or date, metric, and the value and count of an aggregated row or the score of a raw
//! response on its metric's scale) and the row added to its cell ([`super::aggregate`]). Every
//! problem of the row is reported, each at its own column; a row with one adds nothing.
//!
//! Pure: no IO.

use csv::StringRecord;

use super::aggregate::{CellKey, Cells};
use super::columns::{ColumnRole, Layout};
use super::error::{CxErrorKind, CxImportError, DECIMAL_COMMA_HINT, OTHER_SEPARATOR_HINT};
use super::fields::{MAX_CX_FIELD_CHARS, MAX_CX_OTHER_FIELD_CHARS, length_over, parse_date, parse_decimal};
use super::header::Header;
use super::label::fold;
use super::metric::{CxMetric, EFFORT_LABELS};
use super::model::{CxFileFormat, CxImport};
use super::teams::TeamMatcher;
use crate::week::IsoWeek;

/// The rows of one file read so far: their cells and their errors.
pub(super) struct RowParser {
    layout: Layout,
    /// Per column: what a too long field is called, and the cap.
    field_caps: Vec<(String, usize)>,
    separator: u8,
    team_matcher: TeamMatcher,
    /// Every problem found so far, in file order.
    pub(super) errors: Vec<CxImportError>,
    cells: Cells,
    rows_seen: usize,
    header_line: usize,
    /// The highest score of raw responses without a metric column, which must reach above 7.
    max_score_without_metric: Option<u8>,
}

impl RowParser {
    /// A parser for the rows below `header`, whose layout is `layout`, against the organisation's
    /// team names.
    pub(super) fn new<T: AsRef<str>>(header: &Header, layout: Layout, teams: &[T]) -> RowParser {
        let field_caps = header
            .names
            .iter()
            .map(|name| match ColumnRole::from_header(name) {
                Some(role) => (role.name().to_owned(), MAX_CX_FIELD_CHARS),
                None => (format!("field of column '{name}'"), MAX_CX_OTHER_FIELD_CHARS),
            })
            .collect();
        RowParser {
            layout,
            field_caps,
            separator: header.separator,
            team_matcher: TeamMatcher::new(teams),
            errors: Vec::new(),
            cells: Cells::default(),
            rows_seen: 0,
            header_line: header.line,
            max_score_without_metric: None,
        }
    }

    /// Records a problem at the 0-based `field` of the row on `line`.
    fn error(&mut self, line: usize, field: usize, kind: CxErrorKind) {
        self.errors.push(CxImportError { line, column: field + 1, kind });
    }

    /// Reads the data row `fields`, which starts on `line`; a blank row is skipped.
    pub(super) fn row(&mut self, line: usize, fields: &StringRecord) {
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
                    self.cells.add_response((team, week, metric), score, line);
                }
            }
        }
    }

    fn required<'f>(
        &mut self,
        line: usize,
        fields: &'f StringRecord,
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

    fn team(&mut self, line: usize, fields: &StringRecord) -> Option<usize> {
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

    fn week(&mut self, line: usize, fields: &StringRecord) -> Option<IsoWeek> {
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

    fn metric(&mut self, line: usize, fields: &StringRecord) -> Option<CxMetric> {
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
        fields: &StringRecord,
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

    fn count(&mut self, line: usize, fields: &StringRecord) -> Option<u32> {
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

    /// A raw response's score, on its metric's scale.
    fn score(&mut self, line: usize, fields: &StringRecord, metric: &CxMetric) -> Option<u8> {
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

    fn insert_aggregated(&mut self, line: usize, key: CellKey, value: f64, n_responses: u32) {
        let (team, week, metric) = (key.0, key.1, key.2.clone());
        if let Err(first_line) = self.cells.insert_aggregated(key, value, n_responses, line) {
            let team = self.team_matcher.name(team).to_owned();
            let kind = CxErrorKind::DuplicateRow { team, week, metric, first_line };
            self.error(line, self.layout.team, kind);
        }
    }

    /// The import, or every error found: in the rows, or else of the file as a whole (no rows,
    /// scores without a metric column that are not NPS answers).
    pub(super) fn finish<T: AsRef<str>>(self, teams: &[T]) -> Result<CxImport, Vec<CxImportError>> {
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
        let rows = self.cells.into_rows(teams);
        Ok(CxImport { format: self.layout.format, separator: char::from(self.separator), rows })
    }
}
