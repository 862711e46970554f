//! What the server keeps, behind one small trait so that a PostgreSQL backend
//! can follow the SQLite one without touching handlers or tests.
//!
//! The trait is blocking: handlers call it inside `spawn_blocking`. Every
//! method that changes two things does so in one transaction, so a crash
//! between them cannot count a report without its receipt or spend an invite
//! without enrolling the device.

pub mod admin;
pub mod comments;
pub mod credentials;
pub mod shared;

use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use polso_core::anonymity::Threshold;
use polso_core::dp::Epsilon;
use polso_core::questionnaire::QuestionnairePlan;

use crate::error::Result;
use crate::secrets::Hash32;

/// An organisation and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Its id, such as `org_3f9a0c1d2e4b5a69`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The schedule seed its devices share; below 2^53.
    pub seed: u64,
    /// The minimum group size of a released cell.
    pub k: Threshold,
    /// Whether released cells carry differential-privacy noise, and with which ε.
    pub privacy: PrivacySetting,
    /// Which edition of the schedule its devices follow from which week, and
    /// whether the WHO-5 module is on; changed only by the administrator's
    /// `set-questionnaire`, at a cycle boundary.
    pub questionnaire: QuestionnairePlan,
}

/// An organisation's row as both stores read it: id, name, seed, k, ε's
/// numerator and denominator (both or neither), and the privacy release.
pub(crate) type OrganisationRow = (String, String, i64, i64, Option<i64>, Option<i64>, i64);

/// The organisation a row holds, checked, with the legacy questionnaire
/// (the caller reads its plan with [`questionnaire_plan`]).
/// Refuses a manager token for no team, in either store.
pub(crate) fn check_manager_teams(teams: &[String]) -> Result<()> {
    if teams.is_empty() {
        return Err(crate::error::ServerError::InvalidInput(
            "a manager token needs at least one team".to_owned(),
        ));
    }
    Ok(())
}

pub(crate) fn organisation_from_parts(parts: OrganisationRow) -> Result<Organisation> {
    let (id, name, seed, k, epsilon_numerator, epsilon_denominator, release) = parts;
    let corrupt = |what: String| crate::error::ServerError::CorruptData(format!("organisation {id} {what}"));
    let seed = u64::try_from(seed).map_err(|_| corrupt("seed".to_owned()))?;
    let k = u32::try_from(k)
        .ok()
        .and_then(|k| Threshold::new(k).ok())
        .ok_or_else(|| corrupt(format!("has k = {k}")))?;
    let epsilon = match (epsilon_numerator, epsilon_denominator) {
        (None, None) => None,
        (Some(numerator), Some(denominator)) => Some(
            u64::try_from(numerator)
                .ok()
                .zip(u64::try_from(denominator).ok())
                .and_then(|(numerator, denominator)| Epsilon::from_ratio(numerator, denominator))
                .ok_or_else(|| corrupt("epsilon".to_owned()))?,
        ),
        _ => return Err(corrupt("epsilon is half set".to_owned())),
    };
    let release = u32::try_from(release).map_err(|_| corrupt("release".to_owned()))?;
    Ok(Organisation {
        id,
        name,
        seed,
        k,
        privacy: PrivacySetting { epsilon, release },
        questionnaire: QuestionnairePlan::legacy(),
    })
}

/// An organisation's questionnaire plan from its adoptions (first week or
/// `None` for the first questionnaire, edition, WHO-5 on). An organisation
/// without any (only one created by hand in the database) follows edition 2.
pub(crate) fn questionnaire_plan(
    organisation_id: &str,
    adoptions: impl IntoIterator<Item = (Option<i64>, u32, bool)>,
) -> Result<QuestionnairePlan> {
    use polso_core::questionnaire::{Adoption, Questionnaire};
    let corrupt = |what: String| {
        crate::error::ServerError::CorruptData(format!(
            "organisation {organisation_id} questionnaire: {what}"
        ))
    };
    let mut first = None;
    let mut later = Vec::new();
    for (week, edition, who5) in adoptions {
        let questionnaire = Questionnaire { edition, who5 };
        match week {
            None => first = Some(questionnaire),
            Some(index) => later.push(Adoption { from: IsoWeek::from_index(index), questionnaire }),
        }
    }
    match first {
        None if later.is_empty() => Ok(QuestionnairePlan::legacy()),
        None => Err(corrupt("later adoptions without a first questionnaire".to_owned())),
        Some(first) => QuestionnairePlan::new(first, later).map_err(|error| corrupt(error.to_string())),
    }
}

/// An organisation's differential-privacy setting, changed only by the
/// administrator's `set-dp` (like k, never by a request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrivacySetting {
    /// ε per released cell; `None` (the default) releases exact values.
    pub epsilon: Option<Epsilon>,
    /// How many times the setting was changed. Part of every cell's noise
    /// seed, so a new setting draws fresh noise.
    pub release: u32,
}

impl PrivacySetting {
    /// The setting of a new organisation: differential privacy on, at
    /// [`crate::privacy::DEFAULT_EPSILON_PER_CELL`]. (`default()` is off, for
    /// tests that check exact values.)
    pub fn for_new_organisation() -> PrivacySetting {
        PrivacySetting { epsilon: Some(crate::privacy::default_epsilon_per_cell()), release: 0 }
    }
}

/// A team, as listed in the organisation's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamNode {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its declared head-count, when the administrator set one.
    pub headcount: Option<u32>,
}

/// A department and its teams, ordered by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentNode {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its teams, ordered by name.
    pub teams: Vec<TeamNode>,
}

/// An organisation with its departments and teams, ordered by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationTree {
    /// The organisation.
    pub organisation: Organisation,
    /// Its departments, ordered by name.
    pub departments: Vec<DepartmentNode>,
}

/// An invite code to store: only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvite {
    /// The SHA-256 of the normalised code.
    pub code_hash: Hash32,
    /// The team the code enrols into.
    pub team_id: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// How many devices it can enrol.
    pub uses: u32,
}

/// What a redeemed invite enrolled the device into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The organisation.
    pub organisation: Organisation,
    /// The team's id.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
}

/// The team an enrolled device reports for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceMembership {
    /// The team's id.
    pub team_id: String,
    /// The team's organisation.
    pub organisation_id: String,
    /// The ISO week the device enrolled in; it reports only from then on.
    /// `None` for devices enrolled before the server recorded it.
    pub enrolled_week: Option<IsoWeek>,
}

/// What an HR or manager token is granted, as the administrator created it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantedScope {
    /// HR for the whole organisation.
    Organisation,
    /// HR for these departments (ids), with all their teams; never the organisation as a whole.
    Departments(Vec<String>),
    /// A manager of these teams (ids): their results, with their departments' and the
    /// organisation's cells beside them; never another team, never CX imports or mappings.
    Teams(Vec<String>),
}

/// An HR token to store: only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHrToken {
    /// The token's id, printed by the CLI so it can be revoked.
    pub id: String,
    /// The SHA-256 of the token.
    pub token_hash: Hash32,
    /// The organisation it reads.
    pub organisation_id: String,
    /// What it reaches.
    pub scope: GrantedScope,
}

/// A team a manager token reaches, with the department it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedTeam {
    /// The team's id.
    pub team_id: String,
    /// Its department's id.
    pub department_id: String,
}

/// What a valid, unrevoked token reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HrScope {
    /// HR for the whole organisation.
    Organisation,
    /// HR for these departments (ids) and all their teams.
    Departments(Vec<String>),
    /// A manager of these teams. Never empty when read from the store.
    Teams(Vec<ManagedTeam>),
}

/// What a valid, unrevoked HR or manager token may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrAccess {
    /// The token's id.
    pub token_id: String,
    /// The organisation it reads.
    pub organisation_id: String,
    /// What it reaches. Every read path decides through the methods below, never
    /// through a request parameter.
    pub scope: HrScope,
}

impl HrAccess {
    /// Whether this is a manager's token (scoped to teams).
    pub fn is_manager(&self) -> bool {
        matches!(self.scope, HrScope::Teams(_))
    }

    /// The scope of the CX mappings this token saves and reads besides the
    /// organisation's: `""` for a whole-organisation token, otherwise its
    /// department ids, sorted and joined by `,`. `Forbidden` for a manager,
    /// who has no CX mappings (the CX routes refuse a manager before asking).
    pub fn mapping_scope(&self) -> Result<String> {
        match &self.scope {
            HrScope::Organisation => Ok(String::new()),
            HrScope::Departments(departments) => {
                let mut ids: Vec<&str> = departments.iter().map(String::as_str).collect();
                ids.sort_unstable();
                ids.dedup();
                Ok(ids.join(","))
            }
            HrScope::Teams(_) => Err(crate::error::ServerError::Forbidden(
                "a manager token has no CX mappings; they need an HR token".to_owned(),
            )),
        }
    }

    /// Whether the token may read the organisation's own cells: HR for the
    /// whole organisation, and a manager (beside their teams, as an
    /// employee's "My team" view shows them); not HR scoped to departments.
    pub fn reaches_organisation_cells(&self) -> bool {
        !matches!(self.scope, HrScope::Departments(_))
    }

    /// Whether the token reaches the department with this id: every
    /// department for the whole organisation, its own for a departmental
    /// token, the departments of its teams for a manager (their cells only:
    /// a manager reaches none of a department's other teams).
    pub fn reaches_department(&self, department_id: &str) -> bool {
        match &self.scope {
            HrScope::Organisation => true,
            HrScope::Departments(departments) => departments.iter().any(|id| id == department_id),
            HrScope::Teams(teams) => teams.iter().any(|team| team.department_id == department_id),
        }
    }

    /// Whether the token reaches the team `team_id` of the department `department_id`.
    pub fn reaches_team(&self, department_id: &str, team_id: &str) -> bool {
        match &self.scope {
            HrScope::Organisation => true,
            HrScope::Departments(departments) => departments.iter().any(|id| id == department_id),
            HrScope::Teams(teams) => teams.iter().any(|team| team.team_id == team_id),
        }
    }
}

/// One value of a report, ready to be folded into its aggregate.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The aggregate's key: `item:<id>` or `metric:<key>`.
    pub key: String,
    /// The value (item scale) or score (0 to 100).
    pub value: f64,
    /// The histogram bin the value falls in.
    pub bin: usize,
    /// How many bins the key's histogram has.
    pub n_bins: usize,
}

/// A validated report, reduced to what folding it needs. Nothing derived from
/// the report alone is kept: no digest of its content, no time of arrival.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFold {
    /// HMAC(server secret, device token, week): one per device and week, kept
    /// only until the week is published.
    pub receipt: Hash32,
    /// The device's organisation.
    pub organisation_id: String,
    /// The device's team.
    pub team_id: String,
    /// The report's week.
    pub week: IsoWeek,
    /// Its values.
    pub contributions: Vec<Contribution>,
}

/// What folding a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldOutcome {
    /// The report was counted now.
    Counted,
    /// The same report had been counted before; nothing changed.
    AlreadyCounted,
}

/// One released cell of a published week, as stored: noised when the
/// organisation's differential privacy was on.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedCell {
    /// The week.
    pub week: IsoWeek,
    /// The item id or metric key, as clients name it.
    pub key: String,
    /// The unit (team, department or organisation).
    pub unit_id: String,
    /// The count released.
    pub n: u32,
    /// The mean released.
    pub mean: f64,
    /// The standard deviation; `None` below the histogram minimum.
    pub sd: Option<f64>,
    /// The histogram; `None` below the histogram minimum.
    pub histogram: Option<Vec<u32>>,
}

/// One published cell as [`ServerStore::visit_published_cells`] hands it
/// over: its unit's id borrowed from the row read.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedFigures<'row> {
    /// The week, as [`IsoWeek::index`] counts it (a row's week is not built
    /// as a date: a heatmap reads 1.3 million).
    pub week_index: i64,
    /// The unit (team, department or organisation).
    pub unit_id: &'row str,
    /// The count released.
    pub n: u32,
    /// The mean released.
    pub mean: f64,
    /// The standard deviation; `None` below the histogram minimum.
    pub sd: Option<f64>,
    /// The histogram, when asked for; `None` below the histogram minimum.
    pub histogram: Option<Vec<u32>>,
}

/// Every published cell of `key` over `weeks` (of `unit_ids` alone when
/// given), with its histogram, by week and unit.
fn collect_published_cells<S: ServerStore + ?Sized>(
    store: &S,
    organisation_id: &str,
    key: &str,
    weeks: RangeInclusive<IsoWeek>,
    unit_ids: Option<&[String]>,
) -> Result<Vec<PublishedCell>> {
    let mut cells = Vec::new();
    store.visit_published_cells(organisation_id, key, weeks, unit_ids, true, &mut |figures| {
        cells.push(PublishedCell {
            week: IsoWeek::from_index(figures.week_index),
            key: key.to_owned(),
            unit_id: figures.unit_id.to_owned(),
            n: figures.n,
            mean: figures.mean,
            sd: figures.sd,
            histogram: figures.histogram,
        });
    })?;
    cells.sort_by(|left, right| (left.week, &left.unit_id).cmp(&(right.week, &right.unit_id)));
    Ok(cells)
}

/// Everything one week's publication stores, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekPublication {
    /// The week published.
    pub week: IsoWeek,
    /// When.
    pub published_at: DateTime<Utc>,
    /// The k it was published under.
    pub k: Threshold,
    /// ε per released cell, when differential privacy was on.
    pub epsilon: Option<Epsilon>,
    /// Its released cells.
    pub cells: Vec<PublishedCell>,
    /// The ε spent on each team's people: (team id, ε).
    pub ledger: Vec<(String, f64)>,
}

/// One team's ledger entry for one published week.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// The team.
    pub team_id: String,
    /// The week.
    pub week: IsoWeek,
    /// The ε spent on each of its people that week.
    pub epsilon: f64,
}

/// One team's sums for one week and key.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamAggregate {
    /// The team.
    pub team_id: String,
    /// The week.
    pub week: IsoWeek,
    /// The key: `item:<id>` or `metric:<key>`.
    pub key: String,
    /// How many reports were folded in.
    pub n: u32,
    /// The sum of their values.
    pub sum: f64,
    /// The sum of their squares.
    pub sum_squares: f64,
    /// Counts per bin.
    pub histogram: Vec<u32>,
}

/// One CX score of one team in one week, as stored (customer data, not a report).
#[derive(Debug, Clone, PartialEq)]
pub struct CxScore {
    /// The team.
    pub team_id: String,
    /// The ISO week.
    pub week: IsoWeek,
    /// The metric's key: `nps`, `csat`, `ces`, `fcr` or a custom key.
    pub metric: String,
    /// The score on the metric's scale.
    pub value: f64,
    /// How many customer responses it summarises, when known.
    pub n: Option<u32>,
}

/// The most CX mappings an organisation keeps, over all scopes.
pub const MAX_CX_MAPPINGS: usize = 200;

/// Why one more CX mapping is refused: the organisation keeps [`MAX_CX_MAPPINGS`].
pub(crate) fn too_many_cx_mappings() -> crate::error::ServerError {
    crate::error::ServerError::InvalidInput(format!(
        "the organisation keeps at most {MAX_CX_MAPPINGS} CX mappings; save this one under the name of one no \
         longer used"
    ))
}

/// A saved column mapping of a CX source (see `polso_core::survey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCxMapping {
    /// Whose it is: `""` for the whole organisation, otherwise the saving
    /// HR token's department ids, sorted and joined by `,` ([`HrAccess::mapping_scope`]).
    pub scope: String,
    /// The name HR gave the source, such as "Qualtrics assistenza".
    pub name: String,
    /// The mapping as JSON (`polso_core::survey::SurveyMapping`).
    pub mapping: String,
    /// When it was last saved.
    pub saved_at: DateTime<Utc>,
}

/// The most actions a team keeps; recording one more is refused.
pub const MAX_ACTIONS_PER_TEAM: usize = 200;

/// An action HR recorded for a team (the wire's `TeamAction` without the team's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAction {
    /// Its id.
    pub id: String,
    /// The team it is for.
    pub team_id: String,
    /// What will be done.
    pub text: String,
    /// Who will do it.
    pub owner: String,
    /// By when.
    pub due: chrono::NaiveDate,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The released "did it help?" counts, once a first step of k answers is released.
    pub verdicts: Option<polso_api::ActionVerdicts>,
}

/// An organisation's publication lock, held until dropped (see
/// [`ServerStore::lock_publication`]).
#[derive(Default)]
pub struct PublicationLock {
    /// What releases the lock when dropped; `None` where one process is the only writer.
    _held: Option<Box<dyn Send>>,
}

impl PublicationLock {
    /// A lock released when `held` is dropped.
    pub fn holding(held: Box<dyn Send>) -> PublicationLock {
        PublicationLock { _held: Some(held) }
    }
}

impl std::fmt::Debug for PublicationLock {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PublicationLock").field("held", &self._held.is_some()).finish()
    }
}

/// The server's storage.
pub trait ServerStore: Send + Sync {
    /// Takes `organisation_id`'s publication lock across every process that
    /// shares this store: while it is held no other publisher publishes the
    /// organisation and no report of it is folded, so a week's sums cannot
    /// change between being read and being published. Waits up to `wait`;
    /// `None` when another process still holds it then. One process alone
    /// (SQLite: one writer, and the publisher's own mutex) needs nothing.
    fn lock_publication(
        &self,
        organisation_id: &str,
        wait: std::time::Duration,
    ) -> Result<Option<PublicationLock>> {
        let _ = (organisation_id, wait);
        Ok(Some(PublicationLock::default()))
    }

    /// The storage of blind-signature enrolment (personal codes, team keys,
    /// spent credentials), when this backend has it; `None` by default, and
    /// then personal codes are simply not known.
    fn credentials(&self) -> Option<&dyn crate::store::credentials::CredentialStore> {
        None
    }

    /// The storage of two-server aggregation (the helper link, reports
    /// waiting for the helper, the leader's sums of shares), when this
    /// backend has it; `None` by default, and then every organisation is
    /// one-server.
    fn shared(&self) -> Option<&dyn crate::store::shared::SharedStore> {
        None
    }

    /// The storage of anonymous comments, replies and "did it help?" answers.
    fn comments(&self) -> &dyn crate::store::comments::CommentStore;

    /// Stores a new organisation.
    fn create_organisation(&self, organisation: &Organisation) -> Result<()>;

    /// Every organisation, ordered by name.
    fn organisations(&self) -> Result<Vec<Organisation>>;

    /// Adds a department to an organisation.
    fn add_department(&self, organisation_id: &str, department_id: &str, name: &str) -> Result<()>;

    /// Adds a team to a department.
    fn add_team(&self, department_id: &str, team_id: &str, name: &str) -> Result<()>;

    /// One organisation and its settings; `NotFound` when there is none.
    fn organisation(&self, organisation_id: &str) -> Result<Organisation>;

    /// Replaces an organisation's questionnaire plan, in one transaction;
    /// `NotFound` when there is no such organisation.
    fn set_questionnaire(&self, organisation_id: &str, plan: &QuestionnairePlan) -> Result<()>;

    /// The organisation with its departments and teams; `NotFound` when there is no such organisation.
    fn organisation_tree(&self, organisation_id: &str) -> Result<OrganisationTree>;

    /// The organisation a department belongs to, if the department exists.
    fn department_organisation(&self, department_id: &str) -> Result<Option<String>>;

    /// The organisation a team belongs to, if the team exists.
    fn team_organisation(&self, team_id: &str) -> Result<Option<String>>;

    /// Sets the organisation's k. Raising is always allowed; lowering is
    /// refused once any report of the organisation has been counted.
    fn set_threshold(&self, organisation_id: &str, k: Threshold) -> Result<()>;

    /// Sets the organisation's differential privacy: ε per released cell, or
    /// `None` for exact values. Every call starts a new release of noise.
    fn set_privacy(&self, organisation_id: &str, epsilon: Option<Epsilon>) -> Result<PrivacySetting>;

    /// Stores an invite code's hash.
    fn create_invite(&self, invite: &NewInvite) -> Result<()>;

    /// Spends one use of the invite and enrols the device, in one transaction.
    fn redeem_invite(
        &self,
        code_hash: &Hash32,
        device_token_hash: &Hash32,
        now: DateTime<Utc>,
    ) -> Result<Enrolment>;

    /// The team of the device with this token hash, if it is enrolled.
    fn device(&self, token_hash: &Hash32) -> Result<Option<DeviceMembership>>;

    /// Stores an HR token's hash and scope.
    fn create_hr_token(&self, token: &NewHrToken) -> Result<()>;

    /// Revokes an HR token by id; `NotFound` when there is none.
    fn revoke_hr_token(&self, token_id: &str) -> Result<()>;

    /// What the HR token with this hash may read, unless it is unknown or revoked.
    fn hr_access(&self, token_hash: &Hash32) -> Result<Option<HrAccess>>;

    /// The server's key for report receipts.
    fn receipt_secret(&self) -> Result<Hash32>;

    /// The database's generation ([`crate::generation`]): a random id, read
    /// at open (this touches no database), that changes only when the
    /// database is restored from a backup.
    fn generation(&self) -> Result<String>;

    /// Makes the database's generation anew, restored at `now`, and returns
    /// it: after a restore ([`crate::generation`]). A running server of
    /// another process still answers with the generation it read at start
    /// until it is restarted.
    fn new_generation(&self, now: DateTime<Utc>) -> Result<String>;

    /// Records the receipt and folds the contributions, in one transaction.
    /// A receipt already recorded is [`FoldOutcome::AlreadyCounted`] and
    /// nothing changes (a week's report is final). A week already published
    /// is `WeekPublished` and nothing changes.
    fn fold_report(&self, fold: &ReportFold) -> Result<FoldOutcome>;

    /// [`ServerStore::fold_report`] for many reports in one transaction, for
    /// seeding a demo: the same checks and the same fold, one commit.
    fn fold_reports(&self, folds: &[ReportFold]) -> Result<Vec<FoldOutcome>>;

    /// The organisation's team aggregates over `weeks`, for one key or all.
    fn team_aggregates(
        &self,
        organisation_id: &str,
        key: Option<&str>,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<TeamAggregate>>;

    /// The last week the organisation has published, if any.
    fn last_published_week(&self, organisation_id: &str) -> Result<Option<IsoWeek>>;

    /// The earliest week with collected sums not yet published, if any.
    fn earliest_collected_week(&self, organisation_id: &str) -> Result<Option<IsoWeek>>;

    /// Publishes one week in one transaction: stores its publication, cells and
    /// ledger, then deletes the week's raw team sums and receipts. A week
    /// already published is refused and nothing changes.
    fn publish_week(&self, organisation_id: &str, publication: &WeekPublication) -> Result<()>;

    /// The released cells of published weeks over `weeks` for one key (of
    /// `unit_ids` alone when given), each handed to `visit` as it is read, by
    /// week (within a week in no set order; the heatmap pools each unit's
    /// weeks in ascending order, so both stores' results agree to the bit),
    /// its histogram read only `with_histogram`: the heatmap reads every
    /// team's cells of 52 weeks without building a cell each.
    fn visit_published_cells(
        &self,
        organisation_id: &str,
        key: &str,
        weeks: RangeInclusive<IsoWeek>,
        unit_ids: Option<&[String]>,
        with_histogram: bool,
        visit: &mut dyn FnMut(PublishedFigures<'_>),
    ) -> Result<()>;

    /// The released cells of published weeks over `weeks`, for one key, by week and unit.
    fn published_cells(
        &self,
        organisation_id: &str,
        key: &str,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<PublishedCell>> {
        collect_published_cells(self, organisation_id, key, weeks, None)
    }

    /// [`ServerStore::published_cells`] of the units `unit_ids` only (a
    /// driver's standardising baseline reads the organisation's cells alone,
    /// not every team's over two years).
    fn published_cells_of_units(
        &self,
        organisation_id: &str,
        key: &str,
        weeks: RangeInclusive<IsoWeek>,
        unit_ids: &[String],
    ) -> Result<Vec<PublishedCell>> {
        collect_published_cells(self, organisation_id, key, weeks, Some(unit_ids))
    }

    /// The ledger entries of the organisation's teams over `weeks`.
    fn privacy_ledger(
        &self,
        organisation_id: &str,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<LedgerEntry>>;

    /// Stores CX scores, each replacing the stored score of its (team, week, metric), in one
    /// transaction: all or none. Every team must belong to `organisation_id`, or nothing is stored
    /// and the answer is `InvalidInput`.
    fn upsert_cx_scores(
        &self,
        organisation_id: &str,
        scores: &[CxScore],
        imported_at: DateTime<Utc>,
    ) -> Result<()>;

    /// The organisation's CX scores over `weeks`, for one metric or all, ordered by team, week and metric.
    fn cx_scores(
        &self,
        organisation_id: &str,
        metric: Option<&str>,
        weeks: RangeInclusive<IsoWeek>,
    ) -> Result<Vec<CxScore>>;

    /// Saves the column mapping `mapping` (JSON) of a CX source under `name` in `scope`, replacing
    /// one of the same scope and name. A new one past [`MAX_CX_MAPPINGS`] in the organisation is
    /// `InvalidInput`, and nothing is saved.
    fn save_cx_mapping(
        &self,
        organisation_id: &str,
        scope: &str,
        name: &str,
        mapping: &str,
        saved_at: DateTime<Utc>,
    ) -> Result<()>;

    /// Records `action` for its team in `organisation_id`; a team of another organisation is
    /// `NotFound`, one holding [`MAX_ACTIONS_PER_TEAM`] already `InvalidInput`.
    fn record_action(&self, organisation_id: &str, action: &StoredAction) -> Result<()>;

    /// The actions of `team_id` in `organisation_id`, newest first.
    fn team_actions(&self, organisation_id: &str, team_id: &str) -> Result<Vec<StoredAction>>;

    /// The organisation's saved CX mappings of `scope` and of the whole organisation, by name.
    fn cx_mappings(&self, organisation_id: &str, scope: &str) -> Result<Vec<SavedCxMapping>>;

    /// The mapping saved as `name`: in `scope` if there is one, otherwise the organisation's.
    fn cx_mapping(&self, organisation_id: &str, scope: &str, name: &str) -> Result<Option<SavedCxMapping>>;

    /// Replaces the organisation's care contacts with `contacts` (already checked, see
    /// [`crate::care::set_care_contacts`]): a role set there is stored, one absent is removed.
    fn set_care_contacts(
        &self,
        organisation_id: &str,
        contacts: &polso_api::CareContacts,
        set_at: DateTime<Utc>,
    ) -> Result<()>;

    /// The organisation's care contacts; each absent until the administrator sets it.
    fn care_contacts(&self, organisation_id: &str) -> Result<polso_api::CareContacts>;
}
