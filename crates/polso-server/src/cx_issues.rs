//! A CX file's problems as the wire carries them: each with a stable code
//! and the values its wording names ([`CxImportIssue`]), so the app words it
//! in the user's language, and the English message beside them for API
//! clients. Every kind of problem the readers report maps to a code here by
//! an exhaustive match: a new kind does not compile until it has one.

use std::collections::BTreeMap;

use polso_api::{CxImportIssue, CxIssueCode};
use polso_core::cx::{CxErrorKind, CxImportError, CxMetric, DECIMAL_COMMA_HINT, OTHER_SEPARATOR_HINT};
use polso_core::survey::reader::UNCLOSED_QUOTE_HINT;
use polso_core::survey::{DateOrder, SurveyError, SurveyErrorKind, SurveyMetric};

/// The issue of an error in Polso's own layouts.
pub(crate) fn of_cx(error: &CxImportError) -> CxImportIssue {
    let (code, params) = cx_code(&error.kind);
    issue(error.line, error.column, code, params, error.kind.to_string())
}

/// The issue of an error reading a survey tool's export through a mapping.
pub(crate) fn of_survey(error: &SurveyError) -> CxImportIssue {
    let (code, params) = survey_code(&error.kind);
    issue(error.line, error.column, code, params, error.kind.to_string())
}

/// The issue of a team name that more than one team the token reaches has.
pub(crate) fn ambiguous_team(line: u32, column: u32, team: &str) -> CxImportIssue {
    CxImportIssue {
        line,
        column,
        code: CxIssueCode::AmbiguousTeam,
        params: BTreeMap::from([("team".to_owned(), team.to_owned())]),
        message: format!(
            "more than one team of the organisation is called '{team}'; the administrator can rename one"
        ),
    }
}

type Params = Vec<(&'static str, String)>;

fn issue(line: usize, column: usize, code: CxIssueCode, params: Params, message: String) -> CxImportIssue {
    CxImportIssue {
        line: to_u32(line),
        column: to_u32(column),
        code,
        params: params.into_iter().map(|(name, value)| (name.to_owned(), value)).collect(),
        message,
    }
}

fn cx_code(kind: &CxErrorKind) -> (CxIssueCode, Params) {
    use CxIssueCode as Code;
    match kind {
        CxErrorKind::EmptyFile => (Code::EmptyFile, vec![]),
        CxErrorKind::NoRows => (Code::NoRows, vec![]),
        CxErrorKind::NotUtf8 => (Code::NotUtf8, vec![]),
        CxErrorKind::UnterminatedQuote => (Code::UnclosedQuote, vec![]),
        CxErrorKind::TextAfterQuote => (Code::TextAfterQuote, vec![]),
        CxErrorKind::SingleColumnHeader { header } => {
            (Code::SingleColumnHeader, vec![("header", header.clone())])
        }
        CxErrorKind::MissingColumns { missing } => {
            (Code::MissingColumns, vec![("columns", missing.join(", "))])
        }
        CxErrorKind::DuplicateColumn { name, first_column } => {
            (Code::DuplicateColumn, vec![("name", name.clone()), ("first_column", first_column.to_string())])
        }
        CxErrorKind::WeekAndDate => (Code::WeekAndDate, vec![]),
        CxErrorKind::WrongFieldCount { expected, found, separator, hint } => {
            wrong_field_count(*expected, *found, *separator, hint)
        }
        CxErrorKind::EmptyField { column_name } => {
            (Code::EmptyField, vec![("field", (*column_name).to_owned())])
        }
        CxErrorKind::FieldTooLong { column_name, length, max } => field_too_long(column_name, *length, *max),
        CxErrorKind::UnknownTeam { given, closest } => unknown_team(given, closest.as_ref()),
        CxErrorKind::BadWeek { given } => (Code::BadWeek, given_only(given)),
        CxErrorKind::BadDate { given } => (Code::BadDate, given_only(given)),
        CxErrorKind::BadMetric { given } => (Code::BadMetric, given_only(given)),
        CxErrorKind::BadNumber { given } if given.contains('.') && given.contains(',') => {
            (Code::BadNumberSeparators, given_only(given))
        }
        CxErrorKind::BadNumber { given } => (Code::BadNumber, given_only(given)),
        CxErrorKind::BadCount { given } => (Code::BadCount, given_only(given)),
        CxErrorKind::ValueOutOfRange { metric, value, min, max } => (
            Code::ValueOutOfRange,
            vec![
                ("value", value.to_string()),
                ("metric", metric.to_string()),
                ("min", min.to_string()),
                ("max", max.to_string()),
            ],
        ),
        CxErrorKind::BadScore { given, metric, min, max } => {
            (Code::BadScore, answer_off_scale(given, metric, *min, *max))
        }
        CxErrorKind::ScoresNotNps { max_seen } => {
            (Code::ScoresNotNps, vec![("max_seen", max_seen.to_string())])
        }
        CxErrorKind::EffortDirectionUnknown { given } => (Code::EffortDirectionUnknown, given_only(given)),
        CxErrorKind::NotARawMetric { metric } => (Code::NotARawMetric, vec![("metric", metric.to_string())]),
        CxErrorKind::DuplicateRow { team, week, metric, first_line } => (
            Code::DuplicateRow,
            vec![
                ("team", team.clone()),
                ("week", week.to_string()),
                ("metric", metric.to_string()),
                ("first_line", first_line.to_string()),
            ],
        ),
        CxErrorKind::TooManyErrors { shown } => (Code::TooManyErrors, vec![("shown", shown.to_string())]),
    }
}

fn survey_code(kind: &SurveyErrorKind) -> (CxIssueCode, Params) {
    use CxIssueCode as Code;
    let column = |column: &String| vec![("column", column.clone())];
    let name = |name: &String| vec![("name", name.clone())];
    match kind {
        SurveyErrorKind::EmptyFile => (Code::EmptyFile, vec![]),
        SurveyErrorKind::NotText => (Code::NotUtf8, vec![]),
        SurveyErrorKind::SingleColumn { header } => (Code::SingleColumn, vec![("header", header.clone())]),
        SurveyErrorKind::TooManyColumns { count, max } => {
            (Code::TooManyColumns, vec![("count", count.to_string()), ("max", max.to_string())])
        }
        SurveyErrorKind::TooManyRows { max } => (Code::TooManyRows, vec![("max", max.to_string())]),
        SurveyErrorKind::UnclosedQuote => (Code::UnclosedQuote, vec![]),
        SurveyErrorKind::WrongFieldCount { expected, found, separator, hint } => {
            wrong_field_count(*expected, *found, *separator, hint)
        }
        SurveyErrorKind::FieldTooLong { what, length, max } => field_too_long(what, *length, *max),
        SurveyErrorKind::BadHeaderRows { header_rows, max } => {
            (Code::BadHeaderRows, vec![("header_rows", header_rows.to_string()), ("max", max.to_string())])
        }
        SurveyErrorKind::NoRows { header_rows } => {
            (Code::NoRowsAfterHeader, vec![("header_rows", header_rows.to_string())])
        }
        SurveyErrorKind::FilterMatchedNoRow { column, equals, leave_out, found } => {
            let mut params = vec![("column", column.clone()), ("equals", equals.clone())];
            let code = match (leave_out, found) {
                (true, _) => Code::FilterLeavesOutEveryRow,
                (false, Some(found)) => {
                    params.push(("found", found.clone()));
                    Code::FilterKeepsNoRow
                }
                (false, None) => Code::FilterKeepsNoRowEmptyColumn,
            };
            (code, params)
        }
        SurveyErrorKind::NoAnswers => (Code::NoAnswers, vec![]),
        SurveyErrorKind::TeamColumnNotChosen => (Code::TeamColumnNotChosen, vec![]),
        SurveyErrorKind::PeriodColumnNotChosen => (Code::PeriodColumnNotChosen, vec![]),
        SurveyErrorKind::DateOrderNotChosen { column: date_column } => {
            (Code::DateOrderNotChosen, column(date_column))
        }
        SurveyErrorKind::NoMetricColumns => (Code::NoMetricColumns, vec![]),
        SurveyErrorKind::DirectionNotChosen { column: metric_column } => {
            (Code::DirectionNotChosen, column(metric_column))
        }
        SurveyErrorKind::ScaleNotChosen { column: metric_column } => {
            (Code::ScaleNotChosen, column(metric_column))
        }
        SurveyErrorKind::BadScale { metric, min, max } => {
            let code = match metric {
                SurveyMetric::Nps => Code::BadNpsScale,
                SurveyMetric::Csat | SurveyMetric::Ces => Code::BadScale,
            };
            (code, vec![("metric", metric.to_string()), ("min", min.to_string()), ("max", max.to_string())])
        }
        SurveyErrorKind::NpsReversed { column: nps_column } => (Code::NpsReversed, column(nps_column)),
        SurveyErrorKind::MissingColumn { name: missing } => (Code::MissingColumn, name(missing)),
        SurveyErrorKind::AmbiguousColumn { name, first_column } => {
            (Code::AmbiguousColumn, vec![("name", name.clone()), ("first_column", first_column.to_string())])
        }
        SurveyErrorKind::NpsGroupColumn { name: group } => (Code::NpsGroupColumn, name(group)),
        SurveyErrorKind::MetricMappedTwice { metric, first_column } => (
            Code::MetricMappedTwice,
            vec![("metric", metric.to_string()), ("first_column", first_column.clone())],
        ),
        SurveyErrorKind::EmptyField { what } => (Code::EmptyField, vec![("field", (*what).to_owned())]),
        SurveyErrorKind::UnknownTeam { given, closest } => unknown_team(given, closest.as_ref()),
        SurveyErrorKind::BadDate { given, order } => match date_example(*order) {
            Some(example) => {
                (Code::BadDateInOrder, vec![("given", given.clone()), ("example", example.to_owned())])
            }
            None => (Code::BadDate, given_only(given)),
        },
        SurveyErrorKind::BadWeek { given } => (Code::BadWeek, given_only(given)),
        SurveyErrorKind::BadAnswer { given, metric, min, max } => {
            (Code::BadAnswer, answer_off_scale(given, metric, *min, *max))
        }
        SurveyErrorKind::TooManyErrors { shown } => (Code::TooManyErrors, vec![("shown", shown.to_string())]),
    }
}

/// The values of an answer that is not on its metric's scale.
fn answer_off_scale(given: &str, metric: &CxMetric, min: u8, max: u8) -> Params {
    vec![
        ("given", given.to_owned()),
        ("metric", metric.to_string()),
        ("min", min.to_string()),
        ("max", max.to_string()),
    ]
}

fn given_only(given: &str) -> Params {
    vec![("given", given.to_owned())]
}

/// A field-count error, its code chosen by the readers' hint at the cause.
fn wrong_field_count(expected: usize, found: usize, separator: char, hint: &str) -> (CxIssueCode, Params) {
    let code = match hint {
        DECIMAL_COMMA_HINT => CxIssueCode::WrongFieldCountDecimalComma,
        OTHER_SEPARATOR_HINT => CxIssueCode::WrongFieldCountOtherSeparator,
        UNCLOSED_QUOTE_HINT => CxIssueCode::WrongFieldCountUnclosedQuote,
        _ => CxIssueCode::WrongFieldCount,
    };
    let separator = match separator {
        '\t' => "tab".to_owned(),
        other => other.to_string(),
    };
    (code, vec![("expected", expected.to_string()), ("found", found.to_string()), ("separator", separator)])
}

fn field_too_long(field: &str, length: usize, max: usize) -> (CxIssueCode, Params) {
    (
        CxIssueCode::FieldTooLong,
        vec![("field", field.to_owned()), ("length", length.to_string()), ("max", max.to_string())],
    )
}

fn unknown_team(given: &str, closest: Option<&String>) -> (CxIssueCode, Params) {
    match closest {
        Some(closest) => {
            (CxIssueCode::UnknownTeam, vec![("given", given.to_owned()), ("closest", closest.clone())])
        }
        None => (CxIssueCode::UnknownTeamNoTeams, given_only(given)),
    }
}

/// A date written in `order`, for the wording of a date that is not; `None`
/// when the order is not chosen.
fn date_example(order: DateOrder) -> Option<&'static str> {
    match order {
        DateOrder::YearMonthDay => Some("2026-11-23"),
        DateOrder::DayMonthYear => Some("23/11/2026"),
        DateOrder::MonthDayYear => Some("11/23/2026"),
        DateOrder::Unknown => None,
    }
}

/// A line or column number on the wire, saturated at `u32::MAX`.
pub(crate) fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use polso_core::IsoWeek;

    use super::*;

    /// One problem of every kind either reader reports, and the ambiguous team.
    fn every_kind() -> Vec<CxImportIssue> {
        let s = |text: &str| text.to_owned();
        let week: IsoWeek = "2026-W48".parse().unwrap();
        let cx_kinds = vec![
            CxErrorKind::EmptyFile,
            CxErrorKind::NoRows,
            CxErrorKind::NotUtf8,
            CxErrorKind::UnterminatedQuote,
            CxErrorKind::TextAfterQuote,
            CxErrorKind::SingleColumnHeader { header: s("team week") },
            CxErrorKind::MissingColumns { missing: vec!["metric", "value"] },
            CxErrorKind::DuplicateColumn { name: s("squadra"), first_column: 1 },
            CxErrorKind::WeekAndDate,
            CxErrorKind::WrongFieldCount { expected: 5, found: 6, separator: ',', hint: DECIMAL_COMMA_HINT },
            CxErrorKind::WrongFieldCount {
                expected: 5,
                found: 1,
                separator: ';',
                hint: OTHER_SEPARATOR_HINT,
            },
            CxErrorKind::WrongFieldCount { expected: 5, found: 4, separator: ';', hint: "" },
            CxErrorKind::EmptyField { column_name: "metric" },
            CxErrorKind::FieldTooLong { column_name: s("team"), length: 300, max: 200 },
            CxErrorKind::UnknownTeam { given: s("Vendite"), closest: Some(s("Vendite Nord")) },
            CxErrorKind::UnknownTeam { given: s("Vendite"), closest: None },
            CxErrorKind::BadWeek { given: s("W48") },
            CxErrorKind::BadDate { given: s("ieri") },
            CxErrorKind::BadMetric { given: s("") },
            CxErrorKind::BadNumber { given: s("tanto") },
            CxErrorKind::BadNumber { given: s("1.234,5") },
            CxErrorKind::BadCount { given: s("0") },
            CxErrorKind::ValueOutOfRange { metric: CxMetric::Csat, value: 120.0, min: 0.0, max: 100.0 },
            CxErrorKind::BadScore { given: s("11"), metric: CxMetric::Nps, min: 0, max: 10 },
            CxErrorKind::ScoresNotNps { max_seen: 5 },
            CxErrorKind::EffortDirectionUnknown { given: s("sforzo") },
            CxErrorKind::NotARawMetric { metric: CxMetric::FirstContactResolution },
            CxErrorKind::DuplicateRow { team: s("Nord"), week, metric: CxMetric::Nps, first_line: 2 },
            CxErrorKind::TooManyErrors { shown: 100 },
        ];
        let column = s("Q3");
        let survey_kinds = vec![
            SurveyErrorKind::EmptyFile,
            SurveyErrorKind::NotText,
            SurveyErrorKind::SingleColumn { header: s("a b c") },
            SurveyErrorKind::TooManyColumns { count: 5000, max: 2000 },
            SurveyErrorKind::TooManyRows { max: 1_000_000 },
            SurveyErrorKind::UnclosedQuote,
            SurveyErrorKind::WrongFieldCount {
                expected: 9,
                found: 4,
                separator: '\t',
                hint: UNCLOSED_QUOTE_HINT,
            },
            SurveyErrorKind::FieldTooLong { what: s("answer"), length: 300, max: 200 },
            SurveyErrorKind::BadHeaderRows { header_rows: 9, max: 3 },
            SurveyErrorKind::NoRows { header_rows: 3 },
            SurveyErrorKind::FilterMatchedNoRow {
                column: s("Finished"),
                equals: s("1"),
                leave_out: false,
                found: Some(s("True")),
            },
            SurveyErrorKind::FilterMatchedNoRow {
                column: s("Finished"),
                equals: s("1"),
                leave_out: false,
                found: None,
            },
            SurveyErrorKind::FilterMatchedNoRow {
                column: s("Status"),
                equals: s("Preview"),
                leave_out: true,
                found: None,
            },
            SurveyErrorKind::NoAnswers,
            SurveyErrorKind::TeamColumnNotChosen,
            SurveyErrorKind::PeriodColumnNotChosen,
            SurveyErrorKind::DateOrderNotChosen { column: column.clone() },
            SurveyErrorKind::NoMetricColumns,
            SurveyErrorKind::DirectionNotChosen { column: column.clone() },
            SurveyErrorKind::ScaleNotChosen { column: column.clone() },
            SurveyErrorKind::BadScale { metric: SurveyMetric::Nps, min: 1, max: 5 },
            SurveyErrorKind::BadScale { metric: SurveyMetric::Csat, min: 1, max: 2 },
            SurveyErrorKind::NpsReversed { column: column.clone() },
            SurveyErrorKind::MissingColumn { name: s("Team") },
            SurveyErrorKind::AmbiguousColumn { name: s("Team"), first_column: 2 },
            SurveyErrorKind::NpsGroupColumn { name: s("Q1_NPS_GROUP") },
            SurveyErrorKind::MetricMappedTwice { metric: SurveyMetric::Csat, first_column: s("Q2") },
            SurveyErrorKind::EmptyField { what: "date" },
            SurveyErrorKind::UnknownTeam { given: s("Vendite"), closest: Some(s("Vendite Nord")) },
            SurveyErrorKind::BadDate { given: s("31/31/2026"), order: DateOrder::DayMonthYear },
            SurveyErrorKind::BadDate { given: s("31/31/2026"), order: DateOrder::Unknown },
            SurveyErrorKind::BadWeek { given: s("W48") },
            SurveyErrorKind::BadAnswer { given: s("molto"), metric: CxMetric::Csat, min: 1, max: 5 },
            SurveyErrorKind::TooManyErrors { shown: 100 },
        ];
        cx_kinds
            .into_iter()
            .map(|kind| of_cx(&CxImportError { line: 2, column: 3, kind }))
            .chain(survey_kinds.into_iter().map(|kind| of_survey(&SurveyError { line: 2, column: 3, kind })))
            .chain(std::iter::once(ambiguous_team(2, 3, "Nord")))
            .collect()
    }

    /// The app's English catalogue: its wording of each issue code.
    fn english_wordings() -> BTreeMap<String, String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/lib/i18n/en.json");
        let catalogue: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        catalogue
            .into_iter()
            .filter_map(|(key, text)| {
                Some((key.strip_prefix("cx.issue.")?.to_owned(), text.as_str()?.to_owned()))
            })
            .collect()
    }

    fn code_name(code: CxIssueCode) -> String {
        serde_json::to_value(code).unwrap().as_str().unwrap().to_owned()
    }

    /// Every code the server sends has a wording in the app, every wording
    /// a code the server sends, and every value a wording names is among
    /// the issue's parameters (so no `{name}` is left on screen).
    #[test]
    fn every_issue_is_worded_by_the_app_with_the_values_it_names() {
        let wordings = english_wordings();
        let issues = every_kind();
        let sent: BTreeSet<String> = issues.iter().map(|issue| code_name(issue.code)).collect();
        let worded: BTreeSet<String> = wordings.keys().cloned().collect();
        assert_eq!(sent, worded, "codes sent against codes the app words");
        for issue in &issues {
            let wording = &wordings[&code_name(issue.code)];
            for placeholder in
                wording.split('{').skip(1).filter_map(|rest| rest.split_once('}')).map(|(name, _)| name)
            {
                assert!(
                    issue.params.contains_key(placeholder),
                    "{:?} lacks '{placeholder}': {issue:?}",
                    issue.code
                );
            }
            assert!(!issue.message.is_empty());
        }
    }

    /// The readers' hints choose the code; a tab is named, not sent as a tab.
    #[test]
    fn a_field_count_error_is_coded_by_its_likely_cause() {
        let issues = every_kind();
        let codes: Vec<CxIssueCode> = issues.iter().map(|issue| issue.code).collect();
        for code in [
            CxIssueCode::WrongFieldCountDecimalComma,
            CxIssueCode::WrongFieldCountOtherSeparator,
            CxIssueCode::WrongFieldCountUnclosedQuote,
            CxIssueCode::WrongFieldCount,
        ] {
            assert!(codes.contains(&code), "{code:?}");
        }
        let tab =
            issues.iter().find(|issue| issue.code == CxIssueCode::WrongFieldCountUnclosedQuote).unwrap();
        assert_eq!(tab.params["separator"], "tab");
    }

    /// A real file's problems reach the wire with their codes and values.
    #[test]
    fn a_parsed_file_s_problems_carry_codes_and_values() {
        let file = "team,week,metric,value,n\nVendite,2026-W48,csat,4,5,12\nVenditte,2026-W48,csat,80,12\n";
        let errors = polso_core::cx::parse_cx_csv(file.as_bytes(), &["Vendite"]).unwrap_err();
        let issues: Vec<CxImportIssue> = errors.iter().map(of_cx).collect();
        assert_eq!(issues[0].code, CxIssueCode::WrongFieldCountDecimalComma);
        assert_eq!((issues[0].line, issues[0].params["expected"].as_str()), (2, "5"));
        assert_eq!(issues[1].code, CxIssueCode::UnknownTeam);
        assert_eq!(
            (issues[1].params["given"].as_str(), issues[1].params["closest"].as_str()),
            ("Venditte", "Vendite")
        );
    }
}
