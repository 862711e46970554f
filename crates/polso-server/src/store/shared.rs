//! What the organisation's server (the leader) stores for two-server
//! aggregation: its link to the helper, reports received as shares and not
//! yet verified, and its sums of verified shares. None of it is a report:
//! a leader share alone is uniformly random, and the helper's shares are
//! sealed to the helper.

use polso_core::IsoWeek;

use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::store::FoldOutcome;

/// An organisation's helper, as the leader knows it.
#[derive(Clone, PartialEq, Eq)]
pub struct HelperLink {
    /// The helper's base address, such as `https://helper.example:8443`.
    pub url: String,
    /// Who holds the helper, shown to employees.
    pub party: String,
    /// The helper's HPKE public key (32 bytes), which devices pin.
    pub public_key: Vec<u8>,
    /// The secret both servers verify proofs with.
    pub verify_key: Vec<u8>,
    /// The leader's bearer token at the helper.
    pub token: String,
    /// The first week aggregated with the helper.
    pub from_week: IsoWeek,
}

impl std::fmt::Debug for HelperLink {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("HelperLink")
            .field("url", &self.url)
            .field("party", &self.party)
            .field("from_week", &self.from_week)
            .finish_non_exhaustive()
    }
}

/// A report received as shares, waiting for the helper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingShared {
    /// The report's random id.
    pub report_id: [u8; 16],
    /// Its organisation.
    pub organisation_id: String,
    /// The team of the device that sent it.
    pub team_id: String,
    /// Its week.
    pub week: IsoWeek,
    /// The public shares, framed per cell.
    pub public_shares: Vec<u8>,
    /// The leader's input shares, framed per cell.
    pub leader_shares: Vec<u8>,
    /// The helper's encapsulated key.
    pub helper_encapsulated_key: Vec<u8>,
    /// The helper's sealed input shares.
    pub helper_ciphertext: Vec<u8>,
}

/// Why a report whose id was received before is refused (its receipt is new).
pub(crate) fn report_id_taken() -> ServerError {
    ServerError::InvalidInput(
        "a report with this id was already received; every report draws a new one".to_owned(),
    )
}

/// A pending report's stored id, which must be 16 bytes.
pub(crate) fn stored_report_id(bytes: Vec<u8>) -> Result<[u8; 16]> {
    bytes.try_into().map_err(|_| ServerError::CorruptData("a pending report's id is not 16 bytes".to_owned()))
}

/// The leader's storage for two-server aggregation.
pub trait SharedStore: Send + Sync {
    /// The organisation's helper, if it aggregates with one.
    fn helper_link(&self, organisation_id: &str) -> Result<Option<HelperLink>>;

    /// Links the organisation to a helper (replacing an earlier link).
    fn set_helper_link(&self, organisation_id: &str, link: &HelperLink) -> Result<()>;

    /// Records the receipt (one report per device and week) and keeps the
    /// report's shares until the helper has verified them, in one
    /// transaction. A receipt already recorded is
    /// [`FoldOutcome::AlreadyCounted`] and nothing changes; a week already
    /// published is `WeekPublished`.
    fn accept_shared_report(&self, receipt: &Hash32, report: &PendingShared) -> Result<FoldOutcome>;

    /// Up to `limit` reports waiting for the helper, oldest week first.
    fn pending_shared(&self, organisation_id: &str, limit: usize) -> Result<Vec<PendingShared>>;

    /// How many reports of `week` wait for the helper.
    fn pending_shared_count(&self, organisation_id: &str, week: IsoWeek) -> Result<usize>;

    /// The leader's sums of `week`, per team (`polso_vdaf::WeekShares` bytes).
    fn shared_sums(&self, organisation_id: &str, week: IsoWeek) -> Result<Vec<(String, Vec<u8>)>>;

    /// In one transaction: removes the reports the helper answered for
    /// (`settled`) from the pending ones, and stores the new sums of the
    /// teams they were folded into (team, week, sums).
    fn settle_shared(&self, settled: &[[u8; 16]], sums: &[(String, IsoWeek, Vec<u8>)]) -> Result<()>;
}
