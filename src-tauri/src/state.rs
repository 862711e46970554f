//! The app's state: the employee-side logic over the opened store, or the
//! reason the store could not be opened, kept so every command can report it
//! and the UI can show it in words instead of a blank window.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset, Local, NaiveDate, Utc};
use polso_api::{ApiError, ErrorCode};
use polso_desktop::Desktop;
use polso_desktop::sync::UreqTransport;
use polso_store::vault::OsKeyring;
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

/// What every command works on.
pub struct AppState {
    app: AppHandle,
    desktop: Mutex<Result<Desktop, ApiError>>,
    opening: Opening,
    fixed_today: Option<NaiveDate>,
    clock: Clock,
    transport: UreqTransport,
    sync_pass: Mutex<()>,
}

/// Everything needed to open the store again, so that "Try again" on the
/// error screen really tries again once the keyring is unlocked.
struct Opening {
    data_dir: PathBuf,
    system_locale: String,
}

/// The clock: the system's, or one started at an injected instant that runs on
/// in real time from there.
enum Clock {
    System,
    Injected { start: DateTime<FixedOffset>, started: std::time::Instant },
}

impl Clock {
    fn now(&self) -> DateTime<FixedOffset> {
        match self {
            Clock::System => Local::now().fixed_offset(),
            Clock::Injected { start, started } => {
                *start + chrono::TimeDelta::from_std(started.elapsed()).unwrap_or_default()
            }
        }
    }
}

impl Opening {
    fn account(&self, purpose: &str) -> String {
        format!("{purpose}@{}", self.data_dir.display())
    }

    fn open_desktop(&self) -> Result<Desktop, ApiError> {
        let account = |purpose: &str| self.account(purpose);
        let vault = OsKeyring::new(KEYRING_SERVICE);
        let desktop = polso_store::open_store(&self.data_dir, &vault, &account("store-key"))
            .map_err(|error| polso_desktop::open_error_to_api(&error))
            .and_then(|store| Desktop::new(store, self.system_locale.clone()))
            .map(|desktop| {
                desktop
                    .with_device_vault(Box::new(OsKeyring::new(KEYRING_SERVICE)), account("device-token"))
                    .with_hr_vault(Box::new(OsKeyring::new(KEYRING_SERVICE)), account("hr-token"))
            });
        if let Err(error) = &desktop {
            tracing::warn!("Polso could not open its local store: {}", error.message);
        }
        desktop
    }
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
        crate::logging::init(&data_dir);
        let fixed_today = match std::env::var(TODAY_VARIABLE) {
            Ok(text) => Some(text.parse::<NaiveDate>().with_context(|| {
                format!("{TODAY_VARIABLE}='{text}' is not an ISO date such as 2026-11-23")
            })?),
            Err(_) => None,
        };
        let clock = match std::env::var(NOW_VARIABLE) {
            Ok(text) => Clock::Injected {
                start: DateTime::parse_from_rfc3339(&text).with_context(|| {
                    format!(
                        "{NOW_VARIABLE}='{text}' is not an RFC 3339 instant such as 2026-11-26T10:59:55+01:00"
                    )
                })?,
                started: std::time::Instant::now(),
            },
            Err(_) => Clock::System,
        };
        let system_locale = sys_locale::get_locale().unwrap_or_else(|| "en-US".to_owned());
        let opening = Opening { data_dir, system_locale };
        Ok(AppState {
            app: app.clone(),
            desktop: Mutex::new(opening.open_desktop()),
            opening,
            fixed_today,
            clock,
            transport: UreqTransport::new(),
            sync_pass: Mutex::new(()),
        })
    }

    /// The employee-side logic, or the error that kept the store closed. A
    /// store that could not be opened is tried again, so a keyring unlocked
    /// or a key restored since takes effect without a restart; once it opens,
    /// the demo's connections are made (when the app is the demo), as at start-up.
    pub fn desktop(&self) -> Result<MutexGuard<'_, Result<Desktop, ApiError>>, ApiError> {
        let mut guard = self.desktop.lock().map_err(|_| {
            ApiError::new(ErrorCode::Internal, "an earlier command failed while holding the store")
        })?;
        if guard.is_err() {
            *guard = self.opening.open_desktop();
            if guard.is_ok() {
                crate::demo::follow_demo_server(&self.app);
            }
        }
        Ok(guard)
    }

    /// Today's date in the employee's time zone.
    pub fn today(&self) -> NaiveDate {
        self.fixed_today.unwrap_or_else(|| self.clock.now().date_naive())
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().to_utc()
    }

    /// The current instant with the employee's current UTC offset, read afresh
    /// each time so a change of time zone shows at once.
    pub fn now_local(&self) -> DateTime<FixedOffset> {
        self.clock.now()
    }

    /// Deletes the store, its key and the tokens, then opens a new, empty store:
    /// the app is back at its first run. Holds the store's lock throughout, so no
    /// command or background pass sees a half-deleted store.
    pub fn delete_local_data(&self) -> Result<(), ApiError> {
        let mut guard = self.desktop.lock().map_err(|_| {
            ApiError::new(ErrorCode::Internal, "an earlier command failed while holding the store")
        })?;
        let closed = Err(ApiError::new(ErrorCode::StoreUnavailable, "the local data is being deleted"));
        let vault = OsKeyring::new(KEYRING_SERVICE);
        let store_account = self.opening.account("store-key");
        let result = match std::mem::replace(&mut *guard, closed) {
            Ok(desktop) => desktop.delete_local_data(&vault, &store_account),
            // A store that could not be opened is deleted all the same, with the tokens.
            Err(_) => polso_store::delete_local_data(&self.opening.data_dir, &vault, &store_account)
                .map_err(|error| polso_desktop::open_error_to_api(&error))
                .and_then(|()| {
                    let device_account = self.opening.account("device-token");
                    let threads_account = polso_desktop::comments::threads_account(&device_account);
                    for account in [device_account, threads_account, self.opening.account("hr-token")] {
                        polso_store::SecretVault::delete(&vault, &account)
                            .map_err(|error| polso_desktop::open_error_to_api(&error.into()))?;
                    }
                    Ok(())
                }),
        };
        if result.is_ok() {
            // The log holds no answer, but deleting one's data leaves nothing of one's use behind.
            let logs = self.opening.data_dir.join(crate::logging::LOG_FOLDER);
            if let Err(error) = std::fs::remove_dir_all(&logs)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!("Polso could not delete its log folder {}: {error}", logs.display());
            }
        }
        *guard = self.opening.open_desktop();
        result
    }

    /// The HTTP client that talks to the organisation server.
    pub fn transport(&self) -> &UreqTransport {
        &self.transport
    }

    /// Held for the length of a sync pass, so two passes never overlap.
    pub fn sync_pass_lock(&self) -> Result<MutexGuard<'_, ()>, ApiError> {
        // The guarded value is empty: a pass that panicked leaves nothing half-done.
        Ok(self.sync_pass.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// A random number from the operating system, for the delay before a report
/// is sent. Should the OS refuse, the clock's nanoseconds stand in: still
/// unpredictable enough to spread arrivals, and a pass never fails for it.
pub fn random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        let since_epoch =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        u64::from(since_epoch.subsec_nanos()) ^ since_epoch.as_secs().rotate_left(32)
    })
}

impl polso_desktop::sync_pass::AppSession for AppState {
    fn with_desktop<T>(&self, work: impl FnOnce(&mut Desktop) -> Result<T, ApiError>) -> Result<T, ApiError> {
        crate::commands::with_desktop(self, work)
    }

    fn today(&self) -> NaiveDate {
        AppState::today(self)
    }

    fn now(&self) -> DateTime<Utc> {
        AppState::now(self)
    }

    fn transport(&self) -> &dyn polso_desktop::sync_pass::Transport {
        &self.transport
    }

    fn random(&self) -> u64 {
        random_u64()
    }
}
