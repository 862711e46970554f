//! A synthetic organisation for demos and tests: "Demo Srl", three
//! departments, ten teams of 3 to 15 people, and every past week's reports.
//!
//! [`generate_demo`] is pure: it takes a seed and today's date and returns
//! the organisation, each team's latent weekly engagement and the reports its
//! members would have sent, so two runs with one seed are identical.
//! [`seed_demo`] writes them into a store through the same validation and
//! fold as real reports, so the sums and histograms are what a real
//! organisation would accumulate.
//!
//! The variation: each team has a baseline and a slow random drift; August and
//! the Christmas weeks dip; every answer has personal and weekly noise;
//! participation is 60–90% and lower in holiday weeks; "Phone support"
//! declines over the last 13 weeks. Teams smaller than k show suppression.
//!
//! [`DemoTeam::latent_engagement`] is the series the answers were drawn from,
//! one value (0–100) per week of [`DemoOrganisation::weeks`]: the team's
//! baseline, a slow drift, holiday dips and a weekly swing (a hard week, a
//! good one: [`DemoTeam::weekly_swing`]). The team's CX scores
//! ([`DemoTeam::cx`]) are planted on the swing: CSAT follows it
//! [`CSAT_LAG_WEEKS`] weeks later, with [`CSAT_POINTS_PER_SWING_POINT`] points
//! of CSAT per point of swing, under the sampling noise of 30 to 200 customer
//! answers a week. Read back from released cells, where a team's weekly mean
//! also carries its members' noise, this is a within-team correlation of about
//! 0.4 at lag 3 and about 0 at the other lags, so the linkage view finds it
//! where it was planted; NPS follows the swing weakly at the same lag; CES is
//! unrelated noise.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use polso_api::{ReportedScore, ReportedValue, WIRE_VERSION, WeeklyReport};
use polso_core::anonymity::Threshold;
use polso_core::bank::ItemBank;
use polso_core::cx::CxMetric;
use polso_core::questionnaire::{QuestionnairePlan, cycle_start};
use polso_core::splitmix::SplitMix64;
use polso_core::{Answer, IsoWeek, Schedule, score_answers};

use crate::admin;
use crate::error::{Result, ServerError};
use crate::report::{metric_to_wire, validate_report};
use crate::secrets::{hash_secret, new_id};
use crate::store::admin::AdminStore;
use crate::store::{CxScore, Organisation, PrivacySetting};

/// The demo organisation's name.
pub const DEMO_ORGANISATION_NAME: &str = "Demo Srl";

/// The team whose engagement declines over the last [`DECLINE_WEEKS`] weeks.
pub const DECLINING_TEAM: &str = "Phone support";

/// How many of the last weeks the declining team declines over.
pub const DECLINE_WEEKS: usize = 13;

/// (department, team, size, baseline engagement 0–100).
const TEAMS: [(&str, &str, u32, f64); 10] = [
    ("Customer Care", "Help desk", 14, 68.0),
    ("Customer Care", DECLINING_TEAM, 12, 72.0),
    ("Customer Care", "Chat and e-mail", 9, 64.0),
    ("Customer Care", "Escalations", 4, 58.0),
    ("Sales", "Inside sales", 11, 70.0),
    ("Sales", "Key accounts", 6, 75.0),
    ("Sales", "Partnerships", 3, 66.0),
    ("Operations", "Logistics", 15, 61.0),
    ("Operations", "Billing", 7, 67.0),
    ("Operations", "IT support", 5, 73.0),
];

/// The share of weeks in which a member of an Operations team has no
/// customer contact, and so marks the customer items "not applicable this
/// week"; customer-facing teams always have some.
const OPERATIONS_NO_CUSTOMER_SHARE: f64 = 0.6;

/// How many weeks CSAT lags the team's latent engagement.
pub const CSAT_LAG_WEEKS: usize = 3;

/// Points of CSAT (0–100 %) per point of the team's weekly swing [`CSAT_LAG_WEEKS`] weeks before.
pub const CSAT_POINTS_PER_SWING_POINT: f64 = 1.0;

/// Points of NPS (−100 to 100) per point of the weekly swing [`CSAT_LAG_WEEKS`] weeks before: a
/// weak relation, drowned by NPS's larger sampling noise.
pub const NPS_POINTS_PER_SWING_POINT: f64 = 0.5;

/// The standard deviation of a team's weekly swing, in points of engagement (0–100).
pub const WEEKLY_SWING_SD: f64 = 5.0;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// The seed; the same seed gives the same organisation and reports.
    pub seed: u64,
    /// Today: the last week generated is the one before today's.
    pub today: NaiveDate,
    /// How many past weeks to generate.
    pub weeks: u32,
}

/// A generated organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOrganisation {
    /// Its name.
    pub name: String,
    /// Its schedule seed (below 2^53), which decides the items of each week.
    pub schedule_seed: u64,
    /// Its questionnaire: edition 2 at first, the current edition (without
    /// WHO-5) adopted at a cycle boundary [`DEMO_EDITION_CHANGE_WEEKS_AGO`]
    /// weeks or so before the last week, so HR's charts show where the
    /// series changed.
    pub questionnaire: QuestionnairePlan,
    /// The weeks generated, oldest first.
    pub weeks: Vec<IsoWeek>,
    /// Its teams, in [`TEAMS`] order.
    pub teams: Vec<DemoTeam>,
}

/// A generated team.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoTeam {
    /// Its department's name.
    pub department: String,
    /// Its name.
    pub name: String,
    /// How many people it has.
    pub size: u32,
    /// The latent engagement (0–100) each week of [`DemoOrganisation::weeks`];
    /// answers are drawn around it.
    pub latent_engagement: Vec<f64>,
    /// The week-to-week swing in it (mean 0, independent from week to week), parallel to the
    /// weeks; the CX scores follow it [`CSAT_LAG_WEEKS`] weeks later.
    pub weekly_swing: Vec<f64>,
    /// The reports its members sent each week, parallel to the weeks.
    pub reports: Vec<Vec<WeeklyReport>>,
    /// Its customers' CX scores: CSAT, NPS and CES for each week from the
    /// [`CSAT_LAG_WEEKS`]-th on (the first weeks have no engagement to follow).
    pub cx: Vec<DemoCxScore>,
}

/// One planted CX score of a team.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCxScore {
    /// The week.
    pub week: IsoWeek,
    /// CSAT, NPS or CES.
    pub metric: CxMetric,
    /// The score: CSAT 0–100 %, NPS −100 to 100, CES 1–7.
    pub value: f64,
    /// How many customer answers it summarises (30 to 200).
    pub n: u32,
}

/// About how many weeks before the demo's last week it adopted the current
/// edition of the questionnaire (at the start of that week's cycle, so 8 to
/// 11 weeks before): always inside the 12 weeks HR's overview shows first.
pub const DEMO_EDITION_CHANGE_WEEKS_AGO: i64 = 8;

/// The demo's questionnaire: edition 2 (with its WHO-5 week) until the cycle
/// that contains the week [`DEMO_EDITION_CHANGE_WEEKS_AGO`] weeks before
/// `last_week`, the current edition for a new organisation from then on.
fn demo_questionnaire(last_week: IsoWeek) -> QuestionnairePlan {
    let change = last_week.plus_weeks(-DEMO_EDITION_CHANGE_WEEKS_AGO);
    QuestionnairePlan::legacy()
        .adopt(QuestionnairePlan::for_new_organisation().first(), cycle_start(change))
        .unwrap_or_else(|_| QuestionnairePlan::legacy())
}

/// Generates the demo organisation: pure, deterministic for `options`.
pub fn generate_demo(options: DemoOptions) -> DemoOrganisation {
    let bank = ItemBank::embedded();
    let schedule_seed = Stream::new(options.seed, &[0]).next_u64() & ((1 << 53) - 1);
    let last_week = IsoWeek::containing(options.today).previous();
    let questionnaire = demo_questionnaire(last_week);
    let schedule = Schedule::with_plan(bank, schedule_seed, &questionnaire);
    let weeks: Vec<IsoWeek> =
        (0..i64::from(options.weeks)).rev().map(|back| last_week.plus_weeks(-back)).collect();

    let teams = TEAMS
        .iter()
        .enumerate()
        .map(|(team_index, &(department, name, size, baseline))| {
            let team_index = team_index as u64;
            let mut team_stream = Stream::new(options.seed, &[1, team_index]);
            let participation = 0.6 + 0.3 * team_stream.uniform();
            let member_offsets: Vec<f64> = (0..size).map(|_| 8.0 * team_stream.normal()).collect();
            let (latent, swing) = latent_series(&mut team_stream, baseline, &weeks, name == DECLINING_TEAM);
            let reports = weeks
                .iter()
                .zip(&latent)
                .enumerate()
                .map(|(week_position, (&week, &engagement))| {
                    let mut week_stream = Stream::new(options.seed, &[2, team_index, week_position as u64]);
                    let holiday = holiday_dip(week) < 0.0;
                    let turnout = if holiday { participation * 0.75 } else { participation };
                    let items = schedule.items_for_week(week);
                    // A stream of its own, so the answers draw exactly as before.
                    let mut contact_stream =
                        Stream::new(options.seed, &[4, team_index, week_position as u64]);
                    let mut reports = Vec::new();
                    for offset in &member_offsets {
                        if week_stream.uniform() >= turnout {
                            continue;
                        }
                        let answers: Vec<Answer> = items
                            .iter()
                            .map(|item_id| {
                                let latent_answer = engagement + offset + 12.0 * week_stream.normal();
                                Answer {
                                    item: item_id.clone(),
                                    value: value_for(bank, item_id.as_str(), latent_answer),
                                }
                            })
                            .collect();
                        let no_customers = department == "Operations"
                            && contact_stream.uniform() < OPERATIONS_NO_CUSTOMER_SHARE;
                        let (not_applicable, answered): (Vec<Answer>, Vec<Answer>) =
                            answers.into_iter().partition(|answer| {
                                no_customers
                                    && schedule.allows_not_applicable(bank, week, answer.item.as_str())
                            });
                        reports.push(report_of(bank, week, &answered, &not_applicable));
                    }
                    reports
                })
                .collect();
            let cx = cx_series(&mut Stream::new(options.seed, &[3, team_index]), &weeks, &swing);
            DemoTeam {
                department: department.to_owned(),
                name: name.to_owned(),
                size,
                latent_engagement: latent,
                weekly_swing: swing,
                reports,
                cx,
            }
        })
        .collect();
    DemoOrganisation { name: DEMO_ORGANISATION_NAME.to_owned(), schedule_seed, questionnaire, weeks, teams }
}

/// A team's weekly latent engagement and its weekly swing: baseline, slow
/// drift, holiday dips, the swing, and for the declining team a fall of 18
/// points at the end.
fn latent_series(
    stream: &mut Stream,
    baseline: f64,
    weeks: &[IsoWeek],
    declining: bool,
) -> (Vec<f64>, Vec<f64>) {
    let mut drift = 0.0;
    weeks
        .iter()
        .enumerate()
        .map(|(position, &week)| {
            // A slow mean-reverting walk: ±10 points over months.
            drift = 0.97 * drift + 0.9 * stream.normal();
            let swing = WEEKLY_SWING_SD * stream.normal();
            let weeks_from_end = weeks.len() - 1 - position;
            let decline = if declining && weeks_from_end < DECLINE_WEEKS {
                -18.0 * (DECLINE_WEEKS - weeks_from_end) as f64 / DECLINE_WEEKS as f64
            } else {
                0.0
            };
            ((baseline + drift + holiday_dip(week) + decline + swing).clamp(5.0, 95.0), swing)
        })
        .unzip()
}

/// A team's planted CX series. Each week from the [`CSAT_LAG_WEEKS`]-th draws
/// 30 to 200 customers; each answers CSAT (satisfied with probability
/// following the team's weekly swing [`CSAT_LAG_WEEKS`] weeks before), NPS
/// (promoter and detractor shares shifted weakly by the same swing) and
/// CES (1–7, unrelated to it). Its own stream: the reports do not change.
fn cx_series(stream: &mut Stream, weeks: &[IsoWeek], swing: &[f64]) -> Vec<DemoCxScore> {
    let csat_base = 72.0 + 14.0 * stream.uniform();
    let nps_base = 10.0 + 30.0 * stream.uniform();
    let ces_base = 4.6 + 1.2 * stream.uniform();
    let volume = 60.0 + 140.0 * stream.uniform();
    let mut scores = Vec::new();
    for (position, &week) in weeks.iter().enumerate().skip(CSAT_LAG_WEEKS) {
        let engagement = swing[position - CSAT_LAG_WEEKS];
        let n = (volume * (0.75 + 0.5 * stream.uniform())).round().clamp(30.0, 200.0) as u32;
        let p_satisfied = ((csat_base + CSAT_POINTS_PER_SWING_POINT * engagement) / 100.0).clamp(0.0, 1.0);
        let nps_shift = NPS_POINTS_PER_SWING_POINT * engagement / 200.0;
        let p_promoter = (0.45 + nps_base / 200.0 + nps_shift).clamp(0.0, 1.0);
        let p_detractor = (0.45 - nps_base / 200.0 - nps_shift).clamp(0.0, 1.0 - p_promoter);
        let (mut satisfied, mut promoters, mut detractors, mut effort) = (0u32, 0u32, 0u32, 0.0);
        for _ in 0..n {
            if stream.uniform() < p_satisfied {
                satisfied += 1;
            }
            let recommend = stream.uniform();
            if recommend < p_promoter {
                promoters += 1;
            } else if recommend < p_promoter + p_detractor {
                detractors += 1;
            }
            effort += (ces_base + 1.3 * stream.normal()).round().clamp(1.0, 7.0);
        }
        let share = |count: u32| 100.0 * f64::from(count) / f64::from(n);
        let round1 = |value: f64| (value * 10.0).round() / 10.0;
        let round2 = |value: f64| (value * 100.0).round() / 100.0;
        scores.push(DemoCxScore { week, metric: CxMetric::Csat, value: round1(share(satisfied)), n });
        scores.push(DemoCxScore {
            week,
            metric: CxMetric::Nps,
            value: round1(share(promoters) - share(detractors)),
            n,
        });
        scores.push(DemoCxScore { week, metric: CxMetric::Ces, value: round2(effort / f64::from(n)), n });
    }
    scores
}

/// How much a week's mood dips for holidays: August, and Christmas to Epiphany.
fn holiday_dip(week: IsoWeek) -> f64 {
    let thursday = week.monday() + Duration::days(3);
    match (thursday.month(), thursday.day()) {
        (8, _) => -6.0,
        (12, day) if day >= 20 => -5.0,
        (1, day) if day <= 6 => -5.0,
        _ => 0.0,
    }
}

/// The value on an item's scale for a latent 0–100 answer, reversed items
/// turned around so that a high latent is always good.
fn value_for(bank: &ItemBank, item_id: &str, latent_answer: f64) -> u8 {
    let Some(item) = bank.item(item_id) else { return 0 };
    let scale = bank.scale_of(item);
    let steps = f64::from(scale.max - scale.min);
    let position = ((latent_answer / 100.0).clamp(0.0, 1.0) * steps).round() as u8;
    if item.reverse { scale.max - position } else { scale.min + position }
}

/// The report a device would send for these answers: values and the core's scores.
fn report_of(bank: &ItemBank, week: IsoWeek, answers: &[Answer], not_applicable: &[Answer]) -> WeeklyReport {
    let metrics = score_answers(bank, answers)
        .unwrap_or_default()
        .into_iter()
        .map(|score| ReportedScore { metric: metric_to_wire(score.metric), score: score.score })
        .collect();
    WeeklyReport {
        wire_version: WIRE_VERSION,
        week: week.to_string(),
        items: answers
            .iter()
            .map(|answer| ReportedValue { item_id: answer.item.as_str().to_owned(), value: answer.value })
            .collect(),
        metrics,
        not_applicable: not_applicable.iter().map(|answer| answer.item.as_str().to_owned()).collect(),
        padding: String::new(),
    }
}

/// The team (department, team) whose manager the demo creates a token for:
/// the demo employee's team.
pub const DEMO_MANAGER_TEAM: (&str, &str) = ("Customer Care", "Help desk");

/// What seeding created: the ids and the secrets to print once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededDemo {
    /// The organisation's id.
    pub organisation_id: String,
    /// An HR token for the whole organisation.
    pub hr_token: String,
    /// A manager token for [`DEMO_MANAGER_TEAM`] only (issue 16).
    pub manager_token: String,
    /// One invite code per team: (department, team, code).
    pub invites: Vec<(String, String, String)>,
    /// How many reports were folded.
    pub n_reports: usize,
    /// How many CX scores were stored.
    pub n_cx_scores: usize,
}

/// A generated report left out of the plain fold, for the demo's two-server
/// weeks: the device's stand-in token, its team and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSharedReport {
    /// A stand-in for the member's device token (one per member and week).
    pub token: String,
    /// The team's id.
    pub team_id: String,
    /// The report.
    pub report: WeeklyReport,
}

/// Writes `demo` into an empty `store`: the organisation (k = 5), its
/// departments and teams (each with its size as head-count), every report through the real validation and fold
/// in one transaction, the teams' CX scores (in another), an HR token and one invite per team valid 30 days
/// from `now`.
pub fn seed_demo(
    store: &dyn AdminStore,
    demo: &DemoOrganisation,
    now: chrono::DateTime<Utc>,
) -> Result<SeededDemo> {
    seed_demo_until(store, demo, now, None).map(|(seeded, _)| seeded)
}

/// [`seed_demo`], folding only the reports of weeks before `shared_from`
/// (all when `None`) and returning the others, for the demo's two-server
/// weeks ([`crate::demo_helper`]).
pub fn seed_demo_until(
    store: &dyn AdminStore,
    demo: &DemoOrganisation,
    now: chrono::DateTime<Utc>,
    shared_from: Option<IsoWeek>,
) -> Result<(SeededDemo, Vec<DemoSharedReport>)> {
    if !store.organisations()?.is_empty() {
        return Err(ServerError::InvalidInput(
            "demo-seed needs a database without organisations; give it a new --db".to_owned(),
        ));
    }
    let organisation = Organisation {
        id: new_id("org")?,
        name: demo.name.clone(),
        seed: demo.schedule_seed,
        k: Threshold::DEFAULT,
        privacy: PrivacySetting::for_new_organisation(),
        questionnaire: demo.questionnaire.clone(),
    };
    store.create_organisation(&organisation)?;
    let secret = store.receipt_secret()?;
    let bank = ItemBank::embedded();
    let schedule =
        polso_core::schedule::Schedule::with_plan(bank, organisation.seed, &organisation.questionnaire);

    let mut department_ids: Vec<(String, String)> = Vec::new();
    let mut folds = Vec::new();
    let mut shared = Vec::new();
    let mut invites = Vec::new();
    let mut team_ids: Vec<(String, String, String)> = Vec::new();
    let mut cx_scores = Vec::new();
    for (team_position, team) in demo.teams.iter().enumerate() {
        let department_id = match department_ids.iter().find(|(name, _)| *name == team.department) {
            Some((_, id)) => id.clone(),
            None => {
                let id = admin::add_department(store, &organisation.id, &team.department)?;
                department_ids.push((team.department.clone(), id.clone()));
                id
            }
        };
        // The head-count is the team's size, so each team's invite can enrol its members' devices.
        let team_id = admin::add_team_with_headcount(store, &department_id, &team.name, team.size.max(1))?;
        cx_scores.extend(team.cx.iter().map(|score| CxScore {
            team_id: team_id.clone(),
            week: score.week,
            metric: score.metric.key().to_owned(),
            value: score.value,
            n: Some(score.n),
        }));
        for (week_reports, week) in team.reports.iter().zip(&demo.weeks) {
            for (member, report) in week_reports.iter().enumerate() {
                // A stand-in for the member's device token: the receipt only
                // needs it to be one per member and week.
                let token = format!(
                    "pd_demo_{}",
                    crate::secrets::to_hex(&hash_secret(&format!(
                        "{}/{team_position}/{member}/{week}",
                        organisation.id
                    )))
                );
                if shared_from.is_some_and(|first| *week >= first) {
                    shared.push(DemoSharedReport { token, team_id: team_id.clone(), report: report.clone() });
                    continue;
                }
                let validated = validate_report(report, bank, &schedule)?;
                folds.push(validated.into_fold(&secret, &token, organisation.id.clone(), team_id.clone()));
            }
        }
        let code = admin::create_invite(store, &team_id, now, 30, team.size.saturating_mul(2).max(1))?;
        invites.push((team.department.clone(), team.name.clone(), code));
        team_ids.push((team.department.clone(), team.name.clone(), team_id.clone()));
    }
    let n_reports = folds.len() + shared.len();
    store.fold_reports(&folds)?;
    store.upsert_cx_scores(&organisation.id, &cx_scores, now)?;
    let hr_token = admin::create_hr_token(store, &organisation.id, &[])?.token;
    let manager_team = team_ids
        .iter()
        .find(|(department, team, _)| (department.as_str(), team.as_str()) == DEMO_MANAGER_TEAM)
        .map(|(_, _, id)| id.clone())
        .ok_or_else(|| ServerError::NotFound("the demo's manager's team".to_owned()))?;
    let manager_token =
        admin::create_manager_token(store, &organisation.id, std::slice::from_ref(&manager_team))?.token;
    seed_demo_comments(store, &organisation.id, &manager_team, now)?;
    Ok((
        SeededDemo {
            organisation_id: organisation.id,
            hr_token,
            manager_token,
            invites,
            n_reports,
            n_cx_scores: cx_scores.len(),
        },
        shared,
    ))
}

/// What the demo's Help desk wrote over a month: one released batch, so HR and the manager see
/// comments and can reply in the demo.
const DEMO_COMMENTS: [&str; 10] = [
    "The new ticket rota is fairer, thank you.",
    "Too many meetings on Mondays; we lose the morning.",
    "I would like more time for training on the new tools.",
    "Handovers between shifts are still messy.",
    "Good support from the team lead this month.",
    "The VPN drops several times a day when working from home.",
    "Please share the plan for the new office earlier.",
    "The workload feels uneven across the team.",
    "Recognition for the weekend cover would be appreciated.",
    "Clearer priorities when two urgent requests arrive at once.",
];

/// Pools [`DEMO_COMMENTS`] for `team_id`, each from its own stand-in device with a random thread
/// nobody holds: the tenth releases them as one batch dated `now`.
fn seed_demo_comments(
    store: &dyn AdminStore,
    organisation_id: &str,
    team_id: &str,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    for (index, text) in DEMO_COMMENTS.iter().enumerate() {
        let comment = crate::store::comments::PooledComment {
            id: new_id("cmt")?,
            team_id: team_id.to_owned(),
            text: (*text).to_owned(),
            thread_hash: crate::secrets::random_bytes()?,
            author_key: hash_secret(&format!("demo comment author {organisation_id}/{index}")),
            batch_id: new_id("cbt")?,
        };
        store.comments().pool_comment(organisation_id, &comment, now.date_naive())?;
    }
    Ok(())
}

/// SplitMix64 seeded from a seed and a path of indices: every (team, week)
/// has its own stream, so changing one part of the generator does not shift
/// the randomness of the others. Not for secrets.
struct Stream(SplitMix64);

impl Stream {
    fn new(seed: u64, path: &[u64]) -> Stream {
        let mut state = seed ^ 0x5DEE_CE66_D1CE_5EED;
        for &step in path {
            state ^= step.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            state = SplitMix64::new(state).next_u64();
        }
        Stream(SplitMix64::new(state))
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        self.0.uniform()
    }

    /// Standard normal, by Box–Muller.
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(seed: u64) -> DemoOptions {
        DemoOptions { seed, today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), weeks: 104 }
    }

    /// Operations staff often have no customers in a week and say so on the
    /// customer items; customer-facing teams always answer them. The demo's
    /// questionnaire changes edition inside the weeks HR sees first.
    #[test]
    fn operations_mark_customer_items_not_applicable_and_the_edition_changes_late() {
        let demo = generate_demo(options(7));
        let marks = |department: &str| -> usize {
            demo.teams
                .iter()
                .filter(|team| team.department == department)
                .flat_map(|team| team.reports.iter().flatten())
                .map(|report| report.not_applicable.len())
                .sum()
        };
        assert!(marks("Operations") > 50, "{}", marks("Operations"));
        assert_eq!(marks("Customer Care") + marks("Sales"), 0);
        let bank = ItemBank::embedded();
        for report in demo.teams.iter().flat_map(|team| team.reports.iter().flatten()) {
            for item in &report.not_applicable {
                assert!(bank.item(item).is_some_and(|item| item.not_applicable), "{item}");
                assert!(report.items.iter().all(|value| value.item_id != *item), "{item} also answered");
            }
        }
        let changes = demo.questionnaire.changes();
        assert_eq!(changes.len(), 1);
        let last = *demo.weeks.last().unwrap();
        assert!((8..12).contains(&(last.index() - changes[0].index())), "{changes:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_organisation_and_another_seed_another() {
        let first = generate_demo(options(7));
        assert_eq!(first, generate_demo(options(7)));
        assert_ne!(first.teams[0].reports, generate_demo(options(8)).teams[0].reports);
    }

    #[test]
    fn weeks_end_before_today_and_series_are_realistic() {
        let demo = generate_demo(options(7));
        assert_eq!(demo.weeks.len(), 104);
        assert_eq!(demo.weeks.last().unwrap().to_string(), "2026-W47");
        let departments: std::collections::BTreeSet<&str> =
            demo.teams.iter().map(|team| team.department.as_str()).collect();
        assert_eq!(departments.len(), 3);
        for team in &demo.teams {
            assert!((3..=15).contains(&team.size));
            assert_eq!(team.latent_engagement.len(), 104);
            let turnout: f64 = team.reports.iter().map(|week| week.len() as f64).sum::<f64>()
                / (104.0 * f64::from(team.size));
            assert!((0.45..=0.92).contains(&turnout), "{}: {turnout}", team.name);
            for week in &team.reports {
                assert!(week.len() as u32 <= team.size);
            }
        }
        let declining = demo.teams.iter().find(|team| team.name == DECLINING_TEAM).unwrap();
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
        let series = &declining.latent_engagement;
        let before = mean(&series[104 - 26..104 - DECLINE_WEEKS]);
        let last_month = mean(&series[104 - 4..]);
        assert!(before - last_month > 10.0, "before {before}, last month {last_month}");
        // August dips against the surrounding months, on average over teams.
        let august: Vec<usize> = demo
            .weeks
            .iter()
            .enumerate()
            .filter(|(_, week)| holiday_dip(**week) == -6.0)
            .map(|(i, _)| i)
            .collect();
        assert!(!august.is_empty());
        let august_mean = mean(
            &demo
                .teams
                .iter()
                .flat_map(|team| august.iter().map(|&i| team.latent_engagement[i]))
                .collect::<Vec<_>>(),
        );
        let all_mean = mean(
            &demo.teams.iter().flat_map(|team| team.latent_engagement.iter().copied()).collect::<Vec<_>>(),
        );
        assert!(august_mean < all_mean - 2.0, "august {august_mean}, all {all_mean}");
    }

    #[test]
    fn every_generated_report_passes_the_server_checks_and_counts_every_metric() {
        let demo = generate_demo(DemoOptions { weeks: 20, ..options(3) });
        let schedule = polso_core::schedule::Schedule::with_plan(
            ItemBank::embedded(),
            demo.schedule_seed,
            &demo.questionnaire,
        );
        for team in &demo.teams {
            for report in team.reports.iter().flatten() {
                let validated = validate_report(report, ItemBank::embedded(), &schedule).unwrap();
                // Every item of the week is answered, so every item is counted.
                let items = validated.contributions.iter().filter(|c| c.key.starts_with("item:")).count();
                assert_eq!(items, report.items.len());
            }
        }
    }
}
