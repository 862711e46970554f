//! Rows folded into cells, one per (team, ISO week, metric), as both layouts give them: an
//! aggregated row is a cell already (a second row for the same cell is refused by the caller), and
//! raw responses are tallied per cell and folded at the end into the metric's score: NPS as
//! % promoters (9–10) − % detractors (0–6), CSAT as the % of answers 4 or 5 (top-two-box), CES as
//! the mean answer. The tally ([`Tally`] on an [`TallyScale`]) is also the survey reader's,
//! which gives it other scales: one rule for both ways in.
//!
//! Pure: no IO. Memory grows with the number of cells, not with the rows.

use std::collections::{BTreeMap, HashMap};

use super::metric::CxMetric;
use super::model::{CxKey, CxValue};
use crate::week::IsoWeek;

/// A cell by the index of its team among the organisation's teams, its week and its metric.
pub(super) type CellKey = (usize, IsoWeek, CxMetric);

/// How raw answers on one scale fold into a CX score: the one rule for Polso's own layout
/// ([`TallyScale::polso_layout`]) and for a survey export read through a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScoreRule {
    /// % promoters (9–10) − % detractors (0–6) of answers from 0 to 10.
    Nps,
    /// % of answers in the top two points of the scale (the bottom two when lower is better).
    TopTwoBox,
    /// The mean answer put on Polso's 1–7 effort scale, where higher is easier.
    MeanOnOneToSeven,
}

/// The scale raw answers are given on, and how they fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TallyScale {
    pub(crate) rule: ScoreRule,
    pub(crate) min: u8,
    pub(crate) max: u8,
    /// Whether a higher answer is the better (more satisfied, less effort) one.
    pub(crate) higher_is_better: bool,
}

impl TallyScale {
    /// The scale of a raw response in Polso's own layout, where higher is always better: NPS
    /// 0–10, CSAT 1–5, CES 1–7; none for a metric only given as scores.
    pub(crate) fn polso_layout(metric: &CxMetric) -> Option<TallyScale> {
        let (min, max) = metric.response_scale()?;
        let rule = match metric {
            CxMetric::Nps => ScoreRule::Nps,
            CxMetric::Csat => ScoreRule::TopTwoBox,
            _ => ScoreRule::MeanOnOneToSeven,
        };
        Some(TallyScale { rule, min, max, higher_is_better: true })
    }
}

/// Running counts of raw answers for one cell.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tally {
    count: u32,
    sum: u64,
    promoters: u32,
    detractors: u32,
    top_two: u32,
    first_line: usize,
}

impl Tally {
    /// No answer yet; the first will be read from `first_line`.
    pub(crate) fn starting_at(first_line: usize) -> Tally {
        Tally { count: 0, sum: 0, promoters: 0, detractors: 0, top_two: 0, first_line }
    }

    /// Counts `answer`, a whole number on `scale`.
    pub(crate) fn add(&mut self, scale: TallyScale, answer: u8) {
        self.count = self.count.saturating_add(1);
        self.sum += u64::from(answer);
        match scale.rule {
            ScoreRule::Nps if answer >= 9 => self.promoters += 1,
            ScoreRule::Nps if answer <= 6 => self.detractors += 1,
            ScoreRule::TopTwoBox if scale.higher_is_better && answer + 1 >= scale.max => self.top_two += 1,
            ScoreRule::TopTwoBox if !scale.higher_is_better && answer <= scale.min + 1 => self.top_two += 1,
            _ => {}
        }
    }

    /// The cell as stored: its score by `scale`'s rule, the answers folded and the first line.
    pub(crate) fn cell(&self, scale: TallyScale) -> CxValue {
        CxValue { value: self.value(scale), n_responses: self.count, first_line: self.first_line }
    }

    fn value(&self, scale: TallyScale) -> f64 {
        let n = f64::from(self.count.max(1));
        match scale.rule {
            ScoreRule::Nps => 100.0 * (f64::from(self.promoters) - f64::from(self.detractors)) / n,
            ScoreRule::TopTwoBox => 100.0 * f64::from(self.top_two) / n,
            ScoreRule::MeanOnOneToSeven => {
                #[allow(clippy::cast_precision_loss, reason = "sums of answers up to 10 stay far below 2^52")]
                let mean = self.sum as f64 / n;
                let (min, max) = (f64::from(scale.min), f64::from(scale.max));
                if (scale.min, scale.max, scale.higher_is_better) == (1, 7, true) {
                    // Already on Polso's scale: the mean itself, to the last bit.
                    return mean;
                }
                let easiness = if scale.higher_is_better { mean - min } else { max - mean };
                1.0 + 6.0 * easiness / (max - min)
            }
        }
    }
}

/// The cells of one file so far.
#[derive(Debug, Default)]
pub(super) struct Cells {
    aggregated: HashMap<CellKey, CxValue>,
    tallies: HashMap<CellKey, Tally>,
}

impl Cells {
    /// Adds an aggregated row's cell, from `line`; when the cell is already there, leaves it and
    /// returns the line it came from.
    pub(super) fn insert_aggregated(
        &mut self,
        key: CellKey,
        value: f64,
        n_responses: u32,
        line: usize,
    ) -> Result<(), usize> {
        if let Some(first) = self.aggregated.get(&key) {
            return Err(first.first_line);
        }
        self.aggregated.insert(key, CxValue { value, n_responses, first_line: line });
        Ok(())
    }

    /// Adds one raw response, on its metric's scale in Polso's layout, from `line`.
    pub(super) fn add_response(&mut self, key: CellKey, score: u8, line: usize) {
        let Some(scale) = TallyScale::polso_layout(&key.2) else { return };
        self.tallies.entry(key).or_insert(Tally::starting_at(line)).add(scale, score);
    }

    /// Every cell as a stored row, the team by its name in `teams` (the list the keys index).
    pub(super) fn into_rows<T: AsRef<str>>(self, teams: &[T]) -> BTreeMap<CxKey, CxValue> {
        let key =
            |(team, week, metric): CellKey| CxKey { team: teams[team].as_ref().to_owned(), week, metric };
        // Every tallied cell's metric has a scale: `add_response` took only those.
        let folded = self.tallies.into_iter().filter_map(|(cell, tally)| {
            let scale = TallyScale::polso_layout(&cell.2)?;
            Some((cell, tally.cell(scale)))
        });
        self.aggregated.into_iter().chain(folded).map(|(cell, value)| (key(cell), value)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_fold_into_each_metrics_score_with_their_first_line() {
        let week: IsoWeek = "2026-W48".parse().unwrap();
        let mut cells = Cells::default();
        // NPS: promoters 10, 9; passive 7; detractors 6, 0: (2 − 2) / 5 = 0.
        for (line, score) in [(2, 10), (3, 9), (4, 7), (5, 6), (6, 0)] {
            cells.add_response((0, week, CxMetric::Nps), score, line);
        }
        // CSAT: 5, 4, 3 → 2 of 3 satisfied; CES: 7, 2 → mean 4.5.
        for (line, score) in [(7, 5), (8, 4), (9, 3)] {
            cells.add_response((0, week, CxMetric::Csat), score, line);
        }
        for (line, score) in [(10, 7), (11, 2)] {
            cells.add_response((1, week, CxMetric::Ces), score, line);
        }
        assert_eq!(cells.insert_aggregated((1, week, CxMetric::Nps), 40.0, 30, 12), Ok(()));
        assert_eq!(cells.insert_aggregated((1, week, CxMetric::Nps), 41.0, 30, 13), Err(12));
        let rows = cells.into_rows(&["Support", "Sales"]);
        let row = |team: &str, metric: CxMetric| rows[&CxKey { team: team.to_owned(), week, metric }];
        assert_eq!(row("Support", CxMetric::Nps), CxValue { value: 0.0, n_responses: 5, first_line: 2 });
        assert!((row("Support", CxMetric::Csat).value - 200.0 / 3.0).abs() < 1e-12);
        assert_eq!(row("Sales", CxMetric::Ces), CxValue { value: 4.5, n_responses: 2, first_line: 10 });
        assert_eq!(row("Sales", CxMetric::Nps), CxValue { value: 40.0, n_responses: 30, first_line: 12 });
    }
}
