//! Benchmark 1, local submit: answering a pulse through `polso-desktop` (convert,
//! validate, score, one durable SQLCipher transaction, the week read back for
//! the UI) against a bare rusqlite transaction writing the same rows into a
//! file with the same key and the same pragmas (WAL, `synchronous=FULL`).
//!
//! The two run in alternating rounds so that drift of a noisy machine hits
//! both alike.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{NaiveDate, TimeZone, Utc};
use polso_api::SubmitPulse;
use polso_bench::{SplitMix64, answered_week, millis, percentile};
use polso_desktop::Desktop;
use polso_store::{Store, StoreKey};
use rusqlite::{Connection, TransactionBehavior, params};
use serde_json::{Value, json};

/// Submits per round and side.
const ROUND: usize = 25;

/// Runs `submits` submissions on each side and returns the figures as JSON.
pub fn run(submits: usize) -> Result<Value> {
    let directory = tempfile::tempdir().context("creating a directory for the stores")?;
    let key = StoreKey::generate().map_err(|error| anyhow::anyhow!("drawing a store key: {error}"))?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).context("the benchmark's date")?;
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 10, 30, 0).single().context("the benchmark's time")?;

    let store = Store::open(&directory.path().join("polso.db"), &key).context("opening the store")?;
    let mut desktop =
        Desktop::new(store, "en-GB".to_owned()).map_err(|error| anyhow::anyhow!("{error:?}"))?;
    let view = desktop.current_pulse(today).map_err(|error| anyhow::anyhow!("{error:?}"))?;
    let mut bare = BareStore::open(&directory.path().join("bare.db"), &key)?;

    let mut random = SplitMix64::new(1);
    let submission = |random: &mut SplitMix64| answered_week(&view, random);

    let (mut polso_samples, mut bare_samples) = (Vec::new(), Vec::new());
    // One of each first, untimed: statement caches and the WAL file warm up.
    desktop
        .submit_pulse(submission(&mut random), today, now)
        .map_err(|error| anyhow::anyhow!("{error:?}"))?;
    bare.save(&submission(&mut random), now)?;
    while polso_samples.len() < submits {
        for _ in 0..ROUND.min(submits - polso_samples.len()) {
            let wire = submission(&mut random);
            let start = Instant::now();
            desktop.submit_pulse(wire, today, now).map_err(|error| anyhow::anyhow!("{error:?}"))?;
            polso_samples.push(start.elapsed());
        }
        for _ in 0..ROUND.min(submits - bare_samples.len()) {
            let wire = submission(&mut random);
            let start = Instant::now();
            bare.save(&wire, now)?;
            bare_samples.push(start.elapsed());
        }
    }
    let saved = desktop.history().map_err(|error| anyhow::anyhow!("{error:?}"))?;
    anyhow::ensure!(saved.weeks.len() == 1, "the store should hold the one week answered");
    Ok(json!({
        "submits": submits,
        "items": view.items.len(),
        "polso": summary(&polso_samples),
        "baseline": summary(&bare_samples),
    }))
}

/// Median, 90th and 99th percentile in milliseconds.
pub fn summary(samples: &[Duration]) -> Value {
    let at = |p: f64| percentile(samples, p).map(millis).unwrap_or(f64::NAN);
    json!({"median_ms": at(50.0), "p90_ms": at(90.0), "p99_ms": at(99.0), "total_ms": millis(samples.iter().sum())})
}

/// The baseline: the local store's three tables, written with bare rusqlite.
struct BareStore {
    connection: Connection,
}

impl BareStore {
    fn open(path: &Path, key: &StoreKey) -> Result<BareStore> {
        let connection = Connection::open(path).context("opening the bare store")?;
        // The same key form and the same pragmas as polso-store.
        connection.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex()))?;
        connection.busy_timeout(Duration::from_secs(5))?;
        connection.pragma_update(None, "foreign_keys", true)?;
        let mode: String =
            connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "the bare store is not in WAL mode: {mode}");
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.execute_batch(
            "CREATE TABLE pulses (week TEXT PRIMARY KEY, office_days INTEGER, remote_days INTEGER,
                                  note TEXT, saved_at TEXT NOT NULL) STRICT;
             CREATE TABLE answers (week TEXT NOT NULL, item_id TEXT NOT NULL, value INTEGER NOT NULL) STRICT;
             CREATE TABLE metric_scores (week TEXT NOT NULL, metric TEXT NOT NULL, score REAL NOT NULL) STRICT;
             CREATE INDEX answers_by_week ON answers (week);
             CREATE INDEX metric_scores_by_week ON metric_scores (week);",
        )?;
        Ok(BareStore { connection })
    }

    /// One transaction: the week's row replaced, its answers and scores
    /// rewritten (the scores are stand-ins, as many as the answers).
    fn save(&mut self, submission: &SubmitPulse, now: chrono::DateTime<Utc>) -> Result<()> {
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "INSERT INTO pulses (week, office_days, remote_days, note, saved_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (week) DO UPDATE SET office_days = excluded.office_days,
                 remote_days = excluded.remote_days, note = excluded.note, saved_at = excluded.saved_at",
            params![submission.week, 2, 3, submission.note, now.to_rfc3339()],
        )?;
        transaction.execute("DELETE FROM answers WHERE week = ?1", [&submission.week])?;
        transaction.execute("DELETE FROM metric_scores WHERE week = ?1", [&submission.week])?;
        {
            let mut answer = transaction.prepare_cached("INSERT INTO answers VALUES (?1, ?2, ?3)")?;
            let mut score = transaction.prepare_cached("INSERT INTO metric_scores VALUES (?1, ?2, ?3)")?;
            for item in &submission.answers {
                answer.execute(params![submission.week, item.item_id, item.value])?;
                score.execute(params![submission.week, item.item_id, f64::from(item.value) * 20.0])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }
}
