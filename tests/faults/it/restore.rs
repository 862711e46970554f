//! Issue 19, restores: the real `polso-server` binary restored from an older
//! backup with the documented commands (`backup --to` while it serves,
//! `restore --from` once stopped), under load, and the devices (each
//! `polso_desktop::Desktop` over its own encrypted store, syncing with the
//! app's client over HTTP) afterwards. The restored database has a new
//! generation; the devices see it on their next server check, send again the
//! reports they still hold, each after its random delay, and the server's
//! receipts count each once: per (team, week, item or metric) `n` and the
//! sum equal what the devices sent, with one receipt per report.
//!
//! A device that enrolled after the backup is unknown to the restored server:
//! its reports wait, it joins again with a new invite code, and sends them
//! then.
//!
//! Short versions by default (48 and 24 devices); `POLSO_FAULTS_LONG=1` runs 480 and 240.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use polso_desktop::sync::{UreqTransport, check_server};
use polso_desktop::testing::sync_now;
use polso_faults::device::{Device, api};
use polso_faults::proxy::{FaultPlan, FaultProxy};
use polso_faults::server::{RunningServer, admin, invite, organisation};
use polso_faults::{calendar, scale};
use polso_server::store::ServerStore;

/// (team, week index, aggregate key) → (n, sum).
type Tally = BTreeMap<(String, i64, String), (u32, f64)>;

/// One enrolled device and what it sent.
struct Member {
    team_id: String,
    device: Device,
    random: fastrand::Rng,
}

/// The week's sums and receipts in the server's database at `path`.
fn server_tally(path: &Path, organisation_id: &str, week: IsoWeek) -> Result<(Tally, i64)> {
    let store = polso_server::SqliteServerStore::open(path)?;
    let mut tally = Tally::new();
    for aggregate in store.team_aggregates(organisation_id, None, week..=week)? {
        tally
            .insert((aggregate.team_id, aggregate.week.index(), aggregate.key), (aggregate.n, aggregate.sum));
    }
    drop(store);
    let receipts = rusqlite::Connection::open(path)?.query_row(
        "SELECT count(*) FROM report_receipts WHERE organisation_id = ?1 AND week_index = ?2",
        rusqlite::params![organisation_id, week.index()],
        |row| row.get(0),
    )?;
    Ok((tally, receipts))
}

/// Answers `week` on `member`'s device and queues its report; what the report holds.
fn answer_and_queue(member: &mut Member, week: IsoWeek) -> Result<Tally> {
    let view = member.device.answer_week(week, &mut member.random, Some("canary-note-restore"))?;
    let mut tally = Tally::new();
    let team = member.team_id.clone();
    for answer in &view.answers {
        let entry =
            tally.entry((team.clone(), week.index(), format!("item:{}", answer.item_id))).or_default();
        entry.0 += 1;
        entry.1 += f64::from(answer.value);
    }
    for history_week in member.device.desktop.history().map_err(api)?.weeks {
        for score in history_week.scores {
            let entry = tally
                .entry((team.clone(), week.index(), format!("metric:{}", score.metric.key())))
                .or_default();
            entry.0 += 1;
            entry.1 += score.score;
        }
    }
    let random = &mut member.random;
    member.device.queue_closed_week(week, &mut || random.u64(..))?;
    Ok(tally)
}

/// Syncs `member` on the device's clock `now` ("Sync now") until nothing is pending.
fn sync_until_sent(member: &mut Member, now: DateTime<Utc>, deadline: Instant) -> Result<()> {
    let transport = UreqTransport::new();
    loop {
        let random = &mut member.random;
        let status =
            sync_now(&mut member.device.desktop, &transport, now.date_naive(), now, true, &mut || {
                random.u64(..)
            })
            .map_err(api)?;
        ensure!(status.failed_reports == 0, "a report was refused: {:?}", status.last_error);
        ensure!(status.dropped_reports.is_empty(), "a report was dropped: {:?}", status.dropped_reports);
        if status.pending_reports == 0 {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "reports still pending at the deadline: {:?}", status.last_error);
        std::thread::sleep(Duration::from_millis(fastrand::u64(1..20)));
    }
}

/// Runs `work` on each of `members` from `threads` threads at once.
fn on_threads(
    members: &mut [Member],
    threads: usize,
    work: impl Fn(&mut Member) -> Result<()> + Sync,
) -> Result<()> {
    let chunk = members.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = members
            .chunks_mut(chunk)
            .map(|chunk| scope.spawn(|| chunk.iter_mut().try_for_each(&work)))
            .collect();
        handles.into_iter().try_for_each(|handle| handle.join().map_err(|_| anyhow!("a thread panicked"))?)
    })
}

/// Devices report under load; the operator backs the database up while a third of them are
/// still sending, and more reports are acknowledged after the backup; the server is stopped and
/// restored from the older copy with `polso-server restore --from`, which loses those reports
/// and gives the database a new generation; the devices check the server, send again what they
/// hold, and every report is counted exactly once.
///
/// Mutation checked: with the app's re-queue on a new generation removed (`Desktop::follow_generation`
/// not calling `requeue_sent_reports`) this fails: the devices have nothing to send again, and
/// with that check left out, on the receipts (25 for 48 reports: those acknowledged after the
/// backup are lost); with the server's dedupe removed (a receipt already held folded again) the
/// re-sent reports the backup held are counted twice and it fails on `n` (35 counted, 24 sent).
#[test]
fn a_server_restored_from_an_older_backup_under_load_loses_and_doubles_nothing() -> Result<()> {
    let devices = scale(48, 480);
    let deadline = Instant::now() + Duration::from_secs(if polso_faults::long() { 1800 } else { 150 });
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let backup = directory.path().join("backup.db");
    let organisation = organisation(&database, "Ripristino Srl", 1, 2)?;
    let mut invites = Vec::new();
    for (_, team) in &organisation.teams {
        admin(&database, &["set-headcount", "--team", team, "10000"])?;
        invites.push((team.clone(), invite(&database, team, devices + 10)?));
    }
    let week = calendar::week();
    let output = Arc::new(Mutex::new(Vec::new()));
    let nowhere: std::net::SocketAddr = "127.0.0.1:9".parse()?;
    let proxy = FaultProxy::start(nowhere, FaultPlan::clean(), 0x7e57)?;

    // Week W: every device enrols.
    let server = RunningServer::start_at(&database, output.clone(), calendar::enrolment_time(week))?;
    proxy.set_upstream(server.address);
    let transport = UreqTransport::new();
    let mut members = Vec::new();
    for index in 0..devices {
        let (team_id, code) = &invites[index % invites.len()];
        let mut device = Device::new()?;
        device.enrol(&transport, &proxy.url, code, calendar::wednesday(week))?;
        members.push(Member {
            team_id: team_id.clone(),
            device,
            random: fastrand::Rng::with_seed(0x5eed ^ index as u64),
        });
    }
    server.kill();

    // Week W + 1: W's reports arrive, in three thirds: before the backup, while it is taken, after.
    let reporting_started = Instant::now();
    let server = RunningServer::start_at(&database, output.clone(), calendar::reporting_time(week))?;
    proxy.set_upstream(server.address);
    let mut expected = Tally::new();
    for member in &mut members {
        add_into(&mut expected, answer_and_queue(member, week)?);
    }
    let due = calendar::device_due(week, calendar::default_announced_delay_seconds());
    let third = devices / 3;
    let (before, rest) = members.split_at_mut(third);
    let (during, after) = rest.split_at_mut(third);
    on_threads(before, 4, |member| sync_until_sent(member, due, deadline))?;
    let sent_during = AtomicUsize::new(0);
    std::thread::scope(|scope| -> Result<()> {
        let senders = scope.spawn(|| {
            on_threads(during, 4, |member| {
                sync_until_sent(member, due, deadline)?;
                sent_during.fetch_add(1, Ordering::Relaxed);
                Ok(())
            })
        });
        while sent_during.load(Ordering::Relaxed) < third / 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        admin(&database, &["backup", "--to", backup.to_str().context("a UTF-8 path")?])?;
        senders.join().map_err(|_| anyhow!("the senders panicked"))?
    })?;
    on_threads(after, 4, |member| sync_until_sent(member, due, deadline))?;
    let (_, receipts_before_restore) = server_tally(&database, &organisation.id, week)?;
    ensure!(
        receipts_before_restore == devices as i64,
        "{receipts_before_restore} receipts before the restore"
    );

    // The operator stops the server and restores the older copy.
    server.kill();
    let (_, receipts_in_backup) = server_tally(&backup, &organisation.id, week)?;
    ensure!(
        receipts_in_backup >= third as i64 && receipts_in_backup <= 2 * third as i64,
        "the backup holds {receipts_in_backup} reports of {devices}: it was not taken mid-way"
    );
    admin(&database, &["restore", "--from", backup.to_str().context("a UTF-8 path")?])?;
    let (_, receipts_restored) = server_tally(&database, &organisation.id, week)?;
    ensure!(receipts_restored == receipts_in_backup, "the restored database is the backup");
    let now = calendar::reporting_time(week) + chrono::Duration::from_std(reporting_started.elapsed())?;
    let server = RunningServer::start_at(&database, output.clone(), now)?;
    proxy.set_upstream(server.address);

    // Each device's next server check sees the new generation; its report goes again after a
    // new random delay (due by the device's clock two days later).
    let checked_at = due + chrono::Duration::hours(1);
    let resent_at = checked_at + chrono::Duration::hours(50);
    on_threads(&mut members, 4, |member| {
        let desktop = &mut member.device.desktop;
        let check = desktop.prepare_check(checked_at, true).map_err(api)?.context("enrolled")?;
        let checked = check_server(&UreqTransport::new(), &check);
        let status = desktop.record_check(checked, checked_at).map_err(api)?;
        ensure!(
            (status.pending_reports, status.resending_reports) == (1, 1),
            "after the restore: {} pending, {} to send again, {:?}",
            status.pending_reports,
            status.resending_reports,
            status.last_error
        );
        // The next pass draws the delay; nothing goes at once.
        let random = &mut member.random;
        let status =
            sync_now(desktop, &UreqTransport::new(), checked_at.date_naive(), checked_at, true, &mut || {
                random.u64(..)
            })
            .map_err(api)?;
        ensure!(status.pending_reports == 1, "the report was not put back, or went without its random delay");
        sync_until_sent(member, resent_at, deadline)
    })?;
    server.kill();

    check_counted_once(&database, &organisation.id, week, &expected, devices)?;
    eprintln!(
        "restore: {devices} reports, {receipts_in_backup} in the backup, {} lost by the restore and sent again; \
         each counted once ({:.1} s)",
        devices as i64 - receipts_in_backup,
        reporting_started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Adds `tally` into `into`.
fn add_into(into: &mut Tally, tally: Tally) {
    for (key, (n, sum)) in tally {
        let entry = into.entry(key).or_default();
        entry.0 += n;
        entry.1 += sum;
    }
}

/// Checks the server's sums and receipts of `week` against what the devices sent.
fn check_counted_once(
    path: &Path,
    organisation_id: &str,
    week: IsoWeek,
    expected: &Tally,
    reports: usize,
) -> Result<()> {
    let (counted, receipts) = server_tally(path, organisation_id, week)?;
    ensure!(receipts == reports as i64, "{receipts} receipts for {reports} reports sent");
    ensure!(counted.keys().eq(expected.keys()), "the server has sums for other keys than were sent");
    for (key, (n, sum)) in expected {
        let (counted_n, counted_sum) = counted[key];
        ensure!(counted_n == *n, "{key:?}: the server counted {counted_n}, the devices sent {n}");
        ensure!((counted_sum - sum).abs() < 1e-6 * sum.abs().max(1.0), "{key:?}: sum {counted_sum} vs {sum}");
    }
    Ok(())
}

/// Half the devices enrol after the operator's backup; all report; the server is restored from
/// the backup, which knows neither those devices nor any report. The devices it knows send
/// their reports again on the new generation, each counted once. The others are refused (401)
/// and asked to join again with a new invite code; once they have, they send nothing of their
/// earlier enrolment under the new token, which a report's padded body would tie to the old:
/// the reports the restore lost of theirs stay lost.
///
/// The server refuses them too, restore or not: no device reports a week before its enrolment
/// (`it::generation::a_device_that_joins_again_after_a_restore_cannot_back_fill_a_week`).
#[test]
fn devices_enrolled_after_the_backup_join_again_and_send_nothing_of_their_earlier_enrolment() -> Result<()> {
    let devices = scale(24, 240);
    let deadline = Instant::now() + Duration::from_secs(if polso_faults::long() { 1800 } else { 150 });
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let backup = directory.path().join("backup.db");
    let organisation = organisation(&database, "Ripristino Due Srl", 1, 1)?;
    let team = organisation.teams[0].1.clone();
    admin(&database, &["set-headcount", "--team", &team, "10000"])?;
    let code = invite(&database, &team, devices * 2)?;
    let week = calendar::week();
    let output = Arc::new(Mutex::new(Vec::new()));
    let nowhere: std::net::SocketAddr = "127.0.0.1:9".parse()?;
    let proxy = FaultProxy::start(nowhere, FaultPlan::clean(), 0x7e58)?;
    let transport = UreqTransport::new();

    // Week W: half the devices enrol, the operator takes a backup, the other half enrol.
    let server = RunningServer::start_at(&database, output.clone(), calendar::enrolment_time(week))?;
    proxy.set_upstream(server.address);
    let mut members = Vec::new();
    for index in 0..devices {
        if index == devices / 2 {
            admin(&database, &["backup", "--to", backup.to_str().context("a UTF-8 path")?])?;
        }
        let mut device = Device::new()?;
        device.enrol(&transport, &proxy.url, &code, calendar::wednesday(week))?;
        members.push(Member {
            team_id: team.clone(),
            device,
            random: fastrand::Rng::with_seed(0xbac ^ index as u64),
        });
    }
    server.kill();

    // Week W + 1: every report is acknowledged.
    let reporting_started = Instant::now();
    let server = RunningServer::start_at(&database, output.clone(), calendar::reporting_time(week))?;
    proxy.set_upstream(server.address);
    // Only the reports of the devices the backup knows can be counted after the restore.
    let mut expected = Tally::new();
    for (index, member) in members.iter_mut().enumerate() {
        let sent = answer_and_queue(member, week)?;
        if index < devices / 2 {
            add_into(&mut expected, sent);
        }
    }
    let due = calendar::device_due(week, calendar::default_announced_delay_seconds());
    on_threads(&mut members, 4, |member| sync_until_sent(member, due, deadline))?;
    server.kill();

    // Restored from the backup taken in week W: no report, half the devices.
    let restored_at =
        calendar::reporting_time(week) + chrono::Duration::from_std(reporting_started.elapsed())?;
    let backup_path = backup.to_str().context("a UTF-8 path")?;
    admin(&database, &["restore", "--from", backup_path, "--now", &calendar::rfc3339(restored_at)])?;
    let (_, receipts_restored) = server_tally(&database, &organisation.id, week)?;
    ensure!(receipts_restored == 0, "the backup held {receipts_restored} reports");
    let new_code = invite(&database, &team, devices)?;
    let server = RunningServer::start_at(&database, output.clone(), restored_at)?;
    proxy.set_upstream(server.address);

    let checked_at = due + chrono::Duration::hours(1);
    let resent_at = checked_at + chrono::Duration::hours(50);
    let (known, late) = members.split_at_mut(devices / 2);
    let proxy_url = proxy.url.clone();
    let check = |member: &mut Member| -> Result<polso_api::SyncStatus> {
        let desktop = &mut member.device.desktop;
        let check = desktop.prepare_check(checked_at, true).map_err(api)?.context("enrolled")?;
        let checked = check_server(&UreqTransport::new(), &check);
        desktop.record_check(checked, checked_at).map_err(api)
    };
    let schedule_then_send = |member: &mut Member| -> Result<()> {
        let random = &mut member.random;
        let status = sync_now(
            &mut member.device.desktop,
            &UreqTransport::new(),
            checked_at.date_naive(),
            checked_at,
            true,
            &mut || random.u64(..),
        )
        .map_err(api)?;
        ensure!(status.pending_reports == 1, "the report was not put back, or went without its random delay");
        sync_until_sent(member, resent_at, deadline)
    };
    on_threads(known, 4, |member| {
        let status = check(member)?;
        ensure!(status.resending_reports == 1, "a known device: {:?}", status.last_error);
        schedule_then_send(member)
    })?;
    on_threads(late, 4, |member| {
        let status = check(member)?;
        ensure!(
            status.last_error.as_ref().map(|error| error.code) == Some(polso_api::ErrorCode::Unauthorized),
            "a device enrolled after the backup: {:?}",
            status.last_error
        );
        ensure!(status.resending_reports == 0, "nothing goes before joining again");
        member.device.enrol(&UreqTransport::new(), &proxy_url, &new_code, checked_at.date_naive())?;
        let status = sync_now(
            &mut member.device.desktop,
            &UreqTransport::new(),
            resent_at.date_naive(),
            resent_at,
            true,
            &mut || 0,
        )
        .map_err(api)?;
        ensure!(status.pending_reports == 0 && status.resending_reports == 0, "{status:?}");
        Ok(())
    })?;
    server.kill();
    check_counted_once(&database, &organisation.id, week, &expected, devices / 2)?;
    eprintln!(
        "restore: {devices} reports, {} sent again and counted once; {} of devices unknown to the backup joined \
         again and sent nothing of their earlier enrolment",
        devices / 2,
        devices - devices / 2
    );
    Ok(())
}
