//! What one week's publication is made of, whoever computes it: the server's publication
//! settings, the keys a week publishes by the organisation's schedule ([`WeekKeys`]), the metric
//! cell an item's cell stands for, and the publication assembled from each key's release
//! ([`assemble_publication`]), which the one-server path ([`week_publication`]) and the
//! two-server path (`shared_release`) both end with. The publishing itself, once and in
//! turn, is [`crate::publish`]'s.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use polso_core::bank::ItemBank;
use polso_core::collection::CollectionWindow;
use polso_core::dp::RandomBits;
use polso_core::schedule::Schedule;
use polso_core::{IsoWeek, Item, Metric, Scale};

use crate::privacy::METRIC_HISTOGRAM_BINS;
use crate::privacy::{CellNoise, ValueScale};
use crate::release::{KeyRelease, ReleaseRules, publish_key};
use crate::report::{NOT_APPLICABLE_PREFIX, item_key, metric_key, not_applicable_key};
use crate::store::{OrganisationTree, PublishedCell, TeamAggregate, WeekPublication};

/// How weeks are published: the server's settings, never a request's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicationSettings {
    /// When a week's collection window closes.
    pub window: CollectionWindow,
    /// The configured minimum count for a released sd and histogram; raised
    /// to 2k when lower.
    pub histogram_minimum: u32,
}

/// The 0–100 metric cell that one item's published `cell` stands for, when
/// the week scores `metric` from that item alone: the same count, the mean
/// and sd rescaled (and turned around for a reversed item), each point of the
/// histogram moved to the score bin it scores in. Post-processing of a
/// released cell: it reveals nothing more and spends no budget.
pub fn metric_cell_of_item_cell(
    cell: &PublishedCell,
    metric: Metric,
    scale: &Scale,
    reverse: bool,
) -> PublishedCell {
    let range = f64::from(scale.max.saturating_sub(scale.min)).max(1.0);
    let to_score = |value: f64| {
        let steps = if reverse { f64::from(scale.max) - value } else { value - f64::from(scale.min) };
        (steps / range * 100.0).clamp(0.0, 100.0)
    };
    let histogram = cell.histogram.as_ref().map(|points| {
        let mut bins = vec![0u32; METRIC_HISTOGRAM_BINS];
        for (point, &count) in points.iter().enumerate() {
            let score = to_score(f64::from(scale.min) + point as f64);
            // The score is within 0..=100, so the cast is exact.
            let bin = ((score / 10.0).floor() as usize).min(METRIC_HISTOGRAM_BINS - 1);
            bins[bin] = bins[bin].saturating_add(count);
        }
        bins
    });
    PublishedCell {
        week: cell.week,
        key: metric.key().to_owned(),
        unit_id: cell.unit_id.clone(),
        n: cell.n,
        mean: to_score(cell.mean),
        sd: cell.sd.map(|sd| sd / range * 100.0),
        histogram,
    }
}

/// The keys one week publishes, by the organisation's schedule.
#[derive(Debug, Clone)]
pub struct WeekKeys<'bank> {
    /// The items the week asked.
    asked_items: Vec<polso_core::ItemId>,
    /// (key as clients name it, key as stored, its scale), each released on its own.
    pub keys: Vec<(String, String, ValueScale)>,
    /// The metrics scored from one item: derived from its released cell.
    derived_metrics: Vec<(Metric, &'bank Item)>,
}

impl<'bank> WeekKeys<'bank> {
    /// The keys of `week` under `schedule`: every asked item; every metric
    /// the week scores from several items (a metric scored from one item is
    /// that item's cell on the 0–100 scale, derived, so it spends no budget
    /// and no one can average two separately noised releases of the same
    /// answers); and the "not applicable" count of every asked metric with
    /// an item allowing it (every contribution is 1).
    pub fn new(bank: &'bank ItemBank, schedule: &Schedule, week: IsoWeek) -> WeekKeys<'bank> {
        let asked_items = schedule.items_for_week(week);
        let asked_metrics: BTreeSet<Metric> =
            asked_items.iter().filter_map(|item| bank.item(item.as_str()).map(|item| item.metric)).collect();
        let mut keys: Vec<(String, String, ValueScale)> = Vec::new();
        for item in &asked_items {
            if let Some(scale) = ValueScale::of_key(bank, item.as_str()) {
                keys.push((item.as_str().to_owned(), item_key(item.as_str()), scale));
            }
        }
        let mut derived_metrics: Vec<(Metric, &Item)> = Vec::new();
        for metric in &asked_metrics {
            let items: Vec<&Item> = asked_items
                .iter()
                .filter_map(|id| bank.item(id.as_str()))
                .filter(|item| item.metric == *metric)
                .collect();
            match items.as_slice() {
                [only] => derived_metrics.push((*metric, only)),
                _ => keys.push((metric.key().to_owned(), metric_key(*metric), ValueScale::Score)),
            }
        }
        for metric in &asked_metrics {
            let allows_it = asked_items.iter().any(|id| {
                bank.item(id.as_str()).is_some_and(|item| item.metric == *metric)
                    && schedule.allows_not_applicable(bank, week, id.as_str())
            });
            if allows_it {
                let key = not_applicable_key(*metric);
                keys.push((key.clone(), key, ValueScale::Item { min: 1, max: 1 }));
            }
        }
        WeekKeys { asked_items, keys, derived_metrics }
    }
}

/// Everything one week's publication stores: the released cells of every key
/// the week asked (by the organisation's `schedule`), and the ε spent on each
/// team's people.
pub fn week_publication(
    tree: &OrganisationTree,
    schedule: &Schedule,
    aggregates: &[TeamAggregate],
    week: IsoWeek,
    settings: PublicationSettings,
    now: DateTime<Utc>,
    random: &mut dyn RandomBits,
) -> WeekPublication {
    let organisation = &tree.organisation;
    let week_keys = WeekKeys::new(ItemBank::embedded(), schedule, week);
    let releases = week_keys
        .keys
        .iter()
        .map(|(key_label, stored_key, scale)| {
            let of_key: Vec<&TeamAggregate> =
                aggregates.iter().filter(|aggregate| &aggregate.key == stored_key).collect();
            let noise = organisation.privacy.epsilon.map(|epsilon| CellNoise::new(epsilon, *scale));
            let rules = ReleaseRules::new(organisation.k, settings.histogram_minimum, noise);
            (key_label.clone(), publish_key(tree, &of_key, key_label, week, rules, random))
        })
        .collect();
    assemble_publication(tree, &week_keys, releases, week, now)
}

/// The publication of `week` from each key's release (by key label): the
/// cells, the metrics derived from single items, and the ledger. Both modes
/// end here.
pub fn assemble_publication(
    tree: &OrganisationTree,
    week_keys: &WeekKeys<'_>,
    releases: Vec<(String, KeyRelease)>,
    week: IsoWeek,
    now: DateTime<Utc>,
) -> WeekPublication {
    let organisation = &tree.organisation;
    let bank = ItemBank::embedded();
    let mut cells = Vec::new();
    let mut spent_by_unit: HashMap<String, f64> = HashMap::new();
    // What each item key spent in each unit, and each "not applicable" count.
    let mut spent_by_item: HashMap<(String, String), f64> = HashMap::new();
    let mut not_applicable_spent: Vec<(Metric, String, f64)> = Vec::new();
    for (key_label, KeyRelease { cells: key_cells, spent }) in releases {
        cells.extend(key_cells);
        let not_applicable_of = key_label.strip_prefix(NOT_APPLICABLE_PREFIX).and_then(Metric::from_key);
        for (unit_id, epsilon) in spent {
            match not_applicable_of {
                Some(metric) => not_applicable_spent.push((metric, unit_id, epsilon)),
                None => {
                    *spent_by_item.entry((key_label.clone(), unit_id.clone())).or_default() += epsilon;
                    *spent_by_unit.entry(unit_id).or_default() += epsilon;
                }
            }
        }
    }
    // A "not applicable" count covers the people who marked every asked item
    // of its metric, the item cells the people who answered them: no report
    // is in both, and which one a report is in depends on that report alone,
    // so by parallel composition the pair spends the larger of the two. The
    // count is charged for what it spent beyond its items' cells in the unit
    // (all of it where the item cell was withheld).
    for (metric, unit_id, epsilon) in not_applicable_spent {
        let items_spent: f64 = week_keys
            .asked_items
            .iter()
            .filter(|id| bank.item(id.as_str()).is_some_and(|item| item.metric == metric))
            .filter_map(|id| spent_by_item.get(&(id.as_str().to_owned(), unit_id.clone())))
            .sum();
        *spent_by_unit.entry(unit_id).or_default() += (epsilon - items_spent).max(0.0);
    }
    let derived: Vec<PublishedCell> = week_keys
        .derived_metrics
        .iter()
        .flat_map(|(metric, item)| {
            let scale = bank.scale_of(item);
            cells
                .iter()
                .filter(|cell| cell.key == item.id.as_str())
                .map(|cell| metric_cell_of_item_cell(cell, *metric, scale, item.reverse))
                .collect::<Vec<_>>()
        })
        .collect();
    cells.extend(derived);

    // Each person of a team is covered by the team's cells, its department's
    // and the organisation's: the ledger charges all three.
    let organisation_spent = spent_by_unit.get(&organisation.id).copied().unwrap_or(0.0);
    let mut ledger = Vec::new();
    for department in &tree.departments {
        let department_spent = spent_by_unit.get(&department.id).copied().unwrap_or(0.0);
        for team in &department.teams {
            let team_spent = spent_by_unit.get(&team.id).copied().unwrap_or(0.0);
            ledger.push((team.id.clone(), organisation_spent + department_spent + team_spent));
        }
    }
    WeekPublication {
        week,
        published_at: now,
        k: organisation.k,
        epsilon: organisation.privacy.epsilon,
        cells,
        ledger,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item_cell(mean: f64, sd: Option<f64>, histogram: Option<Vec<u32>>) -> PublishedCell {
        PublishedCell {
            week: "2026-W47".parse().unwrap(),
            key: "x".to_owned(),
            unit_id: "team".to_owned(),
            n: 12,
            mean,
            sd,
            histogram,
        }
    }

    #[test]
    fn a_single_item_metric_is_its_item_on_the_score_scale() {
        let scale = Scale { id: "agree5".to_owned(), min: 1, max: 5, labels: Vec::new() };
        let cell = item_cell(4.0, Some(1.0), Some(vec![1, 0, 2, 4, 5]));
        let metric = metric_cell_of_item_cell(&cell, Metric::Trust, &scale, false);
        assert_eq!((metric.key.as_str(), metric.n, metric.unit_id.as_str()), ("trust", 12, "team"));
        assert!((metric.mean - 75.0).abs() < 1e-12);
        assert!((metric.sd.unwrap() - 25.0).abs() < 1e-12);
        // Points 1..5 score 0, 25, 50, 75, 100: bins 0, 2, 5, 7 and 9.
        assert_eq!(metric.histogram, Some(vec![1, 0, 0, 0, 0, 2, 0, 4, 0, 5]));

        let reversed = metric_cell_of_item_cell(&cell, Metric::Trust, &scale, true);
        assert!((reversed.mean - 25.0).abs() < 1e-12);
        assert_eq!(reversed.histogram, Some(vec![5, 0, 4, 0, 0, 2, 0, 0, 0, 1]));
        let without = metric_cell_of_item_cell(&item_cell(2.0, None, None), Metric::Trust, &scale, false);
        assert_eq!((without.sd, without.histogram), (None, None));
    }

    /// A "not applicable" count and its item's cell hold different people,
    /// so a team is charged the larger of the two, never their sum, and the
    /// whole count where the item cell was withheld.
    #[test]
    fn the_ledger_charges_a_not_applicable_count_beyond_its_items_cell() {
        use polso_core::questionnaire::QuestionnairePlan;

        use crate::store::{DepartmentNode, Organisation, PrivacySetting, TeamNode};

        let bank = ItemBank::embedded();
        let plan = QuestionnairePlan::for_new_organisation();
        let schedule = Schedule::with_plan(bank, 7, &plan);
        let (week, customer) = (0..52)
            .map(|offset| "2026-W01".parse::<IsoWeek>().unwrap().plus_weeks(offset))
            .find_map(|week| {
                let item = schedule.items_for_week(week).into_iter().find(|id| {
                    bank.item(id.as_str()).is_some_and(|item| item.metric == Metric::CustomerFocus)
                })?;
                Some((week, item))
            })
            .unwrap();
        let team = |id: &str| TeamNode { id: id.to_owned(), name: id.to_owned(), headcount: None };
        let tree = OrganisationTree {
            organisation: Organisation {
                id: "org".to_owned(),
                name: "Org".to_owned(),
                seed: 7,
                k: polso_core::anonymity::Threshold::DEFAULT,
                privacy: PrivacySetting::for_new_organisation(),
                questionnaire: plan,
            },
            departments: vec![DepartmentNode {
                id: "dep".to_owned(),
                name: "dep".to_owned(),
                teams: vec![team("answering"), team("marking")],
            }],
        };
        let aggregate = |team_id: &str, key: String, n: u32, value: f64, n_bins: usize| TeamAggregate {
            team_id: team_id.to_owned(),
            week,
            key,
            n,
            sum: value * f64::from(n),
            sum_squares: value * value * f64::from(n),
            histogram: {
                let mut bins = vec![0; n_bins];
                bins[n_bins - 1] = n;
                bins
            },
        };
        let not_applicable = not_applicable_key(Metric::CustomerFocus);
        let item = item_key(customer.as_str());
        // Twelve answered in one team; in the other, eleven had no customers and two answered.
        let aggregates = vec![
            aggregate("answering", item.clone(), 12, 5.0, 5),
            aggregate("marking", item.clone(), 2, 5.0, 5),
            aggregate("marking", not_applicable.clone(), 11, 1.0, 1),
        ];
        let settings = PublicationSettings {
            window: polso_core::collection::CollectionWindow {
                announced_max_delay_seconds: 48 * 3600,
                acceptance_seconds: 72 * 3600,
            },
            histogram_minimum: 10,
        };
        let spent_without_marks = {
            let only_items = &aggregates[..2];
            let mut random = crate::privacy::PublicationRandomness::from_os().unwrap();
            week_publication(&tree, &schedule, only_items, week, settings, Utc::now(), &mut random).ledger
        };
        let mut random = crate::privacy::PublicationRandomness::from_os().unwrap();
        let publication =
            week_publication(&tree, &schedule, &aggregates, week, settings, Utc::now(), &mut random);
        let ledger =
            |ledger: &[(String, f64)], team: &str| ledger.iter().find(|(id, _)| id == team).unwrap().1;
        let count_cell =
            publication.cells.iter().find(|cell| cell.key == not_applicable && cell.unit_id == "marking");
        assert!(count_cell.is_some(), "eleven marks are released");
        assert!(
            publication
                .cells
                .iter()
                .all(|cell| !(cell.key == customer.as_str() && cell.unit_id == "marking")),
            "two answers are withheld"
        );
        let extra = ledger(&publication.ledger, "marking") - ledger(&spent_without_marks, "marking");
        assert!(extra > 0.0, "the released count is charged where its item cell was withheld: {extra}");
        let one_cell =
            CellNoise::new(crate::privacy::default_epsilon_per_cell(), ValueScale::Item { min: 1, max: 1 })
                .epsilon_spent(true);
        assert!(extra <= one_cell + 1e-9, "at most one cell's ε: {extra} > {one_cell}");
    }
}
