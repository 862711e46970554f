//! The few strings the shell shows itself (tray menu, notification), read from
//! the UI's message catalogues so that every visible string has one home and
//! both languages. The catalogues are compiled in.

use polso_api::{LanguageCode, LanguagePreference, Settings};

const ENGLISH: &str = include_str!("../../ui/src/lib/i18n/en.json");
const ITALIAN: &str = include_str!("../../ui/src/lib/i18n/it.json");

/// The language the employee sees: the one chosen, or the OS locale's.
pub fn language(settings: Option<&Settings>) -> LanguageCode {
    match settings {
        Some(settings) => match settings.language {
            LanguagePreference::En => LanguageCode::En,
            LanguagePreference::It => LanguageCode::It,
            LanguagePreference::System => settings.system_language,
        },
        None => polso_desktop::language_of_locale(&sys_locale::get_locale().unwrap_or_default()),
    }
}

/// The catalogue text of `key` in `language`; the key itself should it be
/// missing (the UI's tests check that every key is in both catalogues).
pub fn text(language: LanguageCode, key: &str) -> String {
    let catalogue = match language {
        LanguageCode::En => ENGLISH,
        LanguageCode::It => ITALIAN,
    };
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(catalogue)
        .ok()
        .and_then(|entries| entries.get(key).and_then(|value| value.as_str()).map(str::to_owned))
        .unwrap_or_else(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key the shell reads, so a key renamed in the catalogues fails here
    /// rather than showing as itself in the tray.
    const SHELL_KEYS: &[&str] = &[
        "tray.tooltip",
        "tray.tooltip_due",
        "tray.answer_now",
        "tray.snooze_hour",
        "tray.snooze_tomorrow",
        "tray.open_history",
        "tray.quit",
        "tray.absent_title",
        "tray.absent_body",
        "reminder.title",
        "reminder.body",
    ];

    #[test]
    fn every_shell_text_is_in_both_catalogues() {
        for language in [LanguageCode::En, LanguageCode::It] {
            for key in SHELL_KEYS {
                assert_ne!(text(language, key), *key, "{key} is missing in {language:?}");
            }
        }
        assert_ne!(text(LanguageCode::En, "tray.quit"), text(LanguageCode::It, "tray.quit"));
        assert_eq!(text(LanguageCode::En, "no.such.key"), "no.such.key");
    }
}
