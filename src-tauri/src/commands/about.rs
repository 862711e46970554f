//! The command of "About these questions": the item bank's sources, read from
//! the bank shipped with the app, so it needs neither the store nor the network.

use polso_api::{AboutQuestions, ApiError, LanguageCode};
use polso_desktop::about;

/// Every source of the item bank with the items Polso asks from it, in
/// `language` (the UI's, which follows the settings).
#[tauri::command]
pub fn get_about_questions(language: LanguageCode) -> Result<AboutQuestions, ApiError> {
    Ok(about::embedded_about_questions(language))
}
