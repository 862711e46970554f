//! [`SharedStore`] for the SQLite database (`migrations/0008_two_server_aggregation.sql`).

use polso_core::IsoWeek;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::sqlite::{SqliteServerStore, truncate_wal};
use crate::store::FoldOutcome;
use crate::store::shared::{HelperLink, PendingShared, SharedStore, report_id_taken, stored_report_id};

impl SharedStore for SqliteServerStore {
    fn helper_link(&self, organisation_id: &str) -> Result<Option<HelperLink>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT url, party, public_key, verify_key, token, from_week FROM helper_links
                 WHERE organisation_id = ?1",
                [organisation_id],
                |row| {
                    Ok(HelperLink {
                        url: row.get(0)?,
                        party: row.get(1)?,
                        public_key: row.get(2)?,
                        verify_key: row.get(3)?,
                        token: row.get(4)?,
                        from_week: IsoWeek::from_index(row.get(5)?),
                    })
                },
            )
            .optional()?)
    }

    fn set_helper_link(&self, organisation_id: &str, link: &HelperLink) -> Result<()> {
        self.connection().execute(
            "INSERT INTO helper_links (organisation_id, url, party, public_key, verify_key, token, from_week)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (organisation_id) DO UPDATE SET url = excluded.url, party = excluded.party,
                 public_key = excluded.public_key, verify_key = excluded.verify_key,
                 token = excluded.token, from_week = excluded.from_week",
            params![
                organisation_id,
                link.url,
                link.party,
                link.public_key,
                link.verify_key,
                link.token,
                link.from_week.index()
            ],
        )?;
        Ok(())
    }

    fn accept_shared_report(&self, receipt: &Hash32, report: &PendingShared) -> Result<FoldOutcome> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let week_index = report.week.index();
        let published_at: Option<String> = transaction
            .query_row(
                "SELECT published_at FROM publications WHERE organisation_id = ?1 AND week_index = ?2",
                params![report.organisation_id, week_index],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(published_at) = published_at {
            return Err(ServerError::WeekPublished { week: report.week.to_string(), published_at });
        }
        let counted_before: Option<i64> = transaction
            .query_row("SELECT 1 FROM report_receipts WHERE receipt = ?1", [&receipt[..]], |row| row.get(0))
            .optional()?;
        if counted_before.is_some() {
            return Ok(FoldOutcome::AlreadyCounted);
        }
        let id_taken: Option<i64> = transaction
            .query_row("SELECT 1 FROM shared_pending WHERE report_id = ?1", [&report.report_id[..]], |row| {
                row.get(0)
            })
            .optional()?;
        if id_taken.is_some() {
            return Err(report_id_taken());
        }
        transaction.execute(
            "INSERT INTO report_receipts (receipt, organisation_id, week_index) VALUES (?1, ?2, ?3)",
            params![&receipt[..], report.organisation_id, week_index],
        )?;
        transaction.execute(
            "INSERT INTO shared_pending (report_id, organisation_id, team_id, week_index, public_shares,
                 leader_shares, helper_encapsulated_key, helper_ciphertext)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                &report.report_id[..],
                report.organisation_id,
                report.team_id,
                week_index,
                report.public_shares,
                report.leader_shares,
                report.helper_encapsulated_key,
                report.helper_ciphertext
            ],
        )?;
        transaction.commit()?;
        truncate_wal(&connection)?;
        Ok(FoldOutcome::Counted)
    }

    fn pending_shared(&self, organisation_id: &str, limit: usize) -> Result<Vec<PendingShared>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT report_id, team_id, week_index, public_shares, leader_shares, helper_encapsulated_key,
                    helper_ciphertext
             FROM shared_pending WHERE organisation_id = ?1 ORDER BY week_index, report_id LIMIT ?2",
        )?;
        let rows = statement
            .query_map(params![organisation_id, limit as i64], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, Vec<u8>>(3)?,
                    row.get::<_, Vec<u8>>(4)?,
                    row.get::<_, Vec<u8>>(5)?,
                    row.get::<_, Vec<u8>>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(report_id, team_id, week_index, public_shares, leader_shares, key, ciphertext)| {
                Ok(PendingShared {
                    report_id: stored_report_id(report_id)?,
                    organisation_id: organisation_id.to_owned(),
                    team_id,
                    week: IsoWeek::from_index(week_index),
                    public_shares,
                    leader_shares,
                    helper_encapsulated_key: key,
                    helper_ciphertext: ciphertext,
                })
            })
            .collect()
    }

    fn pending_shared_count(&self, organisation_id: &str, week: IsoWeek) -> Result<usize> {
        let count: i64 = self.connection().query_row(
            "SELECT count(*) FROM shared_pending WHERE organisation_id = ?1 AND week_index = ?2",
            params![organisation_id, week.index()],
            |row| row.get(0),
        )?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    fn shared_sums(&self, organisation_id: &str, week: IsoWeek) -> Result<Vec<(String, Vec<u8>)>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT s.team_id, s.shares FROM shared_sums s
             JOIN teams t ON t.id = s.team_id
             JOIN departments d ON d.id = t.department_id
             WHERE d.organisation_id = ?1 AND s.week_index = ?2
             ORDER BY s.team_id",
        )?;
        let rows = statement
            .query_map(params![organisation_id, week.index()], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn settle_shared(&self, settled: &[[u8; 16]], sums: &[(String, IsoWeek, Vec<u8>)]) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut delete = transaction.prepare_cached("DELETE FROM shared_pending WHERE report_id = ?1")?;
            for report_id in settled {
                delete.execute([&report_id[..]])?;
            }
            let mut upsert = transaction.prepare_cached(
                "INSERT INTO shared_sums (team_id, week_index, shares) VALUES (?1, ?2, ?3)
                 ON CONFLICT (team_id, week_index) DO UPDATE SET shares = excluded.shares",
            )?;
            for (team_id, week, shares) in sums {
                upsert.execute(params![team_id, week.index(), shares])?;
            }
        }
        transaction.commit()?;
        truncate_wal(&connection)?;
        Ok(())
    }
}
