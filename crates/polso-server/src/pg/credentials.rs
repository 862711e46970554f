//! [`CredentialStore`] on PostgreSQL: team key pairs, unspent personal codes
//! and spent credential messages, with the SQLite store's rules and messages
//! (the shared ones live in [`crate::store::credentials`]).
//!
//! What replicas need, since two of them may get the same code or
//! credential at once:
//!
//! - **A code is spent once.** Spending deletes the code's row first
//!   (`DELETE … RETURNING`), which locks it: a second replica spending the
//!   same code waits, then deletes nothing and answers `InviteUnknown`. The
//!   signature is made and the transaction committed after; when the team
//!   is full or signing fails, the transaction rolls back and the code is
//!   unspent again.
//! - **A credential enrols once.** Its message's hash is inserted with
//!   `ON CONFLICT DO NOTHING`; a second replica inserting the same hash
//!   waits for the first to commit and then inserts nothing.
//! - **The head-count holds.** The team's row is locked before its devices
//!   are counted, in a statement of its own, so enrolments into one team are
//!   counted one at a time (the schema's trigger checks again beneath).
//!
//! Unlike SQLite with `secure_delete`, PostgreSQL keeps a deleted code's row
//! in its files until vacuum reclaims it, and in its write-ahead log.

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use postgres::GenericClient;

use super::store::load_organisation;
use super::{PgServerStore, count_u32, not_found};
use crate::credential::{NOT_SIGNED, TeamKeyDer};
use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::store::Enrolment;
use crate::store::credentials::{CredentialStore, PersonalCodeTeam, check_free_place, no_credential_key};

/// How many devices the team holds; read after the team's row is locked.
pub(super) fn devices_of_team(client: &mut impl GenericClient, team_id: &str) -> Result<u32> {
    let n_devices: i64 =
        client.query_one("SELECT count(*) FROM devices WHERE team_id = $1", &[&team_id])?.get(0);
    count_u32(n_devices, "a team's device count")
}

impl CredentialStore for PgServerStore {
    fn has_team_key(&self, team_id: &str) -> Result<bool> {
        self.on_workers(|| Ok(self.team_public_key(team_id)?.is_some()))
    }

    fn add_personal_codes(
        &self,
        team_id: &str,
        key: Option<&TeamKeyDer>,
        code_hashes: &[Hash32],
    ) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            if transaction.query_opt("SELECT 1 FROM teams WHERE id = $1", &[&team_id])?.is_none() {
                return Err(not_found("team", team_id));
            }
            if let Some(key) = key {
                // Two replicas creating a team's first codes at once: the first
                // key stays, and both sets of codes are spent under it.
                transaction.execute(
                    "INSERT INTO team_credential_keys (team_id, secret_key_der, public_key_der) VALUES ($1,
                 $2, $3)
                 ON CONFLICT (team_id) DO NOTHING",
                    &[&team_id, &key.secret_key_der, &key.public_key_der],
                )?;
            }
            if transaction
                .query_opt("SELECT 1 FROM team_credential_keys WHERE team_id = $1", &[&team_id])?
                .is_none()
            {
                return Err(no_credential_key(team_id));
            }
            let insert =
                transaction.prepare("INSERT INTO personal_codes (code_hash, team_id) VALUES ($1, $2)")?;
            for code_hash in code_hashes {
                transaction.execute(&insert, &[&&code_hash[..], &team_id])?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn unspent_personal_codes(&self, team_id: &str) -> Result<u32> {
        self.on_workers(|| {
            let unspent: i64 = self
                .client()?
                .query_one("SELECT count(*) FROM personal_codes WHERE team_id = $1", &[&team_id])?
                .get(0);
            count_u32(unspent, "a team's unspent personal codes")
        })
    }

    fn personal_code_team(&self, code_hash: &Hash32) -> Result<Option<PersonalCodeTeam>> {
        self.on_workers(|| {
            Ok(self
                .client()?
                .query_opt(
                    "SELECT t.id, t.name, k.public_key_der
                 FROM personal_codes c JOIN teams t ON t.id = c.team_id
                 JOIN team_credential_keys k ON k.team_id = c.team_id
                 WHERE c.code_hash = $1",
                    &[&&code_hash[..]],
                )?
                .map(|row| PersonalCodeTeam {
                    team_id: row.get(0),
                    team_name: row.get(1),
                    public_key_der: row.get(2),
                }))
        })
    }

    fn spend_personal_code(
        &self,
        code_hash: &Hash32,
        sign: &mut (dyn FnMut(&[u8]) -> Result<Vec<u8>> + Send),
    ) -> Result<Vec<u8>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            // Deleted first, so the code's row is this transaction's until it
            // ends: a concurrent spend of the same code finds nothing to delete.
            let Some(code) = transaction.query_opt(
                "DELETE FROM personal_codes WHERE code_hash = $1 RETURNING team_id",
                &[&&code_hash[..]],
            )?
            else {
                return Err(ServerError::InviteUnknown);
            };
            let team_id: String = code.get(0);
            let Some(team) = transaction.query_opt(
                "SELECT k.secret_key_der, t.headcount
             FROM team_credential_keys k JOIN teams t ON t.id = k.team_id WHERE k.team_id = $1",
                &[&team_id],
            )?
            else {
                return Err(ServerError::InviteUnknown);
            };
            let (secret_key_der, headcount): (Vec<u8>, Option<i64>) = (team.get(0), team.get(1));
            let headcount = headcount.map(|headcount| count_u32(headcount, "a head-count")).transpose()?;
            // A credential that could not enrol now would be lost with its code:
            // refuse before spending, as enrolment would (the rollback keeps the code).
            check_free_place(&team_id, headcount, devices_of_team(&mut transaction, &team_id)?)?;
            let blind_signature = sign(&secret_key_der)?;
            transaction.commit()?;
            Ok(blind_signature)
        })
    }

    fn team_public_key(&self, team_id: &str) -> Result<Option<Vec<u8>>> {
        self.on_workers(|| {
            Ok(self
                .client()?
                .query_opt("SELECT public_key_der FROM team_credential_keys WHERE team_id = $1", &[&team_id])?
                .map(|row| row.get(0)))
        })
    }

    fn redeem_credential(
        &self,
        team_id: &str,
        message_hash: &Hash32,
        device_token_hash: &Hash32,
        now: DateTime<Utc>,
    ) -> Result<Enrolment> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            let inserted = transaction.execute(
                "INSERT INTO spent_credentials (message_hash) VALUES ($1)
                 ON CONFLICT (message_hash) DO NOTHING",
                &[&&message_hash[..]],
            )?;
            if inserted == 0 {
                return Err(ServerError::InviteExhausted);
            }
            // One person, one voice: the head-count caps devices whatever enrols
            // them, and the team's row is locked before its devices are counted.
            let Some(team) = transaction.query_opt(
                "SELECT t.headcount, t.name, d.organisation_id
             FROM teams t JOIN departments d ON d.id = t.department_id WHERE t.id = $1 FOR UPDATE OF t",
                &[&team_id],
            )?
            else {
                return Err(ServerError::Unauthorized(NOT_SIGNED));
            };
            let (headcount, team_name, organisation_id): (Option<i64>, String, String) =
                (team.get(0), team.get(1), team.get(2));
            let headcount = headcount.map(|headcount| count_u32(headcount, "a head-count")).transpose()?;
            check_free_place(team_id, headcount, devices_of_team(&mut transaction, team_id)?)?;
            let enrolled_week = IsoWeek::containing(now.date_naive());
            transaction.execute(
                "INSERT INTO devices (token_hash, team_id, enrolled_week_index) VALUES ($1, $2, $3)",
                &[&&device_token_hash[..], &team_id, &enrolled_week.index()],
            )?;
            let organisation = load_organisation(&mut transaction, &organisation_id)?
                .ok_or_else(|| ServerError::CorruptData(format!("team {team_id} has no organisation")))?;
            transaction.commit()?;
            Ok(Enrolment { organisation, team_id: team_id.to_owned(), team_name })
        })
    }
}
