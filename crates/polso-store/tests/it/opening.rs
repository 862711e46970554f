//! The rules of [`open_store`], branch by branch, with a vault in memory, and the
//! promise behind them: an existing store is never replaced, changed or deleted
//! when opening is refused. Also [`delete_local_data`].

use std::path::Path;

use polso_store::{
    MemoryVault, OpenError, SecretVault, Store, StoreError, StoreKey, VaultError, delete_local_data,
    open_store,
};

use crate::support::{ACCOUNT, new_key, sample_pulse, snapshot};

/// A vault whose keyring is never reachable.
struct UnavailableVault;

impl SecretVault for UnavailableVault {
    fn get(&self, _account: &str) -> Result<Option<String>, VaultError> {
        Err(unavailable())
    }
    fn set(&self, _account: &str, _secret: &str) -> Result<(), VaultError> {
        Err(unavailable())
    }
    fn delete(&self, _account: &str) -> Result<(), VaultError> {
        Err(unavailable())
    }
}

fn unavailable() -> VaultError {
    VaultError::Unavailable {
        keyring_name: "Secret Service",
        detail: "Unable to autolaunch a dbus-daemon without a $DISPLAY for X11".to_owned(),
    }
}

/// A vault that accepts secrets and forgets them at once.
struct ForgetfulVault;

impl SecretVault for ForgetfulVault {
    fn get(&self, _account: &str) -> Result<Option<String>, VaultError> {
        Ok(None)
    }
    fn set(&self, _account: &str, _secret: &str) -> Result<(), VaultError> {
        Ok(())
    }
    fn delete(&self, _account: &str) -> Result<(), VaultError> {
        Ok(())
    }
}

fn stored_key(vault: &MemoryVault) -> StoreKey {
    StoreKey::from_hex(&vault.get(ACCOUNT).unwrap().unwrap()).unwrap()
}

#[test]
fn no_database_and_no_key_creates_both() {
    let folder = tempfile::tempdir().unwrap();
    let data_dir = folder.path().join("not yet created");
    let vault = MemoryVault::new();

    let mut store = open_store(&data_dir, &vault, ACCOUNT).unwrap();
    assert_eq!(store.path(), data_dir.join("polso.db"));
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();
    drop(store);

    // The key now in the vault is the one the file was written with.
    let store = Store::open(&data_dir.join("polso.db"), &stored_key(&vault)).unwrap();
    assert_eq!(store.history().unwrap(), vec![sample_pulse("2026-W48")]);
}

#[test]
fn no_database_but_a_key_reuses_the_key() {
    let folder = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let key = new_key();
    vault.set(ACCOUNT, &key.to_hex()).unwrap();

    open_store(folder.path(), &vault, ACCOUNT).unwrap().save_pulse(&sample_pulse("2026-W48")).unwrap();

    assert_eq!(stored_key(&vault), key);
    let store = Store::open(&folder.path().join("polso.db"), &key).unwrap();
    assert_eq!(store.history().unwrap(), vec![sample_pulse("2026-W48")]);
}

#[test]
fn a_database_and_its_key_open_with_the_data() {
    let folder = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    open_store(folder.path(), &vault, ACCOUNT).unwrap().save_pulse(&sample_pulse("2026-W48")).unwrap();
    let key_after_creation = stored_key(&vault);

    let store = open_store(folder.path(), &vault, ACCOUNT).unwrap();
    assert_eq!(store.history().unwrap(), vec![sample_pulse("2026-W48")]);
    assert_eq!(stored_key(&vault), key_after_creation, "opening must not replace the key");
}

#[test]
fn a_database_without_its_key_is_refused_and_left_unchanged() {
    let folder = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    open_store(folder.path(), &vault, ACCOUNT).unwrap().save_pulse(&sample_pulse("2026-W48")).unwrap();
    vault.delete(ACCOUNT).unwrap();
    let before = snapshot(folder.path());

    let error = open_store(folder.path(), &vault, ACCOUNT).unwrap_err();
    assert!(matches!(&error, OpenError::KeyMissing { path, .. } if path == &folder.path().join("polso.db")));
    let message = error.to_string();
    assert!(message.contains("polso.db") && message.contains(ACCOUNT), "{message}");

    assert_eq!(snapshot(folder.path()), before, "the folder must be byte-for-byte unchanged");
    assert_eq!(vault.get(ACCOUNT).unwrap(), None, "no new key may be created beside the store");
}

#[test]
fn an_unreachable_keyring_is_reported_and_nothing_is_created() {
    let folder = tempfile::tempdir().unwrap();
    let error = open_store(folder.path(), &UnavailableVault, ACCOUNT).unwrap_err();
    match &error {
        OpenError::KeyringUnavailable(message) => {
            assert!(message.contains("No system keyring (Secret Service) is running"), "{message}");
            assert!(message.ends_with("desktop session) and try again"), "{message}");
        }
        other => panic!("expected KeyringUnavailable, got {other:?}"),
    }
    assert!(snapshot(folder.path()).is_empty());
}

#[test]
fn an_unreachable_keyring_leaves_an_existing_store_unchanged() {
    let folder = tempfile::tempdir().unwrap();
    open_store(folder.path(), &MemoryVault::new(), ACCOUNT).unwrap();
    let before = snapshot(folder.path());
    let error = open_store(folder.path(), &UnavailableVault, ACCOUNT).unwrap_err();
    assert!(matches!(error, OpenError::KeyringUnavailable(_)), "{error:?}");
    assert_eq!(snapshot(folder.path()), before);
}

#[test]
fn a_keyring_that_drops_the_new_key_creates_no_store() {
    let folder = tempfile::tempdir().unwrap();
    let error = open_store(folder.path(), &ForgetfulVault, ACCOUNT).unwrap_err();
    assert!(matches!(error, OpenError::KeyNotKept { .. }), "{error:?}");
    assert!(snapshot(folder.path()).is_empty());
}

#[test]
fn a_keyring_entry_that_is_not_a_key_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    vault.set(ACCOUNT, "hunter2").unwrap();
    let error = open_store(folder.path(), &vault, ACCOUNT).unwrap_err();
    assert!(matches!(error, OpenError::KeyMalformed { .. }), "{error:?}");
    assert!(!error.to_string().contains("hunter2"), "the entry's text must not be shown: {error}");
    assert_eq!(vault.get(ACCOUNT).unwrap().as_deref(), Some("hunter2"), "the entry must be left alone");
    assert!(snapshot(folder.path()).is_empty());
}

#[test]
fn a_log_left_without_its_database_is_not_overwritten() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("polso.db-wal"), b"frames that may hold saved pulses").unwrap();
    let before = snapshot(folder.path());

    for vault in [MemoryVault::new(), {
        let vault = MemoryVault::new();
        vault.set(ACCOUNT, &new_key().to_hex()).unwrap();
        vault
    }] {
        let error = open_store(folder.path(), &vault, ACCOUNT).unwrap_err();
        assert!(matches!(error, OpenError::DatabaseMissingBesideLog { .. }), "{error:?}");
        assert_eq!(snapshot(folder.path()), before);
    }
}

/// Writes `contents` as polso.db, with a key in the vault, and checks that
/// opening is refused as damaged and that the folder is unchanged.
fn assert_refused_as_damaged(contents: &[u8], case: &str) {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("polso.db"), contents).unwrap();
    let vault = MemoryVault::new();
    vault.set(ACCOUNT, &new_key().to_hex()).unwrap();
    let before = snapshot(folder.path());

    let error = open_store(folder.path(), &vault, ACCOUNT).unwrap_err();
    assert!(matches!(error, OpenError::CorruptOrWrongKey { .. }), "{case}: {error:?}");
    let message = error.to_string();
    assert!(message.contains("polso.db") && message.contains("left unchanged"), "{case}: {message}");
    assert_eq!(snapshot(folder.path()), before, "{case}: the folder must be byte-for-byte unchanged");
}

#[test]
fn garbage_in_place_of_the_database_is_refused_and_left_unchanged() {
    let mut garbage = vec![0_u8; 64 * 1024];
    getrandom::fill(&mut garbage).unwrap();
    assert_refused_as_damaged(&garbage, "random bytes");
    assert_refused_as_damaged(b"Dear diary, this is not a database.\n", "a text file");
}

#[test]
fn a_plain_sqlite_file_in_place_of_the_database_is_refused_and_left_unchanged() {
    let folder = tempfile::tempdir().unwrap();
    let plain_path = folder.path().join("plain.db");
    let connection = rusqlite::Connection::open(&plain_path).unwrap();
    connection
        .execute_batch("CREATE TABLE pulses (week TEXT); INSERT INTO pulses VALUES ('2026-W48');")
        .unwrap();
    drop(connection);
    assert_refused_as_damaged(&std::fs::read(&plain_path).unwrap(), "an unencrypted SQLite file");
}

/// A real store with enough pulses to span many pages, keyed with `key`.
fn store_file_bytes(key: &StoreKey) -> Vec<u8> {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let mut store = Store::open(&path, key).unwrap();
    let mut week = polso_core::IsoWeek::new(2024, 1).unwrap();
    for _ in 0..150 {
        let mut pulse = sample_pulse(&week.to_string());
        pulse.note = Some("A longer private note, so that the pulses fill several pages. ".repeat(8));
        store.save_pulse(&pulse).unwrap();
        week = week.next();
    }
    drop(store);
    std::fs::read(&path).unwrap()
}

#[test]
fn a_truncated_database_is_refused_and_left_unchanged() {
    let folder = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let key = new_key();
    vault.set(ACCOUNT, &key.to_hex()).unwrap();
    let whole = store_file_bytes(&key);
    assert!(whole.len() > 10 * 4096, "the sample store should span many pages: {} bytes", whole.len());

    for length in [16, 100, 4095, 4096 + 100, whole.len() / 2, whole.len() - 4096] {
        let path = folder.path().join("polso.db");
        std::fs::write(&path, &whole[..length]).unwrap();
        let before = snapshot(folder.path());
        let error = open_store(folder.path(), &vault, ACCOUNT).unwrap_err();
        assert!(matches!(error, OpenError::CorruptOrWrongKey { .. }), "{length} bytes: {error:?}");
        assert_eq!(snapshot(folder.path()), before, "{length} bytes: the folder must be unchanged");
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_flipped_byte_inside_the_database_is_refused_and_left_unchanged() {
    let key = new_key();
    let mut damaged = store_file_bytes(&key);
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x01;

    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("polso.db"), &damaged).unwrap();
    let before = snapshot(folder.path());
    let error = Store::open(&folder.path().join("polso.db"), &key).unwrap_err();
    assert!(matches!(error, StoreError::WrongKeyOrCorrupt { .. }), "{error:?}");
    assert_eq!(snapshot(folder.path()), before);
}

#[test]
fn deleting_local_data_removes_the_files_and_the_key() {
    let folder = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let other_file = folder.path().join("settings-backup.json");
    std::fs::write(&other_file, b"{}").unwrap();
    let mut store = open_store(folder.path(), &vault, ACCOUNT).unwrap();
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();
    drop(store);
    // Leftover companions of a crash are removed too.
    std::fs::write(folder.path().join("polso.db-wal"), b"x").unwrap();
    std::fs::write(folder.path().join("polso.db-shm"), b"x").unwrap();

    delete_local_data(folder.path(), &vault, ACCOUNT).unwrap();

    let remaining: Vec<String> = snapshot(folder.path()).into_keys().collect();
    assert_eq!(remaining, ["settings-backup.json"], "only the store's own files may be removed");
    assert_eq!(vault.get(ACCOUNT).unwrap(), None);

    // Deleting again is fine, and a new, empty store can then be created.
    delete_local_data(folder.path(), &vault, ACCOUNT).unwrap();
    let store = open_store(folder.path(), &vault, ACCOUNT).unwrap();
    assert_eq!(store.history().unwrap(), vec![]);
}

#[test]
fn deleting_local_data_with_an_unreachable_keyring_is_reported() {
    let folder = tempfile::tempdir().unwrap();
    let error = delete_local_data(folder.path(), &UnavailableVault, ACCOUNT).unwrap_err();
    assert!(matches!(error, OpenError::KeyringUnavailable(_)), "{error:?}");
}

#[test]
fn a_store_file_path_is_polso_db_in_the_data_folder() {
    assert_eq!(polso_store::database_path(Path::new("/data")), Path::new("/data/polso.db"));
}
