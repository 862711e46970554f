//! Enrolment with a personal code: against the real server library on a
//! loopback socket (through [`crate::sync::request_enrolment`], the function
//! the shell calls for the enrol form), and against a server that answers
//! with a signature that does not verify.

#![allow(clippy::unwrap_used)]

use std::cell::RefCell;
use std::sync::Arc;

use polso_api::{CredentialKey, EnrolDevice, ErrorCode, WIRE_VERSION};
use polso_server::store::ServerStore;
use polso_server::{AppState, ServerConfig, SqliteServerStore, SystemClock, admin, app};

use super::*;
use crate::sync::{HttpAnswer, SyncTransport, TransportFailure, UreqTransport, request_enrolment};
use crate::testing::enrol;

struct LoopbackServer {
    url: String,
    store: Arc<SqliteServerStore>,
    department_id: String,
    team_id: String,
    _runtime: tokio::runtime::Runtime,
    _directory: tempfile::TempDir,
}

fn loopback_server(headcount: u32) -> LoopbackServer {
    let directory = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteServerStore::open(&directory.path().join("server.db")).unwrap());
    let organisation = admin::init_organisation(store.as_ref(), "Acme").unwrap();
    let department = admin::add_department(store.as_ref(), &organisation.id, "Support").unwrap();
    let team_id = admin::add_team_with_headcount(store.as_ref(), &department, "Tier 1", headcount).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = app(AppState::new(store.clone(), Arc::new(SystemClock), ServerConfig::default()));
    runtime.spawn(async move { axum::serve(listener, router).await });
    LoopbackServer {
        url,
        store,
        department_id: department,
        team_id,
        _runtime: runtime,
        _directory: directory,
    }
}

fn form(server: &LoopbackServer, code: &str) -> EnrolDevice {
    EnrolDevice { server_url: server.url.clone(), invite_code: code.to_owned() }
}

#[test]
fn personal_codes_are_told_from_invite_codes_by_their_prefix() {
    for (typed, personal) in [
        ("P-7KQM-2XWD-PR9T-4HJN", true),
        ("  p-7kqm-2xwd-pr9t-4hjn ", true),
        ("7KQM-2XWD-PR9T", false),
        ("PKQM-2XWD-PR9T", false),
        ("", false),
    ] {
        assert_eq!(is_personal_code(typed), personal, "{typed:?}");
    }
}

#[test]
fn the_enrol_form_enrols_with_a_personal_code_once() {
    let server = loopback_server(5);
    let codes =
        polso_server::store::credentials::create_personal_codes(server.store.as_ref(), &server.team_id, 2)
            .unwrap()
            .codes;
    let transport = UreqTransport::new();
    let typed = codes[0].to_lowercase();
    let enrolment = request_enrolment(&transport, &form(&server, &typed)).unwrap();
    assert_eq!(enrolment.response.team_id, server.team_id);
    assert_eq!(enrolment.response.team_name, "Tier 1");
    assert!(enrolment.response.device_token.starts_with("pd_"));
    let token_hash = polso_server::secrets::hash_secret(&enrolment.response.device_token);
    assert!(server.store.device(&token_hash).unwrap().is_some());

    let again = request_enrolment(&transport, &form(&server, &codes[0])).unwrap_err();
    assert_eq!(again.code, ErrorCode::InviteUnknown, "{again}");
    // The other code still works.
    request_enrolment(&transport, &form(&server, &codes[1])).unwrap();
}

#[test]
fn enrolling_with_a_personal_code_keeps_the_team_key_fingerprint_the_cli_prints() {
    let server = loopback_server(5);
    let created =
        polso_server::store::credentials::create_personal_codes(server.store.as_ref(), &server.team_id, 1)
            .unwrap();
    let directory = tempfile::tempdir().unwrap();
    let store = polso_store::Store::open(
        &directory.path().join("polso.db"),
        &polso_store::StoreKey::generate().unwrap(),
    )
    .unwrap();
    let mut desktop = crate::Desktop::new(store, "en-GB".to_owned())
        .unwrap()
        .with_device_vault(Box::new(polso_store::MemoryVault::new()), "device-token@test");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let now = chrono::Utc::now();
    let transport = UreqTransport::new();

    let status = enrol(&mut desktop, &transport, &form(&server, &created.codes[0]), today, now).unwrap();
    assert_eq!(status.team_key_fingerprint.as_deref(), Some(created.key_fingerprint.as_str()));
    assert_eq!(desktop.sync_status().unwrap().team_key_fingerprint, status.team_key_fingerprint);

    // Enrolling again with an invite code (here into a team without personal
    // codes) leaves no fingerprint of the earlier key behind.
    let team_id =
        admin::add_team_with_headcount(server.store.as_ref(), &server.department_id, "Tier 2", 5).unwrap();
    let invite = admin::create_invite(server.store.as_ref(), &team_id, now, 7, 1).unwrap();
    let status = enrol(&mut desktop, &transport, &form(&server, &invite), today, now).unwrap();
    assert_eq!(status.team_name.as_deref(), Some("Tier 2"));
    assert_eq!(status.team_key_fingerprint, None);
}

#[test]
fn the_app_and_the_server_fingerprint_a_team_key_alike() {
    let key = polso_server::credential::generate_team_key().unwrap();
    let offered = CredentialKey {
        wire_version: WIRE_VERSION,
        team_id: "team_a".to_owned(),
        team_name: "A".to_owned(),
        variant: polso_api::CREDENTIAL_VARIANT.to_owned(),
        public_key: BASE64.encode(&key.public_key_der),
    };
    let prepared = PreparedCredential::new(&mut DefaultRng, "http://polso.test", &offered).unwrap();
    assert_eq!(
        prepared.team_key_fingerprint(),
        polso_server::credential::key_fingerprint(&key.public_key_der)
    );
}

/// A server that gives its real key but answers with a damaged blind signature.
struct DamagingSigner {
    key: CredentialKey,
    secret_key_der: Vec<u8>,
    paths: RefCell<Vec<String>>,
}

impl SyncTransport for DamagingSigner {
    fn post_json(&self, url: &str, _token: Option<&str>, body: &str) -> Result<HttpAnswer, TransportFailure> {
        self.paths.borrow_mut().push(url.to_owned());
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        let answer = if url.ends_with("/v1/credentials/key") {
            serde_json::to_string(&self.key).unwrap()
        } else if url.ends_with("/v1/credentials") {
            let blinded = BASE64.decode(body["blinded_message"].as_str().unwrap()).unwrap();
            let mut signature =
                polso_server::credential::sign_blinded(&self.secret_key_der, &blinded).unwrap();
            let last = signature.len() - 1;
            signature[last] ^= 1;
            serde_json::json!({"wire_version": WIRE_VERSION, "blind_signature": BASE64.encode(signature)})
                .to_string()
        } else {
            panic!("unexpected request to {url}");
        };
        Ok(HttpAnswer { status: 200, body: answer })
    }
}

#[test]
fn a_blind_signature_that_does_not_verify_is_refused_and_never_sent_on() {
    let key = polso_server::credential::generate_team_key().unwrap();
    let transport = DamagingSigner {
        key: CredentialKey {
            wire_version: WIRE_VERSION,
            team_id: "team_a".to_owned(),
            team_name: "A".to_owned(),
            variant: polso_api::CREDENTIAL_VARIANT.to_owned(),
            public_key: BASE64.encode(&key.public_key_der),
        },
        secret_key_der: key.secret_key_der,
        paths: RefCell::new(Vec::new()),
    };
    let error =
        request_enrolment_with_personal_code(&transport, "http://polso.test", "P-0000-0000-0000-0000")
            .unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidServerAddress, "{error}");
    assert!(error.message.contains("does not verify"), "{error}");
    let paths = transport.paths.borrow();
    assert!(!paths.iter().any(|path| path.ends_with("/v1/enrol")), "{paths:?}");
}

#[test]
fn a_key_of_another_variant_is_refused_before_the_code_is_spent() {
    let key = polso_server::credential::generate_team_key().unwrap();
    let offered = CredentialKey {
        wire_version: WIRE_VERSION,
        team_id: "team_a".to_owned(),
        team_name: "A".to_owned(),
        variant: "RSABSSA-SHA384-PSSZERO-Deterministic".to_owned(),
        public_key: BASE64.encode(&key.public_key_der),
    };
    let error = PreparedCredential::new(&mut DefaultRng, "http://polso.test", &offered).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidServerAddress, "{error}");
}
