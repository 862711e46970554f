//! [`SharedStore`] on PostgreSQL: the helper link, reports waiting for the
//! helper, and the leader's sums of verified shares, with the SQLite store's
//! rules and messages (the shared ones live in [`crate::store::shared`]).
//!
//! What replicas need:
//!
//! - **A report is accepted once.** Its receipt is inserted with
//!   `ON CONFLICT DO NOTHING`, as a plain report's is when folded, so the
//!   same report sent to two replicas is kept once; a report id already
//!   pending is refused after it, and the transaction rolls back, receipt
//!   and all.
//! - **No report slips past a publication.** Accepting takes the
//!   organisation's publication lock shared, as a fold does: while a
//!   publisher holds it, the report waits, then finds its week published.
//! - **A report is settled once.** Settling deletes each settled report and
//!   refuses the whole settlement when one was already gone: another replica
//!   settled it first, and its sums, written from the same pending reports,
//!   already count it. Settling takes no publication lock: the publisher
//!   itself settles while it holds that lock on another connection.

use polso_core::IsoWeek;

use super::{PgServerStore, share_publication_lock};
use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::store::FoldOutcome;
use crate::store::shared::{HelperLink, PendingShared, SharedStore, report_id_taken, stored_report_id};

/// Why a settlement is refused when another replica settled some of its reports first.
const SETTLED_ELSEWHERE: &str = "another server settled some of these reports first; nothing was settled \
     here, and the reports still pending are verified again in the next round";

impl SharedStore for PgServerStore {
    fn helper_link(&self, organisation_id: &str) -> Result<Option<HelperLink>> {
        self.on_workers(|| {
            // Every report reads it: by a statement prepared once.
            let mut client = self.client()?;
            let link = client.prepared(super::store::HELPER_LINK_SQL)?;
            Ok(client.query_opt(&link, &[&organisation_id])?.map(|row| HelperLink {
                url: row.get(0),
                party: row.get(1),
                public_key: row.get(2),
                verify_key: row.get(3),
                token: row.get(4),
                from_week: IsoWeek::from_index(row.get(5)),
            }))
        })
    }

    fn set_helper_link(&self, organisation_id: &str, link: &HelperLink) -> Result<()> {
        self.on_workers(|| {
            self.client()?.execute(
                "INSERT INTO helper_links (organisation_id, url, party, public_key, verify_key, token,
                 from_week)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (organisation_id) DO UPDATE SET url = excluded.url, party = excluded.party,
                     public_key = excluded.public_key, verify_key = excluded.verify_key,
                     token = excluded.token, from_week = excluded.from_week",
                &[
                    &organisation_id,
                    &link.url,
                    &link.party,
                    &link.public_key,
                    &link.verify_key,
                    &link.token,
                    &link.from_week.index(),
                ],
            )?;
            Ok(())
        })
    }

    fn accept_shared_report(&self, receipt: &Hash32, report: &PendingShared) -> Result<FoldOutcome> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            share_publication_lock(&mut transaction, &report.organisation_id)?;
            let week_index = report.week.index();
            if let Some(row) = transaction.query_opt(
                "SELECT published_at FROM publications WHERE organisation_id = $1 AND week_index = $2",
                &[&report.organisation_id, &week_index],
            )? {
                return Err(ServerError::WeekPublished {
                    week: report.week.to_string(),
                    published_at: row.get(0),
                });
            }
            let new_receipt = transaction.execute(
                "INSERT INTO report_receipts (receipt, organisation_id, week_index) VALUES ($1, $2, $3)
             ON CONFLICT (receipt) DO NOTHING",
                &[&&receipt[..], &report.organisation_id, &week_index],
            )?;
            if new_receipt == 0 {
                return Ok(FoldOutcome::AlreadyCounted);
            }
            let new_id = transaction.execute(
                "INSERT INTO shared_pending (report_id, organisation_id, team_id, week_index, public_shares,
                 leader_shares, helper_encapsulated_key, helper_ciphertext)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (report_id) DO NOTHING",
                &[
                    &&report.report_id[..],
                    &report.organisation_id,
                    &report.team_id,
                    &week_index,
                    &report.public_shares,
                    &report.leader_shares,
                    &report.helper_encapsulated_key,
                    &report.helper_ciphertext,
                ],
            )?;
            if new_id == 0 {
                return Err(report_id_taken());
            }
            transaction.commit()?;
            Ok(FoldOutcome::Counted)
        })
    }

    fn pending_shared(&self, organisation_id: &str, limit: usize) -> Result<Vec<PendingShared>> {
        self.on_workers(|| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            // Byte order of the ids, as SQLite sorts its blobs.
            let rows = self.client()?.query(
                "SELECT report_id, team_id, week_index, public_shares, leader_shares, helper_encapsulated_key,
                        helper_ciphertext
                 FROM shared_pending WHERE organisation_id = $1 ORDER BY week_index, report_id LIMIT $2",
                &[&organisation_id, &limit],
            )?;
            rows.into_iter()
                .map(|row| {
                    Ok(PendingShared {
                        report_id: stored_report_id(row.get(0))?,
                        organisation_id: organisation_id.to_owned(),
                        team_id: row.get(1),
                        week: IsoWeek::from_index(row.get(2)),
                        public_shares: row.get(3),
                        leader_shares: row.get(4),
                        helper_encapsulated_key: row.get(5),
                        helper_ciphertext: row.get(6),
                    })
                })
                .collect()
        })
    }

    fn pending_shared_count(&self, organisation_id: &str, week: IsoWeek) -> Result<usize> {
        self.on_workers(|| {
            let count: i64 = self
                .client()?
                .query_one(
                    "SELECT count(*) FROM shared_pending WHERE organisation_id = $1 AND week_index = $2",
                    &[&organisation_id, &week.index()],
                )?
                .get(0);
            Ok(usize::try_from(count).unwrap_or(0))
        })
    }

    fn shared_sums(&self, organisation_id: &str, week: IsoWeek) -> Result<Vec<(String, Vec<u8>)>> {
        self.on_workers(|| {
            Ok(self
                .client()?
                .query(
                    "SELECT s.team_id, s.shares FROM shared_sums s
                 JOIN teams t ON t.id = s.team_id
                 JOIN departments d ON d.id = t.department_id
                 WHERE d.organisation_id = $1 AND s.week_index = $2
                 ORDER BY s.team_id",
                    &[&organisation_id, &week.index()],
                )?
                .into_iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect())
        })
    }

    fn settle_shared(&self, settled: &[[u8; 16]], sums: &[(String, IsoWeek, Vec<u8>)]) -> Result<()> {
        self.on_workers(|| {
            let mut client = self.client()?;
            let mut transaction = client.transaction()?;
            let delete = transaction.prepare("DELETE FROM shared_pending WHERE report_id = $1")?;
            // In id order, so two replicas settling overlapping batches lock their rows in the same order.
            let mut in_order: Vec<&[u8; 16]> = settled.iter().collect();
            in_order.sort_unstable();
            in_order.dedup();
            for report_id in in_order {
                if transaction.execute(&delete, &[&&report_id[..]])? == 0 {
                    return Err(ServerError::InvalidInput(SETTLED_ELSEWHERE.to_owned()));
                }
            }
            let upsert = transaction.prepare(
                "INSERT INTO shared_sums (team_id, week_index, shares) VALUES ($1, $2, $3)
             ON CONFLICT (team_id, week_index) DO UPDATE SET shares = excluded.shares",
            )?;
            // In team order too, for the same reason.
            let mut sums: Vec<&(String, IsoWeek, Vec<u8>)> = sums.iter().collect();
            sums.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            for (team_id, week, shares) in sums {
                transaction.execute(&upsert, &[team_id, &week.index(), shares])?;
            }
            transaction.commit()?;
            Ok(())
        })
    }
}
