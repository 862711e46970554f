//! Start-up failures are shown in words, and never cost the employee data.

use anyhow::{Result, ensure};
use polso_e2e::{AppSession, Launch, enabled};

#[tokio::test(flavor = "multi_thread")]
async fn a_store_without_its_key_is_reported_and_left_untouched() -> Result<()> {
    if !enabled("a_store_without_its_key_is_reported_and_left_untouched") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let store_file = data_dir.path().join("polso.db");
    let content = b"not a database, and no key in the keyring for it".repeat(100);
    std::fs::write(&store_file, &content)?;

    let app = AppSession::start(&Launch::new(data_dir.path())).await?;
    let outcome = async {
        let screen = app.testid("error-screen").await?;
        let text = screen.text().await?;
        ensure!(
            text.to_lowercase().contains("key"),
            "the error screen should say the key is missing: {text}"
        );
        app.screenshot("error-key-missing").await?;
        Ok(())
    }
    .await;
    app.stop().await;
    outcome?;

    ensure!(std::fs::read(&store_file)? == content, "the store file must be left byte for byte unchanged");
    let entries: Vec<_> = std::fs::read_dir(data_dir.path())?.collect();
    ensure!(entries.len() == 1, "no new store may be created beside the old one: {entries:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_keyring_is_reported_in_words() -> Result<()> {
    if !enabled("an_unreachable_keyring_is_reported_in_words") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    // No Secret Service can be reached on a bus that does not exist.
    let launch = Launch {
        extra_env: vec![(
            "DBUS_SESSION_BUS_ADDRESS".to_owned(),
            "unix:path=/nonexistent/polso-bus".to_owned(),
        )],
        ..Launch::new(data_dir.path())
    };
    let app = AppSession::start(&launch).await?;
    let outcome = async {
        let screen = app.testid("error-screen").await?;
        let code = screen.attr("data-error-code").await?;
        ensure!(code.as_deref() == Some("keyring_unavailable"), "expected keyring_unavailable, got {code:?}");
        let text = screen.text().await?;
        ensure!(text.to_lowercase().contains("keyring"), "the screen should name the keyring: {text}");
        app.screenshot("error-keyring-unavailable").await?;
        Ok(())
    }
    .await;
    app.stop().await;
    outcome?;
    let entries: Vec<_> = std::fs::read_dir(data_dir.path())?.collect();
    ensure!(entries.is_empty(), "without a key nothing may be written: {entries:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn try_again_opens_the_store_once_the_problem_is_gone() -> Result<()> {
    if !enabled("try_again_opens_the_store_once_the_problem_is_gone") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let store_file = data_dir.path().join("polso.db");
    std::fs::write(&store_file, b"a store whose key was lost")?;

    let app = AppSession::start(&Launch::new(data_dir.path())).await?;
    let outcome = async {
        app.testid("error-screen").await?;
        // The employee moves the unreadable file away, then tries again.
        std::fs::rename(&store_file, data_dir.path().join("lost.db"))?;
        app.testid("error-retry").await?.click().await?;
        app.testid("pulse-view").await?;
        ensure!(!app.has_testid("error-screen").await?, "the error screen should be gone after a retry");
        Ok(())
    }
    .await;
    app.stop().await;
    outcome?;
    ensure!(store_file.exists(), "the retry should have created a new store in place of the moved file");
    Ok(())
}
