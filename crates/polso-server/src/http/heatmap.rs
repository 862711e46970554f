//! `GET /v1/heatmap`: the heatmap HR draws, shaped on the server from the
//! released cells ([`polso_hr::heatmap::build_heatmap`], the code the app
//! used to run on every week's cells), so that HR receives one cell per unit
//! and metric instead of every unit's every week. The published rows are
//! pooled into the two periods as they are read ([`ReleasedRead::series`]):
//! no wire cell and no week is kept for the 1.3 million unit-weeks of a
//! 5,000-team heatmap.
//!
//! It reads only what `GET /v1/aggregates` would serve the same token (the
//! published snapshots, through [`ReleasedRead`]) and derives figures from
//! those alone: a pooled period, a change and its interval are functions of
//! released cells, so this read tells nothing a series of aggregate reads does
//! not. A department's and the organisation's rows come from their own
//! released cells; a department outside the token's reach is answered as one
//! that does not exist; no parameter touches k or the noise.

use std::ops::RangeInclusive;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use polso_api::{ApiError, ErrorCode, HeatmapQuery, HrHeatmap, MetricKey, OrganisationUnits, UnitKind};
use polso_core::IsoWeek;
use polso_hr::heatmap::{KnownNoise, ReleasedCells, build_heatmap};
use polso_hr::pool::{HeatmapPeriods, PooledSeries};

use crate::error::{Result, ServerError};
use crate::http::releases::{ReleasedRead, publish_then_read};
use crate::http::units::units_within_reach;
use crate::http::{AppState, AuthenticatedReader};
use crate::release::ScheduledKey;

/// The heatmap of two `period_weeks`-week periods, shaped from the released
/// cells the token may read.
#[utoipa::path(
    get,
    path = "/v1/heatmap",
    tag = "hr",
    security(("hr_token" = [])),
    params(
        ("period_weeks" = u32, Query, description = "The length of each period, 1 to 26 weeks"),
        ("to" = Option<String>, Query, description = "The latest period's last week (such as `2026-W48`) when earlier than the last published week and the last closed one"),
        ("department" = Option<String>, Query, description = "One department's teams only, by id (with its own row and the organisation's)")
    ),
    responses(
        (status = 200, body = polso_api::HrHeatmap),
        (status = 400, description = "`invalid_input` (also for unknown parameters), `invalid_week`", body = polso_api::ApiError),
        (status = 401, description = "`unauthorized`", body = polso_api::ApiError),
        (status = 404, description = "`not_found`: no such department within the token's reach (one outside it is answered exactly alike)", body = polso_api::ApiError),
        (status = 429, description = "`rate_limited`: too many failed attempts from this address; see `Retry-After`", body = polso_api::ApiError)
    )
)]
pub(crate) async fn read_heatmap(
    State(state): State<AppState>,
    AuthenticatedReader(access): AuthenticatedReader,
    query: std::result::Result<Query<HeatmapQuery>, QueryRejection>,
) -> Result<Json<HrHeatmap>> {
    let Query(query) = query
        .map_err(|rejection| ServerError::InvalidInput(format!("bad query: {}", rejection.body_text())))?;
    let to: Option<IsoWeek> = query.to.as_deref().map(str::parse).transpose()?;
    let organisation_id = access.organisation_id.clone();
    let heatmap = publish_then_read(&state, organisation_id, move |store, organisation_id, settings, now| {
        let tree = store.organisation_tree(organisation_id)?;
        let last_closed = IsoWeek::containing(now.date_naive()).previous();
        let last_closed = to.map_or(last_closed, |to| to.min(last_closed));
        let units = units_within_reach(&tree, &access);
        let department_teams = query.department.as_deref().and_then(|asked| {
            let department = units.departments.iter().find(|department| department.id == asked)?;
            Some(department.teams.iter().map(|team| team.id.clone()).collect::<Vec<_>>())
        });
        let mut source = PublishedSource {
            read: ReleasedRead::new(store, &tree, &access, settings, now)?,
            units,
            department_teams,
            failure: None,
        };
        match build_heatmap(&mut source, query.period_weeks, query.department.as_deref(), last_closed) {
            Ok(heatmap) => Ok(heatmap),
            Err(error) => Err(source.failure.take().unwrap_or_else(|| from_api_error(error))),
        }
    })
    .await?;
    Ok(Json(heatmap))
}

/// The released cells [`build_heatmap`] asks for, from the published snapshots.
struct PublishedSource<'a> {
    read: ReleasedRead<'a>,
    units: OrganisationUnits,
    /// The asked department's teams, read alone at the team level.
    department_teams: Option<Vec<String>>,
    /// The store's error behind a failed read, answered as itself.
    failure: Option<ServerError>,
}

impl ReleasedCells for PublishedSource<'_> {
    fn series(
        &mut self,
        level: UnitKind,
        metric: MetricKey,
        weeks: RangeInclusive<IsoWeek>,
        periods: &HeatmapPeriods,
    ) -> std::result::Result<Option<PooledSeries>, ApiError> {
        let only = match level {
            UnitKind::Team => self.department_teams.as_deref(),
            UnitKind::Department | UnitKind::Organisation => None,
        };
        let scheduled = ScheduledKey::Metric(metric.into());
        match self.read.series(metric.key(), scheduled, level, weeks, only, periods) {
            Ok(series) => Ok(Some(series)),
            Err(error) => {
                let answer = error.to_api_error();
                self.failure = Some(error);
                Err(answer)
            }
        }
    }

    fn units(&mut self) -> Option<OrganisationUnits> {
        Some(self.units.clone())
    }

    fn noise(&mut self) -> KnownNoise {
        match self.read.tree.organisation.privacy.epsilon {
            Some(epsilon) => KnownNoise::Known { epsilon_per_cell: epsilon.to_f64() },
            None => KnownNoise::Off,
        }
    }
}

/// The shaping's own refusals (a period's length, an unknown department) as the server's.
fn from_api_error(error: ApiError) -> ServerError {
    match error.code {
        ErrorCode::NotFound => ServerError::NotFound(error.message),
        _ => ServerError::InvalidInput(error.message),
    }
}
