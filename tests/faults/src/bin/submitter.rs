//! A process that saves pulses the way the app does, to be killed with SIGKILL
//! at random points: it opens the encrypted store, wraps it in
//! `polso_desktop::Desktop` and calls `submit_pulse` for one week after the
//! other (the week chosen through the injected `today`), printing
//! `acked <week index>` once each call has returned. What it saves for a week
//! is drawn from a generator seeded by the week, so the test can tell what
//! must be in the store.
//!
//! Usage: `polso-faults-submitter <store path> <key hex> <first week index> <count>`

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use chrono::{Days, Utc};
use polso_core::IsoWeek;
use polso_desktop::Desktop;
use polso_faults::device::{answers_random, api, submission_for};
use polso_store::{Store, StoreKey};

fn main() -> Result<()> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [path, key, first, count] = arguments.as_slice() else {
        anyhow::bail!("usage: polso-faults-submitter <store path> <key hex> <first week index> <count>");
    };
    let key = StoreKey::from_hex(key).map_err(|error| anyhow!("{error}"))?;
    let first: i64 = first.parse().context("the first week index")?;
    let count: i64 = count.parse().context("the count")?;
    let store = Store::open(&PathBuf::from(path), &key)?;
    let mut desktop = Desktop::new(store, "en-GB".to_owned()).map_err(api)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "open")?;
    stdout.flush()?;
    for week_index in first..first + count {
        let week = IsoWeek::from_index(week_index);
        let today = week.monday().checked_add_days(Days::new(2)).context("date overflow")?;
        let submission = submission_for(&desktop, today, &mut answers_random(week_index), None)?;
        desktop.submit_pulse(submission, today, Utc::now()).map_err(api)?;
        writeln!(stdout, "acked {week_index}")?;
        stdout.flush()?;
    }
    Ok(())
}
