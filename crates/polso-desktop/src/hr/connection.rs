//! Connecting as HR or as a manager: the address and token ([`HrCredentials`], never printed),
//! checked by a real read before they are kept ([`verify_hr_connection`]).

use chrono::NaiveDate;
use polso_api::{ApiError, ConnectHr, ErrorCode, HrRole, MetricKey, OrganisationUnits, UnitKind, UnitRef};

use super::{HrCredentials, HrTransport, last_closed_week, read_aggregates, read_units};
use crate::transport::normalise_server_url;

/// A server address and HR token the server accepted for a real read, to be
/// kept by [`crate::Desktop::keep_hr_connection`].
#[derive(Debug, Clone)]
pub struct VerifiedHrConnection {
    pub(super) credentials: HrCredentials,
    pub(super) k: u32,
    pub(super) role: HrRole,
    pub(super) manager_of: Vec<UnitRef>,
}

impl VerifiedHrConnection {
    /// The address and token the server accepted, for reads before they are kept.
    pub fn credentials(&self) -> &HrCredentials {
        &self.credentials
    }

    #[cfg(test)]
    pub(crate) fn for_tests(form: &ConnectHr, k: u32) -> VerifiedHrConnection {
        VerifiedHrConnection {
            credentials: HrCredentials::for_tests(&form.server_url, &form.hr_token),
            k,
            role: HrRole::Hr,
            manager_of: Vec::new(),
        }
    }
}

/// Checks the connect form by a real read: last week's wellbeing of every
/// team the token reaches; then the units it reaches, for its role (HR or a
/// manager) and a manager's teams. Touches no store.
pub fn verify_hr_connection(
    transport: &dyn HrTransport,
    form: &ConnectHr,
    today: NaiveDate,
) -> Result<VerifiedHrConnection, ApiError> {
    let server_url = normalise_server_url(&form.server_url)?;
    let hr_token = form.hr_token.trim();
    if hr_token.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "the HR token is empty"));
    }
    if hr_token.chars().any(|character| character.is_whitespace() || character.is_control()) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the HR token holds spaces or control characters",
        ));
    }
    let credentials = HrCredentials { server_url, hr_token: hr_token.to_owned() };
    let last_week = last_closed_week(today);
    let table = read_aggregates(
        transport,
        &credentials,
        UnitKind::Team,
        MetricKey::Wellbeing,
        last_week..=last_week,
    )?;
    let units = read_units(transport, &credentials)?;
    let manager_of = match units.role {
        HrRole::Hr => Vec::new(),
        HrRole::Manager => managed_teams(&units),
    };
    Ok(VerifiedHrConnection { credentials, k: table.k, role: units.role, manager_of })
}

/// A manager's teams from the units their token reaches, ordered by name:
/// every team listed (the server lists a manager's own teams only).
pub fn managed_teams(units: &OrganisationUnits) -> Vec<UnitRef> {
    let mut teams: Vec<UnitRef> =
        units.departments.iter().flat_map(|department| department.teams.iter().cloned()).collect();
    teams.sort_by(|left, right| (&left.name, &left.id).cmp(&(&right.name, &right.id)));
    teams
}
