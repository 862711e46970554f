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
    AggregateCell, AggregateTable, ApiError, ErrorCode, HeatmapCell, HeatmapTeam, HeatmapUnitRow, HrHeatmap,
    MetricKey, OrganisationUnits, ReleaseNoiseInIntervals, UnitKind, WeekPeriod,
};
use polso_core::IsoWeek;

use crate::change::{PeriodEstimate, ReleaseNoise, ReleasedWeek, period_change, pool_period};
use crate::publication::{Publication, latest_period_end};

/// The shortest and the longest heatmap period, in weeks.
pub const HEATMAP_PERIOD_WEEKS: RangeInclusive<u32> = 1..=26;

/// What the heatmap knows of the differential-privacy noise on released figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KnownNoise {
    /// Differential privacy is off.
    Off,
    /// On, with this ε per cell.
    Known {
        /// ε per released cell, as the server said.
        epsilon_per_cell: f64,
    },
    /// The server did not say.
    Unknown,
}

/// Where [`build_heatmap`] reads released cells: the server's published
/// snapshots, or (in the app's tests) a fake server's answers.
pub trait ReleasedCells {
    /// The released cells of `metric` at `level` over `weeks`, in the reader's
    /// scope; `None` for a metric the source does not know (an older server).
    fn table(
        &mut self,
        level: UnitKind,
        metric: MetricKey,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Option<AggregateTable>, ApiError>;

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
    let probe = source.table(UnitKind::Team, MetricKey::Wellbeing, last_closed..=last_closed)?;
    let current_end = latest_period_end(last_closed, Publication::of(probe.as_ref()).published_through);
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
    let (current, previous) = (current_start..=current_end, previous_start..=previous_end);
    // One metric at a time, each table dropped once shaped: a heatmap of
    // 5,000 teams never holds more than one metric's cells.
    let mut teams: Option<Shaped> = None;
    for metric in MetricKey::ALL {
        let Some(mut table) = source.table(UnitKind::Team, metric, weeks.clone())? else {
            continue;
        };
        if let Some(kept) = &department_teams {
            table.cells.retain(|cell| kept.contains(&cell.unit_id.as_str()));
        }
        teams.get_or_insert_with(|| Shaped::new(current.clone(), previous.clone(), &table, noise)).add(
            metric,
            &table,
            &[UnitKind::Team],
        );
    }
    let mut heatmap = match &teams {
        Some(teams) => teams.heatmap(),
        None => shape_heatmap_with(current, previous, &[], noise),
    };
    let Some(units) = units else {
        return Ok(heatmap);
    };
    add_headcounts(&mut heatmap, &units);
    let mut rows = Shaped::for_heatmap(&heatmap);
    for metric in heatmap.metrics.clone() {
        if let Some(table) = source.table(UnitKind::Department, metric, weeks.clone())? {
            rows.add(metric, &table, &[UnitKind::Department]);
        }
        if units.organisation.is_some()
            && let Some(table) = source.table(UnitKind::Organisation, metric, weeks.clone())?
        {
            rows.add(metric, &table, &[UnitKind::Organisation]);
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
    let first = AggregateTable {
        k: tables.first().map_or(0, |(_, table)| table.k),
        published_through: publication.published_through_text(),
        next_publication: publication.next_publication,
        cells: Vec::new(),
    };
    let mut shaped = Shaped::new(current, previous, &first, noise);
    for (metric, table) in tables {
        shaped.add(*metric, table, &[UnitKind::Team]);
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
    let mut rows = Shaped::for_heatmap(heatmap);
    for (metric, table) in tables {
        rows.add(*metric, table, &[UnitKind::Department, UnitKind::Organisation]);
    }
    set_unit_rows(heatmap, &rows, units);
}

/// A released cell with its week read once (the shaping asks each cell's
/// week several times; a cell whose week does not read is in no period).
type Dated<'a> = (IsoWeek, &'a AggregateCell);

/// A heatmap being shaped one table at a time: the periods, and per unit its
/// name, its cell of each metric added so far and its weeks' answered counts.
struct Shaped {
    k: u32,
    current: RangeInclusive<IsoWeek>,
    previous: RangeInclusive<IsoWeek>,
    publication: Publication,
    release_noise: ReleaseNoiseInIntervals,
    epsilon_per_cell: Option<f64>,
    periods: ShapedPeriods,
    /// The metrics, in the order of the columns.
    metrics: Vec<MetricKey>,
    /// Per unit (kind, id): its name, its cells by metric position, and per
    /// week of the current period the most answered of a released metric.
    units: HashMap<(UnitKind, String), ShapedUnit>,
}

/// One unit of a [`Shaped`] heatmap.
struct ShapedUnit {
    name: String,
    cells: Vec<Option<HeatmapCell>>,
    answered: BTreeMap<IsoWeek, u32>,
}

impl Shaped {
    /// A heatmap of `current` against `previous`, published as `first` (the
    /// first table read: publication only moves on, so no later table counts
    /// fewer weeks as published) says, with its k, and the noise.
    fn new(
        current: RangeInclusive<IsoWeek>,
        previous: RangeInclusive<IsoWeek>,
        first: &AggregateTable,
        noise: KnownNoise,
    ) -> Shaped {
        let k = first.k;
        let (release_noise, epsilon_per_cell, noise_model) = match noise {
            KnownNoise::Off => (ReleaseNoiseInIntervals::Off, None, None),
            KnownNoise::Known { epsilon_per_cell } => {
                match ReleaseNoise::of_epsilon_per_cell(epsilon_per_cell, k) {
                    Some(model) => (ReleaseNoiseInIntervals::Included, Some(epsilon_per_cell), Some(model)),
                    None => (ReleaseNoiseInIntervals::Unknown, None, None),
                }
            }
            KnownNoise::Unknown => (ReleaseNoiseInIntervals::Unknown, None, None),
        };
        let publication = Publication::of([first]);
        let published_in = |weeks: &RangeInclusive<IsoWeek>| -> Option<RangeInclusive<IsoWeek>> {
            let published = publication.published_through?;
            (*weeks.start() <= published).then(|| *weeks.start()..=(*weeks.end()).min(published))
        };
        let periods = ShapedPeriods {
            current: published_in(&current),
            previous: published_in(&previous),
            noise: noise_model,
        };
        Shaped {
            k,
            current,
            previous,
            publication,
            release_noise,
            epsilon_per_cell,
            periods,
            metrics: Vec::new(),
            units: HashMap::new(),
        }
    }

    /// An empty shaping over the periods `heatmap` was shaped with, its
    /// metrics as the columns, for its unit rows.
    fn for_heatmap(heatmap: &HrHeatmap) -> Shaped {
        let week = |text: &str| text.parse::<IsoWeek>().ok();
        let period = |period: &WeekPeriod| -> RangeInclusive<IsoWeek> {
            let start = week(&period.from).unwrap_or(IsoWeek::from_index(0));
            start..=week(&period.to).unwrap_or(start)
        };
        Shaped {
            k: heatmap.k,
            current: period(&heatmap.current),
            previous: period(&heatmap.previous),
            publication: Publication {
                published_through: heatmap.published_through.as_deref().and_then(week),
                next_publication: heatmap.next_publication.clone(),
            },
            release_noise: heatmap.release_noise,
            epsilon_per_cell: heatmap.epsilon_per_cell,
            periods: ShapedPeriods::of(heatmap),
            metrics: heatmap.metrics.clone(),
            units: HashMap::new(),
        }
    }

    /// Shapes `table`'s cells of the units of `kinds` for `metric`; a metric
    /// not yet among the columns becomes the next one.
    fn add(&mut self, metric: MetricKey, table: &AggregateTable, kinds: &[UnitKind]) {
        let position = match self.metrics.iter().position(|known| *known == metric) {
            Some(position) => position,
            None => {
                self.metrics.push(metric);
                self.metrics.len() - 1
            }
        };
        let mut by_unit: HashMap<(UnitKind, &str), (&str, Vec<Dated<'_>>)> = HashMap::new();
        for cell in table.cells.iter().filter(|cell| kinds.contains(&cell.unit_kind)) {
            let (_, cells) = by_unit
                .entry((cell.unit_kind, cell.unit_id.as_str()))
                .or_insert_with(|| (cell.unit_name.as_str(), Vec::new()));
            if let Ok(week) = cell.week.parse::<IsoWeek>() {
                cells.push((week, cell));
            }
        }
        for ((kind, id), (name, cells)) in by_unit {
            let unit = self.units.entry((kind, id.to_owned())).or_insert_with(|| ShapedUnit {
                name: name.to_owned(),
                cells: Vec::new(),
                answered: BTreeMap::new(),
            });
            if unit.cells.len() <= position {
                unit.cells.resize(position + 1, None);
            }
            unit.cells[position] = Some(self.periods.cell(id, metric, &cells));
            // Each week's released count of the most-answered metric asked (as
            // the overview's participation counts it).
            if let Some(weeks) = &self.periods.current {
                for (week, cell) in &cells {
                    if let Some(n) = cell.n.filter(|_| cell.asked && cell.released && weeks.contains(week)) {
                        let most = unit.answered.entry(*week).or_default();
                        *most = (*most).max(n);
                    }
                }
            }
        }
    }

    /// The cells of unit `id` for every column: its own, or an empty one for
    /// a metric whose table held none of its cells.
    fn cells_of(&self, id: &str, unit: Option<&ShapedUnit>) -> Vec<HeatmapCell> {
        self.metrics
            .iter()
            .enumerate()
            .map(|(position, metric)| {
                unit.and_then(|unit| unit.cells.get(position).cloned().flatten())
                    .unwrap_or_else(|| self.periods.cell(id, *metric, &[]))
            })
            .collect()
    }

    /// The team heatmap: every team seen, by name, each with a cell of every metric.
    fn heatmap(&self) -> HrHeatmap {
        let mut teams: Vec<HeatmapTeam> = self
            .units
            .iter()
            .filter(|((kind, _), _)| *kind == UnitKind::Team)
            .map(|((_, id), unit)| HeatmapTeam {
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
            cells.extend(self.cells_of(&team.id, self.units.get(&(UnitKind::Team, team.id.clone()))));
        }
        HrHeatmap {
            k: self.k,
            current: week_period(&self.current),
            previous: week_period(&self.previous),
            teams,
            metrics: self.metrics.clone(),
            cells,
            published_through: self.publication.published_through_text(),
            next_publication: self.publication.next_publication.clone(),
            release_noise: self.release_noise,
            epsilon_per_cell: self.epsilon_per_cell,
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
        let unit = rows.units.get(&(kind, id.to_owned()));
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

/// The published weeks of the heatmap's two periods and the release noise,
/// for shaping any unit's cells the same way.
#[derive(Clone)]
struct ShapedPeriods {
    current: Option<RangeInclusive<IsoWeek>>,
    previous: Option<RangeInclusive<IsoWeek>>,
    noise: Option<ReleaseNoise>,
}

impl ShapedPeriods {
    /// One unit's cell for `metric` from its cells of that metric.
    fn cell(&self, unit_id: &str, metric: MetricKey, unit_cells: &[Dated<'_>]) -> HeatmapCell {
        let now = self.current.as_ref().and_then(|weeks| pooled(unit_cells, weeks, self.noise));
        let before = self.previous.as_ref().and_then(|weeks| pooled(unit_cells, weeks, self.noise));
        // eNPS changes in eNPS points, which the mean's interval does not describe.
        let interval = now
            .zip(before)
            .filter(|_| metric != MetricKey::Enps)
            .and_then(|(now, before)| period_change(&now.estimate, &before.estimate));
        let asked = self.current.as_ref().is_none_or(|weeks| asked_in(unit_cells, weeks));
        HeatmapCell {
            team_id: unit_id.to_owned(),
            metric,
            asked,
            suppressed: self.current.is_some() && asked && now.is_none(),
            published: self.current.is_some(),
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

    /// The periods of `heatmap` as it was shaped: its weeks up to its last published one.
    fn of(heatmap: &HrHeatmap) -> ShapedPeriods {
        let week = |text: &str| text.parse::<IsoWeek>().ok();
        let published = heatmap.published_through.as_deref().and_then(week);
        let published_in = |period: &WeekPeriod| -> Option<RangeInclusive<IsoWeek>> {
            let (start, end, published) = (week(&period.from)?, week(&period.to)?, published?);
            (start <= published).then(|| start..=end.min(published))
        };
        let noise = heatmap
            .epsilon_per_cell
            .filter(|_| heatmap.release_noise == ReleaseNoiseInIntervals::Included)
            .and_then(|epsilon| ReleaseNoise::of_epsilon_per_cell(epsilon, heatmap.k));
        ShapedPeriods {
            current: published_in(&heatmap.current),
            previous: published_in(&heatmap.previous),
            noise,
        }
    }
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

/// A period's figures from its released weeks.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PooledPeriod {
    mean: f64,
    n: u32,
    released_weeks: u32,
    /// The n-weighted eNPS of the released weeks that carry one.
    enps: Option<f64>,
    /// The n-weighted burnout share of the released weeks that carry one.
    burnout_share: Option<f64>,
    /// The period with what its change's interval needs.
    estimate: PeriodEstimate,
}

/// An n-weighted mean of figures, each weighted by its cell's n.
#[derive(Debug, Clone, Copy, Default)]
struct WeightedMean {
    weighted_sum: f64,
    weight: u32,
}

impl WeightedMean {
    fn add(&mut self, value: Option<f64>, weight: u32) {
        if let Some(value) = value {
            self.weighted_sum += value * f64::from(weight);
            self.weight += weight;
        }
    }

    fn mean(self) -> Option<f64> {
        (self.weight > 0).then(|| self.weighted_sum / f64::from(self.weight))
    }
}

/// Whether the schedule asked the metric of `cells` in some week of `weeks`.
/// A period the server sent no cell for counts as asked, so that a missing
/// figure is never passed off as "not asked".
fn asked_in(cells: &[Dated<'_>], weeks: &RangeInclusive<IsoWeek>) -> bool {
    let mut in_period = cells.iter().filter(|(week, _)| weeks.contains(week)).peekable();
    in_period.peek().is_none() || in_period.any(|(_, cell)| cell.asked)
}

/// The n-weighted mean of the released, asked weeks of `weeks` among
/// `cells`, or `None` when none of them was released. Weeks the schedule did
/// not ask the metric are left out.
fn pooled(
    cells: &[Dated<'_>],
    weeks: &RangeInclusive<IsoWeek>,
    noise: Option<ReleaseNoise>,
) -> Option<PooledPeriod> {
    let (mut weighted_sum, mut n, mut released_weeks) = (0.0, 0u32, 0u32);
    let mut released = Vec::new();
    let (mut enps, mut burnout_share) = (WeightedMean::default(), WeightedMean::default());
    let in_period = |(week, cell): &&Dated<'_>| weeks.contains(week) && cell.asked && cell.released;
    // A driver's weeks on its anchor's level when every released week has
    // one, so two periods that asked different items compare the people.
    let standardised = cells.iter().filter(in_period).all(|(_, cell)| cell.standardised_mean.is_some());
    for (_, cell) in cells.iter().filter(in_period) {
        let mean = if standardised { cell.standardised_mean } else { cell.mean };
        if let (Some(mean), Some(cell_n)) = (mean, cell.n)
            && cell_n > 0
        {
            weighted_sum += mean * f64::from(cell_n);
            n += cell_n;
            released.push(ReleasedWeek {
                mean,
                released_mean: cell.mean.unwrap_or(mean),
                n: cell_n,
                sd: cell.sd,
            });
            released_weeks += 1;
            // eNPS and the burnout share are linear in the released shares,
            // so weighting each week's by its n pools the released histograms.
            enps.add(cell.enps.map(|figures| figures.enps), cell_n);
            burnout_share.add(cell.burnout_share, cell_n);
        }
    }
    let estimate = pool_period(&released, noise)?;
    (n > 0).then(|| PooledPeriod {
        mean: weighted_sum / f64::from(n),
        n,
        released_weeks,
        enps: enps.mean(),
        burnout_share: burnout_share.mean(),
        estimate,
    })
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
