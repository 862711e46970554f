//! What joining a team brings home ([`Enrolment`]), and the settings keys of the organisation
//! and team it is kept under that more than one part of the app reads.

use polso_api::EnrolResponse;

/// The settings keys of the enrolment that other modules read; the rest are `reporting`'s.
pub(crate) const ORGANISATION_ID_KEY: &str = "sync.organisation_id";
pub(crate) const TEAM_ID_KEY: &str = "sync.team_id";

/// What a successful enrolment brings home: the server's address, as
/// normalised, its answer, token included, and, for a personal code, the
/// fingerprint of the team key the credential was signed under.
/// Its `Debug` shows no token: [`EnrolResponse`]'s leaves it out.
#[derive(Debug)]
pub struct Enrolment {
    /// The server's address, such as `"https://polso.example.org"`.
    pub server_url: String,
    /// The server's answer.
    pub response: EnrolResponse,
    /// The fingerprint of the team key ([`polso_core::key_fingerprint`]) when
    /// the device enrolled with a personal code; `None` for an invite code.
    pub team_key_fingerprint: Option<String>,
}
