//! HR's HTTP: the one trait the views ask of it ([`HrTransport`]), its `ureq` implementation,
//! where and with which token it reads ([`HrCredentials`]), and how an answer is read: the
//! server's JSON, or its own error, or "not a Polso server".

use polso_api::{ApiError, ErrorCode};

use crate::sync::{HttpAnswer, TransportFailure, UreqTransport, server_error, status_error, unreachable};

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

/// One authenticated `GET` of `path_and_query` on the HR server, its answer
/// read as `T`; an error answer becomes the server's own error, and an answer
/// that is not Polso's JSON becomes `invalid_server_address`.
pub(crate) fn get_from_server<T: serde::de::DeserializeOwned>(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    path_and_query: &str,
) -> Result<T, ApiError> {
    let server_url = &credentials.server_url;
    let answer = transport
        .get_json(&format!("{server_url}{path_and_query}"), &credentials.hr_token)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if !(200..300).contains(&answer.status) {
        return Err(answer_error(server_url, &answer));
    }
    serde_json::from_str::<T>(&answer.body).map_err(|_| not_polso(server_url))
}

/// One authenticated JSON `POST` of `body` to `path` on the HR server, its answer read as `T`;
/// errors as for [`get_from_server`].
pub(crate) fn post_to_server<T: serde::de::DeserializeOwned>(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    path: &str,
    body: &impl serde::Serialize,
) -> Result<T, ApiError> {
    let server_url = &credentials.server_url;
    let body = serde_json::to_string(body)
        .map_err(|error| ApiError::new(ErrorCode::InvalidInput, format!("encoding the request: {error}")))?;
    let answer = transport
        .post_json(&format!("{server_url}{path}"), &credentials.hr_token, &body)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if !(200..300).contains(&answer.status) {
        return Err(answer_error(server_url, &answer));
    }
    serde_json::from_str::<T>(&answer.body).map_err(|_| not_polso(server_url))
}

pub(crate) fn not_polso(server_url: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidServerAddress,
        format!("the server at {server_url} does not answer like a Polso server"),
    )
}

pub(crate) fn answer_error(server_url: &str, answer: &HttpAnswer) -> ApiError {
    server_error(server_url, answer).unwrap_or_else(|| match answer.status {
        404 => ApiError::new(
            ErrorCode::InvalidServerAddress,
            format!("the server at {server_url} does not answer like a Polso server (HTTP 404)"),
        ),
        status => status_error(server_url, status),
    })
}

/// Where HR reads and with which token. Has no `Debug` that prints the token.
#[derive(Clone)]
pub struct HrCredentials {
    pub(super) server_url: String,
    pub(super) hr_token: String,
}

impl HrCredentials {
    /// The server's address.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The HR token, for comparing with the demo's.
    pub(crate) fn hr_token(&self) -> &str {
        &self.hr_token
    }

    #[cfg(test)]
    pub(crate) fn for_tests(server_url: &str, hr_token: &str) -> HrCredentials {
        HrCredentials { server_url: server_url.to_owned(), hr_token: hr_token.to_owned() }
    }
}

impl std::fmt::Debug for HrCredentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("HrCredentials").field("server_url", &self.server_url).finish_non_exhaustive()
    }
}
