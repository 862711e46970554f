//! HR's side of the app: connecting to the organisation server with an HR
//! token, and reading its released aggregates as an organisation overview
//! and a team × metric heatmap. A manager connects the same way with a
//! manager's token; the server says so (`GET /v1/units`), the connection
//! keeps the role and the manager's teams, and the server serves such a
//! token its teams only, whatever the app asks.
//!
//! The split is the sync client's (`sync.rs`): the network half
//! ([`verify_hr_connection`], [`read_hr_overview`], [`read_hr_heatmap`])
//! touches no store, and the store half (the `Desktop` methods below) touches
//! no network, so the shell never holds the store while a server answers.
//! The HR token lives only in the vault (the OS keyring in the app); the
//! server's address is a setting.
//!
//! Everything shown comes from what the server released. A week or a cell the
//! server withheld stays withheld: it becomes a point or a cell with
//! `suppressed: true` and no figures, never a zero and never left out. The
//! server publishes each week once, when its collection window closes; a week
//! after the last published one is `published: false` (not yet published),
//! never suppressed. The overview's shaping ([`shape_overview`]) is pure,
//! and nothing here reads a clock: `today` is an argument.
//!
//! eNPS (promoters minus detractors, −100 to +100) and the share reporting
//! burnout symptoms are the server's, derived from the histograms it
//! released; nothing here computes them from a mean.
//!
//! The heatmap comes shaped from the server (`GET /v1/heatmap`): each team's,
//! department's and the organisation's two periods, the change and its 95%
//! interval, computed from the released cells by [`polso_hr::heatmap`], the
//! code the server runs.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::NaiveDate;
use polso_api::{
    AggregateCell, AggregateTable, ApiError, ConnectHr, CxSeries, ErrorCode, HrConnection, HrHeatmap,
    HrHeatmapQuery, HrOverview, HrOverviewQuery, HrRole, MetricKey, MetricSeries, OrganisationUnits,
    ParticipationPoint, PrivacyLedger, SeriesPoint, UnitKind, UnitRef,
};
use polso_core::IsoWeek;
pub use polso_hr::heatmap::{
    HEATMAP_PERIOD_WEEKS, KnownNoise, add_headcounts, add_unit_rows, shape_heatmap, shape_heatmap_with,
};
pub use polso_hr::publication::{Publication, latest_period_end};

use crate::Desktop;
use crate::errors::store_to_api;
use crate::periods::{four_week_periods, is_four_weekly};
use crate::reporting::vault_to_api;
use crate::sync::{
    HttpAnswer, TransportFailure, UreqTransport, normalise_server_url, server_error, status_error,
    unreachable,
};

/// The settings key of the server HR reads from. The token is deliberately
/// not a setting: it lives only in the vault.
const HR_SERVER_URL_KEY: &str = "hr.server_url";

/// The settings key of the organisation's k as the server last said.
pub(crate) const HR_K_KEY: &str = "hr.k";

/// The settings key of the token's role as the server said when connecting:
/// `hr` or `manager`. A connection kept before roles existed reads as HR.
const HR_ROLE_KEY: &str = "hr.role";

/// The settings key of a manager's teams (JSON, `[{id, name}]`), for "Manager of …".
const HR_MANAGER_OF_KEY: &str = "hr.manager_of";

/// The z value of a two-sided 95% normal interval.
const Z_95: f64 = 1.96;

/// The shortest and the longest overview, in weeks.
pub const OVERVIEW_WEEKS: RangeInclusive<u32> = 4..=104;

/// The one thing HR's view asks of HTTP: a GET with HR's bearer token.
pub trait HrTransport {
    /// GETs `url` with `Authorization: Bearer <bearer_token>` and returns any
    /// answer, whatever its status.
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure>;

    /// POSTs `body` as `text/csv` to `url` with HR's bearer token and returns
    /// any answer, whatever its status.
    fn post_csv(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure>;

    /// PUTs `body` as JSON to `url` with HR's bearer token and returns any
    /// answer, whatever its status. Transports that never save anything (the
    /// test fakes of reads) keep the default, which sends nothing.
    fn put_json(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let _ = (url, bearer_token, body);
        Err(TransportFailure { detail: "this transport sends no PUT".to_owned() })
    }

    /// POSTs `body` as JSON to `url` with HR's bearer token and returns any
    /// answer, whatever its status. Transports that never record anything
    /// keep the default, which sends nothing.
    fn post_json(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let _ = (url, bearer_token, body);
        Err(TransportFailure { detail: "this transport sends no JSON POST".to_owned() })
    }
}

impl HrTransport for UreqTransport {
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure> {
        let request = self.agent().get(url).header("Accept", "application/json");
        answer_of(request.header("Authorization", format!("Bearer {bearer_token}")).call())
    }

    fn post_csv(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let request = self.agent().post(url).header("Content-Type", "text/csv; charset=utf-8");
        answer_of(with_json_answer(request, bearer_token).send(body))
    }

    fn put_json(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let request = self.agent().put(url).header("Content-Type", "application/json");
        answer_of(with_json_answer(request, bearer_token).send(body))
    }

    fn post_json(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let request = self.agent().post(url).header("Content-Type", "application/json");
        answer_of(with_json_answer(request, bearer_token).send(body))
    }
}

/// `request` asking for JSON with HR's bearer token.
fn with_json_answer(
    request: ureq::RequestBuilder<ureq::typestate::WithBody>,
    bearer_token: &str,
) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
    request.header("Accept", "application/json").header("Authorization", format!("Bearer {bearer_token}"))
}

/// Any answer, whatever its status, or why there was none.
fn answer_of(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<HttpAnswer, TransportFailure> {
    let failure = |error: ureq::Error| TransportFailure { detail: error.to_string() };
    let mut response = response.map_err(failure)?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().map_err(failure)?;
    Ok(HttpAnswer { status, body })
}

/// Where HR reads and with which token. Has no `Debug` that prints the token.
#[derive(Clone)]
pub struct HrCredentials {
    server_url: String,
    hr_token: String,
}

impl HrCredentials {
    /// The server's address.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The HR token, for comparing with the demo's.
    pub(crate) fn hr_token(&self) -> &str {
        &self.hr_token
    }

    #[cfg(test)]
    pub(crate) fn for_tests(server_url: &str, hr_token: &str) -> HrCredentials {
        HrCredentials { server_url: server_url.to_owned(), hr_token: hr_token.to_owned() }
    }
}

impl std::fmt::Debug for HrCredentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("HrCredentials").field("server_url", &self.server_url).finish_non_exhaustive()
    }
}

/// A server address and HR token the server accepted for a real read, to be
/// kept by [`Desktop::keep_hr_connection`].
#[derive(Debug, Clone)]
pub struct VerifiedHrConnection {
    credentials: HrCredentials,
    k: u32,
    role: HrRole,
    manager_of: Vec<UnitRef>,
}

impl VerifiedHrConnection {
    /// The address and token the server accepted, for reads before they are kept.
    pub fn credentials(&self) -> &HrCredentials {
        &self.credentials
    }

    #[cfg(test)]
    pub(crate) fn for_tests(form: &ConnectHr, k: u32) -> VerifiedHrConnection {
        VerifiedHrConnection {
            credentials: HrCredentials::for_tests(&form.server_url, &form.hr_token),
            k,
            role: HrRole::Hr,
            manager_of: Vec::new(),
        }
    }
}

/// Checks the connect form by a real read: last week's wellbeing of every
/// team the token reaches; then the units it reaches, for its role (HR or a
/// manager) and a manager's teams. Touches no store.
pub fn verify_hr_connection(
    transport: &dyn HrTransport,
    form: &ConnectHr,
    today: NaiveDate,
) -> Result<VerifiedHrConnection, ApiError> {
    let server_url = normalise_server_url(&form.server_url)?;
    let hr_token = form.hr_token.trim();
    if hr_token.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "the HR token is empty"));
    }
    if hr_token.chars().any(|character| character.is_whitespace() || character.is_control()) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the HR token holds spaces or control characters",
        ));
    }
    let credentials = HrCredentials { server_url, hr_token: hr_token.to_owned() };
    let last_week = last_closed_week(today);
    let table = read_aggregates(
        transport,
        &credentials,
        UnitKind::Team,
        MetricKey::Wellbeing,
        last_week..=last_week,
    )?;
    let units = read_units(transport, &credentials)?;
    let manager_of = match units.role {
        HrRole::Hr => Vec::new(),
        HrRole::Manager => managed_teams(&units),
    };
    Ok(VerifiedHrConnection { credentials, k: table.k, role: units.role, manager_of })
}

/// A manager's teams from the units their token reaches, ordered by name:
/// every team listed (the server lists a manager's own teams only).
pub fn managed_teams(units: &OrganisationUnits) -> Vec<UnitRef> {
    let mut teams: Vec<UnitRef> =
        units.departments.iter().flat_map(|department| department.teams.iter().cloned()).collect();
    teams.sort_by(|left, right| (&left.name, &left.id).cmp(&(&right.name, &right.id)));
    teams
}

/// The organisation overview of the last `query.weeks` closed weeks: one
/// request per metric at the organisation level. Touches no store.
pub fn read_hr_overview(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    query: HrOverviewQuery,
    today: NaiveDate,
) -> Result<HrOverview, ApiError> {
    check_span("weeks", "the overview spans", &OVERVIEW_WEEKS, query.weeks)?;
    let to = last_closed_week(today);
    let from = to.plus_weeks(1 - i64::from(query.weeks));
    let mut tables = Vec::with_capacity(MetricKey::ALL.len());
    let mut not_applicable = Vec::new();
    for metric in MetricKey::ALL {
        let read = read_aggregates(transport, credentials, UnitKind::Organisation, metric, from..=to);
        let Some(table) = known_metric(read)? else { continue };
        tables.push((metric, table));
        if allows_not_applicable(metric) {
            let key = polso_api::not_applicable_key(metric);
            let read =
                read_key_aggregates(transport, credentials, UnitKind::Organisation, None, &key, from..=to);
            // A server from before "not applicable" has no such count.
            if let Some(table) = known_metric(read)? {
                not_applicable.push((metric, table));
            }
        }
    }
    let questionnaire = read_units(transport, credentials)?.questionnaire;
    let mut overview = shape_overview(from..=to, &tables);
    add_not_applicable(&mut overview, &not_applicable);
    overview.questionnaire = questionnaire;
    Ok(overview)
}

/// Whether some item of `metric` in the bank may be answered "not applicable this week".
fn allows_not_applicable(metric: MetricKey) -> bool {
    let bank = polso_core::ItemBank::embedded();
    bank.items().iter().any(|item| item.not_applicable && item.metric.key() == metric.key())
}

/// Puts each released "not applicable" count of the organisation on its
/// metric's point of the same week.
pub fn add_not_applicable(overview: &mut HrOverview, tables: &[(MetricKey, AggregateTable)]) {
    for (metric, table) in tables {
        let Some(series) = overview.metrics.iter_mut().find(|series| series.metric == *metric) else {
            continue;
        };
        for point in series.points.iter_mut().filter(|point| point.published) {
            point.not_applicable = table
                .cells
                .iter()
                .find(|cell| cell.unit_kind == UnitKind::Organisation && cell.week == point.week)
                .filter(|cell| cell.asked && cell.released)
                .and_then(|cell| cell.n);
        }
    }
}

/// Reads the heatmap of `query.period_weeks`-week periods from the server
/// (`GET /v1/heatmap`), which shapes it from its released cells
/// ([`polso_hr::heatmap::build_heatmap`]): the latest period ends with the
/// last published week, or with the last week closed on `today` if that is
/// earlier. One request, whatever the number of teams; touches no store.
pub fn read_hr_heatmap(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    query: HrHeatmapQuery,
    today: NaiveDate,
) -> Result<HrHeatmap, ApiError> {
    check_span("period_weeks", "a period is", &HEATMAP_PERIOD_WEEKS, query.period_weeks)?;
    let mut path = format!("/v1/heatmap?period_weeks={}&to={}", query.period_weeks, last_closed_week(today));
    if let Some(department) = &query.department {
        path.push_str("&department=");
        path.extend(percent_encoding::utf8_percent_encode(department, percent_encoding::NON_ALPHANUMERIC));
    }
    get_from_server(transport, credentials, &path)
}

/// `invalid_input` naming `field` when `weeks` is outside `allowed`:
/// "field 'weeks': the overview spans 4 to 104 weeks, not 200".
pub(crate) fn check_span(
    field: &str,
    what: &str,
    allowed: &RangeInclusive<u32>,
    weeks: u32,
) -> Result<(), ApiError> {
    if allowed.contains(&weeks) {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::InvalidInput,
        format!("field '{field}': {what} {} to {} weeks, not {weeks}", allowed.start(), allowed.end()),
    ))
}

/// The last week whose pulse has closed on `today`: the week before today's.
pub fn last_closed_week(today: NaiveDate) -> IsoWeek {
    IsoWeek::containing(today).previous()
}

/// The 95% confidence band of a mean, `mean ± 1.96·sd/√n`, clamped to the
/// 0–100 of a metric score.
pub fn confidence_band(mean: f64, sd: f64, n: u32) -> (f64, f64) {
    let half_width = if n == 0 { 0.0 } else { Z_95 * sd / f64::from(n).sqrt() };
    ((mean - half_width).clamp(0.0, 100.0), (mean + half_width).clamp(0.0, 100.0))
}

/// Shapes one organisation-level table per metric into the overview. Every
/// week of `weeks` gets a point in every series: released, suppressed, not
/// asked (the organisation's schedule did not ask the metric that week, which
/// is a gap, not "fewer than k"), or not yet published. A metric asked once
/// every four weeks also gets its four-week periods (`crate::periods`).
pub fn shape_overview(weeks: RangeInclusive<IsoWeek>, tables: &[(MetricKey, AggregateTable)]) -> HrOverview {
    let week_list: Vec<IsoWeek> =
        (weeks.start().index()..=weeks.end().index()).map(IsoWeek::from_index).collect();
    let k = tables.first().map_or(0, |(_, table)| table.k);
    let publication = Publication::of(tables.iter().map(|(_, table)| table));
    let metrics: Vec<MetricSeries> = tables
        .iter()
        .map(|(metric, table)| {
            let by_week: HashMap<&str, &AggregateCell> = table
                .cells
                .iter()
                .filter(|cell| cell.unit_kind == UnitKind::Organisation)
                .map(|cell| (cell.week.as_str(), cell))
                .collect();
            let points = week_list
                .iter()
                .map(|week| {
                    series_point(
                        *week,
                        by_week.get(week.to_string().as_str()).copied(),
                        publication.is_published(*week),
                    )
                })
                .collect();
            let periods = is_four_weekly(*metric).then(|| {
                let cells: Vec<&AggregateCell> = by_week.values().copied().collect();
                four_week_periods(&weeks, &cells, &publication)
            });
            MetricSeries { metric: *metric, points, periods }
        })
        .collect();
    let participation = week_list
        .iter()
        .enumerate()
        .map(|(position, week)| {
            let asked: Vec<&SeriesPoint> = metrics
                .iter()
                .filter_map(|series| series.points.get(position))
                .filter(|point| point.asked)
                .collect();
            let most_answered = asked.iter().filter_map(|point| point.n).max();
            let published = publication.is_published(*week);
            ParticipationPoint {
                week: week.to_string(),
                week_monday: week.monday().to_string(),
                n: most_answered,
                suppressed: published && most_answered.is_none() && !asked.is_empty(),
                published,
            }
        })
        .collect();
    HrOverview {
        k,
        from: weeks.start().to_string(),
        to: weeks.end().to_string(),
        metrics,
        participation,
        published_through: publication.published_through_text(),
        next_publication: publication.next_publication,
        questionnaire: Vec::new(),
    }
}

/// One week's point: the released figures with their band, a point with no
/// figures and `asked: false` when the schedule did not ask the metric, a
/// suppressed point when the cell is withheld or missing, or, for a week not
/// yet `published`, a point with no figures that is neither (whatever cell
/// came for it).
pub(crate) fn series_point(week: IsoWeek, cell: Option<&AggregateCell>, published: bool) -> SeriesPoint {
    if !published {
        return SeriesPoint {
            week: week.to_string(),
            week_monday: week.monday().to_string(),
            mean: None,
            low: None,
            high: None,
            n: None,
            asked: true,
            suppressed: false,
            published: false,
            enps: None,
            burnout_share: None,
            not_applicable: None,
            item_id: None,
            standardised_mean: None,
        };
    }
    let asked = cell.is_none_or(|cell| cell.asked);
    let released =
        cell.filter(|cell| cell.asked && cell.released).and_then(|cell| Some((cell.mean?, cell.n?, cell.sd)));
    let derived = cell.filter(|cell| cell.asked && cell.released && released.is_some());
    let (mean, n, band) = match released {
        Some((mean, n, sd)) => (Some(mean), Some(n), sd.map(|sd| confidence_band(mean, sd, n))),
        None => (None, None, None),
    };
    SeriesPoint {
        week: week.to_string(),
        week_monday: week.monday().to_string(),
        mean,
        low: band.map(|(low, _)| low),
        high: band.map(|(_, high)| high),
        n,
        asked,
        suppressed: asked && mean.is_none(),
        published: true,
        enps: derived.and_then(|cell| cell.enps),
        burnout_share: derived.and_then(|cell| cell.burnout_share),
        not_applicable: None,
        item_id: cell.and_then(|cell| cell.item_id.clone()),
        standardised_mean: derived.and_then(|cell| cell.standardised_mean),
    }
}

/// One `GET /v1/cx` over `weeks`, read and checked.
pub(crate) fn read_cx_series(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    weeks: RangeInclusive<IsoWeek>,
) -> Result<CxSeries, ApiError> {
    get_from_server(transport, credentials, &format!("/v1/cx?from={}&to={}", weeks.start(), weeks.end()))
}

/// One `GET /v1/privacy-ledger`: the ε each team in the token's scope spent
/// this year on its people.
pub fn read_privacy_ledger(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
) -> Result<PrivacyLedger, ApiError> {
    get_from_server(transport, credentials, "/v1/privacy-ledger")
}

/// One `GET /v1/units`: the departments and teams the token reaches.
pub fn read_units(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
) -> Result<OrganisationUnits, ApiError> {
    get_from_server(transport, credentials, "/v1/units")
}

/// One authenticated `GET` of `path_and_query` on the HR server, its answer
/// read as `T`; an error answer becomes the server's own error, and an answer
/// that is not Polso's JSON becomes `invalid_server_address`.
pub(crate) fn get_from_server<T: serde::de::DeserializeOwned>(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    path_and_query: &str,
) -> Result<T, ApiError> {
    let server_url = &credentials.server_url;
    let answer = transport
        .get_json(&format!("{server_url}{path_and_query}"), &credentials.hr_token)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if !(200..300).contains(&answer.status) {
        return Err(answer_error(server_url, &answer));
    }
    serde_json::from_str::<T>(&answer.body).map_err(|_| not_polso(server_url))
}

/// One authenticated JSON `POST` of `body` to `path` on the HR server, its answer read as `T`;
/// errors as for [`get_from_server`].
pub(crate) fn post_to_server<T: serde::de::DeserializeOwned>(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    path: &str,
    body: &impl serde::Serialize,
) -> Result<T, ApiError> {
    let server_url = &credentials.server_url;
    let body = serde_json::to_string(body)
        .map_err(|error| ApiError::new(ErrorCode::InvalidInput, format!("encoding the request: {error}")))?;
    let answer = transport
        .post_json(&format!("{server_url}{path}"), &credentials.hr_token, &body)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if !(200..300).contains(&answer.status) {
        return Err(answer_error(server_url, &answer));
    }
    serde_json::from_str::<T>(&answer.body).map_err(|_| not_polso(server_url))
}

pub(crate) fn not_polso(server_url: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidServerAddress,
        format!("the server at {server_url} does not answer like a Polso server"),
    )
}

pub(crate) fn answer_error(server_url: &str, answer: &HttpAnswer) -> ApiError {
    server_error(server_url, answer).unwrap_or_else(|| match answer.status {
        404 => ApiError::new(
            ErrorCode::InvalidServerAddress,
            format!("the server at {server_url} does not answer like a Polso server (HTTP 404)"),
        ),
        status => status_error(server_url, status),
    })
}

/// The table of a metric, or `None` when the server does not know the metric
/// (`unknown_item`: a server older than the app, before the metric existed),
/// so HR's views show the metrics it has instead of failing.
pub(crate) fn known_metric(
    read: Result<AggregateTable, ApiError>,
) -> Result<Option<AggregateTable>, ApiError> {
    match read {
        Ok(table) => Ok(Some(table)),
        Err(error) if error.code == ErrorCode::UnknownItem => Ok(None),
        Err(error) => Err(error),
    }
}

/// One `GET /v1/aggregates` for one metric at one level, read and checked.
pub(crate) fn read_aggregates(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    unit: UnitKind,
    metric: MetricKey,
    weeks: RangeInclusive<IsoWeek>,
) -> Result<AggregateTable, ApiError> {
    read_unit_aggregates(transport, credentials, unit, None, metric, weeks)
}

/// One `GET /v1/aggregates` for one metric at one level, of one unit when
/// `unit_id` names it (ids are the server's own `[a-z_0-9]` ids).
pub(crate) fn read_unit_aggregates(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    unit: UnitKind,
    unit_id: Option<&str>,
    metric: MetricKey,
    weeks: RangeInclusive<IsoWeek>,
) -> Result<AggregateTable, ApiError> {
    read_key_aggregates(transport, credentials, unit, unit_id, metric.key(), weeks)
}

/// One `GET /v1/aggregates` for one key (a metric key, an item id or a
/// `not_applicable:` count; keys are the bank's own `[a-z_0-9.:]` names).
pub(crate) fn read_key_aggregates(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    unit: UnitKind,
    unit_id: Option<&str>,
    key: &str,
    weeks: RangeInclusive<IsoWeek>,
) -> Result<AggregateTable, ApiError> {
    let unit_name = match unit {
        UnitKind::Team => "team",
        UnitKind::Department => "department",
        UnitKind::Organisation => "organisation",
    };
    let only = unit_id.map(|id| format!("&unit_id={id}")).unwrap_or_default();
    get_from_server(
        transport,
        credentials,
        &format!("/v1/aggregates?unit={unit_name}{only}&key={key}&from={}&to={}", weeks.start(), weeks.end()),
    )
}

impl Desktop {
    /// Keeps the HR token in `vault` under `account` (the app passes the OS
    /// keyring). Without a vault, connecting as HR is refused.
    pub fn with_hr_vault(
        mut self,
        vault: Box<dyn polso_store::SecretVault + Send + Sync>,
        account: impl Into<String>,
    ) -> Desktop {
        self.hr_vault = Some(vault);
        self.hr_token_account = account.into();
        self
    }

    /// Where HR stands: connected when a server address is kept.
    pub fn hr_connection(&self) -> Result<HrConnection, ApiError> {
        let server_url = self.store.setting(HR_SERVER_URL_KEY).map_err(store_to_api)?;
        let Some(server_url) = server_url else {
            return Ok(HrConnection {
                connected: false,
                server_url: None,
                k: None,
                role: None,
                manager_of: Vec::new(),
            });
        };
        let k = self.store.setting(HR_K_KEY).map_err(store_to_api)?.and_then(|text| text.parse().ok());
        let role = match self.store.setting(HR_ROLE_KEY).map_err(store_to_api)?.as_deref() {
            Some("manager") => HrRole::Manager,
            _ => HrRole::Hr,
        };
        let manager_of = match role {
            HrRole::Hr => Vec::new(),
            HrRole::Manager => self
                .store
                .setting(HR_MANAGER_OF_KEY)
                .map_err(store_to_api)?
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default(),
        };
        Ok(HrConnection { connected: true, server_url: Some(server_url), k, role: Some(role), manager_of })
    }

    /// Keeps a verified connection: the token in the vault (and only there),
    /// the server's address and k in the settings.
    pub fn keep_hr_connection(&mut self, verified: VerifiedHrConnection) -> Result<HrConnection, ApiError> {
        self.hr_vault()?.set(&self.hr_token_account, &verified.credentials.hr_token).map_err(vault_to_api)?;
        let k = verified.k.to_string();
        let role = match verified.role {
            HrRole::Hr => "hr",
            HrRole::Manager => "manager",
        };
        let manager_of = serde_json::to_string(&verified.manager_of)
            .map_err(|error| ApiError::new(ErrorCode::Internal, format!("the manager's teams: {error}")))?;
        self.store
            .set_settings(&[
                (HR_SERVER_URL_KEY, &verified.credentials.server_url),
                (HR_K_KEY, &k),
                (HR_ROLE_KEY, role),
                (HR_MANAGER_OF_KEY, &manager_of),
            ])
            .map_err(store_to_api)?;
        self.hr_connection()
    }

    /// Forgets the HR connection: the token leaves the vault, the address the
    /// settings. Succeeds when there was none.
    pub fn disconnect_hr(&mut self) -> Result<HrConnection, ApiError> {
        self.hr_vault()?.delete(&self.hr_token_account).map_err(vault_to_api)?;
        self.store
            .remove_settings(&[HR_SERVER_URL_KEY, HR_K_KEY, HR_ROLE_KEY, HR_MANAGER_OF_KEY])
            .map_err(store_to_api)?;
        self.hr_connection()
    }

    /// The server and token to read with, for [`read_hr_overview`] and
    /// [`read_hr_heatmap`]; `unauthorized` when HR is not connected.
    pub fn hr_credentials(&self) -> Result<HrCredentials, ApiError> {
        let not_connected =
            || ApiError::new(ErrorCode::Unauthorized, "HR is not connected to an organisation server");
        let server_url =
            self.store.setting(HR_SERVER_URL_KEY).map_err(store_to_api)?.ok_or_else(not_connected)?;
        let hr_token =
            self.hr_vault()?.get(&self.hr_token_account).map_err(vault_to_api)?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthorized,
                    "the HR token is no longer in the system keyring; connect again",
                )
            })?;
        Ok(HrCredentials { server_url, hr_token })
    }

    fn hr_vault(&self) -> Result<&(dyn polso_store::SecretVault + Send + Sync), ApiError> {
        self.hr_vault.as_deref().ok_or_else(|| {
            ApiError::new(ErrorCode::KeyringUnavailable, "no keyring was given to keep the HR token in")
        })
    }
}

#[cfg(test)]
#[path = "hr_tests.rs"]
mod tests;
