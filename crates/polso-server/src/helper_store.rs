//! A helper server's own database (`helper-migrations/`): its key, the
//! organisations it is paired with, its sums of shares, the reports it
//! verified (until their week is released) and its release log.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use polso_vdaf::HelperKeyPair;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};

use crate::error::{Result, ServerError};
use crate::helper_wire::Pairing;
use crate::secrets::{Hash32, hash_secret};
use crate::sqlite::{open_connection, truncate_wal};

const HELPER_INITIAL: &str = include_str!("../helper-migrations/0001_helper.sql");

const HELPER_MIGRATION_STEPS: &[M<'static>] = &[M::up(HELPER_INITIAL).foreign_key_check()];

const HELPER_MIGRATIONS: Migrations<'static> = Migrations::from_slice(HELPER_MIGRATION_STEPS);

/// One release the helper agreed to, as its log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseLogEntry {
    /// The organisation.
    pub organisation_id: String,
    /// The week released.
    pub week: IsoWeek,
    /// When.
    pub released_at: String,
    /// What was released, in words.
    pub summary: String,
}

/// A report the helper verified before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBefore {
    /// Its organisation.
    pub organisation_id: String,
    /// Its week.
    pub week: IsoWeek,
    /// Its team.
    pub team_id: String,
    /// The verifier messages the helper answered with.
    pub messages: Vec<u8>,
}

/// The helper's database.
pub struct HelperStore {
    connection: Mutex<Connection>,
}

impl std::fmt::Debug for HelperStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("HelperStore").finish_non_exhaustive()
    }
}

impl HelperStore {
    /// Opens (creating if needed) the helper's database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<HelperStore> {
        let mut connection = open_connection(path)?;
        let found: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let supported = HELPER_MIGRATION_STEPS.len();
        if usize::try_from(found).unwrap_or(usize::MAX) > supported {
            return Err(ServerError::DatabaseTooNew { found: found as usize, supported });
        }
        HELPER_MIGRATIONS.to_latest(&mut connection)?;
        Ok(HelperStore { connection: Mutex::new(connection) })
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Creates the helper's key for `party`; refuses if it has one (a new
    /// key would strand every device that pinned the old one).
    pub fn init(&self, party: &str) -> Result<HelperKeyPair> {
        let party = party.trim();
        if party.is_empty() || party.chars().count() > 200 {
            return Err(ServerError::InvalidInput(
                "the party holding the helper must be named, in at most 200 characters".to_owned(),
            ));
        }
        let connection = self.connection();
        let existing: Option<i64> =
            connection.query_row("SELECT 1 FROM identity WHERE id = 1", [], |row| row.get(0)).optional()?;
        if existing.is_some() {
            return Err(ServerError::InvalidInput(
                "this helper already has its key; devices pinned it, so it is never replaced".to_owned(),
            ));
        }
        let keys = HelperKeyPair::generate();
        connection.execute(
            "INSERT INTO identity (id, party, secret_key) VALUES (1, ?1, ?2)",
            params![party, keys.secret_bytes()],
        )?;
        Ok(keys)
    }

    /// The party holding the helper and its key, once `init` ran.
    pub fn identity(&self) -> Result<Option<(String, HelperKeyPair)>> {
        let row: Option<(String, Vec<u8>)> = self
            .connection()
            .query_row("SELECT party, secret_key FROM identity WHERE id = 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        row.map(|(party, secret)| {
            let keys = HelperKeyPair::from_secret_bytes(&secret)
                .map_err(|_| ServerError::CorruptData("the helper's key".to_owned()))?;
            Ok((party, keys))
        })
        .transpose()
    }

    /// Pins `pairing` (replacing an earlier one of the same organisation);
    /// keeps only the hash of the leader's token.
    ///
    /// While the helper holds sums of the organisation not yet released, a
    /// new pairing may not weaken what the helper pinned: not a lower k, not
    /// differential privacy turned off or a larger ε.
    pub fn pair(&self, pairing: &Pairing, now: DateTime<Utc>) -> Result<()> {
        let held: bool = self.connection().query_row(
            "SELECT EXISTS (SELECT 1 FROM sums WHERE organisation_id = ?1)",
            [&pairing.organisation_id],
            |row| row.get(0),
        )?;
        if held && let Some(before) = self.pinned(&pairing.organisation_id)? {
            let weaker_epsilon = match (before.rules()?.epsilon, pairing.rules()?.epsilon) {
                (Some(_), None) => true,
                (Some(old), Some(new)) => new.to_f64() > old.to_f64(),
                (None, _) => false,
            };
            if pairing.k < before.k || weaker_epsilon {
                return Err(ServerError::InvalidInput(
                    "the helper holds sums not yet released: a new pairing may not lower k or weaken differential privacy until they are"
                        .to_owned(),
                ));
            }
            // A raised or new head-count would let more reports into a week
            // the helper already counts: it applies once those sums are released.
            let raised = pairing
                .departments
                .iter()
                .flat_map(|department| &department.teams)
                .find(|team| before.headcount(&team.id).is_none_or(|pinned| team.headcount > pinned));
            if let Some(team) = raised {
                return Err(ServerError::InvalidInput(format!(
                    "the helper holds sums not yet released: a new pairing may not raise a team's head-count or add a team (team '{}') until they are; pair again once the week is published",
                    team.id
                )));
            }
        }
        let mut pinned = pairing.clone();
        let token_hash = hash_secret(&pinned.leader_token);
        pinned.leader_token = String::new();
        let text = serde_json::to_string(&pinned)
            .map_err(|error| ServerError::InvalidInput(format!("the pairing: {error}")))?;
        self.connection().execute(
            "INSERT INTO organisations (id, pairing, token_hash, paired_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET pairing = excluded.pairing, token_hash = excluded.token_hash,
                 paired_at = excluded.paired_at",
            params![pinned.organisation_id, text, &token_hash[..], now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// The pinned pairing (without the token) of an organisation.
    fn pinned(&self, organisation_id: &str) -> Result<Option<Pairing>> {
        let text: Option<String> = self
            .connection()
            .query_row("SELECT pairing FROM organisations WHERE id = ?1", [organisation_id], |row| row.get(0))
            .optional()?;
        text.map(|text| {
            serde_json::from_str(&text).map_err(|_| ServerError::CorruptData("a pinned pairing".to_owned()))
        })
        .transpose()
    }

    /// The pinned pairing (without the token) of the organisation whose
    /// leader holds the token with hash `token_hash`.
    pub fn pairing_for_token(&self, token_hash: &Hash32) -> Result<Option<Pairing>> {
        let text: Option<String> = self
            .connection()
            .query_row("SELECT pairing FROM organisations WHERE token_hash = ?1", [&token_hash[..]], |row| {
                row.get(0)
            })
            .optional()?;
        text.map(|text| {
            serde_json::from_str(&text).map_err(|_| ServerError::CorruptData("a pinned pairing".to_owned()))
        })
        .transpose()
    }

    /// A report verified before, by its id.
    pub fn verified(&self, report_id: &[u8; 16]) -> Result<Option<VerifiedBefore>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT organisation_id, week_index, team_id, messages FROM verified WHERE report_id = ?1",
                [&report_id[..]],
                |row| {
                    Ok(VerifiedBefore {
                        organisation_id: row.get(0)?,
                        week: IsoWeek::from_index(row.get(1)?),
                        team_id: row.get(2)?,
                        messages: row.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// The helper's sums of `week`, per team.
    pub fn sums(&self, organisation_id: &str, week: IsoWeek) -> Result<Vec<(String, Vec<u8>)>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT team_id, shares FROM sums WHERE organisation_id = ?1 AND week_index = ?2 ORDER BY team_id",
        )?;
        let rows = statement
            .query_map(params![organisation_id, week.index()], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// In one transaction: records the reports verified now (id, team,
    /// messages) and stores the new sums of their teams.
    pub fn record_verified(
        &self,
        organisation_id: &str,
        week: IsoWeek,
        reports: &[([u8; 16], String, Vec<u8>)],
        sums: &[(String, Vec<u8>)],
    ) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO verified (report_id, organisation_id, week_index, team_id, messages)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (report_id, team_id, messages) in reports {
                insert.execute(params![&report_id[..], organisation_id, week.index(), team_id, messages])?;
            }
            let mut upsert = transaction.prepare_cached(
                "INSERT INTO sums (organisation_id, week_index, team_id, shares) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (organisation_id, week_index, team_id) DO UPDATE SET shares = excluded.shares",
            )?;
            for (team_id, shares) in sums {
                upsert.execute(params![organisation_id, week.index(), team_id, shares])?;
            }
        }
        transaction.commit()?;
        truncate_wal(&connection)?;
        Ok(())
    }

    /// The answer the helper gave when it released `week`, if it did.
    pub fn release(&self, organisation_id: &str, week: IsoWeek) -> Result<Option<String>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT response FROM releases WHERE organisation_id = ?1 AND week_index = ?2",
                params![organisation_id, week.index()],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Records a release and, in the same transaction, deletes the week's
    /// sums and verified report ids: nothing of the week is kept but what
    /// was released.
    pub fn record_release(
        &self,
        organisation_id: &str,
        week: IsoWeek,
        now: DateTime<Utc>,
        summary: &str,
        response: &str,
    ) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "INSERT INTO releases (organisation_id, week_index, released_at, summary, response)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                organisation_id,
                week.index(),
                now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                summary,
                response
            ],
        )?;
        transaction.execute(
            "DELETE FROM sums WHERE organisation_id = ?1 AND week_index = ?2",
            params![organisation_id, week.index()],
        )?;
        transaction.execute(
            "DELETE FROM verified WHERE organisation_id = ?1 AND week_index = ?2",
            params![organisation_id, week.index()],
        )?;
        transaction.commit()?;
        truncate_wal(&connection)?;
        Ok(())
    }

    /// Every release the helper agreed to, oldest first.
    pub fn release_log(&self) -> Result<Vec<ReleaseLogEntry>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT organisation_id, week_index, released_at, summary FROM releases
             ORDER BY released_at, organisation_id, week_index",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok(ReleaseLogEntry {
                    organisation_id: row.get(0)?,
                    week: IsoWeek::from_index(row.get(1)?),
                    released_at: row.get(2)?,
                    summary: row.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_migrations_validate() {
        HELPER_MIGRATIONS.validate().expect("valid");
    }

    #[test]
    fn the_key_is_made_once_and_kept() {
        let directory = tempfile::tempdir().expect("directory");
        let path = directory.path().join("helper.sqlite");
        let store = HelperStore::open(&path).expect("opened");
        assert!(store.identity().expect("read").is_none());
        assert!(store.init("  ").is_err(), "a party must be named");
        let keys = store.init("RSU of Example S.p.A.").expect("key made");
        assert!(store.init("someone else").is_err(), "never replaced");
        drop(store);
        let (party, again) =
            HelperStore::open(&path).expect("reopened").identity().expect("read").expect("kept");
        assert_eq!(party, "RSU of Example S.p.A.");
        assert_eq!(again.public(), keys.public());
    }
}
