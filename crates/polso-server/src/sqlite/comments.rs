//! [`CommentStore`] for the SQLite database (`migrations/0013_comments.sql`).

use std::collections::HashMap;

use chrono::NaiveDate;
use polso_api::{CommentBatch, CommentReply, CommentThread, MIN_COMMENT_BATCH, ReleasedComment};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::sqlite::{SqliteServerStore, truncate_wal};
use crate::store::comments::{
    CommentStore, MAX_REPLIES_PER_COMMENT, PoolOutcome, PooledComment, StoredReply, VerdictVote, author_key,
    author_of_key, check_batch_size,
};

impl CommentStore for SqliteServerStore {
    fn comment_batch_size(&self, organisation_id: &str) -> Result<u32> {
        let connection = self.connection();
        batch_size(&connection, organisation_id)
    }

    fn set_comment_batch_size(&self, organisation_id: &str, size: u32) -> Result<()> {
        check_batch_size(size)?;
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let fullest_pool: i64 = transaction.query_row(
            "SELECT coalesce(max(pooled), 0) FROM (
                 SELECT count(*) AS pooled FROM comments c
                 JOIN teams t ON t.id = c.team_id JOIN departments d ON d.id = t.department_id
                 WHERE d.organisation_id = ?1 AND c.batch_id IS NULL GROUP BY c.team_id)",
            [organisation_id],
            |row| row.get(0),
        )?;
        crate::store::comments::check_batch_above_pools(size, fullest_pool)?;
        transaction.execute(
            "INSERT INTO comment_settings (organisation_id, batch_size) VALUES (?1, ?2)
             ON CONFLICT (organisation_id) DO UPDATE SET batch_size = excluded.batch_size",
            params![organisation_id, size],
        )?;
        transaction.commit()?;
        Ok(())
    }

    fn pool_comment(
        &self,
        organisation_id: &str,
        comment: &PooledComment,
        today: NaiveDate,
    ) -> Result<PoolOutcome> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let taken: Option<i64> = transaction
            .query_row("SELECT 1 FROM comments WHERE thread_hash = ?1", [&comment.thread_hash[..]], |row| {
                row.get(0)
            })
            .optional()?;
        if taken.is_some() {
            return Ok(PoolOutcome::AlreadyTaken);
        }
        let waiting: Option<i64> = transaction
            .query_row(
                "SELECT 1 FROM comment_authors_pending WHERE team_id = ?1 AND author_key = ?2",
                params![comment.team_id, &comment.author_key[..]],
                |row| row.get(0),
            )
            .optional()?;
        if waiting.is_some() {
            return Err(ServerError::CommentWaiting);
        }
        transaction.execute(
            "INSERT INTO comments (id, team_id, text, thread_hash, batch_id) VALUES (?1, ?2, ?3, ?4, NULL)",
            params![comment.id, comment.team_id, comment.text, &comment.thread_hash[..]],
        )?;
        transaction.execute(
            "INSERT INTO comment_authors_pending (team_id, author_key) VALUES (?1, ?2)",
            params![comment.team_id, &comment.author_key[..]],
        )?;
        let pooled: i64 = transaction.query_row(
            "SELECT count(*) FROM comments WHERE team_id = ?1 AND batch_id IS NULL",
            [&comment.team_id],
            |row| row.get(0),
        )?;
        let released = pooled >= i64::from(batch_size(&transaction, organisation_id)?);
        if released {
            release_pool(&transaction, &comment.team_id, &comment.batch_id, today)?;
        }
        transaction.commit()?;
        // The commit's pages hold the comment beside its author's key: they leave the WAL now.
        truncate_wal(&connection)?;
        Ok(PoolOutcome::Pooled { released })
    }

    fn released_comments(&self, team_id: &str) -> Result<Vec<CommentBatch>> {
        let connection = self.connection();
        let mut batches: Vec<CommentBatch> = connection
            .prepare(
                "SELECT id, released_on FROM comment_batches WHERE team_id = ?1 ORDER BY released_on DESC, id",
            )?
            .query_map([team_id], |row| {
                Ok(CommentBatch { id: row.get(0)?, released_on: row.get(1)?, comments: Vec::new() })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut replies = replies_by_comment(
            &connection,
            "SELECT r.comment_id, r.text, r.author, r.written_on FROM comment_replies r
             JOIN comments c ON c.id = r.comment_id
             WHERE c.team_id = ?1 AND c.batch_id IS NOT NULL ORDER BY r.written_at, r.id",
            team_id,
        )?;
        let position: HashMap<String, usize> =
            batches.iter().enumerate().map(|(index, batch)| (batch.id.clone(), index)).collect();
        // The ids are random, so their order is a random order that stays the same at every read.
        let comments = connection
            .prepare(
                "SELECT batch_id, id, text FROM comments WHERE team_id = ?1 AND batch_id IS NOT NULL
                 ORDER BY id",
            )?
            .query_map([team_id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get(2)?))
            })?
            .collect::<rusqlite::Result<Vec<(String, String, String)>>>()?;
        for (batch_id, id, text) in comments {
            let index = *position
                .get(&batch_id)
                .ok_or_else(|| ServerError::CorruptData(format!("the comment batch '{batch_id}'")))?;
            let replies = replies.remove(&id).unwrap_or_default();
            batches[index].comments.push(ReleasedComment { id, text, replies });
        }
        Ok(batches)
    }

    fn released_comment_team(&self, comment_id: &str) -> Result<Option<String>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT team_id FROM comments WHERE id = ?1 AND batch_id IS NOT NULL",
                [comment_id],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn add_reply(&self, reply: &StoredReply) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let count: i64 = transaction.query_row(
            "SELECT count(*) FROM comment_replies WHERE comment_id = ?1",
            [&reply.comment_id],
            |row| row.get(0),
        )?;
        if count >= MAX_REPLIES_PER_COMMENT as i64 {
            return Err(ServerError::InvalidInput(format!(
                "a comment keeps at most {MAX_REPLIES_PER_COMMENT} replies"
            )));
        }
        transaction.execute(
            "INSERT INTO comment_replies (id, comment_id, text, author, written_on, written_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                reply.id,
                reply.comment_id,
                reply.text,
                author_key(reply.author),
                reply.written_at.date_naive().to_string(),
                reply.written_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            ],
        )?;
        transaction.commit()?;
        Ok(())
    }

    fn comment_thread(&self, thread_hash: &Hash32) -> Result<Option<CommentThread>> {
        let connection = self.connection();
        let comment: Option<(String, Option<String>)> = connection
            .query_row(
                "SELECT id, batch_id FROM comments WHERE thread_hash = ?1",
                [&thread_hash[..]],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((id, batch_id)) = comment else { return Ok(None) };
        let mut replies = replies_by_comment(
            &connection,
            "SELECT comment_id, text, author, written_on FROM comment_replies WHERE comment_id = ?1
             ORDER BY written_at, id",
            &id,
        )?;
        Ok(Some(CommentThread {
            released: batch_id.is_some(),
            replies: replies.remove(&id).unwrap_or_default(),
        }))
    }

    fn record_verdict(&self, vote: &VerdictVote, k: u32) -> Result<bool> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let of_team: Option<i64> = transaction
            .query_row(
                "SELECT 1 FROM actions WHERE id = ?1 AND team_id = ?2",
                params![vote.action_id, vote.team_id],
                |row| row.get(0),
            )
            .optional()?;
        if of_team.is_none() {
            return Err(ServerError::NotFound(format!(
                "your team has no action '{}'",
                vote.action_id.chars().take(60).collect::<String>()
            )));
        }
        let new_voter = transaction.execute(
            "INSERT INTO action_verdict_voters (action_id, voter_key) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
            params![vote.action_id, &vote.voter_key[..]],
        )?;
        if new_voter == 0 {
            return Ok(false);
        }
        let column = crate::store::comments::pending_verdict_column(vote.verdict);
        transaction.execute(
            &format!(
                "INSERT INTO action_verdicts (action_id, {column}) VALUES (?1, 1)
                 ON CONFLICT (action_id) DO UPDATE SET {column} = {column} + 1"
            ),
            [&vote.action_id],
        )?;
        transaction.execute(
            "UPDATE action_verdicts SET helped = helped + pending_helped,
                 did_not_help = did_not_help + pending_did_not_help, too_early = too_early + pending_too_early,
                 pending_helped = 0, pending_did_not_help = 0, pending_too_early = 0
             WHERE action_id = ?1 AND pending_helped + pending_did_not_help + pending_too_early >= ?2",
            params![vote.action_id, k],
        )?;
        transaction.commit()?;
        truncate_wal(&connection)?;
        Ok(true)
    }
}

/// The organisation's batch size, [`MIN_COMMENT_BATCH`] unless set (and never below it).
fn batch_size(connection: &rusqlite::Connection, organisation_id: &str) -> Result<u32> {
    let size: Option<u32> = connection
        .query_row(
            "SELECT batch_size FROM comment_settings WHERE organisation_id = ?1",
            [organisation_id],
            |row| row.get(0),
        )
        .optional()?;
    Ok(size.unwrap_or(MIN_COMMENT_BATCH).max(MIN_COMMENT_BATCH))
}

/// Releases `team_id`'s pool as the batch `batch_id`, dated `today`, and forgets its authors.
fn release_pool(
    transaction: &Transaction<'_>,
    team_id: &str,
    batch_id: &str,
    today: NaiveDate,
) -> Result<()> {
    transaction.execute(
        "INSERT INTO comment_batches (id, team_id, released_on) VALUES (?1, ?2, ?3)",
        params![batch_id, team_id, today.to_string()],
    )?;
    transaction.execute(
        "UPDATE comments SET batch_id = ?1 WHERE team_id = ?2 AND batch_id IS NULL",
        params![batch_id, team_id],
    )?;
    transaction.execute("DELETE FROM comment_authors_pending WHERE team_id = ?1", [team_id])?;
    Ok(())
}

/// The replies `sql` reads (comment id, text, author, day) for `key`, by comment.
fn replies_by_comment(
    connection: &rusqlite::Connection,
    sql: &str,
    key: &str,
) -> Result<HashMap<String, Vec<CommentReply>>> {
    let rows = connection
        .prepare(sql)?
        .query_map([key], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<Vec<(String, String, String, String)>>>()?;
    let mut replies: HashMap<String, Vec<CommentReply>> = HashMap::new();
    for (comment_id, text, author, written_on) in rows {
        let author = author_of_key(&author)?;
        replies.entry(comment_id).or_default().push(CommentReply { text, author, written_on });
    }
    Ok(replies)
}
