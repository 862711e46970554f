//! The employee's settings: kept in the local store, read with the OS locale.
//! Also the reminder's memory (when it last fired, the snooze), kept beside them.

use chrono::{DateTime, FixedOffset, NaiveTime, Utc, Weekday};
use polso_api::{
    ApiError, ErrorCode, LanguageCode, LanguagePreference, QuietHoursDto, ReminderSettings, ReminderStatus,
    Settings, SnoozeLengthDto, UpdateSettings, WeekdayDto,
};
use polso_core::IsoWeek;
use polso_store::{SecretVault, Store};

use crate::Desktop;
use crate::errors::{open_error_to_api, store_to_api};
use crate::hr::HR_K_KEY;
use crate::reminder::{self, QuietHours, ReminderAction, ReminderMemory, ReminderSchedule, SnoozeLength};

/// What one tick of the reminder found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderTick {
    /// Show the reminder now: it is recorded as fired.
    pub fire: bool,
    /// This week's pulse is due and unanswered (the tray shows it).
    pub pulse_due: bool,
}

impl Desktop {
    /// Whether to tell the employee that this desktop shows no tray icon: true
    /// the first time it is asked on this installation (and marked then), false
    /// after, so the notice comes once and not at every log-in. The shell still
    /// writes the reason to its log at every start.
    pub fn first_start_without_tray(&mut self) -> Result<bool, ApiError> {
        if read_bool(&self.store, NO_TRAY_TOLD_KEY, false)? {
            return Ok(false);
        }
        self.store.set_setting(NO_TRAY_TOLD_KEY, "true").map_err(store_to_api)?;
        Ok(true)
    }

    /// Looks at the reminder at `now` (with the employee's current UTC offset)
    /// and, when it is time, records that it fired and says so. The shell calls
    /// this on a short tick and shows the notification when `fire` is set.
    pub fn reminder_tick(&mut self, now: DateTime<FixedOffset>) -> Result<ReminderTick, ApiError> {
        let plan = reminder::plan(&reminder_schedule(&self.store)?, &self.reminder_memory(now)?, now);
        let fire = plan.action == ReminderAction::FireNow;
        if fire {
            write_instant(&mut self.store, LAST_FIRED_KEY, now.to_utc())?;
        }
        Ok(ReminderTick { fire, pulse_due: plan.pulse_due })
    }

    /// Where the reminder stands at `now`, for the settings view.
    pub fn reminder_status(&self, now: DateTime<FixedOffset>) -> Result<ReminderStatus, ApiError> {
        let memory = self.reminder_memory(now)?;
        let plan = reminder::plan(&reminder_schedule(&self.store)?, &memory, now);
        let next_at = match plan.action {
            ReminderAction::FireNow => Some(now),
            ReminderAction::WaitUntil(instant) => Some(instant),
            ReminderAction::Off => None,
        };
        let offset = *now.offset();
        Ok(ReminderStatus {
            pulse_due: plan.pulse_due,
            next_at: next_at.map(instant_to_wire),
            last_fired_at: memory
                .last_fired_at
                .map(|instant| instant_to_wire(instant.with_timezone(&offset))),
            snoozed_until: memory
                .snoozed_until
                .filter(|until| *until > now.to_utc())
                .map(|instant| instant_to_wire(instant.with_timezone(&offset))),
        })
    }

    /// Snoozes the reminder for an hour or until tomorrow, from `now`.
    pub fn snooze_reminder(
        &mut self,
        length: SnoozeLengthDto,
        now: DateTime<FixedOffset>,
    ) -> Result<ReminderStatus, ApiError> {
        let length = match length {
            SnoozeLengthDto::OneHour => SnoozeLength::OneHour,
            SnoozeLengthDto::Tomorrow => SnoozeLength::Tomorrow,
        };
        let until = reminder::snooze_end(&reminder_schedule(&self.store)?, length, now);
        // A snooze counts from a reminder: one asked for from the tray before
        // any reminder fired this week marks the reminder as seen now.
        let memory = self.reminder_memory(now)?;
        if memory.last_fired_at.is_none_or(|fired| fired > now.to_utc()) {
            write_instant(&mut self.store, LAST_FIRED_KEY, now.to_utc())?;
        }
        write_instant(&mut self.store, SNOOZED_UNTIL_KEY, until)?;
        self.reminder_status(now)
    }

    /// Deletes everything this device keeps: the store's files, the store's key
    /// and the device and HR tokens in the keyring. `store_vault` and
    /// `store_key_account` say where the store's key is. Afterwards the app
    /// opens a new, empty store, as on the first run.
    pub fn delete_local_data(
        self,
        store_vault: &dyn SecretVault,
        store_key_account: &str,
    ) -> Result<(), ApiError> {
        let data_dir = self.store.path().parent().map(std::path::Path::to_owned).ok_or_else(|| {
            ApiError::new(ErrorCode::StoreUnavailable, "the local store has no folder to delete it from")
        })?;
        let Desktop { store, device_vault, device_token_account, hr_vault, hr_token_account, .. } = self;
        drop(store);
        polso_store::delete_local_data(&data_dir, store_vault, store_key_account)
            .map_err(|error| open_error_to_api(&error))?;
        let threads_account = crate::comments::threads_account(&device_token_account);
        let device_accounts = [device_token_account, threads_account];
        for (vault, accounts) in [(device_vault, &device_accounts[..]), (hr_vault, &[hr_token_account][..])] {
            if let Some(vault) = vault {
                for account in accounts {
                    vault
                        .delete(account)
                        .map_err(|error| open_error_to_api(&polso_store::OpenError::from(error)))?;
                }
            }
        }
        Ok(())
    }

    fn reminder_memory(&self, now: DateTime<FixedOffset>) -> Result<ReminderMemory, ApiError> {
        let this_week = IsoWeek::containing(now.date_naive());
        let answered = self.store.pulse_for_week(this_week).map_err(store_to_api)?.is_some();
        Ok(ReminderMemory {
            last_answered_week: answered.then_some(this_week),
            last_fired_at: read_instant(&self.store, LAST_FIRED_KEY)?,
            snoozed_until: read_instant(&self.store, SNOOZED_UNTIL_KEY)?,
        })
    }
}

const LANGUAGE_KEY: &str = "language";
const REMINDER_ENABLED_KEY: &str = "reminder.enabled";
const REMINDER_WEEKDAY_KEY: &str = "reminder.weekday";
const REMINDER_TIME_KEY: &str = "reminder.time";
const QUIET_START_KEY: &str = "reminder.quiet_start";
const QUIET_END_KEY: &str = "reminder.quiet_end";
const AUTOSTART_KEY: &str = "autostart";
const WELCOME_SEEN_KEY: &str = "welcome.seen";
const NO_TRAY_TOLD_KEY: &str = "tray.absent_told";
const LAST_FIRED_KEY: &str = "reminder.last_fired_at";
const SNOOZED_UNTIL_KEY: &str = "reminder.snoozed_until";

/// The language Polso uses for an OS locale such as `"it-IT"` or `"en_GB.UTF-8"`:
/// Italian for any Italian locale, English otherwise.
pub fn language_of_locale(locale: &str) -> LanguageCode {
    let language = locale.split(['-', '_', '.']).next().unwrap_or_default();
    if language.eq_ignore_ascii_case("it") { LanguageCode::It } else { LanguageCode::En }
}

fn corrupt(key: &str, value: &str) -> ApiError {
    ApiError::new(
        ErrorCode::StoreCorrupt,
        format!("the stored setting '{key}' has an unknown value '{value}'"),
    )
}

fn read_bool(store: &Store, key: &str, default: bool) -> Result<bool, ApiError> {
    match store.setting(key).map_err(store_to_api)?.as_deref() {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(corrupt(key, other)),
    }
}

pub(crate) fn read(store: &Store, system_locale: &str) -> Result<Settings, ApiError> {
    let language = match store.setting(LANGUAGE_KEY).map_err(store_to_api)?.as_deref() {
        None | Some("system") => LanguagePreference::System,
        Some("en") => LanguagePreference::En,
        Some("it") => LanguagePreference::It,
        Some(other) => return Err(corrupt(LANGUAGE_KEY, other)),
    };
    let schedule = reminder_schedule(store)?;
    Ok(Settings {
        language,
        system_language: language_of_locale(system_locale),
        system_locale: system_locale.to_owned(),
        reminder: schedule_to_wire(&schedule),
        autostart: read_bool(store, AUTOSTART_KEY, false)?,
        welcome_seen: read_bool(store, WELCOME_SEEN_KEY, false)?,
        minimum_group_size: minimum_group_size(store)?,
    })
}

/// The k to name to the employee: the organisation's as the server last said
/// (kept when HR connects), or none when this device has not read it; an
/// organisation may set any k from the floor up, so the default is not named
/// as if it were theirs. Like the HR view, it reads an unreadable stored k as
/// unknown: the number is only for words, and a bad one must not keep the app
/// from starting.
fn minimum_group_size(store: &Store) -> Result<Option<u32>, ApiError> {
    let stored = store.setting(HR_K_KEY).map_err(store_to_api)?;
    Ok(stored.and_then(|text| text.parse().ok()))
}

/// The reminder's schedule as stored, or the default (Thursday 11:00, on).
pub(crate) fn reminder_schedule(store: &Store) -> Result<ReminderSchedule, ApiError> {
    let default = ReminderSchedule::default();
    let stored_time = |key: &str| -> Result<Option<NaiveTime>, ApiError> {
        match store.setting(key).map_err(store_to_api)? {
            None => Ok(None),
            Some(text) => parse_time(&text).map(Some).map_err(|_| corrupt(key, &text)),
        }
    };
    let weekday = match store.setting(REMINDER_WEEKDAY_KEY).map_err(store_to_api)? {
        None => default.weekday,
        Some(text) => weekday_from_name(&text).ok_or_else(|| corrupt(REMINDER_WEEKDAY_KEY, &text))?,
    };
    let quiet_hours = match (stored_time(QUIET_START_KEY)?, stored_time(QUIET_END_KEY)?) {
        (Some(start), Some(end)) => Some(QuietHours { start, end }),
        _ => None,
    };
    Ok(ReminderSchedule {
        enabled: read_bool(store, REMINDER_ENABLED_KEY, default.enabled)?,
        weekday,
        time: stored_time(REMINDER_TIME_KEY)?.unwrap_or(default.time),
        quiet_hours,
    })
}

pub(crate) fn update(store: &mut Store, change: UpdateSettings) -> Result<(), ApiError> {
    // Check everything before writing anything: a bad field changes nothing.
    let mut values: Vec<(&str, String)> = Vec::new();
    let mut removals: Vec<&str> = Vec::new();
    if let Some(language) = change.language {
        let value = match language {
            LanguagePreference::System => "system",
            LanguagePreference::En => "en",
            LanguagePreference::It => "it",
        };
        values.push((LANGUAGE_KEY, value.to_owned()));
    }
    if let Some(reminder) = &change.reminder {
        let schedule = schedule_from_wire(reminder)?;
        values.push((REMINDER_ENABLED_KEY, schedule.enabled.to_string()));
        values.push((REMINDER_WEEKDAY_KEY, weekday_name(schedule.weekday).to_owned()));
        values.push((REMINDER_TIME_KEY, format_time(schedule.time)));
        match schedule.quiet_hours {
            Some(quiet) => {
                values.push((QUIET_START_KEY, format_time(quiet.start)));
                values.push((QUIET_END_KEY, format_time(quiet.end)));
            }
            None => removals.extend([QUIET_START_KEY, QUIET_END_KEY]),
        }
        // A new schedule starts afresh: an old snooze no longer applies.
        removals.push(SNOOZED_UNTIL_KEY);
    }
    if let Some(autostart) = change.autostart {
        values.push((AUTOSTART_KEY, autostart.to_string()));
    }
    if let Some(welcome_seen) = change.welcome_seen {
        values.push((WELCOME_SEEN_KEY, welcome_seen.to_string()));
    }
    let pairs: Vec<(&str, &str)> = values.iter().map(|(key, value)| (*key, value.as_str())).collect();
    if !pairs.is_empty() {
        store.set_settings(&pairs).map_err(store_to_api)?;
    }
    if !removals.is_empty() {
        store.remove_settings(&removals).map_err(store_to_api)?;
    }
    Ok(())
}

/// Reads a stored instant of the reminder's memory.
fn read_instant(store: &Store, key: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    match store.setting(key).map_err(store_to_api)? {
        None => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(&text)
            .map(|instant| Some(instant.to_utc()))
            .map_err(|_| corrupt(key, &text)),
    }
}

/// Writes an instant of the reminder's memory.
fn write_instant(store: &mut Store, key: &str, instant: DateTime<Utc>) -> Result<(), ApiError> {
    store.set_setting(key, &instant.to_rfc3339()).map_err(store_to_api)
}

/// An instant as the UI reads it: RFC 3339 in the given offset.
fn instant_to_wire(instant: DateTime<FixedOffset>) -> String {
    instant.to_rfc3339()
}

fn schedule_to_wire(schedule: &ReminderSchedule) -> ReminderSettings {
    ReminderSettings {
        enabled: schedule.enabled,
        weekday: weekday_to_wire(schedule.weekday),
        time: format_time(schedule.time),
        quiet_hours: schedule
            .quiet_hours
            .map(|quiet| QuietHoursDto { start: format_time(quiet.start), end: format_time(quiet.end) }),
    }
}

fn schedule_from_wire(settings: &ReminderSettings) -> Result<ReminderSchedule, ApiError> {
    let time_field = |field: &str, text: &str| {
        parse_time(text).map_err(|()| {
            ApiError::new(
                ErrorCode::InvalidSetting,
                format!(
                    "reminder {field} '{text}' is not a time of day such as 11:00 (HH:MM, 24-hour clock)"
                ),
            )
        })
    };
    let quiet_hours = match &settings.quiet_hours {
        None => None,
        Some(quiet) => Some(QuietHours {
            start: time_field("quiet hours start", &quiet.start)?,
            end: time_field("quiet hours end", &quiet.end)?,
        }),
    };
    Ok(ReminderSchedule {
        enabled: settings.enabled,
        weekday: weekday_from_wire(settings.weekday),
        time: time_field("time", &settings.time)?,
        quiet_hours,
    })
}

/// `"HH:MM"` on a 24-hour clock, and nothing else.
fn parse_time(text: &str) -> Result<NaiveTime, ()> {
    let (hours, minutes) = text.split_once(':').ok_or(())?;
    if hours.len() != 2 || minutes.len() != 2 {
        return Err(());
    }
    let hours: u32 = hours.parse().map_err(|_| ())?;
    let minutes: u32 = minutes.parse().map_err(|_| ())?;
    NaiveTime::from_hms_opt(hours, minutes, 0).ok_or(())
}

fn format_time(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

const WEEKDAYS: [(Weekday, WeekdayDto, &str); 7] = [
    (Weekday::Mon, WeekdayDto::Mon, "mon"),
    (Weekday::Tue, WeekdayDto::Tue, "tue"),
    (Weekday::Wed, WeekdayDto::Wed, "wed"),
    (Weekday::Thu, WeekdayDto::Thu, "thu"),
    (Weekday::Fri, WeekdayDto::Fri, "fri"),
    (Weekday::Sat, WeekdayDto::Sat, "sat"),
    (Weekday::Sun, WeekdayDto::Sun, "sun"),
];

fn weekday_to_wire(weekday: Weekday) -> WeekdayDto {
    WEEKDAYS.iter().find(|(day, _, _)| *day == weekday).map_or(WeekdayDto::Thu, |(_, wire, _)| *wire)
}

fn weekday_from_wire(weekday: WeekdayDto) -> Weekday {
    WEEKDAYS.iter().find(|(_, wire, _)| *wire == weekday).map_or(Weekday::Thu, |(day, _, _)| *day)
}

fn weekday_name(weekday: Weekday) -> &'static str {
    WEEKDAYS.iter().find(|(day, _, _)| *day == weekday).map_or("thu", |(_, _, name)| name)
}

fn weekday_from_name(name: &str) -> Option<Weekday> {
    WEEKDAYS.iter().find(|(_, _, known)| *known == name).map(|(day, _, _)| *day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_hh_mm_on_a_24_hour_clock() {
        assert_eq!(parse_time("11:00"), Ok(NaiveTime::from_hms_opt(11, 0, 0).unwrap()));
        assert_eq!(parse_time("00:05"), Ok(NaiveTime::from_hms_opt(0, 5, 0).unwrap()));
        for bad in ["24:00", "11:60", "1:00", "11", "11:00:00", "", "ab:cd", "-1:00", "11:0"] {
            assert_eq!(parse_time(bad), Err(()), "{bad}");
        }
        assert_eq!(format_time(NaiveTime::from_hms_opt(7, 5, 0).unwrap()), "07:05");
    }

    #[test]
    fn weekdays_round_trip() {
        for (day, wire, name) in WEEKDAYS {
            assert_eq!(weekday_from_wire(weekday_to_wire(day)), day);
            assert_eq!(weekday_from_wire(wire), day);
            assert_eq!(weekday_from_name(weekday_name(day)), Some(day), "{name}");
        }
        assert_eq!(weekday_from_name("thursday"), None);
    }
}
