//! Commands of what the server publishes: HR reads every team's yearly ε, the
//! employee reads their own team's for Settings and their team's last
//! published month for "Your team".
//!
//! The network half of each runs without holding the store, as in `sync.rs`;
//! both are `async` so Tauri runs them off the main thread.

use polso_api::{ApiError, DevicePrivacyLoss, MyTeamMonth, PrivacyLedger};
use polso_desktop::{hr, privacy_ledger, team_results};
use tauri::State;

use polso_desktop::session::Session;

/// The ε each team in the HR token's scope spent this year.
#[tauri::command(async)]
pub fn read_privacy_ledger(state: State<'_, Session>) -> Result<PrivacyLedger, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    hr::read_privacy_ledger(state.transport(), &credentials)
}

/// The ε spent this year on each person of this device's team.
#[tauri::command(async)]
pub fn read_my_privacy_loss(state: State<'_, Session>) -> Result<DevicePrivacyLoss, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.device_read_credentials())?;
    privacy_ledger::read_my_privacy_loss(state.transport(), &credentials)
}

/// The last published month of this device's team, its department and the
/// organisation.
#[tauri::command(async)]
pub fn read_my_team_month(state: State<'_, Session>) -> Result<MyTeamMonth, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.device_read_credentials())?;
    let month = team_results::read_my_team_month(state.transport(), &credentials)?;
    state.with_desktop(|desktop| desktop.with_my_verdicts(month))
}
