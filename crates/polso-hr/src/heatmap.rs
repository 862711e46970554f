//! The team × metric heatmap from released cells: for every unit and metric,
//! the latest period against the one before, the change and its interval.
//!
//! Everything shown comes from what the server released. A cell the server
//! withheld stays withheld: a heatmap cell with `suppressed: true` and no
//! figures, never a zero and never left out. A week after the last published
//! one is `published: false`, never suppressed, and the latest period ends with
//! the last published week. A period pools its released weeks' figures
//! weighted by n (eNPS and the burnout share too: they are linear in the
//! released shares), and the change's interval is [`crate::change`]'s.
//!
//! A department's and the organisation's rows come from their own released
//! cells, never from their teams' figures, so nothing a team's withheld cell
//! hid can be recovered from them.
//!
//! [`build_heatmap`] is the whole read: the server runs it on its published
//! cells (`GET /v1/heatmap`), and the app's tests run it on a fake server's
//! tables, so the figures HR sees are computed by one code. The shaping is
//! linear in the cells (indexed by unit), for 100,000 employees' teams.

use std::collections::{BTreeMap, HashMap};
use std::ops::RangeInclusive;

use polso_api::{
    AggregateTable, ApiError, ErrorCode, HeatmapCell, HeatmapTeam, HeatmapUnitRow, HrHeatmap, MetricKey,
    OrganisationUnits, ReleaseNoiseInIntervals, UnitKind, WeekPeriod,
};
use polso_core::IsoWeek;

use crate::change::period_change;
pub use crate::pool::KnownNoise;
use crate::pool::{HeatmapPeriods, PooledSeries, UnitPeriods};
use crate::publication::{Publication, latest_period_end};

/// The shortest and the longest heatmap period, in weeks.
pub const HEATMAP_PERIOD_WEEKS: RangeInclusive<u32> = 1..=26;

/// Where [`build_heatmap`] reads released cells: the server's published
/// snapshots, or (in the app's tests) a fake server's answers, as
/// [`PooledSeries::of_table`] pools them.
pub trait ReleasedCells {
    /// The released figures of `metric` at `level` over `weeks`, in the
    /// reader's scope, pooled by `periods` (each unit's weeks in ascending
    /// order); `None` for a metric the source does not know (an older server).
    fn series(
        &mut self,
        level: UnitKind,
        metric: MetricKey,
        weeks: RangeInclusive<IsoWeek>,
        periods: &HeatmapPeriods,
    ) -> Result<Option<PooledSeries>, ApiError>;

    /// The units in the reader's scope with their head-counts; `None` when
    /// unknown, and the heatmap then has no participation rates and no
    /// department rows.
    fn units(&mut self) -> Option<OrganisationUnits>;

    /// The release noise, for the changes' intervals.
    fn noise(&mut self) -> KnownNoise;
}

/// The heatmap of `period_weeks`-week periods, the latest ending with the last
/// published week (or `last_closed` while nothing is published): the teams in
/// scope, or those of `department` alone, with their departments' and the
/// organisation's rows. Reads one week of wellbeing to learn the last published
/// week, the units and the noise, then each metric at the team level over both
/// periods, then each metric at the department and organisation levels.
pub fn build_heatmap(
    source: &mut dyn ReleasedCells,
    period_weeks: u32,
    department: Option<&str>,
    last_closed: IsoWeek,
) -> Result<HrHeatmap, ApiError> {
    if !HEATMAP_PERIOD_WEEKS.contains(&period_weeks) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "field 'period_weeks': a period is {} to {} weeks, not {period_weeks}",
                HEATMAP_PERIOD_WEEKS.start(),
                HEATMAP_PERIOD_WEEKS.end()
            ),
        ));
    }
    let length = i64::from(period_weeks);
    let probe = source.series(
        UnitKind::Team,
        MetricKey::Wellbeing,
        last_closed..=last_closed,
        &HeatmapPeriods::none(last_closed),
    )?;
    let publication = Publication {
        published_through: probe.as_ref().and_then(|probe| probe.published_through),
        next_publication: probe.as_ref().and_then(|probe| probe.next_publication.clone()),
    };
    let current_end = latest_period_end(last_closed, publication.published_through);
    let current_start = current_end.plus_weeks(1 - length);
    let previous_end = current_start.previous();
    let previous_start = previous_end.plus_weeks(1 - length);
    let weeks = previous_start..=current_end;
    let units = source.units();
    // The department asked for must be one the reader's units list: any other
    // is answered alike, whether it exists outside the scope or not at all.
    let department_teams: Option<Vec<&str>> = match (department, &units) {
        (None, _) => None,
        (Some(asked), Some(units)) => match units.departments.iter().find(|unit| unit.id == asked) {
            Some(found) => Some(found.teams.iter().map(|team| team.id.as_str()).collect()),
            None => {
                return Err(ApiError::new(
                    ErrorCode::NotFound,
                    format!("there is no department '{asked}' within this token's reach"),
                ));
            }
        },
        (Some(_), None) => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "field 'department': the server did not list its departments".to_owned(),
            ));
        }
    };
    let noise = source.noise();
    let k = probe.as_ref().map_or(0, |probe| probe.k);
    let periods = HeatmapPeriods::new(
        current_start..=current_end,
        previous_start..=previous_end,
        publication,
        k,
        noise,
    );
    // One metric at a time, pooled as it is read: a heatmap of 5,000 teams
    // never holds a week of any of them.
    let mut teams = Shaped::new(periods);
    for metric in MetricKey::ALL {
        let Some(mut series) = source.series(UnitKind::Team, metric, weeks.clone(), &teams.periods)? else {
            continue;
        };
        if let Some(kept) = &department_teams {
            series.units.retain(|unit| kept.contains(&unit.id.as_str()));
        }
        teams.add(metric, &series, &[UnitKind::Team]);
    }
    let mut heatmap = teams.heatmap();
    let Some(units) = units else {
        return Ok(heatmap);
    };
    add_headcounts(&mut heatmap, &units);
    let mut rows = Shaped::with_metrics(teams.periods, heatmap.metrics.clone());
    for metric in heatmap.metrics.clone() {
        if let Some(series) = source.series(UnitKind::Department, metric, weeks.clone(), &rows.periods)? {
            rows.add(metric, &series, &[UnitKind::Department]);
        }
        if units.organisation.is_some()
            && let Some(series) =
                source.series(UnitKind::Organisation, metric, weeks.clone(), &rows.periods)?
        {
            rows.add(metric, &series, &[UnitKind::Organisation]);
        }
    }
    set_unit_rows(&mut heatmap, &rows, &units);
    // A department's page: its own row beside the organisation's, each with
    // the figures (and the head-count) of the whole heatmap.
    if let Some(asked) = department {
        heatmap.departments.retain(|row| row.id == asked);
    }
    Ok(heatmap)
}

/// Shapes one team-level table per metric, spanning both periods, into the
/// heatmap: every team the tables name gets a cell for every metric. A metric
/// the schedule never asked in the current period gives an `asked: false`
/// cell, told apart from "fewer than k"; only published weeks count, and a
/// current period with none is `published: false`.
pub fn shape_heatmap(
    current: RangeInclusive<IsoWeek>,
    previous: RangeInclusive<IsoWeek>,
    tables: &[(MetricKey, AggregateTable)],
) -> HrHeatmap {
    shape_heatmap_with(current, previous, tables, KnownNoise::Unknown)
}

/// [`shape_heatmap`], with the changes' intervals including the release
/// noise when it is `Known`.
pub fn shape_heatmap_with(
    current: RangeInclusive<IsoWeek>,
    previous: RangeInclusive<IsoWeek>,
    tables: &[(MetricKey, AggregateTable)],
    noise: KnownNoise,
) -> HrHeatmap {
    let publication = Publication::of(tables.iter().map(|(_, table)| table));
    let k = tables.first().map_or(0, |(_, table)| table.k);
    let mut shaped = Shaped::new(HeatmapPeriods::new(current, previous, publication, k, noise));
    for (metric, table) in tables {
        let series = PooledSeries::of_table(table, &shaped.periods);
        shaped.add(*metric, &series, &[UnitKind::Team]);
    }
    shaped.heatmap()
}

/// Adds the departments' and the organisation's own rows to `heatmap` from
/// their own released cells (`tables`, one per metric, holding department and
/// organisation cells), shaped over the same periods as the teams; and gives
/// each team its department from `units`. A unit's figure is never derived
/// from its teams' figures, so nothing a team's withheld cell hid can be
/// recovered from it.
pub fn add_unit_rows(
    heatmap: &mut HrHeatmap,
    tables: &[(MetricKey, AggregateTable)],
    units: &OrganisationUnits,
) {
    let mut rows = Shaped::with_metrics(periods_of(heatmap), heatmap.metrics.clone());
    for (metric, table) in tables {
        let series = PooledSeries::of_table(table, &rows.periods);
        rows.add(*metric, &series, &[UnitKind::Department, UnitKind::Organisation]);
    }
    set_unit_rows(heatmap, &rows, units);
}

/// A heatmap being shaped one table at a time: the periods, and per unit its
/// name, its cell of each metric added so far and its weeks' answered counts.
struct Shaped {
    periods: HeatmapPeriods,
    /// The metrics, in the order of the columns.
    metrics: Vec<MetricKey>,
    /// Per level and unit id: its name, its cells by metric position, and per
    /// week of the current period the most answered of a released metric.
    units: HashMap<UnitKind, HashMap<String, ShapedUnit>>,
}

/// One unit of a [`Shaped`] heatmap.
struct ShapedUnit {
    name: String,
    cells: Vec<Option<HeatmapCell>>,
    answered: BTreeMap<IsoWeek, u32>,
}

impl Shaped {
    /// A heatmap over `periods`, with no metric yet.
    fn new(periods: HeatmapPeriods) -> Shaped {
        Shaped::with_metrics(periods, Vec::new())
    }

    /// A heatmap over `periods` whose columns are `metrics`, for its unit rows.
    fn with_metrics(periods: HeatmapPeriods, metrics: Vec<MetricKey>) -> Shaped {
        Shaped { periods, metrics, units: HashMap::new() }
    }

    /// Shapes `table`'s cells of the units of `kinds` for `metric`; a metric
    /// not yet among the columns becomes the next one.
    fn add(&mut self, metric: MetricKey, series: &PooledSeries, kinds: &[UnitKind]) {
        let position = match self.metrics.iter().position(|known| *known == metric) {
            Some(position) => position,
            None => {
                self.metrics.push(metric);
                self.metrics.len() - 1
            }
        };
        for shaped in series.units.iter().filter(|unit| kinds.contains(&unit.kind)) {
            let cell = cell_of(&self.periods, &shaped.id, metric, &shaped.periods);
            let of_kind = self.units.entry(shaped.kind).or_default();
            if !of_kind.contains_key(&shaped.id) {
                let unit =
                    ShapedUnit { name: shaped.name.clone(), cells: Vec::new(), answered: BTreeMap::new() };
                of_kind.insert(shaped.id.clone(), unit);
            }
            let Some(unit) = of_kind.get_mut(&shaped.id) else {
                continue;
            };
            if unit.cells.len() <= position {
                unit.cells.resize(position + 1, None);
            }
            unit.cells[position] = Some(cell);
            // Each week's released count of the most-answered metric asked (as
            // the overview's participation counts it).
            for &(week, n) in &shaped.periods.answered {
                let most = unit.answered.entry(week).or_default();
                *most = (*most).max(n);
            }
        }
    }

    /// The unit `id` of level `kind`, when a table named it.
    fn unit(&self, kind: UnitKind, id: &str) -> Option<&ShapedUnit> {
        self.units.get(&kind)?.get(id)
    }

    /// The cells of unit `id` for every column: its own, or an empty one for
    /// a metric whose table held none of its cells.
    fn cells_of(&self, id: &str, unit: Option<&ShapedUnit>) -> Vec<HeatmapCell> {
        self.metrics
            .iter()
            .enumerate()
            .map(|(position, metric)| {
                unit.and_then(|unit| unit.cells.get(position).cloned().flatten())
                    .unwrap_or_else(|| cell_of(&self.periods, id, *metric, &UnitPeriods::default()))
            })
            .collect()
    }

    /// The team heatmap: every team seen, by name, each with a cell of every metric.
    fn heatmap(&self) -> HrHeatmap {
        let mut teams: Vec<HeatmapTeam> = self
            .units
            .get(&UnitKind::Team)
            .into_iter()
            .flatten()
            .map(|(id, unit)| HeatmapTeam {
                id: id.clone(),
                name: unit.name.clone(),
                answered: average_answered(&unit.answered),
                headcount: None,
                participation: None,
                department_id: None,
            })
            .collect();
        teams.sort_by(|left, right| left.name.cmp(&right.name).then_with(|| left.id.cmp(&right.id)));
        let mut cells = Vec::with_capacity(teams.len() * self.metrics.len());
        for team in &teams {
            cells.extend(self.cells_of(&team.id, self.unit(UnitKind::Team, &team.id)));
        }
        let periods = &self.periods;
        HrHeatmap {
            k: periods.k,
            current: week_period(&periods.current),
            previous: week_period(&periods.previous),
            teams,
            metrics: self.metrics.clone(),
            cells,
            published_through: periods.publication.published_through_text(),
            next_publication: periods.publication.next_publication.clone(),
            release_noise: periods.release_noise,
            epsilon_per_cell: periods.epsilon_per_cell,
            departments: Vec::new(),
            organisation: None,
        }
    }
}

/// The average of a unit's weekly answered counts, when any was released.
fn average_answered(most: &BTreeMap<IsoWeek, u32>) -> Option<f64> {
    (!most.is_empty()).then(|| most.values().map(|&n| f64::from(n)).sum::<f64>() / most.len() as f64)
}

/// Sets `heatmap`'s department and organisation rows from `rows` (shaped
/// from their own cells) and the units' head-counts, and each team's department.
fn set_unit_rows(heatmap: &mut HrHeatmap, rows: &Shaped, units: &OrganisationUnits) {
    let row = |kind: UnitKind, id: &str, name: &str| -> HeatmapUnitRow {
        let unit = rows.unit(kind, id);
        HeatmapUnitRow {
            id: id.to_owned(),
            name: name.to_owned(),
            answered: unit.and_then(|unit| average_answered(&unit.answered)),
            headcount: None,
            participation: None,
            cells: rows.cells_of(id, unit),
        }
    };
    let headcount_of = |teams: &mut dyn Iterator<Item = &polso_api::UnitRef>| -> Option<u32> {
        teams.map(|team| team.headcount).sum::<Option<u32>>()
    };
    let mut departments: Vec<HeatmapUnitRow> = units
        .departments
        .iter()
        .map(|department| {
            let mut row = row(UnitKind::Department, &department.id, &department.name);
            row.headcount = headcount_of(&mut department.teams.iter());
            row
        })
        .collect();
    departments.sort_by(|left, right| left.name.cmp(&right.name).then_with(|| left.id.cmp(&right.id)));
    let mut organisation = units.organisation.as_ref().map(|organisation| {
        let mut row = row(UnitKind::Organisation, &organisation.id, &organisation.name);
        row.headcount =
            headcount_of(&mut units.departments.iter().flat_map(|department| department.teams.iter()));
        row
    });
    for row in departments.iter_mut().chain(organisation.iter_mut()) {
        row.participation = participation(row.answered, row.headcount);
    }
    let department_of: HashMap<&str, &str> = units
        .departments
        .iter()
        .flat_map(|department| department.teams.iter().map(|team| (team.id.as_str(), department.id.as_str())))
        .collect();
    for team in &mut heatmap.teams {
        team.department_id = department_of.get(team.id.as_str()).map(|id| (*id).to_owned());
    }
    heatmap.departments = departments;
    heatmap.organisation = organisation;
}

/// One unit's cell for `metric` from its weeks pooled by `periods`.
fn cell_of(periods: &HeatmapPeriods, unit_id: &str, metric: MetricKey, unit: &UnitPeriods) -> HeatmapCell {
    let now = periods.current_published.as_ref().and_then(|_| unit.current.pooled());
    let before = periods.previous_published.as_ref().and_then(|_| unit.previous.pooled());
    // eNPS changes in eNPS points, which the mean's interval does not describe.
    let interval = now
        .zip(before)
        .filter(|_| metric != MetricKey::Enps)
        .and_then(|(now, before)| period_change(&now.estimate, &before.estimate));
    // A period the source sent no week of counts as asked, so that a missing
    // figure is never passed off as "not asked".
    let asked = periods.current_published.is_none() || !unit.current_weeks || unit.current_asked;
    let published = periods.current_published.is_some();
    HeatmapCell {
        team_id: unit_id.to_owned(),
        metric,
        asked,
        suppressed: published && asked && now.is_none(),
        published,
        mean: now.map(|period| period.mean),
        n: now.map(|period| period.n),
        released_weeks: now.map_or(0, |period| period.released_weeks),
        previous_mean: before.map(|period| period.mean),
        change: now.zip(before).map(|(now, before)| now.mean - before.mean),
        previous_n: before.map(|period| period.n),
        change_low: interval.map(|change| change.low),
        change_high: interval.map(|change| change.high),
        change_likely_real: interval.map(|change| change.likely_real),
        enps: now.and_then(|period| period.enps),
        previous_enps: before.and_then(|period| period.enps),
        burnout_share: now.and_then(|period| period.burnout_share),
    }
}

/// The periods `heatmap` was shaped over, as it says them: its weeks up to
/// its last published one, its k and its noise.
fn periods_of(heatmap: &HrHeatmap) -> HeatmapPeriods {
    let week = |text: &str| text.parse::<IsoWeek>().ok();
    let period = |period: &WeekPeriod| -> RangeInclusive<IsoWeek> {
        let start = week(&period.from).unwrap_or(IsoWeek::from_index(0));
        start..=week(&period.to).unwrap_or(start)
    };
    let publication = Publication {
        published_through: heatmap.published_through.as_deref().and_then(week),
        next_publication: heatmap.next_publication.clone(),
    };
    let noise = match (heatmap.release_noise, heatmap.epsilon_per_cell) {
        (ReleaseNoiseInIntervals::Included, Some(epsilon_per_cell)) => KnownNoise::Known { epsilon_per_cell },
        (ReleaseNoiseInIntervals::Off, _) => KnownNoise::Off,
        _ => KnownNoise::Unknown,
    };
    HeatmapPeriods::new(period(&heatmap.current), period(&heatmap.previous), publication, heatmap.k, noise)
}

/// Gives the heatmap's teams their head-counts from the units the server listed, and their
/// participation rate (at most 1: with differential privacy a released count is noisy).
pub fn add_headcounts(heatmap: &mut HrHeatmap, units: &OrganisationUnits) {
    let headcounts: HashMap<&str, Option<u32>> = units
        .departments
        .iter()
        .flat_map(|department| department.teams.iter())
        .map(|unit| (unit.id.as_str(), unit.headcount))
        .collect();
    for team in &mut heatmap.teams {
        team.headcount = headcounts.get(team.id.as_str()).copied().flatten();
        team.participation = participation(team.answered, team.headcount);
    }
}

/// `answered / headcount`, at most 1 (with differential privacy a released count is noisy).
fn participation(answered: Option<f64>, headcount: Option<u32>) -> Option<f64> {
    match (answered, headcount) {
        (Some(answered), Some(headcount)) if headcount > 0 => {
            Some((answered / f64::from(headcount)).min(1.0))
        }
        _ => None,
    }
}

/// A run of weeks as the wire writes it.
pub fn week_period(weeks: &RangeInclusive<IsoWeek>) -> WeekPeriod {
    WeekPeriod {
        from: weeks.start().to_string(),
        to: weeks.end().to_string(),
        from_monday: weeks.start().monday().to_string(),
        to_sunday: weeks.end().sunday().to_string(),
    }
}

#[cfg(test)]
#[path = "heatmap_tests.rs"]
mod tests;
