//! A driver asks its items in turn, and items differ in how easily people
//! agree with them: a team whose people do not change must not get a line
//! that zig-zags with the item. Each driver cell carries the item its week
//! asked and its mean on the anchor item's level.

use chrono::{Duration, TimeZone, Utc};
use polso_core::bank::ItemBank;
use polso_core::questionnaire::QuestionnairePlan;
use polso_core::schedule::Schedule;
use polso_core::{Answer, IsoWeek, Metric, score_answers};
use serde_json::{Value, json};

use crate::support::{WEEK, World, post_json};

#[tokio::test]
async fn a_team_that_does_not_change_has_a_flat_standardised_line() {
    let bank = ItemBank::embedded();
    let plan = QuestionnairePlan::for_new_organisation();
    let seed = 7;
    let schedule = Schedule::with_plan(bank, seed, &plan);
    let last: IsoWeek = WEEK.parse().unwrap();
    let weeks: Vec<IsoWeek> = (0..24).rev().map(|back| last.plus_weeks(-back)).collect();
    let world = World::with_questionnaire(&[1], seed, plan);
    let team = world.teams[0][0].clone();
    let start = Utc.from_utc_datetime(&weeks[0].monday().and_hms_opt(9, 0, 0).unwrap());
    let mut devices = Vec::new();
    for _ in 0..5 {
        devices.push(world.enrol_at(&team, start).await);
    }
    // Every item of engagement is answered at its own level: the anchor at 4,
    // the others lower or higher, the same every time it is asked.
    let anchor = bank.anchor(Metric::Engagement).unwrap().id.as_str().to_owned();
    let value_of = |item: &str| -> u8 {
        if item == anchor {
            4
        } else if item.ends_with('2') {
            2
        } else {
            5
        }
    };
    for week in &weeks {
        world
            .clock
            .set(Utc.from_utc_datetime(&week.sunday().and_hms_opt(12, 0, 0).unwrap()) + Duration::days(1));
        let items = schedule.items_for_week(*week);
        let answers: Vec<Answer> = items
            .iter()
            .map(|id| {
                let item = bank.item(id.as_str()).unwrap();
                let scale = bank.scale_of(item);
                let value = if item.metric == Metric::Engagement { value_of(id.as_str()) } else { scale.min };
                Answer { item: id.clone(), value }
            })
            .collect();
        let scores = score_answers(bank, &answers).unwrap();
        let report = json!({
            "wire_version": 1,
            "week": week.to_string(),
            "items": answers.iter().map(|answer| json!({"item_id": answer.item.as_str(), "value": answer.value})).collect::<Vec<_>>(),
            "metrics": scores.iter().map(|score| json!({"metric": score.metric.key(), "score": score.score})).collect::<Vec<_>>(),
        });
        for device in &devices {
            let (status, body) = world.send(post_json("/v1/reports", Some(device), report.clone())).await;
            assert_eq!(status, axum::http::StatusCode::OK, "{week}: {body}");
        }
    }
    world
        .clock
        .set(Utc.from_utc_datetime(&last.sunday().and_hms_opt(12, 0, 0).unwrap()) + Duration::days(30));
    let cells: Vec<Value> = world
        .read_cells(&format!("unit=team&key=engagement&from={}&to={WEEK}&unit_id={team}", weeks[0]))
        .await
        .into_iter()
        .filter(|cell| cell["released"] == true)
        .collect();
    assert!(cells.len() >= 5, "engagement is asked every four weeks: {}", cells.len());
    let anchor_score = cells
        .iter()
        .find(|cell| cell["item_id"] == anchor.as_str())
        .and_then(|cell| cell["mean"].as_f64())
        .expect("the anchor is asked in 24 weeks");
    let mut raw_means: Vec<f64> = Vec::new();
    for cell in &cells {
        let item = cell["item_id"].as_str().expect("a driver cell names its item");
        assert_eq!(bank.item(item).unwrap().metric, Metric::Engagement, "{cell}");
        let standardised = cell["standardised_mean"].as_f64().unwrap_or_else(|| panic!("{cell}"));
        assert!((standardised - anchor_score).abs() < 1e-9, "the line moves with the item: {cell}");
        raw_means.push(cell["mean"].as_f64().unwrap());
    }
    raw_means.dedup_by(|left, right| (*left - *right).abs() < 1e-9);
    assert!(raw_means.len() > 1, "the raw means do differ by item, so the test means something");

    // Keys that are not drivers carry neither.
    let wellbeing = world.read_cells(&format!("unit=team&key=wellbeing&from={}&to={WEEK}", weeks[0])).await;
    assert!(wellbeing.iter().all(|cell| cell["item_id"].is_null() && cell["standardised_mean"].is_null()));
}
