//! Issue 19: a power cut while the server ingests reports. The server's
//! SQLite store (`SqliteServerStore::open`: WAL, `synchronous=FULL`, the
//! group-commit writer) sits on the power-cut VFS ([`PowerCutDirectory`]),
//! and devices' reports go through the server's own Router in process
//! (`POST /v1/reports`, as the binary serves it); a report answered
//! `200 accepted` is acknowledged. For every report and every sync its
//! ingestion makes (the commit, the checkpoint after it), one run cuts the
//! power at that sync, and one more cuts it right after the answer. The file
//! is then reopened with the ordinary VFS, and: `PRAGMA integrity_check` is
//! `ok`; the week's sums (n, sum, sum of squares, histogram of every team and
//! key) and the receipts are exactly those of the acknowledged reports, or of
//! those and the interrupted one whole, never a part of it. Every report is
//! then sent again to the reopened server, as devices retry: each
//! acknowledged one is answered `duplicate`, the interrupted one is counted
//! if it was lost, and the sums end equal to every report counted once.
//!
//! Mutation checked (issue 19): the test fails with `synchronous=OFF` in the
//! server's `open_connection` (an acknowledged report is lost at the cut after
//! it), with the group commit answering its reports before the commit (an
//! acknowledged report is lost at the commit's sync), and with the receipt
//! check removed from the fold (a report sent again is counted twice).
//!
//! PostgreSQL cannot run on an SQLite VFS; see the fault suite's README for
//! what covers it.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use polso_api::WIRE_VERSION;
use polso_faults::calendar::{enrolment_time, reporting_time, week};
use polso_faults::reports::full_report;
use polso_faults::scale;
use polso_server::store::TeamAggregate;
use polso_server::{AppState, FixedClock, ServerConfig, ServerStore, SqliteServerStore, admin};
use polso_test_support::power_cut::PowerCutDirectory;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The database file's name in every directory.
const DATABASE: &str = "server.db";

/// A server database set up once (an organisation of two teams and its
/// enrolled devices), copied into each run.
struct Template {
    directory: tempfile::TempDir,
    /// Each device's report of [`week`], in the order they are sent.
    reports: Vec<(String, Value)>,
    organisation_id: String,
}

impl Template {
    fn new(runtime: &tokio::runtime::Runtime, devices: usize) -> Result<Template> {
        let directory = tempfile::tempdir()?;
        let store = Arc::new(SqliteServerStore::open(&directory.path().join(DATABASE))?);
        let organisation = admin::init_organisation(store.as_ref(), "Power cut")?;
        let department = admin::add_department(store.as_ref(), &organisation.id, "Operations")?;
        let teams = [
            admin::add_team_with_headcount(store.as_ref(), &department, "North", 100)?,
            admin::add_team_with_headcount(store.as_ref(), &department, "South", 100)?,
        ];
        let mut reports = Vec::new();
        for device in 0..devices {
            let code =
                admin::create_invite(store.as_ref(), &teams[device % 2], enrolment_time(week()), 7, 1)?;
            let enrol = json!({"wire_version": WIRE_VERSION, "invite_code": code});
            // A Router of its own per device: each has its own enrolment rate limit.
            let enrolling = router(&store, enrolment_time(week()));
            let (status, body) = runtime.block_on(send(&enrolling, "/v1/enrol", None, &enrol))?;
            ensure!(status == StatusCode::CREATED, "enrolment: {status} {body}");
            let token = body["device_token"].as_str().context("no device token")?.to_owned();
            let report = full_report(organisation.seed, week(), |item| {
                let span = u64::from(item.max - item.min) + 1;
                let spread = (device as u64 * 7 + item.id.len() as u64) % span;
                item.min + u8::try_from(spread).unwrap_or(0)
            });
            reports.push((token, report));
        }
        drop(store);
        Ok(Template { directory, reports, organisation_id: organisation.id })
    }

    /// The template's files copied into `directory`.
    fn copy_into(&self, directory: &std::path::Path) -> Result<std::path::PathBuf> {
        for entry in std::fs::read_dir(self.directory.path())? {
            let entry = entry?;
            std::fs::copy(entry.path(), directory.join(entry.file_name()))?;
        }
        Ok(directory.join(DATABASE))
    }
}

/// The server's Router on `store` with its clock at `now`.
fn router(store: &Arc<SqliteServerStore>, now: chrono::DateTime<chrono::Utc>) -> Router {
    let store: Arc<dyn ServerStore> = store.clone();
    polso_server::app(AppState::new(store, Arc::new(FixedClock::new(now)), ServerConfig::default()))
}

/// Posts `body` to `path` through `app`, with `token` as the bearer.
async fn send(app: &Router, path: &str, token: Option<&str>, body: &Value) -> Result<(StatusCode, Value)> {
    let mut request =
        Request::post(path).header(header::CONTENT_TYPE, "application/json").header(header::ACCEPT, "*/*");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = app.clone().oneshot(request.body(Body::from(serde_json::to_vec(body)?))?).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
}

/// Sends report `index` of `template`; its answer's status word (`accepted`,
/// `duplicate`) when the server answered 200, `None` otherwise.
fn send_report(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    template: &Template,
    index: usize,
) -> Result<Option<String>> {
    let (token, report) = &template.reports[index];
    let (status, body) = runtime.block_on(send(app, "/v1/reports", Some(token), report))?;
    Ok((status == StatusCode::OK).then(|| body["status"].as_str().unwrap_or_default().to_owned()))
}

/// The week's sums, every team and key, in a set order; and the receipts.
fn tally(store: &SqliteServerStore, path: &std::path::Path, template: &Template) -> Result<Tally> {
    let mut sums = store.team_aggregates(&template.organisation_id, None, week()..=week())?;
    sums.sort_by(|a, b| (&a.team_id, &a.key).cmp(&(&b.team_id, &b.key)));
    let receipts: i64 = rusqlite::Connection::open(path)?.query_row(
        "SELECT count(*) FROM report_receipts WHERE organisation_id = ?1 AND week_index = ?2",
        rusqlite::params![template.organisation_id, week().index()],
        |row| row.get(0),
    )?;
    Ok(Tally { sums, receipts })
}

#[derive(Debug, Clone, PartialEq)]
struct Tally {
    sums: Vec<TeamAggregate>,
    receipts: i64,
}

impl Tally {
    fn summary(&self) -> String {
        let counted: u32 = self.sums.iter().map(|aggregate| aggregate.n).max().unwrap_or(0);
        format!("{} receipts, at most {counted} reports in a cell, {} cells", self.receipts, self.sums.len())
    }
}

/// A run without a cut, on the power-cut VFS: the tally before any report
/// and after each, and how many syncs each report's ingestion made.
fn reference_run(runtime: &tokio::runtime::Runtime, template: &Template) -> Result<(Vec<Tally>, Vec<u64>)> {
    let directory = tempfile::tempdir()?;
    let path = template.copy_into(directory.path())?;
    let disk = PowerCutDirectory::new(directory.path())?;
    let store = Arc::new(SqliteServerStore::open(&path)?);
    let app = router(&store, reporting_time(week()));
    let mut tallies = vec![tally(&store, &path, template)?];
    let mut syncs = Vec::new();
    for index in 0..template.reports.len() {
        let before = disk.syncs();
        let answer = send_report(runtime, &app, template, index)?;
        ensure!(answer.as_deref() == Some("accepted"), "report {index} of the reference run: {answer:?}");
        syncs.push(disk.syncs() - before);
        tallies.push(tally(&store, &path, template)?);
    }
    Ok((tallies, syncs))
}

/// One run: reports before `interrupted` acknowledged, then the power cut at
/// the `cut_at`-th sync of report `interrupted` (right after its answer when
/// `None`); the file then reopened and checked against `tallies`.
fn run_with_a_cut(
    runtime: &tokio::runtime::Runtime,
    template: &Template,
    tallies: &[Tally],
    interrupted: usize,
    cut_at: Option<u64>,
) -> Result<()> {
    let directory = tempfile::tempdir()?;
    let path = template.copy_into(directory.path())?;
    let disk = PowerCutDirectory::new(directory.path())?;
    let store = Arc::new(SqliteServerStore::open(&path)?);
    let app = router(&store, reporting_time(week()));
    for index in 0..interrupted {
        let answer = send_report(runtime, &app, template, index)?;
        ensure!(answer.as_deref() == Some("accepted"), "report {index} before the cut: {answer:?}");
    }
    if let Some(n) = cut_at {
        disk.cut_at_sync(n);
    }
    let answer = send_report(runtime, &app, template, interrupted)?;
    let acknowledged = answer.is_some();
    match cut_at {
        Some(n) => ensure!(disk.was_cut(), "report {interrupted}'s ingestion made fewer than {n} syncs"),
        None => {
            ensure!(answer.as_deref() == Some("accepted"), "report {interrupted} without a cut: {answer:?}");
            disk.cut();
        }
    }
    // Every connection closed (the writer's thread joined) before the files
    // are reopened: the power is off and the process gone.
    drop(app);
    drop(Arc::into_inner(store).context("the store is still shared")?);
    drop(disk);

    let integrity: String =
        rusqlite::Connection::open(&path)?.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    ensure!(integrity == "ok", "integrity_check: {integrity}");
    let store = Arc::new(SqliteServerStore::open(&path)?);
    let found = tally(&store, &path, template)?;
    let (without, with) = (&tallies[interrupted], &tallies[interrupted + 1]);
    let interrupted_is_there = found == *with;
    if !interrupted_is_there {
        ensure!(
            !acknowledged,
            "after the cut: {}; the acknowledged reports give {}",
            found.summary(),
            with.summary()
        );
        ensure!(
            found == *without,
            "after the cut: {}; neither the acknowledged reports ({}) nor those and the interrupted one ({})",
            found.summary(),
            without.summary(),
            with.summary()
        );
    }

    // The devices send again: what was acknowledged is a duplicate, the
    // interrupted report is counted once.
    let app = router(&store, reporting_time(week()));
    for index in 0..=interrupted {
        let answer = send_report(runtime, &app, template, index)?;
        let expected = if index == interrupted && !interrupted_is_there { "accepted" } else { "duplicate" };
        ensure!(answer.as_deref() == Some(expected), "report {index} sent again: {answer:?}, not {expected}");
    }
    let after_resending = tally(&store, &path, template)?;
    ensure!(
        after_resending == *with,
        "after sending every report again: {}, not {}",
        after_resending.summary(),
        with.summary()
    );
    Ok(())
}

#[test]
fn a_power_cut_at_any_sync_of_a_report_keeps_every_acknowledged_report_once() -> Result<()> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let template = Template::new(&runtime, scale(5, 40))?;
    let (tallies, syncs) = reference_run(&runtime, &template)?;
    let mut runs = 0;
    for (interrupted, &report_syncs) in syncs.iter().enumerate() {
        for cut_at in (1..=report_syncs).map(Some).chain([None]) {
            runs += 1;
            run_with_a_cut(&runtime, &template, &tallies, interrupted, cut_at).with_context(|| {
                let when = cut_at.map_or("right after its answer".to_owned(), |n| {
                    format!("at its sync {n} of {report_syncs}")
                });
                format!("report {interrupted}, power cut {when}")
            })?;
        }
    }
    let cuts_within_reports: u64 = syncs.iter().sum();
    eprintln!(
        "server power cut: {} reports, {runs} runs, {cuts_within_reports} of them cut at a report's sync, \
         every acknowledged report counted once ({:.1} s)",
        template.reports.len(),
        started.elapsed().as_secs_f64()
    );
    ensure!(
        cuts_within_reports >= template.reports.len() as u64,
        "the reports made fewer syncs than reports: {syncs:?}"
    );
    Ok(())
}
