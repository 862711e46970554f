//! Commands of the employee's own history.

use polso_api::{ApiError, MyHistory};
use tauri::State;

use super::with_desktop;
use crate::state::AppState;

/// Every week the employee has answered, oldest first.
#[tauri::command]
pub fn list_history(state: State<'_, AppState>) -> Result<MyHistory, ApiError> {
    with_desktop(&state, |desktop| desktop.history())
}
