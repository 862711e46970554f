//! HR's actions for a team: record one (`POST /v1/actions`) and list a team's
//! (`GET /v1/actions?team_id=`), with HR's token. Network only, no store; the
//! team's employees read them with their month ([`crate::team_results`]).

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use polso_api::{ActionList, ApiError, NewAction, TeamAction};

use crate::hr::{HrCredentials, HrTransport, get_from_server, post_to_server};

/// Records `action` at the server; its refusal (a field, a team out of reach) comes back as the
/// server worded it.
pub fn record_action(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    action: &NewAction,
) -> Result<TeamAction, ApiError> {
    post_to_server(transport, credentials, "/v1/actions", action)
}

/// The actions recorded for `team_id`, newest first.
pub fn read_team_actions(
    transport: &dyn HrTransport,
    credentials: &HrCredentials,
    team_id: &str,
) -> Result<ActionList, ApiError> {
    let team = utf8_percent_encode(team_id, NON_ALPHANUMERIC);
    get_from_server(transport, credentials, &format!("/v1/actions?team_id={team}"))
}

#[cfg(test)]
#[path = "actions_tests.rs"]
mod tests;
