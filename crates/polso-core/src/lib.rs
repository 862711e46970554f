//! Polso's domain, pure: the item bank, the weekly schedule, scoring and the
//! rules of a pulse.
//!
//! Architecture invariant: this crate does no IO. It knows nothing of Tauri,
//! SQLite, HTTP or an async runtime, and reads no clock and no randomness of
//! its own: callers pass `today`, seeds and data in. So every rule here is
//! tested without a disk, a window or a network.

#![warn(missing_docs)]

pub mod bank;
pub mod pulse;
pub mod schedule;
pub mod scoring;
pub mod week;

pub use bank::{ItemId, Language, Metric};
pub use pulse::WorkWeek;
pub use scoring::{Answer, MetricScore};
pub use week::IsoWeek;
