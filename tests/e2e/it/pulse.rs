//! An employee answers the weekly pulse with the keyboard alone, finds it in
//! their history, quits, starts Polso again and finds it still there.

use std::time::Duration;

use anyhow::{Result, ensure};
use fantoccini::Locator;
use fantoccini::key::Key;
use polso_e2e::{AppSession, Launch, enabled};

/// A Thursday in 2026-W48.
const TODAY: &str = "2026-11-26";
const WEEK: &str = "2026-W48";

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
    ensure!(
        app.focused_testid().await?.starts_with("question-0"),
        "the first question should have the focus on start, not '{}'",
        app.focused_testid().await?
    );
    app.screenshot("pulse-start").await?;

    for index in 0..n_questions {
        let focused = app.focused_testid().await?;
        ensure!(
            focused.starts_with(&format!("question-{index}")),
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
    // After the last question, Enter moves through the work mode and the note
    // to the save button; keep pressing Enter until the pulse is saved.
    for _ in 0..6 {
        if app.has_testid("pulse-done").await? {
            break;
        }
        app.press(&Key::Enter.to_string()).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.testid("pulse-done").await?;
    app.screenshot("pulse-done").await?;

    app.testid("nav-history").await?.click().await?;
    app.testid("history-view").await?;
    let row = app.client.wait().at_most(Duration::from_secs(10)).for_element(history_row()).await?;
    ensure!(row.text().await?.contains("80"), "the week's scores (4 of 5 is 75–80) should show in the table");
    app.screenshot("history").await?;
    Ok(n_questions)
}

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
    let _ = WEEK;
    Ok(())
}
