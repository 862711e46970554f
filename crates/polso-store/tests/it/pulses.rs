//! Saving and reading pulses and settings through the typed API: round trips,
//! replacement, order, durability across a reopen, and strict parsing of rows
//! that were damaged outside the store.

use polso_core::{Answer, ItemId, Metric, MetricScore};
use polso_store::{SavedPulse, Store, StoreError};

use crate::support::{instant, new_key, raw_keyed_connection, sample_pulse, week};

#[test]
fn a_saved_pulse_reads_back_equal() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    let pulse = sample_pulse("2026-W48");
    store.save_pulse(&pulse).unwrap();
    assert_eq!(store.pulse_for_week(week("2026-W48")).unwrap(), Some(pulse));
    assert_eq!(store.pulse_for_week(week("2026-W47")).unwrap(), None);
}

#[test]
fn a_minimal_pulse_reads_back_equal() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    let pulse = SavedPulse {
        week: week("2026-W53"),
        answers: vec![],
        scores: vec![],
        not_applicable: vec![],
        work_week: None,
        note: None,
        saved_at: instant("2027-01-01T00:00:00Z"),
    };
    store.save_pulse(&pulse).unwrap();
    assert_eq!(store.history().unwrap(), vec![pulse]);
}

#[test]
fn saving_a_week_twice_replaces_everything_of_that_week() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    store.save_pulse(&sample_pulse("2026-W47")).unwrap();
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();

    let replacement = SavedPulse {
        week: week("2026-W48"),
        answers: vec![Answer { item: ItemId("communication.driver.1".to_owned()), value: 1 }],
        scores: vec![MetricScore { metric: Metric::Communication, score: 0.0 }],
        not_applicable: vec![],
        work_week: None,
        note: None,
        saved_at: instant("2026-11-28T08:00:00Z"),
    };
    store.save_pulse(&replacement).unwrap();

    assert_eq!(store.pulse_for_week(week("2026-W48")).unwrap(), Some(replacement.clone()));
    assert_eq!(store.history().unwrap(), vec![sample_pulse("2026-W47"), replacement]);
}

#[test]
fn history_is_oldest_week_first_across_years() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    // Saved out of order, and across a 53-week year, where text order and time
    // order would differ for weeks written without the year's padding.
    for week_text in ["2027-W02", "2026-W53", "2025-W10", "2027-W01", "2026-W09"] {
        store.save_pulse(&sample_pulse(week_text)).unwrap();
    }
    let weeks: Vec<String> = store.history().unwrap().iter().map(|pulse| pulse.week.to_string()).collect();
    assert_eq!(weeks, ["2025-W10", "2026-W09", "2026-W53", "2027-W01", "2027-W02"]);
}

#[test]
fn an_empty_store_has_an_empty_history() {
    let folder = tempfile::tempdir().unwrap();
    let store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    assert_eq!(store.history().unwrap(), vec![]);
}

#[test]
fn saved_pulses_survive_closing_and_reopening() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    {
        let mut store = Store::open(&path, &key).unwrap();
        store.save_pulse(&sample_pulse("2026-W48")).unwrap();
        store.set_setting("language", "it").unwrap();
    }
    let store = Store::open(&path, &key).unwrap();
    assert_eq!(store.history().unwrap(), vec![sample_pulse("2026-W48")]);
    assert_eq!(store.setting("language").unwrap().as_deref(), Some("it"));
}

#[test]
fn a_committed_pulse_is_visible_to_another_connection_before_close() {
    // With write-ahead logging the commit lives in polso.db-wal until a
    // checkpoint; a second reader (another process) must still see it.
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    let mut writer = Store::open(&path, &key).unwrap();
    writer.save_pulse(&sample_pulse("2026-W48")).unwrap();
    let reader = Store::open(&path, &key).unwrap();
    assert_eq!(reader.history().unwrap(), vec![sample_pulse("2026-W48")]);
    drop(writer);
}

#[test]
fn a_failed_save_changes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    let original = sample_pulse("2026-W48");
    store.save_pulse(&original).unwrap();

    // The same item twice breaks the answers' primary key half-way through the
    // transaction, after the pulse row and the first answer were written.
    let mut broken = sample_pulse("2026-W48");
    broken.note = Some("this note must not be kept".to_owned());
    broken.answers.push(broken.answers[0].clone());
    assert!(matches!(store.save_pulse(&broken), Err(StoreError::Sqlite { .. })));

    assert_eq!(store.history().unwrap(), vec![original]);
}

#[test]
fn a_score_that_is_not_finite_is_refused_before_writing() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    let mut pulse = sample_pulse("2026-W48");
    pulse.scores[1].score = f64::NAN;
    let error = store.save_pulse(&pulse).unwrap_err();
    assert!(matches!(error, StoreError::NonFiniteScore { metric: "tools", .. }), "{error:?}");
    assert_eq!(store.history().unwrap(), vec![]);
}

#[test]
fn settings_are_absent_until_set_and_then_replaced() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    assert_eq!(store.setting("reminder_time").unwrap(), None);
    store.set_setting("reminder_time", "16:30").unwrap();
    store.set_setting("reminder_time", "09:00").unwrap();
    store.set_setting("language", "en").unwrap();
    assert_eq!(store.setting("reminder_time").unwrap().as_deref(), Some("09:00"));
    assert_eq!(store.setting("language").unwrap().as_deref(), Some("en"));
}

/// Saves one good pulse for 2026-W48, damages it with plain SQL, and returns
/// what reading the history and reading that week then give.
fn read_after_damage(damage: &str) -> (StoreError, polso_store::Result<Option<SavedPulse>>) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    let mut store = Store::open(&path, &key).unwrap();
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();
    raw_keyed_connection(&path, &key).execute_batch(damage).unwrap();
    (store.history().unwrap_err(), store.pulse_for_week(week("2026-W48")))
}

#[test]
fn damaged_rows_are_reported_with_their_table_and_column() {
    let cases = [
        ("UPDATE metric_scores SET metric = 'happiness' WHERE metric = 'tools'", "metric_scores", "metric"),
        ("UPDATE answers SET value = 300 WHERE item_id = 'wellbeing.core'", "answers", "value"),
        ("UPDATE answers SET value = -1 WHERE item_id = 'wellbeing.core'", "answers", "value"),
        ("UPDATE pulses SET saved_at = 'last friday'", "pulses", "saved_at"),
        ("UPDATE pulses SET week_index = 3", "pulses", "week_index"),
        ("UPDATE pulses SET office_days = 400", "pulses", "office_days"),
        ("UPDATE pulses SET remote_days = -2", "pulses", "remote_days"),
    ];
    for (damage, expected_table, expected_column) in cases {
        let (error, week_result) = read_after_damage(damage);
        assert_eq!(week_result.unwrap_err().to_string(), error.to_string(), "{damage}");
        match &error {
            StoreError::CorruptRow { table, column, .. } => {
                assert_eq!((*table, column.as_str()), (expected_table, expected_column), "{damage}");
            }
            other => panic!("{damage}: expected CorruptRow, got {other:?}"),
        }
        let message = error.to_string();
        assert!(message.contains("polso.db"), "{message}");
        assert!(message.contains(&format!("{expected_table}.{expected_column}")), "{message}");
    }
}

#[test]
fn a_week_in_a_lenient_form_is_reported_not_guessed() {
    // The week is the key of three tables; rewrite it everywhere, as a foreign
    // tool might, with foreign keys off for the moment.
    let (error, week_result) = read_after_damage(
        "PRAGMA foreign_keys = OFF;
         UPDATE pulses SET week = '2026-w48';
         UPDATE answers SET week = '2026-w48';
         UPDATE metric_scores SET week = '2026-w48';",
    );
    // The canonical week is simply not there any more.
    assert_eq!(week_result.unwrap(), None);
    assert!(
        matches!(&error, StoreError::CorruptRow { table: "pulses", column, .. } if column == "week"),
        "{error:?}"
    );
}

#[test]
fn reading_is_not_blocked_while_another_connection_writes() {
    // Write-ahead logging lets readers go on while a writer holds its lock; a
    // read that took the write lock itself would wait out the busy timeout here.
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    let mut store = Store::open(&path, &key).unwrap();
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();

    let writer = raw_keyed_connection(&path, &key);
    writer.execute_batch("BEGIN IMMEDIATE; DELETE FROM settings;").unwrap();
    let started = std::time::Instant::now();
    assert_eq!(store.history().unwrap(), vec![sample_pulse("2026-W48")]);
    assert!(store.pulse_for_week(week("2026-W48")).unwrap().is_some());
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "reads waited {:?}", started.elapsed());
    writer.execute_batch("ROLLBACK;").unwrap();
}

/// Two writers on one store at once (two app instances the single-instance
/// lock did not stop, or the app and a recovery tool): each saves its own
/// weeks and overwrites a shared one, through its own connection, while the
/// other does. No save fails (each write takes the lock at BEGIN and waits
/// for the other's commit), every saved week reads back as its writer left
/// it, and the file passes SQLite's integrity check. Checked by mutation
/// (2026-12-07): with no busy timeout, the first save fails "database is locked".
#[test]
fn two_writers_at_once_lose_nothing_and_damage_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    drop(Store::open(&path, &key).unwrap());
    let first = week("2026-W01");
    let writer = |parity: i64| {
        let (path, key) = (path.clone(), key.clone());
        std::thread::spawn(move || {
            let mut store = Store::open(&path, &key).unwrap();
            let mut saved = Vec::new();
            for round in 0..40 {
                let mut pulse = sample_pulse(&first.plus_weeks(2 * round + parity).to_string());
                pulse.note = Some(format!("writer {parity}, round {round}"));
                store.save_pulse(&pulse).unwrap();
                // A week both overwrite, to make them meet on the same rows.
                let mut shared = sample_pulse("2030-W10");
                shared.note = Some(format!("writer {parity}, round {round}"));
                store.save_pulse(&shared).unwrap();
                saved.push(pulse);
            }
            saved
        })
    };
    let (even, odd) = (writer(0), writer(1));
    let saved: Vec<SavedPulse> = even.join().unwrap().into_iter().chain(odd.join().unwrap()).collect();

    let store = Store::open(&path, &key).unwrap();
    for pulse in &saved {
        assert_eq!(store.pulse_for_week(pulse.week).unwrap().as_ref(), Some(pulse), "{}", pulse.week);
    }
    let shared = store.pulse_for_week(week("2030-W10")).unwrap().unwrap();
    let note = shared.note.unwrap();
    assert!(note == "writer 0, round 39" || note == "writer 1, round 39", "{note}");
    assert_eq!(store.history().unwrap().len(), saved.len() + 1);
    drop(store);
    let connection = raw_keyed_connection(&path, &key);
    let verdict: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(verdict, "ok");
}
