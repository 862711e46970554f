//! What an import gives: the rows keyed by (team, ISO week, metric) with their figures, the layout
//! and separator the file had, and the rows as observations for the linkage. Both readers give it,
//! [`super::parse_cx_csv`] for Polso's own layouts and [`crate::survey::apply`] for survey tools'
//! exports, so storing an import is the same whichever read it.
//!
//! Pure: no IO.

use std::collections::BTreeMap;

use super::metric::CxMetric;
use crate::week::IsoWeek;

/// One CX cell: a team's score on one CX metric in one week (as imported).
#[derive(Debug, Clone, PartialEq)]
pub struct CxObservation {
    /// The team, by a name or id that is the same in the EX observations.
    pub team: String,
    /// The ISO week the customers' answers fell in.
    pub week: IsoWeek,
    /// The CX metric.
    pub metric: CxMetric,
    /// The score (NPS −100 to 100, CSAT 0–100 %, CES 1–7, or a custom metric's own scale).
    pub value: f64,
    /// How many customer responses the score summarises, when the source says (`None`: not known,
    /// the cell is kept). A cell with fewer than [`crate::linkage::MIN_CX_RESPONSES`] is left out of the linkage and
    /// counted ([`crate::linkage::LinkageGrid::cx_cells_too_few_responses`]).
    pub n_responses: Option<u32>,
}

/// Which of the two layouts a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CxFileFormat {
    /// One row per (team, week or date, metric) with a value and a response count.
    Aggregated,
    /// One row per customer answer (team, date, score, optional metric).
    RawResponses,
}

/// The key a CX row is stored under: importing it again replaces it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CxKey {
    /// The team, spelled as in the organisation's list.
    pub team: String,
    /// The ISO week.
    pub week: IsoWeek,
    /// The metric.
    pub metric: CxMetric,
}

/// A CX row's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CxValue {
    /// The score on the metric's scale.
    pub value: f64,
    /// How many customer responses it summarises.
    pub n_responses: u32,
    /// The line of the file it came from (the first response's line, for raw responses).
    pub first_line: usize,
}

/// A successfully parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct CxImport {
    /// The layout detected from the header.
    pub format: CxFileFormat,
    /// The separator detected from the header: `,` or `;`.
    pub separator: char,
    /// Every row, keyed by (team, week, metric).
    pub rows: BTreeMap<CxKey, CxValue>,
}

impl CxImport {
    /// The rows as observations for [`crate::linkage`].
    pub fn observations(&self) -> Vec<CxObservation> {
        self.rows
            .iter()
            .map(|(key, value)| CxObservation {
                team: key.team.clone(),
                week: key.week,
                metric: key.metric.clone(),
                value: value.value,
                n_responses: Some(value.n_responses),
            })
            .collect()
    }
}
