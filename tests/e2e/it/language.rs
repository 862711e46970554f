//! The window speaks the OS locale's language by default, switches language
//! in Settings at once, and remembers the choice across restarts.

use anyhow::{Result, ensure};
use fantoccini::Locator;
use polso_e2e::{AppSession, Launch, enabled};

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn italian_by_default_on_an_italian_system_and_english_once_chosen() -> Result<()> {
    if !enabled("italian_by_default_on_an_italian_system_and_english_once_chosen") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let launch = Launch { lang: "it_IT.UTF-8".to_owned(), ..Launch::new(data_dir.path()) };

    let app = AppSession::start(&launch).await?;
    let first_run = async {
        let nav = app.testid("nav-pulse").await?.text().await?;
        ensure!(nav == "Questa settimana", "an Italian system should get Italian, got '{nav}'");
        app.screenshot("pulse-italian").await?;
        app.testid("nav-settings").await?.click().await?;
        app.testid("language-select").await?;
        app.client
            .find(Locator::Css("[data-testid='language-select'] option[value='en']"))
            .await?
            .click()
            .await?;
        app.client
            .wait()
            .for_element(Locator::XPath("//*[@data-testid='nav-pulse'][normalize-space()='This week']"))
            .await?;
        Ok(())
    }
    .await;
    app.stop().await;
    first_run?;

    let app = AppSession::start(&launch).await?;
    let second_run = async {
        let text = app.testid("nav-pulse").await?.text().await?;
        ensure!(text == "This week", "the choice of English should survive a restart, got '{text}'");
        Ok(())
    }
    .await;
    app.stop().await;
    second_run
}
