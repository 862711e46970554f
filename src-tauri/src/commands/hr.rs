//! Commands of HR's view: connect with an HR token, disconnect, and read the
//! organisation overview and the team × metric heatmap.
//!
//! The network half of each runs without holding the store, as in `sync.rs`;
//! the reading commands are `async` so Tauri runs them off the main thread.

use polso_api::{ApiError, ConnectHr, HrConnection, HrHeatmap, HrHeatmapQuery, HrOverview, HrOverviewQuery};
use polso_desktop::hr;
use tauri::State;

use super::with_desktop;
use crate::state::AppState;

/// Where HR stands with the organisation server.
#[tauri::command]
pub fn get_hr_connection(state: State<'_, AppState>) -> Result<HrConnection, ApiError> {
    with_desktop(&state, |desktop| desktop.hr_connection())
}

/// Checks the server and HR token by a real read, then keeps them.
#[tauri::command(async)]
pub fn hr_connect(state: State<'_, AppState>, form: ConnectHr) -> Result<HrConnection, ApiError> {
    let verified = hr::verify_hr_connection(state.transport(), &form, state.today())?;
    with_desktop(&state, |desktop| desktop.keep_hr_connection(verified))
}

/// Forgets the HR token and the server.
#[tauri::command]
pub fn hr_disconnect(state: State<'_, AppState>) -> Result<HrConnection, ApiError> {
    with_desktop(&state, |desktop| desktop.disconnect_hr())
}

/// The organisation overview of the last closed weeks.
#[tauri::command(async)]
pub fn get_hr_overview(state: State<'_, AppState>, query: HrOverviewQuery) -> Result<HrOverview, ApiError> {
    let credentials = with_desktop(&state, |desktop| desktop.hr_credentials())?;
    hr::read_hr_overview(state.transport(), &credentials, query, state.today())
}

/// The team × metric heatmap: the latest period against the one before.
#[tauri::command(async)]
pub fn get_hr_heatmap(state: State<'_, AppState>, query: HrHeatmapQuery) -> Result<HrHeatmap, ApiError> {
    let credentials = with_desktop(&state, |desktop| desktop.hr_credentials())?;
    hr::read_hr_heatmap(state.transport(), &credentials, query, state.today())
}
