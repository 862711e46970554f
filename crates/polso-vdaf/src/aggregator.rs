//! The servers' part: verifying a report together, summing output shares,
//! and releasing figures from two shares.
//!
//! One round per report (Prio3 needs no more):
//!
//! 1. The leader starts verification with its input shares
//!    ([`LeaderPending::start`]) and sends the helper its verifier shares,
//!    with the report's public shares and the helper's sealed shares.
//! 2. The helper opens its shares, starts verification, combines both
//!    verifier shares into the verifier messages (this is where a report
//!    whose proof fails is refused), finishes, and replies with the messages
//!    ([`helper_verify`]).
//! 3. The leader finishes with the messages ([`LeaderPending::finish`]).
//!
//! Each server then adds the report's output shares into its sums for the
//! team and week ([`WeekShares`]), and at release turns them into its share
//! of the figures ([`WeekShares::figure_shares`]); the two shares of a
//! figure add up to it ([`combine`]), and neither says anything alone.
//!
//! Replays, the week's schedule and the k rule are the servers' to enforce:
//! this module only proves and sums.

use prio::codec::{Decode, Encode, ParameterizedDecode};
use prio::field::{Field128, FieldElement, FieldElementWithInteger};
use prio::vdaf::prio3::{Prio3Histogram, Prio3InputShare, Prio3PublicShare, Prio3VerifyState};
use prio::vdaf::{Aggregatable, AggregateShare, Aggregator as _, OutputShare, VerifyTransition};

use crate::client::{ReportId, cell_vdaf, encode};
use crate::layout::{CellFigures, WeekLayout};
use crate::seal::{self, HelperKeyPair, SealedShares};
use crate::{ReportContext, VdafError, frame};

/// The secret both servers verify with, unknown to every app: with it an app
/// could make an invalid report pass. Fixed before the first report.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyKey([u8; 32]);

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("VerifyKey(..)")
    }
}

impl VerifyKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<Self, VdafError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|_| VdafError::Prio("the system's random source failed".to_owned()))?;
        Ok(Self(bytes))
    }

    /// The key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VdafError> {
        Ok(Self(bytes.try_into().map_err(|_| VdafError::Key("the verify key (32 bytes)"))?))
    }

    /// Its 32 bytes, for the server's own store.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

type Vdaf = Prio3Histogram;
type VerifyState = Prio3VerifyState<Field128, 32>;

fn malformed(what: &str) -> VdafError {
    VdafError::Malformed { what: what.to_owned() }
}

fn decode_with<P, T: ParameterizedDecode<P>>(param: &P, bytes: &[u8], what: &str) -> Result<T, VdafError> {
    T::get_decoded_with_param(param, bytes).map_err(|_| malformed(what))
}

/// One report's output shares, one per cell: what a server adds to its sums.
#[derive(Debug, Clone)]
pub struct CellShares(Vec<OutputShare<Field128>>);

/// The leader's verification of one report, between its start and the
/// helper's reply.
#[derive(Debug)]
pub struct LeaderPending {
    report_id: ReportId,
    states: Vec<VerifyState>,
}

impl LeaderPending {
    /// Starts verifying `upload`'s leader shares; returns the pending state
    /// and the leader's verifier shares for the helper (framed, one per
    /// cell).
    pub fn start(
        layout: &WeekLayout,
        context: &ReportContext,
        verify_key: &VerifyKey,
        report_id: ReportId,
        public_shares: &[u8],
        leader_shares: &[u8],
    ) -> Result<(Self, Vec<u8>), VdafError> {
        let cells = layout.cells();
        let publics = frame::split(public_shares, cells.len(), "the public shares")?;
        let inputs = frame::split(leader_shares, cells.len(), "the leader's input shares")?;
        let mut states = Vec::with_capacity(cells.len());
        let mut verifier_shares = Vec::with_capacity(cells.len());
        for ((cell, public), input) in cells.iter().zip(publics).zip(inputs) {
            let vdaf = cell_vdaf(cell)?;
            let public: Prio3PublicShare<32> = decode_with(&vdaf, public, "a public share")?;
            let input: Prio3InputShare<Field128, 32> =
                decode_with(&(&vdaf, 0), input, "the leader's input share")?;
            let (state, share) = vdaf
                .verify_init(
                    &verify_key.0,
                    &context.cell_context(cell),
                    0,
                    &(),
                    &report_id.0,
                    &public,
                    &input,
                )
                .map_err(|_| VdafError::Invalid { cell: cell.key().label() })?;
            verifier_shares.push(encode(&share)?);
            states.push(state);
        }
        Ok((Self { report_id, states }, frame::join(&verifier_shares)))
    }

    /// The report being verified.
    pub fn report_id(&self) -> ReportId {
        self.report_id
    }

    /// Finishes with the helper's reply: the leader's output shares.
    pub fn finish(
        self,
        layout: &WeekLayout,
        context: &ReportContext,
        reply: &HelperReply,
    ) -> Result<CellShares, VdafError> {
        let cells = layout.cells();
        let messages = frame::split(&reply.messages, cells.len(), "the verifier messages")?;
        let mut outputs = Vec::with_capacity(cells.len());
        for ((cell, state), message) in cells.iter().zip(self.states).zip(messages) {
            let vdaf = cell_vdaf(cell)?;
            let message = decode_with(&state, message, "a verifier message")?;
            outputs.push(finish_cell(
                &vdaf,
                &context.cell_context(cell),
                state,
                message,
                cell.key().label(),
            )?);
        }
        Ok(CellShares(outputs))
    }
}

fn finish_cell(
    vdaf: &Vdaf,
    ctx: &[u8],
    state: VerifyState,
    message: <Vdaf as prio::vdaf::Aggregator<32, 16>>::VerifierMessage,
    label: String,
) -> Result<OutputShare<Field128>, VdafError> {
    match vdaf.verify_next(ctx, state, message) {
        Ok(VerifyTransition::Finish(output)) => Ok(output),
        _ => Err(VdafError::Invalid { cell: label }),
    }
}

/// The helper's answer for one report: the verifier messages, framed, one
/// per cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperReply {
    /// The verifier messages.
    pub messages: Vec<u8>,
}

/// The helper's part for one report: opens its sealed shares, verifies the
/// report with the leader's verifier shares, and returns its output shares
/// and the reply for the leader. Fails, keeping nothing, if the shares were
/// tampered with or moved, or if any cell's proof fails.
#[allow(clippy::too_many_arguments)]
pub fn helper_verify(
    layout: &WeekLayout,
    context: &ReportContext,
    verify_key: &VerifyKey,
    keys: &HelperKeyPair,
    report_id: ReportId,
    public_shares: &[u8],
    sealed: &SealedShares,
    leader_verifier_shares: &[u8],
) -> Result<(CellShares, HelperReply), VdafError> {
    let cells = layout.cells();
    let opened = seal::open(keys, &context.sealing_aad(&report_id, public_shares), sealed)?;
    let inputs = frame::split(&opened, cells.len(), "the helper's input shares")?;
    let publics = frame::split(public_shares, cells.len(), "the public shares")?;
    let leader_shares = frame::split(leader_verifier_shares, cells.len(), "the leader's verifier shares")?;
    let mut outputs = Vec::with_capacity(cells.len());
    let mut messages = Vec::with_capacity(cells.len());
    for (((cell, public), input), leader_share) in cells.iter().zip(publics).zip(inputs).zip(leader_shares) {
        let vdaf = cell_vdaf(cell)?;
        let ctx = context.cell_context(cell);
        let invalid = || VdafError::Invalid { cell: cell.key().label() };
        let public: Prio3PublicShare<32> = decode_with(&vdaf, public, "a public share")?;
        let input: Prio3InputShare<Field128, 32> =
            decode_with(&(&vdaf, 1), input, "the helper's input share")?;
        let (state, own_share) = vdaf
            .verify_init(&verify_key.0, &ctx, 1, &(), &report_id.0, &public, &input)
            .map_err(|_| invalid())?;
        let leader_share = decode_with(&state, leader_share, "the leader's verifier share")?;
        let message =
            vdaf.verifier_shares_to_message(&ctx, &(), [leader_share, own_share]).map_err(|_| invalid())?;
        messages.push(encode(&message)?);
        outputs.push(finish_cell(&vdaf, &ctx, state, message, cell.key().label())?);
    }
    Ok((CellShares(outputs), HelperReply { messages: frame::join(&messages) }))
}

/// A server's sums for one team (or unit) and week: one aggregate share per
/// cell, and how many reports went in.
#[derive(Debug, Clone)]
pub struct WeekShares {
    cells: Vec<AggregateShare<Field128>>,
    reports: u64,
}

impl WeekShares {
    /// Empty sums for `layout`.
    pub fn new(layout: &WeekLayout) -> Result<Self, VdafError> {
        let cells = layout
            .cells()
            .iter()
            .map(|cell| Ok(cell_vdaf(cell)?.aggregate_init(&())))
            .collect::<Result<_, VdafError>>()?;
        Ok(Self { cells, reports: 0 })
    }

    /// Adds one verified report.
    pub fn accumulate(&mut self, report: &CellShares) -> Result<(), VdafError> {
        if report.0.len() != self.cells.len() {
            return Err(malformed("a report's output shares"));
        }
        for (sum, output) in self.cells.iter_mut().zip(&report.0) {
            sum.accumulate(output)?;
        }
        self.reports += 1;
        Ok(())
    }

    /// Adds another unit's sums of the same week (a department is the sum
    /// of its teams).
    pub fn merge(&mut self, other: &Self) -> Result<(), VdafError> {
        if other.cells.len() != self.cells.len() {
            return Err(malformed("the sums of another layout"));
        }
        for (sum, more) in self.cells.iter_mut().zip(&other.cells) {
            sum.merge(more)?;
        }
        self.reports += other.reports;
        Ok(())
    }

    /// How many reports the sums hold.
    pub fn reports(&self) -> u64 {
        self.reports
    }

    /// The sums as bytes, for the server's store.
    pub fn to_bytes(&self) -> Result<Vec<u8>, VdafError> {
        let mut items = vec![self.reports.to_be_bytes().to_vec()];
        for cell in &self.cells {
            items.push(encode(cell)?);
        }
        Ok(frame::join(&items))
    }

    /// The sums from [`WeekShares::to_bytes`], read against `layout`.
    pub fn from_bytes(layout: &WeekLayout, bytes: &[u8]) -> Result<Self, VdafError> {
        let items = frame::split(bytes, layout.cells().len() + 1, "stored sums")?;
        let reports =
            u64::from_be_bytes(items[0].try_into().map_err(|_| malformed("the stored report count"))?);
        let mut cells = Vec::with_capacity(layout.cells().len());
        for (cell, bytes) in layout.cells().iter().zip(&items[1..]) {
            let vdaf = cell_vdaf(cell)?;
            cells.push(decode_with(&(&vdaf, &()), bytes, "a stored sum")?);
        }
        Ok(Self { cells, reports })
    }

    /// This server's share of every cell's released figures ([`crate::Cell::derive`]),
    /// framed, one list per cell. Alone it is uniformly random.
    pub fn figure_shares(&self, layout: &WeekLayout) -> Result<Vec<u8>, VdafError> {
        let mut per_cell = Vec::with_capacity(self.cells.len());
        for (cell, sum) in layout.cells().iter().zip(&self.cells) {
            let buckets: Vec<Element> = sum.as_ref().iter().copied().map(Element).collect();
            let mut bytes = Vec::new();
            for Element(value) in cell.derive(&buckets) {
                value.encode(&mut bytes).map_err(|error| VdafError::Prio(error.to_string()))?;
            }
            per_cell.push(bytes);
        }
        Ok(frame::join(&per_cell))
    }
}

/// Adds the leader's and the helper's figure shares
/// ([`WeekShares::figure_shares`]) and reads each figure as a signed whole
/// number: the cells' released figures.
pub fn combine(layout: &WeekLayout, leader: &[u8], helper: &[u8]) -> Result<Vec<CellFigures>, VdafError> {
    let cells = layout.cells();
    let leader = frame::split(leader, cells.len(), "the leader's figure shares")?;
    let helper = frame::split(helper, cells.len(), "the helper's figure shares")?;
    let modulus = Field128::modulus();
    let mut figures = Vec::with_capacity(cells.len());
    for ((cell, leader), helper) in cells.iter().zip(leader).zip(helper) {
        let expected = cell.derived_length() * Field128::ENCODED_SIZE;
        if leader.len() != expected || helper.len() != expected {
            return Err(malformed("a cell's figure shares"));
        }
        let mut values = Vec::with_capacity(cell.derived_length());
        for (left, right) in leader.chunks(Field128::ENCODED_SIZE).zip(helper.chunks(Field128::ENCODED_SIZE))
        {
            let left = Field128::get_decoded(left).map_err(|_| malformed("a figure share"))?;
            let right = Field128::get_decoded(right).map_err(|_| malformed("a figure share"))?;
            let value = u128::from(left + right);
            // Values above p/2 are negative: noise may take a small count below zero.
            let signed = if value > modulus / 2 { -((modulus - value) as i128) } else { value as i128 };
            values.push(i64::try_from(signed).map_err(|_| malformed("a figure out of range"))?);
        }
        figures.push(cell.figures(&values));
    }
    Ok(figures)
}

/// A field element with the operations [`crate::Cell::derive`] needs.
#[derive(Debug, Clone, Copy)]
struct Element(Field128);

impl std::ops::Add for Element {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self(self.0 + other.0)
    }
}

impl std::ops::Mul for Element {
    type Output = Self;
    fn mul(self, other: Self) -> Self {
        Self(self.0 * other.0)
    }
}

impl From<u32> for Element {
    fn from(value: u32) -> Self {
        Self(Field128::from(u128::from(value)))
    }
}
