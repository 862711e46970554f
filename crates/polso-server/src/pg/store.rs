//! [`ServerStore`] on PostgreSQL: the SQLite store's statements in
//! PostgreSQL's dialect, with what replicas need (see the module above).

use std::ops::RangeInclusive;
use std::time::Duration;

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use polso_core::anonymity::Threshold;
use polso_core::dp::Epsilon;
use polso_core::questionnaire::QuestionnairePlan;
use postgres::GenericClient;
use postgres::ToStatement;

use super::{PgServerStore, count_u32, lock_organisation, not_found};
use crate::clock::stored_time;
use crate::error::{Result, ServerError};
use crate::group_commit::{PendingFold, Queued};
use crate::secrets::Hash32;
use crate::store::{
    CxScore, DepartmentNode, DeviceMembership, Enrolment, FoldOutcome, GrantedScope, HrAccess, HrScope,
    LedgerEntry, ManagedTeam, NewHrToken, NewInvite, Organisation, OrganisationTree, PrivacySetting,
    PublicationLock, PublishedCell, PublishedFigures, ReportFold, SavedCxMapping, ServerStore, StoredAction,
    TeamAggregate, TeamNode, WeekPublication, organisation_from_parts, questionnaire_plan,
};

/// The raw sums of an organisation's teams: `$1` organisation, `$2` key or NULL, `$3`..`$4` weeks.
pub(super) const TEAM_AGGREGATES_SQL: &str =
    "SELECT a.team_id, a.week_index, a.key, a.n, a.sum, a.sum_squares, a.histogram
             FROM aggregates a
             JOIN teams t ON t.id = a.team_id
             JOIN departments d ON d.id = t.department_id
             WHERE d.organisation_id = $1 AND ($2::TEXT IS NULL OR a.key = $2)
               AND a.week_index BETWEEN $3 AND $4
             ORDER BY a.week_index, a.key, a.team_id";

/// Published cells of some units: `$1` organisation, `$2` key, `$3`..`$4`
/// weeks, the histogram when `$5`, `$6` unit ids; looked up by their whole
/// key week by week (the key orders a unit after the week, so a filter on
/// units would walk every team's entries of those weeks). `LIMIT 1` (the key
/// is unique) keeps the lookup a lookup: the planner cannot merge it into a join.
pub(super) const PUBLISHED_CELLS_OF_UNITS_SQL: &str =
    "SELECT p.week_index, p.unit_id, p.n, p.mean, p.sd, CASE WHEN $5 THEN p.histogram END
             FROM generate_series($3::BIGINT, $4::BIGINT) AS w (week_index)
             CROSS JOIN unnest($6::TEXT[]) AS u (unit_id)
             CROSS JOIN LATERAL (SELECT * FROM published_cells
                 WHERE organisation_id = $1 AND key = $2 AND week_index = w.week_index
                   AND unit_id = u.unit_id LIMIT 1) AS p
             ORDER BY p.week_index";

/// Published cells: `$1` organisation, `$2` key, `$3`..`$4` weeks, the histogram when `$5`;
/// by week, as the heatmap pools them.
pub(super) const PUBLISHED_CELLS_SQL: &str =
    "SELECT week_index, unit_id, n, mean, sd, CASE WHEN $5 THEN histogram END FROM published_cells
             WHERE organisation_id = $1 AND key = $2 AND week_index BETWEEN $3 AND $4
             ORDER BY week_index";

/// A device by its token hash (`$1`): every report and comment reads it.
pub(super) const DEVICE_SQL: &str = "SELECT dv.team_id, d.organisation_id, dv.enrolled_week_index
                 FROM devices dv JOIN teams t ON t.id = dv.team_id
                 JOIN departments d ON d.id = t.department_id
                 WHERE dv.token_hash = $1";

/// An HR token by its hash (`$1`): every HR read reads it.
pub(super) const HR_TOKEN_SQL: &str = "SELECT id, organisation_id, whole_organisation, role
FROM hr_tokens WHERE token_hash = $1 AND revoked = 0";

/// The last published week of an organisation (`$1`): every HR read reads it.
pub(super) const LAST_PUBLISHED_SQL: &str =
    "SELECT max(week_index) FROM publications WHERE organisation_id = $1";

/// The columns [`organisation_from_row`] reads, in order.
macro_rules! organisation_columns {
    () => {
        "id, name, seed, k, dp_epsilon_numerator, dp_epsilon_denominator, dp_release"
    };
}

/// An organisation by its id (`$1`), the columns [`organisation_from_row`] reads.
const ORGANISATION_SQL: &str =
    concat!("SELECT ", organisation_columns!(), " FROM organisations WHERE id = $1");

/// An organisation's questionnaire adoptions (`$1`), the first one first.
const ADOPTIONS_SQL: &str = "SELECT from_week, edition, who5 FROM questionnaire_adoptions
         WHERE organisation_id = $1 ORDER BY from_week IS NOT NULL, from_week";

/// A helper link by its organisation (`$1`).
pub(super) const HELPER_LINK_SQL: &str = "SELECT url, party, public_key, verify_key, token, from_week
         FROM helper_links WHERE organisation_id = $1";

fn organisation_from_row(row: &postgres::Row) -> Result<Organisation> {
    organisation_from_parts((
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
        row.get(6),
    ))
}

/// An organisation's questionnaire plan, from its adoptions.
fn load_questionnaire(client: &mut impl GenericClient, organisation_id: &str) -> Result<QuestionnairePlan> {
    load_questionnaire_by(client, ADOPTIONS_SQL, organisation_id)
}

/// [`load_questionnaire`] by `adoptions`, [`ADOPTIONS_SQL`] as text or prepared.
fn load_questionnaire_by<S: ToStatement + ?Sized>(
    client: &mut impl GenericClient,
    adoptions: &S,
    organisation_id: &str,
) -> Result<QuestionnairePlan> {
    let rows = client.query(adoptions, &[&organisation_id])?;
    let adoptions = rows
        .iter()
        .map(|row| {
            let edition = count_u32(row.get::<_, i64>(1), "a questionnaire edition")?;
            Ok((row.get::<_, Option<i64>>(0), edition, row.get::<_, i64>(2) == 1))
        })
        .collect::<Result<Vec<_>>>()?;
    questionnaire_plan(organisation_id, adoptions)
}

fn write_questionnaire(
    client: &mut impl GenericClient,
    organisation_id: &str,
    plan: &QuestionnairePlan,
) -> Result<()> {
    client.execute("DELETE FROM questionnaire_adoptions WHERE organisation_id = $1", &[&organisation_id])?;
    let adoptions = std::iter::once((None, plan.first()))
        .chain(plan.adoptions().iter().map(|adoption| (Some(adoption.from.index()), adoption.questionnaire)));
    for (week, questionnaire) in adoptions {
        client.execute(
            "INSERT INTO questionnaire_adoptions (organisation_id, from_week, edition, who5)
             VALUES ($1, $2, $3, $4)",
            &[&organisation_id, &week, &i64::from(questionnaire.edition), &i64::from(questionnaire.who5)],
        )?;
    }
    Ok(())
}

pub(crate) fn load_organisation(
    client: &mut impl GenericClient,
    organisation_id: &str,
) -> Result<Option<Organisation>> {
    load_organisation_by(client, ORGANISATION_SQL, ADOPTIONS_SQL, organisation_id)
}

/// [`load_organisation`] by `organisation` and `adoptions`,
/// [`ORGANISATION_SQL`] and [`ADOPTIONS_SQL`] as text or prepared.
fn load_organisation_by<S: ToStatement + ?Sized>(
    client: &mut impl GenericClient,
    organisation: &S,
    adoptions: &S,
    organisation_id: &str,
) -> Result<Option<Organisation>> {
    let Some(row) = client.query_opt(organisation, &[&organisation_id])? else {
        return Ok(None);
    };
    let organisation = organisation_from_row(&row)?;
    let questionnaire = load_questionnaire_by(client, adoptions, &organisation.id)?;
    Ok(Some(Organisation { questionnaire, ..organisation }))
}

/// The organisation a team belongs to, if the team exists.
fn team_owner(client: &mut impl GenericClient, team_id: &str) -> Result<Option<String>> {
    Ok(client
        .query_opt(
            "SELECT d.organisation_id FROM teams t JOIN departments d ON d.id = t.department_id
             WHERE t.id = $1",
            &[&team_id],
        )?
        .map(|row| row.get(0)))
}

fn epsilon_parts(epsilon: Option<Epsilon>) -> (Option<i64>, Option<i64>) {
    (epsilon.map(|epsilon| epsilon.numerator() as i64), epsilon.map(|epsilon| epsilon.denominator() as i64))
}

fn histogram_from_sql(counts: Vec<i64>, key: &str) -> Result<Vec<u32>> {
    counts
        .into_iter()
        .map(|count| {
            u32::try_from(count).map_err(|_| ServerError::CorruptData(format!("histogram of {key}")))
        })
        .collect()
}

impl ServerStore for PgServerStore {
    fn lock_publication(&self, organisation_id: &str, wait: Duration) -> Result<Option<PublicationLock>> {
        self.take_publication_lock(organisation_id, wait)
    }

    fn credentials(&self) -> Option<&dyn crate::store::credentials::CredentialStore> {
        Some(self)
    }

    fn shared(&self) -> Option<&dyn crate::store::shared::SharedStore> {
        Some(self)
    }

    fn comments(&self) -> &dyn crate::store::comments::CommentStore {
        self
    }

    fn create_organisation(&self, organisation: &Organisation) -> Result<()> {
        self.on_workers(|| {
            let seed = i64::try_from(organisation.seed).map_err(|_| {
                ServerError::InvalidInput("the organisation seed must be below 2^63".to_owned())
            })?;
            let (numerator, denominator) = epsilon_parts(organisation.privacy.epsilon);
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            transaction.execute(
                "INSERT INTO organisations
                 (id, name, seed, k, dp_epsilon_numerator, dp_epsilon_denominator, dp_release)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &organisation.id,
                    &organisation.name,
                    &seed,
                    &i64::from(organisation.k.get()),
                    &numerator,
                    &denominator,
                    &i64::from(organisation.privacy.release),
                ],
            )?;
            write_questionnaire(&mut transaction, &organisation.id, &organisation.questionnaire)?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn organisations(&self) -> Result<Vec<Organisation>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let rows = client.query(
                concat!("SELECT ", organisation_columns!(), " FROM organisations ORDER BY name, id"),
                &[],
            )?;
            rows.iter()
                .map(|row| {
                    let organisation = organisation_from_row(row)?;
                    let questionnaire = load_questionnaire(client.client(), &organisation.id)?;
                    Ok(Organisation { questionnaire, ..organisation })
                })
                .collect()
        })
    }

    fn set_questionnaire(&self, organisation_id: &str, plan: &QuestionnairePlan) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            if load_organisation(&mut transaction, organisation_id)?.is_none() {
                return Err(not_found("organisation", organisation_id));
            }
            write_questionnaire(&mut transaction, organisation_id, plan)?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn add_department(&self, organisation_id: &str, department_id: &str, name: &str) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            if load_organisation(client.client(), organisation_id)?.is_none() {
                return Err(not_found("organisation", organisation_id));
            }
            client.execute(
                "INSERT INTO departments (id, organisation_id, name) VALUES ($1, $2, $3)",
                &[&department_id, &organisation_id, &name],
            )?;
            Ok(())
        })
    }

    fn add_team(&self, department_id: &str, team_id: &str, name: &str) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            if client.query_opt("SELECT 1 FROM departments WHERE id = $1", &[&department_id])?.is_none() {
                return Err(not_found("department", department_id));
            }
            client.execute(
                "INSERT INTO teams (id, department_id, name) VALUES ($1, $2, $3)",
                &[&team_id, &department_id, &name],
            )?;
            Ok(())
        })
    }

    fn organisation(&self, organisation_id: &str) -> Result<Organisation> {
        self.on_workers(|| {
            // Every request reads its organisation: by statements prepared once.
            let mut client = self.client()?;
            let (organisation, adoptions) =
                (client.prepared(ORGANISATION_SQL)?, client.prepared(ADOPTIONS_SQL)?);
            load_organisation_by(client.client(), &organisation, &adoptions, organisation_id)?
                .ok_or_else(|| not_found("organisation", organisation_id))
        })
    }

    fn organisation_tree(&self, organisation_id: &str) -> Result<OrganisationTree> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let organisation = load_organisation(client.client(), organisation_id)?
                .ok_or_else(|| not_found("organisation", organisation_id))?;
            let rows = client.query(
                "SELECT d.id, d.name, t.id, t.name, t.headcount
             FROM departments d LEFT JOIN teams t ON t.department_id = d.id
             WHERE d.organisation_id = $1
             ORDER BY d.name, d.id, t.name, t.id",
                &[&organisation_id],
            )?;
            let mut departments: Vec<DepartmentNode> = Vec::new();
            for row in rows {
                let department_id: String = row.get(0);
                if departments.last().is_none_or(|last| last.id != department_id) {
                    departments.push(DepartmentNode {
                        id: department_id,
                        name: row.get(1),
                        teams: Vec::new(),
                    });
                }
                let headcount =
                    row.get::<_, Option<i64>>(4).map(|count| count_u32(count, "a head-count")).transpose()?;
                if let (Some(id), Some(name), Some(department)) =
                    (row.get::<_, Option<String>>(2), row.get::<_, Option<String>>(3), departments.last_mut())
                {
                    department.teams.push(TeamNode { id, name, headcount });
                }
            }
            Ok(OrganisationTree { organisation, departments })
        })
    }

    fn department_organisation(&self, department_id: &str) -> Result<Option<String>> {
        self.on_workers(|| {
            Ok(self
                .client()?
                .query_opt("SELECT organisation_id FROM departments WHERE id = $1", &[&department_id])?
                .map(|row| row.get(0)))
        })
    }

    fn team_organisation(&self, team_id: &str) -> Result<Option<String>> {
        self.on_workers(|| team_owner(self.client()?.client(), team_id))
    }

    fn set_threshold(&self, organisation_id: &str, k: Threshold) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            // The organisation's row is locked, so a report folded meanwhile by
            // another replica is seen by the check below or comes after the change.
            lock_organisation(&mut transaction, organisation_id)?;
            let organisation = load_organisation(&mut transaction, organisation_id)?
                .ok_or_else(|| not_found("organisation", organisation_id))?;
            if k < organisation.k {
                let reports_counted: bool = transaction
                    .query_one(
                        "SELECT EXISTS (
                         SELECT 1 FROM aggregates a
                         JOIN teams t ON t.id = a.team_id
                         JOIN departments d ON d.id = t.department_id
                         WHERE d.organisation_id = $1 AND a.n > 0)
                     OR EXISTS (SELECT 1 FROM publications WHERE organisation_id = $1)
                     OR EXISTS (SELECT 1 FROM shared_pending WHERE organisation_id = $1)
                     OR EXISTS (
                         SELECT 1 FROM shared_sums s
                         JOIN teams t ON t.id = s.team_id
                         JOIN departments d ON d.id = t.department_id
                         WHERE d.organisation_id = $1)",
                        &[&organisation_id],
                    )?
                    .get(0);
                if reports_counted {
                    return Err(ServerError::ThresholdCannotBeLowered {
                        current: organisation.k.get(),
                        asked: k.get(),
                    });
                }
            }
            transaction.execute(
                "UPDATE organisations SET k = $1 WHERE id = $2",
                &[&i64::from(k.get()), &organisation_id],
            )?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn set_privacy(&self, organisation_id: &str, epsilon: Option<Epsilon>) -> Result<PrivacySetting> {
        self.on_workers(|| {
            let (numerator, denominator) = epsilon_parts(epsilon);
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            let changed = transaction.execute(
                "UPDATE organisations
             SET dp_epsilon_numerator = $1, dp_epsilon_denominator = $2, dp_release = dp_release + 1
             WHERE id = $3",
                &[&numerator, &denominator, &organisation_id],
            )?;
            if changed == 0 {
                return Err(not_found("organisation", organisation_id));
            }
            let organisation = load_organisation(&mut transaction, organisation_id)?
                .ok_or_else(|| not_found("organisation", organisation_id))?;
            transaction.commit()?;
            Ok(organisation.privacy)
        })
    }

    fn create_invite(&self, invite: &NewInvite) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            if client.query_opt("SELECT 1 FROM teams WHERE id = $1", &[&invite.team_id])?.is_none() {
                return Err(not_found("team", &invite.team_id));
            }
            client.execute(
                "INSERT INTO invites (code_hash, team_id, expires_at, uses_left) VALUES ($1, $2, $3, $4)",
                &[
                    &&invite.code_hash[..],
                    &invite.team_id,
                    &invite.expires_at.to_rfc3339(),
                    &i64::from(invite.uses),
                ],
            )?;
            Ok(())
        })
    }

    fn redeem_invite(
        &self,
        code_hash: &Hash32,
        device_token_hash: &Hash32,
        now: DateTime<Utc>,
    ) -> Result<Enrolment> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            // The invite's row is locked: two replicas redeeming its last use
            // at once enrol one device, and the other finds it exhausted.
            let invite = transaction.query_opt(
                "SELECT team_id, expires_at, uses_left FROM invites WHERE code_hash = $1 FOR UPDATE",
                &[&&code_hash[..]],
            )?;
            let Some(invite) = invite else {
                return Err(ServerError::InviteUnknown);
            };
            let (team_id, expires_at, uses_left): (String, String, i64) =
                (invite.get(0), invite.get(1), invite.get(2));
            let expires_at = DateTime::parse_from_rfc3339(&expires_at)
                .map_err(|_| ServerError::CorruptData(format!("an invite's expiry '{expires_at}'")))?;
            if expires_at <= now {
                return Err(ServerError::InviteExpired);
            }
            if uses_left <= 0 {
                return Err(ServerError::InviteExhausted);
            }
            let enrols_by_personal_codes: bool = transaction
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM team_credential_keys WHERE team_id = $1)",
                    &[&team_id],
                )?
                .get(0);
            if enrols_by_personal_codes {
                return Err(ServerError::InviteSuperseded);
            }
            // One person, one voice. The team's row is locked first and its
            // devices counted after, in a statement of their own: a count in the
            // locking statement would read the snapshot from before the wait and
            // miss a device another replica has just enrolled.
            let headcount: Option<i64> = transaction
                .query_one("SELECT headcount FROM teams WHERE id = $1 FOR UPDATE", &[&team_id])?
                .get(0);
            let headcount = headcount.map(|count| count_u32(count, "a head-count")).transpose()?;
            let n_devices = super::credentials::devices_of_team(&mut transaction, &team_id)?;
            crate::store::credentials::check_free_place(&team_id, headcount, n_devices)?;
            let enrolled_week = IsoWeek::containing(now.date_naive());
            transaction.execute(
                "UPDATE invites SET uses_left = uses_left - 1 WHERE code_hash = $1",
                &[&&code_hash[..]],
            )?;
            transaction.execute(
                "INSERT INTO devices (token_hash, team_id, enrolled_week_index) VALUES ($1, $2, $3)",
                &[&&device_token_hash[..], &team_id, &enrolled_week.index()],
            )?;
            let row = transaction.query_one(
                "SELECT t.name, d.organisation_id FROM teams t
                 JOIN departments d ON d.id = t.department_id WHERE t.id = $1",
                &[&team_id],
            )?;
            let (team_name, organisation_id): (String, String) = (row.get(0), row.get(1));
            let organisation = load_organisation(&mut transaction, &organisation_id)?
                .ok_or_else(|| ServerError::CorruptData(format!("team {team_id} has no organisation")))?;
            transaction.commit()?;
            Ok(Enrolment { organisation, team_id, team_name })
        })
    }

    fn device(&self, token_hash: &Hash32) -> Result<Option<DeviceMembership>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let device = client.prepared(DEVICE_SQL)?;
            Ok(client.query_opt(&device, &[&&token_hash[..]])?.map(|row| DeviceMembership {
                team_id: row.get(0),
                organisation_id: row.get(1),
                enrolled_week: row.get::<_, Option<i64>>(2).map(IsoWeek::from_index),
            }))
        })
    }

    fn create_hr_token(&self, token: &NewHrToken) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            if load_organisation(&mut transaction, &token.organisation_id)?.is_none() {
                return Err(not_found("organisation", &token.organisation_id));
            }
            let (whole_organisation, role) = match &token.scope {
                GrantedScope::Organisation => (1_i64, "hr"),
                GrantedScope::Departments(_) => (0, "hr"),
                GrantedScope::Teams(_) => (0, "manager"),
            };
            transaction.execute(
                "INSERT INTO hr_tokens (id, token_hash, organisation_id, whole_organisation,
                 role) VALUES ($1, $2, $3, $4, $5)",
                &[&token.id, &&token.token_hash[..], &token.organisation_id, &whole_organisation, &role],
            )?;
            match &token.scope {
                GrantedScope::Organisation => {}
                GrantedScope::Departments(departments) => {
                    for department_id in departments {
                        let owner: Option<String> = transaction
                            .query_opt(
                                "SELECT organisation_id FROM departments WHERE id = $1",
                                &[department_id],
                            )?
                            .map(|row| row.get(0));
                        if owner.as_deref() != Some(token.organisation_id.as_str()) {
                            return Err(not_found("department of this organisation", department_id));
                        }
                        transaction.execute(
                            "INSERT INTO hr_token_departments (hr_token_id, department_id) VALUES ($1, $2)",
                            &[&token.id, department_id],
                        )?;
                    }
                }
                GrantedScope::Teams(teams) => {
                    crate::store::check_manager_teams(teams)?;
                    for team_id in teams {
                        if team_owner(&mut transaction, team_id)?.as_deref()
                            != Some(token.organisation_id.as_str())
                        {
                            return Err(not_found("team of this organisation", team_id));
                        }
                        transaction.execute(
                            "INSERT INTO hr_token_teams (hr_token_id, team_id) VALUES ($1, $2)
                         ON CONFLICT DO NOTHING",
                            &[&token.id, team_id],
                        )?;
                    }
                }
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn revoke_hr_token(&self, token_id: &str) -> Result<()> {
        self.on_workers(|| {
            let changed =
                self.client()?.execute("UPDATE hr_tokens SET revoked = 1 WHERE id = $1", &[&token_id])?;
            if changed == 0 {
                return Err(not_found("HR token", token_id));
            }
            Ok(())
        })
    }

    fn hr_access(&self, token_hash: &Hash32) -> Result<Option<HrAccess>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let Some(token) = client.query_opt(HR_TOKEN_SQL, &[&&token_hash[..]])? else {
                return Ok(None);
            };
            let (token_id, organisation_id, whole_organisation, role): (String, String, i64, String) =
                (token.get(0), token.get(1), token.get(2), token.get(3));
            let scope = match (role.as_str(), whole_organisation) {
                ("hr", 1) => HrScope::Organisation,
                ("hr", 0) => HrScope::Departments(
                    client
                        .query(
                            "SELECT department_id FROM hr_token_departments WHERE hr_token_id = $1
                         ORDER BY department_id",
                            &[&token_id],
                        )?
                        .iter()
                        .map(|row| row.get(0))
                        .collect(),
                ),
                ("manager", 0) => {
                    let teams: Vec<ManagedTeam> = client
                        .query(
                            "SELECT g.team_id, t.department_id FROM hr_token_teams g
                         JOIN teams t ON t.id = g.team_id
                         WHERE g.hr_token_id = $1 ORDER BY g.team_id",
                            &[&token_id],
                        )?
                        .iter()
                        .map(|row| ManagedTeam { team_id: row.get(0), department_id: row.get(1) })
                        .collect();
                    if teams.is_empty() {
                        // A manager of no team reads nothing: refused as an unknown token.
                        return Ok(None);
                    }
                    HrScope::Teams(teams)
                }
                _ => return Err(ServerError::CorruptData(format!("the role of HR token {token_id}"))),
            };
            Ok(Some(HrAccess { token_id, organisation_id, scope }))
        })
    }

    fn receipt_secret(&self) -> Result<Hash32> {
        Ok(self.receipt_secret)
    }

    fn generation(&self) -> Result<String> {
        Ok(self.generation.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone())
    }

    fn new_generation(&self, now: DateTime<Utc>) -> Result<String> {
        let generation = crate::generation::new_generation_id()?;
        self.on_workers(|| {
            let mut client = self.client()?;
            client.execute(
                "INSERT INTO server_generation (id, generation, restored_at) VALUES (1, $1, $2)
                 ON CONFLICT (id) DO UPDATE SET generation = excluded.generation, restored_at = excluded.restored_at",
                &[&generation, &stored_time(now)],
            )?;
            Ok(())
        })?;
        *self.generation.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = generation.clone();
        Ok(generation)
    }

    /// Group commit ([`crate::group_commit`]): the report joins the queue
    /// of this server's writer, which folds every report queued beside it
    /// in one transaction ([`write_group`]) and answers each once it
    /// commits. One transaction per report made the reports of one team,
    /// which arrive together, wait for each other's commit on its rows.
    fn fold_report(&self, fold: &ReportFold) -> Result<FoldOutcome> {
        self.folds.fold(fold)
    }

    fn fold_reports(&self, folds: &[ReportFold]) -> Result<Vec<FoldOutcome>> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let statements = FoldStatements::prepare(&mut client)?;
            let mut transaction = client.transaction()?;
            let folds: Vec<&ReportFold> = folds.iter().collect();
            // All or nothing: any refused report rolls back the whole batch.
            let outcomes = fold_in_order(&mut transaction, &statements, &folds)?
                .into_iter()
                .collect::<Result<Vec<_>>>()?;
            transaction.commit()?;
            Ok(outcomes)
        })
    }

    fn team_aggregates(
        &self,
        organisation_id: &str,
        key: Option<&str>,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<TeamAggregate>> {
        self.on_workers(|| {
            let rows = self.client()?.query(
                TEAM_AGGREGATES_SQL,
                &[&organisation_id, &key, &weeks.start().index(), &weeks.end().index()],
            )?;
            rows.into_iter()
                .map(|row| {
                    let key: String = row.get(2);
                    Ok(TeamAggregate {
                        team_id: row.get(0),
                        week: IsoWeek::from_index(row.get(1)),
                        n: count_u32(row.get(3), "an aggregate's count")?,
                        sum: row.get(4),
                        sum_squares: row.get(5),
                        histogram: histogram_from_sql(row.get(6), &key)?,
                        key,
                    })
                })
                .collect()
        })
    }

    fn last_published_week(&self, organisation_id: &str) -> Result<Option<IsoWeek>> {
        self.on_workers(|| {
            let index: Option<i64> =
                self.client()?.query_one(LAST_PUBLISHED_SQL, &[&organisation_id])?.get(0);
            Ok(index.map(IsoWeek::from_index))
        })
    }

    fn earliest_collected_week(&self, organisation_id: &str) -> Result<Option<IsoWeek>> {
        self.on_workers(|| {
            let index: Option<i64> = self
                .client()?
                .query_one(
                    "SELECT min(week_index) FROM (
                     SELECT a.week_index FROM aggregates a
                     JOIN teams t ON t.id = a.team_id
                     JOIN departments d ON d.id = t.department_id
                     WHERE d.organisation_id = $1
                     UNION ALL
                     SELECT s.week_index FROM shared_sums s
                     JOIN teams t ON t.id = s.team_id
                     JOIN departments d ON d.id = t.department_id
                     WHERE d.organisation_id = $1
                     UNION ALL
                     SELECT week_index FROM shared_pending WHERE organisation_id = $1) weeks",
                    &[&organisation_id],
                )?
                .get(0);
            Ok(index.map(IsoWeek::from_index))
        })
    }

    fn publish_week(&self, organisation_id: &str, publication: &WeekPublication) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            let week_index = publication.week.index();
            let (numerator, denominator) = epsilon_parts(publication.epsilon);
            // The primary key makes one publication per week whatever the
            // replicas do; the publication lock keeps them from trying twice.
            let inserted = transaction.execute(
                "INSERT INTO publications
                 (organisation_id, week_index, published_at, k, dp_epsilon_numerator, dp_epsilon_denominator)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (organisation_id, week_index) DO NOTHING",
                &[
                    &organisation_id,
                    &week_index,
                    &stored_time(publication.published_at),
                    &i64::from(publication.k.get()),
                    &numerator,
                    &denominator,
                ],
            )?;
            if inserted == 0 {
                return Err(ServerError::AlreadyPublished { week: publication.week.to_string() });
            }
            // The cells and the ledger in one statement each, whatever their number.
            let mut cells = PublishedColumns::default();
            for cell in &publication.cells {
                cells.push(cell);
            }
            transaction.execute(
                "INSERT INTO published_cells (organisation_id, week_index, key, unit_id, n, mean, sd,
                 histogram)
                 SELECT $1, c.week_index, c.key, c.unit_id, c.n, c.mean, c.sd,
                        CASE WHEN c.histogram IS NULL THEN NULL
                             ELSE string_to_array(c.histogram, ',')::BIGINT[] END
                 FROM unnest($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::DOUBLE PRECISION[],
                             $7::DOUBLE PRECISION[], $8::TEXT[])
                      AS c (week_index, key, unit_id, n, mean, sd, histogram)",
                &[
                    &organisation_id,
                    &cells.weeks,
                    &cells.keys,
                    &cells.units,
                    &cells.counts,
                    &cells.means,
                    &cells.sds,
                    &cells.histograms,
                ],
            )?;
            let (ledger_teams, ledger_epsilons): (Vec<&str>, Vec<f64>) =
                publication.ledger.iter().map(|(team_id, epsilon)| (team_id.as_str(), *epsilon)).unzip();
            transaction.execute(
                "INSERT INTO privacy_ledger (team_id, week_index, epsilon)
                 SELECT l.team_id, $1, l.epsilon FROM unnest($2::TEXT[],
                 $3::DOUBLE PRECISION[]) AS l (team_id, epsilon)",
                &[&week_index, &ledger_teams, &ledger_epsilons],
            )?;
            // The week's raw sums and receipts are no longer needed: late reports
            // are refused from now on.
            // The week's sums, in the clear and as shares, of every team of the organisation.
            for table in ["aggregates", "shared_sums"] {
                transaction.execute(
                    &format!(
                        "DELETE FROM {table} WHERE week_index = $1 AND team_id IN (
                             SELECT t.id FROM teams t JOIN departments d ON d.id = t.department_id
                             WHERE d.organisation_id = $2)"
                    ),
                    &[&week_index, &organisation_id],
                )?;
            }
            transaction.execute(
                "DELETE FROM report_receipts
             WHERE (organisation_id = $1 AND week_index <= $2) OR week_index IS NULL",
                &[&organisation_id, &week_index],
            )?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn visit_published_cells(
        &self,
        organisation_id: &str,
        key: &str,
        weeks: RangeInclusive<IsoWeek>,
        unit_ids: Option<&[String]>,
        with_histogram: bool,
        visit: &mut dyn FnMut(PublishedFigures<'_>),
    ) -> Result<()> {
        // The rows are fetched on the store's workers, then handed over here.
        let (first, last) = (weeks.start().index(), weeks.end().index());
        let rows = self.on_workers(|| {
            Ok(match unit_ids {
                None => self
                    .client()?
                    .query(PUBLISHED_CELLS_SQL, &[&organisation_id, &key, &first, &last, &with_histogram])?,
                Some(unit_ids) => self.client()?.query(
                    PUBLISHED_CELLS_OF_UNITS_SQL,
                    &[&organisation_id, &key, &first, &last, &with_histogram, &unit_ids],
                )?,
            })
        })?;
        for row in &rows {
            visit(PublishedFigures {
                week_index: row.get(0),
                unit_id: row.get(1),
                n: count_u32(row.get(2), "a published count")?,
                mean: row.get(3),
                sd: row.get(4),
                histogram: row
                    .get::<_, Option<Vec<i64>>>(5)
                    .map(|counts| histogram_from_sql(counts, key))
                    .transpose()?,
            });
        }
        Ok(())
    }

    fn privacy_ledger(
        &self,
        organisation_id: &str,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<LedgerEntry>> {
        self.on_workers(|| {
            let rows = self.client()?.query(
                "SELECT l.team_id, l.week_index, l.epsilon FROM privacy_ledger l
             JOIN teams t ON t.id = l.team_id
             JOIN departments d ON d.id = t.department_id
             WHERE d.organisation_id = $1 AND l.week_index BETWEEN $2 AND $3
             ORDER BY l.team_id, l.week_index",
                &[&organisation_id, &weeks.start().index(), &weeks.end().index()],
            )?;
            Ok(rows
                .into_iter()
                .map(|row| LedgerEntry {
                    team_id: row.get(0),
                    week: IsoWeek::from_index(row.get(1)),
                    epsilon: row.get(2),
                })
                .collect())
        })
    }

    fn upsert_cx_scores(
        &self,
        organisation_id: &str,
        scores: &[CxScore],
        imported_at: DateTime<Utc>,
    ) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            let mut checked: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for score in scores {
                if checked.insert(score.team_id.as_str())
                    && team_owner(&mut transaction, &score.team_id)?.as_deref() != Some(organisation_id)
                {
                    return Err(ServerError::InvalidInput(format!(
                        "team {} is not a team of this organisation",
                        score.team_id
                    )));
                }
            }
            let upsert = transaction.prepare(
                "INSERT INTO cx_scores (team_id, week_index, metric, value, n, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (team_id, week_index, metric)
             DO UPDATE SET value = excluded.value, n = excluded.n, imported_at = excluded.imported_at",
            )?;
            let imported_at = stored_time(imported_at);
            for score in scores {
                transaction.execute(
                    &upsert,
                    &[
                        &score.team_id,
                        &score.week.index(),
                        &score.metric,
                        &score.value,
                        &score.n.map(i64::from),
                        &imported_at,
                    ],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn cx_scores(
        &self,
        organisation_id: &str,
        metric: Option<&str>,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<CxScore>> {
        self.on_workers(|| {
            let rows = self.client()?.query(
                "SELECT c.team_id, c.week_index, c.metric, c.value, c.n
             FROM cx_scores c
             JOIN teams t ON t.id = c.team_id
             JOIN departments d ON d.id = t.department_id
             WHERE d.organisation_id = $1 AND ($2::TEXT IS NULL OR c.metric = $2)
               AND c.week_index BETWEEN $3 AND $4
             ORDER BY c.team_id, c.week_index, c.metric",
                &[&organisation_id, &metric, &weeks.start().index(), &weeks.end().index()],
            )?;
            rows.into_iter()
                .map(|row| {
                    Ok(CxScore {
                        team_id: row.get(0),
                        week: IsoWeek::from_index(row.get(1)),
                        metric: row.get(2),
                        value: row.get(3),
                        n: row.get::<_, Option<i64>>(4).map(|n| count_u32(n, "a CX count")).transpose()?,
                    })
                })
                .collect()
        })
    }

    fn record_action(&self, organisation_id: &str, action: &StoredAction) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            // The team's row is locked, so two replicas cannot both pass the cap.
            let in_organisation = transaction.query_opt(
                "SELECT 1 FROM teams t JOIN departments d ON d.id = t.department_id
             WHERE t.id = $1 AND d.organisation_id = $2 FOR UPDATE OF t",
                &[&action.team_id, &organisation_id],
            )?;
            if in_organisation.is_none() {
                return Err(not_found("team", &action.team_id));
            }
            let count: i64 = transaction
                .query_one("SELECT count(*) FROM actions WHERE team_id = $1", &[&action.team_id])?
                .get(0);
            if count >= crate::store::MAX_ACTIONS_PER_TEAM as i64 {
                return Err(ServerError::InvalidInput(format!(
                    "a team keeps at most {} actions",
                    crate::store::MAX_ACTIONS_PER_TEAM
                )));
            }
            transaction.execute(
                "INSERT INTO actions (id, organisation_id, team_id, text, owner, due, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &action.id,
                    &organisation_id,
                    &action.team_id,
                    &action.text,
                    &action.owner,
                    &action.due.to_string(),
                    &stored_time(action.recorded_at),
                ],
            )?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn team_actions(&self, organisation_id: &str, team_id: &str) -> Result<Vec<StoredAction>> {
        self.on_workers(|| {
            let rows = self.client()?.query(
                "SELECT a.id, a.team_id, a.text, a.owner, a.due, a.recorded_at,
                    v.helped, v.did_not_help, v.too_early
             FROM actions a LEFT JOIN action_verdicts v ON v.action_id = a.id
             WHERE a.organisation_id = $1 AND a.team_id = $2 ORDER BY a.recorded_at DESC, a.id",
                &[&organisation_id, &team_id],
            )?;
            rows.into_iter()
                .map(|row| {
                    let id: String = row.get(0);
                    let corrupt = || ServerError::CorruptData(format!("the action '{id}'"));
                    let verdict = |column: usize| {
                        row.get::<_, Option<i64>>(column)
                            .map(|count| u32::try_from(count).map_err(|_| corrupt()))
                            .transpose()
                    };
                    let verdicts = match (verdict(6)?, verdict(7)?, verdict(8)?) {
                        (Some(helped), Some(did_not_help), Some(too_early))
                            if helped + did_not_help + too_early > 0 =>
                        {
                            Some(polso_api::ActionVerdicts { helped, did_not_help, too_early })
                        }
                        _ => None,
                    };
                    let due: String = row.get(4);
                    let recorded_at: String = row.get(5);
                    Ok(StoredAction {
                        due: due.parse().map_err(|_| corrupt())?,
                        recorded_at: DateTime::parse_from_rfc3339(&recorded_at)
                            .map_err(|_| corrupt())?
                            .with_timezone(&Utc),
                        team_id: row.get(1),
                        text: row.get(2),
                        owner: row.get(3),
                        verdicts,
                        id,
                    })
                })
                .collect()
        })
    }

    fn save_cx_mapping(
        &self,
        organisation_id: &str,
        scope: &str,
        name: &str,
        mapping: &str,
        saved_at: DateTime<Utc>,
    ) -> Result<()> {
        self.on_workers(|| {
            if let Err(error) = serde_json::from_str::<serde_json::Value>(mapping) {
                return Err(ServerError::InvalidInput(format!("the CX mapping is not JSON: {error}")));
            }
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            // The organisation's row is locked, so two replicas cannot both pass the cap.
            lock_organisation(&mut transaction, organisation_id)?;
            let exists = transaction
                .query_opt(
                    "SELECT 1 FROM cx_mappings WHERE organisation_id = $1 AND scope = $2 AND name = $3",
                    &[&organisation_id, &scope, &name],
                )?
                .is_some();
            let count: i64 = transaction
                .query_one(
                    "SELECT count(*) FROM cx_mappings WHERE organisation_id = $1",
                    &[&organisation_id],
                )?
                .get(0);
            if !exists && count >= crate::store::MAX_CX_MAPPINGS as i64 {
                return Err(crate::store::too_many_cx_mappings());
            }
            transaction.execute(
                "INSERT INTO cx_mappings (organisation_id, scope, name, mapping, saved_at) VALUES ($1,
                 $2, $3, $4, $5)
                 ON CONFLICT (organisation_id, scope, name)
                 DO UPDATE SET mapping = excluded.mapping, saved_at = excluded.saved_at",
                &[&organisation_id, &scope, &name, &mapping, &stored_time(saved_at)],
            )?;
            transaction.commit()?;
            Ok(())
        })
    }

    fn cx_mappings(&self, organisation_id: &str, scope: &str) -> Result<Vec<SavedCxMapping>> {
        self.on_workers(|| {
            self.client()?
                .query(
                    "SELECT scope, name, mapping, saved_at FROM cx_mappings
                 WHERE organisation_id = $1 AND (scope = $2 OR scope = '')
                 ORDER BY name, scope DESC",
                    &[&organisation_id, &scope],
                )?
                .iter()
                .map(saved_cx_mapping)
                .collect()
        })
    }

    fn cx_mapping(&self, organisation_id: &str, scope: &str, name: &str) -> Result<Option<SavedCxMapping>> {
        self.on_workers(|| {
            self.client()?
                .query_opt(
                    "SELECT scope, name, mapping, saved_at FROM cx_mappings
                 WHERE organisation_id = $1 AND (scope = $2 OR scope = '') AND name = $3
                 ORDER BY scope DESC LIMIT 1",
                    &[&organisation_id, &scope, &name],
                )?
                .as_ref()
                .map(saved_cx_mapping)
                .transpose()
        })
    }

    fn set_care_contacts(
        &self,
        organisation_id: &str,
        contacts: &polso_api::CareContacts,
        set_at: DateTime<Utc>,
    ) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            lock_organisation(&mut transaction, organisation_id)?;
            transaction
                .execute("DELETE FROM care_contacts WHERE organisation_id = $1", &[&organisation_id])?;
            let set_at = stored_time(set_at);
            for role in crate::care::CareRole::ALL {
                let Some(contact) = role.of(contacts) else { continue };
                transaction.execute(
                "INSERT INTO care_contacts (organisation_id, role, name_en, name_it, contact, kind, set_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &organisation_id,
                    &role.key(),
                    &contact.name_en,
                    &contact.name_it,
                    &contact.contact,
                    &crate::care::kind_key(contact.kind),
                    &set_at,
                ],
            )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn care_contacts(&self, organisation_id: &str) -> Result<polso_api::CareContacts> {
        self.on_workers(|| {
            let rows = self.client()?.query(
                "SELECT role, name_en, name_it, contact, kind FROM care_contacts WHERE organisation_id = $1",
                &[&organisation_id],
            )?;
            crate::care::contacts_from_rows(
                rows.iter().map(|row| (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4))),
            )
        })
    }
}

/// A week's published cells as columns, for one `unnest` insert. A
/// histogram travels as its counts joined by commas (an array of arrays of
/// different lengths is not a PostgreSQL array).
#[derive(Default)]
struct PublishedColumns<'cells> {
    weeks: Vec<i64>,
    keys: Vec<&'cells str>,
    units: Vec<&'cells str>,
    counts: Vec<i64>,
    means: Vec<f64>,
    sds: Vec<Option<f64>>,
    histograms: Vec<Option<String>>,
}

impl<'cells> PublishedColumns<'cells> {
    fn push(&mut self, cell: &'cells PublishedCell) {
        self.weeks.push(cell.week.index());
        self.keys.push(&cell.key);
        self.units.push(&cell.unit_id);
        self.counts.push(i64::from(cell.n));
        self.means.push(cell.mean);
        self.sds.push(cell.sd);
        self.histograms.push(
            cell.histogram
                .as_ref()
                .map(|counts| counts.iter().map(u32::to_string).collect::<Vec<_>>().join(",")),
        );
    }
}

fn saved_cx_mapping(row: &postgres::Row) -> Result<SavedCxMapping> {
    let name: String = row.get(1);
    let saved_at: String = row.get(3);
    let saved_at = DateTime::parse_from_rfc3339(&saved_at)
        .map_err(|_| ServerError::CorruptData(format!("the saved time of CX mapping '{name}'")))?
        .with_timezone(&Utc);
    Ok(SavedCxMapping { scope: row.get(0), name, mapping: row.get(2), saved_at })
}

/// Records the receipt and adds the contributions inside the open
/// transaction `transaction`, under the locks [`fold_in_order`] takes; the
/// caller commits. See [`ServerStore::fold_report`] and the module's notes on
/// concurrency.
///
/// One round trip: [`FOLD_SQL`], which checks the week, records the receipt
/// and adds the contributions at once. (The publication lock, taken in a
/// statement of its own before it, makes it see a publication that
/// committed while the lock was awaited.)
fn fold_in_transaction(
    transaction: &mut postgres::Transaction<'_>,
    statements: &FoldStatements,
    fold: &ReportFold,
) -> Result<FoldOutcome> {
    // In key order, so that two reports of one team lock its rows in the
    // same order.
    let mut contributions: Vec<_> = fold.contributions.iter().collect();
    contributions.sort_by(|a, b| a.key.cmp(&b.key));
    let mut keys = Vec::with_capacity(contributions.len());
    let mut values = Vec::with_capacity(contributions.len());
    let mut bins = Vec::with_capacity(contributions.len());
    let mut sizes = Vec::with_capacity(contributions.len());
    for contribution in contributions {
        if contribution.bin >= contribution.n_bins {
            return Err(ServerError::CorruptData(format!(
                "histogram of {} has no bin {}",
                contribution.key, contribution.bin
            )));
        }
        keys.push(contribution.key.as_str());
        values.push(contribution.value);
        bins.push(i64::try_from(contribution.bin).unwrap_or(i64::MAX));
        sizes.push(i64::try_from(contribution.n_bins).unwrap_or(i64::MAX));
    }
    let week_index = fold.week.index();
    let row = transaction.query_one(
        &statements.fold,
        &[
            &&fold.receipt[..],
            &fold.organisation_id,
            &week_index,
            &fold.team_id,
            &keys,
            &values,
            &bins,
            &sizes,
        ],
    )?;
    if let Some(published_at) = row.get::<_, Option<String>>(0) {
        return Err(ServerError::WeekPublished { week: fold.week.to_string(), published_at });
    }
    Ok(match row.get::<_, i64>(1) {
        0 => FoldOutcome::AlreadyCounted,
        _ => FoldOutcome::Counted,
    })
}

/// The writer's work ([`crate::group_commit`]): a pooled connection, then
/// every report queued, folded in one transaction and answered after its
/// commit.
///
/// Two replicas' groups often hold reports of the same team (a device's
/// retry, the team's answers arriving together), and a fold takes its
/// receipt, then the team's rows: one group holding a team's rows and waiting
/// for a receipt that the other holds while it waits for those rows is a
/// deadlock. So each team's reports are folded under a lock of the team's
/// ([`TEAM_FOLD_LOCK_SQL`]), taken in the order of its key: whatever of a
/// team's a group touches, it touches alone, and two groups meet only at team
/// locks, taken by both in one order. A report refused for itself (its
/// week published) writes nothing and leaves the others to commit. When the
/// transaction fails (the database restarting, a row that breaks a
/// constraint), each report of the group is folded again alone, so that one
/// bad report cannot fail every report that arrives beside it.
pub(super) fn write_group(pool: &r2d2::Pool<super::connection::Manager>, queued: Queued<'_>) {
    let mut client = match pool.get() {
        Ok(client) => client,
        Err(error) => {
            let message = error.to_string();
            for pending in queued.take() {
                pending.answer(Err(ServerError::BlockingTask(format!("no database connection: {message}"))));
            }
            return;
        }
    };
    let group = queued.take();
    match fold_group(&mut client, &group) {
        Ok(outcomes) => {
            for (pending, outcome) in group.into_iter().zip(outcomes) {
                pending.answer(outcome);
            }
        }
        Err(error) if group.len() == 1 || client.is_closed() => {
            crate::group_commit::fail_group(group, error, "folding a group of reports");
        }
        Err(_) => {
            for pending in group {
                let alone = fold_group(&mut client, std::slice::from_ref(&pending)).and_then(|outcomes| {
                    outcomes.into_iter().next().unwrap_or_else(|| {
                        Err(ServerError::BlockingTask("a report's fold had no outcome".to_owned()))
                    })
                });
                pending.answer(alone);
            }
        }
    }
}

/// `group` folded in one transaction: each report's outcome, or the error
/// that rolled the whole transaction back.
fn fold_group(client: &mut super::Client, group: &[PendingFold]) -> Result<Vec<Result<FoldOutcome>>> {
    let statements = FoldStatements::prepare(client)?;
    let folds: Vec<&ReportFold> = group.iter().map(|pending| &pending.fold).collect();
    let mut transaction = client.transaction()?;
    let outcomes = fold_in_order(&mut transaction, &statements, &folds)?;
    transaction.commit()?;
    Ok(outcomes)
}

/// `folds` folded in `transaction` in the order of their locks (see
/// [`write_group`]): each organisation's publication lock taken shared, then
/// each of its teams' fold locks, by key. Each report's outcome, in the order
/// of `folds`, or the error that aborted the transaction.
fn fold_in_order(
    transaction: &mut postgres::Transaction<'_>,
    statements: &FoldStatements,
    folds: &[&ReportFold],
) -> Result<Vec<Result<FoldOutcome>>> {
    let mut order: Vec<usize> = (0..folds.len()).collect();
    order.sort_by_key(|&index| {
        let fold = folds[index];
        (&fold.organisation_id, team_fold_lock_key(&fold.team_id), &fold.team_id, fold.receipt)
    });
    let mut outcomes: Vec<Option<Result<FoldOutcome>>> = folds.iter().map(|_| None).collect();
    let (mut shared, mut locked) = (None, None);
    for index in order {
        let fold = folds[index];
        if shared != Some(&fold.organisation_id) {
            transaction.execute(&statements.lock, &[&fold.organisation_id])?;
            shared = Some(&fold.organisation_id);
        }
        let key = team_fold_lock_key(&fold.team_id);
        if locked != Some(key) {
            transaction.execute(&statements.team_lock, &[&key])?;
            locked = Some(key);
        }
        outcomes[index] = Some(match fold_in_transaction(transaction, statements, fold) {
            // The database refused a statement: the transaction is aborted.
            Err(ServerError::Postgres(error)) => return Err(error.into()),
            outcome => outcome,
        });
    }
    Ok(outcomes
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|| {
                Err(ServerError::BlockingTask("a report's fold had no outcome".to_owned()))
            })
        })
        .collect())
}

/// Takes the lock `$1` of a team's folds ([`team_fold_lock_key`]) for the rest of the transaction.
const TEAM_FOLD_LOCK_SQL: &str = "SELECT pg_advisory_xact_lock($1)";

/// The advisory-lock key of `team_id`'s folds: FNV-1a (64 bits) of the team's id behind a
/// prefix of its own, the same in every replica and every version. Two teams sharing a key
/// only fold one after the other.
fn team_fold_lock_key(team_id: &str) -> i64 {
    let hash = "polso-team-fold:"
        .bytes()
        .chain(team_id.bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3));
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// The statements of a fold, prepared once on each connection.
struct FoldStatements {
    lock: postgres::Statement,
    team_lock: postgres::Statement,
    fold: postgres::Statement,
}

impl FoldStatements {
    fn prepare(connection: &mut super::connection::Connection) -> Result<FoldStatements> {
        Ok(FoldStatements {
            lock: connection.prepared(super::SHARE_PUBLICATION_LOCK_SQL)?,
            team_lock: connection.prepared(TEAM_FOLD_LOCK_SQL)?,
            fold: connection.prepared(FOLD_SQL)?,
        })
    }
}

/// A report folded in one statement, under the publication lock: when its
/// week (`$3`) of its organisation (`$2`) is not published, its receipt
/// (`$1`) is recorded unless already there, and only then its contributions
/// (`$5..$8`: keys in order, values, bins, bin counts) are added to its
/// team's (`$4`) cells, each adding 1 to n, its value to the sums and 1 to
/// its bin's counter, in place. It answers the week's publication time (or
/// NULL) and whether the receipt is new (1 or 0).
const FOLD_SQL: &str = "WITH published AS (
           SELECT published_at FROM publications WHERE organisation_id = $2 AND week_index = $3
       ), receipt AS (
           INSERT INTO report_receipts (receipt, organisation_id, week_index)
           SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM published)
           ON CONFLICT (receipt) DO NOTHING
           RETURNING 1
       ), added AS (
           INSERT INTO aggregates (team_id, week_index, key, n, sum, sum_squares, histogram)
           SELECT $4, $3, c.key, 1, c.value, c.value * c.value,
                  -- n_bins counters, 1 at the answer's bin and 0 elsewhere
                  array_fill(0::BIGINT, ARRAY[c.bin::INT]) || 1::BIGINT
                      || array_fill(0::BIGINT, ARRAY[(c.n_bins - c.bin - 1)::INT])
           FROM unnest($5::TEXT[], $6::DOUBLE PRECISION[], $7::BIGINT[], $8::BIGINT[])
                WITH ORDINALITY AS c (key, value, bin, n_bins, position)
           WHERE EXISTS (SELECT 1 FROM receipt)
           ORDER BY c.position
           ON CONFLICT (team_id, week_index, key) DO UPDATE SET
               n = aggregates.n + 1,
               sum = aggregates.sum + excluded.sum,
               sum_squares = aggregates.sum_squares + excluded.sum_squares,
               -- the one counter the answer's bin (where excluded's holds its 1) adds to
               histogram[array_position(excluded.histogram, 1::BIGINT)] =
                   aggregates.histogram[array_position(excluded.histogram, 1::BIGINT)] + 1
           RETURNING 1
       )
       SELECT (SELECT published_at FROM published), (SELECT count(*) FROM receipt),
              (SELECT count(*) FROM added)";
