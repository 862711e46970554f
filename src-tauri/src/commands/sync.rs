//! Commands of the organisation server: enrol, read the sync status, sync
//! now, follow the server to a new address.
//!
//! The network half of each runs without holding the store, so the window
//! stays responsive while a slow server answers; the commands are `async` so
//! Tauri runs them off the main thread.

use polso_api::{ApiError, EnrolDevice, MoveServer, SyncStatus};
use polso_desktop::{sync, sync_pass};
use tauri::State;

use super::with_desktop;
use crate::state::AppState;

/// Redeems an invite code at the server and keeps the enrolment.
#[tauri::command(async)]
pub fn enrol_device(state: State<'_, AppState>, form: EnrolDevice) -> Result<SyncStatus, ApiError> {
    let enrolment = sync::request_enrolment(state.transport(), &form)?;
    let (today, now) = (state.today(), state.now());
    with_desktop(&state, |desktop| desktop.complete_enrolment(enrolment, today, now))
}

/// Moves the enrolment to the organisation server's new address, once the
/// server there has answered this device's token.
#[tauri::command(async)]
pub fn move_server(state: State<'_, AppState>, form: MoveServer) -> Result<SyncStatus, ApiError> {
    let check = with_desktop(&state, |desktop| desktop.prepare_move(&form.server_url))?;
    let checked = sync::check_server(state.transport(), &check);
    let now = state.now();
    with_desktop(&state, |desktop| desktop.complete_move(&check, checked, now))
}

/// Where this device stands with the organisation server.
#[tauri::command]
pub fn get_sync_status(state: State<'_, AppState>) -> Result<SyncStatus, ApiError> {
    with_desktop(&state, |desktop| desktop.sync_status())
}

/// Sends the reports that are due now, retrying failed ones at once.
#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>) -> Result<SyncStatus, ApiError> {
    run_sync_pass(&state, true)
}

/// One sync pass (`polso_desktop::sync_pass`), never two at once.
pub fn run_sync_pass(state: &AppState, retry_now: bool) -> Result<SyncStatus, ApiError> {
    let _one_pass_at_a_time = state.sync_pass_lock()?;
    sync_pass::run_sync_pass(state, retry_now)
}
