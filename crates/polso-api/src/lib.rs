//! Polso's wire types: every value that crosses a process boundary, Tauri IPC
//! today and HTTP with the organisation server next.
//!
//! The TypeScript types the UI uses are generated from these with ts-rs
//! ([`export_bindings`]) and committed under `ui/src/lib/bindings`; a test
//! regenerates them and fails on any difference, so the two sides cannot drift.
//! This crate knows nothing of the domain's rules: conversions from domain
//! types live with the code that owns them.

#![warn(missing_docs)]

mod about;
mod actions;
mod app_sync;
mod care;
mod comments;
mod credential;
mod cx;
mod cx_mapping;
mod error;
mod export;
mod hr;
#[cfg(feature = "core")]
mod metric_conversion;
mod priorities;
mod privacy;
mod pulse;
#[cfg(feature = "core")]
pub mod questionnaire;
#[cfg(feature = "core")]
pub mod report_answers;
mod results;
mod settings;
mod shared;
mod sync;
mod units;

use std::path::Path;

pub use about::{
    AboutQuestions, CutoffAbout, ItemAbout, NoticeKind, OfficialWordingAbout, SourceAbout, SourceNotice,
};
pub use actions::{
    ActionList, ActionQuery, MAX_ACTION_OWNER_CHARS, MAX_ACTION_TEXT_CHARS, NewAction, TeamAction,
};
pub use app_sync::{
    DroppedReport, DroppedReportReason, EnrolDevice, MoveServer, SyncPass, SyncPassOutcome, SyncStatus,
    demo_environment,
};
pub use care::{CareContact, CareContactKind, CareContacts, CareSignal};
pub use comments::{
    ActionVerdict, ActionVerdicts, AnswerAction, COMMENT_BODY_BYTES, CommentBatch, CommentQuery,
    CommentReply, CommentThread, MAX_COMMENT_CHARS, MAX_REPLY_CHARS, MIN_COMMENT_BATCH, MyComment,
    MyCommentState, MyComments, MyVerdict, NewActionVerdict, NewComment, NewReply, PoolReceipt,
    ReleasedComment, ReplyAuthor, TeamComments, ThreadRequest, VERDICT_BODY_BYTES, WriteComment,
};
pub use credential::{
    CREDENTIAL_VARIANT, Credential, CredentialEnrolRequest, CredentialKey, CredentialKeyRequest,
    CredentialRequest, CredentialSignature, PERSONAL_CODE_PREFIX,
};
pub use cx::{
    CxFileFormat, CxImportIssue, CxImportQuery, CxImportRejection, CxImportReport, CxIssueCode, CxRowDto,
    CxSeries, CxSeriesQuery, CxSurveyTool, CxWeekRange,
};
pub use cx_mapping::{
    CxAnswerScale, CxColumnRole, CxDateOrder, CxDirection, CxEvidence, CxMapping, CxMappingList,
    CxMappingStep, CxMappingSuggestion, CxMetricColumn, CxOpenQuestion, CxPeriodColumn, CxRowFilter,
    CxSavedMapping, CxSuggestedColumn, CxSurveyMetric,
};
pub use error::{ApiError, ErrorCode};
pub use export::{ExportFile, ExportKind, ExportOutcome};
pub use hr::{
    ComparisonSeries, ConnectHr, CxPooling, CxSamplingModel, HeatmapCell, HeatmapTeam, HeatmapUnitRow,
    HrConnection, HrHeatmap, HrHeatmapQuery, HrOverview, HrOverviewQuery, LagPoint, LinkageCorrelation,
    LinkageCxReliability, LinkageDetail, LinkageFit, LinkagePair, LinkageQuery, LinkageScatterPoint,
    LinkageTeamDifferences, LinkageTeamEstimate, LinkageView, MetricSeries, NotEnoughDataReason,
    ParticipationPoint, PeriodPoint, ReleaseNoiseInIntervals, SeriesPoint, TeamComparison,
    TeamComparisonQuery, TeamHeterogeneity, WeekPeriod, WithheldWeeks,
};
pub use priorities::{DriverPriority, HrPriorities};
pub use privacy::{DevicePrivacyLoss, PrivacyLedger, TeamPrivacyLoss};
pub use pulse::{
    AnswerDto, AskedWeek, HistoryWeek, LocalizedText, MetricKey, MetricScoreDto, MyHistory, PulseItem,
    PulseView, ScaleDto, SubmitPulse, WeekState, WorkWeekDto,
};
pub use results::{MonthFigure, MonthMetric, MonthParticipation, MyTeamMonth, ResultsUnit, TeamResults};
pub use settings::{
    LanguageCode, LanguagePreference, QuietHoursDto, ReminderSettings, ReminderStatus, Settings,
    SnoozeLengthDto, UpdateSettings, WeekdayDto,
};
pub use shared::{Aggregation, AggregationMode, HelperServer, SharedReport};
pub use sync::{
    AggregateCell, AggregateQuery, AggregateTable, EnpsFigures, EnrolRequest, EnrolResponse, Health,
    HeatmapQuery, NOT_APPLICABLE_KEY_PREFIX, NextPublication, QuestionnaireAdoption, QuestionnaireResponse,
    ReportAck, ReportStatus, ReportWindow, ReportedScore, ReportedValue, UnitKind, WeeklyReport,
    not_applicable_key,
};
pub use units::{DepartmentUnits, HrRole, OrganisationUnits, UnitRef};

/// The version of the wire format. A peer that speaks another version is refused.
pub const WIRE_VERSION: u32 = 1;

/// Writes the TypeScript bindings of every wire type into `dir`, one file per type.
pub fn export_bindings(dir: &Path) -> Result<(), ts_rs::ExportError> {
    use ts_rs::TS;
    let config = ts_rs::Config::new().with_out_dir(dir).with_large_int("number");
    ApiError::export_all(&config)?;
    PulseView::export_all(&config)?;
    SubmitPulse::export_all(&config)?;
    MyHistory::export_all(&config)?;
    Settings::export_all(&config)?;
    UpdateSettings::export_all(&config)?;
    ReminderStatus::export_all(&config)?;
    SnoozeLengthDto::export_all(&config)?;
    EnrolRequest::export_all(&config)?;
    EnrolResponse::export_all(&config)?;
    WeeklyReport::export_all(&config)?;
    ReportAck::export_all(&config)?;
    AggregateQuery::export_all(&config)?;
    HeatmapQuery::export_all(&config)?;
    AggregateTable::export_all(&config)?;
    Health::export_all(&config)?;
    EnrolDevice::export_all(&config)?;
    MoveServer::export_all(&config)?;
    SyncStatus::export_all(&config)?;
    ConnectHr::export_all(&config)?;
    HrConnection::export_all(&config)?;
    HrOverviewQuery::export_all(&config)?;
    HrOverview::export_all(&config)?;
    HrHeatmapQuery::export_all(&config)?;
    HrHeatmap::export_all(&config)?;
    LinkageQuery::export_all(&config)?;
    LinkageView::export_all(&config)?;
    CxImportQuery::export_all(&config)?;
    CxImportReport::export_all(&config)?;
    CxImportRejection::export_all(&config)?;
    CxSeriesQuery::export_all(&config)?;
    CxSeries::export_all(&config)?;
    CxMappingSuggestion::export_all(&config)?;
    CxMappingStep::export_all(&config)?;
    CxSavedMapping::export_all(&config)?;
    CxMappingList::export_all(&config)?;
    OrganisationUnits::export_all(&config)?;
    HrRole::export_all(&config)?;
    ExportFile::export_all(&config)?;
    ExportOutcome::export_all(&config)?;
    TeamComparisonQuery::export_all(&config)?;
    TeamComparison::export_all(&config)?;
    HrPriorities::export_all(&config)?;
    PrivacyLedger::export_all(&config)?;
    DevicePrivacyLoss::export_all(&config)?;
    TeamResults::export_all(&config)?;
    MyTeamMonth::export_all(&config)?;
    NewAction::export_all(&config)?;
    ActionList::export_all(&config)?;
    TeamComments::export_all(&config)?;
    NewReply::export_all(&config)?;
    ActionVerdict::export_all(&config)?;
    MyComments::export_all(&config)?;
    WriteComment::export_all(&config)?;
    AnswerAction::export_all(&config)?;
    ActionQuery::export_all(&config)?;
    AboutQuestions::export_all(&config)?;
    CareContacts::export_all(&config)?;
    CareSignal::export_all(&config)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;

    /// The committed bindings must be exactly what the Rust types generate now.
    /// Regenerate them with `cargo xtask codegen`.
    #[test]
    fn committed_typescript_bindings_match_the_rust_types() {
        let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings");
        let fresh = tempfile::tempdir().unwrap();
        super::export_bindings(fresh.path()).unwrap();

        let names = |dir: &std::path::Path| {
            let mut names: Vec<String> = fs::read_dir(dir)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(
            names(&committed),
            names(fresh.path()),
            "the set of binding files differs; run `cargo xtask codegen`"
        );
        for name in names(fresh.path()) {
            let want = fs::read_to_string(fresh.path().join(&name)).unwrap();
            let have = fs::read_to_string(committed.join(&name)).unwrap();
            assert_eq!(have, want, "ui/src/lib/bindings/{name} is stale; run `cargo xtask codegen`");
        }
    }

    #[test]
    fn metric_keys_are_spelled_as_they_serialize() {
        for metric in super::MetricKey::ALL {
            assert_eq!(serde_json::to_string(&metric).unwrap(), format!("\"{}\"", metric.key()));
            assert_eq!(super::MetricKey::from_key(metric.key()), Some(metric));
        }
        assert_eq!(super::MetricKey::from_key("happiness"), None);
    }

    #[test]
    fn errors_serialize_as_code_and_message() {
        let error = super::ApiError::new(super::ErrorCode::WeekClosed, "2026-W47 closed on Sunday");
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(json, r#"{"code":"week_closed","message":"2026-W47 closed on Sunday"}"#);
    }
}
