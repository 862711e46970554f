//! Scoring: metric scores from item answers.
//!
//! Scales differ (1–5 agreement, 0–5 frequency, 0–10 likelihood, 0–10
//! life satisfaction), so every answer is first put on one 0–100 scale and
//! only then averaged per metric. That way a team's scores, their trends and
//! their link to customer scores are comparable across metrics and across
//! weeks that asked different items.
//!
//! All scores are "higher is better". An item where a high answer is a bad
//! sign (such as "I found it hard to switch off from work this week", or the
//! single-item burnout measure, where 5 means complete burnout) is marked
//! `reverse` in the bank, and its answer is turned around here, so 100 is
//! always the best possible answer.
//!
//! For the WHO-5 this reproduces the instrument's own percentage score: the
//! raw sum of five 0–5 answers times 4 equals the mean of the five answers
//! put on 0–100. The index is defined on all five items, so it is scored only
//! when every WHO-5 item of the bank is answered: a week with four answers
//! has no WHO-5 score (its answers are still kept and counted as items), and
//! nothing is prorated. The eNPS answer (0–10) scores value × 10; the organisation's
//! eNPS (% promoters − % detractors) is computed from [`enps_category`] where
//! answers are aggregated, not here.

use std::collections::{BTreeMap, BTreeSet};

use crate::bank::{ItemBank, ItemId, Metric, Scale};

/// One answer: an item and the value chosen on its scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The item answered.
    pub item: ItemId,
    /// The value chosen, within the item's scale.
    pub value: u8,
}

/// A metric's score for one week's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricScore {
    /// The metric.
    pub metric: Metric,
    /// The score, 0 (worst) to 100 (best).
    pub score: f64,
}

/// Why answers cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoringError {
    /// The answer names an item the bank does not have.
    #[error("item '{item}' is not in the item bank")]
    UnknownItem {
        /// The unknown item id.
        item: ItemId,
    },
    /// The value is not on the item's scale.
    #[error("item '{item}' is answered from {min} to {max}, so {value} is not an answer")]
    ValueOutOfScale {
        /// The item answered.
        item: ItemId,
        /// The value given.
        value: u8,
        /// The scale's lowest value.
        min: u8,
        /// The scale's highest value.
        max: u8,
    },
}

/// Where an eNPS answer (0–10) puts the person who gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnpsCategory {
    /// 0 to 6: would not recommend the organisation.
    Detractor,
    /// 7 or 8: satisfied but unenthusiastic.
    Passive,
    /// 9 or 10: would recommend it.
    Promoter,
}

/// The eNPS category of an answer from 0 to 10. Values above 10 are not on
/// the scale (validation refuses them); should one arrive, it counts as the
/// top of the scale.
pub fn enps_category(value: u8) -> EnpsCategory {
    match value {
        0..=6 => EnpsCategory::Detractor,
        7 | 8 => EnpsCategory::Passive,
        _ => EnpsCategory::Promoter,
    }
}

/// One answer on the 0–100 scale, higher is better: `(value − min) / (max −
/// min) × 100`, or `(max − value) / (max − min) × 100` for a reversed item.
pub fn item_score(bank: &ItemBank, answer: &Answer) -> Result<f64, ScoringError> {
    scored_answer(bank, answer).map(|(_, score)| score)
}

/// The score of every metric the answers touch, in [`Metric::ALL`] order: the
/// mean of its items' 0–100 scores. Metrics without an answer are left out,
/// not scored 0, and so is a metric that is scored only when complete (see
/// [`requires_every_item`]) and lacks an answer to one of its items. Each
/// answer counts once, so the caller refuses duplicates first (as
/// [`crate::pulse::validate_submission`] does).
pub fn score_answers(bank: &ItemBank, answers: &[Answer]) -> Result<Vec<MetricScore>, ScoringError> {
    let mut totals: BTreeMap<Metric, (f64, u32)> = BTreeMap::new();
    let mut answered_items: BTreeSet<&ItemId> = BTreeSet::new();
    for answer in answers {
        let (metric, score) = scored_answer(bank, answer)?;
        let (sum, n_answers) = totals.entry(metric).or_insert((0.0, 0));
        *sum += score;
        *n_answers += 1;
        answered_items.insert(&answer.item);
    }
    Ok(Metric::ALL
        .into_iter()
        .filter(|&metric| {
            !requires_every_item(metric)
                || bank.items_for(metric).all(|item| answered_items.contains(&item.id))
        })
        .filter_map(|metric| {
            let &(sum, n_answers) = totals.get(&metric)?;
            Some(MetricScore { metric, score: sum / f64::from(n_answers) })
        })
        .collect())
}

/// Whether `metric` is scored only when every one of its items is answered.
/// True of the WHO-5, whose index is defined on all five items; false of the
/// drivers, which are a mean of whichever of their items a week asked.
pub fn requires_every_item(metric: Metric) -> bool {
    metric == Metric::Who5
}

/// The metric an answer feeds and the answer's 0–100 score.
fn scored_answer(bank: &ItemBank, answer: &Answer) -> Result<(Metric, f64), ScoringError> {
    let item = bank
        .item(answer.item.as_str())
        .ok_or_else(|| ScoringError::UnknownItem { item: answer.item.clone() })?;
    let scale = bank.scale_of(item);
    let score =
        normalised(scale, item.reverse, answer.value).ok_or_else(|| ScoringError::ValueOutOfScale {
            item: answer.item.clone(),
            value: answer.value,
            min: scale.min,
            max: scale.max,
        })?;
    Ok((item.metric, score))
}

/// `value` on `scale` as 0–100, turned around when `reverse`; `None` when the
/// value is not on the scale.
fn normalised(scale: &Scale, reverse: bool, value: u8) -> Option<f64> {
    if !scale.contains(value) {
        return None;
    }
    let steps_from_worst = if reverse { scale.max - value } else { value - scale.min };
    Some(f64::from(steps_from_worst) / f64::from(scale.max - scale.min) * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(item: &str, value: u8) -> Answer {
        Answer { item: ItemId(item.to_owned()), value }
    }

    fn scores(answers: &[Answer]) -> Vec<(Metric, f64)> {
        score_answers(ItemBank::embedded(), answers)
            .unwrap()
            .into_iter()
            .map(|score| (score.metric, score.score))
            .collect()
    }

    fn assert_close(actual: &[(Metric, f64)], expected: &[(Metric, f64)], case: &str) {
        assert_eq!(actual.len(), expected.len(), "{case}: {actual:?}");
        for ((metric, score), (expected_metric, expected_score)) in actual.iter().zip(expected) {
            assert_eq!(metric, expected_metric, "{case}");
            assert!((score - expected_score).abs() < 1e-9, "{case}: {metric:?} {score} != {expected_score}");
        }
    }

    #[test]
    fn single_items_are_normalised_to_0_100() {
        let cases = [
            // agree5, 1..5: (4 − 1) / 4 × 100 = 75.
            ("eng.1", 4, 75.0),
            ("eng.1", 1, 0.0),
            ("eng.1", 5, 100.0),
            // agree5 reversed: (5 − 4) / 4 × 100 = 25.
            ("wlb.2", 4, 25.0),
            ("wlb.2", 1, 100.0),
            // mood5: (2 − 1) / 4 × 100 = 25.
            ("wb.1", 2, 25.0),
            // WHO-5, 0..5: 3 / 5 × 100 = 60.
            ("who5.1", 3, 60.0),
            // Burnout, 1..5 reversed: (5 − 1) / 4 × 100 = 100, no burnout is best.
            ("burnout.1", 1, 100.0),
            ("burnout.1", 3, 50.0),
            ("burnout.1", 5, 0.0),
            // Life satisfaction, 0..10: 7 / 10 × 100 = 70.
            ("ls.1", 7, 70.0),
            ("ls.1", 0, 0.0),
            // A reversed edition-3 item: (5 − 2) / 4 × 100 = 75.
            ("ms.3", 2, 75.0),
            // eNPS, 0..10: 7 / 10 × 100 = 70, value × 10.
            ("enps.1", 7, 70.0),
            ("enps.1", 0, 0.0),
            ("enps.1", 10, 100.0),
        ];
        for (item, value, expected) in cases {
            let score = item_score(ItemBank::embedded(), &answer(item, value)).unwrap();
            assert!((score - expected).abs() < 1e-9, "{item}={value}: {score} != {expected}");
        }
    }

    #[test]
    fn metric_scores_are_means_in_metric_order() {
        type Case = (&'static str, Vec<Answer>, Vec<(Metric, f64)>);
        let cases: Vec<Case> = vec![
            ("nothing answered", vec![], vec![]),
            (
                // eng.1 = 5 → 100; eng.2 = 2 → 25; mean (100 + 25) / 2 = 62.5.
                "two items of one metric",
                vec![answer("eng.1", 5), answer("eng.2", 2)],
                vec![(Metric::Engagement, 62.5)],
            ),
            (
                // wlb.1 = 4 → 75; wlb.2 = 4 reversed → 25; wlb.3 = 3 → 50;
                // mean (75 + 25 + 50) / 3 = 50.
                "a reversed item pulls the other way",
                vec![answer("wlb.1", 4), answer("wlb.2", 4), answer("wlb.3", 3)],
                vec![(Metric::WorkLifeBalance, 50.0)],
            ),
            (
                // Given out of order; returned in Metric::ALL order:
                // enps.1 = 9 → 90; tools.2 = 2 reversed → (5 − 2) / 4 × 100 = 75;
                // wb.2 = 5 → 100; burnout.1 = 2 → (5 − 2) / 4 × 100 = 75.
                "several metrics",
                vec![answer("enps.1", 9), answer("tools.2", 2), answer("wb.2", 5), answer("burnout.1", 2)],
                vec![
                    (Metric::Wellbeing, 100.0),
                    (Metric::Burnout, 75.0),
                    (Metric::Tools, 75.0),
                    (Metric::Enps, 90.0),
                ],
            ),
        ];
        for (case, answers, expected) in cases {
            assert_close(&scores(&answers), &expected, case);
        }
    }

    #[test]
    fn who5_score_equals_the_standard_percentage_score() {
        let cases: [[u8; 5]; 4] = [[3, 4, 2, 5, 1], [0, 0, 0, 0, 0], [5, 5, 5, 5, 5], [2, 3, 1, 0, 4]];
        for raw in cases {
            let answers: Vec<Answer> = raw
                .iter()
                .enumerate()
                .map(|(index, &value)| answer(&format!("who5.{}", index + 1), value))
                .collect();
            // The WHO-5 percentage score: raw sum (0–25) × 4. For [3, 4, 2, 5, 1]
            // that is 15 × 4 = 60, and the mean of 60, 80, 40, 100, 20 is 60.
            let percentage = f64::from(raw.iter().map(|&value| u32::from(value)).sum::<u32>() * 4);
            assert_close(&scores(&answers), &[(Metric::Who5, percentage)], &format!("{raw:?}"));
        }
    }

    /// Issue 13: the WHO-5 is defined on all five items, so a week with four
    /// answers has no WHO-5 score, never a prorated one; the other metrics
    /// answered alongside are still scored.
    #[test]
    fn who5_is_scored_only_when_all_five_items_are_answered() {
        let all_five: Vec<Answer> = (1..=5).map(|index| answer(&format!("who5.{index}"), 4)).collect();
        // 4 × 5 = 20 raw, × 4 = 80.
        assert_close(&scores(&all_five), &[(Metric::Who5, 80.0)], "all five");
        for skipped in 0..5 {
            let mut four = all_five.clone();
            four.remove(skipped);
            assert_close(&scores(&four), &[], &format!("who5.{} skipped", skipped + 1));
            four.push(answer("eng.1", 5));
            assert_close(&scores(&four), &[(Metric::Engagement, 100.0)], "with another metric");
        }
        assert_close(&scores(&[answer("who5.3", 5)]), &[], "a single WHO-5 answer");
        assert!(requires_every_item(Metric::Who5));
        assert!(!requires_every_item(Metric::Engagement), "a driver is a mean of the items asked");
        // The items themselves are still valid answers with their own score.
        assert!((item_score(ItemBank::embedded(), &answer("who5.3", 5)).unwrap() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn unknown_items_and_values_off_the_scale_are_refused() {
        let cases = [
            (answer("eng.99", 3), ScoringError::UnknownItem { item: ItemId("eng.99".into()) }),
            (
                answer("eng.1", 6),
                ScoringError::ValueOutOfScale { item: ItemId("eng.1".into()), value: 6, min: 1, max: 5 },
            ),
            (
                answer("eng.1", 0),
                ScoringError::ValueOutOfScale { item: ItemId("eng.1".into()), value: 0, min: 1, max: 5 },
            ),
            (
                answer("who5.2", 6),
                ScoringError::ValueOutOfScale { item: ItemId("who5.2".into()), value: 6, min: 0, max: 5 },
            ),
            (
                answer("enps.1", 11),
                ScoringError::ValueOutOfScale { item: ItemId("enps.1".into()), value: 11, min: 0, max: 10 },
            ),
        ];
        for (bad, expected) in cases {
            let answers = [answer("wb.1", 4), bad];
            assert_eq!(score_answers(ItemBank::embedded(), &answers), Err(expected));
        }
        let error = ScoringError::ValueOutOfScale { item: ItemId("eng.1".into()), value: 6, min: 1, max: 5 };
        assert_eq!(error.to_string(), "item 'eng.1' is answered from 1 to 5, so 6 is not an answer");
    }

    #[test]
    fn enps_categories_follow_the_standard_cut_offs() {
        let expected = [
            (0, EnpsCategory::Detractor),
            (6, EnpsCategory::Detractor),
            (7, EnpsCategory::Passive),
            (8, EnpsCategory::Passive),
            (9, EnpsCategory::Promoter),
            (10, EnpsCategory::Promoter),
        ];
        for (value, category) in expected {
            assert_eq!(enps_category(value), category, "{value}");
        }
        let n_detractors = (0..=10).filter(|&value| enps_category(value) == EnpsCategory::Detractor).count();
        assert_eq!(n_detractors, 7);
    }
}
