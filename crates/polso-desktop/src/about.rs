//! "About these questions": the item bank's sources, each with the items Polso
//! asks from it, shaped for the view employees and HR read.
//!
//! Everything is read from the bank generically, source by source and item by
//! item, so a source or an item added to the bank appears here without a
//! change. Texts the bank has in every language are given in the language
//! asked for; the rest as the bank has them.

use polso_api::{
    AboutQuestions, CutoffAbout, ItemAbout, LanguageCode, NoticeKind, OfficialWordingAbout, SourceAbout,
    SourceNotice,
};
use polso_core::bank::{Item, ItemBank, Language, Source};

use crate::convert::metric_to_wire;

/// Every source of `bank` with the items Polso asks from it, in `language`.
pub fn about_questions(bank: &ItemBank, language: LanguageCode) -> AboutQuestions {
    let language_core = match language {
        LanguageCode::En => Language::En,
        LanguageCode::It => Language::It,
    };
    AboutQuestions {
        bank_version: bank.version(),
        language,
        sources: bank.sources().iter().map(|source| source_about(bank, source, language_core)).collect(),
    }
}

/// [`about_questions`] of the item bank shipped with Polso.
pub fn embedded_about_questions(language: LanguageCode) -> AboutQuestions {
    about_questions(ItemBank::embedded(), language)
}

fn source_about(bank: &ItemBank, source: &Source, language: Language) -> SourceAbout {
    let notices = [
        (NoticeKind::Adaptation, source.adaptation_notice.as_ref()),
        (NoticeKind::Translation, source.translation_notice.as_ref()),
    ]
    .into_iter()
    .filter_map(|(kind, notice)| Some(SourceNotice { kind, text: notice?.get(language).to_owned() }))
    .collect();
    SourceAbout {
        id: source.id.clone(),
        name: source.name.clone(),
        written_by_project: source.written_by_project,
        licence: source.licence.clone(),
        licence_url: source.licence_url.clone(),
        copyright: source.copyright.clone(),
        citation: source.citation.clone(),
        url: source.url.clone(),
        commercial_use: source.commercial_use,
        note: source.note.clone(),
        trademarks: source.trademarks.clone(),
        notices,
        deviations: source
            .deviations
            .iter()
            .map(|deviation| deviation.description.get(language).to_owned())
            .collect(),
        unverified: source.unverified.clone(),
        items: bank.items().iter().filter_map(|item| item_about(bank, item, source, language)).collect(),
    }
}

/// `item` as the card of `source` lists it, if the source gives any of its
/// texts: all of them, or only its English or only its Italian when another
/// source gives the other.
fn item_about(bank: &ItemBank, item: &Item, source: &Source, language: Language) -> Option<ItemAbout> {
    let gives_english = item.source == source.id;
    let gives_italian = bank.italian_source_of(item).id == source.id;
    let languages: Vec<Language> = [(Language::En, gives_english), (Language::It, gives_italian)]
        .into_iter()
        .filter_map(|(language, given)| given.then_some(language))
        .collect();
    let text_language = if languages.contains(&language) { language } else { *languages.first()? };
    let official = match (text_language, &item.official_it) {
        (Language::It, Some(official)) if gives_italian => Some(OfficialWordingAbout {
            text: official.it.clone(),
            language: LanguageCode::It,
            verified: official.verified,
            read_in: official.read_in.clone(),
        }),
        _ if gives_english => item.official.as_ref().map(|official| OfficialWordingAbout {
            text: official.en.clone(),
            language: LanguageCode::En,
            verified: official.verified,
            read_in: official.read_in.clone(),
        }),
        _ => None,
    };
    Some(ItemAbout {
        id: item.id.to_string(),
        metric: metric_to_wire(item.metric),
        text: item.text.get(text_language).to_owned(),
        text_language: language_to_wire(text_language),
        languages_from_source: languages.into_iter().map(language_to_wire).collect(),
        official,
        cutoff: item.cutoff.as_ref().map(|cutoff| CutoffAbout {
            at_least: cutoff.at_least,
            meaning: cutoff.meaning.get(language).to_owned(),
        }),
        basis: item.basis.clone(),
        not_applicable: item.not_applicable,
        anchor: item.anchor,
    })
}

fn language_to_wire(language: Language) -> LanguageCode {
    match language {
        Language::En => LanguageCode::En,
        Language::It => LanguageCode::It,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use polso_api::{LanguageCode, NoticeKind};
    use polso_core::bank::{ItemBank, Language};

    use super::about_questions;

    /// A small bank with a commercial source of the project's own and a
    /// non-commercial third-party one with notices, deviations and a cut-off.
    const TWO_SOURCE_BANK: &str = r#"
version = 7

[not_applicable_label]
en = "Not this week"
it = "Non questa settimana"

[[sources]]
id = "own"
name = "Our own items"
licence = "Apache-2.0"
citation = "Written for the test."
commercial_use = true
written_by_project = true

[[sources]]
id = "borrowed"
name = "A borrowed instrument"
licence = "CC BY-NC 4.0"
licence_url = "https://example.org/licence"
copyright = "© Someone 2020"
citation = "Someone. A borrowed instrument. 2020."
commercial_use = false
trademarks = "Borrowed® is a mark of Someone."
adaptation_notice.en = "An adaptation."
adaptation_notice.it = "Un adattamento."
translation_notice.en = "A translation."
translation_notice.it = "Una traduzione."
unverified = ["The publisher's page was not read."]

[[sources.deviations]]
kind = "final_period"
description.en = "Each statement ends with a full stop."
description.it = "Ogni affermazione termina con un punto."

[[sources.deviations]]
kind = "cadence"
description.en = "Asked every four weeks."
description.it = "Posta ogni quattro settimane."

[[sources]]
id = "italian_official"
name = "An official Italian text"
licence = "CC BY 4.0"
citation = "Qualcuno. Un testo ufficiale. 2021."
commercial_use = true

[[scales]]
id = "agree5"
min = 1
max = 5
labels = [
  { en = "1", it = "1" },
  { en = "2", it = "2" },
  { en = "3", it = "3" },
  { en = "4", it = "4" },
  { en = "5", it = "5" },
]

[[items]]
id = "own.1"
metric = "engagement"
scale = "agree5"
reverse = false
source = "own"
anchor = true
not_applicable = true
basis = "Some research, 2020."
text.en = "I was absorbed in my work this week."
text.it = "Questa settimana ero assorbito dal lavoro."

[[items]]
id = "borrowed.1"
metric = "burnout"
scale = "agree5"
reverse = false
source = "borrowed"
official_en = "I felt tired"
official_verified = false
official_read_in = "a copy"
text.en = "I felt tired."
text.it = "Mi sono sentito stanco."
cutoff = { at_least = 3, meaning.en = "Tired.", meaning.it = "Stanco." }

[[items]]
id = "own.2"
metric = "tools"
scale = "agree5"
reverse = false
source = "own"
text.en = "My tools worked this week."
text.it = "Questa settimana i miei strumenti hanno funzionato."

[[items]]
id = "paired.1"
metric = "wellbeing"
scale = "agree5"
reverse = false
source = "borrowed"
official_en = "I am content"
official_verified = true
official_read_in = "the publisher's page"
source_it = "italian_official"
official_it = "Sono contento"
official_it_verified = false
official_it_read_in = "a copy of the questionnaire"
text.en = "I am content."
text.it = "Sono contento"
"#;

    fn two_source_bank() -> ItemBank {
        ItemBank::parse(TWO_SOURCE_BANK).expect("the test bank is valid")
    }

    #[test]
    fn every_source_of_the_shipped_bank_has_a_card_in_its_order() {
        let bank = ItemBank::embedded();
        for language in [LanguageCode::En, LanguageCode::It] {
            let about = about_questions(bank, language);
            let ids: Vec<&str> = about.sources.iter().map(|source| source.id.as_str()).collect();
            let bank_ids: Vec<&str> = bank.sources().iter().map(|source| source.id.as_str()).collect();
            assert_eq!(ids, bank_ids);
            assert_eq!(about.bank_version, bank.version());
            assert_eq!(about.language, language);
        }
    }

    #[test]
    fn every_item_of_the_shipped_bank_appears_once_under_each_source_of_its_texts() {
        let bank = ItemBank::embedded();
        let about = about_questions(bank, LanguageCode::En);
        let mut listed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for source in &about.sources {
            for item in &source.items {
                listed.entry(item.id.as_str()).or_default().push(source.id.as_str());
            }
        }
        assert_eq!(listed.len(), bank.items().len(), "items listed: {listed:?}");
        for item in bank.items() {
            let want: Vec<&str> = bank.sources_of(item).iter().map(|source| source.id.as_str()).collect();
            let mut have = listed.get(item.id.as_str()).cloned().unwrap_or_default();
            let mut want_sorted = want.clone();
            have.sort_unstable();
            want_sorted.sort_unstable();
            assert_eq!(have, want_sorted, "the cards listing item {}", item.id);
            assert_eq!(want[0], item.source, "item {} is listed under its own source", item.id);
        }
    }

    #[test]
    fn items_keep_the_bank_order_within_their_source() {
        let about = about_questions(&two_source_bank(), LanguageCode::En);
        let own: Vec<&str> = about.sources[0].items.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(own, ["own.1", "own.2"]);
        let borrowed: Vec<&str> = about.sources[1].items.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(borrowed, ["borrowed.1", "paired.1"]);
        let italian: Vec<&str> = about.sources[2].items.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(italian, ["paired.1"]);
    }

    #[test]
    fn an_item_with_an_italian_source_is_listed_under_both_each_in_its_language() {
        for language in [LanguageCode::En, LanguageCode::It] {
            let about = about_questions(&two_source_bank(), language);
            let english = about.sources[1].items.iter().find(|item| item.id == "paired.1").unwrap();
            assert_eq!(english.text, "I am content.");
            assert_eq!(english.text_language, LanguageCode::En);
            assert_eq!(english.languages_from_source, [LanguageCode::En]);
            let official = english.official.as_ref().unwrap();
            assert_eq!(
                (official.text.as_str(), official.language, official.verified),
                ("I am content", LanguageCode::En, true)
            );

            let italian = &about.sources[2].items[0];
            assert_eq!(italian.text, "Sono contento");
            assert_eq!(italian.text_language, LanguageCode::It);
            assert_eq!(italian.languages_from_source, [LanguageCode::It]);
            let official = italian.official.as_ref().unwrap();
            assert_eq!(
                (official.text.as_str(), official.language, official.read_in.as_str()),
                ("Sono contento", LanguageCode::It, "a copy of the questionnaire")
            );
        }
    }

    #[test]
    fn an_item_of_one_source_gives_every_language_and_the_bank_s_marks() {
        let about = about_questions(&two_source_bank(), LanguageCode::It);
        let own = &about.sources[0].items;
        assert_eq!(own[0].text, "Questa settimana ero assorbito dal lavoro.");
        assert_eq!(own[0].text_language, LanguageCode::It);
        assert_eq!(own[0].languages_from_source, [LanguageCode::En, LanguageCode::It]);
        assert_eq!(own[0].basis.as_deref(), Some("Some research, 2020."));
        assert!(own[0].anchor && own[0].not_applicable);
        assert!(
            !own[1].anchor && !own[1].not_applicable && own[1].basis.is_none() && own[1].official.is_none()
        );
        // A single-source third-party item keeps its English official wording in Italian.
        let borrowed = &about.sources[1].items[0];
        assert_eq!(borrowed.official.as_ref().map(|official| official.language), Some(LanguageCode::En));
    }

    #[test]
    fn italian_request_gives_italian_texts_where_the_bank_has_them() {
        let about = about_questions(&two_source_bank(), LanguageCode::It);
        let borrowed = &about.sources[1];
        assert_eq!(
            borrowed.deviations,
            ["Ogni affermazione termina con un punto.", "Posta ogni quattro settimane."]
        );
        assert_eq!(borrowed.items[0].text, "Mi sono sentito stanco.");
        assert_eq!(borrowed.items[0].cutoff.as_ref().map(|cutoff| cutoff.meaning.as_str()), Some("Stanco."));
        let notices: Vec<(NoticeKind, &str)> =
            borrowed.notices.iter().map(|notice| (notice.kind, notice.text.as_str())).collect();
        assert_eq!(
            notices,
            [(NoticeKind::Adaptation, "Un adattamento."), (NoticeKind::Translation, "Una traduzione.")]
        );
        // The bank keeps these in one language only, so they stay as written.
        assert_eq!(borrowed.citation, "Someone. A borrowed instrument. 2020.");
        assert_eq!(borrowed.unverified, ["The publisher's page was not read."]);
    }

    #[test]
    fn english_request_gives_english_texts() {
        let about = about_questions(&two_source_bank(), LanguageCode::En);
        let borrowed = &about.sources[1];
        assert_eq!(borrowed.deviations, ["Each statement ends with a full stop.", "Asked every four weeks."]);
        assert_eq!(borrowed.items[0].text, "I felt tired.");
        assert_eq!(borrowed.notices[0].text, "An adaptation.");
    }

    #[test]
    fn shipped_deviations_follow_the_language_asked_for() {
        let bank = ItemBank::embedded();
        for (language, core_language) in [(LanguageCode::En, Language::En), (LanguageCode::It, Language::It)]
        {
            let about = about_questions(bank, language);
            for (source, card) in bank.sources().iter().zip(&about.sources) {
                let want: Vec<&str> = source
                    .deviations
                    .iter()
                    .map(|deviation| deviation.description.get(core_language))
                    .collect();
                assert_eq!(card.deviations, want, "source {}", source.id);
            }
        }
    }

    #[test]
    fn a_non_commercial_source_is_flagged_and_keeps_its_terms() {
        let about = about_questions(&two_source_bank(), LanguageCode::En);
        let (own, borrowed) = (&about.sources[0], &about.sources[1]);
        assert!(own.commercial_use);
        assert!(own.written_by_project);
        assert!(own.notices.is_empty() && own.deviations.is_empty() && own.trademarks.is_none());
        assert!(!borrowed.commercial_use);
        assert_eq!(borrowed.licence, "CC BY-NC 4.0");
        assert_eq!(borrowed.licence_url.as_deref(), Some("https://example.org/licence"));
        assert_eq!(borrowed.copyright.as_deref(), Some("© Someone 2020"));
        assert_eq!(borrowed.trademarks.as_deref(), Some("Borrowed® is a mark of Someone."));
        let official =
            borrowed.items[0].official.as_ref().expect("a third-party item has its official wording");
        assert_eq!((official.text.as_str(), official.verified), ("I felt tired", false));
    }

    #[test]
    fn the_shipped_bank_flags_each_source_as_the_bank_does() {
        let bank = ItemBank::embedded();
        let about = about_questions(bank, LanguageCode::En);
        for (source, card) in bank.sources().iter().zip(&about.sources) {
            assert_eq!(card.commercial_use, source.commercial_use, "source {}", source.id);
            assert_eq!(card.licence, source.licence, "source {}", source.id);
        }
        assert!(
            about.sources.iter().any(|card| !card.commercial_use),
            "the shipped bank has a non-commercial source (WHO-5), which the view must flag"
        );
    }
}
