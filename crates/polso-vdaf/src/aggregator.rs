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

    /// This server's share of every cell's figures ([`crate::Cell::derive`]),
    /// one list per cell. Alone each is uniformly random; with the other
    /// server's it gives the figure ([`Share::reveal`]).
    pub fn cell_shares(&self, layout: &WeekLayout) -> Vec<Vec<Share>> {
        layout
            .cells()
            .iter()
            .zip(&self.cells)
            .map(|(cell, sum)| {
                let buckets: Vec<Share> = sum.as_ref().iter().copied().map(Share).collect();
                cell.derive(&buckets)
            })
            .collect()
    }

    /// [`WeekShares::cell_shares`] as bytes, framed, one list per cell.
    pub fn figure_shares(&self, layout: &WeekLayout) -> Result<Vec<u8>, VdafError> {
        let per_cell: Vec<Vec<u8>> =
            self.cell_shares(layout).iter().map(|shares| Share::encode_all(shares)).collect();
        Ok(frame::join(&per_cell))
    }
}

/// Adds the leader's and the helper's figure shares
/// ([`WeekShares::figure_shares`]) and reads each figure as a signed whole
/// number: the cells' figures.
pub fn combine(layout: &WeekLayout, leader: &[u8], helper: &[u8]) -> Result<Vec<CellFigures>, VdafError> {
    let cells = layout.cells();
    let leader = frame::split(leader, cells.len(), "the leader's figure shares")?;
    let helper = frame::split(helper, cells.len(), "the helper's figure shares")?;
    let mut figures = Vec::with_capacity(cells.len());
    for ((cell, leader), helper) in cells.iter().zip(leader).zip(helper) {
        let leader = Share::decode_all(leader, cell.derived_length())?;
        let helper = Share::decode_all(helper, cell.derived_length())?;
        let values = leader
            .iter()
            .zip(&helper)
            .map(|(left, right)| Share::reveal(*left, *right))
            .collect::<Result<Vec<_>, _>>()?;
        figures.push(cell.figures(&values));
    }
    Ok(figures)
}

/// One server's additive share of a whole number (an element of Prio3's
/// 128-bit field): uniformly random alone; the sum of both servers' shares
/// is the number. Shares add, and scale or shift by public whole numbers, so
/// each server computes its share of any linear figure (a department's
/// count, a centred sum) and adds its own noise without talking to the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share(Field128);

impl Share {
    /// The bytes of one share.
    pub const LEN: usize = Field128::ENCODED_SIZE;

    /// A share of zero, as one server holds for the other's number.
    pub fn zero() -> Self {
        Self(Field128::zero())
    }

    /// The share of a public whole number held by one server (the other holds zero).
    pub fn public(value: i64) -> Self {
        Self::zero().plus(value)
    }

    /// This share plus the public whole number `value` (such as noise).
    #[must_use]
    pub fn plus(self, value: i64) -> Self {
        let magnitude = Field128::from(u128::from(value.unsigned_abs()));
        if value < 0 { Self(self.0 - magnitude) } else { Self(self.0 + magnitude) }
    }

    /// This share times the public whole number `factor`.
    #[must_use]
    pub fn times(self, factor: i64) -> Self {
        let magnitude = Field128::from(u128::from(factor.unsigned_abs()));
        let product = self.0 * magnitude;
        if factor < 0 { Self(-product) } else { Self(product) }
    }

    /// The number two shares stand for, read as signed: values above half
    /// the field's modulus are negative (noise may take a count below zero).
    /// Refuses a number beyond ±2⁶³, which no figure reaches: two shares
    /// that give one were not of the same number.
    pub fn reveal(left: Self, right: Self) -> Result<i64, VdafError> {
        let modulus = Field128::modulus();
        let value = u128::from(left.0 + right.0);
        let signed = if value > modulus / 2 { -((modulus - value) as i128) } else { value as i128 };
        i64::try_from(signed).map_err(|_| malformed("a figure out of range (shares of different numbers)"))
    }

    /// Shares as bytes, each [`Share::LEN`] long.
    pub fn encode_all(shares: &[Self]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(shares.len() * Self::LEN);
        for share in shares {
            // Encoding a field element into a vector cannot fail.
            let _ = share.0.encode(&mut bytes);
        }
        bytes
    }

    /// Exactly `count` shares from `bytes`.
    pub fn decode_all(bytes: &[u8], count: usize) -> Result<Vec<Self>, VdafError> {
        if bytes.len() != count * Self::LEN {
            return Err(malformed("a list of figure shares"));
        }
        bytes
            .chunks(Self::LEN)
            .map(|chunk| Field128::get_decoded(chunk).map(Self).map_err(|_| malformed("a figure share")))
            .collect()
    }
}

impl std::ops::Add for Share {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self(self.0 + other.0)
    }
}

/// Only ever a share times a public number made with `From<u32>` (as
/// [`crate::Cell::derive`] does): the product of two servers' shares is not a
/// share of anything.
impl std::ops::Mul for Share {
    type Output = Self;
    fn mul(self, other: Self) -> Self {
        Self(self.0 * other.0)
    }
}

impl From<u32> for Share {
    fn from(value: u32) -> Self {
        Self(Field128::from(u128::from(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two shares of `value`: a random-looking left part and its complement.
    fn split(value: i64, salt: u32) -> (Share, Share) {
        let left = Share::from(salt).times(1_000_003).plus(-17);
        (left, Share::public(value) + left.times(-1))
    }

    #[test]
    fn shares_add_shift_and_scale_and_reveal_signed_numbers() {
        let (a0, a1) = split(12, 5);
        let (b0, b1) = split(-30, 9);
        assert_eq!(Share::reveal(a0, a1).expect("a"), 12);
        assert_eq!(Share::reveal(b0, b1).expect("b"), -30);
        // 2a − 3b + 7 computed share by share, the constant added by one server only.
        let left = a0.times(2) + b0.times(-3);
        let right = (a1.times(2) + b1.times(-3)).plus(7);
        assert_eq!(Share::reveal(left, right).expect("combination"), 2 * 12 + 90 + 7);
        let bytes = Share::encode_all(&[a0, b1]);
        assert_eq!(bytes.len(), 2 * Share::LEN);
        assert_eq!(Share::decode_all(&bytes, 2).expect("decoded"), vec![a0, b1]);
        assert!(Share::decode_all(&bytes, 3).is_err());
        assert!(Share::decode_all(&[0xff; Share::LEN], 1).is_err(), "not a field element");
        // Shares of unrelated numbers read as a figure out of range.
        assert!(Share::reveal(Share::from(7).times(1 << 40).times(1 << 40), Share::zero()).is_err());
    }
}
