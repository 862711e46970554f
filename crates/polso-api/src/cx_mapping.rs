//! Column mappings of CX survey exports, over HTTP and IPC: what a survey
//! tool's file holds in which column (`polso_core::survey`), suggested from the
//! file (`POST /v1/cx/mapping-suggestion`), confirmed by HR, saved per source
//! (`PUT /v1/cx/mappings/{name}`, `GET /v1/cx/mappings`) and used to import
//! the file (`POST /v1/cx?mapping=NAME`).
//!
//! A mapping names columns by their header text, never by position, so next
//! month's export of the same source maps the same even with its columns
//! reordered. What is not decided yet is written as such (`team_column:
//! null`, `"unknown"` direction or date order, `scale: null`): the import
//! refuses a mapping with anything undecided, naming it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::cx::CxSurveyTool;

/// How to read one survey export: header rows, team, date or week, the metric
/// columns, and the rows to keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CxMapping {
    /// Rows of headers before the answers: 3 for Qualtrics (names, question
    /// texts, import ids), 2 for SurveyMonkey, 1 otherwise.
    pub header_rows: u32,
    /// The column (by its first header row's text) holding the team's name; `null` until chosen.
    pub team_column: Option<String>,
    /// The column dating each answer; `null` until chosen.
    pub period: Option<CxPeriodColumn>,
    /// The columns holding answers to fold into a metric, one per metric.
    pub metrics: Vec<CxMetricColumn>,
    /// Rows are kept only where every filter's column equals its text
    /// (ignoring case and surrounding spaces), such as Qualtrics' `Finished = 1`.
    #[serde(default)]
    pub filters: Vec<CxRowFilter>,
}

/// The column dating each answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CxPeriodColumn {
    /// A date (with or without a time, which is ignored); the answer counts in its ISO week.
    Date {
        /// The column.
        column: String,
        /// How its dates are written.
        order: CxDateOrder,
    },
    /// An ISO week, such as `2026-W48`.
    Week {
        /// The column.
        column: String,
    },
}

/// How a date column writes its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CxDateOrder {
    /// `2026-11-23`, `2026/11/23`.
    YearMonthDay,
    /// `23/11/2026`, as in Italy.
    DayMonthYear,
    /// `11/23/2026`, as in the United States.
    MonthDayYear,
    /// Not decided: the file does not tell (every day so far is 12 or less).
    Unknown,
}

/// The metric a column's answers fold into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CxSurveyMetric {
    /// Net Promoter Score from 0–10 answers: % promoters (9–10) − % detractors (0–6).
    Nps,
    /// Customer satisfaction: % of answers in the top two points of the scale.
    Csat,
    /// Customer effort: the mean answer on Polso's 1–7 "higher is easier" scale.
    Ces,
}

/// One column of answers and how to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CxMetricColumn {
    /// The column.
    pub column: String,
    /// The metric its answers fold into.
    pub metric: CxSurveyMetric,
    /// Its answer scale; `null` until chosen (NPS is always 0–10).
    pub scale: Option<CxAnswerScale>,
    /// Whether a higher answer is better (easier) or worse (more effort).
    pub direction: CxDirection,
}

/// An answer scale, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CxAnswerScale {
    /// The lowest answer.
    pub min: u8,
    /// The highest answer.
    pub max: u8,
}

/// Whether a higher answer means better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CxDirection {
    /// Higher is better: more likely to recommend, more satisfied, easier.
    HigherIsBetter,
    /// Higher is worse, such as "how much effort did it take?": reversed when folded.
    HigherIsWorse,
    /// Not decided: the question does not say.
    Unknown,
}

/// Keep a row only when its `column` equals `equals`, or with `leave_out` leave such rows out
/// (Qualtrics' `Status` = `Survey Preview`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CxRowFilter {
    /// The column.
    pub column: String,
    /// The text a kept row holds (a left-out row, with `leave_out`).
    pub equals: String,
    /// Rows holding `equals` are left out rather than kept; absent (false) in mappings saved
    /// before it existed.
    #[serde(default)]
    pub leave_out: bool,
}

/// What a column was taken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CxColumnRole {
    /// The team.
    Team,
    /// The date.
    Date,
    /// The ISO week.
    Week,
    /// A column a filter reads (Qualtrics' `Finished`).
    Filter,
    /// NPS answers.
    Nps,
    /// CSAT answers.
    Csat,
    /// CES answers.
    Ces,
    /// Qualtrics' NPS group beside an NPS question: derived, never read.
    NpsGroup,
    /// Not read.
    Ignored,
}

/// Why a column was taken for its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CxEvidence {
    /// Its header is a usual name for the role (`team`, `squadra`, `date`…).
    HeaderName,
    /// The tool's own convention (Qualtrics' `RecordedDate`, Google Forms' timestamp).
    ToolConvention,
    /// A guess from what the column holds; confirm it.
    Guess,
    /// Its question's text (`recommend`, `soddisfatto`, `effort`…).
    QuestionText,
    /// Qualtrics' `_NPS_GROUP` suffix.
    QualtricsNpsGroup,
    /// Its text names a metric but its answers are not on that metric's scale.
    AnswersNotOnScale,
    /// Its text names a metric another column already holds.
    MetricAlreadyMapped,
    /// Its text names several metrics.
    SeveralMetrics,
    /// Nothing recognised.
    Unrecognised,
}

/// One column of the file as the suggestion read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxSuggestedColumn {
    /// Its 1-based position, as a spreadsheet shows it.
    pub position: u32,
    /// Its name (the first header row), by which a mapping names it.
    pub name: String,
    /// Its question text (the second header row), or the name again.
    pub text: String,
    /// What it was taken for.
    pub role: CxColumnRole,
    /// Why.
    pub evidence: CxEvidence,
    /// The word of its text that decided (such as `recommend` or `sforzo`), when one did.
    pub word: Option<String>,
}

/// Something the file does not tell, which HR must decide before importing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CxOpenQuestion {
    /// No column looks like the team: choose one.
    TeamColumn,
    /// A column was guessed as the team: confirm it.
    ConfirmTeamColumn {
        /// The guessed column.
        column: String,
    },
    /// No column looks like a date or week: choose one.
    PeriodColumn,
    /// Whether the dates are day first or month first.
    DateOrder {
        /// The date column.
        column: String,
        /// A few of its dates.
        examples: Vec<String>,
    },
    /// Whether a higher answer in the column is better or worse.
    Direction {
        /// The column.
        column: String,
    },
    /// The column's answer scale.
    Scale {
        /// The column.
        column: String,
        /// The lowest answer seen, if any.
        min_seen: Option<u8>,
        /// The highest answer seen, if any.
        max_seen: Option<u8>,
    },
    /// Which metric the column holds, if any.
    Metric {
        /// The column.
        column: String,
        /// The metrics its text names.
        candidates: Vec<CxSurveyMetric>,
    },
    /// A second column for a metric already mapped: which one to use.
    SecondColumnOfMetric {
        /// The second column.
        column: String,
        /// The metric.
        metric: CxSurveyMetric,
        /// The column mapped to it.
        mapped: String,
    },
    /// No column looks like NPS, CSAT or CES answers.
    NoMetricColumns,
}

/// A mapping suggested from a file, with what decided each column and what is left to decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxMappingSuggestion {
    /// The tool the file looks like it comes from.
    pub tool: CxSurveyTool,
    /// The mapping, with `null` or `"unknown"` where undecided.
    pub mapping: CxMapping,
    /// Every column of the file, in order.
    pub columns: Vec<CxSuggestedColumn>,
    /// What HR must decide before importing; empty when the file told everything.
    pub questions: Vec<CxOpenQuestion>,
}

/// What the app's mapping step gets for a file: the server's suggestion, or, for a file that
/// cannot be read as CSV at all, its problems by line and column, each with its code, so the app
/// words them in the employee's language as it does an import's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CxMappingStep {
    /// The server's suggestion.
    Suggested(CxMappingSuggestion),
    /// The file's problems; nothing was suggested.
    Unreadable(crate::CxImportReport),
}

/// A mapping saved under a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxSavedMapping {
    /// The name of the source, such as "Qualtrics assistenza".
    pub name: String,
    /// The mapping.
    pub mapping: CxMapping,
    /// When it was last saved, RFC 3339.
    pub saved_at: String,
    /// Whether it is the organisation's (saved by a whole-organisation HR
    /// token or the administrator): every HR token of the organisation reads
    /// it, and only a whole-organisation token changes it. Otherwise it
    /// belongs to the departments of the token that saved it.
    pub organisation_wide: bool,
}

/// The organisation's saved mappings (`GET /v1/cx/mappings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CxMappingList {
    /// By name.
    pub mappings: Vec<CxSavedMapping>,
}

#[cfg(feature = "core")]
mod convert {
    //! Between the wire's mapping and the core's, written once for the server and the app.

    use polso_core::survey::{
        AnswerScale, ColumnRole, DateOrder, Direction, Evidence, MetricColumn, OpenQuestion, PeriodColumn,
        RowFilter, Suggestion, SurveyMapping, SurveyMetric, SurveyTool,
    };

    use super::*;

    impl From<SurveyMetric> for CxSurveyMetric {
        fn from(metric: SurveyMetric) -> CxSurveyMetric {
            match metric {
                SurveyMetric::Nps => CxSurveyMetric::Nps,
                SurveyMetric::Csat => CxSurveyMetric::Csat,
                SurveyMetric::Ces => CxSurveyMetric::Ces,
            }
        }
    }

    impl From<CxSurveyMetric> for SurveyMetric {
        fn from(metric: CxSurveyMetric) -> SurveyMetric {
            match metric {
                CxSurveyMetric::Nps => SurveyMetric::Nps,
                CxSurveyMetric::Csat => SurveyMetric::Csat,
                CxSurveyMetric::Ces => SurveyMetric::Ces,
            }
        }
    }

    impl From<DateOrder> for CxDateOrder {
        fn from(order: DateOrder) -> CxDateOrder {
            match order {
                DateOrder::YearMonthDay => CxDateOrder::YearMonthDay,
                DateOrder::DayMonthYear => CxDateOrder::DayMonthYear,
                DateOrder::MonthDayYear => CxDateOrder::MonthDayYear,
                DateOrder::Unknown => CxDateOrder::Unknown,
            }
        }
    }

    impl From<CxDateOrder> for DateOrder {
        fn from(order: CxDateOrder) -> DateOrder {
            match order {
                CxDateOrder::YearMonthDay => DateOrder::YearMonthDay,
                CxDateOrder::DayMonthYear => DateOrder::DayMonthYear,
                CxDateOrder::MonthDayYear => DateOrder::MonthDayYear,
                CxDateOrder::Unknown => DateOrder::Unknown,
            }
        }
    }

    impl From<Direction> for CxDirection {
        fn from(direction: Direction) -> CxDirection {
            match direction {
                Direction::HigherIsBetter => CxDirection::HigherIsBetter,
                Direction::HigherIsWorse => CxDirection::HigherIsWorse,
                Direction::Unknown => CxDirection::Unknown,
            }
        }
    }

    impl From<CxDirection> for Direction {
        fn from(direction: CxDirection) -> Direction {
            match direction {
                CxDirection::HigherIsBetter => Direction::HigherIsBetter,
                CxDirection::HigherIsWorse => Direction::HigherIsWorse,
                CxDirection::Unknown => Direction::Unknown,
            }
        }
    }

    impl From<SurveyTool> for CxSurveyTool {
        fn from(tool: SurveyTool) -> CxSurveyTool {
            match tool {
                SurveyTool::Qualtrics => CxSurveyTool::Qualtrics,
                SurveyTool::SurveyMonkey => CxSurveyTool::SurveyMonkey,
                SurveyTool::GoogleForms => CxSurveyTool::GoogleForms,
                SurveyTool::Generic => CxSurveyTool::Generic,
            }
        }
    }

    impl From<&SurveyMapping> for CxMapping {
        fn from(mapping: &SurveyMapping) -> CxMapping {
            CxMapping {
                header_rows: u32::try_from(mapping.header_rows).unwrap_or(u32::MAX),
                team_column: mapping.team_column.clone(),
                period: mapping.period.as_ref().map(|period| match period {
                    PeriodColumn::Date { column, order } => {
                        CxPeriodColumn::Date { column: column.clone(), order: (*order).into() }
                    }
                    PeriodColumn::Week { column } => CxPeriodColumn::Week { column: column.clone() },
                }),
                metrics: mapping
                    .metrics
                    .iter()
                    .map(|metric| CxMetricColumn {
                        column: metric.column.clone(),
                        metric: metric.metric.into(),
                        scale: metric.scale.map(|scale| CxAnswerScale { min: scale.min, max: scale.max }),
                        direction: metric.direction.into(),
                    })
                    .collect(),
                filters: mapping
                    .filters
                    .iter()
                    .map(|filter| CxRowFilter {
                        column: filter.column.clone(),
                        equals: filter.equals.clone(),
                        leave_out: filter.leave_out,
                    })
                    .collect(),
            }
        }
    }

    impl From<&CxMapping> for SurveyMapping {
        fn from(mapping: &CxMapping) -> SurveyMapping {
            SurveyMapping {
                header_rows: usize::try_from(mapping.header_rows).unwrap_or(usize::MAX),
                team_column: mapping.team_column.clone(),
                period: mapping.period.as_ref().map(|period| match period {
                    CxPeriodColumn::Date { column, order } => {
                        PeriodColumn::Date { column: column.clone(), order: (*order).into() }
                    }
                    CxPeriodColumn::Week { column } => PeriodColumn::Week { column: column.clone() },
                }),
                metrics: mapping
                    .metrics
                    .iter()
                    .map(|metric| MetricColumn {
                        column: metric.column.clone(),
                        metric: metric.metric.into(),
                        scale: metric.scale.map(|scale| AnswerScale { min: scale.min, max: scale.max }),
                        direction: metric.direction.into(),
                    })
                    .collect(),
                filters: mapping
                    .filters
                    .iter()
                    .map(|filter| RowFilter {
                        column: filter.column.clone(),
                        equals: filter.equals.clone(),
                        leave_out: filter.leave_out,
                    })
                    .collect(),
            }
        }
    }

    impl From<&Suggestion> for CxMappingSuggestion {
        fn from(suggestion: &Suggestion) -> CxMappingSuggestion {
            let to_u32 = |value: usize| u32::try_from(value).unwrap_or(u32::MAX);
            CxMappingSuggestion {
                tool: suggestion.tool.into(),
                mapping: (&suggestion.mapping).into(),
                columns: suggestion
                    .columns
                    .iter()
                    .map(|column| {
                        let (evidence, word) = evidence_of(&column.evidence);
                        CxSuggestedColumn {
                            position: to_u32(column.column),
                            name: column.name.clone(),
                            text: column.text.clone(),
                            role: match column.role {
                                ColumnRole::Team => CxColumnRole::Team,
                                ColumnRole::Date => CxColumnRole::Date,
                                ColumnRole::Week => CxColumnRole::Week,
                                ColumnRole::Filter => CxColumnRole::Filter,
                                ColumnRole::Metric(SurveyMetric::Nps) => CxColumnRole::Nps,
                                ColumnRole::Metric(SurveyMetric::Csat) => CxColumnRole::Csat,
                                ColumnRole::Metric(SurveyMetric::Ces) => CxColumnRole::Ces,
                                ColumnRole::NpsGroup => CxColumnRole::NpsGroup,
                                ColumnRole::Ignored => CxColumnRole::Ignored,
                            },
                            evidence,
                            word,
                        }
                    })
                    .collect(),
                questions: suggestion.questions.iter().map(question_of).collect(),
            }
        }
    }

    fn evidence_of(evidence: &Evidence) -> (CxEvidence, Option<String>) {
        match evidence {
            Evidence::HeaderName => (CxEvidence::HeaderName, None),
            Evidence::ToolConvention => (CxEvidence::ToolConvention, None),
            Evidence::Guess => (CxEvidence::Guess, None),
            Evidence::QuestionText { metric_word, .. } => {
                (CxEvidence::QuestionText, Some(metric_word.clone()))
            }
            Evidence::QualtricsNpsGroup => (CxEvidence::QualtricsNpsGroup, None),
            Evidence::AnswersNotOnScale { .. } => (CxEvidence::AnswersNotOnScale, None),
            Evidence::MetricAlreadyMapped { .. } => (CxEvidence::MetricAlreadyMapped, None),
            Evidence::SeveralMetrics { .. } => (CxEvidence::SeveralMetrics, None),
            Evidence::Unrecognised => (CxEvidence::Unrecognised, None),
        }
    }

    fn question_of(question: &OpenQuestion) -> CxOpenQuestion {
        match question {
            OpenQuestion::TeamColumn => CxOpenQuestion::TeamColumn,
            OpenQuestion::ConfirmTeamColumn { column } => {
                CxOpenQuestion::ConfirmTeamColumn { column: column.clone() }
            }
            OpenQuestion::PeriodColumn => CxOpenQuestion::PeriodColumn,
            OpenQuestion::DateOrder { column, examples } => {
                CxOpenQuestion::DateOrder { column: column.clone(), examples: examples.clone() }
            }
            OpenQuestion::Direction { column } => CxOpenQuestion::Direction { column: column.clone() },
            OpenQuestion::Scale { column, min_seen, max_seen } => {
                CxOpenQuestion::Scale { column: column.clone(), min_seen: *min_seen, max_seen: *max_seen }
            }
            OpenQuestion::Metric { column, candidates } => CxOpenQuestion::Metric {
                column: column.clone(),
                candidates: candidates.iter().map(|metric| (*metric).into()).collect(),
            },
            OpenQuestion::SecondColumnOfMetric { column, metric, mapped } => {
                CxOpenQuestion::SecondColumnOfMetric {
                    column: column.clone(),
                    metric: (*metric).into(),
                    mapped: mapped.clone(),
                }
            }
            OpenQuestion::NoMetricColumns => CxOpenQuestion::NoMetricColumns,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// A mapping crosses the wire and comes back unchanged.
        #[test]
        fn a_mapping_round_trips_through_the_wire() {
            let mapping = SurveyMapping {
                header_rows: 3,
                team_column: Some("Team".to_owned()),
                period: Some(PeriodColumn::Date {
                    column: "RecordedDate".to_owned(),
                    order: DateOrder::YearMonthDay,
                }),
                metrics: vec![
                    MetricColumn {
                        column: "Q1".to_owned(),
                        metric: SurveyMetric::Nps,
                        scale: Some(AnswerScale { min: 0, max: 10 }),
                        direction: Direction::HigherIsBetter,
                    },
                    MetricColumn {
                        column: "Q3".to_owned(),
                        metric: SurveyMetric::Ces,
                        scale: None,
                        direction: Direction::Unknown,
                    },
                ],
                filters: vec![
                    RowFilter::keep("Finished", "1"),
                    RowFilter::leave_out("Status", "Survey Preview"),
                ],
            };
            let wire = CxMapping::from(&mapping);
            let text = serde_json::to_string(&wire).unwrap();
            let back: CxMapping = serde_json::from_str(&text).unwrap();
            assert_eq!(SurveyMapping::from(&back), mapping);
            assert!(
                text.contains(r#""period":{"kind":"date","column":"RecordedDate","order":"year_month_day"}"#),
                "{text}"
            );
        }
    }
}
