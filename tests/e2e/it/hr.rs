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
use polso_e2e::{AppSession, DEMO_TODAY, Launch, enabled};

/// The demo's teams of at least k = 5 people, whose figures are released.
const BIG_TEAMS: [&str; 4] = ["Help desk", "Phone support", "Inside sales", "Logistics"];

/// The demo's teams smaller than k, never released.
const SMALL_TEAMS: [&str; 2] = ["Escalations", "Partnerships"];

/// The first week the demo (12 weeks to 2026-W47) holds reports for; the
/// overview's earlier weeks have none.
const FIRST_DEMO_WEEK: &str = "2026-W36";

/// One row of the overview table.
#[derive(Debug)]
struct OverviewRow {
    week: String,
    asked: bool,
    suppressed: bool,
    /// Whether the server has published the week; a week still collecting is
    /// "not yet published", never "fewer than k" or "not asked".
    published: bool,
    text: String,
}

/// The rows of the overview table.
async fn overview_rows(app: &AppSession) -> Result<Vec<OverviewRow>> {
    let mut rows = Vec::new();
    for row in app.client.find_all(Locator::Css("[data-testid='hr-overview-table'] tbody tr")).await? {
        let week = row.attr("data-week").await?.context("a row without data-week")?;
        let asked = row.attr("data-asked").await?.as_deref() == Some("true");
        let suppressed = row.attr("data-suppressed").await?.as_deref() == Some("true");
        let published = match row.attr("data-published").await?.as_deref() {
            Some("true") => true,
            Some("false") => false,
            other => anyhow::bail!("{week}: a row without a data-published of true or false: {other:?}"),
        };
        rows.push(OverviewRow { week, asked, suppressed, published, text: row.text().await? });
    }
    ensure!(!rows.is_empty(), "the overview table has no rows");
    Ok(rows)
}

/// Chooses a metric in the overview and waits for its table.
async fn choose_metric(app: &AppSession, key: &str, caption: &str) -> Result<()> {
    app.client
        .find(Locator::Css(&format!("[data-testid='hr-metric-select'] option[value='{key}']")))
        .await?
        .click()
        .await?;
    app.client
        .wait()
        .for_element(Locator::XPath(&format!(
            "//*[@data-testid='hr-overview-table']/caption[contains(., '{caption}')]"
        )))
        .await?;
    Ok(())
}

/// HR's privacy panel: each team's (total ε this year, weeks published).
async fn privacy_rows(app: &AppSession) -> Result<Vec<(String, f64, u32)>> {
    app.wait_for_css("[data-testid='hr-privacy-table']", Duration::from_secs(20)).await?;
    let mut rows = Vec::new();
    for row in app.client.find_all(Locator::Css("[data-testid='hr-privacy-table'] tbody tr")).await? {
        let team = row.attr("data-team").await?.context("a privacy row without data-team")?;
        let cells = row.find_all(Locator::Css("td")).await?;
        ensure!(cells.len() == 2, "{team}: a privacy row has ε and weeks published");
        let epsilon_text = cells[0].text().await?;
        let epsilon: f64 = epsilon_text
            .replace(',', "")
            .trim()
            .parse()
            .with_context(|| format!("{team}: ε '{epsilon_text}' is not a number"))?;
        let weeks_text = cells[1].text().await?;
        let weeks: u32 =
            weeks_text.trim().parse().with_context(|| format!("{team}: weeks published '{weeks_text}'"))?;
        rows.push((team, epsilon, weeks));
    }
    Ok(rows)
}

/// Seeds the demo organisation into `database` and returns the printed HR token.
fn seed_demo(database: &Path) -> Result<String> {
    seed_demo_weeks(database, 12)
}

/// Seeds `weeks` weeks of the demo organisation and returns the printed HR token.
fn seed_demo_weeks(database: &Path, weeks: u32) -> Result<String> {
    let printed = admin(database, &["demo-seed", "--weeks", &weeks.to_string(), "--today", DEMO_TODAY])?;
    printed
        .lines()
        .find_map(|line| line.strip_prefix("hr token: "))
        .map(|token| token.trim().to_owned())
        .context("demo-seed printed no 'hr token:' line")
}

/// Switches the app to HR, connects it with `hr_token` through the form, and
/// waits for the overview.
async fn connect_hr(app: &AppSession, server_url: &str, hr_token: &str) -> Result<()> {
    app.testid("role-hr").await?.click().await?;
    app.testid("hr-connect-server").await?.send_keys(server_url).await?;
    app.testid("hr-connect-token").await?.send_keys(hr_token).await?;
    app.testid("hr-connect-submit").await?.click().await?;
    // HR lands on the Summary; these tests go on from the overview.
    app.wait_for_css(polso_e2e::HR_SUMMARY_READY, Duration::from_secs(20)).await?;
    app.testid("nav-hr_overview").await?.click().await?;
    app.wait_for_css("[data-testid='hr-overview-chart']", Duration::from_secs(20)).await?;
    Ok(())
}

#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn hr_connects_to_the_demo_server_and_the_heatmap_hides_small_teams() -> Result<()> {
    if !enabled("hr_connects_to_the_demo_server_and_the_heatmap_hides_small_teams") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let hr_token = seed_demo(&database)?;
    ensure!(hr_token.starts_with("ph_"), "unexpected HR token shape");
    let server = RunningServer::start_on_demo_clock(&database)?;

    let data_dir = tempfile::tempdir()?;
    let launch = Launch { today: Some(DEMO_TODAY.to_owned()), ..Launch::new(data_dir.path()) };
    let app = AppSession::start(&launch).await?;
    let result = async {
        connect_hr(&app, &server.url, &hr_token).await?;

        // Wellbeing, the default metric: the organisation's weeks are released.
        // The server's clock is past the last demo week's acceptance window, so
        // every demo week is published on its first read.
        let wellbeing = overview_rows(&app).await?;
        ensure!(
            wellbeing.iter().any(|row| row.asked && !row.suppressed && row.week.as_str() >= FIRST_DEMO_WEEK),
            "no week of wellbeing was released for the organisation: {wellbeing:?}"
        );
        for row in wellbeing.iter().filter(|row| row.week.as_str() >= FIRST_DEMO_WEEK) {
            ensure!(row.published, "{} of the demo is not published: {row:?}", row.week);
            ensure!(!row.text.contains("Not yet published"), "{row:?}");
        }
        // HR is told when the next week will be published.
        let notice = app.testid("publication-notice").await?.text().await?;
        ensure!(notice.contains("will be published on"), "the publication notice: '{notice}'");
        ensure!(!notice.contains("No week has been published"), "the demo's weeks are published: '{notice}'");

        // The privacy panel: differential privacy is on for the demo (a new
        // organisation), ε 6.5 per released cell, and each team's people have
        // a yearly total, one entry per published week.
        let per_cell = app.testid("hr-privacy-dp").await?.text().await?;
        ensure!(
            per_cell.contains("ε 6.5"),
            "differential privacy should be on at ε 6.5 per cell: '{per_cell}'"
        );
        ensure!(!app.has_testid("hr-privacy-off").await?, "the demo has differential privacy on");
        let ledger = privacy_rows(&app).await?;
        eprintln!("the demo's privacy ledger (team, total ε this year, weeks published): {ledger:?}");
        for team in BIG_TEAMS.iter().chain(SMALL_TEAMS.iter()) {
            let (_, epsilon, weeks) = ledger
                .iter()
                .find(|(name, ..)| name == team)
                .with_context(|| format!("no privacy row for {team}: {ledger:?}"))?;
            // The 12 demo weeks; the server's clock has published no later one.
            ensure!(*weeks == 12, "{team}: the 12 demo weeks are published, the ledger says {weeks}");
            ensure!(
                *epsilon > 0.0,
                "{team}: published DP figures spend ε on its people, the ledger says {epsilon}"
            );
        }
        app.screenshot("hr-overview-privacy").await?;

        // A driver, asked one week in four: the other weeks say "not asked",
        // and no demo week is "fewer than k" for the whole organisation.
        choose_metric(&app, "engagement", "Engagement").await?;
        let engagement = overview_rows(&app).await?;
        let demo_weeks: Vec<_> =
            engagement.iter().filter(|row| row.week.as_str() >= FIRST_DEMO_WEEK).collect();
        ensure!(demo_weeks.len() == 12, "expected 12 demo weeks: {engagement:?}");
        // One week in four; the demo adopted edition 3 at a cycle boundary
        // inside these weeks, and the two editions place it in different
        // weeks of their cycles, so one cycle may go without.
        let not_asked = demo_weeks.iter().filter(|row| !row.asked).count();
        ensure!((8..=10).contains(&not_asked), "engagement is asked one week in four: {demo_weeks:?}");
        ensure!(
            demo_weeks.iter().any(|row| row.text.contains("Questionnaire edition 3 from here")),
            "the week the demo adopted edition 3 is marked: {demo_weeks:?}"
        );
        for OverviewRow { week, asked, suppressed, published, text } in demo_weeks {
            ensure!(*published, "{week} of engagement is not published: '{text}'");
            ensure!(!suppressed, "{week} of engagement is marked suppressed for the organisation: '{text}'");
            ensure!(!text.contains("Fewer than"), "{week} of engagement reads 'fewer than k': '{text}'");
            if !asked {
                ensure!(text.contains("Not asked this week"), "{week} should read 'not asked': '{text}'");
            }
        }
        app.screenshot("hr-overview-engagement").await?;

        // eNPS, asked about once a quarter: shown as eNPS (% promoters minus
        // % detractors) on −100..+100 with its definition, never as a mean
        // answer on 0–100.
        choose_metric(&app, "enps", "eNPS (−100 to +100)").await?;
        let definition = app.testid("hr-enps-definition").await?.text().await?;
        ensure!(
            definition.contains("promoters") && definition.contains("−100"),
            "the eNPS caption: '{definition}'"
        );
        let enps_values = app.client.find_all(Locator::Css("[data-testid='hr-enps-value']")).await?;
        ensure!(
            !enps_values.is_empty(),
            "no demo week shows the organisation's eNPS: {:?}",
            overview_rows(&app).await?
        );
        for value in enps_values {
            let text = value.text().await?;
            let enps: i32 = text
                .trim()
                .replace('−', "-")
                .trim_start_matches('+')
                .parse()
                .with_context(|| format!("an eNPS that is not a whole signed number: '{text}'"))?;
            ensure!((-100..=100).contains(&enps), "eNPS outside −100..+100: {enps}");
            ensure!(text.starts_with(['+', '−']) || enps == 0, "eNPS without its sign: '{text}'");
        }
        app.screenshot("hr-overview-enps").await?;

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
            let published = element.attr("data-published").await?;
            ensure!(published.as_deref() == Some("true"), "{team}'s period is published, got {published:?}");
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
        // The summary: the organisation's participation and engagement, and the team changes the
        // heatmap marks likely real (the release noise decides how many: none is possible), at most
        // five, each with its interval and a way to its team.
        let marked = app
            .client
            .find_all(Locator::Css("[data-testid='heatmap-cell'][data-likely-real='true']"))
            .await?
            .len();
        app.testid("nav-hr_summary").await?.click().await?;
        let participation = app
            .wait_for_css("[data-testid='summary-participation']", Duration::from_secs(20))
            .await?
            .text()
            .await?;
        ensure!(participation.contains('%'), "the summary's participation: {participation}");
        if marked == 0 {
            app.wait_for_css("[data-testid='summary-no-change']", Duration::from_secs(20)).await?;
        } else {
            let changes =
                app.wait_for_count("[data-testid='summary-change']", 1, Duration::from_secs(20)).await?;
            ensure!(
                changes == marked.min(5),
                "the summary lists {changes} changes, the heatmap marks {marked}"
            );
            let first = app.testid("summary-change").await?.text().await?;
            ensure!(first.contains("95%"), "a change without its interval: {first}");
        }
        app.screenshot("hr-summary").await?;
        if marked > 0 {
            app.testid("summary-open-team").await?.click().await?;
            app.wait_for_css("[data-testid='team-compared']", Duration::from_secs(20)).await?;
        }
        app.testid("nav-hr_heatmap").await?.click().await?;
        app.wait_for_css("[data-testid='hr-heatmap-grid']", Duration::from_secs(20)).await?;
        // The grid itself, rather than the explanations above it.
        app.client
            .execute("document.querySelector(\"[data-testid='hr-heatmap-grid']\").scrollIntoView();", vec![])
            .await?;
        app.screenshot("hr-heatmap").await?;

        // One department's page, read from the server with `department=`: its
        // teams under its own row, the organisation's row first, no other
        // department's teams.
        app.testid("heatmap-department").await?.select_by_label("Operations").await?;
        app.wait_for_css(
            "[data-testid='hr-heatmap-grid'] tr[data-department='Operations']",
            Duration::from_secs(20),
        )
        .await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let rows = loop {
            let mut rows = Vec::new();
            for row in app.client.find_all(Locator::Css("[data-testid='hr-heatmap-grid'] tbody tr")).await? {
                let department = row.attr("data-department").await?;
                rows.push(department.or(row.attr("data-team").await?).unwrap_or_default());
            }
            if !rows.iter().any(|row| row == "Customer Care") || std::time::Instant::now() > deadline {
                break rows;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        ensure!(
            rows.iter().skip(1).map(String::as_str).eq(["Operations", "Billing", "IT support", "Logistics"]),
            "the Operations page's rows: {rows:?}"
        );
        app.testid("heatmap-department").await?.select_by_label("All departments").await?;
        app.wait_for_css(
            "[data-testid='hr-heatmap-grid'] tr[data-department='Customer Care']",
            Duration::from_secs(20),
        )
        .await?;
        Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    result
}

/// The server's clock in the week after the demo's last one (`serve --now`):
/// that week is still collecting, so the overview shows it as "not yet
/// published" (never "fewer than k", never "not asked"), says when it will be,
/// and the heatmap compares the latest published weeks only.
#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn a_week_still_collecting_reads_not_yet_published_with_its_publication_date() -> Result<()> {
    if !enabled("a_week_still_collecting_reads_not_yet_published_with_its_publication_date") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let hr_token = seed_demo(&database)?;
    // Tuesday of 2026-W48: the demo's last week, 2026-W47, closed on Sunday
    // and collects until Saturday noon (UTC): 12 h for the last time zone, the
    // 48 h delay and 72 h of acceptance after Monday. 2026-W46 is published.
    let server = RunningServer::start(&database, &["--now", "2026-11-24T09:00:00Z"])?;

    let data_dir = tempfile::tempdir()?;
    let launch = Launch { today: Some("2026-11-24".to_owned()), ..Launch::new(data_dir.path()) };
    let app = AppSession::start(&launch).await?;
    let result = async {
        connect_hr(&app, &server.url, &hr_token).await?;
        let notice = app.testid("publication-notice").await?.text().await?;
        ensure!(
            notice.contains("Week 47 will be published on") && notice.contains("28 November 2026"),
            "the notice should say week 47 is published on 28 November 2026: '{notice}'"
        );
        for (key, caption) in [("wellbeing", "Wellbeing"), ("engagement", "Engagement")] {
            if key != "wellbeing" {
                choose_metric(&app, key, caption).await?;
            }
            let rows = overview_rows(&app).await?;
            let collecting = rows
                .iter()
                .find(|row| row.week == "2026-W47")
                .with_context(|| format!("{key}: no row for 2026-W47: {rows:?}"))?;
            ensure!(!collecting.published, "{key}: 2026-W47 is still collecting: {collecting:?}");
            ensure!(!collecting.suppressed, "{key}: a collecting week is not 'fewer than k': {collecting:?}");
            ensure!(collecting.text.contains("Not yet published"), "{key}: {collecting:?}");
            ensure!(
                !collecting.text.contains("Fewer than") && !collecting.text.contains("Not asked"),
                "{key}: a collecting week reads only 'not yet published': {collecting:?}"
            );
            let cells = app
                .client
                .find_all(Locator::Css("[data-testid='hr-overview-table'] tbody tr[data-week='2026-W47'] td"))
                .await?;
            ensure!(!cells.is_empty(), "{key}: the collecting week's row has no cells");
            for cell in cells {
                let text = cell.text().await?;
                ensure!(
                    !text.chars().any(|c| c.is_ascii_digit()),
                    "{key}: a collecting week shows a figure: '{text}'"
                );
            }
            for row in
                rows.iter().filter(|row| row.week.as_str() >= FIRST_DEMO_WEEK && row.week != "2026-W47")
            {
                ensure!(row.published, "{key}: {} is published: {row:?}", row.week);
                ensure!(!row.suppressed, "{key}: {} is released for the organisation: {row:?}", row.week);
            }
        }
        ensure!(
            rows_released(&overview_rows(&app).await?, "2026-W46"),
            "2026-W46 of engagement should be published and asked or not asked, not withheld"
        );
        app.screenshot("hr-overview-not-yet-published").await?;

        // The heatmap compares the latest four published weeks: released,
        // with the notice above it.
        app.testid("nav-hr_heatmap").await?.click().await?;
        app.wait_for_css("[data-testid='hr-heatmap-table']", Duration::from_secs(20)).await?;
        let notice = app.testid("publication-notice").await?.text().await?;
        ensure!(notice.contains("Week 47 will be published on"), "the heatmap's notice: '{notice}'");
        for team in BIG_TEAMS {
            let selector =
                format!("[data-testid='hr-heatmap-table'] td[data-team='{team}'][data-metric='wellbeing']");
            let element = app.client.find(Locator::Css(&selector)).await?;
            let published = element.attr("data-published").await?;
            let suppressed = element.attr("data-suppressed").await?;
            let text = element.text().await?;
            ensure!(
                published.as_deref() == Some("true"),
                "{team}: the compared weeks are published: {published:?}"
            );
            ensure!(suppressed.as_deref() == Some("false"), "{team} should be released, got {suppressed:?}");
            ensure!(text.chars().any(|c| c.is_ascii_digit()), "{team} should show a mean, got '{text}'");
        }
        app.screenshot("hr-heatmap-not-yet-published").await?;
        Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    result
}

/// Whether `week`'s row is published and not withheld.
fn rows_released(rows: &[OverviewRow], week: &str) -> bool {
    rows.iter().any(|row| row.week == week && row.published && !row.suppressed)
}

/// `cargo xtask run` hands the app the demo server and its HR token; the HR
/// role is then connected without the newcomer pasting anything.
#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_connects_hr_by_itself() -> Result<()> {
    if !enabled("the_demo_connects_hr_by_itself") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let hr_token = seed_demo(&database)?;
    let server = RunningServer::start_on_demo_clock(&database)?;

    let data_dir = tempfile::tempdir()?;
    let launch = Launch {
        today: Some(DEMO_TODAY.to_owned()),
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
        app.wait_for_css(polso_e2e::HR_SUMMARY_READY, Duration::from_secs(20)).await?;
        ensure!(!app.has_testid("hr-connect-token").await?, "the demo should not ask for a token");
        Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    result
}

/// The linkage view finds the relation the demo planted (CSAT follows the
/// teams' weekly mood three weeks later) at its planted lag, in an Italian
/// app; then a CX file in Italian spreadsheet format (byte-order mark,
/// semicolons, decimal comma, Italian headers) is previewed and imported
/// through the "CX data" tab, and the linkage view still reads it.
#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn the_linkage_view_finds_the_planted_lag_and_an_italian_cx_file_imports() -> Result<()> {
    if !enabled("the_linkage_view_finds_the_planted_lag_and_an_italian_cx_file_imports") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let hr_token = seed_demo_weeks(&database, 104)?;
    // Exact releases, so the figures, which pairs pass the evidence test and
    // are coloured, and the README's screenshot of this view are the same on
    // every run (with noise, a borderline pair is coloured in one run and
    // not in the next). The relation stands out through the noise too:
    // `demo_seed::the_planted_relation_is_found_at_its_lag_from_the_released_cells`.
    admin(&database, &["set-dp", "--off"])?;
    let server = RunningServer::start_on_demo_clock(&database)?;
    let csv_path = server_dir.path().join("cx.csv");
    std::fs::write(
        &csv_path,
        "\u{feff}Squadra;Settimana;Metrica;Valore;N\r\nHelp desk;2026-W40;CSAT;81,5;40\r\nLogistics;2026-W40;CSAT;77;35\r\n",
    )?;

    let data_dir = tempfile::tempdir()?;
    let launch = Launch {
        today: Some(DEMO_TODAY.to_owned()),
        lang: "it_IT.UTF-8".to_owned(),
        ..Launch::new(data_dir.path())
    };
    let app = AppSession::start(&launch).await?;
    let result = async {
        connect_hr(&app, &server.url, &hr_token).await?;

        app.testid("nav-hr_linkage").await?.click().await?;
        app.wait_for_css("[data-testid='linkage-table']", Duration::from_secs(60)).await?;
        app.testid("linkage-heatmap").await?;
        app.testid("linkage-lag-profile").await?;
        app.testid("linkage-scatter").await?;
        let planted = "[data-testid='linkage-table'] tr[data-ex='wellbeing'][data-cx='csat']";
        let row = app.client.find(Locator::Css(planted)).await?;
        let lag = row.attr("data-lag").await?;
        ensure!(
            lag.as_deref() == Some("3"),
            "wellbeing → CSAT peaks at lag {lag:?}, planted at 3: '{}'",
            row.text().await?
        );
        let text = row.text().await?;
        eprintln!("the planted relation as the linkage table shows it (exact releases): '{text}'");
        ensure!(text.contains("3 settimane"), "the lag is written in Italian: '{text}'");
        app.screenshot("hr-linkage").await?;

        app.testid("nav-hr_cx").await?.click().await?;
        app.testid("cx-file").await?.send_keys(&csv_path.display().to_string()).await?;
        app.wait_for_css("[data-testid='cx-preview']", Duration::from_secs(20)).await?;
        let preview = app.testid("cx-preview").await?.text().await?;
        ensure!(preview.contains("Help desk") && preview.contains("81,5"), "the preview: '{preview}'");
        app.screenshot("hr-cx-preview").await?;
        app.testid("cx-import").await?.click().await?;
        app.wait_for_css("[data-testid='cx-imported']", Duration::from_secs(20)).await?;

        app.testid("nav-hr_linkage").await?.click().await?;
        app.wait_for_css(planted, Duration::from_secs(60)).await?;
        let lag = app.client.find(Locator::Css(planted)).await?.attr("data-lag").await?;
        ensure!(lag.as_deref() == Some("3"), "after the import, wellbeing → CSAT peaks at lag {lag:?}");
        Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    result
}

/// A Qualtrics export as the tool writes it: three header rows (short names,
/// question texts, `{"ImportId":…}`), `Finished` (one unfinished response),
/// the NPS group beside the NPS question, an effort question on 1–5 where
/// more is worse, a comment column, and the team as embedded data, spelt
/// loosely. Week 2026-W47: Help desk's NPS from 10, 9, 6, 8 is 25 and
/// Logistics' from 7, 3 is −50; the unfinished 0 is left out.
const QUALTRICS_EXPORT: &str = "StartDate,EndDate,Status,Progress,Finished,RecordedDate,ResponseId,Q1,Q1_NPS_GROUP,Q2,Q3,Team\r\n\
Start Date,End Date,Response Type,Progress,Finished,Recorded Date,Response ID,How likely are you to recommend us to a friend or colleague?,How likely are you to recommend us to a friend or colleague? - Group,How much effort did you personally have to put forth to handle your request?,Anything else?,Team\r\n\
\"{\"\"ImportId\"\":\"\"startDate\"\"}\",\"{\"\"ImportId\"\":\"\"endDate\"\"}\",\"{\"\"ImportId\"\":\"\"status\"\"}\",\"{\"\"ImportId\"\":\"\"progress\"\"}\",\"{\"\"ImportId\"\":\"\"finished\"\"}\",\"{\"\"ImportId\"\":\"\"recordedDate\"\"}\",\"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\",\"{\"\"ImportId\"\":\"\"QID1_NPS_GROUP\"\"}\",\"{\"\"ImportId\"\":\"\"QID2\"\"}\",\"{\"\"ImportId\"\":\"\"QID3_TEXT\"\"}\",\"{\"\"ImportId\"\":\"\"Team\"\"}\"\r\n\
2026-11-16 09:00:00,2026-11-16 09:02:00,0,100,1,2026-11-16 09:02:00,R_1,10,3,1,,Help desk\r\n\
2026-11-17 10:00:00,2026-11-17 10:03:00,0,100,1,2026-11-17 10:03:00,R_2,9,3,2,\"Quick, thanks\",help desk \r\n\
2026-11-18 11:00:00,2026-11-18 11:04:00,0,100,1,2026-11-18 11:04:00,R_3,6,1,4,,Help desk\r\n\
2026-11-19 12:00:00,2026-11-19 12:05:00,0,100,1,2026-11-19 12:05:00,R_4,8,2,2,,Help desk\r\n\
2026-11-20 13:00:00,2026-11-20 13:01:00,0,40,0,2026-11-20 13:01:00,R_5,0,1,5,,Help desk\r\n\
2026-11-18 08:00:00,2026-11-18 08:02:00,0,100,1,2026-11-18 08:02:00,R_6,7,2,3,,Logistics\r\n\
2026-11-19 08:00:00,2026-11-19 08:02:00,0,100,1,2026-11-19 08:02:00,R_7,3,1,5,,Logistics\r\n";

/// A Google Forms export in Italian: the timestamp `Informazioni
/// cronologiche` written day first with dotted times, the questions' texts
/// as headers, the satisfaction scale stated in its question. Week 2026-W47:
/// Help desk's NPS 25 and CSAT (4 or 5 of 5) 75%, Logistics' −50 and 0%.
const GOOGLE_FORMS_EXPORT: &str = "Informazioni cronologiche,Quanto è probabile che consiglieresti il nostro servizio a un amico o a un collega?,Quanto sei soddisfatto dell'assistenza ricevuta? (1 = per niente soddisfatto; 5 = molto soddisfatto),Team\n\
16/11/2026 9.02.10,10,5,Help desk\n\
17/11/2026 10.03.11,9,4,Help desk\n\
18/11/2026 11.04.12,6,2,Help desk\n\
19/11/2026 12.05.13,8,4,Help desk\n\
18/11/2026 8.02.14,7,3,Logistics\n\
19/11/2026 8.02.15,3,1,Logistics\n";

/// A SurveyMonkey export in English: two header rows (`Response` under each
/// closed question), month-first dates with AM/PM, satisfaction answered
/// with its labels. The same figures as the Google Forms export.
const SURVEY_MONKEY_EXPORT: &str = "Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,First Name,Last Name,Custom Data 1,How likely is it that you would recommend us to a friend or colleague?,How satisfied were you with the support you received?,Team\r\n\
,,,,,,,,,Response,Response,Open-Ended Response\r\n\
114420001,4300001,11/16/2026 9:00:00 AM,11/16/2026 9:02:00 AM,,,,,,10,Very satisfied,Help desk\r\n\
114420002,4300001,11/17/2026 10:00:00 AM,11/17/2026 10:03:00 AM,,,,,,9,Satisfied,Help desk\r\n\
114420003,4300001,11/18/2026 11:00:00 AM,11/18/2026 11:04:00 AM,,,,,,6,Dissatisfied,Help desk\r\n\
114420004,4300001,11/19/2026 12:00:00 PM,11/19/2026 12:05:00 PM,,,,,,8,Satisfied,Help desk\r\n\
114420005,4300001,11/18/2026 8:00:00 AM,11/18/2026 8:02:00 AM,,,,,,7,Neither satisfied nor dissatisfied,Logistics\r\n\
114420006,4300001,11/19/2026 8:00:00 AM,11/19/2026 8:02:00 AM,,,,,,3,Very dissatisfied,Logistics\r\n";

/// Chooses `file` on a fresh CX view, waits for the mapping step of `tool`,
/// lets `decide` answer what the file does not tell, saves the mapping as
/// `name`, checks the preview holds every text of `shown`, and imports
/// `rows` rows.
async fn import_through_the_mapping_step(
    app: &AppSession,
    file: &Path,
    tool: &str,
    name: &str,
    shown: &[&str],
    rows: usize,
) -> Result<()> {
    // A fresh view reads the file in Polso's own layout first.
    app.testid("nav-hr_overview").await?.click().await?;
    app.testid("nav-hr_cx").await?.click().await?;
    app.testid("cx-file").await?.send_keys(&file.display().to_string()).await?;
    let step = app.wait_for_css("[data-testid='cx-mapping']", Duration::from_secs(20)).await?;
    let detected = app.testid("cx-mapping-tool").await?.attr("data-tool").await?;
    ensure!(
        detected.as_deref() == Some(tool),
        "{} read as {detected:?}: {}",
        file.display(),
        step.text().await?
    );
    if tool == "qualtrics" {
        let undecided = app.testid("cx-undecided").await?.text().await?;
        ensure!(undecided.contains("Q2"), "the effort question's scale is asked: '{undecided}'");
        ensure!(!app.testid("cx-mapping-save").await?.is_enabled().await?, "saved with its scale undecided");
        let effort_min = "tr[data-column='Q2'] [data-testid='cx-mapping-scale-min']";
        app.client.find(Locator::Css(effort_min)).await?.send_keys("1").await?;
    } else {
        ensure!(
            !app.has_testid("cx-undecided").await?,
            "{tool}: the file told everything, yet something is asked"
        );
    }
    app.testid("cx-mapping-name").await?.click().await?;
    app.testid("cx-mapping-name").await?.send_keys(name).await?;
    if tool == "qualtrics" {
        app.screenshot("hr-cx-mapping").await?;
    }
    app.testid("cx-mapping-save").await?.click().await?;
    app.wait_for_css("[data-testid='cx-preview']", Duration::from_secs(20)).await?;
    let preview = app.testid("cx-preview").await?.text().await?.replace('\u{2212}', "-");
    for text in shown {
        ensure!(preview.contains(text), "{tool}: the preview lacks '{text}': '{preview}'");
    }
    app.testid("cx-import").await?.click().await?;
    let imported =
        app.wait_for_css("[data-testid='cx-imported']", Duration::from_secs(20)).await?.text().await?;
    ensure!(imported.contains(&rows.to_string()), "{tool}: {rows} rows: '{imported}'");
    let source = app.testid("cx-source").await?.text().await?;
    ensure!(source.contains(name), "{tool}: the saved source is not offered: '{source}'");
    Ok(())
}

/// A new HR user's first survey exports, in Italian and English: each tool's
/// file is refused in Polso's own layout and the view opens the mapping step
/// with what the server read from it (the tool, the team, the date and its
/// order, the NPS and satisfaction or effort questions); for the Qualtrics
/// file, whose effort scale the file does not tell, HR sets it. HR names the
/// source and saves; the preview shows each team's figures as a spreadsheet
/// computes them from the finished responses; the import stores them; the
/// saved sources are offered for the next file; and what the command line
/// reads with the saved mappings is the same figures.
#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn a_qualtrics_export_imports_through_the_mapping_step() -> Result<()> {
    if !enabled("a_qualtrics_export_imports_through_the_mapping_step") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let hr_token = seed_demo(&database)?;
    let server = RunningServer::start_on_demo_clock(&database)?;
    let mut files = Vec::new();
    for (name, text) in [
        ("qualtrics-export.csv", QUALTRICS_EXPORT),
        ("moduli-google.csv", GOOGLE_FORMS_EXPORT),
        ("surveymonkey.csv", SURVEY_MONKEY_EXPORT),
    ] {
        let path = server_dir.path().join(name);
        std::fs::write(&path, text)?;
        files.push(path);
    }

    let data_dir = tempfile::tempdir()?;
    let launch = Launch { today: Some(DEMO_TODAY.to_owned()), ..Launch::new(data_dir.path()) };
    let app = AppSession::start(&launch).await?;
    let result = async {
        connect_hr(&app, &server.url, &hr_token).await?;
        let qualtrics = ["Help desk", "Logistics", "-50"];
        import_through_the_mapping_step(
            &app,
            &files[0],
            "qualtrics",
            "Qualtrics customer care",
            &qualtrics,
            4,
        )
        .await?;
        let forms = ["Help desk", "Logistics", "75", "-50"];
        import_through_the_mapping_step(&app, &files[1], "google_forms", "Moduli Google", &forms, 4).await?;
        import_through_the_mapping_step(&app, &files[2], "survey_monkey", "SurveyMonkey", &forms, 4).await
    }
    .await;
    app.stop().await;
    drop(server);
    result?;

    // What was stored is what a spreadsheet computes from the finished responses.
    for (file, mapping, expected) in [
        (
            &files[0],
            "Qualtrics customer care",
            &["Help desk\t2026-W47\tnps\t25\t4", "Logistics\t2026-W47\tnps\t-50\t2"][..],
        ),
        (
            &files[1],
            "Moduli Google",
            &[
                "Help desk\t2026-W47\tnps\t25\t4",
                "Help desk\t2026-W47\tcsat\t75\t4",
                "Logistics\t2026-W47\tcsat\t0\t2",
            ][..],
        ),
        (
            &files[2],
            "SurveyMonkey",
            &[
                "Help desk\t2026-W47\tnps\t25\t4",
                "Help desk\t2026-W47\tcsat\t75\t4",
                "Logistics\t2026-W47\tcsat\t0\t2",
            ][..],
        ),
    ] {
        let rows =
            admin(&database, &["import-cx", "--mapping", mapping, "--dry-run", &file.display().to_string()])?;
        for line in expected {
            ensure!(rows.lines().any(|row| row == *line), "{mapping}: {line:?} not in:\n{rows}");
        }
    }
    Ok(())
}

/// From the heatmap, HR opens a team's drill-down (the team beside its
/// department and the organisation, one small chart per metric) and saves a
/// table as CSV and a chart as PNG and SVG; the files land whole.
#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn a_team_drill_down_compares_and_saves_its_tables_and_charts() -> Result<()> {
    if !enabled("a_team_drill_down_compares_and_saves_its_tables_and_charts") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let hr_token = seed_demo(&database)?;
    let server = RunningServer::start_on_demo_clock(&database)?;
    let exports = tempfile::tempdir()?;

    let data_dir = tempfile::tempdir()?;
    let launch = Launch {
        today: Some(DEMO_TODAY.to_owned()),
        extra_env: vec![("POLSO_EXPORT_DIR".to_owned(), exports.path().display().to_string())],
        ..Launch::new(data_dir.path())
    };
    let app = AppSession::start(&launch).await?;
    let result = async {
        connect_hr(&app, &server.url, &hr_token).await?;
        app.testid("nav-hr_heatmap").await?.click().await?;
        app.wait_for_css("[data-testid='hr-heatmap-table']", Duration::from_secs(20)).await?;
        app.client
            .find(Locator::XPath("//button[@data-testid='heatmap-team' and normalize-space(.)='Help desk']"))
            .await?
            .click()
            .await?;
        app.wait_for_css("[data-testid='team-compared']", Duration::from_secs(30)).await?;
        let compared = app.testid("team-compared").await?.text().await?;
        ensure!(
            compared.contains("Help desk")
                && compared.contains("Customer Care")
                && compared.contains("Demo Srl"),
            "the comparison names: '{compared}'"
        );
        let multiples = app.client.find_all(Locator::Css("[data-testid='team-multiple']")).await?;
        ensure!(multiples.len() >= 5, "only {} small multiples", multiples.len());
        app.screenshot("hr-team").await?;

        app.client
            .find(Locator::Css("[data-testid='team-multiple'][data-metric='wellbeing'] summary"))
            .await?
            .click()
            .await?;
        app.testid("team-table-wellbeing-export-csv").await?.click().await?;
        app.wait_for_css(
            "[data-testid='team-table-wellbeing-export-status']:not(:empty)",
            Duration::from_secs(20),
        )
        .await?;
        app.testid("team-chart-wellbeing-export-png").await?.click().await?;
        app.wait_for_css(
            "[data-testid='team-chart-wellbeing-export-status']:not(:empty)",
            Duration::from_secs(20),
        )
        .await?;
        app.testid("team-chart-wellbeing-export-svg").await?.click().await?;
        let saved = |extension: &str| -> Result<Vec<u8>> {
            let entries = std::fs::read_dir(exports.path())?;
            for entry in entries {
                let path = entry?.path();
                if path.extension().is_some_and(|found| found == extension) {
                    return Ok(std::fs::read(path)?);
                }
            }
            anyhow::bail!("no .{extension} file was saved")
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while saved("svg").is_err() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let csv = String::from_utf8(saved("csv")?)?;
        ensure!(
            csv.starts_with('\u{feff}') && csv.contains("Help desk") && csv.contains("Customer Care"),
            "CSV: {csv}"
        );
        ensure!(csv.lines().count() >= 10, "the CSV has the table's rows: {csv}");
        let png = saved("png")?;
        ensure!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 2_000, "a PNG of {} bytes", png.len());
        let svg = String::from_utf8(saved("svg")?)?;
        ensure!(svg.contains("<svg") && svg.contains("</svg>"), "SVG: {}", &svg[..svg.len().min(200)]);

        app.testid("hr-team-back").await?.click().await?;
        app.wait_for_css("[data-testid='hr-heatmap-table']", Duration::from_secs(20)).await?;
        Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    result
}

/// Issue 16, "a manager sees only their team": the demo's manager token (Help desk) connects in
/// the real app; the shell says whose manager it is and offers the team view and About only, the
/// team picker lists Help desk alone, its comparison is shown beside its department and the
/// organisation, and the axe audit finds nothing serious.
#[ignore = "end to end: the real app in a desktop session; cargo xtask test runs it (POLSO_E2E=1)"]
#[tokio::test(flavor = "multi_thread")]
async fn a_manager_sees_only_their_team() -> Result<()> {
    if !enabled("a_manager_sees_only_their_team") {
        return Ok(());
    }
    let server_dir = tempfile::tempdir()?;
    let database = server_dir.path().join("demo.db");
    let printed = admin(&database, &["demo-seed", "--weeks", "12", "--today", DEMO_TODAY])?;
    let manager_token = printed
        .lines()
        .find(|line| line.starts_with("manager token "))
        .and_then(|line| line.rsplit(": ").next())
        .map(|token| token.trim().to_owned())
        .context("demo-seed printed no 'manager token' line")?;
    let server = RunningServer::start_on_demo_clock(&database)?;
    let data_dir = tempfile::tempdir()?;
    let app =
        AppSession::start(&Launch { today: Some(DEMO_TODAY.to_owned()), ..Launch::new(data_dir.path()) })
            .await?;
    let result = async {
        app.testid("role-hr").await?.click().await?;
        app.testid("hr-connect-server").await?.send_keys(&server.url).await?;
        app.testid("hr-connect-token").await?.send_keys(&manager_token).await?;
        app.testid("hr-connect-submit").await?.click().await?;
        let manager_of =
            app.wait_for_css("[data-testid='hr-manager-of']", Duration::from_secs(20)).await?.text().await?;
        ensure!(manager_of.contains("Manager of Help desk"), "the shell says whose manager: {manager_of}");
        for view in ["hr_overview", "hr_heatmap", "hr_linkage", "hr_cx"] {
            ensure!(!app.has_testid(&format!("nav-{view}")).await?, "a manager is offered {view}");
        }
        app.wait_for_css("[data-testid='team-compared']", Duration::from_secs(30)).await?;
        let options = app.client.find_all(Locator::Css("[data-testid='team-select'] option")).await?;
        let mut names = Vec::new();
        for option in options {
            names.push(option.text().await?.trim().to_owned());
        }
        ensure!(names == ["Help desk"], "the team picker lists {names:?}");
        let compared = app.testid("team-compared").await?.text().await?;
        ensure!(compared.contains("Help desk") && compared.contains("Customer Care"), "compared: {compared}");
        ensure!(!app.has_testid("error-alert").await?, "the manager's view shows an error");
        let violations = app.axe_violations().await?;
        ensure!(
            violations.is_empty(),
            "the manager's team view has accessibility violations: {violations:?}"
        );
        app.screenshot("hr-manager").await?;
        Ok(())
    }
    .await;
    app.stop().await;
    drop(server);
    result
}
