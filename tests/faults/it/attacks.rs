//! Issue 7, points 7 and 8: attacks on anonymity and on secrets, against the
//! real server binary fed by real devices (`Desktop` over encrypted stores).
//!
//! The organisation has two departments of two teams each: 6, 2, 7 and 5
//! devices; in the second week one device of the last team does not answer.
//! The calendar is issue 11's (see `polso_faults::calendar`): the devices
//! enrol with the server's clock in the first week, report each week in the
//! week after it, and HR reads once both weeks are published. The
//! organisation has differential privacy on, as `init-org` makes it.
//!
//! While the second week's reports arrive, HR polls after each one: every
//! read is the same and shows nothing of the week still collecting, so
//! subtracting consecutive reads gives nothing (it gave each report before).
//! Once it is published, HR tries, with every query shape the API allows:
//! - filtering down to the small team (with and without `unit_id`);
//! - differencing across the hierarchy: every released team, department and
//!   organisation cell of a week becomes a linear equation, and no team with
//!   fewer than k reports may be determined by them (its unit vector is not in
//!   the span of the released rows), for counts and sums alike;
//! - differencing across weeks: a range query releases exactly the cells the
//!   single-week queries release, so no combination of ranges leaks;
//! - repeated queries against the differential-privacy noise: the same cell
//!   asked 30 times and through every query shape gives one value, and the
//!   noise is there (released item cells differ from the exact sums sent).
//!
//! Then the server's database files and its trace-level output, and the
//! canary device's data folder, are scanned for the canary's private note,
//! its report as sent, its device token, the HR tokens, the invite codes and
//! the store key: none may be found where it must not be.
//!
//! Finally an HR token is refused outside its departments and organisation,
//! once revoked, and in place of a device token; a unit outside its reach is
//! answered exactly as a unit that does not exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, ensure};
use chrono::Utc;
use polso_api::{AggregateCell, AggregateTable, ApiError};
use polso_core::IsoWeek;
use polso_desktop::sync::{SyncTransport, UreqTransport};
use polso_desktop::testing::RecordingTransport;
use polso_faults::calendar;
use polso_faults::device::{Device, TOKEN_ACCOUNT, api};
use polso_faults::server::{RunningServer, admin, admin_with_stderr, invite, organisation};
use polso_faults::two_server::{HelperSide, Mode, Servers};
use polso_faults::{contains, files_under};
use polso_store::SecretVault;

const CANARY_NOTE: &str = "canary-note-7a1f-only-on-this-device";
const TEAM_SIZES: [usize; 4] = [6, 2, 7, 5];
const K: usize = 5;

/// GET `path` with `token`; the status and the body.
fn get(url: &str, path: &str, token: &str) -> Result<(u16, String)> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut response =
        agent.get(&format!("{url}{path}")).header("Authorization", format!("Bearer {token}")).call()?;
    Ok((response.status().as_u16(), response.body_mut().read_to_string()?))
}

fn table(url: &str, query: &str, token: &str) -> Result<AggregateTable> {
    let (status, body) = get(url, &format!("/v1/aggregates?{query}"), token)?;
    ensure!(status == 200, "{query}: {status} {body}");
    Ok(serde_json::from_str(&body)?)
}

/// Whether row `target` lies in the span of `rows` (Gaussian elimination).
fn in_span(rows: &[Vec<f64>], target: &[f64]) -> bool {
    fn rank(mut matrix: Vec<Vec<f64>>) -> usize {
        let columns = matrix.first().map_or(0, Vec::len);
        let mut rank = 0;
        for column in 0..columns {
            let Some(pivot) = (rank..matrix.len()).find(|&row| matrix[row][column].abs() > 1e-9) else {
                continue;
            };
            matrix.swap(rank, pivot);
            let pivot_row = matrix[rank].clone();
            for (index, row) in matrix.iter_mut().enumerate() {
                if index != rank {
                    let factor = row[column] / pivot_row[column];
                    for (cell, pivot_cell) in row.iter_mut().zip(&pivot_row) {
                        *cell -= factor * pivot_cell;
                    }
                }
            }
            rank += 1;
        }
        rank
    }
    let mut with_target = rows.to_vec();
    with_target.push(target.to_vec());
    rank(rows.to_vec()) == rank(with_target)
}

struct World {
    directory: tempfile::TempDir,
    server: Servers,
    organisation: polso_faults::server::Organisation,
    hr_token: String,
    other_hr_token: String,
    invites: Vec<String>,
    devices: Vec<(usize, Device)>,
    canary_bodies: Vec<String>,
    canary_token: String,
    weeks: [IsoWeek; 2],
    /// (team index, week) → how many devices of the team answered.
    answered: BTreeMap<(usize, IsoWeek), usize>,
    /// (team index, week, item id) → (n, sum) of what the devices sent.
    exact_items: BTreeMap<(usize, IsoWeek, String), (u32, f64)>,
    keys: BTreeSet<String>,
    /// How many HR reads between arrivals of the second week's reports.
    polls_between_arrivals: usize,
}

/// Sends `week`'s report of `device` in the app's three steps, on the
/// device's clock once the report is due, so what a crash report would print
/// of each step (its Debug output) can be searched for the device token.
fn send_week_in_three_steps(device: &mut Device, transport: &dyn SyncTransport, week: IsoWeek) -> Result<()> {
    device.queue_closed_week(week, &mut || 0)?;
    let due = calendar::device_due(week, calendar::default_announced_delay_seconds());
    let batch = device
        .desktop
        .prepare_sync(due.date_naive(), due, false, &mut || 0)
        .map_err(api)?
        .with_context(|| format!("nothing due for {week}"))?;
    let outcomes = polso_desktop::sync::send_reports(transport, &batch);
    let token = device.vault.get(TOKEN_ACCOUNT)?.context("no device token")?;
    for debug in [format!("{batch:?}"), format!("{outcomes:?}"), format!("{:?}", device.key)] {
        ensure!(!debug.contains(&token), "Debug output shows the device token: {debug}");
        ensure!(!debug.contains(&device.key.to_hex()), "Debug output shows the store key");
    }
    let status = device.desktop.record_sync(&outcomes, due).map_err(api)?;
    ensure!(status.pending_reports == 0 && status.failed_reports == 0, "{week}: {status:?}");
    ensure!(status.dropped_reports.is_empty(), "{week}: {status:?}");
    Ok(())
}

fn world(mode: Mode) -> Result<World> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Attacchi Srl", 2, 2)?;
    let other_organisation = organisation_b(&database)?;
    let hr_token = admin(&database, &["create-hr-token", "--organisation", &organisation.id])?;
    let other_hr_token = admin(&database, &["create-hr-token", "--organisation", &other_organisation.id])?;
    let invites: Vec<String> =
        organisation.teams.iter().map(|(_, team)| invite(&database, team, 20)).collect::<Result<_>>()?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let weeks = [calendar::week().previous(), calendar::week()];

    // The first week on the server's clock: every device enrols.
    // In two-server mode the helper pins the settings above; devices pin its key at enrolment.
    let helper = match mode {
        Mode::OneServer => None,
        Mode::TwoServers => Some(HelperSide::link(&database, directory.path(), &organisation.id, weeks[0])?),
    };
    let mut server = Servers::start(&database, output, helper.as_ref(), calendar::enrolment_time(weeks[0]))?;
    let recording = RecordingTransport::default();
    let plain = UreqTransport::new();
    let is_canary = |team_index: usize, member: usize| team_index == 1 && member == 0;
    let mut devices = Vec::new();
    for (team_index, &size) in TEAM_SIZES.iter().enumerate() {
        for member in 0..size {
            let transport: &dyn polso_desktop::sync_pass::Transport =
                if is_canary(team_index, member) { &recording } else { &plain };
            let mut device = Device::new()?;
            device.enrol(transport, &server.url, &invites[team_index], calendar::wednesday(weeks[0]))?;
            devices.push((team_index, member, device));
        }
    }

    // Each week's reports arrive in the week after it, to the same address.
    let mut answered = BTreeMap::new();
    let mut exact_items: BTreeMap<(usize, IsoWeek, String), (u32, f64)> = BTreeMap::new();
    let mut keys = BTreeSet::new();
    let mut random = fastrand::Rng::with_seed(77);
    let mut polls_between_arrivals = 0;
    for (week_position, &week) in weeks.iter().enumerate() {
        server = server.restart_at(calendar::reporting_time(week), helper.as_ref())?;
        let mut first_poll: Option<Vec<AggregateTable>> = None;
        for (team_index, member, device) in &mut devices {
            let (team_index, member) = (*team_index, *member);
            // One device of the last team skips the second week.
            if team_index == 3 && member == 0 && week_position == 1 {
                continue;
            }
            let canary = is_canary(team_index, member);
            let transport: &dyn polso_desktop::sync_pass::Transport =
                if canary { &recording } else { &plain };
            let note = canary.then_some(CANARY_NOTE);
            let view = device.answer_week(week, &mut random, note)?;
            keys.extend(view.items.iter().map(|item| item.id.clone()));
            keys.extend(view.items.iter().map(|item| item.metric.key().to_owned()));
            for answer in &view.answers {
                let entry = exact_items.entry((team_index, week, answer.item_id.clone())).or_default();
                entry.0 += 1;
                entry.1 += f64::from(answer.value);
            }
            *answered.entry((team_index, week)).or_insert(0) += 1;
            send_week_in_three_steps(device, transport, week)?;

            // HR polls after each arrival of the second week's reports, at
            // every level, over both weeks.
            if week_position == 1 {
                let key = &view.items[0].id;
                let poll: Vec<AggregateTable> = ["team", "department", "organisation"]
                    .iter()
                    .map(|unit| {
                        table(
                            &server.url,
                            &format!("unit={unit}&key={key}&from={}&to={week}", weeks[0]),
                            &hr_token,
                        )
                    })
                    .collect::<Result<_>>()?;
                for level in &poll {
                    ensure!(
                        level.cells.iter().all(|cell| cell.week != week.to_string()),
                        "a read while {week} collects shows it: {:?}",
                        level.cells
                    );
                    ensure!(level.published_through == Some(weeks[0].to_string()), "{level:?}");
                }
                match &first_poll {
                    None => first_poll = Some(poll),
                    Some(first) => ensure!(
                        poll == *first,
                        "a read changed between two arrivals of {week}'s reports: polling tells a report"
                    ),
                }
                polls_between_arrivals += 1;
            }
        }
    }

    // Past the second week's publication: HR reads both weeks.
    let server = server.restart_at(calendar::after_publication(weeks[1]), helper.as_ref())?;
    let devices: Vec<(usize, Device)> =
        devices.into_iter().map(|(team_index, _, device)| (team_index, device)).collect();
    let canary_token =
        devices[TEAM_SIZES[0]].1.vault.get(TOKEN_ACCOUNT)?.context("the canary device has no token")?;
    let canary_bodies = recording.bodies();
    ensure!(canary_bodies.len() == 3, "enrolment and two reports expected: {}", canary_bodies.len());
    let as_shares =
        canary_bodies[1..].iter().all(|body| serde_json::from_str::<polso_api::SharedReport>(body).is_ok());
    ensure!(as_shares == (mode == Mode::TwoServers), "in {mode:?} the canary sent {canary_bodies:?}");
    Ok(World {
        directory,
        server,
        organisation,
        hr_token,
        other_hr_token,
        invites,
        devices,
        canary_bodies,
        canary_token,
        weeks,
        answered,
        exact_items,
        keys,
        polls_between_arrivals,
    })
}

fn organisation_b(database: &Path) -> Result<polso_faults::server::Organisation> {
    organisation(database, "Altra Spa", 1, 1)
}

/// The released cells of one level, keyed by (unit, week).
fn released(cells: &[AggregateCell]) -> BTreeMap<(String, String), (u32, f64)> {
    cells
        .iter()
        .filter(|cell| cell.released)
        .filter_map(|cell| {
            Some(((cell.unit_id.clone(), cell.week.clone()), (cell.n?, cell.mean? * f64::from(cell.n?))))
        })
        .collect()
}

#[test]
fn anonymity_attacks_fail_and_no_secret_is_kept_in_the_clear() -> Result<()> {
    anonymity_attacks_fail(Mode::OneServer)
}

/// The same attacks on an organisation whose reports go to two servers as
/// shares; the scan for secrets covers the helper's database too (it lies
/// in the same folder).
#[test]
fn in_two_server_mode_anonymity_attacks_fail_and_no_secret_is_kept_in_the_clear() -> Result<()> {
    anonymity_attacks_fail(Mode::TwoServers)
}

fn anonymity_attacks_fail(mode: Mode) -> Result<()> {
    let world = world(mode)?;
    let url = world.server.url.clone();
    let token = world.hr_token.clone();
    let teams: Vec<String> = world.organisation.teams.iter().map(|(_, team)| team.clone()).collect();
    let departments = world.organisation.departments.clone();
    let (first, last) = (world.weeks[0], world.weeks[1]);
    ensure!(world.polls_between_arrivals >= 10, "HR polled only {} times", world.polls_between_arrivals);
    let mut released_team_cells: BTreeSet<(String, String)> = BTreeSet::new();
    let mut suppressed_small_cells = 0;
    let mut released_cells = 0;

    for key in &world.keys {
        for &week in &world.weeks {
            let range = format!("key={key}&from={week}&to={week}");
            let team_cells = table(&url, &format!("unit=team&{range}"), &token)?.cells;
            let department_cells = table(&url, &format!("unit=department&{range}"), &token)?.cells;
            let organisation_cells = table(&url, &format!("unit=organisation&{range}"), &token)?.cells;
            if team_cells.iter().all(|cell| !cell.asked) {
                continue;
            }
            for cell in team_cells.iter().filter(|cell| cell.released && week == first) {
                released_team_cells.insert((key.clone(), cell.unit_id.clone()));
            }
            // Filtering down: asking for one team gives exactly its cell in the full table.
            for team in &teams {
                let filtered = table(&url, &format!("unit=team&unit_id={team}&{range}"), &token)?.cells;
                let full: Vec<&AggregateCell> =
                    team_cells.iter().filter(|cell| cell.unit_id == *team).collect();
                ensure!(
                    filtered.iter().collect::<Vec<_>>() == full,
                    "filtering by unit_id changed {team}'s cell"
                );
            }
            // Every released cell as an equation over the four team totals.
            let mut rows: Vec<Vec<f64>> = Vec::new();
            for cell in team_cells.iter().filter(|cell| cell.released) {
                let position = teams.iter().position(|team| *team == cell.unit_id).context("unknown team")?;
                let mut row = vec![0.0; teams.len()];
                row[position] = 1.0;
                rows.push(row);
                released_cells += 1;
            }
            for cell in department_cells.iter().filter(|cell| cell.released) {
                let department =
                    departments.iter().position(|id| *id == cell.unit_id).context("unknown department")?;
                let row = world
                    .organisation
                    .teams
                    .iter()
                    .map(|(team_department, _)| if *team_department == department { 1.0 } else { 0.0 })
                    .collect();
                rows.push(row);
                released_cells += 1;
            }
            if organisation_cells.iter().any(|cell| cell.released) {
                rows.push(vec![1.0; teams.len()]);
                released_cells += 1;
            }
            for (team_index, team) in teams.iter().enumerate() {
                let n = world.answered.get(&(team_index, week)).copied().unwrap_or(0);
                if n == 0 || n >= K {
                    continue;
                }
                suppressed_small_cells += 1;
                let cell = team_cells.iter().find(|cell| cell.unit_id == *team).context("no cell")?;
                ensure!(
                    !cell.released && cell.n.is_none() && cell.mean.is_none() && cell.histogram.is_none()
                );
                let mut target = vec![0.0; teams.len()];
                target[team_index] = 1.0;
                ensure!(
                    !in_span(&rows, &target),
                    "{key} {week}: team {team_index} ({n} < k reports) is recoverable from the released cells"
                );
            }
        }
        // Across weeks: a range releases exactly what the single weeks release.
        for unit in ["team", "department", "organisation"] {
            let both = released(
                &table(&url, &format!("unit={unit}&key={key}&from={first}&to={last}"), &token)?.cells,
            );
            let mut single = released(
                &table(&url, &format!("unit={unit}&key={key}&from={first}&to={first}"), &token)?.cells,
            );
            single.extend(released(
                &table(&url, &format!("unit={unit}&key={key}&from={last}&to={last}"), &token)?.cells,
            ));
            ensure!(both == single, "{unit} {key}: a range query released other cells than the single weeks");
        }
    }
    ensure!(suppressed_small_cells > 0 && released_cells > 0, "the attack had nothing to attack");

    // Differential privacy (on, as init-org makes it): the same cell through
    // 30 repeats and every query shape gives one value.
    // A key the big team's cell of the first week was released for (the schedule decides which).
    let big_team = &teams[2];
    let metric = released_team_cells
        .iter()
        .find(|(_, unit_id)| unit_id == big_team)
        .map(|(key, _)| key.clone())
        .context("no released cell of the big team")?;
    let mut seen = BTreeSet::new();
    for attempt in 0..30 {
        let query = match attempt % 3 {
            0 => format!("unit=team&unit_id={big_team}&key={metric}&from={first}&to={first}"),
            1 => format!("unit=team&key={metric}&from={first}&to={last}"),
            _ => format!("unit=team&key={metric}&from={}&to={first}", first.plus_weeks(-3)),
        };
        let cells = table(&url, &query, &token)?.cells;
        let cell = cells
            .iter()
            .find(|cell| cell.unit_id == *big_team && cell.week == first.to_string())
            .context("cell")?;
        ensure!(cell.released, "the big team's cell should be released");
        seen.insert(format!("{:?} {:?} {:?}", cell.n, cell.mean, cell.histogram));
    }
    ensure!(
        seen.len() == 1,
        "repeated queries gave {} different noisy values: averaging would remove the noise",
        seen.len()
    );
    // ... and the noise is there: some released item cell differs from the exact sums the devices sent.
    let (mut noisy, mut compared) = (0, 0);
    for ((team_index, week, item_id), (n, sum)) in &world.exact_items {
        let team = &teams[*team_index];
        let cells =
            table(&url, &format!("unit=team&unit_id={team}&key={item_id}&from={week}&to={week}"), &token)?
                .cells;
        for cell in cells.iter().filter(|cell| cell.released) {
            compared += 1;
            let exact_mean = sum / f64::from(*n);
            if cell.n != Some(*n) || cell.mean.is_none_or(|mean| (mean - exact_mean).abs() > 1e-9) {
                noisy += 1;
            }
        }
    }
    ensure!(
        compared > 0 && noisy > 0,
        "with differential privacy on, every one of {compared} item cells is exact"
    );

    // Secrets and the canary: search the server's files and output, and the canary's folder.
    let World {
        server,
        directory,
        canary_bodies,
        canary_token,
        hr_token,
        other_hr_token,
        invites,
        devices,
        ..
    } = world;
    let output = server.output();
    server.kill();
    let server_files = files_under(directory.path())?;
    let mut needles: Vec<(&str, String)> = vec![
        ("the canary's note", CANARY_NOTE.to_owned()),
        ("the canary's device token", canary_token.clone()),
        ("the HR token", hr_token.clone()),
        ("the other organisation's HR token", other_hr_token.clone()),
    ];
    for body in &canary_bodies[1..] {
        needles.push(("the canary's report as sent", body.clone()));
    }
    for code in &invites {
        needles.push(("an invite code", code.clone()));
    }
    for (what, needle) in &needles {
        for (path, bytes) in &server_files {
            ensure!(!contains(bytes, needle.as_bytes()), "{what} is in the server's file {}", path.display());
        }
        ensure!(!contains(&output, needle.as_bytes()), "{what} is in the server's output");
    }
    let database_bytes: Vec<u8> = server_files.iter().flat_map(|(_, bytes)| bytes.clone()).collect();
    ensure!(
        contains(&database_bytes, &polso_server::secrets::hash_secret(&canary_token)),
        "the server keeps the device token's hash (so the scan looked at the right files)"
    );
    let canary = &devices[TEAM_SIZES[0]].1;
    for (path, bytes) in files_under(canary.data_dir.path())? {
        for (what, needle) in [
            ("the private note", CANARY_NOTE.to_owned()),
            ("the device token", canary_token.clone()),
            ("the store key", canary.key.to_hex()),
        ] {
            ensure!(!contains(&bytes, needle.as_bytes()), "{what} is in the clear in {}", path.display());
        }
    }
    Ok(())
}

#[test]
fn hr_tokens_reach_only_their_scope_and_debug_output_hides_tokens() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Ambito Srl", 2, 1)?;
    let other = organisation_b(&database)?;
    let scoped = admin(
        &database,
        &[
            "create-hr-token",
            "--organisation",
            &organisation.id,
            "--departments",
            &organisation.departments[0],
        ],
    )?;
    let (revoked, revoked_stderr) =
        admin_with_stderr(&database, &["create-hr-token", "--organisation", &organisation.id])?;
    let revoked_id = revoked_stderr.split_whitespace().nth(2).context("the token id on stderr")?.to_owned();
    admin(&database, &["revoke-hr-token", "--id", &revoked_id])?;
    let other_token = admin(&database, &["create-hr-token", "--organisation", &other.id])?;
    let code = invite(&database, &organisation.teams[0].1, 5)?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let server = RunningServer::start(&database, output)?;
    let url = server.url.clone();

    // A "crash report" is the Debug output of what the client holds: no token in it.
    let form = polso_api::EnrolDevice { server_url: url.clone(), invite_code: code.clone() };
    let enrolment = polso_desktop::sync::request_enrolment(&UreqTransport::new(), &form).map_err(api)?;
    let device_token = enrolment.response.device_token.clone();
    ensure!(!format!("{enrolment:?}").contains(&device_token), "Debug output shows the device token");
    ensure!(
        !format!("{:?}", enrolment.response).contains(&device_token),
        "the server's enrolment answer, printed, shows the device token"
    );
    // The raw answer a transport hands back, as a log line of a failed pass would print it.
    let request = serde_json::json!({ "wire_version": polso_api::WIRE_VERSION, "invite_code": code });
    let raw = UreqTransport::new()
        .post_json(&format!("{url}/v1/enrol"), None, &request.to_string())
        .map_err(|failure| anyhow!("{}", failure.detail))?;
    let raw_token = serde_json::from_str::<polso_api::EnrolResponse>(&raw.body)?.device_token;
    for printed in [format!("{raw:?}"), format!("{raw:#?}")] {
        ensure!(!printed.contains(&raw_token), "an HTTP answer, printed, shows the device token: {printed}");
    }

    let week = IsoWeek::containing(Utc::now().date_naive()).previous();
    let range = format!("key=wellbeing&from={week}&to={week}");
    let (own_team, other_department_team) = (&organisation.teams[0].1, &organisation.teams[1].1);
    let cases: Vec<(&str, String, &str, u16, &str)> = vec![
        ("a team of its own department", format!("unit=team&unit_id={own_team}&{range}"), &scoped, 200, ""),
        // Out of reach is answered as absent: 404, never a 403 that would tell the unit exists.
        (
            "a team of another department",
            format!("unit=team&unit_id={other_department_team}&{range}"),
            &scoped,
            404,
            "not_found",
        ),
        (
            "another department",
            format!("unit=department&unit_id={}&{range}", organisation.departments[1]),
            &scoped,
            404,
            "not_found",
        ),
        ("the whole organisation", format!("unit=organisation&{range}"), &scoped, 403, "forbidden"),
        (
            "a team of another organisation",
            format!("unit=team&unit_id={}&{range}", other.teams[0].1),
            &scoped,
            404,
            "not_found",
        ),
        (
            "another organisation's token on this team",
            format!("unit=team&unit_id={own_team}&{range}"),
            &other_token,
            404,
            "not_found",
        ),
        ("a revoked token", format!("unit=team&{range}"), &revoked, 401, "unauthorized"),
        ("a device token", format!("unit=team&{range}"), &device_token, 401, "unauthorized"),
    ];
    for (what, query, token, status, code) in cases {
        let (got, body) = get(&url, &format!("/v1/aggregates?{query}"), token)?;
        ensure!(got == status, "{what}: {got} {body}");
        if status == 200 {
            let table: AggregateTable = serde_json::from_str(&body)?;
            ensure!(table.cells.iter().all(|cell| cell.unit_id == *own_team), "{what}: {body}");
        } else {
            let error: ApiError = serde_json::from_str(&body).with_context(|| format!("{what}: {body}"))?;
            ensure!(serde_json::to_value(error.code)? == code, "{what}: {body}");
            ensure!(!error.message.contains(token), "{what}: the error repeats the token");
        }
    }
    // A department-scoped token's unfiltered team list holds only its department's teams.
    let table = table(&url, &format!("unit=team&{range}"), &scoped)?;
    ensure!(table.cells.iter().all(|cell| cell.unit_id == *own_team), "out-of-scope teams listed");
    // An HR token is not a device token.
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let response = agent
        .post(&format!("{url}/v1/reports"))
        .header("Authorization", format!("Bearer {scoped}"))
        .send(format!(
            r#"{{"wire_version":1,"week":"{week}","items":[],"metrics":[{{"metric":"trust","score":50}}]}}"#
        ))?;
    ensure!(response.status().as_u16() == 401, "an HR token sent a report: {}", response.status());
    let output = server.output();
    server.kill();
    for secret in [&scoped, &revoked, &other_token, &device_token] {
        ensure!(!contains(&output, secret.as_bytes()), "a token is in the server's output");
        for (path, bytes) in files_under(directory.path())? {
            ensure!(!contains(&bytes, secret.as_bytes()), "a token is in {}", path.display());
        }
    }
    Ok(())
}

/// With `POLSO_TEST_KEYRING=1` (CI runs it inside a D-Bus session with
/// gnome-keyring), the store key made by `open_store` is in the OS keyring and
/// nowhere in the data folder.
#[ignore = "needs the OS keyring in a D-Bus session; cargo xtask test runs it (POLSO_TEST_KEYRING=1)"]
#[test]
fn the_store_key_lives_only_in_the_os_keyring() -> Result<()> {
    // Ignored by default; run on purpose without the keyring, it fails saying why.
    ensure!(
        std::env::var("POLSO_TEST_KEYRING").as_deref() == Ok("1"),
        "needs POLSO_TEST_KEYRING=1 inside a D-Bus session with an unlocked keyring"
    );
    let directory = tempfile::tempdir()?;
    let service = format!("polso-faults-{}", std::process::id());
    let keyring = polso_store::OsKeyring::new(service);
    let account = format!("store-key@{}", directory.path().display());
    let mut desktop = polso_desktop::Desktop::new(
        polso_store::open_store(directory.path(), &keyring, &account).map_err(|error| anyhow!("{error}"))?,
        "en-GB".to_owned(),
    )
    .map_err(api)?;
    let today = Utc::now().date_naive();
    let submission = polso_faults::device::submission_for(
        &desktop,
        today,
        &mut fastrand::Rng::with_seed(1),
        Some(CANARY_NOTE),
    )?;
    desktop.submit_pulse(submission, today, Utc::now()).map_err(api)?;
    drop(desktop);
    let key = keyring.get(&account)?.context("the key is not in the keyring")?;
    for (path, bytes) in files_under(directory.path())? {
        ensure!(!contains(&bytes, key.as_bytes()), "the store key is in {}", path.display());
        ensure!(!contains(&bytes, CANARY_NOTE.as_bytes()), "the note is in the clear in {}", path.display());
    }
    keyring.delete(&account)?;
    Ok(())
}

/// The differencing check itself: a department total minus a released team
/// determines the other team; without the team cell it does not.
#[test]
fn the_differencing_check_finds_a_subtraction() {
    let department_total = vec![1.0, 1.0, 0.0, 0.0];
    let big_team = vec![1.0, 0.0, 0.0, 0.0];
    let small_team = [0.0, 1.0, 0.0, 0.0];
    assert!(in_span(&[department_total.clone(), big_team], &small_team));
    assert!(!in_span(&[department_total, vec![1.0, 1.0, 1.0, 1.0]], &small_team));
}
