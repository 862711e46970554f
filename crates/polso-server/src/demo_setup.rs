//! The demo's set-up, the one `cargo xtask run` and its end-to-end test both
//! run (`polso-server demo --dir DIR`): seed the demo organisation once, keep
//! its address from one run to the next, and write what the app needs to find
//! it into `DIR/demo.json`.
//!
//! The address is the one chosen on the first run, kept in `DIR/address`, so
//! an app that enrolled and connected HR on an earlier run finds the server
//! where it was. When that port is taken, another is chosen, kept, and
//! written into `demo.json`; the app, told the new address at start, moves
//! the demo's HR connection and enrolment to it (and only those: it
//! recognises them by the demo's HR token and organisation).
//!
//! `demo.json` holds secrets (the HR token, invite and personal codes) of a
//! synthetic organisation on this machine only; it lives beside the server's
//! database, which holds everything they open anyway.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use chrono::{DateTime, Utc};
use polso_api::demo_environment;
use serde::{Deserialize, Serialize};

use anyhow::{Context, Result, anyhow};

use crate::SqliteServerStore;
use crate::demo::{DemoOptions, generate_demo, seed_demo_until};

/// The server's database inside the demo directory.
pub const DATABASE_FILE: &str = "server.db";

/// What the app and the person trying the demo need, inside the demo directory.
pub const FACTS_FILE: &str = "demo.json";

/// The address kept from one run to the next, inside the demo directory.
pub const ADDRESS_FILE: &str = "address";

/// The team the demo app enrols into, with the first of the team's personal
/// codes. A team with personal codes takes no invite code, so this team's
/// invite is not offered.
pub const APP_TEAM: &str = "Help desk";

/// How many personal codes the demo offers for [`APP_TEAM`], besides the app's own.
pub const N_PERSONAL_CODES: u32 = 3;

/// How many days invite codes work for.
pub const INVITE_DAYS: u32 = 30;

/// A run this many days or fewer before the invite codes expire makes new ones.
pub const INVITE_RENEWAL_DAYS: i64 = 7;

/// One team's invite code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoInvite {
    /// The department's name.
    pub department: String,
    /// The team's name.
    pub team: String,
    /// The invite code.
    pub code: String,
}

/// Everything the demo's set-up tells the app and the person trying it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoFacts {
    /// The address the server listens on this run, such as `http://127.0.0.1:40123`.
    pub server_url: String,
    /// Whether this run chose another address than the last run's (its port was taken).
    pub address_changed: bool,
    /// The organisation's id.
    pub organisation_id: String,
    /// The organisation's name.
    pub organisation_name: String,
    /// An HR token for the whole organisation.
    pub hr_token: String,
    /// One invite code per team but [`DemoFacts::app_team`].
    pub invites: Vec<DemoInvite>,
    /// When the invite codes stop working (RFC 3339); a run within
    /// [`INVITE_RENEWAL_DAYS`] of it makes new ones.
    pub invites_expire_at: String,
    /// The team the app and the personal codes are for.
    pub app_team: String,
    /// The personal code the app enrols with (once: it is spent then).
    pub app_code: String,
    /// One-time personal codes for [`DemoFacts::app_team`], besides the app's own.
    pub personal_codes: Vec<String>,
    /// The environment the app is started with: the variables above, by name.
    pub app_environment: Vec<(String, String)>,
    /// Who holds the demo's helper (two-server aggregation), when it has one.
    #[serde(default)]
    pub helper_party: Option<String>,
    /// The helper key's fingerprint, as the app shows it.
    #[serde(default)]
    pub helper_fingerprint: Option<String>,
    /// Where the helper listens this run.
    #[serde(default)]
    pub helper_url: Option<String>,
}

/// The secrets kept from the seeding run (the part of [`DemoFacts`] that does
/// not change from run to run); the address is chosen on each run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SeededFacts {
    organisation_id: String,
    organisation_name: String,
    hr_token: String,
    invites: Vec<DemoInvite>,
    #[serde(default)]
    invites_expire_at: String,
    app_team: String,
    app_code: String,
    personal_codes: Vec<String>,
}

/// Prepares the demo in `dir`: seeds a new organisation when the directory
/// has none (104 past weeks up to `now`), and chooses the address (the last
/// run's if it is free, else a free port of 127.0.0.1). Writes `demo.json`
/// and returns its facts with the address to serve on.
pub fn prepare_demo(dir: &Path, now: DateTime<Utc>) -> Result<(DemoFacts, SocketAddr)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let database = dir.join(DATABASE_FILE);
    let facts_file = dir.join(FACTS_FILE);
    let seeded = if database.exists() {
        renew_invites_if_due(read_seeded(&facts_file, &database)?, &database, now)?
    } else {
        seed(dir, &database, now)?
    };
    let (address, address_changed) = choose_address(&dir.join(ADDRESS_FILE))?;
    let server_url = format!("http://{address}");
    let helper = {
        let store = SqliteServerStore::open(&database)
            .with_context(|| format!("opening the demo's database {}", database.display()))?;
        crate::demo_helper::prepare_helper(dir, &store, &seeded.organisation_id, &choose_address)?
    };
    let facts = DemoFacts {
        app_environment: vec![
            (demo_environment::SERVER.to_owned(), server_url.clone()),
            (demo_environment::HR_TOKEN.to_owned(), seeded.hr_token.clone()),
            (demo_environment::ORGANISATION.to_owned(), seeded.organisation_id.clone()),
            (demo_environment::INVITE_CODE.to_owned(), seeded.app_code.clone()),
        ],
        server_url,
        address_changed,
        organisation_id: seeded.organisation_id,
        organisation_name: seeded.organisation_name,
        hr_token: seeded.hr_token,
        invites: seeded.invites,
        invites_expire_at: seeded.invites_expire_at,
        app_team: seeded.app_team,
        app_code: seeded.app_code,
        personal_codes: seeded.personal_codes,
        helper_party: helper.as_ref().map(|helper| helper.party.clone()),
        helper_fingerprint: helper.as_ref().map(|helper| helper.fingerprint.clone()),
        helper_url: helper.as_ref().map(|helper| format!("http://{}", helper.address)),
    };
    let text = serde_json::to_string_pretty(&facts).context("encoding the demo's facts")?;
    write_owner_only(&facts_file, &text)?;
    Ok((facts, address))
}

/// Seeds the demo organisation into a new database and keeps its secrets.
fn seed(dir: &Path, database: &Path, now: DateTime<Utc>) -> Result<SeededFacts> {
    let store = SqliteServerStore::open(database)
        .with_context(|| format!("creating the demo's database {}", database.display()))?;
    let demo = generate_demo(DemoOptions { seed: 7, today: now.date_naive(), weeks: 104 });
    // The last weeks go through two-server aggregation with the demo's helper.
    let shared_from = demo.weeks[demo.weeks.len().saturating_sub(crate::demo_helper::TWO_SERVER_WEEKS)];
    let (seeded_demo, shared) =
        seed_demo_until(&store, &demo, now, Some(shared_from)).context("seeding the demo organisation")?;
    let tree = crate::store::ServerStore::organisation_tree(&store, &seeded_demo.organisation_id)
        .context("reading the demo's teams")?;
    crate::demo_helper::seed_two_server_weeks(dir, &store, &tree, shared_from, &shared)?;
    let app_team_id = tree
        .departments
        .iter()
        .flat_map(|department| department.teams.iter())
        .find(|team| team.name == APP_TEAM)
        .map(|team| team.id.clone())
        .ok_or_else(|| anyhow!("the demo has no team '{APP_TEAM}'"))?;
    let mut personal_codes =
        crate::store::credentials::create_personal_codes(&store, &app_team_id, N_PERSONAL_CODES + 1)
            .context("creating the demo's personal codes")?
            .codes;
    let app_code = personal_codes.remove(0);
    let seeded = SeededFacts {
        organisation_id: seeded_demo.organisation_id,
        organisation_name: demo.name,
        hr_token: seeded_demo.hr_token,
        invites: seeded_demo
            .invites
            .into_iter()
            .filter(|(_, team, _)| team != APP_TEAM)
            .map(|(department, team, code)| DemoInvite { department, team, code })
            .collect(),
        invites_expire_at: (now + chrono::Duration::days(i64::from(INVITE_DAYS))).to_rfc3339(),
        app_team: APP_TEAM.to_owned(),
        app_code,
        personal_codes,
    };
    let text = serde_json::to_string_pretty(&seeded).context("encoding the demo's secrets")?;
    write_owner_only(&dir.join(FACTS_FILE), &text)?;
    Ok(seeded)
}

/// New invite codes for every team but the app's when the kept ones expire
/// within [`INVITE_RENEWAL_DAYS`] of `now` (or when their expiry is unknown),
/// so a demo run a month later still offers codes that work.
fn renew_invites_if_due(mut seeded: SeededFacts, database: &Path, now: DateTime<Utc>) -> Result<SeededFacts> {
    let expires_at = DateTime::parse_from_rfc3339(&seeded.invites_expire_at).ok().map(|at| at.to_utc());
    if expires_at.is_some_and(|at| at - now > chrono::Duration::days(INVITE_RENEWAL_DAYS)) {
        return Ok(seeded);
    }
    let store = SqliteServerStore::open(database)
        .with_context(|| format!("opening the demo's database {}", database.display()))?;
    let tree = crate::store::ServerStore::organisation_tree(&store, &seeded.organisation_id)
        .context("reading the demo's teams")?;
    let mut invites = Vec::new();
    for department in &tree.departments {
        for team in department.teams.iter().filter(|team| team.name != seeded.app_team) {
            let code = crate::admin::create_invite(&store, &team.id, now, INVITE_DAYS, 30)
                .with_context(|| format!("renewing the invite of {}", team.name))?;
            invites.push(DemoInvite { department: department.name.clone(), team: team.name.clone(), code });
        }
    }
    seeded.invites = invites;
    seeded.invites_expire_at = (now + chrono::Duration::days(i64::from(INVITE_DAYS))).to_rfc3339();
    Ok(seeded)
}

/// The secrets of an earlier seeding, from `demo.json`.
fn read_seeded(facts_file: &Path, database: &Path) -> Result<SeededFacts> {
    let text = std::fs::read_to_string(facts_file).map_err(|_| {
        anyhow!(
            "{} exists but {} does not: the demo directory was made by an earlier version of Polso; \
             delete that directory to start the demo afresh",
            database.display(),
            facts_file.display(),
        )
    })?;
    serde_json::from_str(&text).map_err(|error| {
        anyhow!(
            "{} is not the demo's facts ({error}); delete its directory to start the demo afresh",
            facts_file.display()
        )
    })
}

/// The last run's address when it can be bound again, else a new free port
/// of 127.0.0.1; the address chosen is kept in `address_file`. Also whether it
/// changed. The port is released before the server binds it again, a moment
/// later.
pub(crate) fn choose_address(address_file: &Path) -> Result<(SocketAddr, bool)> {
    let kept: Option<SocketAddr> =
        std::fs::read_to_string(address_file).ok().and_then(|text| text.trim().parse().ok());
    if let Some(address) = kept
        && TcpListener::bind(address).is_ok()
    {
        return Ok((address, false));
    }
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port on 127.0.0.1")?;
    let address = listener.local_addr().context("reading the free port")?;
    drop(listener);
    std::fs::write(address_file, address.to_string())
        .with_context(|| format!("writing {}", address_file.display()))?;
    Ok((address, kept.is_some()))
}

/// Writes `text` into `path`, readable by its owner only where the system has such modes.
fn write_owner_only(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("making {} readable by its owner only", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn the_second_run_keeps_the_organisation_and_the_address_while_the_port_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let (first, first_address) = prepare_demo(dir.path(), now()).unwrap();
        assert!(!first.address_changed);
        assert_eq!(first.server_url, format!("http://{first_address}"));
        assert_eq!(first.personal_codes.len(), N_PERSONAL_CODES as usize);
        assert_eq!(first.invites.len(), 9, "every team's invite but the app's team's");
        assert!(first.invites.iter().all(|invite| invite.team != APP_TEAM));
        let app_code =
            first.app_environment.iter().find(|(name, _)| name == demo_environment::INVITE_CODE).unwrap();
        assert!(app_code.1.starts_with("P-"), "the app enrols with a personal code: {app_code:?}");
        assert!(!first.personal_codes.contains(&app_code.1), "the app's code is not offered again");
        let (second, second_address) = prepare_demo(dir.path(), now()).unwrap();
        assert_eq!(second_address, first_address);
        assert!(!second.address_changed);
        assert_eq!(second, first, "the same organisation, secrets and address");
        let written: DemoFacts =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(FACTS_FILE)).unwrap()).unwrap();
        assert_eq!(written, second);
    }

    /// The demo's last weeks go through two servers: kept as shares,
    /// verified with its helper, published with it, and the helper pinned
    /// with its fingerprint in `demo.json`.
    #[test]
    fn the_demos_last_weeks_are_aggregated_with_its_helper_and_published_with_it() {
        use crate::store::ServerStore;
        let dir = tempfile::tempdir().unwrap();
        let (facts, _) = prepare_demo(dir.path(), now()).unwrap();
        assert_eq!(facts.helper_party.as_deref(), Some(crate::demo_helper::HELPER_PARTY));
        let fingerprint = facts.helper_fingerprint.clone().unwrap();
        assert_eq!(fingerprint.len(), 39);
        let store = SqliteServerStore::open(&dir.path().join(DATABASE_FILE)).unwrap();
        let shared = store.shared().unwrap();
        let link = shared.helper_link(&facts.organisation_id).unwrap().unwrap();
        assert_eq!(facts.helper_url.as_deref(), Some(link.url.as_str()));
        let last = polso_core::IsoWeek::containing(now().date_naive()).previous();
        let from = link.from_week;
        assert_eq!(from, last.plus_weeks(-(crate::demo_helper::TWO_SERVER_WEEKS as i64 - 1)));
        assert_eq!(
            shared.pending_shared(&facts.organisation_id, 10).unwrap().len(),
            0,
            "every report verified"
        );
        for week in (0..crate::demo_helper::TWO_SERVER_WEEKS as i64).map(|offset| from.plus_weeks(offset)) {
            assert!(
                !shared.shared_sums(&facts.organisation_id, week).unwrap().is_empty(),
                "{week} is held as shares"
            );
            assert!(
                store.team_aggregates(&facts.organisation_id, None, week..=week).unwrap().is_empty(),
                "{week} has no plain sums"
            );
        }
        // Published with the helper, in process here.
        let helper = std::sync::Arc::new(crate::demo_helper::open_helper(dir.path()).unwrap());
        let publisher = crate::publish::Publisher::with_helper(std::sync::Arc::new(
            crate::leader::LocalHelperApi::new(helper.clone()),
        ));
        let settings = crate::ServerConfig::default().publication();
        let published =
            publisher.publish_due_weeks(&store, &facts.organisation_id, settings, Utc::now()).unwrap();
        assert!(published.contains(&from), "{published:?}");
        assert!(!helper.store().release_log().unwrap().is_empty());
        let cells = store.published_cells(&facts.organisation_id, "life_satisfaction", from..=from).unwrap();
        let items = crate::publication::WeekKeys::new(
            polso_core::bank::ItemBank::embedded(),
            &polso_core::schedule::Schedule::with_plan(
                polso_core::bank::ItemBank::embedded(),
                store.organisation(&facts.organisation_id).unwrap().seed,
                &store.organisation(&facts.organisation_id).unwrap().questionnaire,
            ),
            from,
        );
        let released: usize = items
            .keys
            .iter()
            .map(|(label, _, _)| {
                store.published_cells(&facts.organisation_id, label, from..=from).unwrap().len()
            })
            .sum();
        assert!(
            released > 10,
            "only {released} cells of {from} released ({} life satisfaction)",
            cells.len()
        );
    }

    #[test]
    fn a_taken_port_gives_a_new_address_that_the_app_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let (first, first_address) = prepare_demo(dir.path(), now()).unwrap();
        let _occupied = TcpListener::bind(first_address).unwrap();
        let (second, second_address) = prepare_demo(dir.path(), now()).unwrap();
        assert_ne!(second_address, first_address);
        assert!(second.address_changed);
        assert_eq!(second.organisation_id, first.organisation_id);
        let told: Vec<&str> = second
            .app_environment
            .iter()
            .filter(|(name, _)| name == demo_environment::SERVER)
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(told, [second.server_url.as_str()]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(ADDRESS_FILE)).unwrap(),
            second_address.to_string()
        );
    }

    #[test]
    fn a_run_near_the_invites_expiry_makes_new_ones_that_work() {
        let dir = tempfile::tempdir().unwrap();
        let (first, _) = prepare_demo(dir.path(), now()).unwrap();
        let (soon, _) = prepare_demo(dir.path(), now() + chrono::Duration::days(20)).unwrap();
        assert_eq!(soon.invites, first.invites, "three weeks on, the codes still work");
        let later = now() + chrono::Duration::days(25);
        let (renewed, _) = prepare_demo(dir.path(), later).unwrap();
        assert_eq!(renewed.invites.len(), first.invites.len());
        assert_ne!(renewed.invites[0].code, first.invites[0].code);
        let expires = DateTime::parse_from_rfc3339(&renewed.invites_expire_at).unwrap().to_utc();
        assert_eq!(expires, later + chrono::Duration::days(30));
        assert_eq!(renewed.organisation_id, first.organisation_id);
        // The new codes are the server's own: one enrols a device.
        let store = SqliteServerStore::open(&dir.path().join(DATABASE_FILE)).unwrap();
        let invites = crate::admin::list_invites(&store, &renewed.organisation_id).unwrap();
        let fresh =
            invites.iter().filter(|invite| invite.expires_at > later + chrono::Duration::days(29)).count();
        assert_eq!(fresh, renewed.invites.len());
    }

    #[test]
    fn a_database_without_its_facts_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DATABASE_FILE), b"").unwrap();
        let error = prepare_demo(dir.path(), now()).unwrap_err().to_string();
        assert!(error.contains("start the demo afresh"), "{error}");
    }
}
