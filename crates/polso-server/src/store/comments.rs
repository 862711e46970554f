//! What the server keeps of anonymous comments, HR's replies and the "did it help?" answers,
//! behind a trait of its own beside [`crate::store::ServerStore`]
//! (`migrations/0013_comments.sql` for SQLite).
//!
//! The rules that protect a comment's writer live here, in one transaction each, so no handler
//! can forget them:
//!
//! - a team's comments wait in a pool; when it holds the organisation's batch size (never below
//!   [`polso_api::MIN_COMMENT_BATCH`]) they are released together, with the day as their only
//!   time, and the pool starts again;
//! - a device has at most one comment in a pool ([`crate::error::ServerError::CommentWaiting`]
//!   otherwise), so a batch of n comments comes from n devices and one insider cannot fill a
//!   batch around a colleague's comment;
//! - nothing about a comment's device is kept beside it, and the pending authors' keyed hashes go
//!   when the batch is released;
//! - "did it help?" answers are counts that reach HR only in steps of at least k answers, each
//!   device answering once per action.

use chrono::NaiveDate;
use polso_api::{ActionVerdict, CommentBatch, CommentThread, ReplyAuthor};

use crate::error::Result;
use crate::secrets::Hash32;

/// A comment to pool for a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PooledComment {
    /// A new random id for it.
    pub id: String,
    /// The device's team.
    pub team_id: String,
    /// The text, checked.
    pub text: String,
    /// The SHA-256 of its thread token.
    pub thread_hash: Hash32,
    /// The keyed hash of the device, kept only while the comment waits.
    pub author_key: Hash32,
    /// The id the batch gets, should this comment complete one.
    pub batch_id: String,
}

/// What became of a pooled comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolOutcome {
    /// Taken into the pool; `released` when it completed a batch.
    Pooled {
        /// The pool held a batch with it and was released.
        released: bool,
    },
    /// A comment with this thread was taken before: a resend.
    AlreadyTaken,
}

/// A reply to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReply {
    /// A new random id.
    pub id: String,
    /// The comment it answers.
    pub comment_id: String,
    /// The text, checked.
    pub text: String,
    /// Who wrote it.
    pub author: ReplyAuthor,
    /// When, RFC 3339 (only its day is ever shown).
    pub written_at: chrono::DateTime<chrono::Utc>,
}

/// A "did it help?" answer to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictVote {
    /// The action.
    pub action_id: String,
    /// The answering device's team: an action of another team is not found.
    pub team_id: String,
    /// The keyed hash of the device and the action.
    pub voter_key: Hash32,
    /// The answer.
    pub verdict: ActionVerdict,
}

/// Comments, replies and "did it help?" answers.
pub trait CommentStore: Send + Sync {
    /// The organisation's comment batch size ([`polso_api::MIN_COMMENT_BATCH`] unless set).
    fn comment_batch_size(&self, organisation_id: &str) -> Result<u32>;

    /// Sets the organisation's batch size, [`polso_api::MIN_COMMENT_BATCH`] to 1,000; refused while
    /// a pool of the organisation holds comments and the size would shrink below what it holds
    /// (that would release a batch early, at no one's request).
    fn set_comment_batch_size(&self, organisation_id: &str, size: u32) -> Result<()>;

    /// Pools `comment`, releasing its team's pool as a batch dated `today` when it is full.
    fn pool_comment(
        &self,
        organisation_id: &str,
        comment: &PooledComment,
        today: NaiveDate,
    ) -> Result<PoolOutcome>;

    /// A team's released batches, newest first, each comment with its replies; pooled comments are
    /// not there.
    fn released_comments(&self, team_id: &str) -> Result<Vec<CommentBatch>>;

    /// The team of a released comment; `None` for an unknown or still pooled one.
    fn released_comment_team(&self, comment_id: &str) -> Result<Option<String>>;

    /// Adds a reply to a released comment (at most [`MAX_REPLIES_PER_COMMENT`]).
    fn add_reply(&self, reply: &StoredReply) -> Result<()>;

    /// The thread of the comment whose thread token hashes to `thread_hash`; `None` when no
    /// comment has it.
    fn comment_thread(&self, thread_hash: &Hash32) -> Result<Option<CommentThread>>;

    /// Counts a "did it help?" answer; `false` when this device had answered for this action
    /// before (nothing changes). Pending counts are released once they hold `k` answers.
    fn record_verdict(&self, vote: &VerdictVote, k: u32) -> Result<bool>;
}

/// The most replies a comment keeps.
pub const MAX_REPLIES_PER_COMMENT: usize = 20;

/// The largest batch an organisation may ask for.
pub const MAX_COMMENT_BATCH: u32 = 1000;

/// Refuses a batch size that a team's pool already fills (`fullest_pool`
/// comments waiting): it would release them at once, earlier than their
/// writers were told.
pub(crate) fn check_batch_above_pools(size: u32, fullest_pool: i64) -> Result<()> {
    if i64::from(size) <= fullest_pool {
        return Err(crate::error::ServerError::InvalidInput(format!(
            "a team's pool already holds {fullest_pool} comments; a batch size of {size} would release \
             them at once. Choose more than {fullest_pool}, or wait for the pools to be released"
        )));
    }
    Ok(())
}

/// The column of `action_verdicts` that holds a verdict's answers not yet
/// released (they join the released counts k at a time).
pub(crate) fn pending_verdict_column(verdict: ActionVerdict) -> &'static str {
    match verdict {
        ActionVerdict::Helped => "pending_helped",
        ActionVerdict::DidNotHelp => "pending_did_not_help",
        ActionVerdict::TooEarly => "pending_too_early",
    }
}

/// Refuses a batch size outside [`polso_api::MIN_COMMENT_BATCH`] to [`MAX_COMMENT_BATCH`].
pub fn check_batch_size(size: u32) -> Result<()> {
    use polso_api::MIN_COMMENT_BATCH;
    if !(MIN_COMMENT_BATCH..=MAX_COMMENT_BATCH).contains(&size) {
        return Err(crate::error::ServerError::InvalidInput(format!(
            "a comment batch holds {MIN_COMMENT_BATCH} to {MAX_COMMENT_BATCH} comments ({size} given); \
             fewer than {MIN_COMMENT_BATCH} would let a writer be picked out"
        )));
    }
    Ok(())
}

/// How a reply's author is stored.
pub fn author_key(author: ReplyAuthor) -> &'static str {
    match author {
        ReplyAuthor::Hr => "hr",
        ReplyAuthor::Manager => "manager",
    }
}

/// A stored reply author, read back.
pub fn author_of_key(key: &str) -> Result<ReplyAuthor> {
    match key {
        "hr" => Ok(ReplyAuthor::Hr),
        "manager" => Ok(ReplyAuthor::Manager),
        other => Err(crate::error::ServerError::CorruptData(format!("a reply's author '{other}'"))),
    }
}
