//! The background sync: one pass at start-up, then one every few minutes, on
//! a thread of its own. A failed pass is printed and tried again next time;
//! it never stops the app.

use std::time::Duration;

use tauri::{AppHandle, Manager};

use polso_desktop::session::Session;

/// The time between two background passes, unless `POLSO_SYNC_INTERVAL_SECONDS` says otherwise.
const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// Overrides the time between two background passes, for tests and demos.
const SYNC_INTERVAL_VARIABLE: &str = "POLSO_SYNC_INTERVAL_SECONDS";

/// Starts the background sync thread.
pub fn start(app: AppHandle) -> anyhow::Result<()> {
    let interval =
        match std::env::var(SYNC_INTERVAL_VARIABLE) {
            Ok(text) => Duration::from_secs(text.parse().map_err(|_| {
                anyhow::anyhow!("{SYNC_INTERVAL_VARIABLE}='{text}' is not a number of seconds")
            })?),
            Err(_) => DEFAULT_SYNC_INTERVAL,
        };
    std::thread::Builder::new().name("polso-sync".to_owned()).spawn(move || {
        loop {
            let session = app.state::<Session>();
            if let Err(error) = session.sync_now(false) {
                // Only the code: a server's message may repeat a value it refused,
                // and nothing logs an answer. The Organisation view shows the rest.
                tracing::warn!("Polso could not sync this time ({:?}); it will try again.", error.code);
            }
            std::thread::sleep(interval);
        }
    })?;
    Ok(())
}
