//! A driver asks its items in turn, and items differ in how easily people
//! agree with them: a team whose people do not change must not get a line
//! that zig-zags with the item. Each driver cell carries the item its week
//! asked and its mean on the anchor item's level.

use chrono::{Duration, TimeZone, Utc};
use polso_core::bank::ItemBank;
use polso_core::questionnaire::QuestionnairePlan;
use polso_core::schedule::Schedule;
use polso_core::{Answer, IsoWeek, Metric};
use serde_json::{Value, json};

use crate::support::{WEEK, World, post_json, report_of_answers};

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
        let report = report_of_answers(&week.to_string(), &answers);
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

    // The organisation's series read over more than the baseline's two years
    // (the baseline then taken from the same read) and over the 24 weeks (the
    // baseline read apart): the same standardised means.
    let long_from = last.plus_weeks(-109);
    let long =
        world.read_cells(&format!("unit=organisation&key=engagement&from={long_from}&to={WEEK}")).await;
    let short =
        world.read_cells(&format!("unit=organisation&key=engagement&from={}&to={WEEK}", weeks[0])).await;
    let standardised = |cells: &[Value]| -> Vec<(String, f64)> {
        cells
            .iter()
            .filter(|cell| cell["released"] == true)
            .map(|cell| {
                (cell["week"].as_str().unwrap().to_owned(), cell["standardised_mean"].as_f64().unwrap())
            })
            .collect()
    };
    assert!(standardised(&short).len() >= 5);
    assert_eq!(standardised(&long), standardised(&short));

    // Keys that are not drivers carry neither.
    let wellbeing = world.read_cells(&format!("unit=team&key=wellbeing&from={}&to={WEEK}", weeks[0])).await;
    assert!(wellbeing.iter().all(|cell| cell["item_id"].is_null() && cell["standardised_mean"].is_null()));
}

/// Two departments of one team each answer engagement for 24 weeks; the
/// first at its items' own levels (the anchor 4, `.2` items 2, others 5),
/// the second with `other(item)`. Returns the standardised means a token
/// scoped to the first department reads for its team, and those a
/// whole-organisation token reads for the same team.
async fn standardised_reads(other: fn(&str, &str) -> u8) -> (Vec<Value>, Vec<Value>) {
    let bank = ItemBank::embedded();
    let plan = QuestionnairePlan::for_new_organisation();
    let seed = 7;
    let schedule = Schedule::with_plan(bank, seed, &plan);
    let last: IsoWeek = WEEK.parse().unwrap();
    let weeks: Vec<IsoWeek> = (0..24).rev().map(|back| last.plus_weeks(-back)).collect();
    let world = World::with_questionnaire(&[1, 1], seed, plan);
    let anchor = bank.anchor(Metric::Engagement).unwrap().id.as_str().to_owned();
    let start = Utc.from_utc_datetime(&weeks[0].monday().and_hms_opt(9, 0, 0).unwrap());
    let mut devices = Vec::new();
    for team in [&world.teams[0][0], &world.teams[1][0]] {
        let mut tokens = Vec::new();
        for _ in 0..5 {
            tokens.push(world.enrol_at(team, start).await);
        }
        devices.push(tokens);
    }
    let own = |item: &str, anchor: &str| -> u8 {
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
        for (department, tokens) in devices.iter().enumerate() {
            let value_of = if department == 0 { own } else { other };
            let answers: Vec<Answer> = schedule
                .items_for_week(*week)
                .iter()
                .map(|id| {
                    let item = bank.item(id.as_str()).unwrap();
                    let value = if item.metric == Metric::Engagement {
                        value_of(id.as_str(), &anchor)
                    } else {
                        bank.scale_of(item).min
                    };
                    Answer { item: id.clone(), value }
                })
                .collect();
            let report = json!({
                "wire_version": 1,
                "week": week.to_string(),
                "items": answers.iter().map(|answer| json!({"item_id": answer.item.as_str(), "value": answer.value})).collect::<Vec<_>>(),
                "metrics": [],
            });
            for device in tokens {
                let (status, body) = world.send(post_json("/v1/reports", Some(device), report.clone())).await;
                assert_eq!(status, axum::http::StatusCode::OK, "{week}: {body}");
            }
        }
    }
    world
        .clock
        .set(Utc.from_utc_datetime(&last.sunday().and_hms_opt(12, 0, 0).unwrap()) + Duration::days(30));
    let scoped = polso_server::admin::create_hr_token(
        world.store.as_ref(),
        &world.organisation_id,
        &world.departments[..1],
    )
    .unwrap()
    .token;
    let team = &world.teams[0][0];
    let query = format!("/v1/aggregates?unit=team&key=engagement&from={}&to={WEEK}&unit_id={team}", weeks[0]);
    let read = |token: String| {
        let world = &world;
        let query = query.clone();
        async move {
            let (status, body) = world.send(crate::support::get(&query, Some(&token))).await;
            assert_eq!(status, axum::http::StatusCode::OK, "{body}");
            body["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|cell| cell["standardised_mean"].clone())
                .collect::<Vec<_>>()
        }
    };
    (read(scoped).await, read(world.hr_token.clone()).await)
}

/// The attack of a department-scoped HR token on the organisation's
/// figures through standardised means: its offsets come from its own
/// departments only, so what another department answers never moves them,
/// while a whole-organisation token's do move (the test would pass
/// vacuously otherwise).
#[tokio::test]
async fn a_scoped_token_learns_nothing_of_other_departments_through_standardised_means() {
    // The other department answers like the first, or with the items' levels turned around.
    let (scoped_alike, whole_alike) = standardised_reads(|item, anchor| {
        if item == anchor {
            4
        } else if item.ends_with('2') {
            2
        } else {
            5
        }
    })
    .await;
    let (scoped_turned, whole_turned) =
        standardised_reads(|item, anchor| if item == anchor { 1 } else { 5 }).await;
    assert!(scoped_alike.iter().any(|mean| !mean.is_null()), "{scoped_alike:?}");
    assert_eq!(scoped_alike, scoped_turned, "another department's answers moved a scoped token's figures");
    assert_ne!(whole_alike, whole_turned, "the organisation's baseline does include the other department");
}
