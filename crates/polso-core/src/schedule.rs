//! The weekly schedule: which items each ISO week's pulse asks.
//!
//! A pulse is at most five items, yet every driver must be asked at least
//! every four weeks and the longer instruments (WHO-5, eNPS) on a monthly and a
//! quarterly cadence. The schedule reconciles the two, and it is a pure
//! function of (item bank, organisation seed, week), so every device of an
//! organisation shows the same items in the same week without talking to each
//! other, and a team's answers can be aggregated item by item.
//!
//! The rules:
//!
//! 1. Weeks are grouped in cycles of four by `week.index().div_euclid(4)`;
//!    [`IsoWeek::index`] is continuous, so cycles run straight across year
//!    ends and 53-week years.
//! 2. In each cycle one week is a WHO-5 week ([`WeekKind::Who5`]): it asks the
//!    five WHO-5 items and nothing else. Its position in the cycle (0 to 3) is
//!    drawn from the seed once and is the same in every cycle, so the WHO-5,
//!    which asks about the last two weeks, is asked exactly every four weeks.
//! 3. The other three weeks are regular ([`WeekKind::Regular`]): the wellbeing
//!    core item plus four rotating slots. When the bank has several wellbeing
//!    items they take turns from one regular week to the next.
//! 4. The twelve slots of a cycle (three weeks of four) hold the eleven
//!    [`DRIVERS`], each exactly once, plus one instrument slot. The instrument
//!    is the eNPS item in every third cycle (`cycle.rem_euclid(3) == 0`, about
//!    once a quarter) and the burnout item in the others.
//! 5. Which slot holds which driver is a permutation drawn from the seed once,
//!    fixed for the organisation. So each driver is asked exactly every four
//!    weeks, and any four consecutive weeks contain every driver.
//! 6. Which item of a driver's family is asked rotates with the cycle index,
//!    from an offset drawn from the seed, so over `n` cycles a family of `n`
//!    items asks each of them once.
//!
//! Every family draws its offset once, whatever its size, so adding an item to
//! one family of the bank changes which items that family asks and nothing
//! else. Every device of a team must still run the same bank version to see
//! the same items.
//!
//! Randomness comes from the seed alone, through a small SplitMix64 generator
//! in this module: no clock and no `rand` crate. Changing the order of the
//! draws would silently give every organisation a new schedule, so a snapshot
//! test pins it.

use crate::bank::{ItemBank, ItemId, Metric};
use crate::pulse::MAX_ITEMS_PER_WEEK;
use crate::week::IsoWeek;

/// How many weeks make a cycle: every driver is asked once per cycle.
pub const CYCLE_WEEKS: i64 = 4;

/// The drivers: the metrics that rotate through the regular weeks' slots.
/// Wellbeing (the core), WHO-5, burnout and eNPS are scheduled by their own
/// rules instead.
pub const DRIVERS: [Metric; 11] = [
    Metric::Engagement,
    Metric::WorkLifeBalance,
    Metric::Communication,
    Metric::TeamCohesion,
    Metric::Tools,
    Metric::Empowerment,
    Metric::RoleClarity,
    Metric::Recognition,
    Metric::Growth,
    Metric::Trust,
    Metric::CustomerFocus,
];

/// The eNPS item is asked in one cycle out of this many.
const ENPS_EVERY_N_CYCLES: i64 = 3;

/// Rotating slots in a regular week, beside the wellbeing core item.
const SLOTS_PER_REGULAR_WEEK: usize = 4;

/// Regular weeks in a cycle: all but the WHO-5 week.
const REGULAR_WEEKS_PER_CYCLE: usize = 3;

/// Rotating slots in a cycle: one per driver, plus the instrument slot.
const SLOTS_PER_CYCLE: usize = SLOTS_PER_REGULAR_WEEK * REGULAR_WEEKS_PER_CYCLE;

const _: () = assert!(SLOTS_PER_CYCLE == DRIVERS.len() + 1);
// The core item plus the rotating slots fit in a pulse.
const _: () = assert!(SLOTS_PER_REGULAR_WEEK < MAX_ITEMS_PER_WEEK);

/// What a week's pulse is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WeekKind {
    /// The wellbeing core item and four rotating items.
    Regular,
    /// The five WHO-5 items only.
    Who5,
}

/// What a rotating slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// One item of a driver's family.
    Driver(Metric),
    /// The eNPS item or the burnout item, depending on the cycle.
    Instrument,
}

/// The items of one metric, asked in turn from a seed-derived offset.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Family {
    items: Vec<ItemId>,
    offset: u64,
}

impl Family {
    fn new(bank: &ItemBank, metric: Metric, random: &mut SplitMix64) -> Family {
        let items: Vec<ItemId> = bank.items_for(metric).map(|item| item.id.clone()).collect();
        let offset = random.below(items.len().max(1) as u64);
        Family { items, offset }
    }

    /// The item asked on the family's `turn`-th occasion, if it has any item.
    fn pick(&self, turn: i64) -> Option<&ItemId> {
        let n_items = self.items.len() as u64;
        if n_items == 0 {
            return None;
        }
        // `rem_euclid` keeps turns before the epoch week non-negative.
        let position = (turn.rem_euclid(n_items as i64) as u64 + self.offset) % n_items;
        self.items.get(position as usize)
    }
}

/// An organisation's schedule: which items each week asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Which week of each cycle (0 to 3) is the WHO-5 week.
    who5_position: i64,
    /// The rotating slots of a cycle, four per regular week, in order.
    slots: [Slot; SLOTS_PER_CYCLE],
    wellbeing: Family,
    who5: Vec<ItemId>,
    burnout: Family,
    enps: Family,
    /// One family per driver, in the order of [`DRIVERS`].
    drivers: Vec<Family>,
}

impl Schedule {
    /// The schedule of the organisation whose seed is `org_seed`, over `bank`.
    /// A metric without items in the bank leaves its slot empty, so that week
    /// asks fewer items rather than failing.
    pub fn new(bank: &ItemBank, org_seed: u64) -> Schedule {
        let mut random = SplitMix64::new(org_seed);
        let who5_position = random.below(CYCLE_WEEKS as u64) as i64;

        let mut slots = [Slot::Instrument; SLOTS_PER_CYCLE];
        for (slot, metric) in slots.iter_mut().zip(DRIVERS) {
            *slot = Slot::Driver(metric);
        }
        random.shuffle(&mut slots);

        let wellbeing = Family::new(bank, Metric::Wellbeing, &mut random);
        let burnout = Family::new(bank, Metric::Burnout, &mut random);
        let enps = Family::new(bank, Metric::Enps, &mut random);
        let drivers = DRIVERS.iter().map(|&metric| Family::new(bank, metric, &mut random)).collect();
        let who5 = bank.items_for(Metric::Who5).map(|item| item.id.clone()).collect();

        Schedule { who5_position, slots, wellbeing, who5, burnout, enps, drivers }
    }

    /// What `week`'s pulse is made of.
    pub fn week_kind(&self, week: IsoWeek) -> WeekKind {
        if week.index().rem_euclid(CYCLE_WEEKS) == self.who5_position {
            WeekKind::Who5
        } else {
            WeekKind::Regular
        }
    }

    /// The items `week`'s pulse asks, in the order to show them: at most
    /// [`MAX_ITEMS_PER_WEEK`], never the same item twice.
    pub fn items_for_week(&self, week: IsoWeek) -> Vec<ItemId> {
        let week_index = week.index();
        let cycle = week_index.div_euclid(CYCLE_WEEKS);
        let position = week_index.rem_euclid(CYCLE_WEEKS);

        let mut items: Vec<ItemId> = match self.week_kind(week) {
            WeekKind::Who5 => self.who5.clone(),
            WeekKind::Regular => {
                // Number the regular weeks 0, 1, 2, skipping the WHO-5 week.
                let regular_week = if position < self.who5_position { position } else { position - 1 };
                let first_slot = regular_week as usize * SLOTS_PER_REGULAR_WEEK;
                let week_slots = &self.slots[first_slot..first_slot + SLOTS_PER_REGULAR_WEEK];
                // The core item takes turns over regular weeks only, so with two
                // items it strictly alternates, WHO-5 weeks notwithstanding.
                let regular_turn = cycle * REGULAR_WEEKS_PER_CYCLE as i64 + regular_week;
                let core = self.wellbeing.pick(regular_turn);
                let rotating = week_slots.iter().filter_map(|&slot| self.item_in_slot(slot, cycle));
                core.into_iter().chain(rotating).cloned().collect()
            }
        };
        items.truncate(MAX_ITEMS_PER_WEEK);
        items
    }

    /// Whether `week`'s pulse asks the item whose id is `item_id`.
    pub fn asks_item(&self, week: IsoWeek, item_id: &str) -> bool {
        self.items_for_week(week).iter().any(|item| item.as_str() == item_id)
    }

    /// Whether `week`'s pulse asks at least one item of `metric`, so that the
    /// week can have a score for it.
    pub fn asks_metric(&self, bank: &ItemBank, week: IsoWeek, metric: Metric) -> bool {
        self.items_for_week(week)
            .iter()
            .any(|item| bank.item(item.as_str()).is_some_and(|item| item.metric == metric))
    }

    fn item_in_slot(&self, slot: Slot, cycle: i64) -> Option<&ItemId> {
        match slot {
            Slot::Driver(metric) => {
                let driver_index = DRIVERS.iter().position(|&driver| driver == metric)?;
                self.drivers.get(driver_index)?.pick(cycle)
            }
            Slot::Instrument if cycle.rem_euclid(ENPS_EVERY_N_CYCLES) == 0 => {
                self.enps.pick(cycle.div_euclid(ENPS_EVERY_N_CYCLES))
            }
            Slot::Instrument => self.burnout.pick(cycle),
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast, well-mixed
/// generator, enough to derive a few draws from a seed. Not for secrets.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// A number in `0..bound` (`bound` > 0), by Lemire's multiply-shift; its
    /// bias is below 2^-60 for the small bounds used here.
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// Shuffles `values` in place (Fisher–Yates).
    fn shuffle<T>(&mut self, values: &mut [T]) {
        for last in (1..values.len()).rev() {
            let other = self.below(last as u64 + 1) as usize;
            values.swap(last, other);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use expect_test::expect;

    use super::*;

    fn week(text: &str) -> IsoWeek {
        text.parse().unwrap()
    }

    /// Every week from 2019-W01 to 2031-W52: thirteen years, including the
    /// 53-week years 2020 and 2026 and every year boundary in between.
    fn test_weeks() -> Vec<IsoWeek> {
        let first = week("2019-W01").index();
        let last = week("2031-W52").index();
        (first..=last).map(IsoWeek::from_index).collect()
    }

    const SEEDS: [u64; 5] = [0, 1, 42, 0x706f_6c73_6f00_0001, u64::MAX];

    fn metric_of(bank: &ItemBank, id: &ItemId) -> Metric {
        bank.item(id.as_str()).unwrap().metric
    }

    #[test]
    fn splitmix64_matches_the_reference_outputs() {
        // The first outputs of the reference implementation from seed 0.
        let mut random = SplitMix64::new(0);
        let outputs = [random.next_u64(), random.next_u64(), random.next_u64()];
        assert_eq!(outputs, [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F]);
    }

    #[test]
    fn draws_stay_below_their_bound_and_shuffles_are_permutations() {
        let mut random = SplitMix64::new(7);
        for bound in [1, 2, 3, 4, 12] {
            let draws: BTreeSet<u64> = (0..1000).map(|_| random.below(bound)).collect();
            assert_eq!(draws, (0..bound).collect(), "bound {bound}");
        }
        let mut values: Vec<u32> = (0..12).collect();
        random.shuffle(&mut values);
        assert_ne!(values, (0..12).collect::<Vec<_>>());
        values.sort_unstable();
        assert_eq!(values, (0..12).collect::<Vec<_>>());
    }

    #[test]
    fn weeks_are_short_distinct_and_in_the_bank() {
        let bank = ItemBank::embedded();
        for seed in SEEDS {
            let schedule = Schedule::new(bank, seed);
            for week in test_weeks() {
                let items = schedule.items_for_week(week);
                assert!(items.len() <= MAX_ITEMS_PER_WEEK, "{week}: {items:?}");
                assert_eq!(items.len(), 5, "the embedded bank fills every week: {week}");
                let distinct: BTreeSet<&ItemId> = items.iter().collect();
                assert_eq!(distinct.len(), items.len(), "seed {seed} {week}: {items:?}");
                for id in &items {
                    assert!(bank.item(id.as_str()).is_some(), "{id}");
                }
            }
        }
    }

    #[test]
    fn regular_weeks_are_the_core_plus_four_drivers_or_instruments() {
        let bank = ItemBank::embedded();
        for seed in SEEDS {
            let schedule = Schedule::new(bank, seed);
            for week in test_weeks() {
                let metrics: Vec<Metric> =
                    schedule.items_for_week(week).iter().map(|id| metric_of(bank, id)).collect();
                match schedule.week_kind(week) {
                    WeekKind::Who5 => assert_eq!(metrics, vec![Metric::Who5; 5], "{week}"),
                    WeekKind::Regular => {
                        assert_eq!(metrics[0], Metric::Wellbeing, "{week}");
                        for metric in &metrics[1..] {
                            let allowed =
                                DRIVERS.contains(metric) || [Metric::Burnout, Metric::Enps].contains(metric);
                            assert!(allowed, "{week}: {metric:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_four_consecutive_weeks_ask_every_driver() {
        let bank = ItemBank::embedded();
        let weeks = test_weeks();
        for seed in SEEDS {
            let schedule = Schedule::new(bank, seed);
            let metrics_by_week: Vec<BTreeSet<Metric>> = weeks
                .iter()
                .map(|&week| schedule.items_for_week(week).iter().map(|id| metric_of(bank, id)).collect())
                .collect();
            for (window, weeks_in_window) in metrics_by_week.windows(4).zip(weeks.windows(4)) {
                let asked: BTreeSet<Metric> = window.iter().flatten().copied().collect();
                for driver in DRIVERS {
                    assert!(asked.contains(&driver), "seed {seed}, from {}: {driver:?}", weeks_in_window[0]);
                }
                assert!(asked.contains(&Metric::Who5), "seed {seed}, from {}", weeks_in_window[0]);
            }
        }
    }

    #[test]
    fn asks_item_and_asks_metric_agree_with_the_weeks_items() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::new(bank, SEEDS[0]);
        for week in test_weeks().into_iter().take(16) {
            let items = schedule.items_for_week(week);
            for item in bank.items() {
                assert_eq!(schedule.asks_item(week, item.id.as_str()), items.contains(&item.id), "{week}");
            }
            for metric in Metric::ALL {
                let expected = items.iter().any(|id| metric_of(bank, id) == metric);
                assert_eq!(schedule.asks_metric(bank, week, metric), expected, "{week}: {metric:?}");
            }
        }
        // Wellbeing is asked three weeks in four, a driver one.
        let weeks: Vec<IsoWeek> = test_weeks().into_iter().take(4).collect();
        let count = |metric| weeks.iter().filter(|&&week| schedule.asks_metric(bank, week, metric)).count();
        assert_eq!((count(Metric::Wellbeing), count(Metric::Trust), count(Metric::Who5)), (3, 1, 1));
    }

    #[test]
    fn each_cycle_has_exactly_one_who5_week() {
        let bank = ItemBank::embedded();
        for seed in SEEDS {
            let schedule = Schedule::new(bank, seed);
            let mut who5_weeks_per_cycle: BTreeMap<i64, usize> = BTreeMap::new();
            for week in test_weeks() {
                let cycle = week.index().div_euclid(CYCLE_WEEKS);
                let entry = who5_weeks_per_cycle.entry(cycle).or_default();
                if schedule.week_kind(week) == WeekKind::Who5 {
                    *entry += 1;
                }
            }
            // The first and last cycles may be cut by the range's ends.
            let n_cycles = who5_weeks_per_cycle.len();
            for (&cycle, &n_who5_weeks) in who5_weeks_per_cycle.iter().skip(1).take(n_cycles - 2) {
                assert_eq!(n_who5_weeks, 1, "seed {seed}, cycle {cycle}");
            }
        }
    }

    #[test]
    fn enps_is_asked_every_twelve_weeks_and_burnout_in_the_other_cycles() {
        let bank = ItemBank::embedded();
        let weeks = test_weeks();
        for seed in SEEDS {
            let schedule = Schedule::new(bank, seed);
            let mut enps_weeks = Vec::new();
            let mut burnout_cycles = BTreeSet::new();
            for &week in &weeks {
                let metrics: Vec<Metric> =
                    schedule.items_for_week(week).iter().map(|id| metric_of(bank, id)).collect();
                let cycle = week.index().div_euclid(CYCLE_WEEKS);
                if metrics.contains(&Metric::Enps) {
                    assert_eq!(cycle.rem_euclid(3), 0, "{week}");
                    enps_weeks.push(week.index());
                }
                if metrics.contains(&Metric::Burnout) {
                    assert_ne!(cycle.rem_euclid(3), 0, "{week}");
                    burnout_cycles.insert(cycle);
                }
            }
            assert!(enps_weeks[0] - weeks[0].index() < 13, "seed {seed}");
            for gap in enps_weeks.windows(2).map(|pair| pair[1] - pair[0]) {
                assert!(gap <= 13, "seed {seed}: {gap} weeks without eNPS");
            }
            let first_cycle = weeks[0].index().div_euclid(CYCLE_WEEKS);
            let last_cycle = weeks[weeks.len() - 1].index().div_euclid(CYCLE_WEEKS);
            for cycle in first_cycle + 1..last_cycle {
                let expect_burnout = cycle.rem_euclid(3) != 0;
                assert_eq!(burnout_cycles.contains(&cycle), expect_burnout, "seed {seed}, cycle {cycle}");
            }
        }
    }

    #[test]
    fn driver_families_take_turns_across_cycles() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::new(bank, 42);
        let start = week("2026-W01").index().div_euclid(CYCLE_WEEKS) * CYCLE_WEEKS;
        for driver in DRIVERS {
            let n_items = bank.items_for(driver).count();
            // Over n cycles a family of n items asks each of them exactly once.
            let asked: Vec<ItemId> = (0..n_items as i64 * CYCLE_WEEKS)
                .flat_map(|offset| schedule.items_for_week(IsoWeek::from_index(start + offset)))
                .filter(|id| metric_of(bank, id) == driver)
                .collect();
            let distinct: BTreeSet<&ItemId> = asked.iter().collect();
            assert_eq!(asked.len(), n_items, "{driver:?}: {asked:?}");
            assert_eq!(distinct.len(), n_items, "{driver:?}: {asked:?}");
        }
    }

    #[test]
    fn wellbeing_items_alternate_over_regular_weeks() {
        let bank = ItemBank::embedded();
        let wellbeing: Vec<ItemId> = bank.items_for(Metric::Wellbeing).map(|item| item.id.clone()).collect();
        assert_eq!(wellbeing.len(), 2, "this test assumes two core items");
        for seed in SEEDS {
            let schedule = Schedule::new(bank, seed);
            let cores: Vec<ItemId> = test_weeks()
                .into_iter()
                .filter(|&week| schedule.week_kind(week) == WeekKind::Regular)
                .map(|week| schedule.items_for_week(week)[0].clone())
                .collect();
            for pair in cores.windows(2) {
                assert_ne!(pair[0], pair[1], "seed {seed}: the same core item twice in a row");
                assert!(wellbeing.contains(&pair[0]), "{}", pair[0]);
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule_and_others_differ() {
        let bank = ItemBank::embedded();
        let weeks = test_weeks();
        for seed in SEEDS {
            let first = Schedule::new(bank, seed);
            let again = Schedule::new(bank, seed);
            for &week in &weeks {
                assert_eq!(first.items_for_week(week), again.items_for_week(week), "{week}");
            }
        }
        for pair in SEEDS.windows(2) {
            let (one, other) = (Schedule::new(bank, pair[0]), Schedule::new(bank, pair[1]));
            let differs = weeks.iter().any(|&week| one.items_for_week(week) != other.items_for_week(week));
            assert!(differs, "seeds {} and {} give the same schedule", pair[0], pair[1]);
        }
    }

    #[test]
    fn a_bank_without_a_driver_leaves_its_slot_empty() {
        let toml = r#"
version = 1
[[sources]]
id = "polso"
name = "Polso"
licence = "Apache-2.0"
citation = "Written by the Polso project."
commercial_use = true
written_by_project = true
[[scales]]
id = "agree2"
min = 1
max = 2
labels = [{ en = "No", it = "No" }, { en = "Yes", it = "Sì" }]
[[items]]
id = "wb.1"
metric = "wellbeing"
scale = "agree2"
reverse = false
source = "polso"
text = { en = "I was well this week.", it = "Questa settimana sono stato bene." }
[[items]]
id = "eng.1"
metric = "engagement"
scale = "agree2"
reverse = false
source = "polso"
text = { en = "I enjoyed my work this week.", it = "Questa settimana il lavoro mi è piaciuto." }
"#;
        let bank = ItemBank::parse(toml).unwrap();
        let schedule = Schedule::new(&bank, 3);
        let n_cycles = 40;
        let first_week = week("2026-W01").index().div_euclid(CYCLE_WEEKS) * CYCLE_WEEKS;
        let mut n_engagement_weeks = 0;
        for week in (first_week..first_week + n_cycles * CYCLE_WEEKS).map(IsoWeek::from_index) {
            let items = schedule.items_for_week(week);
            match schedule.week_kind(week) {
                WeekKind::Who5 => assert!(items.is_empty(), "{week}: {items:?}"),
                WeekKind::Regular => {
                    assert_eq!(items[0].as_str(), "wb.1");
                    assert!(items.len() <= 2, "{week}: {items:?}");
                    n_engagement_weeks += usize::from(items.len() == 2);
                }
            }
        }
        assert_eq!(n_engagement_weeks, n_cycles as usize, "engagement once per cycle");
    }

    #[test]
    fn adding_an_item_moves_only_its_own_family() {
        let grown_text = format!(
            "{}\n{}",
            include_str!("../data/items.toml"),
            r#"
[[items]]
id = "tools.4"
metric = "tools"
scale = "agree5"
reverse = false
source = "polso"
text.en = "This week my equipment at home was as good as at the office."
text.it = "Questa settimana la mia attrezzatura a casa era buona come quella in ufficio."
"#
        );
        let grown = ItemBank::parse(&grown_text).unwrap();
        let bank = ItemBank::embedded();
        for seed in SEEDS {
            let before = Schedule::new(bank, seed);
            let after = Schedule::new(&grown, seed);
            let mut n_tools_changes = 0;
            for week in test_weeks() {
                assert_eq!(before.week_kind(week), after.week_kind(week), "{week}");
                let (items_before, items_after) = (before.items_for_week(week), after.items_for_week(week));
                assert_eq!(items_before.len(), items_after.len(), "{week}");
                for (one, other) in items_before.iter().zip(&items_after) {
                    if one != other {
                        assert_eq!(metric_of(&grown, other), Metric::Tools, "{week}: {one} became {other}");
                        n_tools_changes += 1;
                    }
                }
            }
            assert!(n_tools_changes > 0, "seed {seed}: the new item is never asked");
        }
    }

    /// Pins the schedule for one seed, so a change to the draws (which would
    /// move every organisation's questions) is a visible, reviewed change.
    #[test]
    fn schedule_snapshot_for_one_seed() {
        let schedule = Schedule::new(ItemBank::embedded(), 42);
        let first = week("2026-W49").index();
        let lines: Vec<String> = (first..first + 14)
            .map(IsoWeek::from_index)
            .map(|week| {
                let ids: Vec<String> = schedule.items_for_week(week).iter().map(ItemId::to_string).collect();
                format!("{week} {:?}: {}", schedule.week_kind(week), ids.join(" "))
            })
            .collect();
        expect![[r#"
            2026-W49 Regular: wb.1 emp.3 trust.1 gro.2 com.2
            2026-W50 Regular: wb.2 rec.2 tools.3 enps.1 role.1
            2026-W51 Who5: who5.1 who5.2 who5.3 who5.4 who5.5
            2026-W52 Regular: wb.1 eng.1 cust.1 coh.1 wlb.1
            2026-W53 Regular: wb.2 emp.1 trust.2 gro.3 com.3
            2027-W01 Regular: wb.1 rec.3 tools.1 burnout.1 role.2
            2027-W02 Who5: who5.1 who5.2 who5.3 who5.4 who5.5
            2027-W03 Regular: wb.2 eng.2 cust.2 coh.2 wlb.2
            2027-W04 Regular: wb.1 emp.2 trust.3 gro.1 com.1
            2027-W05 Regular: wb.2 rec.1 tools.2 burnout.1 role.3
            2027-W06 Who5: who5.1 who5.2 who5.3 who5.4 who5.5
            2027-W07 Regular: wb.1 eng.3 cust.3 coh.3 wlb.3
            2027-W08 Regular: wb.2 emp.3 trust.1 gro.2 com.2
            2027-W09 Regular: wb.1 rec.2 tools.3 enps.1 role.1"#]]
        .assert_eq(&lines.join("\n"));
    }
}
