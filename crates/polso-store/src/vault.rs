//! Key custody and the rules for opening the local store.
//!
//! The store's key lives in a [`SecretVault`]: the OS keyring in the app
//! ([`OsKeyring`]), a map in memory in tests ([`MemoryVault`]). [`open_store`]
//! decides, from whether the database file and the key exist, between creating a
//! store, opening one and refusing. The rule it never breaks: an existing store is
//! never replaced, hidden or deleted by a new, empty one. Losing the key of an
//! encrypted store loses the data, so when in doubt it refuses and says why.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::key::StoreKey;
use crate::{Store, StoreError};

/// The database file's name inside the data directory.
pub const DATABASE_FILE_NAME: &str = "polso.db";

/// The keyring account the app keeps the store's key under.
pub const STORE_KEY_ACCOUNT: &str = "local-store-key";

/// Suffixes of the files SQLite keeps beside the database: the write-ahead log,
/// its shared-memory index, and the rollback journal (unused in WAL mode, but a
/// leftover one still belongs to the store).
const COMPANION_FILE_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// A place that keeps small secrets by account name.
pub trait SecretVault {
    /// The secret kept for `account`, or `None` if there is none.
    fn get(&self, account: &str) -> Result<Option<String>, VaultError>;
    /// Keeps `secret` for `account`, replacing any earlier one.
    fn set(&self, account: &str, secret: &str) -> Result<(), VaultError>;
    /// Forgets the secret for `account`; succeeds when there was none.
    fn delete(&self, account: &str) -> Result<(), VaultError>;
}

/// Why the vault could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The keyring service is not running, not reachable, has no collection
    /// to keep secrets in, or is locked; [`VaultError::keyring_problem`] says which.
    #[error("{}", unavailable_sentence(keyring_name, detail))]
    Unavailable {
        /// The platform's name for its keyring, such as "Secret Service".
        keyring_name: &'static str,
        /// What the platform reported.
        detail: String,
    },
    /// The keyring answered, but refused the entry or returned one that is unusable.
    #[error("The system keyring ({keyring_name}) refused the entry '{account}': {detail}")]
    Refused {
        /// The platform's name for its keyring.
        keyring_name: &'static str,
        /// The account asked for.
        account: String,
        /// What the platform reported.
        detail: String,
    },
}

impl VaultError {
    /// What is wrong with a keyring that cannot be used; `None` for a refusal.
    pub fn keyring_problem(&self) -> Option<KeyringProblem> {
        match self {
            VaultError::Unavailable { detail, .. } => Some(KeyringProblem::of_detail(detail)),
            VaultError::Refused { .. } => None,
        }
    }
}

/// What is wrong with a keyring that cannot be used, as far as the
/// platform's report tells: each has its own next step for the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringProblem {
    /// Nothing answers for the Secret Service: no D-Bus session bus, or no
    /// keyring daemon (GNOME Keyring, KWallet) running on it.
    NoSecretService,
    /// The keyring runs but has no default collection (no "login" keyring)
    /// to keep new secrets in.
    NoDefaultCollection,
    /// The collection is locked and was not unlocked: its prompt was
    /// dismissed or could not be shown.
    Locked,
    /// Anything else the platform reported.
    Other,
}

impl KeyringProblem {
    /// Sorts the platform's report, as the `keyring` crate and the D-Bus
    /// Secret Service client word it, into a problem. Only the text is
    /// available: the platform's own error types are boxed away by `keyring`.
    pub fn of_detail(detail: &str) -> KeyringProblem {
        let detail = detail.to_lowercase();
        let any = |needles: &[&str]| needles.iter().any(|needle| detail.contains(needle));
        if any(&["no result found", "no such object", "default collection"]) {
            KeyringProblem::NoDefaultCollection
        } else if any(&["locked", "prompt was dismissed", "prompt dismissed"]) {
            KeyringProblem::Locked
        } else if any(&[
            "serviceunknown",
            "not provided by any .service files",
            "no dbus session or secret service",
            "autolaunch",
            "failed to connect to socket",
            "dbus_session_bus_address",
            "no such file or directory",
            "connection refused",
        ]) {
            KeyringProblem::NoSecretService
        } else {
            KeyringProblem::Other
        }
    }
}

/// The sentence of an unavailable keyring: what is wrong and the next step.
fn unavailable_sentence(keyring_name: &str, detail: &str) -> String {
    match KeyringProblem::of_detail(detail) {
        KeyringProblem::NoSecretService => format!(
            "No system keyring ({keyring_name}) is running in this session: {detail}; start one (GNOME Keyring \
             or KWallet, usually started by logging in to a desktop session) and try again"
        ),
        KeyringProblem::NoDefaultCollection => format!(
            "The system keyring ({keyring_name}) has no default keyring to keep Polso's key in: {detail}; \
             create one and make it the default (in GNOME, the Passwords and Keys app) and try again"
        ),
        KeyringProblem::Locked => format!(
            "The system keyring ({keyring_name}) is locked and was not unlocked: {detail}; unlock it (logging \
             out and in again usually does) and try again"
        ),
        KeyringProblem::Other => format!(
            "The system keyring ({keyring_name}) is not available: {detail}; unlock or start your keyring and \
             try again"
        ),
    }
}

/// The platform's name for its keyring, for messages.
pub(crate) const fn keyring_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "Secret Service"
    }
}

/// The operating system's keyring, through the `keyring` crate: Secret Service
/// (GNOME Keyring, KWallet) on Linux, Keychain on macOS, Credential Manager on Windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsKeyring {
    /// The service name entries are filed under, such as the app's identifier.
    pub service: String,
}

impl OsKeyring {
    /// The keyring, filing entries under `service`.
    pub fn new(service: impl Into<String>) -> OsKeyring {
        OsKeyring { service: service.into() }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(&self.service, account).map_err(|error| vault_error(account, error))
    }
}

impl SecretVault for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(vault_error(account, error)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), VaultError> {
        self.entry(account)?.set_password(secret).map_err(|error| vault_error(account, error))
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(vault_error(account, error)),
        }
    }
}

/// Sorts the keyring crate's errors into "not available, the user can fix it"
/// and "refused". No D-Bus session ("Unable to autolaunch a dbus-daemon") is a
/// platform failure; a locked collection is no storage access.
fn vault_error(account: &str, error: keyring::Error) -> VaultError {
    match error {
        keyring::Error::NoStorageAccess(cause) | keyring::Error::PlatformFailure(cause) => {
            VaultError::Unavailable { keyring_name: keyring_name(), detail: cause.to_string() }
        }
        other => VaultError::Refused {
            keyring_name: keyring_name(),
            account: account.to_owned(),
            detail: other.to_string(),
        },
    }
}

/// A vault shared by reference counting: the app (or a test) hands one clone to the app's
/// [`crate::Store`] users and keeps another to look inside.
impl<T: SecretVault + ?Sized> SecretVault for std::sync::Arc<T> {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        (**self).get(account)
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), VaultError> {
        (**self).set(account, secret)
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        (**self).delete(account)
    }
}

/// A [`MemoryVault`] that a test shares with the code it tests (clones see the same secrets).
pub type SharedMemoryVault = std::sync::Arc<MemoryVault>;

/// A vault in memory, for tests: secrets live as long as the value.
#[derive(Debug, Default)]
pub struct MemoryVault {
    secrets: Mutex<HashMap<String, String>>,
}

impl MemoryVault {
    /// An empty vault.
    pub fn new() -> MemoryVault {
        MemoryVault::default()
    }

    fn secrets(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A panic while holding the lock cannot leave a map half-updated, so a
        // poisoned lock is still safe to use.
        self.secrets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SecretVault for MemoryVault {
    fn get(&self, account: &str) -> Result<Option<String>, VaultError> {
        Ok(self.secrets().get(account).cloned())
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), VaultError> {
        self.secrets().insert(account.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), VaultError> {
        self.secrets().remove(account);
        Ok(())
    }
}

/// Why the local store could not be opened, created or deleted.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The keyring cannot be reached; the message says what the user can do.
    #[error("{0}")]
    KeyringUnavailable(String),

    /// The keyring answered but refused the key's entry.
    #[error(transparent)]
    KeyringRefused(VaultError),

    /// The database file exists but the keyring has no key for it. Without the key
    /// the data cannot be read, and a new store is never created beside it.
    #[error(
        "The local store {path} exists, but its key is not in the system keyring ({keyring_name}, account \
         '{account}'). The file was left unchanged. If the keyring was reset or moved, restore it and try \
         again; otherwise choose \"Delete my local data\" to start over."
    )]
    KeyMissing {
        /// The database file.
        path: PathBuf,
        /// The keyring's name.
        keyring_name: &'static str,
        /// The account the key was looked for under.
        account: String,
    },

    /// The keyring holds something under the key's account that is not a key.
    #[error(
        "The system keyring ({keyring_name}) holds an entry '{account}' that is not a Polso store key. \
         Nothing was changed; restore the entry from a backup, or remove it and choose \"Delete my local \
         data\" to start over."
    )]
    KeyMalformed {
        /// The keyring's name.
        keyring_name: &'static str,
        /// The account of the entry.
        account: String,
    },

    /// The key does not decrypt the database file, or the file is damaged.
    #[error(
        "The local store {path} cannot be read: the key in the system keyring does not match it, or the \
         file is damaged. The file was left unchanged; restore it or the keyring from a backup, or choose \
         \"Delete my local data\" to start over."
    )]
    CorruptOrWrongKey {
        /// The database file.
        path: PathBuf,
    },

    /// The database file is missing but its write-ahead log is still there. The
    /// log may hold saved pulses, and SQLite would delete it when creating a new
    /// database, so no store is created.
    #[error(
        "The local store {path} is missing, but its log {companion} is still there and may hold saved \
         pulses. Nothing was changed; restore {path} from a backup, or choose \"Delete my local data\" to \
         start over."
    )]
    DatabaseMissingBesideLog {
        /// The missing database file.
        path: PathBuf,
        /// The companion file found.
        companion: PathBuf,
    },

    /// The keyring accepted the new key but did not give it back, so a store
    /// encrypted with it could not be opened again.
    #[error(
        "The system keyring ({keyring_name}) did not keep the new store key (account '{account}'), so no \
         store was created. Unlock or start your keyring and try again."
    )]
    KeyNotKept {
        /// The keyring's name.
        keyring_name: &'static str,
        /// The account the key was stored under.
        account: String,
    },

    /// The operating system gave no random bytes for a new key.
    #[error("Polso could not get random bytes from the operating system for a new store key: {0}")]
    NoRandomness(getrandom::Error),

    /// A file or folder of the store could not be checked, created or deleted.
    #[error("{action} {path} failed: {source}. Check the folder's permissions and free space.")]
    FileSystem {
        /// What was being done, such as "Creating the data folder".
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// The store itself failed: a newer schema, a failed migration, an SQLite error.
    #[error(transparent)]
    Store(StoreError),
}

impl OpenError {
    /// What is wrong with the keyring, when the keyring is why the store did not open.
    pub fn keyring_problem(&self) -> Option<KeyringProblem> {
        match self {
            OpenError::KeyringUnavailable(message) => Some(KeyringProblem::of_detail(message)),
            _ => None,
        }
    }
}

impl From<VaultError> for OpenError {
    fn from(error: VaultError) -> OpenError {
        match error {
            VaultError::Unavailable { .. } => OpenError::KeyringUnavailable(error.to_string()),
            VaultError::Refused { .. } => OpenError::KeyringRefused(error),
        }
    }
}

impl From<StoreError> for OpenError {
    fn from(error: StoreError) -> OpenError {
        match error {
            StoreError::WrongKeyOrCorrupt { path } => OpenError::CorruptOrWrongKey { path },
            other => OpenError::Store(other),
        }
    }
}

/// The database file in `data_dir`.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DATABASE_FILE_NAME)
}

fn companion_path(database_path: &Path, suffix: &str) -> PathBuf {
    let mut name = database_path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn file_exists(path: &Path) -> Result<bool, OpenError> {
    path.try_exists().map_err(|source| OpenError::FileSystem {
        action: "Checking",
        path: path.to_owned(),
        source,
    })
}

/// Opens the local store in `data_dir`, creating it on first use, with its key
/// kept in `vault` under `account`.
///
/// | database file | key in vault | what happens |
/// |---|---|---|
/// | absent | absent | a new random key is kept in the vault, then a new store is created |
/// | absent | present | the key is reused and a new store is created |
/// | present | present | the store is opened; a wrong key or damaged file is [`OpenError::CorruptOrWrongKey`] |
/// | present | absent | [`OpenError::KeyMissing`]: nothing is created or changed |
///
/// A keyring that cannot be reached is [`OpenError::KeyringUnavailable`] in every
/// case. Nothing is ever deleted, and a store is never created beside an existing
/// database or its leftover write-ahead log.
pub fn open_store(data_dir: &Path, vault: &dyn SecretVault, account: &str) -> Result<Store, OpenError> {
    std::fs::create_dir_all(data_dir).map_err(|source| OpenError::FileSystem {
        action: "Creating the data folder",
        path: data_dir.to_owned(),
        source,
    })?;
    let database_path = database_path(data_dir);
    let database_exists = file_exists(&database_path)?;
    let stored_key = match vault.get(account)? {
        Some(secret) => Some(StoreKey::from_hex(&secret).map_err(|_| OpenError::KeyMalformed {
            keyring_name: keyring_name(),
            account: account.to_owned(),
        })?),
        None => None,
    };

    match (database_exists, stored_key) {
        (true, Some(key)) => Ok(Store::open_existing(&database_path, &key)?),
        (true, None) => Err(OpenError::KeyMissing {
            path: database_path,
            keyring_name: keyring_name(),
            account: account.to_owned(),
        }),
        (false, Some(key)) => {
            refuse_if_log_is_left(&database_path)?;
            Ok(Store::open(&database_path, &key)?)
        }
        (false, None) => {
            refuse_if_log_is_left(&database_path)?;
            let key = StoreKey::generate().map_err(OpenError::NoRandomness)?;
            let key_hex = key.to_hex();
            vault.set(account, &key_hex)?;
            // Read the key back before encrypting anything with it: a keyring that
            // silently drops entries would otherwise leave a store nobody can open.
            if vault.get(account)?.as_deref() != Some(key_hex.as_str()) {
                return Err(OpenError::KeyNotKept {
                    keyring_name: keyring_name(),
                    account: account.to_owned(),
                });
            }
            Ok(Store::open(&database_path, &key)?)
        }
    }
}

/// A write-ahead log without its database may hold the only copy of saved
/// pulses; SQLite would delete it when creating a new database at that path.
fn refuse_if_log_is_left(database_path: &Path) -> Result<(), OpenError> {
    let log_path = companion_path(database_path, "-wal");
    if file_exists(&log_path)? {
        return Err(OpenError::DatabaseMissingBesideLog {
            path: database_path.to_owned(),
            companion: log_path,
        });
    }
    Ok(())
}

/// Deletes the local store in `data_dir` (the database and the files SQLite keeps
/// beside it) and then its key in `vault`: the "Delete my local data" action.
///
/// Drop every [`Store`] on the file first. Files that are already gone are fine,
/// so the action can be retried after a partial failure. The files go before the
/// key: if deleting the key fails, a retry finishes the job, and no encrypted file
/// is ever left without its key.
pub fn delete_local_data(data_dir: &Path, vault: &dyn SecretVault, account: &str) -> Result<(), OpenError> {
    let database_path = database_path(data_dir);
    let companions = COMPANION_FILE_SUFFIXES.iter().map(|suffix| companion_path(&database_path, suffix));
    for path in std::iter::once(database_path.clone()).chain(companions) {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(OpenError::FileSystem { action: "Deleting", path, source }),
        }
    }
    vault.delete(account)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_access_failures_become_an_actionable_sentence() {
        let no_session_bus = keyring::Error::PlatformFailure(Box::new(std::io::Error::other(
            "Unable to autolaunch a dbus-daemon without a $DISPLAY for X11",
        )));
        let error = vault_error("local-store-key", no_session_bus);
        assert!(matches!(error, VaultError::Unavailable { .. }), "{error:?}");
        assert_eq!(error.keyring_problem(), Some(KeyringProblem::NoSecretService));
        let message = error.to_string();
        assert!(message.starts_with("No system keyring (Secret Service) is running"), "{message}");
        assert!(message.contains("Unable to autolaunch a dbus-daemon"), "{message}");
        assert!(message.ends_with("and try again"), "{message}");

        let locked = keyring::Error::NoStorageAccess(Box::new(std::io::Error::other("collection is locked")));
        assert!(matches!(vault_error("a", locked), VaultError::Unavailable { .. }));
    }

    /// The platform's reports as the `keyring` crate and the D-Bus Secret
    /// Service client word them, each sorted into its problem and sentence.
    #[test]
    fn keyring_failures_name_their_cause_and_the_next_step() {
        let cases = [
            (
                keyring::Error::PlatformFailure(Box::new(std::io::Error::other(
                    "DBus error: Failed to connect to socket /nonexistent/bus: No such file or directory",
                ))),
                KeyringProblem::NoSecretService,
                "start one",
            ),
            (
                keyring::Error::PlatformFailure(Box::new(std::io::Error::other(
                    "DBus error: The name org.freedesktop.secrets was not provided by any .service files",
                ))),
                KeyringProblem::NoSecretService,
                "GNOME Keyring",
            ),
            (
                keyring::Error::PlatformFailure(Box::new(std::io::Error::other(
                    "No DBus session or Secret Service provider found",
                ))),
                KeyringProblem::NoSecretService,
                "desktop session",
            ),
            (
                keyring::Error::NoStorageAccess(Box::new(std::io::Error::other(
                    "Secret Service: no result found",
                ))),
                KeyringProblem::NoDefaultCollection,
                "make it the default",
            ),
            (
                keyring::Error::NoStorageAccess(Box::new(std::io::Error::other(
                    "Secret Service: unlock prompt was dismissed",
                ))),
                KeyringProblem::Locked,
                "is locked and was not unlocked",
            ),
            (
                keyring::Error::NoStorageAccess(Box::new(std::io::Error::other(
                    "Secret Service: object locked",
                ))),
                KeyringProblem::Locked,
                "unlock it",
            ),
            (
                keyring::Error::PlatformFailure(Box::new(std::io::Error::other("Crypto error: bad padding"))),
                KeyringProblem::Other,
                "unlock or start your keyring",
            ),
        ];
        for (failure, problem, next_step) in cases {
            let shown = failure.to_string();
            let error = vault_error("local-store-key", failure);
            assert_eq!(error.keyring_problem(), Some(problem), "{shown}");
            let message = error.to_string();
            assert!(message.contains(next_step), "{problem:?}: {message}");
            let opened = OpenError::from(error);
            assert_eq!(opened.keyring_problem(), Some(problem), "{message}");
        }
        let refused = vault_error("a", keyring::Error::BadEncoding(vec![0xff]));
        assert_eq!(refused.keyring_problem(), None);
    }

    #[test]
    fn other_keyring_failures_are_refusals() {
        let error = vault_error("local-store-key", keyring::Error::BadEncoding(vec![0xff]));
        assert!(
            matches!(&error, VaultError::Refused { account, .. } if account == "local-store-key"),
            "{error:?}"
        );
        assert!(matches!(OpenError::from(error), OpenError::KeyringRefused(_)));
    }

    #[test]
    fn unavailable_vault_errors_become_keyring_unavailable_with_the_same_sentence() {
        let vault_error =
            VaultError::Unavailable { keyring_name: "Secret Service", detail: "locked".to_owned() };
        let sentence = vault_error.to_string();
        match OpenError::from(vault_error) {
            OpenError::KeyringUnavailable(message) => assert_eq!(message, sentence),
            other => panic!("expected KeyringUnavailable, got {other:?}"),
        }
    }

    #[test]
    fn memory_vault_keeps_and_forgets() {
        let vault = MemoryVault::new();
        assert_eq!(vault.get("a").unwrap(), None);
        vault.set("a", "one").unwrap();
        vault.set("a", "two").unwrap();
        assert_eq!(vault.get("a").unwrap().as_deref(), Some("two"));
        assert_eq!(vault.get("b").unwrap(), None);
        vault.delete("a").unwrap();
        vault.delete("a").unwrap();
        assert_eq!(vault.get("a").unwrap(), None);
    }

    #[test]
    fn companion_files_sit_beside_the_database() {
        let database_path = database_path(Path::new("/data"));
        assert_eq!(database_path, Path::new("/data/polso.db"));
        assert_eq!(companion_path(&database_path, "-wal"), Path::new("/data/polso.db-wal"));
    }
}
