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
    /// When the weekly reminder comes.
    pub reminder: ReminderSettings,
    /// Whether Polso starts when the employee logs in (off until they turn it on).
    pub autostart: bool,
    /// Whether the first-run welcome was seen (or skipped) on this installation.
    pub welcome_seen: bool,
    /// The organisation's minimum group size k, when this device has read it
    /// from the server; none until then, and the welcome names the rule (the
    /// default and the floor) instead of a number it does not know. Only for
    /// words; the server applies its own k.
    pub minimum_group_size: Option<u32>,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WeekdayDto {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

/// The weekly reminder's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReminderSettings {
    /// Whether reminders are on.
    pub enabled: bool,
    /// The day the reminder comes.
    pub weekday: WeekdayDto,
    /// The local time it comes, `"HH:MM"` on a 24-hour clock, such as `"11:00"`.
    pub time: String,
    /// Hours without reminders, or none.
    pub quiet_hours: Option<QuietHoursDto>,
}

/// A daily stretch without reminders, `"HH:MM"` to `"HH:MM"`; it may span midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct QuietHoursDto {
    /// When the quiet hours begin, such as `"19:00"`.
    pub start: String,
    /// When they end, such as `"08:30"`.
    pub end: String,
}

/// Where the weekly reminder stands, for the settings view and the tray.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReminderStatus {
    /// Whether this week's pulse is due and unanswered.
    pub pulse_due: bool,
    /// When the next reminder comes, RFC 3339 with the local offset; `None` when reminders are off.
    pub next_at: Option<String>,
    /// When a reminder last fired, RFC 3339 in UTC.
    pub last_fired_at: Option<String>,
    /// When the current snooze ends, RFC 3339 in UTC.
    pub snoozed_until: Option<String>,
}

/// How long to snooze the reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SnoozeLengthDto {
    /// One hour.
    OneHour,
    /// Until tomorrow at the reminder's time.
    Tomorrow,
}

/// A change of settings; fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UpdateSettings {
    /// A new language choice.
    pub language: Option<LanguagePreference>,
    /// New reminder settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reminder: Option<ReminderSettings>,
    /// Turn starting at login on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub autostart: Option<bool>,
    /// Mark the first-run welcome as seen (true) or to be shown again (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub welcome_seen: Option<bool>,
}
