//! The real OS keyring, through [`OsKeyring`].
//!
//! These tests need a running, unlocked keyring, so they run only when the
//! environment variable `POLSO_TEST_KEYRING=1` is set; otherwise each prints that
//! it was skipped and passes. On Linux, run them inside a throwaway D-Bus session
//! with GNOME Keyring (see the crate's README):
//!
//! ```text
//! dbus-run-session -- bash -c 'export XDG_DATA_HOME=$(mktemp -d);
//!   echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null;
//!   POLSO_TEST_KEYRING=1 cargo test -p polso-store'
//! ```
//!
//! One test always runs on Linux: it starts this test binary again with no
//! reachable session bus and checks that the keyring is reported as unavailable
//! with a sentence the user can act on.

use std::time::{SystemTime, UNIX_EPOCH};

use polso_store::{OpenError, OsKeyring, SecretVault, VaultError, delete_local_data, open_store};

use crate::support::{sample_pulse, snapshot};

/// The service name the tests file their entries under, apart from the app's.
const TEST_SERVICE: &str = "app.polso.store-tests";

/// The real-keyring tests are `#[ignore]`d; run on purpose without `POLSO_TEST_KEYRING=1` (a D-Bus
/// session with an unlocked keyring, as `cargo xtask test` gives them), they fail saying so.
fn real_keyring_tests_enabled(test_name: &str) -> bool {
    let enabled = std::env::var("POLSO_TEST_KEYRING").is_ok_and(|value| value == "1");
    assert!(
        enabled,
        "{test_name} needs POLSO_TEST_KEYRING=1 inside a D-Bus session with an unlocked keyring"
    );
    enabled
}

/// An account name no other run or test uses, so runs never see each other's entries.
fn unique_account(purpose: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_nanos()).unwrap_or(0);
    format!("polso-test-{purpose}-{}-{nanos}", std::process::id())
}

#[ignore = "needs the OS keyring in a D-Bus session; cargo xtask test runs it (POLSO_TEST_KEYRING=1)"]
#[test]
fn os_keyring_keeps_returns_and_deletes_a_secret() {
    if !real_keyring_tests_enabled("os_keyring_keeps_returns_and_deletes_a_secret") {
        return;
    }
    let keyring = OsKeyring::new(TEST_SERVICE);
    let account = unique_account("secret");

    assert_eq!(keyring.get(&account).unwrap(), None);
    keyring.set(&account, "first secret").unwrap();
    assert_eq!(keyring.get(&account).unwrap().as_deref(), Some("first secret"));
    keyring.set(&account, "second secret").unwrap();
    assert_eq!(keyring.get(&account).unwrap().as_deref(), Some("second secret"));
    keyring.delete(&account).unwrap();
    assert_eq!(keyring.get(&account).unwrap(), None);
    // Deleting what is not there is not an error.
    keyring.delete(&account).unwrap();
}

#[ignore = "needs the OS keyring in a D-Bus session; cargo xtask test runs it (POLSO_TEST_KEYRING=1)"]
#[test]
fn open_store_through_the_os_keyring() {
    if !real_keyring_tests_enabled("open_store_through_the_os_keyring") {
        return;
    }
    let keyring = OsKeyring::new(TEST_SERVICE);
    let account = unique_account("store");
    let folder = tempfile::tempdir().unwrap();

    let mut store = open_store(folder.path(), &keyring, &account).unwrap();
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();
    drop(store);
    let key_hex = keyring.get(&account).unwrap().unwrap();
    assert_eq!(key_hex.len(), 64);

    // A separate keyring value, as after an app restart, reads the same key.
    let store = open_store(folder.path(), &OsKeyring::new(TEST_SERVICE), &account).unwrap();
    assert_eq!(store.history().unwrap(), vec![sample_pulse("2026-W48")]);
    drop(store);

    delete_local_data(folder.path(), &keyring, &account).unwrap();
    assert_eq!(keyring.get(&account).unwrap(), None);
    assert!(snapshot(folder.path()).is_empty());
}

/// Only runs inside the child process started by the test below.
#[test]
fn probe_os_keyring_without_a_session_bus() {
    if std::env::var_os("POLSO_TEST_KEYRING_PROBE").is_none() {
        return;
    }
    let keyring = OsKeyring::new(TEST_SERVICE);
    let error = keyring.get("probe").unwrap_err();
    assert!(matches!(error, VaultError::Unavailable { .. }), "{error:?}");
    assert_eq!(error.keyring_problem(), Some(polso_store::KeyringProblem::NoSecretService), "{error:?}");
    println!("PROBE MESSAGE: {error}");

    let folder = tempfile::tempdir().unwrap();
    let error = open_store(folder.path(), &keyring, "probe").unwrap_err();
    assert!(matches!(error, OpenError::KeyringUnavailable(_)), "{error:?}");
    assert!(snapshot(folder.path()).is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn os_keyring_without_a_session_bus_is_reported_as_unavailable() {
    // The environment cannot be changed inside this process (it is unsafe with
    // threads), so the check runs in a child copy of this test binary.
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "keyring::probe_os_keyring_without_a_session_bus",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("POLSO_TEST_KEYRING_PROBE", "1")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/polso-test-bus")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the probe failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the probe did not run:\n{stdout}");
    // The harness prints the test's name on the same line, before the message.
    let message = stdout
        .lines()
        .find_map(|line| line.split_once("PROBE MESSAGE: ").map(|(_, message)| message))
        .unwrap_or_default();
    // No bus, so no Secret Service: the sentence names the cause and the next step.
    assert!(
        message.starts_with("No system keyring (Secret Service) is running in this session: "),
        "{message}"
    );
    assert!(
        message.ends_with(
            "(GNOME Keyring or KWallet, usually started by logging in to a desktop session) and try again"
        ),
        "{message}"
    );
}
