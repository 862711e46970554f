//! The employee's settings, as the UI reads and changes them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A language Polso speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LanguageCode {
    /// English.
    En,
    /// Italian.
    It,
}

/// The language the employee chose: a fixed one, or whatever the OS uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LanguagePreference {
    /// Follow the operating system's locale.
    System,
    /// Always English.
    En,
    /// Always Italian.
    It,
}

/// The settings as stored, plus what the system offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// The language chosen.
    pub language: LanguagePreference,
    /// The language the OS locale asks for (English when it is neither).
    pub system_language: LanguageCode,
    /// The OS locale as reported, such as `"it-IT"`, for number and date formats.
    pub system_locale: String,
}

/// A change of settings; fields left out stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UpdateSettings {
    /// A new language choice.
    pub language: Option<LanguagePreference>,
}
