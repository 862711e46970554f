//! Issue 19: a power cut while the desktop saves. The real encrypted store
//! (`Store::open` with its key, WAL, `synchronous=FULL`) sits on the
//! power-cut VFS ([`PowerCutDirectory`]), and weeks of answers are saved
//! through `Desktop::submit_pulse`, as the app saves them; a save that
//! returned `Ok` is acknowledged. For every save and every sync it makes, one
//! run cuts the power at that sync (what it would have written is lost with
//! everything else not yet synced), and one more cuts it right after the save
//! returned. The files are then reopened with the ordinary VFS, and:
//! `PRAGMA integrity_check` is `ok`; every acknowledged save is there whole
//! (its answers, scores, work week, note and time, exactly as read back
//! right after the save in a run without a cut); the interrupted save is
//! there whole or not at all (for a week saved before, the earlier version
//! whole); and no other week is there.
//!
//! Mutation checked (issue 19): the test fails with `synchronous=OFF` in
//! `Store::open` (an acknowledged save is lost at the cut after it) and with
//! `save_pulse`'s statements run outside one transaction (a cut between two
//! of its commits leaves a week with some of its answers). A SIGKILL catches
//! neither: the operating system keeps what was written.
//!
//! Six weeks and a second save of the last by default, 52 and a second save
//! with `POLSO_FAULTS_LONG=1`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, ensure};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use polso_core::IsoWeek;
use polso_desktop::Desktop;
use polso_faults::calendar::wednesday;
use polso_faults::device::{api, submission_for};
use polso_faults::scale;
use polso_store::{SavedPulse, Store, StoreKey};
use polso_test_support::power_cut::PowerCutDirectory;

/// One save of the sequence: the week, and the seed its answers are drawn from.
#[derive(Debug, Clone, Copy)]
struct Save {
    week: IsoWeek,
    seed: u64,
}

/// Weeks one after the other, then the last week saved again with other
/// answers (a save that replaces one).
fn saves() -> Vec<Save> {
    let first = IsoWeek::new(2026, 10).map(|week| week.index()).unwrap_or_default();
    let weeks = scale(6, 52) as i64;
    let mut saves: Vec<Save> = (0..weeks)
        .map(|offset| Save { week: IsoWeek::from_index(first + offset), seed: offset as u64 })
        .collect();
    saves.push(Save { week: IsoWeek::from_index(first + weeks - 1), seed: 0x5a7e_a9a1 });
    saves
}

/// When `save` is made: its week's Wednesday at 10:00 plus a second per seed
/// unit, so each save's time is its own and the same in every run.
fn saved_at(save: Save) -> DateTime<Utc> {
    wednesday(save.week).and_time(NaiveTime::MIN).and_utc()
        + Duration::hours(10)
        + Duration::seconds((save.seed % 100_000) as i64)
}

/// Saves `save` through `submit_pulse`, with a private note.
fn submit(desktop: &mut Desktop, save: Save) -> Result<()> {
    let today = wednesday(save.week);
    let mut random = fastrand::Rng::with_seed(save.seed);
    let submission = submission_for(desktop, today, &mut random, Some("private: the week of the power cut"))?;
    desktop.submit_pulse(submission, today, saved_at(save)).map(|_| ()).map_err(api)
}

/// A store made and set up once (its schedule and questionnaire chosen by
/// `Desktop::new`), copied into each run, so every run starts from the
/// same file.
struct Template {
    directory: tempfile::TempDir,
    key: StoreKey,
}

impl Template {
    fn new() -> Result<Template> {
        let directory = tempfile::tempdir()?;
        let key = StoreKey::generate().map_err(|error| anyhow!("{error}"))?;
        let store = Store::open(&directory.path().join("polso.db"), &key)?;
        drop(Desktop::new(store, "en-GB".to_owned()).map_err(api)?);
        Ok(Template { directory, key })
    }

    /// The template's files copied into `directory`; the store's path there.
    fn copy_into(&self, directory: &Path) -> Result<PathBuf> {
        for entry in std::fs::read_dir(self.directory.path())? {
            let entry = entry?;
            std::fs::copy(entry.path(), directory.join(entry.file_name()))?;
        }
        Ok(directory.join("polso.db"))
    }

    fn open_desktop(&self, path: &Path) -> Result<Desktop> {
        Desktop::new(Store::open(path, &self.key)?, "en-GB".to_owned()).map_err(api)
    }
}

/// A run without a cut, on the power-cut VFS: each save's pulse as read back
/// right after it, and how many syncs it made.
fn reference_run(template: &Template, saves: &[Save]) -> Result<(Vec<SavedPulse>, Vec<u64>)> {
    let directory = tempfile::tempdir()?;
    let path = template.copy_into(directory.path())?;
    let disk = PowerCutDirectory::new(directory.path())?;
    let mut desktop = template.open_desktop(&path)?;
    let reader = Store::open(&path, &template.key)?;
    let (mut pulses, mut syncs) = (Vec::new(), Vec::new());
    for &save in saves {
        let before = disk.syncs();
        submit(&mut desktop, save)?;
        syncs.push(disk.syncs() - before);
        pulses.push(reader.pulse_for_week(save.week)?.context("a save of the reference run is missing")?);
    }
    Ok((pulses, syncs))
}

/// One run: saves before `interrupted` acknowledged, then the power cut at
/// the `cut_at`-th sync of save `interrupted` (or right after it returned
/// when `None`); the files then checked against `expected`.
fn run_with_a_cut(
    template: &Template,
    saves: &[Save],
    expected: &[SavedPulse],
    interrupted: usize,
    cut_at: Option<u64>,
) -> Result<()> {
    let directory = tempfile::tempdir()?;
    let path = template.copy_into(directory.path())?;
    let disk = PowerCutDirectory::new(directory.path())?;
    let mut desktop = template.open_desktop(&path)?;
    let mut acknowledged = vec![false; interrupted + 1];
    for (index, &save) in saves[..interrupted].iter().enumerate() {
        submit(&mut desktop, save).with_context(|| format!("save {index} before the cut"))?;
        acknowledged[index] = true;
    }
    if let Some(n) = cut_at {
        disk.cut_at_sync(n);
    }
    let result = submit(&mut desktop, saves[interrupted]);
    acknowledged[interrupted] = result.is_ok();
    match cut_at {
        Some(n) => {
            ensure!(disk.was_cut(), "save {interrupted} made fewer than {n} syncs this time");
            ensure!(result.is_err(), "save {interrupted} returned Ok although its sync {n} failed");
        }
        None => {
            result.with_context(|| format!("save {interrupted} without a cut"))?;
            disk.cut();
        }
    }
    drop(desktop);
    drop(disk);
    check_after_the_cut(&path, &template.key, saves, expected, &acknowledged)
}

/// The store as the power cut left it, reopened with the ordinary VFS.
fn check_after_the_cut(
    path: &Path,
    key: &StoreKey,
    saves: &[Save],
    expected: &[SavedPulse],
    acknowledged: &[bool],
) -> Result<()> {
    let connection = rusqlite::Connection::open(path)?;
    connection.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex()))?;
    let integrity: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    ensure!(integrity == "ok", "integrity_check: {integrity}");
    drop(connection);

    let found: BTreeMap<i64, SavedPulse> =
        Store::open(path, key)?.history()?.into_iter().map(|pulse| (pulse.week.index(), pulse)).collect();
    // Per week: the versions it may hold. The last acknowledged save of the
    // week (or nothing), and the interrupted save if it was not acknowledged.
    let mut allowed: BTreeMap<i64, Vec<Option<&SavedPulse>>> = BTreeMap::new();
    for (index, save) in saves.iter().enumerate().take(acknowledged.len()) {
        let versions = allowed.entry(save.week.index()).or_insert_with(|| vec![None]);
        if acknowledged[index] {
            *versions = vec![Some(&expected[index])];
        } else {
            versions.push(Some(&expected[index]));
        }
    }
    for (week_index, versions) in &allowed {
        let week = IsoWeek::from_index(*week_index);
        let there = found.get(week_index);
        ensure!(
            versions.contains(&there),
            "{week}: found {}, allowed {}",
            describe(there),
            versions.iter().map(|version| describe(*version)).collect::<Vec<_>>().join(" or ")
        );
    }
    let unexpected: Vec<String> = found
        .keys()
        .filter(|week_index| !allowed.contains_key(week_index))
        .map(|week_index| IsoWeek::from_index(*week_index).to_string())
        .collect();
    ensure!(unexpected.is_empty(), "weeks never saved are there: {unexpected:?}");
    Ok(())
}

fn describe(pulse: Option<&SavedPulse>) -> String {
    match pulse {
        None => "nothing".to_owned(),
        Some(pulse) => format!(
            "{} answers, {} scores, note {:?}, saved at {}",
            pulse.answers.len(),
            pulse.scores.len(),
            pulse.note,
            pulse.saved_at
        ),
    }
}

#[test]
fn a_power_cut_at_any_sync_of_a_save_keeps_every_acknowledged_week() -> Result<()> {
    let started = Instant::now();
    let template = Template::new()?;
    let saves = saves();
    let (expected, syncs) = reference_run(&template, &saves)?;
    let mut runs = 0;
    for (interrupted, &save_syncs) in syncs.iter().enumerate() {
        for cut_at in (1..=save_syncs).map(Some).chain([None]) {
            runs += 1;
            run_with_a_cut(&template, &saves, &expected, interrupted, cut_at).with_context(|| {
                let when = cut_at.map_or("right after it returned".to_owned(), |n| {
                    format!("at its sync {n} of {save_syncs}")
                });
                format!("save {interrupted} ({}), power cut {when}", saves[interrupted].week)
            })?;
        }
    }
    let cuts_within_saves: u64 = syncs.iter().sum();
    eprintln!(
        "desktop power cut: {} saves, {runs} runs, {cuts_within_saves} of them cut at a save's sync, \
         every acknowledged week whole ({:.1} s)",
        saves.len(),
        started.elapsed().as_secs_f64()
    );
    ensure!(cuts_within_saves >= saves.len() as u64, "the saves made fewer syncs than saves: {syncs:?}");
    Ok(())
}
