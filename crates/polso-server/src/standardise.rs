//! Drivers on one level: a driver asks its items in turn, and items differ
//! in how readily people agree with them, so a driver's weekly mean moves
//! with the item asked. Each item's offset from the driver's anchor item,
//! estimated on released weeks, puts every week on the anchor's level.
//! Post-processing of released figures only: it discloses nothing they do
//! not, and spends no budget.

use std::collections::{BTreeMap, HashMap};

/// How many released weeks of an item the baseline needs before its offset
/// from the anchor is trusted: with one, the offset would absorb that week's
/// own level and flatten it.
pub const MIN_BASELINE_WEEKS_PER_ITEM: usize = 2;

/// One released week of a driver in the baseline: the item the schedule
/// asked for the driver that week, and the released mean (0–100) and count.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverWeek {
    /// The item asked.
    pub item: String,
    /// The released mean score, 0–100.
    pub mean: f64,
    /// The released count.
    pub n: u32,
}

/// How far each item of a driver sits from the driver's anchor item, in
/// score points, estimated on released weeks (`baseline`): the n-weighted
/// mean of an item's weeks minus the anchor's. A driver asks its items in
/// turn, and items differ in how easily people agree with them, so the raw
/// weekly mean moves with the item asked; subtracting the item's offset puts
/// every week on the anchor's level, so the line moves with the people.
///
/// Items with fewer than [`MIN_BASELINE_WEEKS_PER_ITEM`] released weeks get
/// no offset. Without a released anchor, the reference is the mean of the
/// items' levels. The anchor's own offset is 0. Post-processing of released
/// figures only.
pub fn item_offsets(baseline: &[DriverWeek], anchor: Option<&str>) -> HashMap<String, f64> {
    let mut sums: BTreeMap<&str, (f64, f64, usize)> = BTreeMap::new();
    for week in baseline.iter().filter(|week| week.n > 0 && week.mean.is_finite()) {
        let entry = sums.entry(week.item.as_str()).or_default();
        entry.0 += week.mean * f64::from(week.n);
        entry.1 += f64::from(week.n);
        entry.2 += 1;
    }
    let levels: BTreeMap<&str, f64> = sums
        .into_iter()
        .filter(|(item, (_, _, n_weeks))| *n_weeks >= MIN_BASELINE_WEEKS_PER_ITEM || Some(*item) == anchor)
        .map(|(item, (weighted, total, _))| (item, weighted / total))
        .collect();
    let reference = match anchor.and_then(|anchor| levels.get(anchor)) {
        Some(level) => *level,
        None if levels.is_empty() => return HashMap::new(),
        None => levels.values().sum::<f64>() / levels.len() as f64,
    };
    levels.into_iter().map(|(item, level)| (item.to_owned(), level - reference)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(item: &str, mean: f64, n: u32) -> DriverWeek {
        DriverWeek { item: item.to_owned(), mean, n }
    }

    /// A team whose level is flat at 60 on the anchor, asked an item that
    /// reads 15 points lower and one that reads 10 higher: the raw series
    /// zig-zags with the item, the standardised one is flat.
    #[test]
    fn offsets_put_every_item_on_the_anchors_level() {
        let baseline = [
            week("a", 60.0, 20),
            week("b", 45.0, 20),
            week("c", 70.0, 20),
            week("a", 60.0, 10),
            week("b", 45.0, 30),
            week("c", 70.0, 20),
        ];
        let offsets = item_offsets(&baseline, Some("a"));
        assert_eq!(offsets["a"], 0.0);
        assert!((offsets["b"] + 15.0).abs() < 1e-12);
        assert!((offsets["c"] - 10.0).abs() < 1e-12);
        for one in &baseline {
            assert!((one.mean - offsets[&one.item] - 60.0).abs() < 1e-12, "{one:?}");
        }
    }

    /// A real change of the team shows through: the offsets come from the
    /// whole baseline, so a later drop of every item is kept.
    #[test]
    fn a_change_of_the_people_is_kept() {
        let mut baseline = Vec::new();
        for drop in [0.0, 0.0, 20.0] {
            baseline.push(week("a", 60.0 - drop, 20));
            baseline.push(week("b", 45.0 - drop, 20));
        }
        let offsets = item_offsets(&baseline, Some("a"));
        let last_b = 25.0 - offsets["b"];
        let first_b = 45.0 - offsets["b"];
        assert!((first_b - last_b - 20.0).abs() < 1e-12);
    }

    #[test]
    fn thin_or_missing_baselines_give_no_offset_and_no_anchor_uses_the_items_mean() {
        let offsets = item_offsets(&[week("a", 60.0, 20), week("b", 40.0, 20)], Some("a"));
        assert_eq!(offsets.get("b"), None, "one week of b is not enough");
        assert_eq!(offsets["a"], 0.0);
        let baseline = [week("b", 40.0, 20), week("b", 40.0, 20), week("c", 60.0, 20), week("c", 60.0, 20)];
        let offsets = item_offsets(&baseline, Some("a"));
        assert!((offsets["b"] + 10.0).abs() < 1e-12 && (offsets["c"] - 10.0).abs() < 1e-12);
        assert!(item_offsets(&[], Some("a")).is_empty());
        assert!(item_offsets(&[week("a", f64::NAN, 3), week("a", 50.0, 0)], Some("a")).is_empty());
    }
}
