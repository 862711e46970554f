//! The employee's own comments and "did it help?" answers, over the `comments` and
//! `action_verdicts` tables (migration 0005).
//!
//! A comment is the employee's copy: it stays here whatever the server does. It is a `draft`
//! while its week is open (it can still be changed or withdrawn), then `pending` with the instant
//! it is due, then `sent` or `failed`. HR's replies, once fetched, are kept beside it as the JSON
//! the sync client wrote. A "did it help?" answer is `pending` until sent once. What the rows may
//! hold, and when they are sent, is the sync client's rule; this module only keeps them.

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use rusqlite::params;

use crate::report_queue::ReportFailure;
use crate::store::{format_timestamp, parse_timestamp, parse_week};
use crate::{Result, Store, StoreError};

/// Where a comment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommentState {
    /// Its week is open: it can still be changed or withdrawn.
    Draft,
    /// Its week closed; it is due at `next_attempt_at`.
    Pending,
    /// The server took it into the team's pool.
    Sent,
    /// The server refused it for good.
    Failed,
}

impl CommentState {
    fn as_text(self) -> &'static str {
        match self {
            CommentState::Draft => "draft",
            CommentState::Pending => "pending",
            CommentState::Sent => "sent",
            CommentState::Failed => "failed",
        }
    }

    fn from_text(text: &str) -> Option<CommentState> {
        match text {
            "draft" => Some(CommentState::Draft),
            "pending" => Some(CommentState::Pending),
            "sent" => Some(CommentState::Sent),
            "failed" => Some(CommentState::Failed),
            _ => None,
        }
    }
}

/// One of the employee's comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalComment {
    /// The week it is for.
    pub week: IsoWeek,
    /// What the employee wrote.
    pub text: String,
    /// When it was last written.
    pub written_at: DateTime<Utc>,
    /// Where it is in its life.
    pub state: CommentState,
    /// How many times sending was tried.
    pub attempts: u32,
    /// When it is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the server took it.
    pub sent_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<ReportFailure>,
    /// The server said it reached HR in a batch.
    pub released: bool,
    /// HR's replies as the sync client kept them (JSON).
    pub replies_json: String,
}

/// A "did it help?" answer waiting to be sent, or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalVerdict {
    /// The action.
    pub action_id: String,
    /// The answer's wire name, such as `"helped"`.
    pub verdict: String,
    /// Sent (`true`), or still to send.
    pub sent: bool,
    /// Refused for good.
    pub failed: bool,
    /// How many times sending was tried.
    pub attempts: u32,
    /// When it is due (while pending).
    pub next_attempt_at: Option<DateTime<Utc>>,
}

const COMMENT_COLUMNS: &str = "week, text, written_at, state, attempts, next_attempt_at, sent_at, \
     last_error_code, last_error_message, released, replies";

impl Store {
    /// Writes (or rewrites) the draft comment of `week`. Refused once the comment has left the
    /// draft state: what is queued or sent is what was sent.
    pub fn save_comment_draft(&mut self, week: IsoWeek, text: &str, written_at: DateTime<Utc>) -> Result<()> {
        if let Some(existing) = self.comment(week)?
            && existing.state != CommentState::Draft
        {
            return Err(StoreError::CommentNotDraft { path: self.path.clone(), week: week.to_string() });
        }
        self.execute_comments(
            "Saving a comment",
            "INSERT INTO comments (week, text, written_at, state) VALUES (?1, ?2, ?3, 'draft')
             ON CONFLICT (week) DO UPDATE SET text = excluded.text, written_at = excluded.written_at",
            params![week.to_string(), text, format_timestamp(written_at)],
        )
        .map(|_| ())
    }

    /// Withdraws `week`'s draft comment; `false` when there was no draft (a sent one stays).
    pub fn delete_comment_draft(&mut self, week: IsoWeek) -> Result<bool> {
        self.execute_comments(
            "Withdrawing a comment",
            "DELETE FROM comments WHERE week = ?1 AND state = 'draft'",
            params![week.to_string()],
        )
        .map(|changed| changed == 1)
    }

    /// Every comment, newest week first.
    pub fn comments(&self) -> Result<Vec<LocalComment>> {
        self.read_comments(&format!("SELECT {COMMENT_COLUMNS} FROM comments ORDER BY week DESC"), params![])
    }

    /// The comment of `week`, if any.
    pub fn comment(&self, week: IsoWeek) -> Result<Option<LocalComment>> {
        Ok(self
            .read_comments(
                &format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE week = ?1"),
                params![week.to_string()],
            )?
            .pop())
    }

    /// Turns `week`'s draft into a pending comment due at `due_at`; `false` when it was no draft.
    pub fn queue_comment(&mut self, week: IsoWeek, due_at: DateTime<Utc>) -> Result<bool> {
        self.execute_comments(
            "Queuing a comment",
            "UPDATE comments SET state = 'pending', next_attempt_at = ?2 WHERE week = ?1 AND state = 'draft'",
            params![week.to_string(), format_timestamp(due_at)],
        )
        .map(|changed| changed == 1)
    }

    /// Records that the server took `week`'s comment.
    pub fn mark_comment_sent(&mut self, week: IsoWeek, sent_at: DateTime<Utc>) -> Result<()> {
        self.execute_comments(
            "Recording a sent comment",
            "UPDATE comments SET state = 'sent', attempts = attempts + 1, next_attempt_at = NULL, sent_at = ?2,
                 last_error_code = NULL, last_error_message = NULL
             WHERE week = ?1",
            params![week.to_string(), format_timestamp(sent_at)],
        )
        .map(|_| ())
    }

    /// Records a failed attempt: with `retry_at` the comment stays pending until then; without, it
    /// failed for good.
    pub fn record_comment_failure(
        &mut self,
        week: IsoWeek,
        failure: &ReportFailure,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let state = if retry_at.is_some() { CommentState::Pending } else { CommentState::Failed };
        self.execute_comments(
            "Recording a comment's failure",
            "UPDATE comments SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3,
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
        .map(|_| ())
    }

    /// Keeps what the server said of `week`'s comment's thread.
    pub fn keep_comment_thread(&mut self, week: IsoWeek, released: bool, replies_json: &str) -> Result<()> {
        self.execute_comments(
            "Keeping a comment's replies",
            "UPDATE comments SET released = ?2, replies = ?3 WHERE week = ?1",
            params![week.to_string(), released, replies_json],
        )
        .map(|_| ())
    }

    /// Keeps a "did it help?" answer for `action_id`, due at `due_at`; `false`, changing nothing,
    /// when the action was answered before (an answer is given once).
    pub fn save_verdict(&mut self, action_id: &str, verdict: &str, due_at: DateTime<Utc>) -> Result<bool> {
        self.execute_comments(
            "Keeping an answer about an action",
            "INSERT INTO action_verdicts (action_id, verdict, state, next_attempt_at) VALUES (?1, ?2, 'pending', ?3)
             ON CONFLICT (action_id) DO NOTHING",
            params![action_id, verdict, format_timestamp(due_at)],
        )
        .map(|changed| changed == 1)
    }

    /// Every "did it help?" answer.
    pub fn verdicts(&self) -> Result<Vec<LocalVerdict>> {
        let rows = self
            .connection
            .prepare_cached(
                "SELECT action_id, verdict, state, attempts, next_attempt_at FROM action_verdicts ORDER BY action_id",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, i64>(3)?,
                            row.get::<_, Option<String>>(4)?,
                        ))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|error| self.read_error("action_verdicts", error, "Reading the answers about actions"))?;
        rows.into_iter()
            .map(|(action_id, verdict, state, attempts, next_attempt_at)| {
                let corrupt = |column: &str, detail: String| self.corrupt("action_verdicts", column, detail);
                Ok(LocalVerdict {
                    sent: state == "sent",
                    failed: state == "failed",
                    attempts: u32::try_from(attempts)
                        .map_err(|_| corrupt("attempts", attempts.to_string()))?,
                    next_attempt_at: next_attempt_at
                        .map(|text| {
                            parse_timestamp(&text).map_err(|detail| corrupt("next_attempt_at", detail))
                        })
                        .transpose()?,
                    action_id,
                    verdict,
                })
            })
            .collect()
    }

    /// Records the outcome of sending the answer about `action_id`: sent, to retry at `retry_at`,
    /// or failed for good.
    pub fn record_verdict_outcome(
        &mut self,
        action_id: &str,
        sent: bool,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let state = match (sent, retry_at) {
            (true, _) => "sent",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        self.execute_comments(
            "Recording an answer about an action",
            "UPDATE action_verdicts SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3
             WHERE action_id = ?1",
            params![action_id, state, if sent { None } else { retry_at.map(format_timestamp) }],
        )
        .map(|_| ())
    }

    fn execute_comments(
        &mut self,
        action: &str,
        sql: &str,
        parameters: &[&dyn rusqlite::ToSql],
    ) -> Result<usize> {
        self.connection.prepare_cached(sql).and_then(|mut statement| statement.execute(parameters)).map_err(
            |source| StoreError::Sqlite { path: self.path.clone(), action: action.to_owned(), source },
        )
    }

    fn read_comments(&self, sql: &str, parameters: &[&dyn rusqlite::ToSql]) -> Result<Vec<LocalComment>> {
        let rows = self
            .connection
            .prepare_cached(sql)
            .and_then(|mut statement| {
                statement.query_map(parameters, CommentRow::from_row)?.collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|error| self.read_error("comments", error, "Reading the comments"))?;
        rows.into_iter().map(|row| self.comment_from_row(row)).collect()
    }

    fn comment_from_row(&self, row: CommentRow) -> Result<LocalComment> {
        let corrupt = |column: &str, detail: String| self.corrupt("comments", column, detail);
        let time = |column: &str, text: Option<String>| {
            text.map(|text| parse_timestamp(&text).map_err(|detail| corrupt(column, detail))).transpose()
        };
        Ok(LocalComment {
            week: parse_week(&row.week).map_err(|detail| corrupt("week", detail))?,
            written_at: time("written_at", Some(row.written_at))?
                .ok_or_else(|| corrupt("written_at", "missing".to_owned()))?,
            state: CommentState::from_text(&row.state)
                .ok_or_else(|| corrupt("state", format!("'{}' is not a comment state", row.state)))?,
            attempts: u32::try_from(row.attempts)
                .map_err(|_| corrupt("attempts", row.attempts.to_string()))?,
            next_attempt_at: time("next_attempt_at", row.next_attempt_at)?,
            sent_at: time("sent_at", row.sent_at)?,
            last_error: row
                .last_error_code
                .map(|code| ReportFailure { code, message: row.last_error_message.unwrap_or_default() }),
            text: row.text,
            released: row.released,
            replies_json: row.replies,
        })
    }
}

/// A `comments` row as SQLite types.
struct CommentRow {
    week: String,
    text: String,
    written_at: String,
    state: String,
    attempts: i64,
    next_attempt_at: Option<String>,
    sent_at: Option<String>,
    last_error_code: Option<String>,
    last_error_message: Option<String>,
    released: bool,
    replies: String,
}

impl CommentRow {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CommentRow> {
        Ok(CommentRow {
            week: row.get(0)?,
            text: row.get(1)?,
            written_at: row.get(2)?,
            state: row.get(3)?,
            attempts: row.get(4)?,
            next_attempt_at: row.get(5)?,
            sent_at: row.get(6)?,
            last_error_code: row.get(7)?,
            last_error_message: row.get(8)?,
            released: row.get(9)?,
            replies: row.get(10)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, hour, 0, 0).unwrap()
    }

    #[test]
    fn a_draft_changes_until_it_is_queued_and_then_stays_as_sent() {
        let directory = tempfile::tempdir().unwrap();
        let mut store =
            Store::open(&directory.path().join("s.db"), &crate::StoreKey::generate().unwrap()).unwrap();
        let week: IsoWeek = "2026-W49".parse().unwrap();
        store.save_comment_draft(week, "First words", at(9)).unwrap();
        store.save_comment_draft(week, "Better words", at(10)).unwrap();
        assert_eq!(store.comment(week).unwrap().unwrap().text, "Better words");
        assert!(store.queue_comment(week, at(20)).unwrap());
        assert!(!store.queue_comment(week, at(21)).unwrap(), "queued once");
        let error = store.save_comment_draft(week, "Changed my mind", at(11)).unwrap_err();
        assert!(matches!(error, StoreError::CommentNotDraft { .. }), "{error}");
        assert!(!store.delete_comment_draft(week).unwrap(), "a queued comment is not withdrawn");
        store.mark_comment_sent(week, at(22)).unwrap();
        store.keep_comment_thread(week, true, r#"[{"text":"Thanks"}]"#).unwrap();
        let kept = store.comment(week).unwrap().unwrap();
        assert_eq!(
            (kept.state, kept.released, kept.text.as_str()),
            (CommentState::Sent, true, "Better words")
        );
        assert_eq!(kept.replies_json, r#"[{"text":"Thanks"}]"#);
    }

    #[test]
    fn an_action_is_answered_once() {
        let directory = tempfile::tempdir().unwrap();
        let mut store =
            Store::open(&directory.path().join("s.db"), &crate::StoreKey::generate().unwrap()).unwrap();
        assert!(store.save_verdict("act_1", "helped", at(9)).unwrap());
        assert!(!store.save_verdict("act_1", "did_not_help", at(9)).unwrap());
        store.record_verdict_outcome("act_1", false, Some(at(12))).unwrap();
        let pending = store.verdicts().unwrap();
        assert_eq!((pending[0].verdict.as_str(), pending[0].sent, pending[0].attempts), ("helped", false, 1));
        store.record_verdict_outcome("act_1", true, None).unwrap();
        assert!(store.verdicts().unwrap()[0].sent);
    }
}
