//! An organisation's questionnaire: a new organisation starts on the current
//! edition without WHO-5 (licensed for non-commercial use only); the
//! administrator adopts another only from a cycle that has not begun; devices
//! read it with their token and HR with the organisation's units. No request
//! can change it.

use axum::http::StatusCode;
use polso_core::IsoWeek;
use polso_core::questionnaire::{Questionnaire, QuestionnairePlan};
use polso_server::{admin, questionnaire};
use serde_json::json;

use crate::support::{World, get, now, open_backend, post_json};

fn this_week() -> IsoWeek {
    IsoWeek::containing(now().date_naive())
}

#[test]
fn a_new_organisation_starts_on_the_current_edition_without_who5() {
    let directory = tempfile::tempdir().unwrap();
    let store = open_backend(&directory);
    let organisation = admin::init_organisation(store.as_ref(), "Acme").unwrap();
    let read = store.organisation(&organisation.id).unwrap();
    assert_eq!(read.questionnaire, QuestionnairePlan::for_new_organisation());
    let plan = QuestionnairePlan::for_new_organisation();
    assert!(
        !plan.first().who5 && plan.adoptions().iter().all(|adoption| !adoption.questionnaire.who5),
        "a company deploying Polso must not be given WHO-5 by default"
    );
}

#[tokio::test]
async fn a_questionnaire_is_adopted_from_the_next_cycle_and_read_by_devices_and_hr() {
    let world = World::new(&[1]);
    let device = world.enrol(&world.teams[0][0]).await;
    let before = world.store.organisation(&world.organisation_id).unwrap().questionnaire;
    assert_eq!(before, QuestionnairePlan::legacy());
    let current = Questionnaire { edition: 3, who5: false };

    // A week that does not start a cycle, and a cycle that has begun, are refused and change nothing.
    let next_cycle = questionnaire::earliest_adoption(this_week());
    assert!(next_cycle.index() - this_week().index() >= 4, "four weeks' notice at least");
    assert_eq!(next_cycle.index().rem_euclid(4), 0, "a cycle's first week");
    let begun = questionnaire::adopt_questionnaire(
        world.store.as_ref(),
        &world.organisation_id,
        current,
        Some(next_cycle.plus_weeks(-4)),
        this_week(),
    )
    .unwrap_err();
    assert!(begun.to_string().contains(&next_cycle.to_string()), "names the earliest week: {begun}");
    let not_a_cycle_start = questionnaire::adopt_questionnaire(
        world.store.as_ref(),
        &world.organisation_id,
        current,
        Some(next_cycle.plus_weeks(1)),
        this_week(),
    )
    .unwrap_err();
    assert!(not_a_cycle_start.to_string().contains("cycle"), "{not_a_cycle_start}");
    assert_eq!(world.store.organisation(&world.organisation_id).unwrap().questionnaire, before);

    // By default, the first cycle at least four weeks ahead.
    let plan = questionnaire::adopt_questionnaire(
        world.store.as_ref(),
        &world.organisation_id,
        current,
        None,
        this_week(),
    )
    .unwrap();
    assert_eq!(plan.questionnaire_for(next_cycle), current);
    assert_eq!(plan.questionnaire_for(next_cycle.plus_weeks(-1)), before.questionnaire_for(this_week()));

    let expected = json!([
        {"from_week": null, "edition": 2, "who5": true},
        {"from_week": next_cycle.to_string(), "edition": 3, "who5": false},
    ]);
    let (status, body) = world.send(get("/v1/questionnaire", Some(&device))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["questionnaire"], expected);
    let (status, body) = world.send(get("/v1/units", Some(&world.hr_token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["questionnaire"], expected);

    // Without a device token, or with HR's, nothing is read; no request writes it.
    let (status, _) = world.send(get("/v1/questionnaire", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = world.send(get("/v1/questionnaire", Some(&world.hr_token))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = world
        .send(post_json("/v1/questionnaire", Some(&device), json!({"wire_version": 1, "questionnaire": []})))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(world.store.organisation(&world.organisation_id).unwrap().questionnaire, plan);
}

/// Reports follow the edition of their week: after an adoption, the week's
/// items are the new edition's, and a report with the old edition's items is
/// refused, naming the item.
#[tokio::test]
async fn a_report_is_checked_against_the_edition_of_its_week() {
    let week: IsoWeek = crate::support::WEEK.parse().unwrap();
    let plan = QuestionnairePlan::legacy()
        .adopt(Questionnaire { edition: 3, who5: false }, polso_core::questionnaire::cycle_start(week))
        .unwrap();
    let world = crate::support::World::with_questionnaire(&[1], crate::support::world_seed(), plan.clone());
    let seed = crate::support::world_seed();
    let old_items = crate::support::asked_items(seed, crate::support::WEEK);
    let new_items = crate::support::asked_items_in(seed, &plan, crate::support::WEEK);
    let only_old = old_items.iter().find(|old| !new_items.iter().any(|new| new.0 == old.0)).unwrap();
    let device = world.enrol(&world.teams[0][0]).await;
    let before = world.snapshot();
    let response = world
        .send(post_json(
            "/v1/reports",
            Some(&device),
            crate::support::report_for_seed(seed, crate::support::WEEK, 3),
        ))
        .await;
    crate::support::assert_error(&response, StatusCode::BAD_REQUEST, "item_not_in_week");
    assert!(response.1["message"].as_str().unwrap().contains(&only_old.0), "{}", response.1);
    assert_eq!(world.snapshot(), before);
    world
        .report_ok(&device, crate::support::report_for_organisation(seed, &plan, crate::support::WEEK, 3))
        .await;
}
