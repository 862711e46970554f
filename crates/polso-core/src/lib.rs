//! Polso's domain, pure: the item bank, the weekly schedule, scoring and the
//! rules of a pulse.
//!
//! Architecture invariant: this crate does no IO. It knows nothing of Tauri,
//! SQLite, HTTP or an async runtime, and reads no clock and no randomness of
//! its own: callers pass `today`, seeds and data in. So every rule here is
//! tested without a disk, a window or a network. The one piece of data it
//! ships, the item bank, is compiled in with `include_str!`.

#![warn(missing_docs)]

pub mod anonymity;
pub mod bank;
pub mod care;
pub mod collection;
pub mod cx;
pub mod dp;
pub mod edition;
pub mod key_fingerprint;
pub mod linkage;
pub mod metric;
pub mod pulse;
pub mod questionnaire;
pub mod schedule;
pub mod scoring;
pub mod splitmix;
pub mod stats;
pub mod survey;
pub mod week;

pub use bank::{
    BankError, Cutoff, Deviation, DeviationKind, Item, ItemBank, ItemId, Language, Localized, Metric,
    OfficialItalian, OfficialWording, Scale, ScaleProvenance, Source, presented_italian_wording,
    presented_wording,
};
pub use pulse::{
    MAX_ITEMS_PER_WEEK, MAX_NOTE_CHARS, PulseError, PulseSubmission, ValidPulse, WeekState, WorkMode,
    WorkWeek, validate_submission, validate_submission_with_not_applicable, week_state,
};
pub use questionnaire::{Adoption, PlanError, Questionnaire, QuestionnairePlan};
pub use schedule::{DRIVERS, EDITION_2_DRIVERS, Schedule, WeekKind};
pub use scoring::{
    Answer, EnpsCategory, MetricScore, ScoringError, enps_category, requires_every_item, score_answers,
};
pub use week::{IsoWeek, WeekError};
