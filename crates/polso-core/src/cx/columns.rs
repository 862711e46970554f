//! The header's columns: which role each name plays (team, week, date, metric, value, n, score,
//! in English or Italian), and from the roles found, which of the two layouts the file has and
//! where its columns are ([`Layout`]), or what is missing or said twice.
//!
//! Pure: no IO.

use std::collections::HashMap;

use super::error::{CxErrorKind, CxImportError};
use super::label::fold;
use super::model::CxFileFormat;

/// What a header column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum ColumnRole {
    Team,
    Week,
    Date,
    Metric,
    Value,
    Count,
    Score,
}

impl ColumnRole {
    /// The role a header name plays, when Polso reads its column.
    pub(super) fn from_header(name: &str) -> Option<ColumnRole> {
        let role = match fold(name).as_str() {
            "team" | "squadra" | "teamname" | "nometeam" | "nomesquadra" | "gruppo" | "group" => {
                ColumnRole::Team
            }
            "week" | "settimana" | "isoweek" | "settimanaiso" | "weekiso" => ColumnRole::Week,
            "date" | "data" | "giorno" | "day" | "responsedate" | "datarisposta" | "surveydate" => {
                ColumnRole::Date
            }
            "metric" | "metrica" | "indicatore" | "measure" | "misura" | "kpi" => ColumnRole::Metric,
            "value" | "valore" => ColumnRole::Value,
            "n" | "responses" | "risposte" | "count" | "conteggio" | "nresponses" | "numberofresponses"
            | "numerorisposte" | "numrisposte" | "nrisposte" | "respondents" | "rispondenti" => {
                ColumnRole::Count
            }
            "score" | "punteggio" | "rating" | "voto" | "valutazione" => ColumnRole::Score,
            _ => return None,
        };
        Some(role)
    }

    /// The column's English name, as errors and the list of missing columns say it.
    pub(super) fn name(self) -> &'static str {
        match self {
            ColumnRole::Team => "team",
            ColumnRole::Week => "week",
            ColumnRole::Date => "date",
            ColumnRole::Metric => "metric",
            ColumnRole::Value => "value",
            ColumnRole::Count => "n",
            ColumnRole::Score => "score",
        }
    }
}

/// Where the columns are (0-based field indexes) and which format the file has.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub(super) format: CxFileFormat,
    pub(super) field_count: usize,
    pub(super) team: usize,
    /// The week or date column, and whether it holds dates.
    pub(super) period: (usize, bool),
    pub(super) metric: Option<usize>,
    pub(super) value: usize,
    pub(super) count: Option<usize>,
}

impl Layout {
    /// The layout of the header's names (the header on `line`), or every problem with them.
    pub(super) fn from_header(names: &[String], line: usize) -> Result<Layout, Vec<CxImportError>> {
        let mut columns: HashMap<ColumnRole, usize> = HashMap::new();
        let mut errors = Vec::new();
        for (index, name) in names.iter().enumerate() {
            let Some(role) = ColumnRole::from_header(name) else { continue };
            if let Some(first) = columns.insert(role, index) {
                columns.insert(role, first);
                errors.push(CxImportError {
                    line,
                    column: index + 1,
                    kind: CxErrorKind::DuplicateColumn { name: name.clone(), first_column: first + 1 },
                });
            }
        }
        let get = |role: ColumnRole| columns.get(&role).copied();
        if let (Some(_), Some(date)) = (get(ColumnRole::Week), get(ColumnRole::Date)) {
            errors.push(CxImportError { line, column: date + 1, kind: CxErrorKind::WeekAndDate });
        }
        let format = if get(ColumnRole::Value).is_none() && get(ColumnRole::Score).is_some() {
            CxFileFormat::RawResponses
        } else {
            CxFileFormat::Aggregated
        };
        let mut missing = Vec::new();
        if get(ColumnRole::Team).is_none() {
            missing.push("team");
        }
        if get(ColumnRole::Week).is_none() && get(ColumnRole::Date).is_none() {
            missing.push(if format == CxFileFormat::Aggregated { "week or date" } else { "date" });
        }
        if format == CxFileFormat::Aggregated {
            for role in [ColumnRole::Metric, ColumnRole::Value, ColumnRole::Count] {
                if get(role).is_none() {
                    missing.push(role.name());
                }
            }
        }
        if !missing.is_empty() {
            errors.push(CxImportError {
                line,
                column: names.len() + 1,
                kind: CxErrorKind::MissingColumns { missing },
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let period = match (get(ColumnRole::Week), get(ColumnRole::Date)) {
            (Some(week), _) => (week, false),
            (None, Some(date)) => (date, true),
            (None, None) => (0, false),
        };
        let value = match format {
            CxFileFormat::Aggregated => get(ColumnRole::Value),
            CxFileFormat::RawResponses => get(ColumnRole::Score),
        };
        Ok(Layout {
            format,
            field_count: names.len(),
            team: get(ColumnRole::Team).unwrap_or(0),
            period,
            metric: get(ColumnRole::Metric),
            value: value.unwrap_or(0),
            count: get(ColumnRole::Count),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_in_both_languages() {
        assert_eq!(ColumnRole::from_header(" Settimana "), Some(ColumnRole::Week));
        assert_eq!(ColumnRole::from_header("N. risposte"), Some(ColumnRole::Count));
        assert_eq!(ColumnRole::from_header("PUNTEGGIO"), Some(ColumnRole::Score));
        assert_eq!(ColumnRole::from_header("Metrìca"), Some(ColumnRole::Metric));
        assert_eq!(ColumnRole::from_header("comment"), None);
    }
}
