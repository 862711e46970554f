//! The organisation's structure as HR may see it (`GET /v1/units`): its
//! departments and teams by id and name, for choosing a team to drill into
//! and comparing it with its department and the organisation.
//!
//! Names and ids only: no sizes and no counts, so the structure says nothing
//! about how many people answered. A token scoped to some departments sees
//! only those, and not the organisation as a whole; a manager's token sees
//! only the manager's teams (within their departments) and the organisation.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A unit by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitRef {
    /// Its id (`org_…`, `dep_…`, `team_…`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// A team's declared head-count, for participation rates; absent for a department or the
    /// organisation, and for a team without one.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub headcount: Option<u32>,
}

/// A department and its teams, ordered by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentUnits {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its teams, ordered by name.
    pub teams: Vec<UnitRef>,
}

/// Who a token belongs to, as the server sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HrRole {
    /// HR, for the whole organisation or some departments: the organisation view.
    #[default]
    Hr,
    /// A manager of one or more teams: those teams' results only, with their
    /// departments' and the organisation's beside them.
    Manager,
}

/// The units an HR or manager token reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationUnits {
    /// Whose token this is; HR when an older server does not say.
    #[serde(default)]
    pub role: HrRole,
    /// The organisation, when its cells are readable: for HR of the whole organisation, and for a
    /// manager (beside their teams); absent for a token scoped to some departments (which may not
    /// read organisation-wide figures).
    pub organisation: Option<UnitRef>,
    /// The departments in the token's scope, ordered by name; a manager's hold only the
    /// manager's teams.
    pub departments: Vec<DepartmentUnits>,
    /// The organisation's questionnaire in time, oldest first, so HR's charts
    /// mark the weeks where a new edition began. Absent from older servers.
    #[serde(default)]
    pub questionnaire: Vec<crate::QuestionnaireAdoption>,
}
