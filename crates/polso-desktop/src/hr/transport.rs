//! HR's reads over HTTP ([`HrTransport`], in [`crate::transport`] with its `ureq`
//! implementation): where and with which token HR reads ([`HrCredentials`]), and how an answer is
//! read: the server's JSON, or its own error, or "not a Polso server".

use polso_api::{ApiError, ErrorCode};

use crate::transport::{HrTransport, HttpAnswer, server_error, status_error, unreachable};

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
