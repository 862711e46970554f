//! The app's state: the employee-side logic over the opened store, or the
//! reason the store could not be opened, kept so every command can report it
//! and the UI can show it in words instead of a blank window.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result};
use chrono::{DateTime, Local, NaiveDate, Utc};
use polso_api::{ApiError, ErrorCode};
use polso_desktop::Desktop;
use polso_store::vault::OsKeyring;
use tauri::{AppHandle, Manager};

/// The keyring service under which Polso keeps its secrets.
const KEYRING_SERVICE: &str = "app.polso.desktop";

/// Overrides the data directory (tests and several profiles on one account).
const DATA_DIR_VARIABLE: &str = "POLSO_DATA_DIR";

/// Fixes "today" to an ISO date, for demos and end-to-end tests of week changes.
const TODAY_VARIABLE: &str = "POLSO_TODAY";

/// What every command works on.
pub struct AppState {
    desktop: Mutex<Result<Desktop, ApiError>>,
    fixed_today: Option<NaiveDate>,
}

impl AppState {
    /// Opens the local store in the app's data directory with its key from the
    /// OS keyring. A failure to open is kept, not raised: the window still
    /// opens and says what is wrong.
    pub fn open(app: &AppHandle) -> Result<AppState> {
        let data_dir = match std::env::var_os(DATA_DIR_VARIABLE) {
            Some(dir) => PathBuf::from(dir),
            None => app.path().app_data_dir().context("finding the app's data directory")?,
        };
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
        let fixed_today = match std::env::var(TODAY_VARIABLE) {
            Ok(text) => Some(text.parse::<NaiveDate>().with_context(|| {
                format!("{TODAY_VARIABLE}='{text}' is not an ISO date such as 2026-11-23")
            })?),
            Err(_) => None,
        };
        let system_locale = sys_locale::get_locale().unwrap_or_else(|| "en-US".to_owned());
        let vault = OsKeyring::new(KEYRING_SERVICE);
        let account = format!("store-key@{}", data_dir.display());
        let desktop = polso_store::open_store(&data_dir, &vault, &account)
            .map_err(|error| polso_desktop::open_error_to_api(&error))
            .and_then(|store| Desktop::new(store, system_locale));
        if let Err(error) = &desktop {
            eprintln!("Polso could not open its local store: {}", error.message);
        }
        Ok(AppState { desktop: Mutex::new(desktop), fixed_today })
    }

    /// The employee-side logic, or the error that kept the store closed.
    pub fn desktop(&self) -> Result<MutexGuard<'_, Result<Desktop, ApiError>>, ApiError> {
        self.desktop.lock().map_err(|_| {
            ApiError::new(ErrorCode::Internal, "an earlier command failed while holding the store")
        })
    }

    /// Today's date in the employee's time zone.
    pub fn today(&self) -> NaiveDate {
        self.fixed_today.unwrap_or_else(|| Local::now().date_naive())
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
