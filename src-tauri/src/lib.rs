//! Polso's desktop shell: the Tauri window, its IPC commands and the OS
//! integrations (keyring, locale, data directory).
//!
//! Architecture invariant: no logic lives here. Each command in `commands/`
//! takes the app state, calls one function of `polso-desktop`, and returns its
//! result or its `{code, message}` error. Everything worth a unit test is in
//! the Tauri-free crates.

mod background;
mod commands;
mod demo;
mod state;

use anyhow::Context;
use tauri::Manager;

/// Starts the app: opens the local store (or keeps the reason it could not),
/// registers the commands, starts the background sync and shows the window.
pub fn run() {
    let result = tauri::Builder::default()
        .setup(|app| {
            let state = state::AppState::open(app.handle()).context("preparing Polso's local state")?;
            app.manage(state);
            background::start(app.handle().clone()).context("starting the background sync")?;
            demo::connect_hr_if_asked(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::pulse::get_current_pulse,
            commands::pulse::submit_pulse,
            commands::history::list_history,
            commands::settings::get_settings,
            commands::settings::update_settings,
            commands::sync::enrol_device,
            commands::sync::get_sync_status,
            commands::sync::sync_now,
            commands::hr::get_hr_connection,
            commands::hr::hr_connect,
            commands::hr::hr_disconnect,
            commands::hr::get_hr_overview,
            commands::hr::get_hr_heatmap,
            commands::hr::preview_cx_import,
            commands::hr::import_cx,
            commands::hr::get_linkage,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("Polso could not start: {error:#}");
        std::process::exit(1);
    }
}
