//! The weekly reminder in the real app, with an injected clock (`POLSO_NOW`)
//! that starts half a minute before Thursday 11:00 and runs on: nothing has
//! fired at first, then the reminder fires at the due time, the window hears
//! of it, the settings show it, and a real `Notify` call goes out on the
//! D-Bus session bus (watched with dbus-monitor).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use polso_e2e::{AppSession, Launch, enabled};

/// Thursday of 2026-W48 in Rome, 30 s before the default reminder time.
const NOW: &str = "2026-11-26T10:59:30+01:00";

async fn open_settings(app: &AppSession) -> Result<()> {
    app.testid("nav-pulse").await?.click().await?;
    app.testid("nav-settings").await?.click().await?;
    app.testid("reminder-status").await?;
    Ok(())
}

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn the_reminder_fires_at_the_due_time_of_the_injected_clock() -> Result<()> {
    if !enabled("the_reminder_fires_at_the_due_time_of_the_injected_clock") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let bus_log = data_dir.path().join("dbus-monitor.log");
    let mut monitor = Command::new("dbus-monitor")
        .args(["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"])
        .stdout(Stdio::from(std::fs::File::create(&bus_log)?))
        .stderr(Stdio::null())
        .spawn()
        .context("starting dbus-monitor (Debian package dbus-bin)")?;
    let launch = Launch {
        extra_env: vec![
            ("POLSO_NOW".to_owned(), NOW.to_owned()),
            ("POLSO_REMINDER_TICK_SECONDS".to_owned(), "1".to_owned()),
            ("TZ".to_owned(), "Europe/Rome".to_owned()),
        ],
        ..Launch::new(data_dir.path())
    };
    let app = AppSession::start(&launch).await?;
    let outcome = async {
        open_settings(&app).await?;
        let last = app.testid("reminder-last").await?;
        ensure!(
            last.attr("data-fired").await?.as_deref() == Some("false"),
            "no reminder may fire before 11:00: {}",
            last.text().await?
        );
        let next = app.testid("reminder-next").await?.text().await?;
        ensure!(next.contains("11:00"), "the next reminder should be at 11:00: {next}");

        // The window hears the reminder when it fires.
        app.wait_for_css("main[data-reminder-fired='true']", Duration::from_secs(90)).await?;
        open_settings(&app).await?;
        let last = app.testid("reminder-last").await?;
        ensure!(last.attr("data-fired").await?.as_deref() == Some("true"), "{}", last.text().await?);
        let text = last.text().await?;
        ensure!(text.contains("11:0"), "the reminder should have fired at 11:00: {text}");
        let next = app.testid("reminder-next").await?.text().await?;
        ensure!(next.contains("3 December 2026"), "the next one is next Thursday: {next}");
        // The pulse is due, so it can be snoozed; a snooze shows when it ends.
        app.testid("snooze-hour").await?.click().await?;
        let snoozed = app.testid("reminder-snoozed").await?.text().await?;
        ensure!(snoozed.contains("12:0"), "snoozed for an hour from about 11:00: {snoozed}");
        ensure!(
            app.client.find_all(Locator::Css("[data-testid='reminder-error']")).await?.is_empty(),
            "snoozing failed"
        );
        app.screenshot("reminder-fired").await?;

        // A real notification request went out on the session bus.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let seen = std::fs::read_to_string(&bus_log)?;
            if seen.contains("Time for your weekly pulse") {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "no Notify call with the reminder's title on the bus:\n{seen}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        anyhow::Ok(())
    }
    .await;
    app.stop().await;
    let _ = Command::new("kill").args(["-TERM", &monitor.id().to_string()]).status();
    let _ = monitor.wait();
    outcome
}
