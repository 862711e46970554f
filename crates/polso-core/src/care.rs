//! Duty of care: whether one week's answers call for the private care path,
//! and why.
//!
//! The care path is shown on the device only, to the person who answered. It
//! says what the answer means, that it is not a diagnosis, and where to find
//! help. Nothing decided here is stored apart from the answers or sent: the
//! decision is made again from the week's saved answers each time the week is
//! shown, so no report, log or request can carry it.
//!
//! Two rules, each from its instrument's own source, never from Polso:
//!
//! - **WHO-5, low wellbeing.** The raw score is the sum of the five items,
//!   each answered 0 ("at no time") to 5 ("all of the time"), so 0 to 25;
//!   times 4 it is the percentage score, 0 to 100. The scoring notes of the
//!   Psychiatric Research Unit (Mental Health Centre North Zealand, Hillerød),
//!   where the WHO-5 was developed, say: "A score below 13 indicates poor
//!   well-being and is an indication for testing for depression under
//!   ICD-10." Topp CW, Østergaard SD, Søndergaard S, Bech P. The WHO-5
//!   Well-Being Index: a systematic review of the literature. Psychotherapy
//!   and Psychosomatics. 2015;84(3):167–176 (doi:10.1159/000376585) reviews
//!   its use as a screening tool for depression at a percentage cut-off of
//!   50 or below. The two agree: percentage scores move in steps of 4, so a
//!   raw score below 13 (at most 12, 48%) is exactly a percentage of 50 or
//!   below. The rule is [`WHO5_RAW_BELOW`]. Verification: the Unit's
//!   sentence was read in two reproductions of its scoring notes, not on the
//!   Unit's own page; the ≤ 50 cut-off in summaries of Topp et al. 2015, not
//!   in the journal. A second, lower band ("28 or below, likely depression")
//!   that some secondary pages attribute to the WHO-5 was not found in either
//!   source, so Polso does not use it. Like the index itself, the rule needs
//!   all five items: a week with four WHO-5 answers has no raw score and
//!   trips nothing.
//! - **Burnout, answer 3 or more.** The single-item burnout measure
//!   (Dolan et al. 2015) counts answers of 3 or more ("I am definitely burning
//!   out …" and above) as burnout symptoms; the cut-off is the item's own
//!   [`crate::bank::Cutoff`] in the bank, so there is one place that says 3.
//!
//! Neither rule is a diagnosis: a screening score says that a further
//! conversation with a professional may help, and the texts the app shows
//! say so plainly.

use std::collections::BTreeMap;

use crate::bank::{ItemBank, ItemId, Metric};
use crate::scoring::Answer;

/// The WHO-5 raw score below which wellbeing is poor and further assessment
/// for depression is indicated: 13 (raw 12 and below, percentage 48 and
/// below, which is the percentage cut-off "50 or below"). See the module
/// header for the sources.
pub const WHO5_RAW_BELOW: u8 = 13;

/// A week's WHO-5 score, all five items answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who5Score {
    /// The raw score: the sum of the five answers, 0 to 25.
    pub raw: u8,
}

impl Who5Score {
    /// The percentage score: raw × 4, 0 to 100.
    pub fn percentage(self) -> u8 {
        self.raw * 4
    }

    /// Whether the score shows poor wellbeing (raw below [`WHO5_RAW_BELOW`]).
    pub fn is_low(self) -> bool {
        self.raw < WHO5_RAW_BELOW
    }
}

/// Why the care path is shown for a week: at least one of the two is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CareSignal {
    /// The WHO-5 score, when it is low.
    pub low_who5: Option<Who5Score>,
    /// The burnout answer (1 to 5), when it meets the item's cut-off.
    pub burnout_answer: Option<u8>,
}

/// The week's WHO-5 score, when every WHO-5 item of the bank is answered
/// once with a value on its scale; `None` otherwise (nothing is prorated).
pub fn who5_score(bank: &ItemBank, answers: &[Answer]) -> Option<Who5Score> {
    let mut values: BTreeMap<&ItemId, u8> = BTreeMap::new();
    for answer in answers {
        let Some(item) = bank.item(answer.item.as_str()) else { continue };
        if item.metric != Metric::Who5 {
            continue;
        }
        if !bank.scale_of(item).contains(answer.value) || values.insert(&item.id, answer.value).is_some() {
            return None;
        }
    }
    let every_item_answered = bank.items_for(Metric::Who5).all(|item| values.contains_key(&item.id));
    if values.is_empty() || !every_item_answered {
        return None;
    }
    let raw: u32 = values.values().map(|&value| u32::from(value)).sum();
    u8::try_from(raw).ok().map(|raw| Who5Score { raw })
}

/// Whether one week's answers call for the care path, and why: `None` when
/// they do not. Only the answers given are read; an answer to an item the
/// bank does not know is ignored.
pub fn care_signal(bank: &ItemBank, answers: &[Answer]) -> Option<CareSignal> {
    let low_who5 = who5_score(bank, answers).filter(|score| score.is_low());
    let burnout_answer = answers
        .iter()
        .filter(|answer| {
            bank.item(answer.item.as_str()).is_some_and(|item| {
                item.metric == Metric::Burnout
                    && item.cutoff.as_ref().is_some_and(|cutoff| cutoff.is_met_by(answer.value))
            })
        })
        .map(|answer| answer.value)
        .max();
    (low_who5.is_some() || burnout_answer.is_some()).then_some(CareSignal { low_who5, burnout_answer })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(item: &str, value: u8) -> Answer {
        Answer { item: ItemId(item.to_owned()), value }
    }

    /// The five WHO-5 answers in item order.
    fn who5(values: [u8; 5]) -> Vec<Answer> {
        values
            .iter()
            .enumerate()
            .map(|(index, &value)| answer(&format!("who5.{}", index + 1), value))
            .collect()
    }

    #[test]
    fn who5_raw_12_is_low_and_13_is_not() {
        let bank = ItemBank::embedded();
        // 3 + 3 + 2 + 2 + 2 = 12: below 13, percentage 48, at most 50.
        let twelve = who5([3, 3, 2, 2, 2]);
        let score = who5_score(bank, &twelve).unwrap();
        assert_eq!((score.raw, score.percentage()), (12, 48));
        assert_eq!(
            care_signal(bank, &twelve),
            Some(CareSignal { low_who5: Some(Who5Score { raw: 12 }), burnout_answer: None })
        );
        // 3 + 3 + 3 + 2 + 2 = 13: percentage 52, above 50.
        let thirteen = who5([3, 3, 3, 2, 2]);
        let score = who5_score(bank, &thirteen).unwrap();
        assert_eq!((score.raw, score.percentage()), (13, 52));
        assert_eq!(care_signal(bank, &thirteen), None);
    }

    #[test]
    fn the_cutoff_in_raw_points_is_the_percentage_cutoff_of_50() {
        for raw in 0..=25u8 {
            let score = Who5Score { raw };
            assert_eq!(score.is_low(), u32::from(score.percentage()) <= 50, "raw {raw}");
        }
    }

    #[test]
    fn the_extremes_of_the_who5() {
        let bank = ItemBank::embedded();
        assert_eq!(
            care_signal(bank, &who5([0; 5])).and_then(|signal| signal.low_who5),
            Some(Who5Score { raw: 0 })
        );
        assert_eq!(care_signal(bank, &who5([5; 5])), None);
    }

    #[test]
    fn four_who5_answers_have_no_score_and_trip_nothing() {
        let bank = ItemBank::embedded();
        let mut four = who5([0; 5]);
        four.remove(2);
        assert_eq!(who5_score(bank, &four), None);
        assert_eq!(care_signal(bank, &four), None);
    }

    #[test]
    fn an_off_scale_or_repeated_who5_answer_gives_no_score() {
        let bank = ItemBank::embedded();
        let mut off_scale = who5([1; 5]);
        off_scale[0].value = 9;
        assert_eq!(who5_score(bank, &off_scale), None);
        let mut repeated = who5([1; 5]);
        repeated.push(answer("who5.1", 1));
        assert_eq!(who5_score(bank, &repeated), None);
    }

    #[test]
    fn burnout_2_does_not_trip_and_3_does() {
        let bank = ItemBank::embedded();
        assert_eq!(care_signal(bank, &[answer("burnout.1", 1)]), None);
        assert_eq!(care_signal(bank, &[answer("burnout.1", 2)]), None);
        for value in 3..=5 {
            assert_eq!(
                care_signal(bank, &[answer("burnout.1", value)]),
                Some(CareSignal { low_who5: None, burnout_answer: Some(value) }),
                "burnout {value}"
            );
        }
        // The rule is the bank's cut-off, not a number of its own.
        assert_eq!(bank.cutoff("burnout.1").map(|cutoff| cutoff.at_least), Some(3));
    }

    #[test]
    fn both_reasons_are_kept_and_other_items_are_ignored() {
        let bank = ItemBank::embedded();
        let mut answers = who5([1, 1, 1, 1, 1]);
        answers.push(answer("burnout.1", 4));
        answers.push(answer("wb.2", 1));
        answers.push(answer("no.such.item", 1));
        assert_eq!(
            care_signal(bank, &answers),
            Some(CareSignal { low_who5: Some(Who5Score { raw: 5 }), burnout_answer: Some(4) })
        );
        // A low answer to another wellbeing item is not a rule of either instrument.
        assert_eq!(care_signal(bank, &[answer("wb.2", 1)]), None);
    }
}
