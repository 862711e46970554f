//! The app's part: a report's measurement split into two shares per cell,
//! the helper's sealed to the helper's key, all sent to the leader.

use polso_core::IsoWeek;
use prio::codec::Encode;
use prio::vdaf::Client as _;
use prio::vdaf::prio3::{Prio3Histogram, optimal_chunk_length};

use crate::layout::{Cell, WeekLayout};
use crate::seal::{self, HelperPublicKey, SealedShares};
use crate::{VdafError, frame};

/// The protocol's name and version, first in every context string.
const PROTOCOL: &[u8] = b"polso-vdaf/1";

/// The number of servers a report is split between.
const AGGREGATORS: u8 = 2;

/// A report's random identifier: the VDAF nonce, and what both servers use
/// to refuse a replay. Drawn afresh for every report; it says nothing about
/// the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportId(pub [u8; 16]);

impl ReportId {
    /// A new identifier from the operating system's random source.
    pub fn generate() -> Result<Self, VdafError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|_| VdafError::Prio("the system's random source failed".to_owned()))?;
        Ok(Self(bytes))
    }
}

/// Where a report belongs: its organisation, week and team. Every share is
/// made under it, so a share moved to another week or team fails its proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportContext {
    /// The organisation's id.
    pub organisation: String,
    /// The week reported.
    pub week: IsoWeek,
    /// The team of the device that reports.
    pub team: String,
}

impl ReportContext {
    fn prefix(&self) -> Vec<u8> {
        let week = self.week.to_string();
        let mut out = PROTOCOL.to_vec();
        out.extend(frame::join(&[self.organisation.as_bytes(), week.as_bytes(), self.team.as_bytes()]));
        out
    }

    /// The VDAF context of one cell: the protocol, the report's place and
    /// the cell's label.
    pub(crate) fn cell_context(&self, cell: &Cell) -> Vec<u8> {
        let mut out = self.prefix();
        out.extend(frame::join(&[cell.key().label()]));
        out
    }

    /// The associated data of the helper's sealed shares: the report's id,
    /// its place and its public shares.
    pub fn sealing_aad(&self, report_id: &ReportId, public_shares: &[u8]) -> Vec<u8> {
        let mut out = self.prefix();
        out.extend(frame::join(&[&report_id.0[..], public_shares]));
        out
    }
}

/// The Prio3 histogram of a cell: two aggregators, one bucket per value.
pub(crate) fn cell_vdaf(cell: &Cell) -> Result<Prio3Histogram, VdafError> {
    let length = cell.length();
    Ok(Prio3Histogram::new_histogram(AGGREGATORS, length, optimal_chunk_length(length))?)
}

/// What the app sends the leader for one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The report's random id (the nonce of every cell).
    pub report_id: ReportId,
    /// The public shares, one per cell, framed.
    pub public_shares: Vec<u8>,
    /// The leader's input shares, one per cell, framed.
    pub leader_shares: Vec<u8>,
    /// The helper's input shares, framed and sealed to the helper's key.
    pub helper_shares: SealedShares,
}

impl Upload {
    /// The upload's size in bytes on the wire, before any text encoding.
    pub fn size(&self) -> usize {
        16 + self.public_shares.len()
            + self.leader_shares.len()
            + self.helper_shares.encapsulated_key.len()
            + self.helper_shares.ciphertext.len()
    }
}

/// Shards `measurement` (one bucket per cell of `layout`) for the report
/// placed by `context`, sealing the helper's half to `helper`.
pub fn shard(
    layout: &WeekLayout,
    context: &ReportContext,
    measurement: &[usize],
    helper: &HelperPublicKey,
) -> Result<Upload, VdafError> {
    layout.check(measurement)?;
    if context.week != layout.week() {
        return Err(VdafError::Malformed {
            what: format!("a report of {} under the layout of {}", context.week, layout.week()),
        });
    }
    let report_id = ReportId::generate()?;
    let mut public_shares = Vec::with_capacity(layout.cells().len());
    let mut leader_shares = Vec::with_capacity(layout.cells().len());
    let mut helper_shares = Vec::with_capacity(layout.cells().len());
    for (cell, bucket) in layout.cells().iter().zip(measurement) {
        let vdaf = cell_vdaf(cell)?;
        let (public_share, input_shares) = vdaf.shard(&context.cell_context(cell), bucket, &report_id.0)?;
        let [leader, helper_share]: [_; 2] = input_shares
            .try_into()
            .map_err(|_| VdafError::Prio("a histogram gave other than two input shares".to_owned()))?;
        public_shares.push(encode(&public_share)?);
        leader_shares.push(encode(&leader)?);
        helper_shares.push(encode(&helper_share)?);
    }
    let public_shares = frame::join(&public_shares);
    let sealed =
        seal::seal(helper, &context.sealing_aad(&report_id, &public_shares), &frame::join(&helper_shares))?;
    Ok(Upload { report_id, public_shares, leader_shares: frame::join(&leader_shares), helper_shares: sealed })
}

pub(crate) fn encode<T: Encode>(value: &T) -> Result<Vec<u8>, VdafError> {
    value.get_encoded().map_err(|error| VdafError::Prio(error.to_string()))
}
