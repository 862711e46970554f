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

pub use crate::metric::Metric;

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
    /// Anything else a user of the item must know.
    pub note: Option<String>,
    /// Where the licence's terms are published, if anywhere.
    pub licence_url: Option<String>,
    /// The copyright line, such as `"© World Health Organization 2024"`.
    pub copyright: Option<String>,
    /// Whether the terms allow commercial use, such as a company deploying
    /// Polso for its staff. Required on every source: a source that does not
    /// say is refused, so a non-commercial licence cannot slip in unnoticed.
    pub commercial_use: bool,
    /// Whether the project wrote the source's items itself. Items of every
    /// other source must record their official wording.
    pub written_by_project: bool,
    /// The trademark credit the owners ask for, if the source names a mark.
    pub trademarks: Option<String>,
    /// The notice the owner asks for on an adaptation of the work.
    pub adaptation_notice: Option<Localized>,
    /// The notice the owner asks for on a translation of the work.
    pub translation_notice: Option<Localized>,
    /// How Polso's presentation differs from the official form, each change
    /// declared in every language, as the instruments' terms ask.
    pub deviations: Vec<Deviation>,
    /// What the bank records about this source that was read only in
    /// secondary copies, or not at all: to be checked against the owner's own
    /// publication before it is relied on.
    pub unverified: Vec<String>,
}

/// One declared difference between Polso's presentation of an instrument and
/// its official form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// What changed; the textual kinds are applied to the official wording
    /// when the bank is validated, so the shown text must follow from them.
    pub kind: DeviationKind,
    /// The change, described for people in every language.
    pub description: Localized,
}

/// The kinds of declared deviation. The first three change the words shown
/// and are checked against the recorded official wording; the others are
/// recorded for people only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviationKind {
    /// Every item starts with this time frame; the official first word is
    /// lowered to fit the sentence unless it is "I".
    TimeFramePrefix {
        /// The English prefix, with its trailing space.
        prefix_en: String,
    },
    /// Every item ends with a full stop the official form does not print.
    FinalPeriod,
    /// A placeholder of the official wording is filled in.
    Placeholder {
        /// The placeholder as the official wording prints it.
        placeholder: String,
        /// What Polso shows in its place, in English.
        replacement_en: String,
    },
    /// The answer options are shown in the reverse of the official order.
    OptionOrderReversed,
    /// The instrument is asked on Polso's schedule, not the official one.
    Cadence,
    /// A translation that is not the owner's, or not yet checked against it.
    Translation,
    /// Polso scores or reports it in a way the official form does not.
    Scoring,
    /// Polso presents it differently from the official form (on screen
    /// instead of read out, numbers shown as answer options), with the
    /// same words.
    Presentation,
}

/// The wording an item or a scale's options have in the official form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialWording<T> {
    /// The English wording, exactly as published.
    pub en: T,
    /// Whether it was read in the owner's own publication; `false` when it
    /// comes only from secondary copies.
    pub verified: bool,
    /// Where it was read.
    pub read_in: String,
}

/// The official Italian wording of an item whose Italian text is an
/// instrument's own, not a translation: the bank checks that the shown
/// Italian equals it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialItalian {
    /// The Italian wording, exactly as published.
    pub it: String,
    /// Whether it was read in the owner's own publication; `false` when it
    /// comes only from secondary copies.
    pub verified: bool,
    /// Where it was read.
    pub read_in: String,
}

/// A validated cut-off on an item's answers, such as the single-item burnout
/// measure's "3 or more means burnout symptoms".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cutoff {
    /// The lowest answer that meets the cut-off; it is on the item's scale.
    pub at_least: u8,
    /// What meeting it means, in every language.
    pub meaning: Localized,
}

impl Cutoff {
    /// Whether the answer `value` meets the cut-off.
    pub fn is_met_by(&self, value: u8) -> bool {
        value >= self.at_least
    }
}

/// Where a third-party scale's options come from, and their official wording
/// in the official order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleProvenance {
    /// The scale's id.
    pub scale: String,
    /// The id of the source the options come from.
    pub source: String,
    /// The options as published, in the order the official form prints them.
    pub official: OfficialWording<Vec<String>>,
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
    /// The wording in the official form, for an item of a third-party
    /// source; the shown English follows from it and the source's declared
    /// deviations, which the bank checks.
    pub official: Option<OfficialWording<String>>,
    /// A validated cut-off on its answers, if the instrument has one.
    pub cutoff: Option<Cutoff>,
    /// The first edition of the questionnaire that asks the item (see
    /// [`crate::questionnaire`]); earlier editions never see it, so their
    /// schedules stay as they were.
    pub since_edition: u32,
    /// Whether the item is its driver's anchor: the item closest to the
    /// driver's definition, the reference level when a driver's trend is
    /// standardised per item. At most one per metric, and only on drivers.
    pub anchor: bool,
    /// Whether the employee may mark the item "not applicable this week"
    /// (such as a customer item in a week without customer contact). Such a
    /// mark is stored without a value, and counted.
    pub not_applicable: bool,
    /// The research an item written by the project rests on, with its
    /// citations, if the bank records it.
    pub basis: Option<String>,
    /// The id of the source of the Italian text, when it is not the item's
    /// `source` (an official text in Italian paired with an official text
    /// in English); see [`ItemBank::italian_source_of`].
    pub source_it: Option<String>,
    /// The official Italian wording, for an item whose Italian comes from a
    /// third-party source; the shown Italian equals it.
    pub official_it: Option<OfficialItalian>,
    /// The scale itself, resolved when the bank was validated, so looking it
    /// up cannot fail; private, so items only come from a validated bank.
    resolved_scale: Scale,
}

/// The validated item bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemBank {
    version: u32,
    not_applicable_label: Option<Localized>,
    sources: Vec<Source>,
    scales: Vec<Scale>,
    scale_provenance: Vec<ScaleProvenance>,
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
    /// A source does not say whether its terms allow commercial use.
    #[error("source '{source_id}': `commercial_use` is missing; say `true` or `false`")]
    CommercialUseMissing {
        /// The source's id.
        source_id: String,
    },
    /// A declared deviation's description is empty in one language.
    #[error("source '{source_id}': a deviation's description is empty in `{}`", .language.code())]
    EmptyDeviation {
        /// The source's id.
        source_id: String,
        /// The language it is empty in.
        language: Language,
    },
    /// An item of a third-party source does not record its official wording.
    #[error("item '{item}': its source is not the project's, so it needs `official_en`")]
    OfficialWordingMissing {
        /// The item's id.
        item: String,
    },
    /// An item's shown English is not its official wording changed by the
    /// source's declared deviations.
    #[error(
        "item '{item}': the official wording with the declared deviations is \"{expected}\", but the bank shows \"{shown}\""
    )]
    WordingDiffers {
        /// The item's id.
        item: String,
        /// The official wording with the declared deviations applied.
        expected: String,
        /// The English the bank shows.
        shown: String,
    },
    /// A scale names a source the bank does not define.
    #[error("scale '{scale}': unknown source '{source_id}'")]
    UnknownScaleSource {
        /// The scale's id.
        scale: String,
        /// The source id given.
        source_id: String,
    },
    /// A scale with a source lacks its official options, or has the wrong
    /// number of them.
    #[error(
        "scale '{scale}': it has {expected} points, so `official_en` needs {expected} options, not {found}"
    )]
    OfficialOptionCount {
        /// The scale's id.
        scale: String,
        /// How many options the scale has.
        expected: usize,
        /// How many official options the file gives.
        found: usize,
    },
    /// A scale's shown English label is not its official option in the
    /// declared order.
    #[error(
        "scale '{scale}': the label of {value} should be \"{expected}\" by the official wording and declared order, but is \"{shown}\""
    )]
    OptionWordingDiffers {
        /// The scale's id.
        scale: String,
        /// The value whose label differs.
        value: u8,
        /// The official option expected there.
        expected: String,
        /// The English label the bank shows.
        shown: String,
    },
    /// An item names an edition of the questionnaire that does not exist.
    #[error("item '{item}': `since_edition = {edition}` is not an edition of the questionnaire ({known})", known = crate::edition::known_editions_text())]
    UnknownEdition {
        /// The item's id.
        item: String,
        /// The edition given.
        edition: u32,
    },
    /// An item that is not a driver's is marked as an anchor.
    #[error("item '{item}': only a driver's item can be an anchor, and '{metric}' is not a driver")]
    AnchorNotDriver {
        /// The item's id.
        item: String,
        /// The item's metric key.
        metric: &'static str,
    },
    /// A metric has two anchors.
    #[error("metric '{metric}' has two anchors, '{first}' and '{second}'; keep one")]
    TwoAnchors {
        /// The metric's key.
        metric: &'static str,
        /// The first anchor in file order.
        first: String,
        /// The second anchor.
        second: String,
    },
    /// An item may be "not applicable" but the bank has no label for it.
    #[error(
        "item '{item}': it allows `not_applicable`, so the bank needs a `[not_applicable_label]` with `en` and `it`"
    )]
    NotApplicableLabelMissing {
        /// The item's id.
        item: String,
    },
    /// An item's Italian comes from a third-party source but does not record
    /// its official Italian wording.
    #[error("item '{item}': its Italian source is not the project's, so it needs `official_it`")]
    OfficialItalianMissing {
        /// The item's id.
        item: String,
    },
    /// An item's shown Italian is not its official Italian wording.
    #[error("item '{item}': the official Italian wording is \"{expected}\", but the bank shows \"{shown}\"")]
    ItalianWordingDiffers {
        /// The item's id.
        item: String,
        /// The official Italian wording, with a declared final full stop.
        expected: String,
        /// The Italian the bank shows.
        shown: String,
    },
    /// An item's cut-off does not say what it means in one language.
    #[error("item '{item}': `cutoff.meaning.{}` is empty", .language.code())]
    EmptyCutoffMeaning {
        /// The item's id.
        item: String,
        /// The language it is empty in.
        language: Language,
    },
    /// An item's cut-off is not an answer of its scale above the lowest.
    #[error("item '{item}': the cut-off {at_least} must be an answer from {} to {max}", .min + 1)]
    CutoffOffScale {
        /// The item's id.
        item: String,
        /// The cut-off given.
        at_least: u8,
        /// The scale's lowest value.
        min: u8,
        /// The scale's highest value.
        max: u8,
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
        let mut scale_provenance = Vec::new();
        for raw_scale in raw.scales {
            let (scale, provenance) = validate_scale(raw_scale, &mut scale_ids, &sources)?;
            scales.push(scale);
            scale_provenance.extend(provenance);
        }

        let not_applicable_label = match raw.not_applicable_label {
            Some(label) if label.first_empty_language().is_none() => Some(label.into_localized()),
            _ => None,
        };
        let mut item_ids = BTreeSet::new();
        let mut items: Vec<Item> = Vec::with_capacity(raw.items.len());
        for raw_item in raw.items {
            let item = validate_item(raw_item, &mut item_ids, &sources, &scales)?;
            if item.not_applicable && not_applicable_label.is_none() {
                return Err(BankError::NotApplicableLabelMissing { item: item.id.0 });
            }
            if item.anchor {
                if !crate::edition::DRIVERS.contains(&item.metric) {
                    return Err(BankError::AnchorNotDriver { item: item.id.0, metric: item.metric.key() });
                }
                let earlier = items.iter().find(|earlier| earlier.anchor && earlier.metric == item.metric);
                if let Some(earlier) = earlier {
                    return Err(BankError::TwoAnchors {
                        metric: item.metric.key(),
                        first: earlier.id.0.clone(),
                        second: item.id.0,
                    });
                }
            }
            items.push(item);
        }

        Ok(ItemBank { version, not_applicable_label, sources, scales, scale_provenance, items })
    }

    /// The bank's version, from the file's `version`.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The label of the "not applicable this week" choice, shown under the
    /// items that allow it; present whenever an item does.
    pub fn not_applicable_label(&self) -> Option<&Localized> {
        self.not_applicable_label.as_ref()
    }

    /// The anchor item of `metric`, if the bank marks one.
    pub fn anchor(&self, metric: Metric) -> Option<&Item> {
        self.items.iter().find(|item| item.metric == metric && item.anchor)
    }

    /// The items of `metric` that `edition` of the questionnaire may ask, in
    /// the order of the file.
    pub fn items_in_edition(&self, metric: Metric, edition: u32) -> impl Iterator<Item = &Item> + '_ {
        self.items_for(metric).filter(move |item| item.since_edition <= edition)
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

    /// The source `item` comes from. It cannot be missing: the bank refuses
    /// an item whose source it does not define.
    pub fn source_of(&self, item: &Item) -> &Source {
        self.source(&item.source).expect("validation refuses an item whose source is not defined")
    }

    /// The source of `item`'s Italian text: its `source_it` when it has one,
    /// otherwise its source.
    pub fn italian_source_of(&self, item: &Item) -> &Source {
        item.source_it.as_deref().and_then(|id| self.source(id)).unwrap_or_else(|| self.source_of(item))
    }

    /// Every source `item`'s texts come from: its source, then the source of
    /// its Italian when that is another one.
    pub fn sources_of(&self, item: &Item) -> Vec<&Source> {
        let mut sources = vec![self.source_of(item)];
        let italian = self.italian_source_of(item);
        if italian.id != item.source {
            sources.push(italian);
        }
        sources
    }

    /// Where the options of the scale `scale_id` come from, if they are a
    /// third-party instrument's.
    pub fn scale_provenance(&self, scale_id: &str) -> Option<&ScaleProvenance> {
        self.scale_provenance.iter().find(|provenance| provenance.scale == scale_id)
    }

    /// The validated cut-off of the item `item_id`, if the bank records one,
    /// such as the burnout item's "3 or more means burnout symptoms".
    pub fn cutoff(&self, item_id: &str) -> Option<&Cutoff> {
        self.item(item_id)?.cutoff.as_ref()
    }

    /// Every item with a validated cut-off, with the cut-off, in file order.
    pub fn items_with_cutoff(&self) -> impl Iterator<Item = (&Item, &Cutoff)> + '_ {
        self.items.iter().filter_map(|item| Some((item, item.cutoff.as_ref()?)))
    }
}

/// The bank file as written, before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBank {
    version: Option<u32>,
    not_applicable_label: Option<RawLocalized>,
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
    licence_url: Option<String>,
    copyright: Option<String>,
    commercial_use: Option<bool>,
    #[serde(default)]
    written_by_project: bool,
    trademarks: Option<String>,
    adaptation_notice: Option<RawLocalized>,
    translation_notice: Option<RawLocalized>,
    #[serde(default)]
    deviations: Vec<RawDeviation>,
    #[serde(default)]
    unverified: Vec<String>,
}

/// A declared deviation as written: `kind` names it, `description` says it
/// for people, and the textual kinds carry what they change.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RawDeviation {
    TimeFramePrefix { prefix_en: String, description: RawLocalized },
    FinalPeriod { description: RawLocalized },
    Placeholder { placeholder: String, replacement_en: String, description: RawLocalized },
    OptionOrderReversed { description: RawLocalized },
    Cadence { description: RawLocalized },
    Translation { description: RawLocalized },
    Scoring { description: RawLocalized },
    Presentation { description: RawLocalized },
}

impl RawDeviation {
    fn into_deviation(self) -> (DeviationKind, RawLocalized) {
        match self {
            RawDeviation::TimeFramePrefix { prefix_en, description } => {
                (DeviationKind::TimeFramePrefix { prefix_en }, description)
            }
            RawDeviation::FinalPeriod { description } => (DeviationKind::FinalPeriod, description),
            RawDeviation::Placeholder { placeholder, replacement_en, description } => {
                (DeviationKind::Placeholder { placeholder, replacement_en }, description)
            }
            RawDeviation::OptionOrderReversed { description } => {
                (DeviationKind::OptionOrderReversed, description)
            }
            RawDeviation::Cadence { description } => (DeviationKind::Cadence, description),
            RawDeviation::Translation { description } => (DeviationKind::Translation, description),
            RawDeviation::Scoring { description } => (DeviationKind::Scoring, description),
            RawDeviation::Presentation { description } => (DeviationKind::Presentation, description),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    id: String,
    min: u8,
    max: u8,
    labels: Vec<RawLocalized>,
    source: Option<String>,
    official_en: Option<Vec<String>>,
    #[serde(default)]
    official_verified: bool,
    official_read_in: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCutoff {
    at_least: u8,
    meaning: RawLocalized,
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
    official_en: Option<String>,
    #[serde(default)]
    official_verified: bool,
    official_read_in: Option<String>,
    cutoff: Option<RawCutoff>,
    since_edition: Option<u32>,
    #[serde(default)]
    anchor: bool,
    #[serde(default)]
    not_applicable: bool,
    basis: Option<String>,
    source_it: Option<String>,
    official_it: Option<String>,
    #[serde(default)]
    official_it_verified: bool,
    official_it_read_in: Option<String>,
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
    let Some(commercial_use) = raw.commercial_use else {
        return Err(BankError::CommercialUseMissing { source_id: raw.id });
    };
    let mut deviations = Vec::with_capacity(raw.deviations.len());
    for raw_deviation in raw.deviations {
        let (kind, description) = raw_deviation.into_deviation();
        if let Some(language) = description.first_empty_language() {
            return Err(BankError::EmptyDeviation { source_id: raw.id, language });
        }
        deviations.push(Deviation { kind, description: description.into_localized() });
    }
    let notices =
        [("adaptation_notice", &raw.adaptation_notice), ("translation_notice", &raw.translation_notice)];
    for (field, notice) in notices {
        if notice.as_ref().is_some_and(|notice| notice.first_empty_language().is_some()) {
            return Err(BankError::EmptySourceField { source_id: raw.id, field });
        }
    }
    Ok(Source {
        id: raw.id,
        name: raw.name,
        licence: raw.licence,
        citation: raw.citation,
        url: non_blank(raw.url),
        note: non_blank(raw.note),
        licence_url: non_blank(raw.licence_url),
        copyright: non_blank(raw.copyright),
        commercial_use,
        written_by_project: raw.written_by_project,
        trademarks: non_blank(raw.trademarks),
        adaptation_notice: raw.adaptation_notice.map(RawLocalized::into_localized),
        translation_notice: raw.translation_notice.map(RawLocalized::into_localized),
        deviations,
        unverified: raw.unverified.into_iter().filter(|line| !line.trim().is_empty()).collect(),
    })
}

fn validate_scale(
    raw: RawScale,
    seen: &mut BTreeSet<String>,
    sources: &[Source],
) -> Result<(Scale, Option<ScaleProvenance>), BankError> {
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
    let provenance = match raw.source {
        None => None,
        Some(source_id) => {
            let Some(source) = sources.iter().find(|source| source.id == source_id) else {
                return Err(BankError::UnknownScaleSource { scale: raw.id, source_id });
            };
            let official_en = raw.official_en.unwrap_or_default();
            if official_en.len() != expected {
                return Err(BankError::OfficialOptionCount {
                    scale: raw.id,
                    expected,
                    found: official_en.len(),
                });
            }
            let reversed = source
                .deviations
                .iter()
                .any(|deviation| deviation.kind == DeviationKind::OptionOrderReversed);
            let mut shown_order: Vec<&String> = official_en.iter().collect();
            if reversed {
                shown_order.reverse();
            }
            for ((value, label), official) in (raw.min..=raw.max).zip(&raw.labels).zip(shown_order) {
                if label.en != *official {
                    return Err(BankError::OptionWordingDiffers {
                        scale: raw.id,
                        value,
                        expected: official.clone(),
                        shown: label.en.clone(),
                    });
                }
            }
            Some(ScaleProvenance {
                scale: raw.id.clone(),
                source: source_id,
                official: OfficialWording {
                    en: official_en,
                    verified: raw.official_verified,
                    read_in: raw.official_read_in.unwrap_or_default(),
                },
            })
        }
    };
    let scale = Scale {
        id: raw.id,
        min: raw.min,
        max: raw.max,
        labels: raw.labels.into_iter().map(RawLocalized::into_localized).collect(),
    };
    Ok((scale, provenance))
}

/// The English an item of `source` shows when its official wording is
/// `official`: the source's textual deviations applied in a fixed order
/// (placeholders filled, the time frame put first, a full stop added).
pub fn presented_wording(official: &str, source: &Source) -> String {
    let mut text = official.to_owned();
    for deviation in &source.deviations {
        if let DeviationKind::Placeholder { placeholder, replacement_en } = &deviation.kind {
            text = text.replace(placeholder.as_str(), replacement_en);
        }
    }
    for deviation in &source.deviations {
        if let DeviationKind::TimeFramePrefix { prefix_en } = &deviation.kind {
            let keeps_capital = text == "I" || text.starts_with("I ");
            let mut characters = text.chars();
            let rest = match characters.next() {
                Some(first) if !keeps_capital => format!("{}{}", first.to_lowercase(), characters.as_str()),
                _ => text.clone(),
            };
            text = format!("{prefix_en}{rest}");
        }
    }
    let adds_final_period =
        source.deviations.iter().any(|deviation| deviation.kind == DeviationKind::FinalPeriod);
    if adds_final_period && !text.ends_with(['.', '?', '!']) {
        text.push('.');
    }
    text
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
    let Some(source) = sources.iter().find(|source| source.id == raw.source) else {
        return Err(BankError::UnknownSource { item: raw.id, source_id: raw.source });
    };
    if let Some(language) = raw.text.first_empty_language() {
        return Err(BankError::EmptyText { item: raw.id, language });
    }
    let official_en = non_blank(raw.official_en);
    if official_en.is_none() && !source.written_by_project {
        return Err(BankError::OfficialWordingMissing { item: raw.id });
    }
    if let Some(official_en) = &official_en {
        let expected = presented_wording(official_en, source);
        if expected != raw.text.en {
            return Err(BankError::WordingDiffers { item: raw.id, expected, shown: raw.text.en });
        }
    }
    let italian_source = match &raw.source_it {
        None => source,
        Some(source_it) => match sources.iter().find(|source| &source.id == source_it) {
            Some(italian_source) => italian_source,
            None => return Err(BankError::UnknownSource { item: raw.id, source_id: source_it.clone() }),
        },
    };
    let official_it = non_blank(raw.official_it);
    if official_it.is_none() && raw.source_it.is_some() && !italian_source.written_by_project {
        return Err(BankError::OfficialItalianMissing { item: raw.id });
    }
    if let Some(official_it) = &official_it {
        let expected = presented_italian_wording(official_it, italian_source);
        if expected != raw.text.it {
            return Err(BankError::ItalianWordingDiffers { item: raw.id, expected, shown: raw.text.it });
        }
    }
    let since_edition = raw.since_edition.unwrap_or(crate::edition::FIRST_EDITION);
    if !crate::edition::KNOWN_EDITIONS.contains(&since_edition) {
        return Err(BankError::UnknownEdition { item: raw.id, edition: since_edition });
    }
    let cutoff = match raw.cutoff {
        None => None,
        Some(raw_cutoff) => {
            if raw_cutoff.at_least <= scale.min || raw_cutoff.at_least > scale.max {
                return Err(BankError::CutoffOffScale {
                    item: raw.id,
                    at_least: raw_cutoff.at_least,
                    min: scale.min,
                    max: scale.max,
                });
            }
            if let Some(language) = raw_cutoff.meaning.first_empty_language() {
                return Err(BankError::EmptyCutoffMeaning { item: raw.id, language });
            }
            Some(Cutoff { at_least: raw_cutoff.at_least, meaning: raw_cutoff.meaning.into_localized() })
        }
    };
    Ok(Item {
        id: ItemId(raw.id),
        metric,
        scale: raw.scale,
        reverse: raw.reverse,
        text: raw.text.into_localized(),
        source: raw.source,
        official: official_en.map(|en| OfficialWording {
            en,
            verified: raw.official_verified,
            read_in: raw.official_read_in.unwrap_or_default(),
        }),
        cutoff,
        since_edition,
        anchor: raw.anchor,
        not_applicable: raw.not_applicable,
        basis: non_blank(raw.basis),
        source_it: raw.source_it,
        official_it: official_it.map(|it| OfficialItalian {
            it,
            verified: raw.official_it_verified,
            read_in: raw.official_it_read_in.unwrap_or_default(),
        }),
        resolved_scale: scale.clone(),
    })
}

/// The Italian an item shows when its official Italian wording is
/// `official`: the wording itself, with a full stop if `source` declares
/// one. The other textual deviations are English only.
pub fn presented_italian_wording(official: &str, source: &Source) -> String {
    let mut text = official.to_owned();
    let adds_final_period =
        source.deviations.iter().any(|deviation| deviation.kind == DeviationKind::FinalPeriod);
    if adds_final_period && !text.ends_with(['.', '?', '!']) {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{DRIVERS, EDITION_2_DRIVERS};

    #[test]
    fn embedded_bank_is_valid() {
        let bank = ItemBank::parse(EMBEDDED_BANK_TOML).unwrap();
        assert_eq!(bank.version(), 3);
        assert_eq!(&bank, ItemBank::embedded());
        for item in bank.items() {
            for language in Language::ALL {
                assert!(!item.text.get(language).trim().is_empty(), "{} {}", item.id, language.code());
            }
            assert_eq!(Metric::from_key(item.metric.key()), Some(item.metric));
            let scale = bank.scale(&item.scale).unwrap();
            assert_eq!(bank.scale_of(item), scale, "{}", item.id);
            assert_eq!(scale.labels.len(), scale.n_points(), "{}", scale.id);
            let source = bank.source_of(item);
            assert!(!source.licence.trim().is_empty(), "{}", source.id);
            assert!(!source.citation.trim().is_empty(), "{}", source.id);
        }
    }

    /// Issue 13: every item has a source, a licence and Italian text, and
    /// every third-party item shows its recorded official wording, changed
    /// only by its source's declared deviations.
    #[test]
    fn third_party_items_show_their_official_wording_with_only_declared_changes() {
        let bank = ItemBank::embedded();
        let mut n_third_party = 0;
        for item in bank.items() {
            let source = bank.source_of(item);
            assert!(!source.licence.trim().is_empty(), "{}", item.id);
            assert!(!item.text.it.trim().is_empty(), "{}", item.id);
            if source.written_by_project {
                continue;
            }
            n_third_party += 1;
            let official =
                item.official.as_ref().unwrap_or_else(|| panic!("{} has no official wording", item.id));
            assert!(!official.read_in.trim().is_empty(), "{} says where its wording was read", item.id);
            assert_eq!(item.text.en, presented_wording(&official.en, source), "{}", item.id);
            if !official.verified {
                assert!(
                    !source.unverified.is_empty(),
                    "{}: unverified wording is listed on its source",
                    item.id
                );
            }
        }
        assert_eq!(n_third_party, 8, "five WHO-5 items, the burnout, eNPS and life satisfaction items");
        let mut n_official_italian = 0;
        for item in bank.items() {
            let italian_source = bank.italian_source_of(item);
            if italian_source.written_by_project {
                assert!(item.official_it.is_none(), "{}", item.id);
                continue;
            }
            if item.source_it.is_some() {
                n_official_italian += 1;
                let official = item.official_it.as_ref().unwrap_or_else(|| panic!("{}", item.id));
                assert!(!official.read_in.trim().is_empty(), "{}", item.id);
                assert_eq!(
                    item.text.it,
                    presented_italian_wording(&official.it, italian_source),
                    "{}",
                    item.id
                );
                assert!(!italian_source.licence.trim().is_empty(), "{}", item.id);
                if !official.verified {
                    assert!(!italian_source.unverified.is_empty(), "{}", item.id);
                }
            }
        }
        assert_eq!(n_official_italian, 1, "the life satisfaction item, ISTAT's own Italian");
        for scale_id in ["who5", "burnout5"] {
            let provenance = bank.scale_provenance(scale_id).unwrap();
            let scale = bank.scale(scale_id).unwrap();
            let shown: Vec<&str> = scale.labels.iter().map(|label| label.en.as_str()).collect();
            let mut official: Vec<&str> = provenance.official.en.iter().map(String::as_str).collect();
            if scale_id == "who5" {
                official.reverse();
            }
            assert_eq!(shown, official, "{scale_id}");
        }
        assert!(bank.scale_provenance("agree5").is_none());
    }

    /// Without its declared deviations the WHO-5's shown text would not match
    /// the official wording: the deviations are what makes it pass, so each
    /// one the bank applies is declared.
    #[test]
    fn who5_deviations_are_declared_in_both_languages() {
        let bank = ItemBank::embedded();
        let who5 = bank.source("who5").unwrap();
        let kinds: Vec<&DeviationKind> = who5.deviations.iter().map(|deviation| &deviation.kind).collect();
        assert!(
            kinds
                .contains(&&DeviationKind::TimeFramePrefix { prefix_en: "Over the last two weeks, ".into() })
        );
        for kind in [DeviationKind::FinalPeriod, DeviationKind::OptionOrderReversed, DeviationKind::Cadence] {
            assert!(kinds.contains(&&kind), "{kind:?} is declared");
        }
        for deviation in &who5.deviations {
            for language in Language::ALL {
                assert!(!deviation.description.get(language).trim().is_empty(), "{:?}", deviation.kind);
            }
        }
        let undeclared = Source { deviations: Vec::new(), ..who5.clone() };
        for item in bank.items_for(Metric::Who5) {
            let official = &item.official.as_ref().unwrap().en;
            assert_ne!(presented_wording(official, &undeclared), item.text.en, "{}", item.id);
        }
        assert_eq!(
            bank.item("who5.5").unwrap().text.en,
            "Over the last two weeks, my daily life has been filled with things that interest me."
        );
    }

    #[test]
    fn who5_records_its_non_commercial_licence_and_notices() {
        let bank = ItemBank::embedded();
        let who5 = bank.source("who5").unwrap();
        assert_eq!(who5.licence, "CC BY-NC-SA 3.0 IGO");
        assert!(!who5.commercial_use, "CC BY-NC-SA is non-commercial");
        assert!(!who5.licence.to_lowercase().contains("public domain"));
        assert!(who5.copyright.as_deref().unwrap_or_default().contains("World Health Organization 2024"));
        assert!(who5.citation.starts_with("World Health Organization. The World Health Organization-Five"));
        assert!(who5.citation.ends_with("Licence: CC BY-NC-SA 3.0 IGO."));
        let translation_notice = who5.translation_notice.as_ref().unwrap();
        assert!(
            translation_notice
                .en
                .starts_with("This translation was not created by the World Health Organization")
        );
        assert!(translation_notice.it.contains("OMS"));
        assert!(who5.adaptation_notice.is_some());
        assert!(who5.unverified.iter().any(|line| line.contains("2024.1")), "the document number is flagged");

        for source in bank.sources() {
            let expected = source.id != "who5";
            assert_eq!(source.commercial_use, expected, "{}", source.id);
        }
    }

    #[test]
    fn burnout_item_is_verbatim_with_its_validated_cutoff() {
        let bank = ItemBank::embedded();
        let item = bank.item("burnout.1").unwrap();
        assert_eq!(
            item.text.en,
            "Overall, based on your definition of burnout, how would you rate your level of burnout?"
        );
        let labels: Vec<&str> = bank.scale_of(item).labels.iter().map(|label| label.en.as_str()).collect();
        assert_eq!(
            labels,
            [
                "I enjoy my work. I have no symptoms of burnout",
                "Occasionally I am under stress, and I don’t always have as much energy as I once did, but I don’t feel burned out",
                "I am definitely burning out and have one or more symptoms of burnout, such as physical and emotional exhaustion",
                "The symptoms of burnout that I’m experiencing won’t go away. I think about frustration at work a lot",
                "I feel completely burned out and often wonder if I can go on. I am at the point where I may need some changes or may need to seek some sort of help",
            ]
        );
        let cutoff = bank.cutoff("burnout.1").unwrap();
        assert_eq!(cutoff.at_least, 3);
        assert!(!cutoff.is_met_by(2) && cutoff.is_met_by(3) && cutoff.is_met_by(5));
        assert!(cutoff.meaning.it.contains("burnout"));
        let with_cutoff: Vec<&str> = bank.items_with_cutoff().map(|(item, _)| item.id.as_str()).collect();
        assert_eq!(with_cutoff, ["burnout.1"]);
        assert_eq!(bank.cutoff("eng.1"), None);
        assert_eq!(bank.cutoff("nope.1"), None);
        let kinds: Vec<&DeviationKind> =
            bank.source_of(item).deviations.iter().map(|deviation| &deviation.kind).collect();
        assert!(kinds.contains(&&DeviationKind::Translation), "the Italian is declared the project's");
    }

    #[test]
    fn nps_trademark_credit_names_the_current_owners() {
        let bank = ItemBank::embedded();
        let enps = bank.source_of(bank.item("enps.1").unwrap());
        let credit = enps.trademarks.as_deref().unwrap();
        for holder in ["Bain & Company, Inc.", "NICE Systems, Inc.", "Fred Reichheld"] {
            assert!(credit.contains(holder), "the credit names {holder}");
        }
        assert!(credit.contains("NPS®") && credit.contains("Net Promoter Score℠"));
        assert!(!credit.contains("Satmetrix"), "Satmetrix is the old owner");
        assert!(enps.unverified.iter().any(|line| line.contains("secondary")), "read in secondary copies");
    }

    /// The root `LICENSE` and `docs/questionnaire.md` quote the bank's terms
    /// for people; they must not drift from it. White space is collapsed,
    /// since the licence file wraps its lines.
    #[test]
    fn questionnaire_doc_and_licence_follow_the_bank() {
        fn collapsed(text: &str) -> String {
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        }
        let licence = collapsed(include_str!("../../../LICENSE"));
        let questionnaire = collapsed(include_str!("../../../docs/questionnaire.md"));
        assert!(licence.contains("Apache License Version 2.0, January 2004"));
        assert!(licence.contains("END OF TERMS AND CONDITIONS"));

        let bank = ItemBank::embedded();
        for source in bank.sources() {
            let mut quoted = vec![source.name.clone(), source.licence.clone(), source.citation.clone()];
            quoted.extend(source.trademarks.clone());
            for deviation in &source.deviations {
                quoted.push(deviation.description.en.clone());
                quoted.push(deviation.description.it.clone());
            }
            quoted.extend(source.unverified.iter().cloned());
            for text in quoted {
                assert!(questionnaire.contains(&collapsed(&text)), "docs/questionnaire.md lacks: {text}");
            }
            if !source.written_by_project {
                let trademarks = source.trademarks.as_deref().map(collapsed).unwrap_or_default();
                assert!(licence.contains(&trademarks), "LICENSE lacks the credit of {}", source.id);
            }
        }
        for item in bank.items() {
            if let Some(official) = &item.official {
                assert!(questionnaire.contains(&official.en), "{}: official wording", item.id);
                assert!(questionnaire.contains(&item.text.en), "{}: shown wording", item.id);
            }
        }
        for item in bank.items() {
            if let Some(official) = &item.official_it {
                assert!(questionnaire.contains(&official.it), "{}: official Italian wording", item.id);
            }
            if let Some(basis) = &item.basis {
                assert!(questionnaire.contains(&collapsed(basis)), "{}: basis", item.id);
            }
        }
        let who5 = bank.source("who5").unwrap();
        for text in [&who5.licence, &who5.citation] {
            assert!(licence.contains(&collapsed(text)), "LICENSE lacks: {text}");
        }
        assert!(licence.contains("Non-commercial use only"));
        let ons_attribution =
            "Contains public sector information licensed under the Open Government Licence v3.0.";
        assert!(licence.contains(ons_attribution), "LICENSE lacks the OGL attribution");
        assert!(
            licence.contains("Fonte: ISTAT") && licence.contains("Creative Commons Attribution 3.0 or later")
        );
        let italian = bank.item("ls.1").unwrap().official_it.as_ref().unwrap();
        assert!(licence.contains(&collapsed(&italian.it)), "LICENSE names ISTAT's question");
    }

    #[test]
    fn embedded_bank_covers_every_metric() {
        let bank = ItemBank::embedded();
        for metric in Metric::ALL {
            let n_items = bank.items_for(metric).count();
            assert!(n_items >= 1, "{} has no item", metric.key());
        }
        for metric in EDITION_2_DRIVERS.iter().copied() {
            let n_items = bank.items_in_edition(metric, 2).count();
            assert!((2..=3).contains(&n_items), "{} has {n_items} items in edition 2", metric.key());
        }
        for metric in DRIVERS {
            let n_items = bank.items_in_edition(metric, 3).count();
            assert!((3..=5).contains(&n_items), "{} has {n_items} items in edition 3", metric.key());
        }
        for metric in
            [Metric::LifeSatisfaction, Metric::CustomerEmpathy, Metric::ManagerSupport, Metric::Flexibility]
        {
            assert_eq!(bank.items_in_edition(metric, 2).count(), 0, "{} is new in edition 3", metric.key());
        }
    }

    /// Issue 13: each driver's trend has a reference item, its anchor.
    #[test]
    fn every_driver_has_exactly_one_anchor_asked_in_every_edition_it_is_in() {
        let bank = ItemBank::embedded();
        for metric in DRIVERS {
            let anchors: Vec<&str> =
                bank.items_for(metric).filter(|item| item.anchor).map(|item| item.id.as_str()).collect();
            assert_eq!(anchors.len(), 1, "{}: {anchors:?}", metric.key());
            let anchor = bank.anchor(metric).unwrap();
            let first_edition = bank.items_for(metric).map(|item| item.since_edition).min().unwrap();
            assert_eq!(
                anchor.since_edition, first_edition,
                "{}: the anchor is in the driver's first edition",
                anchor.id
            );
        }
        for metric in
            [Metric::Wellbeing, Metric::LifeSatisfaction, Metric::Who5, Metric::Burnout, Metric::Enps]
        {
            assert!(bank.anchor(metric).is_none(), "{}", metric.key());
        }
    }

    /// Issue 13: the items written for edition 3 note the research they rest
    /// on, and each new driver has an item that is not reverse-scored.
    #[test]
    fn new_items_note_their_basis_and_new_drivers_are_not_all_reversed() {
        let bank = ItemBank::embedded();
        for item in bank.items().iter().filter(|item| item.since_edition == 3) {
            if bank.source_of(item).written_by_project {
                let basis = item.basis.as_deref().unwrap_or_else(|| panic!("{} has no basis", item.id));
                assert!(basis.chars().any(|character| character.is_ascii_digit()), "{}: a citation", item.id);
                assert!(
                    item.text.en.contains("This week") || item.text.en.contains("this week"),
                    "{}",
                    item.id
                );
                assert!(item.text.it.contains("Questa settimana"), "{}", item.id);
            }
        }
        for metric in [Metric::CustomerEmpathy, Metric::ManagerSupport, Metric::Flexibility] {
            assert!(bank.items_for(metric).any(|item| !item.reverse), "{}", metric.key());
            assert_eq!(bank.items_for(metric).count(), 3, "{}", metric.key());
        }
        for item in bank.items_for(Metric::CustomerEmpathy) {
            assert!(item.basis.as_deref().unwrap_or_default().contains("KPMG"), "{}", item.id);
        }
    }

    /// Issue 13: the customer items, and only items where it makes sense,
    /// offer "not applicable this week", with a label in both languages.
    #[test]
    fn customer_items_allow_not_applicable_with_a_label() {
        let bank = ItemBank::embedded();
        let label = bank.not_applicable_label().unwrap();
        assert_eq!(label.en, "Not applicable this week");
        assert_eq!(label.it, "Non pertinente questa settimana");
        let allowing: BTreeSet<&str> =
            bank.items().iter().filter(|item| item.not_applicable).map(|item| item.id.as_str()).collect();
        for item in bank.items() {
            let customer_metric = matches!(item.metric, Metric::CustomerFocus | Metric::CustomerEmpathy);
            if customer_metric {
                assert!(item.not_applicable, "{}", item.id);
            }
        }
        for id in ["emp.1", "emp.2", "tools.4", "rec.4"] {
            assert!(allowing.contains(id), "{id}");
        }
        for id in ["eng.1", "wb.1", "ls.1", "who5.1", "burnout.1", "enps.1", "emp.3", "ms.1", "flex.1"] {
            assert!(!allowing.contains(id), "{id}");
        }
    }

    /// Issue 13: the commercial wellbeing measure, ONS's question in English
    /// and ISTAT's in Italian, both under licences that allow commercial use.
    #[test]
    fn life_satisfaction_pairs_the_ons_and_istat_questions() {
        let bank = ItemBank::embedded();
        let item = bank.item("ls.1").unwrap();
        assert_eq!(item.metric, Metric::LifeSatisfaction);
        assert_eq!(item.text.en, "Overall, how satisfied are you with your life nowadays?");
        assert_eq!(item.text.it, "Attualmente quanto si ritiene soddisfatto della sua vita nel complesso?");
        let scale = bank.scale_of(item);
        assert_eq!((scale.min, scale.max, item.reverse), (0, 10, false));
        assert_eq!(scale.label(0).unwrap().en, "0 – Not at all satisfied");
        assert_eq!(scale.label(10).unwrap().en, "10 – Completely satisfied");
        let sources: Vec<&str> = bank.sources_of(item).iter().map(|source| source.id.as_str()).collect();
        assert_eq!(sources, ["ons_life_satisfaction", "istat_life_satisfaction"]);
        let ons = bank.source("ons_life_satisfaction").unwrap();
        assert!(ons.commercial_use && ons.licence.contains("Open Government Licence v3.0"));
        assert!(
            ons.citation.contains(
                "Contains public sector information licensed under the Open Government Licence v3.0."
            )
        );
        let istat = bank.source("istat_life_satisfaction").unwrap();
        assert!(istat.commercial_use && istat.licence.contains("CC BY"));
        assert!(
            istat.unverified.iter().any(|line| line.contains("molto soddisfatto")),
            "the anchors are flagged"
        );
        for source in [ons, istat] {
            let kinds: Vec<&DeviationKind> =
                source.deviations.iter().map(|deviation| &deviation.kind).collect();
            assert!(kinds.contains(&&DeviationKind::Translation), "{}: the pairing is declared", source.id);
            assert!(kinds.contains(&&DeviationKind::Presentation), "{}", source.id);
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
        let formal_markers =
            [" Lei ", " Suo ", " Sua ", " Suoi ", " Sue ", " La sua ", "Le chiediamo", " si ritiene "];
        let bank = ItemBank::embedded();
        for item in bank.items() {
            if item.official_it.is_some() {
                // An official Italian text is kept verbatim, formal or not;
                // its source declares the exception.
                let note = bank.italian_source_of(item).note.as_deref().unwrap_or_default();
                assert!(note.contains("\"Lei\"") && note.contains("\"tu\""), "{}", item.id);
                continue;
            }
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
commercial_use = true
written_by_project = true

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
                    "[[sources]]\nid = \"polso\"\nname = \"Again\"\nlicence = \"MIT\"\ncitation = \"x\"\ncommercial_use = true\n\n[[scales]]",
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
    fn editions_anchors_and_not_applicable_are_checked() {
        let text_it = "text.it = \"Questa settimana il mio lavoro mi è piaciuto.\"";
        let with = |extra: &str| VALID.replace(text_it, &format!("{text_it}\n{extra}"));
        let second_item = format!(
            "{VALID}\n[[items]]\nid = \"eng.2\"\nmetric = \"engagement\"\nscale = \"agree3\"\nreverse = false\nsource = \"polso\"\ntext.en = \"x\"\ntext.it = \"y\"\nanchor = true\n"
        );
        let cases: Vec<(&str, String, BankError)> = vec![
            ("unknown edition", with("since_edition = 4"), BankError::UnknownEdition { item: "eng.1".into(), edition: 4 }),
            ("edition one", with("since_edition = 1"), BankError::UnknownEdition { item: "eng.1".into(), edition: 1 }),
            (
                "two anchors",
                second_item.replace(text_it, &format!("{text_it}\nanchor = true")),
                BankError::TwoAnchors { metric: "engagement", first: "eng.1".into(), second: "eng.2".into() },
            ),
            (
                "an anchor that is not a driver's",
                with("anchor = true").replace("metric = \"engagement\"", "metric = \"enps\""),
                BankError::AnchorNotDriver { item: "eng.1".into(), metric: "enps" },
            ),
            (
                "not applicable without a label",
                with("not_applicable = true"),
                BankError::NotApplicableLabelMissing { item: "eng.1".into() },
            ),
            (
                "an Italian source without official Italian",
                with("source_it = \"istat\"").replace(
                    "[[scales]]",
                    "[[sources]]\nid = \"istat\"\nname = \"ISTAT\"\nlicence = \"CC BY\"\ncitation = \"ISTAT.\"\ncommercial_use = true\n\n[[scales]]",
                ),
                BankError::OfficialItalianMissing { item: "eng.1".into() },
            ),
            (
                "an Italian that drifts from its official wording",
                with("official_it = \"Questa settimana il lavoro mi è piaciuto.\""),
                BankError::ItalianWordingDiffers {
                    item: "eng.1".into(),
                    expected: "Questa settimana il lavoro mi è piaciuto.".into(),
                    shown: "Questa settimana il mio lavoro mi è piaciuto.".into(),
                },
            ),
            (
                "an unknown Italian source",
                with("source_it = \"istat\""),
                BankError::UnknownSource { item: "eng.1".into(), source_id: "istat".into() },
            ),
        ];
        for (name, text, expected) in cases {
            assert_eq!(ItemBank::parse(&text), Err(expected), "{name}");
        }
        let labelled = format!(
            "{}\n[not_applicable_label]\nen = \"N/A\"\nit = \"N/D\"\n",
            with("not_applicable = true")
        );
        // The label table must come before the arrays of tables.
        let labelled = labelled.replacen(
            "version = 1\n",
            "version = 1\n[not_applicable_label]\nen = \"N/A\"\nit = \"N/D\"\n",
            1,
        );
        let labelled = &labelled[..labelled.rfind("\n[not_applicable_label]").unwrap()];
        let bank = ItemBank::parse(labelled).unwrap();
        assert!(bank.item("eng.1").unwrap().not_applicable);
        assert_eq!(bank.not_applicable_label().unwrap().it, "N/D");
        assert_eq!(
            ItemBank::parse(&with("since_edition = 3")).unwrap().item("eng.1").unwrap().since_edition,
            3
        );
        assert_eq!(ItemBank::parse(VALID).unwrap().item("eng.1").unwrap().since_edition, 2);
    }

    /// A minimal bank with one third-party instrument: an item and a scale
    /// with their official wording and two declared deviations.
    const THIRD_PARTY: &str = r#"
version = 1

[[sources]]
id = "instrument"
name = "An instrument"
licence = "CC BY-NC-SA 3.0 IGO"
citation = "Someone. An instrument. 2024."
commercial_use = false

[[sources.deviations]]
kind = "time_frame_prefix"
prefix_en = "Over the last two weeks, "
description = { en = "The time frame comes first.", it = "Il periodo viene prima." }

[[sources.deviations]]
kind = "option_order_reversed"
description = { en = "Options run upwards.", it = "Le risposte vanno dal basso." }

[[scales]]
id = "often3"
min = 0
max = 2
source = "instrument"
official_en = ["Always", "Sometimes", "Never"]
labels = [{ en = "Never", it = "Mai" }, { en = "Sometimes", it = "A volte" }, { en = "Always", it = "Sempre" }]

[[items]]
id = "who5.1"
metric = "who5"
scale = "often3"
reverse = false
source = "instrument"
official_en = "My days have been calm"
text.en = "Over the last two weeks, my days have been calm"
text.it = "Nelle ultime due settimane le mie giornate sono state tranquille"
cutoff = { at_least = 1, meaning = { en = "Some calm", it = "Un po' di calma" } }
"#;

    #[test]
    fn third_party_texts_that_drift_from_their_official_wording_are_refused() {
        let bank = ItemBank::parse(THIRD_PARTY).unwrap();
        assert!(!bank.source("instrument").unwrap().commercial_use);
        assert_eq!(bank.cutoff("who5.1").map(|cutoff| cutoff.at_least), Some(1));

        let cases: Vec<(&str, String, BankError)> = vec![
            (
                "commercial use not stated",
                THIRD_PARTY.replace("commercial_use = false\n", ""),
                BankError::CommercialUseMissing { source_id: "instrument".into() },
            ),
            (
                "official wording missing",
                THIRD_PARTY.replace("official_en = \"My days have been calm\"\n", ""),
                BankError::OfficialWordingMissing { item: "who5.1".into() },
            ),
            (
                "a word changed",
                THIRD_PARTY.replace("my days have been calm\"", "my days were calm\""),
                BankError::WordingDiffers {
                    item: "who5.1".into(),
                    expected: "Over the last two weeks, my days have been calm".into(),
                    shown: "Over the last two weeks, my days were calm".into(),
                },
            ),
            (
                "a change that is not declared",
                THIRD_PARTY.replace(
                    "kind = \"time_frame_prefix\"\nprefix_en = \"Over the last two weeks, \"",
                    "kind = \"cadence\"",
                ),
                BankError::WordingDiffers {
                    item: "who5.1".into(),
                    expected: "My days have been calm".into(),
                    shown: "Over the last two weeks, my days have been calm".into(),
                },
            ),
            (
                "options in an undeclared order",
                THIRD_PARTY.replace("kind = \"option_order_reversed\"", "kind = \"scoring\""),
                BankError::OptionWordingDiffers {
                    scale: "often3".into(),
                    value: 0,
                    expected: "Always".into(),
                    shown: "Never".into(),
                },
            ),
            (
                "an official option missing",
                THIRD_PARTY.replace("[\"Always\", \"Sometimes\", \"Never\"]", "[\"Always\", \"Never\"]"),
                BankError::OfficialOptionCount { scale: "often3".into(), expected: 3, found: 2 },
            ),
            (
                "scale of an unknown source",
                THIRD_PARTY.replace(
                    "source = \"instrument\"\nofficial_en = [",
                    "source = \"gallup\"\nofficial_en = [",
                ),
                BankError::UnknownScaleSource { scale: "often3".into(), source_id: "gallup".into() },
            ),
            (
                "cut-off at the bottom of the scale",
                THIRD_PARTY.replace("at_least = 1", "at_least = 0"),
                BankError::CutoffOffScale { item: "who5.1".into(), at_least: 0, min: 0, max: 2 },
            ),
            (
                "cut-off off the scale",
                THIRD_PARTY.replace("at_least = 1", "at_least = 3"),
                BankError::CutoffOffScale { item: "who5.1".into(), at_least: 3, min: 0, max: 2 },
            ),
            (
                "cut-off meaning without English",
                THIRD_PARTY.replace("en = \"Some calm\"", "en = \"\""),
                BankError::EmptyCutoffMeaning { item: "who5.1".into(), language: Language::En },
            ),
            (
                "deviation without Italian",
                THIRD_PARTY.replace("it = \"Il periodo viene prima.\"", "it = \" \""),
                BankError::EmptyDeviation { source_id: "instrument".into(), language: Language::It },
            ),
        ];
        for (name, text, expected) in cases {
            assert_eq!(ItemBank::parse(&text), Err(expected), "{name}");
        }
        let unknown_kind = THIRD_PARTY.replace("kind = \"option_order_reversed\"", "kind = \"reworded\"");
        assert!(matches!(ItemBank::parse(&unknown_kind), Err(BankError::Syntax { .. })));
    }

    /// The shipped file itself: changing one word of a WHO-5 item, or
    /// dropping the licence's commercial-use flag, makes it invalid.
    #[test]
    fn the_shipped_bank_refuses_an_edited_instrument_text() {
        let reworded = EMBEDDED_BANK_TOML.replace(
            "text.en = \"Over the last two weeks, I have felt calm and relaxed.\"",
            "text.en = \"Over the last two weeks, I have felt calm and at ease.\"",
        );
        assert_ne!(reworded, EMBEDDED_BANK_TOML);
        assert!(matches!(
            ItemBank::parse(&reworded),
            Err(BankError::WordingDiffers { item, .. }) if item == "who5.2"
        ));
        let reworded_option = EMBEDDED_BANK_TOML.replace(
            "{ en = \"I enjoy my work. I have no symptoms of burnout\",",
            "{ en = \"I enjoy my work. I have no symptoms of burnout.\",",
        );
        assert_ne!(reworded_option, EMBEDDED_BANK_TOML);
        assert!(matches!(
            ItemBank::parse(&reworded_option),
            Err(BankError::OptionWordingDiffers { scale, value: 1, .. }) if scale == "burnout5"
        ));
        let unflagged = EMBEDDED_BANK_TOML.replacen("commercial_use = false\n", "", 1);
        assert_eq!(
            ItemBank::parse(&unflagged),
            Err(BankError::CommercialUseMissing { source_id: "who5".into() })
        );
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
