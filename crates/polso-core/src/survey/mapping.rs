//! The column mapping of a survey export, [`SurveyMapping`]: which rows are headers, which column
//! holds the team, the date (and how it is written) or the week, which columns are NPS, CSAT or CES
//! answers (with their scale and direction), and which rows to keep. It is saved per source (a
//! Qualtrics project, a Google Form) as JSON and reused on next month's file, so every column is
//! named by its header text, never by its position: a reordered export maps the same.
//!
//! What is not decided is written as such (`null` team, `"unknown"` direction or date order,
//! `null` scale), so [`super::suggest_mapping`] can hand over a mapping with holes that a user
//! fills, and [`super::apply`] refuses one that still has holes. Unknown fields in JSON are refused,
//! so a misspelt key in a saved mapping is an error, not a silently ignored setting.
//!
//! This file also resolves a mapping against one file (names to column indexes, the checks that
//! need no row of answers); folding the rows is [`super::fold`].

use serde::{Deserialize, Serialize};

use super::MAX_HEADER_ROWS;
use super::error::{ErrorList, SurveyError, SurveyErrorKind, shorten};
use super::reader::SurveyFile;
use crate::cx::aggregate::{ScoreRule, TallyScale};
use crate::cx::{CxMetric, MAX_CX_OTHER_FIELD_CHARS, length_over};

/// How to read one survey export: see the module header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyMapping {
    /// The rows before the first answer: 3 for Qualtrics (short names, question texts, ImportId),
    /// 2 for SurveyMonkey (questions, answer options), 1 for Google Forms and spreadsheets.
    pub header_rows: usize,
    /// The column holding the team, by name; `None` until chosen.
    pub team_column: Option<String>,
    /// The column giving each answer's ISO week; `None` until chosen.
    pub period: Option<PeriodColumn>,
    /// The metric columns; each is folded separately.
    pub metrics: Vec<MetricColumn>,
    /// Rows are kept only when every filter matches, such as Qualtrics' `Finished` = `1`.
    #[serde(default)]
    pub filters: Vec<RowFilter>,
}

/// Where an answer's week comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PeriodColumn {
    /// A date (a time after it is ignored); the answer counts in the ISO week containing it.
    Date {
        /// The column, by name.
        column: String,
        /// How dates that are not year first are written.
        order: DateOrder,
    },
    /// An ISO week such as `2026-W48`.
    Week {
        /// The column, by name.
        column: String,
    },
}

/// The order of day, month and year in dates such as `11/12/2026`. Dates written year first
/// (`2026-11-12`, `2026/11/12`) are read as year, month, day whatever the order says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Every date is year first, as ISO 8601 and Qualtrics write them.
    YearMonthDay,
    /// Day first, as in Italy and most of Europe: `23/11/2026`.
    DayMonthYear,
    /// Month first, as in the United States and SurveyMonkey's exports: `11/23/2026`.
    MonthDayYear,
    /// Not decided: the file does not tell, and a user must choose.
    Unknown,
}

/// A metric Polso folds from single answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyMetric {
    /// "How likely are you to recommend…", 0 to 10: % promoters (9–10) − % detractors (0–6).
    Nps,
    /// Satisfaction: % of answers in the top two points of the scale (4–5 on 1–5).
    Csat,
    /// Customer effort: the mean answer, put on Polso's 1–7 scale where higher is easier.
    Ces,
}

impl SurveyMetric {
    /// The metric as stored: [`CxMetric::Nps`], [`CxMetric::Csat`] or [`CxMetric::Ces`].
    pub fn cx_metric(self) -> CxMetric {
        match self {
            SurveyMetric::Nps => CxMetric::Nps,
            SurveyMetric::Csat => CxMetric::Csat,
            SurveyMetric::Ces => CxMetric::Ces,
        }
    }
}

/// One column of answers folded into a metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricColumn {
    /// The column, by name.
    pub column: String,
    /// What its answers measure.
    pub metric: SurveyMetric,
    /// The answers' scale; `None` until chosen. NPS is always 0 to 10.
    pub scale: Option<AnswerScale>,
    /// Whether a higher answer is better. NPS always is; a CES question may be asked either way
    /// ("how easy…" or "how much effort…"), and a CSAT or CES column of numbers may be coded
    /// either way (Qualtrics numbers choices in the order listed, so `1` may be "Extremely
    /// satisfied").
    pub direction: Direction,
}

/// The lowest and highest answer of a scale, such as 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerScale {
    /// The lowest answer: 0 or 1.
    pub min: u8,
    /// The highest answer, at most 10.
    pub max: u8,
}

/// What a higher answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is better: more likely to recommend, more satisfied, easier.
    HigherIsBetter,
    /// Higher is worse: for effort, "how much effort did you have to make", higher is more effort.
    HigherIsWorse,
    /// Not decided: the question's text does not say, and a user must choose.
    Unknown,
}

/// Keep only rows whose field in `column` is `equals` (trimmed, ignoring ASCII case, so Qualtrics'
/// `1`, `True` and `TRUE` are matched by what the file holds), or, with `leave_out`, leave those
/// rows out and keep the others (Qualtrics' `Status` = `Survey Preview`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowFilter {
    /// The column, by name.
    pub column: String,
    /// The value a kept row has, or with `leave_out` the value a left-out row has.
    pub equals: String,
    /// Rows holding `equals` are left out rather than kept. Absent in mappings saved before it
    /// existed: those keep.
    #[serde(default)]
    pub leave_out: bool,
}

impl RowFilter {
    /// A filter keeping the rows whose `column` holds `equals`.
    pub fn keep(column: impl Into<String>, equals: impl Into<String>) -> RowFilter {
        RowFilter { column: column.into(), equals: equals.into(), leave_out: false }
    }

    /// A filter leaving out the rows whose `column` holds `equals`.
    pub fn leave_out(column: impl Into<String>, equals: impl Into<String>) -> RowFilter {
        RowFilter { column: column.into(), equals: equals.into(), leave_out: true }
    }
}

/// A filter checked against one file: its column's 0-based index.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedFilter {
    pub(crate) index: usize,
    /// Trimmed.
    pub(crate) equals: String,
    pub(crate) leave_out: bool,
}

impl ResolvedFilter {
    /// Whether a row with `field` in the filter's column passes it.
    pub(crate) fn passes(&self, field: &str) -> bool {
        field.trim().eq_ignore_ascii_case(&self.equals) != self.leave_out
    }
}

/// A mapping checked against one file: 0-based column indexes and decided choices.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedMapping {
    pub(crate) header_rows: usize,
    /// The line of the first header row, where mapping errors point.
    pub(crate) header_line: usize,
    pub(crate) team: usize,
    pub(crate) period: ResolvedPeriod,
    pub(crate) metrics: Vec<ResolvedMetric>,
    pub(crate) filters: Vec<ResolvedFilter>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum ResolvedPeriod {
    Date { index: usize, order: DateOrder },
    Week { index: usize },
}

/// A metric column with its scale and direction decided.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedMetric {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) metric: SurveyMetric,
    pub(crate) min: u8,
    pub(crate) max: u8,
    pub(crate) higher_is_better: bool,
}

impl ResolvedMetric {
    /// The scale its answers are folded on, by the one tally of both ways in
    /// ([`crate::cx::aggregate::Tally`]).
    pub(crate) fn tally_scale(&self) -> TallyScale {
        let rule = match self.metric {
            SurveyMetric::Nps => ScoreRule::Nps,
            SurveyMetric::Csat => ScoreRule::TopTwoBox,
            SurveyMetric::Ces => ScoreRule::MeanOnOneToSeven,
        };
        TallyScale { rule, min: self.min, max: self.max, higher_is_better: self.higher_is_better }
    }
}

impl SurveyMapping {
    /// Checks the mapping against `file` and finds its columns. Every problem is listed, each at the
    /// first header line and the column concerned (one past the last for a missing column).
    pub(crate) fn resolve(&self, file: &SurveyFile) -> Result<ResolvedMapping, Vec<SurveyError>> {
        let header_line = file.records().first().map_or(1, |record| record.line());
        let past_last = file.field_count() + 1;
        let mut errors = ErrorList::default();
        if !(1..=MAX_HEADER_ROWS).contains(&self.header_rows) {
            let kind = SurveyErrorKind::BadHeaderRows { header_rows: self.header_rows, max: MAX_HEADER_ROWS };
            return Err(vec![SurveyError { line: header_line, column: 1, kind }]);
        }
        let columns = ColumnIndex::new(file, self.header_rows);
        let find = |name: &str, errors: &mut ErrorList| columns.find(name, header_line, errors);

        let team = match &self.team_column {
            Some(name) => find(name, &mut errors),
            None => {
                errors.push(header_line, past_last, SurveyErrorKind::TeamColumnNotChosen);
                None
            }
        };
        let period = match &self.period {
            None => {
                errors.push(header_line, past_last, SurveyErrorKind::PeriodColumnNotChosen);
                None
            }
            Some(PeriodColumn::Week { column }) => {
                find(column, &mut errors).map(|index| ResolvedPeriod::Week { index })
            }
            Some(PeriodColumn::Date { column, order }) => {
                let index = find(column, &mut errors);
                if let (Some(index), DateOrder::Unknown) = (index, order) {
                    let kind = SurveyErrorKind::DateOrderNotChosen { column: shorten(column) };
                    errors.push(header_line, index + 1, kind);
                }
                index.map(|index| ResolvedPeriod::Date { index, order: *order })
            }
        };
        if self.metrics.is_empty() {
            errors.push(header_line, past_last, SurveyErrorKind::NoMetricColumns);
        }
        let mut metrics: Vec<ResolvedMetric> = Vec::new();
        for column in &self.metrics {
            let Some(index) = find(&column.column, &mut errors) else { continue };
            if let Some(resolved) = resolve_metric(column, index, &columns, header_line, &mut errors) {
                if let Some(first) = metrics.iter().find(|other| other.metric == resolved.metric) {
                    let kind = SurveyErrorKind::MetricMappedTwice {
                        metric: resolved.metric,
                        first_column: shorten(&first.name),
                    };
                    errors.push(header_line, index + 1, kind);
                    continue;
                }
                metrics.push(resolved);
            }
        }
        let mut filters = Vec::new();
        for filter in &self.filters {
            if let Some(index) = find(&filter.column, &mut errors) {
                filters.push(ResolvedFilter {
                    index,
                    equals: filter.equals.trim().to_owned(),
                    leave_out: filter.leave_out,
                });
            }
        }
        if self.header_rows >= file.records().len() {
            let line = file.records().last().map_or(header_line, |record| record.line() + 1);
            errors.push(line, 1, SurveyErrorKind::NoRows { header_rows: self.header_rows });
        }
        match (team, period, errors.is_empty()) {
            (Some(team), Some(period), true) => Ok(ResolvedMapping {
                header_rows: self.header_rows,
                header_line,
                team,
                period,
                metrics,
                filters,
            }),
            _ => Err(errors.into_vec()),
        }
    }
}

fn resolve_metric(
    column: &MetricColumn,
    index: usize,
    columns: &ColumnIndex<'_>,
    header_line: usize,
    errors: &mut ErrorList,
) -> Option<ResolvedMetric> {
    let at = index + 1;
    let errors_before = errors.len();
    if columns.is_nps_group(index) {
        errors.push(header_line, at, SurveyErrorKind::NpsGroupColumn { name: shorten(&column.column) });
        return None;
    }
    let higher_is_better = match (column.direction, column.metric) {
        (Direction::HigherIsBetter, _) => Some(true),
        (Direction::HigherIsWorse, SurveyMetric::Nps) => {
            errors.push(header_line, at, SurveyErrorKind::NpsReversed { column: shorten(&column.column) });
            None
        }
        (Direction::HigherIsWorse, _) => Some(false),
        (Direction::Unknown, _) => {
            errors.push(
                header_line,
                at,
                SurveyErrorKind::DirectionNotChosen { column: shorten(&column.column) },
            );
            None
        }
    };
    let scale = match column.scale {
        None => {
            errors.push(header_line, at, SurveyErrorKind::ScaleNotChosen { column: shorten(&column.column) });
            None
        }
        Some(scale) if scale_is_valid(column.metric, scale) => Some(scale),
        Some(AnswerScale { min, max }) => {
            errors.push(header_line, at, SurveyErrorKind::BadScale { metric: column.metric, min, max });
            None
        }
    };
    match (higher_is_better, scale) {
        (Some(higher_is_better), Some(scale)) if errors.len() == errors_before => Some(ResolvedMetric {
            index,
            name: column.column.clone(),
            metric: column.metric,
            min: scale.min,
            max: scale.max,
            higher_is_better,
        }),
        _ => None,
    }
}

/// NPS is 0 to 10; CSAT and CES start at 0 or 1, end at most at 10 and have at least 3 points, so
/// the top two points are not the whole scale.
pub(crate) fn scale_is_valid(metric: SurveyMetric, scale: AnswerScale) -> bool {
    match metric {
        SurveyMetric::Nps => scale == AnswerScale { min: 0, max: 10 },
        SurveyMetric::Csat | SurveyMetric::Ces => {
            scale.min <= 1 && scale.max <= 10 && scale.max >= scale.min + 2
        }
    }
}

/// Looks columns up by name: the exact name first, then ignoring case and runs of spaces.
pub(crate) struct ColumnIndex<'f> {
    names: Vec<String>,
    file: &'f SurveyFile,
    header_rows: usize,
}

impl<'f> ColumnIndex<'f> {
    pub(crate) fn new(file: &'f SurveyFile, header_rows: usize) -> ColumnIndex<'f> {
        ColumnIndex { names: file.column_names(header_rows), file, header_rows }
    }

    fn find(&self, wanted: &str, header_line: usize, errors: &mut ErrorList) -> Option<usize> {
        if let Some(length) = length_over(wanted, MAX_CX_OTHER_FIELD_CHARS) {
            let what = "column name in the mapping".to_owned();
            let kind = SurveyErrorKind::FieldTooLong { what, length, max: MAX_CX_OTHER_FIELD_CHARS };
            errors.push(header_line, 1, kind);
            return None;
        }
        let wanted = wanted.trim();
        let exact: Vec<usize> = self.matching(|name| name == wanted);
        let matches = if exact.is_empty() && !wanted.is_empty() {
            let normalized = normalize_name(wanted);
            self.matching(|name| normalize_name(name) == normalized)
        } else {
            exact
        };
        match matches.as_slice() {
            [index] => Some(*index),
            [] => {
                let kind = SurveyErrorKind::MissingColumn { name: shorten(wanted) };
                errors.push(header_line, self.names.len() + 1, kind);
                None
            }
            [first, second, ..] => {
                let kind =
                    SurveyErrorKind::AmbiguousColumn { name: shorten(wanted), first_column: first + 1 };
                errors.push(header_line, second + 1, kind);
                None
            }
        }
    }

    fn matching(&self, predicate: impl Fn(&str) -> bool) -> Vec<usize> {
        self.names.iter().enumerate().filter(|(_, name)| predicate(name)).map(|(index, _)| index).collect()
    }

    pub(crate) fn is_nps_group(&self, index: usize) -> bool {
        is_nps_group(self.file, self.header_rows, &self.names[index], index)
    }
}

/// True for Qualtrics' NPS group column (1–3, detractor to promoter): its name (`Q1_NPS_GROUP`) or a
/// header text (the ImportId `QID1_NPS_GROUP`) says so.
pub(crate) fn is_nps_group(file: &SurveyFile, header_rows: usize, name: &str, index: usize) -> bool {
    let header_texts = file.records().iter().take(header_rows).map(|record| record.field(index));
    std::iter::once(name).chain(header_texts).any(|text| text.to_ascii_uppercase().contains("_NPS_GROUP"))
}

/// Lowercase, trimmed, runs of whitespace made one space.
fn normalize_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<&str>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_that_fold() {
        let scale = |min, max| AnswerScale { min, max };
        assert!(scale_is_valid(SurveyMetric::Nps, scale(0, 10)));
        assert!(!scale_is_valid(SurveyMetric::Nps, scale(1, 10)));
        assert!(scale_is_valid(SurveyMetric::Csat, scale(1, 5)));
        assert!(scale_is_valid(SurveyMetric::Ces, scale(1, 7)));
        assert!(scale_is_valid(SurveyMetric::Ces, scale(0, 10)));
        for (min, max) in [(1, 2), (2, 7), (1, 11), (5, 1), (0, 1)] {
            assert!(!scale_is_valid(SurveyMetric::Csat, scale(min, max)), "{min}–{max}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let json = r#"{"header_rows":1,"team_column":"Team","period":{"week":{"column":"Week"}},
            "metrics":[],"filters":[],"extra":1}"#;
        assert!(serde_json::from_str::<SurveyMapping>(json).is_err());
        let nested = r#"{"header_rows":1,"team_column":"Team","period":{"week":{"column":"Week","x":1}},
            "metrics":[]}"#;
        assert!(serde_json::from_str::<SurveyMapping>(nested).is_err());
        let good =
            r#"{"header_rows":1,"team_column":"Team","period":{"week":{"column":"Week"}},"metrics":[]}"#;
        assert!(serde_json::from_str::<SurveyMapping>(good).is_ok());
    }
}
