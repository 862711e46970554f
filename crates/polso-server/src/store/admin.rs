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
use crate::store::{GrantedScope, ServerStore};

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

/// A head-count as declared, checked before anything is written: 1 to
/// [`MAX_HEADCOUNT`], `InvalidInput` otherwise.
pub fn checked_headcount(headcount: u32) -> Result<u32> {
    if headcount == 0 || headcount > MAX_HEADCOUNT {
        return Err(ServerError::InvalidInput(format!(
            "a head-count must be 1 to {MAX_HEADCOUNT}, not {headcount}"
        )));
    }
    Ok(headcount)
}

/// Why a head-count below the devices a team holds is refused.
pub(crate) fn headcount_below_devices(team_id: &str, n_devices: u32, headcount: u32) -> ServerError {
    ServerError::InvalidInput(format!(
        "team '{team_id}' has {n_devices} enrolled devices, more than a head-count of {headcount}; \
         revoke devices first (`list-devices --team {team_id}`, then `revoke-device --id ID`)"
    ))
}

/// Why an id that names several invites or devices (`what_plural`) revokes none.
pub(crate) fn id_names_several(id: &str, n_named: usize, what_plural: &str) -> ServerError {
    ServerError::InvalidInput(format!("'{id}' names {n_named} {what_plural}; none was revoked"))
}

/// A stored 32-byte hash (`what` names it in the error when it is not 32 bytes).
pub(crate) fn stored_hash(bytes: Vec<u8>, what: &str) -> Result<Hash32> {
    bytes.try_into().map_err(|_| ServerError::CorruptData(format!("{what} is not 32 bytes")))
}

/// An invite as a store reads it, before it is named by its id.
pub(crate) struct StoredInvite {
    /// The hash of its code.
    pub(crate) code_hash: Vec<u8>,
    /// Its team.
    pub(crate) team_id: String,
    /// How many more devices it can enrol.
    pub(crate) uses_left: u32,
    /// Its expiry, RFC 3339.
    pub(crate) expires_at: String,
}

/// The invites as listed: named by their ids, ordered by team, expiry and id.
pub(crate) fn invite_summaries(
    server_secret: &Hash32,
    invites: Vec<StoredInvite>,
) -> Result<Vec<InviteSummary>> {
    let mut summaries = invites
        .into_iter()
        .map(|invite| {
            let code_hash = stored_hash(invite.code_hash, "an invite's code hash")?;
            let expires_at = DateTime::parse_from_rfc3339(&invite.expires_at)
                .map_err(|_| ServerError::CorruptData(format!("an invite's expiry '{}'", invite.expires_at)))?
                .with_timezone(&Utc);
            Ok(InviteSummary {
                id: invite_id(server_secret, &code_hash),
                team_id: invite.team_id,
                uses_left: invite.uses_left,
                expires_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    summaries.sort_by(|a, b| (&a.team_id, a.expires_at, &a.id).cmp(&(&b.team_id, b.expires_at, &b.id)));
    Ok(summaries)
}

/// The code hashes among `code_hashes` whose invite id is `wanted`. The id is
/// keyed, so SQL cannot look it up: every invite's id is computed, which is
/// quick for the few thousand a server holds.
pub(crate) fn invites_named(
    server_secret: &Hash32,
    code_hashes: Vec<Vec<u8>>,
    wanted: &str,
) -> Result<Vec<Vec<u8>>> {
    let mut matching = Vec::new();
    for code_hash in code_hashes {
        let hash = stored_hash(code_hash.clone(), "an invite's code hash")?;
        if invite_id(server_secret, &hash) == wanted {
            matching.push(code_hash);
        }
    }
    Ok(matching)
}

/// A team's devices as listed, from their token hashes and enrolment week
/// indexes: named by their ids, ordered by id.
pub(crate) fn device_summaries(
    team_id: &str,
    devices: Vec<(Vec<u8>, Option<i64>)>,
) -> Result<Vec<DeviceSummary>> {
    let mut summaries = devices
        .into_iter()
        .map(|(token_hash, enrolled_week_index)| {
            Ok(DeviceSummary {
                id: device_id(&stored_hash(token_hash, "a device's token hash")?),
                team_id: team_id.to_owned(),
                enrolled_week: enrolled_week_index.map(IsoWeek::from_index),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    summaries.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(summaries)
}

/// The list of grants an HR token's scope is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeGrants {
    /// `hr_token_departments`.
    Departments,
    /// `hr_token_teams`.
    Teams,
}

/// An HR token's scope from its stored role and flag: a manager's teams, the
/// whole organisation, or its departments; `read_grants` reads the list
/// asked for, only when one is needed.
pub(crate) fn granted_scope(
    role: &str,
    whole_organisation: bool,
    read_grants: impl FnOnce(ScopeGrants) -> Result<Vec<String>>,
) -> Result<GrantedScope> {
    Ok(if role == "manager" {
        GrantedScope::Teams(read_grants(ScopeGrants::Teams)?)
    } else if whole_organisation {
        GrantedScope::Organisation
    } else {
        GrantedScope::Departments(read_grants(ScopeGrants::Departments)?)
    })
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
    pub scope: GrantedScope,
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
