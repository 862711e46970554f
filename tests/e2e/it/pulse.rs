//! An employee answers the weekly pulse with the keyboard alone, finds it in
//! their history, quits, starts Polso again and finds it still there.

use std::time::Duration;

use anyhow::{Result, ensure};
use fantoccini::Locator;
use fantoccini::key::Key;
use polso_e2e::{AppSession, Launch, enabled};

/// A Thursday in 2026-W48.
const TODAY: &str = "2026-11-26";

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn a_pulse_answered_by_keyboard_survives_a_restart() -> Result<()> {
    if !enabled("a_pulse_answered_by_keyboard_survives_a_restart") {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let launch = Launch { today: Some(TODAY.to_owned()), ..Launch::new(data_dir.path()) };

    let app = AppSession::start(&launch).await?;
    let first_run = answer_by_keyboard(&app).await;
    app.stop().await;
    let n_questions = first_run?;

    let app = AppSession::start(&launch).await?;
    let second_run = check_answers_are_kept(&app, n_questions).await;
    app.stop().await;
    second_run
}

/// Answers every question with the keys 1–5 and Enter, and saves with Enter.
async fn answer_by_keyboard(app: &AppSession) -> Result<usize> {
    app.testid("pulse-view").await?;
    let questions =
        app.client.find_all(Locator::Css("[role='radiogroup'][data-testid^='question-']")).await?;
    let n_questions = questions.len();
    ensure!((1..=5).contains(&n_questions), "a weekly pulse has 1 to 5 questions, found {n_questions}");
    let focused = focused_question(app).await?;
    ensure!(focused == "question-0", "the first question should have the focus on start, not '{focused}'");
    app.screenshot("pulse-start").await?;

    for index in 0..n_questions {
        let focused = focused_question(app).await?;
        ensure!(
            focused == format!("question-{index}"),
            "question {index} should be focused, not '{focused}'"
        );
        // 4 is on every scale Polso uses (1–5, 0–5 and 0–10).
        app.press("4").await?;
        let chosen = app.testid(&format!("option-{index}-4")).await?;
        ensure!(
            chosen.attr("aria-checked").await?.as_deref() == Some("true"),
            "typing 4 should choose option 4 of question {index}"
        );
        app.press(&Key::Enter.to_string()).await?;
    }
    // Enter on the last question saves the pulse.
    app.testid("pulse-done").await?;
    app.screenshot("pulse-done").await?;

    app.testid("nav-history").await?.click().await?;
    app.testid("history-view").await?;
    let row = app.client.wait().at_most(Duration::from_secs(10)).for_element(history_row()).await?;
    // The week's first question is the wellbeing item on a 1–5 scale:
    // answer 4 scores (4 − 1) / 4 · 100 = 75.
    let row_text = row.text().await?;
    ensure!(row_text.contains("75"), "the wellbeing score 75 should show in the history table: {row_text}");
    app.screenshot("history").await?;
    Ok(n_questions)
}

/// The question (radiogroup) that holds the keyboard focus, if any.
async fn focused_question(app: &AppSession) -> Result<String> {
    app.focus_within("[role='radiogroup'][data-testid^='question-']").await
}

/// The history table's row of the answered week, 2026-W48.
fn history_row() -> Locator<'static> {
    Locator::Css("[data-testid='history-table'] [data-week='2026-W48']")
}

/// After a restart, the week is still answered and in the history.
async fn check_answers_are_kept(app: &AppSession, n_questions: usize) -> Result<()> {
    app.testid("pulse-view").await?;
    app.testid("pulse-done").await?;
    app.testid("change-answers").await?.click().await?;
    for index in 0..n_questions {
        let option = app.testid(&format!("option-{index}-4")).await?;
        ensure!(
            option.attr("aria-checked").await?.as_deref() == Some("true"),
            "after a restart, question {index} should still have answer 4"
        );
    }
    app.testid("nav-history").await?.click().await?;
    app.client.wait().at_most(Duration::from_secs(10)).for_element(history_row()).await?;
    Ok(())
}

/// A customer item in a week without customers: "not applicable this week"
/// is offered on it (and only on items that allow it), saved instead of an
/// answer, and still there after a restart.
#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn a_customer_item_marked_not_applicable_stays_so_after_a_restart() -> Result<()> {
    if !enabled("a_customer_item_marked_not_applicable_stays_so_after_a_restart") {
        return Ok(());
    }
    // The first Thursday from 2026-11-26 whose week, for a fresh installation,
    // asks an item that allows "not applicable".
    let bank = polso_core::ItemBank::embedded();
    let schedule = polso_core::Schedule::with_plan(
        bank,
        polso_desktop::LOCAL_ORGANISATION_SEED,
        &polso_core::questionnaire::QuestionnairePlan::for_new_organisation(),
    );
    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
    let (today, position) = (0..16)
        .map(|weeks| first + chrono::Days::new(7 * weeks))
        .find_map(|day| {
            let items = schedule.items_for_week(polso_core::IsoWeek::containing(day));
            let position =
                items.iter().position(|id| bank.item(id.as_str()).is_some_and(|item| item.not_applicable))?;
            Some((day, position))
        })
        .ok_or_else(|| anyhow::anyhow!("no week in sixteen asks a customer item"))?;
    let data_dir = tempfile::tempdir()?;
    let launch = Launch { today: Some(today.to_string()), ..Launch::new(data_dir.path()) };

    let app = AppSession::start(&launch).await?;
    let first_run = async {
        app.testid("pulse-view").await?;
        let offered = app.client.find_all(Locator::Css("[data-testid^='not-applicable-']")).await?;
        ensure!(offered.len() == 1, "one item of the week allows it, {} offer it", offered.len());
        let toggle = app.testid(&format!("not-applicable-{position}")).await?;
        ensure!(toggle.text().await?.contains("Not applicable this week"), "the bank's label");
        toggle.click().await?;
        ensure!(toggle.attr("aria-pressed").await?.as_deref() == Some("true"), "the toggle is pressed");
        app.testid("option-0-4").await?.click().await?;
        app.screenshot("pulse-not-applicable").await?;
        app.testid("submit-pulse").await?.click().await?;
        app.testid("pulse-done").await?;
        Ok(())
    }
    .await;
    app.stop().await;
    first_run?;

    let app = AppSession::start(&launch).await?;
    let second_run = async {
        app.testid("pulse-done").await?;
        app.testid("change-answers").await?.click().await?;
        let toggle = app.testid(&format!("not-applicable-{position}")).await?;
        ensure!(toggle.attr("aria-pressed").await?.as_deref() == Some("true"), "kept after a restart");
        let checked = app
            .client
            .find_all(Locator::Css(&format!("[data-testid='question-{position}'] [aria-checked='true']")))
            .await?;
        ensure!(checked.is_empty(), "a not-applicable item has no answer");
        Ok(())
    }
    .await;
    app.stop().await;
    second_run
}
