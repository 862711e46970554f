//! The generation of an SQLite database ([`crate::generation`]), and the operator's backup and
//! restore of one.
//!
//! The restore is atomic: the backup is copied beside the database, migrated,
//! given its new generation and synced, and only then renamed over the
//! database, so the file in place is either the old database or the restored
//! one with its new generation, never the restored one with the old.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::clock::stored_time;
use crate::error::{Result, ServerError};
use crate::generation::new_generation_id;
use crate::migrations::MIGRATIONS;

/// The generation of the SQLite database on `connection`, made now when it has none (a new
/// database, or one from before generations).
pub(crate) fn read_or_create_sqlite(connection: &Connection) -> Result<String> {
    connection.execute(
        "INSERT INTO server_generation (id, generation) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
        [new_generation_id()?],
    )?;
    Ok(connection.query_row("SELECT generation FROM server_generation WHERE id = 1", [], |row| row.get(0))?)
}

/// Makes the SQLite database's generation anew on `connection`, restored at `now`; returns it.
pub(crate) fn rotate_sqlite(connection: &Connection, now: DateTime<Utc>) -> Result<String> {
    let generation = new_generation_id()?;
    connection.execute(
        "INSERT INTO server_generation (id, generation, restored_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET generation = excluded.generation, restored_at = excluded.restored_at",
        [&generation, &stored_time(now)],
    )?;
    Ok(generation)
}

/// Writes a consistent copy of the server database `database` to `to`, which must not exist
/// (`polso-server backup --to`). Safe while the server runs: the copy is one read transaction
/// (SQLite's `VACUUM INTO`), so it holds every report acknowledged before it began and none
/// half-folded. The copy holds what the database holds (the sums of collecting weeks among
/// them): keep it as the database is kept (docs/threat-model.md).
pub fn backup_sqlite(database: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        return Err(ServerError::InvalidInput(format!(
            "{} already exists; a backup is never written over a file",
            to.display()
        )));
    }
    let connection = open_existing(database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    connection.execute("VACUUM INTO ?1", [path_text(to)?])?;
    sync_file(to)
}

/// Puts the backup `from` in place of the server database `database` with a new generation
/// (`polso-server restore --from`), and returns the generation. The server must be stopped:
/// a database another process has open is refused ([`ServerError::DatabaseInUse`]) and left
/// as it is. A backup that is not a readable Polso server database, or is from a newer
/// polso-server, is refused before anything changes; the backup itself is only read. `now` is
/// the restore's time, kept beside the generation for the operator.
pub fn restore_sqlite(database: &Path, from: &Path, now: DateTime<Utc>) -> Result<String> {
    let backup = open_existing(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    check_backup(&backup, from)?;

    // Held until the rename: no server can open the database meanwhile.
    let current = match database.exists() {
        true => Some(hold_unused(database)?),
        false => None,
    };

    let staged = staged_path(database);
    remove_if_present(&staged)?;
    backup.execute("VACUUM INTO ?1", [path_text(&staged)?])?;
    drop(backup);
    let generation = {
        let mut connection = super::open_connection(&staged)?;
        MIGRATIONS.to_latest(&mut connection)?;
        let generation = rotate_sqlite(&connection, now)?;
        connection.pragma_update(None, "journal_mode", "DELETE")?;
        generation
    };
    sync_file(&staged)?;
    for suffix in ["-wal", "-shm"] {
        remove_if_present(&with_suffix(database, suffix))?;
    }
    std::fs::rename(&staged, database)
        .map_err(|error| io_error(database, "putting the restored copy in place", &error))?;
    if let Some(parent) = database.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        sync_file(parent)?;
    }
    if let Some(current) = current {
        // The lock was on the old file, which is gone; nothing to roll back.
        let _ = current.execute_batch("ROLLBACK");
    }
    Ok(generation)
}

/// The database at `path` opened without creating it.
fn open_existing(path: &Path, flags: OpenFlags) -> Result<Connection> {
    if !path.is_file() {
        return Err(ServerError::NotABackup {
            path: path.display().to_string(),
            detail: "no such file".to_owned(),
        });
    }
    let connection = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    // A backup's `VACUUM INTO` sorts to build its indexes: in memory, never in a file beside it.
    connection.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(connection)
}

/// Refuses a backup that is not a readable Polso server database of a version this code knows.
fn check_backup(backup: &Connection, path: &Path) -> Result<()> {
    let not_a_backup = |detail: String| ServerError::NotABackup { path: path.display().to_string(), detail };
    super::check_integrity(backup, path).map_err(|error| match error {
        ServerError::DatabaseDamaged { detail, .. } => {
            not_a_backup(format!("SQLite's check found: {detail}"))
        }
        other => not_a_backup(other.to_string()),
    })?;
    super::refuse_newer_schema(backup)?;
    let secret: Option<Vec<u8>> = backup
        .query_row("SELECT secret FROM server_secret WHERE id = 1", [], |row| row.get(0))
        .optional()
        .map_err(|_| not_a_backup("it has no server secret table".to_owned()))?;
    match secret {
        Some(secret) if secret.len() == 32 => Ok(()),
        _ => Err(not_a_backup("it has no server secret".to_owned())),
    }
}

/// The database at `path`, checked to be open in no other process and then held exclusively:
/// a database in WAL mode cannot leave it while another connection has it open, so leaving it
/// is the check (and also folds the WAL back into the file).
fn hold_unused(path: &Path) -> Result<Connection> {
    let connection = open_existing(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    connection.busy_timeout(std::time::Duration::ZERO)?;
    let in_use = || ServerError::DatabaseInUse { path: path.display().to_string() };
    let mode: String =
        connection.query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0)).map_err(|_| in_use())?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(in_use());
    }
    connection.execute_batch("BEGIN EXCLUSIVE").map_err(|_| in_use())?;
    Ok(connection)
}

/// Where a restore stages its copy: beside the database, so the rename is atomic.
fn staged_path(database: &Path) -> PathBuf {
    with_suffix(database, ".restoring")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut text = path.as_os_str().to_owned();
    text.push(suffix);
    PathBuf::from(text)
}

fn path_text(path: &Path) -> Result<&str> {
    path.to_str()
        .ok_or_else(|| ServerError::InvalidInput(format!("the path {} is not valid UTF-8", path.display())))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io_error(path, "removing", &error)),
    }
}

/// Flushes `path` (a file or a directory) to the disk.
fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|error| io_error(path, "syncing", &error))
}

fn io_error(path: &Path, action: &str, error: &std::io::Error) -> ServerError {
    ServerError::InvalidInput(format!("{action} {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteServerStore;
    use crate::store::ServerStore;

    fn restored_at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-02T09:30:00Z").unwrap().to_utc()
    }

    fn generation_of(path: &Path) -> String {
        SqliteServerStore::open(path).unwrap().generation().unwrap()
    }

    #[test]
    fn a_database_keeps_its_generation_until_restored() {
        let directory = tempfile::tempdir().unwrap();
        let database = directory.path().join("org.db");
        let first = generation_of(&database);
        assert_eq!(first.len(), 32);
        assert!(first.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_eq!(generation_of(&database), first, "reopening keeps it");

        let backup = directory.path().join("backup.db");
        backup_sqlite(&database, &backup).unwrap();
        assert_eq!(generation_of(&backup), first, "a backup is a copy, generation and all");
        let error = backup_sqlite(&database, &backup).unwrap_err();
        assert_eq!(error.code(), polso_api::ErrorCode::InvalidInput, "{error}");

        // The operator's record of the restore, kept in the file beside the generation.
        let restored_at_in = |path: &Path| -> Option<String> {
            Connection::open(path)
                .unwrap()
                .query_row("SELECT restored_at FROM server_generation WHERE id = 1", [], |row| row.get(0))
                .unwrap()
        };
        assert_eq!(restored_at_in(&database), None);
        let restored = restore_sqlite(&database, &backup, restored_at()).unwrap();
        assert_ne!(restored, first);
        assert_eq!(generation_of(&database), restored);
        assert_eq!(restored_at_in(&database), Some(stored_time(restored_at())));
        assert!(!staged_path(&database).exists());
        assert_eq!(generation_of(&backup), first, "the backup itself is only read");

        let store = SqliteServerStore::open(&database).unwrap();
        let rotated = store.new_generation(restored_at()).unwrap();
        assert_ne!(rotated, restored);
        assert_eq!(store.generation().unwrap(), rotated);
        drop(store);
        assert_eq!(generation_of(&database), rotated);
    }

    #[test]
    fn a_restore_refuses_a_running_database_and_a_file_that_is_no_backup() {
        let directory = tempfile::tempdir().unwrap();
        let database = directory.path().join("org.db");
        let backup = directory.path().join("backup.db");
        let store = SqliteServerStore::open(&database).unwrap();
        let generation = store.generation().unwrap();
        backup_sqlite(&database, &backup).unwrap();
        let error = restore_sqlite(&database, &backup, restored_at()).unwrap_err();
        assert!(matches!(error, ServerError::DatabaseInUse { .. }), "{error}");
        assert_eq!(store.generation().unwrap(), generation);
        drop(store);
        assert_eq!(generation_of(&database), generation, "nothing changed");

        let not_sqlite = directory.path().join("notes.txt");
        std::fs::write(&not_sqlite, "not a database at all, just some text".repeat(100)).unwrap();
        let empty_sqlite = directory.path().join("empty.db");
        Connection::open(&empty_sqlite).unwrap().execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        for bad in [not_sqlite, empty_sqlite, directory.path().join("missing.db")] {
            let error = restore_sqlite(&database, &bad, restored_at()).unwrap_err();
            assert!(matches!(error, ServerError::NotABackup { .. }), "{}: {error}", bad.display());
        }
        assert_eq!(generation_of(&database), generation, "nothing changed");
    }
}
