//! Two-server aggregation of weekly reports: each report is split into two
//! secret shares, one for the organisation's server (the leader) and one for
//! a helper held by the employees' representatives, so that neither server
//! alone learns anything about one report, and together they learn only the
//! figures they agree to release.
//!
//! - [`layout`]: what a week's report contributes, as one-hot histograms
//!   over exact values, one per cell, from the organisation's schedule.
//! - [`client`]: the app shards a report (Prio3, the `prio` crate) and seals
//!   the helper's shares to the helper's key ([`seal`], HPKE).
//! - [`aggregator`]: leader and helper verify each report together in one
//!   round (the proof that every cell has exactly one bucket lit), sum their
//!   output shares per team and week, and turn their sums into shares of the
//!   released figures, which add up to the plain figures.
//!
//! Nothing here stores or sends anything: the servers decide where shares
//! live, when a week is released, and the k rule.

pub mod aggregator;
pub mod client;
mod frame;
pub mod layout;
pub mod seal;
pub mod wire;

pub use aggregator::{
    CellShares, HelperReply, LeaderPending, Share, VerifyKey, WeekShares, combine, helper_verify,
};
pub use client::{ReportContext, ReportId, Upload, shard};
pub use layout::{Cell, CellFigures, CellKey, FigureParts, LayoutError, Measurement, SumScale, WeekLayout};
pub use seal::{HelperKeyPair, HelperPublicKey, SealedShares};
pub use wire::{from_wire, to_wire};

/// Why a share, a key or a message is refused. None of them says anything
/// about the report's values.
#[derive(Debug, thiserror::Error)]
pub enum VdafError {
    /// The measurement does not fit the week's layout.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// A key is malformed.
    #[error("{0} is malformed")]
    Key(&'static str),
    /// The helper's shares could not be sealed.
    #[error("the helper's shares could not be sealed")]
    Seal,
    /// The helper's shares could not be opened: tampered with, sealed to
    /// another key, or moved to another report, week or team.
    #[error("the helper's shares could not be opened (tampered with, or not this report's)")]
    Open,
    /// A share or message is not well formed for its cell.
    #[error("a share of {what} is malformed")]
    Malformed {
        /// What was being read.
        what: String,
    },
    /// The report's proof failed: a cell has not exactly one bucket lit, a
    /// share was altered, or it was made for another week, team or cell.
    #[error("the report's proof did not verify in cell {cell}")]
    Invalid {
        /// The cell's label.
        cell: String,
    },
    /// The prio crate refused an operation.
    #[error("prio: {0}")]
    Prio(String),
}

impl From<prio::vdaf::VdafError> for VdafError {
    fn from(error: prio::vdaf::VdafError) -> Self {
        Self::Prio(error.to_string())
    }
}
