//! Commands of HR's view: connect with an HR token, disconnect, and read the
//! organisation overview, the team × metric heatmap and the EX–CX linkage,
//! and import CX files.
//!
//! The network half of each runs without holding the store, as in `sync.rs`;
//! the reading commands are `async` so Tauri runs them off the main thread.

use polso_api::HrPriorities;
use polso_api::{
    ApiError, ConnectHr, CxImportReport, CxMapping, CxMappingList, CxMappingStep, CxPooling, CxSavedMapping,
    HrConnection, HrHeatmap, HrHeatmapQuery, HrOverview, HrOverviewQuery, LinkageQuery, LinkageView,
    MetricKey, OrganisationUnits, TeamComparison, TeamComparisonQuery,
};
use polso_desktop::{cx_import, hr, linkage_view, priorities, team_view};
use tauri::State;

use polso_desktop::session::Session;

/// Where HR stands with the organisation server.
#[tauri::command]
pub fn get_hr_connection(state: State<'_, Session>) -> Result<HrConnection, ApiError> {
    state.with_desktop(|desktop| desktop.hr_connection())
}

/// Checks the server and HR token by a real read, then keeps them.
#[tauri::command(async)]
pub fn hr_connect(state: State<'_, Session>, form: ConnectHr) -> Result<HrConnection, ApiError> {
    let verified = hr::verify_hr_connection(state.transport(), &form, state.today())?;
    state.with_desktop(|desktop| desktop.keep_hr_connection(verified))
}

/// Forgets the HR token and the server.
#[tauri::command]
pub fn hr_disconnect(state: State<'_, Session>) -> Result<HrConnection, ApiError> {
    state.with_desktop(|desktop| desktop.disconnect_hr())
}

/// The organisation overview of the last closed weeks.
#[tauri::command(async)]
pub fn get_hr_overview(state: State<'_, Session>, query: HrOverviewQuery) -> Result<HrOverview, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    hr::read_hr_overview(state.transport(), &credentials, query, state.today())
}

/// The team × metric heatmap: the latest period against the one before.
#[tauri::command(async)]
pub fn get_hr_heatmap(state: State<'_, Session>, query: HrHeatmapQuery) -> Result<HrHeatmap, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    hr::read_hr_heatmap(state.transport(), &credentials, query, state.today())
}

/// Checks a CX file at the server, through the saved mapping `mapping` when
/// given, and returns its report, storing nothing.
#[tauri::command(async)]
pub fn preview_cx_import(
    state: State<'_, Session>,
    csv: String,
    mapping: Option<String>,
) -> Result<CxImportReport, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    cx_import::import_cx(state.transport(), &credentials, &csv, mapping.as_deref(), true)
}

/// Checks a CX file at the server, through the saved mapping `mapping` when
/// given, and stores its rows when it has no error.
#[tauri::command(async)]
pub fn import_cx(
    state: State<'_, Session>,
    csv: String,
    mapping: Option<String>,
) -> Result<CxImportReport, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    cx_import::import_cx(state.transport(), &credentials, &csv, mapping.as_deref(), false)
}

/// The server's suggested mapping of a survey tool's export, or the file's problems.
#[tauri::command(async)]
pub fn suggest_cx_mapping(state: State<'_, Session>, csv: String) -> Result<CxMappingStep, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    cx_import::suggest_cx_mapping(state.transport(), &credentials, &csv)
}

/// The organisation's saved CX mappings.
#[tauri::command(async)]
pub fn get_cx_mappings(state: State<'_, Session>) -> Result<CxMappingList, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    cx_import::read_cx_mappings(state.transport(), &credentials)
}

/// Saves a CX mapping under the source's name.
#[tauri::command(async)]
pub fn save_cx_mapping(
    state: State<'_, Session>,
    name: String,
    mapping: CxMapping,
) -> Result<CxSavedMapping, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    cx_import::save_cx_mapping(state.transport(), &credentials, &name, &mapping)
}

/// The EX–CX linkage of the last closed weeks, with one pair in detail.
#[tauri::command(async, rename_all = "snake_case")]
pub fn get_linkage(
    state: State<'_, Session>,
    weeks: Option<u32>,
    ex_metric: Option<MetricKey>,
    cx_metric: Option<String>,
    lag: Option<u32>,
    cx_pooling: Option<CxPooling>,
) -> Result<LinkageView, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    let query = LinkageQuery { weeks, ex_metric, cx_metric, lag, cx_pooling };
    linkage_view::read_linkage(state.transport(), &credentials, &query, state.today())
}

/// The departments and teams the HR token reaches, for choosing a team.
#[tauri::command(async)]
pub fn get_hr_units(state: State<'_, Session>) -> Result<OrganisationUnits, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    hr::read_units(state.transport(), &credentials)
}

/// One team's trends beside its department's and the organisation's.
#[tauri::command(async)]
pub fn get_team_comparison(
    state: State<'_, Session>,
    query: TeamComparisonQuery,
) -> Result<TeamComparison, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    team_view::read_team_comparison(state.transport(), &credentials, &query, state.today())
}

/// Which drivers move with engagement across teams and periods, ranked.
#[tauri::command(async)]
pub fn get_hr_priorities(state: State<'_, Session>) -> Result<HrPriorities, ApiError> {
    let credentials = state.with_desktop(|desktop| desktop.hr_credentials())?;
    priorities::read_hr_priorities(state.transport(), &credentials, state.today())
}
