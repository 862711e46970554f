//! The sync client: enrolment with the organisation server and the weekly
//! reports, held until their week's pulse window closes and then sent with a
//! random delay, retried with backoff, idempotent.
//!
//! The privacy model (DESIGN.md, points 2–3) shapes every step here:
//!
//! - The device token lives only in the [`SecretVault`] (the OS keyring in the
//!   app), never in the store, a log or an error message.
//! - A report holds item values and metric scores only; [`report_for_pulse`]
//!   builds it from the saved pulse and leaves the note and the work week out
//!   by construction.
//! - A week's report is queued only once the week is closed (its answers are
//!   final), due at that moment plus a random delay of up to the server's
//!   `max_random_delay_seconds`, so its arrival does not point at a person.
//!
//! A pass is split in three so that the shell never holds the store while the
//! network is slow: [`crate::Desktop::prepare_sync`] (store, no network),
//! [`send_reports`] (network, no store) and [`crate::Desktop::record_sync`]
//! (store). HTTP sits behind [`SyncTransport`], so the tests need no network.
//! Nothing here reads a clock or draws random numbers: `today`, `now` and a
//! random source are arguments.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use polso_api::{
    ApiError, EnrolDevice, EnrolRequest, EnrolResponse, ErrorCode, ReportAck, ReportedScore, ReportedValue,
    WIRE_VERSION, WeeklyReport,
};
use polso_core::IsoWeek;
use polso_store::SavedPulse;

use crate::convert::metric_to_wire;

/// How long one HTTP exchange with the server may take before it counts as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// The wait before the first retry of a report; each further retry doubles it.
pub const FIRST_RETRY_DELAY_SECONDS: i64 = 60;

/// The longest wait between two retries of a report.
pub const LONGEST_RETRY_DELAY_SECONDS: i64 = 60 * 60;

/// What the server answered: its status and its body, unread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// The HTTP status code.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

/// The server could not be reached at all: no network, a wrong host, a refused
/// connection, a timeout, a broken TLS handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    /// What the HTTP client reported.
    pub detail: String,
}

/// The one thing the sync client asks of HTTP. The app uses [`UreqTransport`];
/// tests use a fake that answers from a script.
pub trait SyncTransport {
    /// POSTs `body` (JSON) to `url`, with `Authorization: Bearer <token>` when
    /// `bearer_token` is given, and returns any answer, whatever its status.
    fn post_json(
        &self,
        url: &str,
        bearer_token: Option<&str>,
        body: &str,
    ) -> Result<HttpAnswer, TransportFailure>;
}

/// HTTP over `ureq`, blocking, with rustls for `https://` addresses: the
/// aws-lc-rs crypto provider (the one the rest of the workspace uses, so a
/// build with both never leaves rustls unable to choose) and the Mozilla roots.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
}

impl UreqTransport {
    /// A client whose requests give up after 20 seconds.
    pub fn new() -> UreqTransport {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::WebPki)
            .unversioned_rustls_crypto_provider(std::sync::Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("polso-desktop/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        UreqTransport { agent }
    }
}

impl UreqTransport {
    /// The configured agent, for the other exchanges of this crate.
    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.agent
    }
}

impl Default for UreqTransport {
    fn default() -> UreqTransport {
        UreqTransport::new()
    }
}

impl SyncTransport for UreqTransport {
    fn post_json(
        &self,
        url: &str,
        bearer_token: Option<&str>,
        body: &str,
    ) -> Result<HttpAnswer, TransportFailure> {
        let mut request = self.agent.post(url).header("Content-Type", "application/json");
        if let Some(token) = bearer_token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let failure = |error: ureq::Error| TransportFailure { detail: error.to_string() };
        let mut response = request.send(body).map_err(failure)?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().map_err(failure)?;
        Ok(HttpAnswer { status, body })
    }
}

/// What a successful enrolment brings home: the server's address, as
/// normalised, and its answer, token included.
pub struct Enrolment {
    /// The server's address, such as `"https://polso.example.org"`.
    pub server_url: String,
    /// The server's answer.
    pub response: EnrolResponse,
}

impl std::fmt::Debug for Enrolment {
    /// Leaves the device token out, so a debug print cannot leak it.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Enrolment")
            .field("server_url", &self.server_url)
            .field("team_id", &self.response.team_id)
            .field("team_name", &self.response.team_name)
            .finish_non_exhaustive()
    }
}

/// The server's address as typed, checked and normalised: spaces and trailing
/// slashes removed; it must be `http://` or `https://` with a host.
pub fn normalise_server_url(text: &str) -> Result<String, ApiError> {
    let trimmed = text.trim().trim_end_matches('/');
    let invalid = |why: &str| {
        ApiError::new(ErrorCode::InvalidServerAddress, format!("the server address '{trimmed}' {why}"))
    };
    let lowercase = trimmed.to_ascii_lowercase();
    let rest = if let Some(rest) = lowercase.strip_prefix("https://") {
        rest
    } else if let Some(rest) = lowercase.strip_prefix("http://") {
        rest
    } else {
        return Err(invalid("does not start with https:// or http://"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(invalid("has no host name"));
    }
    if rest.contains(['?', '#']) || trimmed.chars().any(char::is_whitespace) || host.contains('@') {
        return Err(invalid("holds spaces, a query, a fragment or a user name"));
    }
    Ok(trimmed.to_owned())
}

/// Redeems an invite code at the server (`POST /v1/enrol`). Touches no store:
/// the shell calls it without holding the app's state, then hands the result
/// to [`crate::Desktop::complete_enrolment`].
pub fn request_enrolment(transport: &dyn SyncTransport, form: &EnrolDevice) -> Result<Enrolment, ApiError> {
    let server_url = normalise_server_url(&form.server_url)?;
    let invite_code = form.invite_code.trim();
    if invite_code.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "the invite code is empty"));
    }
    let request = EnrolRequest { wire_version: WIRE_VERSION, invite_code: invite_code.to_owned() };
    let body = serde_json::to_string(&request)
        .map_err(|error| ApiError::new(ErrorCode::Internal, format!("encoding the enrolment: {error}")))?;
    let url = format!("{server_url}/v1/enrol");
    let answer =
        transport.post_json(&url, None, &body).map_err(|failure| unreachable(&server_url, &failure))?;
    if !(200..300).contains(&answer.status) {
        return Err(server_error(&server_url, &answer).unwrap_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidServerAddress,
                format!(
                    "the server at {server_url} does not answer like a Polso server (HTTP {})",
                    answer.status
                ),
            )
        }));
    }
    let response: EnrolResponse = serde_json::from_str(&answer.body).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidServerAddress,
            format!("the server at {server_url} does not answer like a Polso server"),
        )
    })?;
    if response.wire_version != WIRE_VERSION {
        return Err(ApiError::new(
            ErrorCode::UnsupportedVersion,
            format!(
                "the server at {server_url} speaks wire version {}; this Polso speaks {WIRE_VERSION}",
                response.wire_version
            ),
        ));
    }
    Ok(Enrolment { server_url, response })
}

/// A week's report as it leaves the device: the item values and metric scores
/// of the saved pulse, and nothing else. The note and the work week have no
/// field to go into.
pub fn report_for_pulse(pulse: &SavedPulse) -> WeeklyReport {
    WeeklyReport {
        wire_version: WIRE_VERSION,
        week: pulse.week.to_string(),
        items: pulse
            .answers
            .iter()
            .map(|answer| ReportedValue { item_id: answer.item.to_string(), value: answer.value })
            .collect(),
        metrics: pulse
            .scores
            .iter()
            .map(|score| ReportedScore { metric: metric_to_wire(score.metric), score: score.score })
            .collect(),
    }
}

/// Whether the pulse window of `week` has closed on `today`: it closes at the
/// end of its Sunday, in the employee's local time.
pub fn week_is_closed(week: IsoWeek, today: NaiveDate) -> bool {
    today > week.sunday()
}

/// The random delay before a newly closed week's report is due: uniform in
/// `0..=max_delay_seconds`, drawn from `random`.
pub fn random_delay(max_delay_seconds: u32, random: &mut dyn FnMut() -> u64) -> chrono::Duration {
    let span = u64::from(max_delay_seconds) + 1;
    // The modulo bias over a 64-bit draw is below 2^-32: irrelevant here.
    chrono::Duration::seconds(i64::try_from(random() % span).unwrap_or(0))
}

/// The wait before the next attempt after `attempts` failed ones: one minute,
/// doubling each time, never more than an hour.
pub fn retry_delay(attempts: u32) -> chrono::Duration {
    let doublings = attempts.saturating_sub(1).min(16);
    let seconds = FIRST_RETRY_DELAY_SECONDS.saturating_mul(1 << doublings).min(LONGEST_RETRY_DELAY_SECONDS);
    chrono::Duration::seconds(seconds)
}

/// The reports one pass sends, with where and how; built by
/// [`crate::Desktop::prepare_sync`]. Holds the device token, so it has no
/// `Debug` that prints it.
pub struct SyncBatch {
    pub(crate) server_url: String,
    pub(crate) device_token: String,
    pub(crate) reports: Vec<DueReport>,
}

impl SyncBatch {
    /// The weeks this pass sends, oldest first.
    pub fn weeks(&self) -> Vec<IsoWeek> {
        self.reports.iter().map(|report| report.week).collect()
    }
}

impl std::fmt::Debug for SyncBatch {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SyncBatch")
            .field("server_url", &self.server_url)
            .field("weeks", &self.weeks())
            .finish_non_exhaustive()
    }
}

/// One queued report due now.
pub(crate) struct DueReport {
    pub(crate) week: IsoWeek,
    pub(crate) payload: String,
}

/// What became of one report in a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The server counted it now or had counted it before.
    Sent {
        /// The report's week.
        week: IsoWeek,
    },
    /// It could not be delivered now; try again after a backoff.
    Retry {
        /// The report's week.
        week: IsoWeek,
        /// Why, in words.
        error: ApiError,
    },
    /// The server refused it for good; it is not sent again.
    Refused {
        /// The report's week.
        week: IsoWeek,
        /// The server's reason.
        error: ApiError,
    },
}

/// Sends each report of `batch` (`POST /v1/reports`). Touches no store. When
/// the server cannot be reached, the rest of the batch is not tried: they
/// all wait for the next pass.
pub fn send_reports(transport: &dyn SyncTransport, batch: &SyncBatch) -> Vec<SendOutcome> {
    let url = format!("{}/v1/reports", batch.server_url);
    let mut outcomes = Vec::with_capacity(batch.reports.len());
    let mut unreachable_error: Option<ApiError> = None;
    for report in &batch.reports {
        let week = report.week;
        if let Some(error) = &unreachable_error {
            outcomes.push(SendOutcome::Retry { week, error: error.clone() });
            continue;
        }
        let answer = match transport.post_json(&url, Some(&batch.device_token), &report.payload) {
            Ok(answer) => answer,
            Err(failure) => {
                let error = unreachable(&batch.server_url, &failure);
                unreachable_error = Some(error.clone());
                outcomes.push(SendOutcome::Retry { week, error });
                continue;
            }
        };
        outcomes.push(classify_report_answer(&batch.server_url, week, &answer));
    }
    outcomes
}

/// Sorts the server's answer to a report into sent, retry and refused.
fn classify_report_answer(server_url: &str, week: IsoWeek, answer: &HttpAnswer) -> SendOutcome {
    match answer.status {
        200..=299 => match serde_json::from_str::<ReportAck>(&answer.body) {
            Ok(ack) if ack.week == week.to_string() => SendOutcome::Sent { week },
            _ => SendOutcome::Retry {
                week,
                error: ApiError::new(
                    ErrorCode::Internal,
                    format!(
                        "the server at {server_url} answered the report for {week} in a way Polso does not understand"
                    ),
                ),
            },
        },
        // Timeouts and rate limits are worth another try; so is any server fault.
        408 | 429 | 500..=599 => SendOutcome::Retry {
            week,
            error: server_error(server_url, answer)
                .unwrap_or_else(|| status_error(server_url, answer.status)),
        },
        400..=499 => SendOutcome::Refused {
            week,
            error: server_error(server_url, answer)
                .unwrap_or_else(|| status_error(server_url, answer.status)),
        },
        _ => SendOutcome::Retry { week, error: status_error(server_url, answer.status) },
    }
}

/// The server's own `{code, message}`, when the body is one.
pub(crate) fn server_error(server_url: &str, answer: &HttpAnswer) -> Option<ApiError> {
    let error: ApiError = serde_json::from_str(&answer.body).ok()?;
    Some(ApiError::new(error.code, format!("the server at {server_url} answered: {}", error.message)))
}

pub(crate) fn status_error(server_url: &str, status: u16) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("the server at {server_url} answered with HTTP status {status}"),
    )
}

pub(crate) fn unreachable(server_url: &str, failure: &TransportFailure) -> ApiError {
    ApiError::new(
        ErrorCode::ServerUnreachable,
        format!("the server at {server_url} could not be reached: {}", failure.detail),
    )
}

/// The instant a report due after a failed attempt may be tried again.
pub(crate) fn next_attempt_at(now: DateTime<Utc>, attempts_so_far: u32) -> DateTime<Utc> {
    now + retry_delay(attempts_so_far.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_normalised_or_refused() {
        for (typed, normal) in [
            ("https://polso.example.org", "https://polso.example.org"),
            ("  https://polso.example.org/ ", "https://polso.example.org"),
            ("http://127.0.0.1:8080//", "http://127.0.0.1:8080"),
            ("HTTPS://Polso.Example.org/base", "HTTPS://Polso.Example.org/base"),
        ] {
            assert_eq!(normalise_server_url(typed).unwrap(), normal, "{typed:?}");
        }
        for bad in [
            "",
            "polso.example.org",
            "ftp://x",
            "https://",
            "http://:8080",
            "https://a b",
            "https://x?y=1",
            "https://user@x",
        ] {
            let error = normalise_server_url(bad).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidServerAddress, "{bad:?}");
        }
    }

    #[test]
    fn a_closed_port_is_a_transport_failure_not_an_answer() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let result = UreqTransport::new().post_json(&format!("http://{address}/v1/enrol"), None, "{}");
        assert!(result.is_err(), "{result:?}");
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let seconds: Vec<i64> = (1..=9).map(|attempts| retry_delay(attempts).num_seconds()).collect();
        assert_eq!(seconds, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(retry_delay(u32::MAX).num_seconds(), 3600);
    }

    #[test]
    fn random_delays_stay_within_the_window() {
        let mut draws = [0u64, 21600, 21601, u64::MAX].into_iter();
        let mut random = move || draws.next().unwrap_or(0);
        let delays: Vec<i64> = (0..4).map(|_| random_delay(21600, &mut random).num_seconds()).collect();
        assert_eq!(delays, [0, 21600, 0, (u64::MAX % 21601) as i64]);
        assert_eq!(random_delay(0, &mut || 12345).num_seconds(), 0);
    }

    #[test]
    fn a_week_closes_after_its_sunday() {
        let week = IsoWeek::new(2026, 48).unwrap();
        let date = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        assert!(!week_is_closed(week, date(26)));
        assert!(!week_is_closed(week, date(29)), "Sunday is still open");
        assert!(week_is_closed(week, date(30)));
    }

    #[test]
    fn answers_to_a_report_are_sorted_into_sent_retry_and_refused() {
        let week = IsoWeek::new(2026, 48).unwrap();
        let answer = |status, body: &str| HttpAnswer { status, body: body.to_owned() };
        let server = "http://server";
        let cases = [
            (answer(200, r#"{"week":"2026-W48","status":"accepted"}"#), "sent", None),
            (answer(200, r#"{"week":"2026-W48","status":"duplicate"}"#), "sent", None),
            (answer(200, r#"{"week":"2026-W47","status":"accepted"}"#), "retry", Some(ErrorCode::Internal)),
            (answer(200, "<html>"), "retry", Some(ErrorCode::Internal)),
            (
                answer(409, r#"{"code":"duplicate_report","message":"different"}"#),
                "refused",
                Some(ErrorCode::DuplicateReport),
            ),
            (
                answer(401, r#"{"code":"unauthorized","message":"revoked"}"#),
                "refused",
                Some(ErrorCode::Unauthorized),
            ),
            (answer(404, "not json"), "refused", Some(ErrorCode::Internal)),
            (answer(429, ""), "retry", Some(ErrorCode::Internal)),
            (answer(503, r#"{"code":"internal","message":"busy"}"#), "retry", Some(ErrorCode::Internal)),
        ];
        for (answer, kind, code) in cases {
            let outcome = classify_report_answer(server, week, &answer);
            let (found_kind, found_code) = match &outcome {
                SendOutcome::Sent { .. } => ("sent", None),
                SendOutcome::Retry { error, .. } => ("retry", Some(error.code)),
                SendOutcome::Refused { error, .. } => ("refused", Some(error.code)),
            };
            assert_eq!((found_kind, found_code), (kind, code), "{answer:?}");
        }
    }
}
