//! "Not applicable this week" on the customer items: a report may mark an
//! asked item that allows it, never one that does not, never one it also
//! answered; the server counts how many marked a metric so, apart from its
//! values, and releases that count under the same rules as any cell (k, and
//! no team recovered by subtracting it from its department).

use axum::http::StatusCode;
use polso_core::bank::ItemBank;
use polso_core::questionnaire::QuestionnairePlan;
use polso_core::schedule::Schedule;
use polso_core::{IsoWeek, Metric};
use serde_json::{Value, json};

use crate::support::{WEEK, World, asked_items_in, assert_error, post_json, report_for_organisation};

/// A new organisation's plan and a seed under which [`WEEK`] asks a customer-focus item.
fn edition_3_world(teams_per_department: &[usize]) -> (World, u64, QuestionnairePlan) {
    let plan = QuestionnairePlan::for_new_organisation();
    let week: IsoWeek = WEEK.parse().unwrap();
    let bank = ItemBank::embedded();
    let seed = (0..)
        .find(|&seed| Schedule::with_plan(bank, seed, &plan).asks_metric(bank, week, Metric::CustomerFocus))
        .unwrap();
    (World::with_questionnaire(teams_per_department, seed, plan.clone()), seed, plan)
}

/// A full report with `item` moved from the answers to the marks.
fn marking(mut report: Value, item: &str, metric: Metric) -> Value {
    let items = report["items"].as_array_mut().unwrap();
    items.retain(|answer| answer["item_id"] != item);
    let metrics = report["metrics"].as_array_mut().unwrap();
    metrics.retain(|score| score["metric"] != metric.key());
    report["not_applicable"] = json!([item]);
    report
}

#[tokio::test]
async fn only_an_asked_item_that_allows_it_can_be_marked_and_nothing_changes_otherwise() {
    let (world, seed, plan) = edition_3_world(&[1]);
    let device = world.enrol(&world.teams[0][0]).await;
    let asked = asked_items_in(seed, &plan, WEEK);
    let bank = ItemBank::embedded();
    let customer = asked.iter().find(|item| item.3 == Metric::CustomerFocus).unwrap().0.clone();
    let not_allowed = asked.iter().find(|item| !bank.item(&item.0).unwrap().not_applicable).unwrap().clone();
    let not_asked = bank
        .items()
        .iter()
        .find(|item| item.not_applicable && !asked.iter().any(|asked| asked.0 == item.id.as_str()))
        .unwrap();
    let full = report_for_organisation(seed, &plan, WEEK, 3);
    let before = world.snapshot();

    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "an item that does not allow it",
            marking(full.clone(), &not_allowed.0, not_allowed.3),
            "invalid_input",
        ),
        (
            "an item not asked this week",
            {
                let mut report = full.clone();
                report["not_applicable"] = json!([not_asked.id.as_str()]);
                report
            },
            "item_not_in_week",
        ),
        (
            "an item also answered",
            {
                let mut report = full.clone();
                report["not_applicable"] = json!([customer]);
                report
            },
            "duplicate_answer",
        ),
        (
            "an unknown item",
            {
                let mut report = full.clone();
                report["not_applicable"] = json!(["nope.1"]);
                report
            },
            "unknown_item",
        ),
        (
            "the same item twice",
            {
                let mut report = marking(full.clone(), &customer, Metric::CustomerFocus);
                report["not_applicable"] = json!([customer, customer]);
                report
            },
            "duplicate_answer",
        ),
    ];
    for (what, report, code) in cases {
        let response = world.send(post_json("/v1/reports", Some(&device), report)).await;
        assert_error(&response, StatusCode::BAD_REQUEST, code);
        assert_eq!(world.snapshot(), before, "{what} changed the aggregates");
    }
    world.report_ok(&device, marking(full, &customer, Metric::CustomerFocus)).await;
}

#[tokio::test]
async fn the_count_is_released_from_k_and_never_lets_a_team_be_subtracted() {
    let (world, seed, plan) = edition_3_world(&[2, 2]);
    let asked = asked_items_in(seed, &plan, WEEK);
    let customer = asked.iter().find(|item| item.3 == Metric::CustomerFocus).unwrap().0.clone();
    let [first, second] = [&world.teams[0], &world.teams[1]];
    // (team, how many had no customers, how many answered the item)
    let teams = [(&first[0], 6, 3), (&first[1], 5, 0), (&second[0], 6, 0), (&second[1], 2, 0)];
    for (team, n_marking, n_answering) in teams {
        for _ in 0..n_marking {
            let device = world.enrol(team).await;
            let report =
                marking(report_for_organisation(seed, &plan, WEEK, 3), &customer, Metric::CustomerFocus);
            world.report_ok(&device, report).await;
        }
        for _ in 0..n_answering {
            let device = world.enrol(team).await;
            world.report_ok(&device, report_for_organisation(seed, &plan, WEEK, 3)).await;
        }
    }
    world.advance_to_publication();
    let read = |unit: &'static str| {
        let world = &world;
        async move {
            world
                .read_cells(&format!("unit={unit}&key=not_applicable:customer_focus&from={WEEK}&to={WEEK}"))
                .await
        }
    };
    let count_of = |cells: &[Value], unit: &str| -> Option<u64> {
        let cell = cells.iter().find(|cell| cell["unit_id"] == unit).unwrap();
        assert_eq!(cell["asked"], true, "{cell}");
        cell["n"].as_u64()
    };
    let (team_cells, department_cells) = (read("team").await, read("department").await);
    // From k on, the count is there, exact (differential privacy is off in this world).
    assert_eq!(count_of(&team_cells, &first[0]), Some(6));
    assert_eq!(count_of(&team_cells, &first[1]), Some(5));
    assert_eq!(count_of(&department_cells, &world.departments[0]), Some(11));
    // Two are fewer than k, and no released pair gives them back by subtraction.
    assert_eq!(count_of(&team_cells, &second[1]), None);
    let department = count_of(&department_cells, &world.departments[1]);
    let big_team = count_of(&team_cells, &second[0]);
    assert!(
        department.is_none() || big_team.is_none(),
        "department {department:?} minus team {big_team:?} gives the small team's count"
    );

    // The people who marked it are not in the metric's count; every report counts for the others.
    let metric = world.read_cells(&format!("unit=team&key=customer_focus&from={WEEK}&to={WEEK}")).await;
    assert_eq!(count_of(&metric, &first[0]), None, "three answered: fewer than k");
    let other_key = asked.iter().find(|item| item.3 != Metric::CustomerFocus).unwrap().3.key();
    let other = world.read_cells(&format!("unit=team&key={other_key}&from={WEEK}&to={WEEK}")).await;
    assert_eq!(count_of(&other, &first[0]), Some(9));
}
