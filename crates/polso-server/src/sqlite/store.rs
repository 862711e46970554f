//! The request path's storage on SQLite ([`ServerStore`] for [`SqliteServerStore`]): folding a
//! report, publishing a week, reading published cells and the ledger, the organisation's
//! settings and CX data. The connection, its pragmas and the group commit are the module's.

use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use polso_core::anonymity::Threshold;
use polso_core::dp::Epsilon;
use polso_core::questionnaire::QuestionnairePlan;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::store::{
    CxScore, DepartmentNode, DeviceMembership, Enrolment, FoldOutcome, GrantedScope, HrAccess, HrScope,
    LedgerEntry, ManagedTeam, NewHrToken, NewInvite, Organisation, OrganisationTree, PrivacySetting,
    PublishedFigures, ReportFold, SavedCxMapping, ServerStore, StoredAction, TeamAggregate, TeamNode,
    WeekPublication, organisation_from_parts,
};

use super::{
    ORGANISATION_COLUMNS, SqliteServerStore, fold_in_transaction, load_organisation, load_questionnaire,
    lock, not_found, organisation_from_row, truncate_wal, write_questionnaire,
};

impl ServerStore for SqliteServerStore {
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
        let seed = i64::try_from(organisation.seed)
            .map_err(|_| ServerError::InvalidInput("the organisation seed must be below 2^63".to_owned()))?;
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute(
            "INSERT INTO organisations
                 (id, name, seed, k, dp_epsilon_numerator, dp_epsilon_denominator, dp_release)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                organisation.id,
                organisation.name,
                seed,
                organisation.k.get(),
                organisation.privacy.epsilon.map(|epsilon| epsilon.numerator() as i64),
                organisation.privacy.epsilon.map(|epsilon| epsilon.denominator() as i64),
                organisation.privacy.release
            ],
        )?;
        write_questionnaire(&transaction, &organisation.id, &organisation.questionnaire)?;
        transaction.commit()?;
        Ok(())
    }

    fn organisations(&self) -> Result<Vec<Organisation>> {
        let connection = self.connection();
        let mut statement = connection
            .prepare(&format!("SELECT {ORGANISATION_COLUMNS} FROM organisations ORDER BY name, id"))?;
        let rows = statement.query_map([], organisation_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|row| {
                let organisation = organisation_from_parts(row)?;
                let questionnaire = load_questionnaire(&connection, &organisation.id)?;
                Ok(Organisation { questionnaire, ..organisation })
            })
            .collect()
    }

    fn set_questionnaire(&self, organisation_id: &str, plan: &QuestionnairePlan) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        if load_organisation(&transaction, organisation_id)?.is_none() {
            return Err(not_found("organisation", organisation_id));
        }
        write_questionnaire(&transaction, organisation_id, plan)?;
        transaction.commit()?;
        Ok(())
    }

    fn add_department(&self, organisation_id: &str, department_id: &str, name: &str) -> Result<()> {
        let connection = self.connection();
        if load_organisation(&connection, organisation_id)?.is_none() {
            return Err(not_found("organisation", organisation_id));
        }
        connection.execute(
            "INSERT INTO departments (id, organisation_id, name) VALUES (?1, ?2, ?3)",
            params![department_id, organisation_id, name],
        )?;
        Ok(())
    }

    fn add_team(&self, department_id: &str, team_id: &str, name: &str) -> Result<()> {
        let connection = self.connection();
        let exists: Option<i64> = connection
            .query_row("SELECT 1 FROM departments WHERE id = ?1", [department_id], |row| row.get(0))
            .optional()?;
        if exists.is_none() {
            return Err(not_found("department", department_id));
        }
        connection.execute(
            "INSERT INTO teams (id, department_id, name) VALUES (?1, ?2, ?3)",
            params![team_id, department_id, name],
        )?;
        Ok(())
    }

    fn organisation(&self, organisation_id: &str) -> Result<Organisation> {
        load_organisation(&self.reader(), organisation_id)?
            .ok_or_else(|| not_found("organisation", organisation_id))
    }

    fn organisation_tree(&self, organisation_id: &str) -> Result<OrganisationTree> {
        let connection = self.connection();
        let organisation = load_organisation(&connection, organisation_id)?
            .ok_or_else(|| not_found("organisation", organisation_id))?;
        let mut statement = connection.prepare(
            "SELECT d.id, d.name, t.id, t.name, t.headcount
             FROM departments d LEFT JOIN teams t ON t.department_id = d.id
             WHERE d.organisation_id = ?1
             ORDER BY d.name, d.id, t.name, t.id",
        )?;
        let rows = statement
            .query_map([organisation_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<u32>>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut departments: Vec<DepartmentNode> = Vec::new();
        for (department_id, department_name, team_id, team_name, headcount) in rows {
            if departments.last().is_none_or(|last| last.id != department_id) {
                departments.push(DepartmentNode {
                    id: department_id,
                    name: department_name,
                    teams: Vec::new(),
                });
            }
            if let (Some(id), Some(name), Some(department)) = (team_id, team_name, departments.last_mut()) {
                department.teams.push(TeamNode { id, name, headcount });
            }
        }
        Ok(OrganisationTree { organisation, departments })
    }

    fn department_organisation(&self, department_id: &str) -> Result<Option<String>> {
        Ok(self
            .connection()
            .query_row("SELECT organisation_id FROM departments WHERE id = ?1", [department_id], |row| {
                row.get(0)
            })
            .optional()?)
    }

    fn team_organisation(&self, team_id: &str) -> Result<Option<String>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT d.organisation_id FROM teams t JOIN departments d ON d.id = t.department_id WHERE t.id = ?1",
                [team_id],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn set_threshold(&self, organisation_id: &str, k: Threshold) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let organisation = load_organisation(&transaction, organisation_id)?
            .ok_or_else(|| not_found("organisation", organisation_id))?;
        if k < organisation.k {
            let reports_counted: bool = transaction.query_row(
                "SELECT EXISTS (
                     SELECT 1 FROM aggregates a
                     JOIN teams t ON t.id = a.team_id
                     JOIN departments d ON d.id = t.department_id
                     WHERE d.organisation_id = ?1 AND a.n > 0)
                 OR EXISTS (SELECT 1 FROM publications WHERE organisation_id = ?1)
                 OR EXISTS (SELECT 1 FROM shared_pending WHERE organisation_id = ?1)
                 OR EXISTS (
                     SELECT 1 FROM shared_sums s
                     JOIN teams t ON t.id = s.team_id
                     JOIN departments d ON d.id = t.department_id
                     WHERE d.organisation_id = ?1)",
                [organisation_id],
                |row| row.get(0),
            )?;
            if reports_counted {
                return Err(ServerError::ThresholdCannotBeLowered {
                    current: organisation.k.get(),
                    asked: k.get(),
                });
            }
        }
        transaction
            .execute("UPDATE organisations SET k = ?1 WHERE id = ?2", params![k.get(), organisation_id])?;
        transaction.commit()?;
        Ok(())
    }

    fn set_privacy(&self, organisation_id: &str, epsilon: Option<Epsilon>) -> Result<PrivacySetting> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = transaction.execute(
            "UPDATE organisations
             SET dp_epsilon_numerator = ?1, dp_epsilon_denominator = ?2, dp_release = dp_release + 1
             WHERE id = ?3",
            params![
                epsilon.map(|epsilon| epsilon.numerator() as i64),
                epsilon.map(|epsilon| epsilon.denominator() as i64),
                organisation_id
            ],
        )?;
        if changed == 0 {
            return Err(not_found("organisation", organisation_id));
        }
        let organisation = load_organisation(&transaction, organisation_id)?
            .ok_or_else(|| not_found("organisation", organisation_id))?;
        transaction.commit()?;
        Ok(organisation.privacy)
    }

    fn create_invite(&self, invite: &NewInvite) -> Result<()> {
        let connection = self.connection();
        let exists: Option<i64> = connection
            .query_row("SELECT 1 FROM teams WHERE id = ?1", [&invite.team_id], |row| row.get(0))
            .optional()?;
        if exists.is_none() {
            return Err(not_found("team", &invite.team_id));
        }
        connection.execute(
            "INSERT INTO invites (code_hash, team_id, expires_at, uses_left) VALUES (?1, ?2, ?3, ?4)",
            params![&invite.code_hash[..], invite.team_id, invite.expires_at.to_rfc3339(), invite.uses],
        )?;
        Ok(())
    }

    fn redeem_invite(
        &self,
        code_hash: &Hash32,
        device_token_hash: &Hash32,
        now: DateTime<Utc>,
    ) -> Result<Enrolment> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let invite: Option<(String, String, u32)> = transaction
            .query_row(
                "SELECT team_id, expires_at, uses_left FROM invites WHERE code_hash = ?1",
                [&code_hash[..]],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((team_id, expires_at, uses_left)) = invite else {
            return Err(ServerError::InviteUnknown);
        };
        let expires_at = DateTime::parse_from_rfc3339(&expires_at)
            .map_err(|_| ServerError::CorruptData(format!("an invite's expiry '{expires_at}'")))?;
        if expires_at <= now {
            return Err(ServerError::InviteExpired);
        }
        if uses_left == 0 {
            return Err(ServerError::InviteExhausted);
        }
        // A team enrolled by personal codes takes no invite: an invite would
        // let one person enrol several devices where the codes allow one.
        let enrols_by_personal_codes: bool = transaction.query_row(
            "SELECT EXISTS (SELECT 1 FROM team_credential_keys WHERE team_id = ?1)",
            [&team_id],
            |row| row.get(0),
        )?;
        if enrols_by_personal_codes {
            return Err(ServerError::InviteSuperseded);
        }
        // One person, one voice: never more devices than the declared head-count,
        // and none at all before it is declared.
        let (headcount, n_devices): (Option<u32>, u32) = transaction.query_row(
            "SELECT headcount, (SELECT count(*) FROM devices WHERE team_id = ?1) FROM teams WHERE id = ?1",
            [&team_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        crate::store::credentials::check_free_place(&team_id, headcount, n_devices)?;
        // The week only, by the server's clock, as the report handler reads weeks.
        let enrolled_week = IsoWeek::containing(now.date_naive());
        transaction
            .execute("UPDATE invites SET uses_left = uses_left - 1 WHERE code_hash = ?1", [&code_hash[..]])?;
        transaction.execute(
            "INSERT INTO devices (token_hash, team_id, enrolled_week_index) VALUES (?1, ?2, ?3)",
            params![&device_token_hash[..], team_id, enrolled_week.index()],
        )?;
        let (team_name, organisation_id): (String, String) = transaction.query_row(
            "SELECT t.name, d.organisation_id FROM teams t JOIN departments d ON d.id = t.department_id WHERE t.id = ?1",
            [&team_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let organisation = load_organisation(&transaction, &organisation_id)?
            .ok_or_else(|| ServerError::CorruptData(format!("team {team_id} has no organisation")))?;
        transaction.commit()?;
        Ok(Enrolment { organisation, team_id, team_name })
    }

    fn device(&self, token_hash: &Hash32) -> Result<Option<DeviceMembership>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT dv.team_id, d.organisation_id, dv.enrolled_week_index
                 FROM devices dv JOIN teams t ON t.id = dv.team_id JOIN departments d ON d.id = t.department_id
                 WHERE dv.token_hash = ?1",
                [&token_hash[..]],
                |row| {
                    Ok(DeviceMembership {
                        team_id: row.get(0)?,
                        organisation_id: row.get(1)?,
                        enrolled_week: row.get::<_, Option<i64>>(2)?.map(IsoWeek::from_index),
                    })
                },
            )
            .optional()?)
    }

    fn create_hr_token(&self, token: &NewHrToken) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        if load_organisation(&transaction, &token.organisation_id)?.is_none() {
            return Err(not_found("organisation", &token.organisation_id));
        }
        let (whole_organisation, role) = match &token.scope {
            GrantedScope::Organisation => (true, "hr"),
            GrantedScope::Departments(_) => (false, "hr"),
            GrantedScope::Teams(_) => (false, "manager"),
        };
        transaction.execute(
            "INSERT INTO hr_tokens (id, token_hash, organisation_id, whole_organisation, role) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token.id, &token.token_hash[..], token.organisation_id, whole_organisation, role],
        )?;
        match &token.scope {
            GrantedScope::Organisation => {}
            GrantedScope::Departments(departments) => {
                for department_id in departments {
                    let organisation_id: Option<String> = transaction
                        .query_row(
                            "SELECT organisation_id FROM departments WHERE id = ?1",
                            [department_id],
                            |row| row.get(0),
                        )
                        .optional()?;
                    if organisation_id.as_deref() != Some(token.organisation_id.as_str()) {
                        return Err(not_found("department of this organisation", department_id));
                    }
                    transaction.execute(
                        "INSERT INTO hr_token_departments (hr_token_id, department_id) VALUES (?1, ?2)",
                        params![token.id, department_id],
                    )?;
                }
            }
            GrantedScope::Teams(teams) => {
                crate::store::check_manager_teams(teams)?;
                for team_id in teams {
                    let organisation_id: Option<String> = transaction
                        .query_row(
                            "SELECT d.organisation_id FROM teams t JOIN departments d ON d.id = t.department_id WHERE t.id = ?1",
                            [team_id],
                            |row| row.get(0),
                        )
                        .optional()?;
                    if organisation_id.as_deref() != Some(token.organisation_id.as_str()) {
                        return Err(not_found("team of this organisation", team_id));
                    }
                    transaction.execute(
                        "INSERT OR IGNORE INTO hr_token_teams (hr_token_id, team_id) VALUES (?1, ?2)",
                        params![token.id, team_id],
                    )?;
                }
            }
        }
        transaction.commit()?;
        Ok(())
    }

    fn revoke_hr_token(&self, token_id: &str) -> Result<()> {
        let changed =
            self.connection().execute("UPDATE hr_tokens SET revoked = 1 WHERE id = ?1", [token_id])?;
        if changed == 0 {
            return Err(not_found("HR token", token_id));
        }
        Ok(())
    }

    fn hr_access(&self, token_hash: &Hash32) -> Result<Option<HrAccess>> {
        let connection = self.connection();
        let token: Option<(String, String, bool, String)> = connection
            .query_row(
                "SELECT id, organisation_id, whole_organisation, role FROM hr_tokens WHERE token_hash = ?1 AND revoked = 0",
                [&token_hash[..]],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let Some((token_id, organisation_id, whole_organisation, role)) = token else {
            return Ok(None);
        };
        let scope = match (role.as_str(), whole_organisation) {
            ("hr", true) => HrScope::Organisation,
            ("hr", false) => {
                let mut statement = connection.prepare(
                    "SELECT department_id FROM hr_token_departments WHERE hr_token_id = ?1 ORDER BY department_id",
                )?;
                let ids = statement
                    .query_map([&token_id], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                HrScope::Departments(ids)
            }
            ("manager", false) => {
                let mut statement = connection.prepare(
                    "SELECT g.team_id, t.department_id FROM hr_token_teams g JOIN teams t ON t.id = g.team_id
                     WHERE g.hr_token_id = ?1 ORDER BY g.team_id",
                )?;
                let teams = statement
                    .query_map([&token_id], |row| {
                        Ok(ManagedTeam { team_id: row.get(0)?, department_id: row.get(1)? })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                if teams.is_empty() {
                    // A manager of no team reads nothing: refused as an unknown token.
                    return Ok(None);
                }
                HrScope::Teams(teams)
            }
            _ => return Err(ServerError::CorruptData(format!("the role of HR token {token_id}"))),
        };
        Ok(Some(HrAccess { token_id, organisation_id, scope }))
    }

    fn receipt_secret(&self) -> Result<Hash32> {
        Ok(self.receipt_secret)
    }

    fn generation(&self) -> Result<String> {
        Ok(lock(&self.generation).clone())
    }

    fn new_generation(&self, now: DateTime<Utc>) -> Result<String> {
        let generation = super::generation::rotate_sqlite(&self.connection(), now)?;
        *lock(&self.generation) = generation.clone();
        Ok(generation)
    }

    /// Group commit: the report joins the writer's queue, and the writer
    /// folds it with every report queued beside it in one transaction (each
    /// in its own savepoint, so a refused report leaves the others counted),
    /// commits, truncates the WAL (a log that will not empty is logged, and
    /// emptied after a later commit), and only then answers each.
    fn fold_report(&self, fold: &ReportFold) -> Result<FoldOutcome> {
        self.folds.fold(fold)
    }

    fn fold_reports(&self, folds: &[ReportFold]) -> Result<Vec<FoldOutcome>> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcomes =
            folds.iter().map(|fold| fold_in_transaction(&transaction, fold)).collect::<Result<Vec<_>>>()?;
        transaction.commit()?;
        truncate_wal(&connection)?;
        Ok(outcomes)
    }

    fn team_aggregates(
        &self,
        organisation_id: &str,
        key: Option<&str>,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<TeamAggregate>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT a.team_id, a.week_index, a.key, a.n, a.sum, a.sum_squares, a.histogram
             FROM aggregates a
             JOIN teams t ON t.id = a.team_id
             JOIN departments d ON d.id = t.department_id
             WHERE d.organisation_id = ?1 AND (?2 IS NULL OR a.key = ?2)
               AND a.week_index BETWEEN ?3 AND ?4
             ORDER BY a.week_index, a.key, a.team_id",
        )?;
        let rows = statement
            .query_map(params![organisation_id, key, weeks.start().index(), weeks.end().index()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, u32>(3)?,
                    row.get::<_, f64>(4)?,
                    row.get::<_, f64>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(team_id, week_index, key, n, sum, sum_squares, histogram)| {
                let histogram = serde_json::from_str(&histogram)
                    .map_err(|_| ServerError::CorruptData(format!("histogram of {key}")))?;
                Ok(TeamAggregate {
                    team_id,
                    week: IsoWeek::from_index(week_index),
                    key,
                    n,
                    sum,
                    sum_squares,
                    histogram,
                })
            })
            .collect()
    }

    fn last_published_week(&self, organisation_id: &str) -> Result<Option<IsoWeek>> {
        let index: Option<i64> = self.connection().query_row(
            "SELECT max(week_index) FROM publications WHERE organisation_id = ?1",
            [organisation_id],
            |row| row.get(0),
        )?;
        Ok(index.map(IsoWeek::from_index))
    }

    fn earliest_collected_week(&self, organisation_id: &str) -> Result<Option<IsoWeek>> {
        let index: Option<i64> = self.connection().query_row(
            "SELECT min(week_index) FROM (
                 SELECT a.week_index FROM aggregates a
                 JOIN teams t ON t.id = a.team_id
                 JOIN departments d ON d.id = t.department_id
                 WHERE d.organisation_id = ?1
                 UNION ALL
                 SELECT s.week_index FROM shared_sums s
                 JOIN teams t ON t.id = s.team_id
                 JOIN departments d ON d.id = t.department_id
                 WHERE d.organisation_id = ?1
                 UNION ALL
                 SELECT week_index FROM shared_pending WHERE organisation_id = ?1)",
            [organisation_id],
            |row| row.get(0),
        )?;
        Ok(index.map(IsoWeek::from_index))
    }

    fn publish_week(&self, organisation_id: &str, publication: &WeekPublication) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let week_index = publication.week.index();
        let already: Option<i64> = transaction
            .query_row(
                "SELECT 1 FROM publications WHERE organisation_id = ?1 AND week_index = ?2",
                params![organisation_id, week_index],
                |row| row.get(0),
            )
            .optional()?;
        if already.is_some() {
            return Err(ServerError::AlreadyPublished { week: publication.week.to_string() });
        }
        transaction.execute(
            "INSERT INTO publications
                 (organisation_id, week_index, published_at, k, dp_epsilon_numerator, dp_epsilon_denominator)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                organisation_id,
                week_index,
                publication.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                publication.k.get(),
                publication.epsilon.map(|epsilon| epsilon.numerator() as i64),
                publication.epsilon.map(|epsilon| epsilon.denominator() as i64),
            ],
        )?;
        {
            let mut insert_cell = transaction.prepare_cached(
                "INSERT INTO published_cells
                     (organisation_id, week_index, key, unit_id, n, mean, sd, histogram)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for cell in &publication.cells {
                let histogram = cell
                    .histogram
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|error| ServerError::CorruptData(format!("histogram: {error}")))?;
                insert_cell.execute(params![
                    organisation_id,
                    cell.week.index(),
                    cell.key,
                    cell.unit_id,
                    cell.n,
                    cell.mean,
                    cell.sd,
                    histogram
                ])?;
            }
            let mut insert_ledger = transaction.prepare_cached(
                "INSERT INTO privacy_ledger (team_id, week_index, epsilon) VALUES (?1, ?2, ?3)",
            )?;
            for (team_id, epsilon) in &publication.ledger {
                insert_ledger.execute(params![team_id, week_index, epsilon])?;
            }
        }
        // The week's raw sums and receipts are no longer needed: late reports
        // are refused from now on. Deleting them (with secure_delete) leaves a
        // copy of the database nothing below k for this week.
        transaction.execute(
            "DELETE FROM aggregates WHERE week_index = ?1 AND team_id IN (
                 SELECT t.id FROM teams t JOIN departments d ON d.id = t.department_id
                 WHERE d.organisation_id = ?2)",
            params![week_index, organisation_id],
        )?;
        transaction.execute(
            "DELETE FROM shared_sums WHERE week_index = ?1 AND team_id IN (
                 SELECT t.id FROM teams t JOIN departments d ON d.id = t.department_id
                 WHERE d.organisation_id = ?2)",
            params![week_index, organisation_id],
        )?;
        transaction.execute(
            "DELETE FROM report_receipts
             WHERE (organisation_id = ?1 AND week_index <= ?2) OR week_index IS NULL",
            params![organisation_id, week_index],
        )?;
        transaction.commit()?;
        truncate_wal(&connection)?;
        Ok(())
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
        visit_published_cells(
            &self.connection(),
            organisation_id,
            key,
            weeks,
            unit_ids,
            with_histogram,
            visit,
        )
    }

    fn privacy_ledger(
        &self,
        organisation_id: &str,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<LedgerEntry>> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT l.team_id, l.week_index, l.epsilon FROM privacy_ledger l
             JOIN teams t ON t.id = l.team_id
             JOIN departments d ON d.id = t.department_id
             WHERE d.organisation_id = ?1 AND l.week_index BETWEEN ?2 AND ?3
             ORDER BY l.team_id, l.week_index",
        )?;
        let entries = statement
            .query_map(params![organisation_id, weeks.start().index(), weeks.end().index()], |row| {
                Ok(LedgerEntry {
                    team_id: row.get(0)?,
                    week: IsoWeek::from_index(row.get(1)?),
                    epsilon: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(entries)
    }

    fn upsert_cx_scores(
        &self,
        organisation_id: &str,
        scores: &[CxScore],
        imported_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut team_organisation = transaction.prepare_cached(
                "SELECT d.organisation_id FROM teams t JOIN departments d ON d.id = t.department_id
                 WHERE t.id = ?1",
            )?;
            let mut checked: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for score in scores {
                if checked.insert(score.team_id.as_str()) {
                    let owner: Option<String> =
                        team_organisation.query_row([&score.team_id], |row| row.get(0)).optional()?;
                    if owner.as_deref() != Some(organisation_id) {
                        return Err(ServerError::InvalidInput(format!(
                            "team {} is not a team of this organisation",
                            score.team_id
                        )));
                    }
                }
            }
            let mut upsert = transaction.prepare_cached(
                "INSERT INTO cx_scores (team_id, week_index, metric, value, n, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (team_id, week_index, metric)
                 DO UPDATE SET value = excluded.value, n = excluded.n, imported_at = excluded.imported_at",
            )?;
            let imported_at = imported_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            for score in scores {
                upsert.execute(params![
                    score.team_id,
                    score.week.index(),
                    score.metric,
                    score.value,
                    score.n,
                    imported_at
                ])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    fn cx_scores(
        &self,
        organisation_id: &str,
        metric: Option<&str>,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<CxScore>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT c.team_id, c.week_index, c.metric, c.value, c.n
             FROM cx_scores c
             JOIN teams t ON t.id = c.team_id
             JOIN departments d ON d.id = t.department_id
             WHERE d.organisation_id = ?1 AND (?2 IS NULL OR c.metric = ?2)
               AND c.week_index BETWEEN ?3 AND ?4
             ORDER BY c.team_id, c.week_index, c.metric",
        )?;
        let scores = statement
            .query_map(params![organisation_id, metric, weeks.start().index(), weeks.end().index()], |row| {
                Ok(CxScore {
                    team_id: row.get(0)?,
                    week: IsoWeek::from_index(row.get(1)?),
                    metric: row.get(2)?,
                    value: row.get(3)?,
                    n: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(scores)
    }

    fn record_action(&self, organisation_id: &str, action: &StoredAction) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let in_organisation: Option<i64> = transaction
            .query_row(
                "SELECT 1 FROM teams t JOIN departments d ON d.id = t.department_id
                 WHERE t.id = ?1 AND d.organisation_id = ?2",
                params![action.team_id, organisation_id],
                |row| row.get(0),
            )
            .optional()?;
        if in_organisation.is_none() {
            return Err(not_found("team", &action.team_id));
        }
        let count: i64 = transaction.query_row(
            "SELECT count(*) FROM actions WHERE team_id = ?1",
            [&action.team_id],
            |row| row.get(0),
        )?;
        if count >= crate::store::MAX_ACTIONS_PER_TEAM as i64 {
            return Err(ServerError::InvalidInput(format!(
                "a team keeps at most {} actions",
                crate::store::MAX_ACTIONS_PER_TEAM
            )));
        }
        transaction.execute(
            "INSERT INTO actions (id, organisation_id, team_id, text, owner, due, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                action.id,
                organisation_id,
                action.team_id,
                action.text,
                action.owner,
                action.due.to_string(),
                action.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ],
        )?;
        transaction.commit()?;
        Ok(())
    }

    fn team_actions(&self, organisation_id: &str, team_id: &str) -> Result<Vec<StoredAction>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT a.id, a.team_id, a.text, a.owner, a.due, a.recorded_at,
                    v.helped, v.did_not_help, v.too_early
             FROM actions a LEFT JOIN action_verdicts v ON v.action_id = a.id
             WHERE a.organisation_id = ?1 AND a.team_id = ?2 ORDER BY a.recorded_at DESC, a.id",
        )?;
        let rows = statement
            .query_map(params![organisation_id, team_id], |row| {
                let verdicts = match (row.get::<_, Option<u32>>(6)?, row.get(7)?, row.get(8)?) {
                    (Some(helped), Some(did_not_help), Some(too_early))
                        if helped + did_not_help + too_early > 0 =>
                    {
                        Some(polso_api::ActionVerdicts { helped, did_not_help, too_early })
                    }
                    _ => None,
                };
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    verdicts,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, team_id, text, owner, due, recorded_at, verdicts)| {
                let corrupt = || ServerError::CorruptData(format!("the action '{id}'"));
                Ok(StoredAction {
                    due: due.parse().map_err(|_| corrupt())?,
                    recorded_at: DateTime::parse_from_rfc3339(&recorded_at)
                        .map_err(|_| corrupt())?
                        .with_timezone(&Utc),
                    id,
                    team_id,
                    text,
                    owner,
                    verdicts,
                })
            })
            .collect()
    }

    fn save_cx_mapping(
        &self,
        organisation_id: &str,
        scope: &str,
        name: &str,
        mapping: &str,
        saved_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::sqlite::admin::organisation_exists(&transaction, organisation_id)?;
        let exists: Option<i64> = transaction
            .query_row(
                "SELECT 1 FROM cx_mappings WHERE organisation_id = ?1 AND scope = ?2 AND name = ?3",
                params![organisation_id, scope, name],
                |row| row.get(0),
            )
            .optional()?;
        let count: i64 = transaction.query_row(
            "SELECT count(*) FROM cx_mappings WHERE organisation_id = ?1",
            [organisation_id],
            |row| row.get(0),
        )?;
        if exists.is_none() && count >= crate::store::MAX_CX_MAPPINGS as i64 {
            return Err(crate::store::too_many_cx_mappings());
        }
        transaction.execute(
            "INSERT INTO cx_mappings (organisation_id, scope, name, mapping, saved_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (organisation_id, scope, name)
             DO UPDATE SET mapping = excluded.mapping, saved_at = excluded.saved_at",
            params![organisation_id, scope, name, mapping, saved_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)],
        )?;
        transaction.commit()?;
        Ok(())
    }

    fn cx_mappings(&self, organisation_id: &str, scope: &str) -> Result<Vec<SavedCxMapping>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT scope, name, mapping, saved_at FROM cx_mappings
             WHERE organisation_id = ?1 AND (scope = ?2 OR scope = '')
             ORDER BY name, scope DESC",
        )?;
        let rows = statement
            .query_map(params![organisation_id, scope], saved_cx_mapping_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(saved_cx_mapping).collect()
    }

    fn cx_mapping(&self, organisation_id: &str, scope: &str, name: &str) -> Result<Option<SavedCxMapping>> {
        let connection = self.connection();
        let row = connection
            .query_row(
                "SELECT scope, name, mapping, saved_at FROM cx_mappings
                 WHERE organisation_id = ?1 AND (scope = ?2 OR scope = '') AND name = ?3
                 ORDER BY scope DESC LIMIT 1",
                params![organisation_id, scope, name],
                saved_cx_mapping_row,
            )
            .optional()?;
        row.map(saved_cx_mapping).transpose()
    }

    fn set_care_contacts(
        &self,
        organisation_id: &str,
        contacts: &polso_api::CareContacts,
        set_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::sqlite::admin::organisation_exists(&transaction, organisation_id)?;
        transaction.execute("DELETE FROM care_contacts WHERE organisation_id = ?1", [organisation_id])?;
        let set_at = set_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for role in crate::care::CareRole::ALL {
            let Some(contact) = role.of(contacts) else { continue };
            transaction.execute(
                "INSERT INTO care_contacts (organisation_id, role, name_en, name_it, contact, kind, set_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    organisation_id,
                    role.key(),
                    contact.name_en,
                    contact.name_it,
                    contact.contact,
                    crate::care::kind_key(contact.kind),
                    set_at
                ],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }

    fn care_contacts(&self, organisation_id: &str) -> Result<polso_api::CareContacts> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT role, name_en, name_it, contact, kind FROM care_contacts WHERE organisation_id = ?1",
        )?;
        let rows = statement
            .query_map([organisation_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        crate::care::contacts_from_rows(rows)
    }
}

/// The published cells of `key` over `weeks`, of every unit or of `unit_ids` only.
/// Published cells: `?1` organisation, `?2` key, `?3`..`?4` weeks (`?5` is
/// NULL); by week, as the heatmap pools them (the key's order: no sorting).
pub(super) const PUBLISHED_CELLS_SQL: &str =
    "SELECT week_index, unit_id, n, mean, sd, histogram FROM published_cells
     WHERE organisation_id = ?1 AND key = ?2 AND week_index BETWEEN ?3 AND ?4 AND ?5 IS NULL
     ORDER BY week_index";

/// Published cells of some units (`?5`, a JSON array), looked up by their
/// whole key week by week (so by week: `CROSS JOIN` fixes the loops' order):
/// the key orders a unit after the week, so a filter on units would scan
/// every team's cells of those weeks (the organisation's series of three
/// years would read 780,000 rows for 156).
pub(super) const PUBLISHED_CELLS_OF_UNITS_SQL: &str = "WITH RECURSIVE weeks (week_index) AS
       (SELECT ?3 UNION ALL SELECT week_index + 1 FROM weeks WHERE week_index < ?4)
     SELECT p.week_index, p.unit_id, p.n, p.mean, p.sd, p.histogram
     FROM weeks AS w CROSS JOIN json_each(?5) AS u CROSS JOIN published_cells AS p
     WHERE p.organisation_id = ?1 AND p.key = ?2 AND p.week_index = w.week_index AND p.unit_id = u.value";

fn visit_published_cells(
    connection: &Connection,
    organisation_id: &str,
    key: &str,
    weeks: RangeInclusive<IsoWeek>,
    unit_ids: Option<&[String]>,
    with_histogram: bool,
    visit: &mut dyn FnMut(PublishedFigures<'_>),
) -> Result<()> {
    let units = unit_ids
        .map(serde_json::to_string)
        .transpose()
        .map_err(|error| ServerError::CorruptData(format!("unit ids: {error}")))?;
    let mut statement = connection.prepare_cached(match units {
        None => PUBLISHED_CELLS_SQL,
        Some(_) => PUBLISHED_CELLS_OF_UNITS_SQL,
    })?;
    let mut rows =
        statement.query(params![organisation_id, key, weeks.start().index(), weeks.end().index(), units])?;
    let corrupt =
        |column: &str| ServerError::CorruptData(format!("the {column} of a published cell of {key}"));
    while let Some(row) = rows.next()? {
        // The unit's id and the histogram's text are read in place, not copied.
        let histogram = match with_histogram {
            true => row
                .get_ref(5)?
                .as_str_or_null()
                .map_err(|_| corrupt("histogram"))?
                .map(serde_json::from_str)
                .transpose()
                .map_err(|_| corrupt("histogram"))?,
            false => None,
        };
        visit(PublishedFigures {
            week_index: row.get(0)?,
            unit_id: row.get_ref(1)?.as_str().map_err(|_| corrupt("unit"))?,
            n: row.get(2)?,
            mean: row.get(3)?,
            sd: row.get(4)?,
            histogram,
        });
    }
    Ok(())
}

/// A `cx_mappings` row as read: scope, name, mapping, saved_at.
type CxMappingRow = (String, String, String, String);

fn saved_cx_mapping_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CxMappingRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn saved_cx_mapping((scope, name, mapping, saved_at): CxMappingRow) -> Result<SavedCxMapping> {
    let saved_at = DateTime::parse_from_rfc3339(&saved_at)
        .map_err(|_| ServerError::CorruptData(format!("the saved time of CX mapping '{name}'")))?
        .with_timezone(&Utc);
    Ok(SavedCxMapping { scope, name, mapping, saved_at })
}
