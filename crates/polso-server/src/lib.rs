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
//! Architecture invariant: k comes from the organisation's settings only; no
//! request can change it, and every read goes through [`release::release_cells`].

#![warn(missing_docs)]

pub mod admin;
pub mod clock;
pub mod cx;
pub mod demo;
pub mod error;
pub mod http;
pub mod migrations;
pub mod openapi;
pub mod privacy;
pub mod release;
pub mod report;
pub mod secrets;
pub mod sqlite_store;
pub mod store;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Result, ServerError};
pub use http::{AppState, ServerConfig, app};
pub use sqlite_store::SqliteServerStore;
pub use store::ServerStore;
