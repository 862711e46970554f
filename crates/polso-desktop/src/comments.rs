//! Anonymous comments and "did it help?" answers on the device (DESIGN.md, privacy point 6).
//!
//! - A comment is written for this week and kept in the store as the employee's own copy. While
//!   its week is open it is a draft that can change or be withdrawn; nothing leaves the device.
//! - Once its week has closed it is queued exactly like a report ([`sync::report_due_at`]: the
//!   app's own random delay, never below an hour, whatever the server says), with a fresh thread
//!   token of 32 random bytes from the operating system. The token is kept in the OS keyring (one
//!   entry holding the device's threads), never in the store; only its SHA-256 goes with the
//!   comment. The body is padded to [`COMMENT_BODY_BYTES`], so its length says nothing of the text.
//! - HR's replies are fetched with the thread token alone (`POST /v1/comment-thread`, no device
//!   token), one thread per request, so the server cannot tie threads to a device or to each
//!   other by the request.
//! - A "did it help?" answer about an action of the team is kept once and sent after the same
//!   random delay, padded to [`VERDICT_BODY_BYTES`].
//!
//! As in [`crate::sync`], a pass is split so the shell never holds the store while the network
//! answers: [`Desktop::prepare_outbox`] then [`send_outbox`] then [`Desktop::record_outbox`];
//! [`Desktop::prepare_threads`] then [`read_threads`] then [`Desktop::keep_threads`].

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use polso_api::{
    ActionVerdict, AnswerAction, COMMENT_BODY_BYTES, CommentReply, CommentThread, ErrorCode,
    MAX_COMMENT_CHARS, MIN_COMMENT_BATCH, MyComment, MyCommentState, MyComments, MyVerdict, NewActionVerdict,
    NewComment, ThreadRequest, VERDICT_BODY_BYTES, WIRE_VERSION, WriteComment,
};
use polso_api::{ApiError, MyTeamMonth, NewReply, TeamComments};
use polso_core::IsoWeek;
use polso_store::{CommentState, LocalComment};
use sha2::{Digest, Sha256};

use crate::Desktop;
use crate::errors::{store_to_api, vault_to_api};
use crate::hr::{HrCredentials, HrTransport, get_from_server, post_to_server};
use crate::reporting::failure_of;
use crate::sync::{self, RetryAfter};
use crate::transport::{HttpAnswer, SyncTransport, polso_error, unreachable};

/// How long after a comment is sent its thread is still read for replies.
const THREAD_WEEKS: i64 = 26;

/// The wait before a comment refused as `comment_waiting` is tried again: the team's batch gathers
/// over weeks, not minutes.
const WAITING_RETRY_HOURS: i64 = 24;

/// The least time between two background readings of the threads.
const THREAD_READ_INTERVAL_MINUTES: i64 = 60;

/// The settings key of the last reading of the threads.
const THREADS_READ_AT_KEY: &str = "comment_threads_read_at";

/// What one pass sends: due comments and answers, with where and how. Holds the device token and
/// thread hashes, so it has no `Debug` that prints them.
pub struct OutboxBatch {
    server_url: String,
    device_token: String,
    items: Vec<(OutboxItem, &'static str, String)>,
}

/// One thing the outbox sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxItem {
    /// The comment of this week.
    Comment(IsoWeek),
    /// The answer about this action.
    Verdict(String),
}

/// What became of one item of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxOutcome {
    /// The server took it (now or before).
    Sent(OutboxItem),
    /// Try again at the backoff (or not before the given instant).
    Retry(OutboxItem, ApiError, Option<RetryAfter>),
    /// Try again in a day: the device's previous comment still waits for its batch.
    Waiting(OutboxItem, ApiError),
    /// Refused for good.
    Refused(OutboxItem, ApiError),
}

/// The threads to read: the server and the tokens of sent comments. Holds secrets, so it has no
/// `Debug` that prints them.
pub struct ThreadCheck {
    server_url: String,
    threads: Vec<(IsoWeek, String)>,
}

impl Desktop {
    /// The employee's comments, newest week first, and whether one can be written this week.
    pub fn my_comments(&self, today: NaiveDate) -> Result<MyComments, ApiError> {
        let comments = self.store.comments().map_err(store_to_api)?;
        Ok(MyComments {
            this_week: IsoWeek::containing(today).to_string(),
            enrolled: self.enrolment_facts()?.is_some(),
            max_chars: MAX_COMMENT_CHARS as u32,
            batch_minimum: MIN_COMMENT_BATCH,
            comments: comments.iter().map(comment_to_wire).collect(),
        })
    }

    /// Writes (or rewrites) this week's comment: 1 to 1,000 characters, no control character but
    /// line breaks. Refused before enrolment (a comment has nowhere to go) and once this week's
    /// comment has left the draft state.
    pub fn write_comment(
        &mut self,
        comment: &WriteComment,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<MyComments, ApiError> {
        if self.enrolment_facts()?.is_none() {
            return Err(ApiError::new(
                ErrorCode::NotEnrolled,
                "a comment goes to your organisation's server; enrol this device first",
            ));
        }
        let text = checked_comment(&comment.text)?;
        self.store.save_comment_draft(IsoWeek::containing(today), &text, now).map_err(store_to_api)?;
        self.my_comments(today)
    }

    /// Withdraws this week's draft comment; a comment on its way stays.
    pub fn withdraw_comment(&mut self, today: NaiveDate) -> Result<MyComments, ApiError> {
        self.store.delete_comment_draft(IsoWeek::containing(today)).map_err(store_to_api)?;
        self.my_comments(today)
    }

    /// Keeps the employee's "did it help?" about an action of their team, due after the app's
    /// random delay; an action is answered once (a second answer changes nothing).
    pub fn answer_action(
        &mut self,
        answer: &AnswerAction,
        now: DateTime<Utc>,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<Vec<MyVerdict>, ApiError> {
        let Some(facts) = self.enrolment_facts()? else {
            return Err(ApiError::new(ErrorCode::NotEnrolled, "this device is not enrolled with a server"));
        };
        let action_id = answer.action_id.trim();
        if action_id.is_empty() || action_id.len() > 64 || action_id.chars().any(char::is_control) {
            return Err(ApiError::new(ErrorCode::InvalidInput, "field 'action_id' is not an action's id"));
        }
        let due_at = now + sync::send_delay(facts.max_random_delay_seconds, random);
        self.store.save_verdict(action_id, verdict_text(answer.verdict), due_at).map_err(store_to_api)?;
        self.my_verdicts()
    }

    /// This device's answers about actions.
    pub fn my_verdicts(&self) -> Result<Vec<MyVerdict>, ApiError> {
        self.store
            .verdicts()
            .map_err(store_to_api)?
            .into_iter()
            .filter_map(|verdict| {
                parse_verdict(&verdict.verdict).map(|answer| MyVerdict {
                    action_id: verdict.action_id,
                    verdict: answer,
                    sent: verdict.sent,
                })
            })
            .map(Ok)
            .collect()
    }

    /// `month` with this device's own answers about its actions.
    pub fn with_my_verdicts(&self, mut month: MyTeamMonth) -> Result<MyTeamMonth, ApiError> {
        month.my_verdicts = self.my_verdicts()?;
        Ok(month)
    }

    /// The first step of the outbox, on the store only: queues the comments of closed weeks (each
    /// with a new thread token kept in the keyring, due after the app's random delay) and returns
    /// the comments and answers due at `now`; `None` when nothing is due or the device is not
    /// enrolled.
    pub fn prepare_outbox(
        &mut self,
        today: NaiveDate,
        now: DateTime<Utc>,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<Option<OutboxBatch>, ApiError> {
        let Some(facts) = self.enrolment_facts()? else { return Ok(None) };
        let this_week = IsoWeek::containing(today);
        let comments = self.store.comments().map_err(store_to_api)?;
        let verdicts_due = self
            .store
            .verdicts()
            .map_err(store_to_api)?
            .iter()
            .any(|verdict| !verdict.sent && !verdict.failed);
        let comments_unsent = comments
            .iter()
            .any(|comment| matches!(comment.state, CommentState::Draft | CommentState::Pending));
        if !comments_unsent && !verdicts_due {
            // Nothing to send: the keyring is not even asked.
            return Ok(None);
        }
        let mut threads = if comments_unsent { self.thread_tokens()? } else { BTreeMap::new() };
        for comment in comments {
            // Written before this device joined its current team: it was meant for another team,
            // so it never goes to this one. It stays here, failed, saying why.
            let unsent = matches!(comment.state, CommentState::Draft | CommentState::Pending);
            if unsent && comment.week < facts.enrolled_week {
                let error = ApiError::new(
                    ErrorCode::WeekBeforeEnrolment,
                    format!(
                        "this comment for {} was written before this device joined its current team, so it is not sent",
                        comment.week
                    ),
                );
                self.store
                    .record_comment_failure(comment.week, &failure_of(&error), None)
                    .map_err(store_to_api)?;
                continue;
            }
            if comment.state == CommentState::Draft && comment.week < this_week {
                if let std::collections::btree_map::Entry::Vacant(entry) =
                    threads.entry(comment.week.to_string())
                {
                    entry.insert(new_thread_token()?);
                    self.keep_thread_tokens(&threads)?;
                }
                let due_at = sync::report_due_at(comment.week, now, facts.max_random_delay_seconds, random);
                self.store.queue_comment(comment.week, due_at).map_err(store_to_api)?;
            }
        }
        let mut items = Vec::new();
        for comment in self.store.comments().map_err(store_to_api)? {
            let due =
                comment.state == CommentState::Pending && comment.next_attempt_at.is_some_and(|at| at <= now);
            let Some(token) = threads.get(&comment.week.to_string()).filter(|_| due) else { continue };
            let body = NewComment {
                wire_version: WIRE_VERSION,
                text: comment.text.clone(),
                thread_hash: sha256_hex(token),
                padding: String::new(),
            };
            items.push((
                OutboxItem::Comment(comment.week),
                "/v1/comments",
                padded(&body, COMMENT_BODY_BYTES)?,
            ));
        }
        for verdict in self.store.verdicts().map_err(store_to_api)? {
            let due = !verdict.sent && !verdict.failed && verdict.next_attempt_at.is_some_and(|at| at <= now);
            let Some(answer) = parse_verdict(&verdict.verdict).filter(|_| due) else { continue };
            let body = NewActionVerdict {
                wire_version: WIRE_VERSION,
                action_id: verdict.action_id.clone(),
                verdict: answer,
                padding: String::new(),
            };
            items.push((
                OutboxItem::Verdict(verdict.action_id),
                "/v1/action-verdicts",
                padded(&body, VERDICT_BODY_BYTES)?,
            ));
        }
        if items.is_empty() {
            return Ok(None);
        }
        let device_token = self.device_token()?;
        Ok(Some(OutboxBatch { server_url: facts.server_url, device_token, items }))
    }

    /// The last step of the outbox, on the store only: records each outcome.
    pub fn record_outbox(&mut self, outcomes: &[OutboxOutcome], now: DateTime<Utc>) -> Result<(), ApiError> {
        for outcome in outcomes {
            match outcome {
                OutboxOutcome::Sent(OutboxItem::Comment(week)) => {
                    self.store.mark_comment_sent(*week, now).map_err(store_to_api)?;
                }
                OutboxOutcome::Sent(OutboxItem::Verdict(action_id)) => {
                    self.store.record_verdict_outcome(action_id, true, None).map_err(store_to_api)?;
                }
                OutboxOutcome::Retry(item, error, retry_after) => {
                    let attempts = self.outbox_attempts(item)?;
                    let retry_at = sync::next_attempt_at(now, attempts, *retry_after);
                    self.record_outbox_failure(item, error, Some(retry_at))?;
                }
                OutboxOutcome::Waiting(item, error) => {
                    let retry_at = now + chrono::Duration::hours(WAITING_RETRY_HOURS);
                    self.record_outbox_failure(item, error, Some(retry_at))?;
                }
                OutboxOutcome::Refused(item, error) => self.record_outbox_failure(item, error, None)?,
            }
        }
        Ok(())
    }

    /// The threads to read now: those of comments sent in the last 26 weeks, at most once an hour
    /// unless `read_now` (the employee pressed "Sync now" or opened their comments); `None` when
    /// there is none or the device is not enrolled.
    pub fn prepare_threads(
        &self,
        now: DateTime<Utc>,
        read_now: bool,
    ) -> Result<Option<ThreadCheck>, ApiError> {
        let Some(facts) = self.enrolment_facts()? else { return Ok(None) };
        let last_read = self.store.setting(THREADS_READ_AT_KEY).map_err(store_to_api)?;
        let recently = last_read
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
            .is_some_and(|at| now - at.to_utc() < chrono::Duration::minutes(THREAD_READ_INTERVAL_MINUTES));
        if recently && !read_now {
            return Ok(None);
        }
        let oldest = IsoWeek::containing(now.date_naive()).plus_weeks(-THREAD_WEEKS);
        let sent: Vec<IsoWeek> = self
            .store
            .comments()
            .map_err(store_to_api)?
            .into_iter()
            .filter(|comment| comment.state == CommentState::Sent && comment.week >= oldest)
            .map(|comment| comment.week)
            .collect();
        if sent.is_empty() {
            // No thread to read: the keyring is not even asked.
            return Ok(None);
        }
        let tokens = self.thread_tokens()?;
        let threads: Vec<(IsoWeek, String)> = sent
            .into_iter()
            .filter_map(|week| tokens.get(&week.to_string()).map(|token| (week, token.clone())))
            .collect();
        if threads.is_empty() {
            return Ok(None);
        }
        Ok(Some(ThreadCheck { server_url: facts.server_url, threads }))
    }

    /// Keeps what the server said of each thread; a thread that could not be read keeps what it
    /// had.
    pub fn keep_threads(
        &mut self,
        read: Vec<(IsoWeek, Result<CommentThread, ApiError>)>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        for (week, thread) in read {
            let Ok(thread) = thread else { continue };
            let replies = serde_json::to_string(&thread.replies)
                .map_err(|error| ApiError::new(ErrorCode::Internal, format!("keeping replies: {error}")))?;
            self.store.keep_comment_thread(week, thread.released, &replies).map_err(store_to_api)?;
        }
        self.store
            .set_setting(THREADS_READ_AT_KEY, &now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .map_err(store_to_api)
    }

    fn outbox_attempts(&self, item: &OutboxItem) -> Result<u32, ApiError> {
        Ok(match item {
            OutboxItem::Comment(week) => {
                self.store.comment(*week).map_err(store_to_api)?.map_or(0, |comment| comment.attempts)
            }
            OutboxItem::Verdict(action_id) => self
                .store
                .verdicts()
                .map_err(store_to_api)?
                .iter()
                .find(|verdict| &verdict.action_id == action_id)
                .map_or(0, |verdict| verdict.attempts),
        })
    }

    fn record_outbox_failure(
        &mut self,
        item: &OutboxItem,
        error: &ApiError,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), ApiError> {
        match item {
            OutboxItem::Comment(week) => {
                self.store.record_comment_failure(*week, &failure_of(error), retry_at).map_err(store_to_api)
            }
            OutboxItem::Verdict(action_id) => {
                self.store.record_verdict_outcome(action_id, false, retry_at).map_err(store_to_api)
            }
        }
    }

    /// The keyring account of the device's thread tokens.
    fn threads_account(&self) -> String {
        threads_account(&self.device_token_account)
    }

    /// The thread tokens kept in the keyring, by week.
    fn thread_tokens(&self) -> Result<BTreeMap<String, String>, ApiError> {
        let kept = self.device_vault()?.get(&self.threads_account()).map_err(vault_to_api)?;
        Ok(kept.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default())
    }

    fn keep_thread_tokens(&self, tokens: &BTreeMap<String, String>) -> Result<(), ApiError> {
        let text = serde_json::to_string(tokens)
            .map_err(|error| ApiError::new(ErrorCode::Internal, format!("keeping thread tokens: {error}")))?;
        self.device_vault()?.set(&self.threads_account(), &text).map_err(vault_to_api)
    }
}

/// The keyring account that keeps the thread tokens of the device whose token is kept under
/// `device_token_account`; deleting the local data deletes it too.
pub fn threads_account(device_token_account: &str) -> String {
    format!("{device_token_account}#comment-threads")
}

/// A team's released comments, for HR or the team's manager (`GET /v1/comments?team_id=`).
pub fn read_team_comments(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    team_id: &str,
) -> Result<TeamComments, ApiError> {
    let team = utf8_percent_encode(team_id, NON_ALPHANUMERIC);
    get_from_server(transport, credentials, &format!("/v1/comments?team_id={team}"))
}

/// HR's (or the manager's) reply to a released comment; the server words its refusals.
pub fn reply_to_comment(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    comment_id: &str,
    reply: &NewReply,
) -> Result<CommentReply, ApiError> {
    let comment = utf8_percent_encode(comment_id, NON_ALPHANUMERIC);
    post_to_server(transport, credentials, &format!("/v1/comments/{comment}/replies"), reply)
}

/// Sends each item of `batch`. Touches no store. When the server cannot be reached, the rest wait
/// for the next pass.
pub fn send_outbox(transport: &dyn SyncTransport, batch: &OutboxBatch) -> Vec<OutboxOutcome> {
    let mut outcomes = Vec::with_capacity(batch.items.len());
    let mut unreachable_error: Option<ApiError> = None;
    for (item, path, body) in &batch.items {
        if let Some(error) = &unreachable_error {
            outcomes.push(OutboxOutcome::Retry(item.clone(), error.clone(), None));
            continue;
        }
        let url = format!("{}{path}", batch.server_url);
        match transport.post_json_with_retry_after(&url, Some(&batch.device_token), body) {
            Ok((answer, retry_after)) => outcomes.push(classify(
                &batch.server_url,
                item.clone(),
                &answer,
                retry_after.as_deref().and_then(RetryAfter::parse),
            )),
            Err(failure) => {
                let error = unreachable(&batch.server_url, &failure);
                unreachable_error = Some(error.clone());
                outcomes.push(OutboxOutcome::Retry(item.clone(), error, None));
            }
        }
    }
    outcomes
}

/// Reads each thread of `check`, one request per thread and no device token on any.
pub fn read_threads(
    transport: &dyn SyncTransport,
    check: &ThreadCheck,
) -> Vec<(IsoWeek, Result<CommentThread, ApiError>)> {
    let server_url = &check.server_url;
    check
        .threads
        .iter()
        .map(|(week, token)| {
            let request = ThreadRequest { wire_version: WIRE_VERSION, thread_token: token.clone() };
            let read = serde_json::to_string(&request)
                .map_err(|error| ApiError::new(ErrorCode::Internal, format!("encoding: {error}")))
                .and_then(|body| {
                    transport
                        .post_json(&format!("{server_url}/v1/comment-thread"), None, &body)
                        .map_err(|failure| unreachable(server_url, &failure))
                })
                .and_then(|answer| {
                    if (200..300).contains(&answer.status) {
                        serde_json::from_str::<CommentThread>(&answer.body).map_err(|_| {
                            ApiError::new(
                                ErrorCode::InvalidServerAddress,
                                format!("the server at {server_url} does not answer like a Polso server"),
                            )
                        })
                    } else {
                        Err(polso_error(server_url, &answer).unwrap_or_else(|fault| fault))
                    }
                });
            (*week, read)
        })
        .collect()
}

/// Sorts the server's answer into sent, waiting, retry and refused.
fn classify(
    server_url: &str,
    item: OutboxItem,
    answer: &HttpAnswer,
    retry_after: Option<RetryAfter>,
) -> OutboxOutcome {
    if (200..300).contains(&answer.status) {
        return OutboxOutcome::Sent(item);
    }
    let error = match polso_error(server_url, answer) {
        Ok(error) => error,
        Err(fault) => return OutboxOutcome::Retry(item, fault, retry_after),
    };
    match (error.code, answer.status) {
        (ErrorCode::CommentWaiting, _) => OutboxOutcome::Waiting(item, error),
        (ErrorCode::RateLimited, _) | (_, 408 | 429 | 500..=599) => {
            OutboxOutcome::Retry(item, error, retry_after)
        }
        (_, 400..=499) => OutboxOutcome::Refused(item, error),
        _ => OutboxOutcome::Retry(item, error, None),
    }
}

/// `text` trimmed, when it is 1 to [`MAX_COMMENT_CHARS`] characters with no control character but
/// line breaks.
fn checked_comment(text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 {
        return Err(ApiError::new(ErrorCode::InvalidInput, "field 'text': the comment is empty"));
    }
    if length > MAX_COMMENT_CHARS {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("field 'text': a comment has at most {MAX_COMMENT_CHARS} characters ({length} given)"),
        ));
    }
    if text.chars().any(|character| character.is_control() && character != '\n') {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "field 'text': the comment holds a control character; only line breaks are allowed",
        ));
    }
    Ok(text.to_owned())
}

/// A comment as the app shows it.
fn comment_to_wire(comment: &LocalComment) -> MyComment {
    let state = match comment.state {
        CommentState::Draft => MyCommentState::Draft,
        CommentState::Pending => MyCommentState::Waiting,
        CommentState::Sent if comment.released => MyCommentState::ReachedHr,
        CommentState::Sent => MyCommentState::Pooled,
        CommentState::Failed => MyCommentState::Failed,
    };
    MyComment {
        week: comment.week.to_string(),
        week_monday: comment.week.monday().to_string(),
        text: comment.text.clone(),
        state,
        sends_after: (state == MyCommentState::Waiting)
            .then(|| comment.next_attempt_at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
            .flatten(),
        replies: serde_json::from_str::<Vec<CommentReply>>(&comment.replies_json).unwrap_or_default(),
        error: (state == MyCommentState::Failed)
            .then(|| comment.last_error.as_ref().map(|failure| failure.message.clone()))
            .flatten(),
    }
}

/// `body` as JSON with its `padding` field set to the spaces that bring it to a multiple of `size`
/// bytes (at least `size`).
fn padded(body: &impl serde::Serialize, size: usize) -> Result<String, ApiError> {
    let internal =
        |error: serde_json::Error| ApiError::new(ErrorCode::Internal, format!("encoding: {error}"));
    let mut value = serde_json::to_value(body).map_err(internal)?;
    value["padding"] = serde_json::Value::String(String::new());
    let length = serde_json::to_string(&value).map_err(internal)?.len();
    let target = length.div_ceil(size).max(1) * size;
    // Spaces need no escaping in JSON: each adds exactly one byte.
    value["padding"] = serde_json::Value::String(" ".repeat(target - length));
    serde_json::to_string(&value).map_err(internal)
}

/// A new thread token: 32 bytes from the operating system's random source, in hex.
fn new_thread_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| {
        ApiError::new(ErrorCode::Internal, format!("the operating system gave no random bytes: {error}"))
    })?;
    Ok(to_hex(&bytes))
}

/// The SHA-256 of `text`, in lower-case hex.
fn sha256_hex(text: &str) -> String {
    to_hex(&Sha256::digest(text.as_bytes()))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn verdict_text(verdict: ActionVerdict) -> &'static str {
    match verdict {
        ActionVerdict::Helped => "helped",
        ActionVerdict::DidNotHelp => "did_not_help",
        ActionVerdict::TooEarly => "too_early",
    }
}

fn parse_verdict(text: &str) -> Option<ActionVerdict> {
    match text {
        "helped" => Some(ActionVerdict::Helped),
        "did_not_help" => Some(ActionVerdict::DidNotHelp),
        "too_early" => Some(ActionVerdict::TooEarly),
        _ => None,
    }
}

#[cfg(test)]
#[path = "comments_tests.rs"]
mod tests;
