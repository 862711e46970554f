//! Benchmark 4, server ingest: a burst of weekly reports, one from each of
//! `devices` enrolled devices, sent over loopback to the real `polso-server`
//! binary by concurrent clients (reports per second, latency percentiles,
//! errors), against a bare single-writer rusqlite loop that makes the same
//! aggregate updates (receipt, then n, sum, sum of squares and histogram bin
//! per value) with one durable commit per report and the server's pragmas.
//!
//! The devices are enrolled before the burst, straight into the database
//! (token hashes, as `/v1/enrol` stores them): enrolment is not what is timed.
//!
//! On PostgreSQL (`--store postgres`) the same burst goes to `--replicas`
//! server processes on one database (the clients spread over them, as a load
//! balancer would), and the baseline is the same bare loop on PostgreSQL:
//! one connection, one commit per report.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::Utc;
use polso_api::{MetricKey, ReportedScore, ReportedValue, WIRE_VERSION, WeeklyReport};
use polso_bench::{SplitMix64, millis, percentile};
use polso_core::bank::ItemBank;
use polso_core::{Answer, IsoWeek, ItemId, score_answers};
use polso_server::report::validate_report;
use polso_server::secrets::{DEVICE_TOKEN_PREFIX, hash_secret};
use polso_server::store::ReportFold;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::{Value, json};

use crate::world::{Connected, Database, RunningServer, Store, World, asked_keys, http_agent};

/// Enrolled devices per team.
const DEVICES_PER_TEAM: usize = 20;

/// Runs the burst and the baseline; returns the figures as JSON.
/// How many reports the SQLite baseline without history writes (one
/// checkpoint each makes it too slow for the whole burst).
const PRIVATE_BASELINE_REPORTS: usize = 5_000;

pub fn run(
    devices: usize,
    clients: usize,
    store: Store,
    replicas: usize,
    server_binary: &Path,
    work_dir: &Path,
) -> Result<Value> {
    let today = Utc::now().date_naive();
    let week = IsoWeek::containing(today).previous();
    let n_teams = devices.div_ceil(DEVICES_PER_TEAM);
    let database = Database::fresh(store, work_dir, &format!("ingest-{devices}"))?;
    let world = World::create(&database, n_teams)?;
    let tokens: Vec<String> =
        (0..devices).map(|index| format!("{DEVICE_TOKEN_PREFIX}bench{index:09}")).collect();
    enrol(&database, &tokens, &world.teams)?;
    world.check()?;

    let reports = reports_for(&world, week, devices)?;
    let bodies: Vec<String> = reports.iter().map(serde_json::to_string).collect::<Result<_, _>>()?;

    // The burst against the real server.
    // The server on the Tuesday after the week, when its reports are due and
    // its collection window is open, whatever day the benchmark runs.
    let server_now = (week.next().monday() + chrono::Days::new(1))
        .and_hms_opt(12, 0, 0)
        .context("a valid time")?
        .and_utc()
        .to_rfc3339();
    let servers = (0..replicas.max(1))
        .map(|replica| {
            RunningServer::start_with(
                server_binary,
                &database,
                &work_dir.join(format!("ingest-{devices}-{replica}.log")),
                &["--now", &server_now],
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let urls: Vec<String> = servers.iter().map(|server| format!("{}/v1/reports", server.base_url)).collect();
    let next = Arc::new(AtomicUsize::new(0));
    let tokens = Arc::new(tokens);
    let bodies = Arc::new(bodies);
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|client| {
            let (next, tokens, bodies) = (next.clone(), tokens.clone(), bodies.clone());
            let url = urls[client % urls.len()].clone();
            std::thread::spawn(move || send_reports(&url, &next, &tokens, &bodies))
        })
        .collect();
    let mut latencies = Vec::with_capacity(devices);
    let mut errors = Vec::new();
    for worker in workers {
        let (worker_latencies, worker_errors) =
            worker.join().map_err(|_| anyhow::anyhow!("a client thread panicked"))?;
        latencies.extend(worker_latencies);
        errors.extend(worker_errors);
    }
    let elapsed = start.elapsed();
    let server_peak = servers.iter().map(RunningServer::peak_memory_mib).fold(0.0, f64::max);
    for server in servers {
        server.stop();
    }
    let counted = database.connect()?.count("SELECT count(*) FROM report_receipts")?;
    database.remove();

    // The baseline: the same reports, validated and folded the server's way,
    // then written by one bare writer.
    let secret = [7u8; 32];
    let schedule = world.schedule();
    let folds: Vec<ReportFold> = reports
        .iter()
        .zip(tokens.iter())
        .enumerate()
        .map(|(index, (report, token))| {
            let validated = validate_report(report, ItemBank::embedded(), &schedule)?;
            Ok(validated.into_fold(
                &secret,
                token,
                world.organisation.id.clone(),
                world.teams[index / DEVICES_PER_TEAM].clone(),
            ))
        })
        .collect::<Result<_, polso_server::ServerError>>()?;
    let bare_database = Database::fresh(store, work_dir, &format!("ingest-bare-{devices}"))?;
    let (bare_elapsed, bare_latencies) = bare_loop(&bare_database, &folds)?;
    bare_database.remove();
    // On SQLite, the same loop under the server's rule that a copy of the
    // files holds no history (its WAL checkpointed and truncated after every
    // commit), over the first reports only: it commits one report at a time.
    let private = match store {
        Store::Sqlite => {
            let private_database = Database::fresh(store, work_dir, &format!("ingest-private-{devices}"))?;
            let sample = &folds[..folds.len().min(PRIVATE_BASELINE_REPORTS)];
            let (elapsed, _) = match private_database.connect()? {
                Connected::Sqlite(connection) => bare_sqlite_loop(connection, sample, true)?,
                Connected::Postgres(_) => anyhow::bail!("a SQLite database connected as PostgreSQL"),
            };
            private_database.remove();
            json!({"reports": sample.len(), "reports_per_second": sample.len() as f64 / elapsed.as_secs_f64()})
        }
        Store::Postgres => Value::Null,
    };

    let at = |samples: &[Duration], p: f64| percentile(samples, p).map(millis).unwrap_or(f64::NAN);
    Ok(json!({
        "devices": devices,
        "teams": n_teams,
        "clients": clients,
        "store": format!("{store:?}").to_lowercase(),
        "replicas": replicas.max(1),
        "polso": {
            "seconds": elapsed.as_secs_f64(),
            "reports_per_second": devices as f64 / elapsed.as_secs_f64(),
            "p50_ms": at(&latencies, 50.0), "p90_ms": at(&latencies, 90.0),
            "p99_ms": at(&latencies, 99.0), "max_ms": at(&latencies, 100.0),
            "errors": errors.len(),
            "first_errors": errors.iter().take(3).collect::<Vec<_>>(),
            "counted": counted,
            "server_peak_memory_mib": server_peak,
        },
        "baseline": {
            "seconds": bare_elapsed.as_secs_f64(),
            "reports_per_second": devices as f64 / bare_elapsed.as_secs_f64(),
            "p50_ms": at(&bare_latencies, 50.0), "p99_ms": at(&bare_latencies, 99.0),
        },
        "baseline_without_history": private,
    }))
}

/// Enrols `tokens` round-robin into teams of [`DEVICES_PER_TEAM`], as `/v1/enrol` records them.
fn enrol(database: &Database, tokens: &[String], teams: &[String]) -> Result<()> {
    match database.connect()? {
        Connected::Sqlite(mut connection) => {
            let transaction = connection.transaction()?;
            {
                let mut insert =
                    transaction.prepare("INSERT INTO devices (token_hash, team_id) VALUES (?1, ?2)")?;
                for (index, token) in tokens.iter().enumerate() {
                    insert.execute(params![&hash_secret(token)[..], teams[index / DEVICES_PER_TEAM]])?;
                }
            }
            transaction.commit()?;
        }
        Connected::Postgres(mut client) => {
            let mut transaction = client.transaction()?;
            let insert = transaction.prepare("INSERT INTO devices (token_hash, team_id) VALUES ($1, $2)")?;
            for (index, token) in tokens.iter().enumerate() {
                transaction
                    .execute(&insert, &[&&hash_secret(token)[..], &teams[index / DEVICES_PER_TEAM]])?;
            }
            transaction.commit()?;
        }
    }
    Ok(())
}

/// One report per device for `week`: the items the schedule asks, random
/// values, and the metric scores the core computes from them.
fn reports_for(world: &World<'_>, week: IsoWeek, devices: usize) -> Result<Vec<WeeklyReport>> {
    let bank = ItemBank::embedded();
    let (items, _) = asked_keys(&world.schedule(), week);
    let mut random = SplitMix64::new(4);
    (0..devices)
        .map(|_| {
            let answers: Vec<Answer> = items
                .iter()
                .filter_map(|id| bank.item(id))
                .map(|item| {
                    let scale = bank.scale_of(item);
                    Answer {
                        item: ItemId(item.id.as_str().to_owned()),
                        value: random.between(scale.min, scale.max),
                    }
                })
                .collect();
            let scores = score_answers(bank, &answers).context("scoring a synthetic report")?;
            Ok(WeeklyReport {
                wire_version: WIRE_VERSION,
                week: week.to_string(),
                items: answers
                    .iter()
                    .map(|answer| ReportedValue {
                        item_id: answer.item.as_str().to_owned(),
                        value: answer.value,
                    })
                    .collect(),
                metrics: scores
                    .iter()
                    .filter_map(|score| {
                        Some(ReportedScore {
                            metric: MetricKey::from_key(score.metric.key())?,
                            score: score.score,
                        })
                    })
                    .collect(),
                not_applicable: Vec::new(),
                padding: String::new(),
            })
        })
        .collect()
}

/// One client: takes the next device until none are left; returns latencies and errors.
fn send_reports(
    url: &str,
    next: &AtomicUsize,
    tokens: &[String],
    bodies: &[String],
) -> (Vec<Duration>, Vec<String>) {
    let agent = http_agent();
    let (mut latencies, mut errors) = (Vec::new(), Vec::new());
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(body) = bodies.get(index) else {
            return (latencies, errors);
        };
        let start = Instant::now();
        let answer = agent
            .post(url)
            .header("Authorization", &format!("Bearer {}", tokens[index]))
            .header("Content-Type", "application/json")
            .send(body.as_str());
        let outcome = match answer {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let text = response.body_mut().read_to_string().unwrap_or_default();
                if status == 200 && text.contains("\"accepted\"") {
                    Ok(())
                } else {
                    Err(format!("{status}: {text}"))
                }
            }
            Err(error) => Err(error.to_string()),
        };
        latencies.push(start.elapsed());
        if let Err(error) = outcome {
            errors.push(error);
        }
    }
}

/// The bare single writer: for each fold, one transaction that records the
/// receipt and upserts each contribution's n, sum, sum of squares and bin,
/// on the same store as the server's run.
fn bare_loop(database: &Database, folds: &[ReportFold]) -> Result<(Duration, Vec<Duration>)> {
    match database.connect()? {
        Connected::Sqlite(connection) => bare_sqlite_loop(connection, folds, false),
        Connected::Postgres(client) => bare_postgres_loop(*client, folds),
    }
}

/// The reports written one durable commit each; with `without_history`, the
/// WAL checkpointed and truncated after every commit, as the server does
/// after every group of reports.
fn bare_sqlite_loop(
    mut connection: Connection,
    folds: &[ReportFold],
    without_history: bool,
) -> Result<(Duration, Vec<Duration>)> {
    connection.busy_timeout(Duration::from_secs(5))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.pragma_update(None, "secure_delete", "ON")?;
    connection.execute_batch(
        "CREATE TABLE receipts (receipt BLOB PRIMARY KEY, week_index INTEGER NOT NULL) STRICT, WITHOUT ROWID;
         CREATE TABLE sums (team_id TEXT NOT NULL, week_index INTEGER NOT NULL, key TEXT NOT NULL,
                            n INTEGER NOT NULL, sum REAL NOT NULL, sum_squares REAL NOT NULL,
                            PRIMARY KEY (team_id, week_index, key)) STRICT, WITHOUT ROWID;
         CREATE TABLE bins (team_id TEXT NOT NULL, week_index INTEGER NOT NULL, key TEXT NOT NULL,
                            bin INTEGER NOT NULL, count INTEGER NOT NULL,
                            PRIMARY KEY (team_id, week_index, key, bin)) STRICT, WITHOUT ROWID;",
    )?;
    let mut latencies = Vec::with_capacity(folds.len());
    let start = Instant::now();
    for fold in folds {
        let one = Instant::now();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seen: Option<i64> = transaction
            .prepare_cached("SELECT 1 FROM receipts WHERE receipt = ?1")?
            .query_row([&fold.receipt[..]], |row| row.get(0))
            .optional()?;
        anyhow::ensure!(seen.is_none(), "a receipt repeats");
        transaction
            .prepare_cached("INSERT INTO receipts (receipt, week_index) VALUES (?1, ?2)")?
            .execute(params![&fold.receipt[..], fold.week.index()])?;
        {
            let mut sums = transaction.prepare_cached(
                "INSERT INTO sums VALUES (?1, ?2, ?3, 1, ?4, ?5)
                 ON CONFLICT DO UPDATE SET n = n + 1, sum = sum + excluded.sum,
                     sum_squares = sum_squares + excluded.sum_squares",
            )?;
            let mut bins = transaction.prepare_cached(
                "INSERT INTO bins VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT DO UPDATE SET count = count + 1",
            )?;
            let week_index = fold.week.index();
            for contribution in &fold.contributions {
                let value = contribution.value;
                sums.execute(params![fold.team_id, week_index, contribution.key, value, value * value])?;
                bins.execute(params![fold.team_id, week_index, contribution.key, contribution.bin as i64])?;
            }
        }
        transaction.commit()?;
        if without_history {
            connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        latencies.push(one.elapsed());
    }
    Ok((start.elapsed(), latencies))
}

fn bare_postgres_loop(
    mut client: postgres::Client,
    folds: &[ReportFold],
) -> Result<(Duration, Vec<Duration>)> {
    client.batch_execute(
        "CREATE TABLE receipts (receipt BYTEA PRIMARY KEY, week_index BIGINT NOT NULL);
         CREATE TABLE sums (team_id TEXT NOT NULL, week_index BIGINT NOT NULL, key TEXT NOT NULL,
                            n BIGINT NOT NULL, sum DOUBLE PRECISION NOT NULL, sum_squares DOUBLE PRECISION NOT NULL,
                            PRIMARY KEY (team_id, week_index, key));
         CREATE TABLE bins (team_id TEXT NOT NULL, week_index BIGINT NOT NULL, key TEXT NOT NULL,
                            bin BIGINT NOT NULL, count BIGINT NOT NULL,
                            PRIMARY KEY (team_id, week_index, key, bin));",
    )?;
    let seen_statement = client.prepare("SELECT 1 FROM receipts WHERE receipt = $1")?;
    let receipt_statement = client.prepare("INSERT INTO receipts (receipt, week_index) VALUES ($1, $2)")?;
    // A report's values in one statement per table, as a bare client on a
    // network database would write them (one round trip each, not one per value).
    let sums_statement = client.prepare(
        "INSERT INTO sums SELECT $1, $2, v.key, 1, v.value, v.value * v.value
         FROM unnest($3::TEXT[], $4::DOUBLE PRECISION[]) AS v (key, value)
         ON CONFLICT (team_id, week_index, key) DO UPDATE SET n = sums.n + 1, sum = sums.sum + excluded.sum,
             sum_squares = sums.sum_squares + excluded.sum_squares",
    )?;
    let bins_statement = client.prepare(
        "INSERT INTO bins SELECT $1, $2, v.key, v.bin, 1 FROM unnest($3::TEXT[], $4::BIGINT[]) AS v (key, bin)
         ON CONFLICT (team_id, week_index, key, bin) DO UPDATE SET count = bins.count + 1",
    )?;
    let mut latencies = Vec::with_capacity(folds.len());
    let start = Instant::now();
    for fold in folds {
        let one = Instant::now();
        let mut transaction = client.transaction()?;
        anyhow::ensure!(
            transaction.query_opt(&seen_statement, &[&&fold.receipt[..]])?.is_none(),
            "a receipt repeats"
        );
        let week_index = fold.week.index();
        transaction.execute(&receipt_statement, &[&&fold.receipt[..], &week_index])?;
        let keys: Vec<&str> =
            fold.contributions.iter().map(|contribution| contribution.key.as_str()).collect();
        let values: Vec<f64> = fold.contributions.iter().map(|contribution| contribution.value).collect();
        let bins: Vec<i64> = fold.contributions.iter().map(|contribution| contribution.bin as i64).collect();
        transaction.execute(&sums_statement, &[&fold.team_id, &week_index, &keys, &values])?;
        transaction.execute(&bins_statement, &[&fold.team_id, &week_index, &keys, &bins])?;
        transaction.commit()?;
        latencies.push(one.elapsed());
    }
    Ok((start.elapsed(), latencies))
}
