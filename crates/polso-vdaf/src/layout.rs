//! What one week's report contributes, as a fixed list of cells, each a
//! one-hot histogram over the exact values it can take.
//!
//! The layout follows from the organisation's schedule alone (which items
//! the week asks), so the app and both servers build the same one, and the
//! size of an upload says nothing but the week. Each cell is one Prio3
//! histogram whose proof shows that a report lights exactly one bucket of
//! it: a report counts at most once in every count the k rule reads.
//!
//! - An item cell has a bucket "not counted" and one per answer on the
//!   item's scale.
//! - A metric cell has "not counted", "not applicable" where every item of
//!   the metric the week asks allows it, and one bucket per exact score the
//!   week's items can give: with `j` items whose scales span `r_i` points
//!   above their lowest, and `L` the least common multiple of the `r_i`, a
//!   score is `100 × N / (j × L)` for a whole `N` from 0 to `j × L`. So the
//!   metric's sum, count and ten-bin histogram are all whole-number linear
//!   functions of the buckets, and each server computes its share of them
//!   from its share of the buckets without learning either.
//!
//! The counting rules are the server's (`validate_report` in polso-server):
//! an item and its metric count only when every item of that metric the week
//! asked was answered, and a metric counts as not applicable when every item
//! of it the week asked was marked so. The WHO-5 is scored only when all five
//! of its items are asked and answered.

use std::collections::BTreeMap;

use polso_core::bank::{ItemBank, ItemId, Metric};
use polso_core::schedule::Schedule;
use polso_core::scoring::requires_every_item;
use polso_core::{Answer, IsoWeek};

/// Bins of a metric score's released histogram: ten of ten points, 100 in
/// the last (the same bins as one-server mode).
pub const METRIC_HISTOGRAM_BINS: usize = 10;

/// The bucket of every cell that a report does not count in.
const NOT_COUNTED: usize = 0;

/// Where each figure sits in a cell's derived values ([`Cell::derive`]).
const N: usize = 0;
const SUM: usize = 1;
const SUM_SQUARES: usize = 2;
const FIRST_BIN: usize = 3;

/// What a cell counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CellKey {
    /// The answers to one item.
    Item(ItemId),
    /// The scores of one metric (and, where allowed, its "not applicable").
    Metric(Metric),
}

impl CellKey {
    /// A stable text name of the cell, such as `item:eng.1` or
    /// `metric:engagement`; part of every share's context, so a share made
    /// for one cell cannot be verified as another's.
    pub fn label(&self) -> String {
        match self {
            Self::Item(item) => format!("item:{}", item.as_str()),
            Self::Metric(metric) => format!("metric:{}", metric.key()),
        }
    }
}

/// How an item of a metric cell turns an answer into the score's numerator.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ScoredItem {
    id: ItemId,
    min: u8,
    max: u8,
    reverse: bool,
    /// `L / r` for this item's span `r`.
    weight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum CellKind {
    /// Buckets: not counted, then `min..=max`. `not_applicable`: whether the
    /// week lets the item be marked so.
    Item { min: u8, max: u8, metric: Metric, not_applicable: bool },
    /// Buckets: not counted, then "not applicable" if allowed, then the
    /// numerators `0..=denominator`.
    Metric { items: Vec<ScoredItem>, denominator: u32, not_applicable: bool },
}

/// One cell of a week's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    key: CellKey,
    kind: CellKind,
}

/// A cell's released figures, from the sum of the two servers' shares.
/// Signed, because each server's noise may take a small count below zero.
#[derive(Debug, Clone, PartialEq)]
pub struct CellFigures {
    /// The cell.
    pub key: CellKey,
    /// How many reports counted in it.
    pub n: i64,
    /// The sum of their values (item scale) or scores (0 to 100).
    pub sum: f64,
    /// The sum of their squares.
    pub sum_squares: f64,
    /// The histogram: one bin per answer of an item, ten bins of a metric's score.
    pub histogram: Vec<i64>,
    /// How many marked the metric not applicable; `None` where the week
    /// does not offer it (and always for an item).
    pub not_applicable: Option<i64>,
}

impl Cell {
    /// What the cell counts.
    pub fn key(&self) -> &CellKey {
        &self.key
    }

    /// The number of buckets of the cell's one-hot histogram.
    pub fn length(&self) -> usize {
        match &self.kind {
            CellKind::Item { min, max, .. } => 1 + usize::from(max - min) + 1,
            CellKind::Metric { denominator, not_applicable, .. } => {
                1 + usize::from(*not_applicable) + *denominator as usize + 1
            }
        }
    }

    /// The number of figures [`Cell::derive`] gives: n, the sum's and the
    /// sum of squares' numerators, the histogram's bins, and "not
    /// applicable" where offered.
    pub fn derived_length(&self) -> usize {
        FIRST_BIN + self.bins() + usize::from(self.offers_not_applicable())
    }

    /// The number of bins of the released histogram.
    fn bins(&self) -> usize {
        match &self.kind {
            CellKind::Item { min, max, .. } => usize::from(max - min) + 1,
            CellKind::Metric { .. } => METRIC_HISTOGRAM_BINS,
        }
    }

    /// Whether the cell counts "not applicable" (a metric whose every item
    /// the week asked allows it).
    pub fn offers_not_applicable(&self) -> bool {
        matches!(self.kind, CellKind::Metric { not_applicable: true, .. })
    }

    /// The first bucket of a metric's numerators.
    fn first_value_bucket(&self) -> usize {
        match &self.kind {
            CellKind::Item { .. } => 1,
            CellKind::Metric { not_applicable, .. } => 1 + usize::from(*not_applicable),
        }
    }

    /// The released figures as whole-number linear functions of the
    /// buckets, applied to `buckets` (one value per bucket; a share or the
    /// plain counts, in any ring the caller works in): `[n, sum numerator,
    /// sum of squares numerator, histogram bins…, not applicable?]`. For an
    /// item the numerators are the sums of values and of their squares; for
    /// a metric they are `Σ N` and `Σ N²`, the sums of scores and of their
    /// squares times `denominator / 100` and its square.
    pub fn derive<T>(&self, buckets: &[T]) -> Vec<T>
    where
        T: Copy + std::ops::Add<Output = T> + std::ops::Mul<Output = T> + From<u32>,
    {
        let zero = T::from(0);
        let mut n = zero;
        let mut sum = zero;
        let mut squares = zero;
        let first = self.first_value_bucket();
        let mut out = Vec::with_capacity(self.derived_length());
        match &self.kind {
            CellKind::Item { min, max, .. } => {
                let mut bins = Vec::with_capacity(usize::from(max - min) + 1);
                for (offset, value) in (*min..=*max).enumerate() {
                    let count = buckets.get(first + offset).copied().unwrap_or(zero);
                    let value = T::from(u32::from(value));
                    n = n + count;
                    sum = sum + count * value;
                    squares = squares + count * value * value;
                    bins.push(count);
                }
                out.extend([n, sum, squares]);
                out.extend(bins);
            }
            CellKind::Metric { denominator, not_applicable, .. } => {
                let mut bins = vec![zero; METRIC_HISTOGRAM_BINS];
                for numerator in 0..=*denominator {
                    let count = buckets.get(first + numerator as usize).copied().unwrap_or(zero);
                    let value = T::from(numerator);
                    n = n + count;
                    sum = sum + count * value;
                    squares = squares + count * value * value;
                    bins[metric_bin(numerator, *denominator)] =
                        bins[metric_bin(numerator, *denominator)] + count;
                }
                out.extend([n, sum, squares]);
                out.extend(bins);
                if *not_applicable {
                    out.push(buckets.get(1).copied().unwrap_or(zero));
                }
            }
        }
        out
    }

    /// The figures of the cell from its derived values ([`Cell::derive`]
    /// applied to the plain or the combined counts).
    pub fn figures(&self, derived: &[i64]) -> CellFigures {
        let at = |index: usize| derived.get(index).copied().unwrap_or(0);
        match &self.kind {
            CellKind::Item { .. } => CellFigures {
                key: self.key.clone(),
                n: at(N),
                sum: at(SUM) as f64,
                sum_squares: at(SUM_SQUARES) as f64,
                histogram: (0..self.bins()).map(|bin| at(FIRST_BIN + bin)).collect(),
                not_applicable: None,
            },
            CellKind::Metric { denominator, not_applicable, .. } => {
                let unit = 100.0 / f64::from(*denominator);
                CellFigures {
                    key: self.key.clone(),
                    n: at(N),
                    sum: at(SUM) as f64 * unit,
                    sum_squares: at(SUM_SQUARES) as f64 * unit * unit,
                    histogram: (0..METRIC_HISTOGRAM_BINS).map(|bin| at(FIRST_BIN + bin)).collect(),
                    not_applicable: not_applicable.then(|| at(FIRST_BIN + METRIC_HISTOGRAM_BINS)),
                }
            }
        }
    }
}

/// A cell's figures in the order [`Cell::derive`] gives them, of any kind
/// of number: plain counts, or one server's shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureParts<T> {
    /// The count.
    pub n: T,
    /// The numerator of the sum (see [`SumScale`]).
    pub sum: T,
    /// The numerator of the sum of squares.
    pub sum_squares: T,
    /// The histogram's bins.
    pub bins: Vec<T>,
    /// The "not applicable" count, where the cell offers it.
    pub not_applicable: Option<T>,
}

/// How a cell's sum numerator reads as values: each value is
/// `(offset + u) × unit` for a whole `u` from 0 to `range`, and the sum
/// numerator is the sum of `offset + u`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SumScale {
    /// The lowest value in units (an item's lowest answer; 0 for a score).
    pub offset: i64,
    /// How many units the values span: one value moves a centred sum by at most this.
    pub range: u32,
    /// What one unit is worth on the released scale (1 for an item; 100 /
    /// denominator for a score).
    pub unit: f64,
}

impl Cell {
    /// The figures of `derived` (as [`Cell::derive`] gives them), by name;
    /// `None` if it is not as long as the cell's.
    pub fn parts<T: Copy>(&self, derived: &[T]) -> Option<FigureParts<T>> {
        if derived.len() != self.derived_length() {
            return None;
        }
        let bins_end = FIRST_BIN + self.bins();
        Some(FigureParts {
            n: derived[N],
            sum: derived[SUM],
            sum_squares: derived[SUM_SQUARES],
            bins: derived[FIRST_BIN..bins_end].to_vec(),
            not_applicable: self.offers_not_applicable().then(|| derived[bins_end]),
        })
    }

    /// How the cell's sum numerator reads as values.
    pub fn sum_scale(&self) -> SumScale {
        match &self.kind {
            CellKind::Item { min, max, .. } => {
                SumScale { offset: i64::from(*min), range: u32::from(max - min), unit: 1.0 }
            }
            CellKind::Metric { denominator, .. } => {
                SumScale { offset: 0, range: *denominator, unit: 100.0 / f64::from(*denominator) }
            }
        }
    }
}

/// The ten-point bin of the score `100 × numerator / denominator`: its tens,
/// with 100 in the last bin. Exact, in whole numbers.
fn metric_bin(numerator: u32, denominator: u32) -> usize {
    let tens = u64::from(numerator) * 10 / u64::from(denominator.max(1));
    (tens as usize).min(METRIC_HISTOGRAM_BINS - 1)
}

/// Why answers do not fit a week's layout. Each names the item at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The schedule asks an item the bank does not have.
    #[error("item '{item}' is not in the item bank")]
    UnknownItem {
        /// The item.
        item: String,
    },
    /// The answer is to an item the week did not ask.
    #[error("item '{item}' was not asked in {week}")]
    NotAsked {
        /// The item.
        item: String,
        /// The week.
        week: IsoWeek,
    },
    /// The item is answered or marked twice.
    #[error("item '{item}' is answered more than once")]
    Duplicate {
        /// The item.
        item: String,
    },
    /// The value is not on the item's scale.
    #[error("item '{item}' is answered from {min} to {max}, so {value} is not an answer")]
    OutOfScale {
        /// The item.
        item: String,
        /// The value given.
        value: u8,
        /// The scale's lowest value.
        min: u8,
        /// The scale's highest value.
        max: u8,
    },
    /// The item cannot be marked "not applicable" in this week.
    #[error("item '{item}' cannot be marked not applicable in {week}")]
    NotApplicableRefused {
        /// The item.
        item: String,
        /// The week.
        week: IsoWeek,
    },
    /// A measurement has the wrong number of cells, or a bucket outside its cell.
    #[error("a measurement of {week} must have one bucket in each of its {cells} cells")]
    Shape {
        /// The week.
        week: IsoWeek,
        /// The cells of its layout.
        cells: usize,
    },
}

/// The cells of one week's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekLayout {
    week: IsoWeek,
    cells: Vec<Cell>,
}

/// One bucket per cell: what a single report contributes.
pub type Measurement = Vec<usize>;

impl WeekLayout {
    /// The layout of `week` under `schedule`: the asked items in the order
    /// the pulse shows them, then the metrics they score in [`Metric::ALL`]
    /// order.
    pub fn new(bank: &ItemBank, schedule: &Schedule, week: IsoWeek) -> Result<Self, LayoutError> {
        let asked = schedule.items_for_week(week);
        let mut cells = Vec::with_capacity(asked.len() * 2);
        let mut per_metric: BTreeMap<Metric, Vec<ScoredItem>> = BTreeMap::new();
        let mut not_applicable: BTreeMap<Metric, bool> = BTreeMap::new();
        for item_id in &asked {
            let item = bank
                .item(item_id.as_str())
                .ok_or_else(|| LayoutError::UnknownItem { item: item_id.to_string() })?;
            let scale = bank.scale_of(item);
            let allowed = schedule.allows_not_applicable(bank, week, item_id.as_str());
            cells.push(Cell {
                key: CellKey::Item(item.id.clone()),
                kind: CellKind::Item {
                    min: scale.min,
                    max: scale.max,
                    metric: item.metric,
                    not_applicable: allowed,
                },
            });
            per_metric.entry(item.metric).or_default().push(ScoredItem {
                id: item.id.clone(),
                min: scale.min,
                max: scale.max,
                reverse: item.reverse,
                weight: 0,
            });
            not_applicable.entry(item.metric).and_modify(|all| *all &= allowed).or_insert(allowed);
        }
        for metric in Metric::ALL {
            let Some(mut items) = per_metric.remove(&metric) else { continue };
            if requires_every_item(metric) && items.len() < bank.items_for(metric).count() {
                continue;
            }
            let lcm = items.iter().map(|item| u32::from(item.max - item.min)).fold(1, lcm);
            for item in &mut items {
                item.weight = lcm / u32::from(item.max - item.min).max(1);
            }
            let denominator = lcm * items.len() as u32;
            cells.push(Cell {
                key: CellKey::Metric(metric),
                kind: CellKind::Metric {
                    items,
                    denominator,
                    not_applicable: not_applicable.get(&metric).copied().unwrap_or(false),
                },
            });
        }
        Ok(Self { week, cells })
    }

    /// The week.
    pub fn week(&self) -> IsoWeek {
        self.week
    }

    /// The cells, in the order of every measurement and share.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The buckets a report with `answers` and the items marked "not
    /// applicable" lights, one per cell, under the server's counting rules
    /// (see the module's documentation).
    pub fn measure(&self, answers: &[Answer], not_applicable: &[ItemId]) -> Result<Measurement, LayoutError> {
        let week = self.week;
        let asked_item = |id: &ItemId| {
            self.cells.iter().find_map(|cell| match (&cell.key, &cell.kind) {
                (CellKey::Item(item), CellKind::Item { min, max, .. }) if item == id => Some((*min, *max)),
                _ => None,
            })
        };
        let mut values: BTreeMap<&ItemId, u8> = BTreeMap::new();
        for answer in answers {
            let (min, max) = asked_item(&answer.item)
                .ok_or_else(|| LayoutError::NotAsked { item: answer.item.to_string(), week })?;
            if !(min..=max).contains(&answer.value) {
                return Err(LayoutError::OutOfScale {
                    item: answer.item.to_string(),
                    value: answer.value,
                    min,
                    max,
                });
            }
            if values.insert(&answer.item, answer.value).is_some() {
                return Err(LayoutError::Duplicate { item: answer.item.to_string() });
            }
        }
        let mut marked: Vec<&ItemId> = Vec::with_capacity(not_applicable.len());
        for item in not_applicable {
            asked_item(item).ok_or_else(|| LayoutError::NotAsked { item: item.to_string(), week })?;
            if values.contains_key(item) || marked.contains(&item) {
                return Err(LayoutError::Duplicate { item: item.to_string() });
            }
            marked.push(item);
        }

        // A metric is complete when every item of it the week asked is
        // answered, and marked not applicable when every one is marked.
        let asked_of = |metric: Metric| {
            self.cells.iter().filter_map(move |cell| match (&cell.key, &cell.kind) {
                (CellKey::Item(id), CellKind::Item { metric: of, .. }) if *of == metric => Some(id),
                _ => None,
            })
        };
        let complete = |metric: Metric| asked_of(metric).all(|id| values.contains_key(id));
        let all_marked = |metric: Metric| asked_of(metric).all(|id| marked.contains(&id));
        for item in &marked {
            let offered = self.cells.iter().any(|cell| {
                matches!((&cell.key, &cell.kind), (CellKey::Item(id), CellKind::Item { not_applicable: true, .. }) if id == *item)
            });
            if !offered {
                return Err(LayoutError::NotApplicableRefused { item: item.to_string(), week });
            }
        }

        Ok(self
            .cells
            .iter()
            .map(|cell| match (&cell.key, &cell.kind) {
                (CellKey::Item(id), CellKind::Item { min, metric, .. }) => match values.get(id) {
                    Some(value) if complete(*metric) => 1 + usize::from(value - min),
                    _ => NOT_COUNTED,
                },
                (CellKey::Metric(metric), CellKind::Metric { items, not_applicable: offered, .. }) => {
                    if complete(*metric) {
                        let numerator: u32 = items
                            .iter()
                            .map(|item| {
                                let value = values.get(&item.id).copied().unwrap_or(item.min);
                                let steps = if item.reverse { item.max - value } else { value - item.min };
                                u32::from(steps) * item.weight
                            })
                            .sum();
                        cell.first_value_bucket() + numerator as usize
                    } else if *offered && all_marked(*metric) {
                        1
                    } else {
                        NOT_COUNTED
                    }
                }
                _ => NOT_COUNTED,
            })
            .collect())
    }

    /// Checks that `measurement` has one bucket within each cell.
    pub fn check(&self, measurement: &[usize]) -> Result<(), LayoutError> {
        let fits = measurement.len() == self.cells.len()
            && measurement.iter().zip(&self.cells).all(|(bucket, cell)| *bucket < cell.length());
        if fits { Ok(()) } else { Err(LayoutError::Shape { week: self.week, cells: self.cells.len() }) }
    }

    /// The plain figures of `measurements` summed, cell by cell: what the
    /// two servers' combined shares must equal with noise off.
    pub fn plain_figures(&self, measurements: &[Measurement]) -> Vec<CellFigures> {
        self.cells
            .iter()
            .enumerate()
            .map(|(index, cell)| {
                let mut counts = vec![0u64; cell.length()];
                for measurement in measurements {
                    if let Some(slot) = measurement.get(index).and_then(|bucket| counts.get_mut(*bucket)) {
                        *slot += 1;
                    }
                }
                let derived: Vec<i64> = cell
                    .derive(&counts.iter().map(|count| Wide(i128::from(*count))).collect::<Vec<_>>())
                    .into_iter()
                    .map(|Wide(value)| value as i64)
                    .collect();
                cell.figures(&derived)
            })
            .collect()
    }
}

/// Least common multiple, for a metric's common denominator.
fn lcm(left: u32, right: u32) -> u32 {
    let right = right.max(1);
    left / gcd(left, right) * right
}

fn gcd(mut left: u32, mut right: u32) -> u32 {
    while right != 0 {
        (left, right) = (right, left % right);
    }
    left.max(1)
}

/// Whole numbers for [`Cell::derive`] on plain counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wide(i128);

impl std::ops::Add for Wide {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self(self.0 + other.0)
    }
}

impl std::ops::Mul for Wide {
    type Output = Self;
    fn mul(self, other: Self) -> Self {
        Self(self.0 * other.0)
    }
}

impl From<u32> for Wide {
    fn from(value: u32) -> Self {
        Self(i128::from(value))
    }
}

#[cfg(test)]
mod tests {
    use polso_core::questionnaire::{Questionnaire, QuestionnairePlan};
    use polso_core::scoring::score_answers;

    use super::*;

    fn plans() -> Vec<QuestionnairePlan> {
        vec![
            QuestionnairePlan::legacy(),
            QuestionnairePlan::for_new_organisation(),
            QuestionnairePlan::single(Questionnaire::EDITION_3_WITH_WHO5).expect("plan"),
        ]
    }

    fn weeks() -> impl Iterator<Item = IsoWeek> {
        let first = IsoWeek::new(2026, 1).expect("week");
        (0..104).map(move |offset| first.plus_weeks(offset))
    }

    /// A complete set of answers for the week, varied by `salt` without a
    /// random generator, so every failure is reproducible.
    fn answers(layout: &WeekLayout, salt: usize) -> Vec<Answer> {
        layout
            .cells()
            .iter()
            .enumerate()
            .filter_map(|(index, cell)| match (&cell.key, &cell.kind) {
                (CellKey::Item(id), CellKind::Item { min, max, .. }) => {
                    let points = usize::from(max - min) + 1;
                    let value = *min + ((salt * 7 + index * 3 + salt / 3) % points) as u8;
                    Some(Answer { item: id.clone(), value })
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_score_a_week_gives_lands_in_its_own_bucket_and_reads_back_exactly() {
        let bank = ItemBank::embedded();
        let mut metric_cells = 0;
        for plan in plans() {
            for seed in [1, 7] {
                let schedule = Schedule::with_plan(bank, seed, &plan);
                for week in weeks() {
                    let layout = WeekLayout::new(bank, &schedule, week).expect("layout");
                    for salt in 0..12 {
                        let answers = answers(&layout, salt);
                        let measurement = layout.measure(&answers, &[]).expect("measured");
                        layout.check(&measurement).expect("one bucket per cell");
                        let figures = layout.plain_figures(&[measurement]);
                        let scores = score_answers(bank, &answers).expect("scored");
                        for figure in &figures {
                            match &figure.key {
                                CellKey::Item(id) => {
                                    let answer =
                                        answers.iter().find(|answer| &answer.item == id).expect("answered");
                                    let value = f64::from(answer.value);
                                    assert_eq!(
                                        (figure.n, figure.sum, figure.sum_squares),
                                        (1, value, value * value),
                                        "{id} in {week}"
                                    );
                                    assert_eq!(figure.histogram.iter().sum::<i64>(), 1);
                                }
                                CellKey::Metric(metric) => {
                                    metric_cells += 1;
                                    let score =
                                        scores.iter().find(|score| score.metric == *metric).expect("scored");
                                    assert_eq!(figure.n, 1, "{metric:?} in {week}");
                                    assert!(
                                        (figure.sum - score.score).abs() < 1e-9,
                                        "{metric:?} in {week}: {} against {}",
                                        figure.sum,
                                        score.score
                                    );
                                    assert!((figure.sum_squares - score.score * score.score).abs() < 1e-6);
                                    let bin = ((score.score / 10.0).floor() as usize)
                                        .min(METRIC_HISTOGRAM_BINS - 1);
                                    assert_eq!(
                                        figure.histogram[bin], 1,
                                        "{metric:?} in {week}: bin of {}",
                                        score.score
                                    );
                                }
                            }
                        }
                        // Every metric scored is a cell, and no other.
                        let cells =
                            figures.iter().filter(|figure| matches!(figure.key, CellKey::Metric(_))).count();
                        assert_eq!(cells, scores.len(), "{week}");
                    }
                }
            }
        }
        assert!(metric_cells > 10_000, "{metric_cells}");
    }

    #[test]
    fn an_item_and_its_metric_count_only_when_every_item_of_the_metric_the_week_asked_is_answered() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::with_plan(bank, 3, &QuestionnairePlan::legacy());
        // A week that asks two items of one metric (a WHO-5 week).
        let (layout, metric) = weeks()
            .find_map(|week| {
                let layout = WeekLayout::new(bank, &schedule, week).expect("layout");
                let metric = Metric::ALL.into_iter().find(|metric| {
                    layout
                        .cells()
                        .iter()
                        .filter(
                            |cell| matches!(cell.kind, CellKind::Item { metric: of, .. } if of == *metric),
                        )
                        .count()
                        >= 2
                })?;
                Some((layout, metric))
            })
            .expect("a week asking two items of one metric");
        let mut answers = answers(&layout, 1);
        let dropped = answers
            .iter()
            .position(|answer| bank.item(answer.item.as_str()).is_some_and(|item| item.metric == metric))
            .expect("an item of the metric");
        answers.remove(dropped);
        let measurement = layout.measure(&answers, &[]).expect("measured");
        for (cell, bucket) in layout.cells().iter().zip(&measurement) {
            let of_metric = match &cell.kind {
                CellKind::Item { metric: of, .. } => *of == metric,
                CellKind::Metric { .. } => cell.key == CellKey::Metric(metric),
            };
            assert_eq!(*bucket == NOT_COUNTED, of_metric, "{}", cell.key.label());
        }
    }

    #[test]
    fn not_applicable_has_its_own_bucket_lit_only_when_every_item_of_the_metric_is_marked() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::with_plan(bank, 5, &QuestionnairePlan::for_new_organisation());
        let (layout, metric, marked) = weeks()
            .find_map(|week| {
                let layout = WeekLayout::new(bank, &schedule, week).expect("layout");
                layout.cells().iter().find_map(|cell| match (&cell.key, &cell.kind) {
                    (CellKey::Metric(metric), CellKind::Metric { items, not_applicable: true, .. }) => {
                        Some((
                            layout.clone(),
                            *metric,
                            items.iter().map(|item| item.id.clone()).collect::<Vec<_>>(),
                        ))
                    }
                    _ => None,
                })
            })
            .expect("an edition 3 week offering 'not applicable'");
        let others: Vec<Answer> =
            answers(&layout, 2).into_iter().filter(|answer| !marked.contains(&answer.item)).collect();
        let measurement = layout.measure(&others, &marked).expect("measured");
        let figures = layout.plain_figures(&[measurement]);
        let cell =
            figures.iter().find(|figure| figure.key == CellKey::Metric(metric)).expect("the metric's cell");
        assert_eq!((cell.n, cell.not_applicable), (0, Some(1)));
        for item in &marked {
            let figure =
                figures.iter().find(|figure| figure.key == CellKey::Item(item.clone())).expect("item cell");
            assert_eq!(figure.n, 0, "a marked item is not an answer");
        }
        // Answered, the same metric counts a score and no "not applicable".
        let measurement = layout.measure(&answers(&layout, 2), &[]).expect("measured");
        let figures = layout.plain_figures(&[measurement]);
        let cell =
            figures.iter().find(|figure| figure.key == CellKey::Metric(metric)).expect("the metric's cell");
        assert_eq!((cell.n, cell.not_applicable), (1, Some(0)));
        // An edition 2 week offers no "not applicable" at all.
        let legacy = Schedule::with_plan(bank, 5, &QuestionnairePlan::legacy());
        let layout = WeekLayout::new(bank, &legacy, layout.week()).expect("layout");
        assert!(
            layout
                .cells()
                .iter()
                .all(|cell| !matches!(cell.kind, CellKind::Metric { not_applicable: true, .. }))
        );
    }

    #[test]
    fn answers_that_do_not_fit_the_week_are_refused_naming_the_item() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::with_plan(bank, 2, &QuestionnairePlan::legacy());
        let week = IsoWeek::new(2026, 10).expect("week");
        let layout = WeekLayout::new(bank, &schedule, week).expect("layout");
        let answers = answers(&layout, 0);
        let first = answers[0].clone();
        let not_asked = bank
            .items()
            .iter()
            .find(|item| !answers.iter().any(|answer| answer.item == item.id))
            .expect("an item not asked");
        let error =
            layout.measure(&[Answer { item: not_asked.id.clone(), value: 1 }], &[]).expect_err("not asked");
        assert!(error.to_string().contains(not_asked.id.as_str()), "{error}");
        let error = layout.measure(&[first.clone(), first.clone()], &[]).expect_err("twice");
        assert_eq!(error, LayoutError::Duplicate { item: first.item.to_string() });
        let error = layout
            .measure(&[Answer { item: first.item.clone(), value: 99 }], &[])
            .expect_err("off the scale");
        assert!(matches!(error, LayoutError::OutOfScale { value: 99, .. }), "{error}");
        let error = layout
            .measure(&[], std::slice::from_ref(&first.item))
            .expect_err("edition 2 offers no 'not applicable'");
        assert!(matches!(error, LayoutError::NotApplicableRefused { .. }), "{error}");
        assert!(layout.check(&[0]).is_err());
        assert!(layout.check(&vec![usize::MAX; layout.cells().len()]).is_err());
    }

    #[test]
    fn the_released_metric_bins_are_tens_with_a_hundred_in_the_last() {
        assert_eq!(metric_bin(0, 20), 0);
        assert_eq!(metric_bin(1, 20), 0);
        assert_eq!(metric_bin(2, 20), 1);
        assert_eq!(metric_bin(19, 20), 9);
        assert_eq!(metric_bin(20, 20), 9);
        assert_eq!(lcm(4, 10), 20);
        assert_eq!(lcm(1, 4), 4);
    }
}
