//! One week's pulse as the store keeps it: the answers, the scores computed
//! from them, the shape of the work week and the private note.

use chrono::{DateTime, Utc};
use polso_core::{Answer, IsoWeek, ItemId, MetricScore, WorkWeek};

/// A week's pulse, saved on this device.
///
/// The store keeps at most one per ISO week: saving again replaces the week's
/// answers, scores, work week and note together.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedPulse {
    /// The ISO week the pulse is about.
    pub week: IsoWeek,
    /// The answers, in the order the items were asked; read back in the same order.
    pub answers: Vec<Answer>,
    /// The metric scores computed from the answers; read back in the same order.
    pub scores: Vec<MetricScore>,
    /// The items marked "not applicable this week": no value, no score; read
    /// back in the order given.
    pub not_applicable: Vec<ItemId>,
    /// Where the week was worked, when the employee said.
    pub work_week: Option<WorkWeek>,
    /// The employee's private note. It never leaves the device.
    pub note: Option<String>,
    /// When the pulse was saved; passed in by the caller, kept to the nanosecond.
    pub saved_at: DateTime<Utc>,
}
