//! Survey exports as Qualtrics, SurveyMonkey, Google Forms and spreadsheets write them, imported
//! through the suggested mapping (issue 15): the acceptance test compares n and NPS / CSAT / CES per
//! team and week with `tests/fixtures/survey/expected.json`, which `expected.py` computes from the
//! same files with Python's csv module alone. Then the mapping's round trip, its refusals, errors
//! with line and column, the regressions the issue names, and random and mutated bytes.

use std::collections::BTreeMap;

use polso_core::cx::{CxFileFormat, CxImport, CxKey, CxMetric};
use polso_core::survey::{
    AnswerScale, ColumnRole, DateOrder, DateOrderReason, Direction, MetricColumn, OpenQuestion, PeriodColumn,
    RowFilter, SurveyError, SurveyErrorKind, SurveyFile, SurveyMapping, SurveyMetric, SurveyTool, apply,
    suggest_mapping,
};

use crate::synthetic::TestRandom;

const TEAMS: [&str; 6] =
    ["Support North", "Support South", "Billing", "Assistenza Milano", "Assistenza Roma", "Fatturazione"];

const EXPECTED_JSON: &str = include_str!("../fixtures/survey/expected.json");

const QUALTRICS_EN: &[u8] = include_bytes!("../fixtures/survey/qualtrics_en.csv");
const QUALTRICS_IT: &[u8] = include_bytes!("../fixtures/survey/qualtrics_it.csv");
const SURVEYMONKEY_EN: &[u8] = include_bytes!("../fixtures/survey/surveymonkey_en.csv");
const GFORMS_IT: &[u8] = include_bytes!("../fixtures/survey/gforms_it.csv");
const GFORMS_EN: &[u8] = include_bytes!("../fixtures/survey/gforms_en.csv");
const GENERIC_IT: &[u8] = include_bytes!("../fixtures/survey/generic_it.csv");

const SM_NPS: &str = "How likely is it that you would recommend Acme to a friend or colleague?";
const SM_CSAT: &str = "How satisfied were you with your most recent support request?";
const SM_EFFORT: &str = "How much effort did you personally have to put forth to handle your request?";
const GF_IT_NPS: &str =
    "Quanto è probabile che consiglieresti il nostro servizio clienti a un amico o a un collega?";
const GF_IT_CSAT: &str = "Quanto sei soddisfatto dell'assistenza ricevuta?";
const GF_IT_CES: &str = "Quanto è stato facile risolvere il tuo problema? (da 1 a 7)";
const GF_EN_NPS: &str = "How likely are you to recommend Acme to a friend or colleague?";
const GF_EN_CSAT: &str = "How satisfied were you with the help you received?";
const GF_EN_CES: &str = "Customer effort score (1-7)";

fn read(bytes: &[u8]) -> SurveyFile {
    SurveyFile::read(bytes).unwrap()
}

fn date(column: &str, order: DateOrder) -> Option<PeriodColumn> {
    Some(PeriodColumn::Date { column: column.to_owned(), order })
}

fn metric(column: &str, metric: SurveyMetric, scale: Option<(u8, u8)>, direction: Direction) -> MetricColumn {
    let scale = scale.map(|(min, max)| AnswerScale { min, max });
    MetricColumn { column: column.to_owned(), metric, scale, direction }
}

fn filter(column: &str, equals: &str) -> RowFilter {
    RowFilter::keep(column, equals)
}

fn nps(column: &str) -> MetricColumn {
    metric(column, SurveyMetric::Nps, Some((0, 10)), Direction::HigherIsBetter)
}

/// Sets the scale and direction of the metric column named `column`, as a user answers
/// [`OpenQuestion::Scale`] and [`OpenQuestion::Direction`].
fn answer(mapping: &mut SurveyMapping, column: &str, scale: Option<(u8, u8)>, direction: Option<Direction>) {
    let metric = mapping.metrics.iter_mut().find(|metric| metric.column == column).unwrap();
    if let Some((min, max)) = scale {
        metric.scale = Some(AnswerScale { min, max });
    }
    if let Some(direction) = direction {
        metric.direction = direction;
    }
}

// How the fixtures' author answers each file's open questions; the true scales and directions are
// those `expected.py` writes out for each column.

/// qualtrics_en.csv: Q2 ("Overall, how satisfied…", answered 1 to 5 by number) is a 1–5 scale
/// with 5 the most satisfied; Q3 ("Acme made it easy…", CES 2.0) is 1–7, its text already says
/// higher is easier.
fn answer_qualtrics_en(mapping: &mut SurveyMapping) {
    answer(mapping, "Q2", Some((1, 5)), Some(Direction::HigherIsBetter));
    answer(mapping, "Q3", Some((1, 7)), None);
}

/// surveymonkey_en.csv: the effort question's five points (`1 - Very low effort` to
/// `5 - Very high effort`); its text already says higher is more effort.
fn answer_surveymonkey_en(mapping: &mut SurveyMapping) {
    answer(mapping, SM_EFFORT, Some((1, 5)), None);
}

/// gforms_en.csv: the satisfaction question is 1 to 5 with 5 the most satisfied (this file's
/// answers reach only 2 to 5); "Customer effort score (1-7)" is CES 2.0, 7 the easiest.
fn answer_gforms_en(mapping: &mut SurveyMapping) {
    answer(mapping, GF_EN_CSAT, Some((1, 5)), Some(Direction::HigherIsBetter));
    answer(mapping, GF_EN_CES, None, Some(Direction::HigherIsBetter));
}

/// generic_it.csv: "Soddisfazione (1-5)" has 5 the most satisfied.
fn answer_generic_it(mapping: &mut SurveyMapping) {
    answer(mapping, "Soddisfazione (1-5)", None, Some(Direction::HigherIsBetter));
}

/// A fixture, what the suggestion must say about it, and how a user answers its questions.
struct Export {
    name: &'static str,
    bytes: &'static [u8],
    tool: SurveyTool,
    separator: char,
    suggested: SurveyMapping,
    questions: Vec<OpenQuestion>,
    answer: fn(&mut SurveyMapping),
}

fn exports() -> Vec<Export> {
    let higher_is_better = Direction::HigherIsBetter;
    let higher_is_worse = Direction::HigherIsWorse;
    vec![
        Export {
            name: "qualtrics_en.csv",
            bytes: QUALTRICS_EN,
            tool: SurveyTool::Qualtrics,
            separator: ',',
            suggested: SurveyMapping {
                header_rows: 3,
                team_column: Some("Team".to_owned()),
                period: date("RecordedDate", DateOrder::YearMonthDay),
                metrics: vec![
                    nps("Q1"),
                    metric("Q2", SurveyMetric::Csat, None, Direction::Unknown),
                    metric("Q3", SurveyMetric::Ces, None, higher_is_better),
                ],
                filters: vec![filter("Finished", "1"), RowFilter::leave_out("Status", "1")],
            },
            // Numeric answers only: neither Q2's scale nor its direction is in the file, nor Q3's scale.
            questions: vec![
                OpenQuestion::Direction { column: "Q2".to_owned() },
                OpenQuestion::Scale { column: "Q2".to_owned(), min_seen: Some(1), max_seen: Some(5) },
                OpenQuestion::Scale { column: "Q3".to_owned(), min_seen: Some(1), max_seen: Some(7) },
            ],
            answer: answer_qualtrics_en,
        },
        Export {
            name: "qualtrics_it.csv",
            bytes: QUALTRICS_IT,
            tool: SurveyTool::Qualtrics,
            separator: ',',
            suggested: SurveyMapping {
                header_rows: 3,
                team_column: Some("team_name".to_owned()),
                period: date("RecordedDate", DateOrder::YearMonthDay),
                metrics: vec![
                    nps("Q1"),
                    metric("Q2", SurveyMetric::Csat, Some((1, 5)), higher_is_better),
                    metric("Q3", SurveyMetric::Ces, Some((1, 5)), higher_is_worse),
                ],
                filters: vec![
                    filter("Finished", "True"),
                    RowFilter::leave_out("Status", "Survey Preview"),
                    RowFilter::leave_out("Status", "Survey Test"),
                    RowFilter::leave_out("Status", "Spam"),
                ],
            },
            questions: vec![],
            answer: |_| {},
        },
        Export {
            name: "surveymonkey_en.csv",
            bytes: SURVEYMONKEY_EN,
            tool: SurveyTool::SurveyMonkey,
            separator: ',',
            suggested: SurveyMapping {
                header_rows: 2,
                team_column: Some("team".to_owned()),
                period: date("End Date", DateOrder::MonthDayYear),
                metrics: vec![
                    nps(SM_NPS),
                    metric(SM_CSAT, SurveyMetric::Csat, Some((1, 5)), higher_is_better),
                    metric(SM_EFFORT, SurveyMetric::Ces, None, higher_is_worse),
                ],
                filters: vec![],
            },
            questions: vec![OpenQuestion::Scale {
                column: SM_EFFORT.to_owned(),
                min_seen: Some(1),
                max_seen: Some(5),
            }],
            answer: answer_surveymonkey_en,
        },
        Export {
            name: "gforms_it.csv",
            bytes: GFORMS_IT,
            tool: SurveyTool::GoogleForms,
            separator: ',',
            suggested: SurveyMapping {
                header_rows: 1,
                team_column: Some("Squadra".to_owned()),
                period: date("Informazioni cronologiche", DateOrder::DayMonthYear),
                metrics: vec![
                    nps(GF_IT_NPS),
                    metric(GF_IT_CSAT, SurveyMetric::Csat, Some((1, 5)), higher_is_better),
                    metric(GF_IT_CES, SurveyMetric::Ces, Some((1, 7)), higher_is_better),
                ],
                filters: vec![],
            },
            questions: vec![],
            answer: |_| {},
        },
        Export {
            name: "gforms_en.csv",
            bytes: GFORMS_EN,
            tool: SurveyTool::GoogleForms,
            separator: ',',
            suggested: SurveyMapping {
                header_rows: 1,
                team_column: Some("Team".to_owned()),
                period: date("Timestamp", DateOrder::YearMonthDay),
                metrics: vec![
                    nps(GF_EN_NPS),
                    metric(GF_EN_CSAT, SurveyMetric::Csat, None, Direction::Unknown),
                    metric(GF_EN_CES, SurveyMetric::Ces, Some((1, 7)), Direction::Unknown),
                ],
                filters: vec![],
            },
            questions: vec![
                OpenQuestion::Direction { column: GF_EN_CSAT.to_owned() },
                OpenQuestion::Scale { column: GF_EN_CSAT.to_owned(), min_seen: Some(2), max_seen: Some(5) },
                OpenQuestion::Direction { column: GF_EN_CES.to_owned() },
            ],
            answer: answer_gforms_en,
        },
        Export {
            name: "generic_it.csv",
            bytes: GENERIC_IT,
            tool: SurveyTool::Generic,
            separator: ';',
            suggested: SurveyMapping {
                header_rows: 1,
                team_column: Some("Squadra".to_owned()),
                period: date("Data", DateOrder::DayMonthYear),
                metrics: vec![
                    nps("NPS"),
                    metric("Soddisfazione (1-5)", SurveyMetric::Csat, Some((1, 5)), Direction::Unknown),
                    metric("Sforzo (1-7)", SurveyMetric::Ces, Some((1, 7)), higher_is_worse),
                ],
                filters: vec![],
            },
            questions: vec![OpenQuestion::Direction { column: "Soddisfazione (1-5)".to_owned() }],
            answer: answer_generic_it,
        },
    ]
}

/// The rows `expected.py` computed for one file, keyed as Polso keys them: (n, value).
fn expected_rows(file: &str) -> BTreeMap<CxKey, (u32, f64)> {
    let all: serde_json::Value = serde_json::from_str(EXPECTED_JSON).unwrap();
    let rows = all[file].as_array().unwrap_or_else(|| panic!("expected.json has no {file}"));
    rows.iter()
        .map(|row| {
            let metric = match row["metric"].as_str().unwrap() {
                "nps" => CxMetric::Nps,
                "csat" => CxMetric::Csat,
                "ces" => CxMetric::Ces,
                other => panic!("metric {other}"),
            };
            let key = CxKey {
                team: row["team"].as_str().unwrap().to_owned(),
                week: row["week"].as_str().unwrap().parse().unwrap(),
                metric,
            };
            let n = u32::try_from(row["n"].as_u64().unwrap()).unwrap();
            (key, (n, row["value"].as_f64().unwrap()))
        })
        .collect()
}

fn assert_matches_expected(name: &str, import: &CxImport) {
    let expected = expected_rows(name);
    let got: Vec<&CxKey> = import.rows.keys().collect();
    let wanted: Vec<&CxKey> = expected.keys().collect();
    assert_eq!(got, wanted, "{name}: the (team, week, metric) cells");
    for (key, value) in &import.rows {
        let (n, expected_value) = expected[key];
        assert_eq!(value.n_responses, n, "{name}: n of {key:?}");
        assert!(
            (value.value - expected_value).abs() <= 1e-9,
            "{name}: {key:?} is {} where a spreadsheet computes {expected_value}",
            value.value
        );
    }
}

#[test]
fn each_export_imports_as_a_spreadsheet_computes_it() {
    for export in exports() {
        let file = read(export.bytes);
        let suggestion = suggest_mapping(&file);
        assert_eq!(suggestion.tool, export.tool, "{}", export.name);
        assert_eq!(suggestion.mapping, export.suggested, "{}: the suggested mapping", export.name);
        assert_eq!(suggestion.questions, export.questions, "{}: the questions asked", export.name);
        let mut confirmed = suggestion.mapping.clone();
        (export.answer)(&mut confirmed);
        let import =
            apply(&file, &confirmed, &TEAMS).unwrap_or_else(|errors| panic!("{}: {errors:?}", export.name));
        assert_eq!(import.format, CxFileFormat::RawResponses);
        assert_eq!(import.separator, export.separator, "{}", export.name);
        assert_matches_expected(export.name, &import);
    }
}

#[test]
fn the_suggestion_shows_what_decided_it() {
    let suggestion = suggest_mapping(&read(QUALTRICS_EN));
    let role_of = |name: &str| {
        suggestion.columns.iter().find(|column| column.name == name).map(|column| column.role).unwrap()
    };
    assert_eq!(role_of("Q1"), ColumnRole::Metric(SurveyMetric::Nps));
    assert_eq!(role_of("Q1_NPS_GROUP"), ColumnRole::NpsGroup);
    assert_eq!(role_of("Q4"), ColumnRole::Ignored);
    assert_eq!(role_of("Finished"), ColumnRole::Filter);
    assert_eq!(role_of("Team"), ColumnRole::Team);
    assert_eq!(role_of("RecordedDate"), ColumnRole::Date);
    let q3 = suggestion.columns.iter().find(|column| column.name == "Q3").unwrap();
    assert_eq!(q3.column, 21);
    assert_eq!(q3.text, "Acme made it easy for me to handle my issue.");
    assert_eq!(
        suggestion.date_order.as_ref().map(|evidence| &evidence.reason),
        Some(&DateOrderReason::YearFirst)
    );

    let monkey = suggest_mapping(&read(SURVEYMONKEY_EN));
    let reason = monkey.date_order.map(|evidence| evidence.reason);
    assert!(matches!(reason, Some(DateOrderReason::MonthAboveTwelve { .. })), "{reason:?}");
    let form = suggest_mapping(&read(GFORMS_IT));
    let reason = form.date_order.map(|evidence| evidence.reason);
    assert!(matches!(reason, Some(DateOrderReason::DayAboveTwelve { .. })), "{reason:?}");
}

/// The file's rows written again with the columns in `order` (old indexes), separated by `separator`.
fn rewritten(bytes: &[u8], order: &[usize], separator: u8) -> Vec<u8> {
    let file = read(bytes);
    let mut writer = csv::WriterBuilder::new().delimiter(separator).from_writer(Vec::new());
    for record in file.records() {
        writer.write_record(order.iter().map(|&index| record.field(index))).unwrap();
    }
    writer.into_inner().unwrap()
}

#[test]
fn a_mapping_saved_as_json_reimports_a_reordered_export_identically() {
    let file = read(QUALTRICS_EN);
    let suggested = suggest_mapping(&file).mapping;
    let mut mapping = suggested.clone();
    answer_qualtrics_en(&mut mapping);
    let saved = serde_json::to_string_pretty(&mapping).unwrap();
    assert!(saved.contains("\"team_column\": \"Team\""), "{saved}");
    assert!(saved.contains("\"order\": \"year_month_day\""), "{saved}");
    let reloaded: SurveyMapping = serde_json::from_str(&saved).unwrap();
    assert_eq!(reloaded, mapping);
    let original = apply(&file, &mapping, &TEAMS).unwrap();

    // Next month's export: the same answers, columns in another order, saved with semicolons.
    let mut order: Vec<usize> = (0..file.field_count()).rev().collect();
    order.rotate_left(3);
    let reordered = read(&rewritten(QUALTRICS_EN, &order, b';'));
    assert_eq!(reordered.separator(), ';');
    assert_eq!(suggest_mapping(&reordered).mapping, suggested);
    let again = apply(&reordered, &reloaded, &TEAMS).unwrap();
    assert_eq!(again.rows, original.rows);

    // Qualtrics' TSV export: tab-separated UTF-16 with a byte-order mark.
    let tabs =
        String::from_utf8(rewritten(QUALTRICS_EN, &(0..file.field_count()).collect::<Vec<_>>(), b'\t'))
            .unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(tabs.encode_utf16().flat_map(u16::to_le_bytes));
    let tsv = apply(&read(&utf16), &reloaded, &TEAMS).unwrap();
    assert_eq!(tsv.separator, '\t');
    assert_eq!(tsv.rows, original.rows);
}

fn kinds(errors: &[SurveyError]) -> Vec<(usize, usize, &SurveyErrorKind)> {
    errors.iter().map(|error| (error.line, error.column, &error.kind)).collect()
}

#[test]
fn an_effort_column_of_unknown_direction_is_refused_until_chosen() {
    let file = read(GFORMS_EN);
    let suggestion = suggest_mapping(&file);
    assert_eq!(suggestion.mapping.metrics[2].direction, Direction::Unknown);
    let errors = apply(&file, &suggestion.mapping, &TEAMS).unwrap_err();
    let refused = SurveyErrorKind::DirectionNotChosen { column: GF_EN_CES.to_owned() };
    let csat_direction = SurveyErrorKind::DirectionNotChosen { column: GF_EN_CSAT.to_owned() };
    let csat_scale = SurveyErrorKind::ScaleNotChosen { column: GF_EN_CSAT.to_owned() };
    assert_eq!(kinds(&errors), vec![(1, 4, &csat_direction), (1, 4, &csat_scale), (1, 5, &refused)]);
    assert!(errors[2].to_string().contains("line 1, column 5"), "{}", errors[2]);

    // "Sforzo" is read the other way: a higher answer is more effort, so the easiest answer (1) is 7.
    let text = "Data;Squadra;Sforzo (1-7)\n23/11/2026;Fatturazione;1\n24/11/2026;Fatturazione;1\n";
    let mapping = suggest_mapping(&read(text.as_bytes())).mapping;
    assert_eq!(mapping.metrics[0].direction, Direction::HigherIsWorse);
    let import = apply(&read(text.as_bytes()), &mapping, &TEAMS).unwrap();
    let values: Vec<(f64, u32)> =
        import.rows.values().map(|value| (value.value, value.n_responses)).collect();
    assert_eq!(values, vec![(7.0, 2)]);
}

#[test]
fn a_mapped_column_the_file_lacks_is_an_error_naming_it() {
    let file = read(GENERIC_IT);
    let mut mapping = suggest_mapping(&file).mapping;
    answer_generic_it(&mut mapping);
    mapping.metrics[2].column = "Sforzo (1-10)".to_owned();
    mapping.team_column = Some("Team".to_owned());
    let errors = apply(&file, &mapping, &TEAMS).unwrap_err();
    let missing = |name: &str| SurveyErrorKind::MissingColumn { name: name.to_owned() };
    assert_eq!(kinds(&errors), vec![(1, 8, &missing("Team")), (1, 8, &missing("Sforzo (1-10)"))]);
    assert!(errors[1].to_string().contains("the file has no column 'Sforzo (1-10)'"), "{}", errors[1]);
}

#[test]
fn an_unfinished_qualtrics_response_is_left_out() {
    let text = "StartDate,EndDate,Finished,RecordedDate,ResponseId,Q1,Team\n\
                Start Date,End Date,Finished,Recorded Date,Response ID,How likely are you to recommend us?,Team\n\
                {\"ImportId\":\"startDate\"},{\"ImportId\":\"endDate\"},{\"ImportId\":\"finished\"},{\"ImportId\":\"recordedDate\"},{\"ImportId\":\"_recordId\"},{\"ImportId\":\"QID1\"},{\"ImportId\":\"Team\"}\n\
                2026-11-23 10:00:00,2026-11-23 10:02:00,1,2026-11-23 10:02:00,R_1,10,Billing\n\
                2026-11-23 11:00:00,2026-11-23 11:01:00,0,2026-11-30 11:01:00,R_2,0,Billing\n";
    let file = read(text.as_bytes());
    let mapping = suggest_mapping(&file).mapping;
    assert_eq!(mapping.filters, vec![filter("Finished", "1")]);
    let import = apply(&file, &mapping, &TEAMS).unwrap();
    let rows: Vec<(String, f64, u32, usize)> = import
        .rows
        .iter()
        .map(|(key, value)| (key.week.to_string(), value.value, value.n_responses, value.first_line))
        .collect();
    assert_eq!(rows, vec![("2026-W48".to_owned(), 100.0, 1, 4)]);

    // Without the filter, the unfinished response would count (in the week it was closed).
    let unfiltered = SurveyMapping { filters: vec![], ..mapping };
    assert_eq!(apply(&file, &unfiltered, &TEAMS).unwrap().rows.len(), 2);

    // In the fixture: 49 responses with an NPS answer, of which 4 unfinished and 1 a preview.
    let fixture = read(QUALTRICS_EN);
    let mut suggested = suggest_mapping(&fixture).mapping;
    answer_qualtrics_en(&mut suggested);
    let nps_n = |import: &CxImport| {
        import
            .rows
            .iter()
            .filter(|(key, _)| key.metric == CxMetric::Nps)
            .map(|(_, value)| value.n_responses)
            .sum::<u32>()
    };
    assert_eq!(nps_n(&apply(&fixture, &suggested, &TEAMS).unwrap()), 44);
    let all = SurveyMapping { filters: vec![], ..suggested };
    assert_eq!(nps_n(&apply(&fixture, &all, &TEAMS).unwrap()), 49);
}

#[test]
fn a_csat_column_is_never_read_as_nps() {
    // Issue 15: a CSAT column renamed `score` was imported as NPS −100 for every week.
    let text = "team,date,score\nBilling,2026-11-23,5\nBilling,2026-11-24,4\nBilling,2026-11-25,5\n";
    let file = read(text.as_bytes());
    let suggestion = suggest_mapping(&file);
    assert!(suggestion.mapping.metrics.is_empty(), "{:?}", suggestion.mapping.metrics);
    assert_eq!(
        suggestion.questions,
        vec![
            OpenQuestion::Metric { column: "score".to_owned(), candidates: vec![] },
            OpenQuestion::NoMetricColumns
        ]
    );
    let errors = apply(&file, &suggestion.mapping, &TEAMS).unwrap_err();
    assert_eq!(kinds(&errors), vec![(1, 4, &SurveyErrorKind::NoMetricColumns)]);

    // Its question's text decides the metric; its scale and direction are asked (review, point 2),
    // with the answers seen to start from.
    let column = "Overall, how satisfied were you? (score)";
    let text = "team,date,\"Overall, how satisfied were you? (score)\"\nBilling,2026-11-23,5\nBilling,2026-11-24,4\n\
                Billing,2026-11-25,2\n";
    let file = read(text.as_bytes());
    let suggestion = suggest_mapping(&file);
    assert_eq!(
        suggestion.mapping.metrics,
        vec![metric(column, SurveyMetric::Csat, None, Direction::Unknown)]
    );
    assert_eq!(
        suggestion.questions,
        vec![
            OpenQuestion::Direction { column: column.to_owned() },
            OpenQuestion::Scale { column: column.to_owned(), min_seen: Some(2), max_seen: Some(5) },
        ]
    );
    let mut mapping = suggestion.mapping;
    answer(&mut mapping, column, Some((1, 5)), Some(Direction::HigherIsBetter));
    let import = apply(&file, &mapping, &TEAMS).unwrap();
    let rows: Vec<(&CxMetric, f64)> =
        import.rows.iter().map(|(key, value)| (&key.metric, value.value)).collect();
    assert_eq!(rows, vec![(&CxMetric::Csat, 200.0 / 3.0)]);

    // Qualtrics' NPS group (1 detractor, 2 passive, 3 promoter) is never folded as a score.
    let file = read(QUALTRICS_EN);
    let mut mapping = suggest_mapping(&file).mapping;
    answer_qualtrics_en(&mut mapping);
    mapping.metrics[0].column = "Q1_NPS_GROUP".to_owned();
    let errors = apply(&file, &mapping, &TEAMS).unwrap_err();
    let group = SurveyErrorKind::NpsGroupColumn { name: "Q1_NPS_GROUP".to_owned() };
    assert_eq!(kinds(&errors), vec![(1, 19, &group)]);
}

#[test]
fn errors_carry_line_and_column() {
    let text = "Timestamp,Team,How likely are you to recommend us?,Comment\n\
                23/11/2026 10:00:00,Billing,9,\"fine,\nreally\"\n\
                24/11/2026 10:00:00,Suport North,8,\n\
                31/11/2026 10:00:00,Billing,7,\n\
                25/11/2026 10:00:00,Billing,eleven out of ten, and then some more words to make this long,\n\
                26/11/2026 10:00:00,,10,\n\
                27/11/2026 10:00:00,Billing,,\n\
                28/11/2026 10:00:00,Billing,11,\n";
    let file = read(text.as_bytes());
    let mapping = suggest_mapping(&file).mapping;
    let errors = apply(&file, &mapping, &TEAMS).unwrap_err();
    let unknown = SurveyErrorKind::UnknownTeam {
        given: "Suport North".to_owned(),
        closest: Some("Support North".to_owned()),
    };
    let bad_date =
        SurveyErrorKind::BadDate { given: "31/11/2026 10:00:00".to_owned(), order: DateOrder::DayMonthYear };
    let bad_answer = |given: &str| SurveyErrorKind::BadAnswer {
        given: given.to_owned(),
        metric: CxMetric::Nps,
        min: 0,
        max: 10,
    };
    let empty_team = SurveyErrorKind::EmptyField { what: "team" };
    assert_eq!(
        kinds(&errors),
        vec![
            (4, 2, &unknown),
            (5, 1, &bad_date),
            (6, 3, &bad_answer("eleven out of ten")),
            (7, 2, &empty_team),
            (9, 3, &bad_answer("11")),
        ]
    );
    assert_eq!(
        errors[0].to_string(),
        "line 4, column 2: unknown team 'Suport North'; the closest known team is 'Support North'"
    );

    // A long answer is shortened in its error; a row with too few fields is refused where it starts.
    let long =
        format!("Team,Date,NPS\nBilling,2026-11-23,\"{}\"\nBilling,\"2026-11-24\n\"\n", "9 ".repeat(40));
    let errors = SurveyFile::read(long.as_bytes()).unwrap_err();
    assert!(
        matches!(errors[0].kind, SurveyErrorKind::WrongFieldCount { expected: 3, found: 2, .. }),
        "{errors:?}"
    );
    assert_eq!((errors[0].line, errors[0].column), (3, 3));
    let long = format!(
        "Team,Date,NPS\nBilling,2026-11-23,9\nBilling,2026-11-23,10\nBilling,2026-11-23,\"{}\"\n",
        "9 ".repeat(40)
    );
    let file = read(long.as_bytes());
    let errors = apply(&file, &suggest_mapping(&file).mapping, &TEAMS).unwrap_err();
    let SurveyErrorKind::BadAnswer { given, .. } = &errors[0].kind else { panic!("{errors:?}") };
    assert_eq!(given.chars().count(), polso_core::survey::MAX_QUOTED_CHARS + 1);
    assert_eq!((errors[0].line, errors[0].column), (4, 3));
}

#[test]
fn the_date_order_is_asked_when_the_file_does_not_tell() {
    let text = "Timestamp,Team,How likely are you to recommend us?\n\
                11/02/2026 10:15:02,Billing,10\n\
                12/02/2026 18:01:44,Billing,3\n";
    let file = read(text.as_bytes());
    let suggestion = suggest_mapping(&file);
    assert_eq!(suggestion.mapping.period, date("Timestamp", DateOrder::Unknown));
    let examples = vec!["11/02/2026 10:15:02".to_owned(), "12/02/2026 18:01:44".to_owned()];
    assert_eq!(
        suggestion.questions,
        vec![OpenQuestion::DateOrder { column: "Timestamp".to_owned(), examples }]
    );
    let errors = apply(&file, &suggestion.mapping, &TEAMS).unwrap_err();
    assert_eq!(
        kinds(&errors),
        vec![(1, 1, &SurveyErrorKind::DateOrderNotChosen { column: "Timestamp".to_owned() })]
    );

    let weeks = |order: DateOrder| {
        let mapping = SurveyMapping { period: date("Timestamp", order), ..suggestion.mapping.clone() };
        let import = apply(&file, &mapping, &TEAMS).unwrap();
        import.rows.keys().map(|key| key.week.to_string()).collect::<Vec<String>>()
    };
    // The 11th and 12th of February, or the 2nd of November and of December.
    assert_eq!(weeks(DateOrder::DayMonthYear), vec!["2026-W07"]);
    assert_eq!(weeks(DateOrder::MonthDayYear), vec!["2026-W45", "2026-W49"]);
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    let fixtures = [QUALTRICS_EN, QUALTRICS_IT, SURVEYMONKEY_EN, GFORMS_IT, GFORMS_EN, GENERIC_IT];
    let mut random = TestRandom::new(15);
    let pick =
        |random: &mut TestRandom, below: usize| usize::try_from(random.next_u64() % below as u64).unwrap();
    const SPICE: &[u8] = b"\",;\t\n\r 0123456789/-.:AMP{}\xc3\xa8\xff\xfe";
    let mut imported = 0;
    for round in 0..600 {
        let mut bytes = fixtures[round % fixtures.len()].to_vec();
        if round % 10 == 9 {
            let length = pick(&mut random, 400);
            bytes = (0..length).map(|_| SPICE[pick(&mut random, SPICE.len())]).collect();
        }
        for _ in 0..pick(&mut random, 6) {
            if bytes.is_empty() {
                break;
            }
            let at = pick(&mut random, bytes.len());
            match pick(&mut random, 4) {
                0 => bytes[at] = SPICE[pick(&mut random, SPICE.len())],
                1 => bytes.insert(at, SPICE[pick(&mut random, SPICE.len())]),
                2 => drop(bytes.remove(at)),
                _ => bytes.truncate(at),
            }
        }
        let Ok(file) = SurveyFile::read(&bytes) else { continue };
        let suggestion = suggest_mapping(&file);
        let _ = apply(&file, &suggestion.mapping, &TEAMS);
        let mut filled = suggestion.mapping;
        for column in &mut filled.metrics {
            column.scale = column.scale.or(Some(AnswerScale { min: 1, max: 5 }));
            if column.direction == Direction::Unknown {
                column.direction = Direction::HigherIsBetter;
            }
        }
        if let Some(PeriodColumn::Date { order, .. }) = &mut filled.period
            && *order == DateOrder::Unknown
        {
            *order = DateOrder::DayMonthYear;
        }
        if apply(&file, &filled, &TEAMS).is_ok() {
            imported += 1;
        }
    }
    // Most mutations leave a readable file: the loop exercised the whole path, not only the reader.
    assert!(imported > 100, "{imported} imports");
}

/// Review, point 1: a 184 KB file with a 4,000-character question above 60,000 empty columns made
/// `suggest_mapping` use 1.44 GB (a joined 4 KB name per column, copied several times). Such a
/// file is refused at line 1 naming its columns; one just under the cap is read at about its own
/// size, with joined names cut to `MAX_CX_FIELD_CHARS`.
#[test]
fn a_file_of_very_many_empty_columns_is_refused_or_read_in_bounded_memory() {
    let pathological = |empty_columns: usize| {
        let mut text = format!("Respondent ID,Collector ID,{}", "x".repeat(4_000));
        text.push_str(&",".repeat(empty_columns));
        text.push_str("\n,,");
        text.push_str(&vec!["a"; empty_columns + 1].join(","));
        text.push('\n');
        text
    };
    let text = pathological(60_000);
    assert!(text.len() > 180_000, "{}", text.len());
    let errors = SurveyFile::read(text.as_bytes()).unwrap_err();
    let too_many =
        SurveyErrorKind::TooManyColumns { count: 60_003, max: polso_core::survey::MAX_SURVEY_COLUMNS };
    assert_eq!(kinds(&errors), vec![(1, 1_001, &too_many)]);
    assert!(errors[0].to_string().contains("60003 columns"), "{}", errors[0]);

    let text = pathological(990);
    let file = read(text.as_bytes());
    assert_eq!(file.field_count(), 993);
    // Before: each record was a csv::StringRecord of 993 fields, 8 bytes of bounds a field and more.
    assert!(
        file.stored_bytes() < 2 * text.len() + 4_096,
        "{} bytes for a {}-byte file",
        file.stored_bytes(),
        text.len()
    );
    let suggestion = suggest_mapping(&file);
    let max = polso_core::cx::MAX_CX_FIELD_CHARS;
    let joined = &suggestion.columns[3].name;
    assert!(
        joined.starts_with("xxx") && joined.chars().count() <= max,
        "{} characters",
        joined.chars().count()
    );
    assert!(suggestion.columns.iter().skip(3).all(|column| column.name.chars().count() <= max));

    // Plain rows of two short fields cost their text, four bytes a field and a record each; before,
    // a 16 MB file of them took 805 MB.
    let mut rows = String::from("a,b\n");
    rows.push_str(&"a,b\n".repeat(100_000));
    let file = read(rows.as_bytes());
    let per_row = std::mem::size_of::<polso_core::survey::SurveyRecord>() + 2 + 8;
    assert!(file.stored_bytes() <= 100_001 * per_row + 64, "{}", file.stored_bytes());
}

/// Review, point 1: more than `MAX_SURVEY_ROWS` rows of answers are refused where the cap is passed.
#[test]
fn a_file_of_more_than_a_million_rows_is_refused() {
    let max = polso_core::survey::MAX_SURVEY_ROWS;
    let mut text = String::from("a,b\n");
    text.push_str(&"1,2\n".repeat(max + polso_core::survey::MAX_HEADER_ROWS));
    let errors = SurveyFile::read(text.as_bytes()).unwrap_err();
    let line = max + polso_core::survey::MAX_HEADER_ROWS + 1;
    assert_eq!(kinds(&errors), vec![(line, 1, &SurveyErrorKind::TooManyRows { max })]);
    text.truncate(text.len() - 4);
    assert_eq!(read(text.as_bytes()).records().len(), line - 1);
}

/// Review, point 2: a 1–7 satisfaction question whose answers this month reach only 5 was
/// suggested as 1–5 (its 4s and 5s counted as top two: 75% instead of 0%). The scale is now
/// asked, with what was seen; the direction is decided only by what the file writes.
#[test]
fn a_scale_or_direction_the_file_does_not_state_is_asked() {
    let column = "How satisfied were you?";
    let text = "Team,Date,How satisfied were you?\nBilling,2026-11-23,5\nBilling,2026-11-23,4\n\
                Billing,2026-11-24,5\nBilling,2026-11-24,1\n";
    let file = read(text.as_bytes());
    let suggestion = suggest_mapping(&file);
    assert_eq!(
        suggestion.mapping.metrics,
        vec![metric(column, SurveyMetric::Csat, None, Direction::Unknown)]
    );
    assert_eq!(
        suggestion.questions,
        vec![
            OpenQuestion::Direction { column: column.to_owned() },
            OpenQuestion::Scale { column: column.to_owned(), min_seen: Some(1), max_seen: Some(5) },
        ]
    );
    // Answered as the survey was built, 1 to 7: none of the answers is in the top two.
    let mut mapping = suggestion.mapping;
    answer(&mut mapping, column, Some((1, 7)), Some(Direction::HigherIsBetter));
    let import = apply(&file, &mapping, &TEAMS).unwrap();
    assert_eq!(import.rows.values().map(|value| value.value).collect::<Vec<f64>>(), vec![0.0]);

    // Qualtrics numbers choices in the order listed: `1 - Very satisfied` means higher is worse,
    // and the top two are 1 and 2.
    let text = "Team,Date,How satisfied were you?\nBilling,2026-11-23,1 - Very satisfied\n\
                Billing,2026-11-23,5 - Very dissatisfied\nBilling,2026-11-23,2\nBilling,2026-11-23,3\n";
    let file = read(text.as_bytes());
    let suggestion = suggest_mapping(&file);
    assert_eq!(suggestion.mapping.metrics[0].direction, Direction::HigherIsWorse);
    assert_eq!(
        suggestion.questions,
        vec![OpenQuestion::Scale { column: column.to_owned(), min_seen: Some(1), max_seen: Some(5) }]
    );
    let mut mapping = suggestion.mapping;
    answer(&mut mapping, column, Some((1, 5)), None);
    let import = apply(&file, &mapping, &TEAMS).unwrap();
    assert_eq!(import.rows.values().map(|value| value.value).collect::<Vec<f64>>(), vec![50.0]);

    // The question's own anchors decide both; labels that contradict them are asked about.
    let anchored = "Satisfaction (1 = Very dissatisfied, 5 = Very satisfied)";
    let text = format!("Team,Date,\"{anchored}\"\nBilling,2026-11-23,4\n");
    let suggestion = suggest_mapping(&read(text.as_bytes()));
    let expected = metric(anchored, SurveyMetric::Csat, Some((1, 5)), Direction::HigherIsBetter);
    assert_eq!((suggestion.mapping.metrics, suggestion.questions), (vec![expected], vec![]));
    let text = format!("Team,Date,\"{anchored}\"\nBilling,2026-11-23,1 - Very satisfied\n");
    let suggestion = suggest_mapping(&read(text.as_bytes()));
    assert_eq!(suggestion.mapping.metrics[0].direction, Direction::Unknown);
    assert_eq!(suggestion.questions, vec![OpenQuestion::Direction { column: anchored.to_owned() }]);
    // An effort question whose labels say 7 is "Strongly agree" contradicts its text: asked.
    let effort = "How much effort did it take? (1-7)";
    let text = format!("Team,Date,{effort}\nBilling,2026-11-23,7 - Strongly agree\n");
    let suggestion = suggest_mapping(&read(text.as_bytes()));
    assert_eq!(suggestion.mapping.metrics[0].direction, Direction::Unknown);
}

/// Review, point 3: AM/PM is month first in SurveyMonkey's exports only; Australian and Indian
/// Google Sheets write `3/11/2026 2:46:04 pm` day first, so the order is asked, the dates shown.
#[test]
fn am_pm_outside_surveymonkey_does_not_decide_the_date_order() {
    let text = "Timestamp,Team,How likely are you to recommend us?\n\
                3/11/2026 2:46:04 pm,Billing,10\n\
                4/11/2026 9:01:00 am,Billing,3\n";
    let suggestion = suggest_mapping(&read(text.as_bytes()));
    assert_eq!(suggestion.tool, SurveyTool::GoogleForms);
    assert_eq!(suggestion.mapping.period, date("Timestamp", DateOrder::Unknown));
    let examples = vec!["3/11/2026 2:46:04 pm".to_owned(), "4/11/2026 9:01:00 am".to_owned()];
    assert_eq!(
        suggestion.questions,
        vec![OpenQuestion::DateOrder { column: "Timestamp".to_owned(), examples }]
    );
}

/// Review, point 1: the suggestion's evidence from answers comes from the first
/// `MAX_EVIDENCE_ROWS` rows only; a day above 12 after them decides nothing.
#[test]
fn the_suggestion_looks_at_the_first_rows_only() {
    let mut text = String::from("Team,Date,NPS\n");
    text.push_str(&"Billing,01/02/2026,9\n".repeat(polso_core::survey::MAX_EVIDENCE_ROWS));
    text.push_str("Billing,13/02/2026,9\n");
    let suggestion = suggest_mapping(&read(text.as_bytes()));
    assert_eq!(suggestion.mapping.period, date("Date", DateOrder::Unknown));
    text.insert_str("Team,Date,NPS\n".len(), "Billing,13/02/2026,9\n");
    let suggestion = suggest_mapping(&read(text.as_bytes()));
    assert_eq!(suggestion.mapping.period, date("Date", DateOrder::DayMonthYear));
}

/// Review, point 5: a filter `Finished = 1` against a file that writes `True` left out every row
/// with only "no answers"; the error now names the filter and what the column holds.
#[test]
fn a_filter_that_matches_no_row_is_named() {
    let text = "Team,Date,NPS,Finished\nBilling,2026-11-23,9,True\nBilling,2026-11-24,10,TRUE\n";
    let file = read(text.as_bytes());
    let mapping = SurveyMapping { filters: vec![filter("Finished", "1")], ..suggest_mapping(&file).mapping };
    let errors = apply(&file, &mapping, &TEAMS).unwrap_err();
    let kind = SurveyErrorKind::FilterMatchedNoRow {
        column: "Finished".to_owned(),
        equals: "1".to_owned(),
        leave_out: false,
        found: Some("True".to_owned()),
    };
    assert_eq!(kinds(&errors), vec![(2, 4, &kind)]);
    assert!(
        errors[0].to_string().contains("no row has '1' in 'Finished' (the first row has 'True')"),
        "{}",
        errors[0]
    );
    // Case is ignored: `true` keeps both rows.
    let mapping = SurveyMapping { filters: vec![filter("Finished", "true")], ..mapping };
    assert_eq!(
        apply(&file, &mapping, &TEAMS).unwrap().rows.values().map(|value| value.n_responses).sum::<u32>(),
        2
    );
    // A leave-out filter whose value every row holds is named too.
    let mapping = SurveyMapping { filters: vec![RowFilter::leave_out("Finished", "TRUE")], ..mapping };
    let errors = apply(&file, &mapping, &TEAMS).unwrap_err();
    assert!(
        errors[0].to_string().contains("every row has 'TRUE' in 'Finished', which the filter leaves out"),
        "{}",
        errors[0]
    );
}

/// Qualtrics' `Status` tells a customer's response from a preview, a generated test response and
/// spam; only customers' responses are counted, whether the export writes the status as text or as
/// numbers (where only the preview's code, 1, is documented).
#[test]
fn qualtrics_previews_tests_and_spam_are_left_out() {
    let header = "StartDate,EndDate,Status,Finished,RecordedDate,ResponseId,Q1,Team\n\
                  Start Date,End Date,Response Type,Finished,Recorded Date,Response ID,How likely are you to recommend us?,Team\n\
                  {\"ImportId\":\"startDate\"},{\"ImportId\":\"endDate\"},{\"ImportId\":\"status\"},{\"ImportId\":\"finished\"},{\"ImportId\":\"recordedDate\"},{\"ImportId\":\"_recordId\"},{\"ImportId\":\"QID1\"},{\"ImportId\":\"Team\"}\n";
    let as_text = format!(
        "{header}\
         2026-11-23 10:00:00,2026-11-23 10:02:00,IP Address,1,2026-11-23 10:02:00,R_1,10,Billing\n\
         2026-11-23 10:00:00,2026-11-23 10:02:00,Survey Preview,1,2026-11-23 10:02:00,R_2,0,Billing\n\
         2026-11-23 10:00:00,2026-11-23 10:02:00,survey test,1,2026-11-23 10:02:00,R_3,0,Billing\n\
         2026-11-23 10:00:00,2026-11-23 10:02:00,Spam,1,2026-11-23 10:02:00,R_4,0,Billing\n\
         2026-11-23 10:00:00,2026-11-23 10:02:00,Offline,1,2026-11-23 10:02:00,R_5,9,Billing\n"
    );
    let file = read(as_text.as_bytes());
    let suggestion = suggest_mapping(&file);
    let status_role = suggestion.columns.iter().find(|column| column.name == "Status").unwrap().role;
    assert_eq!(status_role, ColumnRole::Filter);
    let import = apply(&file, &suggestion.mapping, &TEAMS).unwrap();
    let nps: Vec<_> = import.rows.values().map(|value| (value.n_responses, value.value)).collect();
    assert_eq!(nps, vec![(2, 100.0)], "the customer's and the offline app's responses, both promoters");

    let as_numbers = format!(
        "{header}\
         2026-11-23 10:00:00,2026-11-23 10:02:00,0,1,2026-11-23 10:02:00,R_1,10,Billing\n\
         2026-11-23 10:00:00,2026-11-23 10:02:00,1,1,2026-11-23 10:02:00,R_2,0,Billing\n"
    );
    let file = read(as_numbers.as_bytes());
    let mapping = suggest_mapping(&file).mapping;
    assert_eq!(mapping.filters, vec![filter("Finished", "1"), RowFilter::leave_out("Status", "1")]);
    let import = apply(&file, &mapping, &TEAMS).unwrap();
    let nps: Vec<_> = import.rows.values().map(|value| (value.n_responses, value.value)).collect();
    assert_eq!(nps, vec![(1, 100.0)]);
}
