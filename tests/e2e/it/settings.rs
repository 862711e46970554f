//! Settings in the real app: the reminder, quiet hours, language and start at
//! login survive a restart (start at login as a real XDG autostart entry), and
//! "delete all my local data" asks first, then removes the store, its key in
//! the real OS keyring and the autostart entry, and the app starts over.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use polso_e2e::{AppSession, Launch, enabled};
use polso_store::SecretVault;
use polso_store::vault::OsKeyring;

/// The keyring entry of the store's key, as the app names it.
fn store_key(data_dir: &Path) -> Result<Option<String>> {
    let account = format!("store-key@{}", data_dir.display());
    OsKeyring::new("app.polso.desktop").get(&account).context("reading the store's key from the keyring")
}

fn autostart_entries(home: &Path) -> Vec<String> {
    std::fs::read_dir(home.join(".config/autostart"))
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

async fn value(app: &AppSession, testid: &str) -> Result<String> {
    Ok(app.testid(testid).await?.prop("value").await?.unwrap_or_default())
}

async fn checked(app: &AppSession, testid: &str) -> Result<bool> {
    Ok(app.testid(testid).await?.prop("checked").await?.as_deref() == Some("true"))
}

/// Sets an input's value as the browser would after typing, and tells Svelte.
async fn set_input(app: &AppSession, testid: &str, text: &str) -> Result<()> {
    let element = app.testid(testid).await?;
    app.client
        .execute(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
            vec![serde_json::to_value(&element)?, serde_json::json!(text)],
        )
        .await?;
    Ok(())
}

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn settings_survive_a_restart_and_delete_all_data_starts_over() -> Result<()> {
    if !enabled("settings_survive_a_restart_and_delete_all_data_starts_over") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let home = tempfile::tempdir()?;
    let launch = Launch {
        extra_env: vec![("HOME".to_owned(), home.path().to_string_lossy().into_owned())],
        ..Launch::new(data_dir.path())
    };

    let app = AppSession::start(&launch).await?;
    let outcome = async {
        app.testid("nav-settings").await?.click().await?;
        ensure!(value(&app, "reminder-day").await? == "thu", "the default day is Thursday");
        ensure!(value(&app, "reminder-time").await? == "11:00", "the default time is 11:00");
        ensure!(!checked(&app, "autostart").await?, "start at login is off by default");
        ensure!(autostart_entries(home.path()).is_empty(), "no autostart entry by default");

        app.testid("reminder-day").await?.select_by_value("mon").await?;
        set_input(&app, "reminder-time", "09:15").await?;
        app.testid("quiet-enabled").await?.click().await?;
        set_input(&app, "quiet-start", "18:30").await?;
        set_input(&app, "quiet-end", "08:00").await?;
        app.testid("reminder-save").await?.click().await?;
        app.wait_for_css("[data-testid='reminder-save-status']:not(:empty)", Duration::from_secs(10)).await?;
        let saved = app.testid("reminder-save-status").await?.text().await?;
        ensure!(saved == "Saved.", "the reminder should save: {saved}");

        app.testid("autostart").await?.click().await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while autostart_entries(home.path()).is_empty() {
            ensure!(std::time::Instant::now() < deadline, "no XDG autostart entry was written");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app.testid("language-select").await?.select_by_value("it").await?;
        app.wait_for_css("html[lang='it']", Duration::from_secs(10)).await?;
        anyhow::Ok(())
    }
    .await;
    app.stop().await;
    outcome?;

    let entries = autostart_entries(home.path());
    ensure!(entries.iter().any(|name| name.ends_with(".desktop")), "autostart entries: {entries:?}");
    let key_before = store_key(data_dir.path())?.context("the store's key should be in the keyring")?;

    let app = AppSession::start(&launch).await?;
    let outcome = async {
        app.wait_for_css("html[lang='it']", Duration::from_secs(10)).await?;
        app.testid("nav-settings").await?.click().await?;
        ensure!(value(&app, "reminder-day").await? == "mon", "the day should persist");
        ensure!(value(&app, "reminder-time").await? == "09:15", "the time should persist");
        ensure!(checked(&app, "quiet-enabled").await?, "quiet hours should persist");
        ensure!(value(&app, "quiet-start").await? == "18:30", "the quiet start should persist");
        ensure!(value(&app, "quiet-end").await? == "08:00", "the quiet end should persist");
        ensure!(checked(&app, "autostart").await?, "start at login should persist");

        // Deleting asks first; "keep" changes nothing.
        app.testid("delete-data").await?.click().await?;
        app.testid("delete-confirm").await?;
        app.testid("delete-cancel").await?.click().await?;
        ensure!(data_dir.path().join("polso.db").exists(), "cancelling must keep the store");
        app.testid("delete-data").await?.click().await?;
        app.testid("delete-confirm-button").await?.click().await?;
        // The app starts over as on the first run: the welcome, then this week, in the
        // system's language, with defaults.
        app.wait_for_css("html[lang='en']", Duration::from_secs(20)).await?;
        app.wait_for_css("[data-testid='welcome']", Duration::from_secs(20)).await?;
        app.pass_welcome().await?;
        app.testid("pulse-view").await?;
        app.testid("nav-settings").await?.click().await?;
        ensure!(value(&app, "reminder-day").await? == "thu", "the day should be back to the default");
        ensure!(!checked(&app, "autostart").await?, "start at login should be off again");
        anyhow::Ok(())
    }
    .await;
    app.stop().await;
    outcome?;

    ensure!(autostart_entries(home.path()).is_empty(), "the autostart entry should be gone");
    let key_after = store_key(data_dir.path())?;
    ensure!(
        key_after.as_deref() != Some(key_before.as_str()),
        "the old store's key must be gone from the keyring"
    );
    Ok(())
}
