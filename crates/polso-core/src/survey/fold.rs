//! Folds a survey export's rows of answers, through a confirmed [`SurveyMapping`], into the rows
//! Polso stores: [`apply`] returns the same [`CxImport`] as [`crate::cx::parse_cx_csv`], keyed by
//! (team, ISO week, metric), so the server and the desktop store it unchanged.
//!
//! # How a row is read
//!
//! 1. Rows before the mapping's header rows are headers. A row whose field fails a filter is
//!    skipped; so is a row with no answer in any metric column (an empty answer is no answer, not a
//!    zero). When no row is left and a filter matched no row at all, the error names the filter
//!    and what its column holds ([`SurveyErrorKind::FilterMatchedNoRow`]), as `Finished` = `1`
//!    against a file that writes `True`.
//! 2. The team must be one of the organisation's teams (case and spaces ignored; an unknown team is
//!    an error naming the closest known one). The week is the ISO week of the date (written in the
//!    mapping's order) or the ISO week written in the week column.
//! 3. Each metric column's answer is read as a whole number on its scale (see [`super::answers`])
//!    and folded with the others of the same (team, week, metric):
//!    - **NPS** (0–10): % promoters (9–10) − % detractors (0–6), from −100 to 100;
//!    - **CSAT**: % of answers in the top two points of the scale (4–5 on 1–5; the bottom two when
//!      lower is better), from 0 to 100;
//!    - **CES**: the mean answer put on Polso's 1–7 scale where higher is easier:
//!      `1 + 6 · (mean − min) / (max − min)`, or `1 + 6 · (max − mean) / (max − min)` when a higher
//!      answer means more effort.
//!
//!    `n_responses` is the number of answers folded; `first_line` the line of the first.
//! 4. Fields read (team, date or week, answers) have at most [`MAX_CX_FIELD_CHARS`] characters.
//!
//! All or nothing, like `parse_cx_csv`: every error of the mapping and the rows (at most
//! [`crate::cx::MAX_REPORTED_ERRORS`]), each with its line and column, or every row; never both.
//! Pure: memory grows with the number of (team, week, metric) keys, not with the file.

use std::collections::{BTreeMap, HashMap};

use super::answers::{AnswerSpec, parse_date, read_answer};
use super::error::{ErrorList, SurveyError, SurveyErrorKind, shorten};
use super::mapping::{ResolvedMapping, ResolvedPeriod, SurveyMapping};
use super::reader::{SurveyFile, SurveyRecord};
use crate::cx::aggregate::Tally;
use crate::cx::{CxFileFormat, CxImport, CxKey, CxValue, MAX_CX_FIELD_CHARS, TeamMatcher, length_over};
use crate::week::IsoWeek;

/// Folds `file` through `mapping` against the organisation's team names; see the module header.
pub fn apply<T: AsRef<str>>(
    file: &SurveyFile,
    mapping: &SurveyMapping,
    teams: &[T],
) -> Result<CxImport, Vec<SurveyError>> {
    let resolved = mapping.resolve(file)?;
    let mut folder = Folder {
        mapping: &resolved,
        team_matcher: TeamMatcher::new(teams),
        errors: ErrorList::default(),
        tallies: HashMap::new(),
        answers: Vec::with_capacity(resolved.metrics.len()),
    };
    for record in file.records().iter().skip(resolved.header_rows) {
        folder.row(record);
        if folder.errors.is_full() {
            break;
        }
    }
    if !folder.errors.is_empty() {
        return Err(folder.errors.into_vec());
    }
    if folder.tallies.is_empty() {
        let line = file.records().get(resolved.header_rows).map_or(resolved.header_line, SurveyRecord::line);
        let rows = || file.records().iter().skip(resolved.header_rows);
        // A filter that matched no row explains the emptiness better than "no answers".
        for (filter, resolved_filter) in mapping.filters.iter().zip(&resolved.filters) {
            let index = resolved_filter.index;
            if rows().any(|record| resolved_filter.passes(record.field(index))) {
                continue;
            }
            let found = rows().map(|record| record.field(index).trim()).find(|value| !value.is_empty());
            let kind = SurveyErrorKind::FilterMatchedNoRow {
                column: shorten(&filter.column),
                equals: shorten(&resolved_filter.equals),
                leave_out: resolved_filter.leave_out,
                found: found.map(shorten),
            };
            return Err(vec![SurveyError { line, column: index + 1, kind }]);
        }
        return Err(vec![SurveyError { line, column: 1, kind: SurveyErrorKind::NoAnswers }]);
    }
    let rows: BTreeMap<CxKey, CxValue> = folder
        .tallies
        .into_iter()
        .map(|((team, week, metric_index), tally)| {
            let metric = &resolved.metrics[metric_index];
            let key =
                CxKey { team: teams[team].as_ref().to_owned(), week, metric: metric.metric.cx_metric() };
            (key, tally.cell(metric.tally_scale()))
        })
        .collect();
    Ok(CxImport { format: CxFileFormat::RawResponses, separator: file.separator(), rows })
}

/// (team index, week, index of the metric column in the resolved mapping).
type TallyKey = (usize, IsoWeek, usize);

struct Folder<'m> {
    mapping: &'m ResolvedMapping,
    team_matcher: TeamMatcher,
    errors: ErrorList,
    tallies: HashMap<TallyKey, Tally>,
    /// The current row's answers: (metric column index, answer); reused between rows.
    answers: Vec<(usize, u8)>,
}

impl Folder<'_> {
    fn row(&mut self, record: &SurveyRecord) {
        let mapping = self.mapping;
        let line = record.line();
        let filtered_out = mapping.filters.iter().any(|filter| !filter.passes(record.field(filter.index)));
        let has_answer = mapping.metrics.iter().any(|metric| !record.field(metric.index).trim().is_empty());
        if filtered_out || !has_answer {
            return;
        }
        let errors_before = self.errors.len();
        let team = self.team(record);
        let week = self.week(record);
        self.answers.clear();
        for (metric_index, metric) in mapping.metrics.iter().enumerate() {
            let text = record.field(metric.index);
            if text.trim().is_empty() || !self.within_cap(record, metric.index, "answer") {
                continue;
            }
            let spec = AnswerSpec {
                metric: metric.metric,
                min: metric.min,
                max: metric.max,
                higher_is_better: metric.higher_is_better,
            };
            match read_answer(text, spec) {
                Some(answer) => self.answers.push((metric_index, answer)),
                None => {
                    let kind = SurveyErrorKind::BadAnswer {
                        given: shorten(text),
                        metric: metric.metric.cx_metric(),
                        min: metric.min,
                        max: metric.max,
                    };
                    self.errors.push(line, metric.index + 1, kind);
                }
            }
        }
        let (Some(team), Some(week)) = (team, week) else { return };
        if self.errors.len() != errors_before {
            return;
        }
        for &(metric_index, answer) in &self.answers {
            let tally = self.tallies.entry((team, week, metric_index)).or_insert(Tally::starting_at(line));
            tally.add(mapping.metrics[metric_index].tally_scale(), answer);
        }
    }

    /// False, with an error, when the field is longer than [`MAX_CX_FIELD_CHARS`].
    fn within_cap(&mut self, record: &SurveyRecord, index: usize, what: &str) -> bool {
        let Some(length) = length_over(record.field(index), MAX_CX_FIELD_CHARS) else { return true };
        let kind = SurveyErrorKind::FieldTooLong { what: what.to_owned(), length, max: MAX_CX_FIELD_CHARS };
        self.errors.push(record.line(), index + 1, kind);
        false
    }

    /// The required field at `index`, trimmed, or `None` with an error.
    fn required<'r>(
        &mut self,
        record: &'r SurveyRecord,
        index: usize,
        what: &'static str,
    ) -> Option<&'r str> {
        if !self.within_cap(record, index, what) {
            return None;
        }
        let text = record.field(index).trim();
        if text.is_empty() {
            self.errors.push(record.line(), index + 1, SurveyErrorKind::EmptyField { what });
            return None;
        }
        Some(text)
    }

    fn team(&mut self, record: &SurveyRecord) -> Option<usize> {
        let index = self.mapping.team;
        let given = self.required(record, index, "team")?;
        if let Some(team) = self.team_matcher.find(given) {
            return Some(team);
        }
        let closest = self.team_matcher.closest(given);
        self.errors.push(
            record.line(),
            index + 1,
            SurveyErrorKind::UnknownTeam { given: shorten(given), closest },
        );
        None
    }

    fn week(&mut self, record: &SurveyRecord) -> Option<IsoWeek> {
        match self.mapping.period {
            ResolvedPeriod::Date { index, order } => {
                let given = self.required(record, index, "date")?;
                let week = parse_date(given, order).map(IsoWeek::containing);
                if week.is_none() {
                    let kind = SurveyErrorKind::BadDate { given: shorten(given), order };
                    self.errors.push(record.line(), index + 1, kind);
                }
                week
            }
            ResolvedPeriod::Week { index } => {
                let given = self.required(record, index, "week")?;
                let week = given.parse::<IsoWeek>().ok();
                if week.is_none() {
                    self.errors.push(
                        record.line(),
                        index + 1,
                        SurveyErrorKind::BadWeek { given: shorten(given) },
                    );
                }
                week
            }
        }
    }
}
