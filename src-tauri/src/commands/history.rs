//! Commands of the employee's own history, and the care contacts its private care path shows.

use polso_api::{ApiError, CareContacts, MyHistory};
use tauri::State;

use super::with_desktop;
use crate::state::AppState;

/// Every week the employee has answered, oldest first.
#[tauri::command]
pub fn list_history(state: State<'_, AppState>) -> Result<MyHistory, ApiError> {
    with_desktop(&state, |desktop| desktop.history())
}

/// The organisation's care contacts as last read with the server check; reads the store only, so
/// showing the care path makes no request.
#[tauri::command]
pub fn get_care_contacts(state: State<'_, AppState>) -> Result<CareContacts, ApiError> {
    with_desktop(&state, |desktop| desktop.care_contacts())
}
