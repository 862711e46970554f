//! The organisation's structure as HR may see it (`GET /v1/units`): its
//! departments and teams by id and name, for choosing a team to drill into
//! and comparing it with its department and the organisation.
//!
//! Names and ids only: no sizes and no counts, so the structure says nothing
//! about how many people answered. A token scoped to some departments sees
//! only those, and not the organisation as a whole.

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

/// The units an HR token reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationUnits {
    /// The organisation, when the token reaches all of it; absent for a token scoped to some
    /// departments (which may not read organisation-wide figures).
    pub organisation: Option<UnitRef>,
    /// The departments in the token's scope, ordered by name.
    pub departments: Vec<DepartmentUnits>,
    /// The organisation's questionnaire in time, oldest first, so HR's charts
    /// mark the weeks where a new edition began. Absent from older servers.
    #[serde(default)]
    pub questionnaire: Vec<crate::QuestionnaireAdoption>,
}
