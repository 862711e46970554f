//! Commands of the employee's settings, the reminder and "delete my local data".

use polso_api::{ApiError, ErrorCode, ReminderStatus, Settings, SnoozeLengthDto, UpdateSettings};
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

use super::with_desktop;
use crate::state::AppState;

/// The settings as stored, with what the system offers.
#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Result<Settings, ApiError> {
    with_desktop(&state, |desktop| desktop.settings())
}

/// Applies a change of settings. A change of "start at login" is stored first
/// (so a change refused by the store's checks reaches no further), then applied
/// to the OS; should the OS refuse, the stored value is put back.
#[tauri::command]
pub fn update_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    change: UpdateSettings,
) -> Result<Settings, ApiError> {
    let autostart = change.autostart;
    let previous = with_desktop(&state, |desktop| desktop.settings())?.autostart;
    let settings = with_desktop(&state, |desktop| desktop.update_settings(change))?;
    if let Some(on) = autostart
        && let Err(error) = apply_autostart(&app, on)
    {
        let undo = UpdateSettings { autostart: Some(previous), ..UpdateSettings::default() };
        with_desktop(&state, |desktop| desktop.update_settings(undo))?;
        return Err(error);
    }
    Ok(settings)
}

/// Turns starting at login on or off in the OS (an XDG autostart entry on Linux).
pub fn apply_autostart(app: &AppHandle, on: bool) -> Result<(), ApiError> {
    let launcher = app.autolaunch();
    let outcome = if on { launcher.enable() } else { launcher.disable() };
    outcome.map_err(|error| {
        ApiError::new(
            ErrorCode::InvalidSetting,
            format!("the system refused to change start at login: {error}"),
        )
    })
}

/// Where the weekly reminder stands now.
#[tauri::command]
pub fn get_reminder_status(state: State<'_, AppState>) -> Result<ReminderStatus, ApiError> {
    let now = state.now_local();
    with_desktop(&state, |desktop| desktop.reminder_status(now))
}

/// Snoozes the weekly reminder.
#[tauri::command]
pub fn snooze_reminder(
    state: State<'_, AppState>,
    length: SnoozeLengthDto,
) -> Result<ReminderStatus, ApiError> {
    let now = state.now_local();
    with_desktop(&state, |desktop| desktop.snooze_reminder(length, now))
}

/// Deletes the local store, its key and the tokens, and turns start at login
/// off; the app is then as on its first run.
#[tauri::command]
pub fn delete_local_data(app: AppHandle, state: State<'_, AppState>) -> Result<(), ApiError> {
    apply_autostart(&app, false)?;
    state.delete_local_data()
}
