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

pub mod admin;
pub mod care;
pub mod clock;
pub mod credential;
pub mod cx;
mod cx_issues;
pub mod demo;
pub mod demo_helper;
pub mod demo_setup;
pub mod derived;
pub mod error;
pub mod generation;
mod group_commit;
pub mod helper;
pub mod helper_store;
pub mod helper_wire;
pub mod http;
pub mod leader;
pub mod migrations;
pub mod pg;
pub mod privacy;
pub mod publication;
pub mod publish;
pub mod questionnaire;
pub mod rate_limit;
pub mod release;
pub mod report;
pub mod secrets;
pub mod serve;
pub mod shared_release;
pub mod sqlite;
pub mod standardise;
pub mod store;

pub use clock::{Clock, FixedClock, OffsetClock, SystemClock};
pub use error::{Result, ServerError};
pub use http::router::app;
pub use http::{AppState, ServerConfig};
pub use pg::PgServerStore;
pub use sqlite::SqliteServerStore;
pub use store::ServerStore;
pub use store::admin::AdminStore;
