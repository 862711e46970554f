//! An axe-core audit of every view of the real app, employee and HR (against
//! the seeded demo server), that fails on any serious or critical violation.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use polso_e2e::server::{RunningServer, admin};
use polso_e2e::{AppSession, AxeViolation, DEMO_TODAY, Launch, enabled};

async fn audit(app: &AppSession, view: &str, found: &mut Vec<(String, AxeViolation)>) -> Result<()> {
    // Let the view load its data and draw its charts.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for violation in app.axe_violations().await.with_context(|| format!("auditing {view}"))? {
        found.push((view.to_owned(), violation));
    }
    Ok(())
}

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn every_view_passes_an_axe_audit() -> Result<()> {
    if !enabled("every_view_passes_an_axe_audit") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let printed = admin(&database, &["demo-seed", "--weeks", "12", "--today", DEMO_TODAY])?;
    let hr_token = printed
        .lines()
        .find_map(|line| line.strip_prefix("hr token: "))
        .map(|token| token.trim().to_owned())
        .context("demo-seed printed no 'hr token:' line")?;
    let server = RunningServer::start_on_demo_clock(&database)?;

    let data_dir = tempfile::tempdir()?;
    let app =
        AppSession::start(&Launch { today: Some(DEMO_TODAY.to_owned()), ..Launch::new(data_dir.path()) })
            .await?;
    let mut found = Vec::new();
    let outcome = async {
        app.testid("pulse-view").await?;
        // The audit itself works: a button without a name is a critical violation.
        app.client
            .execute(
                "const b = document.createElement('button'); b.id = 'axe-canary'; document.body.append(b);",
                vec![],
            )
            .await?;
        let canary = app.axe_violations().await?;
        ensure!(
            canary.iter().any(|violation| violation.rule == "button-name" && violation.impact == "critical"),
            "axe did not report a nameless button: {canary:?}"
        );
        app.client.execute("document.getElementById('axe-canary').remove();", vec![]).await?;
        audit(&app, "pulse", &mut found).await?;
        for (view, testid) in [
            ("team", "my-team-view"),
            ("history", "history-view"),
            ("sync", "sync-view"),
            ("settings", "settings-view"),
            ("about", "about-view"),
        ] {
            app.testid(&format!("nav-{view}")).await?.click().await?;
            app.testid(testid).await?;
            audit(&app, view, &mut found).await?;
        }
        app.testid("role-hr").await?.click().await?;
        audit(&app, "hr_connect", &mut found).await?;
        app.testid("hr-connect-server").await?.send_keys(&server.url).await?;
        app.testid("hr-connect-token").await?.send_keys(&hr_token).await?;
        app.testid("hr-connect-submit").await?.click().await?;
        app.wait_for_css(polso_e2e::HR_SUMMARY_READY, Duration::from_secs(20)).await?;
        audit(&app, "hr_summary", &mut found).await?;
        let mut audited = 8;
        for view in ["hr_overview", "hr_heatmap", "hr_team", "hr_linkage", "hr_cx"] {
            if app.has_testid(&format!("nav-{view}")).await? {
                app.testid(&format!("nav-{view}")).await?.click().await?;
                audit(&app, view, &mut found).await?;
                audited += 1;
            }
        }
        ensure!(audited >= 12, "only {audited} views were audited: the HR navigation changed");
        anyhow::Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    outcome?;
    let report: Vec<String> = found
        .iter()
        .map(|(view, violation)| {
            format!("{view}: {} ({}) at {}", violation.rule, violation.impact, violation.targets.join(", "))
        })
        .collect();
    ensure!(report.is_empty(), "serious or critical accessibility violations:\n{}", report.join("\n"));
    Ok(())
}
