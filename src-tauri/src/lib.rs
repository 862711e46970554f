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
mod logging;
mod reminders;
mod session;
mod texts;
mod tray;
mod tray_support;

use anyhow::Context;
use polso_desktop::tray::{CloseAction, TraySupport};
use tauri::Manager;
use tauri_plugin_notification::NotificationExt;

/// Starts the app: opens the local store (or keeps the reason it could not),
/// registers the commands, starts the background sync and shows the window.
pub fn run() {
    // Before any other thread starts: the check silences panics while it loads the library.
    let indicator_loads = tray_support::indicator_loads();
    let result = tauri::Builder::default()
        // First, so a second launch hands over to the first before anything else starts.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(single_instance_id())
                .callback(|app, _arguments, _directory| tray::show_window(app, None))
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::Builder::new().build())
        .setup(move |app| {
            let session = session::open(app.handle()).context("preparing Polso's local state")?;
            let settings = session.with_desktop(|desktop| desktop.settings()).ok();
            app.manage(session);
            let support = TraySupport { indicator_loads, host_runs: tray_support::host_runs() };
            if support.builds_icon() {
                tray::create(app.handle(), texts::language(settings.as_ref()))
                    .context("creating the tray icon")?;
            }
            if let Some(missing) = support.missing() {
                tray::tell_no_tray(app.handle(), texts::language(settings.as_ref()), missing);
            }
            let handle = app.handle().clone();
            app.notification()
                .on_action(move |performed| {
                    if performed.action_id() == "tap" {
                        tray::show_window(&handle, Some("pulse"));
                    }
                })
                .context("listening to clicks on notifications")?;
            background::start(app.handle().clone()).context("starting the background sync")?;
            reminders::start(app.handle().clone()).context("starting the reminder")?;
            demo::follow_demo_server(app.handle());
            Ok(())
        })
        .on_window_event(move |window, event| {
            // Closing the window keeps Polso in the tray, where the reminder lives, and
            // "Quit" in the tray menu ends it; with no icon to be seen (asked anew, as a
            // panel may have started or stopped), the window closes and Polso ends.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let support = TraySupport { indicator_loads, host_runs: tray_support::host_runs() };
                if support.close_action() == CloseAction::HideToTray {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::pulse::get_current_pulse,
            commands::pulse::submit_pulse,
            commands::history::list_history,
            commands::settings::get_settings,
            commands::settings::update_settings,
            commands::settings::get_reminder_status,
            commands::settings::snooze_reminder,
            commands::settings::delete_local_data,
            commands::sync::enrol_device,
            commands::sync::get_sync_status,
            commands::sync::sync_now,
            commands::sync::move_server,
            commands::hr::get_hr_connection,
            commands::hr::hr_connect,
            commands::hr::hr_disconnect,
            commands::hr::get_hr_overview,
            commands::hr::get_hr_heatmap,
            commands::hr::preview_cx_import,
            commands::hr::import_cx,
            commands::hr::suggest_cx_mapping,
            commands::hr::get_cx_mappings,
            commands::hr::save_cx_mapping,
            commands::hr::get_linkage,
            commands::hr::get_hr_units,
            commands::hr::get_team_comparison,
            commands::privacy::read_privacy_ledger,
            commands::privacy::read_my_privacy_loss,
            commands::privacy::read_my_team_month,
            commands::actions::record_action,
            commands::actions::get_team_actions,
            commands::comments::get_my_comments,
            commands::comments::write_comment,
            commands::comments::withdraw_comment,
            commands::comments::answer_action,
            commands::comments::get_team_comments,
            commands::comments::reply_to_comment,
            commands::export::export_file,
            commands::about::get_about_questions,
            commands::history::get_care_contacts,
            commands::hr::get_hr_priorities,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        if tracing::dispatcher::has_been_set() {
            tracing::error!("Polso could not start: {error:#}");
        } else {
            eprintln!("Polso could not start: {error:#}");
        }
        std::process::exit(1);
    }
}

/// The D-Bus name part that makes one instance per data directory: the usual
/// installation is one instance, and a profile started with `POLSO_DATA_DIR`
/// (a test, a demo) is an instance of its own.
fn single_instance_id() -> String {
    const IDENTIFIER: &str = "app.polso.desktop";
    match std::env::var_os("POLSO_DATA_DIR") {
        None => IDENTIFIER.to_owned(),
        Some(dir) => {
            // FNV-1a of the path: D-Bus names allow only [A-Za-z0-9_-] in each part.
            let hash = dir.as_encoded_bytes().iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
            });
            format!("{IDENTIFIER}.profile_{hash:016x}")
        }
    }
}
