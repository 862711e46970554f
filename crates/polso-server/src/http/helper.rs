//! The helper role's HTTP API: two endpoints for the organisation's server
//! (with the token given at pairing) and a health check. Nothing else is
//! served: a helper has no HR, no devices and no reads.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::error::{Result, ServerError};
use crate::helper::Helper;
use crate::helper_wire::{ReleaseRequest, ReleaseResponse, VerifyRequest, VerifyResponse};
use crate::http::bearer_token;

/// The most a leader's request may carry: a batch of reports' shares.
const HELPER_BODY_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// The helper's Router.
pub fn helper_app(helper: Arc<Helper>) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { Json(serde_json::json!({"role": "helper", "status": "ok"})) }))
        .route("/helper/v1/verify", post(verify))
        .route("/helper/v1/release", post(release))
        .layer(DefaultBodyLimit::max(HELPER_BODY_LIMIT_BYTES))
        .with_state(helper)
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|error| ServerError::BlockingTask(error.to_string()))?
}

async fn verify(
    State(helper): State<Arc<Helper>>,
    headers: HeaderMap,
    Json(request): Json<VerifyRequest>,
) -> Result<Json<VerifyResponse>> {
    let token = bearer_token(&headers, "", "the organisation server's token is missing")?;
    Ok(Json(blocking(move || helper.verify(&token, &request)).await?))
}

async fn release(
    State(helper): State<Arc<Helper>>,
    headers: HeaderMap,
    Json(request): Json<ReleaseRequest>,
) -> Result<Json<ReleaseResponse>> {
    let token = bearer_token(&headers, "", "the organisation server's token is missing")?;
    let response = blocking(move || helper.release(&token, &request)).await?;
    tracing::info!(cells = response.cells.len(), "released a week with the organisation's server");
    Ok(Json(response))
}
