//! A full disk, on each side (issues 18 and 19): the desktop store and the server's database
//! on a small filesystem of the test's own ([`polso_faults::small_disk`]), whose free space a
//! file of zeros then takes. A write the disk cannot take is refused with an error that says
//! the disk is full (`store_full` on the desktop, `server_storage_full` from the server, which
//! devices try again); nothing acknowledged before it is lost, the refused write leaves nothing
//! half-done, and the same write goes through once space returns.
//!
//! Mutations: mapping SQLite's `SQLITE_FULL` to the store's general error, or answering a group
//! of reports whose commit the full disk refused with the server's internal error, fails the
//! code checks (both tried). On PostgreSQL the tables live in a tablespace on the small disk.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow, ensure};
use chrono::{Duration, Utc};
use polso_api::{ApiError, ErrorCode};
use polso_core::IsoWeek;
use polso_desktop::Desktop;
use polso_desktop::sync::UreqTransport;
use polso_desktop::testing::sync_now;
use polso_faults::calendar;
use polso_faults::device::{Device, api, submission_for};
use polso_faults::server::{Database, Postgres, RunningServer, admin, invite, organisation};
use polso_faults::small_disk::SmallDisk;
use polso_store::{Store, StoreKey};
use polso_test_support::postgres::TempPostgres;

/// The small disk: room for a store or a server database and their write-ahead logs.
const DISK_BYTES: u64 = 8 * 1024 * 1024;

/// What a device saved for a week: its answers and its note.
type Saved = (Vec<(String, u8)>, Option<String>);

#[test]
#[ignore = "mounts a small tmpfs, which needs root; cargo xtask test runs it"]
fn the_desktop_store_on_a_full_disk_refuses_a_save_plainly_and_takes_it_once_space_returns() -> Result<()> {
    let Some(disk) = SmallDisk::mount(DISK_BYTES)? else {
        return Ok(());
    };
    let path = disk.path().join("polso.db");
    let key = StoreKey::generate().map_err(|error| anyhow!("{error}"))?;
    let mut desktop = Desktop::new(Store::open(&path, &key)?, "it-IT".to_owned()).map_err(api)?;
    let first = calendar::week().plus_weeks(-80);
    let mut acknowledged: BTreeMap<IsoWeek, Saved> = BTreeMap::new();
    let save = |desktop: &mut Desktop, week: IsoWeek| -> Result<Result<Saved, ApiError>> {
        let today = calendar::wednesday(week);
        let mut random = fastrand::Rng::with_seed(week.index() as u64);
        let note = format!("nota della settimana {week}: {}", "x".repeat(400));
        let submission = submission_for(desktop, today, &mut random, Some(&note))?;
        let answers =
            submission.answers.iter().map(|answer| (answer.item_id.clone(), answer.value)).collect();
        Ok(desktop.submit_pulse(submission, today, Utc::now()).map(|_| (answers, Some(note))))
    };
    for offset in 0..3 {
        let week = first.plus_weeks(offset);
        acknowledged.insert(week, save(&mut desktop, week)?.map_err(api)?);
    }

    ensure!(disk.fill()? > 0, "the filler took nothing");
    let mut refused = None;
    for offset in 3..200 {
        let week = first.plus_weeks(offset);
        match save(&mut desktop, week)? {
            Ok(saved) => {
                acknowledged.insert(week, saved);
            }
            Err(error) => {
                refused = Some((week, error));
                break;
            }
        }
    }
    let (refused_week, error) = refused.ok_or_else(|| anyhow!("200 saves fitted on a full disk"))?;
    ensure!(
        error.code == ErrorCode::StoreFull,
        "a full disk answered as {:?}: {}",
        error.code,
        error.message
    );
    ensure!(error.message.contains("full"), "the message does not say the disk is full: {}", error.message);
    // The store still reads, and the refused week left nothing.
    let weeks: Vec<String> =
        desktop.history().map_err(api)?.weeks.into_iter().map(|week| week.week).collect();
    let expected: Vec<String> = acknowledged.keys().map(ToString::to_string).collect();
    ensure!(weeks == expected, "after the refusal the history holds {weeks:?}, not {expected:?}");

    disk.free()?;
    let saved = save(&mut desktop, refused_week)?.map_err(api)?;
    acknowledged.insert(refused_week, saved);
    drop(desktop);

    let store = Store::open(&path, &key)?;
    let history: BTreeMap<IsoWeek, Saved> = store
        .history()?
        .into_iter()
        .map(|pulse| {
            let answers =
                pulse.answers.iter().map(|answer| (answer.item.to_string(), answer.value)).collect();
            (pulse.week, (answers, pulse.note))
        })
        .collect();
    ensure!(history == acknowledged, "reopened, the store holds other pulses than the ones acknowledged");
    Ok(())
}

#[test]
#[ignore = "mounts a small tmpfs, which needs root; cargo xtask test runs it"]
fn the_server_on_a_full_disk_refuses_reports_plainly_and_counts_each_once_space_returns() -> Result<()> {
    let Some(disk) = SmallDisk::mount(DISK_BYTES)? else {
        return Ok(());
    };
    let database = disk.path().join("server.db");
    let receipts = || -> Result<i64> {
        let connection = rusqlite::Connection::open(&database)?;
        Ok(connection.query_row("SELECT count(*) FROM report_receipts", [], |row| row.get(0))?)
    };
    reports_on_a_full_disk(&database, &disk, &receipts)
}

/// The same on PostgreSQL, its tables in a tablespace on the small disk (its write-ahead log
/// stays on the big one, as many installations keep it): PostgreSQL's `disk_full` reaches the
/// device as `server_storage_full` and nothing is lost.
#[test]
#[ignore = "starts PostgreSQL and mounts a small tmpfs, which needs root; cargo xtask test runs it"]
fn the_server_on_postgresql_with_a_full_disk_refuses_reports_plainly_and_counts_each_once_space_returns()
-> Result<()> {
    let Some(disk) = SmallDisk::mount(DISK_BYTES)? else {
        return Ok(());
    };
    let cluster = TempPostgres::start()?;
    let tablespace = disk.path().join("tablespace");
    std::fs::create_dir(&tablespace)?;
    disk.give_to(cluster.owner(), &tablespace)?;
    let mut admin_client = postgres::Client::connect(&cluster.url, postgres::NoTls)?;
    // Each alone: neither runs inside a transaction, which two statements in one query would be.
    admin_client
        .batch_execute(&format!("CREATE TABLESPACE small_disk LOCATION '{}'", tablespace.display()))?;
    admin_client.batch_execute("CREATE DATABASE full_disk TABLESPACE small_disk")?;
    let database = Postgres(cluster.url.replace("/postgres", "/full_disk"));
    let receipts = || -> Result<i64> {
        let mut client = postgres::Client::connect(&database.0, postgres::NoTls)?;
        Ok(client.query_one("SELECT count(*) FROM report_receipts", &[])?.get(0))
    };
    reports_on_a_full_disk(&database, &disk, &receipts)
}

/// Devices report to a server on `database`, whose disk `disk` is then filled: each report is
/// refused as `server_storage_full` and kept; once space returns, each is counted once.
fn reports_on_a_full_disk(
    database: &(impl Database + ?Sized),
    disk: &SmallDisk,
    receipts: &dyn Fn() -> Result<i64>,
) -> Result<()> {
    const DEVICES: usize = 6;
    let organisation = organisation(database, "Disco Pieno Srl", 1, 1)?;
    admin(database, &["set-dp", "--organisation", &organisation.id, "--off"])?;
    let code = invite(database, &organisation.teams[0].1, DEVICES)?;
    let week = calendar::week();
    let output = Arc::new(Mutex::new(Vec::new()));
    let server = RunningServer::start_at_with(
        database,
        output.clone(),
        calendar::enrolment_time(week),
        &["--max-random-delay-seconds", "0"],
    )?;
    let transport = UreqTransport::new();
    let mut devices = Vec::new();
    for seed in 0..DEVICES {
        let mut device = Device::new()?;
        device.enrol(&transport, &server.url, &code, calendar::wednesday(week))?;
        device.answer_week(week, &mut fastrand::Rng::with_seed(seed as u64), None)?;
        device.queue_closed_week(week, &mut || 0)?;
        devices.push(device);
    }
    let server = server.restart_at(calendar::reporting_time(week))?;

    ensure!(disk.fill()? > 0, "the filler took nothing");
    for device in &mut devices {
        let status = device.sync_when_due(&transport, week, 0, true, &mut || 0)?;
        ensure!(status.pending_reports == 1 && status.failed_reports == 0, "on a full disk: {status:?}");
        let error = status.last_error.ok_or_else(|| anyhow!("no error named after a refused report"))?;
        ensure!(error.code == ErrorCode::ServerStorageFull, "a full disk answered as {error:?}");
    }
    ensure!(receipts()? == 0, "a report was counted on a full disk");
    let log = String::from_utf8_lossy(&output.lock().map_err(|_| anyhow!("log lock"))?).into_owned();
    ensure!(log.contains("disk is full"), "the server's log does not say its disk is full");

    disk.free()?;
    // The app's backoff is over well within a day.
    let later = calendar::device_due(week, 0) + Duration::days(1);
    for device in &mut devices {
        let status = sync_now(&mut device.desktop, &transport, later.date_naive(), later, false, &mut || 0)
            .map_err(api)?;
        ensure!(status.pending_reports == 0 && status.failed_reports == 0, "once space returned: {status:?}");
    }
    ensure!(receipts()? == DEVICES as i64, "each device's report counted once: {} receipts", receipts()?);
    server.kill();
    Ok(())
}
