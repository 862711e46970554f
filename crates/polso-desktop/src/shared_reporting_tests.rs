//! Two-server aggregation from the app's side, against the real server
//! library on a loopback socket with a helper in the same process: the app
//! pins the helper the server names at enrolment, sends a two-server week as
//! shares, and the helper verifies them; a server that later names another
//! key is refused and the pinned one kept.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use polso_api::{AggregationMode, AnswerDto, EnrolDevice, QuestionnaireResponse, SubmitPulse, WIRE_VERSION};
use polso_server::helper::Helper;
use polso_server::helper_store::HelperStore;
use polso_server::leader::{LocalHelperApi, verify_pending};
use polso_server::store::ServerStore;
use polso_server::{AppState, FixedClock, ServerConfig, SqliteServerStore, admin, app};
use polso_store::{MemoryVault, Store, StoreKey};

use super::*;
use crate::sync::UreqTransport;
use crate::testing::{enrol, sync_now};

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap()
}

struct TwoServers {
    url: String,
    store: Arc<SqliteServerStore>,
    clock: Arc<FixedClock>,
    helper_api: Arc<LocalHelperApi>,
    helper_fingerprint: String,
    organisation_id: String,
    team_id: String,
    _runtime: tokio::runtime::Runtime,
    _directories: (tempfile::TempDir, tempfile::TempDir),
}

/// An organisation aggregating with a helper from 2026-W48, served on
/// loopback with its clock on the Monday of that week.
fn two_servers() -> TwoServers {
    let leader_directory = tempfile::tempdir().unwrap();
    let helper_directory = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteServerStore::open(&leader_directory.path().join("server.db")).unwrap());
    let organisation = admin::init_organisation(store.as_ref(), "Acme").unwrap();
    let department = admin::add_department(store.as_ref(), &organisation.id, "Support").unwrap();
    let team_id = admin::add_team_with_headcount(store.as_ref(), &department, "Tier 1", 10).unwrap();
    let helper_store = HelperStore::open(&helper_directory.path().join("helper.db")).unwrap();
    let keys = helper_store.init("RSU Acme").unwrap();
    let helper = admin::HelperToLink {
        url: "http://helper.invalid".to_owned(),
        party: "RSU Acme".to_owned(),
        public_key: STANDARD.encode(keys.public().as_bytes()),
        from_week: "2026-W48".parse().unwrap(),
    };
    let pairing =
        admin::link_helper(store.as_ref(), &organisation.id, &helper, ServerConfig::default().publication())
            .unwrap();
    helper_store.pair(&pairing, at(11, 20, 9)).unwrap();
    let clock = Arc::new(FixedClock::new(at(11, 23, 9)));
    let helper_api = Arc::new(LocalHelperApi::new(Arc::new(Helper::new(helper_store, clock.clone()))));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(store.clone(), clock.clone(), ServerConfig::default())
        .with_helper_api(helper_api.clone());
    runtime.spawn(async move { axum::serve(listener, app(state)).await });
    TwoServers {
        url,
        store,
        clock,
        helper_api,
        helper_fingerprint: keys.public().fingerprint(),
        organisation_id: organisation.id,
        team_id,
        _runtime: runtime,
        _directories: (leader_directory, helper_directory),
    }
}

fn desktop() -> (tempfile::TempDir, Desktop) {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(&directory.path().join("polso.db"), &StoreKey::generate().unwrap()).unwrap();
    let desktop = Desktop::new(store, "en-GB".to_owned())
        .unwrap()
        .with_device_vault(Box::new(MemoryVault::default()), "device-token");
    (directory, desktop)
}

/// Enrols on Monday of 2026-W48 and answers its pulse on Thursday.
fn enrolled_and_answered(servers: &TwoServers, desktop: &mut Desktop) -> polso_api::SyncStatus {
    let code = admin::create_invite(servers.store.as_ref(), &servers.team_id, at(11, 23, 9), 7, 1).unwrap();
    let form = EnrolDevice { server_url: servers.url.clone(), invite_code: code };
    let status = enrol(desktop, &UreqTransport::new(), &form, date(11, 23), at(11, 23, 9)).unwrap();
    let view = desktop.current_pulse(date(11, 26)).unwrap();
    let answers = view
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| AnswerDto {
            item_id: item.id.clone(),
            value: item.scale.min + (index % 2) as u8,
        })
        .collect();
    let submission =
        SubmitPulse { week: view.week, answers, not_applicable: Vec::new(), work_week: None, note: None };
    desktop.submit_pulse(submission, date(11, 26), at(11, 26, 10)).unwrap();
    status
}

#[test]
fn the_app_pins_the_helper_and_sends_a_two_server_week_as_shares_the_helper_verifies() {
    let servers = two_servers();
    let (_directory, mut desktop) = desktop();
    let status = enrolled_and_answered(&servers, &mut desktop);
    assert_eq!(status.aggregation.mode, AggregationMode::TwoServer);
    let helper = status.aggregation.helper.clone().unwrap();
    assert_eq!(
        (helper.party.as_str(), helper.fingerprint.as_str()),
        ("RSU Acme", servers.helper_fingerprint.as_str())
    );
    assert_eq!(status.aggregation.from_week.as_deref(), Some("2026-W48"));

    // The week closed: a pass queues it after the app's shortest delay, the next sends it as shares.
    servers.clock.set(at(12, 1, 10));
    let status =
        sync_now(&mut desktop, &UreqTransport::new(), date(12, 1), at(12, 1, 10), true, &mut || 0).unwrap();
    assert_eq!(status.pending_reports, 1, "{status:?}");
    servers.clock.set(at(12, 1, 14));
    let status =
        sync_now(&mut desktop, &UreqTransport::new(), date(12, 1), at(12, 1, 14), true, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (0, 0), "{status:?}");
    assert_eq!(status.last_pass.as_ref().map(|pass| pass.sent), Some(1), "{status:?}");
    let shared = servers.store.shared().unwrap();
    let pending = shared.pending_shared(&servers.organisation_id, 10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].team_id, servers.team_id);
    let weeks = "2026-W01".parse().unwrap()..="2027-W01".parse().unwrap();
    assert!(
        servers.store.team_aggregates(&servers.organisation_id, None, weeks).unwrap().is_empty(),
        "no plain sums"
    );

    // The helper verifies the app's shares with the leader: a valid report.
    let tree = servers.store.organisation_tree(&servers.organisation_id).unwrap();
    let round = verify_pending(servers.store.as_ref(), servers.helper_api.as_ref(), &tree).unwrap();
    assert_eq!((round.verified, round.rejected), (1, 0));
}

#[test]
fn a_server_naming_another_helper_key_is_refused_and_the_pinned_helper_kept() {
    let servers = two_servers();
    let (_directory, mut desktop) = desktop();
    let pinned = enrolled_and_answered(&servers, &mut desktop).aggregation;
    let mut offered = pinned.clone();
    let other = polso_vdaf::HelperKeyPair::generate();
    if let Some(helper) = offered.helper.as_mut() {
        helper.public_key = STANDARD.encode(other.public().as_bytes());
        helper.fingerprint = other.public().fingerprint();
    }
    let organisation = servers.store.organisation(&servers.organisation_id).unwrap();
    let questionnaire = polso_server::questionnaire::plan_to_wire(&organisation.questionnaire);
    let read = |aggregation| QuestionnaireResponse {
        wire_version: WIRE_VERSION,
        questionnaire: questionnaire.clone(),
        aggregation,
        generation: None,
    };
    let status = desktop.record_check(Ok(Some(read(offered.clone()))), at(11, 27, 9)).unwrap();
    let error = status.last_error.clone().expect("refused");
    assert_eq!(error.code, ErrorCode::HelperKeyChanged, "{error:?}");
    assert!(error.message.contains(&other.public().fingerprint()), "{error:?}");
    assert_eq!(status.aggregation, pinned);
    // While the server names another key, the two-server week's report waits on the device: no
    // batch is made (a whole pass would check the real server here, which names the pinned key).
    servers.clock.set(at(12, 1, 14));
    for now in [at(12, 1, 10), at(12, 1, 14)] {
        let batch = desktop.prepare_sync(date(12, 1), now, true, &mut || 0).unwrap();
        assert!(batch.is_none(), "{batch:?}");
    }
    let status = desktop.sync_status().unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (1, 0), "{status:?}");
    assert!(servers.store.shared().unwrap().pending_shared(&servers.organisation_id, 10).unwrap().is_empty());
    // The server names the pinned key again: the report leaves.
    let status = desktop.record_check(Ok(Some(read(pinned.clone()))), at(12, 1, 15)).unwrap();
    assert_eq!(status.last_error, None);
    let status =
        sync_now(&mut desktop, &UreqTransport::new(), date(12, 1), at(12, 1, 16), true, &mut || 0).unwrap();
    assert_eq!(status.pending_reports, 0, "{status:?}");
    assert_eq!(
        servers.store.shared().unwrap().pending_shared(&servers.organisation_id, 10).unwrap().len(),
        1
    );
    // A server that stops naming a helper never turns the device back to one server.
    let status =
        desktop.record_check(Ok(Some(read(polso_api::Aggregation::default()))), at(11, 27, 10)).unwrap();
    assert_eq!(status.aggregation, pinned);
    // A fingerprint that is not the key's is refused too.
    let mut forged = pinned.clone();
    if let Some(helper) = forged.helper.as_mut() {
        helper.fingerprint = "0000-0000-0000-0000-0000-0000-0000-0000".to_owned();
    }
    let status = desktop.record_check(Ok(Some(read(forged))), at(11, 27, 11)).unwrap();
    assert!(status.last_error.is_some());
}
