//! The integration tests of polso-store, in one binary (as ripgrep does: one link
//! step, shared helpers in `support`).
//!
//! Every test works on real SQLCipher files in a temporary folder, because what
//! matters here (durability, encryption at rest, files left untouched when opening
//! is refused) only shows on a disk.
//!
//! The `keyring` module talks to the real OS keyring only when the environment
//! variable `POLSO_TEST_KEYRING=1` is set; see the crate's README.

// clippy.toml allows `unwrap` in `#[test]` functions only; the helpers these
// tests share are test code too, and a panic is how they report a broken fixture.
#![allow(clippy::unwrap_used)]

mod encryption;
mod keyring;
mod migrations;
mod opening;
mod pulses;
mod report_queue;
mod support;
