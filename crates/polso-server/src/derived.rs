//! Figures derived from a released histogram: the true eNPS (promoters minus
//! detractors) and the share of people reporting burnout symptoms.
//!
//! Both are post-processing of the histogram publication released, noised
//! when differential privacy is on: never of raw sums. So they disclose
//! nothing the histogram does not, spend no budget, and are withheld exactly
//! when it is (fewer than k, below the histogram minimum, or held back by
//! secondary suppression).
//!
//! How k applies to the eNPS categories: the cell's histogram leaves only from
//! the histogram minimum (at least 2k) and under secondary suppression, so no
//! department's histogram minus a team's gives a withheld team's. Within a
//! released cell, a category is not withheld on its own even when few
//! answered in it: any one share follows from the others (100 minus the other
//! two, or the eNPS plus the detractors) and from the histogram served beside
//! it, so hiding it would only pretend to protect it.

use polso_api::EnpsFigures;
use polso_core::Metric;
use polso_core::bank::ItemBank;

use crate::privacy::METRIC_HISTOGRAM_BINS;

/// The lowest answer of the single-item burnout measure (1–5) that reports
/// burnout symptoms when the bank records no cut-off for it: 3, "I am
/// definitely burning out…" (Dolan et al. 2015; Rohland et al. 2004). The
/// bank's own `cutoff` of the item wins ([`burnout_cutoff`]).
pub const BURNOUT_SYMPTOMS_FROM: u8 = 3;

/// The burnout item's validated cut-off as the bank records it, or
/// [`BURNOUT_SYMPTOMS_FROM`].
pub fn burnout_cutoff(bank: &ItemBank) -> u8 {
    bank.items_for(Metric::Burnout)
        .find_map(|item| item.cutoff.as_ref())
        .map_or(BURNOUT_SYMPTOMS_FROM, |cutoff| cutoff.at_least)
}

/// What a key's histogram counts, for the figures derived from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HistogramOf {
    /// An item's answers, one bin per point of its scale from `min`.
    ItemPoints { min: u8, metric: Metric },
    /// A metric scored from one item, in ten score bins of ten points (100 in
    /// the last), the item's answers moved to the bin they score in.
    SingleItemMetric { min: u8, max: u8, reverse: bool, metric: Metric },
}

/// Whether [`derived_figures`] derives a figure from `key`'s released
/// histogram (eNPS, the burnout share): a read that needs none skips it.
pub fn derives_from_histogram(bank: &ItemBank, key: &str) -> bool {
    let metric = match histogram_of(bank, key) {
        Some(HistogramOf::ItemPoints { metric, .. } | HistogramOf::SingleItemMetric { metric, .. }) => metric,
        None => return false,
    };
    matches!(metric, Metric::Enps | Metric::Burnout)
}

/// How `key` (an item id or a metric key) is read for derived figures;
/// `None` for keys that have none.
fn histogram_of(bank: &ItemBank, key: &str) -> Option<HistogramOf> {
    if let Some(metric) = Metric::from_key(key) {
        // A metric's histogram counts answers only when one item scores it;
        // a multi-item score's bins are means, with no cut-off to read.
        let mut items = bank.items_for(metric);
        let only = items.next()?;
        if items.next().is_some() {
            return None;
        }
        let scale = bank.scale_of(only);
        return Some(HistogramOf::SingleItemMetric {
            min: scale.min,
            max: scale.max,
            reverse: only.reverse,
            metric,
        });
    }
    let item = bank.item(key)?;
    Some(HistogramOf::ItemPoints { min: bank.scale_of(item).min, metric: item.metric })
}

/// The released count of each answer `min..=max` of a single-item metric's
/// score histogram: a 0–10 item lands one answer per bin (9 and 10 share the
/// last, both promoters); a 1–5 item lands on bins 0, 2, 5, 7 and 9 (turned
/// around when reversed). `None` when the bins do not match the scale.
fn answers_of_score_bins(histogram: &[u32], min: u8, max: u8, reverse: bool) -> Option<Vec<(u8, u32)>> {
    if histogram.len() != METRIC_HISTOGRAM_BINS || max <= min {
        return None;
    }
    let range = f64::from(max - min);
    let mut answers: Vec<(u8, u32)> = Vec::new();
    let mut bins_taken = [false; METRIC_HISTOGRAM_BINS];
    for answer in min..=max {
        let steps = if reverse { max - answer } else { answer - min };
        let score = f64::from(steps) / range * 100.0;
        // The score is within 0..=100, so the cast is exact.
        let bin = ((score / 10.0).floor() as usize).min(METRIC_HISTOGRAM_BINS - 1);
        if bins_taken[bin] {
            // Two answers share this bin (9 and 10 on 0–10): count it once,
            // under the first; callers only ask about ranges both are in.
            continue;
        }
        bins_taken[bin] = true;
        answers.push((answer, histogram[bin]));
    }
    Some(answers)
}

/// The eNPS of `counts`, (answer, released count) pairs of the 0–10 answers;
/// `None` when they count nobody.
pub fn enps_of_answer_counts(counts: &[(u8, u32)]) -> Option<EnpsFigures> {
    let mut promoters = 0u64;
    let mut passives = 0u64;
    let mut detractors = 0u64;
    for &(answer, count) in counts {
        match polso_core::enps_category(answer) {
            polso_core::EnpsCategory::Promoter => promoters += u64::from(count),
            polso_core::EnpsCategory::Passive => passives += u64::from(count),
            polso_core::EnpsCategory::Detractor => detractors += u64::from(count),
        }
    }
    let total = promoters + passives + detractors;
    if total == 0 {
        return None;
    }
    let percent = |count: u64| count as f64 / total as f64 * 100.0;
    Some(EnpsFigures {
        promoters: percent(promoters),
        passives: percent(passives),
        detractors: percent(detractors),
        enps: percent(promoters) - percent(detractors),
    })
}

/// The percentage of answers at `cutoff` or more among `counts` of the 1–5
/// burnout answers; `None` when there are none.
pub fn burnout_share_of_answer_counts(counts: &[(u8, u32)], cutoff: u8) -> Option<f64> {
    let total: u64 = counts.iter().map(|&(_, count)| u64::from(count)).sum();
    if total == 0 {
        return None;
    }
    let with_symptoms: u64 =
        counts.iter().filter(|&&(answer, _)| answer >= cutoff).map(|&(_, count)| u64::from(count)).sum();
    Some(with_symptoms as f64 / total as f64 * 100.0)
}

/// The figures derived from the released `histogram` of `key`: the eNPS for
/// the eNPS item or metric, the burnout share for the burnout item or
/// metric, nothing for other keys or without a histogram.
pub fn derived_figures(
    bank: &ItemBank,
    key: &str,
    histogram: Option<&[u32]>,
) -> (Option<EnpsFigures>, Option<f64>) {
    let (Some(histogram), Some(of)) = (histogram, histogram_of(bank, key)) else {
        return (None, None);
    };
    let (metric, counts) = match of {
        HistogramOf::ItemPoints { min, metric } => {
            // An item's histogram counts its answers as given, from its lowest.
            let counts: Vec<(u8, u32)> = histogram
                .iter()
                .enumerate()
                .filter_map(|(position, &count)| {
                    let answer = u8::try_from(usize::from(min) + position).ok()?;
                    Some((answer, count))
                })
                .collect();
            (metric, counts)
        }
        HistogramOf::SingleItemMetric { min, max, reverse, metric } => {
            match answers_of_score_bins(histogram, min, max, reverse) {
                Some(counts) => (metric, counts),
                None => return (None, None),
            }
        }
    };
    match metric {
        Metric::Enps => (enps_of_answer_counts(&counts), None),
        Metric::Burnout => (None, burnout_share_of_answer_counts(&counts, burnout_cutoff(bank))),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enps_of_a_known_histogram_is_promoters_minus_detractors() {
        // 0..=10: 2 detractors at 3, 1 at 6; 2 passives at 7, 1 at 8; 3 at 9, 1 at 10.
        let histogram = [0, 0, 0, 2, 0, 0, 1, 2, 1, 3, 1];
        let (enps, burnout) = derived_figures(ItemBank::embedded(), "enps.1", Some(&histogram));
        let enps = enps.expect("eNPS of a released histogram");
        assert_eq!(burnout, None);
        assert!((enps.promoters - 40.0).abs() < 1e-9, "{enps:?}");
        assert!((enps.passives - 30.0).abs() < 1e-9, "{enps:?}");
        assert!((enps.detractors - 30.0).abs() < 1e-9, "{enps:?}");
        assert!((enps.enps - 10.0).abs() < 1e-9, "{enps:?}");
    }

    #[test]
    fn the_enps_metrics_score_bins_give_the_same_enps_as_the_item() {
        // The metric's bins of the same answers: 9 and 10 share the last bin.
        let histogram = [0, 0, 0, 2, 0, 0, 1, 2, 1, 4];
        let (enps, _) = derived_figures(ItemBank::embedded(), "enps", Some(&histogram));
        let enps = enps.expect("eNPS of the metric");
        assert!((enps.enps - 10.0).abs() < 1e-9, "{enps:?}");
        // All detractors and all promoters are the ends of the scale.
        let all_low = [10, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            derived_figures(ItemBank::embedded(), "enps", Some(&all_low)).0.map(|f| f.enps),
            Some(-100.0)
        );
        let all_high = [0, 0, 0, 0, 0, 0, 0, 0, 0, 10];
        assert_eq!(
            derived_figures(ItemBank::embedded(), "enps", Some(&all_high)).0.map(|f| f.enps),
            Some(100.0)
        );
    }

    #[test]
    fn the_burnout_share_counts_answers_of_three_or_more() {
        // Answers 1..=5: 4, 3, 2, 1, 0 → 3 of 10 at 3 or more.
        let item = [4, 3, 2, 1, 0];
        let (enps, share) = derived_figures(ItemBank::embedded(), "burnout.1", Some(&item));
        assert_eq!(enps, None);
        assert!((share.expect("share") - 30.0).abs() < 1e-9);
        // The metric is reversed: answers 1..5 score 100, 75, 50, 25, 0, in
        // bins 9, 7, 5, 2, 0.
        let metric = [0, 0, 1, 0, 0, 2, 0, 3, 0, 4];
        let (_, share) = derived_figures(ItemBank::embedded(), "burnout", Some(&metric));
        assert!((share.expect("share of the metric") - 30.0).abs() < 1e-9);
    }

    #[test]
    fn the_burnout_cut_off_is_the_measures_validated_one() {
        assert_eq!(burnout_cutoff(ItemBank::embedded()), 3);
        assert_eq!(burnout_share_of_answer_counts(&[(2, 1), (3, 1)], 3), Some(50.0));
        assert_eq!(burnout_share_of_answer_counts(&[(2, 1), (3, 1)], 4), Some(0.0));
    }

    #[test]
    fn a_withheld_or_empty_histogram_gives_nothing_and_other_keys_none() {
        let bank = ItemBank::embedded();
        assert_eq!(derived_figures(bank, "enps.1", None), (None, None));
        assert_eq!(derived_figures(bank, "burnout", None), (None, None));
        assert_eq!(derived_figures(bank, "enps.1", Some(&[0; 11])), (None, None));
        assert_eq!(derived_figures(bank, "wellbeing", Some(&[1; 10])), (None, None));
        // A metric histogram of the wrong length is not guessed at.
        assert_eq!(derived_figures(bank, "enps", Some(&[1; 4])), (None, None));
    }
}
