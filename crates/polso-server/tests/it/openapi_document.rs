//! The OpenAPI document over HTTP: served without authentication, identical
//! to the committed `openapi.json`, describing every endpoint.

use serde_json::Value;

use crate::support::{World, get};

#[tokio::test]
async fn the_openapi_document_is_served_and_matches_the_committed_file() {
    let world = World::new(&[1]);
    let (status, body) = world.send(get("/v1/openapi.json", None)).await;
    assert_eq!(status, 200);
    assert_eq!(body["openapi"], "3.1.0");
    let committed: Value = serde_json::from_str(include_str!("../../openapi.json")).unwrap();
    assert_eq!(body, committed);
    for path in ["/v1/health", "/v1/enrol", "/v1/reports", "/v1/aggregates", "/v1/openapi.json"] {
        assert!(body["paths"][path].is_object(), "{path} is not described");
    }
}
