//! What handlers check of a request before they touch the store: that a team is within the
//! token's reach (answered exactly as a team that does not exist when it is not, so the answer is
//! no oracle of the organisation's teams), and that a free-text field is of the allowed length.

use crate::error::{Result, ServerError};
use crate::store::{HrAccess, OrganisationTree};

/// The name of `team_id` when the token reaches it; `not_found` alike for a team outside its reach
/// and for no team at all.
pub(crate) fn team_in_reach(tree: &OrganisationTree, access: &HrAccess, team_id: &str) -> Result<String> {
    tree.departments
        .iter()
        .flat_map(|department| department.teams.iter().map(move |team| (department, team)))
        .find(|(department, team)| team.id == team_id && access.reaches_team(&department.id, &team.id))
        .map(|(_, team)| team.name.clone())
        .ok_or_else(|| {
            ServerError::NotFound(format!(
                "there is no team '{}' within this token's reach",
                shorten(team_id)
            ))
        })
}

/// `text` trimmed: 1 to `max` characters, no control character but line breaks in the text.
pub(crate) fn checked_text(field: &str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    let length = text.chars().count();
    let control =
        text.chars().any(|character| character.is_control() && !(field == "text" && character == '\n'));
    if length == 0 || length > max || control {
        return Err(ServerError::InvalidInput(format!(
            "field '{field}' has 1 to {max} characters and no control character ({length} given)"
        )));
    }
    Ok(text.to_owned())
}

/// At most 60 characters of a value, for an error message.
pub(crate) fn shorten(value: &str) -> String {
    value.chars().take(60).collect()
}
