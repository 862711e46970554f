//! Commands of the employee's settings, the reminder and "delete my local data".

use polso_api::{ApiError, ErrorCode, ReminderStatus, Settings, SnoozeLengthDto, UpdateSettings};
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

use polso_desktop::session::Session;

/// The settings as stored, with what the system offers.
#[tauri::command]
pub fn get_settings(state: State<'_, Session>) -> Result<Settings, ApiError> {
    state.with_desktop(|desktop| desktop.settings())
}

/// Applies a change of settings; a change of "start at login" the system
/// refuses is put back ([`Session::update_settings`]).
#[tauri::command]
pub fn update_settings(
    app: AppHandle,
    state: State<'_, Session>,
    change: UpdateSettings,
) -> Result<Settings, ApiError> {
    state.update_settings(change, |on| apply_autostart(&app, on))
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
pub fn get_reminder_status(state: State<'_, Session>) -> Result<ReminderStatus, ApiError> {
    let now = state.now_local();
    state.with_desktop(|desktop| desktop.reminder_status(now))
}

/// Snoozes the weekly reminder.
#[tauri::command]
pub fn snooze_reminder(
    state: State<'_, Session>,
    length: SnoozeLengthDto,
) -> Result<ReminderStatus, ApiError> {
    let now = state.now_local();
    state.with_desktop(|desktop| desktop.snooze_reminder(length, now))
}

/// Deletes the local store, its key and the tokens, and the log, and turns
/// start at login off; the app is then as on its first run.
#[tauri::command]
pub fn delete_local_data(app: AppHandle, state: State<'_, Session>) -> Result<(), ApiError> {
    apply_autostart(&app, false)?;
    state.delete_local_data()?;
    // The log holds no answer, but deleting one's data leaves nothing of one's use behind.
    crate::logging::delete(state.data_dir());
    Ok(())
}
