//! Tests of the device's privacy ledger against a real store file, an
//! in-memory vault and a scripted fake server.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{NaiveDate, TimeZone, Utc};
use polso_api::{DevicePrivacyLoss, EnrolResponse, ErrorCode, ReportWindow};
use polso_store::{SecretVault, Store, StoreKey};

use super::*;
use crate::sync::{Enrolment, HttpAnswer, TransportFailure};

const DEVICE_TOKEN: &str = "pd_secret-device-token-ledger";
const TOKEN_ACCOUNT: &str = "device-token@test";

/// A server that answers GETs from a script, in order, and records the URL
/// and the token of each.
#[derive(Default)]
struct ScriptedServer {
    answers: Mutex<VecDeque<Result<HttpAnswer, TransportFailure>>>,
    requests: Mutex<Vec<(String, String)>>,
}

impl ScriptedServer {
    fn answering(status: u16, body: &str) -> ScriptedServer {
        let server = ScriptedServer::default();
        server.answers.lock().unwrap().push_back(Ok(HttpAnswer { status, body: body.to_owned() }));
        server
    }
}

impl HrTransport for ScriptedServer {
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure> {
        self.requests.lock().unwrap().push((url.to_owned(), bearer_token.to_owned()));
        self.answers.lock().unwrap().pop_front().unwrap_or_else(|| {
            Err(TransportFailure { detail: "the fake server ran out of answers".to_owned() })
        })
    }

    fn post_csv(&self, _url: &str, _bearer_token: &str, _body: &str) -> Result<HttpAnswer, TransportFailure> {
        Err(TransportFailure { detail: "the ledger never posts".to_owned() })
    }
}

/// A vault the test shares with the desktop, to look inside.
type SharedVault = polso_store::SharedMemoryVault;

fn desktop(dir: &tempfile::TempDir, vault: &SharedVault) -> Desktop {
    let store = Store::open(&dir.path().join("polso.db"), &StoreKey::generate().unwrap()).unwrap();
    Desktop::new(store, "en-GB".to_owned()).unwrap().with_device_vault(Box::new(vault.clone()), TOKEN_ACCOUNT)
}

fn enrol(desktop: &mut Desktop) {
    let enrolment = Enrolment {
        server_url: "http://127.0.0.1:9".to_owned(),
        response: EnrolResponse {
            wire_version: polso_api::WIRE_VERSION,
            device_token: DEVICE_TOKEN.to_owned(),
            organisation_id: "org_1".to_owned(),
            team_id: "team_1".to_owned(),
            team_name: "Help desk".to_owned(),
            organisation_seed: 7,
            report_window: ReportWindow { max_random_delay_seconds: 3600, max_report_age_weeks: 8 },
            questionnaire: Vec::new(),
            aggregation: polso_api::Aggregation::default(),
            generation: None,
        },
        team_key_fingerprint: None,
    };
    let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    desktop
        .complete_enrolment(enrolment, monday, Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap())
        .unwrap();
}

fn loss(epsilon: f64) -> DevicePrivacyLoss {
    DevicePrivacyLoss { year: 2026, dp_on: true, epsilon, weeks_published: 46 }
}

#[test]
fn the_device_reads_its_teams_yearly_epsilon_with_its_own_token() {
    let (dir, vault) = (tempfile::tempdir().unwrap(), SharedVault::default());
    let mut desktop = desktop(&dir, &vault);
    enrol(&mut desktop);
    let credentials = desktop.device_read_credentials().unwrap();
    assert_eq!(credentials.server_url(), "http://127.0.0.1:9");
    assert!(!format!("{credentials:?}").contains(DEVICE_TOKEN), "a debug print leaks the token");

    let server = ScriptedServer::answering(200, &serde_json::to_string(&loss(4.6)).unwrap());
    assert_eq!(read_my_privacy_loss(&server, &credentials).unwrap(), loss(4.6));
    assert_eq!(
        *server.requests.lock().unwrap(),
        [("http://127.0.0.1:9/v1/privacy-ledger/device".to_owned(), DEVICE_TOKEN.to_owned())]
    );
}

#[test]
fn a_device_that_is_not_enrolled_or_lost_its_token_is_told_so_before_any_request() {
    let (dir, vault) = (tempfile::tempdir().unwrap(), SharedVault::default());
    let mut desktop = desktop(&dir, &vault);
    assert_eq!(desktop.device_read_credentials().unwrap_err().code, ErrorCode::NotEnrolled);
    enrol(&mut desktop);
    vault.delete(TOKEN_ACCOUNT).unwrap();
    let error = desktop.device_read_credentials().unwrap_err();
    assert_eq!(error.code, ErrorCode::NotEnrolled);
    assert!(error.message.contains("keyring"), "{}", error.message);
}

#[test]
fn server_refusals_silence_and_nonsense_become_coded_errors_without_the_token() {
    let credentials = DeviceReadCredentials::for_tests("http://server", DEVICE_TOKEN);
    let cases = [
        (
            ScriptedServer::answering(401, r#"{"code":"unauthorized","message":"revoked"}"#),
            ErrorCode::Unauthorized,
        ),
        (ScriptedServer::answering(404, "Not Found"), ErrorCode::Internal),
        (ScriptedServer::answering(200, "<html>"), ErrorCode::InvalidServerAddress),
        (
            ScriptedServer::answering(
                200,
                r#"{"year":2026,"dp_on":true,"epsilon":-1.0,"weeks_published":3}"#,
            ),
            ErrorCode::Internal,
        ),
        (ScriptedServer::default(), ErrorCode::ServerUnreachable),
    ];
    for (server, code) in cases {
        let error = read_my_privacy_loss(&server, &credentials).unwrap_err();
        assert_eq!(error.code, code, "{error:?}");
        assert!(!error.message.contains(DEVICE_TOKEN), "{}", error.message);
    }
}
