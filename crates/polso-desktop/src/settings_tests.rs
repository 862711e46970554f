//! Tests of the settings, the reminder's memory and "delete my local data"
//! against a real, encrypted store file and an in-memory vault.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use polso_api::{
    AnswerDto, ErrorCode, LanguagePreference, QuietHoursDto, ReminderSettings, SnoozeLengthDto, SubmitPulse,
    UpdateSettings, WeekdayDto,
};
use polso_store::{MemoryVault, SecretVault, open_store};

use super::Desktop;

const STORE_ACCOUNT: &str = "store-key@test";

/// A vault the test shares with the desktop, to look inside.
type SharedVault = polso_store::SharedMemoryVault;

fn open(dir: &std::path::Path, vault: &dyn SecretVault) -> Desktop {
    let store = open_store(dir, vault, STORE_ACCOUNT).unwrap();
    Desktop::new(store, "en-GB".to_owned()).unwrap()
}

/// A local time in Rome (UTC+1) in November 2026; the 26th is the Thursday of 2026-W48.
fn rome(day: u32, hour: u32, minute: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(3600).unwrap().with_ymd_and_hms(2026, 11, day, hour, minute, 0).unwrap()
}

fn reminder(weekday: WeekdayDto, time: &str, quiet: Option<(&str, &str)>) -> ReminderSettings {
    ReminderSettings {
        enabled: true,
        weekday,
        time: time.to_owned(),
        quiet_hours: quiet.map(|(start, end)| QuietHoursDto { start: start.to_owned(), end: end.to_owned() }),
    }
}

#[test]
fn defaults_are_thursday_at_eleven_and_no_autostart() {
    let dir = tempfile::tempdir().unwrap();
    let desktop = open(dir.path(), &MemoryVault::new());
    let settings = desktop.settings().unwrap();
    assert_eq!(settings.reminder, reminder(WeekdayDto::Thu, "11:00", None));
    assert!(!settings.autostart);
}

#[test]
fn the_welcome_is_unseen_on_a_new_store_and_seen_once_marked() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let mut desktop = open(dir.path(), &vault);
    assert!(!desktop.settings().unwrap().welcome_seen);
    let settings =
        desktop.update_settings(UpdateSettings { welcome_seen: Some(true), ..Default::default() }).unwrap();
    assert!(settings.welcome_seen);
    drop(desktop);
    let mut desktop = open(dir.path(), &vault);
    assert!(desktop.settings().unwrap().welcome_seen, "the welcome must stay seen after a restart");
    // Other changes leave it alone; asking for it again shows it again.
    let settings =
        desktop.update_settings(UpdateSettings { autostart: Some(true), ..Default::default() }).unwrap();
    assert!(settings.welcome_seen);
    let settings =
        desktop.update_settings(UpdateSettings { welcome_seen: Some(false), ..Default::default() }).unwrap();
    assert!(!settings.welcome_seen);
}

#[test]
fn the_minimum_group_size_is_unknown_until_the_organisation_says_it() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let mut desktop = open(dir.path(), &vault);
    assert_eq!(desktop.settings().unwrap().minimum_group_size, None);
    desktop.store.set_setting(crate::hr::HR_K_KEY, "8").unwrap();
    assert_eq!(desktop.settings().unwrap().minimum_group_size, Some(8));
    // An unreadable stored k is taken as unknown rather than keeping the app from starting.
    desktop.store.set_setting(crate::hr::HR_K_KEY, "eight").unwrap();
    assert_eq!(desktop.settings().unwrap().minimum_group_size, None);
}

#[test]
fn settings_survive_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let mut desktop = open(dir.path(), &vault);
    let chosen = reminder(WeekdayDto::Mon, "09:15", Some(("19:00", "08:00")));
    desktop
        .update_settings(UpdateSettings {
            language: Some(LanguagePreference::It),
            reminder: Some(chosen.clone()),
            autostart: Some(true),
            welcome_seen: Some(true),
        })
        .unwrap();
    drop(desktop);
    let settings = open(dir.path(), &vault).settings().unwrap();
    assert_eq!(settings.language, LanguagePreference::It);
    assert_eq!(settings.reminder, chosen);
    assert!(settings.autostart);
    assert!(settings.welcome_seen);
}

#[test]
fn a_bad_time_is_refused_by_name_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut desktop = open(dir.path(), &MemoryVault::new());
    for (time, quiet, named) in [
        ("25:00", None, "reminder time '25:00'"),
        ("9:00", None, "reminder time '9:00'"),
        ("10:00", Some(("19:00", "8")), "reminder quiet hours end '8'"),
    ] {
        let error = desktop
            .update_settings(UpdateSettings {
                language: Some(LanguagePreference::It),
                reminder: Some(reminder(WeekdayDto::Fri, time, quiet)),
                autostart: Some(true),
                welcome_seen: Some(true),
            })
            .unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidSetting);
        assert!(error.message.contains(named), "{}", error.message);
    }
    let settings = desktop.settings().unwrap();
    assert_eq!(settings.language, LanguagePreference::System);
    assert_eq!(settings.reminder, reminder(WeekdayDto::Thu, "11:00", None));
    assert!(!settings.autostart);
}

#[test]
fn the_reminder_fires_once_then_not_again_that_week() {
    let dir = tempfile::tempdir().unwrap();
    let mut desktop = open(dir.path(), &MemoryVault::new());
    let before = desktop.reminder_tick(rome(26, 10, 59)).unwrap();
    assert!(!before.fire && !before.pulse_due);
    let due = desktop.reminder_tick(rome(26, 11, 0)).unwrap();
    assert!(due.fire && due.pulse_due);
    let again = desktop.reminder_tick(rome(26, 11, 1)).unwrap();
    assert!(!again.fire && again.pulse_due);
    let status = desktop.reminder_status(rome(26, 12, 0)).unwrap();
    assert_eq!(status.last_fired_at.as_deref(), Some("2026-11-26T11:00:00+01:00"));
    assert_eq!(status.next_at.as_deref(), Some("2026-12-03T11:00:00+01:00"));
    assert!(status.pulse_due);
}

#[test]
fn answering_the_pulse_silences_the_week() {
    let dir = tempfile::tempdir().unwrap();
    let mut desktop = open(dir.path(), &MemoryVault::new());
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let view = desktop.current_pulse(today).unwrap();
    let submission = SubmitPulse {
        week: view.week.clone(),
        answers: view
            .items
            .iter()
            .map(|item| AnswerDto { item_id: item.id.clone(), value: item.scale.min })
            .collect(),
        not_applicable: Vec::new(),
        work_week: None,
        note: None,
    };
    desktop.submit_pulse(submission, today, rome(24, 9, 0).to_utc()).unwrap();
    let tick = desktop.reminder_tick(rome(26, 11, 0)).unwrap();
    assert!(!tick.fire && !tick.pulse_due);
    // The next week is due again.
    assert!(desktop.reminder_tick(rome(26, 11, 0) + chrono::Days::new(7)).unwrap().fire);
}

#[test]
fn a_snooze_brings_the_reminder_back_and_a_new_schedule_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut desktop = open(dir.path(), &MemoryVault::new());
    assert!(desktop.reminder_tick(rome(26, 11, 0)).unwrap().fire);
    let status = desktop.snooze_reminder(SnoozeLengthDto::OneHour, rome(26, 11, 5)).unwrap();
    assert_eq!(status.snoozed_until.as_deref(), Some("2026-11-26T12:05:00+01:00"));
    assert_eq!(status.next_at.as_deref(), Some("2026-11-26T12:05:00+01:00"));
    assert!(!desktop.reminder_tick(rome(26, 12, 4)).unwrap().fire);
    assert!(desktop.reminder_tick(rome(26, 12, 5)).unwrap().fire);
    assert!(!desktop.reminder_tick(rome(26, 12, 6)).unwrap().fire);

    let status = desktop.snooze_reminder(SnoozeLengthDto::Tomorrow, rome(26, 13, 0)).unwrap();
    assert_eq!(status.snoozed_until.as_deref(), Some("2026-11-27T11:00:00+01:00"));
    desktop
        .update_settings(UpdateSettings {
            reminder: Some(reminder(WeekdayDto::Thu, "11:00", None)),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(desktop.reminder_status(rome(26, 13, 1)).unwrap().snoozed_until, None);
}

#[test]
fn deleting_local_data_removes_the_files_and_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let vault = SharedVault::default();
    vault.set("device-token@test", "canary-device-token").unwrap();
    vault.set("hr-token@test", "canary-hr-token").unwrap();
    vault.set("device-token@test#comment-threads", r#"{"2026-W48":"canary-thread"}"#).unwrap();
    let mut desktop = open(dir.path(), &vault)
        .with_device_vault(Box::new(vault.clone()), "device-token@test")
        .with_hr_vault(Box::new(vault.clone()), "hr-token@test");
    desktop.update_settings(UpdateSettings { autostart: Some(true), ..Default::default() }).unwrap();
    assert!(dir.path().join("polso.db").exists());

    desktop.delete_local_data(&vault, STORE_ACCOUNT).unwrap();
    let left: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    for account in [STORE_ACCOUNT, "device-token@test", "device-token@test#comment-threads", "hr-token@test"]
    {
        assert_eq!(vault.get(account).unwrap(), None, "{account}");
    }
    // The next start is a first run: a new, empty store with the defaults.
    let fresh = open(dir.path(), &vault);
    assert!(!fresh.settings().unwrap().autostart);
    assert!(fresh.history().unwrap().weeks.is_empty());
}

#[test]
fn the_welcome_names_the_same_default_and_floor_of_k_as_the_server_applies() {
    use polso_core::anonymity::{K_DEFAULT, K_MIN};
    let catalogues = [
        (
            include_str!("../../../ui/src/lib/i18n/en.json"),
            "never fewer than {min}",
            "{default} unless it chooses otherwise",
        ),
        (
            include_str!("../../../ui/src/lib/i18n/it.json"),
            "mai meno di {min}",
            "{default} se non decide altrimenti",
        ),
    ];
    for (catalogue, floor, default) in catalogues {
        let texts: serde_json::Map<String, serde_json::Value> = serde_json::from_str(catalogue).unwrap();
        let words = texts["welcome.group_unknown"].as_str().unwrap();
        let floor = floor.replace("{min}", &K_MIN.to_string());
        let default = default.replace("{default}", &K_DEFAULT.to_string());
        assert!(words.contains(&floor) && words.contains(&default), "{words}");
    }
}

#[test]
fn the_missing_tray_is_told_once_per_installation() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let mut desktop = open(dir.path(), &vault);
    assert!(desktop.first_start_without_tray().unwrap(), "the first start without a tray is told");
    assert!(!desktop.first_start_without_tray().unwrap(), "the next is not");
    drop(desktop);
    let mut reopened = open(dir.path(), &vault);
    assert!(!reopened.first_start_without_tray().unwrap(), "nor after a restart");
}
