//! "About these questions": every source of the item bank as employees and HR
//! read it, with the items Polso asks from it, how to cite it, its licence and
//! the changes Polso declares.
//!
//! Unlike the pulse, which carries every language so the UI can switch without
//! a round trip, this view is asked for in one language: the bank keeps only
//! some of a source's texts in more than one, and the view says which language
//! it was built in, so the UI can ask again when the language changes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{LanguageCode, MetricKey};

/// Every source of the item bank, each with what Polso asks from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AboutQuestions {
    /// The version of the item bank described.
    pub bank_version: u32,
    /// The language of every text below that the bank has in more than one.
    pub language: LanguageCode,
    /// Every source of the bank, in the bank's order.
    pub sources: Vec<SourceAbout>,
}

/// One source of the bank: where its items come from and on what terms Polso
/// uses them. Texts the bank keeps in one language only (name, licence,
/// citation, note, trademarks, what was not verified) are as the bank has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SourceAbout {
    /// The source's id in the bank, such as `"who5"`.
    pub id: String,
    /// The source's name, for credits.
    pub name: String,
    /// Whether the Polso project wrote the source's items itself.
    pub written_by_project: bool,
    /// The licence or terms of use, such as `"CC BY-NC-SA 3.0 IGO"`.
    pub licence: String,
    /// Where the licence's terms are published, if anywhere.
    pub licence_url: Option<String>,
    /// The copyright line, if the source has one.
    pub copyright: Option<String>,
    /// How to cite the source.
    pub citation: String,
    /// Where the source is published, if anywhere.
    pub url: Option<String>,
    /// Whether the terms let a company deploy the items for its staff.
    pub commercial_use: bool,
    /// Anything else a user of the items must know.
    pub note: Option<String>,
    /// The trademark credit the owners ask for, if the source names a mark.
    pub trademarks: Option<String>,
    /// The notices the owner asks for on an adaptation or a translation of
    /// the work, in the requested language.
    pub notices: Vec<SourceNotice>,
    /// How Polso's presentation differs from the official form, one change
    /// each, in the requested language.
    pub deviations: Vec<String>,
    /// What the bank records about this source that was read only in
    /// secondary copies, or not at all.
    pub unverified: Vec<String>,
    /// The items Polso asks from this source, in the bank's order.
    pub items: Vec<ItemAbout>,
}

/// A notice the owner of a source asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SourceNotice {
    /// What the notice is for.
    pub kind: NoticeKind,
    /// The notice, in the requested language.
    pub text: String,
}

/// What a source's notice is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Polso presents an adaptation of the work (its declared changes).
    Adaptation,
    /// Polso shows a translation of the work that is not the owner's own.
    Translation,
}

/// One item of a source, as Polso asks it. An item whose Italian comes from
/// another source than its English (an official text in each language) is
/// listed under both, each saying which language it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ItemAbout {
    /// The item's id in the bank, such as `"who5.1"`.
    pub id: String,
    /// The metric the item feeds.
    pub metric: MetricKey,
    /// The question as Polso shows it, in the language of `text_language`.
    pub text: String,
    /// The language of `text`: the requested one when this source gives the
    /// item's text in it, else the language this source gives.
    pub text_language: LanguageCode,
    /// The languages of the item's text that come from this source: every
    /// language, unless another source gives one of them.
    pub languages_from_source: Vec<LanguageCode>,
    /// The wording of this source's official form, for an item of a
    /// third-party source, in the language of `text`'s official form.
    pub official: Option<OfficialWordingAbout>,
    /// A validated cut-off on its answers, if the instrument has one.
    pub cutoff: Option<CutoffAbout>,
    /// The research an item written by the project rests on, with its
    /// citations, if the bank records it.
    pub basis: Option<String>,
    /// Whether the employee may answer "not applicable this week".
    pub not_applicable: bool,
    /// Whether the item is its driver's anchor, the one its trend is drawn from.
    pub anchor: bool,
}

/// The wording an item has in its source's official form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OfficialWordingAbout {
    /// The wording, exactly as published.
    pub text: String,
    /// The language it is published in.
    pub language: LanguageCode,
    /// Whether it was read in the owner's own publication; `false` when it
    /// comes only from secondary copies.
    pub verified: bool,
    /// Where it was read.
    pub read_in: String,
}

/// A validated cut-off on an item's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CutoffAbout {
    /// The lowest answer that meets the cut-off.
    pub at_least: u8,
    /// What meeting it means, in the requested language.
    pub meaning: String,
}
