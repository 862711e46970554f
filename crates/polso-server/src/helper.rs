//! The helper role: the same binary, its own database and keys, held by
//! another party than the organisation. It answers only the organisation's
//! server (the leader), with the token given at pairing, and only two
//! things:
//!
//! - **verify** ([`Helper::verify`]): opens its sealed shares of each report,
//!   checks the report's proof with the leader (one round), and adds the
//!   report to its sums for the team and week, once: a replayed report id
//!   gets the same answer and is never summed again, and a team-week never
//!   holds more reports than the team's pinned head-count (reports past it
//!   are refused, so the leader cannot add reports of devices it enrolled
//!   beyond the people the pairing names);
//! - **release** ([`Helper::release`]): for a week whose collection window
//!   has closed by its own clock, when the leader holds exactly as many
//!   reports per team as it does, opens the counts with the leader and
//!   returns its noised shares of the cells its own pinned settings
//!   release (k, secondary suppression, histogram minimum, ε). A release is
//!   answered once and logged; a retry gets the same bytes, so its noise is
//!   never drawn twice.
//!
//! Everything it decides on is pinned at pairing, never taken from a
//! request: a leader that lowered k or reshaped the tree would find the
//! helper releasing other cells, and its publication refused.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use polso_core::IsoWeek;
use polso_core::anonymity::Threshold;
use polso_core::bank::ItemBank;
use polso_core::collection::CollectionWindow;
use polso_core::dp::Epsilon;
use polso_core::questionnaire::QuestionnairePlan;
use polso_core::schedule::Schedule;
use polso_vdaf::{ReportContext, ReportId, SealedShares, Share, VerifyKey, WeekShares, helper_verify};

use crate::clock::Clock;
use crate::error::{Result, ServerError};
use crate::helper_store::HelperStore;
use crate::helper_wire::{
    Pairing, ReleaseRequest, ReleaseResponse, ReleasedShares, Verdict, VerifyRequest, VerifyResponse,
};
use crate::privacy::PublicationRandomness;
use crate::secrets::hash_secret;
use crate::shared_release::{SharedRules, SharedWeek, TeamSums, count_shares, open_counts, release_shares};
use crate::store::{DepartmentNode, Organisation, OrganisationTree, PrivacySetting, TeamNode};

/// Decodes standard base64, naming the field in the error.
pub(crate) fn from_base64(text: &str, field: &str) -> Result<Vec<u8>> {
    STANDARD.decode(text).map_err(|_| ServerError::InvalidInput(format!("'{field}' is not base64")))
}

/// Encodes bytes as standard base64.
pub(crate) fn to_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

impl Pairing {
    /// The organisation's questionnaire in time.
    pub fn plan(&self) -> Result<QuestionnairePlan> {
        self.questionnaire
            .parse()
            .map_err(|error| ServerError::InvalidInput(format!("the pairing's questionnaire: {error}")))
    }

    /// The organisation's tree as pinned (ids stand for names: the helper
    /// needs no names).
    pub fn tree(&self) -> Result<OrganisationTree> {
        let k = Threshold::new(self.k)
            .map_err(|error| ServerError::InvalidInput(format!("the pairing's k: {error}")))?;
        Ok(OrganisationTree {
            organisation: Organisation {
                id: self.organisation_id.clone(),
                name: self.organisation_name.clone(),
                seed: self.seed,
                k,
                privacy: PrivacySetting { epsilon: self.epsilon()?, release: 0 },
                questionnaire: self.plan()?,
            },
            departments: self
                .departments
                .iter()
                .map(|department| DepartmentNode {
                    id: department.id.clone(),
                    name: department.id.clone(),
                    teams: department
                        .teams
                        .iter()
                        .map(|team| TeamNode {
                            id: team.id.clone(),
                            name: team.id.clone(),
                            headcount: Some(team.headcount),
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    /// ε per released cell, written as an exact ratio (`13/2`).
    fn epsilon(&self) -> Result<Option<Epsilon>> {
        let Some(text) = self.epsilon.as_deref() else { return Ok(None) };
        let refused = || {
            ServerError::InvalidInput(format!("the pairing's ε must be a ratio such as 13/2, not '{text}'"))
        };
        let (numerator, denominator) = text.split_once('/').ok_or_else(refused)?;
        let numerator: u64 = numerator.trim().parse().map_err(|_| refused())?;
        let denominator: u64 = denominator.trim().parse().map_err(|_| refused())?;
        Epsilon::from_ratio(numerator, denominator).map(Some).ok_or_else(refused)
    }

    /// The rules the helper releases under.
    pub fn rules(&self) -> Result<SharedRules> {
        Ok(SharedRules {
            k: Threshold::new(self.k)
                .map_err(|error| ServerError::InvalidInput(format!("the pairing's k: {error}")))?,
            histogram_minimum: self.histogram_minimum,
            epsilon: self.epsilon()?,
        })
    }

    /// The collection window.
    pub fn window(&self) -> CollectionWindow {
        CollectionWindow {
            announced_max_delay_seconds: self.announced_max_delay_seconds,
            acceptance_seconds: self.acceptance_seconds,
        }
    }

    /// The pinned head-count of `team`, `None` for a team not pinned.
    pub fn headcount(&self, team: &str) -> Option<u32> {
        self.departments
            .iter()
            .flat_map(|department| &department.teams)
            .find(|known| known.id == team)
            .map(|known| known.headcount)
    }

    /// The first week aggregated with the helper.
    pub fn from_week(&self) -> Result<IsoWeek> {
        Ok(self.from_week.parse()?)
    }

    /// Checks the pairing before it is pinned: every field readable, a
    /// verify key of 32 bytes, a token, teams named once.
    pub fn check(&self) -> Result<()> {
        self.tree()?;
        self.rules()?;
        self.from_week()?;
        if from_base64(&self.verify_key, "verify_key")?.len() != 32 {
            return Err(ServerError::InvalidInput("'verify_key' must be 32 bytes".to_owned()));
        }
        if self.leader_token.len() < 32 {
            return Err(ServerError::InvalidInput("'leader_token' is missing or too short".to_owned()));
        }
        let mut teams: Vec<&String> =
            self.departments.iter().flat_map(|department| &department.teams).map(|team| &team.id).collect();
        let all = teams.len();
        teams.sort();
        teams.dedup();
        if teams.len() != all {
            return Err(ServerError::InvalidInput("a team is listed twice in the pairing".to_owned()));
        }
        Ok(())
    }
}

/// The helper role over its store and clock.
pub struct Helper {
    store: HelperStore,
    clock: Arc<dyn Clock>,
    /// One verification at a time: each reads a week's sums and writes them back.
    verifying: std::sync::Mutex<()>,
}

impl std::fmt::Debug for Helper {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Helper").finish_non_exhaustive()
    }
}

/// One report of a verify request, decoded.
struct Decoded {
    report_id: [u8; 16],
    public_shares: Vec<u8>,
    sealed: SealedShares,
    leader_verifier_shares: Vec<u8>,
}

fn decode_report(report: &crate::helper_wire::ReportToVerify) -> Result<Decoded> {
    Ok(Decoded {
        report_id: from_base64(&report.report_id, "report_id")?
            .try_into()
            .map_err(|_| ServerError::InvalidInput("'report_id' must be 16 bytes".to_owned()))?,
        public_shares: from_base64(&report.public_shares, "public_shares")?,
        sealed: SealedShares {
            encapsulated_key: from_base64(&report.helper_encapsulated_key, "helper_encapsulated_key")?,
            ciphertext: from_base64(&report.helper_ciphertext, "helper_ciphertext")?,
        },
        leader_verifier_shares: from_base64(&report.leader_verifier_shares, "leader_verifier_shares")?,
    })
}

impl Helper {
    /// The helper over `store`, telling time by `clock`.
    pub fn new(store: HelperStore, clock: Arc<dyn Clock>) -> Helper {
        Helper { store, clock, verifying: std::sync::Mutex::new(()) }
    }

    /// The helper's store.
    pub fn store(&self) -> &HelperStore {
        &self.store
    }

    /// The pinned pairing of the leader holding `token`; unknown tokens are refused.
    fn pairing(&self, token: &str, organisation_id: &str) -> Result<Pairing> {
        let pairing = self
            .store
            .pairing_for_token(&hash_secret(token))?
            .ok_or(ServerError::Unauthorized("the helper does not know this token"))?;
        if pairing.organisation_id != organisation_id {
            return Err(ServerError::Unauthorized("this token is for another organisation"));
        }
        Ok(pairing)
    }

    /// Verifies reports with the leader (see the module's documentation).
    ///
    /// A condition of the whole request that may pass (the week has not
    /// ended by the helper's clock, a team the pairing does not know yet) is
    /// an error, so the leader keeps the reports and asks again; only what
    /// can never be summed is refused report by report.
    pub fn verify(&self, token: &str, request: &VerifyRequest) -> Result<VerifyResponse> {
        let _one_at_a_time = self.verifying.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let pairing = self.pairing(token, &request.organisation_id)?;
        let week: IsoWeek = request.week.parse()?;
        let (_, keys) = self.store.identity()?.ok_or_else(|| {
            ServerError::InvalidInput("this helper has no key yet (`helper-init`)".to_owned())
        })?;
        let refuse_all = |reason: String| VerifyResponse {
            verdicts: request.reports.iter().map(|_| Verdict::Rejected { reason: reason.clone() }).collect(),
        };
        if week < pairing.from_week()? {
            return Err(ServerError::InvalidInput(format!(
                "{week} is before this organisation's two-server weeks ({})",
                pairing.from_week
            )));
        }
        if week >= IsoWeek::containing(self.clock.now().date_naive()) {
            return Err(ServerError::InvalidInput(format!(
                "{week} has not ended by the helper's clock; ask again once it has"
            )));
        }
        if let Some(unknown) =
            request.reports.iter().find(|report| !self.knows_team(&pairing, &report.team_id))
        {
            return Err(ServerError::InvalidInput(format!(
                "team '{}' is not in the pinned pairing: pair the helper again (`link-helper`, `helper-pair`)",
                unknown.team_id
            )));
        }
        if self.store.release(&pairing.organisation_id, week)?.is_some() {
            return Ok(refuse_all(format!("{week} is already released")));
        }
        let tree = pairing.tree()?;
        let schedule = Schedule::with_plan(ItemBank::embedded(), pairing.seed, &pairing.plan()?);
        let shared_week = SharedWeek::new(&tree, &schedule, week)?;
        let layout = shared_week.layout();
        let verify_key = VerifyKey::from_bytes(&from_base64(&pairing.verify_key, "verify_key")?)
            .map_err(|_| ServerError::CorruptData("the pinned verify key".to_owned()))?;

        let mut sums: BTreeMap<String, WeekShares> = BTreeMap::new();
        for (team, bytes) in self.store.sums(&pairing.organisation_id, week)? {
            let shares = WeekShares::from_bytes(layout, &bytes)
                .map_err(|_| ServerError::CorruptData(format!("the helper's sums of {team}")))?;
            sums.insert(team, shares);
        }
        let mut verified_now: Vec<([u8; 16], String, Vec<u8>)> = Vec::new();
        let mut touched: Vec<String> = Vec::new();
        let mut verdicts = Vec::with_capacity(request.reports.len());
        for report in &request.reports {
            let verdict = match decode_report(report) {
                Err(error) => Verdict::Rejected { reason: error.to_string() },
                Ok(decoded) => {
                    let before = match self.store.verified(&decoded.report_id)? {
                        Some(before) => Some(before),
                        None => verified_now.iter().find(|(id, _, _)| *id == decoded.report_id).map(
                            |(_, team, messages)| crate::helper_store::VerifiedBefore {
                                organisation_id: pairing.organisation_id.clone(),
                                week,
                                team_id: team.clone(),
                                messages: messages.clone(),
                            },
                        ),
                    };
                    match before {
                        Some(before)
                            if before.organisation_id == pairing.organisation_id
                                && before.week == week
                                && before.team_id == report.team_id =>
                        {
                            // A retry: the same answer, summed once.
                            Verdict::Verified { messages: to_base64(&before.messages) }
                        }
                        Some(_) => Verdict::Rejected {
                            reason: "this report id was used for another report".to_owned(),
                        },
                        None => {
                            let context = ReportContext {
                                organisation: pairing.organisation_id.clone(),
                                week,
                                team: report.team_id.clone(),
                            };
                            match helper_verify(
                                layout,
                                &context,
                                &verify_key,
                                &keys,
                                ReportId(decoded.report_id),
                                &decoded.public_shares,
                                &decoded.sealed,
                                &decoded.leader_verifier_shares,
                            ) {
                                Err(error) => Verdict::Rejected { reason: error.to_string() },
                                Ok((outputs, reply)) => {
                                    let team_sums = match sums.entry(report.team_id.clone()) {
                                        std::collections::btree_map::Entry::Occupied(entry) => {
                                            entry.into_mut()
                                        }
                                        std::collections::btree_map::Entry::Vacant(entry) => {
                                            entry.insert(WeekShares::new(layout).map_err(|error| {
                                                ServerError::InvalidInput(error.to_string())
                                            })?)
                                        }
                                    };
                                    // One report per person: never more reports of a team-week
                                    // than its pinned head-count, whoever sent them (reports the
                                    // leader would make up of devices it enrolled itself).
                                    let headcount = pairing.headcount(&report.team_id).unwrap_or(0);
                                    if team_sums.reports() >= u64::from(headcount) {
                                        verdicts.push(Verdict::Rejected {
                                            reason: format!(
                                                "team '{}' already has {} verified reports of {week}, its pinned head-count",
                                                report.team_id,
                                                team_sums.reports()
                                            ),
                                        });
                                        continue;
                                    }
                                    team_sums
                                        .accumulate(&outputs)
                                        .map_err(|error| ServerError::InvalidInput(error.to_string()))?;
                                    if !touched.contains(&report.team_id) {
                                        touched.push(report.team_id.clone());
                                    }
                                    verified_now.push((
                                        decoded.report_id,
                                        report.team_id.clone(),
                                        reply.messages.clone(),
                                    ));
                                    Verdict::Verified { messages: to_base64(&reply.messages) }
                                }
                            }
                        }
                    }
                }
            };
            verdicts.push(verdict);
        }
        let new_sums = touched
            .iter()
            .map(|team| {
                let bytes =
                    sums[team].to_bytes().map_err(|error| ServerError::InvalidInput(error.to_string()))?;
                Ok((team.clone(), bytes))
            })
            .collect::<Result<Vec<_>>>()?;
        if !verified_now.is_empty() {
            self.store.record_verified(&pairing.organisation_id, week, &verified_now, &new_sums)?;
        }
        Ok(VerifyResponse { verdicts })
    }

    fn knows_team(&self, pairing: &Pairing, team: &str) -> bool {
        pairing.headcount(team).is_some()
    }

    /// Releases a week with the leader (see the module's documentation).
    pub fn release(&self, token: &str, request: &ReleaseRequest) -> Result<ReleaseResponse> {
        let pairing = self.pairing(token, &request.organisation_id)?;
        let week: IsoWeek = request.week.parse()?;
        if let Some(answered) = self.store.release(&pairing.organisation_id, week)? {
            return serde_json::from_str(&answered)
                .map_err(|_| ServerError::CorruptData(format!("the helper's release of {week}")));
        }
        let now = self.clock.now();
        if week < pairing.from_week()? {
            return Err(ServerError::InvalidInput(format!(
                "{week} is before this organisation's two-server weeks"
            )));
        }
        if week > pairing.window().last_publishable_week(now) {
            return Err(ServerError::WeekNotOpen { week: week.to_string(), server_time: now });
        }
        let tree = pairing.tree()?;
        let schedule = Schedule::with_plan(ItemBank::embedded(), pairing.seed, &pairing.plan()?);
        let shared_week = SharedWeek::new(&tree, &schedule, week)?;
        let layout = shared_week.layout();
        let mut sums: TeamSums = BTreeMap::new();
        for (team, bytes) in self.store.sums(&pairing.organisation_id, week)? {
            let shares = WeekShares::from_bytes(layout, &bytes)
                .map_err(|_| ServerError::CorruptData(format!("the helper's sums of {team}")))?;
            sums.insert(team, shares);
        }
        let mine: BTreeMap<String, u64> =
            sums.iter().map(|(team, shares)| (team.clone(), shares.reports())).collect();
        let theirs: BTreeMap<String, u64> = request
            .reports_per_team
            .iter()
            .filter(|(_, count)| **count > 0)
            .map(|(team, count)| (team.clone(), *count))
            .collect();
        if mine != theirs {
            return Err(ServerError::InvalidInput(format!(
                "the leader and the helper hold different reports for {week}: verify the pending reports first"
            )));
        }
        let my_counts = count_shares(&shared_week, &sums);
        let mut leader_counts = BTreeMap::new();
        for (team, counts) in &my_counts {
            let text = request.count_shares.get(team).ok_or_else(|| {
                ServerError::InvalidInput(format!("the leader sent no counts of team '{team}'"))
            })?;
            let shares = Share::decode_all(&from_base64(text, "count_shares")?, counts.len())
                .map_err(|error| ServerError::InvalidInput(error.to_string()))?;
            leader_counts.insert(team.clone(), shares);
        }
        let counts = open_counts(&shared_week, &my_counts, &leader_counts, &sums)?;
        let rules = pairing.rules()?;
        let mut random = PublicationRandomness::from_os()?;
        let cells = release_shares(&shared_week, rules, &sums, &counts, &mut random)?;
        let response = ReleaseResponse {
            count_shares: my_counts
                .iter()
                .map(|(team, shares)| (team.clone(), to_base64(&Share::encode_all(shares))))
                .collect(),
            cells: cells
                .iter()
                .map(|cell| ReleasedShares {
                    key: cell.key.clone(),
                    unit_id: cell.unit_id.clone(),
                    with_histogram: cell.with_histogram,
                    values: to_base64(&Share::encode_all(&cell.values)),
                })
                .collect(),
        };
        let reports: u64 = mine.values().sum();
        let summary = format!(
            "{week}: {} cells released from {reports} reports of {} teams, under k = {}, histogram minimum {}, {}",
            cells.len(),
            mine.len(),
            rules.k.get(),
            rules.histogram_minimum.max(2 * rules.k.get()),
            match rules.epsilon {
                Some(epsilon) => format!("ε = {epsilon} per cell (this helper's own noise)"),
                None => "no differential privacy".to_owned(),
            }
        );
        let text = serde_json::to_string(&response)
            .map_err(|error| ServerError::InvalidInput(format!("the release: {error}")))?;
        self.store.record_release(&pairing.organisation_id, week, now, &summary, &text)?;
        Ok(response)
    }
}
