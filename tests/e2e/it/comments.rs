//! Anonymous comments and replies (issue 16), end to end, against the real server binary:
//!
//! 1. The real app, enrolled through its form, writes a comment in "My team" during a week; nine
//!    simulated devices of the same team (the app's own library, each with its own store) write
//!    theirs and send them once their week has closed and their random delay has passed.
//! 2. With nine in the pool, HR reads no comment at all.
//! 3. The app, started after the week closed, queues its comment on "Sync now" (it waits for its
//!    random delay: nothing leaves), and sends it on a later start: the tenth comment releases the
//!    batch.
//! 4. The team's manager, connected in the app through the form, sees the ten comments in the
//!    team view and replies to the app's; the view passes an axe audit.
//! 5. Back as the employee, "Sync now" brings the reply into "My team"; none of the nine other
//!    devices finds a reply on its thread.
//! 6. Neither the server's output nor the app's log file holds a comment's text.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use polso_api::{EnrolDevice, MyCommentState, WriteComment};
use polso_core::IsoWeek;
use polso_desktop::Desktop;
use polso_desktop::comments::{read_threads, send_outbox};
use polso_desktop::sync::UreqTransport;
use polso_desktop::testing::enrol;
use polso_e2e::server::{RunningServer, admin, one_team_organisation};
use polso_e2e::{AppSession, Launch, enabled};
use polso_store::{MemoryVault, Store, StoreKey};

/// What the app's employee writes.
const APP_COMMENT: &str = "The Monday handover takes too long; could we write it down instead?";

/// The manager's reply to it.
const REPLY: &str = "Good idea: from next week the handover is a shared note.";

/// The random delay the server announces: the app's own floor (an hour, spread over a day) rules.
const MAX_DELAY_SECONDS: &str = "3600";

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn a_comment_batch_reaches_hr_only_with_ten_and_a_reply_reaches_only_its_writer() -> Result<()> {
    if !enabled("a_comment_batch_reaches_hr_only_with_ten_and_a_reply_reaches_only_its_writer") {
        return Ok(());
    }
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let team = one_team_organisation(&database, "Acme Assistenza", "Help desk", 12)?;
    let manager_token = admin(&database, &["create-manager-token", "--team", &team])?;
    let hr_token = admin(&database, &["create-hr-token"])?;

    // The week the comments are written in: three weeks ago, on its Thursday.
    let week = IsoWeek::containing(Utc::now().date_naive()).plus_weeks(-3);
    let thursday = week.monday() + Days::new(3);
    let next_monday = week.next().monday();
    let later = next_monday + Days::new(3);
    let invite =
        admin(&database, &["create-invite", "--team", &team, "--expires-in-days", "60", "--uses", "10"])?;
    let mut server = serve(&database, None, at(thursday, 9))?;
    let url = server.url.clone();

    // 1. The app writes its comment during the week.
    let data_dir = tempfile::tempdir()?;
    let launch = |today: NaiveDate, hour: u32| Launch {
        today: Some(today.to_string()),
        extra_env: vec![("POLSO_NOW".to_owned(), at(today, hour).to_rfc3339())],
        ..Launch::new(data_dir.path())
    };
    let app = AppSession::start(&launch(thursday, 10)).await?;
    let written = write_in_the_app(&app, &url, &invite).await;
    app.stop().await;
    written?;

    // The nine other devices write theirs and send them after the week and their delay.
    let mut others = Vec::new();
    for index in 0..9 {
        let mut device = SimulatedDevice::enrol(&url, &invite, thursday)?;
        device.write(&format!("Comment number {index} from a colleague"), thursday)?;
        ensure!(device.pass(next_monday, at(next_monday, 10))? == 0, "a comment left before its delay");
        ensure!(device.pass(later, at(later, 12))? == 1, "a simulated comment was not sent");
        others.push(device);
    }

    // 2. Nine in the pool: HR reads none of them.
    let pooled = read_comments(&url, &hr_token, &team)?;
    ensure!(pooled["batches"] == serde_json::json!([]), "HR reads comments before ten: {pooled}");

    // 3. The app after the week: queued on "Sync now", not sent before its delay.
    server = serve(&database, Some((server, &url)), at(next_monday, 9))?;
    let app = AppSession::start(&launch(next_monday, 10)).await?;
    let queued = sync_and_read_my_comment(&app).await;
    app.stop().await;
    let state = queued?;
    ensure!(state == "waiting", "after the week closed the comment waits for its delay: {state}");
    ensure!(
        read_comments(&url, &hr_token, &team)?["batches"] == serde_json::json!([]),
        "sent before its delay"
    );

    // Three days later it leaves and completes the batch.
    server = serve(&database, Some((server, &url)), at(later, 11))?;
    let app = AppSession::start(&launch(later, 12)).await?;
    let result = reply_as_manager_and_read_as_employee(&app, &url, &manager_token).await;
    app.stop().await;
    // 5. The reply reached only its writer: none of the other threads has one.
    let others_read = result.and_then(|()| {
        for (index, device) in others.iter_mut().enumerate() {
            let mine = device.read_replies(later)?;
            ensure!(mine.state == MyCommentState::ReachedHr, "device {index}: {:?}", mine.state);
            ensure!(
                mine.replies.is_empty(),
                "device {index} reads a reply to another's comment: {:?}",
                mine.replies
            );
        }
        Ok(())
    });
    let output = server.stop();
    others_read?;

    // 6. The app's log folder exists and holds no comment or reply.
    let logs = data_dir.path().join("logs");
    ensure!(logs.is_dir(), "the app keeps a log folder in its data directory");
    for entry in std::fs::read_dir(&logs)? {
        let text = std::fs::read_to_string(entry?.path()).unwrap_or_default();
        ensure!(
            !text.contains("handover") && !text.contains(REPLY),
            "the app's log holds a comment:\n{text}"
        );
    }

    // The server never wrote a comment's text to its output.
    let log = String::from_utf8_lossy(&output);
    ensure!(!log.contains("handover"), "the server's output holds the app's comment:\n{log}");
    ensure!(!log.contains("from a colleague"), "the server's output holds a comment:\n{log}");
    Ok(())
}

/// Serves `database` with the test's delay and clock, at the address of `previous` when given.
fn serve(
    database: &std::path::Path,
    previous: Option<(RunningServer, &str)>,
    now: DateTime<Utc>,
) -> Result<RunningServer> {
    let now = now.to_rfc3339();
    let arguments = ["--max-random-delay-seconds", MAX_DELAY_SECONDS, "--now", now.as_str()];
    match previous {
        Some((server, url)) => {
            drop(server.stop());
            RunningServer::restart_at(url, database, &arguments)
        }
        None => RunningServer::start(database, &arguments),
    }
}

/// Enrols the app through its form and writes this week's comment in "My team".
async fn write_in_the_app(app: &AppSession, server_url: &str, invite: &str) -> Result<()> {
    app.testid("pulse-view").await?;
    app.testid("nav-sync").await?.click().await?;
    app.testid("enrol-server").await?.send_keys(server_url).await?;
    app.testid("enrol-code").await?.send_keys(invite).await?;
    app.testid("enrol-submit").await?.click().await?;
    app.wait_for_css("[data-testid='sync-now']", Duration::from_secs(20)).await?;

    app.testid("nav-team").await?.click().await?;
    let warning =
        app.wait_for_css("[data-testid='my-comments-style-warning']", Duration::from_secs(20)).await?;
    ensure!(warning.text().await?.contains("may recognise your words"), "the warning about writing style");
    app.testid("my-comment-text").await?.send_keys(APP_COMMENT).await?;
    app.testid("my-comment-save").await?.click().await?;
    let saved = app.wait_for_css("[data-testid='my-comment-saved']", Duration::from_secs(10)).await?;
    ensure!(saved.text().await?.contains("until the week ends"), "saved as a draft");
    let violations = app.axe_violations().await?;
    ensure!(violations.is_empty(), "axe on My team with the comment form: {violations:?}");
    Ok(())
}

/// Presses "Sync now", opens "My team" and returns the state of the app's comment.
async fn sync_and_read_my_comment(app: &AppSession) -> Result<String> {
    app.testid("pulse-view").await?;
    sync_now(app).await?;
    app.testid("nav-team").await?.click().await?;
    let comment = app.wait_for_css("[data-testid='my-comment']", Duration::from_secs(20)).await?;
    ensure!(comment.text().await?.contains("handover"), "the app's own copy is shown");
    comment.attr("data-state").await?.context("the comment has no state")
}

/// Sends the app's comment, replies to it as the team's manager in the app, and reads the reply
/// back as the employee.
async fn reply_as_manager_and_read_as_employee(
    app: &AppSession,
    server_url: &str,
    manager_token: &str,
) -> Result<()> {
    let state = sync_and_read_my_comment(app).await?;
    ensure!(state == "reached_hr", "the tenth comment released the batch: {state}");

    // 4. The manager sees the ten comments and replies to the app's.
    app.testid("role-hr").await?.click().await?;
    app.testid("hr-connect-server").await?.send_keys(server_url).await?;
    app.testid("hr-connect-token").await?.send_keys(manager_token).await?;
    app.testid("hr-connect-submit").await?.click().await?;
    let n_comments = app.wait_for_count("[data-testid='hr-comment']", 10, Duration::from_secs(30)).await?;
    ensure!(n_comments == 10, "the manager reads {n_comments} comments");
    let mut found = None;
    for element in app.client.find_all(fantoccini::Locator::Css("[data-testid='hr-comment']")).await? {
        if element.text().await?.contains("handover") {
            found = Some(element);
        }
    }
    let comment = found.context("the app's comment is not among the ten")?;
    comment.find(fantoccini::Locator::Css("[data-testid='hr-reply-open']")).await?.click().await?;
    app.testid("hr-reply-text").await?.send_keys(REPLY).await?;
    app.testid("hr-reply-send").await?.click().await?;
    app.wait_for_css("[data-testid='hr-comment-reply']", Duration::from_secs(10)).await?;
    let violations = app.axe_violations().await?;
    ensure!(violations.is_empty(), "axe on the team's comments: {violations:?}");
    app.screenshot("hr-comments").await?;

    // 5. The employee reads it after "Sync now".
    app.testid("role-employee").await?.click().await?;
    sync_now(app).await?;
    app.testid("nav-team").await?.click().await?;
    let reply = app.wait_for_css("[data-testid='my-comment-reply']", Duration::from_secs(20)).await?;
    let text = reply.text().await?;
    ensure!(text.contains(REPLY) && text.contains("Your manager replied"), "the reply in My team: {text}");
    app.screenshot("my-comments").await?;
    Ok(())
}

/// Presses "Sync now" and waits for the pass to end (the button is enabled again).
async fn sync_now(app: &AppSession) -> Result<()> {
    app.testid("nav-sync").await?.click().await?;
    app.wait_for_css("[data-testid='sync-now']:not([disabled])", Duration::from_secs(20))
        .await?
        .click()
        .await?;
    app.wait_for_css("[data-testid='sync-now']:not([disabled])", Duration::from_secs(30)).await?;
    Ok(())
}

/// GETs the team's released comments with an HR token.
fn read_comments(url: &str, hr_token: &str, team: &str) -> Result<serde_json::Value> {
    use polso_desktop::hr::HrTransport;
    let answer = UreqTransport::new()
        .get_json(&format!("{url}/v1/comments?team_id={team}"), hr_token)
        .map_err(|failure| anyhow::anyhow!("{}", failure.detail))?;
    ensure!(answer.status == 200, "reading comments: {} {}", answer.status, answer.body);
    Ok(serde_json::from_str(&answer.body)?)
}

/// A colleague's device: the app's own library with its own store and keyring.
struct SimulatedDevice {
    desktop: Desktop,
    _directory: tempfile::TempDir,
}

impl SimulatedDevice {
    fn enrol(url: &str, invite: &str, today: NaiveDate) -> Result<SimulatedDevice> {
        let directory = tempfile::tempdir()?;
        let key = StoreKey::generate().map_err(|error| anyhow::anyhow!("{error}"))?;
        let store = Store::open(&directory.path().join("polso.db"), &key)?;
        let mut desktop = Desktop::new(store, "en-GB".to_owned())
            .map_err(|error| anyhow::anyhow!("{error}"))?
            .with_device_vault(Box::new(MemoryVault::default()), "device-token@e2e-comments");
        let form = EnrolDevice { server_url: url.to_owned(), invite_code: invite.to_owned() };
        enrol(&mut desktop, &UreqTransport::new(), &form, today, at(today, 9))
            .map_err(|error| anyhow::anyhow!("a simulated device could not enrol: {error}"))?;
        Ok(SimulatedDevice { desktop, _directory: directory })
    }

    fn write(&mut self, text: &str, today: NaiveDate) -> Result<()> {
        let comment = WriteComment { text: text.to_owned() };
        self.desktop
            .write_comment(&comment, today, at(today, 10))
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        Ok(())
    }

    /// One outbox pass; how many items the server took.
    fn pass(&mut self, today: NaiveDate, now: DateTime<Utc>) -> Result<usize> {
        let mut random = || 1_u64;
        let batch = self
            .desktop
            .prepare_outbox(today, now, &mut random)
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        let Some(batch) = batch else { return Ok(0) };
        let outcomes = send_outbox(&UreqTransport::new(), &batch);
        self.desktop.record_outbox(&outcomes, now).map_err(|error| anyhow::anyhow!("{error}"))?;
        Ok(outcomes
            .iter()
            .filter(|outcome| matches!(outcome, polso_desktop::comments::OutboxOutcome::Sent(_)))
            .count())
    }

    /// Reads the device's thread and returns its comment as the app would show it.
    fn read_replies(&mut self, today: NaiveDate) -> Result<polso_api::MyComment> {
        let now = at(today, 13);
        let check = self
            .desktop
            .prepare_threads(now, true)
            .map_err(|error| anyhow::anyhow!("{error}"))?
            .context("a sent comment has a thread to read")?;
        let read = read_threads(&UreqTransport::new(), &check);
        for (week, thread) in &read {
            ensure!(thread.is_ok(), "reading the thread of {week}: {thread:?}");
        }
        self.desktop.keep_threads(read, now).map_err(|error| anyhow::anyhow!("{error}"))?;
        let mut comments = self.desktop.my_comments(today).map_err(|error| anyhow::anyhow!("{error}"))?;
        comments.comments.pop().context("the device's comment")
    }
}

/// `date` at `hour`:00 UTC.
fn at(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN)).and_utc()
}
