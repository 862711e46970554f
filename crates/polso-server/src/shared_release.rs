//! Publishing a week in two-server mode: what both servers compute from
//! their own sums of shares, so that together they release exactly the
//! cells one server would, and neither learns anything else.
//!
//! 1. **Counts.** Each server gives its shares of every team's counts (per
//!    cell, how many reports counted, and how many marked it not
//!    applicable); both add them up ([`open_counts`]). The servers learn
//!    these counts, never a value: the one-server operator knows them too,
//!    and each is a count over a team's reports.
//! 2. **Decision.** Both run the one-server decision on the opened counts
//!    ([`crate::release::released_units`]: k, secondary suppression, the
//!    histogram minimum) under the settings each holds; the leader refuses
//!    to publish if the helper released other cells.
//! 3. **Figures.** For each released cell each server sums its teams'
//!    shares, takes its share of the figures the one-server noise works on
//!    (the count, the sum centred on the scale's middle, the bins), and,
//!    with differential privacy on, adds noise it drew itself at full scale
//!    ([`release_shares`]). Each server's noise alone gives the ε of the
//!    organisation's setting against the other server; the released
//!    figures carry both.
//! 4. **Release.** The leader adds the two servers' shares and finishes the
//!    figures as one-server mode does ([`combine_release`]), then stores the
//!    publication through the same path.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use polso_core::bank::ItemBank;
use polso_core::dp::{Epsilon, RandomBits};
use polso_core::schedule::Schedule;
use polso_core::{IsoWeek, Metric};
use polso_vdaf::{Cell, CellKey, Share, WeekLayout, WeekShares};

use crate::error::{Result, ServerError};
use crate::privacy::{CellNoise, NoisyIntegers, SumUnits, ValueScale};
use crate::publication::{WeekKeys, assemble_publication};
use crate::release::{KeyRelease, ReleaseRules, Sums, published_cell, released_figures, released_units};
use crate::report::{NOT_APPLICABLE_PREFIX, item_key, metric_key};
use crate::store::{OrganisationTree, WeekPublication};

/// What a two-server week is published under: the settings each server
/// holds for the organisation (the helper its own pinned copy).
#[derive(Debug, Clone, Copy)]
pub struct SharedRules {
    /// The minimum group size.
    pub k: polso_core::anonymity::Threshold,
    /// The minimum count for a released sd and histogram (raised to 2k).
    pub histogram_minimum: u32,
    /// ε per released cell, when differential privacy is on.
    pub epsilon: Option<Epsilon>,
}

/// The week being published: its layout and keys under the organisation's schedule.
pub struct SharedWeek<'a> {
    tree: &'a OrganisationTree,
    layout: WeekLayout,
    keys: WeekKeys<'static>,
    week: IsoWeek,
}

impl<'a> SharedWeek<'a> {
    /// `week` of the organisation of `tree`, under `schedule`.
    pub fn new(tree: &'a OrganisationTree, schedule: &Schedule, week: IsoWeek) -> Result<Self> {
        let bank = ItemBank::embedded();
        let layout = WeekLayout::new(bank, schedule, week)
            .map_err(|error| ServerError::InvalidInput(format!("the layout of {week}: {error}")))?;
        Ok(SharedWeek { tree, layout, keys: WeekKeys::new(bank, schedule, week), week })
    }

    /// The week's layout.
    pub fn layout(&self) -> &WeekLayout {
        &self.layout
    }
}

/// One server's sums of one week, per team.
pub type TeamSums = BTreeMap<String, WeekShares>;

/// A team's count shares: per cell, the count and, where offered, the "not applicable" count.
pub type CountShares = BTreeMap<String, Vec<Share>>;

/// This server's shares of every team's counts.
pub fn count_shares(week: &SharedWeek<'_>, sums: &TeamSums) -> CountShares {
    sums.iter()
        .map(|(team, shares)| {
            let counts = week
                .layout
                .cells()
                .iter()
                .zip(shares.cell_shares(&week.layout))
                .flat_map(|(cell, derived)| {
                    let parts = cell.parts(&derived);
                    let n = parts.as_ref().map(|parts| parts.n);
                    let not_applicable = parts.and_then(|parts| parts.not_applicable);
                    n.into_iter().chain(not_applicable)
                })
                .collect();
            (team.clone(), counts)
        })
        .collect()
}

/// The count of each key (as stored) in each team, from both servers' count
/// shares. Both must hold the same teams and the same number of counts, and
/// no count may exceed the reports this server verified for its team
/// (`sums`): the other server's shares cannot be checked, and a count
/// inflated past its team's reports is a lie to make a small cell pass k.
pub fn open_counts(
    week: &SharedWeek<'_>,
    mine: &CountShares,
    theirs: &CountShares,
    sums: &TeamSums,
) -> Result<HashMap<String, HashMap<String, u32>>> {
    if mine.keys().ne(theirs.keys()) {
        return Err(mismatch("the two servers hold sums of different teams"));
    }
    let mut opened = HashMap::new();
    for (team, my_shares) in mine {
        let their_shares = &theirs[team];
        if my_shares.len() != their_shares.len() {
            return Err(mismatch("the two servers' counts have different shapes"));
        }
        let mut values = my_shares.iter().zip(their_shares).map(|(left, right)| Share::reveal(*left, *right));
        let mut counts = HashMap::new();
        for cell in week.layout.cells() {
            let n = next_count(&mut values)?;
            counts.insert(stored_key(cell.key()), n);
            if cell.offers_not_applicable()
                && let CellKey::Metric(metric) = cell.key()
            {
                counts.insert(crate::report::not_applicable_key(*metric), next_count(&mut values)?);
            }
        }
        let verified = sums.get(team).map_or(0, WeekShares::reports);
        if counts.values().any(|count| u64::from(*count) > verified) {
            return Err(mismatch(&format!(
                "an opened count of team '{team}' is above the {verified} reports this server verified"
            )));
        }
        opened.insert(team.clone(), counts);
    }
    Ok(opened)
}

fn next_count(
    values: &mut impl Iterator<Item = std::result::Result<i64, polso_vdaf::VdafError>>,
) -> Result<u32> {
    let value = values
        .next()
        .ok_or_else(|| mismatch("a count is missing"))?
        .map_err(|error| mismatch(&format!("a count does not open: {error}")))?;
    u32::try_from(value).map_err(|_| mismatch("an opened count is negative or too large"))
}

fn mismatch(what: &str) -> ServerError {
    ServerError::InvalidInput(format!("two-server release refused: {what}"))
}

/// The stored key of a cell's figures.
fn stored_key(key: &CellKey) -> String {
    match key {
        CellKey::Item(item) => item_key(item.as_str()),
        CellKey::Metric(metric) => metric_key(*metric),
    }
}

/// One server's shares of one released cell: a key (as clients name it) in
/// one unit, noised by that server when differential privacy is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitShares {
    /// The key, as clients name it.
    pub key: String,
    /// The unit.
    pub unit_id: String,
    /// Whether the sd and histogram are released.
    pub with_histogram: bool,
    /// With noise: the count, the centred sum, the bins (if released).
    /// Without: the count, the sum, the sum of squares, the bins (if released).
    pub values: Vec<Share>,
}

/// Where a key's figures are in the layout.
struct KeySource<'l> {
    label: String,
    stored: String,
    scale: ValueScale,
    cell_index: usize,
    cell: &'l Cell,
    not_applicable: bool,
}

/// Where each key of the week is in the layout. A key without a cell (a
/// WHO-5 week that asks fewer than its five items) or a "not applicable"
/// count the week cannot give (not every asked item of the metric allows
/// it) is always empty, as in one-server mode, and is left out.
fn key_sources<'l>(week: &'l SharedWeek<'_>) -> Result<Vec<KeySource<'l>>> {
    let sources: Vec<Option<KeySource<'l>>> = week
        .keys
        .keys
        .iter()
        .map(|(label, stored, scale)| {
            let not_applicable_of = stored.strip_prefix(NOT_APPLICABLE_PREFIX).and_then(Metric::from_key);
            let wanted = match not_applicable_of {
                Some(metric) => CellKey::Metric(metric),
                None => match Metric::from_key(label) {
                    Some(metric) => CellKey::Metric(metric),
                    None => {
                        let item = ItemBank::embedded()
                            .item(label)
                            .ok_or_else(|| mismatch(&format!("the key {label} is not in the bank")))?;
                        CellKey::Item(item.id.clone())
                    }
                },
            };
            let Some((cell_index, cell)) =
                week.layout.cells().iter().enumerate().find(|(_, cell)| *cell.key() == wanted)
            else {
                return Ok(None);
            };
            if not_applicable_of.is_some() && !cell.offers_not_applicable() {
                return Ok(None);
            }
            Ok(Some(KeySource {
                label: label.clone(),
                stored: stored.clone(),
                scale: *scale,
                cell_index,
                cell,
                not_applicable: not_applicable_of.is_some(),
            }))
        })
        .collect::<Result<_>>()?;
    Ok(sources.into_iter().flatten().collect())
}

/// The figures a key's noise works on, as shares of one unit: count, sum,
/// sum of squares, bins, and how the sum reads.
struct KeyShares {
    n: Share,
    sum: Share,
    sum_squares: Share,
    bins: Vec<Share>,
    units: SumUnits,
}

fn key_shares(source: &KeySource<'_>, derived: &[Share]) -> Result<KeyShares> {
    let parts =
        source.cell.parts(derived).ok_or_else(|| mismatch("a cell's shares have the wrong length"))?;
    if source.not_applicable {
        // A count: every contribution is 1, on a one-point scale.
        let count = parts.not_applicable.ok_or_else(|| mismatch("a cell offers no 'not applicable'"))?;
        return Ok(KeyShares {
            n: count,
            sum: count,
            sum_squares: count,
            bins: vec![count],
            units: SumUnits { offset: 1, range: 1, unit: 1.0 },
        });
    }
    let scale = source.cell.sum_scale();
    Ok(KeyShares {
        n: parts.n,
        sum: parts.sum,
        sum_squares: parts.sum_squares,
        bins: parts.bins,
        units: SumUnits { offset: scale.offset, range: scale.range.max(1), unit: scale.unit },
    })
}

/// This server's shares of every cell the week releases, with its own noise
/// when `rules.epsilon` is set: decided on the opened `counts`, from its
/// own `sums`.
pub fn release_shares(
    week: &SharedWeek<'_>,
    rules: SharedRules,
    sums: &TeamSums,
    counts: &HashMap<String, HashMap<String, u32>>,
    random: &mut dyn RandomBits,
) -> Result<Vec<UnitShares>> {
    let per_team: BTreeMap<&str, Vec<Vec<Share>>> =
        sums.iter().map(|(team, shares)| (team.as_str(), shares.cell_shares(&week.layout))).collect();
    let mut released = Vec::new();
    for source in key_sources(week)? {
        let noise = rules.epsilon.map(|epsilon| CellNoise::new(epsilon, source.scale));
        let release_rules = ReleaseRules::new(rules.k, rules.histogram_minimum, noise);
        let team_count =
            |team: &str| counts.get(team).and_then(|of| of.get(&source.stored)).copied().unwrap_or(0);
        // A hard floor from what each server verified itself: a unit is
        // released only with at least k verified reports (its spread with at
        // least the histogram minimum), whatever the opened counts say.
        for mut unit in released_units(week.tree, &team_count, &release_rules)
            .into_iter()
            .filter(|unit| verified_reports(sums, &unit.teams) >= u64::from(rules.k.get()))
        {
            unit.with_histogram &=
                verified_reports(sums, &unit.teams) >= u64::from(release_rules.histogram_minimum);
            let mut derived = vec![Share::zero(); source.cell.derived_length()];
            for team in &unit.teams {
                if let Some(cells) = per_team.get(team) {
                    for (total, share) in derived.iter_mut().zip(&cells[source.cell_index]) {
                        *total = *total + *share;
                    }
                }
            }
            let shares = key_shares(&source, &derived)?;
            let bins = if unit.with_histogram { shares.bins.clone() } else { Vec::new() };
            let values = match noise {
                Some(noise) => {
                    let units = shares.units;
                    // 2·Σu − n·range with Σu = sum − n·offset: linear in the shares.
                    let centred =
                        shares.sum.times(2) + shares.n.times(-(2 * units.offset + i64::from(units.range)));
                    let draw = noise.draw(u64::from(units.range), bins.len(), unit.with_histogram, random);
                    let mut values = vec![shares.n.plus(draw.count), centred.plus(draw.sum)];
                    let bin_noise = draw.bins.unwrap_or_default();
                    values.extend(
                        bins.iter()
                            .zip(bin_noise.iter().chain(std::iter::repeat(&0)))
                            .map(|(bin, noise)| bin.plus(*noise)),
                    );
                    values
                }
                None => {
                    let mut values = vec![shares.n, shares.sum, shares.sum_squares];
                    values.extend(bins);
                    values
                }
            };
            released.push(UnitShares {
                key: source.label.clone(),
                unit_id: unit.unit_id.to_owned(),
                with_histogram: unit.with_histogram,
                values,
            });
        }
    }
    Ok(released)
}

/// The teams a unit of `tree` sums: all of the organisation's, a
/// department's, or the team itself.
fn unit_teams<'tree>(tree: &'tree OrganisationTree, unit_id: &str) -> Vec<&'tree str> {
    let all = || {
        tree.departments.iter().flat_map(|department| department.teams.iter().map(|team| team.id.as_str()))
    };
    if tree.organisation.id == unit_id {
        return all().collect();
    }
    if let Some(department) = tree.departments.iter().find(|department| department.id == unit_id) {
        return department.teams.iter().map(|team| team.id.as_str()).collect();
    }
    all().filter(|team| *team == unit_id).collect()
}

/// The reports this server verified for `teams`, together.
fn verified_reports(sums: &TeamSums, teams: &[&str]) -> u64 {
    teams.iter().filter_map(|team| sums.get(*team)).map(WeekShares::reports).sum()
}

/// The leader's part: adds its and the helper's shares of every released
/// cell, which must be the same cells, and finishes the publication as
/// one-server mode does (ledger and derived metrics included).
pub fn combine_release(
    week: &SharedWeek<'_>,
    rules: SharedRules,
    mine: &[UnitShares],
    theirs: &[UnitShares],
    counts: &HashMap<String, HashMap<String, u32>>,
    now: DateTime<Utc>,
) -> Result<WeekPublication> {
    if mine.len() != theirs.len()
        || mine.iter().zip(theirs).any(|(left, right)| {
            (&left.key, &left.unit_id, left.with_histogram, left.values.len())
                != (&right.key, &right.unit_id, right.with_histogram, right.values.len())
        })
    {
        return Err(mismatch(
            "the helper released other cells than this server (do both hold the same k, tree and settings?)",
        ));
    }
    let sources = key_sources(week)?;
    let mut releases: Vec<(String, KeyRelease)> =
        week.keys.keys.iter().map(|(label, _, _)| (label.clone(), KeyRelease::default())).collect();
    for (left, right) in mine.iter().zip(theirs) {
        let source = sources
            .iter()
            .find(|source| source.label == left.key)
            .ok_or_else(|| mismatch("an unknown key"))?;
        let values = left
            .values
            .iter()
            .zip(&right.values)
            .map(|(a, b)| Share::reveal(*a, *b))
            .collect::<std::result::Result<Vec<i64>, _>>()
            .map_err(|error| mismatch(&format!("a figure does not open: {error}")))?;
        let units = key_shares(source, &vec![Share::zero(); source.cell.derived_length()])?.units;
        let noise = rules.epsilon.map(|epsilon| CellNoise::new(epsilon, source.scale));
        let (figures, spent) = match noise {
            Some(noise) => {
                let noisy = NoisyIntegers {
                    n: values[0],
                    centred_sum: values[1],
                    histogram: left.with_histogram.then(|| values[2..].to_vec()),
                };
                (noise.finish(noisy, units, rules.k.get()), noise.epsilon_spent(left.with_histogram))
            }
            None => {
                let count = |value: i64| u32::try_from(value).map_err(|_| mismatch("a count out of range"));
                // Exact figures: the count must be the one both opened, and at least k.
                let expected: u64 = unit_teams(week.tree, &left.unit_id)
                    .iter()
                    .filter_map(|team| counts.get(*team).and_then(|of| of.get(&source.stored)))
                    .map(|count| u64::from(*count))
                    .sum();
                if u64::try_from(values[0]).ok() != Some(expected) || expected < u64::from(rules.k.get()) {
                    return Err(mismatch("a released count is not the one both servers opened"));
                }
                let sums = Sums {
                    n: count(values[0])?,
                    sum: values[1] as f64 * units.unit,
                    sum_squares: values[2] as f64 * units.unit * units.unit,
                    histogram: values[3..].iter().map(|value| count(*value)).collect::<Result<_>>()?,
                };
                let exact = ReleaseRules::new(rules.k, rules.histogram_minimum, None);
                released_figures(&sums, exact, left.with_histogram, &mut NoRandomness)
            }
        };
        let release = releases
            .iter_mut()
            .find(|(label, _)| *label == left.key)
            .map(|(_, release)| release)
            .ok_or_else(|| mismatch("an unknown key"))?;
        release.cells.push(published_cell(week.week, &left.key, &left.unit_id, figures));
        release.spent.push((left.unit_id.clone(), spent));
    }
    Ok(assemble_publication(week.tree, &week.keys, releases, week.week, now))
}

/// Exact figures draw no noise.
struct NoRandomness;

impl RandomBits for NoRandomness {
    fn next_u64(&mut self) -> u64 {
        0
    }
}
