//! [`AdminStore`] for the SQLite database: head-counts, and listing and
//! revoking invite codes, devices and HR tokens.
//!
//! Kept apart from `sqlite_store` (the request path) so the two grow
//! independently. The head-count rule is checked here and again by the
//! triggers of `migrations/0005_one_person_one_voice.sql`, so a path that
//! forgets the check still cannot overfill a team.

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::admin_store::{
    AdminStore, DEVICE_ID_PREFIX, DeviceSummary, HrTokenSummary, ID_BYTES, INVITE_ID_PREFIX, InviteSummary,
    MAX_HEADCOUNT, TeamHeadcount, checked_id, device_id, invite_id,
};
use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::sqlite_store::SqliteServerStore;
use crate::store::{GrantedScope, ServerStore};

fn not_found(what: &str, id: &str) -> ServerError {
    ServerError::NotFound(format!("there is no {what} '{id}'"))
}

fn hash_from_blob(bytes: Vec<u8>, what: &str) -> Result<Hash32> {
    bytes.try_into().map_err(|_| ServerError::CorruptData(format!("{what} is not 32 bytes")))
}

pub(crate) fn organisation_exists(connection: &rusqlite::Connection, organisation_id: &str) -> Result<()> {
    let exists: Option<i64> = connection
        .query_row("SELECT 1 FROM organisations WHERE id = ?1", [organisation_id], |row| row.get(0))
        .optional()?;
    exists.map(|_| ()).ok_or_else(|| not_found("organisation", organisation_id))
}

impl AdminStore for SqliteServerStore {
    fn set_headcount(&self, team_id: &str, headcount: u32) -> Result<()> {
        if headcount == 0 || headcount > MAX_HEADCOUNT {
            return Err(ServerError::InvalidInput(format!(
                "a head-count must be 1 to {MAX_HEADCOUNT}, not {headcount}"
            )));
        }
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
            return Err(ServerError::InvalidInput(format!(
                "team '{team_id}' has {n_devices} enrolled devices, more than a head-count of {headcount}; \
                 revoke devices first (`list-devices --team {team_id}`, then `revoke-device --id ID`)"
            )));
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
        let rows = statement
            .query_map([organisation_id], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, u32>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut invites = rows
            .into_iter()
            .map(|(code_hash, team_id, uses_left, expires_at)| {
                let code_hash = hash_from_blob(code_hash, "an invite's code hash")?;
                let expires_at = DateTime::parse_from_rfc3339(&expires_at)
                    .map_err(|_| ServerError::CorruptData(format!("an invite's expiry '{expires_at}'")))?
                    .with_timezone(&Utc);
                Ok(InviteSummary { id: invite_id(&secret, &code_hash), team_id, uses_left, expires_at })
            })
            .collect::<Result<Vec<_>>>()?;
        invites.sort_by(|a, b| (&a.team_id, a.expires_at, &a.id).cmp(&(&b.team_id, b.expires_at, &b.id)));
        Ok(invites)
    }

    fn revoke_invite(&self, invite_id_typed: &str) -> Result<()> {
        let wanted = checked_id(invite_id_typed, INVITE_ID_PREFIX, "an invite")?;
        let secret = self.receipt_secret()?;
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // The id is keyed, so SQL cannot look it up: every invite's id is
        // computed, which is quick for the few thousand a server holds.
        let code_hashes = transaction
            .prepare("SELECT code_hash FROM invites")?
            .query_map([], |row| row.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut matching = Vec::new();
        for code_hash in code_hashes {
            let hash = hash_from_blob(code_hash.clone(), "an invite's code hash")?;
            if invite_id(&secret, &hash) == wanted {
                matching.push(code_hash);
            }
        }
        match matching.as_slice() {
            [] => return Err(not_found("invite", &wanted)),
            [code_hash] => {
                transaction.execute("DELETE FROM invites WHERE code_hash = ?1", [code_hash])?;
            }
            _ => {
                return Err(ServerError::InvalidInput(format!(
                    "'{wanted}' names {} invites; none was revoked",
                    matching.len()
                )));
            }
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
        let rows = statement
            .query_map([team_id], |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Option<i64>>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut devices = rows
            .into_iter()
            .map(|(token_hash, enrolled_week_index)| {
                Ok(DeviceSummary {
                    id: device_id(&hash_from_blob(token_hash, "a device's token hash")?),
                    team_id: team_id.to_owned(),
                    enrolled_week: enrolled_week_index.map(IsoWeek::from_index),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        devices.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(devices)
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
            _ => {
                return Err(ServerError::InvalidInput(format!(
                    "'{wanted}' names {} devices; none was revoked",
                    matching.len()
                )));
            }
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
                let scope = if role == "manager" {
                    GrantedScope::Teams(
                        teams_of
                            .query_map([&id], |row| row.get(0))?
                            .collect::<rusqlite::Result<Vec<String>>>()?,
                    )
                } else if whole_organisation {
                    GrantedScope::Organisation
                } else {
                    GrantedScope::Departments(
                        departments_of
                            .query_map([&id], |row| row.get(0))?
                            .collect::<rusqlite::Result<Vec<String>>>()?,
                    )
                };
                Ok(HrTokenSummary { id, scope, revoked })
            })
            .collect()
    }
}
