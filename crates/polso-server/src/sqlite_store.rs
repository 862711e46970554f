//! The embedded default storage: one SQLite file, migrated at open.
//!
//! One connection behind a mutex: SQLite writes one transaction at a time
//! anyway, and a server of one organisation folds a few thousand reports a
//! week. Pragmas are set per connection, outside the migrations: WAL,
//! `synchronous=FULL` so an acknowledged report survives a power cut,
//! foreign keys on, and `secure_delete` so replaced sums are overwritten
//! rather than left in free pages.

use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use polso_core::anonymity::Threshold;
use polso_core::dp::Epsilon;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::{Result, ServerError};
use crate::migrations::{MIGRATIONS, SCHEMA_VERSION};
use crate::secrets::{Hash32, random_bytes};
use crate::store::{
    CxScore, DepartmentNode, DeviceMembership, Enrolment, FoldOutcome, HrAccess, NewHrToken, NewInvite,
    Organisation, OrganisationTree, PrivacySetting, ReportFold, ServerStore, TeamAggregate, TeamNode,
};

/// The server's SQLite database.
pub struct SqliteServerStore {
    connection: Mutex<Connection>,
    receipt_secret: Hash32,
}

impl std::fmt::Debug for SqliteServerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The receipt secret stays out of debug output.
        f.debug_struct("SqliteServerStore").finish_non_exhaustive()
    }
}

impl SqliteServerStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    /// A database from a newer polso-server is refused and left untouched.
    pub fn open(path: &Path) -> Result<SqliteServerStore> {
        let mut connection = Connection::open(path)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.pragma_update(None, "secure_delete", "ON")?;

        let found: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let found = usize::try_from(found).unwrap_or(usize::MAX);
        if found > SCHEMA_VERSION {
            return Err(ServerError::DatabaseTooNew { found, supported: SCHEMA_VERSION });
        }
        MIGRATIONS.to_latest(&mut connection)?;

        let existing: Option<Vec<u8>> = connection
            .query_row("SELECT secret FROM server_secret WHERE id = 1", [], |row| row.get(0))
            .optional()?;
        let receipt_secret = match existing {
            Some(bytes) => bytes
                .try_into()
                .map_err(|_| ServerError::CorruptData("the server secret is not 32 bytes".to_owned()))?,
            None => {
                let secret = random_bytes::<32>()?;
                connection.execute("INSERT INTO server_secret (id, secret) VALUES (1, ?1)", [&secret[..]])?;
                secret
            }
        };
        Ok(SqliteServerStore { connection: Mutex::new(connection), receipt_secret })
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-done transaction:
        // rusqlite rolls back an unfinished one when it is dropped.
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The columns `organisation_from_row` reads, in order.
const ORGANISATION_COLUMNS: &str =
    "id, name, seed, k, dp_epsilon_numerator, dp_epsilon_denominator, dp_release";

type OrganisationRow = (String, String, i64, u32, Option<i64>, Option<i64>, u32);

fn organisation_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OrganisationRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
}

fn organisation_from_parts(parts: OrganisationRow) -> Result<Organisation> {
    let (id, name, seed, k, epsilon_numerator, epsilon_denominator, release) = parts;
    let seed =
        u64::try_from(seed).map_err(|_| ServerError::CorruptData(format!("organisation {id} seed")))?;
    let k =
        Threshold::new(k).map_err(|_| ServerError::CorruptData(format!("organisation {id} has k = {k}")))?;
    let epsilon = match (epsilon_numerator, epsilon_denominator) {
        (None, None) => None,
        (Some(numerator), Some(denominator)) => Some(
            u64::try_from(numerator)
                .ok()
                .zip(u64::try_from(denominator).ok())
                .and_then(|(numerator, denominator)| Epsilon::from_ratio(numerator, denominator))
                .ok_or_else(|| ServerError::CorruptData(format!("organisation {id} epsilon")))?,
        ),
        _ => return Err(ServerError::CorruptData(format!("organisation {id} epsilon is half set"))),
    };
    Ok(Organisation { id, name, seed, k, privacy: PrivacySetting { epsilon, release } })
}

fn load_organisation(connection: &Connection, organisation_id: &str) -> Result<Option<Organisation>> {
    connection
        .query_row(
            &format!("SELECT {ORGANISATION_COLUMNS} FROM organisations WHERE id = ?1"),
            [organisation_id],
            organisation_from_row,
        )
        .optional()?
        .map(organisation_from_parts)
        .transpose()
}

fn not_found(what: &str, id: &str) -> ServerError {
    ServerError::NotFound(format!("there is no {what} '{id}'"))
}

impl ServerStore for SqliteServerStore {
    fn create_organisation(&self, organisation: &Organisation) -> Result<()> {
        let seed = i64::try_from(organisation.seed)
            .map_err(|_| ServerError::InvalidInput("the organisation seed must be below 2^63".to_owned()))?;
        self.connection().execute(
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
        Ok(())
    }

    fn organisations(&self) -> Result<Vec<Organisation>> {
        let connection = self.connection();
        let mut statement = connection
            .prepare(&format!("SELECT {ORGANISATION_COLUMNS} FROM organisations ORDER BY name, id"))?;
        let rows = statement.query_map([], organisation_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(organisation_from_parts).collect()
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

    fn organisation_tree(&self, organisation_id: &str) -> Result<OrganisationTree> {
        let connection = self.connection();
        let organisation = load_organisation(&connection, organisation_id)?
            .ok_or_else(|| not_found("organisation", organisation_id))?;
        let mut statement = connection.prepare(
            "SELECT d.id, d.name, t.id, t.name
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
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut departments: Vec<DepartmentNode> = Vec::new();
        for (department_id, department_name, team_id, team_name) in rows {
            if departments.last().is_none_or(|last| last.id != department_id) {
                departments.push(DepartmentNode {
                    id: department_id,
                    name: department_name,
                    teams: Vec::new(),
                });
            }
            if let (Some(id), Some(name), Some(department)) = (team_id, team_name, departments.last_mut()) {
                department.teams.push(TeamNode { id, name });
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
                     WHERE d.organisation_id = ?1 AND a.n > 0)",
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
        transaction
            .execute("UPDATE invites SET uses_left = uses_left - 1 WHERE code_hash = ?1", [&code_hash[..]])?;
        transaction.execute(
            "INSERT INTO devices (token_hash, team_id) VALUES (?1, ?2)",
            params![&device_token_hash[..], team_id],
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
            .connection()
            .query_row(
                "SELECT dv.team_id, d.organisation_id
                 FROM devices dv JOIN teams t ON t.id = dv.team_id JOIN departments d ON d.id = t.department_id
                 WHERE dv.token_hash = ?1",
                [&token_hash[..]],
                |row| Ok(DeviceMembership { team_id: row.get(0)?, organisation_id: row.get(1)? }),
            )
            .optional()?)
    }

    fn create_hr_token(&self, token: &NewHrToken) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        if load_organisation(&transaction, &token.organisation_id)?.is_none() {
            return Err(not_found("organisation", &token.organisation_id));
        }
        transaction.execute(
            "INSERT INTO hr_tokens (id, token_hash, organisation_id, whole_organisation) VALUES (?1, ?2, ?3, ?4)",
            params![token.id, &token.token_hash[..], token.organisation_id, token.departments.is_none()],
        )?;
        for department_id in token.departments.iter().flatten() {
            let organisation_id: Option<String> = transaction
                .query_row("SELECT organisation_id FROM departments WHERE id = ?1", [department_id], |row| {
                    row.get(0)
                })
                .optional()?;
            if organisation_id.as_deref() != Some(token.organisation_id.as_str()) {
                return Err(not_found("department of this organisation", department_id));
            }
            transaction.execute(
                "INSERT INTO hr_token_departments (hr_token_id, department_id) VALUES (?1, ?2)",
                params![token.id, department_id],
            )?;
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
        let token: Option<(String, String, bool)> = connection
            .query_row(
                "SELECT id, organisation_id, whole_organisation FROM hr_tokens WHERE token_hash = ?1 AND revoked = 0",
                [&token_hash[..]],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((token_id, organisation_id, whole_organisation)) = token else {
            return Ok(None);
        };
        let departments = if whole_organisation {
            None
        } else {
            let mut statement = connection.prepare(
                "SELECT department_id FROM hr_token_departments WHERE hr_token_id = ?1 ORDER BY department_id",
            )?;
            let ids =
                statement.query_map([&token_id], |row| row.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            Some(ids)
        };
        Ok(Some(HrAccess { token_id, organisation_id, departments }))
    }

    fn receipt_secret(&self) -> Result<Hash32> {
        Ok(self.receipt_secret)
    }

    fn fold_report(&self, fold: &ReportFold) -> Result<FoldOutcome> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcome = fold_in_transaction(&transaction, fold)?;
        transaction.commit()?;
        Ok(outcome)
    }

    fn fold_reports(&self, folds: &[ReportFold]) -> Result<Vec<FoldOutcome>> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcomes =
            folds.iter().map(|fold| fold_in_transaction(&transaction, fold)).collect::<Result<Vec<_>>>()?;
        transaction.commit()?;
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
}

/// Records the receipt and folds the contributions inside `transaction`;
/// the caller commits. See [`ServerStore::fold_report`].
fn fold_in_transaction(transaction: &Transaction<'_>, fold: &ReportFold) -> Result<FoldOutcome> {
    let earlier_digest: Option<Vec<u8>> = transaction
        .query_row(
            "SELECT content_digest FROM report_receipts WHERE receipt = ?1",
            [&fold.receipt[..]],
            |row| row.get(0),
        )
        .optional()?;
    match earlier_digest {
        Some(digest) if digest == fold.content_digest => return Ok(FoldOutcome::AlreadyCounted),
        Some(_) => return Err(ServerError::DuplicateReport { week: fold.week.to_string() }),
        None => {}
    }
    transaction.execute(
        "INSERT INTO report_receipts (receipt, content_digest) VALUES (?1, ?2)",
        params![&fold.receipt[..], &fold.content_digest[..]],
    )?;
    let week_index = fold.week.index();
    for contribution in &fold.contributions {
        let existing: Option<(u32, f64, f64, String)> = transaction
            .query_row(
                "SELECT n, sum, sum_squares, histogram FROM aggregates
                 WHERE team_id = ?1 AND week_index = ?2 AND key = ?3",
                params![fold.team_id, week_index, contribution.key],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let (n, sum, sum_squares, mut histogram) = match existing {
            Some((n, sum, sum_squares, histogram)) => {
                let histogram: Vec<u32> = serde_json::from_str(&histogram)
                    .map_err(|_| ServerError::CorruptData(format!("histogram of {}", contribution.key)))?;
                (n, sum, sum_squares, histogram)
            }
            None => (0, 0.0, 0.0, Vec::new()),
        };
        if histogram.len() < contribution.n_bins {
            histogram.resize(contribution.n_bins, 0);
        }
        let Some(bin) = histogram.get_mut(contribution.bin) else {
            return Err(ServerError::CorruptData(format!(
                "histogram of {} has no bin {}",
                contribution.key, contribution.bin
            )));
        };
        *bin += 1;
        let histogram = serde_json::to_string(&histogram)
            .map_err(|error| ServerError::CorruptData(format!("histogram: {error}")))?;
        transaction.execute(
            "INSERT INTO aggregates (team_id, week_index, key, n, sum, sum_squares, histogram)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (team_id, week_index, key) DO UPDATE SET
                 n = excluded.n, sum = excluded.sum, sum_squares = excluded.sum_squares,
                 histogram = excluded.histogram",
            params![
                fold.team_id,
                week_index,
                contribution.key,
                n + 1,
                sum + contribution.value,
                sum_squares + contribution.value * contribution.value,
                histogram
            ],
        )?;
    }
    Ok(FoldOutcome::Counted)
}
