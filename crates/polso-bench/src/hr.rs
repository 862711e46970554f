//! Benchmark 5, HR queries: an organisation of `teams` teams of 20 employees
//! with `weeks` weeks of sums, published, then read through the real
//! server's `/v1/aggregates` the way the HR view reads it, against raw SQL
//! reading the same published cells from the same database.
//!
//! - Heatmap: `GET /v1/heatmap` of two 26-week periods (the longest HR can
//!   ask), which the server shapes from the last 52 weeks' published cells of
//!   every team, department and the organisation: what HR's app draws.
//! - Trend: one request per metric at the organisation level over all weeks
//!   (the overview's series, here over three years).
//!
//! The sums are seeded straight into the server's `aggregates` table with
//! the values folding 20 reports per team and week would leave (n, sum, sum
//! of squares, histogram), for the keys the schedule asks each week: folding
//! 15.6 million reports one by one would take far longer than the queries.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::Utc;
use polso_bench::{SplitMix64, millis};
use polso_core::bank::ItemBank;
use polso_core::{IsoWeek, Metric};
use polso_server::privacy::METRIC_HISTOGRAM_BINS;
use polso_server::report::{item_key, metric_key};
use rusqlite::params;
use serde_json::{Value, json};

use crate::world::{Connected, Database, RunningServer, Store, World, asked_keys, http_agent};

/// Employees per team.
const EMPLOYEES_PER_TEAM: usize = 20;

/// Weeks the heatmap reads.
const HEATMAP_WEEKS: i64 = 52;

/// Timed repetitions of each query set; the median is reported.
const REPEATS: usize = 3;

/// Seeds, then times both query sets on both sides; returns the figures as JSON.
pub fn run(n_teams: usize, weeks: i64, store: Store, server_binary: &Path, work_dir: &Path) -> Result<Value> {
    let last = IsoWeek::containing(Utc::now().date_naive()).previous();
    let first = last.plus_weeks(1 - weeks);
    let store_name = format!("{store:?}").to_lowercase();
    let database = Database::fresh(store, work_dir, &format!("hr-{n_teams}"))?;
    let seed_start = Instant::now();
    let world = World::create(&database, n_teams)?;
    let rows = seed_sums(&world, first, last)?;
    world.check()?;
    let seed_seconds = seed_start.elapsed().as_secs_f64();
    let metrics: Vec<Metric> = Metric::ALL.to_vec();
    let heatmap_from = last.plus_weeks(1 - HEATMAP_WEEKS.min(weeks));

    // Every week published in process, as the server's background pass would
    // (not timed with the reads: a week is published once, and read often).
    let window = polso_core::collection::CollectionWindow {
        announced_max_delay_seconds: polso_server::ServerConfig::default().max_random_delay_seconds,
        acceptance_seconds: polso_server::ServerConfig::default().acceptance_seconds,
    };
    let published_at = window.publication_at(last) + chrono::Duration::hours(1);
    let publication_start = Instant::now();
    {
        let store = database.open_store()?;
        let settings = polso_server::ServerConfig::default().publication();
        polso_server::publish::Publisher::default().publish_all_due(
            store.as_ref(),
            settings,
            published_at,
        )?;
        anyhow::ensure!(
            store.last_published_week(&world.organisation.id)? == Some(last),
            "the weeks were not all published"
        );
    }
    let publication_seconds = publication_start.elapsed().as_secs_f64();

    // The baseline first, on a cold server-free database, then warm: raw SQL
    // reading the published cells the server serves.
    let mut connection = database.connect()?;
    connection.settle()?;
    // The heatmap's rows are every unit's (nearly all of them teams); the
    // trend's, the organisation's alone.
    let organisation_id = world.organisation.id.clone();
    let mut raw = |from: IsoWeek, unit: Option<&str>| -> Result<usize> {
        let mut read = 0;
        for metric in &metrics {
            read += raw_rows(&mut connection, &organisation_id, metric.key(), from, last, unit)?;
        }
        Ok(read)
    };
    raw(first, None)?;
    let (raw_heatmap, raw_heatmap_rows) = median_of(|| raw(heatmap_from, None))?;
    let (raw_trend, raw_trend_rows) = median_of(|| raw(first, Some(&organisation_id)))?;
    drop(connection);

    // Where the time goes: the store's read path alone, in process, no HTTP.
    let store = database.open_store()?;
    let units = [world.organisation.id.clone()];
    let through_store = |from: IsoWeek, of_organisation: bool| -> Result<usize> {
        let mut read = 0;
        for metric in &metrics {
            read += if of_organisation {
                store
                    .published_cells_of_units(&world.organisation.id, metric.key(), from..=last, &units)?
                    .len()
            } else {
                store.published_cells(&world.organisation.id, metric.key(), from..=last)?.len()
            };
        }
        Ok(read)
    };
    let (store_heatmap, _) = median_of(|| through_store(heatmap_from, false))?;
    let (store_trend, _) = median_of(|| through_store(first, true))?;
    drop(store);

    // The server just after the last week's publication, whatever day the
    // benchmark runs: every week it reads is published, none is due.
    let server_now = published_at.to_rfc3339();
    let server = RunningServer::start_with(
        server_binary,
        &database,
        &work_dir.join(format!("hr-{n_teams}.log")),
        &["--now", &server_now],
    )?;
    let agent = http_agent();
    // One GET as HR, its body read whole: the server's work ends where the body does.
    let get = |url: &str| -> Result<String> {
        let mut response = agent
            .get(url)
            .header("Authorization", &format!("Bearer {}", world.hr_token))
            .call()
            .with_context(|| format!("GET {url}"))?;
        let status = response.status().as_u16();
        let body = response.body_mut().with_config().limit(1 << 30).read_to_string()?;
        anyhow::ensure!(status == 200, "GET {url}: {status} {}", &body[..body.len().min(300)]);
        Ok(body)
    };
    // Counted, not parsed.
    let query = |unit: &str, from: IsoWeek| -> Result<usize> {
        let mut cells = 0;
        for metric in &metrics {
            let url = format!(
                "{}/v1/aggregates?unit={unit}&key={}&from={from}&to={last}",
                server.base_url,
                metric.key()
            );
            cells += get(&url)?.matches("\"unit_kind\"").count();
        }
        Ok(cells)
    };
    // The heatmap as HR's app reads it: one request, the server shaping the
    // two periods of 26 weeks from the same published cells the baseline reads.
    let period_weeks = HEATMAP_WEEKS.min(weeks) / 2;
    let heatmap = || -> Result<usize> {
        let url = format!("{}/v1/heatmap?period_weeks={period_weeks}&to={last}", server.base_url);
        Ok(get(&url)?.matches("\"metric\"").count())
    };
    query("organisation", first)?;
    let (polso_heatmap, heatmap_cells) = median_of(heatmap)?;
    let (polso_trend, trend_cells) = median_of(|| query("organisation", first))?;
    let server_peak = server.peak_memory_mib();
    server.stop();
    let database_mib = match &database {
        Database::Sqlite(path) => {
            std::fs::metadata(path).map(|meta| meta.len() as f64 / 1048576.0).unwrap_or(0.0)
        }
        Database::Postgres { .. } => {
            database.connect()?.count("SELECT pg_database_size(current_database())")? as f64 / 1048576.0
        }
    };
    database.remove();

    Ok(json!({
        "store": store_name,
        "teams": n_teams,
        "employees": n_teams * EMPLOYEES_PER_TEAM,
        "weeks": weeks,
        "aggregate_rows": rows,
        "database_mib": database_mib,
        "seed_seconds": seed_seconds,
        "publication_seconds": publication_seconds,
        "server_peak_memory_mib": server_peak,
        "heatmap": {"polso_ms": millis(polso_heatmap), "baseline_ms": millis(raw_heatmap),
                    "store_ms": millis(store_heatmap),
                    "cells": heatmap_cells, "rows": raw_heatmap_rows},
        "trend": {"polso_ms": millis(polso_trend), "baseline_ms": millis(raw_trend),
                  "store_ms": millis(store_trend),
                  "cells": trend_cells, "rows": raw_trend_rows},
    }))
}

/// Runs `work` [`REPEATS`] times; the median time and the last result.
fn median_of(mut work: impl FnMut() -> Result<usize>) -> Result<(Duration, usize)> {
    let mut times = Vec::new();
    let mut result = 0;
    for _ in 0..REPEATS {
        let start = Instant::now();
        result = work()?;
        times.push(start.elapsed());
    }
    times.sort_unstable();
    Ok((times[times.len() / 2], result))
}

/// A published cell as read raw from PostgreSQL: unit, week, n, mean, sd, histogram.
type PublishedRow = (String, i64, i64, f64, Option<f64>, Option<Vec<i64>>);

/// The raw read: the published cells of one key over the weeks, of every
/// unit or of `unit` alone, decoded.
fn raw_rows(
    connection: &mut Connected,
    organisation_id: &str,
    key: &str,
    from: IsoWeek,
    to: IsoWeek,
    unit: Option<&str>,
) -> Result<usize> {
    match connection {
        Connected::Sqlite(connection) => {
            let mut statement = connection.prepare_cached(
                "SELECT unit_id, week_index, n, mean, sd, histogram FROM published_cells
                 WHERE organisation_id = ?1 AND key = ?2 AND week_index BETWEEN ?3 AND ?4
                   AND (?5 IS NULL OR unit_id = ?5)",
            )?;
            let rows = statement
                .query_map(params![organisation_id, key, from.index(), to.index(), unit], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, u32>(2)?,
                        row.get::<_, f64>(3)?,
                        row.get::<_, Option<f64>>(4)?,
                        row.get::<_, Option<String>>(5)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows.len())
        }
        Connected::Postgres(client) => {
            let rows = client.query(
                "SELECT unit_id, week_index, n, mean, sd, histogram FROM published_cells
                 WHERE organisation_id = $1 AND key = $2 AND week_index BETWEEN $3 AND $4
                   AND ($5::TEXT IS NULL OR unit_id = $5)",
                &[&organisation_id, &key, &from.index(), &to.index(), &unit],
            )?;
            let decoded: Vec<PublishedRow> = rows
                .iter()
                .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5)))
                .collect();
            Ok(decoded.len())
        }
    }
}

/// Writes each team's sums for every week in `first..=last` and every key the
/// schedule asks that week; returns the number of rows.
fn seed_sums(world: &World<'_>, first: IsoWeek, last: IsoWeek) -> Result<usize> {
    match world.database.connect()? {
        Connected::Sqlite(mut connection) => {
            connection.pragma_update(None, "synchronous", "OFF")?;
            let transaction = connection.transaction()?;
            let rows = {
                let mut insert = transaction.prepare(
                    "INSERT INTO aggregates (team_id, week_index, key, n, sum, sum_squares, histogram)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                each_sum(world, first, last, |team, week_index, key, sum, sum_squares, histogram| {
                    insert.execute(params![
                        team,
                        week_index,
                        key,
                        EMPLOYEES_PER_TEAM as u32,
                        sum,
                        sum_squares,
                        serde_json::to_string(histogram)?
                    ])?;
                    Ok(())
                })?
            };
            transaction.commit()?;
            Ok(rows)
        }
        Connected::Postgres(mut client) => {
            // COPY in PostgreSQL's text format: millions of rows in seconds.
            use std::io::Write;
            let mut writer = std::io::BufWriter::with_capacity(
                1 << 20,
                client.copy_in(
                    "COPY aggregates (team_id, week_index, key, n, sum, sum_squares, histogram) FROM STDIN",
                )?,
            );
            let rows = each_sum(world, first, last, |team, week_index, key, sum, sum_squares, histogram| {
                let counts: Vec<String> = histogram.iter().map(u32::to_string).collect();
                writeln!(
                    writer,
                    "{team}\t{week_index}\t{key}\t{EMPLOYEES_PER_TEAM}\t{sum:?}\t{sum_squares:?}\t{{{}}}",
                    counts.join(",")
                )?;
                Ok(())
            })?;
            writer.into_inner().map_err(|error| anyhow::anyhow!("{error}"))?.finish()?;
            Ok(rows)
        }
    }
}

/// Calls `write` with each team's sums (team, week index, key, sum, sum of
/// squares, histogram) for every week in `first..=last` and every key the
/// schedule asks that week; returns the number of rows.
fn each_sum(
    world: &World<'_>,
    first: IsoWeek,
    last: IsoWeek,
    mut write: impl FnMut(&str, i64, &str, f64, f64, &[u32]) -> Result<()>,
) -> Result<usize> {
    let bank = ItemBank::embedded();
    let schedule = world.schedule();
    let mut random = SplitMix64::new(5);
    let mut rows = 0;
    {
        for week_index in first.index()..=last.index() {
            let week = IsoWeek::from_index(week_index);
            let (items, metrics) = asked_keys(&schedule, week);
            let mut keys: Vec<(String, u8, usize)> = Vec::new();
            for id in &items {
                let item = bank.item(id).context("a scheduled item is in the bank")?;
                let scale = bank.scale_of(item);
                keys.push((item_key(id), scale.min, usize::from(scale.max - scale.min) + 1));
            }
            for metric in &metrics {
                keys.push((metric_key(*metric), 0, METRIC_HISTOGRAM_BINS));
            }
            for team in &world.teams {
                for (key, min, n_bins) in &keys {
                    let mut histogram = vec![0u32; *n_bins];
                    let (mut sum, mut sum_squares) = (0.0, 0.0);
                    for _ in 0..EMPLOYEES_PER_TEAM {
                        let (value, bin) = if key.starts_with("item:") {
                            let offset = random.between(0, (*n_bins - 1) as u8);
                            (f64::from(*min + offset), usize::from(offset))
                        } else {
                            let score = (random.next_f64() * 100.0 * 4.0).round() / 4.0;
                            (score, ((score / 10.0).floor() as usize).min(METRIC_HISTOGRAM_BINS - 1))
                        };
                        histogram[bin] += 1;
                        sum += value;
                        sum_squares += value * value;
                    }
                    write(team, week_index, key, sum, sum_squares, &histogram)?;
                    rows += 1;
                }
            }
        }
    }
    Ok(rows)
}
