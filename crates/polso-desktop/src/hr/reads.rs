//! One request per view of HR's: the overview's tables, the heatmap, the CX series, the privacy
//! ledger, the units, and the aggregates under them; none touches the store.

use std::ops::RangeInclusive;

use chrono::NaiveDate;
use polso_api::{
    AggregateTable, ApiError, CxSeries, ErrorCode, HrHeatmap, HrHeatmapQuery, HrOverview, HrOverviewQuery,
    MetricKey, OrganisationUnits, PrivacyLedger, UnitKind,
};
use polso_core::IsoWeek;

use super::{
    HEATMAP_PERIOD_WEEKS, HrCredentials, HrTransport, OVERVIEW_WEEKS, add_not_applicable, get_from_server,
    shape_overview,
};

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
