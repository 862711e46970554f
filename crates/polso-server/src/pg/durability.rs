//! What makes PostgreSQL's commit durable, checked when the store opens. The server answers a
//! report only after its `COMMIT` returns, and a device that was told its report arrived never
//! sends it again: so the commit must survive a crash and a power cut.
//!
//! - `synchronous_commit` is the session's: the server asks for `on` in every connection's
//!   options ([`DURABLE_SESSION`]), whatever the database's or the role's default says.
//! - `fsync` and `full_page_writes` are the whole cluster's: with either off, nothing the server
//!   does makes a commit survive a power cut, so the store refuses to open and says what to change.

use postgres::GenericClient;

use crate::error::{Result, ServerError};

/// The option every connection of the server's sets: its commits wait for the write-ahead log
/// to reach the disk.
pub(super) const DURABLE_SESSION: &str = "-c synchronous_commit=on";

/// `options` (a connection's `-c` settings, if any) with [`DURABLE_SESSION`] added.
pub(super) fn with_durable_session(options: Option<&str>) -> String {
    match options {
        Some(options) if !options.trim().is_empty() => format!("{options} {DURABLE_SESSION}"),
        _ => DURABLE_SESSION.to_owned(),
    }
}

/// Refuses a database whose commits would not survive a crash or a power cut, naming the
/// setting, its value and what to do.
pub(super) fn check(client: &mut impl GenericClient) -> Result<()> {
    // `full_page_writes` off leaves a page half-written by a power cut unrepairable from the log.
    for setting in ["fsync", "full_page_writes", "synchronous_commit"] {
        let value: String = client.query_one("SELECT current_setting($1)", &[&setting])?.get(0);
        if value == "off" {
            return Err(ServerError::DatabaseNotDurable { setting, value });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_connection_asks_for_durable_commits_beside_its_own_options() {
        assert_eq!(with_durable_session(None), "-c synchronous_commit=on");
        assert_eq!(with_durable_session(Some("  ")), "-c synchronous_commit=on");
        assert_eq!(
            with_durable_session(Some("-c search_path=polso_test")),
            "-c search_path=polso_test -c synchronous_commit=on"
        );
    }

    /// Needs PostgreSQL (`POLSO_TEST_POSTGRES_URL`). A session that turned synchronous commit
    /// off is refused by name; the server's own sessions pass.
    #[test]
    #[ignore = "needs PostgreSQL at POLSO_TEST_POSTGRES_URL; cargo xtask test runs it"]
    fn a_session_without_durable_commits_is_refused_by_name() {
        let url = std::env::var("POLSO_TEST_POSTGRES_URL").expect("POLSO_TEST_POSTGRES_URL");
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connecting");
        check(&mut client).expect("a default cluster commits durably");
        client.batch_execute("SET synchronous_commit = off").expect("setting");
        let refused = check(&mut client).expect_err("refused");
        assert!(
            matches!(refused, ServerError::DatabaseNotDurable { setting: "synchronous_commit", ref value } if value == "off"),
            "{refused}"
        );
        assert!(refused.to_string().contains("synchronous_commit"), "{refused}");
    }
}
