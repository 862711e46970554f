//! Scoring: metric scores from item answers.

use crate::bank::{ItemId, Metric};

/// One answer: an item and the value chosen on its scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The item answered.
    pub item: ItemId,
    /// The value chosen, within the item's scale.
    pub value: u8,
}

/// A metric's score for one week's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricScore {
    /// The metric.
    pub metric: Metric,
    /// The score, 0 (worst) to 100 (best).
    pub score: f64,
}
