//! Duty of care (issue 16), end to end: the administrator sets the organisation's care contacts
//! with the server's command line; the real app in a real window enrols against the real server,
//! reads them on "Sync now", and its employee answers a week's pulse low (the burnout item at 5,
//! or the WHO-5 at 0 on every item). The private care panel appears, with the organisation's
//! contacts and the national services, saying it is not a diagnosis and that nothing was sent;
//! it appears in the history for that week too, and passes an axe audit. After another sync, the
//! server's database files and its output are searched, as in sync.rs, for anything the care path
//! could have left there: its texts, its fields, and any request but the enrolment and the reads
//! every device makes.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, ensure};
use chrono::{DateTime, Days, Local, NaiveDate, NaiveTime, Utc};
use polso_api::{EnrolDevice, PulseItem};
use polso_core::IsoWeek;
use polso_desktop::Desktop;
use polso_desktop::sync::UreqTransport;
use polso_desktop::testing::enrol;
use polso_e2e::server::{RunningServer, admin, one_team_organisation};
use polso_e2e::{AppSession, Launch, enabled};
use polso_store::{MemoryVault, Store, StoreKey};

/// The vault account of the simulated device's token.
const TOKEN_ACCOUNT: &str = "device-token@e2e-care";

/// The organisation's employee assistance programme, as the administrator sets it.
const EAP_NAME: &str = "Acme Care line";
const EAP_NUMBER: &str = "+39 02 1234 5678";

/// Texts and fields only the care path knows; none may reach the server.
const CARE_ONLY: [&str; 8] = [
    "A note just for you",
    "Una nota solo per te",
    "not a diagnosis",
    "who5_raw",
    "who5_percentage",
    "burnout_answer",
    "care_signal",
    "CareSignal",
];

/// The only requests a device makes here: enrolling, and the reads every device makes on a
/// server check. A report is not due while the week is open.
const ALLOWED_PATHS: [&str; 4] =
    ["/v1/enrol", "/v1/questionnaire", "/v1/care-contacts", "/v1/privacy-ledger/device"];

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn a_low_pulse_shows_the_care_panel_and_the_server_learns_nothing_of_it() -> Result<()> {
    if !enabled("a_low_pulse_shows_the_care_panel_and_the_server_learns_nothing_of_it") {
        return Ok(());
    }
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let team = one_team_organisation(&database, "Acme Assistenza", "Night shift", 5)?;
    admin(
        &database,
        &[
            "set-care-contacts",
            "--employee-assistance-name-en",
            EAP_NAME,
            "--employee-assistance-name-it",
            "Linea Acme Care",
            "--employee-assistance-contact",
            EAP_NUMBER,
            "--trusted-person-name-en",
            "Anna, HR",
            "--trusted-person-name-it",
            "Anna, Risorse Umane",
            "--trusted-person-contact",
            "anna@example.it",
        ],
    )?;
    let invite =
        admin(&database, &["create-invite", "--team", &team, "--expires-in-days", "30", "--uses", "2"])?;

    // A simulated device of the same team learns the organisation's schedule, to find a week
    // that asks the burnout item or the WHO-5, and what each question of it is.
    let server = RunningServer::start(&database, &[])?;
    let url = server.url.clone();
    let (week, items) = find_care_week(&url, &invite)?;
    drop(server.stop());

    // The server and the app on that week's Thursday.
    let thursday = week.monday() + Days::new(3);
    let now = at(thursday, 9, 0);
    let server = RunningServer::restart_at(&url, &database, &["--now", &now.to_rfc3339()])?;
    let data_dir = tempfile::tempdir()?;
    let launch = Launch {
        today: Some(thursday.to_string()),
        extra_env: vec![("POLSO_NOW".to_owned(), at(thursday, 10, 0).to_rfc3339())],
        ..Launch::new(data_dir.path())
    };
    let app = AppSession::start(&launch).await?;
    let result = answer_low_and_see_the_care_panel(&app, &server.url, &invite, &items).await;
    app.stop().await;
    let output = server.stop();
    result?;

    // What the care path knows must be nowhere on the server.
    let mut files: Vec<(String, Vec<u8>)> = vec![("server output".to_owned(), output.clone())];
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = PathBuf::from(format!("{}{suffix}", database.display()));
        if let Ok(bytes) = std::fs::read(&path) {
            files.push((path.display().to_string(), bytes));
        }
    }
    for (name, bytes) in &files {
        for needle in CARE_ONLY {
            ensure!(!contains(bytes, needle), "{name} holds '{needle}'");
        }
    }
    // Every request the server saw was one every device makes.
    let log = String::from_utf8_lossy(&output);
    for path in log
        .split("path=")
        .skip(1)
        .filter_map(|rest| rest.split(|c: char| c.is_whitespace() || c == '}' || c == ':').next())
    {
        let path = path.trim_matches('"');
        ensure!(ALLOWED_PATHS.contains(&path), "the app asked the server for {path}:\n{log}");
    }
    ensure!(!log.contains("/v1/reports"), "no report is due while the week is open:\n{log}");
    Ok(())
}

/// Enrols a simulated device with `invite` and returns the first week, from the one before this
/// one back over two years, that asks the burnout item or all five WHO-5 items, with its items in
/// the order the app shows them.
fn find_care_week(url: &str, invite: &str) -> Result<(IsoWeek, Vec<PulseItem>)> {
    let data_dir = tempfile::tempdir()?;
    let store = Store::open(
        &data_dir.path().join("polso.db"),
        &StoreKey::generate().map_err(|error| anyhow::anyhow!("{error}"))?,
    )?;
    let mut desktop = Desktop::new(store, "en-GB".to_owned())
        .map_err(|error| anyhow::anyhow!("{error}"))?
        .with_device_vault(Box::new(MemoryVault::default()), TOKEN_ACCOUNT);
    let today = Local::now().date_naive();
    let form = EnrolDevice { server_url: format!("{url}/"), invite_code: invite.to_lowercase() };
    enrol(&mut desktop, &UreqTransport::new(), &form, today, Utc::now())
        .map_err(|error| anyhow::anyhow!("the simulated device could not enrol: {error}"))?;
    let this_week = IsoWeek::containing(today);
    for back in 1..=104 {
        let week = this_week.plus_weeks(-back);
        let view = desktop.current_pulse(week.monday()).map_err(|error| anyhow::anyhow!("{error}"))?;
        let asks_burnout = view.items.iter().any(|item| item.id == "burnout.1");
        let asks_who5 = view.items.iter().filter(|item| item.id.starts_with("who5.")).count() == 5;
        if asks_burnout || asks_who5 {
            return Ok((week, view.items));
        }
    }
    anyhow::bail!("no week of the last two years asks the burnout item or the WHO-5")
}

/// The value that makes the week low: every WHO-5 item at 0 (raw score 0, below 13), the
/// burnout item at 5 (at least 3), any other item at its scale's minimum.
fn low_value(item: &PulseItem) -> u8 {
    if item.id.starts_with("who5.") {
        0
    } else if item.id == "burnout.1" {
        5
    } else {
        item.scale.min
    }
}

async fn answer_low_and_see_the_care_panel(
    app: &AppSession,
    server_url: &str,
    invite: &str,
    items: &[PulseItem],
) -> Result<()> {
    // Enrol through the form, then "Sync now": the server check reads the care contacts.
    app.testid("pulse-view").await?;
    app.testid("nav-sync").await?.click().await?;
    app.testid("enrol-server").await?.send_keys(server_url).await?;
    app.testid("enrol-code").await?.send_keys(invite).await?;
    app.testid("enrol-submit").await?.click().await?;
    app.wait_for_css("[data-testid='sync-now']", Duration::from_secs(20)).await?;
    app.testid("sync-now").await?.click().await?;
    let indicator = app.testid("sync-indicator").await?.text().await?;
    ensure!(indicator.contains("Synced"), "the top bar after the check: {indicator}");

    // Answer the week low and save.
    app.testid("nav-pulse").await?.click().await?;
    app.testid("pulse-view").await?;
    // The pulse follows the organisation's questionnaire once the device has joined.
    let last = items.len() - 1;
    app.wait_for_css(
        &format!("[data-testid='question-{last}'][data-item='{}']", items[last].id),
        Duration::from_secs(10),
    )
    .await?;
    let n_questions = app
        .wait_for_count("[role='radiogroup'][data-testid^='question-']", 1, Duration::from_secs(10))
        .await?;
    ensure!(n_questions == items.len(), "the app asks {n_questions} questions, the schedule {}", items.len());
    for (index, item) in items.iter().enumerate() {
        app.testid(&format!("option-{index}-{}", low_value(item))).await?.click().await?;
    }
    app.testid("submit-pulse").await?.click().await?;
    let saved = app
        .wait_for_css("[data-testid='pulse-done'], [data-testid='error-alert']", Duration::from_secs(20))
        .await?;
    if saved.attr("data-testid").await?.as_deref() == Some("error-alert") {
        anyhow::bail!("saving the low pulse failed: {}", saved.text().await?);
    }

    // The care panel: a calm region, with what it means, that it is not a diagnosis, the
    // organisation's contacts, the national services, and that nothing was sent.
    let panel =
        app.wait_for_css("[data-testid='care-panel'][role='region']", Duration::from_secs(10)).await?;
    let text = panel.text().await?;
    ensure!(text.contains("A note just for you"), "{text}");
    ensure!(text.contains("This is not a diagnosis"), "{text}");
    ensure!(text.contains("nothing of it was sent"), "{text}");
    ensure!(text.contains(EAP_NAME) && text.contains(EAP_NUMBER), "the organisation's contact: {text}");
    ensure!(text.contains("116 123") && text.contains("112"), "the national services: {text}");
    ensure!(!app.has_testid("error-alert").await?, "no alert is raised");
    let focused = app.focus_within("[data-testid='care-panel']").await.unwrap_or_default();
    ensure!(focused.is_empty(), "the panel does not take the focus: '{focused}'");
    let violations = app.axe_violations().await?;
    ensure!(violations.is_empty(), "axe on the care panel: {violations:?}");
    app.screenshot("care-panel").await?;

    // In the history for that week.
    app.testid("nav-history").await?.click().await?;
    app.testid("history-view").await?;
    app.wait_for_css("[data-testid='history-view'] [data-testid='care-panel']", Duration::from_secs(10))
        .await?;
    app.screenshot("care-panel-history").await?;

    // Sync again: only the reads every device makes.
    app.testid("nav-sync").await?.click().await?;
    app.testid("sync-now").await?.click().await?;
    let indicator = app.testid("sync-indicator").await?.text().await?;
    ensure!(indicator.contains("Synced"), "the top bar after the second sync: {indicator}");
    Ok(())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

/// An instant on the test's calendar: `date` at `hour`:`minute` UTC.
fn at(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)).and_utc()
}
