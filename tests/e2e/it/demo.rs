//! The demo of `cargo xtask run`, run twice: the same set-up it runs
//! (`polso-server demo --dir DIR`, the app started with the environment the
//! set-up wrote into `DIR/demo.json`), on the real server and the real app.
//!
//! The first run seeds the organisation; the app connects HR, enrols with the
//! demo's invite code and gets some past weeks of the employee's own answers,
//! none of them sent. Before the second run the first run's port is taken, so
//! the set-up serves on another; the app follows: HR reads from the new
//! address, and "Sync now" reaches it and says so.

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use polso_e2e::server::RunningServer;
use polso_e2e::{AppSession, Launch, enabled};

/// The demo's facts: the server's address and the app's environment.
struct DemoRun {
    server: RunningServer,
    server_url: String,
    address_changed: bool,
    app_environment: Vec<(String, String)>,
    /// The demo helper's party and key fingerprint, as `demo.json` tells them.
    helper: (String, String),
}

fn start_demo(dir: &Path) -> Result<DemoRun> {
    let (server, facts) = RunningServer::start_demo(dir)?;
    let server_url = facts["server_url"].as_str().context("demo.json has no server_url")?.to_owned();
    ensure!(server.url == server_url, "the server listens on {}, demo.json says {server_url}", server.url);
    let app_environment = polso_e2e::server::demo_app_environment(&facts)?;
    let text =
        |key: &str| facts[key].as_str().map(str::to_owned).with_context(|| format!("demo.json has no {key}"));
    Ok(DemoRun {
        server,
        server_url,
        address_changed: facts["address_changed"].as_bool() == Some(true),
        app_environment,
        helper: (text("helper_party")?, text("helper_fingerprint")?),
    })
}

fn launch(data_dir: &Path, demo: &DemoRun) -> Launch {
    Launch { extra_env: demo.app_environment.clone(), ..Launch::new(data_dir) }
}

/// Opens the Organisation view until its status names `wanted` (the app
/// follows the demo in the background after start-up); returns its text.
async fn wait_for_sync_status(app: &AppSession, wanted: &str) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        app.testid("nav-pulse").await?.click().await?;
        app.testid("nav-sync").await?.click().await?;
        let text = app.testid("sync-status").await?.text().await?;
        if text.contains(wanted) {
            return Ok(text);
        }
        if Instant::now() > deadline {
            bail!("the Organisation view never named {wanted}: {text}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Switches to HR and waits for the overview's chart, with no error on the way.
async fn ensure_hr_reads(app: &AppSession, server_url: &str) -> Result<()> {
    app.testid("role-hr").await?.click().await?;
    let connection = app.testid("hr-connection").await?.text().await?;
    ensure!(connection.contains(server_url), "HR is connected to {connection}, not {server_url}");
    app.wait_for_css(polso_e2e::HR_SUMMARY_READY, Duration::from_secs(30)).await?;
    ensure!(!app.has_testid("error-alert").await?, "HR shows an error");
    app.testid("role-employee").await?.click().await?;
    Ok(())
}

/// The action the demo's HR records for Help desk, which the demo's employee (of Help desk) then
/// sees in "My team".
const ACTION_TEXT: &str = "Stand-up moved to Tuesday mornings";

/// As HR, in the team view of Help desk, records [`ACTION_TEXT`] through the form.
async fn record_an_action_for_help_desk(app: &AppSession) -> Result<()> {
    app.testid("role-hr").await?.click().await?;
    app.testid("nav-hr_team").await?.click().await?;
    app.wait_for_css("[data-testid='team-select']", Duration::from_secs(20)).await?;
    // WebKitGTK's driver does not click options; choose Help desk as the keyboard would.
    app.client
        .execute(
            "const select = document.querySelector(\"[data-testid='team-select']\"); \
             const option = [...select.options].find((option) => option.text.trim() === 'Help desk'); \
             select.value = option.value; select.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    app.wait_for_css("[data-testid='hr-action-form']", Duration::from_secs(30)).await?;
    app.testid("hr-action-text").await?.send_keys(ACTION_TEXT).await?;
    app.testid("hr-action-owner").await?.send_keys("Giulia").await?;
    // A date field's typing is the toolkit's; set its value as a picked date would.
    app.client
        .execute(
            "const field = document.querySelector(\"[data-testid='hr-action-due']\"); \
             field.value = '2026-12-31'; field.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![],
        )
        .await?;
    app.testid("hr-action-record").await?.click().await?;
    let recorded =
        app.wait_for_css("[data-testid='hr-action']", Duration::from_secs(20)).await?.text().await?;
    ensure!(recorded.contains(ACTION_TEXT), "the recorded action: {recorded}");
    ensure!(!app.has_testid("hr-action-error").await?, "recording the action failed");
    app.testid("role-employee").await?.click().await?;
    Ok(())
}

/// "My team": the demo team's last published month beside its department and the organisation,
/// with released figures in each column and the k rule in words.
async fn ensure_my_team_month(app: &AppSession) -> Result<()> {
    app.testid("nav-team").await?.click().await?;
    app.wait_for_css("[data-testid='my-team-table']", Duration::from_secs(30)).await?;
    let period = app.testid("my-team-period").await?.text().await?;
    ensure!(period.contains("Help desk"), "the month names the team: {period}");
    let k = app.testid("my-team-k").await?.text().await?;
    ensure!(k.contains("at least 5 people answered"), "k in words: {k}");
    for unit in ["team", "department", "organisation"] {
        let selector = format!("[data-testid='my-team-table'] td[data-unit='{unit}'] .value");
        let shown = app.wait_for_count(&selector, 1, Duration::from_secs(10)).await?;
        ensure!(shown >= 1, "no released figure in the {unit} column");
    }
    let action =
        app.wait_for_css("[data-testid='my-team-action']", Duration::from_secs(10)).await?.text().await?;
    ensure!(action.contains(ACTION_TEXT) && action.contains("Giulia"), "HR's action in My team: {action}");
    let team = app.testid("my-team-participation").await?.text().await?;
    ensure!(team.contains("answered a week, on average"), "participation in words: {team}");
    ensure!(!app.has_testid("error-alert").await?, "My team shows an error");
    let violations = app.axe_violations().await?;
    ensure!(violations.is_empty(), "My team with its figures has accessibility violations: {violations:?}");
    app.screenshot("my-team").await?;
    Ok(())
}

/// Presses "Sync now" and returns what it said it did.
async fn sync_now(app: &AppSession) -> Result<(String, String)> {
    app.testid("sync-now").await?.click().await?;
    let outcome = app.wait_for_css("[data-testid='sync-outcome']", Duration::from_secs(20)).await?;
    let tone = outcome.attr("data-outcome").await?.unwrap_or_default();
    Ok((tone, outcome.text().await?))
}

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_works_the_second_time_on_another_port() -> Result<()> {
    if !enabled("the_demo_works_the_second_time_on_another_port") {
        return Ok(());
    }
    let demo_dir = tempfile::tempdir()?;
    let data_dir = tempfile::tempdir()?;

    // The first run: seeded, HR connected, the device enrolled, past weeks to look at.
    let first = start_demo(demo_dir.path())?;
    ensure!(!first.address_changed, "the first run has no earlier address");
    let app = AppSession::start(&launch(data_dir.path(), &first)).await?;
    let outcome = async {
        wait_for_sync_status(&app, "Help desk").await?;
        ensure_hr_reads(&app, &first.server_url).await?;
        record_an_action_for_help_desk(&app).await?;
        ensure_my_team_month(&app).await?;
        app.testid("nav-history").await?.click().await?;
        let weeks = app
            .wait_for_count("[data-testid='history-table'] [data-week]", 8, Duration::from_secs(10))
            .await?;
        ensure!(weeks >= 8, "the demo employee has {weeks} past weeks, expected 8");
        app.testid("nav-sync").await?.click().await?;
        let pending = app.testid("sync-pending").await?.text().await?;
        ensure!(pending.starts_with("0 "), "the past weeks must never be queued as reports: {pending}");
        // The demo aggregates with a helper: the app pinned it at enrolment and says so in words.
        let (party, fingerprint) = &first.helper;
        let mode = app.testid("sync-aggregation-mode").await?.text().await?;
        ensure!(
            mode.contains("two secret halves") && mode.contains(party.as_str()),
            "how answers are counted: {mode}"
        );
        let shown = app.testid("sync-helper-fingerprint-value").await?.text().await?;
        ensure!(&shown == fingerprint, "the app shows {shown}, the helper's holder publishes {fingerprint}");
        app.screenshot("organisation-two-servers").await?;
        Ok(())
    }
    .await;
    app.stop().await;
    let first_url = first.server_url.clone();
    drop(first.server.stop());
    outcome?;

    // The second run, with the first run's port taken by someone else.
    let first_address = first_url.trim_start_matches("http://");
    let _occupied = TcpListener::bind(first_address).with_context(|| format!("occupying {first_address}"))?;
    let second = start_demo(demo_dir.path())?;
    ensure!(second.address_changed, "the set-up should say the address changed");
    ensure!(second.server_url != first_url, "the second run should listen elsewhere");
    let app = AppSession::start(&launch(data_dir.path(), &second)).await?;
    let outcome = async {
        let status = wait_for_sync_status(&app, &second.server_url).await?;
        ensure!(status.contains("Help desk"), "still enrolled in the demo team: {status}");
        ensure_hr_reads(&app, &second.server_url).await?;
        app.testid("nav-sync").await?.click().await?;
        let (tone, text) = sync_now(&app).await?;
        ensure!(tone == "done", "Sync now after the move: {tone} '{text}'");
        let indicator = app.testid("sync-indicator").await?.text().await?;
        ensure!(indicator.contains("Synced"), "the top bar: {indicator}");
        app.screenshot("demo-second-run-synced").await?;
        Ok(())
    }
    .await;

    // The server gone: "Sync now" says it failed and why, and the top bar no longer says "Synced".
    let outcome = match outcome {
        Ok(()) => {
            drop(second.server.stop());
            async {
                let (tone, text) = sync_now(&app).await?;
                ensure!(tone == "failed", "Sync now with the server gone: {tone} '{text}'");
                ensure!(text.contains("Sync failed"), "the failure in words: {text}");
                let reason = app.testid("sync-last-error").await?.text().await?;
                ensure!(reason.contains("could not reach"), "the reason in words: {reason}");
                let indicator = app.testid("sync-indicator").await?.text().await?;
                ensure!(!indicator.contains("Synced"), "the top bar still says synced: {indicator}");
                app.screenshot("demo-server-gone").await?;
                Ok(())
            }
            .await
        }
        Err(error) => Err(error),
    };

    // The server back at an address the app was not told: the employee gives it in the
    // "server moved" form, which opened by itself, and syncing works again.
    let second_address = second.server_url.trim_start_matches("http://").to_owned();
    let outcome = match outcome {
        Ok(()) => {
            let occupied =
                TcpListener::bind(&second_address).with_context(|| format!("occupying {second_address}"));
            let third = occupied.and_then(|_occupied| start_demo(demo_dir.path()));
            let third = match third {
                Ok(third) => third,
                Err(error) => {
                    app.stop().await;
                    return Err(error);
                }
            };
            let moved = async {
                ensure!(third.server_url != second.server_url, "the third run should listen elsewhere");
                let form = app.testid("move-server").await?;
                ensure!(
                    form.attr("open").await?.is_some(),
                    "the server-moved form opens when the server is unreachable"
                );
                app.testid("move-server-url").await?.send_keys(&third.server_url).await?;
                app.testid("move-server-submit").await?.click().await?;
                let outcome =
                    app.wait_for_css("[data-testid='move-server-outcome']", Duration::from_secs(20)).await?;
                let said = outcome.text().await?;
                ensure!(outcome.attr("data-outcome").await?.as_deref() == Some("moved"), "the move: {said}");
                ensure!(said.contains(&third.server_url), "the move names the new address: {said}");
                let (tone, text) = sync_now(&app).await?;
                ensure!(tone == "done", "Sync now at the new address: {tone} '{text}'");
                let indicator = app.testid("sync-indicator").await?.text().await?;
                ensure!(indicator.contains("Synced"), "the top bar after the move: {indicator}");
                Ok(())
            }
            .await;
            drop(third.server.stop());
            moved
        }
        Err(error) => Err(error),
    };
    app.stop().await;
    outcome
}
