//! Issue 13: every week's pulse reads in under a minute.
//!
//! For each questionnaire (edition 2, edition 3 with and without the WHO-5),
//! five organisation seeds and every week of two years, in English and in
//! Italian, the words the pulse shows are counted: each asked item's text,
//! the option labels of its scale, and the "not applicable this week" label
//! under the items that offer it. Words are separated by white space, so a
//! number on the scale counts as a word. At a common reading speed those
//! words must take under 60 seconds, and the pulse must have at most five
//! items.
//!
//! The labels of a scale are counted once per pulse: a pulse that asks four
//! agreement items shows the same five labels under each, and a reader reads
//! them with the first item and recognises them after. Counting them again
//! for every item would make a pulse of four agreement questions "read" as
//! long as one of twice the words; [`strict_seconds`] gives that upper bound,
//! which docs/questionnaire.md reports beside the figure tested here.

use polso_core::questionnaire::QuestionnairePlan;
use polso_core::{IsoWeek, ItemBank, Language, MAX_ITEMS_PER_WEEK, Questionnaire, Schedule};

/// English silent reading of non-fiction by adults: 238 words per minute.
/// Brysbaert M. How many words do we read per minute? A review and
/// meta-analysis of reading rate. Journal of Memory and Language.
/// 2019;109:104047. doi:10.1016/j.jml.2019.104047.
const ENGLISH_WORDS_PER_MINUTE: f64 = 238.0;

/// Italian: 184 words per minute, the pooled mean of the International
/// Reading Speed Texts over 17 languages, Italian among them, read *aloud*
/// (Trauzettel-Klosinski S, Dietz K, IReST Study Group. Standardized
/// assessment of reading performance: the new International Reading Speed
/// Texts IReST. Investigative Ophthalmology & Visual Science.
/// 2012;53(9):5452–5461. doi:10.1167/iovs.11-8284). Reading aloud is slower
/// than silent reading, so the figure is conservative: no verified silent
/// rate for Italian was found.
const ITALIAN_WORDS_PER_MINUTE: f64 = 184.0;

/// A pulse must read in under this many seconds.
const MOST_SECONDS: f64 = 60.0;

/// The organisation seeds tried: edge values and a few others.
const SEEDS: [u64; 5] = [0, 1, 42, 0x706f_6c73_6f00_0001, u64::MAX];

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

fn words_per_minute(language: Language) -> f64 {
    match language {
        Language::En => ENGLISH_WORDS_PER_MINUTE,
        Language::It => ITALIAN_WORDS_PER_MINUTE,
    }
}

/// The words `items` show in `language`: each text, the labels of each
/// scale once, and the "not applicable" label under each item offering it.
fn words_shown(
    bank: &ItemBank,
    items: &[polso_core::ItemId],
    language: Language,
    labels_once: bool,
) -> usize {
    let mut scales_read: Vec<&str> = Vec::new();
    let mut n_words = 0;
    for id in items {
        let item = bank.item(id.as_str()).unwrap();
        n_words += words(item.text.get(language));
        let scale = bank.scale_of(item);
        if !labels_once || !scales_read.contains(&scale.id.as_str()) {
            n_words += scale.labels.iter().map(|label| words(label.get(language))).sum::<usize>();
            scales_read.push(&scale.id);
        }
        if item.not_applicable {
            n_words += words(bank.not_applicable_label().unwrap().get(language));
        }
    }
    n_words
}

fn seconds(n_words: usize, language: Language) -> f64 {
    n_words as f64 / words_per_minute(language) * 60.0
}

/// The reading time if every item's labels were read in full.
fn strict_seconds(bank: &ItemBank, items: &[polso_core::ItemId], language: Language) -> f64 {
    seconds(words_shown(bank, items, language, false), language)
}

fn questionnaires() -> [Questionnaire; 3] {
    [Questionnaire::EDITION_2, Questionnaire::EDITION_3, Questionnaire::EDITION_3_WITH_WHO5]
}

fn two_years() -> impl Iterator<Item = IsoWeek> {
    let first = "2026-W01".parse::<IsoWeek>().unwrap().index();
    (first..first + 104).map(IsoWeek::from_index)
}

#[test]
fn every_pulse_of_two_years_reads_in_under_a_minute() {
    let bank = ItemBank::embedded();
    let mut longest = 0.0_f64;
    for questionnaire in questionnaires() {
        let plan = QuestionnairePlan::single(questionnaire).unwrap();
        for seed in SEEDS {
            let schedule = Schedule::with_plan(bank, seed, &plan);
            for week in two_years() {
                let items = schedule.items_for_week(week);
                assert!(items.len() <= MAX_ITEMS_PER_WEEK, "{questionnaire:?} seed {seed} {week}: {items:?}");
                for language in Language::ALL {
                    let taken = seconds(words_shown(bank, &items, language, true), language);
                    longest = longest.max(taken);
                    assert!(
                        taken < MOST_SECONDS,
                        "{questionnaire:?}, seed {seed}, week {week}, in {}: {taken:.1} s to read {items:?}",
                        language.code()
                    );
                }
            }
        }
    }
    assert!(longest > 30.0, "the count is not empty: the longest pulse reads in {longest:.1} s");
}

/// The counting itself, on a pulse whose words are known.
#[test]
fn words_are_counted_as_the_pulse_shows_them() {
    let bank = ItemBank::embedded();
    let ids = |ids: &[&str]| ids.iter().map(|id| polso_core::ItemId((*id).to_owned())).collect::<Vec<_>>();
    // "This week I brought real energy to my work." is 9 words; the five
    // agreement labels are 10.
    let agree_labels: usize =
        bank.scale("agree5").unwrap().labels.iter().map(|label| words(label.get(Language::En))).sum();
    assert_eq!(agree_labels, 10);
    assert_eq!(words_shown(bank, &ids(&["eng.1"]), Language::En, true), 9 + 10);
    // A second agreement item adds its text only, unless labels are strict.
    let two = ids(&["eng.1", "eng.2"]);
    assert_eq!(words_shown(bank, &two, Language::En, true), 9 + 10 + 9);
    assert_eq!(words_shown(bank, &two, Language::En, false), 9 + 10 + 9 + 10);
    // A customer item adds the "not applicable" label: 4 words.
    let customer = ids(&["cust.1"]);
    assert_eq!(words_shown(bank, &customer, Language::En, true), 13 + 10 + 4);
    assert!((seconds(238, Language::En) - 60.0).abs() < 1e-9);
    assert!((seconds(184, Language::It) - 60.0).abs() < 1e-9);
    assert!(
        strict_seconds(bank, &two, Language::It)
            > seconds(words_shown(bank, &two, Language::It, true), Language::It)
    );
}
