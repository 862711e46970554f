//! [`AdminStore`] on PostgreSQL: head-counts, and listing and revoking
//! invite codes, devices and HR tokens, with the SQLite store's rules and
//! messages (the shared ones live in [`crate::store::admin`]).
//!
//! What replicas need: a head-count is set with the team's row locked and
//! its devices counted in a statement of their own after the lock, so an
//! enrolment committed meanwhile by another replica is counted (a count in
//! the locking statement would read the snapshot from before the wait). The
//! trigger `headcount_not_below_devices` checks the same rule beneath.

use postgres::GenericClient;

use super::{PgServerStore, count_u32, not_found};
use crate::error::Result;
use crate::store::ServerStore;
use crate::store::admin::{
    AdminStore, DEVICE_ID_PREFIX, DeviceSummary, HrTokenSummary, ID_BYTES, INVITE_ID_PREFIX, InviteSummary,
    ScopeGrants, StoredInvite, TeamHeadcount, checked_headcount, checked_id, device_summaries, granted_scope,
    headcount_below_devices, id_names_several, invite_summaries, invites_named,
};

/// `NotFound` unless the organisation exists.
fn organisation_exists(client: &mut impl GenericClient, organisation_id: &str) -> Result<()> {
    match client.query_opt("SELECT 1 FROM organisations WHERE id = $1", &[&organisation_id])? {
        Some(_) => Ok(()),
        None => Err(not_found("organisation", organisation_id)),
    }
}

impl AdminStore for PgServerStore {
    fn set_headcount(&self, team_id: &str, headcount: u32) -> Result<()> {
        self.on_workers(|| {
            checked_headcount(headcount)?;
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            // The team's row first: enrolments into the team wait until this
            // commits, and the count below sees every one committed before.
            if transaction.query_opt("SELECT 1 FROM teams WHERE id = $1 FOR UPDATE", &[&team_id])?.is_none() {
                return Err(not_found("team", team_id));
            }
            let n_devices: i64 =
                transaction.query_one("SELECT count(*) FROM devices WHERE team_id = $1", &[&team_id])?.get(0);
            let n_devices = count_u32(n_devices, "a team's device count")?;
            if headcount < n_devices {
                return Err(headcount_below_devices(team_id, n_devices, headcount));
            }
            transaction.execute(
                "UPDATE teams SET headcount = $1 WHERE id = $2",
                &[&i64::from(headcount), &team_id],
            )?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn team_headcounts(&self, organisation_id: &str) -> Result<Vec<TeamHeadcount>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            organisation_exists(client.client(), organisation_id)?;
            let rows = client.query(
                "SELECT t.id, t.name, d.id, t.headcount, (SELECT count(*) FROM devices dv
                 WHERE dv.team_id = t.id)
                 FROM teams t JOIN departments d ON d.id = t.department_id
                 WHERE d.organisation_id = $1
                 ORDER BY d.name, d.id, t.name, t.id",
                &[&organisation_id],
            )?;
            rows.into_iter()
                .map(|row| {
                    Ok(TeamHeadcount {
                        team_id: row.get(0),
                        team_name: row.get(1),
                        department_id: row.get(2),
                        headcount: row
                            .get::<_, Option<i64>>(3)
                            .map(|headcount| count_u32(headcount, "a head-count"))
                            .transpose()?,
                        n_devices: count_u32(row.get(4), "a team's device count")?,
                    })
                })
                .collect()
        })
    }

    fn invites(&self, organisation_id: &str) -> Result<Vec<InviteSummary>> {
        self.on_workers(|| {
            let secret = self.receipt_secret()?;
            let mut client = self.client()?;
            organisation_exists(client.client(), organisation_id)?;
            let invites = client
                .query(
                    "SELECT i.code_hash, i.team_id, i.uses_left, i.expires_at
                 FROM invites i JOIN teams t ON t.id = i.team_id JOIN departments d ON d.id = t.department_id
                 WHERE d.organisation_id = $1",
                    &[&organisation_id],
                )?
                .into_iter()
                .map(|row| {
                    Ok(StoredInvite {
                        code_hash: row.get(0),
                        team_id: row.get(1),
                        uses_left: count_u32(row.get(2), "an invite's uses left")?,
                        expires_at: row.get(3),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            invite_summaries(&secret, invites)
        })
    }

    fn revoke_invite(&self, invite_id_typed: &str) -> Result<()> {
        self.on_workers(|| {
            let wanted = checked_id(invite_id_typed, INVITE_ID_PREFIX, "an invite")?;
            let secret = self.receipt_secret()?;
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            let code_hashes: Vec<Vec<u8>> = transaction
                .query("SELECT code_hash FROM invites", &[])?
                .iter()
                .map(|row| row.get(0))
                .collect();
            let matching = invites_named(&secret, code_hashes, &wanted)?;
            match matching.as_slice() {
                [] => return Err(not_found("invite", &wanted)),
                [code_hash] => {
                    // Another replica may have revoked it since it was read.
                    let deleted =
                        transaction.execute("DELETE FROM invites WHERE code_hash = $1", &[code_hash])?;
                    if deleted == 0 {
                        return Err(not_found("invite", &wanted));
                    }
                }
                _ => return Err(id_names_several(&wanted, matching.len(), "invites")),
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn devices(&self, team_id: &str) -> Result<Vec<DeviceSummary>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            if client.query_opt("SELECT 1 FROM teams WHERE id = $1", &[&team_id])?.is_none() {
                return Err(not_found("team", team_id));
            }
            let devices = client
                .query("SELECT token_hash, enrolled_week_index FROM devices WHERE team_id = $1", &[&team_id])?
                .into_iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect();
            device_summaries(team_id, devices)
        })
    }

    fn revoke_device(&self, device_id_typed: &str) -> Result<()> {
        self.on_workers(|| {
            let wanted = checked_id(device_id_typed, DEVICE_ID_PREFIX, "a device")?;
            let hex_prefix = &wanted[DEVICE_ID_PREFIX.len()..];
            let id_bytes = i32::try_from(ID_BYTES).unwrap_or(i32::MAX);
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            let matching: Vec<Vec<u8>> = transaction
            .query(
                "SELECT token_hash FROM devices WHERE encode(substring(token_hash FROM 1 FOR $1), 'hex') = $2
                 FOR UPDATE",
                &[&id_bytes, &hex_prefix],
            )?
            .iter()
            .map(|row| row.get(0))
            .collect();
            match matching.as_slice() {
                [] => return Err(not_found("device", &wanted)),
                [token_hash] => {
                    transaction.execute("DELETE FROM devices WHERE token_hash = $1", &[token_hash])?;
                }
                _ => return Err(id_names_several(&wanted, matching.len(), "devices")),
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn hr_tokens(&self, organisation_id: &str) -> Result<Vec<HrTokenSummary>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            organisation_exists(client.client(), organisation_id)?;
            let tokens = client.query(
                "SELECT id, whole_organisation, role, revoked FROM hr_tokens
                 WHERE organisation_id = $1 ORDER BY id",
                &[&organisation_id],
            )?;
            let departments_of = client.prepare(
                "SELECT department_id FROM hr_token_departments WHERE hr_token_id = $1
                 ORDER BY department_id",
            )?;
            let teams_of = client
                .prepare("SELECT team_id FROM hr_token_teams WHERE hr_token_id = $1 ORDER BY team_id")?;
            let mut listed = Vec::with_capacity(tokens.len());
            for token in tokens {
                let (id, whole_organisation, role, revoked): (String, i64, String, i64) =
                    (token.get(0), token.get(1), token.get(2), token.get(3));
                let scope = granted_scope(&role, whole_organisation != 0, |grants| {
                    let statement = match grants {
                        ScopeGrants::Departments => &departments_of,
                        ScopeGrants::Teams => &teams_of,
                    };
                    Ok(client.query(statement, &[&id])?.iter().map(|row| row.get(0)).collect())
                })?;
                listed.push(HrTokenSummary { id, scope, revoked: revoked != 0 });
            }
            Ok(listed)
        })
    }
}
