//! [`CommentStore`] on PostgreSQL, with the rows that replicas contend for
//! locked first: a team's row while a comment joins its pool (two replicas
//! releasing one pool at once would otherwise split it into batches smaller
//! than the batch size), an action's row while a "did it help?" answer is
//! counted.

use std::collections::HashMap;

use chrono::NaiveDate;
use polso_api::{CommentBatch, CommentReply, CommentThread, MIN_COMMENT_BATCH, ReleasedComment};
use postgres::GenericClient;

use super::{PgServerStore, count_u32, lock_organisation, not_found};
use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::store::comments::{
    CommentStore, MAX_REPLIES_PER_COMMENT, PoolOutcome, PooledComment, StoredReply, VerdictVote, author_key,
    author_of_key, check_batch_size,
};

impl CommentStore for PgServerStore {
    fn comment_batch_size(&self, organisation_id: &str) -> Result<u32> {
        self.on_workers(|| batch_size(self.client()?.client(), organisation_id))
    }

    fn set_comment_batch_size(&self, organisation_id: &str, size: u32) -> Result<()> {
        self.on_workers(|| {
            check_batch_size(size)?;
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            lock_organisation(&mut transaction, organisation_id)?;
            let fullest_pool: i64 = transaction
                .query_one(
                    "SELECT coalesce(max(pooled), 0) FROM (
                         SELECT count(*) AS pooled FROM comments c
                         JOIN teams t ON t.id = c.team_id JOIN departments d ON d.id = t.department_id
                         WHERE d.organisation_id = $1 AND c.batch_id IS NULL GROUP BY c.team_id) pools",
                    &[&organisation_id],
                )?
                .get(0);
            crate::store::comments::check_batch_above_pools(size, fullest_pool)?;
            transaction.execute(
                "INSERT INTO comment_settings (organisation_id, batch_size) VALUES ($1, $2)
                 ON CONFLICT (organisation_id) DO UPDATE SET batch_size = excluded.batch_size",
                &[&organisation_id, &i64::from(size)],
            )?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn pool_comment(
        &self,
        organisation_id: &str,
        comment: &PooledComment,
        today: NaiveDate,
    ) -> Result<PoolOutcome> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            // One pool at a time per team, whichever replica pools into it.
            if transaction
                .query_opt("SELECT 1 FROM teams WHERE id = $1 FOR UPDATE", &[&comment.team_id])?
                .is_none()
            {
                return Err(not_found("team", &comment.team_id));
            }
            if transaction
                .query_opt("SELECT 1 FROM comments WHERE thread_hash = $1", &[&&comment.thread_hash[..]])?
                .is_some()
            {
                return Ok(PoolOutcome::AlreadyTaken);
            }
            let waiting = transaction.query_opt(
                "SELECT 1 FROM comment_authors_pending WHERE team_id = $1 AND author_key = $2",
                &[&comment.team_id, &&comment.author_key[..]],
            )?;
            if waiting.is_some() {
                return Err(ServerError::CommentWaiting);
            }
            transaction.execute(
                "INSERT INTO comments (id, team_id, text, thread_hash, batch_id) VALUES ($1, $2, $3, $4,
                 NULL)",
                &[&comment.id, &comment.team_id, &comment.text, &&comment.thread_hash[..]],
            )?;
            transaction.execute(
                "INSERT INTO comment_authors_pending (team_id, author_key) VALUES ($1, $2)",
                &[&comment.team_id, &&comment.author_key[..]],
            )?;
            let pooled: i64 = transaction
                .query_one(
                    "SELECT count(*) FROM comments WHERE team_id = $1 AND batch_id IS NULL",
                    &[&comment.team_id],
                )?
                .get(0);
            let released = pooled >= i64::from(batch_size(&mut transaction, organisation_id)?);
            if released {
                transaction.execute(
                    "INSERT INTO comment_batches (id, team_id, released_on) VALUES ($1, $2, $3)",
                    &[&comment.batch_id, &comment.team_id, &today.to_string()],
                )?;
                transaction.execute(
                    "UPDATE comments SET batch_id = $1 WHERE team_id = $2 AND batch_id IS NULL",
                    &[&comment.batch_id, &comment.team_id],
                )?;
                transaction
                    .execute("DELETE FROM comment_authors_pending WHERE team_id = $1", &[&comment.team_id])?;
            }
            transaction.commit()?;
            Ok(PoolOutcome::Pooled { released })
        })
    }

    fn released_comments(&self, team_id: &str) -> Result<Vec<CommentBatch>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut batches: Vec<CommentBatch> = client
                .query(
                    "SELECT id, released_on FROM comment_batches WHERE team_id = $1
                 ORDER BY released_on DESC, id",
                    &[&team_id],
                )?
                .iter()
                .map(|row| CommentBatch { id: row.get(0), released_on: row.get(1), comments: Vec::new() })
                .collect();
            let mut replies = replies_by_comment(
                client.client(),
                "SELECT r.comment_id, r.text, r.author, r.written_on FROM comment_replies r
                 JOIN comments c ON c.id = r.comment_id
                 WHERE c.team_id = $1 AND c.batch_id IS NOT NULL ORDER BY r.written_at, r.id",
                team_id,
            )?;
            let position: HashMap<String, usize> =
                batches.iter().enumerate().map(|(index, batch)| (batch.id.clone(), index)).collect();
            // The ids are random, so their order is a random order that stays the
            // same at every read (byte order, as SQLite sorts them).
            let comments = client.query(
                "SELECT batch_id, id, text FROM comments WHERE team_id = $1 AND batch_id IS NOT NULL
                 ORDER BY id COLLATE \"C\"",
                &[&team_id],
            )?;
            for row in comments {
                let (batch_id, id): (String, String) = (row.get(0), row.get(1));
                let index = *position
                    .get(&batch_id)
                    .ok_or_else(|| ServerError::CorruptData(format!("the comment batch '{batch_id}'")))?;
                let replies = replies.remove(&id).unwrap_or_default();
                if let Some(batch) = batches.get_mut(index) {
                    batch.comments.push(ReleasedComment { id, text: row.get(2), replies });
                }
            }
            Ok(batches)
        })
    }

    fn released_comment_team(&self, comment_id: &str) -> Result<Option<String>> {
        self.on_workers(|| {
            Ok(self
                .client()?
                .query_opt(
                    "SELECT team_id FROM comments WHERE id = $1 AND batch_id IS NOT NULL",
                    &[&comment_id],
                )?
                .map(|row| row.get(0)))
        })
    }

    fn add_reply(&self, reply: &StoredReply) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            // The comment's row is locked, so two replicas cannot both pass the cap.
            if transaction
                .query_opt("SELECT 1 FROM comments WHERE id = $1 FOR UPDATE", &[&reply.comment_id])?
                .is_none()
            {
                return Err(not_found("comment", &reply.comment_id));
            }
            let count: i64 = transaction
                .query_one(
                    "SELECT count(*) FROM comment_replies WHERE comment_id = $1",
                    &[&reply.comment_id],
                )?
                .get(0);
            if count >= MAX_REPLIES_PER_COMMENT as i64 {
                return Err(ServerError::InvalidInput(format!(
                    "a comment keeps at most {MAX_REPLIES_PER_COMMENT} replies"
                )));
            }
            transaction.execute(
                "INSERT INTO comment_replies (id, comment_id, text, author, written_on, written_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &reply.id,
                    &reply.comment_id,
                    &reply.text,
                    &author_key(reply.author),
                    &reply.written_at.date_naive().to_string(),
                    &reply.written_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                ],
            )?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn comment_thread(&self, thread_hash: &Hash32) -> Result<Option<CommentThread>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let Some(comment) = client.query_opt(
                "SELECT id, batch_id FROM comments WHERE thread_hash = $1",
                &[&&thread_hash[..]],
            )?
            else {
                return Ok(None);
            };
            let (id, batch_id): (String, Option<String>) = (comment.get(0), comment.get(1));
            let mut replies = replies_by_comment(
                client.client(),
                "SELECT comment_id, text, author, written_on FROM comment_replies WHERE comment_id = $1
             ORDER BY written_at, id",
                &id,
            )?;
            Ok(Some(CommentThread {
                released: batch_id.is_some(),
                replies: replies.remove(&id).unwrap_or_default(),
            }))
        })
    }

    fn record_verdict(&self, vote: &VerdictVote, k: u32) -> Result<bool> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            // The action's row is locked: its counts are released one answer at a time.
            let of_team = transaction.query_opt(
                "SELECT 1 FROM actions WHERE id = $1 AND team_id = $2 FOR UPDATE",
                &[&vote.action_id, &vote.team_id],
            )?;
            if of_team.is_none() {
                return Err(ServerError::NotFound(format!(
                    "your team has no action '{}'",
                    vote.action_id.chars().take(60).collect::<String>()
                )));
            }
            let new_voter = transaction.execute(
                "INSERT INTO action_verdict_voters (action_id, voter_key) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&vote.action_id, &&vote.voter_key[..]],
            )?;
            if new_voter == 0 {
                return Ok(false);
            }
            let column = crate::store::comments::pending_verdict_column(vote.verdict);
            transaction.execute(
                &format!(
                    "INSERT INTO action_verdicts (action_id, {column}) VALUES ($1, 1)
                     ON CONFLICT (action_id) DO UPDATE SET {column} = action_verdicts.{column} + 1"
                ),
                &[&vote.action_id],
            )?;
            transaction.execute(
                "UPDATE action_verdicts SET helped = helped + pending_helped,
                     did_not_help = did_not_help + pending_did_not_help,
                     too_early = too_early + pending_too_early,
                     pending_helped = 0, pending_did_not_help = 0, pending_too_early = 0
                 WHERE action_id = $1 AND pending_helped + pending_did_not_help + pending_too_early >= $2",
                &[&vote.action_id, &i64::from(k)],
            )?;
            transaction.commit()?;
            Ok(true)
        })
    }
}

/// The organisation's batch size, [`MIN_COMMENT_BATCH`] unless set (and never below it).
fn batch_size(client: &mut impl GenericClient, organisation_id: &str) -> Result<u32> {
    let size = client
        .query_opt("SELECT batch_size FROM comment_settings WHERE organisation_id = $1", &[&organisation_id])?
        .map(|row| count_u32(row.get(0), "a comment batch size"))
        .transpose()?;
    Ok(size.unwrap_or(MIN_COMMENT_BATCH).max(MIN_COMMENT_BATCH))
}

/// The replies `sql` reads (comment id, text, author, day) for `key`, by comment.
fn replies_by_comment(
    client: &mut impl GenericClient,
    sql: &str,
    key: &str,
) -> Result<HashMap<String, Vec<CommentReply>>> {
    let mut replies: HashMap<String, Vec<CommentReply>> = HashMap::new();
    for row in client.query(sql, &[&key])? {
        let author: String = row.get(2);
        let author = author_of_key(&author)?;
        replies.entry(row.get(0)).or_default().push(CommentReply {
            text: row.get(1),
            author,
            written_on: row.get(3),
        });
    }
    Ok(replies)
}
