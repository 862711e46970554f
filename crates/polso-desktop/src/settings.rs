//! The employee's settings: kept in the local store, read with the OS locale.

use polso_api::{ApiError, ErrorCode, LanguageCode, LanguagePreference, Settings, UpdateSettings};
use polso_store::Store;

use crate::errors::store_to_api;

const LANGUAGE_KEY: &str = "language";

/// The language Polso uses for an OS locale such as `"it-IT"` or `"en_GB.UTF-8"`:
/// Italian for any Italian locale, English otherwise.
pub fn language_of_locale(locale: &str) -> LanguageCode {
    let language = locale.split(['-', '_', '.']).next().unwrap_or_default();
    if language.eq_ignore_ascii_case("it") { LanguageCode::It } else { LanguageCode::En }
}

pub(crate) fn read(store: &Store, system_locale: &str) -> Result<Settings, ApiError> {
    let language = match store.setting(LANGUAGE_KEY).map_err(store_to_api)?.as_deref() {
        None | Some("system") => LanguagePreference::System,
        Some("en") => LanguagePreference::En,
        Some("it") => LanguagePreference::It,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::StoreCorrupt,
                format!("the stored setting '{LANGUAGE_KEY}' has an unknown value '{other}'"),
            ));
        }
    };
    Ok(Settings {
        language,
        system_language: language_of_locale(system_locale),
        system_locale: system_locale.to_owned(),
    })
}

pub(crate) fn update(store: &mut Store, change: UpdateSettings) -> Result<(), ApiError> {
    if let Some(language) = change.language {
        let value = match language {
            LanguagePreference::System => "system",
            LanguagePreference::En => "en",
            LanguagePreference::It => "it",
        };
        store.set_setting(LANGUAGE_KEY, value).map_err(store_to_api)?;
    }
    Ok(())
}
