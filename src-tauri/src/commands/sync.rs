//! Commands of the organisation server: enrol, read the sync status, sync
//! now, follow the server to a new address.
//!
//! The network half of each runs without holding the store, so the window
//! stays responsive while a slow server answers; the commands are `async` so
//! Tauri runs them off the main thread.

use polso_api::{ApiError, EnrolDevice, MoveServer, SyncStatus};
use polso_desktop::{comments, sync};
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

/// One sync pass, in the three steps of `polso_desktop::sync`: the store is
/// held to prepare and to record, never while the network answers. With
/// nothing to send, "Sync now" (and a background pass once an hour) checks
/// that the server still answers, so the status never says "synced" about a
/// server that has gone, and reads the organisation's care contacts. Passes never overlap.
pub fn run_sync_pass(state: &AppState, retry_now: bool) -> Result<SyncStatus, ApiError> {
    let _one_pass_at_a_time = state.sync_pass_lock()?;
    exchange_comments(state, retry_now);
    let (today, now) = (state.today(), state.now());
    let batch = with_desktop(state, |desktop| {
        desktop.prepare_sync(today, now, retry_now, &mut crate::state::random_u64)
    })?;
    let Some(batch) = batch else {
        let Some(check) = with_desktop(state, |desktop| desktop.prepare_check(now, retry_now))? else {
            return with_desktop(state, |desktop| desktop.sync_status());
        };
        let checked = sync::check_server(state.transport(), &check);
        // Every device reads the care contacts on this check, whatever it answered.
        let care_contacts = polso_desktop::care::read_care_contacts(state.transport(), &check);
        let finished_at = state.now();
        return with_desktop(state, |desktop| {
            desktop.keep_care_contacts(care_contacts)?;
            desktop.record_check(checked, finished_at)
        });
    };
    let outcomes = sync::send_reports(state.transport(), &batch);
    let finished_at = state.now();
    with_desktop(state, |desktop| desktop.record_sync(&outcomes, finished_at))
}

/// Sends the comments and "did it help?" answers that are due and reads the replies to sent
/// comments (`polso_desktop::comments`), in the same three steps as reports. What fails here is
/// kept on each comment or answer and tried again; it never fails the pass.
fn exchange_comments(state: &AppState, read_now: bool) {
    let (today, now) = (state.today(), state.now());
    let batch =
        with_desktop(state, |desktop| desktop.prepare_outbox(today, now, &mut crate::state::random_u64));
    if let Ok(Some(batch)) = batch {
        let outcomes = comments::send_outbox(state.transport(), &batch);
        let finished_at = state.now();
        let _ = with_desktop(state, |desktop| desktop.record_outbox(&outcomes, finished_at));
    }
    if let Ok(Some(check)) = with_desktop(state, |desktop| desktop.prepare_threads(now, read_now)) {
        let threads = comments::read_threads(state.transport(), &check);
        let finished_at = state.now();
        let _ = with_desktop(state, |desktop| desktop.keep_threads(threads, finished_at));
    }
}
