//! The server's Router: every route of the API, the limits and time-outs, the
//! request log, and the last guard of the error contract. The library builds
//! it, `main` only binds it, and in-process tests call it with `oneshot`.
//!
//! Every error, including axum's own rejections, unknown paths, wrong methods
//! and oversized bodies, leaves as `{ code, message }`. Requests are logged by
//! method, path, status and latency only: no query, no header, no body.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router, middleware};
use polso_api::{ApiError, ErrorCode};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::ServerError;
use crate::http::{self, AppState};
use crate::http::{heatmap, releases};
use crate::rate_limit::RequestLimits;

/// The server's Router, ready to be served or called in tests with `oneshot`.
pub fn app(state: AppState) -> Router {
    let body_limit_bytes = state.config.body_limit_bytes;
    let cx_body_limit_bytes = state.config.cx_body_limit_bytes;
    let request_timeout = Duration::from_secs(u64::from(state.config.request_timeout_seconds.max(1)));
    // One set of limits per Router: the binary builds one; in-process tests build one per request.
    let limits = RequestLimits::new(state.config.rate_limits);
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        })
        .on_request(())
        .on_response(|response: &Response, latency: Duration, _span: &tracing::Span| {
            tracing::info!(status = response.status().as_u16(), latency_ms = latency.as_millis() as u64, "served");
        })
        .on_body_chunk(())
        .on_eos(());
    Router::new()
        .route("/v1/health", get(http::health))
        .route("/v1/enrol", post(http::devices::enrol))
        .route("/v1/credentials/key", post(crate::http::credential::read_credential_key))
        .route("/v1/credentials", post(crate::http::credential::issue_credential))
        .route("/v1/reports", post(http::devices::submit_report))
        .route("/v1/shared-reports", post(crate::http::shared::submit_shared_report))
        .route("/v1/aggregates", get(releases::read_aggregates))
        .route("/v1/heatmap", get(heatmap::read_heatmap))
        .route(
            "/v1/cx",
            post(crate::http::cx::import_cx)
                .layer(DefaultBodyLimit::max(cx_body_limit_bytes))
                .get(crate::http::cx::read_cx),
        )
        .route(
            "/v1/cx/mapping-suggestion",
            post(crate::http::cx::suggest_cx_mapping).layer(DefaultBodyLimit::max(cx_body_limit_bytes)),
        )
        .route("/v1/cx/mappings", get(crate::http::cx::read_cx_mappings))
        .route("/v1/cx/mappings/{name}", axum::routing::put(crate::http::cx::save_cx_mapping))
        .route("/v1/units", get(http::units::read_units))
        .route("/v1/privacy-ledger", get(releases::read_privacy_ledger))
        .route("/v1/privacy-ledger/device", get(releases::read_device_privacy_loss))
        .route("/v1/team-results", get(crate::http::results::read_team_results))
        .route(
            "/v1/actions",
            get(crate::http::actions::read_actions).post(crate::http::actions::record_action),
        )
        .route(
            "/v1/comments",
            get(crate::http::comments::read_comments).post(crate::http::comments::post_comment),
        )
        .route("/v1/comments/{id}/replies", post(crate::http::comments::post_reply))
        .route("/v1/comment-thread", post(crate::http::comments::read_thread))
        .route("/v1/action-verdicts", post(crate::http::comments::post_verdict))
        .route("/v1/care-contacts", get(crate::http::care::read_care_contacts))
        .route("/v1/questionnaire", get(http::devices::read_questionnaire))
        .route("/v1/openapi.json", get(crate::http::openapi::serve_document))
        .fallback(unknown_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout))
        .layer(middleware::map_response(move |response: Response| {
            crate::serve::timeout_as_json(response, request_timeout)
        }))
        .layer(middleware::map_response(move |response: Response| errors_as_json(response, body_limit_bytes)))
        .layer(Extension(limits))
        .layer(trace)
        .with_state(state)
}

async fn unknown_path() -> ServerError {
    ServerError::NotFound("there is no such path; the API lives under /v1".to_owned())
}

async fn method_not_allowed() -> ServerError {
    ServerError::MethodNotAllowed
}

/// The last guard of the error contract: any error response that is not
/// already `{ code, message }` JSON (a rejection from a layer, say) becomes one.
async fn errors_as_json(response: Response, body_limit_bytes: usize) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => ServerError::NotFound("there is no such path".to_owned()).to_api_error(),
        StatusCode::METHOD_NOT_ALLOWED => ServerError::MethodNotAllowed.to_api_error(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ServerError::PayloadTooLarge { limit_bytes: body_limit_bytes }.to_api_error()
        }
        StatusCode::UNAUTHORIZED => ApiError::new(ErrorCode::Unauthorized, "a valid bearer token is needed"),
        status if status.is_client_error() => {
            ApiError::new(ErrorCode::InvalidInput, format!("the request was refused: {status}"))
        }
        _ => ServerError::BlockingTask(status.to_string()).to_api_error(),
    };
    (status, Json(error)).into_response()
}
