//! HR's role in the real app against the real `polso-server` binary: the
//! demo organisation is seeded with `demo-seed`, the app switches to HR,
//! connects with the printed HR token (kept in the real OS keyring), and the
//! heatmap shows the big teams' released figures while the teams smaller
//! than k (Escalations, Partnerships) are marked "fewer than k", never 0.
//! Weeks the organisation's schedule did not ask a metric read "not asked",
//! never "fewer than k".

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use polso_e2e::server::{RunningServer, admin};
use polso_e2e::{AppSession, Launch, enabled};

/// The fixed date of the demo and of the app: a Monday, so last week (2026-W47) is closed.
const TODAY: &str = "2026-11-23";

/// The demo's teams of at least k = 5 people, whose figures are released.
const BIG_TEAMS: [&str; 4] = ["Help desk", "Phone support", "Inside sales", "Logistics"];

/// The demo's teams smaller than k, never released.
const SMALL_TEAMS: [&str; 2] = ["Escalations", "Partnerships"];

/// The first week the demo (12 weeks to 2026-W47) holds reports for; the
/// overview's earlier weeks have none.
const FIRST_DEMO_WEEK: &str = "2026-W36";

/// One row of the overview table: (week, asked, suppressed, text).
async fn overview_rows(app: &AppSession) -> Result<Vec<(String, bool, bool, String)>> {
    let mut rows = Vec::new();
    for row in app.client.find_all(Locator::Css("[data-testid='hr-overview-table'] tbody tr")).await? {
        let week = row.attr("data-week").await?.context("a row without data-week")?;
        let asked = row.attr("data-asked").await?.as_deref() == Some("true");
        let suppressed = row.attr("data-suppressed").await?.as_deref() == Some("true");
        rows.push((week, asked, suppressed, row.text().await?));
    }
    ensure!(!rows.is_empty(), "the overview table has no rows");
    Ok(rows)
}

/// Seeds the demo organisation into `database` and returns the printed HR token.
fn seed_demo(database: &Path) -> Result<String> {
    seed_demo_weeks(database, 12)
}

/// Seeds `weeks` weeks of the demo organisation and returns the printed HR token.
fn seed_demo_weeks(database: &Path, weeks: u32) -> Result<String> {
    let printed = admin(database, &["demo-seed", "--weeks", &weeks.to_string(), "--today", TODAY])?;
    printed
        .lines()
        .find_map(|line| line.strip_prefix("hr token: "))
        .map(|token| token.trim().to_owned())
        .context("demo-seed printed no 'hr token:' line")
}

#[tokio::test(flavor = "multi_thread")]
async fn hr_connects_to_the_demo_server_and_the_heatmap_hides_small_teams() -> Result<()> {
    if !enabled("hr_connects_to_the_demo_server_and_the_heatmap_hides_small_teams") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let hr_token = seed_demo(&database)?;
    ensure!(hr_token.starts_with("ph_"), "unexpected HR token shape");
    let server = RunningServer::start(&database, &[])?;

    let data_dir = tempfile::tempdir()?;
    let launch = Launch { today: Some(TODAY.to_owned()), ..Launch::new(data_dir.path()) };
    let app = AppSession::start(&launch).await?;
    let result = async {
        app.testid("role-hr").await?.click().await?;
        app.testid("hr-connect-server").await?.send_keys(&server.url).await?;
        app.testid("hr-connect-token").await?.send_keys(&hr_token).await?;
        app.testid("hr-connect-submit").await?.click().await?;
        app.wait_for_css("[data-testid='hr-overview-chart']", Duration::from_secs(20)).await?;

        // Wellbeing, the default metric: the organisation's weeks are released.
        let wellbeing = overview_rows(&app).await?;
        ensure!(
            wellbeing.iter().any(|(week, asked, suppressed, _)| *asked
                && !suppressed
                && week.as_str() >= FIRST_DEMO_WEEK),
            "no week of wellbeing was released for the organisation: {wellbeing:?}"
        );
        // A driver, asked one week in four: the other weeks say "not asked",
        // and no demo week is "fewer than k" for the whole organisation.
        app.client
            .find(Locator::Css("[data-testid='hr-metric-select'] option[value='engagement']"))
            .await?
            .click()
            .await?;
        app.client
            .wait()
            .for_element(Locator::XPath(
                "//*[@data-testid='hr-overview-table']/caption[contains(., 'Engagement')]",
            ))
            .await?;
        let engagement = overview_rows(&app).await?;
        let demo_weeks: Vec<_> =
            engagement.iter().filter(|(week, ..)| week.as_str() >= FIRST_DEMO_WEEK).collect();
        ensure!(demo_weeks.len() == 12, "expected 12 demo weeks: {engagement:?}");
        let not_asked = demo_weeks.iter().filter(|(_, asked, ..)| !asked).count();
        ensure!((8..=9).contains(&not_asked), "engagement is asked one week in four: {demo_weeks:?}");
        for (week, asked, suppressed, text) in &demo_weeks {
            ensure!(!suppressed, "{week} of engagement is marked suppressed for the organisation: '{text}'");
            ensure!(!text.contains("Fewer than"), "{week} of engagement reads 'fewer than k': '{text}'");
            if !asked {
                ensure!(text.contains("Not asked this week"), "{week} should read 'not asked': '{text}'");
            }
        }
        app.screenshot("hr-overview-engagement").await?;

        app.testid("nav-hr_heatmap").await?.click().await?;
        app.wait_for_css("[data-testid='hr-heatmap-table']", Duration::from_secs(20)).await?;
        app.testid("hr-heatmap-chart").await?;
        let cell = |team: &str| {
            format!("[data-testid='hr-heatmap-table'] td[data-team='{team}'][data-metric='wellbeing']")
        };
        for team in BIG_TEAMS {
            let element = app.client.find(Locator::Css(&cell(team))).await?;
            let suppressed = element.attr("data-suppressed").await?;
            let text = element.text().await?;
            ensure!(suppressed.as_deref() == Some("false"), "{team} should be released, got {suppressed:?}");
            ensure!(text.chars().any(|c| c.is_ascii_digit()), "{team} should show a mean, got '{text}'");
        }
        for team in SMALL_TEAMS {
            let selector = format!("[data-testid='hr-heatmap-table'] td[data-team='{team}']");
            let cells = app.client.find_all(Locator::Css(&selector)).await?;
            ensure!(!cells.is_empty(), "the heatmap has no row for {team}");
            let mut n_suppressed = 0;
            for element in cells {
                let suppressed = element.attr("data-suppressed").await?;
                let text = element.text().await?;
                // eNPS (quarterly) or burnout may not be asked in the period.
                if element.attr("data-asked").await?.as_deref() == Some("false") {
                    ensure!(suppressed.as_deref() == Some("false"), "{team}: not asked is not suppressed");
                    ensure!(text.contains("not asked"), "{team} must read 'not asked', got '{text}'");
                    continue;
                }
                n_suppressed += 1;
                ensure!(
                    suppressed.as_deref() == Some("true"),
                    "{team} must be suppressed, got {suppressed:?}"
                );
                ensure!(text.contains("fewer than 5"), "{team} must read 'fewer than 5', got '{text}'");
                ensure!(
                    !text.chars().any(|c| c.is_ascii_digit() && c != '5'),
                    "{team} shows a figure: '{text}'"
                );
            }
            ensure!(n_suppressed >= 12, "{team}: only {n_suppressed} cells are 'fewer than 5'");
        }
        app.screenshot("hr-heatmap").await?;
        Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    result
}

/// `cargo xtask run` hands the app the demo server and its HR token; the HR
/// role is then connected without the newcomer pasting anything.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_connects_hr_by_itself() -> Result<()> {
    if !enabled("the_demo_connects_hr_by_itself") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let hr_token = seed_demo(&database)?;
    let server = RunningServer::start(&database, &[])?;

    let data_dir = tempfile::tempdir()?;
    let launch = Launch {
        today: Some(TODAY.to_owned()),
        extra_env: vec![
            ("POLSO_DEMO_HR_SERVER".to_owned(), server.url.clone()),
            ("POLSO_DEMO_HR_TOKEN".to_owned(), hr_token),
        ],
        ..Launch::new(data_dir.path())
    };
    let app = AppSession::start(&launch).await?;
    let result = async {
        // The connection is made in the background at start-up; give it time.
        tokio::time::sleep(Duration::from_secs(2)).await;
        app.testid("role-hr").await?.click().await?;
        app.wait_for_css("[data-testid='hr-overview-chart']", Duration::from_secs(20)).await?;
        ensure!(!app.has_testid("hr-connect-token").await?, "the demo should not ask for a token");
        Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    result
}

/// The linkage view draws the demo's EX × CX pairs, and a CX file in Italian
/// spreadsheet format is previewed and imported through the "CX data" tab.
#[tokio::test(flavor = "multi_thread")]
async fn the_linkage_view_shows_the_demo_pairs_and_a_cx_file_imports() -> Result<()> {
    if !enabled("the_linkage_view_shows_the_demo_pairs_and_a_cx_file_imports") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let hr_token = seed_demo_weeks(&database, 52)?;
    let server = RunningServer::start(&database, &[])?;
    let csv_path = server_dir.path().join("cx.csv");
    std::fs::write(
        &csv_path,
        "team;week;metric;value;n\nHelp desk;2026-W40;csat;81,5;40\nLogistics;2026-W40;csat;77;35\n",
    )?;

    let data_dir = tempfile::tempdir()?;
    let launch = Launch { today: Some(TODAY.to_owned()), ..Launch::new(data_dir.path()) };
    let app = AppSession::start(&launch).await?;
    let result = async {
        app.testid("role-hr").await?.click().await?;
        app.testid("hr-connect-server").await?.send_keys(&server.url).await?;
        app.testid("hr-connect-token").await?.send_keys(&hr_token).await?;
        app.testid("hr-connect-submit").await?.click().await?;
        app.wait_for_css("[data-testid='hr-overview-chart']", Duration::from_secs(20)).await?;

        app.testid("nav-hr_linkage").await?.click().await?;
        app.wait_for_css("[data-testid='linkage-table']", Duration::from_secs(30)).await?;
        app.testid("linkage-heatmap").await?;
        app.testid("linkage-lag-profile").await?;
        app.testid("linkage-scatter").await?;
        let row = app
            .client
            .find(Locator::Css("[data-testid='linkage-table'] tr[data-ex='engagement'][data-cx='csat']"))
            .await?;
        ensure!(row.attr("data-lag").await?.is_some(), "engagement × csat has no row");
        app.screenshot("hr-linkage").await?;

        app.testid("nav-hr_cx").await?.click().await?;
        app.testid("cx-file").await?.send_keys(&csv_path.display().to_string()).await?;
        app.wait_for_css("[data-testid='cx-preview']", Duration::from_secs(20)).await?;
        app.screenshot("hr-cx-preview").await?;
        app.testid("cx-import").await?.click().await?;
        app.wait_for_css("[data-testid='cx-imported']", Duration::from_secs(20)).await?;
        Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    result
}
