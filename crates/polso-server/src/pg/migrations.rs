//! The PostgreSQL schema's history: the numbered SQL files under
//! `migrations-pg/`, compiled in, applied in one transaction under an
//! advisory lock (replicas that start together migrate once) and recorded in
//! `polso_schema_migrations`. A shipped file is never edited; a database with
//! a newer version is refused, never touched.

use crate::error::{Result, ServerError};

const INITIAL: &str = include_str!("../../migrations-pg/0001_initial.sql");
const GENERATION: &str = include_str!("../../migrations-pg/0002_generation.sql");

/// Every migration with its file name, oldest first.
pub(crate) const MIGRATION_FILES: &[(&str, &str)] =
    &[("0001_initial.sql", INITIAL), ("0002_generation.sql", GENERATION)];

/// The newest PostgreSQL schema version this code knows.
pub const PG_SCHEMA_VERSION: usize = MIGRATION_FILES.len();

/// The advisory-lock key migrations run under (any constant no other lock uses).
const MIGRATION_LOCK: i64 = 0x706f_6c73_6f5f_6d69;

/// Applies the missing migrations to the database (or schema) `client` works in.
pub(crate) fn to_latest(client: &mut postgres::Client) -> Result<()> {
    let mut transaction = client.transaction()?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    transaction.batch_execute(
        "CREATE TABLE IF NOT EXISTS polso_schema_migrations (
             version BIGINT PRIMARY KEY,
             name TEXT NOT NULL
         )",
    )?;
    let found: i64 =
        transaction.query_one("SELECT coalesce(max(version), 0) FROM polso_schema_migrations", &[])?.get(0);
    let found = usize::try_from(found).unwrap_or(usize::MAX);
    if found > PG_SCHEMA_VERSION {
        return Err(ServerError::DatabaseTooNew { found, supported: PG_SCHEMA_VERSION });
    }
    for (position, (name, sql)) in MIGRATION_FILES.iter().enumerate().skip(found) {
        transaction.batch_execute(sql)?;
        let version = i64::try_from(position + 1).unwrap_or(i64::MAX);
        transaction.execute(
            "INSERT INTO polso_schema_migrations (version, name) VALUES ($1, $2)",
            &[&version, name],
        )?;
    }
    transaction.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_the_folder_is_listed_in_order() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-pg");
        polso_migrations::check_folder(&folder, MIGRATION_FILES).unwrap();
    }

    #[test]
    fn shipped_migrations_are_never_edited() {
        // Pin each new file here when it ships (polso_migrations::check_shipped says why).
        let shipped: &[(&str, u64)] =
            &[("0001_initial.sql", 0x6ae96a9f51e11fad), ("0002_generation.sql", 0xd3428f76b75b4cda)];
        polso_migrations::check_shipped(MIGRATION_FILES, shipped).unwrap();
    }
}
