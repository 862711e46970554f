//! `GET /v1/units`: the structure HR drills into. A whole-organisation token
//! sees every department with its teams and the organisation; a token scoped
//! to a department sees that department only and not the organisation; no
//! token, or a revoked one, sees nothing.

use axum::http::StatusCode;
use polso_server::admin;

use crate::support::{World, get};

#[tokio::test]
async fn a_whole_organisation_token_sees_every_department_and_team() {
    let world = World::new(&[2, 1]);
    let (status, body) = world.send(get("/v1/units", Some(&world.hr_token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["organisation"]["id"], world.organisation_id.as_str());
    assert_eq!(body["organisation"]["name"], "Acme");
    let departments = body["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 2);
    assert_eq!(departments[0]["id"], world.departments[0].as_str());
    let team_ids: Vec<&str> =
        departments[0]["teams"].as_array().unwrap().iter().map(|team| team["id"].as_str().unwrap()).collect();
    assert_eq!(team_ids, world.teams[0].iter().map(String::as_str).collect::<Vec<_>>());
    // Each team's declared head-count, for the heatmap's participation rate (the administrator's
    // setting, not anything answered); the department and organisation carry none.
    assert_eq!(departments[0]["teams"][0]["headcount"], crate::support::TEAM_HEADCOUNT);
    assert!(body["organisation"]["headcount"].is_null() && departments[0]["headcount"].is_null());
    // Structure only: nothing that counts answers.
    let text = body.to_string();
    assert!(!text.contains("\"n\"") && !text.contains("size"), "{text}");
}

#[tokio::test]
async fn a_department_token_sees_its_department_and_not_the_organisation() {
    let world = World::new(&[2, 1]);
    let scoped =
        admin::create_hr_token(world.store.as_ref(), &world.organisation_id, &[world.departments[1].clone()])
            .unwrap()
            .token;
    let (status, body) = world.send(get("/v1/units", Some(&scoped))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["organisation"].is_null(), "{body}");
    let departments = body["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 1, "{body}");
    assert_eq!(departments[0]["id"], world.departments[1].as_str());
}

#[tokio::test]
async fn without_a_valid_token_nothing_is_shown() {
    let world = World::new(&[1]);
    let (status, body) = world.send(get("/v1/units", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "unauthorized");
    let (status, _) = world.send(get("/v1/units", Some("ph_not_a_token"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
