//! The administrator's operations, as the `polso-server` command line runs
//! them: organisation, departments, teams and their head-counts, invite
//! codes, devices, HR tokens and k.
//!
//! They live in the library so the tests set up a server exactly as an
//! administrator would. Secrets (invite codes, HR tokens) are returned once,
//! to be printed, and stored only as hashes.

use chrono::{DateTime, Duration, Utc};
use polso_core::anonymity::Threshold;
use polso_core::dp::Epsilon;

use crate::error::{Result, ServerError};
use crate::secrets::{
    hash_secret, new_hr_token, new_id, new_invite_code, new_organisation_seed, normalise_invite_code,
};
use crate::store::admin::{
    AdminStore, DeviceSummary, HrTokenSummary, InviteSummary, TeamHeadcount, checked_headcount,
};
use crate::store::{GrantedScope, NewHrToken, NewInvite, Organisation, PrivacySetting, ServerStore};

/// The longest name of an organisation, department or team, in characters.
pub const MAX_NAME_CHARS: usize = 100;

fn checked_name(name: &str, what: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ServerError::InvalidInput(format!(
            "a {what} name must have 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_owned())
}

/// Creates an organisation with k = 5, a random schedule seed and the
/// questionnaire of a new organisation (the current edition, without WHO-5).
pub fn init_organisation(store: &dyn ServerStore, name: &str) -> Result<Organisation> {
    let organisation = Organisation {
        id: new_id("org")?,
        name: checked_name(name, "organisation")?,
        seed: new_organisation_seed()?,
        k: Threshold::DEFAULT,
        privacy: PrivacySetting::for_new_organisation(),
        questionnaire: polso_core::questionnaire::QuestionnairePlan::for_new_organisation(),
    };
    store.create_organisation(&organisation)?;
    Ok(organisation)
}

/// The organisation a command is about: the one named, or the only one there is.
pub fn resolve_organisation(store: &dyn ServerStore, named: Option<&str>) -> Result<String> {
    let organisations = store.organisations()?;
    match named {
        Some(id) => organisations
            .iter()
            .find(|organisation| organisation.id == id)
            .map(|organisation| organisation.id.clone())
            .ok_or_else(|| ServerError::NotFound(format!("there is no organisation '{id}'"))),
        None => match organisations.as_slice() {
            [only] => Ok(only.id.clone()),
            [] => Err(ServerError::OrganisationAmbiguous(
                "there is no organisation yet; create one with `init-org --name NAME`".to_owned(),
            )),
            _ => Err(ServerError::OrganisationAmbiguous(
                "there are several organisations; name one with `--organisation ID`".to_owned(),
            )),
        },
    }
}

/// Adds a department; returns its id.
pub fn add_department(store: &dyn ServerStore, organisation_id: &str, name: &str) -> Result<String> {
    let id = new_id("dept")?;
    store.add_department(organisation_id, &id, &checked_name(name, "department")?)?;
    Ok(id)
}

/// Adds a team to a department; returns its id.
pub fn add_team(store: &dyn ServerStore, department_id: &str, name: &str) -> Result<String> {
    let id = new_id("team")?;
    store.add_team(department_id, &id, &checked_name(name, "team")?)?;
    Ok(id)
}

/// Creates an invite code for a team, valid for `expires_in_days` from `now`
/// and for `uses` enrolments; returns the code, which is not stored.
pub fn create_invite(
    store: &dyn ServerStore,
    team_id: &str,
    now: DateTime<Utc>,
    expires_in_days: u32,
    uses: u32,
) -> Result<String> {
    if expires_in_days == 0 || expires_in_days > 365 {
        return Err(ServerError::InvalidInput("an invite must expire in 1 to 365 days".to_owned()));
    }
    if uses == 0 || uses > 10_000 {
        return Err(ServerError::InvalidInput("an invite must allow 1 to 10000 uses".to_owned()));
    }
    if let Some(credentials) = store.credentials()
        && credentials.has_team_key(team_id)?
    {
        return Err(ServerError::InvalidInput(format!(
            "team '{team_id}' joins with personal codes (create-personal-codes); an invite code would \
             let one person enrol several devices there, so none is made"
        )));
    }
    let code = new_invite_code()?;
    store.create_invite(&NewInvite {
        code_hash: hash_secret(&normalise_invite_code(&code)),
        team_id: team_id.to_owned(),
        expires_at: now + Duration::days(i64::from(expires_in_days)),
        uses,
    })?;
    Ok(code)
}

/// A freshly created HR token: its id (for revoking) and the token itself,
/// shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedHrToken {
    /// The id, to revoke it later.
    pub id: String,
    /// The bearer token; the server keeps only its hash.
    pub token: String,
}

/// Creates an HR token for the whole organisation (`departments` empty) or
/// only the departments listed.
pub fn create_hr_token(
    store: &dyn ServerStore,
    organisation_id: &str,
    departments: &[String],
) -> Result<CreatedHrToken> {
    let token = new_hr_token()?;
    let id = new_id("hr")?;
    store.create_hr_token(&NewHrToken {
        id: id.clone(),
        token_hash: hash_secret(&token),
        organisation_id: organisation_id.to_owned(),
        scope: if departments.is_empty() {
            GrantedScope::Organisation
        } else {
            GrantedScope::Departments(departments.to_vec())
        },
    })?;
    Ok(CreatedHrToken { id, token })
}

/// Creates a manager token for one or more teams of the organisation (each
/// checked to be one of its teams): it reads those teams' published results,
/// with their departments' and the organisation's cells beside them, and
/// nothing else. Like an HR token, it is returned once and only its hash is kept.
pub fn create_manager_token(
    store: &dyn ServerStore,
    organisation_id: &str,
    teams: &[String],
) -> Result<CreatedHrToken> {
    if teams.is_empty() {
        return Err(ServerError::InvalidInput("a manager token needs at least one team (--team)".to_owned()));
    }
    let token = new_hr_token()?;
    let id = new_id("mgr")?;
    store.create_hr_token(&NewHrToken {
        id: id.clone(),
        token_hash: hash_secret(&token),
        organisation_id: organisation_id.to_owned(),
        scope: GrantedScope::Teams(teams.to_vec()),
    })?;
    Ok(CreatedHrToken { id, token })
}

/// Revokes an HR token by id.
pub fn revoke_hr_token(store: &dyn ServerStore, token_id: &str) -> Result<()> {
    store.revoke_hr_token(token_id)
}

/// Sets the organisation's k: never below 3, never lowered once reports exist.
pub fn set_threshold(store: &dyn ServerStore, organisation_id: &str, k: u32) -> Result<()> {
    store.set_threshold(organisation_id, Threshold::new(k)?)
}

/// Turns differential privacy on with `epsilon` per released cell (a decimal
/// such as `"1"` or `"0.5"`), or off with `None`. It applies to weeks
/// published from then on; a published week keeps its noise.
pub fn set_privacy(
    store: &dyn ServerStore,
    organisation_id: &str,
    epsilon: Option<&str>,
) -> Result<PrivacySetting> {
    let epsilon = epsilon
        .map(|text| text.parse::<Epsilon>())
        .transpose()
        .map_err(|error| ServerError::InvalidInput(error.to_string()))?;
    store.set_privacy(organisation_id, epsilon)
}

/// Adds a team to a department with its declared head-count, the most
/// devices it can ever hold; returns its id.
pub fn add_team_with_headcount(
    store: &dyn AdminStore,
    department_id: &str,
    name: &str,
    headcount: u32,
) -> Result<String> {
    let headcount = checked_headcount(headcount)?;
    let team_id = add_team(store, department_id, name)?;
    store.set_headcount(&team_id, headcount)?;
    Ok(team_id)
}

/// Declares a team's head-count. Raising it is always allowed; lowering it
/// below the devices the team holds is refused: revoke devices first.
pub fn set_headcount(store: &dyn AdminStore, team_id: &str, headcount: u32) -> Result<()> {
    store.set_headcount(team_id, checked_headcount(headcount)?)
}

/// One team's head-count and device count; `NotFound` when there is no such team.
pub fn team_headcount(store: &dyn AdminStore, team_id: &str) -> Result<TeamHeadcount> {
    let not_found = || ServerError::NotFound(format!("there is no team '{team_id}'"));
    let organisation_id = store.team_organisation(team_id)?.ok_or_else(not_found)?;
    store
        .team_headcounts(&organisation_id)?
        .into_iter()
        .find(|team| team.team_id == team_id)
        .ok_or_else(not_found)
}

/// The organisation's invite codes by id (never the code), with team, uses left and expiry.
pub fn list_invites(store: &dyn AdminStore, organisation_id: &str) -> Result<Vec<InviteSummary>> {
    store.invites(organisation_id)
}

/// Revokes an invite code by its id, as `list_invites` shows it.
pub fn revoke_invite(store: &dyn AdminStore, invite_id: &str) -> Result<()> {
    store.revoke_invite(invite_id)
}

/// Each team of the organisation (or only `team_id`) with its head-count and its devices.
pub fn list_devices(
    store: &dyn AdminStore,
    organisation_id: &str,
    team_id: Option<&str>,
) -> Result<Vec<(TeamHeadcount, Vec<DeviceSummary>)>> {
    let teams = store.team_headcounts(organisation_id)?;
    if let Some(team_id) = team_id
        && !teams.iter().any(|team| team.team_id == team_id)
    {
        return Err(ServerError::NotFound(format!("there is no team '{team_id}' in {organisation_id}")));
    }
    teams
        .into_iter()
        .filter(|team| team_id.is_none_or(|wanted| team.team_id == wanted))
        .map(|team| {
            let devices = store.devices(&team.team_id)?;
            Ok((team, devices))
        })
        .collect()
}

/// Revokes a device by its id, as `list_devices` shows it: its token is
/// refused from then on, and its place in the team's head-count is free.
pub fn revoke_device(store: &dyn AdminStore, device_id: &str) -> Result<()> {
    store.revoke_device(device_id)
}

/// The organisation's HR tokens by id (never the token), with scope and whether revoked.
pub fn list_hr_tokens(store: &dyn AdminStore, organisation_id: &str) -> Result<Vec<HrTokenSummary>> {
    store.hr_tokens(organisation_id)
}

/// A helper server to link an organisation to, as its administrator
/// described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperToLink {
    /// Its base address, such as `https://helper.example:8443`.
    pub url: String,
    /// Who holds it, shown to employees.
    pub party: String,
    /// Its public key, standard base64, as `helper-init` printed it.
    pub public_key: String,
    /// The first week aggregated with it: one not yet published and without
    /// plain reports, so no week mixes the two modes.
    pub from_week: polso_core::IsoWeek,
}

/// Links the organisation to `helper`, whose key devices will pin. Returns
/// the pairing to give the helper's administrator: it holds the verify key
/// both servers share and the leader's token at the helper (both drawn
/// here), and the settings (`settings` among them) the helper pins to
/// decide releases on its own, with each team's declared head-count: the
/// most reports of a week the helper verifies for it.
pub fn link_helper(
    store: &dyn AdminStore,
    organisation_id: &str,
    helper: &HelperToLink,
    settings: crate::publication::PublicationSettings,
) -> Result<crate::helper_wire::Pairing> {
    use crate::helper::{from_base64, to_base64};

    let shared = store.shared().ok_or_else(|| {
        ServerError::InvalidInput("this server's store has no two-server aggregation".to_owned())
    })?;
    let from_week = helper.from_week;
    let url = helper.url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ServerError::InvalidInput(format!(
            "the helper's address must be http(s)://…, not '{url}'"
        )));
    }
    let party = helper.party.trim();
    if party.is_empty() || party.chars().count() > 200 {
        return Err(ServerError::InvalidInput(
            "name the party holding the helper, in at most 200 characters".to_owned(),
        ));
    }
    let key = polso_vdaf::HelperPublicKey::from_bytes(&from_base64(&helper.public_key, "public key")?)
        .map_err(|error| ServerError::InvalidInput(error.to_string()))?;
    // No week mixes the two modes: the first two-server week is neither
    // published nor holding plain reports.
    if let Some(published) = store.last_published_week(organisation_id)?
        && from_week <= published
    {
        return Err(ServerError::InvalidInput(format!(
            "{from_week} is published already; two-server aggregation can start from {} at the earliest",
            published.next()
        )));
    }
    let far = polso_core::IsoWeek::from_index(from_week.index() + 52 * 100);
    if let Some(collected) = store.team_aggregates(organisation_id, None, from_week..=far)?.first() {
        return Err(ServerError::InvalidInput(format!(
            "{} already holds plain reports; two-server aggregation can start from {} at the earliest",
            collected.week,
            collected.week.next()
        )));
    }
    let verify_key = crate::secrets::random_bytes::<32>()?;
    let token = to_base64(&crate::secrets::random_bytes::<32>()?);
    shared.set_helper_link(
        organisation_id,
        &crate::store::shared::HelperLink {
            url: url.to_owned(),
            party: party.to_owned(),
            public_key: key.as_bytes().to_vec(),
            verify_key: verify_key.to_vec(),
            token: token.clone(),
            from_week,
        },
    )?;
    let tree = store.organisation_tree(organisation_id)?;
    let headcounts = store.team_headcounts(organisation_id)?;
    let organisation = &tree.organisation;
    Ok(crate::helper_wire::Pairing {
        organisation_id: organisation.id.clone(),
        organisation_name: organisation.name.clone(),
        seed: organisation.seed,
        questionnaire: organisation.questionnaire.to_string(),
        k: organisation.k.get(),
        histogram_minimum: settings.histogram_minimum,
        epsilon: organisation
            .privacy
            .epsilon
            .map(|epsilon| format!("{}/{}", epsilon.numerator(), epsilon.denominator())),
        from_week: from_week.to_string(),
        announced_max_delay_seconds: settings.window.announced_max_delay_seconds,
        acceptance_seconds: settings.window.acceptance_seconds,
        departments: tree
            .departments
            .iter()
            .map(|department| crate::helper_wire::PairedDepartment {
                id: department.id.clone(),
                teams: department
                    .teams
                    .iter()
                    .map(|team| crate::helper_wire::PairedTeam {
                        id: team.id.clone(),
                        headcount: headcounts
                            .iter()
                            .find(|declared| declared.team_id == team.id)
                            .and_then(|declared| declared.headcount)
                            .unwrap_or(0),
                    })
                    .collect(),
            })
            .collect(),
        verify_key: to_base64(&verify_key),
        leader_token: token,
    })
}
