//! The server database's schema history: the numbered SQL files under
//! `migrations/`, compiled in.
//!
//! rusqlite_migration applies the missing ones in one transaction at open and
//! records the version in SQLite's `user_version`. A shipped file is never
//! edited; a database with a newer version is refused, never touched.

use rusqlite_migration::{M, Migrations};

const INITIAL: &str = include_str!("../migrations/0001_initial.sql");
const DIFFERENTIAL_PRIVACY: &str = include_str!("../migrations/0002_differential_privacy.sql");
const CX_SCORES: &str = include_str!("../migrations/0003_cx_scores.sql");
const PUBLICATIONS: &str = include_str!("../migrations/0004_publications.sql");
const ONE_PERSON_ONE_VOICE: &str = include_str!("../migrations/0005_one_person_one_voice.sql");
const PERSONAL_CODES: &str = include_str!("../migrations/0006_personal_codes.sql");
const QUESTIONNAIRE_EDITIONS: &str = include_str!("../migrations/0007_questionnaire_editions.sql");
const TWO_SERVER_AGGREGATION: &str = include_str!("../migrations/0008_two_server_aggregation.sql");
const CX_MAPPINGS: &str = include_str!("../migrations/0009_cx_mappings.sql");
const MANAGER_TOKENS: &str = include_str!("../migrations/0010_manager_tokens.sql");
const ACTIONS: &str = include_str!("../migrations/0011_actions.sql");
const CARE_CONTACTS: &str = include_str!("../migrations/0012_care_contacts.sql");
const COMMENTS: &str = include_str!("../migrations/0013_comments.sql");
const GENERATION: &str = include_str!("../migrations/0014_generation.sql");

/// Every migration with its file name, oldest first, for the test that checks
/// the list against the folder.
#[cfg(test)]
const MIGRATION_FILES: &[(&str, &str)] = &[
    ("0001_initial.sql", INITIAL),
    ("0002_differential_privacy.sql", DIFFERENTIAL_PRIVACY),
    ("0003_cx_scores.sql", CX_SCORES),
    ("0004_publications.sql", PUBLICATIONS),
    ("0005_one_person_one_voice.sql", ONE_PERSON_ONE_VOICE),
    ("0006_personal_codes.sql", PERSONAL_CODES),
    ("0007_questionnaire_editions.sql", QUESTIONNAIRE_EDITIONS),
    ("0008_two_server_aggregation.sql", TWO_SERVER_AGGREGATION),
    ("0009_cx_mappings.sql", CX_MAPPINGS),
    ("0010_manager_tokens.sql", MANAGER_TOKENS),
    ("0011_actions.sql", ACTIONS),
    ("0012_care_contacts.sql", CARE_CONTACTS),
    ("0013_comments.sql", COMMENTS),
    ("0014_generation.sql", GENERATION),
];

/// The same migrations in rusqlite_migration's form. Each one checks the
/// foreign keys it may have broken before its transaction commits.
const MIGRATION_STEPS: &[M<'static>] = &[
    M::up(INITIAL).foreign_key_check(),
    M::up(DIFFERENTIAL_PRIVACY).foreign_key_check(),
    M::up(CX_SCORES).foreign_key_check(),
    M::up(PUBLICATIONS).foreign_key_check(),
    M::up(ONE_PERSON_ONE_VOICE).foreign_key_check(),
    M::up(PERSONAL_CODES).foreign_key_check(),
    M::up(QUESTIONNAIRE_EDITIONS).foreign_key_check(),
    M::up(TWO_SERVER_AGGREGATION).foreign_key_check(),
    M::up(CX_MAPPINGS).foreign_key_check(),
    M::up(MANAGER_TOKENS).foreign_key_check(),
    M::up(ACTIONS).foreign_key_check(),
    M::up(CARE_CONTACTS).foreign_key_check(),
    M::up(COMMENTS).foreign_key_check(),
    M::up(GENERATION).foreign_key_check(),
];

/// The migrations applied when the database is opened.
pub(crate) const MIGRATIONS: Migrations<'static> = Migrations::from_slice(MIGRATION_STEPS);

/// The newest schema version this code knows.
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
        assert_eq!(MIGRATION_STEPS.len(), MIGRATION_FILES.len());
    }

    #[test]
    fn shipped_migrations_are_never_edited() {
        // Pin each new file here when it ships (polso_migrations::check_shipped says why).
        let shipped: &[(&str, u64)] = &[
            ("0001_initial.sql", 0xbbb07f484e53b178),
            ("0002_differential_privacy.sql", 0x470ca0f3dbd9ee43),
            ("0003_cx_scores.sql", 0x77fc0f4d7d51e7f2),
            ("0004_publications.sql", 0x7c950d9e72cd57d3),
            ("0005_one_person_one_voice.sql", 0x8e853a612a238112),
            ("0006_personal_codes.sql", 0x0299ab65aec50e09),
            ("0007_questionnaire_editions.sql", 0x97762aeb2becd696),
            ("0008_two_server_aggregation.sql", 0x5733379d7aaa0c58),
            ("0009_cx_mappings.sql", 0x93c24b4379169d54),
            ("0010_manager_tokens.sql", 0xffc691aaab95af15),
            ("0011_actions.sql", 0xb851b7b2c6957a50),
            ("0012_care_contacts.sql", 0x5f3da04dca02255f),
            ("0013_comments.sql", 0x56b9d0386fd7e562),
            ("0014_generation.sql", 0x1b3ee32ae3f47894),
        ];
        polso_migrations::check_shipped(MIGRATION_FILES, shipped).unwrap();
    }

    #[test]
    fn a_version_1_database_migrates_with_privacy_off() {
        let mut connection = rusqlite::Connection::open_in_memory().unwrap();
        Migrations::from_slice(&MIGRATION_STEPS[..1]).to_latest(&mut connection).unwrap();
        connection
            .execute("INSERT INTO organisations (id, name, seed, k) VALUES ('org_a', 'A', 1, 7)", [])
            .unwrap();
        MIGRATIONS.to_latest(&mut connection).unwrap();
        let row: (u32, Option<i64>, Option<i64>, u32) = connection
            .query_row(
                "SELECT k, dp_epsilon_numerator, dp_epsilon_denominator, dp_release FROM organisations",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .unwrap();
        assert_eq!(row, (7, None, None, 0));
    }

    /// Organisations from before editions keep edition 2 with its WHO-5
    /// week from the start, so neither their history nor their devices'
    /// schedule changes; each gets exactly one first questionnaire.
    #[test]
    fn a_version_6_database_keeps_edition_2_for_its_organisations() {
        let mut connection = rusqlite::Connection::open_in_memory().unwrap();
        Migrations::from_slice(&MIGRATION_STEPS[..6]).to_latest(&mut connection).unwrap();
        for (id, seed) in [("org_a", 1), ("org_b", 2)] {
            connection
                .execute(
                    "INSERT INTO organisations (id, name, seed, k) VALUES (?1, ?1, ?2, 5)",
                    rusqlite::params![id, seed],
                )
                .unwrap();
        }
        MIGRATIONS.to_latest(&mut connection).unwrap();
        let mut statement = connection
            .prepare("SELECT organisation_id, from_week, edition, who5 FROM questionnaire_adoptions ORDER BY organisation_id")
            .unwrap();
        let rows: Vec<(String, Option<i64>, u32, bool)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows, vec![("org_a".to_owned(), None, 2, true), ("org_b".to_owned(), None, 2, true)]);
        let second_first = connection.execute(
            "INSERT INTO questionnaire_adoptions (organisation_id, from_week, edition, who5) VALUES ('org_a', NULL, 3, 0)",
            [],
        );
        assert!(second_first.is_err(), "one first questionnaire per organisation");
    }

    /// HR tokens from before manager tokens keep the role `hr` and their
    /// scope; the schema itself refuses a manager token that would reach the
    /// whole organisation or a department, and teams granted to an HR token.
    #[test]
    fn a_version_9_database_keeps_its_hr_tokens_as_hr() {
        let mut connection = rusqlite::Connection::open_in_memory().unwrap();
        Migrations::from_slice(&MIGRATION_STEPS[..9]).to_latest(&mut connection).unwrap();
        connection
            .execute_batch(
                "INSERT INTO organisations (id, name, seed, k) VALUES ('org_a', 'A', 1, 5);
                 INSERT INTO departments (id, organisation_id, name) VALUES ('dep_a', 'org_a', 'D');
                 INSERT INTO teams (id, department_id, name) VALUES ('team_a', 'dep_a', 'T');
                 INSERT INTO hr_tokens (id, token_hash, organisation_id, whole_organisation) VALUES ('hr_1', x'01', 'org_a', 1);
                 INSERT INTO hr_tokens (id, token_hash, organisation_id, whole_organisation) VALUES ('hr_2', x'02', 'org_a', 0);
                 INSERT INTO hr_token_departments (hr_token_id, department_id) VALUES ('hr_2', 'dep_a');",
            )
            .unwrap();
        MIGRATIONS.to_latest(&mut connection).unwrap();
        let roles: Vec<String> = connection
            .prepare("SELECT role FROM hr_tokens ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(roles, vec!["hr", "hr"]);
        let refused = [
            "INSERT INTO hr_tokens (id, token_hash, organisation_id, whole_organisation, role) VALUES ('mgr_1', x'03', 'org_a', 1, 'manager')",
            "INSERT INTO hr_token_teams (hr_token_id, team_id) VALUES ('hr_2', 'team_a')",
            "INSERT INTO hr_tokens (id, token_hash, organisation_id, whole_organisation, role) VALUES ('x_1', x'04', 'org_a', 0, 'admin')",
        ];
        for statement in refused {
            assert!(connection.execute(statement, []).is_err(), "{statement}");
        }
        connection
            .execute(
                "INSERT INTO hr_tokens (id, token_hash, organisation_id, whole_organisation, role) VALUES ('mgr_2', x'05', 'org_a', 0, 'manager')",
                [],
            )
            .unwrap();
        connection
            .execute("INSERT INTO hr_token_teams (hr_token_id, team_id) VALUES ('mgr_2', 'team_a')", [])
            .unwrap();
        assert!(
            connection
                .execute(
                    "INSERT INTO hr_token_departments (hr_token_id, department_id) VALUES ('mgr_2', 'dep_a')",
                    []
                )
                .is_err()
        );
    }
}
