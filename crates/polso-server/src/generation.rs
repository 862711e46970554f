//! The database's generation: what it is and how a restore changes it. The SQLite store keeps
//! it, and the operator backs up and restores an SQLite database, in
//! [`crate::sqlite::generation`]; PostgreSQL's are in [`crate::pg`].
//!
//! A server restored from an older backup has forgotten every report it
//! acknowledged after the backup was taken, and every device that enrolled
//! after it. Nothing in the restored data can say so: it is a faithful copy
//! of an older state. So the restore itself says it: the database carries a
//! *generation*, a random id made when the database is created, and the
//! operator's restore makes a new one ([`crate::sqlite::generation::restore_sqlite`], `polso-server
//! restore --from BACKUP`; after a PostgreSQL restore, `polso-server
//! new-generation`). Every answer a device reads (enrolment, each report's
//! acknowledgement, the questionnaire check) carries it; a device that sees a
//! new one sends again the reports it still holds for the acceptance window,
//! each after its random delay and with its device token as when first sent,
//! and the receipts (keyed by device and week) count each once.
//!
//! The generation tells a device nothing about anyone: it is the same for
//! every device, and it changes only when the operator restores.
//!
//! The restore is atomic: the backup is copied beside the database, migrated,
//! given its new generation and synced, and only then renamed over the
//! database, so the file in place is either the old database or the restored
//! one with its new generation, never the restored one with the old.

use chrono::{DateTime, Utc};

use crate::error::{Result, ServerError};
use crate::secrets::{random_bytes, to_hex};

/// A database's generation as a server keeps it from its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// 32 hex digits.
    pub id: String,
    /// When the operator last restored; `None` for a database never restored.
    pub restored_at: Option<DateTime<Utc>>,
}

impl Generation {
    /// The generation as stored: its id and its restore time's text.
    pub(crate) fn from_stored(id: String, restored_at: Option<String>) -> Result<Generation> {
        let restored_at = restored_at
            .map(|text| {
                DateTime::parse_from_rfc3339(&text).map(|at| at.to_utc()).map_err(|_| {
                    ServerError::CorruptData(format!("the generation's restore time '{text}' is not a time"))
                })
            })
            .transpose()?;
        Ok(Generation { id, restored_at })
    }
}

/// A new random generation: 32 hex digits (128 bits).
pub fn new_generation_id() -> Result<String> {
    Ok(to_hex(&random_bytes::<16>()?))
}

/// `at` as the generation's table keeps it.
pub(crate) fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
