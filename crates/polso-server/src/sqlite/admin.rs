//! [`AdminStore`] for the SQLite database: head-counts, and listing and
//! revoking invite codes, devices and HR tokens.
//!
//! Kept apart from `sqlite::store` (the request path) so the two grow
//! independently. The head-count rule is checked here and again by the
//! triggers of `migrations/0005_one_person_one_voice.sql`, so a path that
//! forgets the check still cannot overfill a team.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::error::{Result, ServerError};
use crate::sqlite::SqliteServerStore;
use crate::store::ServerStore;
use crate::store::admin::{
    AdminStore, DEVICE_ID_PREFIX, DeviceSummary, HrTokenSummary, ID_BYTES, INVITE_ID_PREFIX, InviteSummary,
    ScopeGrants, StoredInvite, TeamHeadcount, checked_headcount, checked_id, device_summaries, granted_scope,
    headcount_below_devices, id_names_several, invite_summaries, invites_named,
};

fn not_found(what: &str, id: &str) -> ServerError {
    ServerError::NotFound(format!("there is no {what} '{id}'"))
}

pub(crate) fn organisation_exists(connection: &rusqlite::Connection, organisation_id: &str) -> Result<()> {
    let exists: Option<i64> = connection
        .query_row("SELECT 1 FROM organisations WHERE id = ?1", [organisation_id], |row| row.get(0))
        .optional()?;
    exists.map(|_| ()).ok_or_else(|| not_found("organisation", organisation_id))
}

impl AdminStore for SqliteServerStore {
    fn set_headcount(&self, team_id: &str, headcount: u32) -> Result<()> {
        checked_headcount(headcount)?;
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n_devices: Option<u32> = transaction
            .query_row(
                "SELECT (SELECT count(*) FROM devices WHERE team_id = ?1) FROM teams WHERE id = ?1",
                [team_id],
                |row| row.get(0),
            )
            .optional()?;
        let Some(n_devices) = n_devices else {
            return Err(not_found("team", team_id));
        };
        if headcount < n_devices {
            return Err(headcount_below_devices(team_id, n_devices, headcount));
        }
        transaction.execute("UPDATE teams SET headcount = ?1 WHERE id = ?2", params![headcount, team_id])?;
        transaction.commit()?;
        Ok(())
    }

    fn team_headcounts(&self, organisation_id: &str) -> Result<Vec<TeamHeadcount>> {
        let connection = self.connection();
        organisation_exists(&connection, organisation_id)?;
        let mut statement = connection.prepare(
            "SELECT t.id, t.name, d.id, t.headcount, (SELECT count(*) FROM devices dv WHERE dv.team_id = t.id)
             FROM teams t JOIN departments d ON d.id = t.department_id
             WHERE d.organisation_id = ?1
             ORDER BY d.name, d.id, t.name, t.id",
        )?;
        let teams = statement
            .query_map([organisation_id], |row| {
                Ok(TeamHeadcount {
                    team_id: row.get(0)?,
                    team_name: row.get(1)?,
                    department_id: row.get(2)?,
                    headcount: row.get(3)?,
                    n_devices: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(teams)
    }

    fn invites(&self, organisation_id: &str) -> Result<Vec<InviteSummary>> {
        let secret = self.receipt_secret()?;
        let connection = self.connection();
        organisation_exists(&connection, organisation_id)?;
        let mut statement = connection.prepare(
            "SELECT i.code_hash, i.team_id, i.uses_left, i.expires_at
             FROM invites i JOIN teams t ON t.id = i.team_id JOIN departments d ON d.id = t.department_id
             WHERE d.organisation_id = ?1",
        )?;
        let invites = statement
            .query_map([organisation_id], |row| {
                Ok(StoredInvite {
                    code_hash: row.get(0)?,
                    team_id: row.get(1)?,
                    uses_left: row.get(2)?,
                    expires_at: row.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        invite_summaries(&secret, invites)
    }

    fn revoke_invite(&self, invite_id_typed: &str) -> Result<()> {
        let wanted = checked_id(invite_id_typed, INVITE_ID_PREFIX, "an invite")?;
        let secret = self.receipt_secret()?;
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let code_hashes = transaction
            .prepare("SELECT code_hash FROM invites")?
            .query_map([], |row| row.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let matching = invites_named(&secret, code_hashes, &wanted)?;
        match matching.as_slice() {
            [] => return Err(not_found("invite", &wanted)),
            [code_hash] => {
                transaction.execute("DELETE FROM invites WHERE code_hash = ?1", [code_hash])?;
            }
            _ => return Err(id_names_several(&wanted, matching.len(), "invites")),
        }
        transaction.commit()?;
        Ok(())
    }

    fn devices(&self, team_id: &str) -> Result<Vec<DeviceSummary>> {
        let connection = self.connection();
        let exists: Option<i64> = connection
            .query_row("SELECT 1 FROM teams WHERE id = ?1", [team_id], |row| row.get(0))
            .optional()?;
        if exists.is_none() {
            return Err(not_found("team", team_id));
        }
        let mut statement =
            connection.prepare("SELECT token_hash, enrolled_week_index FROM devices WHERE team_id = ?1")?;
        let devices = statement
            .query_map([team_id], |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Option<i64>>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        device_summaries(team_id, devices)
    }

    fn revoke_device(&self, device_id_typed: &str) -> Result<()> {
        let wanted = checked_id(device_id_typed, DEVICE_ID_PREFIX, "a device")?;
        let hex_prefix = wanted[DEVICE_ID_PREFIX.len()..].to_owned();
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let matching: Vec<Vec<u8>> = transaction
            .prepare("SELECT token_hash FROM devices WHERE lower(hex(substr(token_hash, 1, ?1))) = ?2")?
            .query_map(params![ID_BYTES as i64, hex_prefix], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        match matching.as_slice() {
            [] => return Err(not_found("device", &wanted)),
            [token_hash] => {
                transaction.execute("DELETE FROM devices WHERE token_hash = ?1", [token_hash])?;
            }
            _ => return Err(id_names_several(&wanted, matching.len(), "devices")),
        }
        transaction.commit()?;
        Ok(())
    }

    fn hr_tokens(&self, organisation_id: &str) -> Result<Vec<HrTokenSummary>> {
        let connection = self.connection();
        organisation_exists(&connection, organisation_id)?;
        let mut statement = connection.prepare(
            "SELECT id, whole_organisation, role, revoked FROM hr_tokens WHERE organisation_id = ?1 ORDER BY id",
        )?;
        let tokens = statement
            .query_map([organisation_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, bool>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut departments_of = connection.prepare(
            "SELECT department_id FROM hr_token_departments WHERE hr_token_id = ?1 ORDER BY department_id",
        )?;
        let mut teams_of = connection
            .prepare("SELECT team_id FROM hr_token_teams WHERE hr_token_id = ?1 ORDER BY team_id")?;
        tokens
            .into_iter()
            .map(|(id, whole_organisation, role, revoked)| {
                let scope = granted_scope(&role, whole_organisation, |grants| {
                    let statement = match grants {
                        ScopeGrants::Departments => &mut departments_of,
                        ScopeGrants::Teams => &mut teams_of,
                    };
                    Ok(statement.query_map([&id], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?)
                })?;
                Ok(HrTokenSummary { id, scope, revoked })
            })
            .collect()
    }
}
