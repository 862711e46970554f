//! The HTTP API, one file per area, in the shape of axum's examples. Here: the server's state
//! and settings, and the extractors that authenticate a device ([`AuthenticatedDevice`]), a
//! reader ([`AuthenticatedReader`]: HR or a team's manager) or HR alone ([`AuthenticatedHr`]),
//! so a request's scope is decided before its handler runs. The Router that serves every
//! handler is [`router::app`]; the devices' enrolment and reports are in [`devices`], the read
//! side of published releases in [`releases`], blind-signature enrolment in [`credential`], CX
//! imports and mappings in [`cx`], the API's own document in [`openapi`]. Errors and the
//! request log are the router's (see there).

pub(crate) mod actions;
pub(crate) mod care;
pub(crate) mod comments;
pub(crate) mod credential;
pub mod cx;
pub(crate) mod devices;
pub(crate) mod heatmap;
pub mod helper;
pub mod openapi;
pub mod releases;
pub(crate) mod request_checks;
pub(crate) mod results;
pub mod router;
pub(crate) mod shared;
pub(crate) mod units;

use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use polso_api::{Health, UnitKind, WIRE_VERSION};
use polso_core::IsoWeek;
use polso_core::collection::CollectionWindow;
use serde::de::DeserializeOwned;

use crate::clock::Clock;
use crate::error::{Result, ServerError};
use crate::publication::PublicationSettings;
use crate::publish::Publisher;
use crate::rate_limit::{AuthenticationAttempt, RateLimitConfig};
use crate::secrets::{DEVICE_TOKEN_PREFIX, HR_TOKEN_PREFIX, hash_secret};
use crate::store::{DeviceMembership, HrAccess, ServerStore};

/// How the server behaves, set by the administrator at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerConfig {
    /// The longest random delay announced to devices, in seconds after a
    /// week closes. Devices keep their own floor whatever this says (see
    /// `polso_core::collection`); it also lengthens the collection window.
    pub max_random_delay_seconds: u32,
    /// How long after the longest delay reports are still accepted, for
    /// devices that were offline; then the week is published.
    pub acceptance_seconds: u32,
    /// The minimum count from which a cell's sd and histogram are released;
    /// raised to 2k when lower.
    pub histogram_minimum: u32,
    /// The largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// The most weeks one aggregates or CX query may span.
    pub max_query_weeks: u32,
    /// The largest CX file `POST /v1/cx` accepts, in bytes (this route only).
    pub cx_body_limit_bytes: usize,
    /// A request (reading its body and answering it) that takes longer is answered 408.
    pub request_timeout_seconds: u32,
    /// Limits per source address on enrolments and authentication failures.
    pub rate_limits: RateLimitConfig,
}

impl ServerConfig {
    /// When weeks close and are published under this configuration.
    pub fn collection_window(&self) -> CollectionWindow {
        CollectionWindow {
            announced_max_delay_seconds: self.max_random_delay_seconds,
            acceptance_seconds: self.acceptance_seconds,
        }
    }

    /// How many weeks after its close a week may still be reported, rounded
    /// up: what the enrolment answer announces as `max_report_age_weeks`.
    pub fn report_age_weeks(&self) -> u32 {
        let window = self.collection_window();
        let week = IsoWeek::from_index(0);
        let open_seconds = (window.publication_at(week)
            - week.next().monday().and_time(chrono::NaiveTime::MIN).and_utc())
        .num_seconds()
        .max(0);
        let week_seconds = 7 * 24 * 60 * 60;
        u32::try_from((open_seconds + week_seconds - 1) / week_seconds).unwrap_or(u32::MAX)
    }

    /// How weeks are published under this configuration.
    pub fn publication(&self) -> PublicationSettings {
        PublicationSettings { window: self.collection_window(), histogram_minimum: self.histogram_minimum }
    }
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            max_random_delay_seconds: 48 * 60 * 60,
            acceptance_seconds: 72 * 60 * 60,
            histogram_minimum: 0,
            body_limit_bytes: 64 * 1024,
            max_query_weeks: 160,
            cx_body_limit_bytes: crate::cx::DEFAULT_CX_BODY_LIMIT_BYTES,
            request_timeout_seconds: 60,
            rate_limits: RateLimitConfig::default(),
        }
    }
}

/// What every handler shares: the store, the clock and the configuration.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn ServerStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: ServerConfig,
    pub(crate) publisher: Arc<Publisher>,
}

impl AppState {
    /// The state of a server over `store`, reading time from `clock`.
    pub fn new(store: Arc<dyn ServerStore>, clock: Arc<dyn Clock>, config: ServerConfig) -> AppState {
        AppState { store, clock, config, publisher: Arc::new(Publisher::default()) }
    }

    /// The state with `helper` as the way to reach two-server helpers
    /// (tests and the demo use one in process).
    pub fn with_helper_api(mut self, helper: Arc<dyn crate::leader::HelperApi>) -> AppState {
        self.publisher = Arc::new(Publisher::with_helper(helper));
        self
    }

    /// Publishes every organisation's due weeks now; the background task
    /// calls this every minute. Returns how many weeks were published.
    pub async fn publish_due_weeks(&self) -> Result<usize> {
        let publisher = Arc::clone(&self.publisher);
        let settings = self.config.publication();
        let now = self.clock.now();
        self.blocking(move |store| publisher.publish_all_due(store, settings, now)).await
    }

    /// Runs blocking store work off the async threads.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn ServerStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || crate::pg::may_block_here(|| work(store.as_ref())))
            .await
            .map_err(|error| ServerError::BlockingTask(error.to_string()))?
    }
}

/// A JSON body whose `wire_version` is checked before anything else is read,
/// so a peer from another version gets `unsupported_version`, not a field error.
pub(crate) struct VersionedJson<T>(pub(crate) T);

impl<T: DeserializeOwned> FromRequest<AppState> for VersionedJson<T> {
    type Rejection = ServerError;

    async fn from_request(request: Request, state: &AppState) -> Result<VersionedJson<T>> {
        let body = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ServerError::PayloadTooLarge { limit_bytes: state.config.body_limit_bytes }
            } else {
                ServerError::InvalidInput(format!(
                    "the request body could not be read: {}",
                    rejection.body_text()
                ))
            }
        })?;
        parse_versioned_json(&body).map(VersionedJson)
    }
}

/// Parses `body` as a `T` after checking its `wire_version`.
fn parse_versioned_json<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| ServerError::InvalidInput(format!("the body is not valid JSON: {error}")))?;
    match value.get("wire_version") {
        None => return Err(ServerError::InvalidInput("the body has no wire_version".to_owned())),
        Some(serde_json::Value::Number(number)) => match number.as_u64() {
            Some(version) if version == u64::from(WIRE_VERSION) => {}
            Some(version) => {
                return Err(ServerError::UnsupportedVersion { asked: version, supported: WIRE_VERSION });
            }
            None => return Err(ServerError::InvalidInput("wire_version must be a whole number".to_owned())),
        },
        Some(_) => return Err(ServerError::InvalidInput("wire_version must be a whole number".to_owned())),
    }
    serde_json::from_value(value).map_err(|error| {
        ServerError::InvalidInput(format!("the body does not have the expected shape: {error}"))
    })
}

/// The bearer token of a request, if it has the expected prefix.
pub(crate) fn bearer_token(headers: &HeaderMap, prefix: &str, missing: &'static str) -> Result<String> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ServerError::Unauthorized(missing))?;
    if !value.starts_with(prefix) || value.len() > 128 {
        return Err(ServerError::Unauthorized("this is not a token this endpoint accepts"));
    }
    Ok(value.to_owned())
}

/// An enrolled device, authenticated by its bearer token before the body is read.
pub(crate) struct AuthenticatedDevice {
    pub(crate) token: String,
    pub(crate) membership: DeviceMembership,
}

impl FromRequestParts<AppState> for AuthenticatedDevice {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<AuthenticatedDevice> {
        let attempt = AuthenticationAttempt::begin(parts, Instant::now())?;
        let outcome = async {
            let token = bearer_token(
                &parts.headers,
                DEVICE_TOKEN_PREFIX,
                "sending a report needs the device token as Authorization: Bearer",
            )?;
            let token_hash = hash_secret(&token);
            let membership = state
                .blocking(move |store| store.device(&token_hash))
                .await?
                .ok_or(ServerError::Unauthorized("this device token is not known; enrol the device again"))?;
            Ok(AuthenticatedDevice { token, membership })
        }
        .await;
        attempt.judge(outcome, Instant::now())
    }
}

/// HR or a manager, authenticated by an unrevoked HR or manager token: the
/// read paths that serve both (aggregates, units, the privacy ledger), each of
/// which narrows what it serves by [`HrAccess`]'s scope.
pub(crate) struct AuthenticatedReader(pub(crate) HrAccess);

impl FromRequestParts<AppState> for AuthenticatedReader {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<AuthenticatedReader> {
        let attempt = AuthenticationAttempt::begin(parts, Instant::now())?;
        let outcome = async {
            let token = bearer_token(
                &parts.headers,
                HR_TOKEN_PREFIX,
                "reading aggregates needs an HR token as Authorization: Bearer",
            )?;
            let token_hash = hash_secret(&token);
            state
                .blocking(move |store| store.hr_access(&token_hash))
                .await?
                .map(AuthenticatedReader)
                .ok_or(ServerError::Unauthorized("this HR token is not known or has been revoked"))
        }
        .await;
        attempt.judge(outcome, Instant::now())
    }
}

/// HR proper, authenticated by an unrevoked HR token for the organisation or
/// some departments; a manager's token is refused with `forbidden`, which
/// names no unit. Every route that is not written for managers takes this
/// one, so a route added later refuses managers unless it says otherwise.
pub(crate) struct AuthenticatedHr(pub(crate) HrAccess);

impl FromRequestParts<AppState> for AuthenticatedHr {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<AuthenticatedHr> {
        let AuthenticatedReader(access) = AuthenticatedReader::from_request_parts(parts, state).await?;
        if access.is_manager() {
            return Err(ServerError::Forbidden(
                "a manager token reads its own teams' results only; this needs an HR token".to_owned(),
            ));
        }
        Ok(AuthenticatedHr(access))
    }
}

pub(crate) fn unit_kind_name(unit: UnitKind) -> &'static str {
    match unit {
        UnitKind::Team => "team",
        UnitKind::Department => "department",
        UnitKind::Organisation => "organisation",
    }
}

/// Whether the server answers, and which wire version it speaks.
#[utoipa::path(get, path = "/v1/health", tag = "meta", responses((status = 200, body = polso_api::Health)))]
pub(crate) async fn health() -> Json<Health> {
    Json(Health { status: "ok".to_owned(), wire_version: WIRE_VERSION })
}

/// The weeks `from..=to` of a query, checked: both ISO weeks, in order,
/// spanning at most `max_query_weeks`.
pub(crate) fn query_weeks(from: &str, to: &str, max_query_weeks: u32) -> Result<RangeInclusive<IsoWeek>> {
    let from: IsoWeek = from.parse()?;
    let to: IsoWeek = to.parse()?;
    if from > to {
        return Err(ServerError::InvalidInput(format!("'from' ({from}) is after 'to' ({to})")));
    }
    let span_weeks = to.index() - from.index() + 1;
    if span_weeks > i64::from(max_query_weeks) {
        return Err(ServerError::InvalidInput(format!(
            "a query spans at most {max_query_weeks} weeks; this one spans {span_weeks}"
        )));
    }
    Ok(from..=to)
}

#[cfg(test)]
mod tests {
    use polso_api::{ErrorCode, WeeklyReport};

    use super::*;

    #[test]
    fn the_version_is_checked_before_the_shape() {
        let error = parse_versioned_json::<WeeklyReport>(br#"{"wire_version": 2, "note": "x"}"#).unwrap_err();
        assert_eq!(error.code(), ErrorCode::UnsupportedVersion);
        let error = parse_versioned_json::<WeeklyReport>(br#"{"wire_version": 1, "note": "x"}"#).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        let error = parse_versioned_json::<WeeklyReport>(br#"{"week": "2026-W01"}"#).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        let error = parse_versioned_json::<WeeklyReport>(br#"{"wire_version": "1"}"#).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput);
    }
}
