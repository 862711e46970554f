//! The app's session ([`polso_desktop::session::Session`]), opened from what only the shell
//! knows: the data directory, the system's locale and keyring, and the variables that start the
//! clock elsewhere for demos and end-to-end tests.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate};
use polso_desktop::session::{Clock, Session, SessionPlace, os_keyring};
use polso_desktop::sync::UreqTransport;
use tauri::{AppHandle, Manager};

/// The keyring service under which Polso keeps its secrets.
const KEYRING_SERVICE: &str = "app.polso.desktop";

/// Overrides the data directory (tests and several profiles on one account).
const DATA_DIR_VARIABLE: &str = "POLSO_DATA_DIR";

/// Fixes "today" to an ISO date, for demos and end-to-end tests of week changes.
const TODAY_VARIABLE: &str = "POLSO_TODAY";

/// Starts the app's clock at this RFC 3339 instant with offset (it then runs on
/// from there), for end-to-end tests of the reminder and of sync. There is
/// deliberately no variable that shortens the random delay before a week's
/// report is sent: a test that wants a report sent starts the clock at least
/// an hour and a day after the week closed instead.
const NOW_VARIABLE: &str = "POLSO_NOW";

/// Opens the session in the app's data directory with its key from the OS keyring, and starts
/// the log there. A store that cannot be opened is kept as the reason, not raised: the window
/// still opens and says what is wrong.
pub fn open(app: &AppHandle) -> Result<Session> {
    let data_dir = match std::env::var_os(DATA_DIR_VARIABLE) {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_data_dir().context("finding the app's data directory")?,
    };
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    crate::logging::init(&data_dir);
    let fixed_today =
        match std::env::var(TODAY_VARIABLE) {
            Ok(text) => Some(text.parse::<NaiveDate>().with_context(|| {
                format!("{TODAY_VARIABLE}='{text}' is not an ISO date such as 2026-11-23")
            })?),
            Err(_) => None,
        };
    let clock = match std::env::var(NOW_VARIABLE) {
        Ok(text) => Clock::starting_at(DateTime::parse_from_rfc3339(&text).with_context(|| {
            format!("{NOW_VARIABLE}='{text}' is not an RFC 3339 instant such as 2026-11-26T10:59:55+01:00")
        })?),
        Err(_) => Clock::System,
    };
    let place = SessionPlace {
        data_dir,
        system_locale: sys_locale::get_locale().unwrap_or_else(|| "en-US".to_owned()),
        vault: os_keyring(KEYRING_SERVICE),
        clock,
        fixed_today,
    };
    let app = app.clone();
    Ok(Session::open(place, Box::new(UreqTransport::new()))
        .when_reopened(Box::new(move || crate::demo::follow_demo_server(&app))))
}
