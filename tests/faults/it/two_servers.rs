//! Issue 14: the release attacks of issue 11 in two-server mode, against the
//! real binaries: the organisation's server (`serve`) and a helper
//! (`helper-serve`) on their own databases, linked by the administrators'
//! commands. Devices send their reports as shares made from the helper key
//! the server hands out. The attacks: reading a collecting week, a small
//! team beside a large one (the small team is withheld and the department
//! minus the large team gives nothing), a leader whose k was lowered after
//! pairing (nothing is published), and the operator differencing copies of
//! the leader's database taken after each report (one report's share reads
//! as nothing).

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, ensure};
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_faults::calendar;
use polso_faults::reports::{asked_items, report};
use polso_faults::server::{RunningServer, admin, cell_of, invite, organisation, post_json, read_aggregates};
use polso_faults::two_server::{HelperSide, Mode, send_report, shares_of};
use polso_server::ServerStore;
use polso_vdaf::WeekLayout;
use serde_json::{Value, json};

/// An organisation of one department with a large team (10 devices) and a
/// small one (3), linked to a helper from [`calendar::week`]; devices
/// enrolled; `k` set before linking when given (the helper pins it).
struct TwoServers {
    _directory: tempfile::TempDir,
    database: std::path::PathBuf,
    helper: HelperSide,
    organisation_id: String,
    teams: Vec<String>,
    department: String,
    hr_token: String,
    /// (team index, device token)
    devices: Vec<(usize, String)>,
    output: Arc<Mutex<Vec<u8>>>,
}

impl TwoServers {
    fn new(name: &str, sizes: &[usize]) -> Result<TwoServers> {
        TwoServers::pinning(name, sizes, None)
    }

    /// [`TwoServers::new`] with every team's head-count `pinned` when the
    /// helper is paired, and raised back to the suite's head-count on the
    /// organisation's server right after (by its operator, say).
    fn pinning(name: &str, sizes: &[usize], pinned: Option<u32>) -> Result<TwoServers> {
        let directory = tempfile::tempdir()?;
        let database = directory.path().join("server.db");
        let organisation = organisation(&database, name, 1, sizes.len())?;
        admin(&database, &["set-dp", "--organisation", &organisation.id, "--off"])?;
        let hr_token = admin(&database, &["create-hr-token", "--organisation", &organisation.id])?;
        let teams: Vec<String> = organisation.teams.iter().map(|(_, team)| team.clone()).collect();
        let set_headcounts = |headcount: u32| -> Result<()> {
            for team in &teams {
                admin(&database, &["set-headcount", "--team", team, &headcount.to_string()])?;
            }
            Ok(())
        };
        if let Some(pinned) = pinned {
            set_headcounts(pinned)?;
        }
        let helper = HelperSide::link(&database, directory.path(), &organisation.id, calendar::week())?;
        if pinned.is_some() {
            set_headcounts(polso_faults::server::TEAM_HEADCOUNT)?;
        }
        let output = Arc::new(Mutex::new(Vec::new()));
        let server =
            RunningServer::start_at(&database, output.clone(), calendar::enrolment_time(calendar::week()))?;
        let mut devices = Vec::new();
        for (index, size) in sizes.iter().enumerate() {
            let code = invite(&database, &teams[index], *size)?;
            for _ in 0..*size {
                let (status, body) = post_json(
                    &server.url,
                    "/v1/enrol",
                    None,
                    &json!({"wire_version": 1, "invite_code": code}),
                )?;
                ensure!(status == 201, "enrolment: {status} {body}");
                devices.push((index, body["device_token"].as_str().context("a token")?.to_owned()));
            }
        }
        server.kill();
        Ok(TwoServers {
            _directory: directory,
            database,
            helper,
            organisation_id: organisation.id,
            teams,
            department: organisation.departments[0].clone(),
            hr_token,
            devices,
            output,
        })
    }

    /// Every device sends its report as shares, with the server's clock in the week after.
    fn send_all(&self) -> Result<()> {
        let week = calendar::week();
        let server =
            RunningServer::start_at(&self.database, self.output.clone(), calendar::reporting_time(week))?;
        let seed =
            polso_server::SqliteServerStore::open(&self.database)?.organisation(&self.organisation_id)?.seed;
        for (position, (_, token)) in self.devices.iter().enumerate() {
            let answers: Vec<(String, u8)> = asked_items(seed, week)
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    let value =
                        item.min + ((position * 3 + index) % usize::from(item.max - item.min + 1)) as u8;
                    (item.id.clone(), value)
                })
                .collect();
            let (status, answer) = send_report(
                Mode::TwoServers,
                &server.url,
                &self.database,
                &self.organisation_id,
                token,
                &report(week, &answers),
            )?;
            ensure!(status == 200 && answer["status"] == "accepted", "{status} {answer}");
        }
        server.kill();
        Ok(())
    }

    fn read(&self, server: &RunningServer, unit: &str, key: &str, week: IsoWeek) -> Result<Value> {
        read_aggregates(&server.url, &self.hr_token, unit, key, week)
    }
}

#[test]
fn in_two_server_mode_a_small_team_is_withheld_and_cannot_be_had_by_subtraction() -> Result<()> {
    let setting = TwoServers::new("Due Server Srl", &[10, 3])?;
    let week = calendar::week();
    setting.send_all()?;
    let seed = polso_server::SqliteServerStore::open(&setting.database)?
        .organisation(&setting.organisation_id)?
        .seed;

    // While the week collects (the helper up), nothing of it is served.
    let _helper = setting.helper.start(calendar::publication_time(week))?;
    let server =
        RunningServer::start_at(&setting.database, setting.output.clone(), calendar::reporting_time(week))?;
    let item = asked_items(seed, week).remove(0);
    let collecting = setting.read(&server, "team", &item.id, week)?;
    ensure!(
        collecting["cells"]
            .as_array()
            .is_some_and(|cells| cells.iter().all(|cell| cell["released"] == false)),
        "a collecting week is served: {collecting}"
    );
    let server = server.restart_at(calendar::after_publication(week))?;
    let (large, small) = (&setting.teams[0], &setting.teams[1]);
    let mut released = 0;
    for item in asked_items(seed, week) {
        let teams = setting.read(&server, "team", &item.id, week)?;
        ensure!(teams["published_through"] == week.to_string(), "{} not published: {teams}", item.id);
        let departments = setting.read(&server, "department", &item.id, week)?;
        let small_cell = cell_of(&teams, small)?;
        ensure!(small_cell["released"] == false, "{}: the small team is released: {small_cell}", item.id);
        let large_cell = cell_of(&teams, large)?;
        let department = cell_of(&departments, &setting.department)?;
        ensure!(
            !(large_cell["released"] == true && department["released"] == true),
            "{}: the department minus the large team gives the small team: {department} {large_cell}",
            item.id
        );
        released += usize::from(large_cell["released"] == true) + usize::from(department["released"] == true);
    }
    ensure!(released > 0, "nothing released at all: the attack test would pass on a broken publication");
    server.kill();
    Ok(())
}

#[test]
fn in_two_server_mode_a_leader_whose_k_was_lowered_after_pairing_publishes_nothing() -> Result<()> {
    let setting = TwoServers::new("K Abbassato Srl", &[4])?;
    let week = calendar::week();
    // Before any report: allowed by the organisation's server, not by the helper's pinned k.
    admin(&setting.database, &["set-k", "--organisation", &setting.organisation_id, "3"])?;
    setting.send_all()?;
    let _helper = setting.helper.start(calendar::publication_time(week))?;
    let server = RunningServer::start_at(
        &setting.database,
        setting.output.clone(),
        calendar::after_publication(week),
    )?;
    let seed = polso_server::SqliteServerStore::open(&setting.database)?
        .organisation(&setting.organisation_id)?
        .seed;
    let item = asked_items(seed, week).remove(0);
    let table = setting.read(&server, "team", &item.id, week)?;
    ensure!(table["published_through"].is_null(), "a week published against the helper's k: {table}");
    ensure!(
        table["cells"].as_array().is_some_and(|cells| cells.iter().all(|cell| cell["released"] == false)),
        "{table}"
    );
    let log = setting.helper.log()?;
    ensure!(
        log.contains("0 cells released") || log.is_empty(),
        "the helper released cells below its k: {log}"
    );
    server.kill();
    Ok(())
}

/// Sybils of the leader, against the real binaries: the helper was paired
/// with a team of six, the organisation's operator then raised the team's
/// head-count on its own server and ten devices report. The helper verifies
/// six (`helper-log`), and no released cell counts more than six reports.
#[test]
fn in_two_server_mode_no_team_week_counts_more_reports_than_the_pinned_headcount() -> Result<()> {
    let setting = TwoServers::pinning("Sosia Srl", &[10], Some(6))?;
    let week = calendar::week();
    setting.send_all()?;
    let seed = polso_server::SqliteServerStore::open(&setting.database)?
        .organisation(&setting.organisation_id)?
        .seed;
    let _helper = setting.helper.start(calendar::after_publication(week))?;
    let server = RunningServer::start_at(
        &setting.database,
        setting.output.clone(),
        calendar::after_publication(week),
    )?;
    let mut counts = Vec::new();
    for item in asked_items(seed, week) {
        for unit in ["team", "department", "organisation"] {
            let table = setting.read(&server, unit, &item.id, week)?;
            ensure!(table["published_through"] == week.to_string(), "{} not published: {table}", item.id);
            counts.extend(
                table["cells"].as_array().into_iter().flatten().filter_map(|cell| cell["n"].as_u64()),
            );
        }
    }
    ensure!(counts.contains(&6) && counts.iter().all(|n| *n <= 6), "released counts {counts:?}");
    let log = setting.helper.log()?;
    ensure!(log.contains("from 6 reports"), "the helper's log: {log}");
    server.kill();
    Ok(())
}

/// How many reports the leader's database holds not yet verified with the helper.
fn pending_in_copy(database: &Path) -> Result<usize> {
    let connection = rusqlite::Connection::open(database)?;
    Ok(connection.query_row("SELECT count(*) FROM shared_pending", [], |row| row.get::<_, i64>(0))? as usize)
}

/// The operator with a copy of the leader's database, taken after each
/// report was verified and added to the sums: the difference of two copies
/// is one report's share, which reads as nothing. With one server the same
/// difference is the report itself (issue 11's threat model); here no cell's
/// count even reads as the 0 or 1 one report adds.
#[test]
fn in_two_server_mode_copies_of_the_leaders_database_difference_to_nothing() -> Result<()> {
    use polso_vdaf::{Share, WeekShares};

    let setting = TwoServers::new("Copie Srl", &[6])?;
    let week = calendar::week();
    let _helper = setting.helper.start(calendar::publication_time(week))?;
    let store = polso_server::SqliteServerStore::open(&setting.database)?;
    let organisation = store.organisation(&setting.organisation_id)?;
    drop(store);
    let bank = ItemBank::embedded();
    let schedule = Schedule::with_plan(bank, organisation.seed, &organisation.questionnaire);
    let layout = WeekLayout::new(bank, &schedule, week).map_err(|error| anyhow::anyhow!("{error}"))?;
    let team = setting.teams[0].clone();
    let sums_of = |database: &Path| -> Result<Option<WeekShares>> {
        let connection = rusqlite::Connection::open(database)?;
        let bytes: Option<Vec<u8>> = connection
            .query_row("SELECT shares FROM shared_sums WHERE team_id = ?1", [&team], |row| row.get(0))
            .ok();
        bytes
            .map(|bytes| WeekShares::from_bytes(&layout, &bytes).map_err(|error| anyhow::anyhow!("{error}")))
            .transpose()
    };
    let mut server =
        RunningServer::start_at(&setting.database, setting.output.clone(), calendar::reporting_time(week))?;
    let mut before = None;
    let mut differences = 0;
    for (position, (_, token)) in setting.devices.iter().enumerate() {
        let answers: Vec<(String, u8)> = asked_items(organisation.seed, week)
            .iter()
            .map(|item| (item.id.clone(), if position % 2 == 0 { item.min } else { item.max }))
            .collect();
        let shares = shares_of(
            &server.url,
            &setting.database,
            &setting.organisation_id,
            token,
            &report(week, &answers),
        )?;
        let (status, answer) = post_json(&server.url, "/v1/shared-reports", Some(token), &shares)?;
        ensure!(status == 200, "{answer}");
        // A restart verifies what is pending at once (the publication task's first pass).
        server = server.restart_at(calendar::reporting_time(week))?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while pending_in_copy(&setting.database)? > 0 {
            ensure!(std::time::Instant::now() < deadline, "the report was never verified with the helper");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // The operator's copy, and its difference with the previous one.
        let after = sums_of(&setting.database)?.context("no sums after a verified report")?;
        ensure!(after.reports() == position as u64 + 1, "{} reports summed", after.reports());
        if let Some(before) = before.replace(after.clone()) {
            let (left, right): (Vec<Vec<Share>>, Vec<Vec<Share>>) =
                (WeekShares::cell_shares(&after, &layout), WeekShares::cell_shares(&before, &layout));
            for (cell, (now, then)) in layout.cells().iter().zip(left.iter().zip(&right)) {
                let n = *now.first().context("a count")? + then.first().context("a count")?.times(-1);
                let read = Share::reveal(n, Share::zero());
                ensure!(
                    !matches!(read, Ok(0) | Ok(1)),
                    "{}: two copies of the leader's database give one report's count ({read:?})",
                    cell.key().label()
                );
                differences += 1;
            }
        }
    }
    ensure!(differences > 0, "no difference was taken");
    server.kill();
    Ok(())
}
