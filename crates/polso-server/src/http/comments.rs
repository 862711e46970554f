//! Anonymous comments, HR's replies and "did it help?" answers over HTTP
//! ([`crate::store::comments`] keeps the rules):
//!
//! - `POST /v1/comments` (device token): a comment joins its team's pool; nothing about the
//!   device is kept with it, and the answer is the same whether or not it completed a batch;
//! - `GET /v1/comments?team_id=` (HR or the team's manager): the team's released batches;
//! - `POST /v1/comments/{id}/replies` (HR or the team's manager): a reply to a released comment;
//! - `POST /v1/comment-thread` (no token; the thread token is the right to read): a comment's
//!   replies, for its writer's device alone;
//! - `POST /v1/action-verdicts` (device token): "did it help?" about an action of the device's
//!   team.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use polso_api::{
    CommentQuery, CommentReply, CommentThread, MAX_COMMENT_CHARS, MAX_REPLY_CHARS, NewActionVerdict,
    NewComment, NewReply, PoolReceipt, ReplyAuthor, TeamComments, ThreadRequest,
};
use std::time::Instant;

use crate::error::{Result, ServerError};
use crate::http::request_checks::{checked_text, shorten, team_in_reach};
use crate::http::{AppState, AuthenticatedDevice, AuthenticatedReader, VersionedJson};
use crate::rate_limit::AuthenticationAttempt;
use crate::secrets::{Hash32, hash_secret, keyed_hash};
use crate::store::comments::{PoolOutcome, PooledComment, StoredReply, VerdictVote};

/// Pools an employee's comment for their team.
#[utoipa::path(
    post,
    path = "/v1/comments",
    tag = "devices",
    security(("device_token" = [])),
    request_body = polso_api::NewComment,
    responses(
        (status = 202, description = "Pooled (or pooled before: a resend); released to HR with its team's batch", body = polso_api::PoolReceipt),
        (status = 400, description = "`invalid_input`: an empty or too long text, or a thread hash that is not 64 hex digits", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 409, description = "`comment_waiting`: this device's previous comment still waits for its batch; send this one later", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn post_comment(
    State(state): State<AppState>,
    device: AuthenticatedDevice,
    VersionedJson(comment): VersionedJson<NewComment>,
) -> Result<(StatusCode, Json<PoolReceipt>)> {
    let text = checked_text("text", &comment.text, MAX_COMMENT_CHARS)?;
    let thread_hash = hex_digest("thread_hash", &comment.thread_hash)?;
    let membership = device.membership;
    let pooled = PooledComment {
        id: crate::secrets::new_id("cmt")?,
        team_id: membership.team_id.clone(),
        text,
        thread_hash,
        author_key: [0; 32],
        batch_id: crate::secrets::new_id("cbt")?,
    };
    let token = device.token;
    let today = state.clock.now().date_naive();
    let outcome = state
        .blocking(move |store| {
            let author_key = keyed_hash(&store.receipt_secret()?, &[b"comment author", token.as_bytes()]);
            let pooled = PooledComment { author_key, ..pooled };
            store.comments().pool_comment(&membership.organisation_id, &pooled, today)
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(PoolReceipt { already_taken: outcome == PoolOutcome::AlreadyTaken })))
}

/// A team's released comments, with their replies.
#[utoipa::path(
    get,
    path = "/v1/comments",
    tag = "hr",
    security(("hr_token" = [])),
    params(("team_id" = String, Query, description = "The team")),
    responses(
        (status = 200, body = polso_api::TeamComments),
        (status = 400, description = "`invalid_input` (also for unknown parameters)", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 404, description = "`not_found`: no such team within the token's reach", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_comments(
    State(state): State<AppState>,
    AuthenticatedReader(access): AuthenticatedReader,
    query: std::result::Result<Query<CommentQuery>, QueryRejection>,
) -> Result<Json<TeamComments>> {
    let Query(query) = query
        .map_err(|rejection| ServerError::InvalidInput(format!("bad query: {}", rejection.body_text())))?;
    let comments = state
        .blocking(move |store| {
            let tree = store.organisation_tree(&access.organisation_id)?;
            let team_name = team_in_reach(&tree, &access, &query.team_id)?;
            Ok(TeamComments {
                batch_size: store.comments().comment_batch_size(&access.organisation_id)?,
                batches: store.comments().released_comments(&query.team_id)?,
                team_id: query.team_id,
                team_name,
            })
        })
        .await?;
    Ok(Json(comments))
}

/// HR's (or the team's manager's) reply to a released comment.
#[utoipa::path(
    post,
    path = "/v1/comments/{id}/replies",
    tag = "hr",
    security(("hr_token" = [])),
    params(("id" = String, Path, description = "The released comment")),
    request_body = polso_api::NewReply,
    responses(
        (status = 201, body = polso_api::CommentReply),
        (status = 400, description = "`invalid_input`: an empty or too long reply, or too many replies", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 404, description = "`not_found`: no released comment with this id within the token's reach (a pooled one is answered alike)", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn post_reply(
    State(state): State<AppState>,
    AuthenticatedReader(access): AuthenticatedReader,
    Path(comment_id): Path<String>,
    body: std::result::Result<Json<NewReply>, JsonRejection>,
) -> Result<(StatusCode, Json<CommentReply>)> {
    let Json(reply) =
        body.map_err(|rejection| ServerError::InvalidInput(format!("bad reply: {}", rejection.body_text())))?;
    let text = checked_text("text", &reply.text, MAX_REPLY_CHARS)?;
    let author = if access.is_manager() { ReplyAuthor::Manager } else { ReplyAuthor::Hr };
    let stored = StoredReply {
        id: crate::secrets::new_id("rpl")?,
        comment_id,
        text,
        author,
        written_at: state.clock.now(),
    };
    let written = state
        .blocking(move |store| {
            let not_found = || {
                ServerError::NotFound(format!(
                    "there is no released comment '{}' within this token's reach",
                    shorten(&stored.comment_id)
                ))
            };
            let team_id =
                store.comments().released_comment_team(&stored.comment_id)?.ok_or_else(not_found)?;
            let tree = store.organisation_tree(&access.organisation_id)?;
            team_in_reach(&tree, &access, &team_id).map_err(|_| not_found())?;
            store.comments().add_reply(&stored)?;
            Ok(CommentReply {
                text: stored.text,
                author: stored.author,
                written_on: stored.written_at.date_naive().to_string(),
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(written)))
}

/// A comment's thread, for the device that holds its thread token. The request carries no device
/// token: the server cannot tell which device asks.
#[utoipa::path(
    post,
    path = "/v1/comment-thread",
    tag = "devices",
    request_body = polso_api::ThreadRequest,
    responses(
        (status = 200, body = polso_api::CommentThread),
        (status = 400, description = "`invalid_input`: a thread token that is not 64 hex digits", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`: no comment has this thread token (counts as a failed attempt)", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many unknown tokens from this address", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_thread(
    State(state): State<AppState>,
    attempt: AuthenticationAttempt,
    VersionedJson(request): VersionedJson<ThreadRequest>,
) -> Result<Json<CommentThread>> {
    let outcome = async {
        hex_digest("thread_token", &request.thread_token)?;
        let thread_hash = hash_secret(&request.thread_token);
        state
            .blocking(move |store| store.comments().comment_thread(&thread_hash))
            .await?
            .ok_or(ServerError::Unauthorized("no comment has this thread token"))
    }
    .await;
    attempt.judge(outcome, Instant::now()).map(Json)
}

/// Counts a device's "did it help?" about an action of its team.
#[utoipa::path(
    post,
    path = "/v1/action-verdicts",
    tag = "devices",
    security(("device_token" = [])),
    request_body = polso_api::NewActionVerdict,
    responses(
        (status = 202, description = "Counted (or counted before: each device answers once per action); HR sees counts in steps of at least k", body = polso_api::PoolReceipt),
        (status = 400, description = "`invalid_input`", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 404, description = "`not_found`: the device's team has no such action", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn post_verdict(
    State(state): State<AppState>,
    device: AuthenticatedDevice,
    VersionedJson(verdict): VersionedJson<NewActionVerdict>,
) -> Result<(StatusCode, Json<PoolReceipt>)> {
    let membership = device.membership;
    let token = device.token;
    let counted = state
        .blocking(move |store| {
            let k = store.organisation(&membership.organisation_id)?.k.get();
            let voter_key = keyed_hash(
                &store.receipt_secret()?,
                &[b"action verdict", token.as_bytes(), verdict.action_id.as_bytes()],
            );
            let vote = VerdictVote {
                action_id: verdict.action_id,
                team_id: membership.team_id,
                voter_key,
                verdict: verdict.verdict,
            };
            store.comments().record_verdict(&vote, k)
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(PoolReceipt { already_taken: !counted })))
}

/// `text` as 32 bytes, when it is 64 lower-case hex digits.
fn hex_digest(field: &str, text: &str) -> Result<Hash32> {
    let bad = || ServerError::InvalidInput(format!("field '{field}' must be 64 lower-case hex digits"));
    if text.len() != 64 {
        return Err(bad());
    }
    let mut bytes = [0u8; 32];
    for (index, pair) in text.as_bytes().chunks(2).enumerate() {
        let digit = |byte: u8| match byte {
            b'0'..=b'9' => Some(byte - b'0'),
            b'a'..=b'f' => Some(byte - b'a' + 10),
            _ => None,
        };
        bytes[index] =
            digit(pair[0]).zip(digit(pair[1])).map(|(high, low)| high << 4 | low).ok_or_else(bad)?;
    }
    Ok(bytes)
}
