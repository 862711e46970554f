//! Opening stores written at every earlier schema version: from an empty file,
//! from each version up to the latest with its data kept, and refusing a store
//! written by a newer Polso without touching it.
//!
//! Older stores are built the way an older Polso built them: by running the
//! first migration files from `migrations/` on a keyed file and setting
//! `user_version`, independently of the store's own migration code.

use std::path::{Path, PathBuf};

use polso_store::{SCHEMA_VERSION, Store, StoreError, StoreKey};

use crate::support::{instant, new_key, raw_keyed_connection, sample_pulse, snapshot, week};

/// The migration files on disk, oldest first.
fn migration_files() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "sql"))
        .collect();
    files.sort();
    files
}

/// Writes a store at schema `version` as the Polso of that version did: WAL
/// mode, the first `version` migrations, `user_version` set.
fn create_store_at_version(path: &Path, key: &StoreKey, version: usize) -> rusqlite::Connection {
    let connection = raw_keyed_connection(path, key);
    connection.pragma_update(None, "journal_mode", "WAL").unwrap();
    for file in &migration_files()[..version] {
        connection.execute_batch(&std::fs::read_to_string(file).unwrap()).unwrap();
    }
    connection.pragma_update(None, "user_version", i64::try_from(version).unwrap()).unwrap();
    connection
}

fn user_version(path: &Path, key: &StoreKey) -> usize {
    let version: i64 =
        raw_keyed_connection(path, key).query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
    usize::try_from(version).unwrap()
}

fn table_names(path: &Path, key: &StoreKey) -> Vec<String> {
    let connection = raw_keyed_connection(path, key);
    let mut statement =
        connection.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
    statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn the_schema_version_counts_the_migration_files() {
    assert_eq!(migration_files().len(), SCHEMA_VERSION);
}

#[test]
fn a_new_file_is_migrated_to_the_latest_version() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    Store::open(&path, &key).unwrap();
    assert_eq!(user_version(&path, &key), SCHEMA_VERSION);
    assert_eq!(
        table_names(&path, &key),
        [
            "action_verdicts",
            "answers",
            "comments",
            "metric_scores",
            "not_applicable",
            "pulses",
            "report_queue",
            "settings"
        ]
    );
}

#[test]
fn an_empty_existing_file_is_migrated_to_the_latest_version() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    std::fs::write(&path, b"").unwrap();
    let key = new_key();
    let mut store = Store::open(&path, &key).unwrap();
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();
    assert_eq!(user_version(&path, &key), SCHEMA_VERSION);
}

#[test]
fn every_earlier_version_migrates_to_the_latest() {
    for version in 0..SCHEMA_VERSION {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("polso.db");
        let key = new_key();
        drop(create_store_at_version(&path, &key, version));

        let mut store =
            Store::open(&path, &key).unwrap_or_else(|error| panic!("from version {version}: {error}"));
        store.save_pulse(&sample_pulse("2026-W48")).unwrap();
        assert_eq!(store.history().unwrap(), vec![sample_pulse("2026-W48")], "from version {version}");
        drop(store);
        assert_eq!(user_version(&path, &key), SCHEMA_VERSION, "from version {version}");
    }
}

#[test]
fn version_1_with_data_keeps_its_pulses_and_settings() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    let connection = create_store_at_version(&path, &key, 1);
    // The rows exactly as the version-1 store wrote them.
    let (index_47, index_48) = (week("2026-W47").index(), week("2026-W48").index());
    connection
        .execute_batch(&format!(
            "INSERT INTO pulses (week, week_index, office_days, remote_days, note, saved_at)
             VALUES ('2026-W47', {index_47}, 3, 2, 'A quiet week.', '2026-11-20T17:00:00Z'),
                    ('2026-W48', {index_48}, NULL, NULL, NULL, '2026-11-27T16:45:03.5Z');
             INSERT INTO answers (week, item_id, value)
             VALUES ('2026-W47', 'wellbeing.core', 5), ('2026-W47', 'trust.driver.1', 3),
                    ('2026-W48', 'wellbeing.core', 2);
             INSERT INTO metric_scores (week, metric, score)
             VALUES ('2026-W47', 'wellbeing', 100.0), ('2026-W47', 'trust', 50.0),
                    ('2026-W48', 'wellbeing', 25.0);
             INSERT INTO settings (key, value) VALUES ('language', 'it');"
        ))
        .unwrap();
    drop(connection);

    let mut store = Store::open(&path, &key).unwrap();
    assert_eq!(user_version(&path, &key), SCHEMA_VERSION);

    let history = store.history().unwrap();
    let weeks: Vec<String> = history.iter().map(|pulse| pulse.week.to_string()).collect();
    assert_eq!(weeks, ["2026-W47", "2026-W48"]);
    assert_eq!(history[0].note.as_deref(), Some("A quiet week."));
    assert_eq!(history[0].answers.len(), 2);
    assert_eq!(history[0].answers[1].item.as_str(), "trust.driver.1");
    assert_eq!(history[0].scores[1].metric, polso_core::Metric::Trust);
    assert_eq!(history[0].work_week, Some(polso_core::WorkWeek { office_days: 3, remote_days: 2 }));
    assert_eq!(history[1].work_week, None);
    assert_eq!(history[1].saved_at, instant("2026-11-27T16:45:03.5Z"));
    assert_eq!(store.setting("language").unwrap().as_deref(), Some("it"));

    // Version 2's table works and hangs off the pulse it reports.
    store.save_pulse(&sample_pulse("2026-W49")).unwrap();
    drop(store);
    let connection = raw_keyed_connection(&path, &key);
    connection.pragma_update(None, "foreign_keys", true).unwrap();
    connection
        .execute(
            "INSERT INTO report_queue (week, payload, state, attempts, next_attempt_at)
             VALUES ('2026-W49', '{}', 'pending', 0, '2026-12-07T09:00:00Z')",
            [],
        )
        .unwrap();
    let orphan = connection
        .execute("INSERT INTO report_queue (week, payload, state) VALUES ('2030-W01', '{}', 'pending')", []);
    assert!(orphan.is_err(), "a queued report needs its pulse");
}

#[test]
fn a_store_from_a_newer_polso_is_refused_and_left_untouched() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    let newer_version = SCHEMA_VERSION + 1;
    {
        let mut store = Store::open(&path, &key).unwrap();
        store.save_pulse(&sample_pulse("2026-W48")).unwrap();
    }
    {
        let connection = raw_keyed_connection(&path, &key);
        connection.execute_batch("CREATE TABLE from_the_future (x INTEGER) STRICT;").unwrap();
        connection.pragma_update(None, "user_version", i64::try_from(newer_version).unwrap()).unwrap();
    }
    let before = snapshot(folder.path());

    let error = Store::open(&path, &key).unwrap_err();
    match &error {
        StoreError::TooNew { found, supported, .. } => {
            assert_eq!((*found, *supported), (newer_version, SCHEMA_VERSION));
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert!(error.to_string().contains("update Polso"), "{error}");
    assert_eq!(snapshot(folder.path()), before, "a newer store must be left byte-for-byte unchanged");
    assert_eq!(user_version(&path, &key), newer_version);
}
