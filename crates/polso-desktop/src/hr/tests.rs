//! Tests of HR's side against a real store file, an in-memory vault and a
//! fake server that answers `GET /v1/aggregates` from a rule.

use std::ops::RangeInclusive;
use std::sync::Mutex;

use chrono::NaiveDate;
use polso_api::{
    AggregateCell, AggregateTable, ConnectHr, ErrorCode, HrHeatmapQuery, HrOverviewQuery, HrRole, MetricKey,
    NextPublication, OrganisationUnits, PrivacyLedger, ReleaseNoiseInIntervals, TeamPrivacyLoss, UnitKind,
};
use polso_core::IsoWeek;
use polso_store::{SecretVault, Store, StoreKey};

use super::*;
use crate::sync::{HttpAnswer, TransportFailure};

const HR_TOKEN: &str = "ph_secret-hr-token";
const HR_ACCOUNT: &str = "hr-token@test";

/// A Thursday of 2026-W48: last week is 2026-W47.
fn thursday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn week(text: &str) -> IsoWeek {
    text.parse().unwrap()
}

/// A vault the test shares with the desktop, to look inside.
type SharedVault = polso_store::SharedMemoryVault;

type Rule = Box<dyn Fn(&str, &str) -> Result<HttpAnswer, TransportFailure> + Send + Sync>;

/// A server that answers every GET with `rule(url, token)` and records the URLs.
struct FakeServer {
    rule: Rule,
    urls: Mutex<Vec<String>>,
}

impl FakeServer {
    fn new(
        rule: impl Fn(&str, &str) -> Result<HttpAnswer, TransportFailure> + Send + Sync + 'static,
    ) -> Self {
        FakeServer { rule: Box::new(rule), urls: Mutex::new(Vec::new()) }
    }

    /// A Polso server whose cells come from `cells(unit, key, weeks)`, for
    /// HR_TOKEN only, with every week through 2026-W47 published.
    fn polso(cells: fn(UnitKind, &str, RangeInclusive<IsoWeek>) -> Vec<AggregateCell>) -> Self {
        FakeServer::publishing(cells, Some("2026-W47"))
    }

    /// As [`FakeServer::polso`], with weeks published through
    /// `published_through` only: later weeks get no cells, as from the real
    /// server, and the next publication is announced.
    fn publishing(
        cells: fn(UnitKind, &str, RangeInclusive<IsoWeek>) -> Vec<AggregateCell>,
        published_through: Option<&'static str>,
    ) -> Self {
        FakeServer::new(move |url, token| {
            if token != HR_TOKEN {
                return Ok(answer(401, r#"{"code":"unauthorized","message":"unknown token"}"#));
            }
            if url.ends_with("/v1/units") {
                return Ok(answer(200, UNITS_WITH_AN_EDITION_CHANGE));
            }
            if url.ends_with("/v1/privacy-ledger") {
                let ledger =
                    PrivacyLedger { year: 2026, dp_on: true, epsilon_per_cell: Some(6.5), teams: Vec::new() };
                return Ok(answer(200, &serde_json::to_string(&ledger).unwrap()));
            }
            let query = |name: &str| {
                url.split(['?', '&'])
                    .find_map(|part| part.strip_prefix(&format!("{name}=")))
                    .unwrap()
                    .to_owned()
            };
            if url.contains("/v1/heatmap?") {
                // The server's shaping, on this fake server's tables.
                let mut source = FakeCells { cells, published_through };
                let period_weeks = query("period_weeks").parse().unwrap();
                return Ok(
                    match polso_hr::heatmap::build_heatmap(
                        &mut source,
                        period_weeks,
                        None,
                        week(&query("to")),
                    ) {
                        Ok(heatmap) => answer(200, &serde_json::to_string(&heatmap).unwrap()),
                        Err(error) => answer(400, &serde_json::to_string(&error).unwrap()),
                    },
                );
            }
            let unit = if query("unit") == "team" { UnitKind::Team } else { UnitKind::Organisation };
            let weeks = week(&query("from"))..=week(&query("to"));
            let table = fake_table(cells, published_through, unit, &query("key"), weeks);
            Ok(answer(200, &serde_json::to_string(&table).unwrap()))
        })
    }

    fn urls(&self) -> Vec<String> {
        self.urls.lock().unwrap().clone()
    }
}

impl HrTransport for FakeServer {
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure> {
        self.urls.lock().unwrap().push(url.to_owned());
        (self.rule)(url, bearer_token)
    }

    fn post_csv(&self, url: &str, bearer_token: &str, _body: &str) -> Result<HttpAnswer, TransportFailure> {
        self.urls.lock().unwrap().push(url.to_owned());
        (self.rule)(url, bearer_token)
    }
}

/// The table the fake server answers for `key` at `unit` over `weeks`: the
/// cells of `cells`, those through `published_through` only.
fn fake_table(
    cells: fn(UnitKind, &str, RangeInclusive<IsoWeek>) -> Vec<AggregateCell>,
    published_through: Option<&str>,
    unit: UnitKind,
    key: &str,
    weeks: RangeInclusive<IsoWeek>,
) -> AggregateTable {
    let published = published_through.map(week);
    let next = published.map_or(week("2026-W01"), IsoWeek::next);
    AggregateTable {
        k: 5,
        published_through: published_through.map(str::to_owned),
        next_publication: Some(NextPublication {
            week: next.to_string(),
            at: format!("{}T00:00:00Z", next.sunday() + chrono::Days::new(6)),
        }),
        cells: cells(unit, key, weeks)
            .into_iter()
            .filter(|cell| published.is_some_and(|published| week(&cell.week) <= published))
            .collect(),
    }
}

/// The fake server's released cells, as its `GET /v1/heatmap` reads them.
struct FakeCells {
    cells: fn(UnitKind, &str, RangeInclusive<IsoWeek>) -> Vec<AggregateCell>,
    published_through: Option<&'static str>,
}

impl polso_hr::heatmap::ReleasedCells for FakeCells {
    fn series(
        &mut self,
        level: UnitKind,
        metric: MetricKey,
        weeks: RangeInclusive<IsoWeek>,
        periods: &polso_hr::pool::HeatmapPeriods,
    ) -> Result<Option<polso_hr::pool::PooledSeries>, polso_api::ApiError> {
        let unit = if level == UnitKind::Team { UnitKind::Team } else { UnitKind::Organisation };
        let table = fake_table(self.cells, self.published_through, unit, metric.key(), weeks);
        Ok(Some(polso_hr::pool::PooledSeries::of_table(&table, periods)))
    }

    fn units(&mut self) -> Option<OrganisationUnits> {
        serde_json::from_str(UNITS_WITH_AN_EDITION_CHANGE).ok()
    }

    fn noise(&mut self) -> KnownNoise {
        KnownNoise::Known { epsilon_per_cell: 6.5 }
    }
}

/// The heatmap of four-week periods as the app reads it on Thursday of 2026-W48.
fn four_week_heatmap(server: &FakeServer, credentials: &HrCredentials) -> polso_api::HrHeatmap {
    read_hr_heatmap(server, credentials, HrHeatmapQuery { period_weeks: 4, department: None }, thursday())
        .unwrap()
}

fn answer(status: u16, body: &str) -> HttpAnswer {
    HttpAnswer { status, body: body.to_owned() }
}

fn released(
    unit_kind: UnitKind,
    unit: &str,
    week: IsoWeek,
    key: &str,
    n: u32,
    mean: f64,
    sd: f64,
) -> AggregateCell {
    AggregateCell {
        unit_kind,
        unit_id: format!("id_{unit}"),
        unit_name: unit.to_owned(),
        week: week.to_string(),
        key: key.to_owned(),
        asked: true,
        released: true,
        n: Some(n),
        mean: Some(mean),
        sd: Some(sd),
        histogram: Some(vec![0; 10]),
        enps: None,
        burnout_share: None,
        item_id: None,
        standardised_mean: None,
    }
}

fn withheld(unit_kind: UnitKind, unit: &str, week: IsoWeek, key: &str) -> AggregateCell {
    AggregateCell {
        unit_kind,
        unit_id: format!("id_{unit}"),
        unit_name: unit.to_owned(),
        week: week.to_string(),
        key: key.to_owned(),
        asked: true,
        released: false,
        n: None,
        mean: None,
        sd: None,
        histogram: None,
        enps: None,
        burnout_share: None,
        item_id: None,
        standardised_mean: None,
    }
}

/// A week the organisation's schedule did not ask `key`.
fn not_asked(unit_kind: UnitKind, unit: &str, week: IsoWeek, key: &str) -> AggregateCell {
    AggregateCell { asked: false, ..withheld(unit_kind, unit, week, key) }
}

fn weeks_of(range: RangeInclusive<IsoWeek>) -> Vec<IsoWeek> {
    (range.start().index()..=range.end().index()).map(IsoWeek::from_index).collect()
}

/// The organisation: wellbeing released every week but 2026-W45 (n 40, mean 70,
/// sd 10), engagement asked and released only in 2026-W46 (n 30) and not
/// asked in the other weeks; other metrics asked and never released.
/// Teams: "Help desk" released every week (mean 60 before 2026-W44, 66 from it),
/// "Escalations" never; eNPS is asked only in 2026-W41, before the latest
/// period.
fn demo_cells(unit: UnitKind, key: &str, weeks: RangeInclusive<IsoWeek>) -> Vec<AggregateCell> {
    let mut cells = Vec::new();
    for week in weeks_of(weeks) {
        match unit {
            UnitKind::Organisation => {
                let cell = match key {
                    "wellbeing" if week != self::week("2026-W45") => {
                        released(unit, "Demo", week, key, 40, 70.0, 10.0)
                    }
                    "engagement" if week == self::week("2026-W46") => {
                        released(unit, "Demo", week, key, 30, 99.0, 20.0)
                    }
                    "engagement" => not_asked(unit, "Demo", week, key),
                    "not_applicable:customer_focus" if week == self::week("2026-W46") => {
                        released(unit, "Demo", week, key, 9, 1.0, 0.0)
                    }
                    _ => withheld(unit, "Demo", week, key),
                };
                cells.push(cell);
            }
            _ if key == "enps" && week != self::week("2026-W41") => {
                cells.push(not_asked(unit, "Escalations", week, key));
                cells.push(not_asked(unit, "Help desk", week, key));
            }
            _ => {
                let mean = if week >= self::week("2026-W44") { 66.0 } else { 60.0 };
                let n = if week == self::week("2026-W47") { 12 } else { 8 };
                cells.push(withheld(unit, "Escalations", week, key));
                cells.push(released(unit, "Help desk", week, key, n, mean, 12.0));
            }
        }
    }
    cells
}

struct Fixture {
    _dir: tempfile::TempDir,
    vault: SharedVault,
    desktop: Desktop,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("polso.db"), &StoreKey::generate().unwrap()).unwrap();
    let vault = SharedVault::default();
    let desktop =
        Desktop::new(store, "en-GB".to_owned()).unwrap().with_hr_vault(Box::new(vault.clone()), HR_ACCOUNT);
    Fixture { _dir: dir, vault, desktop }
}

fn form(token: &str) -> ConnectHr {
    ConnectHr { server_url: " http://127.0.0.1:9/ ".to_owned(), hr_token: format!(" {token} ") }
}

#[test]
fn connecting_verifies_by_a_read_and_keeps_the_token_only_in_the_vault() {
    let mut fixture = fixture();
    let server = FakeServer::polso(demo_cells);
    let verified = verify_hr_connection(&server, &form(HR_TOKEN), thursday()).unwrap();
    assert!(!format!("{verified:?}").contains(HR_TOKEN), "a debug print leaks the token");
    assert_eq!(
        server.urls(),
        [
            "http://127.0.0.1:9/v1/aggregates?unit=team&key=wellbeing&from=2026-W47&to=2026-W47",
            "http://127.0.0.1:9/v1/units"
        ]
    );

    let connection = fixture.desktop.keep_hr_connection(verified).unwrap();
    assert!(connection.connected);
    assert_eq!(connection.server_url.as_deref(), Some("http://127.0.0.1:9"));
    assert_eq!(connection.k, Some(5));
    // A server from before roles names none: HR.
    assert_eq!(connection.role, Some(HrRole::Hr));
    assert!(connection.manager_of.is_empty());
    assert_eq!(fixture.vault.get(HR_ACCOUNT).unwrap().as_deref(), Some(HR_TOKEN));
    let store = &fixture.desktop.store;
    for key in ["hr.server_url", "hr.k"] {
        assert_ne!(store.setting(key).unwrap().as_deref(), Some(HR_TOKEN), "{key}");
    }
    assert_eq!(fixture.desktop.hr_credentials().unwrap().server_url(), "http://127.0.0.1:9");

    let connection = fixture.desktop.disconnect_hr().unwrap();
    assert!(!connection.connected);
    assert_eq!(connection.server_url, None);
    assert_eq!(connection.role, None);
    assert_eq!(fixture.vault.get(HR_ACCOUNT).unwrap(), None);
    assert_eq!(fixture.desktop.hr_credentials().unwrap_err().code, ErrorCode::Unauthorized);
    assert!(!fixture.desktop.disconnect_hr().unwrap().connected, "disconnecting twice is fine");
}

const MANAGER_TOKEN: &str = "ph_manager-of-two-teams";

/// What the server says of a manager's token: the role, the organisation and
/// the manager's two teams in two departments.
const MANAGER_UNITS: &str = r#"{"role":"manager","organisation":{"id":"org_1","name":"Demo"},"departments":[{"id":"dep_b","name":"Sales","teams":[{"id":"team_z","name":"Inside sales"}]},{"id":"dep_a","name":"Care","teams":[{"id":"team_y","name":"Help desk"}]}],"questionnaire":[]}"#;

#[test]
fn connecting_with_a_manager_token_keeps_the_role_and_the_teams_until_disconnected() {
    let mut fixture = fixture();
    let server = FakeServer::new(|url, token| {
        if token != MANAGER_TOKEN {
            return Ok(answer(401, r#"{"code":"unauthorized","message":"unknown token"}"#));
        }
        if url.ends_with("/v1/units") {
            return Ok(answer(200, MANAGER_UNITS));
        }
        let table =
            AggregateTable { k: 6, published_through: None, next_publication: None, cells: Vec::new() };
        Ok(answer(200, &serde_json::to_string(&table).unwrap()))
    });
    let verified = verify_hr_connection(&server, &form(MANAGER_TOKEN), thursday()).unwrap();
    let connection = fixture.desktop.keep_hr_connection(verified).unwrap();
    assert_eq!(connection.role, Some(HrRole::Manager));
    assert_eq!(connection.k, Some(6));
    let names: Vec<&str> = connection.manager_of.iter().map(|team| team.name.as_str()).collect();
    assert_eq!(names, ["Help desk", "Inside sales"], "ordered by name");
    // Read again from the store, as the app does on start.
    assert_eq!(fixture.desktop.hr_connection().unwrap(), connection);
    // The token stays in the vault only.
    for key in ["hr.role", "hr.manager_of"] {
        let value = fixture.desktop.store.setting(key).unwrap().unwrap_or_default();
        assert!(!value.contains(MANAGER_TOKEN), "{key}");
    }
    let connection = fixture.desktop.disconnect_hr().unwrap();
    assert_eq!((connection.role, connection.manager_of.len()), (None, 0));
    assert_eq!(fixture.desktop.store.setting("hr.manager_of").unwrap(), None);
    assert_eq!(fixture.desktop.store.setting("hr.role").unwrap(), None);
}

#[test]
fn a_refused_token_an_empty_one_or_a_silent_server_keeps_nothing() {
    let fixture = fixture();
    let server = FakeServer::polso(demo_cells);
    let error = verify_hr_connection(&server, &form("ph_wrong"), thursday()).unwrap_err();
    assert_eq!(error.code, ErrorCode::Unauthorized);
    assert_eq!(
        verify_hr_connection(&server, &form("  "), thursday()).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    let bad_address = ConnectHr { server_url: "polso.example.org".to_owned(), hr_token: HR_TOKEN.to_owned() };
    assert_eq!(
        verify_hr_connection(&server, &bad_address, thursday()).unwrap_err().code,
        ErrorCode::InvalidServerAddress
    );
    let down = FakeServer::new(|_, _| Err(TransportFailure { detail: "Connection refused".to_owned() }));
    let error = verify_hr_connection(&down, &form(HR_TOKEN), thursday()).unwrap_err();
    assert_eq!(error.code, ErrorCode::ServerUnreachable);
    assert!(!error.message.contains(HR_TOKEN));
    let not_polso = FakeServer::new(|_, _| Ok(answer(200, "<html>")));
    assert_eq!(
        verify_hr_connection(&not_polso, &form(HR_TOKEN), thursday()).unwrap_err().code,
        ErrorCode::InvalidServerAddress
    );
    assert!(!fixture.desktop.hr_connection().unwrap().connected);
    assert_eq!(fixture.vault.get(HR_ACCOUNT).unwrap(), None);
}

#[test]
fn the_overview_marks_suppressed_weeks_and_bands_released_ones() {
    let server = FakeServer::polso(demo_cells);
    let credentials = HrCredentials { server_url: "http://server".to_owned(), hr_token: HR_TOKEN.to_owned() };
    let overview = read_hr_overview(&server, &credentials, HrOverviewQuery { weeks: 4 }, thursday()).unwrap();
    assert_eq!((overview.k, overview.from.as_str(), overview.to.as_str()), (5, "2026-W44", "2026-W47"));
    let bank = polso_core::ItemBank::embedded();
    let with_not_applicable: Vec<MetricKey> = MetricKey::ALL
        .into_iter()
        .filter(|metric| {
            bank.items().iter().any(|item| item.not_applicable && item.metric.key() == metric.key())
        })
        .collect();
    let aggregates: Vec<String> =
        server.urls().into_iter().filter(|url| url.contains("/v1/aggregates")).collect();
    assert_eq!(aggregates.len(), MetricKey::ALL.len() + with_not_applicable.len());
    assert!(aggregates.iter().all(|url| url.contains("unit=organisation") && url.contains("from=2026-W44")));
    assert_eq!(server.urls().iter().filter(|url| url.ends_with("/v1/units")).count(), 1);
    assert_eq!(overview.metrics.len(), MetricKey::ALL.len());

    // The questionnaire's change is there for the chart to mark.
    let changes: Vec<(Option<&str>, u32)> = overview
        .questionnaire
        .iter()
        .map(|adoption| (adoption.from_week.as_deref(), adoption.edition))
        .collect();
    assert_eq!(changes, [(None, 2), (Some("2026-W45"), 3)]);

    // "Not applicable" counts sit on their metric's week, only where released.
    for metric in &with_not_applicable {
        let key = format!("not_applicable:{}", metric.key());
        assert!(aggregates.iter().any(|url| url.contains(&format!("key={key}&"))), "{key} is read");
        let series = overview.metrics.iter().find(|series| series.metric == *metric).unwrap();
        let counts: Vec<Option<u32>> = series.points.iter().map(|point| point.not_applicable).collect();
        let expected = if *metric == MetricKey::CustomerFocus { Some(9) } else { None };
        assert_eq!(counts, [None, None, expected, None], "{key}");
    }

    let wellbeing = &overview.metrics[0];
    assert_eq!(wellbeing.metric, MetricKey::Wellbeing);
    let weeks: Vec<&str> = wellbeing.points.iter().map(|point| point.week.as_str()).collect();
    assert_eq!(weeks, ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]);
    assert_eq!(wellbeing.points[0].week_monday, "2026-10-26");
    let suppressed = &wellbeing.points[1];
    assert!(suppressed.suppressed);
    assert_eq!((suppressed.mean, suppressed.low, suppressed.high, suppressed.n), (None, None, None, None));
    let released = &wellbeing.points[0];
    assert!(!released.suppressed);
    let half_width = 1.96 * 10.0 / 40f64.sqrt();
    assert_eq!(released.mean, Some(70.0));
    assert!((released.low.unwrap() - (70.0 - half_width)).abs() < 1e-12);
    assert!((released.high.unwrap() - (70.0 + half_width)).abs() < 1e-12);

    assert!(wellbeing.points.iter().all(|point| point.asked));

    let engagement = overview.metrics.iter().find(|series| series.metric == MetricKey::Engagement).unwrap();
    assert_eq!(engagement.points[2].high, Some(100.0), "the band is clamped at 100");
    let states: Vec<(bool, bool, Option<f64>)> =
        engagement.points.iter().map(|point| (point.asked, point.suppressed, point.mean)).collect();
    assert_eq!(
        states,
        [(false, false, None), (false, false, None), (true, false, Some(99.0)), (false, false, None)],
        "weeks that did not ask engagement are gaps, not fewer than k"
    );
    assert!(engagement.points.iter().filter(|point| !point.asked).all(|point| point.n.is_none()));
    let never = overview.metrics.iter().find(|series| series.metric == MetricKey::Tools).unwrap();
    assert!(never.points.iter().all(|point| point.asked && point.suppressed && point.mean.is_none()));

    let participation: Vec<(Option<u32>, bool)> =
        overview.participation.iter().map(|point| (point.n, point.suppressed)).collect();
    assert_eq!(participation, [(Some(40), false), (None, true), (Some(40), false), (Some(40), false)]);
}

#[test]
fn the_heatmap_compares_the_latest_period_with_the_one_before_and_keeps_small_teams_suppressed() {
    let server = FakeServer::polso(demo_cells);
    let credentials = HrCredentials { server_url: "http://server".to_owned(), hr_token: HR_TOKEN.to_owned() };
    let heatmap = four_week_heatmap(&server, &credentials);
    assert_eq!((heatmap.current.from.as_str(), heatmap.current.to.as_str()), ("2026-W44", "2026-W47"));
    assert_eq!((heatmap.previous.from.as_str(), heatmap.previous.to.as_str()), ("2026-W40", "2026-W43"));
    assert_eq!(
        (heatmap.current.from_monday.as_str(), heatmap.current.to_sunday.as_str()),
        ("2026-10-26", "2026-11-22")
    );
    // One request: the server shapes the heatmap (here the fake server, with the server's code).
    assert_eq!(server.urls(), ["http://server/v1/heatmap?period_weeks=4&to=2026-W47"]);
    // Help desk's released counts in W44–W47: 8, 8, 8 and 12 a week; Escalations' all withheld. The
    // fake server's units name no team, so no head-count and no rate.
    let help_desk = heatmap.teams.iter().find(|team| team.name == "Help desk").unwrap();
    assert_eq!((help_desk.answered, help_desk.headcount, help_desk.participation), (Some(9.0), None, None));
    let escalations = heatmap.teams.iter().find(|team| team.name == "Escalations").unwrap();
    assert_eq!(escalations.answered, None);
    assert_eq!(heatmap.published_through.as_deref(), Some("2026-W47"));
    assert!(heatmap.cells.iter().all(|cell| cell.published));
    let names: Vec<&str> = heatmap.teams.iter().map(|team| team.name.as_str()).collect();
    assert_eq!(names, ["Escalations", "Help desk"]);
    assert_eq!(heatmap.metrics, MetricKey::ALL);
    assert_eq!(heatmap.cells.len(), 2 * MetricKey::ALL.len());

    for cell in
        heatmap.cells.iter().filter(|cell| cell.team_id == "id_Escalations" && cell.metric != MetricKey::Enps)
    {
        assert!(cell.asked && cell.suppressed);
        assert_eq!((cell.mean, cell.n, cell.previous_mean, cell.change), (None, None, None, None));
        assert_eq!(cell.released_weeks, 0);
    }
    let help_desk = heatmap.cells.iter().find(|cell| cell.team_id == "id_Help desk").unwrap();
    assert!(!help_desk.suppressed);
    assert_eq!(help_desk.mean, Some(66.0));
    assert_eq!(help_desk.n, Some(8 + 8 + 8 + 12));
    assert_eq!(help_desk.released_weeks, 4);
    assert_eq!(help_desk.previous_mean, Some(60.0));
    assert_eq!(help_desk.change, Some(6.0));
    assert_eq!(help_desk.previous_n, Some(32));
    // The interval is the change's, around it, with the noise of ε 6.5 per cell (the ledger's) in
    // it: wider than the same figures without noise, and too wide for 6 points to be likely real.
    assert_eq!(
        (heatmap.release_noise, heatmap.epsilon_per_cell),
        (ReleaseNoiseInIntervals::Included, Some(6.5))
    );
    let (low, high) = (help_desk.change_low.unwrap(), help_desk.change_high.unwrap());
    assert!(((low + high) / 2.0 - 6.0).abs() < 1e-9 && low < 0.0 && high > 6.0, "{low}..{high}");
    assert_eq!(help_desk.change_likely_real, Some(false));

    // eNPS was not asked in the latest period: neither team is "fewer than
    // k" for it, whatever the period before held.
    for team in ["id_Escalations", "id_Help desk"] {
        let cell =
            heatmap.cells.iter().find(|cell| cell.team_id == team && cell.metric == MetricKey::Enps).unwrap();
        assert!(!cell.asked && !cell.suppressed, "{team}");
        assert_eq!((cell.mean, cell.n, cell.change, cell.released_weeks), (None, None, None, 0), "{team}");
    }
    let help_desk_enps = heatmap
        .cells
        .iter()
        .find(|cell| cell.team_id == "id_Help desk" && cell.metric == MetricKey::Enps)
        .unwrap();
    assert_eq!(help_desk_enps.previous_mean, Some(60.0));
}

#[test]
fn a_period_mean_is_weighted_by_n_over_released_weeks_only() {
    let key = "wellbeing";
    let team =
        |week: &str, n: u32, mean: f64| released(UnitKind::Team, "T", self::week(week), key, n, mean, 5.0);
    let table = AggregateTable {
        k: 5,
        published_through: Some("2026-W47".to_owned()),
        next_publication: None,
        cells: vec![
            team("2026-W44", 10, 50.0),
            withheld(UnitKind::Team, "T", week("2026-W45"), key),
            team("2026-W46", 30, 70.0),
            not_asked(UnitKind::Team, "T", week("2026-W47"), key),
            withheld(UnitKind::Team, "T", week("2026-W42"), key),
            not_asked(UnitKind::Team, "T", week("2026-W43"), key),
        ],
    };
    let heatmap = shape_heatmap(
        week("2026-W44")..=week("2026-W47"),
        week("2026-W40")..=week("2026-W43"),
        &[(MetricKey::Wellbeing, table)],
    );
    let cell = &heatmap.cells[0];
    assert!(cell.asked && !cell.suppressed);
    assert_eq!(cell.mean, Some(65.0));
    assert_eq!((cell.n, cell.released_weeks), (Some(40), 2));
    assert_eq!(
        (cell.previous_mean, cell.change),
        (None, None),
        "no change without a released previous period"
    );
}

#[test]
fn a_period_that_never_asked_the_metric_is_not_asked_and_one_with_no_cells_is_suppressed() {
    let key = "who5";
    let not_asked_table = AggregateTable {
        k: 5,
        published_through: Some("2026-W47".to_owned()),
        next_publication: None,
        cells: weeks_of(week("2026-W44")..=week("2026-W47"))
            .into_iter()
            .map(|week| not_asked(UnitKind::Team, "T", week, key))
            .collect(),
    };
    let asked_once_table = AggregateTable {
        k: 5,
        published_through: Some("2026-W47".to_owned()),
        next_publication: None,
        cells: weeks_of(week("2026-W44")..=week("2026-W47"))
            .into_iter()
            .map(|one| {
                if one == week("2026-W45") {
                    withheld(UnitKind::Team, "T", one, key)
                } else {
                    not_asked(UnitKind::Team, "T", one, key)
                }
            })
            .collect(),
    };
    let no_cells_table = AggregateTable {
        k: 5,
        published_through: Some("2026-W47".to_owned()),
        next_publication: None,
        cells: vec![released(UnitKind::Team, "T", week("2026-W41"), key, 9, 50.0, 1.0)],
    };
    let heatmap = shape_heatmap(
        week("2026-W44")..=week("2026-W47"),
        week("2026-W40")..=week("2026-W43"),
        &[
            (MetricKey::Who5, not_asked_table),
            (MetricKey::Enps, asked_once_table),
            (MetricKey::Tools, no_cells_table),
        ],
    );
    let states: Vec<(bool, bool)> = heatmap.cells.iter().map(|cell| (cell.asked, cell.suppressed)).collect();
    assert_eq!(states, [(false, false), (true, true), (true, true)]);
    assert!(heatmap.cells.iter().all(|cell| cell.mean.is_none() && cell.n.is_none()));
}

#[test]
fn confidence_bands_are_clamped_to_the_score_range() {
    assert_eq!(confidence_band(50.0, 0.0, 10), (50.0, 50.0));
    assert_eq!(confidence_band(2.0, 30.0, 4), (0.0, 2.0 + 1.96 * 15.0));
    assert_eq!(confidence_band(99.0, 30.0, 4), (99.0 - 1.96 * 15.0, 100.0));
    assert_eq!(confidence_band(40.0, 10.0, 0), (40.0, 40.0));
}

#[test]
fn ranges_outside_the_limits_are_refused_before_any_request() {
    let server = FakeServer::polso(demo_cells);
    let credentials = HrCredentials { server_url: "http://server".to_owned(), hr_token: HR_TOKEN.to_owned() };
    for weeks in [0, 3, 105] {
        let error =
            read_hr_overview(&server, &credentials, HrOverviewQuery { weeks }, thursday()).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput, "{weeks}");
    }
    for period_weeks in [0, 27] {
        let query = HrHeatmapQuery { period_weeks, department: None };
        assert_eq!(
            read_hr_heatmap(&server, &credentials, query, thursday()).unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }
    assert!(server.urls().is_empty());
}

#[test]
fn a_forbidden_organisation_read_comes_back_as_the_servers_code() {
    let server = FakeServer::new(|_, _| {
        Ok(answer(403, r#"{"code":"forbidden","message":"this HR token reaches only some departments"}"#))
    });
    let credentials = HrCredentials { server_url: "http://server".to_owned(), hr_token: HR_TOKEN.to_owned() };
    let error =
        read_hr_overview(&server, &credentials, HrOverviewQuery { weeks: 8 }, thursday()).unwrap_err();
    assert_eq!(error.code, ErrorCode::Forbidden);
    assert_eq!(server.urls().len(), 1, "the first refusal ends the read");
}

#[test]
fn weeks_after_the_last_published_one_are_not_yet_published_never_fewer_than_k() {
    // Thursday of 2026-W48: 2026-W47 has closed but is still collecting reports.
    let server = FakeServer::publishing(demo_cells, Some("2026-W46"));
    let credentials = HrCredentials::for_tests("http://server", HR_TOKEN);
    let overview = read_hr_overview(&server, &credentials, HrOverviewQuery { weeks: 4 }, thursday()).unwrap();
    assert_eq!((overview.from.as_str(), overview.to.as_str()), ("2026-W44", "2026-W47"));
    assert_eq!(overview.published_through.as_deref(), Some("2026-W46"));
    let next = overview.next_publication.as_ref().unwrap();
    assert_eq!((next.week.as_str(), next.at.as_str()), ("2026-W47", "2026-11-28T00:00:00Z"));
    for series in &overview.metrics {
        let last = series.points.last().unwrap();
        assert_eq!(last.week, "2026-W47");
        assert!(!last.published && last.asked && !last.suppressed, "{last:?}");
        assert_eq!((last.mean, last.low, last.high, last.n), (None, None, None, None));
        assert!(series.points[..3].iter().all(|point| point.published), "{:?}", series.metric);
    }
    let wellbeing = &overview.metrics[0];
    assert!(wellbeing.points[1].suppressed, "2026-W45 was published and withheld: fewer than k");
    let last_week = overview.participation.last().unwrap();
    assert!(!last_week.published && !last_week.suppressed && last_week.n.is_none());
    assert!(overview.participation[..3].iter().all(|point| point.published));
}

#[test]
fn the_heatmaps_latest_period_ends_with_the_last_published_week() {
    let server = FakeServer::publishing(demo_cells, Some("2026-W46"));
    let credentials = HrCredentials::for_tests("http://server", HR_TOKEN);
    let heatmap = four_week_heatmap(&server, &credentials);
    assert_eq!((heatmap.current.from.as_str(), heatmap.current.to.as_str()), ("2026-W43", "2026-W46"));
    assert_eq!((heatmap.previous.from.as_str(), heatmap.previous.to.as_str()), ("2026-W39", "2026-W42"));
    assert!(
        server.urls()[1..]
            .iter()
            .filter(|url| url.contains("/v1/aggregates"))
            .all(|url| url.contains("from=2026-W39&to=2026-W46"))
    );
    assert_eq!(heatmap.next_publication.as_ref().map(|next| next.week.as_str()), Some("2026-W47"));
    let help_desk = heatmap
        .cells
        .iter()
        .find(|cell| cell.team_id == "id_Help desk" && cell.metric == MetricKey::Wellbeing)
        .unwrap();
    assert!(help_desk.published && !help_desk.suppressed);
    assert_eq!((help_desk.n, help_desk.released_weeks), (Some(32), 4));
    assert_eq!(help_desk.mean, Some((60.0 + 66.0 * 3.0) / 4.0));
}

#[test]
fn before_anything_is_published_every_cell_is_not_yet_published() {
    let server = FakeServer::publishing(demo_cells, None);
    let credentials = HrCredentials::for_tests("http://server", HR_TOKEN);
    let heatmap = four_week_heatmap(&server, &credentials);
    assert_eq!(heatmap.current.to, "2026-W47", "with nothing published the period ends with last week");
    assert_eq!(heatmap.published_through, None);
    assert_eq!(heatmap.next_publication.as_ref().map(|next| next.week.as_str()), Some("2026-W01"));
    assert!(heatmap.teams.is_empty(), "no cell came, so no team is named");

    let teams_without_figures = AggregateTable {
        k: 5,
        published_through: None,
        next_publication: None,
        cells: vec![released(UnitKind::Team, "T", week("2026-W46"), "wellbeing", 9, 50.0, 1.0)],
    };
    let heatmap = shape_heatmap(
        week("2026-W44")..=week("2026-W47"),
        week("2026-W40")..=week("2026-W43"),
        &[(MetricKey::Wellbeing, teams_without_figures)],
    );
    let cell = &heatmap.cells[0];
    assert!(!cell.published && cell.asked && !cell.suppressed, "{cell:?}");
    assert_eq!((cell.mean, cell.n, cell.previous_mean, cell.change), (None, None, None, None));
}

#[test]
fn tables_that_straddle_a_publication_all_count_the_earlier_one() {
    let table = |published: &str, next: &str| AggregateTable {
        k: 5,
        published_through: Some(published.to_owned()),
        next_publication: Some(NextPublication { week: next.to_owned(), at: format!("{next} at") }),
        cells: weeks_of(week("2026-W46")..=week(published))
            .into_iter()
            .map(|one| released(UnitKind::Organisation, "Demo", one, "wellbeing", 40, 70.0, 10.0))
            .collect(),
    };
    let overview = shape_overview(
        week("2026-W46")..=week("2026-W47"),
        &[
            (MetricKey::Wellbeing, table("2026-W47", "2026-W48")),
            (MetricKey::Engagement, table("2026-W46", "2026-W47")),
        ],
    );
    assert_eq!(overview.published_through.as_deref(), Some("2026-W46"));
    assert_eq!(overview.next_publication.unwrap().at, "2026-W47 at");
    for series in &overview.metrics {
        let states: Vec<(bool, Option<f64>)> =
            series.points.iter().map(|point| (point.published, point.mean)).collect();
        assert_eq!(states, [(true, Some(70.0)), (false, None)], "{:?}", series.metric);
    }
    assert_eq!(Publication::of([]), Publication { published_through: None, next_publication: None });
    assert_eq!(latest_period_end(week("2026-W47"), Some(week("2026-W49"))), week("2026-W47"));
}

#[test]
fn the_privacy_ledger_is_read_with_the_hr_token() {
    let ledger = PrivacyLedger {
        year: 2026,
        dp_on: true,
        epsilon_per_cell: Some(0.1),
        teams: vec![TeamPrivacyLoss {
            team_id: "t1".to_owned(),
            team_name: "Help desk".to_owned(),
            epsilon: 4.6,
            weeks_published: 46,
        }],
    };
    let body = serde_json::to_string(&ledger).unwrap();
    let server = FakeServer::new(move |url, token| {
        assert_eq!(url, "http://server/v1/privacy-ledger");
        Ok(if token == HR_TOKEN {
            answer(200, &body)
        } else {
            answer(401, r#"{"code":"unauthorized","message":"no"}"#)
        })
    });
    assert_eq!(
        read_privacy_ledger(&server, &HrCredentials::for_tests("http://server", HR_TOKEN)).unwrap(),
        ledger
    );
    let refused =
        read_privacy_ledger(&server, &HrCredentials::for_tests("http://server", "ph_wrong")).unwrap_err();
    assert_eq!(refused.code, ErrorCode::Unauthorized);
    let not_polso = FakeServer::new(|_, _| Ok(answer(200, "[]")));
    let error =
        read_privacy_ledger(&not_polso, &HrCredentials::for_tests("http://server", HR_TOKEN)).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidServerAddress);
}

/// Help desk's wellbeing over two periods of four weeks (n 9 a week, sd 12),
/// from `before` to `now` points.
fn two_periods(before: f64, now: f64) -> Vec<(MetricKey, AggregateTable)> {
    let cells = weeks_of(week("2026-W40")..=week("2026-W47"))
        .into_iter()
        .map(|week| {
            let mean = if week >= self::week("2026-W44") { now } else { before };
            released(UnitKind::Team, "Help desk", week, "wellbeing", 9, mean, 12.0)
        })
        .collect();
    let table = AggregateTable {
        k: 5,
        published_through: Some("2026-W47".to_owned()),
        next_publication: None,
        cells,
    };
    vec![(MetricKey::Wellbeing, table)]
}

#[test]
fn a_change_is_likely_real_only_when_its_interval_excludes_zero_and_noise_widens_it() {
    let (current, previous) = (week("2026-W44")..=week("2026-W47"), week("2026-W40")..=week("2026-W43"));
    let shape = |before, now, noise| {
        shape_heatmap_with(current.clone(), previous.clone(), &two_periods(before, now), noise)
            .cells
            .remove(0)
    };
    let large = shape(55.0, 75.0, KnownNoise::Off);
    assert_eq!(large.change_likely_real, Some(true), "20 points with 9 people a period");
    assert!(large.change_low.unwrap() > 0.0);
    let fall = shape(75.0, 55.0, KnownNoise::Off);
    assert_eq!(fall.change_likely_real, Some(true));
    assert!(fall.change_high.unwrap() < 0.0);
    let small = shape(60.0, 64.0, KnownNoise::Off);
    assert_eq!(small.change_likely_real, Some(false));
    let width = |cell: &polso_api::HeatmapCell| cell.change_high.unwrap() - cell.change_low.unwrap();
    let noisy = shape(60.0, 64.0, KnownNoise::Known { epsilon_per_cell: 1.0 });
    assert!(width(&noisy) > width(&small) + 1.0, "ε 1 widens {} to {}", width(&small), width(&noisy));
    let heatmap =
        shape_heatmap_with(current.clone(), previous.clone(), &two_periods(60.0, 64.0), KnownNoise::Off);
    assert_eq!((heatmap.release_noise, heatmap.epsilon_per_cell), (ReleaseNoiseInIntervals::Off, None));
    let unknown = shape_heatmap(current, previous, &two_periods(60.0, 64.0));
    assert_eq!(unknown.release_noise, ReleaseNoiseInIntervals::Unknown);
    assert_eq!(unknown.cells[0].change_low, small.change_low, "unknown noise is left out, not guessed");
}

/// The departments' and the organisation's rows come from their own released
/// cells: a department whose own cells were withheld is "fewer than k" even
/// when one of its teams was released, and a released department keeps its
/// own figure whatever its teams show. Participation is its answered count
/// over its teams' head-counts.
#[test]
fn unit_rows_come_from_their_own_released_cells_never_from_their_teams() {
    let (current, previous) = (week("2026-W44")..=week("2026-W47"), week("2026-W40")..=week("2026-W43"));
    let mut team_cells = Vec::new();
    let mut unit_cells = Vec::new();
    for week in weeks_of(week("2026-W40")..=week("2026-W47")) {
        let later = week >= self::week("2026-W44");
        team_cells.push(released(UnitKind::Team, "Help desk", week, "wellbeing", 9, 70.0, 12.0));
        team_cells.push(withheld(UnitKind::Team, "Escalations", week, "wellbeing"));
        team_cells.push(released(UnitKind::Team, "Sales floor", week, "wellbeing", 8, 50.0, 12.0));
        let support = if later { 64.0 } else { 61.0 };
        unit_cells.push(released(UnitKind::Department, "Support", week, "wellbeing", 12, support, 11.0));
        unit_cells.push(withheld(UnitKind::Department, "Sales", week, "wellbeing"));
        unit_cells.push(released(UnitKind::Organisation, "Demo", week, "wellbeing", 40, 62.0, 13.0));
    }
    let table = |cells| AggregateTable {
        k: 5,
        published_through: Some("2026-W47".to_owned()),
        next_publication: None,
        cells,
    };
    let mut heatmap = shape_heatmap_with(
        current,
        previous,
        &[(MetricKey::Wellbeing, table(team_cells))],
        KnownNoise::Known { epsilon_per_cell: 6.5 },
    );
    let unit = |id: &str, name: &str, headcount| polso_api::UnitRef {
        id: format!("id_{id}"),
        name: name.to_owned(),
        headcount: Some(headcount),
    };
    let units = OrganisationUnits {
        role: HrRole::Hr,
        organisation: Some(polso_api::UnitRef {
            id: "id_Demo".to_owned(),
            name: "Demo".to_owned(),
            headcount: None,
        }),
        departments: vec![
            polso_api::DepartmentUnits {
                id: "id_Support".to_owned(),
                name: "Support".to_owned(),
                teams: vec![unit("Escalations", "Escalations", 4), unit("Help desk", "Help desk", 10)],
            },
            polso_api::DepartmentUnits {
                id: "id_Sales".to_owned(),
                name: "Sales".to_owned(),
                teams: vec![unit("Sales floor", "Sales floor", 9)],
            },
        ],
        questionnaire: Vec::new(),
    };
    add_unit_rows(&mut heatmap, &[(MetricKey::Wellbeing, table(unit_cells))], &units);
    let names: Vec<&str> = heatmap.departments.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(names, ["Sales", "Support"]);
    let sales = &heatmap.departments[0];
    assert!(
        sales.cells[0].suppressed && sales.cells[0].mean.is_none(),
        "withheld, though Sales floor is released"
    );
    assert_eq!((sales.answered, sales.headcount, sales.participation), (None, Some(9), None));
    let support = &heatmap.departments[1];
    assert_eq!((support.cells[0].mean, support.cells[0].previous_mean), (Some(64.0), Some(61.0)));
    assert_eq!(support.cells[0].team_id, "id_Support");
    assert!(support.cells[0].change_low.is_some(), "a unit's change has its interval too");
    assert_eq!((support.answered, support.headcount), (Some(12.0), Some(14)));
    assert!((support.participation.unwrap() - 12.0 / 14.0).abs() < 1e-12);
    let organisation = heatmap.organisation.as_ref().unwrap();
    assert_eq!((organisation.cells[0].mean, organisation.headcount), (Some(62.0), Some(23)));
    assert_eq!(organisation.participation, Some(1.0), "40 answered of 23: a noisy count is capped at 1");
    let department_of = |name: &str| {
        heatmap.teams.iter().find(|team| team.name == name).and_then(|team| team.department_id.clone())
    };
    assert_eq!(department_of("Help desk").as_deref(), Some("id_Support"));
    assert_eq!(department_of("Sales floor").as_deref(), Some("id_Sales"));
}

/// eNPS figures as the server derives them, with `enps` as given.
fn enps_figures(enps: f64) -> polso_api::EnpsFigures {
    let promoters = (100.0 + enps) / 2.0;
    polso_api::EnpsFigures { promoters, passives: 0.0, detractors: promoters - enps, enps }
}

#[test]
fn a_point_carries_the_servers_enps_and_burnout_share_only_when_released() {
    let released_cell = AggregateCell {
        enps: Some(enps_figures(-20.0)),
        burnout_share: Some(30.0),
        ..released(UnitKind::Organisation, "Org", week("2026-W41"), "enps", 12, 40.0, 10.0)
    };
    let point = series_point(week("2026-W41"), Some(&released_cell), true);
    assert_eq!(point.enps.map(|figures| figures.enps), Some(-20.0));
    assert_eq!(point.burnout_share, Some(30.0));
    // Figures that came with a withheld cell, or for a week not yet
    // published, are never shown.
    let withheld_cell = AggregateCell {
        enps: Some(enps_figures(-20.0)),
        burnout_share: Some(30.0),
        ..withheld(UnitKind::Organisation, "Org", week("2026-W41"), "enps")
    };
    let point = series_point(week("2026-W41"), Some(&withheld_cell), true);
    assert!(point.suppressed);
    assert_eq!((point.enps, point.burnout_share), (None, None));
    let point = series_point(week("2026-W41"), Some(&released_cell), false);
    assert_eq!((point.enps, point.burnout_share), (None, None));
}

#[test]
fn a_periods_enps_and_burnout_share_are_weighted_by_n_and_withheld_without_histograms() {
    let team = |week: &str, n: u32, enps: Option<f64>, share: Option<f64>| AggregateCell {
        enps: enps.map(enps_figures),
        burnout_share: share,
        ..released(UnitKind::Team, "T", self::week(week), "enps", n, 50.0, 5.0)
    };
    let table = AggregateTable {
        k: 5,
        published_through: Some("2026-W47".to_owned()),
        next_publication: None,
        cells: vec![
            team("2026-W44", 10, Some(10.0), Some(20.0)),
            // A week whose histogram was withheld counts for the mean only.
            team("2026-W45", 8, None, None),
            team("2026-W46", 30, Some(-30.0), Some(40.0)),
            withheld(UnitKind::Team, "T", week("2026-W47"), "enps"),
            team("2026-W42", 12, None, None),
            withheld(UnitKind::Team, "T", week("2026-W43"), "enps"),
        ],
    };
    let heatmap = shape_heatmap(
        week("2026-W44")..=week("2026-W47"),
        week("2026-W40")..=week("2026-W43"),
        &[(MetricKey::Enps, table)],
    );
    let cell = &heatmap.cells[0];
    // (10 · 10 − 30 · 30) / 40 = −20; (10 · 20 + 30 · 40) / 40 = 35.
    assert!((cell.enps.unwrap() + 20.0).abs() < 1e-9, "{cell:?}");
    assert!((cell.burnout_share.unwrap() - 35.0).abs() < 1e-9, "{cell:?}");
    assert_eq!(cell.n, Some(48));
    // The previous period was released, but without a histogram: no eNPS.
    assert!(cell.previous_mean.is_some());
    assert_eq!(cell.previous_enps, None);
}

/// The units a fake server gives: no departments, and a questionnaire that
/// adopted edition 3 from 2026-W45.
const UNITS_WITH_AN_EDITION_CHANGE: &str = r#"{"organisation":{"id":"org_1","name":"Demo"},"departments":[],"questionnaire":[{"from_week":null,"edition":2,"who5":true},{"from_week":"2026-W45","edition":3,"who5":false}]}"#;

/// The participation rate is the team's answered count over its declared head-count, capped at 1
/// (a noisy count may pass it), and absent for a team the units do not give a head-count.
#[test]
fn the_heatmaps_participation_is_the_answered_count_over_the_headcount() {
    let team = |id: &str, answered: Option<f64>| polso_api::HeatmapTeam {
        id: id.to_owned(),
        name: id.to_owned(),
        answered,
        headcount: None,
        participation: None,
        department_id: None,
    };
    let mut heatmap =
        shape_heatmap(week("2026-W44")..=week("2026-W47"), week("2026-W40")..=week("2026-W43"), &[]);
    heatmap.teams =
        vec![team("t1", Some(9.0)), team("t2", Some(13.0)), team("t3", Some(4.0)), team("t4", None)];
    let units: OrganisationUnits = serde_json::from_str(
        r#"{"organisation":null,"departments":[{"id":"d1","name":"D","teams":[
            {"id":"t1","name":"t1","headcount":12},{"id":"t2","name":"t2","headcount":12},
            {"id":"t3","name":"t3"},{"id":"t4","name":"t4","headcount":5}]}],"questionnaire":[]}"#,
    )
    .unwrap();
    add_headcounts(&mut heatmap, &units);
    let rates: Vec<_> = heatmap.teams.iter().map(|team| (team.headcount, team.participation)).collect();
    assert_eq!(rates, [(Some(12), Some(0.75)), (Some(12), Some(1.0)), (None, None), (Some(5), None)]);
}

/// A driver's period pools its weeks on the anchor's level when every
/// released week has one, so a period that asked a harder item does not read
/// as a drop; with one week missing its level, the raw means are pooled.
#[test]
fn periods_pool_standardised_means_only_when_every_week_has_one() {
    let week_one = week("2026-W44");
    let week_two = week("2026-W45");
    let easy = AggregateCell {
        standardised_mean: Some(60.0),
        ..released(UnitKind::Team, "Help desk", week_one, "engagement", 10, 70.0, 5.0)
    };
    let hard = AggregateCell {
        standardised_mean: Some(60.0),
        ..released(UnitKind::Team, "Help desk", week_two, "engagement", 10, 40.0, 5.0)
    };
    // The period's mean of the heatmap shaped from `cells` over `weeks`.
    let period_mean = |cells: Vec<AggregateCell>, weeks: RangeInclusive<IsoWeek>| {
        let table = AggregateTable {
            k: 5,
            published_through: Some("2026-W47".to_owned()),
            next_publication: None,
            cells,
        };
        let previous = weeks.start().plus_weeks(-2)..=weeks.start().previous();
        shape_heatmap(weeks, previous, &[(MetricKey::Engagement, table)]).cells[0].mean.unwrap()
    };
    assert_eq!(period_mean(vec![easy.clone(), hard.clone()], week_one..=week_two), 60.0);
    let unknown = AggregateCell { standardised_mean: None, ..hard.clone() };
    assert_eq!(period_mean(vec![easy, unknown], week_one..=week_two), 55.0, "raw: (70 + 40) / 2");
    assert_eq!(period_mean(vec![hard], week_two..=week_two), 60.0, "the hard item on the anchor's level");
}
