//! What the app's own window exchanges with its shell about the organisation
//! server: the enrol form and the sync status.
//!
//! These cross Tauri IPC only, never HTTP; the types the server speaks are in
//! `sync.rs`. The status carries no answer and no token: only where the device
//! reports, when it last did, how many weekly reports are waiting, and which
//! weeks' reports the server could no longer count.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ApiError;

/// The enrol form: the server's address and the invite code HR handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct EnrolDevice {
    /// The server's address, such as `"https://polso.example.org"`. A trailing
    /// slash and surrounding spaces do not matter.
    pub server_url: String,
    /// The invite code, such as `"7KQM-2XWD-PR9T"`. Case, spaces and dashes do not matter.
    pub invite_code: String,
}

/// The "server moved" form: the address where the organisation's server now
/// answers. The enrolment moves there only once the server at that address
/// has recognised this device's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MoveServer {
    /// The server's new address, such as `"https://pulse.example.org"`. A
    /// trailing slash and surrounding spaces do not matter.
    pub server_url: String,
}

/// Where this device stands with the organisation server, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    /// Whether the device is enrolled to a team.
    pub enrolled: bool,
    /// The server's address; only when enrolled.
    pub server_url: Option<String>,
    /// The team the device reports for; only when enrolled.
    pub team_name: Option<String>,
    /// The fingerprint of the team key the device enrolled under with a
    /// personal code, such as `"3f9a-0c1d-…"` (eight groups of four hex
    /// digits): the same for everyone in the team, to compare with the one HR
    /// publishes. `None` when not enrolled or enrolled with an invite code.
    pub team_key_fingerprint: Option<String>,
    /// When the device last reached the server successfully (weekly reports
    /// sent, or the server checked and nothing to send), or enrolled; RFC 3339 in UTC.
    pub last_sync_at: Option<String>,
    /// What the last pass that reached for the server did, and when; `None`
    /// before the first. A failed one leaves [`SyncStatus::last_sync_at`] at
    /// the last success and says why in [`SyncStatus::last_error`].
    pub last_pass: Option<SyncPass>,
    /// Weekly reports waiting to be sent: held until their week's window closes
    /// and their random delay passes, or waiting to retry.
    pub pending_reports: u32,
    /// Weekly reports the server refused; they are not sent again.
    pub failed_reports: u32,
    /// Weeks whose report the server can never count (the week was already
    /// published, or it began before the device enrolled), oldest first. Each
    /// was removed from the queue for good; this is news to show in words,
    /// not a problem for the employee to fix.
    pub dropped_reports: Vec<DroppedReport>,
    /// Why the last attempt to reach the server failed; `None` after a success.
    pub last_error: Option<ApiError>,
    /// How many seconds this device's clock ran ahead of the server's when the server last said
    /// a week was not over yet by its clock; absent when it has not, or a report went through
    /// since. Reports wait for the server's week to close; the employee may set the clock right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub clock_ahead_seconds: Option<i64>,
    /// Weekly reports this device had sent that wait to be sent again because the server was
    /// restored from a backup (it announced a new generation) and may have lost them; counted
    /// in [`SyncStatus::pending_reports`] too. The server counts each once.
    pub resending_reports: u32,
    /// When this device last learnt that the server was restored from a backup, RFC 3339 in
    /// UTC; `None` when it never has.
    pub server_restored_at: Option<String>,
    /// How the organisation aggregates reports, as this device pinned it:
    /// one server, or two with the helper (the party holding it and its key's
    /// fingerprint, to compare with the one that party publishes).
    pub aggregation: crate::Aggregation,
}

/// A week whose report was removed from the queue because the server can
/// never count it. The answers stay on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DroppedReport {
    /// The ISO week, such as `"2026-W47"`.
    pub week: String,
    /// Why the server can never count it.
    pub reason: DroppedReportReason,
}

/// Why a week's report can never be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DroppedReportReason {
    /// It arrived after its week was published (the device was offline past
    /// the week's collection window).
    WeekPublished,
    /// The week began before the device enrolled.
    WeekBeforeEnrolment,
}

/// One sync pass that reached for the server: "Sync now", or a background
/// pass that had reports due or checked the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncPass {
    /// When it ended, RFC 3339 in UTC.
    pub at: String,
    /// What came of it.
    pub outcome: SyncPassOutcome,
    /// How many weekly reports the server counted in it.
    pub sent: u32,
}

/// What came of a sync pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPassOutcome {
    /// Weekly reports were sent and counted.
    Sent,
    /// The server answered and no weekly report was due.
    NothingToSend,
    /// The server could not be reached, or refused; `last_error` says why.
    Failed,
}

/// The environment variables through which `polso-server demo` tells the app
/// about its demo server (`cargo xtask run` sets them): written by the server,
/// read by the app's shell, spelled once here.
pub mod demo_environment {
    /// The demo server's address this run.
    pub const SERVER: &str = "POLSO_DEMO_HR_SERVER";
    /// The demo organisation's HR token.
    pub const HR_TOKEN: &str = "POLSO_DEMO_HR_TOKEN";
    /// The demo organisation's id, by which the app knows its demo enrolment.
    pub const ORGANISATION: &str = "POLSO_DEMO_ORGANISATION";
    /// The code the demo app enrols with.
    pub const INVITE_CODE: &str = "POLSO_DEMO_INVITE_CODE";
}
