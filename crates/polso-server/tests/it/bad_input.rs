//! Issue 3, point 9: every kind of bad request gets a 4xx with a clear code,
//! changes nothing, and the server keeps answering.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use polso_server::admin;
use serde_json::json;

use polso_core::bank::ItemBank;

use crate::support::{
    WEEK, World, asked_items, assert_error, get, post_json, report, report_for_organisation, trust_item,
    world_seed,
};

#[tokio::test]
async fn bad_reports_are_refused_and_change_nothing() {
    let world = World::new(&[2]);
    let team = world.teams[0][0].clone();
    // Enrolled weeks before, so that every week rule can be met: 2026-W40.
    let device = world.enrol_at(&team, crate::support::enrolment_time() - chrono::Duration::weeks(7)).await;
    world.report_ok(&device, report(WEEK, 3)).await;
    let before = world.snapshot();
    assert!(!before.is_empty());

    let (trust_item, _, max) = trust_item();
    let not_asked = ItemBank::embedded()
        .items()
        .iter()
        .map(|item| item.id.as_str().to_owned())
        .find(|id| !asked_items(world_seed(), WEEK).iter().any(|(asked, ..)| asked == id))
        .unwrap();
    let with_trust_score = |score: f64| {
        let mut body = report(WEEK, 3);
        body["metrics"] = json!([{"metric": "trust", "score": score}]);
        body
    };
    let oversized = {
        let mut body = serde_json::to_vec(&report(WEEK, 3)).unwrap();
        body.truncate(body.len() - 1);
        body.extend_from_slice(br#","padding":""#);
        body.extend(std::iter::repeat_n(b'x', 100 * 1024));
        body.extend_from_slice(br#""}"#);
        body
    };
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            post_json("/v1/reports", Some(&device), r#"{"wire_version": 1, "week": "#),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "a value of the wrong type",
            post_json(
                "/v1/reports",
                Some(&device),
                json!({"wire_version": 1, "week": WEEK, "items": [{"item_id": trust_item, "value": "four"}], "metrics": []}),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "a missing field",
            post_json("/v1/reports", Some(&device), json!({"wire_version": 1, "week": WEEK, "items": []})),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "free text smuggled in an unknown field",
            post_json(
                "/v1/reports",
                Some(&device),
                json!({"wire_version": 1, "week": WEEK, "items": [], "metrics": [], "note": "my manager is..."}),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "an unknown metric",
            post_json(
                "/v1/reports",
                Some(&device),
                json!({"wire_version": 1, "week": WEEK, "items": [], "metrics": [{"metric": "happiness", "score": 5.0}]}),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "another wire version",
            post_json("/v1/reports", Some(&device), json!({"wire_version": 2, "week": WEEK, "payload": "?"})),
            StatusCode::BAD_REQUEST,
            "unsupported_version",
        ),
        (
            "an unknown item",
            post_json(
                "/v1/reports",
                Some(&device),
                json!({"wire_version": 1, "week": WEEK, "items": [{"item_id": "q12.1", "value": 3}], "metrics": []}),
            ),
            StatusCode::BAD_REQUEST,
            "unknown_item",
        ),
        (
            "a value above the scale",
            post_json(
                "/v1/reports",
                Some(&device),
                json!({"wire_version": 1, "week": WEEK, "items": [{"item_id": trust_item, "value": max + 1}], "metrics": []}),
            ),
            StatusCode::BAD_REQUEST,
            "value_out_of_scale",
        ),
        (
            "an item the week did not ask",
            post_json(
                "/v1/reports",
                Some(&device),
                json!({"wire_version": 1, "week": WEEK, "items": [{"item_id": not_asked, "value": 1}], "metrics": []}),
            ),
            StatusCode::BAD_REQUEST,
            "item_not_in_week",
        ),
        (
            "a score above 100",
            post_json("/v1/reports", Some(&device), with_trust_score(100.5)),
            StatusCode::BAD_REQUEST,
            "value_out_of_scale",
        ),
        (
            "a negative score",
            post_json("/v1/reports", Some(&device), with_trust_score(-1.0)),
            StatusCode::BAD_REQUEST,
            "value_out_of_scale",
        ),
        (
            "the same item twice",
            post_json(
                "/v1/reports",
                Some(&device),
                json!({"wire_version": 1, "week": WEEK, "metrics": [],
                       "items": [{"item_id": trust_item, "value": 1}, {"item_id": trust_item, "value": 2}]}),
            ),
            StatusCode::BAD_REQUEST,
            "duplicate_answer",
        ),
        (
            "an empty report",
            post_json(
                "/v1/reports",
                Some(&device),
                json!({"wire_version": 1, "week": WEEK, "items": [], "metrics": []}),
            ),
            StatusCode::BAD_REQUEST,
            "no_answers",
        ),
        (
            "a week in the future",
            post_json("/v1/reports", Some(&device), report("2026-W49", 3)),
            StatusCode::BAD_REQUEST,
            "week_not_open",
        ),
        (
            "the current week, still open",
            post_json("/v1/reports", Some(&device), report("2026-W48", 3)),
            StatusCode::BAD_REQUEST,
            "week_not_open",
        ),
        (
            "a week already published",
            post_json("/v1/reports", Some(&device), report("2026-W46", 3)),
            StatusCode::GONE,
            "week_published",
        ),
        (
            "a week before the device enrolled",
            post_json("/v1/reports", Some(&device), report("2026-W39", 3)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "week_before_enrolment",
        ),
        (
            "not a week",
            post_json("/v1/reports", Some(&device), report_body_for_week("2026-47")),
            StatusCode::BAD_REQUEST,
            "invalid_week",
        ),
        (
            "an oversized body",
            post_json("/v1/reports", Some(&device), oversized),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "no token",
            post_json("/v1/reports", None, report(WEEK, 3)),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "a wrong token",
            post_json(
                "/v1/reports",
                Some("pd_0000000000000000000000000000000000000000000000000000000000000000"),
                report(WEEK, 3),
            ),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "an HR token where a device token belongs",
            post_json("/v1/reports", Some(&world.hr_token), report(WEEK, 3)),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "a token without Bearer",
            Request::builder()
                .method(Method::POST)
                .uri("/v1/reports")
                .header("authorization", device.clone())
                .body(Body::from(serde_json::to_vec(&report(WEEK, 3)).unwrap()))
                .unwrap(),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        ("an unknown path", get("/v1/nothing-here", None), StatusCode::NOT_FOUND, "not_found"),
        (
            "a wrong method",
            get("/v1/reports", Some(&device)),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "an unknown invite code",
            post_json("/v1/enrol", None, json!({"wire_version": 1, "invite_code": "AAAA-BBBB-CCCC"})),
            StatusCode::NOT_FOUND,
            "invite_unknown",
        ),
        (
            "an enrolment of another version",
            post_json("/v1/enrol", None, json!({"wire_version": 99, "invite_code": "AAAA-BBBB-CCCC"})),
            StatusCode::BAD_REQUEST,
            "unsupported_version",
        ),
    ];
    for (name, request, status, code) in cases {
        let response = world.send(request).await;
        assert_error(&response, status, code);
        assert_eq!(world.snapshot(), before, "{name} changed the aggregates");
    }

    // Another report for a week already counted, with other values, is a
    // retry: acknowledged as a duplicate and not counted.
    let (status, ack) = world.send(post_json("/v1/reports", Some(&device), report(WEEK, 1))).await;
    assert_eq!((status, ack["status"].as_str()), (StatusCode::OK, Some("duplicate")), "{ack}");
    assert_eq!(world.snapshot(), before);

    // The server is still up, and the device can still report the next week.
    let (status, body) = world.send(get("/v1/health", None)).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    world.clock.set(crate::support::now() + chrono::Duration::days(7));
    world.report_ok(&device, report("2026-W48", 3)).await;
    assert_ne!(world.snapshot(), before);
}

/// A well-formed report body for `week`, even one that is not an ISO week.
fn report_body_for_week(week: &str) -> serde_json::Value {
    let mut body = report(WEEK, 3);
    body["week"] = json!(week);
    body
}

#[tokio::test]
async fn bad_aggregate_reads_are_refused() {
    let world = World::new(&[1, 1]);
    let other_department_team = world.teams[1][0].clone();
    let scoped =
        admin::create_hr_token(world.store.as_ref(), &world.organisation_id, &world.departments[..1])
            .unwrap();
    let revoked = admin::create_hr_token(world.store.as_ref(), &world.organisation_id, &[]).unwrap();
    admin::revoke_hr_token(world.store.as_ref(), &revoked.id).unwrap();
    // A second organisation on the same server.
    let other_organisation = admin::init_organisation(world.store.as_ref(), "Other").unwrap();
    let other_department =
        admin::add_department(world.store.as_ref(), &other_organisation.id, "Elsewhere").unwrap();
    let other_team =
        admin::add_team_with_headcount(world.store.as_ref(), &other_department, "Them", 10).unwrap();
    let other_hr = admin::create_hr_token(world.store.as_ref(), &other_organisation.id, &[]).unwrap();
    let device = world.enrol(&world.teams[0][0]).await;

    let query = format!("unit=team&key=trust&from=2026-W40&to={WEEK}");
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        ("no token", get(&format!("/v1/aggregates?{query}"), None), StatusCode::UNAUTHORIZED, "unauthorized"),
        (
            "a device token",
            get(&format!("/v1/aggregates?{query}"), Some(&device)),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "a revoked token",
            get(&format!("/v1/aggregates?{query}"), Some(&revoked.token)),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "an unknown HR token",
            get(
                &format!("/v1/aggregates?{query}"),
                Some("ph_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            ),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "a k chosen by the caller",
            get(&format!("/v1/aggregates?{query}&k=1"), Some(&world.hr_token)),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "the whole organisation with a departmental token",
            get(
                &format!("/v1/aggregates?unit=organisation&key=trust&from=2026-W40&to={WEEK}"),
                Some(&scoped.token),
            ),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "a team outside the token's departments",
            get(&format!("/v1/aggregates?{query}&unit_id={other_department_team}"), Some(&scoped.token)),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "a team of another organisation",
            get(&format!("/v1/aggregates?{query}&unit_id={}", world.teams[0][0]), Some(&other_hr.token)),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "an unknown key",
            get(
                &format!("/v1/aggregates?unit=team&key=salary&from=2026-W40&to={WEEK}"),
                Some(&world.hr_token),
            ),
            StatusCode::BAD_REQUEST,
            "unknown_item",
        ),
        (
            "an unknown unit kind",
            get(
                &format!("/v1/aggregates?unit=person&key=trust&from=2026-W40&to={WEEK}"),
                Some(&world.hr_token),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "a backwards range",
            get("/v1/aggregates?unit=team&key=trust&from=2026-W40&to=2026-W01", Some(&world.hr_token)),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "a range too long",
            get("/v1/aggregates?unit=team&key=trust&from=2020-W01&to=2026-W01", Some(&world.hr_token)),
            StatusCode::BAD_REQUEST,
            "invalid_input",
        ),
        (
            "not a week",
            get("/v1/aggregates?unit=team&key=trust&from=yesterday&to=2026-W01", Some(&world.hr_token)),
            StatusCode::BAD_REQUEST,
            "invalid_week",
        ),
    ];
    for (_name, request, status, code) in cases {
        assert_error(&world.send(request).await, status, code);
    }

    // A unit outside the token's reach is answered exactly as one that does
    // not exist (issue 11, item 7): no oracle of the organisation's units.
    let out_of_reach = world
        .send(get(&format!("/v1/aggregates?{query}&unit_id={other_department_team}"), Some(&scoped.token)))
        .await;
    let missing_team = format!("team_{}", "0".repeat(other_department_team.len() - "team_".len()));
    let missing =
        world.send(get(&format!("/v1/aggregates?{query}&unit_id={missing_team}"), Some(&scoped.token))).await;
    assert_eq!(out_of_reach.0, missing.0);
    assert_eq!(
        out_of_reach.1.to_string().replace(&other_department_team, "ID"),
        missing.1.to_string().replace(&missing_team, "ID")
    );

    // Both organisations' devices report; nothing is read before publication.
    world.report_ok(&device, report(WEEK, 3)).await;
    let other_device = world.enrol(&other_team).await;
    let before = world.snapshot();
    let other = world.store.organisation(&other_organisation.id).unwrap();
    world.report_ok(&other_device, report_for_organisation(other.seed, &other.questionnaire, WEEK, 3)).await;
    assert_eq!(world.snapshot(), before, "a report of another organisation changed this one's aggregates");
    world.advance_to_publication();

    // The departmental token sees its own department's teams only.
    let (status, body) = world.send(get(&format!("/v1/aggregates?{query}"), Some(&scoped.token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cells = body["cells"].as_array().unwrap();
    assert!(!cells.is_empty());
    assert!(cells.iter().all(|cell| cell["unit_id"] == world.teams[0][0].as_str()), "{body}");

    // The other organisation's HR token sees its own team only.
    let (status, body) = world.send(get(&format!("/v1/aggregates?{query}"), Some(&other_hr.token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cells = body["cells"].as_array().unwrap();
    assert!(!cells.is_empty());
    assert!(cells.iter().all(|cell| cell["unit_id"] == other_team.as_str()), "{body}");
}

#[tokio::test]
async fn invites_expire_and_run_out() {
    let world = World::new(&[1]);
    let team = &world.teams[0][0];
    let code = admin::create_invite(world.store.as_ref(), team, crate::support::now(), 1, 2).unwrap();
    let enrol =
        || post_json("/v1/enrol", None, json!({"wire_version": 1, "invite_code": code.to_lowercase()}));
    assert_eq!(world.send(enrol()).await.0, StatusCode::CREATED);
    assert_eq!(world.send(enrol()).await.0, StatusCode::CREATED);
    assert_error(&world.send(enrol()).await, StatusCode::GONE, "invite_exhausted");

    let code = admin::create_invite(world.store.as_ref(), team, crate::support::now(), 1, 5).unwrap();
    world.clock.set(crate::support::now() + chrono::Duration::days(2));
    let response =
        world.send(post_json("/v1/enrol", None, json!({"wire_version": 1, "invite_code": code}))).await;
    assert_error(&response, StatusCode::GONE, "invite_expired");
}
