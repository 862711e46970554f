//! The CX import's requests and answers, against a scripted server: what is
//! sent where (the mapping's name encoded in the query and the path), and how
//! each answer comes back (a report, a report of errors, an error).

use std::sync::Mutex;

use polso_api::{
    CxDateOrder, CxDirection, CxIssueCode, CxMapping, CxMetricColumn, CxPeriodColumn, CxSurveyMetric,
    ErrorCode,
};

use super::*;
use crate::hr::{HrCredentials, HrTransport};
use crate::sync::{HttpAnswer, TransportFailure};

/// Answers every request with `answer`, and keeps (method, url, body).
struct Scripted {
    answer: HttpAnswer,
    requests: Mutex<Vec<(&'static str, String, String)>>,
}

impl Scripted {
    fn new(status: u16, body: &str) -> Scripted {
        Scripted { answer: HttpAnswer { status, body: body.to_owned() }, requests: Mutex::new(Vec::new()) }
    }

    fn requests(&self) -> Vec<(&'static str, String, String)> {
        self.requests.lock().unwrap().clone()
    }

    fn answer(&self, method: &'static str, url: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        self.requests.lock().unwrap().push((method, url.to_owned(), body.to_owned()));
        Ok(self.answer.clone())
    }
}

impl HrTransport for Scripted {
    fn get_json(&self, url: &str, _: &str) -> Result<HttpAnswer, TransportFailure> {
        self.answer("GET", url, "")
    }

    fn post_csv(&self, url: &str, _: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        self.answer("POST", url, body)
    }

    fn put_json(&self, url: &str, _: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        self.answer("PUT", url, body)
    }
}

fn credentials() -> HrCredentials {
    HrCredentials::for_tests("http://polso.test", "ph_token")
}

const REPORT: &str = r#"{"errors":[],"rows":2,"teams":1,"weeks":{"from":"2026-W01","to":"2026-W02"},
    "metrics":["csat"],"format":"aggregated","preview":[],"stored":false}"#;

#[test]
fn a_cx_file_is_posted_and_its_report_or_its_errors_returned() {
    let server = Scripted::new(200, REPORT);
    let answer = import_cx(&server, &credentials(), "team;week;metric;value;n\n", None, true).unwrap();
    assert_eq!((answer.rows, answer.stored, answer.survey_tool), (2, false, None));
    assert_eq!(
        server.requests()[0],
        ("POST", "http://polso.test/v1/cx?dry_run=true".to_owned(), "team;week;metric;value;n\n".to_owned())
    );

    let rejected = r#"{"code":"invalid_input","message":"the file has 1 error; nothing was stored",
        "errors":[{"line":1,"column":24,"code":"missing_columns","params":{"columns":"metric"},"message":"missing column(s)"}],"rows":0,"teams":0,
        "weeks":null,"metrics":[],"format":null,"preview":[],"stored":false,"survey_tool":"qualtrics"}"#;
    let server = Scripted::new(400, rejected);
    let answer = import_cx(&server, &credentials(), "x", None, false).unwrap();
    assert_eq!((answer.errors[0].line, answer.errors[0].column), (1, 24));
    assert_eq!(answer.survey_tool, Some(polso_api::CxSurveyTool::Qualtrics));
    assert_eq!(server.requests()[0].1, "http://polso.test/v1/cx?dry_run=false");

    let server = Scripted::new(401, r#"{"code":"unauthorized","message":"unknown token"}"#);
    assert_eq!(
        import_cx(&server, &credentials(), "x", None, false).unwrap_err().code,
        ErrorCode::Unauthorized
    );
}

#[test]
fn a_mapping_is_named_in_the_query_and_the_path_encoded() {
    let server = Scripted::new(200, REPORT);
    import_cx(&server, &credentials(), "x", Some("Qualtrics & co/2026?"), false).unwrap();
    assert_eq!(
        server.requests()[0].1,
        "http://polso.test/v1/cx?dry_run=false&mapping=Qualtrics%20%26%20co%2F2026%3F"
    );

    let mapping = CxMapping {
        header_rows: 3,
        team_column: Some("Team".to_owned()),
        period: Some(CxPeriodColumn::Date {
            column: "RecordedDate".to_owned(),
            order: CxDateOrder::YearMonthDay,
        }),
        metrics: vec![CxMetricColumn {
            column: "Q1".to_owned(),
            metric: CxSurveyMetric::Nps,
            scale: None,
            direction: CxDirection::HigherIsBetter,
        }],
        filters: Vec::new(),
    };
    let saved = serde_json::json!({"name": "Qualtrics & co/2026?", "mapping": mapping, "saved_at": "2026-12-01T10:00:00Z", "organisation_wide": true});
    let server = Scripted::new(200, &saved.to_string());
    let answer = save_cx_mapping(&server, &credentials(), "Qualtrics & co/2026?", &mapping).unwrap();
    assert_eq!(answer.mapping, mapping);
    let (method, url, body) = server.requests()[0].clone();
    assert_eq!(
        (method, url.as_str()),
        ("PUT", "http://polso.test/v1/cx/mappings/Qualtrics%20%26%20co%2F2026%3F")
    );
    assert_eq!(serde_json::from_str::<CxMapping>(&body).unwrap(), mapping);
}

#[test]
fn a_file_that_is_not_csv_gets_no_suggestion_and_says_where() {
    let rejected = r#"{"code":"invalid_input","message":"the file has 1 error; nothing was stored",
        "errors":[{"line":4,"column":2,"code":"unclosed_quote","params":{},"message":"a quoted field is not closed"}],"rows":0,"teams":0,
        "weeks":null,"metrics":[],"format":null,"preview":[],"stored":false}"#;
    let server = Scripted::new(400, rejected);
    let CxMappingStep::Unreadable(report) = suggest_cx_mapping(&server, &credentials(), "a,\"b\n").unwrap()
    else {
        panic!("a file that is not CSV got a suggestion");
    };
    // The problem keeps its code, so the app words it in the employee's language.
    assert_eq!((report.errors[0].line, report.errors[0].column), (4, 2));
    assert_eq!(report.errors[0].code, CxIssueCode::UnclosedQuote);
    assert!(!report.stored);
    assert_eq!(server.requests()[0].1, "http://polso.test/v1/cx/mapping-suggestion");
}
