//! What the organisation's server (the leader) and its helper say to each
//! other, as JSON over HTTPS with the leader's bearer token. Byte fields are
//! standard base64. Neither side ever sends a report: only shares, proofs'
//! messages, counts and noised figures.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One report for the helper to verify: where the leader says it belongs,
/// its public shares, the helper's sealed shares, and the leader's verifier
/// shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportToVerify {
    /// The report's random id (16 bytes).
    pub report_id: String,
    /// The team of the device that sent it.
    pub team_id: String,
    /// The public shares.
    pub public_shares: String,
    /// The helper's encapsulated key.
    pub helper_encapsulated_key: String,
    /// The helper's sealed input shares.
    pub helper_ciphertext: String,
    /// The leader's verifier shares.
    pub leader_verifier_shares: String,
}

/// `POST /helper/v1/verify`: reports of one organisation and week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The organisation.
    pub organisation_id: String,
    /// The week.
    pub week: String,
    /// The reports.
    pub reports: Vec<ReportToVerify>,
}

/// The helper's verdict on one report, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case", deny_unknown_fields)]
pub enum Verdict {
    /// The proof held and the helper added the report to its sums (now or
    /// on an earlier request with the same report): finish with these
    /// verifier messages.
    Verified {
        /// The verifier messages.
        messages: String,
    },
    /// Refused; nothing was added. The reason names no value.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// The helper's answer to a [`VerifyRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyResponse {
    /// One verdict per report, in order.
    pub verdicts: Vec<Verdict>,
}

/// `POST /helper/v1/release`: publish one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// The organisation.
    pub organisation_id: String,
    /// The week.
    pub week: String,
    /// How many verified reports the leader holds for each team.
    pub reports_per_team: BTreeMap<String, u64>,
    /// The leader's shares of each team's counts.
    pub count_shares: BTreeMap<String, String>,
}

/// One released cell's shares from the helper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleasedShares {
    /// The key, as clients name it.
    pub key: String,
    /// The unit.
    pub unit_id: String,
    /// Whether the sd and histogram are released.
    pub with_histogram: bool,
    /// The helper's (noised) shares of the cell's figures.
    pub values: String,
}

/// The helper's answer to a [`ReleaseRequest`]; the same bytes on every
/// retry, so its noise is drawn once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseResponse {
    /// The helper's shares of each team's counts.
    pub count_shares: BTreeMap<String, String>,
    /// Its shares of every cell it agreed to release.
    pub cells: Vec<ReleasedShares>,
}

/// What the leader's administrator gives the helper's to pair them
/// (`polso-server link-helper` writes it, `polso-server helper-pair` reads
/// it): everything the helper pins to decide releases on its own.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pairing {
    /// The organisation's id.
    pub organisation_id: String,
    /// Its name.
    pub organisation_name: String,
    /// Its schedule seed.
    pub seed: u64,
    /// Its questionnaire in time (`QuestionnairePlan`'s text form).
    pub questionnaire: String,
    /// Its k.
    pub k: u32,
    /// The histogram minimum (raised to 2k by both).
    pub histogram_minimum: u32,
    /// ε per released cell as an exact ratio (`13/2`), or none.
    pub epsilon: Option<String>,
    /// The first week aggregated with the helper.
    pub from_week: String,
    /// Seconds after a week's end that devices may wait before sending.
    pub announced_max_delay_seconds: u32,
    /// Seconds after a week's end that its reports are accepted.
    pub acceptance_seconds: u32,
    /// Departments with their teams' ids.
    pub departments: Vec<PairedDepartment>,
    /// The verify key both servers share (32 bytes).
    pub verify_key: String,
    /// The leader's bearer token at the helper (the helper keeps its hash).
    pub leader_token: String,
}

impl std::fmt::Debug for Pairing {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Pairing")
            .field("organisation_id", &self.organisation_id)
            .field("k", &self.k)
            .field("from_week", &self.from_week)
            .finish_non_exhaustive()
    }
}

/// A department and its teams, as the helper pins them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairedDepartment {
    /// The department's id.
    pub id: String,
    /// Its teams.
    pub teams: Vec<PairedTeam>,
}

/// A team as the helper pins it: its id and its declared head-count, the
/// most reports of one week the helper verifies for it (0 while the
/// organisation has declared none: no device can enrol then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairedTeam {
    /// The team's id.
    pub id: String,
    /// Its declared head-count.
    pub headcount: u32,
}
