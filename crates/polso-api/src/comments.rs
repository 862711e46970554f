//! Anonymous comments and HR's replies (DESIGN.md, privacy model point 6), and the one-tap
//! "did it help?" answer to an action.
//!
//! A comment is free text an employee chooses to write for a week. The app keeps a copy, holds it
//! until the week closes and sends it after the same random delay as a report, padded to one
//! size, with a fresh random *thread token* whose SHA-256 alone goes with it. The server pools a
//! team's comments and releases them to HR only in batches of at least
//! [`MIN_COMMENT_BATCH`] (the organisation may ask for more, never fewer), each from a different
//! device, without any time but the batch's release date, in random order. HR (or the team's
//! manager) may reply to a released comment; the reply is fetched by whoever holds the thread
//! token, with no device token on the request, so the server cannot tie a thread to a device.
//!
//! The "did it help?" answer is pooled the same way: counts per action, released to HR only in
//! steps of at least the organisation's k answers, each device answering once per action.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The fewest comments a released batch holds; an organisation may set more, never fewer.
pub const MIN_COMMENT_BATCH: u32 = 10;

/// The most characters a comment has.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// The most characters a reply has.
pub const MAX_REPLY_CHARS: usize = 1000;

/// The size, in bytes, every comment body is padded to, so its length on the wire says nothing
/// about how much was written: the longest comment (1,000 characters of up to 4 bytes, escaped)
/// fits.
pub const COMMENT_BODY_BYTES: usize = 8192;

/// An employee's comment as a device sends it (`POST /v1/comments`, device token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// The wire version, [`crate::WIRE_VERSION`].
    pub wire_version: u32,
    /// The comment, 1 to 1,000 characters.
    pub text: String,
    /// The SHA-256, in 64 lower-case hex digits, of the comment's thread token: a random secret
    /// only the writing device holds, with which it later fetches HR's replies.
    pub thread_hash: String,
    /// Spaces that bring the body to [`COMMENT_BODY_BYTES`].
    #[serde(default)]
    pub padding: String,
}

/// The server's answer to a comment or a "did it help?": taken into the pool (or taken before).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolReceipt {
    /// True when this very comment (its thread), or this device's answer about this action, had
    /// been taken before: a resend after a lost answer.
    pub already_taken: bool,
}

/// Who wrote a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReplyAuthor {
    /// Someone holding an HR token.
    Hr,
    /// The team's manager.
    Manager,
}

/// A reply to a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentReply {
    /// The reply.
    pub text: String,
    /// Who wrote it.
    pub author: ReplyAuthor,
    /// The day it was written, `YYYY-MM-DD`.
    pub written_on: String,
}

/// A released comment, as HR reads it: its text and the replies, nothing about its writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleasedComment {
    /// Its id, to reply to.
    pub id: String,
    /// The comment.
    pub text: String,
    /// The replies, oldest first.
    pub replies: Vec<CommentReply>,
}

/// A batch of a team's comments, released together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentBatch {
    /// Its id.
    pub id: String,
    /// The day it was released, `YYYY-MM-DD`: the only time it carries.
    pub released_on: String,
    /// Its comments, in random order (the same order at every read).
    pub comments: Vec<ReleasedComment>,
}

/// A team's released comments (`GET /v1/comments?team_id=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamComments {
    /// The team.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
    /// The organisation's batch size: a batch is released when this many comments, from as many
    /// devices, have gathered; at least [`MIN_COMMENT_BATCH`].
    pub batch_size: u32,
    /// The released batches, newest first.
    pub batches: Vec<CommentBatch>,
}

/// Which team's comments to read (`GET /v1/comments?team_id=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CommentQuery {
    /// The team.
    pub team_id: String,
}

/// HR's (or the manager's) reply to a released comment (`POST /v1/comments/{id}/replies`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    /// The reply, 1 to 1,000 characters.
    pub text: String,
}

/// What the app asks to read its comment's thread (`POST /v1/comment-thread`, no token: holding
/// the thread token is the right to read it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ThreadRequest {
    /// The wire version, [`crate::WIRE_VERSION`].
    pub wire_version: u32,
    /// The thread token, 64 lower-case hex digits.
    pub thread_token: String,
}

/// A comment's thread as its writer's device reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentThread {
    /// The comment has reached HR in a released batch.
    pub released: bool,
    /// HR's replies, oldest first.
    pub replies: Vec<CommentReply>,
}

/// An employee's one-tap answer to "did it help?" about an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionVerdict {
    /// It helped.
    Helped,
    /// It did not help.
    DidNotHelp,
    /// Too early to say.
    TooEarly,
}

/// The size, in bytes, every "did it help?" body is padded to.
pub const VERDICT_BODY_BYTES: usize = 256;

/// A device's "did it help?" answer (`POST /v1/action-verdicts`, device token), sent after the
/// same random delay as a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewActionVerdict {
    /// The wire version, [`crate::WIRE_VERSION`].
    pub wire_version: u32,
    /// The action, of the device's own team.
    pub action_id: String,
    /// The answer.
    pub verdict: ActionVerdict,
    /// Spaces that bring the body to [`VERDICT_BODY_BYTES`].
    #[serde(default)]
    pub padding: String,
}

/// The released "did it help?" counts of an action: they grow only in steps of at least the
/// organisation's k answers, so no single answer can be told from a difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionVerdicts {
    /// How many said it helped.
    pub helped: u32,
    /// How many said it did not.
    pub did_not_help: u32,
    /// How many said it was too early to say.
    pub too_early: u32,
}

/// Where one of the employee's comments is, as the app shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MyCommentState {
    /// Its week is open: it can still be changed or withdrawn; nothing has left the device.
    Draft,
    /// Its week closed; it leaves after a random delay (`sends_after`).
    Waiting,
    /// It is in the team's pool on the server, not yet read by anyone.
    Pooled,
    /// It reached HR in a batch.
    ReachedHr,
    /// The server refused it for good (`error` says why); it stays here.
    Failed,
}

/// One of the employee's comments, as the app shows it: their own copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MyComment {
    /// The ISO week it is for.
    pub week: String,
    /// The Monday of that week, for the locale's date format.
    pub week_monday: String,
    /// What was written.
    pub text: String,
    /// Where it is.
    pub state: MyCommentState,
    /// When it leaves the device, RFC 3339 (while waiting).
    #[ts(optional = nullable)]
    pub sends_after: Option<String>,
    /// HR's replies, oldest first.
    pub replies: Vec<CommentReply>,
    /// Why the server refused it, when it did.
    #[ts(optional = nullable)]
    pub error: Option<String>,
}

/// The employee's comments (IPC `get_my_comments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MyComments {
    /// This week, whose comment can be written.
    pub this_week: String,
    /// The device is enrolled with an organisation server: without it a comment has nowhere to go.
    pub enrolled: bool,
    /// The most characters a comment has.
    pub max_chars: u32,
    /// The fewest comments of a released batch.
    pub batch_minimum: u32,
    /// The comments, newest week first.
    pub comments: Vec<MyComment>,
}

/// The comment to write for this week (IPC `write_comment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct WriteComment {
    /// 1 to 1,000 characters.
    pub text: String,
}

/// The employee's "did it help?" about an action (IPC `answer_action`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AnswerAction {
    /// The action.
    pub action_id: String,
    /// The answer.
    pub verdict: ActionVerdict,
}

/// An answer this device gave about an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyVerdict {
    /// The action.
    pub action_id: String,
    /// The answer.
    pub verdict: ActionVerdict,
    /// It has left the device.
    pub sent: bool,
}
