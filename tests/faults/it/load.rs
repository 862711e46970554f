//! Issue 7, point 4: many devices report to the real server over loopback
//! within a minute, with no error; the report latencies' percentiles are
//! printed. 500 devices by default, 10,000 with `POLSO_FAULTS_LONG=1`. Each
//! request goes through the desktop's own HTTP transport (`UreqTransport`),
//! and afterwards the server holds one receipt per device and counts every
//! device in every item and metric the week asked.
//!
//! The calendar of issue 11: the devices enrol with the server's clock in
//! week W, and report W, answering exactly the items the organisation's
//! schedule asks that week, with the server restarted in W + 1.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail, ensure};
use polso_api::{
    EnrolResponse, MetricKey, ReportAck, ReportStatus, ReportedScore, ReportedValue, WIRE_VERSION,
    WeeklyReport,
};
use polso_desktop::sync::{SyncTransport, UreqTransport};
use polso_faults::reports::asked_items;
use polso_faults::server::{RunningServer, TEAM_HEADCOUNT, admin, invite, organisation};
use polso_faults::{calendar, percentile, scale};

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
    if devices.div_ceil(organisation.teams.len()) > TEAM_HEADCOUNT as usize {
        for (_, team) in &organisation.teams {
            admin(&database, &["set-headcount", "--team", team, &devices.min(10_000).to_string()])?;
        }
    }
    let invites: Vec<String> =
        organisation.teams.iter().map(|(_, team)| invite(&database, team, devices)).collect::<Result<_>>()?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let week = calendar::week();
    // The default level, which logs every request, as in production.
    let start = |now| RunningServer::start_at_logging(&database, output.clone(), now, "info", &[]);
    let server = start(calendar::enrolment_time(week))?;
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
    server.kill();

    // Week W + 1: W has closed and collects its reports.
    let server = start(calendar::reporting_time(week))?;
    let url = server.url.clone();
    let seed = tokens.lock().map_err(|_| anyhow!("lock"))?[0].1;
    let asked = asked_items(seed, week);
    let items: Vec<(String, u8, u8)> =
        asked.iter().map(|item| (item.id.clone(), item.min, item.max)).collect();
    let mut expected_keys: BTreeSet<String> = asked.iter().map(|item| format!("item:{}", item.id)).collect();
    expected_keys.extend(asked.iter().map(|item| format!("metric:{}", item.metric.key())));
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
                not_applicable: Vec::new(),
                padding: String::new(),
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

    // Before publication the week's sums and receipts are in the database.
    let connection = rusqlite::Connection::open(&database)?;
    let receipts: i64 = connection.query_row("SELECT count(*) FROM report_receipts", [], |row| row.get(0))?;
    let counted: BTreeMap<String, i64> = connection
        .prepare("SELECT key, sum(n) FROM aggregates WHERE week_index = ?1 GROUP BY key")?
        .query_map([week.index()], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
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
    ensure!(receipts == devices as i64, "{receipts} receipts for {devices} reports");
    ensure!(
        counted.keys().cloned().collect::<BTreeSet<_>>() == expected_keys,
        "counted keys {:?}, the week asked {expected_keys:?}",
        counted.keys()
    );
    for (key, n) in &counted {
        ensure!(*n == devices as i64, "{key}: {n} counted of {devices} reports");
    }
    ensure!(latencies.len() == devices);
    ensure!(elapsed < Duration::from_secs(60), "{devices} reports took {elapsed:?}, more than a minute");
    Ok(())
}
