//! The embedded default storage: one SQLite file, migrated at open.
//!
//! One writing connection behind a mutex, since SQLite writes one
//! transaction at a time anyway. Reports reach it through a queue: a writer
//! thread folds every report queued at once in one commit (group commit;
//! see [`ServerStore::fold_report`](crate::store::ServerStore::fold_report)). The lookups every request makes
//! (its device token, its organisation, its helper) go to a few connections
//! that only read ([`Readers`]), so they neither wait behind a commit nor
//! hold one up; everything else shares the writing connection. Pragmas are
//! set per connection, outside the migrations: WAL, `synchronous=FULL` so an
//! acknowledged report survives a power cut, foreign keys on,
//! `secure_delete` so replaced sums are overwritten rather than left in free
//! pages, and `temp_store=MEMORY` so a sort or temporary table never spills
//! sums into a file beside the database (plain SQLite's default is a file;
//! the desktop's SQLCipher keeps them in memory by its build).

mod admin;
mod comments;
mod credentials;
pub mod generation;
mod shared;
mod store;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use polso_core::questionnaire::QuestionnairePlan;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::error::{Result, ServerError};
use crate::group_commit::{GroupCommit, PendingFold, Queued};
use crate::migrations::{MIGRATIONS, SCHEMA_VERSION};
use crate::secrets::{Hash32, random_bytes};
use crate::store::{
    FoldOutcome, Organisation, OrganisationRow, ReportFold, organisation_from_parts, questionnaire_plan,
};

/// The server's SQLite database.
pub struct SqliteServerStore {
    connection: Arc<Mutex<Connection>>,
    readers: Readers,
    receipt_secret: Hash32,
    /// The database's generation ([`crate::generation`]), as read at open or last made here.
    generation: Mutex<String>,
    /// Reports on their way to the writer: see [`ServerStore::fold_report`](crate::store::ServerStore::fold_report).
    folds: GroupCommit,
}

impl std::fmt::Debug for SqliteServerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The receipt secret stays out of debug output.
        f.debug_struct("SqliteServerStore").finish_non_exhaustive()
    }
}

impl SqliteServerStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    /// A database from a newer polso-server is refused and left untouched.
    pub fn open(path: &Path) -> Result<SqliteServerStore> {
        let mut connection = open_connection(path)?;

        refuse_newer_schema(&connection)?;
        MIGRATIONS.to_latest(&mut connection)?;

        let existing: Option<Vec<u8>> = connection
            .query_row("SELECT secret FROM server_secret WHERE id = 1", [], |row| row.get(0))
            .optional()?;
        let receipt_secret = match existing {
            Some(bytes) => bytes
                .try_into()
                .map_err(|_| ServerError::CorruptData("the server secret is not 32 bytes".to_owned()))?,
            None => {
                let secret = random_bytes::<32>()?;
                connection.execute("INSERT INTO server_secret (id, secret) VALUES (1, ?1)", [&secret[..]])?;
                secret
            }
        };
        let generation = Mutex::new(generation::read_or_create_sqlite(&connection)?);
        let readers = Readers::open(path)?;
        connection.busy_handler(Some(wait_briefly_then_patiently))?;
        let connection = Arc::new(Mutex::new(connection));
        // The writer waits for a report, then for the connection, and only
        // then takes every report queued meanwhile: those that arrived while
        // the last group was written or a read held the connection.
        let folds = GroupCommit::start("polso-report-writer", {
            let connection = Arc::clone(&connection);
            move |queued: Queued<'_>| {
                let mut connection = lock(&connection);
                fold_batch(&mut connection, queued.take());
            }
        })?;
        Ok(SqliteServerStore { connection, readers, receipt_secret, generation, folds })
    }

    /// The one connection, locked; `pub(crate)` for the administrator's
    /// queries in `sqlite::admin`.
    pub(crate) fn connection(&self) -> MutexGuard<'_, Connection> {
        lock(&self.connection)
    }

    /// A connection that only reads, for a lookup that needs no write beside
    /// it in one transaction: it neither waits for a group commit nor holds
    /// one up.
    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        self.readers.get()
    }
}

/// How many connections only read: the requests a small server answers at
/// once, with one to spare.
const READERS: usize = 4;

/// The connections that only read (`query_only`), each behind its own mutex.
/// In WAL mode they read the last commit while the writer writes the next.
struct Readers {
    connections: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl Readers {
    fn open(path: &Path) -> Result<Readers> {
        let connections = (0..READERS)
            .map(|_| {
                let connection = Connection::open(path)?;
                connection.busy_timeout(std::time::Duration::from_secs(5))?;
                connection.pragma_update(None, "query_only", "ON")?;
                connection.pragma_update(None, "temp_store", "MEMORY")?;
                Ok(Mutex::new(connection))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Readers { connections, next: AtomicUsize::new(0) })
    }

    /// A free connection if there is one, else the next in turn once free.
    fn get(&self) -> MutexGuard<'_, Connection> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.connections.len();
        (0..count)
            .find_map(|offset| self.connections[(start + offset) % count].try_lock().ok())
            .unwrap_or_else(|| lock(&self.connections[start % count]))
    }
}

impl Drop for SqliteServerStore {
    /// Closes the writer's queue and waits for it to finish what it holds,
    /// so the file is closed when the store is gone.
    fn drop(&mut self) {
        self.folds.close();
    }
}

/// `connection`, locked. A panic while holding the lock leaves no half-done
/// transaction: rusqlite rolls back an unfinished one when it is dropped.
fn lock<T>(connection: &Mutex<T>) -> MutexGuard<'_, T> {
    connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The writer's busy handler. What it mostly waits for is a reader of the
/// last commit, which the checkpoint after each group must outlast: a
/// lookup of tens of microseconds. SQLite's own handler sleeps a whole
/// millisecond first; this one retries every 20 µs for the first 2 ms, then
/// every millisecond, and gives up after about 5 seconds, as `busy_timeout`.
fn wait_briefly_then_patiently(retries: i32) -> bool {
    const QUICK_RETRIES: i32 = 100;
    const GIVE_UP_AFTER: i32 = QUICK_RETRIES + 5_000;
    let pause = match retries {
        ..QUICK_RETRIES => std::time::Duration::from_micros(20),
        QUICK_RETRIES..GIVE_UP_AFTER => std::time::Duration::from_millis(1),
        _ => return false,
    };
    std::thread::sleep(pause);
    true
}

/// A connection to the database file at `path` (created if missing) with
/// the pragmas of every server database, the helper's too: WAL, a durable
/// commit, foreign keys, and freed pages overwritten. A file that is not a
/// database, or fails SQLite's quick integrity check, is refused before
/// anything is written to it ([`ServerError::DatabaseDamaged`]).
pub(crate) fn open_connection(path: &Path) -> Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    check_integrity(&connection, path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.pragma_update(None, "secure_delete", "ON")?;
    connection.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(connection)
}

/// SQLite's quick check of the whole file (every page and index entry
/// readable and in order; it reads the file once, a second or so per
/// gigabyte): `ok`, or the first problem as [`ServerError::DatabaseDamaged`].
pub(crate) fn check_integrity(connection: &Connection, path: &Path) -> Result<()> {
    let damaged = |detail: String| ServerError::DatabaseDamaged { path: path.display().to_string(), detail };
    let first: rusqlite::Result<String> = connection.query_row("PRAGMA quick_check(1)", [], |row| row.get(0));
    match first {
        Ok(verdict) if verdict == "ok" => Ok(()),
        Ok(problem) => Err(damaged(problem)),
        Err(rusqlite::Error::SqliteFailure(failure, message))
            if matches!(
                failure.code,
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
            ) =>
        {
            Err(damaged(message.unwrap_or_else(|| failure.to_string())))
        }
        Err(error) => Err(error.into()),
    }
}

/// Refuses a database of a newer polso-server ([`ServerError::DatabaseTooNew`]), before anything
/// migrates or writes it.
pub(crate) fn refuse_newer_schema(connection: &Connection) -> Result<()> {
    let found: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let found = usize::try_from(found).unwrap_or(usize::MAX);
    if found > SCHEMA_VERSION {
        return Err(ServerError::DatabaseTooNew { found, supported: SCHEMA_VERSION });
    }
    Ok(())
}

/// The columns `organisation_from_row` reads, in order.
const ORGANISATION_COLUMNS: &str =
    "id, name, seed, k, dp_epsilon_numerator, dp_epsilon_denominator, dp_release";

fn organisation_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OrganisationRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
}

/// An organisation's questionnaire plan, from its adoptions.
fn load_questionnaire(connection: &Connection, organisation_id: &str) -> Result<QuestionnairePlan> {
    let mut statement = connection.prepare_cached(
        "SELECT from_week, edition, who5 FROM questionnaire_adoptions
         WHERE organisation_id = ?1 ORDER BY from_week IS NOT NULL, from_week",
    )?;
    let rows = statement
        .query_map([organisation_id], |row| {
            Ok((row.get::<_, Option<i64>>(0)?, row.get::<_, u32>(1)?, row.get::<_, bool>(2)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    questionnaire_plan(organisation_id, rows)
}

fn write_questionnaire(
    connection: &Connection,
    organisation_id: &str,
    plan: &QuestionnairePlan,
) -> Result<()> {
    connection
        .execute("DELETE FROM questionnaire_adoptions WHERE organisation_id = ?1", [organisation_id])?;
    let adoptions = std::iter::once((None, plan.first()))
        .chain(plan.adoptions().iter().map(|adoption| (Some(adoption.from.index()), adoption.questionnaire)));
    for (week, questionnaire) in adoptions {
        connection.execute(
            "INSERT INTO questionnaire_adoptions (organisation_id, from_week, edition, who5)
             VALUES (?1, ?2, ?3, ?4)",
            params![organisation_id, week, questionnaire.edition, questionnaire.who5],
        )?;
    }
    Ok(())
}

fn load_organisation(connection: &Connection, organisation_id: &str) -> Result<Option<Organisation>> {
    let organisation = connection
        .query_row(
            &format!("SELECT {ORGANISATION_COLUMNS} FROM organisations WHERE id = ?1"),
            [organisation_id],
            organisation_from_row,
        )
        .optional()?
        .map(organisation_from_parts)
        .transpose()?;
    organisation
        .map(|organisation| {
            let questionnaire = load_questionnaire(connection, &organisation.id)?;
            Ok(Organisation { questionnaire, ..organisation })
        })
        .transpose()
}

fn not_found(what: &str, id: &str) -> ServerError {
    ServerError::NotFound(format!("there is no {what} '{id}'"))
}

/// Folds `batch` in one transaction, each report in its own savepoint, and
/// sends each its outcome; a failed commit fails every report of the batch (with
/// the server's storage-full error when the disk is full, which devices try again).
fn fold_batch(connection: &mut Connection, batch: Vec<PendingFold>) {
    let mut outcomes: Vec<Result<FoldOutcome>> = Vec::with_capacity(batch.len());
    let committed = (|| -> Result<()> {
        let mut transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for pending in &batch {
            let savepoint = transaction.savepoint()?;
            let outcome = fold_in_transaction(&savepoint, &pending.fold);
            if outcome.is_ok() {
                savepoint.commit()?;
            }
            // A refused report's savepoint rolls back when dropped.
            outcomes.push(outcome);
        }
        transaction.commit()?;
        Ok(())
    })();
    match committed {
        Ok(()) => {
            // The batch is committed, so its reports are counted and answered so. Should the
            // log not empty (a disk too full for the checkpoint to grow the database), the
            // next commit tries again; the administrator is told meanwhile.
            if let Err(error) = truncate_wal(connection) {
                tracing::error!(%error, "the write-ahead log could not be emptied after a commit");
            }
            for (pending, outcome) in batch.into_iter().zip(outcomes) {
                pending.answer(outcome);
            }
        }
        Err(error) => crate::group_commit::fail_group(batch, error, "folding a batch of reports"),
    }
}

/// Checkpoints the WAL into the database and truncates it, so a copy of the
/// files holds only the current state, never the commits that led to it.
/// See [`truncate_wal_within`]; it waits up to five seconds.
pub(crate) fn truncate_wal(connection: &Connection) -> Result<()> {
    truncate_wal_within(connection, std::time::Duration::from_secs(5))
}

/// [`truncate_wal`], retried for up to `patience` while another connection
/// keeps the checkpoint from finishing: another process's checkpoint under
/// way (SQLite then answers busy at once, without its busy handler), or a
/// reader of an older snapshot. Past `patience` it is an error, never taken
/// for an empty WAL, so a group of reports is not acknowledged while the WAL
/// still holds their commit.
fn truncate_wal_within(connection: &Connection, patience: std::time::Duration) -> Result<()> {
    let deadline = std::time::Instant::now() + patience;
    loop {
        let busy: i64 = connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
        if busy == 0 {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(ServerError::BlockingTask(
                "another connection to the database kept its WAL from being truncated".to_owned(),
            ));
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

/// Records the receipt and folds the contributions inside the open
/// transaction or savepoint `transaction`;
/// the caller commits. See [`ServerStore::fold_report`](crate::store::ServerStore::fold_report).
fn fold_in_transaction(transaction: &Connection, fold: &ReportFold) -> Result<FoldOutcome> {
    let published_at: Option<String> = transaction
        .query_row(
            "SELECT published_at FROM publications WHERE organisation_id = ?1 AND week_index = ?2",
            params![fold.organisation_id, fold.week.index()],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(published_at) = published_at {
        return Err(ServerError::WeekPublished { week: fold.week.to_string(), published_at });
    }
    let counted_before: Option<i64> = transaction
        .query_row("SELECT 1 FROM report_receipts WHERE receipt = ?1", [&fold.receipt[..]], |row| row.get(0))
        .optional()?;
    if counted_before.is_some() {
        return Ok(FoldOutcome::AlreadyCounted);
    }
    transaction.execute(
        "INSERT INTO report_receipts (receipt, organisation_id, week_index) VALUES (?1, ?2, ?3)",
        params![&fold.receipt[..], fold.organisation_id, fold.week.index()],
    )?;
    let week_index = fold.week.index();
    // One upsert per value, added in SQL: n, the sums, and the value's bin
    // of the histogram's JSON array (a new row starts from an array of zeros
    // with that bin at 1). A stored histogram too short for the bin changes
    // nothing and is reported, never silently skipped.
    let mut add = transaction.prepare_cached(
        "INSERT INTO aggregates (team_id, week_index, key, n, sum, sum_squares, histogram)
         VALUES (?1, ?2, ?3, 1, ?4, ?4 * ?4, ?5)
         ON CONFLICT (team_id, week_index, key) DO UPDATE SET
             n = n + 1, sum = sum + excluded.sum, sum_squares = sum_squares + excluded.sum_squares,
             histogram = json_set(histogram, '$[' || ?6 || ']', json_extract(histogram, '$[' || ?6 || ']') + 1)
         WHERE json_array_length(histogram) > ?6",
    )?;
    for contribution in &fold.contributions {
        if contribution.bin >= contribution.n_bins {
            return Err(ServerError::CorruptData(format!(
                "histogram of {} has no bin {}",
                contribution.key, contribution.bin
            )));
        }
        let mut fresh = vec![0_u32; contribution.n_bins];
        fresh[contribution.bin] = 1;
        let fresh = serde_json::to_string(&fresh)
            .map_err(|error| ServerError::CorruptData(format!("histogram: {error}")))?;
        let bin = i64::try_from(contribution.bin).unwrap_or(i64::MAX);
        let changed =
            add.execute(params![fold.team_id, week_index, contribution.key, contribution.value, fresh, bin])?;
        if changed == 0 {
            return Err(ServerError::CorruptData(format!(
                "histogram of {} has no bin {}",
                contribution.key, contribution.bin
            )));
        }
    }
    Ok(FoldOutcome::Counted)
}

#[cfg(test)]
mod tests {
    use polso_core::anonymity::Threshold;
    use polso_core::questionnaire::QuestionnairePlan;

    use super::store::{PUBLISHED_CELLS_OF_UNITS_SQL, PUBLISHED_CELLS_SQL};
    use super::*;
    use crate::store::{Contribution, PrivacySetting, ServerStore};

    /// The published cells are read along the primary key: every team's by
    /// a range of weeks, some units' by point lookups, never by a scan.
    #[test]
    fn published_cells_are_read_along_the_primary_key() {
        let directory = tempfile::tempdir().unwrap();
        let store = SqliteServerStore::open(&directory.path().join("server.db")).unwrap();
        let connection = store.connection();
        let plan = |sql: &str, units: Option<&str>| -> String {
            let mut statement = connection.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = statement
                .query_map(params!["org", "trust", 2_700, 2_751, units], |row| row.get::<_, String>(3))
                .unwrap();
            rows.collect::<rusqlite::Result<Vec<_>>>().unwrap().join("\n")
        };
        let every_unit = plan(PUBLISHED_CELLS_SQL, None);
        assert!(
            every_unit.contains("published_cells USING PRIMARY KEY (organisation_id=? AND key=? AND week_index>? AND week_index<?)"),
            "{every_unit}"
        );
        let some_units = plan(PUBLISHED_CELLS_OF_UNITS_SQL, Some(r#"["org"]"#));
        assert!(
            some_units.contains(
                "SEARCH p USING PRIMARY KEY (organisation_id=? AND key=? AND week_index=? AND unit_id=?)"
            ),
            "{some_units}"
        );
        assert!(!some_units.contains("SCAN p"), "{some_units}");
        assert!(!every_unit.contains("TEMP B-TREE") && !some_units.contains("TEMP B-TREE"), "sorted");
    }

    /// The writer and every reader run in WAL mode (reads neither wait for
    /// a commit nor hold one up) with `synchronous=FULL` (an acknowledged
    /// report survives a power cut). The fault suite's power-cut test catches
    /// a lost commit; this names the pragma. Mutation checked: it fails with
    /// `journal_mode=DELETE` and with `synchronous=OFF` in `open_connection`, and without
    /// `temp_store=MEMORY` on the writer or the readers (plain SQLite's default is a file).
    #[test]
    fn every_connection_runs_in_wal_mode_with_full_syncs() {
        let directory = tempfile::tempdir().unwrap();
        let store = SqliteServerStore::open(&directory.path().join("server.db")).unwrap();
        let pragmas = |connection: &Connection| {
            let journal_mode: String =
                connection.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
            let synchronous: i64 = connection.query_row("PRAGMA synchronous", [], |row| row.get(0)).unwrap();
            (journal_mode, synchronous)
        };
        assert_eq!(pragmas(&store.connection()), ("wal".to_owned(), 2), "the writer: WAL, FULL");
        let temp_store = |connection: &Connection| -> i64 {
            connection.pragma_query_value(None, "temp_store", |row| row.get(0)).unwrap()
        };
        for _ in 0..READERS {
            let reader = store.reader();
            assert_eq!(pragmas(&reader).0, "wal", "a reader");
            assert_eq!(temp_store(&reader), 2, "a reader sorts in memory");
        }
        // What it sorts and its temporary tables stay in memory, and what it deletes is
        // overwritten, whatever SQLite build the server links (plain SQLite's default temporary
        // store is a file).
        let connection = store.connection();
        let pragma =
            |name: &str| -> i64 { connection.pragma_query_value(None, name, |row| row.get(0)).unwrap() };
        assert_eq!(
            (pragma("temp_store"), pragma("secure_delete")),
            (2, 1),
            "temp_store=MEMORY, secure_delete"
        );
    }

    /// The store in `directory`, with one organisation of one team (created
    /// when missing).
    fn store_with_a_team(directory: &Path) -> SqliteServerStore {
        let store = SqliteServerStore::open(&directory.join("server.db")).unwrap();
        if store.organisation("org_group").is_err() {
            store
                .create_organisation(&Organisation {
                    id: "org_group".to_owned(),
                    name: "Gruppo".to_owned(),
                    seed: 7,
                    k: Threshold::DEFAULT,
                    privacy: PrivacySetting::default(),
                    questionnaire: QuestionnairePlan::legacy(),
                })
                .unwrap();
            store.add_department("org_group", "dep_group", "Vendite").unwrap();
            store.add_team("dep_group", "team_group", "Nord").unwrap();
        }
        store
    }

    /// `device`'s report for the team of [`store_with_a_team`].
    fn fold(device: u8) -> ReportFold {
        ReportFold {
            receipt: [device; 32],
            organisation_id: "org_group".to_owned(),
            team_id: "team_group".to_owned(),
            week: "2026-W10".parse().unwrap(),
            contributions: vec![Contribution { key: "item:x".to_owned(), value: 3.0, bin: 2, n_bins: 5 }],
        }
    }

    /// Reports that arrive while the connection is busy wait in the queue
    /// and are then folded together in one commit, not one commit each
    /// (which is what a queue whose waiters each took the connection in turn
    /// did), and each is answered with its own outcome.
    #[test]
    fn reports_that_arrive_while_the_connection_is_busy_share_one_commit() {
        let directory = tempfile::tempdir().unwrap();
        let store = store_with_a_team(directory.path());
        let started = std::sync::Barrier::new(21);
        let outcomes = std::thread::scope(|scope| {
            let busy = store.connection();
            let senders: Vec<_> = (0..20u8)
                .map(|device| {
                    let (store, started) = (&store, &started);
                    scope.spawn(move || {
                        started.wait();
                        store.fold_report(&fold(device % 10)).unwrap()
                    })
                })
                .collect();
            // Every sender running, then long enough for each to queue its
            // report behind the held connection.
            started.wait();
            std::thread::sleep(std::time::Duration::from_millis(300));
            drop(busy);
            senders.into_iter().map(|sender| sender.join().unwrap()).collect::<Vec<_>>()
        });
        let counted = outcomes.iter().filter(|outcome| **outcome == FoldOutcome::Counted).count();
        assert_eq!(counted, 10, "ten devices, each sent twice: {outcomes:?}");
        // One commit, or two on a machine so loaded that a sender queued
        // late; one commit per report (twenty) is what grouping prevents.
        let commits = store.folds.groups();
        assert!((1..=2).contains(&commits), "twenty queued reports, {commits} commits");
        let n: i64 = store.connection().query_row("SELECT n FROM aggregates", [], |row| row.get(0)).unwrap();
        assert_eq!(n, 10);
        let wal = directory.path().join("server.db-wal");
        assert_eq!(std::fs::metadata(wal).map(|meta| meta.len()).unwrap_or(0), 0, "the WAL is truncated");
    }

    /// Closing the store ends its writer and closes the file: the same file
    /// opens again at once and holds what was folded.
    #[test]
    fn a_closed_store_leaves_no_writer_behind() {
        let directory = tempfile::tempdir().unwrap();
        let store = store_with_a_team(directory.path());
        assert_eq!(store.fold_report(&fold(1)).unwrap(), FoldOutcome::Counted);
        drop(store);
        let again = store_with_a_team(directory.path());
        assert_eq!(again.fold_report(&fold(1)).unwrap(), FoldOutcome::AlreadyCounted);
        assert_eq!(again.fold_report(&fold(2)).unwrap(), FoldOutcome::Counted);
    }

    /// A reader that holds an older snapshot past the busy handler keeps the
    /// WAL from being truncated: that is an error, never taken for an empty
    /// WAL (the group's reports are then answered with it, not acknowledged).
    #[test]
    fn a_wal_that_cannot_be_truncated_is_an_error() {
        let directory = tempfile::tempdir().unwrap();
        let store = store_with_a_team(directory.path());
        assert_eq!(store.fold_report(&fold(1)).unwrap(), FoldOutcome::Counted);
        let reader = Connection::open(directory.path().join("server.db")).unwrap();
        reader.execute_batch("BEGIN; SELECT count(*) FROM aggregates;").unwrap();
        let connection = store.connection();
        connection.execute("UPDATE aggregates SET n = n + 1", []).unwrap();
        connection.busy_handler(Some(|retries| retries < 3)).unwrap();
        let truncated = truncate_wal_within(&connection, std::time::Duration::from_millis(50));
        assert!(matches!(truncated, Err(ServerError::BlockingTask(_))), "{truncated:?}");
        reader.execute_batch("COMMIT").unwrap();
        truncate_wal(&connection).unwrap();
        let wal = directory.path().join("server.db-wal");
        assert_eq!(std::fs::metadata(wal).map(|meta| meta.len()).unwrap_or(0), 0, "the WAL is truncated");
    }
}
