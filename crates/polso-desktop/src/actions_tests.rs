//! Tests of HR's actions against a scripted server: the request as sent, and the server's answer
//! or refusal passed on.

use std::sync::Mutex;

use super::*;
use polso_api::ErrorCode;

use crate::sync::{HttpAnswer, TransportFailure};

/// A server that answers one request and records method, URL, token and body.
struct OneAnswer {
    answer: HttpAnswer,
    requests: Mutex<Vec<(String, String, String, String)>>,
}

impl OneAnswer {
    fn new(status: u16, body: &str) -> OneAnswer {
        OneAnswer { answer: HttpAnswer { status, body: body.to_owned() }, requests: Mutex::new(Vec::new()) }
    }

    fn record(
        &self,
        method: &str,
        url: &str,
        token: &str,
        body: &str,
    ) -> Result<HttpAnswer, TransportFailure> {
        self.requests.lock().unwrap().push((
            method.to_owned(),
            url.to_owned(),
            token.to_owned(),
            body.to_owned(),
        ));
        Ok(self.answer.clone())
    }
}

impl HrTransport for OneAnswer {
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure> {
        self.record("GET", url, bearer_token, "")
    }

    fn post_csv(&self, _url: &str, _bearer_token: &str, _body: &str) -> Result<HttpAnswer, TransportFailure> {
        Err(TransportFailure { detail: "actions post no CSV".to_owned() })
    }

    fn post_json(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        self.record("POST", url, bearer_token, body)
    }
}

fn new_action() -> NewAction {
    NewAction {
        team_id: "team_help".to_owned(),
        text: "Stand-up on Tuesdays".to_owned(),
        owner: "Giulia".to_owned(),
        due: "2026-12-15".to_owned(),
    }
}

#[test]
fn an_action_is_posted_as_json_with_hrs_token_and_the_recorded_one_returned() {
    let recorded = TeamAction {
        id: "act_1".to_owned(),
        team_id: "team_help".to_owned(),
        team_name: "Help desk".to_owned(),
        text: "Stand-up on Tuesdays".to_owned(),
        owner: "Giulia".to_owned(),
        due: "2026-12-15".to_owned(),
        recorded_at: "2026-12-06T10:00:00Z".to_owned(),
        verdicts: None,
    };
    let server = OneAnswer::new(201, &serde_json::to_string(&recorded).unwrap());
    let credentials = HrCredentials::for_tests("http://127.0.0.1:9", "ph_token");
    assert_eq!(record_action(&server, &credentials, &new_action()).unwrap(), recorded);
    let requests = server.requests.lock().unwrap();
    let (method, url, token, body) = &requests[0];
    assert_eq!(
        (method.as_str(), url.as_str(), token.as_str()),
        ("POST", "http://127.0.0.1:9/v1/actions", "ph_token")
    );
    assert_eq!(serde_json::from_str::<NewAction>(body).unwrap(), new_action());
}

#[test]
fn a_refusal_is_passed_on_in_the_servers_words_and_a_team_id_is_encoded() {
    let server = OneAnswer::new(
        400,
        r#"{"code":"invalid_input","message":"field 'due': '15/12' is not a date written YYYY-MM-DD"}"#,
    );
    let credentials = HrCredentials::for_tests("http://127.0.0.1:9", "ph_token");
    let error = record_action(&server, &credentials, &new_action()).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(error.message.contains("field 'due'"), "{error:?}");

    let server = OneAnswer::new(200, r#"{"actions":[]}"#);
    assert_eq!(
        read_team_actions(&server, &credentials, "team a&b").unwrap(),
        ActionList { actions: Vec::new() }
    );
    assert_eq!(server.requests.lock().unwrap()[0].1, "http://127.0.0.1:9/v1/actions?team_id=team%20a%26b");
}
