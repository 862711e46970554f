//! The weekly schedule: which items each ISO week's pulse asks.
//!
//! A pulse is at most five items, yet every driver must be asked at least
//! every four weeks and the longer instruments on a monthly and a quarterly
//! cadence. The schedule reconciles the two, and it is a pure function of
//! (item bank, organisation seed, questionnaire plan, week), so every device
//! of an organisation shows the same items in the same week without talking
//! to each other, and a team's answers can be aggregated item by item.
//!
//! Which rules apply in a week is the edition of the organisation's
//! questionnaire in that week ([`crate::questionnaire`]). Common to every
//! edition:
//!
//! - Weeks are grouped in cycles of four by `week.index().div_euclid(4)`;
//!   [`IsoWeek::index`] is continuous, so cycles run straight across year
//!   ends and 53-week years.
//! - A cycle's rotating slots hold each of the edition's drivers exactly
//!   once, plus one instrument slot: the eNPS item in every third cycle
//!   (`cycle.rem_euclid(3) == 0`, about once a quarter) and the burnout item
//!   in the others. Which slot holds which driver is a permutation drawn from
//!   the seed once, fixed for the organisation, so each driver is asked
//!   exactly every four weeks and any four consecutive weeks of one
//!   questionnaire contain every driver.
//! - Which item of a driver's family is asked rotates with the cycle index,
//!   from an offset drawn from the seed, so over `n` cycles a family of `n`
//!   items asks each of them once. An edition's families hold only the items
//!   of that edition or earlier (`since_edition` in the bank).
//!
//! **Edition 2** ([`EDITION_2_DRIVERS`], eleven drivers):
//!
//! 1. In each cycle one week is a WHO-5 week ([`WeekKind::Who5`]): it asks the
//!    five WHO-5 items and nothing else. Its position in the cycle (0 to 3) is
//!    drawn from the seed once and is the same in every cycle, so the WHO-5,
//!    which asks about the last two weeks, is asked exactly every four weeks.
//! 2. The other three weeks are regular ([`WeekKind::Regular`]): the wellbeing
//!    core item plus four rotating slots. When the bank has several wellbeing
//!    items they take turns from one regular week to the next.
//! 3. The twelve slots of a cycle hold the eleven drivers and the instrument.
//!
//! **Edition 3** ([`DRIVERS`], fourteen drivers), without the WHO-5 (the
//! commercial default): every week is regular, the wellbeing core item (the
//! items taking turns week by week) plus four rotating slots; the sixteen
//! slots of a cycle hold the fourteen drivers, the instrument and the life
//! satisfaction item, the last two never in the same week (their options are
//! the longest to read). No WHO-5 item is ever asked.
//!
//! **Edition 3 with the WHO-5 module**: one WHO-5 week per cycle, as in
//! edition 2; the three other weeks have no core item and five rotating slots
//! each, and their fifteen slots hold the fourteen drivers and the
//! instrument. The WHO-5 takes the place of the core and life satisfaction
//! items: a cycle has twenty places, five for the WHO-5 and fifteen for the
//! rest, which is why edition 3 has fourteen drivers and not more.
//!
//! Every family draws its offset once, whatever its size, so adding an item to
//! one family of the bank changes which items that family asks and nothing
//! else. Every device of a team must still run the same bank version to see
//! the same items.
//!
//! Randomness comes from the seed alone, through a small SplitMix64 generator
//! in this module: no clock and no `rand` crate. Edition 2 draws from the
//! seed exactly as it always has; edition 3 draws from its own stream (the
//! seed mixed with [`EDITION_3_STREAM`]), so adding it moved nothing of
//! edition 2. Changing the order of the draws would silently give every
//! organisation a new schedule, so a snapshot test pins each edition.

use crate::bank::{ItemBank, ItemId, Metric};
use crate::questionnaire::{Questionnaire, QuestionnairePlan};
use crate::splitmix::SplitMix64;
use crate::week::IsoWeek;

/// The most items a weekly pulse asks, so it takes under a minute.
pub const MAX_ITEMS_PER_WEEK: usize = 5;

/// The first edition of the questionnaire whose items may be answered "not
/// applicable this week".
pub const NOT_APPLICABLE_FROM_EDITION: u32 = 3;

// What each edition asks is `edition`'s; the schedule places it in the weeks.
pub use crate::edition::{CYCLE_WEEKS, DRIVERS, EDITION_2_DRIVERS};

/// Mixed into the seed for edition 3's draws, so they never disturb
/// edition 2's ("edition3" in ASCII).
pub const EDITION_3_STREAM: u64 = 0x6564_6974_696f_6e33;

/// The eNPS item is asked in one cycle out of this many.
const ENPS_EVERY_N_CYCLES: i64 = 3;

/// Edition 2: rotating slots in a regular week, beside the wellbeing core item.
const SLOTS_PER_REGULAR_WEEK: usize = 4;

/// Edition 2: regular weeks in a cycle, all but the WHO-5 week.
const REGULAR_WEEKS_PER_CYCLE: usize = 3;

/// Edition 2: rotating slots in a cycle, one per driver plus the instrument.
const SLOTS_PER_CYCLE: usize = SLOTS_PER_REGULAR_WEEK * REGULAR_WEEKS_PER_CYCLE;

/// Edition 3 without the WHO-5: rotating slots in a week, beside the core.
const EDITION_3_SLOTS_PER_WEEK: usize = 4;

/// Edition 3 without the WHO-5: one slot per driver, the instrument and life
/// satisfaction.
const EDITION_3_SLOTS_PER_CYCLE: usize = EDITION_3_SLOTS_PER_WEEK * CYCLE_WEEKS as usize;

/// Edition 3 with the WHO-5: rotating slots in each of the three other weeks,
/// which have no core item.
const EDITION_3_WHO5_SLOTS_PER_WEEK: usize = 5;

/// Edition 3 with the WHO-5: one slot per driver and the instrument.
const EDITION_3_WHO5_SLOTS_PER_CYCLE: usize = EDITION_3_WHO5_SLOTS_PER_WEEK * REGULAR_WEEKS_PER_CYCLE;

const _: () = assert!(SLOTS_PER_CYCLE == EDITION_2_DRIVERS.len() + 1);
const _: () = assert!(EDITION_3_SLOTS_PER_CYCLE == DRIVERS.len() + 2);
const _: () = assert!(EDITION_3_WHO5_SLOTS_PER_CYCLE == DRIVERS.len() + 1);
// The core item plus the rotating slots fit in a pulse.
const _: () = assert!(SLOTS_PER_REGULAR_WEEK < MAX_ITEMS_PER_WEEK);
const _: () = assert!(EDITION_3_SLOTS_PER_WEEK < MAX_ITEMS_PER_WEEK);
const _: () = assert!(EDITION_3_WHO5_SLOTS_PER_WEEK <= MAX_ITEMS_PER_WEEK);

/// What a week's pulse is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WeekKind {
    /// Rotating items, after the wellbeing core item when the questionnaire
    /// has one that week.
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
    /// The life satisfaction item (edition 3 without the WHO-5).
    LifeSatisfaction,
}

/// The items of one metric, asked in turn from a seed-derived offset.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Family {
    items: Vec<ItemId>,
    offset: u64,
}

impl Family {
    /// The family of `metric` in `edition`: its items of that edition or
    /// earlier, and an offset drawn from `random`.
    fn new(bank: &ItemBank, metric: Metric, edition: u32, random: &mut SplitMix64) -> Family {
        let items: Vec<ItemId> = bank.items_in_edition(metric, edition).map(|item| item.id.clone()).collect();
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

/// The families every edition shares the rules of: the instruments and the
/// drivers, in the order of the edition's driver list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Families {
    burnout: Family,
    enps: Family,
    drivers: Vec<(Metric, Family)>,
}

impl Families {
    fn item_in_slot<'a>(
        &'a self,
        slot: Slot,
        cycle: i64,
        life_satisfaction: Option<&'a Family>,
    ) -> Option<&'a ItemId> {
        match slot {
            Slot::Driver(metric) => self
                .drivers
                .iter()
                .find(|(driver, _)| *driver == metric)
                .and_then(|(_, family)| family.pick(cycle)),
            Slot::Instrument if cycle.rem_euclid(ENPS_EVERY_N_CYCLES) == 0 => {
                self.enps.pick(cycle.div_euclid(ENPS_EVERY_N_CYCLES))
            }
            Slot::Instrument => self.burnout.pick(cycle),
            Slot::LifeSatisfaction => life_satisfaction?.pick(cycle),
        }
    }
}

/// Edition 2's draws, in the order it has always made them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edition2 {
    /// Which week of each cycle (0 to 3) is the WHO-5 week.
    who5_position: i64,
    /// The rotating slots of a cycle, four per regular week, in order.
    slots: [Slot; SLOTS_PER_CYCLE],
    wellbeing: Family,
    who5: Vec<ItemId>,
    families: Families,
}

impl Edition2 {
    fn new(bank: &ItemBank, org_seed: u64) -> Edition2 {
        const EDITION: u32 = 2;
        let mut random = SplitMix64::new(org_seed);
        let who5_position = random.below(CYCLE_WEEKS as u64) as i64;

        let mut slots = [Slot::Instrument; SLOTS_PER_CYCLE];
        for (slot, metric) in slots.iter_mut().zip(EDITION_2_DRIVERS.iter().copied()) {
            *slot = Slot::Driver(metric);
        }
        random.shuffle(&mut slots);

        let wellbeing = Family::new(bank, Metric::Wellbeing, EDITION, &mut random);
        let burnout = Family::new(bank, Metric::Burnout, EDITION, &mut random);
        let enps = Family::new(bank, Metric::Enps, EDITION, &mut random);
        let drivers = EDITION_2_DRIVERS
            .iter()
            .map(|&metric| (metric, Family::new(bank, metric, EDITION, &mut random)))
            .collect();
        let who5 = bank.items_in_edition(Metric::Who5, EDITION).map(|item| item.id.clone()).collect();

        Edition2 { who5_position, slots, wellbeing, who5, families: Families { burnout, enps, drivers } }
    }

    fn week_kind(&self, week: IsoWeek) -> WeekKind {
        if week.index().rem_euclid(CYCLE_WEEKS) == self.who5_position {
            WeekKind::Who5
        } else {
            WeekKind::Regular
        }
    }

    fn items_for_week(&self, week: IsoWeek) -> Vec<ItemId> {
        let week_index = week.index();
        let cycle = week_index.div_euclid(CYCLE_WEEKS);
        let position = week_index.rem_euclid(CYCLE_WEEKS);
        match self.week_kind(week) {
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
                let rotating =
                    week_slots.iter().filter_map(|&slot| self.families.item_in_slot(slot, cycle, None));
                core.into_iter().chain(rotating).cloned().collect()
            }
        }
    }
}

/// Edition 3's draws, from their own stream: both layouts (with and without
/// the WHO-5) and the families they share.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edition3 {
    /// Which week of each cycle (0 to 3) is the WHO-5 week, when the WHO-5 is
    /// opted in.
    who5_position: i64,
    /// Without the WHO-5: the rotating slots of a cycle, four per week.
    slots: [Slot; EDITION_3_SLOTS_PER_CYCLE],
    /// With the WHO-5: the rotating slots of a cycle, five per other week.
    who5_slots: [Slot; EDITION_3_WHO5_SLOTS_PER_CYCLE],
    wellbeing: Family,
    life_satisfaction: Family,
    who5: Vec<ItemId>,
    families: Families,
}

impl Edition3 {
    fn new(bank: &ItemBank, org_seed: u64) -> Edition3 {
        const EDITION: u32 = 3;
        let mut random = SplitMix64::new(org_seed ^ EDITION_3_STREAM);
        let who5_position = random.below(CYCLE_WEEKS as u64) as i64;

        let mut slots = [Slot::Instrument; EDITION_3_SLOTS_PER_CYCLE];
        slots[1] = Slot::LifeSatisfaction;
        for (slot, metric) in slots[2..].iter_mut().zip(DRIVERS) {
            *slot = Slot::Driver(metric);
        }
        random.shuffle(&mut slots);
        keep_long_items_apart(&mut slots);

        let mut who5_slots = [Slot::Instrument; EDITION_3_WHO5_SLOTS_PER_CYCLE];
        for (slot, metric) in who5_slots[1..].iter_mut().zip(DRIVERS) {
            *slot = Slot::Driver(metric);
        }
        random.shuffle(&mut who5_slots);

        let wellbeing = Family::new(bank, Metric::Wellbeing, EDITION, &mut random);
        let life_satisfaction = Family::new(bank, Metric::LifeSatisfaction, EDITION, &mut random);
        let burnout = Family::new(bank, Metric::Burnout, EDITION, &mut random);
        let enps = Family::new(bank, Metric::Enps, EDITION, &mut random);
        let drivers =
            DRIVERS.iter().map(|&metric| (metric, Family::new(bank, metric, EDITION, &mut random))).collect();
        let who5 = bank.items_in_edition(Metric::Who5, EDITION).map(|item| item.id.clone()).collect();

        Edition3 {
            who5_position,
            slots,
            who5_slots,
            wellbeing,
            life_satisfaction,
            who5,
            families: Families { burnout, enps, drivers },
        }
    }

    fn week_kind(&self, week: IsoWeek, with_who5: bool) -> WeekKind {
        if with_who5 && week.index().rem_euclid(CYCLE_WEEKS) == self.who5_position {
            WeekKind::Who5
        } else {
            WeekKind::Regular
        }
    }

    fn items_for_week(&self, week: IsoWeek, with_who5: bool) -> Vec<ItemId> {
        let week_index = week.index();
        let cycle = week_index.div_euclid(CYCLE_WEEKS);
        let position = week_index.rem_euclid(CYCLE_WEEKS);
        if !with_who5 {
            let first_slot = position as usize * EDITION_3_SLOTS_PER_WEEK;
            let week_slots = &self.slots[first_slot..first_slot + EDITION_3_SLOTS_PER_WEEK];
            // Every week has the core item, so its items take turns week by week.
            let core = self.wellbeing.pick(week_index);
            let rotating = week_slots
                .iter()
                .filter_map(|&slot| self.families.item_in_slot(slot, cycle, Some(&self.life_satisfaction)));
            return core.into_iter().chain(rotating).cloned().collect();
        }
        match self.week_kind(week, with_who5) {
            WeekKind::Who5 => self.who5.clone(),
            WeekKind::Regular => {
                let other_week = if position < self.who5_position { position } else { position - 1 };
                let first_slot = other_week as usize * EDITION_3_WHO5_SLOTS_PER_WEEK;
                let week_slots = &self.who5_slots[first_slot..first_slot + EDITION_3_WHO5_SLOTS_PER_WEEK];
                week_slots
                    .iter()
                    .filter_map(|&slot| self.families.item_in_slot(slot, cycle, None))
                    .cloned()
                    .collect()
            }
        }
    }
}

/// Moves the life satisfaction slot to the next week when the shuffle put it
/// in the instrument's week: the burnout item's options are long, and with
/// the eleven-point life satisfaction scale beside them that week would not
/// read in under a minute in Italian. The swap is with the slot at the same
/// place in the next week, so it needs no draw and keeps every other slot.
fn keep_long_items_apart(slots: &mut [Slot; EDITION_3_SLOTS_PER_CYCLE]) {
    let week_of = |slot_index: usize| slot_index / EDITION_3_SLOTS_PER_WEEK;
    let position = |wanted: Slot| slots.iter().position(|&slot| slot == wanted);
    if let (Some(life), Some(instrument)) = (position(Slot::LifeSatisfaction), position(Slot::Instrument))
        && week_of(life) == week_of(instrument)
    {
        slots.swap(life, (life + EDITION_3_SLOTS_PER_WEEK) % EDITION_3_SLOTS_PER_CYCLE);
    }
}

/// An organisation's schedule: which items each week asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    plan: QuestionnairePlan,
    edition_2: Edition2,
    edition_3: Edition3,
}

impl Schedule {
    /// The schedule of the organisation whose seed is `org_seed`, over `bank`,
    /// on edition 2 for every week ([`QuestionnairePlan::legacy`]).
    pub fn new(bank: &ItemBank, org_seed: u64) -> Schedule {
        Schedule::with_plan(bank, org_seed, &QuestionnairePlan::legacy())
    }

    /// The schedule of the organisation whose seed is `org_seed`, over `bank`,
    /// asking in each week the questionnaire `plan` gives it. A metric without
    /// items in the bank leaves its slot empty, so that week asks fewer items
    /// rather than failing.
    pub fn with_plan(bank: &ItemBank, org_seed: u64, plan: &QuestionnairePlan) -> Schedule {
        Schedule {
            plan: plan.clone(),
            edition_2: Edition2::new(bank, org_seed),
            edition_3: Edition3::new(bank, org_seed),
        }
    }

    /// The organisation's questionnaire plan.
    pub fn plan(&self) -> &QuestionnairePlan {
        &self.plan
    }

    /// The questionnaire asked in `week`.
    pub fn questionnaire_for(&self, week: IsoWeek) -> Questionnaire {
        self.plan.questionnaire_for(week)
    }

    /// What `week`'s pulse is made of.
    pub fn week_kind(&self, week: IsoWeek) -> WeekKind {
        let questionnaire = self.questionnaire_for(week);
        if questionnaire.edition == 2 {
            self.edition_2.week_kind(week)
        } else {
            self.edition_3.week_kind(week, questionnaire.asks_who5())
        }
    }

    /// The items `week`'s pulse asks, in the order to show them: at most
    /// [`MAX_ITEMS_PER_WEEK`], never the same item twice.
    pub fn items_for_week(&self, week: IsoWeek) -> Vec<ItemId> {
        let questionnaire = self.questionnaire_for(week);
        let mut items = if questionnaire.edition == 2 {
            self.edition_2.items_for_week(week)
        } else {
            self.edition_3.items_for_week(week, questionnaire.asks_who5())
        };
        items.truncate(MAX_ITEMS_PER_WEEK);
        items
    }

    /// Whether `week`'s pulse asks the item whose id is `item_id`.
    pub fn asks_item(&self, week: IsoWeek, item_id: &str) -> bool {
        self.items_for_week(week).iter().any(|item| item.as_str() == item_id)
    }

    /// Whether `item_id` may be answered "not applicable this week" in
    /// `week`: the bank allows it for the item, and the week follows edition
    /// 3 or later. Edition 2's weeks keep the answers they always had, so an
    /// organisation that has not adopted edition 3 sees no change in its
    /// series.
    pub fn allows_not_applicable(&self, bank: &ItemBank, week: IsoWeek, item_id: &str) -> bool {
        self.questionnaire_for(week).edition >= NOT_APPLICABLE_FROM_EDITION
            && bank.item(item_id).is_some_and(|item| item.not_applicable)
    }

    /// Whether `week`'s pulse asks at least one item of `metric`, so that the
    /// week can have a score for it.
    pub fn asks_metric(&self, bank: &ItemBank, week: IsoWeek, metric: Metric) -> bool {
        self.items_for_week(week)
            .iter()
            .any(|item| bank.item(item.as_str()).is_some_and(|item| item.metric == metric))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use expect_test::expect;

    use super::*;
    use crate::questionnaire::QuestionnairePlan;

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
                            let allowed = EDITION_2_DRIVERS.contains(metric)
                                || [Metric::Burnout, Metric::Enps].contains(metric);
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
                for driver in EDITION_2_DRIVERS {
                    assert!(asked.contains(driver), "seed {seed}, from {}: {driver:?}", weeks_in_window[0]);
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
        for driver in EDITION_2_DRIVERS.iter().copied() {
            let n_items = bank.items_in_edition(driver, 2).count();
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
id = "tools.99"
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

    /// Two years of weeks from 2026-W01: the span the issue asks the
    /// schedule's promises to hold over.
    fn two_years() -> Vec<IsoWeek> {
        let first = week("2026-W01").index();
        (first..first + 104).map(IsoWeek::from_index).collect()
    }

    /// Every questionnaire an organisation can have, with its plan.
    fn every_questionnaire() -> [(Questionnaire, QuestionnairePlan); 3] {
        [Questionnaire::EDITION_2, Questionnaire::EDITION_3, Questionnaire::EDITION_3_WITH_WHO5]
            .map(|questionnaire| (questionnaire, QuestionnairePlan::single(questionnaire).unwrap()))
    }

    #[test]
    fn every_driver_is_asked_in_every_four_consecutive_weeks_of_every_questionnaire() {
        let bank = ItemBank::embedded();
        let weeks = two_years();
        for (questionnaire, plan) in every_questionnaire() {
            for seed in SEEDS {
                let schedule = Schedule::with_plan(bank, seed, &plan);
                let metrics_by_week: Vec<BTreeSet<Metric>> = weeks
                    .iter()
                    .map(|&week| schedule.items_for_week(week).iter().map(|id| metric_of(bank, id)).collect())
                    .collect();
                for (window, weeks_in_window) in metrics_by_week.windows(4).zip(weeks.windows(4)) {
                    let asked: BTreeSet<Metric> = window.iter().flatten().copied().collect();
                    for driver in questionnaire.drivers() {
                        assert!(
                            asked.contains(driver),
                            "{questionnaire:?}, seed {seed}, from {}: {driver:?}",
                            weeks_in_window[0]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn edition_3_weeks_follow_their_layout() {
        let bank = ItemBank::embedded();
        let weeks = two_years();
        for (questionnaire, plan) in every_questionnaire().into_iter().skip(1) {
            for seed in SEEDS {
                let schedule = Schedule::with_plan(bank, seed, &plan);
                let mut by_cycle: BTreeMap<i64, Vec<Metric>> = BTreeMap::new();
                let mut n_who5_weeks_by_cycle: BTreeMap<i64, usize> = BTreeMap::new();
                for &week in &weeks {
                    let items = schedule.items_for_week(week);
                    assert_eq!(items.len(), 5, "{questionnaire:?} {week}: {items:?}");
                    let distinct: BTreeSet<&ItemId> = items.iter().collect();
                    assert_eq!(distinct.len(), 5, "{week}");
                    let metrics: Vec<Metric> = items.iter().map(|id| metric_of(bank, id)).collect();
                    let cycle = week.index().div_euclid(CYCLE_WEEKS);
                    let n_who5_weeks = n_who5_weeks_by_cycle.entry(cycle).or_default();
                    match schedule.week_kind(week) {
                        WeekKind::Who5 => {
                            assert!(questionnaire.who5, "{week}");
                            assert_eq!(metrics, vec![Metric::Who5; 5], "{week}");
                            *n_who5_weeks += 1;
                        }
                        WeekKind::Regular if questionnaire.who5 => {
                            for metric in &metrics {
                                let allowed = DRIVERS.contains(metric)
                                    || [Metric::Burnout, Metric::Enps].contains(metric);
                                assert!(allowed, "no core item beside the WHO-5: {week} {metric:?}");
                            }
                        }
                        WeekKind::Regular => {
                            assert_eq!(metrics[0], Metric::Wellbeing, "{week}");
                            assert!(!metrics.contains(&Metric::Who5), "{week}");
                        }
                    }
                    let instrument = metrics.contains(&Metric::Burnout) || metrics.contains(&Metric::Enps);
                    assert!(
                        !(instrument && metrics.contains(&Metric::LifeSatisfaction)),
                        "{week}: {items:?}"
                    );
                    by_cycle.entry(cycle).or_default().extend(metrics);
                }
                let n_cycles = by_cycle.len();
                for (cycle, metrics) in by_cycle.iter().skip(1).take(n_cycles - 2) {
                    let count = |wanted: Metric| metrics.iter().filter(|&&metric| metric == wanted).count();
                    for driver in DRIVERS {
                        assert_eq!(
                            count(driver),
                            1,
                            "{questionnaire:?} seed {seed} cycle {cycle}: {driver:?}"
                        );
                    }
                    assert_eq!(count(Metric::Burnout) + count(Metric::Enps), 1, "cycle {cycle}");
                    let expected_who5 = if questionnaire.who5 { 5 } else { 0 };
                    assert_eq!(count(Metric::Who5), expected_who5, "cycle {cycle}");
                    assert_eq!(
                        n_who5_weeks_by_cycle[cycle],
                        usize::from(questionnaire.who5),
                        "cycle {cycle}"
                    );
                    let (expected_life, expected_core) = if questionnaire.who5 { (0, 0) } else { (1, 4) };
                    assert_eq!(count(Metric::LifeSatisfaction), expected_life, "cycle {cycle}");
                    assert_eq!(count(Metric::Wellbeing), expected_core, "cycle {cycle}");
                }
            }
        }
    }

    /// Issue 13: a commercial organisation's default pulse never contains an
    /// item whose text comes from a source that forbids commercial use.
    #[test]
    fn a_new_organisations_plan_asks_nothing_under_a_non_commercial_licence() {
        let bank = ItemBank::embedded();
        let plan = QuestionnairePlan::for_new_organisation();
        let mut asked: BTreeSet<ItemId> = BTreeSet::new();
        for seed in SEEDS {
            let schedule = Schedule::with_plan(bank, seed, &plan);
            for week in two_years() {
                for id in schedule.items_for_week(week) {
                    let item = bank.item(id.as_str()).unwrap();
                    for source in bank.sources_of(item) {
                        assert!(
                            source.commercial_use,
                            "seed {seed} {week}: {id} is under {}",
                            source.licence
                        );
                    }
                    asked.insert(id);
                }
            }
        }
        assert!(asked.iter().any(|id| id.as_str() == "ls.1"), "the commercial wellbeing measure is asked");
        assert!(!asked.iter().any(|id| id.as_str().starts_with("who5.")));
    }

    #[test]
    fn edition_2_never_asks_an_item_of_edition_3() {
        let bank = ItemBank::embedded();
        for seed in SEEDS {
            let schedule = Schedule::new(bank, seed);
            for week in test_weeks() {
                for id in schedule.items_for_week(week) {
                    assert_eq!(bank.item(id.as_str()).unwrap().since_edition, 2, "seed {seed} {week}: {id}");
                }
            }
        }
    }

    /// Issue 13's migration path: an organisation adopts edition 3 at a cycle
    /// boundary; the weeks before keep edition 2's items exactly, and the
    /// weeks from it are edition 3's.
    #[test]
    fn adopting_edition_3_at_a_cycle_boundary_keeps_the_weeks_before() {
        let bank = ItemBank::embedded();
        let from = crate::questionnaire::cycle_start(week("2027-W20"));
        let plan = QuestionnairePlan::legacy().adopt(Questionnaire::EDITION_3, from).unwrap();
        for seed in SEEDS {
            let legacy = Schedule::new(bank, seed);
            let edition_3 = Schedule::with_plan(bank, seed, &QuestionnairePlan::for_new_organisation());
            let migrated = Schedule::with_plan(bank, seed, &plan);
            for week in two_years().into_iter().chain(test_weeks()) {
                let expected = if week.index() < from.index() { &legacy } else { &edition_3 };
                assert_eq!(
                    migrated.items_for_week(week),
                    expected.items_for_week(week),
                    "seed {seed} {week}"
                );
                assert_eq!(migrated.week_kind(week), expected.week_kind(week), "seed {seed} {week}");
                let edition = if week.index() < from.index() { 2 } else { 3 };
                assert_eq!(migrated.questionnaire_for(week).edition, edition, "{week}");
            }
            assert_eq!(migrated.plan().changes(), vec![from]);
        }
    }

    #[test]
    fn edition_3_families_take_turns_across_cycles() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::with_plan(bank, 42, &QuestionnairePlan::for_new_organisation());
        let start = week("2026-W01").index().div_euclid(CYCLE_WEEKS) * CYCLE_WEEKS;
        for driver in DRIVERS {
            let n_items = bank.items_in_edition(driver, 3).count();
            let asked: Vec<ItemId> = (0..n_items as i64 * CYCLE_WEEKS)
                .flat_map(|offset| schedule.items_for_week(IsoWeek::from_index(start + offset)))
                .filter(|id| metric_of(bank, id) == driver)
                .collect();
            let distinct: BTreeSet<&ItemId> = asked.iter().collect();
            assert_eq!((asked.len(), distinct.len()), (n_items, n_items), "{driver:?}: {asked:?}");
        }
    }

    /// Pins edition 3 for one seed, with and without the WHO-5.
    #[test]
    fn edition_3_snapshot_for_one_seed() {
        let bank = ItemBank::embedded();
        let first = week("2026-W49").index();
        let lines: Vec<String> = [Questionnaire::EDITION_3, Questionnaire::EDITION_3_WITH_WHO5]
            .into_iter()
            .flat_map(|questionnaire| {
                let schedule =
                    Schedule::with_plan(bank, 42, &QuestionnairePlan::single(questionnaire).unwrap());
                (first..first + 9).map(IsoWeek::from_index).map(move |week| {
                    let ids: Vec<String> =
                        schedule.items_for_week(week).iter().map(ItemId::to_string).collect();
                    let who5 = if questionnaire.who5 { "who5" } else { "commercial" };
                    format!("{who5} {week} {:?}: {}", schedule.week_kind(week), ids.join(" "))
                })
            })
            .collect();
        expect![[r#"
            commercial 2026-W49 Regular: wb.1 role.1 ls.1 rec.1 com.1
            commercial 2026-W50 Regular: wb.2 emp.3 flex.2 wlb.1 trust.2
            commercial 2026-W51 Regular: wb.1 ce.1 coh.1 ms.2 eng.3
            commercial 2026-W52 Regular: wb.2 cust.5 enps.1 tools.2 gro.2
            commercial 2026-W53 Regular: wb.1 role.2 ls.1 rec.2 com.2
            commercial 2027-W01 Regular: wb.2 emp.1 flex.3 wlb.2 trust.3
            commercial 2027-W02 Regular: wb.1 ce.2 coh.2 ms.3 eng.1
            commercial 2027-W03 Regular: wb.2 cust.1 burnout.1 tools.3 gro.3
            commercial 2027-W04 Regular: wb.1 role.3 ls.1 rec.3 com.3
            who5 2026-W49 Who5: who5.1 who5.2 who5.3 who5.4 who5.5
            who5 2026-W50 Regular: ms.2 rec.1 emp.3 coh.1 flex.2
            who5 2026-W51 Regular: ce.1 wlb.1 cust.5 enps.1 eng.3
            who5 2026-W52 Regular: gro.2 role.1 com.1 tools.2 trust.2
            who5 2026-W53 Who5: who5.1 who5.2 who5.3 who5.4 who5.5
            who5 2027-W01 Regular: ms.3 rec.2 emp.1 coh.2 flex.3
            who5 2027-W02 Regular: ce.2 wlb.2 cust.1 burnout.1 eng.1
            who5 2027-W03 Regular: gro.3 role.2 com.2 tools.3 trust.3
            who5 2027-W04 Who5: who5.1 who5.2 who5.3 who5.4 who5.5"#]]
        .assert_eq(&lines.join("\n"));
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
