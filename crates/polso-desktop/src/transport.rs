//! HTTP as the app speaks it to an organisation server: what an answer is ([`HttpAnswer`]) or
//! why there was none ([`TransportFailure`]), the two traits the device's posts
//! ([`SyncTransport`]) and the reads ([`HrTransport`]) ask of it, their `ureq` implementation
//! ([`UreqTransport`]), the address and token of a device's read ([`SyncCheck`]), and how an
//! answer that is not a success becomes an error. The lowest layer of the app's network code:
//! enrolment, reports, comments, care contacts and HR's views all build on it.

use std::time::Duration;

use polso_api::{ApiError, ErrorCode};

/// How long one HTTP exchange with the server may take before it counts as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What the server answered: its status and its body, unread.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// The HTTP status code.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

impl std::fmt::Debug for HttpAnswer {
    /// The status and the body's length only: a body may hold a token (an enrolment's does).
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("HttpAnswer")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish()
    }
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

    /// POSTs like [`SyncTransport::post_json`] and also returns the answer's
    /// `Retry-After` header, when it has one. The default sees no header: a
    /// transport that cannot read headers retries on Polso's own backoff.
    fn post_json_with_retry_after(
        &self,
        url: &str,
        bearer_token: Option<&str>,
        body: &str,
    ) -> Result<(HttpAnswer, Option<String>), TransportFailure> {
        self.post_json(url, bearer_token, body).map(|answer| (answer, None))
    }
}

/// HTTP over `ureq`, blocking, with the system's OpenSSL for `https://` addresses (the
/// libcrypto SQLCipher and the keyring's session already use, so the app carries one crypto
/// library for all three) and the system's trust store: an organisation server whose
/// certificate comes from the company's own authority, installed on its computers, is
/// trusted as the browser trusts it.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
}

impl UreqTransport {
    /// A client whose requests give up after 20 seconds.
    pub fn new() -> UreqTransport {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
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
        self.post_json_with_retry_after(url, bearer_token, body).map(|(answer, _)| answer)
    }

    fn post_json_with_retry_after(
        &self,
        url: &str,
        bearer_token: Option<&str>,
        body: &str,
    ) -> Result<(HttpAnswer, Option<String>), TransportFailure> {
        let mut request = self.agent.post(url).header("Content-Type", "application/json");
        if let Some(token) = bearer_token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let failure = |error: ureq::Error| TransportFailure { detail: error.to_string() };
        let mut response = request.send(body).map_err(failure)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("Retry-After")
            .and_then(|value| value.to_str().ok())
            .map(|text| text.trim().to_owned());
        let body = response.body_mut().read_to_string().map_err(failure)?;
        Ok((HttpAnswer { status, body }, retry_after))
    }
}

/// The server and device token with which a pass that had nothing to send
/// checks that the server still answers; built by
/// [`crate::Desktop::prepare_check`]. Holds the device token, so it has no
/// `Debug` that prints it.
pub struct SyncCheck {
    pub(crate) server_url: String,
    pub(crate) device_token: String,
}

impl std::fmt::Debug for SyncCheck {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("SyncCheck").field("server_url", &self.server_url).finish_non_exhaustive()
    }
}

/// The one thing HR's view asks of HTTP: a GET with HR's bearer token.
pub trait HrTransport {
    /// GETs `url` with `Authorization: Bearer <bearer_token>` and returns any
    /// answer, whatever its status.
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure>;

    /// POSTs `body` as `text/csv` to `url` with HR's bearer token and returns
    /// any answer, whatever its status.
    fn post_csv(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure>;

    /// PUTs `body` as JSON to `url` with HR's bearer token and returns any
    /// answer, whatever its status. Transports that never save anything (the
    /// test fakes of reads) keep the default, which sends nothing.
    fn put_json(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let _ = (url, bearer_token, body);
        Err(TransportFailure { detail: "this transport sends no PUT".to_owned() })
    }

    /// POSTs `body` as JSON to `url` with HR's bearer token and returns any
    /// answer, whatever its status. Transports that never record anything
    /// keep the default, which sends nothing.
    fn post_json(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let _ = (url, bearer_token, body);
        Err(TransportFailure { detail: "this transport sends no JSON POST".to_owned() })
    }
}

impl HrTransport for UreqTransport {
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure> {
        let request = self.agent().get(url).header("Accept", "application/json");
        answer_of(request.header("Authorization", format!("Bearer {bearer_token}")).call())
    }

    fn post_csv(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let request = self.agent().post(url).header("Content-Type", "text/csv; charset=utf-8");
        answer_of(with_json_answer(request, bearer_token).send(body))
    }

    fn put_json(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let request = self.agent().put(url).header("Content-Type", "application/json");
        answer_of(with_json_answer(request, bearer_token).send(body))
    }

    fn post_json(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        let request = self.agent().post(url).header("Content-Type", "application/json");
        answer_of(with_json_answer(request, bearer_token).send(body))
    }
}

/// `request` asking for JSON with HR's bearer token.
fn with_json_answer(
    request: ureq::RequestBuilder<ureq::typestate::WithBody>,
    bearer_token: &str,
) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
    request.header("Accept", "application/json").header("Authorization", format!("Bearer {bearer_token}"))
}

/// Any answer, whatever its status, or why there was none.
fn answer_of(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<HttpAnswer, TransportFailure> {
    let failure = |error: ureq::Error| TransportFailure { detail: error.to_string() };
    let mut response = response.map_err(failure)?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().map_err(failure)?;
    Ok(HttpAnswer { status, body })
}

/// The error of an answer that is not a success: the server's own
/// `{code, message}`, or else (`Err`) a fault to try again. A refusal for
/// good needs Polso's own words: a 4xx without them is a proxy or a load
/// balancer speaking (a 404 from a misrouted request, a 403 from a firewall's
/// page, a cut-off body), which says nothing about what was sent.
pub(crate) fn polso_error(server_url: &str, answer: &HttpAnswer) -> Result<ApiError, ApiError> {
    server_error(server_url, answer).ok_or_else(|| status_error(server_url, answer.status))
}

/// The server's own `{code, message}` (and its time, when it gave it), when the body is one.
pub(crate) fn server_error(server_url: &str, answer: &HttpAnswer) -> Option<ApiError> {
    let error: ApiError = serde_json::from_str(&answer.body).ok()?;
    Some(ApiError {
        server_time: error.server_time,
        ..ApiError::new(error.code, format!("the server at {server_url} answered: {}", error.message))
    })
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

#[cfg(test)]
mod tests {
    use polso_api::EnrolResponse;

    use super::*;
    use crate::sync_tests::enrol_response;

    #[test]
    fn a_debug_print_of_an_answer_or_an_enrolment_shows_no_token() {
        let body = enrol_response(3600);
        let response: EnrolResponse = serde_json::from_str(&body).unwrap();
        let token = response.device_token.clone();
        let answer = HttpAnswer { status: 201, body };
        for printed in [format!("{response:?}"), format!("{answer:?}"), format!("{answer:#?}")] {
            assert!(!printed.contains(&token), "{printed}");
        }
        assert!(format!("{response:?}").contains("team_1"), "the rest is still shown");
        assert!(format!("{answer:?}").contains("201"));
    }
}
