//! Actions: what HR (or a manager) will do about a team's results, recorded as a short text, an
//! owner and a date, and shown to the people of that team in the app's "My team" view.
//!
//! An action is HR's own writing about a team, not anyone's answer: it carries no figure and is
//! shown only to HR tokens that reach the team and to the team's own devices.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The most characters an action's text has.
pub const MAX_ACTION_TEXT_CHARS: usize = 500;

/// The most characters an action's owner has.
pub const MAX_ACTION_OWNER_CHARS: usize = 100;

/// What HR records (`POST /v1/actions`, HR token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    /// The team the action is for.
    pub team_id: String,
    /// What will be done, 1 to 500 characters, such as "Move the weekly stand-up to Tuesdays".
    pub text: String,
    /// Who will do it, 1 to 100 characters, such as "Giulia (team lead)".
    pub owner: String,
    /// By when, `YYYY-MM-DD`.
    pub due: String,
}

/// A recorded action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamAction {
    /// Its id.
    pub id: String,
    /// The team it is for.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
    /// What will be done.
    pub text: String,
    /// Who will do it.
    pub owner: String,
    /// By when, `YYYY-MM-DD`.
    pub due: String,
    /// When HR recorded it, RFC 3339.
    pub recorded_at: String,
    /// The team's released "did it help?" answers; absent until the first step of at least k
    /// answers is released.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub verdicts: Option<crate::ActionVerdicts>,
}

/// The actions of the teams asked for, newest first (`GET /v1/actions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionList {
    /// The actions.
    pub actions: Vec<TeamAction>,
}

/// Which team's actions to list (`GET /v1/actions?team_id=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ActionQuery {
    /// The team.
    pub team_id: String,
}
