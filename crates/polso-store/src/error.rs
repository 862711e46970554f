//! What can go wrong with the local store, named by what happened to the file.
//!
//! Every message names the file and says what the employee (or the support person
//! helping them) can do, because these messages reach the app's error screen.
//! Messages never quote a note or another free-text value from the store.

use std::path::PathBuf;

/// An error from the local store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened or created at all (a missing folder, no
    /// permission, a full disk).
    #[error(
        "The local store {path} could not be opened: {source}. Check that the folder exists and that \
         you may write to it."
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's reason.
        #[source]
        source: rusqlite::Error,
    },

    /// SQLCipher could not read the file with this key: the key is not the one
    /// the file was written with, or the file is damaged or not a database.
    #[error(
        "The local store {path} cannot be read with the key Polso has: the key does not match or the \
         file is damaged. The file was left unchanged; restore it or the keyring from a backup."
    )]
    WrongKeyOrCorrupt {
        /// The database file.
        path: PathBuf,
    },

    /// The file was written by a newer Polso, with a schema this version does not
    /// know. It is left untouched.
    #[error(
        "The local store {path} was written by a newer version of Polso (schema version {found}; this \
         version knows up to {supported}). It was left untouched; update Polso to open it."
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The schema version found in the file.
        found: usize,
        /// The newest schema version this code knows.
        supported: usize,
    },

    /// Bringing the schema up to date failed; the migration transaction was rolled back.
    #[error(
        "The local store {path} could not be upgraded to the current format: {source}. The upgrade was \
         rolled back and the file is as it was; please report this problem."
    )]
    Migration {
        /// The database file.
        path: PathBuf,
        /// What the migration library reported.
        #[source]
        source: rusqlite_migration::Error,
    },

    /// A row read back holds a value that does not parse (an unknown metric key, a
    /// malformed week, a number out of range). The store never guesses.
    #[error(
        "The local store {path} holds a value Polso cannot read in {table}.{column} ({detail}). The \
         file may be damaged or changed by another program; restore it from a backup."
    )]
    CorruptRow {
        /// The database file.
        path: PathBuf,
        /// The table the row is in.
        table: &'static str,
        /// The column with the bad value.
        column: String,
        /// What is wrong with the value (never a note's text).
        detail: String,
    },

    /// A pulse to save carries a metric score that is not a finite number.
    #[error("The pulse for {week} was not saved: its {metric} score is {score}, not a finite number.")]
    NonFiniteScore {
        /// The pulse's week, such as `2026-W48`.
        week: String,
        /// The metric's key.
        metric: &'static str,
        /// The score given.
        score: f64,
    },

    /// SQLite kept another journal mode when asked for write-ahead logging, which
    /// happens on file systems without shared memory, such as some network shares.
    #[error(
        "The local store {path} could not use write-ahead logging (SQLite kept the '{journal_mode}' \
         journal mode). Keep Polso's data folder on a local disk."
    )]
    NoWriteAheadLog {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite reported instead.
        journal_mode: String,
    },

    /// The sync client recorded an outcome for a week that has no queued report.
    #[error("The local store {path} has no queued report for {week}.")]
    ReportNotQueued {
        /// The database file.
        path: PathBuf,
        /// The week, such as `2026-W48`.
        week: String,
    },

    /// A comment that has left the draft state was to be changed: what is queued or sent stays.
    #[error(
        "The comment for {week} in the local store {path} is already on its way and can no longer change."
    )]
    CommentNotDraft {
        /// The database file.
        path: PathBuf,
        /// The week, such as `2026-W48`.
        week: String,
    },

    /// Any other SQLite failure while reading or writing.
    #[error("{action} in the local store {path} failed: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What the store was doing, as a sentence start: "Saving the pulse for 2026-W48".
        action: String,
        /// SQLite's reason.
        #[source]
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// Whether the disk that holds the store ran out of space: SQLite wrote nothing of the
    /// change (a transaction rolls back whole), and the same change can be made again once
    /// there is room.
    pub fn is_disk_full(&self) -> bool {
        let source = match self {
            StoreError::Open { source, .. } | StoreError::Sqlite { source, .. } => source,
            StoreError::Migration {
                source: rusqlite_migration::Error::RusqliteError { err, .. }, ..
            } => err,
            _ => return false,
        };
        source.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_full_is_a_full_disk() {
        let failure = |code: i32| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        let sqlite = |source| StoreError::Sqlite { path: "polso.db".into(), action: "Saving".into(), source };
        assert!(sqlite(failure(rusqlite::ffi::SQLITE_FULL)).is_disk_full());
        assert!(
            StoreError::Open { path: "polso.db".into(), source: failure(rusqlite::ffi::SQLITE_FULL) }
                .is_disk_full()
        );
        assert!(!sqlite(failure(rusqlite::ffi::SQLITE_IOERR)).is_disk_full());
        assert!(!sqlite(failure(rusqlite::ffi::SQLITE_BUSY)).is_disk_full());
        assert!(!StoreError::WrongKeyOrCorrupt { path: "polso.db".into() }.is_disk_full());
    }
}
