//! Results back to employees: what the device's own team, its department and the organisation
//! were told in the last published month, read with the device token
//! (`GET /v1/team-results`), and the same shaped for the employee's "Your team" view.
//!
//! Only published snapshots are read, the same released cells HR reads under the same rules (k,
//! suppression across the hierarchy and the items, differential privacy). The request has no
//! parameter: the device's enrolment alone decides the team, so no request can reach another team.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{AggregateCell, MetricKey, NextPublication, TeamAction, UnitKind};

/// A unit the employee's results speak of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultsUnit {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its declared head-count (a department's or the organisation's is the sum of its teams');
    /// absent when a team of it has none.
    pub headcount: Option<u32>,
}

/// What `GET /v1/team-results` answers (device token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamResults {
    /// The organisation's minimum number of answers for a figure to be shown.
    pub k: u32,
    /// The month: the last four published ISO weeks, oldest first (fewer when fewer are
    /// published; empty when none is).
    pub weeks: Vec<String>,
    /// The last published week.
    pub published_through: Option<String>,
    /// When the next week is published.
    pub next_publication: NextPublication,
    /// The device's team.
    pub team: ResultsUnit,
    /// The team's department.
    pub department: ResultsUnit,
    /// The organisation.
    pub organisation: ResultsUnit,
    /// Every metric's cell of the three units in each week of `weeks`, as published.
    pub cells: Vec<AggregateCell>,
    /// What HR recorded it will do for the team, newest first.
    pub actions: Vec<TeamAction>,
}

/// One unit's figure for one metric over the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthFigure {
    /// The mean of the month's released weeks, each weighted by its answers (a driver's on its
    /// anchor item's level); absent when no week was released.
    pub mean: Option<f64>,
    /// The answers behind `mean`, summed over the released weeks.
    pub n: Option<u32>,
    /// The weeks of the month that asked the metric.
    pub weeks_asked: u32,
    /// Of those, the weeks released; fewer than `weeks_asked` means a week had fewer than k
    /// answers (or was held back to protect another figure).
    pub weeks_released: u32,
}

/// One metric of the month for the team, the department and the organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthMetric {
    /// The metric.
    pub metric: MetricKey,
    /// The team's figure.
    pub team: MonthFigure,
    /// The department's figure.
    pub department: MonthFigure,
    /// The organisation's figure.
    pub organisation: MonthFigure,
}

/// How many of a unit's people answered in the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthParticipation {
    /// Which level.
    pub unit_kind: UnitKind,
    /// The unit's name.
    pub name: String,
    /// The average, over the month's weeks whose count was released, of the people who answered
    /// (the released count of the most-answered metric asked that week); absent when no week's
    /// count was released.
    pub answered: Option<f64>,
    /// The unit's declared head-count, when known.
    pub headcount: Option<u32>,
    /// `answered / headcount`, from 0 to 1; absent when either is.
    pub rate: Option<f64>,
}

/// The employee's "Your team" view: the last published month of their team beside its department
/// and the organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyTeamMonth {
    /// The organisation's k.
    pub k: u32,
    /// The first week of the month; absent when nothing is published yet.
    pub from: Option<String>,
    /// The last week of the month.
    pub to: Option<String>,
    /// The Monday of `from`, for the locale's date format.
    pub from_monday: Option<String>,
    /// The Sunday of `to`.
    pub to_sunday: Option<String>,
    /// When the next week is published.
    pub next_publication: NextPublication,
    /// Team, department and organisation, in that order.
    pub participation: Vec<MonthParticipation>,
    /// Every metric, in the order of `MetricKey::ALL`.
    pub metrics: Vec<MonthMetric>,
    /// What HR recorded it will do for the team, newest first.
    pub actions: Vec<TeamAction>,
    /// This device's own "did it help?" answers, from its store (never from the server).
    #[serde(default)]
    pub my_verdicts: Vec<crate::MyVerdict>,
}
