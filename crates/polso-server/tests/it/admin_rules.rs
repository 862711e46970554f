//! The administrator's rules: k never below 3, never lowered once reports
//! exist; names checked; the database refuses a newer schema.

use polso_api::ErrorCode;
use polso_server::store::ServerStore;
use polso_server::{SqliteServerStore, admin};

use crate::support::{WEEK, World, report};

#[tokio::test]
async fn k_can_be_raised_always_and_lowered_only_before_any_report() {
    let world = World::new(&[1]);
    let store = world.store.as_ref();
    let error = admin::set_threshold(store, &world.organisation_id, 2).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidSetting);
    assert!(error.to_string().contains("below the minimum of 3"), "{error}");

    admin::set_threshold(store, &world.organisation_id, 3).unwrap();
    admin::set_threshold(store, &world.organisation_id, 7).unwrap();
    admin::set_threshold(store, &world.organisation_id, 6).unwrap();

    let device = world.enrol(&world.teams[0][0]).await;
    world.report_ok(&device, report(WEEK, 3)).await;

    let error = admin::set_threshold(store, &world.organisation_id, 5).unwrap_err();
    assert!(error.to_string().contains("cannot be lowered from 6 to 5"), "{error}");
    admin::set_threshold(store, &world.organisation_id, 8).unwrap();
    let tree = store.organisation_tree(&world.organisation_id).unwrap();
    assert_eq!(tree.organisation.k.get(), 8);
}

#[test]
fn names_are_checked_and_organisations_resolved() {
    let world = World::new(&[]);
    let store = world.store.as_ref();
    assert_eq!(
        admin::add_department(store, &world.organisation_id, "  ").unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(admin::resolve_organisation(store, None).unwrap(), world.organisation_id);
    admin::init_organisation(store, "Second").unwrap();
    assert_eq!(admin::resolve_organisation(store, None).unwrap_err().code(), ErrorCode::InvalidSetting);
    assert_eq!(admin::add_team(store, "dept_missing", "Team").unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
fn a_database_from_a_newer_server_is_refused_and_left_alone() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("server.db");
    drop(SqliteServerStore::open(&path).unwrap());
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection.pragma_update(None, "user_version", 99).unwrap();
    }
    let error = SqliteServerStore::open(&path).unwrap_err();
    assert!(error.to_string().contains("schema version 99"), "{error}");
    let connection = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
    assert_eq!(version, 99);
}

/// A database damaged on disk (a page overwritten, as a failing disk or a
/// bad restore leaves it) is refused at open with an error naming the file
/// and what SQLite found, by the store and by the real binary, and the file
/// is left exactly as it was; a file that is not a database at all, too.
/// Checked by mutation (2026-12-07): without the check at open, the store
/// opened the damaged file as if nothing were wrong (the page is read only
/// when a query reaches it).
#[test]
fn a_damaged_database_is_refused_at_open_and_left_alone() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("server.db");
    {
        let store = SqliteServerStore::open(&path).unwrap();
        let organisation = admin::init_organisation(&store, "Acme").unwrap();
        for department in 0..40 {
            let department =
                admin::add_department(&store, &organisation.id, &format!("Department {department}")).unwrap();
            for team in 0..5 {
                admin::add_team(&store, &department, &format!("Team {team} of a long enough name")).unwrap();
            }
        }
    }
    let page_size = 4096;
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() >= 6 * page_size, "a database of {} bytes", bytes.len());
    // The fourth page (a table's or an index's b-tree page) overwritten with noise.
    for (offset, byte) in bytes[3 * page_size..4 * page_size].iter_mut().enumerate() {
        *byte = (offset * 37 % 251) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();

    let error = SqliteServerStore::open(&path).unwrap_err();
    assert!(matches!(error, polso_server::ServerError::DatabaseDamaged { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()) && message.contains("damaged"), "{message}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_polso-server"))
        .args(["--db", &path.display().to_string(), "show-org"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("is damaged"), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the damaged file was changed");

    let not_a_database = directory.path().join("notes.db");
    std::fs::write(&not_a_database, "these are someone's notes, not a database ".repeat(200)).unwrap();
    let error = SqliteServerStore::open(&not_a_database).unwrap_err();
    assert!(matches!(error, polso_server::ServerError::DatabaseDamaged { .. }), "{error}");
}

#[test]
fn the_receipt_secret_survives_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("server.db");
    let first = SqliteServerStore::open(&path).unwrap().receipt_secret().unwrap();
    let second = SqliteServerStore::open(&path).unwrap().receipt_secret().unwrap();
    assert_eq!(first, second);
}
