//! The CX CSV parser on files as CX tools and spreadsheets write them (issue 4, Tests): well-formed
//! and malformed files of each kind, table-driven, and a 50 MB file generated in memory.

use std::time::Instant;

use polso_core::cx::{
    CxErrorKind, CxFileFormat, CxImport, CxImportError, CxKey, CxMetric, MAX_REPORTED_ERRORS, parse_cx_csv,
};
use polso_core::week::IsoWeek;

const TEAMS: [&str; 3] = ["Support", "Sales, North", "Assistenza Clienti"];

fn week(text: &str) -> IsoWeek {
    text.parse().unwrap()
}

fn key(team: &str, week_text: &str, metric: CxMetric) -> CxKey {
    CxKey { team: team.to_owned(), week: week(week_text), metric }
}

fn parse(text: &str) -> Result<CxImport, Vec<CxImportError>> {
    parse_cx_csv(text.as_bytes(), &TEAMS)
}

/// A well-formed file and what must come out: (team, week, metric, value, n) for every row.
struct WellFormed {
    name: &'static str,
    input: &'static [u8],
    format: CxFileFormat,
    separator: char,
    rows: &'static [(&'static str, &'static str, &'static str, f64, u32)],
}

#[test]
fn well_formed_files_are_read() {
    let cases = [
        WellFormed {
            name: "aggregated, comma, English, ISO weeks",
            input: b"team,week,metric,value,n\nSupport,2026-W47,NPS,42,120\nSupport,2026-W48,CSAT,87.5,64\n",
            format: CxFileFormat::Aggregated,
            separator: ',',
            rows: &[("Support", "2026-W47", "nps", 42.0, 120), ("Support", "2026-W48", "csat", 87.5, 64)],
        },
        WellFormed {
            name: "aggregated, semicolon, Italian headers, decimal comma, Italian dates, BOM, CRLF",
            input: "\u{feff}Squadra;Data;Metrica;Valore;Risposte\r\nassistenza clienti;23/11/2026;CES;4,5;30\r\n\
                    Assistenza Clienti;01/01/2027;Soddisfazione;91,25;12\r\n;;;;\r\n\r\n"
                .as_bytes(),
            format: CxFileFormat::Aggregated,
            separator: ';',
            rows: &[
                ("Assistenza Clienti", "2026-W48", "ces", 4.5, 30),
                ("Assistenza Clienti", "2026-W53", "csat", 91.25, 12),
            ],
        },
        WellFormed {
            name: "quoted fields holding the separator, a quote and a decimal comma",
            input: b"\"Team\",\"Week\",\"Metric\",\"Value\",\"N\"\n\"Sales, North\",2026-W01,\"First contact resolution\",\"71,5\",\"40\"\n\
                     \"Sales, North\",2026-W01,\"Wait \"\"time\"\"\",3.25,40\n",
            format: CxFileFormat::Aggregated,
            separator: ',',
            rows: &[("Sales, North", "2026-W01", "fcr", 71.5, 40), ("Sales, North", "2026-W01", "wait_time", 3.25, 40)],
        },
        WellFormed {
            name: "aggregated with extra columns, spaces and mixed-case team, ISO date with time",
            input: b"comment;TEAM;date;metric;value;n\nok;  SUPPORT ;2026-11-23T09:30:00;nps;-12;8\n",
            format: CxFileFormat::Aggregated,
            separator: ';',
            rows: &[("Support", "2026-W48", "nps", -12.0, 8)],
        },
        WellFormed {
            name: "raw responses without a metric column are NPS answers",
            // Promoters 10, 9; passive 8, 7; detractors 6, 0: NPS = (2 − 2) / 6 = 0. Next week: 10, 10, 3.
            input: b"team,date,score\nSupport,2026-11-23,10\nSupport,2026-11-24,9\nSupport,2026-11-25,8\n\
                     Support,2026-11-26,7\nSupport,2026-11-27,6\nSupport,2026-11-29,0\n\
                     Support,2026-11-30,10\nSupport,2026-12-01,10\nSupport,2026-12-06,3\n",
            format: CxFileFormat::RawResponses,
            separator: ',',
            rows: &[("Support", "2026-W48", "nps", 0.0, 6), ("Support", "2026-W49", "nps", 100.0 / 3.0, 3)],
        },
        WellFormed {
            name: "raw responses in Italian with a metric column: CSAT top-two-box and CES mean",
            // CSAT 5, 4, 3, 2 → 2 of 4 satisfied = 50 %; CES 7, 6, 2 → mean 5.
            input: "squadra;data;punteggio;metrica\nSupport;23/11/2026;5;CSAT\nSupport;24/11/2026;4;csat\n\
                    Support;25/11/2026;3;CSAT\nSupport;26/11/2026;2;CSAT\nSupport;23/11/2026;7;CES\n\
                    Support;24/11/2026;6;CES\nSupport;25/11/2026;2;ces\n"
                .as_bytes(),
            format: CxFileFormat::RawResponses,
            separator: ';',
            rows: &[("Support", "2026-W48", "csat", 50.0, 4), ("Support", "2026-W48", "ces", 5.0, 3)],
        },
    ];
    for case in cases {
        let import =
            parse_cx_csv(case.input, &TEAMS).unwrap_or_else(|errors| panic!("{}: {errors:#?}", case.name));
        assert_eq!(import.format, case.format, "{}", case.name);
        assert_eq!(import.separator, case.separator, "{}", case.name);
        assert_eq!(import.rows.len(), case.rows.len(), "{}: {:#?}", case.name, import.rows);
        for &(team, week_text, metric, value, n) in case.rows {
            let metric = CxMetric::from_label(metric).unwrap();
            let row = import.rows.get(&key(team, week_text, metric.clone())).unwrap_or_else(|| {
                panic!("{}: no row {team} {week_text} {metric}: {:#?}", case.name, import.rows)
            });
            assert!((row.value - value).abs() < 1e-12, "{}: {row:?}", case.name);
            assert_eq!(row.n_responses, n, "{}", case.name);
        }
        // Importing the same file twice gives the same keyed rows: an upsert changes nothing.
        assert_eq!(parse_cx_csv(case.input, &TEAMS), Ok(import), "{}", case.name);
    }
}

/// An expected error: (line, column, a test of its kind).
type ExpectedError = (usize, usize, fn(&CxErrorKind) -> bool);

/// A malformed file and the errors it must give.
struct Malformed {
    name: &'static str,
    input: &'static [u8],
    errors: &'static [ExpectedError],
}

#[test]
fn malformed_files_are_refused_with_line_and_column() {
    let cases = [
        Malformed { name: "empty file", input: b"", errors: &[(1, 1, |k| *k == CxErrorKind::EmptyFile)] },
        Malformed {
            name: "only blank lines and a BOM",
            input: b"\xEF\xBB\xBF\n  \n",
            errors: &[(1, 1, |k| *k == CxErrorKind::EmptyFile)],
        },
        Malformed {
            name: "a header and no rows",
            input: b"team,week,metric,value,n\n\n",
            errors: &[(2, 1, |k| *k == CxErrorKind::NoRows)],
        },
        Malformed {
            name: "wrong separator: tabs",
            input: b"team\tweek\tmetric\tvalue\tn\nSupport\t2026-W48\tNPS\t10\t5\n",
            errors: &[(1, 1, |k| matches!(k, CxErrorKind::SingleColumnHeader { .. }))],
        },
        Malformed {
            name: "wrong separator: semicolon header, comma rows",
            input: b"team;week;metric;value;n\nSupport,2026-W48,NPS,10,5\n",
            errors: &[(2, 2, |k| matches!(k, CxErrorKind::WrongFieldCount { expected: 5, found: 1, .. }))],
        },
        Malformed {
            name: "unquoted decimal comma in a comma-separated file",
            input: b"team,week,metric,value,n\nSupport,2026-W48,CES,4,5,30\n",
            errors: &[(2, 6, |k| {
                matches!(k, CxErrorKind::WrongFieldCount { expected: 5, found: 6, hint, .. } if hint.contains("quotes"))
            })],
        },
        Malformed {
            name: "missing column",
            input: b"team,week,metric,value\nSupport,2026-W48,NPS,10\n",
            errors: &[(1, 5, |k| matches!(k, CxErrorKind::MissingColumns { missing } if *missing == ["n"]))],
        },
        Malformed {
            name: "no recognisable columns at all",
            input: b"a,b,c\n1,2,3\n",
            errors: &[(1, 4, |k| {
                matches!(k, CxErrorKind::MissingColumns { missing } if *missing == ["team", "week or date", "metric", "value", "n"])
            })],
        },
        Malformed {
            name: "bad number",
            input: b"team,week,metric,value,n\nSupport,2026-W48,NPS,abc,5\n",
            errors: &[(2, 4, |k| matches!(k, CxErrorKind::BadNumber { given } if given == "abc"))],
        },
        Malformed {
            name: "number with a thousands separator",
            input: b"team;week;metric;value;n\nSupport;2026-W48;wait;1.234,5;5\n",
            errors: &[(2, 4, |k| matches!(k, CxErrorKind::BadNumber { .. }))],
        },
        Malformed {
            name: "bad response count",
            input: b"team,week,metric,value,n\nSupport,2026-W48,NPS,10,0\nSupport,2026-W49,NPS,10,2.5\n",
            errors: &[
                (2, 5, |k| matches!(k, CxErrorKind::BadCount { .. })),
                (3, 5, |k| matches!(k, CxErrorKind::BadCount { .. })),
            ],
        },
        Malformed {
            name: "unknown team, with the closest known team",
            input: b"team,week,metric,value,n\nSuport,2026-W48,NPS,10,5\n",
            errors: &[(2, 1, |k| {
                matches!(k, CxErrorKind::UnknownTeam { given, closest: Some(closest) } if given == "Suport" && closest == "Support")
            })],
        },
        Malformed {
            name: "duplicate rows",
            input: b"team,week,metric,value,n\nSupport,2026-W48,NPS,10,5\nSupport,2026-W47,NPS,10,5\nsupport,2026-W48,nps,12,6\n",
            errors: &[(4, 1, |k| matches!(k, CxErrorKind::DuplicateRow { first_line: 2, .. }))],
        },
        Malformed {
            name: "duplicate rows through two dates of one week",
            input: b"team;data;metric;value;n\nSupport;23/11/2026;CSAT;80;5\nSupport;29/11/2026;CSAT;81;5\n",
            errors: &[(3, 1, |k| matches!(k, CxErrorKind::DuplicateRow { first_line: 2, .. }))],
        },
        Malformed {
            name: "bad week and bad date",
            input: b"team,week,metric,value,n\nSupport,2025-W53,NPS,10,5\n",
            errors: &[(2, 2, |k| matches!(k, CxErrorKind::BadWeek { .. }))],
        },
        Malformed {
            name: "month-first date",
            input: b"team,date,score\nSupport,11/23/2026,9\n",
            errors: &[(2, 2, |k| matches!(k, CxErrorKind::BadDate { .. }))],
        },
        Malformed {
            name: "value outside the metric's scale",
            input: b"team,week,metric,value,n\nSupport,2026-W48,CSAT,120,5\nSupport,2026-W48,CES,0.5,5\n",
            errors: &[
                (2, 4, |k| matches!(k, CxErrorKind::ValueOutOfRange { metric: CxMetric::Csat, .. })),
                (3, 4, |k| matches!(k, CxErrorKind::ValueOutOfRange { metric: CxMetric::Ces, .. })),
            ],
        },
        Malformed {
            name: "raw scores off the scale or not whole",
            input: b"team,date,score,metric\nSupport,2026-11-23,11,NPS\nSupport,2026-11-23,0,CSAT\nSupport,2026-11-23,4.5,CES\n",
            errors: &[
                (2, 3, |k| matches!(k, CxErrorKind::BadScore { min: 0, max: 10, .. })),
                (3, 3, |k| matches!(k, CxErrorKind::BadScore { min: 1, max: 5, .. })),
                (4, 3, |k| matches!(k, CxErrorKind::BadScore { min: 1, max: 7, .. })),
            ],
        },
        Malformed {
            name: "raw responses for a metric that needs aggregation",
            input: b"team,date,score,metric\nSupport,2026-11-23,1,FCR\n",
            errors: &[(2, 4, |k| matches!(k, CxErrorKind::NotARawMetric { .. }))],
        },
        Malformed {
            name: "unterminated quote, reported where the record starts",
            input: b"team,week,metric,value,n\nSupport,2026-W48,NPS,10,5\n\"Support,2026-W49,NPS,10,5\nSupport,2026-W50,NPS,10,5\n",
            errors: &[(3, 1, |k| *k == CxErrorKind::UnterminatedQuote)],
        },
        Malformed {
            name: "text after a closing quote",
            input: b"team,week,metric,value,n\n\"Support\"x,2026-W48,NPS,10,5\n",
            errors: &[(2, 1, |k| *k == CxErrorKind::TextAfterQuote)],
        },
        Malformed {
            name: "Windows-1252 instead of UTF-8",
            input: b"team;week;metric;value;n\nSupport;2026-W48;qualit\xE0;10;5\n",
            errors: &[(2, 24, |k| *k == CxErrorKind::NotUtf8)],
        },
        Malformed {
            name: "two columns that mean the same",
            input: b"team,squadra,week,metric,value,n\nSupport,Support,2026-W48,NPS,10,5\n",
            errors: &[(1, 2, |k| matches!(k, CxErrorKind::DuplicateColumn { first_column: 1, .. }))],
        },
        Malformed {
            name: "both a week and a date column",
            input: b"team,week,date,metric,value,n\nSupport,2026-W48,2026-11-23,NPS,10,5\n",
            errors: &[(1, 3, |k| *k == CxErrorKind::WeekAndDate)],
        },
        Malformed {
            name: "several errors in one row are all reported, and good rows do not survive",
            input: b"team,week,metric,value,n\nSupport,2026-W48,NPS,10,5\nNobody,2026-W48,NPS,x,5\n",
            errors: &[
                (3, 1, |k| matches!(k, CxErrorKind::UnknownTeam { .. })),
                (3, 4, |k| matches!(k, CxErrorKind::BadNumber { .. })),
            ],
        },
        Malformed {
            name: "an empty required field",
            input: b"team,week,metric,value,n\n,2026-W48,NPS,10,5\n",
            errors: &[(2, 1, |k| matches!(k, CxErrorKind::EmptyField { column_name: "team" }))],
        },
    ];
    for case in cases {
        let errors = match parse_cx_csv(case.input, &TEAMS) {
            Ok(import) => panic!("{}: expected errors, got {import:#?}", case.name),
            Err(errors) => errors,
        };
        assert_eq!(errors.len(), case.errors.len(), "{}: {errors:#?}", case.name);
        for (error, (line, column, is_expected)) in errors.iter().zip(case.errors) {
            assert_eq!((error.line, error.column), (*line, *column), "{}: {error}", case.name);
            assert!(is_expected(&error.kind), "{}: {error:?}", case.name);
        }
    }
}

#[test]
fn error_messages_say_where_and_what() {
    let errors = parse("team,week,metric,value,n\nSuport,2026-W48,NPS,10,5\n").unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "line 2, column 1: unknown team 'Suport'; the closest known team is 'Support'"
    );
    let errors = parse("team,week,metric,value\nSupport,2026-W48,NPS,10\n").unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "line 1, column 5: missing column(s): n; aggregated rows need team, week or date, metric, value and n; \
         raw responses need team, date and score"
    );
    let errors = parse("team;week;metric;value;n\nSupport;2026-W48;CSAT;1.234,5;5\n").unwrap_err();
    assert!(errors[0].to_string().contains("without thousands separators"), "{}", errors[0]);
}

#[test]
fn error_lists_stop_after_the_maximum() {
    let mut text = String::from("team,week,metric,value,n\n");
    for _ in 0..500 {
        // Two errors a row, so the list fills up in the middle of a row.
        text.push_str("Nobody,2026-W48,NPS,x,5\n");
    }
    let errors = parse(&text).unwrap_err();
    assert_eq!(errors.len(), MAX_REPORTED_ERRORS + 1);
    assert!(matches!(errors.last().unwrap().kind, CxErrorKind::TooManyErrors { shown: MAX_REPORTED_ERRORS }));
}

#[test]
fn fifty_megabyte_file_parses_in_one_pass() {
    // Raw NPS responses for 3 teams over 104 weeks, as a CX tool exports them, in Italian format.
    let mut text = String::with_capacity(52 * 1024 * 1024);
    text.push_str("\u{feff}Squadra;Data;Punteggio;Metrica\n");
    let first_monday = week("2025-W01").monday();
    let mut lines: u64 = 0;
    let mut promoters = 0_u64;
    let mut detractors = 0_u64;
    while text.len() < 50 * 1024 * 1024 {
        let team = TEAMS[(lines % 3) as usize];
        let date = first_monday + chrono::Days::new((lines / 3) % (104 * 7));
        let score = (lines * 7 + lines / 11) % 11;
        if score >= 9 {
            promoters += 1;
        } else if score <= 6 {
            detractors += 1;
        }
        let quoted_team =
            if team.contains(',') || team.contains(';') { format!("\"{team}\"") } else { team.to_owned() };
        text.push_str(&format!("{quoted_team};{};{score};NPS\n", date.format("%d/%m/%Y")));
        lines += 1;
    }
    let started = Instant::now();
    let import = parse_cx_csv(text.as_bytes(), &TEAMS).unwrap();
    let elapsed = started.elapsed();
    println!(
        "fifty_megabyte_file_parses_in_one_pass: {:.1} MB, {lines} responses, {} team-weeks in {elapsed:.2?}",
        text.len() as f64 / 1e6,
        import.rows.len()
    );
    assert_eq!(import.format, CxFileFormat::RawResponses);
    assert_eq!(import.rows.len(), 3 * 104);
    let total: u64 = import.rows.values().map(|row| u64::from(row.n_responses)).sum();
    assert_eq!(total, lines);
    // The overall NPS, from the per-week rows weighted by n, equals the one counted here.
    let weighted: f64 = import.rows.values().map(|row| row.value * f64::from(row.n_responses)).sum();
    let expected = 100.0 * (promoters as f64 - detractors as f64);
    assert!((weighted - expected).abs() < 1e-6 * lines as f64, "{weighted} vs {expected}");
    // Generous for an unoptimised build on a small CI machine; a release build takes a fraction.
    assert!(elapsed.as_secs() < 60, "{elapsed:?}");
}

#[test]
fn observations_feed_the_linkage() {
    let import = parse("team,week,metric,value,n\nSupport,2026-W48,NPS,10,5\n").unwrap();
    let observations = import.observations();
    assert_eq!(observations.len(), 1);
    assert_eq!(observations[0].metric, CxMetric::Nps);
    assert_eq!(observations[0].week, week("2026-W48"));
}

#[test]
fn fields_longer_than_their_cap_are_refused_at_their_line_and_column_without_their_text() {
    use polso_core::cx::{MAX_CX_FIELD_CHARS, MAX_CX_OTHER_FIELD_CHARS};
    let long_team = "T".repeat(MAX_CX_FIELD_CHARS + 1);
    let long_metric = "m".repeat(MAX_CX_FIELD_CHARS + 5);
    let long_comment = "è".repeat(MAX_CX_OTHER_FIELD_CHARS + 1);
    let fitting_comment = "è".repeat(MAX_CX_OTHER_FIELD_CHARS);
    let file = format!(
        "team,week,metric,value,n,comment\n\
         Support,2026-W48,NPS,10,5,{fitting_comment}\n\
         {long_team},2026-W48,NPS,10,5,\n\
         Support,2026-W49,{long_metric},10,5,\n\
         Support,2026-W50,NPS,10,5,{long_comment}\n"
    );
    let errors = parse_cx_csv(file.as_bytes(), &["Support"]).unwrap_err();
    let places: Vec<(usize, usize)> = errors.iter().map(|error| (error.line, error.column)).collect();
    assert_eq!(places, [(3, 1), (4, 3), (5, 6)], "{errors:?}");
    assert!(
        matches!(&errors[0].kind, CxErrorKind::FieldTooLong { column_name, length: 201, max: 200 } if column_name == "team")
    );
    assert!(matches!(&errors[2].kind, CxErrorKind::FieldTooLong { length: 4_001, .. }), "{:?}", errors[2]);
    for error in &errors {
        let message = error.to_string();
        assert!(message.len() < 200, "the message repeats the field: {message}");
    }

    let long_header = "h".repeat(MAX_CX_FIELD_CHARS + 1);
    let file = format!("team,week,metric,value,n,{long_header}\nSupport,2026-W48,NPS,10,5,\n");
    let errors = parse_cx_csv(file.as_bytes(), &["Support"]).unwrap_err();
    assert_eq!((errors[0].line, errors[0].column), (1, 6), "{errors:?}");
    assert!(
        matches!(&errors[0].kind, CxErrorKind::FieldTooLong { column_name, .. } if column_name == "header name")
    );
}

/// Issue 15's first named bug (review, point 4a): a CSAT column renamed `score` in a file without
/// a metric column was read as NPS, every week −100. No score above 7 is refused at the score
/// column's header; a metric column, or one NPS answer above 7, reads as before.
#[test]
fn raw_scores_without_a_metric_column_that_are_not_nps_are_refused() {
    let errors = parse("team,date,score\nSupport,2026-11-23,5\nSupport,2026-11-24,4\nSupport,2026-11-25,1\n")
        .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (1, 3));
    assert_eq!(errors[0].kind, CxErrorKind::ScoresNotNps { max_seen: 5 });
    let message = errors[0].to_string();
    assert!(message.contains("do not look like NPS") && message.contains("metric column"), "{message}");
    assert!(message.contains("column mapping"), "{message}");
    let with_metric = parse("team,date,score,metric\nSupport,2026-11-23,5,CSAT\nSupport,2026-11-24,4,CSAT\n");
    assert_eq!(
        with_metric.unwrap().rows.values().map(|value| value.value).collect::<Vec<f64>>(),
        vec![100.0]
    );
    let nps = parse("team,date,score\nSupport,2026-11-23,5\nSupport,2026-11-24,8\n").unwrap();
    assert_eq!(nps.rows.values().map(|value| value.value).collect::<Vec<f64>>(), vec![-50.0]);
}

/// Issue 15's second named bug (review, point 4b): a metric named `Sforzo` (effort: higher is more
/// effort) was read as CES (higher is easier), its sign flipped. It is refused where it is written;
/// CES's standard names still read as CES.
#[test]
fn an_effort_metric_of_unknown_direction_is_refused() {
    let errors = parse(
        "team,date,score,metric\nSupport,2026-11-23,6,Sforzo\nSupport,2026-11-23,2,sforzo del cliente\n\
         Support,2026-11-23,7,CES\n",
    )
    .unwrap_err();
    let given: Vec<(usize, usize, &CxErrorKind)> =
        errors.iter().map(|error| (error.line, error.column, &error.kind)).collect();
    let refused = |given: &str| CxErrorKind::EffortDirectionUnknown { given: given.to_owned() };
    assert_eq!(given, vec![(2, 4, &refused("Sforzo")), (3, 4, &refused("sforzo del cliente"))]);
    let message = errors[0].to_string();
    assert!(message.starts_with("line 2, column 4: 'Sforzo' names effort"), "{message}");
    assert!(message.contains("column mapping"), "{message}");
    // Aggregated rows are refused alike: a mean effort of 6 is not a CES of 6.
    let errors = parse("team,week,metric,value,n\nSupport,2026-W48,Sforzo,6,10\n").unwrap_err();
    assert_eq!((errors[0].line, errors[0].column, &errors[0].kind), (2, 3, &refused("Sforzo")));
    for label in ["CES", "ces", "Customer Effort Score"] {
        let import = parse(&format!("team,date,score,metric\nSupport,2026-11-23,6,{label}\n")).unwrap();
        assert_eq!(
            import.rows.keys().map(|key| &key.metric).collect::<Vec<_>>(),
            vec![&CxMetric::Ces],
            "{label}"
        );
    }
}

/// The records are read by the `csv` crate (issue 18); the line of an error is still the physical
/// line its record starts on, as a user finds it in an editor: a quoted line break moves the lines
/// below it on, blank lines count, and so do lone `\r` line ends (old Mac exports). Quoting mistakes
/// the crate reads without complaint are still errors at their field.
#[test]
fn lines_and_quoting_mistakes_are_reported_where_an_editor_shows_them() {
    let places = |text: &str| -> Vec<(usize, usize, CxErrorKind)> {
        let errors = parse(text).unwrap_err();
        errors.into_iter().map(|error| (error.line, error.column, error.kind)).collect()
    };
    let unknown = |given: &str| CxErrorKind::UnknownTeam {
        given: given.to_owned(),
        closest: Some("Support".to_owned()),
    };
    // A comment over two lines: the row below it starts on line 4, and a problem in the row that
    // holds the line break is on the line the row starts on.
    assert_eq!(
        places(
            "team,week,metric,value,n,comment\nSupport,2026-W48,NPS,10,5,\"first line\nsecond line\"\n\
             Suport,2026-W49,NPS,10,5,\nSuport,2026-W50,NPS,10,5,\"a\r\nb\"\n"
        ),
        vec![(4, 1, unknown("Suport")), (5, 1, unknown("Suport"))]
    );
    // Blank lines above the header and between rows count.
    assert_eq!(
        places("\n\nteam,week,metric,value,n\n\nSuport,2026-W48,NPS,10,5\n"),
        vec![(5, 1, unknown("Suport"))]
    );
    assert_eq!(places("\r\n\r\nteam,week,metric,value,n\r\n\r\n"), vec![(4, 1, CxErrorKind::NoRows)]);
    // Lines ended by a lone carriage return.
    let import =
        parse("team,week,metric,value,n\rSupport,2026-W48,NPS,10,5\rSupport,2026-W49,NPS,12,5\r").unwrap();
    assert_eq!(import.rows.len(), 2);
    assert_eq!(
        places("team,week,metric,value,n\rSupport,2026-W48,NPS,10,5\r\rSuport,2026-W49,NPS,10,5\r"),
        vec![(4, 1, unknown("Suport"))]
    );
    // A quote never closed, in a later column: one error where its record starts, at its column.
    assert_eq!(
        places("team,week,metric,value,n\nSupport,2026-W48,\"NPS,10,5\nSupport,2026-W49,NPS,10,5\n"),
        vec![(2, 3, CxErrorKind::UnterminatedQuote)]
    );
    // Text after a closing quote: an error at its field, and the rows below are still read.
    assert_eq!(
        places("team,week,metric,value,n\nSupport,\"2026-W48\"x,NPS,10,5\nSuport,2026-W49,NPS,10,5\n"),
        vec![(2, 2, CxErrorKind::TextAfterQuote), (3, 1, unknown("Suport"))]
    );
    // Spaces or a line end after a closing quote are fine.
    let import = parse("team,week,metric,value,n\r\n\"Support\"  ,2026-W48,NPS,10,\"5\"\r\n").unwrap();
    assert_eq!(import.rows.len(), 1);
    // A quote inside an unquoted field is text, as before.
    let import = parse("team,week,metric,value,n\nSupport,2026-W48,Wait 5\" time,3,5\n").unwrap();
    assert_eq!(
        import.rows.keys().map(|key| key.metric.clone()).collect::<Vec<_>>(),
        vec![CxMetric::Custom("wait_5_time".to_owned())]
    );
    // A quote after spaces at a field's start is text too (RFC 4180, the `csv` crate, spreadsheets);
    // the hand-written reader took it as an opening quote.
    assert_eq!(
        places("team,week,metric,value,n\nSupport, \"2026-W48\",NPS,10,5\n"),
        vec![(2, 2, CxErrorKind::BadWeek { given: "\"2026-W48\"".to_owned() })]
    );
}
