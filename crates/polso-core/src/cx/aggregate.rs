//! Rows folded into cells, one per (team, ISO week, metric), as both layouts give them: an
//! aggregated row is a cell already (a second row for the same cell is refused by the caller), and
//! raw responses are tallied per cell and folded at the end into the metric's score: NPS as
//! % promoters (9–10) − % detractors (0–6), CSAT as the % of answers 4 or 5 (top-two-box), CES as
//! the mean answer.
//!
//! Pure: no IO. Memory grows with the number of cells, not with the rows.

use std::collections::{BTreeMap, HashMap};

use super::metric::CxMetric;
use super::model::{CxKey, CxValue};
use crate::week::IsoWeek;

/// A cell by the index of its team among the organisation's teams, its week and its metric.
pub(super) type CellKey = (usize, IsoWeek, CxMetric);

/// Running counts of raw responses for one cell.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    count: u32,
    sum: u64,
    promoters: u32,
    detractors: u32,
    satisfied: u32,
    first_line: usize,
}

impl Tally {
    fn add(&mut self, metric: &CxMetric, score: u8) {
        self.count = self.count.saturating_add(1);
        self.sum += u64::from(score);
        match metric {
            CxMetric::Nps if score >= 9 => self.promoters += 1,
            CxMetric::Nps if score <= 6 => self.detractors += 1,
            CxMetric::Csat if score >= 4 => self.satisfied += 1,
            _ => {}
        }
    }

    fn value(&self, metric: &CxMetric) -> f64 {
        let n = f64::from(self.count.max(1));
        match metric {
            CxMetric::Nps => 100.0 * (f64::from(self.promoters) - f64::from(self.detractors)) / n,
            CxMetric::Csat => 100.0 * f64::from(self.satisfied) / n,
            _ => {
                #[allow(clippy::cast_precision_loss, reason = "sums of small scores stay far below 2^52")]
                let sum = self.sum as f64;
                sum / n
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

    /// Adds one raw response, on its metric's scale, from `line`.
    pub(super) fn add_response(&mut self, key: CellKey, score: u8, line: usize) {
        let metric = key.2.clone();
        let tally = self.tallies.entry(key).or_insert(Tally { first_line: line, ..Tally::default() });
        tally.add(&metric, score);
    }

    /// Every cell as a stored row, the team by its name in `teams` (the list the keys index).
    pub(super) fn into_rows<T: AsRef<str>>(self, teams: &[T]) -> BTreeMap<CxKey, CxValue> {
        let key =
            |(team, week, metric): CellKey| CxKey { team: teams[team].as_ref().to_owned(), week, metric };
        let folded = self.tallies.into_iter().map(|(cell, tally)| {
            let value = CxValue {
                value: tally.value(&cell.2),
                n_responses: tally.count,
                first_line: tally.first_line,
            };
            (cell, value)
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
