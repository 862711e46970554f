//! Commands of the weekly pulse.

use polso_api::{ApiError, PulseView, SubmitPulse};
use tauri::State;

use polso_desktop::session::Session;

/// This week's pulse with what is saved for it.
#[tauri::command]
pub fn get_current_pulse(state: State<'_, Session>) -> Result<PulseView, ApiError> {
    let today = state.today();
    state.with_desktop(|desktop| desktop.current_pulse(today))
}

/// Saves the employee's answers for a week.
#[tauri::command]
pub fn submit_pulse(state: State<'_, Session>, submission: SubmitPulse) -> Result<PulseView, ApiError> {
    let (today, now) = (state.today(), state.now());
    state.with_desktop(|desktop| desktop.submit_pulse(submission, today, now))
}
