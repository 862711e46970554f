//! The app's session: what the shell holds for the life of the app, and the one path every
//! command takes to the [`Desktop`].
//!
//! - **The store**, opened in the data directory with its key in a vault (the OS keyring in the
//!   app), or the reason it could not be, kept so every command answers it and the window says
//!   it in words. A store that could not be opened is tried again on the next command, so a
//!   keyring unlocked since takes effect without a restart ([`Session::with_desktop`]).
//! - **Deletion** of the store, its key and the tokens, after which a new, empty store opens
//!   ([`Session::delete_local_data`]).
//! - **The clock**: the system's, or one started at an injected instant for demos and
//!   end-to-end tests ([`Clock`]). This is the one place of the crate that reads a clock; the
//!   [`Desktop`] still takes `today` and `now` as arguments.
//! - **The sync pass**, never two at once ([`Session::sync_now`]), enrolment and moving the
//!   server, each with the network half run without holding the store.
//! - **Start at login**, stored first and put back when the system refuses it
//!   ([`Session::update_settings`]).
//!
//! The shell supplies only what is Tauri's or the system's (the data directory, the locale, the
//! autostart switch); the tests drive the same session with a vault in memory and a transport
//! of their own.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, FixedOffset, Local, NaiveDate, Utc};
use polso_api::{ApiError, EnrolDevice, ErrorCode, MoveServer, Settings, SyncStatus, UpdateSettings};
use polso_store::SecretVault;

use crate::sync_pass::{AppSession, Transport};
use crate::{Desktop, sync};

/// A vault for the store's key and the tokens, made anew for each use.
pub type VaultMaker = Arc<dyn Fn() -> Box<dyn SecretVault + Send + Sync> + Send + Sync>;

/// The OS keyring (the Secret Service on Linux), its entries filed under `service`.
pub fn os_keyring(service: &str) -> VaultMaker {
    let service = service.to_owned();
    Arc::new(move || Box::new(polso_store::vault::OsKeyring::new(service.as_str())))
}

/// Called when a store that could not be opened has just opened (the demo follows its server).
pub type OnOpened = Box<dyn Fn() + Send + Sync>;

/// The clock: the system's, or one started at an injected instant that runs on in real time
/// from there.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system's clock, in the system's time zone.
    System,
    /// Starts at `start` when the session opens, and runs on in real time.
    StartingAt {
        /// The first instant, with its UTC offset.
        start: DateTime<FixedOffset>,
        /// When the session opened.
        started: std::time::Instant,
    },
}

impl Clock {
    /// A clock that starts now at `start`.
    pub fn starting_at(start: DateTime<FixedOffset>) -> Clock {
        Clock::StartingAt { start, started: std::time::Instant::now() }
    }

    fn now(&self) -> DateTime<FixedOffset> {
        match self {
            Clock::System => Local::now().fixed_offset(),
            Clock::StartingAt { start, started } => {
                *start + chrono::TimeDelta::from_std(started.elapsed()).unwrap_or_default()
            }
        }
    }
}

/// Where the session keeps its data and how it reads the time.
pub struct SessionPlace {
    /// The data directory: the store and its companions.
    pub data_dir: PathBuf,
    /// The system's locale (`it-IT`), for the language before the employee picks one.
    pub system_locale: String,
    /// The vault of the store's key and the tokens.
    pub vault: VaultMaker,
    /// The clock.
    pub clock: Clock,
    /// A fixed "today", for demos and end-to-end tests of week changes.
    pub fixed_today: Option<NaiveDate>,
}

/// The app's session: see the module's notes.
pub struct Session {
    desktop: Mutex<Result<Desktop, ApiError>>,
    place: SessionPlace,
    transport: Box<dyn Transport + Send + Sync>,
    sync_pass: Mutex<()>,
    on_opened: Option<OnOpened>,
}

impl Session {
    /// Opens the store in `place`, talking to servers through `transport`. A failure to open is
    /// kept, not raised: the window still opens and says what is wrong.
    pub fn open(place: SessionPlace, transport: Box<dyn Transport + Send + Sync>) -> Session {
        let desktop = open_desktop(&place);
        Session { desktop: Mutex::new(desktop), place, transport, sync_pass: Mutex::new(()), on_opened: None }
    }

    /// Calls `on_opened` whenever a store that could not be opened opens on a later command.
    pub fn when_reopened(mut self, on_opened: OnOpened) -> Session {
        self.on_opened = Some(on_opened);
        self
    }

    /// Runs `work` on the open store (held for its length), or answers why it is not open. A
    /// store that could not be opened is tried again first.
    pub fn with_desktop<T>(
        &self,
        work: impl FnOnce(&mut Desktop) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut guard = self.desktop()?;
        if guard.is_err() {
            *guard = open_desktop(&self.place);
            if guard.is_ok()
                && let Some(on_opened) = &self.on_opened
            {
                on_opened();
            }
        }
        match guard.as_mut() {
            Ok(desktop) => work(desktop),
            Err(error) => Err(error.clone()),
        }
    }

    fn desktop(&self) -> Result<MutexGuard<'_, Result<Desktop, ApiError>>, ApiError> {
        self.desktop.lock().map_err(|_| {
            ApiError::new(ErrorCode::Internal, "an earlier command failed while holding the store")
        })
    }

    /// Today's date in the employee's time zone.
    pub fn today(&self) -> NaiveDate {
        self.place.fixed_today.unwrap_or_else(|| self.place.clock.now().date_naive())
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.place.clock.now().to_utc()
    }

    /// The current instant with the employee's current UTC offset, read afresh each time so a
    /// change of time zone shows at once.
    pub fn now_local(&self) -> DateTime<FixedOffset> {
        self.place.clock.now()
    }

    /// The HTTP client that talks to the organisation server.
    pub fn transport(&self) -> &(dyn Transport + Send + Sync) {
        self.transport.as_ref()
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.place.data_dir
    }

    /// One sync pass ([`crate::sync_pass::run_sync_pass`]), never two at once: a pass asked for
    /// while another runs waits for it. `retry_now` retries failed reports at once, as "Sync
    /// now" does.
    pub fn sync_now(&self, retry_now: bool) -> Result<SyncStatus, ApiError> {
        // The guarded value is empty: a pass that panicked leaves nothing half-done.
        let _one_pass_at_a_time = self.sync_pass.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        crate::sync_pass::run_sync_pass(self, retry_now)
    }

    /// Redeems an invite code or personal code at the server, then keeps the enrolment.
    pub fn enrol(&self, form: &EnrolDevice) -> Result<SyncStatus, ApiError> {
        crate::sync_pass::enrol(self, form)
    }

    /// Moves the enrolment to the organisation server's new address, once the server there has
    /// answered this device's token.
    pub fn move_server(&self, form: &MoveServer) -> Result<SyncStatus, ApiError> {
        let check = self.with_desktop(|desktop| desktop.prepare_move(&form.server_url))?;
        let checked = sync::check_server(self.transport(), &check);
        let now = self.now();
        self.with_desktop(|desktop| desktop.complete_move(&check, checked, now))
    }

    /// Applies a change of settings. A change of "start at login" is stored first (so a change
    /// the store's checks refuse reaches no further), then applied to the system by
    /// `apply_autostart`; should the system refuse, the stored value is put back and its error
    /// answered.
    pub fn update_settings(
        &self,
        change: UpdateSettings,
        apply_autostart: impl FnOnce(bool) -> Result<(), ApiError>,
    ) -> Result<Settings, ApiError> {
        let autostart = change.autostart;
        let previous = self.with_desktop(|desktop| desktop.settings())?.autostart;
        let settings = self.with_desktop(|desktop| desktop.update_settings(change))?;
        if let Some(on) = autostart
            && let Err(error) = apply_autostart(on)
        {
            let undo = UpdateSettings { autostart: Some(previous), ..UpdateSettings::default() };
            self.with_desktop(|desktop| desktop.update_settings(undo))?;
            return Err(error);
        }
        Ok(settings)
    }

    /// Deletes the store, its key and the tokens, then opens a new, empty store: the app is back
    /// at its first run. Holds the store throughout, so no command or background pass sees a
    /// half-deleted store. A store that could not be opened is deleted all the same.
    pub fn delete_local_data(&self) -> Result<(), ApiError> {
        let mut guard = self.desktop()?;
        let closed = Err(ApiError::new(ErrorCode::StoreUnavailable, "the local data is being deleted"));
        let vault = (self.place.vault)();
        let store_account = account(&self.place, "store-key");
        let result = match std::mem::replace(&mut *guard, closed) {
            Ok(desktop) => desktop.delete_local_data(vault.as_ref(), &store_account),
            Err(_) => polso_store::delete_local_data(&self.place.data_dir, vault.as_ref(), &store_account)
                .map_err(|error| crate::open_error_to_api(&error))
                .and_then(|()| {
                    let device_account = account(&self.place, "device-token");
                    let threads_account = crate::comments::threads_account(&device_account);
                    for account in [device_account, threads_account, account(&self.place, "hr-token")] {
                        vault.delete(&account).map_err(|error| crate::open_error_to_api(&error.into()))?;
                    }
                    Ok(())
                }),
        };
        *guard = open_desktop(&self.place);
        result
    }
}

impl AppSession for Session {
    fn with_desktop<T>(&self, work: impl FnOnce(&mut Desktop) -> Result<T, ApiError>) -> Result<T, ApiError> {
        Session::with_desktop(self, work)
    }

    fn today(&self) -> NaiveDate {
        Session::today(self)
    }

    fn now(&self) -> DateTime<Utc> {
        Session::now(self)
    }

    fn transport(&self) -> &dyn Transport {
        self.transport.as_ref()
    }

    fn random(&self) -> u64 {
        random_u64()
    }
}

/// The vault account of `purpose` for the data directory of `place`: several profiles on one
/// system account keep their secrets apart.
fn account(place: &SessionPlace, purpose: &str) -> String {
    format!("{purpose}@{}", place.data_dir.display())
}

/// The store of `place` opened as a [`Desktop`] with its vaults, or why it could not be.
fn open_desktop(place: &SessionPlace) -> Result<Desktop, ApiError> {
    let desktop =
        polso_store::open_store(&place.data_dir, (place.vault)().as_ref(), &account(place, "store-key"))
            .map_err(|error| crate::open_error_to_api(&error))
            .and_then(|store| Desktop::new(store, place.system_locale.clone()))
            .map(|desktop| {
                desktop
                    .with_device_vault((place.vault)(), account(place, "device-token"))
                    .with_hr_vault((place.vault)(), account(place, "hr-token"))
            });
    if let Err(error) = &desktop {
        tracing::warn!("Polso could not open its local store: {}", error.message);
    }
    desktop
}

/// A random number from the operating system, for the delay before a report is sent. Should
/// the OS refuse, the clock's nanoseconds stand in: still unpredictable enough to spread
/// arrivals, and a pass never fails for it.
pub fn random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        let since_epoch =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        u64::from(since_epoch.subsec_nanos()) ^ since_epoch.as_secs().rotate_left(32)
    })
}
