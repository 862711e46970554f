//! Benchmark 8, years of history on one device: a store holding `weeks` answered weekly pulses
//! (ten years is 520), read as the History view reads it ([`Desktop::history`]: every week with
//! its answers, scores and note, and the metrics asked in each week of the span), against a bare
//! SQLCipher read of the same rows from the same file (every pulse with its answers and scores,
//! nothing computed). Beside it, untargeted: the store half of a sync pass
//! ([`Desktop::prepare_sync`], which looks over the whole history for weeks to queue) and opening
//! the week's pulse ([`Desktop::current_pulse`]).
//!
//! The history is written through `submit_pulse`, one week at a time on that week's Wednesday,
//! then the device enrols (with a canned answer: no server is timed here). The sides run in
//! alternating rounds so that drift of a noisy machine hits both alike.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use polso_api::{EnrolDevice, EnrolResponse, ReportWindow};
use polso_bench::{SplitMix64, answered_week, millis, percentile};
use polso_core::IsoWeek;
use polso_desktop::Desktop;
use polso_desktop::sync::{HttpAnswer, SyncTransport, TransportFailure};
use polso_store::{MemoryVault, Store, StoreKey};
use rusqlite::Connection;
use serde_json::{Value, json};

/// Answers the enrolment with a fixed organisation; nothing else is sent.
struct CannedEnrolment;

impl SyncTransport for CannedEnrolment {
    fn post_json(&self, _: &str, _: Option<&str>, _: &str) -> Result<HttpAnswer, TransportFailure> {
        let response = EnrolResponse {
            wire_version: polso_api::WIRE_VERSION,
            device_token: "pd_bench-device".to_owned(),
            organisation_id: "org_bench".to_owned(),
            team_id: "team_bench".to_owned(),
            team_name: "Bench".to_owned(),
            organisation_seed: 8,
            report_window: ReportWindow { max_random_delay_seconds: 0, max_report_age_weeks: 8 },
            questionnaire: Vec::new(),
            aggregation: polso_api::Aggregation::default(),
            generation: None,
        };
        let body = serde_json::to_string(&response)
            .map_err(|error| TransportFailure { detail: error.to_string() })?;
        Ok(HttpAnswer { status: 201, body })
    }
}

fn api(error: polso_api::ApiError) -> anyhow::Error {
    anyhow!("{:?}: {}", error.code, error.message)
}

fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN)).and_utc()
}

/// Writes `weeks` answered weeks ending the week before `today`'s, then enrols.
fn device_with_history(
    directory: &std::path::Path,
    key: &StoreKey,
    weeks: usize,
    today: NaiveDate,
) -> Result<Desktop> {
    let store = Store::open(&directory.join("polso.db"), key).context("opening the store")?;
    let mut desktop = Desktop::new(store, "en-GB".to_owned())
        .map_err(api)?
        .with_device_vault(Box::new(MemoryVault::new()), "device-token@bench");
    let first = IsoWeek::containing(today).plus_weeks(-i64::try_from(weeks).context("too many weeks")?);
    let mut random = SplitMix64::new(8);
    for offset in 0..weeks {
        let week = first.plus_weeks(i64::try_from(offset)?);
        let wednesday = week.monday().checked_add_days(Days::new(2)).context("a week has a Wednesday")?;
        let view = desktop.current_pulse(wednesday).map_err(api)?;
        let submission = answered_week(&view, &mut random);
        desktop.submit_pulse(submission, wednesday, noon(wednesday)).map_err(api)?;
    }
    let form =
        EnrolDevice { server_url: "http://127.0.0.1:9".to_owned(), invite_code: "bench-code".to_owned() };
    let enrolment = polso_desktop::sync::request_enrolment(&CannedEnrolment, &form).map_err(api)?;
    desktop.complete_enrolment(enrolment, today, noon(today)).map_err(api)?;
    Ok(desktop)
}

/// A week's row as read bare: week, office days, remote days, note.
type PulseRow = (String, Option<i64>, Option<i64>, Option<String>);

/// The bare read: every pulse, its answers and its scores, from the same file with the same key.
fn bare_read(connection: &Connection) -> Result<usize> {
    let mut rows = 0;
    let mut pulses = connection
        .prepare_cached("SELECT week, office_days, remote_days, note FROM pulses ORDER BY week_index")?;
    let pulses: Vec<PulseRow> = pulses
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows += pulses.len();
    let mut answers = connection.prepare_cached("SELECT week, item_id, value FROM answers")?;
    let answers: Vec<(String, String, i64)> = answers
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows += answers.len();
    let mut scores = connection.prepare_cached("SELECT week, metric, score FROM metric_scores")?;
    let scores: Vec<(String, String, f64)> = scores
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows += scores.len();
    Ok(rows)
}

fn timed<T>(work: impl FnOnce() -> Result<T>) -> Result<(Duration, T)> {
    let start = Instant::now();
    let value = work()?;
    Ok((start.elapsed(), value))
}

/// Runs `rounds` alternating reads of a history of `weeks`; returns the figures as JSON.
pub fn run(weeks: usize, rounds: usize) -> Result<Value> {
    let directory = tempfile::tempdir().context("creating a directory for the store")?;
    let key = StoreKey::generate().map_err(|error| anyhow!("drawing a store key: {error}"))?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).context("the benchmark's date")?;
    let now = noon(today);
    let write_start = Instant::now();
    let mut desktop = device_with_history(directory.path(), &key, weeks, today)?;
    let written = write_start.elapsed();
    let bare = Connection::open(directory.path().join("polso.db")).context("opening the file bare")?;
    bare.execute_batch(&format!("PRAGMA key = \"x'{}'\"; PRAGMA query_only = ON;", key.to_hex()))?;

    let (mut history, mut baseline, mut sync, mut pulse) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut shown_weeks = 0;
    let mut rows = 0;
    for _ in 0..rounds {
        let (elapsed, view) = timed(|| desktop.history().map_err(api))?;
        history.push(elapsed);
        shown_weeks = view.weeks.len();
        let (elapsed, read) = timed(|| bare_read(&bare))?;
        baseline.push(elapsed);
        rows = read;
        let (elapsed, batch) = timed(|| desktop.prepare_sync(today, now, false, &mut || 0).map_err(api))?;
        anyhow::ensure!(batch.is_none(), "nothing is due: every week is before the enrolment");
        sync.push(elapsed);
        let (elapsed, _) = timed(|| desktop.current_pulse(today).map_err(api))?;
        pulse.push(elapsed);
    }
    anyhow::ensure!(shown_weeks == weeks, "the history shows {shown_weeks} weeks of {weeks}");
    let median = |samples: &[Duration]| percentile(samples, 50.0).map(millis).unwrap_or(f64::NAN);
    Ok(json!({
        "weeks": weeks,
        "rounds": rounds,
        "rows_read_bare": rows,
        "written_seconds": written.as_secs_f64(),
        "polso": {
            "history_median_ms": median(&history),
            "prepare_sync_median_ms": median(&sync),
            "current_pulse_median_ms": median(&pulse),
        },
        "baseline": { "median_ms": median(&baseline) },
    }))
}
