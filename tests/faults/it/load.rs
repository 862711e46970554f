//! Issue 7, point 4: many devices report to the real server over loopback
//! within a minute, with no error; the report latencies' percentiles are
//! printed. 500 devices by default, 10,000 with `POLSO_FAULTS_LONG=1`. Each
//! request goes through the desktop's own HTTP transport (`UreqTransport`),
//! and afterwards the server holds one receipt per device.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail, ensure};
use chrono::Utc;
use polso_api::{
    EnrolResponse, MetricKey, ReportAck, ReportStatus, ReportedScore, ReportedValue, WIRE_VERSION,
    WeeklyReport,
};
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_desktop::sync::{SyncTransport, UreqTransport};
use polso_faults::server::{RunningServer, invite, organisation};
use polso_faults::{percentile, scale};

/// Runs `work(index)` for `0..count` on `threads` threads; returns each call's latency.
fn in_parallel(
    count: usize,
    threads: usize,
    work: impl Fn(usize) -> Result<()> + Send + Sync + 'static,
) -> Result<Vec<Duration>> {
    let work = Arc::new(work);
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (work, next, latencies) = (work.clone(), next.clone(), latencies.clone());
            std::thread::spawn(move || -> Result<()> {
                let mut mine = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count {
                        break;
                    }
                    let started = Instant::now();
                    work(index)?;
                    mine.push(started.elapsed());
                }
                latencies.lock().map_err(|_| anyhow!("lock"))?.extend(mine);
                Ok(())
            })
        })
        .collect();
    for handle in handles {
        handle.join().map_err(|_| anyhow!("a load thread panicked"))??;
    }
    let mut latencies = latencies.lock().map_err(|_| anyhow!("lock"))?.clone();
    latencies.sort();
    Ok(latencies)
}

#[test]
fn many_devices_report_within_a_minute_without_error() -> Result<()> {
    let devices = scale(500, 10_000);
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Carico Spa", 4, 5)?;
    let invites: Vec<String> =
        organisation.teams.iter().map(|(_, team)| invite(&database, team, devices)).collect::<Result<_>>()?;
    let output = Arc::new(Mutex::new(Vec::new()));
    // The default level, which logs every request, as in production.
    let server = RunningServer::start_logging(&database, output, "info")?;
    let url = server.url.clone();

    // Enrolment (not timed as the load): every device gets its token.
    let tokens = Arc::new(Mutex::new(vec![(String::new(), 0u64); devices]));
    let enrol_started = Instant::now();
    {
        let (tokens, url, invites) = (tokens.clone(), url.clone(), invites.clone());
        let transport = Arc::new(UreqTransport::new());
        in_parallel(devices, 8, move |index| {
            let body = serde_json::json!({"wire_version": WIRE_VERSION, "invite_code": invites[index % invites.len()]});
            let answer = transport
                .post_json(&format!("{url}/v1/enrol"), None, &body.to_string())
                .map_err(|failure| anyhow!("enrol {index}: {}", failure.detail))?;
            ensure!(answer.status == 201, "enrol {index}: {} {}", answer.status, answer.body);
            let response: EnrolResponse = serde_json::from_str(&answer.body)?;
            tokens.lock().map_err(|_| anyhow!("lock"))?[index] =
                (response.device_token, response.organisation_seed);
            Ok(())
        })?;
    }
    let enrol_elapsed = enrol_started.elapsed();

    let week = IsoWeek::containing(Utc::now().date_naive()).previous();
    let seed = tokens.lock().map_err(|_| anyhow!("lock"))?[0].1;
    let bank = ItemBank::embedded();
    let items: Vec<(String, u8, u8)> = Schedule::new(bank, seed)
        .items_for_week(week)
        .into_iter()
        .filter_map(|id| {
            bank.item(id.as_str())
                .map(|item| (id.to_string(), bank.scale_of(item).min, bank.scale_of(item).max))
        })
        .collect();
    let tokens: Vec<(String, u64)> = tokens.lock().map_err(|_| anyhow!("lock"))?.clone();
    let started = Instant::now();
    let latencies = {
        let transport = Arc::new(UreqTransport::new());
        let url = url.clone();
        in_parallel(devices, 16, move |index| {
            let mut random = fastrand::Rng::with_seed(index as u64);
            let report = WeeklyReport {
                wire_version: WIRE_VERSION,
                week: week.to_string(),
                items: items
                    .iter()
                    .map(|(id, min, max)| ReportedValue {
                        item_id: id.clone(),
                        value: random.u8(*min..=*max),
                    })
                    .collect(),
                metrics: vec![ReportedScore {
                    metric: MetricKey::Wellbeing,
                    score: f64::from(random.u8(0..=100)),
                }],
            };
            let answer = transport
                .post_json(
                    &format!("{url}/v1/reports"),
                    Some(&tokens[index].0),
                    &serde_json::to_string(&report)?,
                )
                .map_err(|failure| anyhow!("report {index}: {}", failure.detail))?;
            ensure!(answer.status == 200, "report {index}: {} {}", answer.status, answer.body);
            let ack: ReportAck = serde_json::from_str(&answer.body)?;
            if ack.status != ReportStatus::Accepted {
                bail!("report {index} was not counted as new: {:?}", ack.status);
            }
            Ok(())
        })?
    };
    let elapsed = started.elapsed();
    server.kill();

    let connection = rusqlite::Connection::open(&database)?;
    let receipts: i64 = connection.query_row("SELECT count(*) FROM report_receipts", [], |row| row.get(0))?;
    let counted: i64 = connection.query_row(
        "SELECT coalesce(sum(n), 0) FROM aggregates WHERE key = 'metric:wellbeing'",
        [],
        |row| row.get(0),
    )?;
    eprintln!(
        "load: {devices} devices enrolled in {:.1} s, then reported in {:.1} s ({:.0} reports/s), no error; latency p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        enrol_elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        devices as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 90.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0),
    );
    ensure!(
        receipts == devices as i64 && counted == devices as i64,
        "{receipts} receipts, {counted} counted"
    );
    ensure!(latencies.len() == devices);
    ensure!(elapsed < Duration::from_secs(60), "{devices} reports took {elapsed:?}, more than a minute");
    Ok(())
}
