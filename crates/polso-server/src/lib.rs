//! Polso's organisation server: it enrols devices to teams, receives one
//! anonymized report per device per ISO week, keeps only per-team sums, and
//! releases them to HR under the organisation's k with secondary suppression.
//!
//! The library holds everything; the `polso-server` binary only parses its
//! command line, opens the store and binds [`app`]. So the tests drive the
//! very Router the binary serves, in process with `oneshot`, and the binary
//! itself over a real socket.
//!
//! Architecture invariant: no table, log line or error message holds a
//! report. A report lives in memory for the length of its request and leaves
//! only as additions to sums (see `migrations/0001_initial.sql`).
//!
//! Architecture invariant: k, the histogram minimum and differential privacy
//! come from the organisation's and the server's settings only; no request
//! can change them. They run once per week, at publication
//! ([`publish::Publisher`]), and every read serves the published snapshot
//! ([`release::cells_from_snapshot`]); a week still collecting is never served.

#![warn(missing_docs)]

mod actions_http;
pub mod admin;
pub mod admin_store;
pub mod care;
pub mod clock;
pub mod comment_store;
mod comments_http;
pub mod credential;
mod credential_http;
pub mod credential_store;
pub mod cx;
pub mod cx_http;
mod cx_issues;
pub mod demo;
pub mod demo_helper;
pub mod demo_setup;
pub mod derived;
pub mod error;
pub mod generation;
mod group_commit;
mod heatmap_http;
pub mod helper;
pub mod helper_http;
pub mod helper_store;
pub mod helper_wire;
pub mod http;
pub mod leader;
pub mod migrations;
pub mod openapi;
pub mod pg;
pub mod privacy;
pub mod publish;
pub mod questionnaire;
pub mod rate_limit;
pub mod release;
pub mod releases_http;
pub mod report;
mod request_checks;
mod results_http;
mod router;
pub mod secrets;
pub mod serve;
mod shared_http;
pub mod shared_release;
pub mod shared_store;
mod sqlite_admin;
mod sqlite_comments;
mod sqlite_shared;
pub mod sqlite_store;
pub mod standardise;
pub mod store;

pub use admin_store::AdminStore;
pub use clock::{Clock, FixedClock, OffsetClock, SystemClock};
pub use error::{Result, ServerError};
pub use http::{AppState, ServerConfig};
pub use pg::PgServerStore;
pub use router::app;
pub use sqlite_store::SqliteServerStore;
pub use store::ServerStore;
