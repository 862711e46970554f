//! A weekly report's answers as the core's: written once for the server's
//! demo and the app, which both turn a report into the measurement of
//! two-server aggregation (the `core` feature).

use polso_core::Answer;
use polso_core::bank::{ItemBank, ItemId};

use crate::WeeklyReport;

/// The report's answered items and the items it marks "not applicable", as
/// the bank's; an item the bank does not have is refused by its id.
pub fn report_answers(bank: &ItemBank, report: &WeeklyReport) -> Result<(Vec<Answer>, Vec<ItemId>), String> {
    let known = |id: &str| {
        bank.item(id)
            .map(|item| item.id.clone())
            .ok_or_else(|| format!("item '{id}' is not in the item bank"))
    };
    let answers = report
        .items
        .iter()
        .map(|value| Ok(Answer { item: known(&value.item_id)?, value: value.value }))
        .collect::<Result<Vec<_>, String>>()?;
    let not_applicable =
        report.not_applicable.iter().map(|id| known(id)).collect::<Result<Vec<_>, String>>()?;
    Ok((answers, not_applicable))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ReportedValue, WIRE_VERSION};

    #[test]
    fn answers_come_back_as_the_banks_and_an_unknown_item_is_named() {
        let bank = ItemBank::embedded();
        let first = bank.items()[0].id.clone();
        let mut report = WeeklyReport {
            wire_version: WIRE_VERSION,
            week: "2026-W48".to_owned(),
            items: vec![ReportedValue { item_id: first.to_string(), value: 3 }],
            metrics: Vec::new(),
            not_applicable: Vec::new(),
            padding: String::new(),
        };
        let (answers, marked) = report_answers(bank, &report).unwrap();
        assert_eq!(answers, vec![Answer { item: first, value: 3 }]);
        assert!(marked.is_empty());
        report.not_applicable.push("no.such".to_owned());
        assert_eq!(report_answers(bank, &report).unwrap_err(), "item 'no.such' is not in the item bank");
    }
}
