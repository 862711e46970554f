//! Issue 7, points 2 and 3: devices (each `polso_desktop::Desktop` over its
//! own encrypted store) answer several closed weeks and send their reports
//! with the app's sync client (`Desktop::sync_now` over `UreqTransport`)
//! through a fault-injecting proxy to the real `polso-server` binary. With
//! dropped requests, resets, dropped answers, duplicated requests and delays,
//! and with the server killed by SIGKILL and restarted under load, every
//! report eventually arrives and the server's aggregates count each one
//! exactly once: per (team, week, item or metric), `n` and the sum equal what
//! the devices sent, there is one receipt per report, and SQLite finds the
//! server's database sound.
//!
//! Short versions by default; `POLSO_FAULTS_LONG=1` sends 10,000 reports.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use chrono::{NaiveDate, Utc};
use polso_core::IsoWeek;
use polso_desktop::sync::UreqTransport;
use polso_faults::device::{Device, api};
use polso_faults::proxy::{FaultPlan, FaultProxy};
use polso_faults::scale;
use polso_faults::server::{RunningServer, invite, organisation};
use polso_server::store::ServerStore;

/// (team, week index, aggregate key) → (n, sum).
type Tally = BTreeMap<(String, i64, String), (u32, f64)>;

struct Scenario {
    devices: usize,
    weeks: usize,
    workers: usize,
    plan: FaultPlan,
    /// Kill the server with SIGKILL at random intervals up to this long.
    kill_server_within: Option<Duration>,
    seed: u64,
}

struct Outcome {
    reports: usize,
    server_kills: usize,
    proxy_summary: String,
    faults: u64,
    elapsed: Duration,
}

/// The week's aggregates as the server keeps them, read from its database file.
fn server_tally(
    database: &Path,
    organisation_id: &str,
    weeks: std::ops::RangeInclusive<IsoWeek>,
) -> Result<(Tally, i64)> {
    let store = polso_server::SqliteServerStore::open(database)?;
    let mut tally = Tally::new();
    for aggregate in store.team_aggregates(organisation_id, None, weeks)? {
        tally
            .insert((aggregate.team_id, aggregate.week.index(), aggregate.key), (aggregate.n, aggregate.sum));
    }
    drop(store);
    let connection = rusqlite::Connection::open(database)?;
    let integrity: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    ensure!(integrity == "ok", "the server's database after the run: {integrity}");
    let receipts: i64 = connection.query_row("SELECT count(*) FROM report_receipts", [], |row| row.get(0))?;
    Ok((tally, receipts))
}

/// One device's life: enrol (retrying through the faults), answer every week,
/// then sync until every report is acknowledged; returns what it sent.
fn device_life(
    proxy_url: &str,
    invite_code: &str,
    team_id: &str,
    weeks: &[IsoWeek],
    today: NaiveDate,
    seed: u64,
    deadline: Instant,
) -> Result<Tally> {
    let transport = UreqTransport::new();
    let mut random = fastrand::Rng::with_seed(seed);
    let mut device = Device::new()?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match device.enrol(&transport, proxy_url, invite_code, weeks[0].monday()) {
            Ok(()) => break,
            Err(error) if attempts < 200 && Instant::now() < deadline => {
                let _ = error;
                std::thread::sleep(Duration::from_millis(random.u64(5..30)));
            }
            Err(error) => return Err(error.context("enrolling through the faults")),
        }
    }
    let mut tally = Tally::new();
    for &week in weeks {
        let view = device.answer_week(week, &mut random, Some("canary-note-faults"))?;
        for answer in &view.answers {
            let entry = tally
                .entry((team_id.to_owned(), week.index(), format!("item:{}", answer.item_id)))
                .or_default();
            entry.0 += 1;
            entry.1 += f64::from(answer.value);
        }
    }
    for history_week in device.desktop.history().map_err(api)?.weeks {
        let week: IsoWeek = history_week.week.parse()?;
        for score in history_week.scores {
            let entry = tally
                .entry((team_id.to_owned(), week.index(), format!("metric:{}", score.metric.key())))
                .or_default();
            entry.0 += 1;
            entry.1 += score.score;
        }
    }
    loop {
        let status = device
            .desktop
            .sync_now(&transport, today, Utc::now(), true, &mut || random.u64(..))
            .map_err(api)?;
        ensure!(status.failed_reports == 0, "a report was refused: {:?}", status.last_error);
        if status.pending_reports == 0 {
            // Every week was queued and acknowledged.
            return Ok(tally);
        }
        ensure!(Instant::now() < deadline, "reports still pending at the deadline: {:?}", status.last_error);
        std::thread::sleep(Duration::from_millis(random.u64(1..20)));
    }
}

fn run(scenario: Scenario) -> Result<Outcome> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(if polso_faults::long() { 3600 } else { 150 });
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Guasti Srl", 2, 2)?;
    let invites: Vec<(String, String)> = organisation
        .teams
        .iter()
        .map(|(_, team)| Ok((team.clone(), invite(&database, team, scenario.devices * 4 + 100)?)))
        .collect::<Result<_>>()?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let server = RunningServer::start(&database, output.clone())?;
    let proxy = Arc::new(FaultProxy::start(server.address, scenario.plan, scenario.seed)?);
    let server = Arc::new(Mutex::new(Some(server)));

    let today = Utc::now().date_naive();
    let this_week = IsoWeek::containing(today);
    let weeks: Vec<IsoWeek> =
        (1..=scenario.weeks as i64).rev().map(|back| this_week.plus_weeks(-back)).collect();

    let done = Arc::new(AtomicBool::new(false));
    let server_kills = Arc::new(AtomicUsize::new(0));
    let killer = scenario.kill_server_within.map(|within| {
        let (server, proxy, done, kills, database, output) = (
            server.clone(),
            proxy.clone(),
            done.clone(),
            server_kills.clone(),
            database.clone(),
            output.clone(),
        );
        let mut random = fastrand::Rng::with_seed(scenario.seed ^ 0xdead);
        std::thread::spawn(move || -> Result<()> {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_micros(random.u64(0..within.as_micros() as u64)));
                if done.load(Ordering::Relaxed) {
                    break;
                }
                let mut slot = server.lock().map_err(|_| anyhow!("server lock"))?;
                if let Some(running) = slot.take() {
                    running.kill();
                    kills.fetch_add(1, Ordering::Relaxed);
                }
                // Down for a moment, then back on another port.
                std::thread::sleep(Duration::from_millis(random.u64(0..50)));
                let restarted = RunningServer::start(&database, output.clone())?;
                proxy.set_upstream(restarted.address);
                *slot = Some(restarted);
            }
            Ok(())
        })
    });

    let next_device = Arc::new(AtomicUsize::new(0));
    let expected = Arc::new(Mutex::new(Tally::new()));
    let workers: Vec<_> = (0..scenario.workers)
        .map(|_| {
            let (next_device, expected, invites, weeks, proxy_url) =
                (next_device.clone(), expected.clone(), invites.clone(), weeks.clone(), proxy.url.clone());
            let (devices, seed) = (scenario.devices, scenario.seed);
            std::thread::spawn(move || -> Result<()> {
                loop {
                    let index = next_device.fetch_add(1, Ordering::Relaxed);
                    if index >= devices {
                        return Ok(());
                    }
                    let (team, code) = &invites[index % invites.len()];
                    let sent = device_life(
                        &proxy_url,
                        code,
                        team,
                        &weeks,
                        today,
                        seed ^ (index as u64) << 8,
                        deadline,
                    )
                    .with_context(|| format!("device {index}"))?;
                    let mut expected = expected.lock().map_err(|_| anyhow!("tally lock"))?;
                    for (key, (n, sum)) in sent {
                        let entry = expected.entry(key).or_default();
                        entry.0 += n;
                        entry.1 += sum;
                    }
                }
            })
        })
        .collect();
    let mut failures = Vec::new();
    for worker in workers {
        match worker.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => failures.push(format!("{error:#}")),
            Err(_) => failures.push("a worker panicked".to_owned()),
        }
    }
    done.store(true, Ordering::Relaxed);
    if let Some(killer) = killer {
        killer.join().map_err(|_| anyhow!("the killer panicked"))??;
    }
    if let Some(running) = server.lock().map_err(|_| anyhow!("server lock"))?.take() {
        running.kill();
    }
    if !failures.is_empty() {
        bail!("{} device(s) failed; first: {}", failures.len(), failures[0]);
    }

    let reports = scenario.devices * scenario.weeks;
    let first = weeks[0];
    let last = weeks[weeks.len() - 1];
    let (counted, receipts) = server_tally(&database, &organisation.id, first..=last)?;
    let expected = expected.lock().map_err(|_| anyhow!("tally lock"))?.clone();
    ensure!(receipts == reports as i64, "{receipts} receipts for {reports} reports sent");
    ensure!(
        counted.keys().eq(expected.keys()),
        "the server has aggregates for other keys than were sent: {} vs {}",
        counted.len(),
        expected.len()
    );
    for (key, (n, sum)) in &expected {
        let (counted_n, counted_sum) = counted[key];
        ensure!(counted_n == *n, "{key:?}: the server counted {counted_n}, the devices sent {n}");
        ensure!((counted_sum - sum).abs() < 1e-6 * sum.abs().max(1.0), "{key:?}: sum {counted_sum} vs {sum}");
    }
    let outcome = Outcome {
        reports,
        server_kills: server_kills.load(Ordering::Relaxed),
        proxy_summary: proxy.counts().summary(),
        faults: proxy.counts().faults(),
        elapsed: started.elapsed(),
    };
    Ok(outcome)
}

#[test]
fn every_report_arrives_once_through_a_hostile_network() -> Result<()> {
    let devices = scale(50, 1667);
    let outcome = run(Scenario {
        devices,
        weeks: 6,
        workers: 4,
        plan: FaultPlan::hostile(),
        kill_server_within: None,
        seed: 0xfa17,
    })?;
    eprintln!(
        "network faults: {} reports from {devices} devices, each counted once ({:.1} s); proxy: {}",
        outcome.reports,
        outcome.elapsed.as_secs_f64(),
        outcome.proxy_summary
    );
    ensure!(
        outcome.faults as usize >= outcome.reports / 4,
        "too few faults were injected: {}",
        outcome.proxy_summary
    );
    Ok(())
}

#[test]
fn a_server_killed_under_load_loses_and_doubles_nothing() -> Result<()> {
    let devices = scale(30, 1000);
    let outcome = run(Scenario {
        devices,
        weeks: 6,
        workers: 6,
        plan: FaultPlan { delay: 200, max_delay: Duration::from_millis(20), ..FaultPlan::clean() },
        kill_server_within: Some(Duration::from_millis(400)),
        seed: 0x5e12,
    })?;
    eprintln!(
        "server crash: {} reports from {devices} devices, {} SIGKILLs of the server, each report counted once ({:.1} s); proxy: {}",
        outcome.reports,
        outcome.server_kills,
        outcome.elapsed.as_secs_f64(),
        outcome.proxy_summary
    );
    ensure!(outcome.server_kills >= 3, "only {} server kills landed", outcome.server_kills);
    Ok(())
}
