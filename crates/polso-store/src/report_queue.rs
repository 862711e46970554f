//! The queue of weekly reports waiting for the sync client, over the
//! `report_queue` table (migrations 0002 and 0003).
//!
//! A report enters the queue once its week's pulse window has closed, with the
//! instant it becomes due (the close plus a random delay, chosen by the
//! caller). The sync client takes the due ones, and records for each either
//! that the server took it or why it did not: retry later, or never. A report
//! the server can never count (its week was published, or began before the
//! device enrolled) is dropped: its payload is erased and its row stays only
//! as a tombstone with the reason, so the week is never queued again. A sent
//! report keeps its payload while the server would still accept its week, so
//! it can be sent again should the server be restored from an older backup
//! ([`Store::requeue_sent_reports`]); then its payload is erased
//! ([`Store::forget_sent_reports_before`]) and its row stays. The store
//! keeps the payload as opaque text; what it may hold (item values and metric
//! scores, never a note) is the sync client's rule, and a queued row hangs off
//! its week's pulse, so deleting the pulse deletes the report too.

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use rusqlite::{OptionalExtension, params};

use crate::store::{format_timestamp, parse_timestamp, parse_week};
use crate::{Result, Store, StoreError};

/// Where a queued report is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueuedReportState {
    /// Waiting for its due time, or for a retry.
    Pending,
    /// The server took it (counted now, or already before).
    Sent,
    /// The server refused it for good; it is not sent again.
    Failed,
    /// The server can never count it; its payload is erased and the week is
    /// never queued again. Not a failure: nothing is left to fix.
    Dropped,
}

impl QueuedReportState {
    fn as_text(self) -> &'static str {
        match self {
            QueuedReportState::Pending => "pending",
            QueuedReportState::Sent => "sent",
            QueuedReportState::Failed => "failed",
            QueuedReportState::Dropped => "dropped",
        }
    }

    fn from_text(text: &str) -> Option<QueuedReportState> {
        match text {
            "pending" => Some(QueuedReportState::Pending),
            "sent" => Some(QueuedReportState::Sent),
            "failed" => Some(QueuedReportState::Failed),
            "dropped" => Some(QueuedReportState::Dropped),
            _ => None,
        }
    }
}

/// Why the last attempt to send a report failed, as the sync client named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFailure {
    /// A machine-readable code, such as `"server_unreachable"`.
    pub code: String,
    /// A sentence in English; it never holds a value of the report.
    pub message: String,
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedReport {
    /// The week the report is for.
    pub week: IsoWeek,
    /// The report as the sync client will send it; empty once dropped.
    pub payload: String,
    /// Where it is in its life.
    pub state: QueuedReportState,
    /// How many times sending was tried.
    pub attempts: u32,
    /// The earliest instant of the next attempt; `None` once sent, failed for good or dropped.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the server took it; only when sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, if it did; for a dropped report, why it
    /// can never be counted.
    pub last_error: Option<ReportFailure>,
}

/// The columns of `report_queue`, in the order [`Store::queued_report_from_row`] reads them.
const QUEUE_COLUMNS: &str =
    "week, payload, state, attempts, next_attempt_at, sent_at, last_error_code, last_error_message";

impl Store {
    /// Queues `payload` as `week`'s report, due at `due_at`. Returns `false`, and
    /// changes nothing, when the week already has a report in the queue in any
    /// state, dropped included: a week is reported once. The week's pulse must
    /// be saved.
    pub fn enqueue_report(&mut self, week: IsoWeek, payload: &str, due_at: DateTime<Utc>) -> Result<bool> {
        let week_text = week.to_string();
        let inserted = self
            .connection
            .prepare_cached(
                "INSERT INTO report_queue (week, payload, state, attempts, next_attempt_at)
                 VALUES (?1, ?2, 'pending', 0, ?3)
                 ON CONFLICT (week) DO NOTHING",
            )
            .and_then(|mut statement| {
                statement.execute(params![week_text, payload, format_timestamp(due_at)])
            })
            .map_err(|source| StoreError::Sqlite {
                path: self.path.clone(),
                action: format!("Queuing the report for {week_text}"),
                source,
            })?;
        Ok(inserted == 1)
    }

    /// Every queued report in any state, oldest week first.
    pub fn queued_reports(&self) -> Result<Vec<QueuedReport>> {
        let action = "Reading the report queue";
        let rows = self
            .connection
            .prepare_cached(&format!("SELECT {QUEUE_COLUMNS} FROM report_queue ORDER BY week"))
            .and_then(|mut statement| {
                statement.query_map([], QueueRow::from_row)?.collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|error| self.read_error("report_queue", error, action))?;
        rows.into_iter().map(|row| self.queued_report_from_row(row)).collect()
    }

    /// The pending reports whose next attempt is due at `now`, oldest week first.
    pub fn due_reports(&self, now: DateTime<Utc>) -> Result<Vec<QueuedReport>> {
        Ok(self
            .queued_reports()?
            .into_iter()
            .filter(|report| {
                report.state == QueuedReportState::Pending
                    && report.next_attempt_at.is_some_and(|due_at| due_at <= now)
            })
            .collect())
    }

    /// How many queued reports are in `state`.
    pub fn count_queued_reports(&self, state: QueuedReportState) -> Result<u32> {
        let count: i64 = self
            .connection
            .prepare_cached("SELECT count(*) FROM report_queue WHERE state = ?1")
            .and_then(|mut statement| statement.query_row([state.as_text()], |row| row.get(0)))
            .map_err(|error| self.read_error("report_queue", error, "Counting the report queue"))?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Records that the server took `week`'s report at `sent_at`.
    pub fn mark_report_sent(&mut self, week: IsoWeek, sent_at: DateTime<Utc>) -> Result<()> {
        self.update_queued_report(
            week,
            "UPDATE report_queue
             SET state = 'sent', attempts = attempts + 1, next_attempt_at = NULL, sent_at = ?2,
                 last_error_code = NULL, last_error_message = NULL
             WHERE week = ?1",
            params![week.to_string(), format_timestamp(sent_at)],
        )
    }

    /// Records a failed attempt to send `week`'s report: with `retry_at`, it
    /// stays pending until then; without, it is failed for good.
    pub fn record_report_failure(
        &mut self,
        week: IsoWeek,
        failure: &ReportFailure,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let state = if retry_at.is_some() { QueuedReportState::Pending } else { QueuedReportState::Failed };
        self.update_queued_report(
            week,
            "UPDATE report_queue
             SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3,
                 last_error_code = ?4, last_error_message = ?5
             WHERE week = ?1",
            params![
                week.to_string(),
                state.as_text(),
                retry_at.map(format_timestamp),
                failure.code,
                failure.message
            ],
        )
    }

    /// Drops `week`'s report for good because the server can never count it,
    /// for `reason`: the payload is erased, nothing is due, and the row stays
    /// as a tombstone so that [`Store::enqueue_report`] never queues the week
    /// again.
    pub fn drop_queued_report(&mut self, week: IsoWeek, reason: &ReportFailure) -> Result<()> {
        self.update_queued_report(
            week,
            "UPDATE report_queue
             SET state = 'dropped', payload = '', attempts = attempts + 1, next_attempt_at = NULL,
                 last_error_code = ?2, last_error_message = ?3
             WHERE week = ?1",
            params![week.to_string(), reason.code, reason.message],
        )
    }

    /// Puts every sent report that still holds its payload back in the queue, to be sent again
    /// after the organisation server was restored from a backup: pending, with no attempt made
    /// and no due time until [`Store::schedule_report`] gives it one (a random delay, as for a
    /// first send). Its `sent_at` stays, so a re-send is told from a first send. Only the weeks
    /// before `before` when given (a two-server week's report is never sent again). Returns how
    /// many were put back.
    pub fn requeue_sent_reports(&mut self, before: Option<IsoWeek>) -> Result<usize> {
        let before = before.map(|week| week.to_string());
        self.connection
            .prepare_cached(
                "UPDATE report_queue
                 SET state = 'pending', attempts = 0, next_attempt_at = NULL,
                     last_error_code = NULL, last_error_message = NULL
                 WHERE state = 'sent' AND payload <> '' AND (?1 IS NULL OR week < ?1)",
            )
            .and_then(|mut statement| statement.execute([before]))
            .map_err(|source| StoreError::Sqlite {
                path: self.path.clone(),
                action: "Queuing sent reports again".to_owned(),
                source,
            })
    }

    /// Gives a pending report without a due time (one put back by
    /// [`Store::requeue_sent_reports`]) the instant it is due.
    pub fn schedule_report(&mut self, week: IsoWeek, due_at: DateTime<Utc>) -> Result<()> {
        self.update_queued_report(
            week,
            "UPDATE report_queue SET next_attempt_at = ?2
             WHERE week = ?1 AND state = 'pending' AND next_attempt_at IS NULL",
            params![week.to_string(), format_timestamp(due_at)],
        )
    }

    /// Erases the payload of every sent report of a week before `oldest_kept`: past the window
    /// in which the server accepts a week's report, nothing would be sent again after a restore,
    /// so the report is not kept. The row stays, so the week is never queued again (its pulse
    /// stays in the history). Returns how many were erased.
    pub fn forget_sent_reports_before(&mut self, oldest_kept: IsoWeek) -> Result<usize> {
        self.connection
            .prepare_cached(
                "UPDATE report_queue SET payload = ''
                 WHERE state = 'sent' AND payload <> '' AND week < ?1",
            )
            .and_then(|mut statement| statement.execute([oldest_kept.to_string()]))
            .map_err(|source| StoreError::Sqlite {
                path: self.path.clone(),
                action: format!("Forgetting sent reports before {oldest_kept}"),
                source,
            })
    }

    fn update_queued_report(
        &mut self,
        week: IsoWeek,
        sql: &str,
        parameters: &[&dyn rusqlite::ToSql],
    ) -> Result<()> {
        let week_text = week.to_string();
        let changed = self
            .connection
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute(parameters))
            .map_err(|source| StoreError::Sqlite {
                path: self.path.clone(),
                action: format!("Updating the queued report for {week_text}"),
                source,
            })?;
        if changed == 0 {
            return Err(StoreError::ReportNotQueued { path: self.path.clone(), week: week_text });
        }
        Ok(())
    }

    /// The queued report for `week`, if there is one.
    pub fn queued_report(&self, week: IsoWeek) -> Result<Option<QueuedReport>> {
        let week_text = week.to_string();
        let row = self
            .connection
            .prepare_cached(&format!("SELECT {QUEUE_COLUMNS} FROM report_queue WHERE week = ?1"))
            .and_then(|mut statement| statement.query_row([&week_text], QueueRow::from_row).optional())
            .map_err(|error| {
                self.read_error("report_queue", error, &format!("Reading the queued report for {week_text}"))
            })?;
        row.map(|row| self.queued_report_from_row(row)).transpose()
    }

    fn queued_report_from_row(&self, row: QueueRow) -> Result<QueuedReport> {
        let corrupt = |column: &str, detail: String| self.corrupt("report_queue", column, detail);
        let week = parse_week(&row.week).map_err(|detail| corrupt("week", detail))?;
        let state = QueuedReportState::from_text(&row.state)
            .ok_or_else(|| corrupt("state", format!("'{}' is not a queue state", row.state)))?;
        let attempts = u32::try_from(row.attempts)
            .map_err(|_| corrupt("attempts", format!("{} is not a count", row.attempts)))?;
        let parse_optional_time = |column: &str, text: Option<String>| {
            text.map(|text| parse_timestamp(&text).map_err(|detail| corrupt(column, detail))).transpose()
        };
        let next_attempt_at = parse_optional_time("next_attempt_at", row.next_attempt_at)?;
        let sent_at = parse_optional_time("sent_at", row.sent_at)?;
        let last_error = match (row.last_error_code, row.last_error_message) {
            (Some(code), message) => Some(ReportFailure { code, message: message.unwrap_or_default() }),
            (None, _) => None,
        };
        Ok(QueuedReport { week, payload: row.payload, state, attempts, next_attempt_at, sent_at, last_error })
    }
}

/// A `report_queue` row as SQLite types.
struct QueueRow {
    week: String,
    payload: String,
    state: String,
    attempts: i64,
    next_attempt_at: Option<String>,
    sent_at: Option<String>,
    last_error_code: Option<String>,
    last_error_message: Option<String>,
}

impl QueueRow {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<QueueRow> {
        Ok(QueueRow {
            week: row.get(0)?,
            payload: row.get(1)?,
            state: row.get(2)?,
            attempts: row.get(3)?,
            next_attempt_at: row.get(4)?,
            sent_at: row.get(5)?,
            last_error_code: row.get(6)?,
            last_error_message: row.get(7)?,
        })
    }
}
