//! The reminder's tick: every few seconds, asks `polso-desktop` whether the
//! weekly reminder is due at the current time and offset, and if so shows the
//! notification and tells the window. Asking again on a short tick, rather than
//! sleeping until a computed instant, is what makes sleep and resume, a clock
//! set by hand and a change of time zone harmless (see `polso_desktop::reminder`).

use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::texts::{language, text};
use crate::tray;
use polso_desktop::session::Session;

/// The time between two looks at the reminder, unless `POLSO_REMINDER_TICK_SECONDS` says otherwise.
const DEFAULT_TICK: Duration = Duration::from_secs(20);

/// Overrides the time between two looks at the reminder, for tests.
const TICK_VARIABLE: &str = "POLSO_REMINDER_TICK_SECONDS";

/// The event the window hears when a reminder fired.
pub const REMINDER_FIRED_EVENT: &str = "polso://reminder-fired";

/// Starts the reminder thread.
pub fn start(app: AppHandle) -> anyhow::Result<()> {
    let tick = match std::env::var(TICK_VARIABLE) {
        Ok(text) => {
            Duration::from_secs(text.parse::<u64>().ok().filter(|seconds| *seconds > 0).ok_or_else(|| {
                anyhow::anyhow!("{TICK_VARIABLE}='{text}' is not a whole number of seconds")
            })?)
        }
        Err(_) => DEFAULT_TICK,
    };
    std::thread::Builder::new().name("polso-reminder".to_owned()).spawn(move || {
        let mut shown = None;
        loop {
            look(&app, &mut shown);
            std::thread::sleep(tick);
        }
    })?;
    Ok(())
}

fn look(app: &AppHandle, shown: &mut Option<(polso_api::LanguageCode, bool)>) {
    let state = app.state::<Session>();
    let now = state.now_local();
    let outcome = state.with_desktop(|desktop| {
        let tick = desktop.reminder_tick(now)?;
        Ok((tick, desktop.settings()?))
    });
    let (tick, settings) = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::warn!("Polso could not look at the reminder ({:?}); it will look again.", error.code);
            return;
        }
    };
    let language = language(Some(&settings));
    if *shown != Some((language, tick.pulse_due)) {
        tray::show_due(app, language, tick.pulse_due);
        *shown = Some((language, tick.pulse_due));
    }
    if tick.fire {
        let _ = app.emit(REMINDER_FIRED_EVENT, ());
        let notification = app
            .notification()
            .builder()
            .title(text(language, "reminder.title"))
            .body(text(language, "reminder.body"));
        // No notification service (a bare session, a CI machine) is no reason to stop:
        // the tray still shows the pulse is due.
        if let Err(error) = notification.show() {
            tracing::warn!("Polso could not show the reminder notification: {error}");
        }
    }
}
