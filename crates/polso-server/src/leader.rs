//! The organisation's server as the leader of two-server aggregation.
//!
//! - A device of a two-server organisation sends its report as shares
//!   ([`accept_shared_report`]): the leader checks where it belongs and
//!   that its own shares decode, records the receipt (one report per device
//!   and week) and keeps the shares; it cannot open the helper's.
//! - Pending reports are verified with the helper in batches
//!   ([`verify_pending`]), from the publication task: for each, the leader
//!   starts the proof check, the helper finishes it and sums its half, and
//!   the leader sums its own half and drops the report, in one transaction.
//!   A helper that is down leaves the reports pending; nothing is lost, and
//!   a retry is answered the same, never summed twice.
//! - A week is published when none of its reports is pending
//!   ([`publish_shared_week`], see [`crate::shared_release`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use polso_api::{Aggregation, AggregationMode, HelperServer, SharedReport};
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_vdaf::{
    HelperPublicKey, HelperReply, LeaderPending, ReportContext, ReportId, Share, VerifyKey, WeekShares,
};

use crate::error::{Result, ServerError};
use crate::helper::{Helper, from_base64, to_base64};
use crate::helper_wire::{
    ReleaseRequest, ReleaseResponse, ReportToVerify, Verdict, VerifyRequest, VerifyResponse,
};
use crate::privacy::PublicationRandomness;
use crate::publication::PublicationSettings;
use crate::secrets::Hash32;
use crate::shared_release::{
    SharedRules, SharedWeek, TeamSums, UnitShares, combine_release, count_shares, open_counts, release_shares,
};
use crate::store::shared::{HelperLink, PendingShared, SharedStore};
use crate::store::{FoldOutcome, OrganisationTree, ServerStore};

/// How many pending reports go to the helper in one request.
const VERIFY_BATCH: usize = 200;

/// How the leader reaches its helper: over HTTPS in production
/// ([`HttpHelperApi`]), or in process for tests and the demo ([`LocalHelperApi`]).
pub trait HelperApi: Send + Sync {
    /// `POST /helper/v1/verify`.
    fn verify(&self, link: &HelperLink, request: &VerifyRequest) -> Result<VerifyResponse>;
    /// `POST /helper/v1/release`.
    fn release(&self, link: &HelperLink, request: &ReleaseRequest) -> Result<ReleaseResponse>;
}

/// The helper over HTTP(S), with the leader's token.
#[derive(Debug, Clone)]
pub struct HttpHelperApi {
    agent: ureq::Agent,
}

impl Default for HttpHelperApi {
    fn default() -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::WebPki)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .user_agent(concat!("polso-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpHelperApi { agent }
    }
}

impl HttpHelperApi {
    fn post<Request: serde::Serialize, Response: serde::de::DeserializeOwned>(
        &self,
        link: &HelperLink,
        path: &str,
        request: &Request,
    ) -> Result<Response> {
        let url = format!("{}{path}", link.url.trim_end_matches('/'));
        let body = serde_json::to_string(request).map_err(|error| ServerError::Helper(error.to_string()))?;
        let mut response = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Authorization", format!("Bearer {}", link.token))
            .send(body.as_str())
            .map_err(|error| ServerError::Helper(format!("{url}: {error}")))?;
        let status = response.status().as_u16();
        let text =
            response.body_mut().read_to_string().map_err(|error| ServerError::Helper(error.to_string()))?;
        if !(200..300).contains(&status) {
            let message = serde_json::from_str::<polso_api::ApiError>(&text)
                .map(|error| error.message)
                .unwrap_or_else(|_| format!("HTTP {status}"));
            return Err(ServerError::Helper(format!("{url} answered {status}: {message}")));
        }
        serde_json::from_str(&text).map_err(|error| ServerError::Helper(format!("{url}: {error}")))
    }
}

impl HelperApi for HttpHelperApi {
    fn verify(&self, link: &HelperLink, request: &VerifyRequest) -> Result<VerifyResponse> {
        self.post(link, "/helper/v1/verify", request)
    }

    fn release(&self, link: &HelperLink, request: &ReleaseRequest) -> Result<ReleaseResponse> {
        self.post(link, "/helper/v1/release", request)
    }
}

/// A helper in the same process: for tests, and a helper that is "down"
/// when `reachable` is off.
pub struct LocalHelperApi {
    helper: Arc<Helper>,
    reachable: Mutex<bool>,
}

impl LocalHelperApi {
    /// The helper, reachable.
    pub fn new(helper: Arc<Helper>) -> LocalHelperApi {
        LocalHelperApi { helper, reachable: Mutex::new(true) }
    }

    /// Makes the helper reachable or not.
    pub fn set_reachable(&self, reachable: bool) {
        *self.reachable.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = reachable;
    }

    fn check(&self) -> Result<()> {
        if *self.reachable.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
            Ok(())
        } else {
            Err(ServerError::Helper("the helper is down".to_owned()))
        }
    }
}

impl HelperApi for LocalHelperApi {
    fn verify(&self, link: &HelperLink, request: &VerifyRequest) -> Result<VerifyResponse> {
        self.check()?;
        self.helper.verify(&link.token, request).map_err(|error| ServerError::Helper(error.to_string()))
    }

    fn release(&self, link: &HelperLink, request: &ReleaseRequest) -> Result<ReleaseResponse> {
        self.check()?;
        self.helper.release(&link.token, request).map_err(|error| ServerError::Helper(error.to_string()))
    }
}

fn shared_store(store: &dyn ServerStore) -> Result<&dyn SharedStore> {
    store.shared().ok_or_else(|| {
        ServerError::InvalidInput("this server's store has no two-server aggregation".to_owned())
    })
}

/// The organisation's helper for `week`, if that week is two-server.
pub fn helper_for_week(
    store: &dyn ServerStore,
    organisation_id: &str,
    week: IsoWeek,
) -> Result<Option<HelperLink>> {
    let Some(shared) = store.shared() else { return Ok(None) };
    Ok(shared.helper_link(organisation_id)?.filter(|link| week >= link.from_week))
}

/// How the organisation aggregates, as devices read it: one server, or two
/// with the helper to pin.
pub fn aggregation_for(store: &dyn ServerStore, organisation_id: &str) -> Result<Aggregation> {
    let Some(link) = store.shared().map(|shared| shared.helper_link(organisation_id)).transpose()?.flatten()
    else {
        return Ok(Aggregation::default());
    };
    let key = HelperPublicKey::from_bytes(&link.public_key)
        .map_err(|_| ServerError::CorruptData("the helper's public key".to_owned()))?;
    Ok(Aggregation {
        mode: AggregationMode::TwoServer,
        helper: Some(HelperServer {
            party: link.party.clone(),
            public_key: to_base64(key.as_bytes()),
            fingerprint: key.fingerprint(),
        }),
        from_week: Some(link.from_week.to_string()),
    })
}

/// Takes a report sent as shares by the device holding `device_token` in
/// `team_id`: it must be for a two-server week of the organisation, and the
/// leader's own shares must decode under the week's layout (the proof is
/// checked with the helper later). Records the receipt and keeps the shares.
pub fn accept_shared_report(
    store: &dyn ServerStore,
    receipt_secret: &Hash32,
    device_token: &str,
    tree: &OrganisationTree,
    team_id: &str,
    report: &SharedReport,
) -> Result<(IsoWeek, FoldOutcome)> {
    let organisation = &tree.organisation;
    let week: IsoWeek = report.week.parse()?;
    let link = helper_for_week(store, &organisation.id, week)?.ok_or_else(|| {
        ServerError::InvalidInput(format!(
            "{week} is aggregated by this server alone: send it as a plain weekly report (POST /v1/reports)"
        ))
    })?;
    let upload =
        polso_vdaf::from_wire(report).map_err(|error| ServerError::InvalidInput(error.to_string()))?;
    let report_id = upload.report_id.0;
    let pending = PendingShared {
        report_id,
        organisation_id: organisation.id.clone(),
        team_id: team_id.to_owned(),
        week,
        public_shares: upload.public_shares,
        leader_shares: upload.leader_shares,
        helper_encapsulated_key: upload.helper_shares.encapsulated_key,
        helper_ciphertext: upload.helper_shares.ciphertext,
    };
    // The leader's own shares must decode for the week's cells: a report of
    // the wrong shape is refused now, not kept for the helper to refuse.
    let schedule = Schedule::with_plan(ItemBank::embedded(), organisation.seed, &organisation.questionnaire);
    let shared_week = SharedWeek::new(tree, &schedule, week)?;
    let verify_key = VerifyKey::from_bytes(&link.verify_key)
        .map_err(|_| ServerError::CorruptData("the verify key".to_owned()))?;
    LeaderPending::start(
        shared_week.layout(),
        &context(&organisation.id, week, team_id),
        &verify_key,
        ReportId(report_id),
        &pending.public_shares,
        &pending.leader_shares,
    )
    .map_err(|error| ServerError::InvalidInput(format!("the report's shares: {error}")))?;
    let receipt = crate::report::report_receipt(receipt_secret, device_token, week);
    let outcome = shared_store(store)?.accept_shared_report(&receipt, &pending)?;
    Ok((week, outcome))
}

fn context(organisation_id: &str, week: IsoWeek, team_id: &str) -> ReportContext {
    ReportContext { organisation: organisation_id.to_owned(), week, team: team_id.to_owned() }
}

/// What one round of verification did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyRound {
    /// Reports verified and summed by both servers.
    pub verified: usize,
    /// Reports refused (tampered, replayed, malformed): dropped, never summed.
    pub rejected: usize,
}

/// Verifies the organisation's pending reports with its helper, a batch per
/// week at a time, until none is pending or the helper fails (then the rest
/// stay pending for the next round).
pub fn verify_pending(
    store: &dyn ServerStore,
    api: &dyn HelperApi,
    tree: &OrganisationTree,
) -> Result<VerifyRound> {
    let organisation = &tree.organisation;
    let shared = shared_store(store)?;
    let Some(link) = shared.helper_link(&organisation.id)? else { return Ok(VerifyRound::default()) };
    let verify_key = VerifyKey::from_bytes(&link.verify_key)
        .map_err(|_| ServerError::CorruptData("the verify key".to_owned()))?;
    let schedule = Schedule::with_plan(ItemBank::embedded(), organisation.seed, &organisation.questionnaire);
    let mut round = VerifyRound::default();
    loop {
        let pending = shared.pending_shared(&organisation.id, VERIFY_BATCH)?;
        let Some(first) = pending.first() else { return Ok(round) };
        let week = first.week;
        let batch: Vec<&PendingShared> = pending.iter().filter(|report| report.week == week).collect();
        let shared_week = SharedWeek::new(tree, &schedule, week)?;
        let layout = shared_week.layout();

        let mut started = Vec::with_capacity(batch.len());
        let mut to_verify = Vec::with_capacity(batch.len());
        let mut settled: Vec<[u8; 16]> = Vec::new();
        for report in &batch {
            match LeaderPending::start(
                layout,
                &context(&organisation.id, week, &report.team_id),
                &verify_key,
                ReportId(report.report_id),
                &report.public_shares,
                &report.leader_shares,
            ) {
                Ok((state, verifier_shares)) => {
                    to_verify.push(ReportToVerify {
                        report_id: to_base64(&report.report_id),
                        team_id: report.team_id.clone(),
                        public_shares: to_base64(&report.public_shares),
                        helper_encapsulated_key: to_base64(&report.helper_encapsulated_key),
                        helper_ciphertext: to_base64(&report.helper_ciphertext),
                        leader_verifier_shares: to_base64(&verifier_shares),
                    });
                    started.push((*report, state));
                }
                Err(_) => {
                    settled.push(report.report_id);
                    round.rejected += 1;
                }
            }
        }
        let response = if to_verify.is_empty() {
            VerifyResponse { verdicts: Vec::new() }
        } else {
            api.verify(
                &link,
                &VerifyRequest {
                    organisation_id: organisation.id.clone(),
                    week: week.to_string(),
                    reports: to_verify,
                },
            )?
        };
        if response.verdicts.len() != started.len() {
            return Err(ServerError::Helper("the helper answered for another number of reports".to_owned()));
        }
        let mut sums: BTreeMap<String, WeekShares> = BTreeMap::new();
        for (team, bytes) in shared.shared_sums(&organisation.id, week)? {
            let shares = WeekShares::from_bytes(layout, &bytes)
                .map_err(|_| ServerError::CorruptData(format!("the leader's sums of {team}")))?;
            sums.insert(team, shares);
        }
        let mut touched: Vec<String> = Vec::new();
        for ((report, state), verdict) in started.into_iter().zip(response.verdicts) {
            settled.push(report.report_id);
            let Verdict::Verified { messages } = verdict else {
                round.rejected += 1;
                continue;
            };
            let reply = HelperReply { messages: from_base64(&messages, "messages")? };
            let Ok(outputs) = state.finish(layout, &context(&organisation.id, week, &report.team_id), &reply)
            else {
                // The helper's messages do not finish the proof: the
                // report cannot be summed consistently by both; dropped.
                round.rejected += 1;
                continue;
            };
            let team_sums = match sums.entry(report.team_id.clone()) {
                std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::btree_map::Entry::Vacant(entry) => entry.insert(
                    WeekShares::new(layout).map_err(|error| ServerError::InvalidInput(error.to_string()))?,
                ),
            };
            team_sums.accumulate(&outputs).map_err(|error| ServerError::InvalidInput(error.to_string()))?;
            if !touched.contains(&report.team_id) {
                touched.push(report.team_id.clone());
            }
            round.verified += 1;
        }
        let new_sums = touched
            .iter()
            .map(|team| {
                let bytes =
                    sums[team].to_bytes().map_err(|error| ServerError::InvalidInput(error.to_string()))?;
                Ok((team.clone(), week, bytes))
            })
            .collect::<Result<Vec<_>>>()?;
        shared.settle_shared(&settled, &new_sums)?;
    }
}

/// Publishes one two-server `week` with the helper: `Ok(false)` while
/// reports of it wait for the helper. See [`crate::shared_release`].
pub fn publish_shared_week(
    store: &dyn ServerStore,
    api: &dyn HelperApi,
    tree: &OrganisationTree,
    link: &HelperLink,
    settings: PublicationSettings,
    week: IsoWeek,
    now: DateTime<Utc>,
) -> Result<bool> {
    let organisation = &tree.organisation;
    let shared = shared_store(store)?;
    if shared.pending_shared_count(&organisation.id, week)? > 0 {
        return Ok(false);
    }
    let schedule = Schedule::with_plan(ItemBank::embedded(), organisation.seed, &organisation.questionnaire);
    let shared_week = SharedWeek::new(tree, &schedule, week)?;
    let layout = shared_week.layout();
    let mut sums: TeamSums = BTreeMap::new();
    for (team, bytes) in shared.shared_sums(&organisation.id, week)? {
        let shares = WeekShares::from_bytes(layout, &bytes)
            .map_err(|_| ServerError::CorruptData(format!("the leader's sums of {team}")))?;
        sums.insert(team, shares);
    }
    let my_counts = count_shares(&shared_week, &sums);
    let request = ReleaseRequest {
        organisation_id: organisation.id.clone(),
        week: week.to_string(),
        reports_per_team: sums.iter().map(|(team, shares)| (team.clone(), shares.reports())).collect(),
        count_shares: my_counts
            .iter()
            .map(|(team, shares)| (team.clone(), to_base64(&Share::encode_all(shares))))
            .collect(),
    };
    let response = api.release(link, &request)?;
    let mut helper_counts = BTreeMap::new();
    for (team, counts) in &my_counts {
        let text = response
            .count_shares
            .get(team)
            .ok_or_else(|| ServerError::Helper(format!("no counts of team '{team}'")))?;
        let shares = Share::decode_all(&from_base64(text, "count_shares")?, counts.len())
            .map_err(|error| ServerError::Helper(error.to_string()))?;
        helper_counts.insert(team.clone(), shares);
    }
    let counts = open_counts(&shared_week, &my_counts, &helper_counts, &sums)?;
    let rules = SharedRules {
        k: organisation.k,
        histogram_minimum: settings.histogram_minimum,
        epsilon: organisation.privacy.epsilon,
    };
    let mut random = PublicationRandomness::from_os()?;
    let mine = release_shares(&shared_week, rules, &sums, &counts, &mut random)?;
    let theirs = response
        .cells
        .iter()
        .zip(&mine)
        .map(|(cell, own)| {
            Ok(UnitShares {
                key: cell.key.clone(),
                unit_id: cell.unit_id.clone(),
                with_histogram: cell.with_histogram,
                values: Share::decode_all(&from_base64(&cell.values, "values")?, own.values.len())
                    .map_err(|error| ServerError::Helper(error.to_string()))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if response.cells.len() != mine.len() {
        return Err(ServerError::Helper(
            "the helper released other cells than this server (do both hold the same k, tree and settings?)"
                .to_owned(),
        ));
    }
    let publication = combine_release(&shared_week, rules, &mine, &theirs, &counts, now)?;
    store.publish_week(&organisation.id, &publication)?;
    Ok(true)
}
