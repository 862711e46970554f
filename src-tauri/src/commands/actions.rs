//! Commands of HR's actions: record what HR will do for a team, and list a
//! team's. The network half runs without holding the store, as in `sync.rs`.

use polso_api::{ActionList, ApiError, NewAction, TeamAction};
use polso_desktop::actions;
use tauri::State;

use polso_desktop::session::Session;

/// Records an action for a team the HR token reaches.
#[tauri::command(async)]
pub fn record_action(state: State<'_, Session>, action: NewAction) -> Result<TeamAction, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    actions::record_action(state.transport(), &credentials, &action)
}

/// The actions recorded for a team, newest first.
#[tauri::command(async)]
pub fn get_team_actions(state: State<'_, Session>, team_id: String) -> Result<ActionList, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    actions::read_team_actions(state.transport(), &credentials, &team_id)
}
