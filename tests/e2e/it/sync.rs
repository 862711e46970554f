//! The sync client against the real `polso-server` binary: the administrator
//! sets up an organisation with the server's command line, simulated devices
//! (each a `polso_desktop::Desktop` over its own encrypted store) enrol with
//! one invite code, answer two weeks' pulses and send their reports over real
//! HTTP once each week has closed and their random delay has passed.
//!
//! The server runs on the calendar the test chooses (`serve --now`, restarted
//! for each step), so the test does not depend on the weekday it runs on:
//! enrolment during the first week; the first week's reports on the Monday
//! after it; the second week's on the Monday after that, when the first week
//! is published; and a day after the second week's collection window has
//! closed, when it is published too. While a week collects, HR sees nothing of
//! it, however often it reads between arrivals, only when the next week will
//! be published. At publication the k rule runs once: the first week (four
//! reports) is withheld, the second (six) released, without sd or histogram
//! below 2k. A report arriving after its week was published is refused and
//! dropped by the app, and the snapshot does not change. Afterwards the
//! server's database files and its output are searched for what only one
//! device knew: its private note, its report as sent, and its device token.
//!
//! Plus the GUI path: the real app in a real window enrols through the form
//! against the real server and shows the team's name.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use chrono::{DateTime, Days, Local, NaiveDate, NaiveTime, Utc};
use polso_api::{
    AggregateCell, AggregateTable, AnswerDto, DroppedReportReason, EnrolDevice, SubmitPulse, SyncStatus,
    WorkWeekDto,
};
use polso_core::IsoWeek;
use polso_core::collection::CollectionWindow;
use polso_desktop::Desktop;
use polso_desktop::sync::REPORT_BODY_BYTES;
use polso_desktop::testing::{RecordingTransport, enrol, sync_now};
use polso_e2e::server::{RunningServer, admin, one_team_organisation};
use polso_e2e::{AppSession, Launch, enabled};
use polso_store::{SecretVault, Store, StoreKey};

/// The server announces this longest random delay; the devices honour it
/// (and keep their own floor: at least an hour, spread over a day).
const MAX_DELAY_SECONDS: u32 = 3600;

/// The server's default acceptance period after the longest delay.
const ACCEPTANCE_SECONDS: u32 = 72 * 60 * 60;

/// The organisation's k (the server's default).
const K: u32 = 5;

/// The private note of the canary device, which must never leave it.
const CANARY_NOTE: &str = "canary-note-3f9b-only-on-this-device";

/// The vault account of the simulated devices' tokens.
const TOKEN_ACCOUNT: &str = "device-token@e2e";

/// HR's read of one team and one item or metric over `weeks`, as the server serves it.
fn read_team(
    server_url: &str,
    hr_token: &str,
    team_id: &str,
    key: &str,
    weeks: (IsoWeek, IsoWeek),
) -> Result<AggregateTable> {
    let (from, to) = weeks;
    let url = format!("{server_url}/v1/aggregates?unit=team&unit_id={team_id}&key={key}&from={from}&to={to}");
    let mut response = ureq::get(&url).header("Authorization", format!("Bearer {hr_token}")).call()?;
    let table: AggregateTable = serde_json::from_str(&response.body_mut().read_to_string()?)?;
    ensure!(table.k == K, "the organisation's k should be {K}, not {}", table.k);
    Ok(table)
}

/// The team's cell of `week` in `table`, if the server served one.
fn cell_of<'a>(table: &'a AggregateTable, team_id: &str, week: IsoWeek) -> Option<&'a AggregateCell> {
    table.cells.iter().find(|cell| cell.unit_id == team_id && cell.week == week.to_string())
}

/// The last published week of `table`, parsed.
fn published_through(table: &AggregateTable) -> Result<Option<IsoWeek>> {
    table
        .published_through
        .as_deref()
        .map(|week| week.parse::<IsoWeek>().map_err(|error| anyhow::anyhow!("{week}: {error}")))
        .transpose()
}

/// Checks what HR reads while `week` still collects: no cell of it at all (not
/// even a count), the week not published, and its publication announced for
/// when its collection window closes.
fn ensure_collecting(
    table: &AggregateTable,
    team_id: &str,
    week: IsoWeek,
    window: CollectionWindow,
) -> Result<()> {
    let served: Vec<&AggregateCell> =
        table.cells.iter().filter(|cell| cell.week == week.to_string()).collect();
    ensure!(served.is_empty(), "HR was served cells of the collecting week {week}: {served:?}");
    ensure!(cell_of(table, team_id, week).is_none());
    let through = published_through(table)?;
    ensure!(through.is_none_or(|through| through < week), "{week} must not be published yet: {through:?}");
    let next = table.next_publication.as_ref().context("the server says when the next week is published")?;
    ensure!(next.week == week.to_string(), "the next week to publish should be {week}: {next:?}");
    let at = DateTime::parse_from_rfc3339(&next.at).with_context(|| format!("{next:?}"))?.with_timezone(&Utc);
    ensure!(
        at == window.publication_at(week),
        "{week} is published at {}, not {at}",
        window.publication_at(week)
    );
    Ok(())
}

/// HR's view of a published team cell: `None` when withheld, `Some(n)` when
/// released. A withheld cell carries no values; a released one its mean, and
/// its sd and histogram only from 2k.
fn published_team_cell(table: &AggregateTable, team_id: &str, week: IsoWeek) -> Result<Option<u32>> {
    let through = published_through(table)?;
    ensure!(through.is_some_and(|through| through >= week), "{week} should be published: {through:?}");
    let cell =
        cell_of(table, team_id, week).with_context(|| format!("no cell of {week} though it is published"))?;
    ensure!(cell.asked, "{week}: the key was asked that week");
    if !cell.released {
        ensure!(
            cell.n.is_none() && cell.mean.is_none() && cell.sd.is_none() && cell.histogram.is_none(),
            "a withheld cell carries no values: {cell:?}"
        );
        return Ok(None);
    }
    let n = cell.n.context("a released cell carries its n")?;
    ensure!(n >= K, "a cell released with n = {n} below k: {cell:?}");
    ensure!(cell.mean.is_some(), "a released cell carries its mean: {cell:?}");
    if n < 2 * K {
        ensure!(
            cell.sd.is_none() && cell.histogram.is_none(),
            "below 2k = {} a cell carries no sd or histogram: {cell:?}",
            2 * K
        );
    }
    Ok(Some(n))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

/// An instant on the test's calendar: `date` at `hour`:`minute` UTC.
fn at(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)).and_utc()
}

/// The server on `database`, its calendar starting at `now`: on a free port,
/// or at the address of an earlier run (`url`), where enrolled devices find it.
fn server_at(database: &Path, url: Option<&str>, now: DateTime<Utc>) -> Result<RunningServer> {
    let delay = MAX_DELAY_SECONDS.to_string();
    let now = now.to_rfc3339();
    let arguments = ["--max-random-delay-seconds", delay.as_str(), "--now", now.as_str()];
    match url {
        Some(url) => RunningServer::restart_at(url, database, &arguments),
        None => RunningServer::start(database, &arguments),
    }
}

/// A vault the test shares with the desktop, to look inside.
type SharedVault = polso_store::SharedMemoryVault;

/// One simulated employee's machine.
struct Device {
    _data_dir: tempfile::TempDir,
    desktop: Desktop,
    vault: SharedVault,
}

impl Device {
    fn new() -> Result<Device> {
        let data_dir = tempfile::tempdir()?;
        let store = Store::open(
            &data_dir.path().join("polso.db"),
            &StoreKey::generate().map_err(|error| anyhow::anyhow!("{error}"))?,
        )?;
        let vault = SharedVault::default();
        let desktop = Desktop::new(store, "it-IT".to_owned())
            .map_err(|error| anyhow::anyhow!("{error}"))?
            .with_device_vault(Box::new(vault.clone()), TOKEN_ACCOUNT);
        Ok(Device { _data_dir: data_dir, desktop, vault })
    }

    /// Answers the pulse of the week containing `today` and returns the
    /// week's first item. The canary answers a pattern nobody else does, and
    /// writes a note.
    fn answer(&mut self, today: NaiveDate, now: DateTime<Utc>, canary: bool) -> Result<String> {
        let view = self.desktop.current_pulse(today).map_err(|error| anyhow::anyhow!("{error}"))?;
        ensure!(!view.items.is_empty(), "the week asks something");
        let answers = view
            .items
            .iter()
            .enumerate()
            .map(|(position, item)| AnswerDto {
                item_id: item.id.clone(),
                value: if canary && position % 2 == 0 { item.scale.max } else { item.scale.min },
            })
            .collect();
        let submission = SubmitPulse {
            week: view.week.clone(),
            answers,
            not_applicable: Vec::new(),
            work_week: Some(WorkWeekDto { office_days: 3, remote_days: 2 }),
            note: canary.then(|| CANARY_NOTE.to_owned()),
        };
        self.desktop.submit_pulse(submission, today, now).map_err(|error| anyhow::anyhow!("{error}"))?;
        Ok(view.items[0].id.clone())
    }

    fn sync(
        &mut self,
        transport: &RecordingTransport,
        today: NaiveDate,
        now: DateTime<Utc>,
        draw: u64,
    ) -> Result<SyncStatus> {
        sync_now(&mut self.desktop, transport, today, now, false, &mut || draw)
            .map_err(|error| anyhow::anyhow!("{error}"))
    }
}

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[test]
fn devices_report_through_the_real_server_released_only_from_k_and_nothing_private_is_kept() -> Result<()> {
    if !enabled("devices_report_through_the_real_server_released_only_from_k_and_nothing_private_is_kept") {
        return Ok(());
    }
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    admin(&database, &["init-org", "--name", "Acme Assistenza"])?;
    // Exact figures, so the released count can be checked to the unit (new
    // organisations have differential privacy on).
    admin(&database, &["set-dp", "--off"])?;
    let support = admin(&database, &["add-department", "--name", "Customer support"])?;
    let help_desk = admin(
        &database,
        &["add-team", "--department", &support, "--name", "Help desk", "--headcount", "10"],
    )?;
    admin(&database, &["add-team", "--department", &support, "--name", "Field", "--headcount", "4"])?;
    let invite = admin(
        &database,
        &["create-invite", "--team", &help_desk, "--expires-in-days", "30", "--uses", "10"],
    )?;
    let hr_token = admin(&database, &["create-hr-token"])?;
    let window = CollectionWindow {
        announced_max_delay_seconds: MAX_DELAY_SECONDS,
        acceptance_seconds: ACCEPTANCE_SECONDS,
    };

    // Two recent weeks: `first` (four reports, below k) and `second` (six).
    let real_today = Local::now().date_naive();
    let second = IsoWeek::containing(real_today).plus_weeks(-1);
    let first = second.previous();
    let thursday = |week: IsoWeek| -> NaiveDate { week.monday() + Days::new(3) };
    let monday_after = |week: IsoWeek| -> NaiveDate { week.sunday() + Days::new(1) };
    let transport = RecordingTransport::default();

    // Thursday of the first week: six devices and a seventh, which will be
    // offline when the second week collects, enrol and answer.
    let enrolled_at = at(thursday(first), 10, 0);
    let server = server_at(&database, None, enrolled_at)?;
    let url = server.url.clone();
    let mut devices = Vec::new();
    for index in 0..7 {
        let mut device = Device::new()?;
        let form = EnrolDevice { server_url: format!("{}/", server.url), invite_code: invite.to_lowercase() };
        let status = enrol(&mut device.desktop, &transport, &form, thursday(first), enrolled_at)
            .map_err(|error| anyhow::anyhow!("device {index} could not enrol: {error}"))?;
        ensure!(status.team_name.as_deref() == Some("Help desk"), "{status:?}");
        devices.push(device);
    }
    let tokens: Vec<String> = devices
        .iter()
        .map(|device| device.vault.get(TOKEN_ACCOUNT).ok().flatten().context("a device token in the vault"))
        .collect::<Result<_>>()?;
    let mut first_key = String::new();
    for device in devices.iter_mut().take(4) {
        let key = device.answer(thursday(first), enrolled_at, false)?;
        ensure!(
            first_key.is_empty() || key == first_key,
            "every device of the organisation gets the same items"
        );
        first_key = key;
    }
    server.stop();

    // The Monday after the first week: its four reports go once their delay has passed.
    let server = server_at(&database, Some(&url), at(monday_after(first), 6, 0))?;
    for (index, device) in devices.iter_mut().take(4).enumerate() {
        let draw = 600 * (index as u64 + 1);
        let status = device.sync(&transport, monday_after(first), at(monday_after(first), 0, 30), draw)?;
        ensure!(status.pending_reports == 1, "queued and waiting: {status:?}");
        let status = device.sync(&transport, monday_after(first), at(monday_after(first), 6, 0), draw)?;
        ensure!(
            status.pending_reports == 0 && status.failed_reports == 0 && status.last_error.is_none(),
            "device {index} should have sent its report for {first}: {status:?}"
        );
        let table = read_team(&server.url, &hr_token, &help_desk, &first_key, (first, first))?;
        ensure_collecting(&table, &help_desk, first, window)?;
    }
    server.stop();

    // Thursday of the second week: all seven answer, offline.
    let mut second_key = String::new();
    for (index, device) in devices.iter_mut().enumerate() {
        let key = device.answer(thursday(second), at(thursday(second), 10, 0), index == 0)?;
        ensure!(
            second_key.is_empty() || key == second_key,
            "every device of the organisation gets the same items"
        );
        second_key = key;
    }

    // The Monday after the second week. Sunday: the window is still open,
    // nothing goes. Monday: queued, but each report waits for its random delay.
    let server = server_at(&database, Some(&url), at(monday_after(second), 6, 0))?;
    let before_queueing = transport.sent();
    for (index, device) in devices.iter_mut().enumerate() {
        let draw = 600 * (index as u64 + 1);
        let status = device.sync(&transport, second.sunday(), at(second.sunday(), 12, 0), draw)?;
        ensure!(status.pending_reports == 0, "Sunday: nothing queued yet: {status:?}");
        let status = device.sync(&transport, monday_after(second), at(monday_after(second), 0, 30), draw)?;
        ensure!(status.pending_reports == 1, "Monday: queued and waiting: {status:?}");
    }
    ensure!(transport.sent() == before_queueing, "no report left before its delay");

    // The first week's window has closed: it is published, once, and its
    // four reports are below k, so HR reads "fewer than k", nothing more.
    let table = read_team(&server.url, &hr_token, &help_desk, &first_key, (first, first))?;
    ensure!(
        published_team_cell(&table, &help_desk, first)?.is_none(),
        "{first} has four reports, below k: it must be withheld"
    );

    // After the delay, one device after another sends (the seventh stays
    // offline). HR polls after each arrival and sees nothing of the week: it
    // is still collecting.
    let later = at(monday_after(second), 6, 0);
    for (index, device) in devices.iter_mut().take(6).enumerate() {
        let status = device.sync(&transport, monday_after(second), later, 0)?;
        ensure!(
            status.pending_reports == 0 && status.failed_reports == 0 && status.last_error.is_none(),
            "device {index} should have sent its report: {status:?}"
        );
        let table = read_team(&server.url, &hr_token, &help_desk, &second_key, (first, second))?;
        ensure_collecting(&table, &help_desk, second, window)?;
        let table = read_team(&server.url, &hr_token, &help_desk, &first_key, (first, first))?;
        ensure!(published_team_cell(&table, &help_desk, first)?.is_none(), "{first} stays withheld");
    }

    // Syncing again sends nothing more.
    let before = transport.sent();
    devices[0].sync(&transport, monday_after(second), later, 0)?;
    ensure!(transport.sent() == before, "sent once");
    server.stop();

    // The server a few minutes after the second week's collection window
    // closed: the week is published once, the team released with its six reports.
    let after_publication = window.publication_at(second) + chrono::Duration::minutes(5);
    let server = server_at(&database, Some(&url), after_publication)?;
    let table = read_team(&server.url, &hr_token, &help_desk, &second_key, (second, second))?;
    ensure!(published_team_cell(&table, &help_desk, second)? == Some(6), "{table:?}");

    // The seventh device comes back online: its report is too late. The
    // server refuses it, the app drops it for good and says why, and the
    // published snapshot does not change.
    let late = devices.last_mut().context("the seventh device")?;
    let status = late.sync(&transport, after_publication.date_naive(), after_publication, 0)?;
    ensure!(
        status.pending_reports == 0 && status.failed_reports == 0,
        "the late report is not retried: {status:?}"
    );
    ensure!(
        status.dropped_reports.iter().any(|dropped| dropped.week == second.to_string()
            && dropped.reason == DroppedReportReason::WeekPublished),
        "the late report is dropped as published: {status:?}"
    );
    let again = read_team(&server.url, &hr_token, &help_desk, &second_key, (second, second))?;
    ensure!(again == table, "the published snapshot changed:\nbefore {table:?}\nafter {again:?}");

    // What only the canary device knew must be nowhere on the server.
    let bodies = transport.bodies();
    let canary_report = bodies
        .iter()
        .find(|body| body.contains("\"items\"") && body.contains(&format!("\"{second}\"")))
        .cloned()
        .context("the canary device's report was sent")?;
    ensure!(!canary_report.contains(CANARY_NOTE) && !canary_report.contains("office"), "{canary_report}");
    let report_sizes: Vec<usize> =
        bodies.iter().filter(|body| body.contains("\"items\"")).map(String::len).collect();
    ensure!(
        report_sizes.len() == 4 + 7 && report_sizes.iter().all(|size| *size == REPORT_BODY_BYTES),
        "every report is padded to {REPORT_BODY_BYTES} bytes: {report_sizes:?}"
    );
    let canary_items = &canary_report[canary_report.find("\"items\"").unwrap_or(0)..];
    let canary_items = &canary_items[..canary_items.find(']').map_or(canary_items.len(), |end| end + 1)];
    let output = server.stop();
    let mut files: Vec<(String, Vec<u8>)> = vec![("server output".to_owned(), output)];
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = PathBuf::from(format!("{}{suffix}", database.display()));
        if let Ok(bytes) = std::fs::read(&path) {
            files.push((path.display().to_string(), bytes));
        }
    }
    for (name, bytes) in &files {
        for (what, needle) in [
            ("the private note", CANARY_NOTE),
            ("the report as sent", canary_report.trim_end()),
            ("its items", canary_items),
            ("its device token", &tokens[0]),
        ] {
            ensure!(!contains(bytes, needle), "{name} holds {what}");
        }
    }
    Ok(())
}

/// The real app in a real window enrols through the form against the real
/// server, and the Organisation view and the top bar show the team.
#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn the_enrol_form_joins_the_team_on_the_real_server() -> Result<()> {
    if !enabled("the_enrol_form_joins_the_team_on_the_real_server") {
        return Ok(());
    }
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    // A new organisation, left as created: differential privacy on.
    let team = one_team_organisation(&database, "Acme Assistenza", "Night shift", 5)?;
    let invite =
        admin(&database, &["create-invite", "--team", &team, "--expires-in-days", "1", "--uses", "1"])?;
    let server =
        RunningServer::start(&database, &["--max-random-delay-seconds", &MAX_DELAY_SECONDS.to_string()])?;

    let data_dir = tempfile::tempdir()?;
    let app = AppSession::start(&Launch::new(data_dir.path())).await?;
    let result = enrol_through_the_form(&app, &server.url, &invite).await;
    app.stop().await;
    let output = server.stop();
    result?;
    ensure!(
        !contains(&output, &invite),
        "the server's output holds the invite code: {}",
        String::from_utf8_lossy(&output)
    );
    Ok(())
}

async fn enrol_through_the_form(app: &AppSession, server_url: &str, invite: &str) -> Result<()> {
    app.testid("pulse-view").await?;
    app.testid("nav-sync").await?.click().await?;
    app.testid("sync-view").await?;
    let status = app.testid("sync-status").await?.text().await?;
    ensure!(status.contains("Not connected"), "before enrolment: {status}");

    // A wrong code first: refused in words, nothing kept.
    app.testid("enrol-server").await?.send_keys(server_url).await?;
    app.testid("enrol-code").await?.send_keys("NOPE-NOPE-NOPE").await?;
    app.testid("enrol-submit").await?.click().await?;
    let alert =
        app.wait_for_css("[data-testid='error-alert']", Duration::from_secs(10)).await?.text().await?;
    ensure!(alert.contains("invite code is not known"), "the refusal in words: {alert}");

    let code_field = app.testid("enrol-code").await?;
    code_field.clear().await?;
    code_field.send_keys(invite).await?;
    app.testid("enrol-submit").await?.click().await?;
    app.wait_for_css("[data-testid='sync-now']", Duration::from_secs(20)).await?;
    let status = app.testid("sync-status").await?.text().await?;
    ensure!(status.contains("Night shift"), "after enrolment the status names the team: {status}");
    let indicator = app.testid("sync-indicator").await?.text().await?;
    ensure!(indicator.contains("Synced"), "the top bar: {indicator}");
    app.screenshot("sync-enrolled").await?;

    // Settings tells the employee their privacy loss this year, in words: a
    // new organisation has differential privacy on, and nothing of theirs
    // has been published yet.
    app.testid("nav-settings").await?.click().await?;
    let line = app.wait_for_css("[data-testid='my-privacy-loss']", Duration::from_secs(20)).await?;
    let kind = line.attr("data-kind").await?;
    let text = line.text().await?;
    ensure!(
        kind.as_deref() == Some("dp"),
        "differential privacy is on for a new organisation: {kind:?} '{text}'"
    );
    ensure!(
        text.contains("your answers were released with a total ε of 0 "),
        "nothing was published yet, so the total ε is 0: '{text}'"
    );
    app.screenshot("settings-privacy-loss").await?;
    Ok(())
}
