//! Polso's local store: the employee's pulses, notes and settings in one
//! SQLCipher-encrypted SQLite file, whose random key lives in the OS keyring.
//!
//! The privacy model (DESIGN.md, point 1) promises that answers and private notes
//! are encrypted at rest. This crate keeps that promise in one place:
//!
//! - [`Store`] is one connection to the encrypted file. It sets the key and the
//!   per-connection pragmas, applies the numbered migrations atomically, refuses a
//!   database written by a newer Polso, and offers typed reads and writes over the
//!   core's types ([`SavedPulse`]), plus the queue of weekly reports the sync
//!   client sends ([`QueuedReport`]).
//! - [`vault`] holds the key's custody: the [`SecretVault`] trait, the OS keyring
//!   behind it, and [`open_store`], the rules that decide between creating a store,
//!   opening one, and refusing, so that an existing store is never replaced by a new,
//!   empty one.
//!
//! Architecture invariant: this crate knows nothing about Tauri, HTTP or an async
//! runtime. Architecture invariant: nothing in this crate deletes a store except
//! [`delete_local_data`], which the employee asks for explicitly.

#![warn(missing_docs)]

mod comments;
mod error;
mod key;
mod migrations;
mod report_queue;
mod saved_pulse;
mod store;
pub mod vault;

pub use comments::{CommentState, LocalComment, LocalVerdict};
pub use error::StoreError;
pub use key::{KeyFormatError, StoreKey};
pub use migrations::SCHEMA_VERSION;
pub use report_queue::{QueuedReport, QueuedReportState, ReportFailure};
pub use saved_pulse::SavedPulse;
pub use store::Store;
pub use vault::{
    DATABASE_FILE_NAME, KeyringProblem, MemoryVault, OpenError, OsKeyring, STORE_KEY_ACCOUNT, SecretVault,
    SharedMemoryVault, VaultError, database_path, delete_local_data, open_store,
};

/// The result of a [`Store`] operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
