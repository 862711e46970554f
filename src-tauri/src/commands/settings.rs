//! Commands of the employee's settings.

use polso_api::{ApiError, Settings, UpdateSettings};
use tauri::State;

use super::with_desktop;
use crate::state::AppState;

/// The settings as stored, with what the system offers.
#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Result<Settings, ApiError> {
    with_desktop(&state, |desktop| desktop.settings())
}

/// Applies a change of settings.
#[tauri::command]
pub fn update_settings(state: State<'_, AppState>, change: UpdateSettings) -> Result<Settings, ApiError> {
    with_desktop(&state, |desktop| desktop.update_settings(change))
}
