//! Weekly reports as a device sends them over the wire, built for the
//! organisation's schedule: the server refuses an item the week did not ask
//! (`item_not_in_week`) and counts a metric only when every item of it the
//! week asked was answered, so a report here answers exactly the asked items.

use polso_api::WIRE_VERSION;
use polso_core::bank::ItemBank;
use polso_core::questionnaire::QuestionnairePlan;
use polso_core::schedule::Schedule;
use polso_core::{IsoWeek, Metric};
use serde_json::{Value, json};

/// One item `week` asks the organisation whose schedule seed is `seed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedItem {
    /// The item's id, such as `who5.3`.
    pub id: String,
    /// The lowest value of its scale.
    pub min: u8,
    /// The highest value of its scale.
    pub max: u8,
    /// The metric it scores.
    pub metric: Metric,
}

/// The items `week` asks under `seed`, in the pulse's order, for an
/// organisation made by `init-org`: the questionnaire of a new organisation
/// (the current edition without WHO-5), as every organisation of this suite.
pub fn asked_items(seed: u64, week: IsoWeek) -> Vec<AskedItem> {
    asked_items_in(seed, &QuestionnairePlan::for_new_organisation(), week)
}

/// The items `week` asks under `seed` in an organisation whose questionnaire is `plan`.
pub fn asked_items_in(seed: u64, plan: &QuestionnairePlan, week: IsoWeek) -> Vec<AskedItem> {
    let bank = ItemBank::embedded();
    Schedule::with_plan(bank, seed, plan)
        .items_for_week(week)
        .iter()
        .filter_map(|id| {
            let item = bank.item(id.as_str())?;
            let scale = bank.scale_of(item);
            Some(AskedItem {
                id: id.as_str().to_owned(),
                min: scale.min,
                max: scale.max,
                metric: item.metric,
            })
        })
        .collect()
}

/// A report of `week` answering each of `answers` (item id, value), with no
/// metric scores (the server scores the items itself).
pub fn report(week: IsoWeek, answers: &[(String, u8)]) -> Value {
    json!({
        "wire_version": WIRE_VERSION,
        "week": week.to_string(),
        "items": answers.iter().map(|(id, value)| json!({"item_id": id, "value": value})).collect::<Vec<_>>(),
        "metrics": [],
    })
}

/// A report of `week` answering every asked item with `value_of(item)`.
pub fn full_report(seed: u64, week: IsoWeek, value_of: impl Fn(&AskedItem) -> u8) -> Value {
    let answers: Vec<(String, u8)> =
        asked_items(seed, week).iter().map(|item| (item.id.clone(), value_of(item))).collect();
    report(week, &answers)
}
