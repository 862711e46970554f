//! The employee's weekly pulse and their own history, as the UI sees them.
//!
//! Weeks travel as ISO week text (`"2026-W48"`) and days as ISO dates
//! (`"2026-11-23"`), so nothing depends on a time zone across the boundary.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The metric (driver) an item feeds, by its stable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum MetricKey {
    Wellbeing,
    LifeSatisfaction,
    Who5,
    Burnout,
    Engagement,
    WorkLifeBalance,
    Communication,
    TeamCohesion,
    Tools,
    Empowerment,
    RoleClarity,
    Recognition,
    Growth,
    Trust,
    CustomerFocus,
    CustomerEmpathy,
    ManagerSupport,
    Flexibility,
    Enps,
}

impl MetricKey {
    /// Every metric key.
    pub const ALL: [MetricKey; 19] = [
        MetricKey::Wellbeing,
        MetricKey::LifeSatisfaction,
        MetricKey::Who5,
        MetricKey::Burnout,
        MetricKey::Engagement,
        MetricKey::WorkLifeBalance,
        MetricKey::Communication,
        MetricKey::TeamCohesion,
        MetricKey::Tools,
        MetricKey::Empowerment,
        MetricKey::RoleClarity,
        MetricKey::Recognition,
        MetricKey::Growth,
        MetricKey::Trust,
        MetricKey::CustomerFocus,
        MetricKey::CustomerEmpathy,
        MetricKey::ManagerSupport,
        MetricKey::Flexibility,
        MetricKey::Enps,
    ];

    /// The key as text, exactly as it is serialized (and as the core's
    /// `Metric::key` spells it): the one bridge between the two enums.
    pub fn key(self) -> &'static str {
        match self {
            MetricKey::Wellbeing => "wellbeing",
            MetricKey::LifeSatisfaction => "life_satisfaction",
            MetricKey::Who5 => "who5",
            MetricKey::Burnout => "burnout",
            MetricKey::Engagement => "engagement",
            MetricKey::WorkLifeBalance => "work_life_balance",
            MetricKey::Communication => "communication",
            MetricKey::TeamCohesion => "team_cohesion",
            MetricKey::Tools => "tools",
            MetricKey::Empowerment => "empowerment",
            MetricKey::RoleClarity => "role_clarity",
            MetricKey::Recognition => "recognition",
            MetricKey::Growth => "growth",
            MetricKey::Trust => "trust",
            MetricKey::CustomerFocus => "customer_focus",
            MetricKey::CustomerEmpathy => "customer_empathy",
            MetricKey::ManagerSupport => "manager_support",
            MetricKey::Flexibility => "flexibility",
            MetricKey::Enps => "enps",
        }
    }

    /// The metric key spelled `key`, if there is one.
    pub fn from_key(key: &str) -> Option<MetricKey> {
        MetricKey::ALL.into_iter().find(|metric| metric.key() == key)
    }
}

/// A text in every language Polso speaks, so the UI can switch without a round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LocalizedText {
    /// English.
    pub en: String,
    /// Italian.
    pub it: String,
}

/// An answer scale: whole numbers from `min` to `max`, each with a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScaleDto {
    /// The lowest value.
    pub min: u8,
    /// The highest value.
    pub max: u8,
    /// One label per value, from `min` to `max`.
    pub labels: Vec<LocalizedText>,
}

/// One question of a weekly pulse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PulseItem {
    /// The item's id in the item bank, such as `"eng.2"`.
    pub id: String,
    /// The metric the item feeds.
    pub metric: MetricKey,
    /// The question.
    pub text: LocalizedText,
    /// How it is answered.
    pub scale: ScaleDto,
    /// Where the item comes from, for the "about this question" line.
    pub source: String,
    /// The label of "not applicable this week", when the item may be
    /// answered so (a customer item in a week without customers); absent
    /// when it may not.
    pub not_applicable: Option<LocalizedText>,
}

/// One answer: an item and the value chosen on its scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AnswerDto {
    /// The item answered.
    pub item_id: String,
    /// The value chosen.
    pub value: u8,
}

/// Where the week was worked: days in the office and days remote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WorkWeekDto {
    /// Days worked at the office.
    pub office_days: u8,
    /// Days worked remotely.
    pub remote_days: u8,
}

/// Whether a week's pulse can be answered now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WeekState {
    /// Answers can be given and changed until the week closes.
    Open,
    /// The week is over; its answers are final.
    Closed,
    /// The week has not started yet.
    NotYetOpen,
}

/// This week's pulse with whatever the employee has answered so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PulseView {
    /// The ISO week, such as `"2026-W48"`.
    pub week: String,
    /// The week's Monday, as an ISO date.
    pub week_monday: String,
    /// The week's Sunday, the last day answers can change, as an ISO date.
    pub week_sunday: String,
    /// Whether answers can be given now.
    pub state: WeekState,
    /// The week's questions, at most five.
    pub items: Vec<PulseItem>,
    /// The answers already saved for this week.
    pub answers: Vec<AnswerDto>,
    /// The items already saved as "not applicable this week".
    pub not_applicable: Vec<String>,
    /// The work mode saved for this week.
    pub work_week: Option<WorkWeekDto>,
    /// The private note saved for this week; it never leaves the device.
    pub note: Option<String>,
    /// When the answers were last saved (RFC 3339), if they were.
    pub saved_at: Option<String>,
    /// The longest private note accepted, in characters.
    pub note_max_chars: u32,
    /// Why the saved answers call for the private care path, when they do; computed on the
    /// device from them and never sent.
    pub care: Option<crate::CareSignal>,
}

/// The employee's answers for a week, to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubmitPulse {
    /// The ISO week answered, such as `"2026-W48"`.
    pub week: String,
    /// One answer per item answered; items may be skipped.
    pub answers: Vec<AnswerDto>,
    /// The items marked "not applicable this week" (only items whose
    /// `not_applicable` label is given); neither answered nor skipped.
    #[serde(default)]
    pub not_applicable: Vec<String>,
    /// Where the week was worked, if the employee said.
    pub work_week: Option<WorkWeekDto>,
    /// A private note; it never leaves the device.
    pub note: Option<String>,
}

/// A metric's score in one week, from 0 to 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MetricScoreDto {
    /// The metric.
    pub metric: MetricKey,
    /// The score, 0 (worst) to 100 (best).
    pub score: f64,
}

/// One answered week in the employee's own history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HistoryWeek {
    /// The ISO week.
    pub week: String,
    /// Its Monday, as an ISO date.
    pub week_monday: String,
    /// The metric scores of that week's answers.
    pub scores: Vec<MetricScoreDto>,
    /// Where the week was worked, if recorded.
    pub work_week: Option<WorkWeekDto>,
    /// The private note of that week, if any.
    pub note: Option<String>,
    /// Why that week's answers call for the private care path, when they do; computed on the
    /// device and never sent.
    pub care: Option<crate::CareSignal>,
}

/// Which metrics the device's schedule asked in one week, answered or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AskedWeek {
    /// The ISO week.
    pub week: String,
    /// The metrics of the items the week asked, in the order of `MetricKey::ALL`.
    pub metrics: Vec<MetricKey>,
}

/// Everything the employee has answered, oldest week first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MyHistory {
    /// The answered weeks, oldest first.
    pub weeks: Vec<HistoryWeek>,
    /// Every week from the first answered to the last, answered or not, with
    /// what the schedule asked: a driver's line joins the weeks that asked it,
    /// and a week that asked it without an answer is a gap.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub asked: Option<Vec<AskedWeek>>,
}
