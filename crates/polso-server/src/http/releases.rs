//! The HTTP read side of published releases: `GET /v1/aggregates`, served
//! from the published snapshots only, and the privacy ledger for HR
//! (`GET /v1/privacy-ledger`) and for a device (`GET /v1/privacy-ledger/device`).
//!
//! Every read first publishes the organisation's due weeks
//! ([`crate::publish::Publisher`]), so it never waits for the background
//! task; then it serves only what publication stored. A week still
//! collecting reports is not served at all, not even its counts, and a unit
//! outside the token's reach is answered exactly as a unit that does not
//! exist.

use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use polso_api::{
    AggregateQuery, AggregateTable, DevicePrivacyLoss, NextPublication, PrivacyLedger, TeamPrivacyLoss,
    UnitKind,
};
use polso_core::IsoWeek;
use polso_core::Metric;
use polso_core::bank::ItemBank;
use polso_core::schedule::{DRIVERS, Schedule};
use polso_hr::pool::{HeatmapPeriods, PooledSeries, PooledUnit, UnitPeriods, WeekFigures};

use crate::derived::{derived_figures, derives_from_histogram};
use crate::error::{Result, ServerError};
use crate::http::{AppState, AuthenticatedDevice, AuthenticatedReader, query_weeks, unit_kind_name};
use crate::publication::PublicationSettings;
use crate::release::{ScheduledKey, cells_of_units, is_asked, unit_list};
use crate::report::NOT_APPLICABLE_PREFIX;
use crate::standardise::{DriverWeek, item_offsets};
use crate::store::{HrAccess, HrScope, LedgerEntry, OrganisationTree, PublishedCell, ServerStore};

/// Released cells of one item or metric over a range of weeks, read from the
/// organisation's published snapshots only: a week still collecting reports
/// is not served at all, not even its counts. The k rule, secondary
/// suppression, the histogram minimum and differential privacy ran once, at
/// publication, under the organisation's settings; no parameter changes them.
#[utoipa::path(
    get,
    path = "/v1/aggregates",
    tag = "hr",
    security(("hr_token" = [])),
    params(
        ("unit" = polso_api::UnitKind, Query, description = "Which level to read"),
        ("unit_id" = Option<String>, Query, description = "One unit only; all units of the level in the token's scope when absent (for a manager: their teams, their teams' departments)"),
        ("key" = String, Query, description = "An item id (`eng.2`) or a metric key (`wellbeing`)"),
        ("from" = String, Query, description = "The first ISO week, such as `2026-W01`"),
        ("to" = String, Query, description = "The last ISO week, included; weeks after the last published one are left out")
    ),
    responses(
        (status = 200, body = polso_api::AggregateTable),
        (status = 400, description = "`invalid_input` (also for unknown parameters), `unknown_item`, `invalid_week`", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 403, description = "`forbidden`: the organisation level asked with a token limited to departments (a manager's token reads it)", body = polso_api::ApiError),
        (status = 404, description = "`not_found`: no such unit within the token's reach (a unit outside it is answered exactly alike)", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_aggregates(
    State(state): State<AppState>,
    AuthenticatedReader(access): AuthenticatedReader,
    query: std::result::Result<Query<AggregateQuery>, QueryRejection>,
) -> Result<Json<AggregateTable>> {
    let Query(query) = query
        .map_err(|rejection| ServerError::InvalidInput(format!("bad query: {}", rejection.body_text())))?;
    // An unknown key is refused before anything is published or read.
    scheduled_key(&query.key)?;
    let weeks = query_weeks(&query.from, &query.to, state.config.max_query_weeks)?;
    let organisation_id = access.organisation_id.clone();
    let table = publish_then_read(&state, organisation_id, move |store, organisation_id, settings, now| {
        // The organisation's own series needs its row alone, not a tree of 5,000 teams.
        let tree = match query.unit {
            UnitKind::Organisation => OrganisationTree {
                organisation: store.organisation(organisation_id)?,
                departments: Vec::new(),
            },
            UnitKind::Department | UnitKind::Team => store.organisation_tree(organisation_id)?,
        };
        let read = ReleasedRead::new(store, &tree, &access, settings, now)?;
        read.table(&query.key, scheduled_key(&query.key)?, query.unit, query.unit_id.as_deref(), weeks, None)
    })
    .await?;
    Ok(Json(table))
}

/// What a key names: a metric, the count who marked a metric not applicable, or an item.
fn scheduled_key(key: &str) -> Result<ScheduledKey<'_>> {
    if let Some(metric) = Metric::from_key(key) {
        Ok(ScheduledKey::Metric(metric))
    } else if let Some(metric) = key.strip_prefix(NOT_APPLICABLE_PREFIX).and_then(Metric::from_key) {
        Ok(ScheduledKey::NotApplicable(metric))
    } else if ItemBank::embedded().item(key).is_some() {
        Ok(ScheduledKey::Item(key))
    } else {
        Err(ServerError::UnknownItem { item_id: key.to_owned() })
    }
}

/// One read of released tables from the published snapshots, after the
/// organisation's due weeks were published: the store, the organisation's
/// tree, the reader's scope, and the last published week, read once so that
/// every table of the read counts the same weeks as published.
pub(crate) struct ReleasedRead<'a> {
    store: &'a dyn ServerStore,
    pub(crate) tree: &'a OrganisationTree,
    access: &'a HrAccess,
    published_through: Option<IsoWeek>,
    next_publication: NextPublication,
}

impl<'a> ReleasedRead<'a> {
    /// A read of `tree`'s organisation as `access` may make it, at `now`.
    pub(crate) fn new(
        store: &'a dyn ServerStore,
        tree: &'a OrganisationTree,
        access: &'a HrAccess,
        settings: PublicationSettings,
        now: DateTime<Utc>,
    ) -> Result<ReleasedRead<'a>> {
        let published_through = store.last_published_week(&tree.organisation.id)?;
        let next_publication = next_publication(settings, published_through, now);
        Ok(ReleasedRead { store, tree, access, published_through, next_publication })
    }

    /// The released cells of `key` at `level` over `weeks` (clipped to the last
    /// published week), of the units of that level in the reader's scope, of
    /// `unit_id` alone, or (for `only`) of those units alone; a driver's cells
    /// with their standardised means. A unit outside the scope is answered
    /// exactly as a unit that does not exist.
    pub(crate) fn table(
        &self,
        key: &str,
        scheduled_key: ScheduledKey<'_>,
        level: UnitKind,
        unit_id: Option<&str>,
        weeks: RangeInclusive<IsoWeek>,
        only: Option<&[String]>,
    ) -> Result<AggregateTable> {
        let (store, tree) = (self.store, self.tree);
        let organisation_id = tree.organisation.id.as_str();
        let scope = self.scope(level, unit_id, weeks, only)?;
        let stored = match (&scope.readable_weeks, &scope.read_units) {
            (Some(readable), None) => store.published_cells(organisation_id, key, readable.clone())?,
            (Some(readable), Some(unit_ids)) => {
                store.published_cells_of_units(organisation_id, key, readable.clone(), unit_ids)?
            }
            (None, _) => Vec::new(),
        };
        let schedule = self.schedule();
        let asked = |week: IsoWeek| is_asked(ItemBank::embedded(), &schedule, scheduled_key, week);
        let mut cells = match scope.readable_weeks.clone() {
            None => Vec::new(),
            Some(readable) => {
                cells_of_units(tree, &stored, key, readable, &asked, &|kind, id| scope.keeps(kind, id))
            }
        };
        if let Some(standard) = self.driver_standard(scheduled_key, &schedule, &scope, Some(&stored))? {
            standard.apply(&mut cells);
        }
        Ok(AggregateTable {
            k: tree.organisation.k.get(),
            published_through: self.published_through.map(|week| week.to_string()),
            next_publication: Some(self.next_publication.clone()),
            cells,
        })
    }

    /// [`ReleasedRead::table`] of every unit of `level` in the scope (or of
    /// `only`), pooled by `periods` as the stored rows are read: no cell and
    /// no week is kept per unit, only its two periods' sums, and a histogram
    /// is read only for a key with a figure derived from it (eNPS, the burnout
    /// share). The rows come by week, so each unit's weeks are pooled in
    /// ascending order, as [`PooledSeries::of_table`] pools a table.
    pub(crate) fn series(
        &self,
        key: &str,
        scheduled_key: ScheduledKey<'_>,
        level: UnitKind,
        weeks: RangeInclusive<IsoWeek>,
        only: Option<&[String]>,
        periods: &HeatmapPeriods,
    ) -> Result<PooledSeries> {
        let tree = self.tree;
        let scope = self.scope(level, None, weeks, only)?;
        let bank = ItemBank::embedded();
        let schedule = self.schedule();
        let mut units: Vec<PooledUnit> = Vec::new();
        if let Some(readable) = &scope.readable_weeks {
            let first = readable.start().index();
            let readable_weeks: Vec<(IsoWeek, bool)> = (first..=readable.end().index())
                .map(IsoWeek::from_index)
                .map(|week| (week, is_asked(bank, &schedule, scheduled_key, week)))
                .collect();
            // A driver's offsets, and the item each week asked, before its rows are read.
            let standard = self.driver_standard(scheduled_key, &schedule, &scope, None)?;
            let items: Vec<Option<String>> = match &standard {
                Some(standard) => readable_weeks.iter().map(|&(week, _)| standard.asked_item(week)).collect(),
                None => Vec::new(),
            };
            // Every unit has every week, withheld until a row says otherwise.
            let mut withheld = UnitPeriods::default();
            for &(week, asked) in &readable_weeks {
                periods.add(&mut withheld, &WeekFigures::withheld(week, asked));
            }
            let mut kept = unit_list(tree);
            kept.retain(|&(kind, id, _)| scope.keeps(kind, id));
            // By id, the order of a key's rows within a week ([`UnitIndex`]).
            kept.sort_unstable_by_key(|&(_, id, _)| id);
            units = kept
                .into_iter()
                .map(|(kind, id, name)| PooledUnit {
                    kind,
                    id: id.to_owned(),
                    name: name.to_owned(),
                    periods: withheld.clone(),
                })
                .collect();
            let mut index = UnitIndex::of(&units);
            let with_histogram = derives_from_histogram(bank, key);
            self.store.visit_published_cells(
                &tree.organisation.id,
                key,
                readable.clone(),
                scope.read_units.as_deref(),
                with_histogram,
                &mut |cell| {
                    let Some(at) = index.find(cell.unit_id) else {
                        return;
                    };
                    let slot = usize::try_from(cell.week_index - first).unwrap_or(usize::MAX);
                    // A week the schedule did not ask serves no figure, as in `table`.
                    let Some(&(week, true)) = readable_weeks.get(slot) else {
                        return;
                    };
                    let standardised_mean = standard.as_ref().and_then(|standard| {
                        standard.standardised(items.get(slot).cloned().flatten().as_deref(), Some(cell.mean))
                    });
                    let (enps, burnout_share) = match with_histogram {
                        true => derived_figures(bank, key, cell.histogram.as_deref()),
                        false => (None, None),
                    };
                    let figures = WeekFigures {
                        week,
                        asked: true,
                        released: true,
                        n: Some(cell.n),
                        mean: Some(cell.mean),
                        standardised_mean,
                        sd: cell.sd,
                        enps: enps.map(|figures| figures.enps),
                        burnout_share,
                    };
                    periods.add(&mut units[at].periods, &figures);
                },
            )?;
        }
        Ok(PooledSeries {
            k: tree.organisation.k.get(),
            published_through: self.published_through,
            next_publication: Some(self.next_publication.clone()),
            units,
        })
    }

    /// Which units and weeks a read of `level` (of `unit_id` alone, or of
    /// `only`) covers for this reader; a unit outside the scope is answered
    /// exactly as a unit that does not exist.
    fn scope<'read>(
        &'read self,
        level: UnitKind,
        unit_id: Option<&'read str>,
        weeks: RangeInclusive<IsoWeek>,
        only: Option<&'read [String]>,
    ) -> Result<ReadScope<'read>> {
        // Which units of the asked level this token may see.
        let visible_ids = visible_unit_ids(self.tree, self.access, level)?;
        if let Some(unit_id) = unit_id
            && !visible_ids.contains(unit_id)
        {
            // The same answer whether the unit exists outside the token's reach
            // or not at all, so the answer is no oracle of the organisation's units.
            return Err(ServerError::NotFound(format!(
                "there is no {} '{unit_id}' within this token's reach",
                unit_kind_name(level)
            )));
        }
        let readable_weeks = self
            .published_through
            .map(|through| *weeks.start()..=(*weeks.end()).min(through))
            .filter(|readable| readable.start() <= readable.end());
        // A level above the teams is read for its own units only (the
        // organisation's series is a few thousand rows, not every team's).
        let read_units: Option<Vec<String>> = match (only, level) {
            (Some(only), _) => Some(only.to_vec()),
            (None, UnitKind::Team) => None,
            (None, UnitKind::Organisation | UnitKind::Department) => {
                Some(visible_ids.iter().map(|id| (*id).to_owned()).collect())
            }
        };
        Ok(ReadScope { level, visible_ids, unit_id, only, readable_weeks, read_units })
    }

    /// The offsets that put a driver's weeks on its anchor item's level, when
    /// `scheduled_key` is a driver and a week is published: estimated on the
    /// reference units' cells of the last two published years, taken from
    /// `stored` (the cells just read) when they span them.
    fn driver_standard<'schedule>(
        &self,
        scheduled_key: ScheduledKey<'_>,
        schedule: &'schedule Schedule,
        scope: &ReadScope<'_>,
        stored: Option<&[PublishedCell]>,
    ) -> Result<Option<DriverStandard<'schedule>>> {
        let (ScheduledKey::Metric(metric), Some(through)) = (scheduled_key, self.published_through) else {
            return Ok(None);
        };
        if !DRIVERS.contains(&metric) {
            return Ok(None);
        }
        let organisation_id = self.tree.organisation.id.as_str();
        let baseline_weeks = through.plus_weeks(1 - STANDARDISING_BASELINE_WEEKS)..=through;
        // A manager reads the organisation's cells beside their teams, so
        // their teams are standardised exactly as HR's whole-organisation view.
        let reference_units: Vec<&str> = match &self.access.scope {
            HrScope::Organisation | HrScope::Teams(_) => vec![organisation_id],
            HrScope::Departments(departments) => departments.iter().map(String::as_str).collect(),
        };
        let reference_ids: Vec<String> = reference_units.iter().map(|unit| (*unit).to_owned()).collect();
        // The cells just read hold the baseline when they span its weeks
        // and its units (the overview's series do): no second read.
        let covered =
            scope.readable_weeks.as_ref().is_some_and(|readable| {
                readable.start() <= baseline_weeks.start() && readable.end() >= baseline_weeks.end()
            }) && scope.read_units.as_ref().is_none_or(|ids| reference_ids.iter().all(|id| ids.contains(id)));
        let baseline: Vec<PublishedCell> = match stored.filter(|_| covered) {
            Some(stored) => stored
                .iter()
                .filter(|cell| {
                    baseline_weeks.contains(&cell.week) && reference_units.contains(&cell.unit_id.as_str())
                })
                .cloned()
                .collect(),
            None => self.store.published_cells_of_units(
                organisation_id,
                metric.key(),
                baseline_weeks,
                &reference_ids,
            )?,
        };
        Ok(Some(DriverStandard::of(&baseline, &reference_units, schedule, metric)))
    }

    /// The organisation's schedule, which says what each week asked.
    fn schedule(&self) -> Schedule {
        let organisation = &self.tree.organisation;
        Schedule::with_plan(ItemBank::embedded(), organisation.seed, &organisation.questionnaire)
    }
}

/// Where each unit of a series is, by id, for rows that come by week and,
/// within a week, by unit id: the units sorted by id, a row is most often
/// the unit after the last row's, found by one comparison of ids laid side
/// by side in memory; any other by a hash lookup.
struct UnitIndex {
    /// The ids one after another, and where each ends.
    ids: String,
    ends: Vec<usize>,
    by_id: rustc_hash::FxHashMap<String, usize>,
    /// The position after the last one found.
    next: usize,
}

impl UnitIndex {
    fn of(units: &[PooledUnit]) -> UnitIndex {
        let mut ids = String::new();
        let mut ends = Vec::with_capacity(units.len());
        for unit in units {
            ids.push_str(&unit.id);
            ends.push(ids.len());
        }
        let by_id = units.iter().enumerate().map(|(at, unit)| (unit.id.clone(), at)).collect();
        UnitIndex { ids, ends, by_id, next: 0 }
    }

    /// The position of unit `id`; `None` for a unit not in the series.
    fn find(&mut self, id: &str) -> Option<usize> {
        let start = self.next.checked_sub(1).map_or(Some(0), |last| self.ends.get(last).copied());
        let next_id = start.zip(self.ends.get(self.next)).and_then(|(start, &end)| self.ids.get(start..end));
        let at = if next_id == Some(id) { self.next } else { *self.by_id.get(id)? };
        self.next = at + 1;
        Some(at)
    }
}

/// Which units and weeks one read of a level covers (see [`ReleasedRead::scope`]).
struct ReadScope<'read> {
    level: UnitKind,
    visible_ids: HashSet<&'read str>,
    unit_id: Option<&'read str>,
    only: Option<&'read [String]>,
    /// The asked weeks up to the last published one; `None` when none is published.
    readable_weeks: Option<RangeInclusive<IsoWeek>>,
    /// The units whose rows are read, when not every row of the key.
    read_units: Option<Vec<String>>,
}

impl ReadScope<'_> {
    /// Whether the read serves unit `id` of level `kind`.
    fn keeps(&self, kind: UnitKind, id: &str) -> bool {
        kind == self.level
            && self.visible_ids.contains(id)
            && self.only.is_none_or(|only| only.iter().any(|kept| kept == id))
            && self.unit_id.is_none_or(|asked| asked == id)
    }
}

/// The units of `level` that `access` may see in `tree`; `Forbidden` for the
/// organisation's level when the token reaches only some departments.
fn visible_unit_ids<'tree>(
    tree: &'tree OrganisationTree,
    access: &HrAccess,
    level: UnitKind,
) -> Result<HashSet<&'tree str>> {
    Ok(match level {
        UnitKind::Organisation => {
            if !access.reaches_organisation_cells() {
                return Err(ServerError::Forbidden(
                    "this HR token reaches only some departments, not the whole organisation".to_owned(),
                ));
            }
            std::iter::once(tree.organisation.id.as_str()).collect()
        }
        UnitKind::Department => tree
            .departments
            .iter()
            .filter(|department| access.reaches_department(&department.id))
            .map(|department| department.id.as_str())
            .collect(),
        UnitKind::Team => tree
            .departments
            .iter()
            .flat_map(|department| {
                department
                    .teams
                    .iter()
                    .filter(|team| access.reaches_team(&department.id, &team.id))
                    .map(|team| team.id.as_str())
            })
            .collect(),
    })
}

/// How many weeks, up to the last published one, a driver's item offsets
/// are estimated on: two years, so every item of a family has been asked
/// several times.
pub(crate) const STANDARDISING_BASELINE_WEEKS: i64 = 104;

/// Gives each cell of a driver the item its week asked and its mean on the
/// anchor item's level ([`DriverStandard`]).
pub(crate) fn standardise_driver_cells(
    cells: &mut [polso_api::AggregateCell],
    baseline: &[PublishedCell],
    reference_units: &[&str],
    schedule: &Schedule,
    metric: Metric,
) {
    DriverStandard::of(baseline, reference_units, schedule, metric).apply(cells);
}

/// What puts a driver's released means on its anchor item's level: the item
/// each week asked, and each item's offset ([`item_offsets`]). The offsets
/// come only from the cells of the reference units, which the reader may
/// read: for HR the organisation's, or for a token scoped to some
/// departments, those departments' pooled, never the organisation's.
pub(crate) struct DriverStandard<'schedule> {
    schedule: &'schedule Schedule,
    metric: Metric,
    offsets: HashMap<String, f64>,
}

impl<'schedule> DriverStandard<'schedule> {
    /// The offsets of `metric`'s items estimated on `baseline`'s cells of `reference_units`.
    pub(crate) fn of(
        baseline: &[PublishedCell],
        reference_units: &[&str],
        schedule: &'schedule Schedule,
        metric: Metric,
    ) -> DriverStandard<'schedule> {
        let mut standard = DriverStandard { schedule, metric, offsets: HashMap::new() };
        let mut pooled: std::collections::BTreeMap<i64, (f64, u32)> = std::collections::BTreeMap::new();
        for cell in baseline.iter().filter(|cell| reference_units.contains(&cell.unit_id.as_str())) {
            let entry = pooled.entry(cell.week.index()).or_default();
            entry.0 += cell.mean * f64::from(cell.n);
            entry.1 += cell.n;
        }
        let baseline_weeks: Vec<DriverWeek> = pooled
            .into_iter()
            .filter(|(_, (_, n))| *n > 0)
            .filter_map(|(index, (weighted, n))| {
                let item = standard.asked_item(IsoWeek::from_index(index))?;
                Some(DriverWeek { item, mean: weighted / f64::from(n), n })
            })
            .collect();
        let anchor = ItemBank::embedded().anchor(metric).map(|item| item.id.as_str());
        standard.offsets = item_offsets(&baseline_weeks, anchor);
        standard
    }

    /// The one item of the driver `week` asked; `None` when it asked none or several.
    pub(crate) fn asked_item(&self, week: IsoWeek) -> Option<String> {
        let bank = ItemBank::embedded();
        let mut items = self
            .schedule
            .items_for_week(week)
            .into_iter()
            .filter(|id| bank.item(id.as_str()).is_some_and(|item| item.metric == self.metric));
        let only = items.next()?;
        items.next().is_none().then(|| only.as_str().to_owned())
    }

    /// Gives each asked cell the item its week asked and its released mean on the anchor's level.
    pub(crate) fn apply(&self, cells: &mut [polso_api::AggregateCell]) {
        for cell in cells.iter_mut().filter(|cell| cell.asked) {
            let Ok(week) = cell.week.parse::<IsoWeek>() else {
                continue;
            };
            cell.item_id = self.asked_item(week);
            cell.standardised_mean =
                self.standardised(cell.item_id.as_deref(), cell.mean.filter(|_| cell.released));
        }
    }

    /// A released `mean` of a week that asked `item`, on the anchor's level;
    /// `None` when either is unknown.
    pub(crate) fn standardised(&self, item: Option<&str>, mean: Option<f64>) -> Option<f64> {
        let offset = self.offsets.get(item?)?;
        Some((mean? - offset).clamp(0.0, 100.0))
    }
}

/// Publishes the organisation's due weeks, then runs `read` on the store with
/// the organisation's id and the time: every read path goes through here, so
/// none serves a week that is due but not yet published, except in
/// two-server mode while the helper hangs (the read then serves what is
/// published rather than wait: [`crate::publish::Patience`]).
pub(crate) async fn publish_then_read<T: Send + 'static>(
    state: &AppState,
    organisation_id: String,
    read: impl FnOnce(&dyn ServerStore, &str, PublicationSettings, DateTime<Utc>) -> Result<T> + Send + 'static,
) -> Result<T> {
    let publisher = Arc::clone(&state.publisher);
    let settings = state.config.publication();
    let now = state.clock.now();
    state
        .blocking(move |store| {
            publisher.publish_due_weeks_for_read(store, &organisation_id, settings, now)?;
            read(store, &organisation_id, settings, now)
        })
        .await
}

/// The week after the last published one (or after the last publishable one, when none is
/// published yet), and when it is published.
pub(crate) fn next_publication(
    settings: PublicationSettings,
    published_through: Option<IsoWeek>,
    now: DateTime<Utc>,
) -> NextPublication {
    let next_week = published_through
        .map(IsoWeek::next)
        .unwrap_or_else(|| settings.window.last_publishable_week(now).next());
    NextPublication {
        week: next_week.to_string(),
        at: settings.window.publication_at(next_week).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// The privacy ledger of the teams the HR or manager token reaches, for the current ISO
/// year by the server's clock.
#[utoipa::path(
    get,
    path = "/v1/privacy-ledger",
    tag = "hr",
    security(("hr_token" = [])),
    responses(
        (status = 200, body = polso_api::PrivacyLedger),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_privacy_ledger(
    State(state): State<AppState>,
    AuthenticatedReader(access): AuthenticatedReader,
) -> Result<Json<PrivacyLedger>> {
    let organisation_id = access.organisation_id.clone();
    let (tree, year, entries) = ledger_of_year(&state, organisation_id).await?;
    let mut teams: Vec<TeamPrivacyLoss> = tree
        .departments
        .iter()
        .flat_map(|department| {
            department.teams.iter().filter(|team| access.reaches_team(&department.id, &team.id))
        })
        .map(|team| {
            let of_team = entries.iter().filter(|entry| entry.team_id == team.id);
            TeamPrivacyLoss {
                team_id: team.id.clone(),
                team_name: team.name.clone(),
                // `+ 0.0`: an empty f64 sum is −0.0, which would read "−0".
                epsilon: of_team.clone().map(|entry| entry.epsilon).sum::<f64>() + 0.0,
                weeks_published: u32::try_from(of_team.count()).unwrap_or(u32::MAX),
            }
        })
        .collect();
    teams.sort_by(|left, right| (&left.team_name, &left.team_id).cmp(&(&right.team_name, &right.team_id)));
    let epsilon = tree.organisation.privacy.epsilon;
    Ok(Json(PrivacyLedger {
        year,
        dp_on: epsilon.is_some(),
        epsilon_per_cell: epsilon.map(|epsilon| epsilon.to_f64()),
        teams,
    }))
}

/// The privacy loss of the device's own team this year, for the employee's Settings.
#[utoipa::path(
    get,
    path = "/v1/privacy-ledger/device",
    tag = "devices",
    security(("device_token" = [])),
    responses(
        (status = 200, body = polso_api::DevicePrivacyLoss),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_device_privacy_loss(
    State(state): State<AppState>,
    device: AuthenticatedDevice,
) -> Result<Json<DevicePrivacyLoss>> {
    let (tree, year, entries) = ledger_of_year(&state, device.membership.organisation_id.clone()).await?;
    let of_team: Vec<f64> = entries
        .iter()
        .filter(|entry| entry.team_id == device.membership.team_id)
        .map(|entry| entry.epsilon)
        .collect();
    Ok(Json(DevicePrivacyLoss {
        year,
        dp_on: tree.organisation.privacy.epsilon.is_some(),
        // `+ 0.0`: an empty f64 sum is −0.0, which would read "−0".
        epsilon: of_team.iter().sum::<f64>() + 0.0,
        weeks_published: u32::try_from(of_team.len()).unwrap_or(u32::MAX),
    }))
}

/// Publishes due weeks, then reads the organisation's tree and its ledger
/// entries of the current ISO year.
async fn ledger_of_year(
    state: &AppState,
    organisation_id: String,
) -> Result<(OrganisationTree, i32, Vec<LedgerEntry>)> {
    publish_then_read(state, organisation_id, |store, organisation_id, _, now| {
        let tree = store.organisation_tree(organisation_id)?;
        let year = IsoWeek::containing(now.date_naive()).year();
        let first = IsoWeek::new(year, 1)?;
        let last = IsoWeek::new(year, polso_core::week::weeks_in_iso_year(year))?;
        let entries = store.privacy_ledger(organisation_id, first..=last)?;
        Ok((tree, year, entries))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_index_finds_each_unit_in_order_or_out_of_it() {
        let unit = |id: &str| PooledUnit {
            kind: UnitKind::Team,
            id: id.to_owned(),
            name: id.to_uppercase(),
            periods: UnitPeriods::default(),
        };
        let units = [unit("team_a"), unit("team_b"), unit("team_c")];
        let mut index = UnitIndex::of(&units);
        // One week's rows in order, then the next week's with team_b withheld.
        let found: Vec<Option<usize>> =
            ["team_a", "team_b", "team_c", "team_a", "team_c", "team_x", "team_b"]
                .map(|id| index.find(id))
                .into();
        assert_eq!(found, [Some(0), Some(1), Some(2), Some(0), Some(2), None, Some(1)]);
    }
}
