//! [`CredentialStore`] on SQLite: each team's key pair, the unspent personal codes and the
//! spent credential messages, as hashes. Spending a code deletes its row in one transaction
//! that writes nothing else; enrolling with a credential writes the message's hash and the
//! device in another, and neither names the other.

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::credential::{NOT_SIGNED, TeamKeyDer};
use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::sqlite::{SqliteServerStore, truncate_wal};
use crate::store::credentials::{CredentialStore, PersonalCodeTeam, check_free_place, no_credential_key};
use crate::store::{Enrolment, ServerStore};

impl CredentialStore for SqliteServerStore {
    fn has_team_key(&self, team_id: &str) -> Result<bool> {
        Ok(self.team_public_key(team_id)?.is_some())
    }

    fn add_personal_codes(
        &self,
        team_id: &str,
        key: Option<&TeamKeyDer>,
        code_hashes: &[Hash32],
    ) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let team_exists: Option<i64> = transaction
            .query_row("SELECT 1 FROM teams WHERE id = ?1", [team_id], |row| row.get(0))
            .optional()?;
        if team_exists.is_none() {
            return Err(ServerError::NotFound(format!("there is no team '{team_id}'")));
        }
        if let Some(key) = key {
            transaction.execute(
                "INSERT OR IGNORE INTO team_credential_keys (team_id, secret_key_der, public_key_der) VALUES (?1, ?2, ?3)",
                params![team_id, key.secret_key_der, key.public_key_der],
            )?;
        }
        let has_key: Option<i64> = transaction
            .query_row("SELECT 1 FROM team_credential_keys WHERE team_id = ?1", [team_id], |row| row.get(0))
            .optional()?;
        if has_key.is_none() {
            return Err(no_credential_key(team_id));
        }
        for code_hash in code_hashes {
            transaction.execute(
                "INSERT INTO personal_codes (code_hash, team_id) VALUES (?1, ?2)",
                params![&code_hash[..], team_id],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }

    fn unspent_personal_codes(&self, team_id: &str) -> Result<u32> {
        Ok(self.connection().query_row(
            "SELECT count(*) FROM personal_codes WHERE team_id = ?1",
            [team_id],
            |row| row.get(0),
        )?)
    }

    fn personal_code_team(&self, code_hash: &Hash32) -> Result<Option<PersonalCodeTeam>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT t.id, t.name, k.public_key_der
                 FROM personal_codes c JOIN teams t ON t.id = c.team_id
                 JOIN team_credential_keys k ON k.team_id = c.team_id
                 WHERE c.code_hash = ?1",
                [&code_hash[..]],
                |row| {
                    Ok(PersonalCodeTeam {
                        team_id: row.get(0)?,
                        team_name: row.get(1)?,
                        public_key_der: row.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn spend_personal_code(
        &self,
        code_hash: &Hash32,
        sign: &mut (dyn FnMut(&[u8]) -> Result<Vec<u8>> + Send),
    ) -> Result<Vec<u8>> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(Vec<u8>, String, Option<u32>, u32)> = transaction
            .query_row(
                "SELECT k.secret_key_der, c.team_id, t.headcount,
                        (SELECT count(*) FROM devices WHERE team_id = c.team_id)
                 FROM personal_codes c JOIN team_credential_keys k ON k.team_id = c.team_id
                 JOIN teams t ON t.id = c.team_id
                 WHERE c.code_hash = ?1",
                [&code_hash[..]],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let Some((secret_key_der, team_id, headcount, n_devices)) = found else {
            return Err(ServerError::InviteUnknown);
        };
        // A credential that could not enrol now would be lost with its code:
        // refuse before spending, as enrolment would.
        check_free_place(&team_id, headcount, n_devices)?;
        let blind_signature = sign(&secret_key_der)?;
        let deleted =
            transaction.execute("DELETE FROM personal_codes WHERE code_hash = ?1", [&code_hash[..]])?;
        if deleted != 1 {
            return Err(ServerError::InviteUnknown);
        }
        transaction.commit()?;
        // With secure_delete, the spent code's hash is then gone from the
        // files too: a copy shows the codes still unspent, not when one was spent.
        truncate_wal(&connection)?;
        Ok(blind_signature)
    }

    fn team_public_key(&self, team_id: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT public_key_der FROM team_credential_keys WHERE team_id = ?1",
                [team_id],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn redeem_credential(
        &self,
        team_id: &str,
        message_hash: &Hash32,
        device_token_hash: &Hash32,
        now: DateTime<Utc>,
    ) -> Result<Enrolment> {
        let (team_name, organisation_id) = {
            let mut connection = self.connection();
            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let inserted = transaction.execute(
                "INSERT OR IGNORE INTO spent_credentials (message_hash) VALUES (?1)",
                [&message_hash[..]],
            )?;
            if inserted == 0 {
                return Err(ServerError::InviteExhausted);
            }
            // One person, one voice: the head-count caps devices whatever enrols them.
            let team: Option<(Option<u32>, u32, String, String)> = transaction
                .query_row(
                    "SELECT t.headcount, (SELECT count(*) FROM devices WHERE team_id = t.id), t.name, d.organisation_id
                     FROM teams t JOIN departments d ON d.id = t.department_id WHERE t.id = ?1",
                    [team_id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?;
            let Some((headcount, n_devices, team_name, organisation_id)) = team else {
                return Err(ServerError::Unauthorized(NOT_SIGNED));
            };
            check_free_place(team_id, headcount, n_devices)?;
            let enrolled_week = IsoWeek::containing(now.date_naive());
            transaction.execute(
                "INSERT INTO devices (token_hash, team_id, enrolled_week_index) VALUES (?1, ?2, ?3)",
                params![&device_token_hash[..], team_id, enrolled_week.index()],
            )?;
            transaction.commit()?;
            truncate_wal(&connection)?;
            (team_name, organisation_id)
        };
        let organisation = self.organisation(&organisation_id)?;
        Ok(Enrolment { organisation, team_id: team_id.to_owned(), team_name })
    }
}
