//! Suggests a [`SurveyMapping`] for a survey export from what the file itself says:
//! [`suggest_mapping`]. The suggestion is for a user to confirm, never applied silently: every
//! decision is in the returned [`Suggestion`] (the tool, the header rows, each column's role and
//! the evidence for it, how the date order was decided), and what the file does not tell is left
//! undecided in the mapping and listed in [`Suggestion::questions`].
//!
//! # What it recognises
//!
//! - **The tool and its header rows.** Qualtrics: a row of `{"ImportId":…}` below the header (3 rows
//!   in today's exports), or its column names (`StartDate`, `EndDate`, `Finished`, `ResponseId`…)
//!   with the rows whose dates are not dates counted as headers. SurveyMonkey: `Respondent ID` and
//!   `Collector ID`, with a second row of answer options (`Response`, `Open-Ended Response`…) when
//!   present. Google Forms: a first column `Timestamp` or `Informazioni cronologiche` (also
//!   `Marca temporal`, `Horodateur`, `Zeitstempel`). Anything else: a spreadsheet with one header row.
//! - **The team:** a header named `team`, `team_name`, `squadra`, `gruppo`, `group`, `reparto` or
//!   `department` (case, accents, spaces and punctuation ignored), such as Qualtrics' embedded data;
//!   otherwise a guess to confirm (SurveyMonkey's `Custom Data 1`, or a question naming a team whose
//!   answers are words).
//! - **The date:** `RecordedDate` (then `EndDate`) for Qualtrics, `End Date` for SurveyMonkey, the
//!   timestamp for Google Forms, else a header such as `date`, `data`, `giorno`; or a `week` /
//!   `settimana` column. The day/month order is decided by the dates themselves (a first number
//!   above 12 means day first, a second above 12 month first), else by `AM`/`PM` in a SurveyMonkey
//!   export (month first; elsewhere AM/PM proves nothing, as Australian and Indian Google Sheets
//!   write `3/11/2026 2:46:04 pm` day first) or Italian Google Forms' header and dotted times (day
//!   first); otherwise it is asked, with a few of the dates as examples. A date counts in the ISO week
//!   of the day as written: Qualtrics writes its dates in the time zone its ImportId row names
//!   (`"timeZone":"Europe/Rome"`), the one chosen when exporting, so a file exported in the
//!   organisation's own time zone puts a late-Sunday answer in the week the team lived it.
//! - **Metrics, by the question's text** (every header row but the ImportId one), in English and
//!   Italian: recommend / consigliare / raccomandare → NPS 0–10; satisfied / soddisfatto → CSAT;
//!   effort / sforzo / easy / facile / semplice / difficult → CES. A column is suggested only when
//!   most of its answers read on the scale, so "Why would you recommend us?" stays a comment.
//!   Qualtrics' `…_NPS_GROUP` is never a metric. A column named only `score` (or `rating`, `voto`…)
//!   is never taken for NPS: its metric is asked.
//! - **Scale:** NPS is 0–10. CSAT and CES take a scale written in the question (`(1-7)`,
//!   `da 1 a 5`, `1 = … 5 = …`), else the one their labels imply (satisfaction labels 1–5,
//!   agreement labels 1–7); otherwise it is asked ([`OpenQuestion::Scale`], with the lowest and
//!   highest answer seen for the user to start from). The answers seen never decide it: a 1–7
//!   question whose answers this month reach only 5 is not a 1–5 question.
//! - **Direction:** NPS is fixed (higher is better). A CSAT or CES column's direction is decided
//!   only when the file says it: a CES question's words ("easy", "facile", "semplice" → a higher
//!   answer is easier; "effort", "sforzo", "difficult" → more effort; the metric's own name,
//!   "customer effort score", says nothing), labels written beside numbers in the question
//!   (`1 = Very dissatisfied, 5 = Very satisfied`) or in the answers (`1 - Very satisfied` means a
//!   higher answer is worse), checked against the satisfaction (1–5) and agreement (1–7) label
//!   tables, and answers that are labels alone (read with the tables, higher is better).
//!   Otherwise, or when these disagree, it is asked ([`OpenQuestion::Direction`]): Qualtrics
//!   numbers choices in the order they are listed, so a numeric `1` may be "Extremely satisfied".
//! - **Filters:** Qualtrics' `Finished` must be `1` (or `True`, as the file writes it), so
//!   unfinished responses are left out. Qualtrics' `Status` says how a response was collected:
//!   `IP Address` (a real respondent), `Survey Preview` (someone previewing the survey), `Survey Test`
//!   (generated test responses) or `Spam`; the last three are left out. Exported with numeric values
//!   the column holds codes, of which only `1` (a preview) is documented by the tools that read
//!   these exports (the R package excluder), so only `1` is left out there; other codes pass and
//!   can be left out by hand.
//!
//! Pure: it reads the file once per column it looks at, and needs no team list. Its evidence from
//! answers (scales seen, the date order, what a column holds) comes from the first
//! [`MAX_EVIDENCE_ROWS`] rows of answers only, so a suggestion costs the same on any file.

use super::MAX_EVIDENCE_ROWS;
use super::answers::{
    AGREEMENT_SEVEN_POINTS, DateParts, SATISFACTION_FIVE_POINTS, date_parts, leading_number,
};
use super::error::shorten;
use super::mapping::{
    AnswerScale, DateOrder, Direction, MetricColumn, PeriodColumn, RowFilter, SurveyMapping, SurveyMetric,
    is_nps_group,
};
use super::reader::SurveyFile;
use crate::cx::{fold, strip_accent};

/// The tool a file was exported from, as far as the file tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyTool {
    /// Qualtrics: short names, question texts and ImportIds as header rows.
    Qualtrics,
    /// SurveyMonkey: question texts, then answer options.
    SurveyMonkey,
    /// Google Forms: a timestamp, then one column per question.
    GoogleForms,
    /// A spreadsheet with one header row.
    Generic,
}

/// A suggested mapping with everything that decided it and what is left to a user.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The tool recognised.
    pub tool: SurveyTool,
    /// The mapping suggested; what is not decided is `None` or `Unknown` in it, and asked in
    /// [`Suggestion::questions`].
    pub mapping: SurveyMapping,
    /// Every column, with the role suggested for it and why.
    pub columns: Vec<SuggestedColumn>,
    /// How the dates' day/month order was decided, when a date column was found.
    pub date_order: Option<DateOrderEvidence>,
    /// What a user must answer (or confirm) before the mapping can be applied.
    pub questions: Vec<OpenQuestion>,
}

/// One column of the file and the role suggested for it.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestedColumn {
    /// The 1-based column number.
    pub column: usize,
    /// The name the mapping uses for it (the first header row's text).
    pub name: String,
    /// The column's question: the longest of its header texts (ImportIds left out), shortened.
    pub text: String,
    /// The role suggested.
    pub role: ColumnRole,
    /// Why.
    pub evidence: Evidence,
}

/// What a column is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRole {
    /// The team.
    Team,
    /// The date of each answer.
    Date,
    /// The ISO week of each answer.
    Week,
    /// A column a filter reads.
    Filter,
    /// Answers folded into a metric.
    Metric(SurveyMetric),
    /// Qualtrics' NPS group (1–3, detractor to promoter): never folded.
    NpsGroup,
    /// Not read.
    Ignored,
}

/// Why a column was given its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Its header is a known name for the role (`Team`, `squadra`, `date`, `week`…).
    HeaderName,
    /// The tool always writes this column (`RecordedDate`, `End Date`, `Timestamp`, `Finished`).
    ToolConvention,
    /// A guess a user must confirm ([`OpenQuestion::ConfirmTeamColumn`]).
    Guess,
    /// The question's text names the metric.
    QuestionText {
        /// The word that named the metric, as written (folded).
        metric_word: String,
        /// What gave the direction, when something did: the question's word (`easy`, `sforzo`),
        /// or a label written beside a number, in the question or an answer, as written
        /// (`1 = Very dissatisfied`, `5 - Very satisfied`); `None` for NPS, whose direction is fixed.
        direction_word: Option<String>,
        /// Where the scale came from.
        scale: ScaleSource,
    },
    /// Qualtrics' `…_NPS_GROUP` column.
    QualtricsNpsGroup,
    /// The text names a metric but most answers do not read on its scale (a comment, say).
    AnswersNotOnScale {
        /// The metric the text named.
        metric: SurveyMetric,
    },
    /// The text names a metric another column already has.
    MetricAlreadyMapped {
        /// The metric.
        metric: SurveyMetric,
        /// The 1-based column that has it.
        first_column: usize,
    },
    /// The text names more than one metric.
    SeveralMetrics {
        /// The metrics named.
        metrics: Vec<SurveyMetric>,
    },
    /// Nothing in the header says what the column is.
    Unrecognised,
}

/// Where a suggested scale came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleSource {
    /// NPS is always 0 to 10.
    Fixed,
    /// The question's text writes it, as `(1-7)` or `da 1 a 5`.
    QuestionText,
    /// The answers are labels of a known scale (satisfaction 1–5, agreement 1–7).
    Labels,
    /// Not decided; asked with the lowest and highest answer seen
    /// ([`OpenQuestion::Scale`]): this month's answers need not reach the scale's ends.
    Unknown,
}

/// How the day/month order of the dates was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateOrderEvidence {
    /// The order suggested.
    pub order: DateOrder,
    /// Why.
    pub reason: DateOrderReason,
}

/// Why a date order was suggested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateOrderReason {
    /// Every date is written year first.
    YearFirst,
    /// A date's first number is above 12, so it is a day.
    DayAboveTwelve {
        /// Its line.
        line: usize,
        /// The date, shortened.
        value: String,
    },
    /// A date's second number is above 12, so the first is a month.
    MonthAboveTwelve {
        /// Its line.
        line: usize,
        /// The date, shortened.
        value: String,
    },
    /// No date decides, the times have AM or PM and the file is a SurveyMonkey export, which
    /// writes dates month first. (Elsewhere AM/PM proves nothing: Google Sheets in Australia or
    /// India write `3/11/2026 2:46:04 pm` day first.)
    AmPm {
        /// The line of the first such date.
        line: usize,
        /// The date, shortened.
        value: String,
    },
    /// No date decides, and the file is an Italian Google Forms export (its header, or times such
    /// as `10.15.02`).
    ItalianForm,
    /// Some dates can only be day first and others only month first.
    Conflicting {
        /// A date that is day first: its line and text.
        day_first: (usize, String),
        /// A date that is month first: its line and text.
        month_first: (usize, String),
    },
    /// Nothing decides (every day is 12 or less, and no SurveyMonkey AM/PM nor Italian form).
    Undecided,
}

/// Something a user must answer before the mapping is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenQuestion {
    /// No column looks like the team: which is it?
    TeamColumn,
    /// The team column is a guess: is it right?
    ConfirmTeamColumn {
        /// The column guessed.
        column: String,
    },
    /// No column holds a date or week: which does?
    PeriodColumn,
    /// Are the dates day/month/year or month/day/year?
    DateOrder {
        /// The date column.
        column: String,
        /// A few of its dates, shortened.
        examples: Vec<String>,
    },
    /// Does a higher answer mean better (more satisfied, easier) or worse (less satisfied, more
    /// effort)? Asked unless the question's text or the answers' labels say it.
    Direction {
        /// The column.
        column: String,
    },
    /// What is the answer scale (1–5, 1–7…)?
    Scale {
        /// The column.
        column: String,
        /// The lowest answer seen, if any.
        min_seen: Option<u8>,
        /// The highest answer seen, if any.
        max_seen: Option<u8>,
    },
    /// Which metric, if any, does this column measure?
    Metric {
        /// The column.
        column: String,
        /// The metrics its text names (none for a bare `score`).
        candidates: Vec<SurveyMetric>,
    },
    /// A second column names a metric already mapped: which one is it?
    SecondColumnOfMetric {
        /// The column not mapped.
        column: String,
        /// The metric.
        metric: SurveyMetric,
        /// The column mapped.
        mapped: String,
    },
    /// No column looks like NPS, CSAT or CES answers.
    NoMetricColumns,
}

/// Suggests a mapping for `file`; see the module header.
pub fn suggest_mapping(file: &SurveyFile) -> Suggestion {
    let (tool, header_rows) = detect_tool(file);
    let columns = Columns::new(file, tool, header_rows);
    let mut suggestion = Suggestion {
        tool,
        mapping: SurveyMapping {
            header_rows,
            team_column: None,
            period: None,
            metrics: Vec::new(),
            filters: Vec::new(),
        },
        columns: (0..file.field_count())
            .map(|index| SuggestedColumn {
                column: index + 1,
                name: columns.names[index].clone(),
                text: shorten(&columns.questions[index]),
                role: ColumnRole::Ignored,
                evidence: Evidence::Unrecognised,
            })
            .collect(),
        date_order: None,
        questions: Vec::new(),
    };
    if tool == SurveyTool::Qualtrics {
        suggest_finished_filter(&columns, &mut suggestion);
        suggest_status_filters(&columns, &mut suggestion);
    }
    suggest_team(tool, &columns, &mut suggestion);
    suggest_period(tool, &columns, &mut suggestion);
    suggest_metrics(&columns, &mut suggestion);
    suggestion
}

/// Header names (folded) of a team column.
const TEAM_NAMES: &[&str] =
    &["team", "teamname", "nometeam", "squadra", "nomesquadra", "gruppo", "group", "reparto", "department"];
/// Google Forms' first column in English, Italian, Spanish, French, German and Portuguese (folded).
const TIMESTAMP_NAMES: &[&str] = &[
    "timestamp",
    "informazionicronologiche",
    "marcatemporal",
    "horodateur",
    "zeitstempel",
    "carimbodedatahora",
];
/// Header names (folded) of a date column in a spreadsheet.
const DATE_NAMES: &[&str] = &[
    "date",
    "data",
    "giorno",
    "day",
    "responsedate",
    "datarisposta",
    "surveydate",
    "submittedat",
    "submissiondate",
    "datacompilazione",
    "recordeddate",
    "enddate",
    "timestamp",
    "informazionicronologiche",
];
/// Header names (folded) of an ISO week column.
const WEEK_NAMES: &[&str] = &["week", "settimana", "isoweek", "settimanaiso", "weekiso"];
/// Header names (folded) that say a column holds a score but not of which metric.
const SCORE_NAMES: &[&str] = &["score", "punteggio", "rating", "voto", "valutazione", "value", "valore"];

fn detect_tool(file: &SurveyFile) -> (SurveyTool, usize) {
    let records = file.records();
    let Some(first) = records.first() else { return (SurveyTool::Generic, 1) };
    let folded: Vec<String> = (0..first.len()).map(|index| fold(first.field(index))).collect();
    let position = |name: &str| folded.iter().position(|folded| folded == name);
    for (index, record) in records.iter().enumerate().take(super::MAX_HEADER_ROWS).skip(1) {
        let import_ids = (0..record.len()).filter(|&column| is_import_id(record.field(column))).count();
        let filled = (0..record.len()).filter(|&column| !record.field(column).trim().is_empty()).count();
        if import_ids > 0 && import_ids * 2 >= filled {
            return (SurveyTool::Qualtrics, index + 1);
        }
    }
    let qualtrics_date =
        position("recordeddate").or_else(|| position("enddate")).or_else(|| position("startdate"));
    let qualtrics_marks = ["finished", "responseid", "progress", "durationinseconds"];
    if let Some(date) = qualtrics_date
        && qualtrics_marks.iter().any(|mark| position(mark).is_some())
    {
        // Legacy exports have one row of question texts under the names, and no ImportIds.
        let texts = records.iter().skip(1).take(super::MAX_HEADER_ROWS - 1);
        let header_rows = 1 + texts.take_while(|record| date_parts(record.field(date)).is_none()).count();
        return (SurveyTool::Qualtrics, header_rows);
    }
    if let (Some(respondent), Some(_)) = (position("respondentid"), position("collectorid")) {
        let second_is_options = records.get(1).is_some_and(|record| {
            let id = record.field(respondent).trim();
            id.is_empty() || !id.bytes().all(|byte| byte.is_ascii_digit())
        });
        return (SurveyTool::SurveyMonkey, if second_is_options { 2 } else { 1 });
    }
    if folded.first().is_some_and(|name| TIMESTAMP_NAMES.contains(&name.as_str())) {
        return (SurveyTool::GoogleForms, 1);
    }
    (SurveyTool::Generic, 1)
}

fn is_import_id(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("{\"ImportId\"") || text.starts_with("{\"importId\"")
}

/// The file's columns as the suggestion looks at them.
struct Columns<'f> {
    file: &'f SurveyFile,
    tool: SurveyTool,
    header_rows: usize,
    names: Vec<String>,
    /// Each column's header texts (ImportIds left out), joined: what the metric words are sought in.
    texts: Vec<String>,
    /// Each column's longest header text: Qualtrics' second row, SurveyMonkey's first.
    questions: Vec<String>,
    /// Each column's first-row name, folded.
    folded_names: Vec<String>,
}

impl<'f> Columns<'f> {
    fn new(file: &'f SurveyFile, tool: SurveyTool, header_rows: usize) -> Columns<'f> {
        let names = file.column_names(header_rows);
        let mut texts = Vec::with_capacity(names.len());
        let mut questions = Vec::with_capacity(names.len());
        for (index, name) in names.iter().enumerate() {
            let mut parts: Vec<&str> = vec![name.as_str()];
            for record in file.records().iter().take(header_rows).skip(1) {
                let text = record.field(index).trim();
                if !text.is_empty() && !is_import_id(text) && !parts.contains(&text) {
                    parts.push(text);
                }
            }
            parts.retain(|part| !part.is_empty());
            let longest = parts.iter().copied().max_by_key(|part| part.chars().count()).unwrap_or("");
            questions.push(longest.to_owned());
            texts.push(parts.join(" "));
        }
        let folded_names = names.iter().map(|name| fold(name)).collect();
        Columns { file, tool, header_rows, names, texts, questions, folded_names }
    }

    /// The non-empty answers of a column in the first [`MAX_EVIDENCE_ROWS`] rows of answers,
    /// trimmed, with their lines: all the evidence a suggestion takes from answers.
    fn values(&self, index: usize) -> impl Iterator<Item = (usize, &'f str)> + 'f {
        self.file
            .records()
            .iter()
            .skip(self.header_rows)
            .take(MAX_EVIDENCE_ROWS)
            .map(move |record| (record.line(), record.field(index).trim()))
            .filter(|(_, text)| !text.is_empty())
    }

    fn find_name(&self, wanted: &[&str]) -> Option<usize> {
        wanted.iter().find_map(|name| self.folded_names.iter().position(|folded| folded == name))
    }

    fn is_nps_group(&self, index: usize) -> bool {
        is_nps_group(self.file, self.header_rows, &self.names[index], index)
    }
}

fn set_role(suggestion: &mut Suggestion, index: usize, role: ColumnRole, evidence: Evidence) {
    suggestion.columns[index].role = role;
    suggestion.columns[index].evidence = evidence;
}

fn is_free(suggestion: &Suggestion, index: usize) -> bool {
    suggestion.columns[index].role == ColumnRole::Ignored
}

fn suggest_finished_filter(columns: &Columns<'_>, suggestion: &mut Suggestion) {
    let Some(index) = columns.find_name(&["finished"]) else { return };
    let written_as_words = columns.values(index).any(|(_, value)| value.eq_ignore_ascii_case("true"));
    let equals = if written_as_words { "True" } else { "1" };
    suggestion.mapping.filters.push(RowFilter::keep(columns.names[index].clone(), equals));
    set_role(suggestion, index, ColumnRole::Filter, Evidence::ToolConvention);
}

/// Qualtrics' `Status` values of responses that no customer gave, written as text.
const QUALTRICS_NOT_RESPONDENTS: [&str; 3] = ["Survey Preview", "Survey Test", "Spam"];
/// Qualtrics' `Status` code of a preview, in an export of numeric values.
const QUALTRICS_PREVIEW_CODE: &str = "1";

fn suggest_status_filters(columns: &Columns<'_>, suggestion: &mut Suggestion) {
    let Some(index) = columns.find_name(&["status"]) else { return };
    let mut values = columns.values(index).peekable();
    if values.peek().is_none() {
        return;
    }
    let numeric = values.all(|(_, value)| value.bytes().all(|byte| byte.is_ascii_digit()));
    let column = &columns.names[index];
    if numeric {
        suggestion.mapping.filters.push(RowFilter::leave_out(column.clone(), QUALTRICS_PREVIEW_CODE));
    } else {
        suggestion.mapping.filters.extend(
            QUALTRICS_NOT_RESPONDENTS.iter().map(|value| RowFilter::leave_out(column.clone(), *value)),
        );
    }
    set_role(suggestion, index, ColumnRole::Filter, Evidence::ToolConvention);
}

fn suggest_team(tool: SurveyTool, columns: &Columns<'_>, suggestion: &mut Suggestion) {
    let by_name = (0..columns.names.len()).find(|&index| {
        is_free(suggestion, index) && {
            let header_texts = columns.file.records().iter().take(columns.header_rows);
            header_texts
                .map(|record| fold(record.field(index)))
                .any(|text| TEAM_NAMES.contains(&text.as_str()))
                || TEAM_NAMES.contains(&columns.folded_names[index].as_str())
        }
    });
    if let Some(index) = by_name {
        suggestion.mapping.team_column = Some(columns.names[index].clone());
        set_role(suggestion, index, ColumnRole::Team, Evidence::HeaderName);
        return;
    }
    let custom_data = (tool == SurveyTool::SurveyMonkey)
        .then(|| columns.find_name(&["customdata1"]))
        .flatten()
        .filter(|&index| columns.values(index).next().is_some());
    let naming_a_team = || {
        (0..columns.names.len()).find(|&index| {
            let words = words(&columns.texts[index]);
            is_free(suggestion, index)
                && words.iter().any(|word| ["team", "squadra", "reparto", "gruppo"].contains(&word.as_str()))
                && metric_words(&words).is_empty()
                && mostly_words(columns, index)
        })
    };
    match custom_data.or_else(naming_a_team) {
        Some(index) => {
            let column = columns.names[index].clone();
            suggestion.mapping.team_column = Some(column.clone());
            set_role(suggestion, index, ColumnRole::Team, Evidence::Guess);
            suggestion.questions.push(OpenQuestion::ConfirmTeamColumn { column });
        }
        None => suggestion.questions.push(OpenQuestion::TeamColumn),
    }
}

/// True when most of a column's answers are not numbers.
fn mostly_words(columns: &Columns<'_>, index: usize) -> bool {
    let (mut words, mut total) = (0_usize, 0_usize);
    for (_, value) in columns.values(index) {
        total += 1;
        if value.chars().any(char::is_alphabetic) {
            words += 1;
        }
    }
    total > 0 && words * 2 > total
}

fn suggest_period(tool: SurveyTool, columns: &Columns<'_>, suggestion: &mut Suggestion) {
    let holds_dates = |index: usize| {
        let (mut dates, mut total) = (0_usize, 0_usize);
        for (_, value) in columns.values(index) {
            total += 1;
            if date_parts(value).is_some() {
                dates += 1;
            }
        }
        dates > 0 && dates * 2 >= total
    };
    let convention: &[&str] = match tool {
        SurveyTool::Qualtrics => &["recordeddate", "enddate", "startdate"],
        SurveyTool::SurveyMonkey => &["enddate", "startdate"],
        SurveyTool::GoogleForms => TIMESTAMP_NAMES,
        SurveyTool::Generic => &[],
    };
    let by_convention = convention
        .iter()
        .filter_map(|name| columns.find_name(&[name]))
        .find(|&index| is_free(suggestion, index) && holds_dates(index));
    if let Some(index) = by_convention {
        suggest_date(columns, index, Evidence::ToolConvention, suggestion);
        return;
    }
    let week = (0..columns.names.len()).find(|&index| {
        is_free(suggestion, index) && WEEK_NAMES.contains(&columns.folded_names[index].as_str())
    });
    if let Some(index) = week {
        suggestion.mapping.period = Some(PeriodColumn::Week { column: columns.names[index].clone() });
        set_role(suggestion, index, ColumnRole::Week, Evidence::HeaderName);
        return;
    }
    let date = DATE_NAMES
        .iter()
        .filter_map(|name| columns.find_name(&[name]))
        .find(|&index| is_free(suggestion, index) && holds_dates(index));
    match date {
        Some(index) => suggest_date(columns, index, Evidence::HeaderName, suggestion),
        None => suggestion.questions.push(OpenQuestion::PeriodColumn),
    }
}

fn suggest_date(columns: &Columns<'_>, index: usize, evidence: Evidence, suggestion: &mut Suggestion) {
    let column = columns.names[index].clone();
    let italian_form = columns.folded_names[index] == "informazionicronologiche";
    let am_pm_is_month_first = columns.tool == SurveyTool::SurveyMonkey;
    let evidence_of_order = date_order(columns.values(index), italian_form, am_pm_is_month_first);
    if evidence_of_order.order == DateOrder::Unknown {
        let mut examples: Vec<String> = Vec::new();
        for (_, value) in columns.values(index) {
            let value = shorten(value);
            if !examples.contains(&value) {
                examples.push(value);
            }
            if examples.len() == 3 {
                break;
            }
        }
        suggestion.questions.push(OpenQuestion::DateOrder { column: column.clone(), examples });
    }
    suggestion.mapping.period = Some(PeriodColumn::Date { column, order: evidence_of_order.order });
    suggestion.date_order = Some(evidence_of_order);
    set_role(suggestion, index, ColumnRole::Date, evidence);
}

/// Decides the day/month order of dates; see the module header.
fn date_order<'v>(
    values: impl Iterator<Item = (usize, &'v str)>,
    italian_form: bool,
    am_pm_is_month_first: bool,
) -> DateOrderEvidence {
    let mut day_first: Option<(usize, String)> = None;
    let mut month_first: Option<(usize, String)> = None;
    let mut am_pm: Option<(usize, String)> = None;
    let mut dotted_time = false;
    let mut year_last_seen = false;
    for (line, value) in values {
        let Some(DateParts::YearLast(first, second, _)) = date_parts(value) else { continue };
        year_last_seen = true;
        if first > 12 && second <= 12 && day_first.is_none() {
            day_first = Some((line, shorten(value)));
        }
        if second > 12 && first <= 12 && month_first.is_none() {
            month_first = Some((line, shorten(value)));
        }
        let time = value.split_once([' ', 'T', ',']).map_or("", |(_, time)| time);
        if am_pm.is_none()
            && time
                .split_whitespace()
                .any(|word| word.eq_ignore_ascii_case("am") || word.eq_ignore_ascii_case("pm"))
        {
            am_pm = Some((line, shorten(value)));
        }
        dotted_time |= is_dotted_time(time.trim());
    }
    let (order, reason) = match (day_first, month_first) {
        _ if !year_last_seen => (DateOrder::YearMonthDay, DateOrderReason::YearFirst),
        (Some(day_first), Some(month_first)) => {
            (DateOrder::Unknown, DateOrderReason::Conflicting { day_first, month_first })
        }
        (Some((line, value)), None) => {
            (DateOrder::DayMonthYear, DateOrderReason::DayAboveTwelve { line, value })
        }
        (None, Some((line, value))) => {
            (DateOrder::MonthDayYear, DateOrderReason::MonthAboveTwelve { line, value })
        }
        (None, None) => match am_pm.filter(|_| am_pm_is_month_first) {
            Some((line, value)) => (DateOrder::MonthDayYear, DateOrderReason::AmPm { line, value }),
            None if italian_form || dotted_time => (DateOrder::DayMonthYear, DateOrderReason::ItalianForm),
            None => (DateOrder::Unknown, DateOrderReason::Undecided),
        },
    };
    DateOrderEvidence { order, reason }
}

/// `10.15.02`: the time as Italian Google Sheets write it.
fn is_dotted_time(time: &str) -> bool {
    let parts: Vec<&str> = time.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| (1..=2).contains(&part.len()) && part.bytes().all(|byte| byte.is_ascii_digit()))
}

/// The words of a text: lowercase, accents removed, split at anything not a letter or digit.
fn words(text: &str) -> Vec<String> {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(strip_accent)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

const NPS_STEMS: &[&str] = &["recommend", "raccomand", "consiglier", "consigliar"];
const CSAT_STEMS: &[&str] = &["satisf", "dissatisf", "soddisf", "insoddisf"];
const EASY_STEMS: &[&str] = &["easy", "easi", "ease", "facil", "semplic"];
const EFFORT_STEMS: &[&str] = &["effort", "sforz", "difficil", "difficult"];

/// The metrics a question's words name, each with the word that named it.
fn metric_words(words: &[String]) -> Vec<(SurveyMetric, String)> {
    let has_stem = |stems: &[&str]| words.iter().find(|word| stems.iter().any(|stem| word.starts_with(stem)));
    let has_word = |wanted: &str| words.iter().find(|word| word.as_str() == wanted);
    let mut found = Vec::new();
    let net_promoter = words.windows(2).any(|pair| pair[0] == "net" && pair[1] == "promoter");
    if let Some(word) = has_stem(NPS_STEMS).or_else(|| has_word("nps")) {
        found.push((SurveyMetric::Nps, word.clone()));
    } else if net_promoter {
        found.push((SurveyMetric::Nps, "promoter".to_owned()));
    }
    if let Some(word) = has_stem(CSAT_STEMS).or_else(|| has_word("csat")) {
        found.push((SurveyMetric::Csat, word.clone()));
    }
    if let Some(word) = has_stem(EASY_STEMS).or_else(|| has_stem(EFFORT_STEMS)).or_else(|| has_word("ces")) {
        found.push((SurveyMetric::Ces, word.clone()));
    }
    found
}

/// The direction a CES question's words give, and the word; the metric's own name ("customer
/// effort score", "effort score", "sforzo del cliente") gives none.
fn ces_direction(words: &[String]) -> (Direction, Option<String>) {
    let mut is_name = vec![false; words.len()];
    for (index, pair) in words.windows(2).enumerate() {
        let name =
            matches!((pair[0].as_str(), pair[1].as_str()), ("customer", "effort") | ("effort", "score"));
        if name {
            is_name[index] = true;
            is_name[index + 1] = true;
        }
    }
    for (index, triple) in words.windows(3).enumerate() {
        if triple[0] == "sforzo" && triple[1] == "del" && triple[2] == "cliente" {
            is_name[index] = true;
        }
    }
    let find = |stems: &[&str]| {
        words
            .iter()
            .zip(&is_name)
            .find(|(word, is_name)| !**is_name && stems.iter().any(|stem| word.starts_with(stem)))
            .map(|(word, _)| word.clone())
    };
    match (find(EASY_STEMS), find(EFFORT_STEMS)) {
        (Some(word), None) => (Direction::HigherIsBetter, Some(word)),
        (None, Some(word)) => (Direction::HigherIsWorse, Some(word)),
        _ => (Direction::Unknown, None),
    }
}

/// A scale written in a question: `(1-7)`, `1 to 5`, `da 1 a 7`, or `1 = … 5 = …`.
fn scale_in_text(text: &str) -> Option<AnswerScale> {
    #[derive(Debug, PartialEq)]
    enum Token {
        Number(u32),
        Word(String),
        Symbol(char),
    }
    let mut tokens = Vec::new();
    let mut chars = text.chars().flat_map(char::to_lowercase).peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            let mut word = String::from(c);
            while let Some(&next) = chars.peek().filter(|next| next.is_alphanumeric()) {
                word.push(next);
                chars.next();
            }
            tokens.push(match word.parse::<u32>() {
                Ok(number) if word.len() <= 2 => Token::Number(number),
                _ => Token::Word(word),
            });
        } else if !c.is_whitespace() {
            tokens.push(Token::Symbol(c));
        }
    }
    let plausible = |min: u32, max: u32| min <= 1 && (2..=10).contains(&max);
    let scale = |min: u32, max: u32| -> Option<AnswerScale> {
        Some(AnswerScale { min: u8::try_from(min).ok()?, max: u8::try_from(max).ok()? })
    };
    for window in tokens.windows(3) {
        let [Token::Number(min), connector, Token::Number(max)] = window else { continue };
        let connects = match connector {
            Token::Symbol(symbol) => ['-', '–', '—'].contains(symbol),
            Token::Word(word) => ["to", "a", "al"].contains(&word.as_str()),
            Token::Number(_) => false,
        };
        if connects && plausible(*min, *max) {
            return scale(*min, *max);
        }
    }
    let anchored: Vec<u32> = tokens
        .windows(2)
        .filter_map(|pair| match pair {
            [Token::Number(number), Token::Symbol('=' | ':')] => Some(*number),
            _ => None,
        })
        .collect();
    let (min, max) = (anchored.iter().min()?, anchored.iter().max()?);
    (anchored.len() >= 2 && plausible(*min, *max)).then(|| scale(*min, *max)).flatten()
}

/// What a column's answers look like.
#[derive(Debug, Default)]
struct AnswerSummary {
    total: usize,
    numbers: usize,
    satisfaction_labels: usize,
    agreement_labels: usize,
    min_seen: Option<u8>,
    max_seen: Option<u8>,
    /// Numbers above 10, on no scale Polso folds.
    above_ten: usize,
    /// Answers with a number and a label from a known table (`1 - Very satisfied`): what they say
    /// of the direction, per table.
    satisfaction_numbered: LabelledNumbers,
    agreement_numbered: LabelledNumbers,
    /// The first answer that is a satisfaction label alone, shortened.
    satisfaction_example: Option<String>,
    /// The first answer that is an agreement label alone, shortened.
    agreement_example: Option<String>,
}

/// Numbers written with a label of a known table: the first that agrees with the table (a higher
/// number is better) and the first that reverses it (`1 - Very satisfied`).
#[derive(Debug, Default, PartialEq, Eq)]
struct LabelledNumbers {
    agrees: Option<String>,
    reverses: Option<String>,
}

impl LabelledNumbers {
    /// Records `text`, a number written with a label: agrees when the table gives the label that
    /// number, reverses when it gives it the mirrored one (`1` for `Very satisfied` on 1 to 5). The
    /// middle point says nothing.
    fn add(&mut self, table: &[(&str, u8)], top: u8, text: &str) {
        let Some((number, label)) = numbered_label(text) else { return };
        let Some(&(_, point)) = table.iter().find(|(known, _)| *known == label) else { return };
        let mirrored = (1 + top).saturating_sub(point);
        if point == mirrored {
            return;
        }
        let slot = if number == point {
            &mut self.agrees
        } else if number == mirrored {
            &mut self.reverses
        } else {
            return;
        };
        if slot.is_none() {
            *slot = Some(shorten(text));
        }
    }

    /// The direction they give, with an example; `None` when none was seen or they disagree.
    fn direction(&self) -> Option<(Direction, String)> {
        match (&self.agrees, &self.reverses) {
            (Some(example), None) => Some((Direction::HigherIsBetter, example.clone())),
            (None, Some(example)) => Some((Direction::HigherIsWorse, example.clone())),
            _ => None,
        }
    }

    fn conflicting(&self) -> bool {
        self.agrees.is_some() && self.reverses.is_some()
    }
}

/// The number a text starts with and the label after it, folded: `1 - Very satisfied` gives
/// `(1, "verysatisfied")`; `None` without a label.
fn numbered_label(text: &str) -> Option<(u8, String)> {
    let number = leading_number(text)?;
    let text = text.trim();
    let after_digits = text.trim_start_matches(|c: char| c.is_ascii_digit());
    let label = fold(after_digits);
    (!label.is_empty() && label.chars().next().is_some_and(char::is_alphabetic)).then_some((number, label))
}

fn summarise(columns: &Columns<'_>, index: usize) -> AnswerSummary {
    let mut summary = AnswerSummary::default();
    for (_, value) in columns.values(index) {
        summary.total += 1;
        if let Some(number) = leading_number(value) {
            summary.satisfaction_numbered.add(SATISFACTION_FIVE_POINTS, 5, value);
            summary.agreement_numbered.add(AGREEMENT_SEVEN_POINTS, 7, value);
            summary.numbers += 1;
            summary.above_ten += usize::from(number > 10);
            summary.min_seen = Some(summary.min_seen.map_or(number, |min| min.min(number)));
            summary.max_seen = Some(summary.max_seen.map_or(number, |max| max.max(number)));
            continue;
        }
        let label = fold(value);
        if SATISFACTION_FIVE_POINTS.iter().any(|(known, _)| *known == label) {
            summary.satisfaction_labels += 1;
            summary.satisfaction_example.get_or_insert_with(|| shorten(value));
        } else if AGREEMENT_SEVEN_POINTS.iter().any(|(known, _)| *known == label) {
            summary.agreement_labels += 1;
            summary.agreement_example.get_or_insert_with(|| shorten(value));
        } else if ["extremelylikely", "notatalllikely", "estremamenteprobabile", "pernienteprobabile"]
            .contains(&label.as_str())
        {
            summary.numbers += 1;
        }
    }
    summary
}

fn suggest_metrics(columns: &Columns<'_>, suggestion: &mut Suggestion) {
    let mut mapped: Vec<(SurveyMetric, usize)> = Vec::new();
    for index in 0..columns.names.len() {
        if !is_free(suggestion, index) {
            continue;
        }
        if columns.is_nps_group(index) {
            set_role(suggestion, index, ColumnRole::NpsGroup, Evidence::QualtricsNpsGroup);
            continue;
        }
        let words = words(&columns.texts[index]);
        let found = metric_words(&words);
        let column = columns.names[index].clone();
        let (metric, metric_word) = match found.as_slice() {
            [] => {
                let named_score = SCORE_NAMES.contains(&columns.folded_names[index].as_str());
                if named_score && summarise(columns, index).numbers > 0 {
                    suggestion.questions.push(OpenQuestion::Metric { column, candidates: Vec::new() });
                }
                continue;
            }
            [(metric, word)] => (*metric, word.clone()),
            several => {
                let metrics: Vec<SurveyMetric> = several.iter().map(|(metric, _)| *metric).collect();
                set_role(
                    suggestion,
                    index,
                    ColumnRole::Ignored,
                    Evidence::SeveralMetrics { metrics: metrics.clone() },
                );
                suggestion.questions.push(OpenQuestion::Metric { column, candidates: metrics });
                continue;
            }
        };
        let summary = summarise(columns, index);
        let Some((scale, source)) = suggested_scale(metric, &columns.texts[index], &summary) else {
            set_role(suggestion, index, ColumnRole::Ignored, Evidence::AnswersNotOnScale { metric });
            continue;
        };
        if let Some(&(_, first)) = mapped.iter().find(|(other, _)| *other == metric) {
            let evidence = Evidence::MetricAlreadyMapped { metric, first_column: first + 1 };
            set_role(suggestion, index, ColumnRole::Ignored, evidence);
            let mapped = columns.names[first].clone();
            suggestion.questions.push(OpenQuestion::SecondColumnOfMetric { column, metric, mapped });
            continue;
        }
        let (direction, direction_word) =
            suggested_direction(metric, &words, &columns.texts[index], &summary);
        if direction == Direction::Unknown {
            suggestion.questions.push(OpenQuestion::Direction { column: column.clone() });
        }
        if scale.is_none() {
            let (min_seen, max_seen) = (summary.min_seen, summary.max_seen);
            suggestion.questions.push(OpenQuestion::Scale { column: column.clone(), min_seen, max_seen });
        }
        suggestion.mapping.metrics.push(MetricColumn { column, metric, scale, direction });
        let evidence = Evidence::QuestionText { metric_word, direction_word, scale: source };
        set_role(suggestion, index, ColumnRole::Metric(metric), evidence);
        mapped.push((metric, index));
    }
    // NPS, CSAT, CES: the same order whatever the columns' order in this month's file.
    suggestion.mapping.metrics.sort_by_key(|column| column.metric);
    if suggestion.mapping.metrics.is_empty() {
        suggestion.questions.push(OpenQuestion::NoMetricColumns);
    }
}

/// The scale to suggest and where it came from; `None` when most answers do not read as the metric
/// (a comment column whose question mentions it).
fn suggested_scale(
    metric: SurveyMetric,
    text: &str,
    summary: &AnswerSummary,
) -> Option<(Option<AnswerScale>, ScaleSource)> {
    let readable = summary.numbers
        + match metric {
            SurveyMetric::Nps => 0,
            SurveyMetric::Csat => summary.satisfaction_labels,
            SurveyMetric::Ces => summary.agreement_labels,
        };
    // A typo ("11") is reported where it is when the mapping is applied; a column of durations or
    // years is not answers.
    if readable * 2 < summary.total || summary.above_ten * 2 > summary.numbers {
        return None;
    }
    let suggested = match metric {
        SurveyMetric::Nps => (Some(AnswerScale { min: 0, max: 10 }), ScaleSource::Fixed),
        SurveyMetric::Csat | SurveyMetric::Ces if scale_in_text(text).is_some() => {
            (scale_in_text(text), ScaleSource::QuestionText)
        }
        SurveyMetric::Csat if summary.satisfaction_labels > 0 => {
            (Some(AnswerScale { min: 1, max: 5 }), ScaleSource::Labels)
        }
        SurveyMetric::Ces if summary.agreement_labels > 0 => {
            (Some(AnswerScale { min: 1, max: 7 }), ScaleSource::Labels)
        }
        // The answers seen need not reach the scale's ends (a 1–7 question answered 1 to 5 this
        // month would be read as 1–5, its 5s as top two): asked, with what was seen.
        SurveyMetric::Csat | SurveyMetric::Ces => (None, ScaleSource::Unknown),
    };
    Some(suggested)
}

/// The direction of a metric column and what gave it; see the module header. NPS is fixed. A CSAT
/// or CES column's direction comes from its question (a CES question's words, or labels written
/// beside numbers such as `1 = Very dissatisfied`) and from its answers' labels (a label Polso
/// reads itself, or one beside a number checked against the label tables); when nothing tells,
/// or these disagree, it is [`Direction::Unknown`] and asked: Qualtrics numbers choices in the
/// order listed, so `1` may be "Extremely satisfied".
fn suggested_direction(
    metric: SurveyMetric,
    words: &[String],
    text: &str,
    summary: &AnswerSummary,
) -> (Direction, Option<String>) {
    let (table, top, numbered, plain_labels): (&[(&str, u8)], u8, &LabelledNumbers, &Option<String>) =
        match metric {
            SurveyMetric::Nps => return (Direction::HigherIsBetter, None),
            SurveyMetric::Csat => {
                (SATISFACTION_FIVE_POINTS, 5, &summary.satisfaction_numbered, &summary.satisfaction_example)
            }
            SurveyMetric::Ces => {
                (AGREEMENT_SEVEN_POINTS, 7, &summary.agreement_numbered, &summary.agreement_example)
            }
        };
    // Labels written beside numbers in the question: `(1 = Very dissatisfied, 5 = Very satisfied)`.
    let mut anchors = LabelledNumbers::default();
    for piece in text.split([',', ';', '(', ')', '/', '\n']) {
        anchors.add(table, top, piece);
    }
    let mut from_text: Vec<(Direction, String)> = Vec::new();
    if let SurveyMetric::Ces = metric
        && let (direction @ (Direction::HigherIsBetter | Direction::HigherIsWorse), Some(word)) =
            ces_direction(words)
    {
        from_text.push((direction, word));
    }
    from_text.extend(anchors.direction());
    // Labels Polso reads itself are read with the table's direction, higher is better.
    let mut from_answers: Vec<(Direction, String)> = numbered.direction().into_iter().collect();
    if let Some(example) = plain_labels {
        from_answers.push((Direction::HigherIsBetter, example.clone()));
    }
    let all = from_text.iter().chain(&from_answers);
    let conflicting = anchors.conflicting()
        || numbered.conflicting()
        || all.clone().any(|(direction, _)| Some(direction) != all.clone().next().map(|(first, _)| first));
    match all.clone().next() {
        Some((direction, word)) if !conflicting => (*direction, Some(word.clone())),
        _ => (Direction::Unknown, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(text: &str) -> Vec<String> {
        words(text)
    }

    #[test]
    fn metrics_and_directions_from_question_texts() {
        let cases: [(&str, &[SurveyMetric], Direction); 12] = [
            (
                "How likely are you to recommend Acme to a friend or colleague?",
                &[SurveyMetric::Nps],
                Direction::Unknown,
            ),
            (
                "Quanto è probabile che consiglieresti Acme a un amico?",
                &[SurveyMetric::Nps],
                Direction::Unknown,
            ),
            ("Raccomanderesti il nostro servizio?", &[SurveyMetric::Nps], Direction::Unknown),
            ("Overall, how satisfied were you?", &[SurveyMetric::Csat], Direction::Unknown),
            ("Quanto sei soddisfatto dell'assistenza?", &[SurveyMetric::Csat], Direction::Unknown),
            ("Acme made it easy for me to handle my issue.", &[SurveyMetric::Ces], Direction::HigherIsBetter),
            ("Quanto è stato facile risolvere il problema?", &[SurveyMetric::Ces], Direction::HigherIsBetter),
            (
                "How much effort did you personally have to put forth?",
                &[SurveyMetric::Ces],
                Direction::HigherIsWorse,
            ),
            ("Sforzo", &[SurveyMetric::Ces], Direction::HigherIsWorse),
            ("Customer Effort Score", &[SurveyMetric::Ces], Direction::Unknown),
            ("How easy or difficult was it?", &[SurveyMetric::Ces], Direction::Unknown),
            ("score", &[], Direction::Unknown),
        ];
        for (text, metrics, direction) in cases {
            let words = words_of(text);
            let found: Vec<SurveyMetric> =
                metric_words(&words).into_iter().map(|(metric, _)| metric).collect();
            assert_eq!(found, metrics, "{text}");
            if metrics == [SurveyMetric::Ces] {
                assert_eq!(ces_direction(&words).0, direction, "{text}");
            }
        }
    }

    #[test]
    fn scales_written_in_questions() {
        let scale = |min, max| Some(AnswerScale { min, max });
        let cases = [
            ("Effort (1-7)", scale(1, 7)),
            ("On a scale from 0 to 10", scale(0, 10)),
            ("Quanto è stato facile? (da 1 a 5)", scale(1, 5)),
            ("Sforzo (1 = nessuno sforzo, 5 = moltissimo sforzo)", scale(1, 5)),
            ("Sforzo 1–7", scale(1, 7)),
            ("Visit on 1/5", None),
            ("Q2", None),
            ("In 2026, how easy was it?", None),
            ("Rate 3-9", None),
        ];
        for (text, expected) in cases {
            assert_eq!(scale_in_text(text), expected, "{text}");
        }
    }

    #[test]
    fn date_order_from_the_dates() {
        let order = |values: &[&str], italian: bool| {
            date_order(values.iter().enumerate().map(|(line, value)| (line + 2, *value)), italian, false)
        };
        assert_eq!(order(&["2026-11-23 10:15:02", "2026-11-01"], false).order, DateOrder::YearMonthDay);
        let day_first = order(&["01/11/2026", "23/11/2026 10:15"], false);
        assert_eq!(
            day_first.reason,
            DateOrderReason::DayAboveTwelve { line: 3, value: "23/11/2026 10:15".to_owned() }
        );
        assert_eq!(order(&["11/23/2026 10:15:02 AM"], false).order, DateOrder::MonthDayYear);
        let monkey = |values: &[&str]| {
            date_order(values.iter().enumerate().map(|(line, value)| (line + 2, *value)), false, true)
        };
        let am_pm = monkey(&["11/02/2026 10:15:02 AM"]);
        assert_eq!(
            (am_pm.order, matches!(am_pm.reason, DateOrderReason::AmPm { .. })),
            (DateOrder::MonthDayYear, true)
        );
        // Review, point 3: Australian and Indian Google Sheets write AM/PM day first.
        let sheets = order(&["3/11/2026 2:46:04 pm", "4/11/2026 9:01:00 am"], false);
        assert_eq!((sheets.order, sheets.reason), (DateOrder::Unknown, DateOrderReason::Undecided));
        assert_eq!(order(&["02/11/2026 10.15.02"], false).order, DateOrder::DayMonthYear);
        assert_eq!(order(&["02/11/2026 10:15:02"], true).order, DateOrder::DayMonthYear);
        assert_eq!(order(&["02/11/2026 10:15:02"], false).reason, DateOrderReason::Undecided);
        assert!(matches!(
            order(&["23/11/2026", "11/23/2026"], false).reason,
            DateOrderReason::Conflicting { .. }
        ));
    }
}
