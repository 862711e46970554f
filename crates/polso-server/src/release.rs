//! Publication: turning one closed week's team sums into the cells HR may
//! see, once, and reading those cells back.
//!
//! Departments and the organisation are summed from their teams; the core's
//! secondary suppression decides what is released for each (week, key); the
//! standard deviation and histogram leave only from the histogram minimum
//! (at least 2k), so a unanimous small cell does not tell everyone's answer;
//! differential privacy, when on, noises each released cell once. Items and
//! the metrics they score are one system by construction (see
//! [`crate::report`]): they cover the same reports, so their cells cannot be
//! subtracted from one another.
//!
//! [`publish_key`] runs once per week and key, at publication; the result is
//! stored. [`cells_from_snapshot`] turns stored cells into what a read
//! returns. A week the organisation's schedule did not ask the key gives
//! cells marked `asked: false`, never released; the schedule is public per
//! organisation, so saying so reveals nothing.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use polso_api::{AggregateCell, UnitKind};
use polso_core::anonymity::{HierarchyCounts, Threshold, suppress_hierarchy};
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_core::{IsoWeek, Metric};

use polso_core::dp::RandomBits;

use crate::derived::derived_figures;
use crate::privacy::{CellNoise, ExactFigures, NoisyFigures};
use crate::store::{OrganisationTree, PublishedCell, TeamAggregate};

/// Sums of one unit for one week and key.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Sums {
    pub(crate) n: u32,
    pub(crate) sum: f64,
    pub(crate) sum_squares: f64,
    pub(crate) histogram: Vec<u32>,
}

impl Sums {
    fn add(&mut self, other: &Sums) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_squares += other.sum_squares;
        if self.histogram.len() < other.histogram.len() {
            self.histogram.resize(other.histogram.len(), 0);
        }
        for (mine, theirs) in self.histogram.iter_mut().zip(&other.histogram) {
            *mine += theirs;
        }
    }
}

/// What an aggregate key is about, for asking the schedule whether a week
/// asked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduledKey<'key> {
    /// One item, by id.
    Item(&'key str),
    /// A metric, scored from whichever of its items a week asks.
    Metric(Metric),
    /// How many marked a metric "not applicable this week".
    NotApplicable(Metric),
}

/// Whether the organisation's `schedule` asked `key` in `week`: a metric
/// when the week asks any of its items; a "not applicable" count when the
/// week asks an item of the metric that may be answered so.
pub fn is_asked(bank: &ItemBank, schedule: &Schedule, key: ScheduledKey<'_>, week: IsoWeek) -> bool {
    match key {
        ScheduledKey::Item(item_id) => schedule.asks_item(week, item_id),
        ScheduledKey::Metric(metric) => schedule.asks_metric(bank, week, metric),
        ScheduledKey::NotApplicable(metric) => schedule.items_for_week(week).iter().any(|id| {
            bank.item(id.as_str()).is_some_and(|item| item.metric == metric)
                && schedule.allows_not_applicable(bank, week, id.as_str())
        }),
    }
}

/// The rules a week is published under: the organisation's settings at
/// publication, never a request's.
#[derive(Debug, Clone, Copy)]
pub struct ReleaseRules {
    /// The minimum group size of a released cell.
    pub k: Threshold,
    /// The minimum count from which a cell's sd and histogram are released;
    /// never below 2k.
    pub histogram_minimum: u32,
    /// The organisation's noise, when differential privacy is on.
    pub noise: Option<CellNoise>,
}

impl ReleaseRules {
    /// The rules with `histogram_minimum` raised to at least 2k.
    pub fn new(k: Threshold, histogram_minimum: u32, noise: Option<CellNoise>) -> ReleaseRules {
        ReleaseRules { k, histogram_minimum: histogram_minimum.max(2 * k.get()), noise }
    }

    /// The histogram minimum as a threshold for secondary suppression; it is
    /// at least 2k >= 6, so always a valid one.
    pub(crate) fn histogram_threshold(&self) -> Threshold {
        Threshold::new(self.histogram_minimum).unwrap_or(self.k)
    }
}

/// What publishing one key of one week gives: the released cells, and the ε
/// each unit's released cell spent (for the ledger).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyRelease {
    /// The released cells, organisation first, then each department followed by its teams.
    pub cells: Vec<PublishedCell>,
    /// (unit id, ε spent by its released cell).
    pub spent: Vec<(String, f64)>,
}

/// A unit whose cell of one key is released: the organisation, a
/// department or a team, with the teams it sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleasedUnit<'tree> {
    /// The unit.
    pub unit_id: &'tree str,
    /// The teams whose sums make the unit's.
    pub teams: Vec<&'tree str>,
    /// Whether its sd and histogram are released too.
    pub with_histogram: bool,
}

/// Which units of `tree` release one key, from each team's count of it:
/// the organisation, then each department followed by its teams, under the
/// k rule and secondary suppression, with the spread only from the histogram
/// minimum (under its own secondary suppression). The one decision of both
/// modes: one server decides on its exact counts, two servers on the counts
/// they opened together.
pub fn released_units<'tree>(
    tree: &'tree OrganisationTree,
    team_count: &dyn Fn(&str) -> u32,
    rules: &ReleaseRules,
) -> Vec<ReleasedUnit<'tree>> {
    let counts = HierarchyCounts {
        teams_by_department: tree
            .departments
            .iter()
            .map(|department| department.teams.iter().map(|team| team_count(&team.id)).collect())
            .collect(),
    };
    let disclosure = suppress_hierarchy(&counts, rules.k);
    // The spread (sd and histogram) goes through the same secondary
    // suppression at its own minimum: otherwise a department's histogram
    // minus a team's would give a sibling team's histogram below it.
    let spread_disclosure = suppress_hierarchy(&counts, rules.histogram_threshold());
    let mut units = Vec::new();
    let mut consider = |unit_id: &'tree str, teams: Vec<&'tree str>, released: bool, spread: bool| {
        // Summed wide: in two-server mode the counts were opened with the other server.
        let n: u64 = teams.iter().map(|team| u64::from(team_count(team))).sum();
        if released && n >= u64::from(rules.k.get()) {
            let with_histogram = spread && n >= u64::from(rules.histogram_minimum);
            units.push(ReleasedUnit { unit_id, teams, with_histogram });
        }
    };
    let all_teams: Vec<&str> = tree
        .departments
        .iter()
        .flat_map(|department| department.teams.iter().map(|team| team.id.as_str()))
        .collect();
    consider(
        &tree.organisation.id,
        all_teams,
        disclosure.organisation.is_released(),
        spread_disclosure.organisation.is_released(),
    );
    for (position, department) in tree.departments.iter().enumerate() {
        consider(
            &department.id,
            department.teams.iter().map(|team| team.id.as_str()).collect(),
            disclosure.departments[position].is_released(),
            spread_disclosure.departments[position].is_released(),
        );
        for (team_position, team) in department.teams.iter().enumerate() {
            consider(
                &team.id,
                vec![team.id.as_str()],
                disclosure.teams_by_department[position][team_position].is_released(),
                spread_disclosure.teams_by_department[position][team_position].is_released(),
            );
        }
    }
    units
}

/// Publishes one key of one asked `week`: the organisation's, departments'
/// and teams' cells from the teams' `aggregates` (of this key and week),
/// under `rules`, drawing noise from `random`.
pub fn publish_key(
    tree: &OrganisationTree,
    aggregates: &[&TeamAggregate],
    key_label: &str,
    week: IsoWeek,
    rules: ReleaseRules,
    random: &mut dyn RandomBits,
) -> KeyRelease {
    let mut by_team: HashMap<&str, Sums> = HashMap::new();
    for aggregate in aggregates {
        by_team.entry(aggregate.team_id.as_str()).or_default().add(&Sums {
            n: aggregate.n,
            sum: aggregate.sum,
            sum_squares: aggregate.sum_squares,
            histogram: aggregate.histogram.clone(),
        });
    }
    let team_count = |team: &str| by_team.get(team).map_or(0, |sums| sums.n);
    let mut release = KeyRelease::default();
    for unit in released_units(tree, &team_count, &rules) {
        let mut sums = Sums::default();
        for team in &unit.teams {
            if let Some(team_sums) = by_team.get(team) {
                sums.add(team_sums);
            }
        }
        let (figures, spent) = released_figures(&sums, rules, unit.with_histogram, random);
        release.cells.push(published_cell(week, key_label, unit.unit_id, figures));
        release.spent.push((unit.unit_id.to_owned(), spent));
    }
    release
}

/// The stored cell of released `figures`.
pub fn published_cell(week: IsoWeek, key_label: &str, unit_id: &str, figures: NoisyFigures) -> PublishedCell {
    PublishedCell {
        week,
        key: key_label.to_owned(),
        unit_id: unit_id.to_owned(),
        n: figures.n,
        mean: figures.mean,
        sd: figures.sd,
        histogram: figures.histogram,
    }
}

/// A released cell's figures, exact or noised, and the ε they spent.
pub(crate) fn released_figures(
    sums: &Sums,
    rules: ReleaseRules,
    with_histogram: bool,
    random: &mut dyn RandomBits,
) -> (NoisyFigures, f64) {
    if let Some(noise) = rules.noise {
        let exact = ExactFigures { n: sums.n, sum: sums.sum, histogram: &sums.histogram };
        let figures = noise.noisy_cell(exact, rules.k.get(), with_histogram, random);
        return (figures, noise.epsilon_spent(with_histogram));
    }
    // A released cell has n >= k >= 3, so the divisions are safe.
    let n = f64::from(sums.n);
    let mean = sums.sum / n;
    let variance = ((sums.sum_squares - sums.sum * sums.sum / n) / (n - 1.0)).max(0.0);
    let figures = NoisyFigures {
        n: sums.n,
        mean,
        sd: with_histogram.then(|| variance.sqrt()),
        histogram: with_histogram.then(|| sums.histogram.clone()),
    };
    (figures, 0.0)
}

/// Every unit's cell (organisation, departments, teams) for every week of
/// `weeks`, all published, and the one key whose stored cells are
/// `published`. `key_label` is the key as the client named it. Weeks come in
/// order; within a week the organisation, then each department followed by
/// its teams. A unit without a stored cell in an asked week was not released.
/// The eNPS and the burnout share come from each cell's released histogram
/// ([`crate::derived`]), so they are withheld exactly when it is.
pub fn cells_from_snapshot(
    tree: &OrganisationTree,
    published: &[PublishedCell],
    key_label: &str,
    weeks: RangeInclusive<IsoWeek>,
    asked: &dyn Fn(IsoWeek) -> bool,
) -> Vec<AggregateCell> {
    cells_of_units(tree, published, key_label, weeks, asked, &|_, _| true)
}

/// [`cells_from_snapshot`] for the units `keep` keeps only (by kind and id),
/// so a read of one level builds no cell of the others.
pub fn cells_of_units(
    tree: &OrganisationTree,
    published: &[PublishedCell],
    key_label: &str,
    weeks: RangeInclusive<IsoWeek>,
    asked: &dyn Fn(IsoWeek) -> bool,
    keep: &dyn Fn(UnitKind, &str) -> bool,
) -> Vec<AggregateCell> {
    let by_unit_and_week: HashMap<(&str, i64), &PublishedCell> =
        published.iter().map(|cell| ((cell.unit_id.as_str(), cell.week.index()), cell)).collect();
    let bank = ItemBank::embedded();
    let mut units = unit_list(tree);
    units.retain(|&(unit_kind, unit_id, _)| keep(unit_kind, unit_id));
    let mut cells = Vec::with_capacity(
        units.len() * usize::try_from(weeks.end().index() - weeks.start().index() + 1).unwrap_or(0),
    );
    for week_index in weeks.start().index()..=weeks.end().index() {
        let week = IsoWeek::from_index(week_index);
        let week_asked = asked(week);
        let week_text = week.to_string();
        for &(unit_kind, unit_id, unit_name) in &units {
            let stored = if week_asked { by_unit_and_week.get(&(unit_id, week_index)) } else { None };
            let histogram = stored.and_then(|cell| cell.histogram.clone());
            let (enps, burnout_share) = derived_figures(bank, key_label, histogram.as_deref());
            cells.push(AggregateCell {
                unit_kind,
                unit_id: unit_id.to_owned(),
                unit_name: unit_name.to_owned(),
                week: week_text.clone(),
                key: key_label.to_owned(),
                asked: week_asked,
                released: stored.is_some(),
                n: stored.map(|cell| cell.n),
                mean: stored.map(|cell| cell.mean),
                sd: stored.and_then(|cell| cell.sd),
                histogram,
                enps,
                burnout_share,
                item_id: None,
                standardised_mean: None,
            });
        }
    }
    cells
}

/// Every unit of `tree` in the order cells come within a week: the
/// organisation, then each department followed by its teams.
pub(crate) fn unit_list(tree: &OrganisationTree) -> Vec<(UnitKind, &str, &str)> {
    let mut units =
        vec![(UnitKind::Organisation, tree.organisation.id.as_str(), tree.organisation.name.as_str())];
    for department in &tree.departments {
        units.push((UnitKind::Department, department.id.as_str(), department.name.as_str()));
        for team in &department.teams {
            units.push((UnitKind::Team, team.id.as_str(), team.name.as_str()));
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DepartmentNode, Organisation, TeamNode};

    fn tree() -> OrganisationTree {
        let team = |id: &str| TeamNode { id: id.to_owned(), name: id.to_owned(), headcount: None };
        OrganisationTree {
            organisation: Organisation {
                id: "org".to_owned(),
                name: "Org".to_owned(),
                seed: 1,
                k: Threshold::DEFAULT,
                privacy: Default::default(),
                questionnaire: polso_core::questionnaire::QuestionnairePlan::legacy(),
            },
            departments: vec![
                DepartmentNode {
                    id: "d1".to_owned(),
                    name: "d1".to_owned(),
                    teams: vec![team("t1"), team("t2")],
                },
                DepartmentNode { id: "d2".to_owned(), name: "d2".to_owned(), teams: vec![team("t3")] },
            ],
        }
    }

    fn aggregate(team_id: &str, week: IsoWeek, values: &[f64]) -> TeamAggregate {
        let mut histogram = vec![0; 5];
        for value in values {
            histogram[*value as usize - 1] += 1;
        }
        TeamAggregate {
            team_id: team_id.to_owned(),
            week,
            key: "item:x".to_owned(),
            n: values.len() as u32,
            sum: values.iter().sum(),
            sum_squares: values.iter().map(|value| value * value).sum(),
            histogram,
        }
    }

    fn exact_rules() -> ReleaseRules {
        ReleaseRules::new(Threshold::DEFAULT, 0, None)
    }

    /// Publishes every week of `weeks` for key "x" and reads them back.
    fn publish_and_read(
        aggregates: &[TeamAggregate],
        weeks: RangeInclusive<IsoWeek>,
        asked: &dyn Fn(IsoWeek) -> bool,
        rules: ReleaseRules,
    ) -> Vec<AggregateCell> {
        let tree = tree();
        let mut random = crate::privacy::PublicationRandomness::from_key([5; 32]);
        let mut published = Vec::new();
        for index in weeks.start().index()..=weeks.end().index() {
            let week = IsoWeek::from_index(index);
            if !asked(week) {
                continue;
            }
            let of_week: Vec<&TeamAggregate> = aggregates.iter().filter(|a| a.week == week).collect();
            published.extend(publish_key(&tree, &of_week, "x", week, rules, &mut random).cells);
        }
        cells_from_snapshot(&tree, &published, "x", weeks, asked)
    }

    #[test]
    fn suppressed_cells_carry_no_values_and_released_ones_carry_all() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        let aggregates = vec![
            aggregate("t1", week, &[1.0, 2.0, 3.0, 4.0, 5.0, 5.0]),
            aggregate("t2", week, &[2.0, 2.0]),
            aggregate("t3", week, &[3.0, 3.0, 3.0, 3.0, 3.0]),
        ];
        let cells = publish_and_read(&aggregates, week..=week, &|_| true, exact_rules());
        let by_id: HashMap<&str, &AggregateCell> =
            cells.iter().map(|cell| (cell.unit_id.as_str(), cell)).collect();
        assert_eq!(cells.len(), 6);

        // t2 has 2 < 5; t1 goes with it so d1 - t1 does not give t2 away.
        for id in ["t1", "t2"] {
            let cell = by_id[id];
            assert!(!cell.released, "{id}");
            assert_eq!(
                (cell.n, cell.mean, cell.sd, cell.histogram.as_ref()),
                (None, None, None, None),
                "{id}"
            );
        }
        let department = by_id["d1"];
        assert!(department.released);
        assert_eq!(department.n, Some(8));
        assert!((department.mean.unwrap() - 24.0 / 8.0).abs() < 1e-9);
        // 8 < 2k: the mean leaves, the spread does not.
        assert_eq!((department.sd, department.histogram.as_ref()), (None, None));
        let organisation = by_id["org"];
        assert_eq!(organisation.n, Some(13));
        assert_eq!(organisation.histogram, Some(vec![1, 3, 6, 1, 2]));
        assert!(organisation.sd.is_some());
    }

    #[test]
    fn a_unanimous_cell_at_k_shows_no_histogram_and_no_sd() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        let aggregates: Vec<TeamAggregate> =
            ["t1", "t2", "t3"].map(|team| aggregate(team, week, &[4.0; 5])).into_iter().collect();
        let cells = publish_and_read(&aggregates, week..=week, &|_| true, exact_rules());
        for cell in cells.iter().filter(|cell| cell.unit_kind == UnitKind::Team) {
            assert!(cell.released);
            assert_eq!((cell.sd, cell.histogram.as_ref()), (None, None), "{cell:?}");
        }
        let organisation = &cells[0];
        assert_eq!(organisation.n, Some(15));
        assert_eq!(organisation.histogram, Some(vec![0, 0, 0, 15, 0]));
        // The minimum is never below 2k, whatever is configured.
        assert_eq!(ReleaseRules::new(Threshold::DEFAULT, 3, None).histogram_minimum, 10);
        assert_eq!(ReleaseRules::new(Threshold::DEFAULT, 25, None).histogram_minimum, 25);
    }

    #[test]
    fn a_histogram_below_the_minimum_is_not_left_to_subtraction() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        // t2 has 6 reports: enough for its mean, not for its spread. d1's
        // histogram minus t1's would give t2's, so one of them keeps none.
        let aggregates = vec![
            aggregate("t1", week, &[1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
            aggregate("t2", week, &[5.0, 5.0, 5.0, 5.0, 5.0, 4.0]),
            aggregate("t3", week, &[3.0; 10]),
        ];
        let cells = publish_and_read(&aggregates, week..=week, &|_| true, exact_rules());
        let by_id: HashMap<&str, &AggregateCell> =
            cells.iter().map(|cell| (cell.unit_id.as_str(), cell)).collect();
        assert!(["t1", "t2", "d1"].iter().all(|id| by_id[id].released && by_id[id].mean.is_some()));
        assert_eq!((by_id["t2"].sd, by_id["t2"].histogram.as_ref()), (None, None));
        let spread = |id: &str| by_id[id].histogram.is_some() || by_id[id].sd.is_some();
        assert!(!(spread("d1") && spread("t1")), "d1 − t1 would give t2's histogram: {cells:?}");
    }

    #[test]
    fn the_burnout_share_comes_from_the_released_histogram_and_is_withheld_with_it() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        // burnout.1 is answered 1–5, like the helper's histograms. t2's 6
        // reports are below the histogram minimum (2k = 10).
        let aggregates = [
            aggregate("t1", week, &[1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
            aggregate("t2", week, &[5.0, 5.0, 5.0, 5.0, 5.0, 4.0]),
            aggregate("t3", week, &[1.0; 10]),
        ];
        let refs: Vec<&TeamAggregate> = aggregates.iter().collect();
        let tree = tree();
        let mut random = crate::privacy::PublicationRandomness::from_key([5; 32]);
        let published = publish_key(&tree, &refs, "burnout.1", week, exact_rules(), &mut random).cells;
        let cells = cells_from_snapshot(&tree, &published, "burnout.1", week..=week, &|_| true);
        let by_id: HashMap<&str, &AggregateCell> =
            cells.iter().map(|cell| (cell.unit_id.as_str(), cell)).collect();
        // The organisation: 6 of t1's 10 and all 6 of t2's at 3 or more, of 26.
        let organisation = by_id["org"];
        assert_eq!(organisation.histogram, Some(vec![12, 2, 2, 3, 7]));
        assert!((organisation.burnout_share.unwrap() - 12.0 / 26.0 * 100.0).abs() < 1e-9, "{organisation:?}");
        assert_eq!(organisation.enps, None);
        assert!((by_id["t3"].burnout_share.unwrap() - 0.0).abs() < 1e-12);
        // A released mean without its histogram has no share either.
        let small = by_id["t2"];
        assert!(small.released && small.mean.is_some());
        assert_eq!((small.histogram.as_ref(), small.burnout_share), (None, None));
        for cell in &cells {
            assert_eq!(cell.histogram.is_some(), cell.burnout_share.is_some(), "{cell:?}");
        }
    }

    #[test]
    fn noised_cells_spend_epsilon_and_report_it_per_unit() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        let aggregates: Vec<TeamAggregate> =
            ["t1", "t2", "t3"].map(|team| aggregate(team, week, &[4.0; 12])).into_iter().collect();
        let noise = CellNoise::new("3".parse().unwrap(), crate::privacy::ValueScale::Item { min: 1, max: 5 });
        let rules = ReleaseRules::new(Threshold::DEFAULT, 0, Some(noise));
        let mut random = crate::privacy::PublicationRandomness::from_key([6; 32]);
        let refs: Vec<&TeamAggregate> = aggregates.iter().collect();
        let release = publish_key(&tree(), &refs, "x", week, rules, &mut random);
        assert_eq!(release.cells.len(), 6);
        assert_eq!(release.spent.len(), 6);
        // 12 >= 2k: count, sum and histogram each spend a third of ε = 3.
        assert!(release.spent.iter().all(|(_, spent)| (spent - 3.0).abs() < 1e-12), "{:?}", release.spent);
    }

    #[test]
    fn weeks_without_data_are_listed_as_not_released() {
        let from: IsoWeek = "2026-W45".parse().unwrap();
        let to: IsoWeek = "2026-W47".parse().unwrap();
        let cells = publish_and_read(&[], from..=to, &|_| true, exact_rules());
        assert_eq!(cells.len(), 18);
        assert!(cells.iter().all(|cell| cell.asked && !cell.released && cell.n.is_none()));
        assert_eq!(cells[0].week, "2026-W45");
        assert_eq!(cells[17].week, "2026-W47");
    }

    #[test]
    fn a_week_not_asked_is_marked_so_and_carries_nothing_whatever_was_stored() {
        let asked_week: IsoWeek = "2026-W46".parse().unwrap();
        let other_week: IsoWeek = "2026-W47".parse().unwrap();
        let many = [3.0; 6];
        let aggregates: Vec<TeamAggregate> = [asked_week, other_week]
            .into_iter()
            .flat_map(|week| ["t1", "t2", "t3"].map(|team| aggregate(team, week, &many)))
            .collect();
        let asked = |week: IsoWeek| week == asked_week;
        let cells = publish_and_read(&aggregates, asked_week..=other_week, &asked, exact_rules());
        assert_eq!(cells.len(), 12);
        let (first, second) = cells.split_at(6);
        assert!(first.iter().all(|cell| cell.asked && cell.released), "{first:?}");
        let ids: Vec<&str> = second.iter().map(|cell| cell.unit_id.as_str()).collect();
        assert_eq!(ids, ["org", "d1", "t1", "t2", "d2", "t3"]);
        for cell in second {
            assert_eq!(cell.week, "2026-W47");
            assert!(!cell.asked && !cell.released, "{cell:?}");
            assert_eq!((cell.n, cell.mean, cell.sd, cell.histogram.as_ref()), (None, None, None, None));
        }
    }

    #[test]
    fn is_asked_follows_the_organisations_schedule() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::new(bank, 7);
        let week: IsoWeek = "2026-W47".parse().unwrap();
        let items = schedule.items_for_week(week);
        let asked_item = items[0].as_str();
        assert!(is_asked(bank, &schedule, ScheduledKey::Item(asked_item), week));
        let metric = bank.item(asked_item).unwrap().metric;
        assert!(is_asked(bank, &schedule, ScheduledKey::Metric(metric), week));
        let not_asked = bank.items().iter().find(|item| !items.contains(&item.id)).unwrap();
        assert!(!is_asked(bank, &schedule, ScheduledKey::Item(not_asked.id.as_str()), week));
        let unasked_metric = Metric::ALL
            .into_iter()
            .find(|&metric| !items.iter().any(|id| bank.item(id.as_str()).unwrap().metric == metric));
        assert!(!is_asked(bank, &schedule, ScheduledKey::Metric(unasked_metric.unwrap()), week));
    }
}
