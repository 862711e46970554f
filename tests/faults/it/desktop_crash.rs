//! Issue 7, point 1: a process saving pulses through `Desktop::submit_pulse`
//! over the SQLCipher store is killed with SIGKILL at random points; after
//! every kill each acknowledged answer is in the store, exactly as sent, and
//! `PRAGMA integrity_check` says `ok`. 50 acknowledged submissions by
//! default, 1,000 with `POLSO_FAULTS_LONG=1`.

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use chrono::Days;
use polso_core::IsoWeek;
use polso_desktop::Desktop;
use polso_faults::device::{answers_random, api, submission_for};
use polso_faults::scale;
use polso_store::{Store, StoreKey};

const SUBMITTER: &str = env!("CARGO_BIN_EXE_polso-faults-submitter");

/// Every week in `acked` is in the store with the answers the submitter drew
/// for it, and SQLite finds the file sound.
fn check_store(path: &Path, key: &StoreKey, acked: &BTreeSet<i64>) -> Result<()> {
    let connection = rusqlite::Connection::open(path)?;
    connection.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex()))?;
    let integrity: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    ensure!(integrity == "ok", "integrity_check after a kill: {integrity}");
    drop(connection);

    let store = Store::open(path, key)?;
    // A second Desktop over an empty store of the same schedule tells what each week asked.
    let scratch = tempfile::tempdir()?;
    let reference = Desktop::new(Store::open(&scratch.path().join("reference.db"), key)?, "en-GB".to_owned())
        .map_err(api)?;
    for &week_index in acked {
        let week = IsoWeek::from_index(week_index);
        let today = week.monday().checked_add_days(Days::new(2)).context("date overflow")?;
        let expected = submission_for(&reference, today, &mut answers_random(week_index), None)?;
        let saved =
            store.pulse_for_week(week)?.ok_or_else(|| anyhow!("acknowledged week {week} is missing"))?;
        let saved_answers: Vec<(String, u8)> =
            saved.answers.iter().map(|answer| (answer.item.to_string(), answer.value)).collect();
        let expected_answers: Vec<(String, u8)> =
            expected.answers.iter().map(|answer| (answer.item_id.clone(), answer.value)).collect();
        ensure!(
            saved_answers == expected_answers,
            "week {week}: saved {saved_answers:?}, sent {expected_answers:?}"
        );
    }
    Ok(())
}

#[test]
fn acknowledged_answers_survive_sigkill_at_random_points() -> Result<()> {
    let target = scale(50, 1000);
    let directory = tempfile::tempdir()?;
    let path = directory.path().join("polso.db");
    let key = StoreKey::generate().map_err(|error| anyhow!("{error}"))?;
    drop(Store::open(&path, &key)?);
    let first_week = IsoWeek::new(2004, 1)?.index();

    let mut random = fastrand::Rng::with_seed(0x000c_7a54);
    let mut acked: BTreeSet<i64> = BTreeSet::new();
    // Calibration: an unkilled run of five saves sets the kill window, so a
    // round lands its kill anywhere from the start to about ten saves in.
    let calibration = Instant::now();
    let output = Command::new(SUBMITTER)
        .arg(&path)
        .arg(key.to_hex())
        .args([first_week.to_string(), "5".to_owned()])
        .output()
        .context("starting the submitter")?;
    ensure!(output.status.success(), "the submitter failed: {}", String::from_utf8_lossy(&output.stderr));
    let mut window_micros = (calibration.elapsed().as_micros() as u64 * 3 / 5).max(2_000);
    for line in String::from_utf8(output.stdout)?.lines() {
        if let Some(index) = line.strip_prefix("acked ") {
            acked.insert(index.parse()?);
        }
    }
    check_store(&path, &key, &acked)?;
    let (mut kills, mut rounds) = (0usize, 0usize);
    let started = Instant::now();
    while acked.len() < target {
        rounds += 1;
        ensure!(rounds < target * 20, "no progress after {rounds} rounds ({} acknowledged)", acked.len());
        let next = acked.last().map_or(first_week, |last| last + 1);
        let remaining = target - acked.len();
        let mut child = Command::new(SUBMITTER)
            .arg(&path)
            .arg(key.to_hex())
            .args([next.to_string(), remaining.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting the submitter")?;
        // A kill anywhere from before the store is open to the middle of a commit.
        // The window follows the machine's speed: it widens after a round with no
        // acknowledgement and narrows after one with many, for a few saves a round.
        std::thread::sleep(Duration::from_micros(random.u64(0..window_micros)));
        let _ = child.kill();
        let status = child.wait()?;
        let mut output = String::new();
        child.stdout.take().context("no stdout")?.read_to_string(&mut output)?;
        let before = acked.len();
        for line in output.lines() {
            if let Some(index) = line.strip_prefix("acked ") {
                acked.insert(index.parse()?);
            }
        }
        match acked.len() - before {
            0 => window_micros = window_micros * 3 / 2,
            1..=3 => {}
            _ => window_micros = (window_micros / 2).max(1_000),
        }
        if status.signal() == Some(9) {
            kills += 1;
        } else {
            let mut errors = String::new();
            child.stderr.take().context("no stderr")?.read_to_string(&mut errors)?;
            ensure!(status.success(), "the submitter failed by itself: {status}: {errors}");
        }
        check_store(&path, &key, &acked).with_context(|| format!("after round {rounds} ({kills} kills)"))?;
    }
    eprintln!(
        "desktop crash: {} acknowledged submissions, {kills} SIGKILLs in {rounds} rounds, all present, integrity ok ({:.1} s)",
        acked.len(),
        started.elapsed().as_secs_f64()
    );
    ensure!(kills >= target / 10, "only {kills} kills landed; the test proved little");
    Ok(())
}
