//! The sync client against the real `polso-server` binary: the administrator
//! sets up an organisation with the server's command line, six simulated
//! devices (each a `polso_desktop::Desktop` over its own encrypted store)
//! enrol with one invite code, answer a week's pulse and send their reports
//! over real HTTP once the week has closed and their random delay has passed.
//! HR sees the team's cell only from the k-th report on. Afterwards the
//! server's database files and its output are searched for what only one
//! device knew: its private note, its report as sent, and its device token.
//!
//! Plus the GUI path: the real app in a real window enrols through the form
//! against the real server and shows the team's name.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use chrono::{Days, Local, NaiveDate, Utc};
use polso_api::{AggregateTable, AnswerDto, EnrolDevice, SubmitPulse, WorkWeekDto};
use polso_core::IsoWeek;
use polso_desktop::sync::{HttpAnswer, SyncTransport, TransportFailure, UreqTransport};
use polso_desktop::{Desktop, SyncOptions};
use polso_e2e::server::{RunningServer, admin};
use polso_e2e::{AppSession, Launch, enabled};
use polso_store::{MemoryVault, Store, StoreKey};

/// The server announces this longest random delay; the devices honour it.
const MAX_DELAY_SECONDS: u32 = 3600;

/// The private note of the canary device, which must never leave it.
const CANARY_NOTE: &str = "canary-note-3f9b-only-on-this-device";

/// Real HTTP that also keeps every request body, to search the server for them later.
struct RecordingTransport {
    inner: UreqTransport,
    bodies: Mutex<Vec<String>>,
}

impl SyncTransport for RecordingTransport {
    fn post_json(
        &self,
        url: &str,
        bearer_token: Option<&str>,
        body: &str,
    ) -> Result<HttpAnswer, TransportFailure> {
        if let Ok(mut bodies) = self.bodies.lock() {
            bodies.push(body.to_owned());
        }
        self.inner.post_json(url, bearer_token, body)
    }
}

/// HR's view of one team cell: `None` when withheld, `Some(n)` when released.
fn team_cell(
    server_url: &str,
    hr_token: &str,
    team_id: &str,
    key: &str,
    week: IsoWeek,
) -> Result<Option<u32>> {
    let url =
        format!("{server_url}/v1/aggregates?unit=team&unit_id={team_id}&key={key}&from={week}&to={week}");
    let mut response = ureq::get(&url).header("Authorization", format!("Bearer {hr_token}")).call()?;
    let table: AggregateTable = serde_json::from_str(&response.body_mut().read_to_string()?)?;
    ensure!(table.k == 5, "the organisation's k should be 5, not {}", table.k);
    let cell = table.cells.iter().find(|cell| cell.unit_id == team_id && cell.week == week.to_string());
    Ok(match cell {
        Some(cell) if cell.released => {
            ensure!(cell.mean.is_some() && cell.histogram.is_some(), "a released cell carries values");
            cell.n
        }
        Some(cell) => {
            ensure!(
                cell.n.is_none() && cell.mean.is_none() && cell.sd.is_none() && cell.histogram.is_none(),
                "a withheld cell carries no values"
            );
            None
        }
        None => None,
    })
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

/// One simulated employee's machine.
struct Device {
    _data_dir: tempfile::TempDir,
    desktop: Desktop,
}

impl Device {
    fn new() -> Result<Device> {
        let data_dir = tempfile::tempdir()?;
        let store = Store::open(
            &data_dir.path().join("polso.db"),
            &StoreKey::generate().map_err(|error| anyhow::anyhow!("{error}"))?,
        )?;
        let desktop = Desktop::new(store, "it-IT".to_owned())
            .map_err(|error| anyhow::anyhow!("{error}"))?
            .with_device_vault(Box::new(MemoryVault::new()), "device-token@e2e")
            .with_sync_options(SyncOptions::default());
        Ok(Device { _data_dir: data_dir, desktop })
    }
}

#[test]
fn devices_report_through_the_real_server_released_only_from_k_and_nothing_private_is_kept() -> Result<()> {
    if !enabled("devices_report_through_the_real_server_released_only_from_k_and_nothing_private_is_kept") {
        return Ok(());
    }
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    admin(&database, &["init-org", "--name", "Acme Assistenza"])?;
    let support = admin(&database, &["add-department", "--name", "Customer support"])?;
    let help_desk = admin(&database, &["add-team", "--department", &support, "--name", "Help desk"])?;
    admin(&database, &["add-team", "--department", &support, "--name", "Field"])?;
    let invite =
        admin(&database, &["create-invite", "--team", &help_desk, "--expires-in-days", "7", "--uses", "10"])?;
    let hr_token = admin(&database, &["create-hr-token"])?;
    let server =
        RunningServer::start(&database, &["--max-random-delay-seconds", &MAX_DELAY_SECONDS.to_string()])?;

    // Last week, as the server's clock sees it: open on its Thursday, closed on this Monday.
    let real_today = Local::now().date_naive();
    let week = IsoWeek::containing(real_today).plus_weeks(-1);
    let thursday: NaiveDate = week.monday() + Days::new(3);
    let next_monday: NaiveDate = week.sunday() + Days::new(1);
    let transport = RecordingTransport { inner: UreqTransport::new(), bodies: Mutex::new(Vec::new()) };

    let mut devices = Vec::new();
    let mut first_item = String::new();
    for index in 0..6 {
        let mut device = Device::new()?;
        let form = EnrolDevice { server_url: format!("{}/", server.url), invite_code: invite.to_lowercase() };
        let status = device
            .desktop
            .enrol(&transport, &form, thursday, Utc::now())
            .map_err(|error| anyhow::anyhow!("device {index} could not enrol: {error}"))?;
        ensure!(status.team_name.as_deref() == Some("Help desk"), "{status:?}");

        let view = device.desktop.current_pulse(thursday).map_err(|error| anyhow::anyhow!("{error}"))?;
        ensure!(!view.items.is_empty(), "the week asks something");
        if first_item.is_empty() {
            first_item = view.items[0].id.clone();
        }
        ensure!(view.items[0].id == first_item, "every device of the organisation gets the same items");
        // The canary device answers a pattern nobody else does, and writes a note.
        let canary = index == 0;
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
            work_week: Some(WorkWeekDto { office_days: 3, remote_days: 2 }),
            note: canary.then(|| CANARY_NOTE.to_owned()),
        };
        device
            .desktop
            .submit_pulse(submission, thursday, Utc::now())
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        devices.push(device);
    }

    // Sunday: the window is still open, nothing goes. Monday: queued, but each
    // report waits for its random delay.
    let enrolled_requests = transport.bodies.lock().map(|bodies| bodies.len()).unwrap_or(0);
    let now = Utc::now();
    for (index, device) in devices.iter_mut().enumerate() {
        let draw = 600 * (index as u64 + 1);
        let status = device
            .desktop
            .sync_now(&transport, week.sunday(), now, true, &mut || draw)
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        ensure!(status.pending_reports == 0, "Sunday: nothing queued yet: {status:?}");
        let status = device
            .desktop
            .sync_now(&transport, next_monday, now, true, &mut || draw)
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        ensure!(status.pending_reports == 1, "Monday: queued and waiting: {status:?}");
    }
    ensure!(
        transport.bodies.lock().map(|bodies| bodies.len()).unwrap_or(0) == enrolled_requests,
        "no report left before its delay"
    );
    ensure!(team_cell(&server.url, &hr_token, &help_desk, &first_item, week)?.is_none());

    // After the longest delay, one device after another sends; HR sees the team
    // only from the fifth report on.
    let later = now + chrono::Duration::seconds(i64::from(MAX_DELAY_SECONDS) + 1);
    for (index, device) in devices.iter_mut().enumerate() {
        let status = device
            .desktop
            .sync_now(&transport, next_monday, later, false, &mut || 0)
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        ensure!(
            status.pending_reports == 0 && status.failed_reports == 0 && status.last_error.is_none(),
            "device {index} should have sent its report: {status:?}"
        );
        let reported = index as u32 + 1;
        let seen = team_cell(&server.url, &hr_token, &help_desk, &first_item, week)?;
        if reported < 5 {
            ensure!(seen.is_none(), "with {reported} reports the cell must be withheld, HR saw {seen:?}");
        } else {
            ensure!(
                seen == Some(reported),
                "with {reported} reports HR should see n = {reported}, saw {seen:?}"
            );
        }
    }

    // Syncing again sends nothing more, and a retry is counted once.
    let before = transport.bodies.lock().map(|bodies| bodies.len()).unwrap_or(0);
    devices[0]
        .desktop
        .sync_now(&transport, next_monday, later, true, &mut || 0)
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    ensure!(transport.bodies.lock().map(|bodies| bodies.len()).unwrap_or(0) == before, "sent once");
    ensure!(team_cell(&server.url, &hr_token, &help_desk, &first_item, week)? == Some(6));

    // What only the canary device knew must be nowhere on the server.
    let bodies = transport.bodies.lock().map(|bodies| bodies.clone()).unwrap_or_default();
    let canary_report = bodies
        .iter()
        .find(|body| body.contains("\"items\"") && body.contains(&format!("\"{}\"", week)))
        .cloned()
        .context("the canary device's report was sent")?;
    ensure!(!canary_report.contains(CANARY_NOTE) && !canary_report.contains("office"), "{canary_report}");
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
            ("the report as sent", &canary_report),
            ("its items", canary_items),
        ] {
            ensure!(!contains(bytes, needle), "{name} holds {what}");
        }
    }
    Ok(())
}

/// The real app in a real window enrols through the form against the real
/// server, and the Organisation view and the top bar show the team.
#[tokio::test(flavor = "multi_thread")]
async fn the_enrol_form_joins_the_team_on_the_real_server() -> Result<()> {
    if !enabled("the_enrol_form_joins_the_team_on_the_real_server") {
        return Ok(());
    }
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    admin(&database, &["init-org", "--name", "Acme Assistenza"])?;
    let department = admin(&database, &["add-department", "--name", "Operations"])?;
    let team = admin(&database, &["add-team", "--department", &department, "--name", "Night shift"])?;
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
    Ok(())
}
