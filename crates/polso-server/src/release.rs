//! Turning stored team sums into the cells HR may see: departments and the
//! organisation are summed from their teams, the core's secondary suppression
//! decides what is released for each (week, key), and a cell that is not
//! released leaves with no values at all. A week the organisation's schedule
//! did not ask the key gives cells marked `asked: false`, never released; the
//! schedule is public per organisation, so saying so reveals nothing.
//!
//! This is the only way aggregates leave the server; every read path (the
//! API today, exports later) goes through [`release_cells`].

use std::collections::HashMap;
use std::ops::RangeInclusive;

use polso_api::{AggregateCell, UnitKind};
use polso_core::anonymity::{HierarchyCounts, Threshold, suppress_hierarchy};
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_core::{IsoWeek, Metric};

use crate::privacy::{CellIdentity, CellNoise, ExactFigures};
use crate::store::{OrganisationTree, TeamAggregate};

/// Sums of one unit for one week and key.
#[derive(Debug, Clone, Default, PartialEq)]
struct Sums {
    n: u32,
    sum: f64,
    sum_squares: f64,
    histogram: Vec<u32>,
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
}

/// Whether the organisation's `schedule` asked `key` in `week`: a metric
/// when the week asks any of its items.
pub fn is_asked(bank: &ItemBank, schedule: &Schedule, key: ScheduledKey<'_>, week: IsoWeek) -> bool {
    match key {
        ScheduledKey::Item(item_id) => schedule.asks_item(week, item_id),
        ScheduledKey::Metric(metric) => schedule.asks_metric(bank, week, metric),
    }
}

/// Every unit's cell (organisation, departments, teams) for every week of
/// `weeks` and the one key whose team sums are `aggregates`, under `k`.
/// `key_label` is the key as the client named it. Weeks come in order; within
/// a week the organisation, then each department followed by its teams.
///
/// `asked` tells whether the organisation's schedule asked the key in a week.
/// A week it did not ask gives cells with `asked: false` and no values,
/// whatever was stored for it; the weeks it asked are decided exactly as
/// before, by the k rule and secondary suppression over that week alone.
///
/// With `noise` (the organisation's differential privacy is on) released
/// cells carry its noise; which cells are released is decided on the exact
/// counts either way.
pub fn release_cells(
    tree: &OrganisationTree,
    aggregates: &[TeamAggregate],
    key_label: &str,
    weeks: RangeInclusive<IsoWeek>,
    asked: &dyn Fn(IsoWeek) -> bool,
    k: Threshold,
    noise: Option<&CellNoise>,
) -> Vec<AggregateCell> {
    let mut by_team_and_week: HashMap<(&str, i64), Sums> = HashMap::new();
    for aggregate in aggregates {
        by_team_and_week.entry((aggregate.team_id.as_str(), aggregate.week.index())).or_default().add(
            &Sums {
                n: aggregate.n,
                sum: aggregate.sum,
                sum_squares: aggregate.sum_squares,
                histogram: aggregate.histogram.clone(),
            },
        );
    }

    let empty = Sums::default();
    let mut cells = Vec::new();
    for week_index in weeks.start().index()..=weeks.end().index() {
        let week = IsoWeek::from_index(week_index);
        if !asked(week) {
            cells.extend(unit_list(tree).into_iter().map(|(unit_kind, unit_id, unit_name)| AggregateCell {
                unit_kind,
                unit_id: unit_id.to_owned(),
                unit_name: unit_name.to_owned(),
                week: week.to_string(),
                key: key_label.to_owned(),
                asked: false,
                released: false,
                n: None,
                mean: None,
                sd: None,
                histogram: None,
            }));
            continue;
        }
        let team_sums: Vec<Vec<&Sums>> = tree
            .departments
            .iter()
            .map(|department| {
                department
                    .teams
                    .iter()
                    .map(|team| by_team_and_week.get(&(team.id.as_str(), week_index)).unwrap_or(&empty))
                    .collect()
            })
            .collect();
        let counts = HierarchyCounts {
            teams_by_department: team_sums
                .iter()
                .map(|teams| teams.iter().map(|sums| sums.n).collect())
                .collect(),
        };
        let disclosure = suppress_hierarchy(&counts, k);

        let department_sums: Vec<Sums> = team_sums
            .iter()
            .map(|teams| {
                let mut total = Sums::default();
                teams.iter().for_each(|sums| total.add(sums));
                total
            })
            .collect();
        let mut organisation_sums = Sums::default();
        department_sums.iter().for_each(|sums| organisation_sums.add(sums));

        let cell = |unit_kind, unit_id: &str, unit_name: &str, sums: &Sums, released: bool| {
            let identity = CellIdentity { unit_id, week, key: key_label };
            cell(unit_kind, unit_name, identity, sums, released.then_some(k), noise)
        };
        cells.push(cell(
            UnitKind::Organisation,
            &tree.organisation.id,
            &tree.organisation.name,
            &organisation_sums,
            disclosure.organisation.is_released(),
        ));
        for (position, department) in tree.departments.iter().enumerate() {
            cells.push(cell(
                UnitKind::Department,
                &department.id,
                &department.name,
                &department_sums[position],
                disclosure.departments[position].is_released(),
            ));
            for (team_position, team) in department.teams.iter().enumerate() {
                cells.push(cell(
                    UnitKind::Team,
                    &team.id,
                    &team.name,
                    team_sums[position][team_position],
                    disclosure.teams_by_department[position][team_position].is_released(),
                ));
            }
        }
    }
    cells
}

/// Every unit of `tree` in the order cells come within a week: the
/// organisation, then each department followed by its teams.
fn unit_list(tree: &OrganisationTree) -> Vec<(UnitKind, &str, &str)> {
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

/// One cell of an asked week; its values only when released (`released_under` holds k then),
/// noised when `noise` is given.
fn cell(
    unit_kind: UnitKind,
    unit_name: &str,
    identity: CellIdentity<'_>,
    sums: &Sums,
    released_under: Option<Threshold>,
    noise: Option<&CellNoise>,
) -> AggregateCell {
    let mut cell = AggregateCell {
        unit_kind,
        unit_id: identity.unit_id.to_owned(),
        unit_name: unit_name.to_owned(),
        week: identity.week.to_string(),
        key: identity.key.to_owned(),
        asked: true,
        released: released_under.is_some(),
        n: None,
        mean: None,
        sd: None,
        histogram: None,
    };
    // A released cell has n >= k >= 3, so the divisions below are safe; the
    // guard keeps them so even if a caller got that wrong.
    if let (Some(k), Some(noise), true) = (released_under, noise, sums.n >= 2) {
        let exact = ExactFigures { n: sums.n, sum: sums.sum, histogram: &sums.histogram };
        let figures = noise.noisy_cell(identity, exact, k.get());
        cell.n = Some(figures.n);
        cell.mean = Some(figures.mean);
        cell.sd = Some(figures.sd);
        cell.histogram = Some(figures.histogram);
    } else if released_under.is_some() && sums.n >= 2 {
        let n = f64::from(sums.n);
        let mean = sums.sum / n;
        let variance = ((sums.sum_squares - sums.sum * sums.sum / n) / (n - 1.0)).max(0.0);
        cell.n = Some(sums.n);
        cell.mean = Some(mean);
        cell.sd = Some(variance.sqrt());
        cell.histogram = Some(sums.histogram.clone());
    } else {
        cell.released = false;
    }
    cell
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DepartmentNode, Organisation, TeamNode};

    fn tree() -> OrganisationTree {
        let team = |id: &str| TeamNode { id: id.to_owned(), name: id.to_owned() };
        OrganisationTree {
            organisation: Organisation {
                id: "org".to_owned(),
                name: "Org".to_owned(),
                seed: 1,
                k: Threshold::DEFAULT,
                privacy: Default::default(),
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

    #[test]
    fn suppressed_cells_carry_no_values_and_released_ones_carry_all() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        let aggregates = vec![
            aggregate("t1", week, &[1.0, 2.0, 3.0, 4.0, 5.0, 5.0]),
            aggregate("t2", week, &[2.0, 2.0]),
            aggregate("t3", week, &[3.0, 3.0, 3.0, 3.0, 3.0]),
        ];
        let cells =
            release_cells(&tree(), &aggregates, "x", week..=week, &|_| true, Threshold::DEFAULT, None);
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
        assert_eq!(department.histogram, Some(vec![1, 3, 1, 1, 2]));
        assert!((department.mean.unwrap() - 24.0 / 8.0).abs() < 1e-9);
        let team = by_id["t3"];
        assert_eq!((team.n, team.mean, team.sd), (Some(5), Some(3.0), Some(0.0)));
        assert_eq!(by_id["org"].n, Some(13));
    }

    #[test]
    fn weeks_without_data_are_listed_as_not_released() {
        let from: IsoWeek = "2026-W45".parse().unwrap();
        let to: IsoWeek = "2026-W47".parse().unwrap();
        let cells = release_cells(&tree(), &[], "x", from..=to, &|_| true, Threshold::DEFAULT, None);
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
        let cells = release_cells(
            &tree(),
            &aggregates,
            "x",
            asked_week..=other_week,
            &asked,
            Threshold::DEFAULT,
            None,
        );
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
