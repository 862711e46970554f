//! The schema's history: the numbered SQL files under `migrations/`, compiled in.
//!
//! rusqlite_migration applies the missing ones in one transaction and records the
//! schema version in SQLite's `user_version`. A shipped file is never edited: a
//! test pins each one's contents, and another checks that every file in the folder
//! is listed here, in order.

use rusqlite_migration::{M, Migrations};

const INITIAL: &str = include_str!("../migrations/0001_initial.sql");
const REPORT_QUEUE: &str = include_str!("../migrations/0002_report_queue.sql");
const REPORT_QUEUE_OUTCOMES: &str = include_str!("../migrations/0003_report_queue_outcomes.sql");
const NOT_APPLICABLE: &str = include_str!("../migrations/0004_not_applicable.sql");
const COMMENTS: &str = include_str!("../migrations/0005_comments.sql");

/// Every migration with its file name, oldest first, for the tests that check
/// the list against the folder.
#[cfg(test)]
const MIGRATION_FILES: &[(&str, &str)] = &[
    ("0001_initial.sql", INITIAL),
    ("0002_report_queue.sql", REPORT_QUEUE),
    ("0003_report_queue_outcomes.sql", REPORT_QUEUE_OUTCOMES),
    ("0004_not_applicable.sql", NOT_APPLICABLE),
    ("0005_comments.sql", COMMENTS),
];

/// The same migrations in rusqlite_migration's form. Each one checks the foreign
/// keys it may have broken before its transaction commits.
const MIGRATION_STEPS: &[M<'static>] = &[
    M::up(INITIAL).foreign_key_check(),
    M::up(REPORT_QUEUE).foreign_key_check(),
    M::up(REPORT_QUEUE_OUTCOMES).foreign_key_check(),
    M::up(NOT_APPLICABLE).foreign_key_check(),
    M::up(COMMENTS).foreign_key_check(),
];

/// The migrations applied when a store is opened.
pub(crate) const MIGRATIONS: Migrations<'static> = Migrations::from_slice(MIGRATION_STEPS);

/// The newest schema version this code knows: a store's `user_version` after all
/// migrations ran. A store with a higher version is refused, never touched.
pub const SCHEMA_VERSION: usize = MIGRATION_STEPS.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_validate() {
        MIGRATIONS.validate().unwrap();
    }

    #[test]
    fn every_file_in_the_folder_is_listed_in_order() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        polso_migrations::check_folder(&folder, MIGRATION_FILES).unwrap();
        assert_eq!(
            MIGRATION_STEPS.len(),
            MIGRATION_FILES.len(),
            "MIGRATION_STEPS and MIGRATION_FILES differ"
        );
    }

    #[test]
    fn shipped_migrations_are_never_edited() {
        // Pin each new file here when it ships (polso_migrations::check_shipped says why).
        let shipped: &[(&str, u64)] = &[
            ("0001_initial.sql", 0xc7351e1c995cbdef),
            ("0002_report_queue.sql", 0x55029346a10e74f1),
            ("0003_report_queue_outcomes.sql", 0xf4f2b93e217fca58),
            ("0004_not_applicable.sql", 0x308017ca1dab85f0),
            ("0005_comments.sql", 0x36e424b224e5c69f),
        ];
        polso_migrations::check_shipped(MIGRATION_FILES, shipped).unwrap();
    }
}
