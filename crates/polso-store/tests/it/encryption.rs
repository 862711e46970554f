//! Encryption at rest (DESIGN.md, privacy point 1): no answer or note is
//! readable in the files, and the files open only with the right key.

use polso_core::{Answer, ItemId};
use polso_store::{MemoryVault, OpenError, SecretVault, Store, open_store};

use crate::support::{ACCOUNT, CANARY_ITEM, CANARY_NOTE, contains_bytes, new_key, sample_pulse, snapshot};

fn pulse_with_canaries() -> polso_store::SavedPulse {
    let mut pulse = sample_pulse("2026-W48");
    pulse.note = Some(format!("Feeling tired this week. {CANARY_NOTE}"));
    pulse.answers.push(Answer { item: ItemId(CANARY_ITEM.to_owned()), value: 5 });
    pulse
}

/// Asserts that no file in the folder holds a canary or SQLite's plain header.
fn assert_no_plain_text_in(folder: &std::path::Path, moment: &str) {
    let files = snapshot(folder);
    assert!(files.contains_key("polso.db"), "{moment}: {:?}", files.keys());
    for (name, bytes) in &files {
        assert!(!contains_bytes(bytes, CANARY_NOTE.as_bytes()), "{moment}: the note is readable in {name}");
        assert!(
            !contains_bytes(bytes, CANARY_ITEM.as_bytes()),
            "{moment}: the item id is readable in {name}"
        );
        assert!(!contains_bytes(bytes, b"metric_scores"), "{moment}: the schema is readable in {name}");
        assert!(!bytes.starts_with(b"SQLite format 3\0"), "{moment}: {name} has a plain SQLite header");
    }
}

#[test]
fn answers_and_notes_are_not_readable_on_disk() {
    let folder = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let mut store = open_store(folder.path(), &vault, ACCOUNT).unwrap();
    store.save_pulse(&pulse_with_canaries()).unwrap();

    // While the store is open the newest pages live in polso.db-wal.
    assert!(snapshot(folder.path()).contains_key("polso.db-wal"));
    assert_no_plain_text_in(folder.path(), "while open");
    drop(store);
    assert_no_plain_text_in(folder.path(), "after closing");

    // The canaries are really in there: the right key reads them back.
    let store = open_store(folder.path(), &vault, ACCOUNT).unwrap();
    assert_eq!(store.history().unwrap(), vec![pulse_with_canaries()]);
}

#[test]
fn another_key_cannot_open_the_store_and_changes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    open_store(folder.path(), &vault, ACCOUNT).unwrap().save_pulse(&pulse_with_canaries()).unwrap();
    let before = snapshot(folder.path());

    vault.set(ACCOUNT, &new_key().to_hex()).unwrap();
    let error = open_store(folder.path(), &vault, ACCOUNT).unwrap_err();
    assert!(
        matches!(&error, OpenError::CorruptOrWrongKey { path } if path.ends_with("polso.db")),
        "{error:?}"
    );
    assert!(error.to_string().contains("polso.db"), "{error}");
    assert_eq!(snapshot(folder.path()), before);

    let error = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap_err();
    assert!(matches!(error, polso_store::StoreError::WrongKeyOrCorrupt { .. }), "{error:?}");
    assert_eq!(snapshot(folder.path()), before);
}

#[test]
fn plain_sqlite_without_a_key_cannot_read_the_store() {
    let folder = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    open_store(folder.path(), &vault, ACCOUNT).unwrap().save_pulse(&pulse_with_canaries()).unwrap();

    let connection = rusqlite::Connection::open(folder.path().join("polso.db")).unwrap();
    let error = connection
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0))
        .unwrap_err();
    assert_eq!(error.sqlite_error_code(), Some(rusqlite::ErrorCode::NotADatabase), "{error:?}");
}
