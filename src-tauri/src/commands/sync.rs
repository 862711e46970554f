//! Commands of the organisation server: enrol, read the sync status, sync
//! now, follow the server to a new address.
//!
//! The network half of each runs without holding the store, so the window
//! stays responsive while a slow server answers; the commands are `async` so
//! Tauri runs them off the main thread.

use polso_api::{ApiError, EnrolDevice, MoveServer, SyncStatus};
use polso_desktop::session::Session;
use tauri::State;

/// Redeems an invite code at the server and keeps the enrolment.
#[tauri::command(async)]
pub fn enrol_device(state: State<'_, Session>, form: EnrolDevice) -> Result<SyncStatus, ApiError> {
    state.enrol(&form)
}

/// Moves the enrolment to the organisation server's new address, once the
/// server there has answered this device's token.
#[tauri::command(async)]
pub fn move_server(state: State<'_, Session>, form: MoveServer) -> Result<SyncStatus, ApiError> {
    state.move_server(&form)
}

/// Where this device stands with the organisation server.
#[tauri::command]
pub fn get_sync_status(state: State<'_, Session>) -> Result<SyncStatus, ApiError> {
    state.with_desktop(|desktop| desktop.sync_status())
}

/// Sends the reports that are due now, retrying failed ones at once.
#[tauri::command(async)]
pub fn sync_now(state: State<'_, Session>) -> Result<SyncStatus, ApiError> {
    state.sync_now(true)
}
