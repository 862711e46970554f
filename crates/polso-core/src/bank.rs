//! The item bank: every question Polso can ask, in Italian and English, with
//! the scale it is answered on and the source and licence it comes from.
//!
//! The bank is data, not code: `data/items.toml` is embedded in the crate with
//! `include_str!`, so the questions can be reviewed (and translated) without
//! reading Rust, and answers stored by item id stay meaningful across releases.
//! The file is read into private deserialization structs, then validated and
//! turned into the domain types below, so the rest of Polso never sees a raw
//! string where a [`Metric`] or a [`Scale`] belongs. A unit test proves the
//! embedded file valid, which is why [`ItemBank::embedded`] may not fail.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

/// The item bank shipped with Polso, as text.
const EMBEDDED_BANK_TOML: &str = include_str!("../data/items.toml");

/// An item's stable id in the bank, such as `"eng.2"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId(pub String);

impl ItemId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A language Polso speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// English.
    En,
    /// Italian.
    It,
}

impl Language {
    /// Every language Polso speaks.
    pub const ALL: [Language; 2] = [Language::En, Language::It];

    /// The language's ISO 639-1 code, as used for the fields of the bank file.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::It => "it",
        }
    }
}

/// What an item measures: an EX metric (driver) or an instrument's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// How the employee has been, the weekly core question.
    Wellbeing,
    /// The WHO-5 Well-Being Index.
    Who5,
    /// The single-item burnout measure.
    Burnout,
    /// Engagement: energy, dedication, absorption.
    Engagement,
    /// Work–life balance.
    WorkLifeBalance,
    /// Communication in the team and from leadership.
    Communication,
    /// Team cohesion and connection.
    TeamCohesion,
    /// Tools and infrastructure.
    Tools,
    /// Empowerment: authority to resolve a customer's problem.
    Empowerment,
    /// Role clarity.
    RoleClarity,
    /// Recognition.
    Recognition,
    /// Growth and training.
    Growth,
    /// Trust.
    Trust,
    /// Customer focus.
    CustomerFocus,
    /// Employee Net Promoter Score.
    Enps,
}

impl Metric {
    /// Every metric, in display order.
    pub const ALL: [Metric; 15] = [
        Metric::Wellbeing,
        Metric::Who5,
        Metric::Burnout,
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
        Metric::Enps,
    ];

    /// The metric's stable key, as used in data files, the store and the wire.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Wellbeing => "wellbeing",
            Metric::Who5 => "who5",
            Metric::Burnout => "burnout",
            Metric::Engagement => "engagement",
            Metric::WorkLifeBalance => "work_life_balance",
            Metric::Communication => "communication",
            Metric::TeamCohesion => "team_cohesion",
            Metric::Tools => "tools",
            Metric::Empowerment => "empowerment",
            Metric::RoleClarity => "role_clarity",
            Metric::Recognition => "recognition",
            Metric::Growth => "growth",
            Metric::Trust => "trust",
            Metric::CustomerFocus => "customer_focus",
            Metric::Enps => "enps",
        }
    }

    /// The metric with this key, if there is one.
    pub fn from_key(key: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|metric| metric.key() == key)
    }
}

/// A text in every language Polso speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Localized {
    /// English.
    pub en: String,
    /// Italian.
    pub it: String,
}

impl Localized {
    /// The text in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::En => &self.en,
            Language::It => &self.it,
        }
    }
}

/// Where items come from and the terms under which Polso uses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The source's id in the bank, such as `"who5"`.
    pub id: String,
    /// The source's name, for credits.
    pub name: String,
    /// The licence or terms of use, such as `"Apache-2.0"`.
    pub licence: String,
    /// How to cite the source.
    pub citation: String,
    /// Where the source is published, if anywhere.
    pub url: Option<String>,
    /// Anything else a user of the item must know, such as a trademark credit.
    pub note: Option<String>,
}

/// An answer scale: every whole number from `min` to `max`, each with a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// The scale's id in the bank, such as `"agree5"`.
    pub id: String,
    /// The lowest value.
    pub min: u8,
    /// The highest value, always above `min`.
    pub max: u8,
    /// One label per value, from `min` to `max`.
    pub labels: Vec<Localized>,
}

impl Scale {
    /// How many answer options the scale has.
    pub fn n_points(&self) -> usize {
        usize::from(self.max - self.min) + 1
    }

    /// Whether `value` is one of the scale's answer options.
    pub fn contains(&self, value: u8) -> bool {
        (self.min..=self.max).contains(&value)
    }

    /// The label of `value`, if the value is on the scale.
    pub fn label(&self, value: u8) -> Option<&Localized> {
        if !self.contains(value) {
            return None;
        }
        self.labels.get(usize::from(value - self.min))
    }
}

/// One question of the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The item's stable id, such as `"eng.1"`.
    pub id: ItemId,
    /// What the item measures.
    pub metric: Metric,
    /// The id of the scale it is answered on; see [`ItemBank::scale_of`].
    pub scale: String,
    /// Whether a high answer is a bad sign, so the score runs the other way.
    pub reverse: bool,
    /// The question, in every language.
    pub text: Localized,
    /// The id of the source it comes from; see [`ItemBank::source`].
    pub source: String,
    /// The scale itself, resolved when the bank was validated, so looking it
    /// up cannot fail; private, so items only come from a validated bank.
    resolved_scale: Scale,
}

/// The validated item bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemBank {
    version: u32,
    sources: Vec<Source>,
    scales: Vec<Scale>,
    items: Vec<Item>,
}

/// Why a bank file is not a valid item bank. Each error names the item,
/// scale or source and the field at fault, so a translator editing the file
/// can fix it without reading Rust.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    /// The file is not TOML, or its tables do not have the expected fields.
    #[error("the item bank is not valid: {message}")]
    Syntax {
        /// The TOML reader's message, with line and column.
        message: String,
    },
    /// The file has no top-level `version`.
    #[error("the item bank has no `version`; add `version = 1` at the top")]
    VersionMissing,
    /// The version is 0; versions start at 1.
    #[error("the item bank's `version` is 0; versions start at 1")]
    VersionZero,
    /// An item, scale or source has an empty `id`.
    #[error("a {kind} has an empty `id`")]
    EmptyId {
        /// What has the empty id: `"item"`, `"scale"` or `"source"`.
        kind: &'static str,
    },
    /// Two items, scales or sources share an id.
    #[error("the {kind} id '{id}' is used twice")]
    DuplicateId {
        /// What the id names: `"item"`, `"scale"` or `"source"`.
        kind: &'static str,
        /// The repeated id.
        id: String,
    },
    /// A source lacks its name, licence or citation.
    #[error("source '{source_id}': `{field}` is empty")]
    EmptySourceField {
        /// The source's id.
        source_id: String,
        /// The empty field.
        field: &'static str,
    },
    /// A scale's `min` is not below its `max`.
    #[error("scale '{scale}': `min` ({min}) must be below `max` ({max})")]
    InvalidRange {
        /// The scale's id.
        scale: String,
        /// The scale's minimum.
        min: u8,
        /// The scale's maximum.
        max: u8,
    },
    /// A scale does not have one label per point.
    #[error("scale '{scale}': it has {expected} points, so it needs {expected} labels, not {found}")]
    LabelCount {
        /// The scale's id.
        scale: String,
        /// How many labels the range needs.
        expected: usize,
        /// How many labels the file gives.
        found: usize,
    },
    /// A scale's label is empty in one language.
    #[error("scale '{scale}': the label of {value} is empty in `{}`", .language.code())]
    EmptyLabel {
        /// The scale's id.
        scale: String,
        /// The value whose label is empty.
        value: u8,
        /// The language it is empty in.
        language: Language,
    },
    /// An item names a metric that does not exist.
    #[error("item '{item}': unknown metric '{metric}'")]
    UnknownMetric {
        /// The item's id.
        item: String,
        /// The metric key given.
        metric: String,
    },
    /// An item names a scale the bank does not define.
    #[error("item '{item}': unknown scale '{scale}'")]
    UnknownScale {
        /// The item's id.
        item: String,
        /// The scale id given.
        scale: String,
    },
    /// An item names a source the bank does not define.
    #[error("item '{item}': unknown source '{source_id}'")]
    UnknownSource {
        /// The item's id.
        item: String,
        /// The source id given.
        source_id: String,
    },
    /// An item's text is empty in one language.
    #[error("item '{item}': `text.{}` is empty", .language.code())]
    EmptyText {
        /// The item's id.
        item: String,
        /// The language it is empty in.
        language: Language,
    },
}

impl ItemBank {
    /// The item bank shipped with Polso, parsed once and kept for the life of
    /// the process.
    pub fn embedded() -> &'static ItemBank {
        static EMBEDDED: OnceLock<ItemBank> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            ItemBank::parse(EMBEDDED_BANK_TOML)
                .expect("data/items.toml is valid; the test `embedded_bank_is_valid` proves it")
        })
    }

    /// Reads and validates a bank file.
    pub fn parse(text: &str) -> Result<ItemBank, BankError> {
        let raw: RawBank = toml::from_str(text)
            .map_err(|error| BankError::Syntax { message: error.to_string().trim_end().to_owned() })?;
        let version = match raw.version {
            None => return Err(BankError::VersionMissing),
            Some(0) => return Err(BankError::VersionZero),
            Some(version) => version,
        };

        let mut source_ids = BTreeSet::new();
        let mut sources = Vec::with_capacity(raw.sources.len());
        for raw_source in raw.sources {
            sources.push(validate_source(raw_source, &mut source_ids)?);
        }

        let mut scale_ids = BTreeSet::new();
        let mut scales = Vec::with_capacity(raw.scales.len());
        for raw_scale in raw.scales {
            scales.push(validate_scale(raw_scale, &mut scale_ids)?);
        }

        let mut item_ids = BTreeSet::new();
        let mut items = Vec::with_capacity(raw.items.len());
        for raw_item in raw.items {
            items.push(validate_item(raw_item, &mut item_ids, &sources, &scales)?);
        }

        Ok(ItemBank { version, sources, scales, items })
    }

    /// The bank's version, from the file's `version`.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The item with this id, if the bank has it.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.id.as_str() == id)
    }

    /// Every item, in the order of the file.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The items that measure `metric`, in the order of the file.
    pub fn items_for(&self, metric: Metric) -> impl Iterator<Item = &Item> + '_ {
        self.items.iter().filter(move |item| item.metric == metric)
    }

    /// The scale with this id, if the bank has it.
    pub fn scale(&self, id: &str) -> Option<&Scale> {
        self.scales.iter().find(|scale| scale.id == id)
    }

    /// Every scale, in the order of the file.
    pub fn scales(&self) -> &[Scale] {
        &self.scales
    }

    /// The scale `item` is answered on. It cannot be missing: it was resolved
    /// when the bank was validated.
    pub fn scale_of<'item>(&self, item: &'item Item) -> &'item Scale {
        &item.resolved_scale
    }

    /// The source with this id, if the bank has it.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|source| source.id == id)
    }

    /// Every source, in the order of the file.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }
}

/// The bank file as written, before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBank {
    version: Option<u32>,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    scales: Vec<RawScale>,
    #[serde(default)]
    items: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: String,
    name: String,
    licence: String,
    citation: String,
    url: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    id: String,
    min: u8,
    max: u8,
    labels: Vec<RawLocalized>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocalized {
    en: String,
    it: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: String,
    metric: String,
    scale: String,
    reverse: bool,
    text: RawLocalized,
    source: String,
}

impl RawLocalized {
    /// The first language whose text is empty or only white space, if any.
    fn first_empty_language(&self) -> Option<Language> {
        Language::ALL.into_iter().find(|&language| {
            let text = match language {
                Language::En => &self.en,
                Language::It => &self.it,
            };
            text.trim().is_empty()
        })
    }

    fn into_localized(self) -> Localized {
        Localized { en: self.en, it: self.it }
    }
}

/// Checks that `id` is not empty and not seen before, and records it.
fn claim_id(kind: &'static str, id: &str, seen: &mut BTreeSet<String>) -> Result<(), BankError> {
    if id.trim().is_empty() {
        return Err(BankError::EmptyId { kind });
    }
    if !seen.insert(id.to_owned()) {
        return Err(BankError::DuplicateId { kind, id: id.to_owned() });
    }
    Ok(())
}

/// Optional text that is only white space counts as absent.
fn non_blank(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.trim().is_empty())
}

fn validate_source(raw: RawSource, seen: &mut BTreeSet<String>) -> Result<Source, BankError> {
    claim_id("source", &raw.id, seen)?;
    let required = [("name", &raw.name), ("licence", &raw.licence), ("citation", &raw.citation)];
    if let Some((field, _)) = required.into_iter().find(|(_, value)| value.trim().is_empty()) {
        return Err(BankError::EmptySourceField { source_id: raw.id, field });
    }
    Ok(Source {
        id: raw.id,
        name: raw.name,
        licence: raw.licence,
        citation: raw.citation,
        url: non_blank(raw.url),
        note: non_blank(raw.note),
    })
}

fn validate_scale(raw: RawScale, seen: &mut BTreeSet<String>) -> Result<Scale, BankError> {
    claim_id("scale", &raw.id, seen)?;
    if raw.min >= raw.max {
        return Err(BankError::InvalidRange { scale: raw.id, min: raw.min, max: raw.max });
    }
    let expected = usize::from(raw.max - raw.min) + 1;
    if raw.labels.len() != expected {
        return Err(BankError::LabelCount { scale: raw.id, expected, found: raw.labels.len() });
    }
    for (value, label) in (raw.min..=raw.max).zip(&raw.labels) {
        if let Some(language) = label.first_empty_language() {
            return Err(BankError::EmptyLabel { scale: raw.id, value, language });
        }
    }
    Ok(Scale {
        id: raw.id,
        min: raw.min,
        max: raw.max,
        labels: raw.labels.into_iter().map(RawLocalized::into_localized).collect(),
    })
}

fn validate_item(
    raw: RawItem,
    seen: &mut BTreeSet<String>,
    sources: &[Source],
    scales: &[Scale],
) -> Result<Item, BankError> {
    claim_id("item", &raw.id, seen)?;
    let Some(metric) = Metric::from_key(&raw.metric) else {
        return Err(BankError::UnknownMetric { item: raw.id, metric: raw.metric });
    };
    let Some(scale) = scales.iter().find(|scale| scale.id == raw.scale) else {
        return Err(BankError::UnknownScale { item: raw.id, scale: raw.scale });
    };
    if !sources.iter().any(|source| source.id == raw.source) {
        return Err(BankError::UnknownSource { item: raw.id, source_id: raw.source });
    }
    if let Some(language) = raw.text.first_empty_language() {
        return Err(BankError::EmptyText { item: raw.id, language });
    }
    Ok(Item {
        id: ItemId(raw.id),
        metric,
        scale: raw.scale,
        reverse: raw.reverse,
        text: raw.text.into_localized(),
        source: raw.source,
        resolved_scale: scale.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::DRIVERS;

    #[test]
    fn embedded_bank_is_valid() {
        let bank = ItemBank::parse(EMBEDDED_BANK_TOML).unwrap();
        assert_eq!(bank.version(), 1);
        assert_eq!(&bank, ItemBank::embedded());
        for item in bank.items() {
            for language in Language::ALL {
                assert!(!item.text.get(language).trim().is_empty(), "{} {}", item.id, language.code());
            }
            assert_eq!(Metric::from_key(item.metric.key()), Some(item.metric));
            let scale = bank.scale(&item.scale).unwrap();
            assert_eq!(bank.scale_of(item), scale, "{}", item.id);
            assert_eq!(scale.labels.len(), scale.n_points(), "{}", scale.id);
            let source = bank.source(&item.source).unwrap();
            assert!(!source.licence.trim().is_empty(), "{}", source.id);
            assert!(!source.citation.trim().is_empty(), "{}", source.id);
        }
    }

    #[test]
    fn embedded_bank_covers_every_metric() {
        let bank = ItemBank::embedded();
        for metric in Metric::ALL {
            let n_items = bank.items_for(metric).count();
            assert!(n_items >= 1, "{} has no item", metric.key());
        }
        for metric in DRIVERS {
            let n_items = bank.items_for(metric).count();
            assert!((2..=3).contains(&n_items), "{} has {n_items} items", metric.key());
        }
    }

    #[test]
    fn embedded_instruments_follow_their_published_form() {
        let bank = ItemBank::embedded();

        let who5: Vec<&Item> = bank.items_for(Metric::Who5).collect();
        assert_eq!(who5.len(), 5);
        for item in &who5 {
            let scale = bank.scale_of(item);
            assert_eq!((scale.min, scale.max, item.reverse), (0, 5, false), "{}", item.id);
            assert!(item.text.en.starts_with("Over the last two weeks"), "{}", item.id);
            assert!(item.text.it.starts_with("Nelle ultime due settimane"), "{}", item.id);
            assert_eq!(item.source, "who5");
        }
        let who5_scale = bank.scale("who5").unwrap();
        assert_eq!(who5_scale.label(0).unwrap().en, "At no time");
        assert_eq!(who5_scale.label(5).unwrap().en, "All of the time");

        let burnout: Vec<&Item> = bank.items_for(Metric::Burnout).collect();
        assert_eq!(burnout.len(), 1);
        assert!(burnout[0].reverse, "a higher burnout answer is worse, so the item is reversed");
        assert_eq!(bank.scale_of(burnout[0]).n_points(), 5);

        let enps: Vec<&Item> = bank.items_for(Metric::Enps).collect();
        assert_eq!(enps.len(), 1);
        let enps_scale = bank.scale_of(enps[0]);
        assert_eq!((enps_scale.min, enps_scale.max, enps[0].reverse), (0, 10, false));
        assert_eq!(enps_scale.label(0).unwrap().en, "0 – Not at all likely");
        assert_eq!(enps_scale.label(10).unwrap().en, "10 – Extremely likely");
        let enps_note = bank.source(&enps[0].source).unwrap().note.as_deref().unwrap_or_default();
        for trademark_holder in ["Bain & Company", "Satmetrix", "Fred Reichheld"] {
            assert!(enps_note.contains(trademark_holder), "the eNPS credit names {trademark_holder}");
        }

        for item in bank.items_for(Metric::Wellbeing) {
            assert_eq!(item.scale, "mood5", "{}", item.id);
        }
    }

    #[test]
    fn embedded_bank_has_reverse_scored_agreement_items() {
        let bank = ItemBank::embedded();
        let reversed: Vec<&str> = bank
            .items()
            .iter()
            .filter(|item| item.reverse && item.scale == "agree5")
            .map(|item| item.id.as_str())
            .collect();
        assert!(reversed.len() >= 3, "{reversed:?}");
        assert!(reversed.contains(&"wlb.2"), "'hard to switch off' is scored in reverse");
    }

    /// Phrases from proprietary instruments (Gallup Q12, the Maslach Burnout
    /// Inventory, UWES) that must never appear in the bank, even reworded a
    /// little. The list is a tripwire, not a proof of originality.
    #[test]
    fn embedded_bank_copies_no_proprietary_wording() {
        let forbidden = [
            "what is expected of me",
            "materials and equipment",
            "do what i do best",
            "recognition or praise",
            "cares about me as a person",
            "encourages my development",
            "best friend at work",
            "my opinions seem to count",
            "talked to me about my progress",
            "emotionally drained",
            "used up at the end of the workday",
            "treat some recipients",
            "bursting with energy",
            "time flies",
            "full of meaning and purpose",
            "immersed in my work",
            "i get carried away",
        ];
        for item in ItemBank::embedded().items() {
            let english = item.text.en.to_lowercase();
            for phrase in forbidden {
                assert!(!english.contains(phrase), "{} contains '{phrase}'", item.id);
            }
        }
    }

    /// Polso speaks to the employee with the informal "tu"; a formal "Lei"
    /// form slipping in would read as two voices.
    #[test]
    fn italian_uses_the_informal_register() {
        let formal_markers = [" Lei ", " Suo ", " Sua ", " Suoi ", " Sue ", " La sua ", "Le chiediamo"];
        for item in ItemBank::embedded().items() {
            let italian = format!(" {} ", item.text.it);
            for marker in formal_markers {
                assert!(!italian.contains(marker), "{} uses the formal '{}'", item.id, marker.trim());
            }
        }
    }

    #[test]
    fn lookups_find_what_the_file_declares() {
        let bank = ItemBank::embedded();
        let item = bank.item("wlb.2").unwrap();
        assert_eq!(item.metric, Metric::WorkLifeBalance);
        assert!(item.reverse);
        assert_eq!(bank.scale_of(item).id, "agree5");
        assert_eq!(bank.source(&item.source).unwrap().licence, "Apache-2.0");
        assert!(bank.item("wlb.99").is_none());
        assert!(bank.scale("agree7").is_none());
        assert!(bank.source("gallup").is_none());
        let agree5 = bank.scale("agree5").unwrap();
        assert_eq!(agree5.label(1).unwrap().get(Language::It), "Per niente d'accordo");
        assert_eq!(agree5.label(0), None);
        assert_eq!(agree5.label(6), None);
    }

    /// A minimal valid bank; each error case below breaks one thing in it.
    const VALID: &str = r#"
version = 1

[[sources]]
id = "polso"
name = "Polso"
licence = "Apache-2.0"
citation = "Written by the Polso project."

[[scales]]
id = "agree3"
min = 1
max = 3
labels = [{ en = "No", it = "No" }, { en = "Maybe", it = "Forse" }, { en = "Yes", it = "Sì" }]

[[items]]
id = "eng.1"
metric = "engagement"
scale = "agree3"
reverse = false
source = "polso"
text.en = "This week I enjoyed my work."
text.it = "Questa settimana il mio lavoro mi è piaciuto."
"#;

    #[test]
    fn a_minimal_bank_parses() {
        let bank = ItemBank::parse(VALID).unwrap();
        assert_eq!(bank.version(), 1);
        assert_eq!(bank.items().len(), 1);
        let item = bank.item("eng.1").unwrap();
        assert_eq!(item.metric, Metric::Engagement);
        assert_eq!(bank.scale_of(item).labels[2].it, "Sì");
        assert_eq!(bank.source("polso").unwrap().url, None);
    }

    #[test]
    fn invalid_banks_are_refused_with_the_culprit_named() {
        let item_table = "[[items]]\nid = \"eng.1\"";
        let cases: Vec<(&str, String, BankError)> = vec![
            (
                "version missing",
                VALID.replace("version = 1", ""),
                BankError::VersionMissing,
            ),
            ("version zero", VALID.replace("version = 1", "version = 0"), BankError::VersionZero),
            (
                "unknown metric",
                VALID.replace("metric = \"engagement\"", "metric = \"happiness\""),
                BankError::UnknownMetric { item: "eng.1".into(), metric: "happiness".into() },
            ),
            (
                "unknown scale",
                VALID.replace("scale = \"agree3\"", "scale = \"agree7\""),
                BankError::UnknownScale { item: "eng.1".into(), scale: "agree7".into() },
            ),
            (
                "unknown source",
                VALID.replace("source = \"polso\"", "source = \"gallup\""),
                BankError::UnknownSource { item: "eng.1".into(), source_id: "gallup".into() },
            ),
            (
                "empty English text",
                VALID.replace("text.en = \"This week I enjoyed my work.\"", "text.en = \" \""),
                BankError::EmptyText { item: "eng.1".into(), language: Language::En },
            ),
            (
                "empty Italian text",
                VALID.replace("text.it = \"Questa settimana il mio lavoro mi è piaciuto.\"", "text.it = \"\""),
                BankError::EmptyText { item: "eng.1".into(), language: Language::It },
            ),
            (
                "duplicate item id",
                format!("{VALID}\n{}", &VALID[VALID.find(item_table).unwrap()..]),
                BankError::DuplicateId { kind: "item", id: "eng.1".into() },
            ),
            (
                "duplicate source id",
                VALID.replace(
                    "[[scales]]",
                    "[[sources]]\nid = \"polso\"\nname = \"Again\"\nlicence = \"MIT\"\ncitation = \"x\"\n\n[[scales]]",
                ),
                BankError::DuplicateId { kind: "source", id: "polso".into() },
            ),
            (
                "empty item id",
                VALID.replace("id = \"eng.1\"", "id = \"\""),
                BankError::EmptyId { kind: "item" },
            ),
            (
                "min equal to max",
                VALID.replace("max = 3", "max = 1"),
                BankError::InvalidRange { scale: "agree3".into(), min: 1, max: 1 },
            ),
            (
                "min above max",
                VALID.replace("min = 1", "min = 4"),
                BankError::InvalidRange { scale: "agree3".into(), min: 4, max: 3 },
            ),
            (
                "too few labels",
                VALID.replace("max = 3", "max = 4"),
                BankError::LabelCount { scale: "agree3".into(), expected: 4, found: 3 },
            ),
            (
                "too many labels",
                VALID.replace("max = 3", "max = 2"),
                BankError::LabelCount { scale: "agree3".into(), expected: 2, found: 3 },
            ),
            (
                "empty label",
                VALID.replace("it = \"Forse\"", "it = \"\""),
                BankError::EmptyLabel { scale: "agree3".into(), value: 2, language: Language::It },
            ),
            (
                "source without licence",
                VALID.replace("licence = \"Apache-2.0\"", "licence = \"\""),
                BankError::EmptySourceField { source_id: "polso".into(), field: "licence" },
            ),
        ];
        for (name, text, expected) in cases {
            assert_eq!(ItemBank::parse(&text), Err(expected), "{name}");
        }
    }

    #[test]
    fn malformed_files_are_syntax_errors() {
        let cases = [
            ("not TOML", "version = = 1".to_owned()),
            ("misspelt field", VALID.replace("reverse = false", "revers = false")),
            ("missing reverse", VALID.replace("reverse = false", "")),
            ("negative minimum", VALID.replace("min = 1", "min = -1")),
            (
                "missing Italian text",
                VALID.replace("text.it = \"Questa settimana il mio lavoro mi è piaciuto.\"", ""),
            ),
        ];
        for (name, text) in cases {
            assert!(matches!(ItemBank::parse(&text), Err(BankError::Syntax { .. })), "{name}");
        }
    }

    #[test]
    fn error_messages_name_the_item_and_field() {
        let cases = [
            (
                BankError::EmptyText { item: "eng.1".into(), language: Language::It },
                "item 'eng.1': `text.it` is empty",
            ),
            (
                BankError::UnknownSource { item: "tools.2".into(), source_id: "gallup".into() },
                "item 'tools.2': unknown source 'gallup'",
            ),
            (
                BankError::LabelCount { scale: "agree5".into(), expected: 5, found: 4 },
                "scale 'agree5': it has 5 points, so it needs 5 labels, not 4",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }
}
