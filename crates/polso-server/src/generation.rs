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

use crate::error::Result;
use crate::secrets::{random_bytes, to_hex};

/// A new random generation: 32 hex digits (128 bits).
pub fn new_generation_id() -> Result<String> {
    Ok(to_hex(&random_bytes::<16>()?))
}
