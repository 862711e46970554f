//! Commands of the employee's own history, and the care contacts its private care path shows.

use polso_api::{ApiError, CareContacts, MyHistory};
use tauri::State;

use polso_desktop::session::Session;

/// Every week the employee has answered, oldest first.
#[tauri::command]
pub fn list_history(state: State<'_, Session>) -> Result<MyHistory, ApiError> {
    state.with_desktop(|desktop| desktop.history())
}

/// The organisation's care contacts as last read with the server check; reads the store only, so
/// showing the care path makes no request.
#[tauri::command]
pub fn get_care_contacts(state: State<'_, Session>) -> Result<CareContacts, ApiError> {
    state.with_desktop(|desktop| desktop.care_contacts())
}
