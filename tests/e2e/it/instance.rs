//! One running instance per data directory: a second launch hands over to the
//! first (which comes to the front) and exits at once; a launch on another
//! data directory is an instance of its own.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use polso_e2e::{AppSession, Launch, app_binary, enabled};

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn a_second_launch_exits_and_the_first_keeps_running() -> Result<()> {
    if !enabled("a_second_launch_exits_and_the_first_keeps_running") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let launch = Launch::new(data_dir.path());
    let app = AppSession::start(&launch).await?;
    let outcome = async {
        launch_second_and_expect_a_handover(data_dir.path(), &launch.lang).await?;
        // The first still answers.
        app.testid("nav-settings").await?.click().await?;
        app.testid("settings-view").await?;

        // Another data directory is another profile, with an instance of its own.
        let other_dir = tempfile::tempdir()?;
        let mut other = Command::new(app_binary())
            .env("POLSO_DATA_DIR", other_dir.path())
            .env("LANG", &launch.lang)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting Polso on another data directory")?;
        tokio::time::sleep(Duration::from_secs(4)).await;
        let still_running = other.try_wait()?.is_none();
        let _ = Command::new("kill").args(["-TERM", &other.id().to_string()]).status();
        let _ = other.wait();
        ensure!(still_running, "a Polso on another data directory should run as an instance of its own");
        anyhow::Ok(())
    }
    .await;
    app.stop().await;
    outcome
}

/// Starts Polso on `data_dir` and expects it to hand over to the running one
/// and exit cleanly within 30 s.
async fn launch_second_and_expect_a_handover(data_dir: &Path, lang: &str) -> Result<()> {
    let mut second = Command::new(app_binary())
        .env("POLSO_DATA_DIR", data_dir)
        .env("LANG", lang)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting a second Polso")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = second.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = second.wait();
            bail!("the second Polso was still running after 30 s: it did not hand over to the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    ensure!(status.success(), "the second Polso should exit cleanly after handing over: {status}");
    Ok(())
}
