//! Commands of the weekly pulse.

use polso_api::{ApiError, PulseView, SubmitPulse};
use tauri::State;

use super::with_desktop;
use crate::state::AppState;

/// This week's pulse with what is saved for it.
#[tauri::command]
pub fn get_current_pulse(state: State<'_, AppState>) -> Result<PulseView, ApiError> {
    let today = state.today();
    with_desktop(&state, |desktop| desktop.current_pulse(today))
}

/// Saves the employee's answers for a week.
#[tauri::command]
pub fn submit_pulse(state: State<'_, AppState>, submission: SubmitPulse) -> Result<PulseView, ApiError> {
    let (today, now) = (state.today(), state.now());
    with_desktop(&state, |desktop| desktop.submit_pulse(submission, today, now))
}
