//! "About these questions" in the real app, in English and in Italian: a card
//! for every source of the embedded item bank (read here through polso-core,
//! so a new source needs no change to the test), WHO-5 flagged as
//! non-commercial with its CC BY-NC-SA 3.0 IGO licence, the NPS trademark
//! credit, each source's declared changes in the app's language, every item
//! under each source of its texts, and the way in from a question's "Source"
//! line.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use polso_core::bank::{ItemBank, Language};
use polso_e2e::{AppSession, Launch, enabled};

/// The text of the element matching `selector` inside the card of `source_id`.
async fn card_text(app: &AppSession, source_id: &str, selector: &str) -> Result<String> {
    let css = format!("[data-testid='about-source-{source_id}'] {selector}");
    let element = app.wait_for_css(&css, Duration::from_secs(10)).await?;
    element.text().await.with_context(|| format!("reading {css}"))
}

/// Collapses runs of white space, as the page's text does.
fn squashed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks the About view, open now, against the embedded bank in `language`.
async fn check_about_view(app: &AppSession, language: Language) -> Result<()> {
    let bank = ItemBank::embedded();
    let cards = app.client.find_all(fantoccini::Locator::Css("[data-testid^='about-source-']")).await?;
    ensure!(
        cards.len() == bank.sources().len(),
        "{} source cards for the bank's {} sources",
        cards.len(),
        bank.sources().len()
    );
    for source in bank.sources() {
        let heading = card_text(app, &source.id, "h2").await?;
        ensure!(heading == source.name, "the card of '{}' is headed '{heading}'", source.id);
        let licence = card_text(app, &source.id, "[data-testid='about-licence']").await?;
        ensure!(
            licence.contains(&source.licence),
            "the card of '{}' shows the licence '{licence}'",
            source.id
        );
        let deviations = if source.deviations.is_empty() {
            String::new()
        } else {
            squashed(&card_text(app, &source.id, "[data-testid='about-deviations']").await?)
        };
        for deviation in &source.deviations {
            let want = squashed(deviation.description.get(language));
            ensure!(
                deviations.contains(&want),
                "the card of '{}' does not show the declared change '{want}' in {}",
                source.id,
                language.code()
            );
        }
        let listed = app
            .client
            .find_all(fantoccini::Locator::Css(&format!(
                "[data-testid='about-source-{}'] [data-testid^='about-item-']",
                source.id
            )))
            .await?
            .len();
        let given = bank
            .items()
            .iter()
            .filter(|item| bank.sources_of(item).iter().any(|giver| giver.id == source.id))
            .count();
        ensure!(listed == given, "the card of '{}' lists {listed} items, the bank {given}", source.id);
        if let Some(trademarks) = &source.trademarks {
            let shown = card_text(app, &source.id, "[data-testid='about-trademarks']").await?;
            ensure!(squashed(&shown) == squashed(trademarks), "the card of '{}' shows '{shown}'", source.id);
        }
    }

    // WHO-5 is the source whose terms exclude commercial use.
    let who5 = bank.source("who5").context("the bank has no WHO-5 source")?;
    ensure!(!who5.commercial_use, "the bank records WHO-5 as commercial");
    let licence = card_text(app, "who5", "[data-testid='about-licence']").await?;
    ensure!(licence.contains("CC BY-NC-SA 3.0 IGO"), "WHO-5's licence reads '{licence}'");
    let flag = app.client.find(fantoccini::Locator::Css("[data-testid='about-source-who5']")).await?;
    ensure!(
        flag.attr("data-commercial-use").await?.as_deref() == Some("false"),
        "the WHO-5 card is not flagged as non-commercial"
    );
    let commercial = card_text(app, "who5", "[data-testid='about-commercial']").await?;
    let want = match language {
        Language::En => "Non-commercial use only",
        Language::It => "Solo uso non commerciale",
    };
    ensure!(commercial.contains(want), "the WHO-5 card says '{commercial}', not '{want}'");

    // The NPS credit names the marks' current owners.
    let nps = bank
        .sources()
        .iter()
        .find(|source| source.trademarks.as_deref().is_some_and(|marks| marks.contains("NPS®")))
        .context("no source of the bank carries the NPS trademark credit")?;
    let credit = card_text(app, &nps.id, "[data-testid='about-trademarks']").await?;
    ensure!(credit.contains("Bain & Company"), "the NPS credit reads '{credit}'");
    Ok(())
}

/// The `data-testid` of the source card that holds the keyboard focus, once
/// one does (the view moves focus there after it loads).
async fn focused_card(app: &AppSession) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let card = app.focus_within("[data-testid^='about-source-']").await?;
        if !card.is_empty() {
            return Ok(card);
        }
        ensure!(Instant::now() < deadline, "no source card took the focus");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn about_view_in(test: &str, lang: &str, language: Language) -> Result<()> {
    if !enabled(test) {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let app = AppSession::start(&Launch { lang: lang.to_owned(), ..Launch::new(data_dir.path()) }).await?;
    let code = language.code();
    let outcome = async {
        // From the first question's "Source" line, focus lands on its source's card.
        app.testid("pulse-view").await?;
        let line = app.testid("source-0").await?.text().await?;
        app.testid("source-0").await?.click().await?;
        app.testid("about-view").await?;
        let focused_card = focused_card(&app).await?;
        let source_id = focused_card.strip_prefix("about-source-").unwrap_or_default();
        let name = card_text(&app, source_id, "h2").await?;
        ensure!(line.ends_with(&name), "the line '{line}' opened the card of '{name}'");

        check_about_view(&app, language).await?;
        app.client.execute("window.scrollTo(0, 0);", vec![]).await?;
        app.screenshot(&format!("about-{code}")).await?;

        // HR reaches the same view from its own navigation, connected or not.
        app.testid("role-hr").await?.click().await?;
        app.testid("nav-about").await?.click().await?;
        app.testid("about-view").await?;
        check_about_view(&app, language).await?;
        anyhow::Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = app.screenshot(&format!("about-{code}-failure")).await;
    }
    app.stop().await;
    outcome
}

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn the_about_view_shows_every_source_in_english() -> Result<()> {
    about_view_in("the_about_view_shows_every_source_in_english", "en_GB.UTF-8", Language::En).await
}

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn the_about_view_shows_every_source_in_italian() -> Result<()> {
    about_view_in("the_about_view_shows_every_source_in_italian", "it_IT.UTF-8", Language::It).await
}
