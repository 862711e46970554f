//! [`Store`]: one connection to the encrypted SQLite file, and the typed reads
//! and writes of pulses and settings.
//!
//! Opening follows a fixed order, so that a file this code cannot or must not
//! change is left byte-for-byte as it was: give the key, prove the key reads the
//! file, refuse a newer schema, and only then set the pragmas that write
//! (`journal_mode=WAL`) and run the migrations.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use polso_core::{Answer, IsoWeek, ItemId, Metric, MetricScore, WorkWeek};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::key::StoreKey;
use crate::migrations::{MIGRATIONS, SCHEMA_VERSION};
use crate::{Result, SavedPulse, StoreError};

/// How long a statement waits for a lock held by another connection (another
/// Polso process, or a backup tool) before it fails with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The local store: one open, keyed and migrated connection.
///
/// Every write runs in one transaction, committed with `synchronous=FULL`, so a
/// saved pulse survives a crash or a power cut the moment `save_pulse` returns.
#[derive(Debug)]
pub struct Store {
    pub(crate) connection: Connection,
    pub(crate) path: PathBuf,
}

impl Store {
    /// Opens the store at `path` with `key`, creating the file when it is missing,
    /// and brings its schema up to date.
    ///
    /// Most callers want [`open_store`](crate::open_store), which also fetches the
    /// key from the keyring and refuses to create a store beside an existing one.
    pub fn open(path: &Path, key: &StoreKey) -> Result<Store> {
        Store::open_with_flags(path, key, OpenFlags::SQLITE_OPEN_CREATE)
    }

    /// Opens the store at `path` with `key` only if the file exists.
    pub(crate) fn open_existing(path: &Path, key: &StoreKey) -> Result<Store> {
        Store::open_with_flags(path, key, OpenFlags::empty())
    }

    fn open_with_flags(path: &Path, key: &StoreKey, extra_flags: OpenFlags) -> Result<Store> {
        // Not SQLITE_OPEN_URI: the path is a file name, never a URI with options.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | extra_flags;
        let open_error = |source| StoreError::Open { path: path.to_owned(), source };
        let mut connection = Connection::open_with_flags(path, flags).map_err(open_error)?;
        let store_path = path.to_owned();

        // The key must be the first statement on the connection. Setting it reads
        // nothing yet; SQLCipher checks it on the first read below.
        connection.execute_batch(&key.pragma_key_statement()).map_err(open_error)?;

        // Connection settings that do not write to the file.
        connection.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        connection.pragma_update(None, "foreign_keys", true).map_err(open_error)?;
        // Every `transaction()` takes the write lock at BEGIN, so a write never
        // fails half-way with "database is locked" when upgrading a read lock.
        connection.set_transaction_behavior(TransactionBehavior::Immediate);

        // The first read: proves the key decrypts the file, or finds a damaged file.
        let schema_version = read_schema_version(&connection, path)?;
        if schema_version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: store_path,
                found: schema_version,
                supported: SCHEMA_VERSION,
            });
        }

        let sqlite_error = |action: &str| {
            let path = path.to_owned();
            let action = action.to_owned();
            move |source| StoreError::Sqlite { path, action, source }
        };
        // Write-ahead logging lets the UI read while a save commits; FULL makes
        // each commit durable (NORMAL could lose the last commits on power loss).
        let journal_mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(sqlite_error("Switching to write-ahead logging"))?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWriteAheadLog { path: store_path, journal_mode });
        }
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(sqlite_error("Setting synchronous=FULL"))?;

        MIGRATIONS
            .to_latest(&mut connection)
            .map_err(|source| StoreError::Migration { path: path.to_owned(), source })?;

        Ok(Store { connection, path: store_path })
    }

    /// The database file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Saves a week's pulse, replacing whatever was saved for that week before:
    /// answers, scores, work week and note change together or not at all.
    pub fn save_pulse(&mut self, pulse: &SavedPulse) -> Result<()> {
        let week_text = pulse.week.to_string();
        for score in &pulse.scores {
            if !score.score.is_finite() {
                return Err(StoreError::NonFiniteScore {
                    week: week_text,
                    metric: score.metric.key(),
                    score: score.score,
                });
            }
        }
        let action = format!("Saving the pulse for {week_text}");
        let sqlite_error =
            |source| StoreError::Sqlite { path: self.path.clone(), action: action.clone(), source };

        let transaction = self.connection.transaction().map_err(sqlite_error)?;
        {
            // An upsert, not a delete and insert: deleting the pulse row would
            // cascade to rows that hang off it, such as a queued report.
            transaction
                .prepare_cached(
                    "INSERT INTO pulses (week, week_index, office_days, remote_days, note, saved_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (week) DO UPDATE SET
                         week_index = excluded.week_index,
                         office_days = excluded.office_days,
                         remote_days = excluded.remote_days,
                         note = excluded.note,
                         saved_at = excluded.saved_at",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        week_text,
                        pulse.week.index(),
                        pulse.work_week.map(|work_week| work_week.office_days),
                        pulse.work_week.map(|work_week| work_week.remote_days),
                        pulse.note,
                        format_timestamp(pulse.saved_at),
                    ])
                })
                .map_err(sqlite_error)?;
            transaction.execute("DELETE FROM answers WHERE week = ?1", [&week_text]).map_err(sqlite_error)?;
            transaction
                .execute("DELETE FROM metric_scores WHERE week = ?1", [&week_text])
                .map_err(sqlite_error)?;

            let mut insert_answer = transaction
                .prepare_cached("INSERT INTO answers (week, item_id, value) VALUES (?1, ?2, ?3)")
                .map_err(sqlite_error)?;
            for answer in &pulse.answers {
                insert_answer
                    .execute(params![week_text, answer.item.as_str(), answer.value])
                    .map_err(sqlite_error)?;
            }
            let mut insert_score = transaction
                .prepare_cached("INSERT INTO metric_scores (week, metric, score) VALUES (?1, ?2, ?3)")
                .map_err(sqlite_error)?;
            for score in &pulse.scores {
                insert_score
                    .execute(params![week_text, score.metric.key(), score.score])
                    .map_err(sqlite_error)?;
            }
            transaction
                .execute("DELETE FROM not_applicable WHERE week = ?1", [&week_text])
                .map_err(sqlite_error)?;
            let mut insert_not_applicable = transaction
                .prepare_cached("INSERT INTO not_applicable (week, item_id) VALUES (?1, ?2)")
                .map_err(sqlite_error)?;
            for item in &pulse.not_applicable {
                insert_not_applicable.execute(params![week_text, item.as_str()]).map_err(sqlite_error)?;
            }
        }
        transaction.commit().map_err(sqlite_error)
    }

    /// The pulse saved for `week`, if there is one.
    pub fn pulse_for_week(&self, week: IsoWeek) -> Result<Option<SavedPulse>> {
        let week_text = week.to_string();
        let action = format!("Reading the pulse for {week_text}");
        let sqlite_error =
            |source| StoreError::Sqlite { path: self.path.clone(), action: action.clone(), source };

        // One read transaction, so the pulse and its rows come from one snapshot.
        let transaction = self.read_transaction().map_err(sqlite_error)?;
        let pulse_row = transaction
            .prepare_cached(&format!("SELECT {PULSE_COLUMNS} FROM pulses WHERE week = ?1"))
            .and_then(|mut statement| statement.query_row([&week_text], PulseRow::from_row).optional())
            .map_err(|error| self.read_error("pulses", error, &action))?;
        let Some(pulse_row) = pulse_row else {
            return Ok(None);
        };
        let answer_rows = transaction
            .prepare_cached(&format!("SELECT {ANSWER_COLUMNS} FROM answers WHERE week = ?1 ORDER BY rowid"))
            .and_then(|mut statement| {
                statement.query_map([&week_text], AnswerRow::from_row)?.collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|error| self.read_error("answers", error, &action))?;
        let score_rows = transaction
            .prepare_cached(&format!(
                "SELECT {SCORE_COLUMNS} FROM metric_scores WHERE week = ?1 ORDER BY rowid"
            ))
            .and_then(|mut statement| {
                statement.query_map([&week_text], ScoreRow::from_row)?.collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|error| self.read_error("metric_scores", error, &action))?;
        let not_applicable = transaction
            .prepare_cached("SELECT item_id FROM not_applicable WHERE week = ?1 ORDER BY rowid")
            .and_then(|mut statement| {
                statement
                    .query_map([&week_text], |row| row.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|error| self.read_error("not_applicable", error, &action))?;
        drop(transaction);

        self.assemble_pulse(pulse_row, answer_rows, score_rows, not_applicable).map(Some)
    }

    /// Every saved pulse, oldest week first.
    pub fn history(&self) -> Result<Vec<SavedPulse>> {
        let action = "Reading the pulse history";
        let sqlite_error =
            |source| StoreError::Sqlite { path: self.path.clone(), action: action.to_owned(), source };

        let transaction = self.read_transaction().map_err(sqlite_error)?;
        let pulse_rows = transaction
            .prepare_cached(&format!("SELECT {PULSE_COLUMNS} FROM pulses ORDER BY week_index"))
            .and_then(|mut statement| {
                statement.query_map([], PulseRow::from_row)?.collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|error| self.read_error("pulses", error, action))?;
        let mut answers_by_week: HashMap<String, Vec<AnswerRow>> = HashMap::new();
        transaction
            .prepare_cached(&format!("SELECT {ANSWER_COLUMNS} FROM answers ORDER BY rowid"))
            .and_then(|mut statement| {
                for answer_row in statement.query_map([], AnswerRow::from_row)? {
                    let answer_row = answer_row?;
                    answers_by_week.entry(answer_row.week.clone()).or_default().push(answer_row);
                }
                Ok(())
            })
            .map_err(|error| self.read_error("answers", error, action))?;
        let mut scores_by_week: HashMap<String, Vec<ScoreRow>> = HashMap::new();
        transaction
            .prepare_cached(&format!("SELECT {SCORE_COLUMNS} FROM metric_scores ORDER BY rowid"))
            .and_then(|mut statement| {
                for score_row in statement.query_map([], ScoreRow::from_row)? {
                    let score_row = score_row?;
                    scores_by_week.entry(score_row.week.clone()).or_default().push(score_row);
                }
                Ok(())
            })
            .map_err(|error| self.read_error("metric_scores", error, action))?;
        let mut not_applicable_by_week: HashMap<String, Vec<String>> = HashMap::new();
        transaction
            .prepare_cached("SELECT week, item_id FROM not_applicable ORDER BY rowid")
            .and_then(|mut statement| {
                for row in
                    statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?
                {
                    let (week, item_id) = row?;
                    not_applicable_by_week.entry(week).or_default().push(item_id);
                }
                Ok(())
            })
            .map_err(|error| self.read_error("not_applicable", error, action))?;
        drop(transaction);

        pulse_rows
            .into_iter()
            .map(|pulse_row| {
                let answer_rows = answers_by_week.remove(&pulse_row.week).unwrap_or_default();
                let score_rows = scores_by_week.remove(&pulse_row.week).unwrap_or_default();
                let not_applicable = not_applicable_by_week.remove(&pulse_row.week).unwrap_or_default();
                self.assemble_pulse(pulse_row, answer_rows, score_rows, not_applicable)
            })
            .collect()
    }

    /// The value of the setting `key`, if it was ever set.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.connection
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")
            .and_then(|mut statement| statement.query_row([key], |row| row.get::<_, String>(0)).optional())
            .map_err(|error| self.read_error("settings", error, &format!("Reading the setting '{key}'")))
    }

    /// Sets the setting `key` to `value`, replacing any earlier value.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.connection
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .and_then(|mut statement| statement.execute([key, value]))
            .map(|_| ())
            .map_err(|source| StoreError::Sqlite {
                path: self.path.clone(),
                action: format!("Saving the setting '{key}'"),
                source,
            })
    }

    /// Sets several settings at once, in one transaction: all of them change or none.
    pub fn set_settings(&mut self, values: &[(&str, &str)]) -> Result<()> {
        let sqlite_error = |source| StoreError::Sqlite {
            path: self.path.clone(),
            action: "Saving several settings".to_owned(),
            source,
        };
        let transaction = self.connection.transaction().map_err(sqlite_error)?;
        {
            let mut statement = transaction
                .prepare_cached(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .map_err(sqlite_error)?;
            for (key, value) in values {
                statement.execute([key, value]).map_err(sqlite_error)?;
            }
        }
        transaction.commit().map_err(sqlite_error)
    }

    /// Forgets the settings `keys`, in one transaction; a key never set is no error.
    pub fn remove_settings(&mut self, keys: &[&str]) -> Result<()> {
        let sqlite_error = |source| StoreError::Sqlite {
            path: self.path.clone(),
            action: "Removing settings".to_owned(),
            source,
        };
        let transaction = self.connection.transaction().map_err(sqlite_error)?;
        {
            let mut statement =
                transaction.prepare_cached("DELETE FROM settings WHERE key = ?1").map_err(sqlite_error)?;
            for key in keys {
                statement.execute([key]).map_err(sqlite_error)?;
            }
        }
        transaction.commit().map_err(sqlite_error)
    }

    /// A deferred transaction for reading several tables from one snapshot. It
    /// takes no write lock, unlike `transaction()`, which this connection makes
    /// IMMEDIATE for writes.
    fn read_transaction(&self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        rusqlite::Transaction::new_unchecked(&self.connection, TransactionBehavior::Deferred)
    }

    /// Turns a read failure into an error that names the table and column when
    /// the cause is a value of the wrong type, rather than a plain SQLite error.
    pub(crate) fn read_error(&self, table: &'static str, error: rusqlite::Error, action: &str) -> StoreError {
        match error {
            rusqlite::Error::InvalidColumnType(_, column, found_type) => StoreError::CorruptRow {
                path: self.path.clone(),
                table,
                column,
                detail: format!("a value of type {found_type}"),
            },
            rusqlite::Error::FromSqlConversionFailure(_, found_type, cause) => StoreError::CorruptRow {
                path: self.path.clone(),
                table,
                column: "?".to_owned(),
                detail: format!("a value of type {found_type} that does not convert: {cause}"),
            },
            source => StoreError::Sqlite { path: self.path.clone(), action: action.to_owned(), source },
        }
    }

    pub(crate) fn corrupt(&self, table: &'static str, column: &str, detail: String) -> StoreError {
        StoreError::CorruptRow { path: self.path.clone(), table, column: column.to_owned(), detail }
    }

    /// Parses raw rows into a [`SavedPulse`], strictly: a value that is not
    /// exactly what `save_pulse` writes is reported, never guessed at.
    fn assemble_pulse(
        &self,
        pulse_row: PulseRow,
        answer_rows: Vec<AnswerRow>,
        score_rows: Vec<ScoreRow>,
        not_applicable: Vec<String>,
    ) -> Result<SavedPulse> {
        let week = parse_week(&pulse_row.week).map_err(|detail| self.corrupt("pulses", "week", detail))?;
        if pulse_row.week_index != week.index() {
            return Err(self.corrupt(
                "pulses",
                "week_index",
                format!(
                    "{} does not match week {week}, whose index is {}",
                    pulse_row.week_index,
                    week.index()
                ),
            ));
        }
        let day_count = |column: &str, days: i64| {
            u8::try_from(days)
                .map_err(|_| self.corrupt("pulses", column, format!("{days} is not a day count")))
        };
        let work_week = match (pulse_row.office_days, pulse_row.remote_days) {
            (Some(office_days), Some(remote_days)) => Some(WorkWeek {
                office_days: day_count("office_days", office_days)?,
                remote_days: day_count("remote_days", remote_days)?,
            }),
            (None, None) => None,
            _ => {
                return Err(self.corrupt(
                    "pulses",
                    "office_days",
                    "office_days and remote_days must be both set or both empty".to_owned(),
                ));
            }
        };
        let saved_at = parse_timestamp(&pulse_row.saved_at)
            .map_err(|detail| self.corrupt("pulses", "saved_at", detail))?;

        let answers = answer_rows
            .into_iter()
            .map(|answer_row| {
                let value = u8::try_from(answer_row.value).map_err(|_| {
                    self.corrupt(
                        "answers",
                        "value",
                        format!("{} is not an answer value (0 to 255)", answer_row.value),
                    )
                })?;
                Ok(Answer { item: ItemId(answer_row.item_id), value })
            })
            .collect::<Result<Vec<_>>>()?;
        let scores = score_rows
            .into_iter()
            .map(|score_row| {
                let metric = Metric::from_key(&score_row.metric).ok_or_else(|| {
                    self.corrupt(
                        "metric_scores",
                        "metric",
                        format!("'{}' is not a known metric", score_row.metric),
                    )
                })?;
                if !score_row.score.is_finite() {
                    return Err(self.corrupt(
                        "metric_scores",
                        "score",
                        format!("{} is not finite", score_row.score),
                    ));
                }
                Ok(MetricScore { metric, score: score_row.score })
            })
            .collect::<Result<Vec<_>>>()?;

        Ok(SavedPulse {
            week,
            answers,
            scores,
            not_applicable: not_applicable.into_iter().map(ItemId).collect(),
            work_week,
            note: pulse_row.note,
            saved_at,
        })
    }
}

/// The first reads on a new connection, before anything is written: proves the
/// key decrypts the file (a wrong key or a file that is not an SQLCipher database
/// fails with SQLITE_NOTADB), checks every page with `PRAGMA quick_check` (a
/// truncated or damaged file fails here rather than on some later read), and
/// returns the schema version from `user_version`.
///
/// The store is small (a few hundred kilobytes after years of weekly pulses), so
/// checking every page at open costs milliseconds.
fn read_schema_version(connection: &Connection, path: &Path) -> Result<usize> {
    let wrong_key_or_corrupt = || StoreError::WrongKeyOrCorrupt { path: path.to_owned() };
    let classify = |error: rusqlite::Error| match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => wrong_key_or_corrupt(),
        _ => StoreError::Open { path: path.to_owned(), source: error },
    };
    connection
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0))
        .map_err(classify)?;
    let quick_check: String =
        connection.query_row("PRAGMA quick_check", [], |row| row.get(0)).map_err(classify)?;
    if quick_check != "ok" {
        return Err(wrong_key_or_corrupt());
    }
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(classify)?;
    usize::try_from(version).map_err(|_| StoreError::CorruptRow {
        path: path.to_owned(),
        table: "(header)",
        column: "user_version".to_owned(),
        detail: format!("{version} is not a schema version"),
    })
}

/// A week exactly as `IsoWeek`'s `Display` writes it; the lenient forms that
/// `FromStr` also accepts ("2026-w48", " 2026-W48") are not what the store wrote.
pub(crate) fn parse_week(text: &str) -> std::result::Result<IsoWeek, String> {
    let week: IsoWeek = text.parse().map_err(|error| format!("{error}"))?;
    if week.to_string() != text {
        return Err(format!("'{text}' is not in the canonical form {week}"));
    }
    Ok(week)
}

/// RFC 3339 in UTC with as many fractional digits as needed, so the instant
/// round-trips to the nanosecond.
pub(crate) fn format_timestamp(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub(crate) fn parse_timestamp(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|error| format!("'{text}' is not an RFC 3339 time: {error}"))
}

/// The columns of `pulses`, in the order [`PulseRow::from_row`] reads them.
const PULSE_COLUMNS: &str = "week, week_index, office_days, remote_days, note, saved_at";
/// The columns of `answers`, in the order [`AnswerRow::from_row`] reads them.
const ANSWER_COLUMNS: &str = "week, item_id, value";
/// The columns of `metric_scores`, in the order [`ScoreRow::from_row`] reads them.
const SCORE_COLUMNS: &str = "week, metric, score";

/// A `pulses` row as SQLite types; parsed into domain types in `assemble_pulse`.
struct PulseRow {
    week: String,
    week_index: i64,
    office_days: Option<i64>,
    remote_days: Option<i64>,
    note: Option<String>,
    saved_at: String,
}

impl PulseRow {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PulseRow> {
        Ok(PulseRow {
            week: row.get(0)?,
            week_index: row.get(1)?,
            office_days: row.get(2)?,
            remote_days: row.get(3)?,
            note: row.get(4)?,
            saved_at: row.get(5)?,
        })
    }
}

/// An `answers` row as SQLite types.
struct AnswerRow {
    week: String,
    item_id: String,
    value: i64,
}

impl AnswerRow {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AnswerRow> {
        Ok(AnswerRow { week: row.get(0)?, item_id: row.get(1)?, value: row.get(2)? })
    }
}

/// A `metric_scores` row as SQLite types.
struct ScoreRow {
    week: String,
    metric: String,
    score: f64,
}

impl ScoreRow {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ScoreRow> {
        Ok(ScoreRow { week: row.get(0)?, metric: row.get(1)?, score: row.get(2)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_connection_gets_its_pragmas() {
        let folder = tempfile::tempdir().unwrap();
        let store = Store::open(&folder.path().join("polso.db"), &StoreKey::generate().unwrap()).unwrap();
        let text_pragma = |name: &str| {
            store.connection.query_row(&format!("PRAGMA {name}"), [], |row| row.get::<_, String>(0)).unwrap()
        };
        let number_pragma = |name: &str| {
            store.connection.query_row(&format!("PRAGMA {name}"), [], |row| row.get::<_, i64>(0)).unwrap()
        };
        assert_eq!(text_pragma("journal_mode"), "wal");
        assert_eq!(number_pragma("synchronous"), 2, "FULL");
        assert_eq!(number_pragma("foreign_keys"), 1);
        assert_eq!(number_pragma("busy_timeout"), 5000);
        assert_eq!(number_pragma("user_version"), i64::try_from(SCHEMA_VERSION).unwrap());
    }

    #[test]
    fn timestamps_round_trip_to_the_nanosecond() {
        let instant =
            DateTime::parse_from_rfc3339("2026-11-23T09:05:07.123456789Z").unwrap().with_timezone(&Utc);
        let text = format_timestamp(instant);
        assert_eq!(text, "2026-11-23T09:05:07.123456789Z");
        assert_eq!(parse_timestamp(&text).unwrap(), instant);
        let whole_second = DateTime::parse_from_rfc3339("2026-11-23T09:05:07Z").unwrap().with_timezone(&Utc);
        assert_eq!(format_timestamp(whole_second), "2026-11-23T09:05:07Z");
    }

    #[test]
    fn timestamps_that_are_not_rfc_3339_are_refused() {
        for bad in ["", "yesterday", "2026-11-23", "2026-11-23 09:05:07"] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_canonical_weeks_are_accepted() {
        assert_eq!(parse_week("2026-W48").unwrap().to_string(), "2026-W48");
        for bad in ["2026-w48", " 2026-W48", "2026-W48 ", "2025-W53", "2026-W00", "week 48", "2026-W8"] {
            assert!(parse_week(bad).is_err(), "{bad:?}");
        }
    }
}
