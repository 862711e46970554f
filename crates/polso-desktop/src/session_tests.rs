//! Tests of the session the app ships: a real store file in a temporary data directory, a vault
//! in memory standing for the OS keyring, and a transport of the test's own.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use chrono::{DateTime, NaiveDate};
use polso_api::{ApiError, ErrorCode, UpdateSettings};
use polso_store::{SecretVault, SharedMemoryVault, VaultError};

use crate::session::{Clock, Session, SessionPlace, VaultMaker};
use crate::sync::{HttpAnswer, SyncTransport, TransportFailure};

/// A vault that refuses everything while locked, as a locked keyring does.
#[derive(Clone, Default)]
struct LockableVault {
    secrets: SharedMemoryVault,
    locked: Arc<AtomicBool>,
}

impl LockableVault {
    fn check(&self) -> Result<(), VaultError> {
        match self.locked.load(Ordering::SeqCst) {
            true => {
                Err(VaultError::Unavailable { keyring_name: "test keyring", detail: "locked".to_owned() })
            }
            false => Ok(()),
        }
    }

    fn maker(&self) -> VaultMaker {
        let vault = self.clone();
        Arc::new(move || Box::new(vault.clone()))
    }
}

impl SecretVault for LockableVault {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        self.check()?;
        self.secrets.get(account)
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), VaultError> {
        self.check()?;
        self.secrets.set(account, secret)
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.check()?;
        self.secrets.delete(account)
    }
}

/// A server that enrols at once and answers everything else slowly, counting how many of its
/// answers were being waited for at the same time.
#[derive(Default)]
struct SlowServer {
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    slow_calls: AtomicUsize,
}

impl SlowServer {
    fn answer(&self, url: &str) -> Result<HttpAnswer, TransportFailure> {
        if url.ends_with("/v1/enrol") {
            return Ok(HttpAnswer { status: 201, body: crate::sync_tests::enrol_response(0) });
        }
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(150));
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.slow_calls.fetch_add(1, Ordering::SeqCst);
        Ok(HttpAnswer { status: 503, body: String::new() })
    }
}

impl SyncTransport for Arc<SlowServer> {
    fn post_json(&self, url: &str, _: Option<&str>, _: &str) -> Result<HttpAnswer, TransportFailure> {
        self.answer(url)
    }
}

impl crate::hr::HrTransport for Arc<SlowServer> {
    fn get_json(&self, url: &str, _: &str) -> Result<HttpAnswer, TransportFailure> {
        self.answer(url)
    }

    fn post_csv(&self, url: &str, _: &str, _: &str) -> Result<HttpAnswer, TransportFailure> {
        self.answer(url)
    }
}

fn place(dir: &std::path::Path, vault: &LockableVault) -> SessionPlace {
    SessionPlace {
        data_dir: dir.to_owned(),
        system_locale: "it-IT".to_owned(),
        vault: vault.maker(),
        clock: Clock::starting_at(DateTime::parse_from_rfc3339("2026-11-23T09:00:00+01:00").unwrap()),
        fixed_today: None,
    }
}

fn session(dir: &std::path::Path, vault: &LockableVault) -> (Session, Arc<SlowServer>) {
    let server = Arc::new(SlowServer::default());
    (Session::open(place(dir, vault), Box::new(Arc::clone(&server))), server)
}

/// A keyring locked at start-up keeps the store closed with a reason every command answers;
/// once unlocked, the next command opens it, and whoever waits for an opening is told once.
#[test]
fn a_store_that_could_not_open_opens_on_a_later_command() {
    let dir = tempfile::tempdir().unwrap();
    let vault = LockableVault::default();
    vault.locked.store(true, Ordering::SeqCst);
    let openings = Arc::new(AtomicUsize::new(0));
    let (session, _) = session(dir.path(), &vault);
    let session = session.when_reopened(Box::new({
        let openings = Arc::clone(&openings);
        move || {
            openings.fetch_add(1, Ordering::SeqCst);
        }
    }));
    let closed = session.with_desktop(|desktop| desktop.settings()).unwrap_err();
    assert_eq!(closed.code, ErrorCode::KeyringLocked, "{closed:?}");
    assert_eq!(openings.load(Ordering::SeqCst), 0);
    vault.locked.store(false, Ordering::SeqCst);
    let settings = session.with_desktop(|desktop| desktop.settings()).unwrap();
    assert_eq!(settings.system_language, polso_api::LanguageCode::It, "from the system's locale");
    session.with_desktop(|desktop| desktop.settings()).unwrap();
    assert_eq!(openings.load(Ordering::SeqCst), 1, "told once, when it opened");
}

/// Deleting the local data deletes the store, its key and the enrolment's token, and leaves a
/// new, empty store open: the first run again.
#[test]
fn deleting_local_data_leaves_a_first_run_with_no_secret_behind() {
    let dir = tempfile::tempdir().unwrap();
    let vault = LockableVault::default();
    let (session, _) = session(dir.path(), &vault);
    let status = session.enrol(&crate::sync_tests::form()).unwrap();
    assert!(status.enrolled, "{status:?}");
    let accounts = |purpose: &str| format!("{purpose}@{}", dir.path().display());
    let old_key = vault.secrets.get(&accounts("store-key")).unwrap().expect("a store key");
    assert!(vault.secrets.get(&accounts("device-token")).unwrap().is_some());

    session.delete_local_data().unwrap();

    assert_eq!(vault.secrets.get(&accounts("device-token")).unwrap(), None, "the token is gone");
    let new_key = vault.secrets.get(&accounts("store-key")).unwrap().expect("the new store's key");
    assert_ne!(new_key, old_key, "a new store under a new key");
    let status = session.with_desktop(|desktop| desktop.sync_status()).unwrap();
    assert!(!status.enrolled, "the first run again: {status:?}");
}

/// "Start at login" is stored first, and put back when the system refuses it.
#[test]
fn a_start_at_login_the_system_refuses_is_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let vault = LockableVault::default();
    let (session, _) = session(dir.path(), &vault);
    let turn_on = || UpdateSettings { autostart: Some(true), ..UpdateSettings::default() };
    let refused = session
        .update_settings(turn_on(), |_| Err(ApiError::new(ErrorCode::InvalidSetting, "no autostart here")))
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidSetting);
    assert!(!session.with_desktop(|desktop| desktop.settings()).unwrap().autostart, "put back");
    let mut applied = None;
    let settings = session
        .update_settings(turn_on(), |on| {
            applied = Some(on);
            Ok(())
        })
        .unwrap();
    assert!(settings.autostart);
    assert_eq!(applied, Some(true));
}

/// Two passes asked for at once ("Sync now" during the background pass) never run together:
/// the second waits, so the server never sees one device's requests overlap.
///
/// Mutation: without the session's pass lock both passes' checks are in flight at once.
#[test]
fn two_passes_asked_at_once_run_one_after_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let vault = LockableVault::default();
    let (session, server) = session(dir.path(), &vault);
    session.enrol(&crate::sync_tests::form()).unwrap();
    let together = Barrier::new(2);
    std::thread::scope(|scope| {
        let passes: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    together.wait();
                    session.sync_now(true)
                })
            })
            .collect();
        for pass in passes {
            pass.join().unwrap().unwrap();
        }
    });
    assert!(server.slow_calls.load(Ordering::SeqCst) >= 2, "each pass checked the server");
    assert_eq!(server.most_in_flight.load(Ordering::SeqCst), 1);
}

/// The injected clock starts where it is told and runs on; a fixed today overrides its date.
#[test]
fn the_clock_starts_where_it_is_told_and_runs_on() {
    let dir = tempfile::tempdir().unwrap();
    let vault = LockableVault::default();
    let start = DateTime::parse_from_rfc3339("2026-11-29T23:59:59+01:00").unwrap();
    let mut place = place(dir.path(), &vault);
    place.clock = Clock::starting_at(start);
    let session = Session::open(place, Box::new(Arc::new(SlowServer::default())));
    assert!(session.now_local() >= start);
    assert_eq!(session.now_local().offset(), start.offset());
    assert_eq!(session.today(), NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    assert_eq!(session.today(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), "midnight passed");

    drop(session);
    let mut fixed = self::place(dir.path(), &vault);
    fixed.fixed_today = NaiveDate::from_ymd_opt(2027, 1, 4);
    let session = Session::open(fixed, Box::new(Arc::new(SlowServer::default())));
    assert_eq!(session.today(), NaiveDate::from_ymd_opt(2027, 1, 4).unwrap());
}
