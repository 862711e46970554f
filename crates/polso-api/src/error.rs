//! The one error contract at every boundary: `{ code, message }`.
//!
//! The UI branches on `code` (a closed set, exported to TypeScript) and shows
//! its own translated words for it; `message` is the English detail for logs
//! and for the rare case the UI has nothing better.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What went wrong, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The OS keyring (Secret Service) could not be used, for a reason
    /// other than the three below.
    KeyringUnavailable,
    /// No Secret Service answers: no D-Bus session, or no keyring daemon running.
    KeyringNoSecretService,
    /// The keyring runs but has no default collection to keep secrets in.
    KeyringNoCollection,
    /// The keyring is locked and was not unlocked (its prompt was dismissed).
    KeyringLocked,
    /// The store exists but its key is no longer in the keyring.
    StoreKeyMissing,
    /// The store file cannot be read: damaged, or encrypted with another key.
    StoreCorrupt,
    /// The store was written by a newer Polso.
    StoreTooNew,
    /// Any other failure to open or write the local store.
    StoreUnavailable,
    /// The disk that holds the local store is full: the change was not written, and nothing
    /// saved before it is lost. It can be made again once there is space.
    StoreFull,
    /// An answer names an item that is not in the item bank.
    UnknownItem,
    /// An answer names an item that is not part of that week's pulse.
    ItemNotInWeek,
    /// An answer's value is outside the item's scale.
    ValueOutOfScale,
    /// The same item is answered twice in one submission.
    DuplicateAnswer,
    /// A submission with no answer at all.
    NoAnswers,
    /// The week's pulse window has closed; its answers are final.
    WeekClosed,
    /// The week's pulse window has not opened yet.
    WeekNotOpen,
    /// A text that should name an ISO week does not.
    InvalidWeek,
    /// The private note is longer than allowed.
    NoteTooLong,
    /// The office and remote days of the week do not add up.
    InvalidWorkWeek,
    /// A setting has a value it cannot take.
    InvalidSetting,
    /// A request body or query that is not well-formed: bad JSON, a wrong
    /// type, a missing or unknown field.
    InvalidInput,
    /// The request speaks a wire version this side does not know.
    UnsupportedVersion,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// No valid token: missing, unknown, revoked, or of the wrong kind.
    Unauthorized,
    /// The token is valid but does not reach what was asked for.
    Forbidden,
    /// No such resource or unit.
    NotFound,
    /// The resource exists but not with this HTTP method.
    MethodNotAllowed,
    /// The invite code is not known.
    InviteUnknown,
    /// The invite code has expired.
    InviteExpired,
    /// The invite code has been used as many times as it allowed.
    InviteExhausted,
    /// A different report for the same device and week was already counted;
    /// a week's report is final. Sent by servers before published releases;
    /// a server now answers any second report of a week as `duplicate`,
    /// since it keeps nothing that could tell two reports apart.
    DuplicateReport,
    /// The report's week has been published: its collection window closed,
    /// so the report can no longer be counted. The app drops it and says so.
    WeekPublished,
    /// The report's week began before the device enrolled; a device reports
    /// only for weeks from its enrolment on.
    WeekBeforeEnrolment,
    /// The team already has as many enrolled devices as its declared
    /// head-count: one person, one voice.
    TeamFull,
    /// Too many requests or failed attempts from this source; the message
    /// says when to try again.
    RateLimited,
    /// The organisation server's address is not an `http://` or `https://` address.
    InvalidServerAddress,
    /// The organisation server could not be reached: no network, a wrong
    /// address, or the server is down. Nothing is lost; reports wait.
    ServerUnreachable,
    /// The organisation server's disk is full: it kept nothing of the request. Reports wait on
    /// the device, which sends them again once the server has space.
    ServerStorageFull,
    /// The device is not enrolled with an organisation server.
    NotEnrolled,
    /// The organisation's server names another helper key than the one this
    /// device pinned (two-server aggregation): reports of two-server weeks
    /// wait, never sent to a key the employee has not seen.
    HelperKeyChanged,
    /// The device's previous comment still waits in its team's pool for a batch to gather; one
    /// device has at most one comment in the pool, so a batch always comes from as many devices
    /// as it holds comments. The app keeps the comment and sends it again later.
    CommentWaiting,
    /// An exported file could not be written where the person chose: no
    /// permission, a full disk, a folder that is gone.
    ExportFailed,
    /// A fault inside Polso; the message says more.
    Internal,
}

/// An error as it crosses a boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// What went wrong, for the UI to branch on.
    pub code: ErrorCode,
    /// A sentence in English naming what is wrong and where.
    pub message: String,
    /// The server's time when it answered (RFC 3339, UTC), on `week_not_open`: the week is not
    /// over by the server's clock, so a device whose clock runs ahead can tell by how much and
    /// send again once it is. Absent everywhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub server_time: Option<String>,
}

impl ApiError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), server_time: None }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
