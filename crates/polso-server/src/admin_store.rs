//! What the administrator's roster commands need from the store, beyond the
//! [`ServerStore`] the HTTP handlers use: team head-counts, and listing and
//! revoking invite codes, devices and HR tokens.
//!
//! A trait of its own so that the request path's trait stays small; a backend
//! implements both (`AdminStore` requires `ServerStore`). Nothing here lists
//! a secret: invite codes and devices are named by short opaque ids derived
//! from their hashes ([`invite_id`], [`device_id`]), never by the code or
//! token, and a device carries no enrolment time beyond its ISO week.

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;

use crate::error::{Result, ServerError};
use crate::secrets::{Hash32, keyed_hash, to_hex};
use crate::store::ServerStore;

/// The largest head-count a team can declare, as the schema checks it.
pub const MAX_HEADCOUNT: u32 = 10_000;

/// How many bytes an invite or device id shows: 48 bits, so ten thousand
/// devices collide with a chance below one in a billion, and a collision is
/// refused rather than guessed.
pub const ID_BYTES: usize = 6;

/// The prefix of an invite's id.
pub const INVITE_ID_PREFIX: &str = "inv_";

/// The prefix of a device's id.
pub const DEVICE_ID_PREFIX: &str = "dev_";

/// The id an administrator names an invite by: `inv_` and the first bytes of
/// an HMAC of its code's hash under the server's secret. Keyed, because a code
/// carries only 60 random bits: a plain hash prefix printed in a terminal
/// would narrow an offline search for the code; this one cannot be computed
/// without the database.
pub fn invite_id(server_secret: &Hash32, code_hash: &Hash32) -> String {
    let keyed = keyed_hash(server_secret, &[b"polso invite id", code_hash]);
    format!("{INVITE_ID_PREFIX}{}", to_hex(&keyed[..ID_BYTES]))
}

/// The id an administrator names a device by: `dev_` and the first bytes of
/// its token's hash (the token carries 256 random bits, so a prefix of its
/// hash gives nothing away).
pub fn device_id(token_hash: &Hash32) -> String {
    format!("{DEVICE_ID_PREFIX}{}", to_hex(&token_hash[..ID_BYTES]))
}

/// An invite or device id as typed, checked against its shape and returned in
/// lower case; `InvalidInput` naming the expected shape otherwise.
pub fn checked_id(id: &str, prefix: &str, what: &str) -> Result<String> {
    let id = id.trim().to_ascii_lowercase();
    let well_formed = id
        .strip_prefix(prefix)
        .is_some_and(|hex| hex.len() == 2 * ID_BYTES && hex.bytes().all(|byte| byte.is_ascii_hexdigit()));
    if !well_formed {
        return Err(ServerError::InvalidInput(format!(
            "'{id}' is not {what} id: ids look like {prefix}{}",
            "0".repeat(2 * ID_BYTES)
        )));
    }
    Ok(id)
}

/// A team's head-count and how many devices it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamHeadcount {
    /// The team's id.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
    /// The team's department id.
    pub department_id: String,
    /// The declared head-count; `None` until the administrator declares it,
    /// and while it is `None` no device can enrol.
    pub headcount: Option<u32>,
    /// How many devices are enrolled to the team.
    pub n_devices: u32,
}

/// An invite code as listed: never the code itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteSummary {
    /// Its id (`inv_` and a hash prefix), to revoke it.
    pub id: String,
    /// The team it enrols into.
    pub team_id: String,
    /// How many more devices it can enrol (the team's head-count still applies).
    pub uses_left: u32,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// An enrolled device as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSummary {
    /// Its id (`dev_` and a hash prefix), to revoke it.
    pub id: String,
    /// Its team.
    pub team_id: String,
    /// The ISO week it enrolled in; `None` for devices enrolled before the server recorded it.
    pub enrolled_week: Option<IsoWeek>,
}

/// An HR or manager token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrTokenSummary {
    /// Its id, to revoke it.
    pub id: String,
    /// What it reaches: the whole organisation, some departments, or (a manager's) some teams.
    pub scope: crate::store::GrantedScope,
    /// Whether it has been revoked.
    pub revoked: bool,
}

/// The store's side of the administrator's roster commands.
pub trait AdminStore: ServerStore {
    /// Declares a team's head-count (1 to [`MAX_HEADCOUNT`]). Refused with
    /// `InvalidInput` when the team already holds more devices than `headcount`:
    /// revoke devices first. `NotFound` when there is no such team.
    fn set_headcount(&self, team_id: &str, headcount: u32) -> Result<()>;

    /// Every team of the organisation with its head-count and device count,
    /// ordered by department and team name.
    fn team_headcounts(&self, organisation_id: &str) -> Result<Vec<TeamHeadcount>>;

    /// The organisation's invite codes (spent and expired ones too), ordered by team and expiry.
    fn invites(&self, organisation_id: &str) -> Result<Vec<InviteSummary>>;

    /// Deletes the invite with this id, so it enrols nobody more; `NotFound`
    /// when there is none, `InvalidInput` when the id is malformed or names more than one.
    fn revoke_invite(&self, invite_id: &str) -> Result<()>;

    /// The devices enrolled to a team, ordered by id; `NotFound` when there is no such team.
    fn devices(&self, team_id: &str) -> Result<Vec<DeviceSummary>>;

    /// Deletes the device with this id: its token is refused from then on and
    /// its place in the team's head-count is free. `NotFound` when there is
    /// none, `InvalidInput` when the id is malformed or names more than one.
    fn revoke_device(&self, device_id: &str) -> Result<()>;

    /// The organisation's HR tokens, revoked ones too, ordered by id.
    fn hr_tokens(&self, organisation_id: &str) -> Result<Vec<HrTokenSummary>>;
}
