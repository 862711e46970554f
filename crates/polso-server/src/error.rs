//! The server's failures, each named by what went wrong, and how each one
//! becomes the one `{ code, message }` error on the wire.
//!
//! Client errors say what is wrong in words the client can act on; they are
//! not logged, because their message may repeat a value the client sent.
//! Internal errors are logged in full and reach the client only as
//! `internal`, with no detail of the database or the code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use polso_api::{ApiError, ErrorCode};
use polso_core::anonymity::AnonymityError;
use polso_core::week::WeekError;

/// The server's result type.
pub type Result<T, E = ServerError> = std::result::Result<T, E>;

/// Everything that can go wrong in the server, from a bad request to a broken disk.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The body or query is not what the endpoint takes.
    #[error("{0}")]
    InvalidInput(String),
    /// The request speaks another wire version.
    #[error("wire version {asked} is not supported; this server speaks version {supported}")]
    UnsupportedVersion {
        /// The version the request named.
        asked: u64,
        /// The version this server speaks.
        supported: u32,
    },
    /// The body is larger than the limit.
    #[error("the request body is larger than {limit_bytes} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit_bytes: usize,
    },
    /// No valid token of the kind the endpoint needs.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The token does not reach what was asked.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// The path exists, not with this method.
    #[error("this path does not accept that method")]
    MethodNotAllowed,
    /// The invite code is not known.
    #[error("this invite code is not known; check it with whoever gave it to you")]
    InviteUnknown,
    /// The invite code has expired.
    #[error("this invite code has expired; ask for a new one")]
    InviteExpired,
    /// The invite code has no uses left.
    #[error("this invite code has been used as many times as it allowed; ask for a new one")]
    InviteExhausted,
    /// The invite's team now enrols by personal codes only.
    #[error("this team now joins with personal codes, one per person; ask HR for yours")]
    InviteSuperseded,
    /// A different report for the same device and week was already counted.
    #[error("a different report for {week} was already counted from this device; a week's report is final")]
    DuplicateReport {
        /// The week of the report.
        week: String,
    },
    /// A report names an item the bank does not have.
    #[error("item '{item_id}' is not in the item bank")]
    UnknownItem {
        /// The item named.
        item_id: String,
    },
    /// A report answers an item its week did not ask.
    #[error("item '{item_id}' is not part of {week}'s pulse")]
    ItemNotInWeek {
        /// The item named.
        item_id: String,
        /// The week of the report.
        week: String,
    },
    /// A value or score outside its range.
    #[error("{what} is {value}, outside {min}..={max}")]
    ValueOutOfScale {
        /// Which item or metric.
        what: String,
        /// The value sent.
        value: f64,
        /// The lowest value allowed.
        min: f64,
        /// The highest value allowed.
        max: f64,
    },
    /// An item or metric appears twice in one report.
    #[error("{what} appears more than once in the report")]
    DuplicateAnswer {
        /// Which item or metric.
        what: String,
    },
    /// A report with nothing in it.
    #[error("the report has no item value and no metric score")]
    NoAnswers,
    /// A text that is not an ISO week.
    #[error(transparent)]
    InvalidWeek(#[from] WeekError),
    /// A report for a week that is not over yet by the server's clock.
    #[error("{week} is not over yet by the server's clock (it is {} there)", server_time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))]
    WeekNotOpen {
        /// The week of the report.
        week: String,
        /// The server's time, which the answer carries.
        server_time: chrono::DateTime<chrono::Utc>,
    },
    /// A report for a week too long closed.
    #[error("{week} closed too long ago; the oldest week accepted now is {oldest}")]
    WeekClosed {
        /// The week of the report.
        week: String,
        /// The oldest week accepted now.
        oldest: String,
    },
    /// A report for a week whose snapshot is published (its collection window closed).
    #[error("{week} was published on {published_at}; reports for it can no longer be counted")]
    WeekPublished {
        /// The week of the report.
        week: String,
        /// When its collection window closed, RFC 3339.
        published_at: String,
    },
    /// A report for a week that began before the device enrolled.
    #[error(
        "{week} began before this device enrolled (in {enrolled}); a device reports from its enrolment week on"
    )]
    WeekBeforeEnrolment {
        /// The week of the report.
        week: String,
        /// The device's enrolment week.
        enrolled: String,
    },
    /// The team has as many devices as its declared head-count.
    #[error("team '{team_id}' already has {headcount} enrolled devices, its declared head-count")]
    TeamFull {
        /// The team.
        team_id: String,
        /// Its declared head-count.
        headcount: u32,
    },
    /// The team's head-count has not been declared, so it enrols no device yet.
    #[error(
        "team '{team_id}' has no declared head-count yet, so no device can enrol into it; \
         the administrator declares it with `polso-server set-headcount`"
    )]
    HeadcountNotDeclared {
        /// The team.
        team_id: String,
    },
    /// Too many requests or failures from one source.
    #[error("too many attempts from this address; try again in {retry_after_seconds} s")]
    RateLimited {
        /// When the next attempt may succeed, in seconds.
        retry_after_seconds: u64,
    },
    /// k asked below the minimum.
    #[error(transparent)]
    Threshold(#[from] AnonymityError),
    /// k lowered after reports were counted.
    #[error(
        "k cannot be lowered from {current} to {asked}: reports have been counted, and a lower k would \
         re-expose cells that were withheld; k can only be raised now"
    )]
    ThresholdCannotBeLowered {
        /// The organisation's k now.
        current: u32,
        /// The k asked for.
        asked: u32,
    },
    /// An administrative command needs an organisation and cannot tell which.
    #[error("{0}")]
    OrganisationAmbiguous(String),
    /// PostgreSQL would not keep a commit through a crash or a power cut.
    #[error(
        "PostgreSQL runs with {setting} = {value}: a report it acknowledged could be lost at a crash \
         or a power cut, and the device that sent it would never send it again. Set {setting} = on \
         (postgresql.conf, then reload PostgreSQL) and start polso-server again"
    )]
    DatabaseNotDurable {
        /// The setting.
        setting: &'static str,
        /// Its value.
        value: String,
    },
    /// The database was written by a newer polso-server.
    #[error(
        "the database has schema version {found}, newer than the {supported} this polso-server knows; \
         run a newer polso-server"
    )]
    DatabaseTooNew {
        /// The schema version found.
        found: usize,
        /// The newest this code knows.
        supported: usize,
    },
    /// The database file fails SQLite's integrity check, or is not a database.
    #[error(
        "the database {path} is damaged ({detail}); nothing was changed: restore it from a backup, \
         or move it away to start with an empty one"
    )]
    DatabaseDamaged {
        /// The file.
        path: String,
        /// What SQLite found first.
        detail: String,
    },
    /// The database is open in another process (a running server), so it cannot be replaced.
    #[error(
        "the database {path} is in use by another process; stop the server (every process using \
         the file) and run the command again. Nothing was changed"
    )]
    DatabaseInUse {
        /// The file.
        path: String,
    },
    /// What was given as a backup is not a Polso server database.
    #[error("{path} is not a Polso server database ({detail}); nothing was changed")]
    NotABackup {
        /// The file.
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A week was published already (by another server on the same database); a published week never changes.
    #[error("{week} is already published; a published week never changes")]
    AlreadyPublished {
        /// The week.
        week: String,
    },
    /// SQLite failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("database: {0}")]
    Postgres(#[from] postgres::Error),
    /// No PostgreSQL connection could be had from the pool in time.
    #[error("database connection: {0}")]
    Pool(#[from] r2d2::Error),
    /// The database's disk is full: a write that is one of several failed together (a group
    /// of reports committed at once), with the database's words.
    #[error("database: {0}")]
    StorageFull(String),
    /// A migration failed.
    #[error("database migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// The operating system gave no random bytes.
    #[error("no randomness from the operating system: {0}")]
    Randomness(String),
    /// A blocking task panicked or was cancelled.
    #[error("a background task failed: {0}")]
    BlockingTask(String),
    /// Data in the database is not what the code expects.
    #[error("the database holds unexpected data: {0}")]
    CorruptData(String),
    /// The device already has a comment in its team's pool, waiting for a batch.
    #[error(
        "this device's previous comment still waits for its team's batch to gather; send this one after that batch is released"
    )]
    CommentWaiting,
    /// The organisation's helper server (two-server aggregation) could not
    /// be reached, or answered with an error.
    #[error("the helper server: {0}")]
    Helper(String),
}

impl ServerError {
    /// The code the client branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            full if full.is_storage_full() => ErrorCode::ServerStorageFull,
            ServerError::InvalidInput(_) | ServerError::AlreadyPublished { .. } => ErrorCode::InvalidInput,
            ServerError::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            ServerError::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            ServerError::Unauthorized(_) => ErrorCode::Unauthorized,
            ServerError::Forbidden(_) => ErrorCode::Forbidden,
            ServerError::NotFound(_) => ErrorCode::NotFound,
            ServerError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ServerError::InviteUnknown => ErrorCode::InviteUnknown,
            ServerError::InviteExpired => ErrorCode::InviteExpired,
            ServerError::InviteExhausted => ErrorCode::InviteExhausted,
            ServerError::InviteSuperseded => ErrorCode::InviteExpired,
            ServerError::DuplicateReport { .. } => ErrorCode::DuplicateReport,
            ServerError::UnknownItem { .. } => ErrorCode::UnknownItem,
            ServerError::ItemNotInWeek { .. } => ErrorCode::ItemNotInWeek,
            ServerError::ValueOutOfScale { .. } => ErrorCode::ValueOutOfScale,
            ServerError::DuplicateAnswer { .. } => ErrorCode::DuplicateAnswer,
            ServerError::NoAnswers => ErrorCode::NoAnswers,
            ServerError::InvalidWeek(_) => ErrorCode::InvalidWeek,
            ServerError::WeekNotOpen { .. } => ErrorCode::WeekNotOpen,
            ServerError::WeekClosed { .. } => ErrorCode::WeekClosed,
            ServerError::WeekPublished { .. } => ErrorCode::WeekPublished,
            ServerError::WeekBeforeEnrolment { .. } => ErrorCode::WeekBeforeEnrolment,
            ServerError::TeamFull { .. } | ServerError::HeadcountNotDeclared { .. } => ErrorCode::TeamFull,
            ServerError::RateLimited { .. } => ErrorCode::RateLimited,
            ServerError::Threshold(_)
            | ServerError::ThresholdCannotBeLowered { .. }
            | ServerError::OrganisationAmbiguous(_) => ErrorCode::InvalidSetting,
            ServerError::DatabaseTooNew { .. }
            | ServerError::DatabaseNotDurable { .. }
            | ServerError::DatabaseDamaged { .. }
            | ServerError::DatabaseInUse { .. }
            | ServerError::NotABackup { .. }
            | ServerError::Database(_)
            | ServerError::StorageFull(_)
            | ServerError::Postgres(_)
            | ServerError::Pool(_)
            | ServerError::Migration(_)
            | ServerError::Randomness(_)
            | ServerError::BlockingTask(_)
            | ServerError::CorruptData(_) => ErrorCode::Internal,
            ServerError::Helper(_) => ErrorCode::ServerUnreachable,
            ServerError::CommentWaiting => ErrorCode::CommentWaiting,
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(&self) -> StatusCode {
        match self.code() {
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound | ErrorCode::InviteUnknown => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::InviteExpired | ErrorCode::InviteExhausted => StatusCode::GONE,
            ErrorCode::DuplicateReport | ErrorCode::TeamFull | ErrorCode::CommentWaiting => {
                StatusCode::CONFLICT
            }
            ErrorCode::WeekPublished => StatusCode::GONE,
            ErrorCode::WeekBeforeEnrolment => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServerUnreachable => StatusCode::BAD_GATEWAY,
            ErrorCode::ServerStorageFull => StatusCode::INSUFFICIENT_STORAGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// Whether the database's disk is full (SQLite's `SQLITE_FULL`, PostgreSQL's `disk_full`):
    /// the transaction wrote nothing, and the same request succeeds once there is space.
    pub fn is_storage_full(&self) -> bool {
        match self {
            ServerError::Database(error)
            | ServerError::Migration(rusqlite_migration::Error::RusqliteError { err: error, .. }) => {
                error.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
            }
            ServerError::Postgres(error) => error.code() == Some(&postgres::error::SqlState::DISK_FULL),
            ServerError::StorageFull(_) => true,
            _ => false,
        }
    }

    /// The error as it crosses the wire. Internal details stay on the server.
    pub fn to_api_error(&self) -> ApiError {
        match self.code() {
            ErrorCode::ServerStorageFull => ApiError::new(
                ErrorCode::ServerStorageFull,
                "the server's disk is full, so it kept nothing of this request; send it again later",
            ),
            ErrorCode::Internal => ApiError::new(
                ErrorCode::Internal,
                "the server failed; the administrator can see why in its log",
            ),
            ErrorCode::WeekNotOpen => {
                let mut error = ApiError::new(ErrorCode::WeekNotOpen, self.to_string());
                if let ServerError::WeekNotOpen { server_time, .. } = self {
                    error.server_time = Some(server_time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                }
                error
            }
            code => ApiError::new(code, self.to_string()),
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        if self.code() == ErrorCode::Internal {
            // Internal errors name tables and files, never a report's values:
            // handlers do not put those into errors.
            tracing::error!(error = %self, "request failed inside the server");
        } else if self.code() == ErrorCode::ServerStorageFull {
            tracing::error!(
                error = %self,
                "the database's disk is full: requests that write are refused (nothing is half-written) \
                 until space is freed"
            );
        }
        let mut response = (self.status(), axum::Json(self.to_api_error())).into_response();
        if let ServerError::RateLimited { retry_after_seconds } = self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after_seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> ServerError {
        ServerError::Database(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None))
    }

    #[test]
    fn a_full_disk_is_its_own_error_that_devices_try_again() {
        let full = sqlite(rusqlite::ffi::SQLITE_FULL);
        assert_eq!(full.code(), ErrorCode::ServerStorageFull);
        // A 5xx: the app keeps the report and sends it again.
        assert_eq!(full.status(), StatusCode::INSUFFICIENT_STORAGE);
        let wire = full.to_api_error();
        assert!(wire.message.contains("disk is full"), "{wire:?}");
        assert!(!wire.message.contains("database:"), "no detail of the database: {wire:?}");
    }

    #[test]
    fn other_database_failures_stay_internal() {
        for code in [rusqlite::ffi::SQLITE_IOERR, rusqlite::ffi::SQLITE_CORRUPT, rusqlite::ffi::SQLITE_BUSY] {
            let error = sqlite(code);
            assert_eq!(error.code(), ErrorCode::Internal, "{error}");
            assert!(!error.is_storage_full());
        }
    }
}
