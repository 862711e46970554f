//! The [`Desktop`]'s side of sync: the enrolment facts in the store's
//! settings, the device token in the vault, and the weekly reports through the
//! store's queue. The network is not touched here; see `sync.rs` for the
//! exchanges and the order of a pass.

use chrono::{DateTime, NaiveDate, Utc};
use polso_api::{
    ApiError, DroppedReport, DroppedReportReason, ErrorCode, SyncPass, SyncPassOutcome, SyncStatus,
    WeeklyReport,
};
use polso_core::IsoWeek;
use polso_core::schedule::Schedule;
use polso_store::{QueuedReport, QueuedReportState, ReportFailure};

use crate::enrolment::{ORGANISATION_ID_KEY, TEAM_ID_KEY};
use crate::errors::{store_to_api, vault_to_api};
use crate::questionnaire;
use crate::shared_reporting::ReportBody;
use crate::sync::{
    self, DueReport, Enrolment, SendOutcome, SyncBatch, SyncCheck, next_attempt_at, padded_report_body,
    report_due_at, report_for_pulse, week_is_closed,
};
use crate::{Desktop, ORGANISATION_SEED_KEY};
use polso_api::{QuestionnaireAdoption, QuestionnaireResponse};

/// Settings keys of the enrolment and of the last pass. The device token is
/// deliberately not among them: it lives only in the vault.
const SERVER_URL_KEY: &str = "sync.server_url";
const TEAM_NAME_KEY: &str = "sync.team_name";
/// Only after an enrolment with a personal code; removed by one with an invite code.
const TEAM_KEY_FINGERPRINT_KEY: &str = "sync.team_key_fingerprint";
const MAX_RANDOM_DELAY_KEY: &str = "sync.max_random_delay_seconds";
const MAX_REPORT_AGE_KEY: &str = "sync.max_report_age_weeks";
const ENROLLED_WEEK_KEY: &str = "sync.enrolled_week";
const LAST_SYNC_AT_KEY: &str = "sync.last_sync_at";
const LAST_ERROR_CODE_KEY: &str = "sync.last_error_code";
const LAST_ERROR_MESSAGE_KEY: &str = "sync.last_error_message";
const LAST_PASS_AT_KEY: &str = "sync.last_pass_at";
const LAST_PASS_OUTCOME_KEY: &str = "sync.last_pass_outcome";
const LAST_PASS_SENT_KEY: &str = "sync.last_pass_sent";
/// How far the device's clock ran ahead of the server's, by the server's last `week_not_open`.
const CLOCK_AHEAD_KEY: &str = "sync.clock_ahead_seconds";
/// The server database's generations this enrolment has seen (`polso_api::ReportAck::generation`),
/// the current one first, space-separated: one never seen means the server was restored from a
/// backup.
const SERVER_GENERATION_KEY: &str = "sync.server_generation";
/// How many generations are remembered: enough for replicas that disagree for a while (one
/// restarted after `new-generation`, one not) never to look like a restore each time they
/// alternate.
const GENERATIONS_REMEMBERED: usize = 8;
/// When this device last saw the server announce a new generation, RFC 3339.
const SERVER_RESTORED_AT_KEY: &str = "sync.server_restored_at";

/// How long a background pass with nothing to send goes without checking
/// that the server answers; "Sync now" always checks.
const CHECK_INTERVAL_SECONDS: i64 = 60 * 60;

/// The enrolment as kept in the settings.
pub(crate) struct EnrolmentFacts {
    pub(crate) server_url: String,
    pub(crate) max_random_delay_seconds: u32,
    max_report_age_weeks: u32,
    pub(crate) enrolled_week: IsoWeek,
}

impl EnrolmentFacts {
    /// The oldest week the server still accepts a report of on `today`.
    fn oldest_accepted(&self, today: NaiveDate) -> IsoWeek {
        IsoWeek::containing(today).plus_weeks(-i64::from(self.max_report_age_weeks))
    }
}

impl Desktop {
    /// Keeps a successful enrolment: the device token in the vault (and only
    /// there), the server, team, report window and organisation seed in the
    /// settings, and the team key's fingerprint after a personal code (an
    /// earlier enrolment's is removed). From now on the schedule is the organisation's, so the team
    /// is asked the same items each week. Weeks from `today`'s on are reported.
    pub fn complete_enrolment(
        &mut self,
        enrolment: Enrolment,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<SyncStatus, ApiError> {
        // A questionnaire this app cannot follow refuses the enrolment before anything is kept.
        let plan = questionnaire::plan_from_wire(&enrolment.response.questionnaire)?;
        let plan_text = questionnaire::plan_text(&plan)?;
        // Reports of an earlier enrolment never go out under this one's token, not even after a
        // restore lost them: sent under a new token, a week's padded body would tie the new
        // enrolment to the old one, and another team's or organisation's report would be
        // counted in the wrong place. Those still queued are of weeks before this enrolment,
        // which the server refuses anyway; those sent are forgotten, so no restore sends them.
        self.forget_earlier_enrolments_reports(today)?;
        let vault = self.device_vault()?;
        vault.set(&self.device_token_account, &enrolment.response.device_token).map_err(vault_to_api)?;
        let response = &enrolment.response;
        let seed = response.organisation_seed.to_string();
        let max_delay = response.report_window.max_random_delay_seconds.to_string();
        let max_age = response.report_window.max_report_age_weeks.to_string();
        let enrolled_week = IsoWeek::containing(today).to_string();
        let last_sync_at = now.to_rfc3339();
        // A fingerprint from an earlier enrolment goes first: the one that
        // follows is this enrolment's, or none for an invite code.
        self.store.remove_settings(&[TEAM_KEY_FINGERPRINT_KEY]).map_err(store_to_api)?;
        // So is an earlier enrolment's helper: this one pins its own.
        self.store.remove_settings(&crate::shared_reporting::HELPER_KEYS).map_err(store_to_api)?;
        let mut settings = vec![
            (SERVER_URL_KEY, enrolment.server_url.as_str()),
            (ORGANISATION_ID_KEY, &response.organisation_id),
            (TEAM_ID_KEY, &response.team_id),
            (TEAM_NAME_KEY, &response.team_name),
            (ORGANISATION_SEED_KEY, &seed),
            (questionnaire::QUESTIONNAIRE_KEY, &plan_text),
            (MAX_RANDOM_DELAY_KEY, &max_delay),
            (MAX_REPORT_AGE_KEY, &max_age),
            (ENROLLED_WEEK_KEY, &enrolled_week),
            (LAST_SYNC_AT_KEY, &last_sync_at),
        ];
        if let Some(fingerprint) = &enrolment.team_key_fingerprint {
            settings.push((TEAM_KEY_FINGERPRINT_KEY, fingerprint));
        }
        // The new enrolment's server: its generation alone.
        if let Some(generation) = response.generation.as_ref().filter(|text| is_generation(text)) {
            settings.push((SERVER_GENERATION_KEY, generation));
        }
        self.store.set_settings(&settings).map_err(store_to_api)?;
        // A new enrolment starts without an earlier one's error or last pass.
        self.store
            .remove_settings(&[
                LAST_ERROR_CODE_KEY,
                LAST_ERROR_MESSAGE_KEY,
                LAST_PASS_AT_KEY,
                LAST_PASS_OUTCOME_KEY,
                LAST_PASS_SENT_KEY,
                CLOCK_AHEAD_KEY,
            ])
            .map_err(store_to_api)?;
        if !response.generation.as_deref().is_some_and(is_generation) {
            self.store.remove_settings(&[SERVER_GENERATION_KEY]).map_err(store_to_api)?;
        }
        self.schedule = Schedule::with_plan(self.bank, response.organisation_seed, &plan);
        self.follow_aggregation(&response.aggregation)?;
        self.sync_status()
    }

    /// Where this device stands with the organisation server.
    pub fn sync_status(&self) -> Result<SyncStatus, ApiError> {
        let setting = |key: &str| self.store.setting(key).map_err(store_to_api);
        let server_url = setting(SERVER_URL_KEY)?;
        let last_error = match setting(LAST_ERROR_CODE_KEY)? {
            Some(code_text) => Some(ApiError::new(
                parse_error_code(&code_text),
                setting(LAST_ERROR_MESSAGE_KEY)?.unwrap_or_default(),
            )),
            None => None,
        };
        let server_restored_at =
            server_url.as_ref().map(|_| setting(SERVER_RESTORED_AT_KEY)).transpose()?.flatten();
        let queued = self.store.queued_reports().map_err(store_to_api)?;
        let dropped_reports = queued
            .iter()
            .filter(|report| report.state == QueuedReportState::Dropped)
            .map(dropped_report_to_wire)
            .collect();
        Ok(SyncStatus {
            enrolled: server_url.is_some(),
            team_name: server_url.as_ref().map(|_| setting(TEAM_NAME_KEY)).transpose()?.flatten(),
            team_key_fingerprint: server_url
                .as_ref()
                .map(|_| setting(TEAM_KEY_FINGERPRINT_KEY))
                .transpose()?
                .flatten(),
            server_url,
            last_sync_at: setting(LAST_SYNC_AT_KEY)?,
            pending_reports: count_in(&queued, QueuedReportState::Pending),
            failed_reports: count_in(&queued, QueuedReportState::Failed),
            dropped_reports,
            last_pass: self.last_pass()?,
            last_error,
            clock_ahead_seconds: setting(CLOCK_AHEAD_KEY)?.and_then(|text| text.parse().ok()),
            resending_reports: u32::try_from(queued.iter().filter(|report| is_resend(report)).count())
                .unwrap_or(u32::MAX),
            server_restored_at,
            aggregation: self.pinned_aggregation()?,
        })
    }

    /// The last pass that reached for the server, as kept in the settings.
    fn last_pass(&self) -> Result<Option<SyncPass>, ApiError> {
        let setting = |key: &str| self.store.setting(key).map_err(store_to_api);
        let Some(at) = setting(LAST_PASS_AT_KEY)? else {
            return Ok(None);
        };
        let outcome = match setting(LAST_PASS_OUTCOME_KEY)?.as_deref() {
            Some("sent") => SyncPassOutcome::Sent,
            Some("nothing_to_send") => SyncPassOutcome::NothingToSend,
            _ => SyncPassOutcome::Failed,
        };
        let sent = setting(LAST_PASS_SENT_KEY)?.and_then(|text| text.parse().ok()).unwrap_or(0);
        Ok(Some(SyncPass { at, outcome, sent }))
    }

    /// Keeps what a pass that reached for the server did, and when; a pass
    /// without error is also the last successful sync.
    fn remember_pass(
        &mut self,
        sent: u32,
        error: Option<&ApiError>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let outcome = match (error, sent) {
            (Some(_), _) => "failed",
            (None, 0) => "nothing_to_send",
            (None, _) => "sent",
        };
        let at = now.to_rfc3339();
        let sent_text = sent.to_string();
        let mut settings = vec![
            (LAST_PASS_AT_KEY, at.as_str()),
            (LAST_PASS_OUTCOME_KEY, outcome),
            (LAST_PASS_SENT_KEY, &sent_text),
        ];
        if error.is_none() {
            settings.push((LAST_SYNC_AT_KEY, &at));
        }
        self.store.set_settings(&settings).map_err(store_to_api)?;
        self.remember_last_error(error)
    }

    /// When a pass had nothing to send: the server and device token to check
    /// the connection with ([`sync::check_server`]), when "Sync now" was
    /// pressed (`retry_now`) or the last pass that reached for the server is
    /// an hour old or more, so the status never goes on saying "synced" about
    /// a server that has gone. `None` when not enrolled or not time to check.
    /// A device token missing from the keyring is kept as the last error.
    pub fn prepare_check(
        &mut self,
        now: DateTime<Utc>,
        retry_now: bool,
    ) -> Result<Option<SyncCheck>, ApiError> {
        let Some(facts) = self.enrolment_facts()? else {
            return Ok(None);
        };
        let last_pass_at = self
            .store
            .setting(LAST_PASS_AT_KEY)
            .map_err(store_to_api)?
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
            .map(|instant| instant.to_utc());
        let due = retry_now
            || last_pass_at.is_none_or(|at| now - at >= chrono::Duration::seconds(CHECK_INTERVAL_SECONDS));
        if !due {
            return Ok(None);
        }
        match self.device_token() {
            Ok(device_token) => Ok(Some(SyncCheck { server_url: facts.server_url, device_token })),
            Err(error) => {
                self.remember_pass(0, Some(&error), now)?;
                Ok(None)
            }
        }
    }

    /// The check that the server at `server_url` knows this device, made
    /// before the enrolment is moved there ([`Desktop::complete_move`]): the
    /// same device token, another address. Changes nothing. An address that
    /// is not one, or a device that is not enrolled, is refused here.
    pub fn prepare_move(&self, server_url: &str) -> Result<SyncCheck, ApiError> {
        let server_url = sync::normalise_server_url(server_url)?;
        if self.enrolled_organisation()?.is_none() {
            return Err(ApiError::new(
                ErrorCode::NotEnrolled,
                "this device has not joined a team, so there is no server address to change",
            ));
        }
        Ok(SyncCheck { server_url, device_token: self.device_token()? })
    }

    /// Moves the enrolment to the address of `check` once the server there
    /// answered this device's token (`checked` is [`sync::check_server`]'s
    /// outcome): a server that does not know the device, or no server at all,
    /// changes nothing and its error is returned. A server that knows the
    /// token holds this organisation's enrolments, so it is the same server
    /// at a new address (or a restored copy of it).
    pub fn complete_move(
        &mut self,
        check: &SyncCheck,
        checked: Result<Option<QuestionnaireResponse>, ApiError>,
        now: DateTime<Utc>,
    ) -> Result<SyncStatus, ApiError> {
        let read = checked?;
        let Some(organisation_id) = self.enrolled_organisation()? else {
            return Err(ApiError::new(ErrorCode::NotEnrolled, "this device has not joined a team"));
        };
        self.move_enrolment(&organisation_id, &check.server_url)?;
        let followed = self.follow_server(read.as_ref(), now);
        self.remember_pass(0, followed.err().as_ref(), now)?;
        self.sync_status()
    }

    /// Records what [`sync::check_server`] found (following the
    /// organisation's questionnaire and aggregation when they were read) and
    /// returns the status.
    pub fn record_check(
        &mut self,
        checked: Result<Option<QuestionnaireResponse>, ApiError>,
        now: DateTime<Utc>,
    ) -> Result<SyncStatus, ApiError> {
        let followed = checked.and_then(|read| self.follow_server(read.as_ref(), now));
        self.remember_pass(0, followed.err().as_ref(), now)?;
        self.sync_status()
    }

    /// Follows what the server said of the organisation, when it was read:
    /// its questionnaire, and how it aggregates. Both are followed; the first
    /// refusal is returned.
    fn follow_server(
        &mut self,
        read: Option<&QuestionnaireResponse>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let Some(read) = read else { return Ok(()) };
        self.follow_generation(read.generation.as_deref(), now)?;
        let questionnaire = self.follow_questionnaire(Some(&read.questionnaire));
        let aggregation = self.follow_aggregation(&read.aggregation);
        questionnaire.and(aggregation)
    }

    /// Follows the server database's generation, when the server gave it. A generation other
    /// than the one kept means the server was restored from a backup and may have lost reports
    /// it acknowledged: every sent report still held goes back in the queue, to be sent again
    /// after a new random delay ([`Desktop::prepare_sync`] draws it); the server's receipts count
    /// each once. The first generation a device hears of (from a server that predates them) is
    /// only kept. The reports go back before the generation is kept, so a pass cut off between
    /// the two puts them back again, never forgets to.
    fn follow_generation(&mut self, generation: Option<&str>, now: DateTime<Utc>) -> Result<(), ApiError> {
        let Some(generation) = generation.filter(|text| is_generation(text)) else { return Ok(()) };
        let kept = self.store.setting(SERVER_GENERATION_KEY).map_err(store_to_api)?.unwrap_or_default();
        let seen: Vec<&str> = kept.split_whitespace().collect();
        if seen.first() == Some(&generation) {
            return Ok(());
        }
        // One seen before is a replica that has not restarted since `new-generation`, not a
        // restore: nothing is sent again. Nor within the acceptance window of a restore already
        // followed: a server that announced new generations at will would get each report once
        // more at the most, never every pass.
        if !seen.is_empty() && !seen.contains(&generation) && !self.restore_followed_lately(now)? {
            // A two-server week's report is never sent again: its fresh shares would be counted
            // twice by the helper, whose database the restore did not touch.
            let before = self.two_server_from_week()?;
            self.store.requeue_sent_reports(before).map_err(store_to_api)?;
            self.store.set_settings(&[(SERVER_RESTORED_AT_KEY, &now.to_rfc3339())]).map_err(store_to_api)?;
        }
        let remembered: Vec<&str> = std::iter::once(generation)
            .chain(seen.into_iter().filter(|seen| *seen != generation))
            .take(GENERATIONS_REMEMBERED)
            .collect();
        self.store.set_settings(&[(SERVER_GENERATION_KEY, &remembered.join(" "))]).map_err(store_to_api)
    }

    /// Follows the organisation's questionnaire as the server sent it, when
    /// it did: kept, and the schedule built on it. A questionnaire that would
    /// change the items of a week this device has answered (the server's
    /// administrator adopts one only from a cycle at least four weeks ahead)
    /// is refused and changes nothing, so no saved answer ever loses its item;
    /// any other week may change, even one that has begun, so a device that
    /// was away when the adoption was announced still follows it.
    fn follow_questionnaire(&mut self, adoptions: Option<&[QuestionnaireAdoption]>) -> Result<(), ApiError> {
        let Some(adoptions) = adoptions else {
            return Ok(());
        };
        let offered = questionnaire::plan_from_wire(adoptions)?;
        let kept = questionnaire::load_or_choose(&mut self.store)?;
        if offered == kept {
            return Ok(());
        }
        let answered = self.store.history().map_err(store_to_api)?.into_iter().map(|pulse| pulse.week);
        if let Some(week) = questionnaire::first_changed_week(&kept, &offered, answered) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "the server's questionnaire changes the questions of {week}, which this device has answered; it keeps the one it has"
                ),
            ));
        }
        questionnaire::keep(&mut self.store, &offered)?;
        let seed = crate::stored_seed(&self.store)?;
        self.schedule = Schedule::with_plan(self.bank, seed, &offered);
        Ok(())
    }

    /// Moves the enrolment with the organisation `organisation_id` to the
    /// server at `server_url` (the same server, at another address: the demo's
    /// after its port changed). An enrolment with another organisation, or
    /// none, is left as it is. Returns whether it moved.
    pub fn move_enrolment(&mut self, organisation_id: &str, server_url: &str) -> Result<bool, ApiError> {
        let server_url = sync::normalise_server_url(server_url)?;
        let setting = |key: &str| self.store.setting(key).map_err(store_to_api);
        let ours = setting(ORGANISATION_ID_KEY)?.is_some_and(|id| id == organisation_id);
        let kept = setting(SERVER_URL_KEY)?;
        if !ours || kept.as_deref() == Some(server_url.as_str()) || kept.is_none() {
            return Ok(false);
        }
        self.store.set_setting(SERVER_URL_KEY, &server_url).map_err(store_to_api)?;
        self.store
            .remove_settings(&[LAST_ERROR_CODE_KEY, LAST_ERROR_MESSAGE_KEY, LAST_PASS_AT_KEY])
            .map_err(store_to_api)?;
        Ok(true)
    }

    /// The organisation the device is enrolled with, if it is.
    pub fn enrolled_organisation(&self) -> Result<Option<String>, ApiError> {
        self.store.setting(ORGANISATION_ID_KEY).map_err(store_to_api)
    }

    /// The week the device enrolled in, if it is enrolled.
    pub fn enrolled_week(&self) -> Result<Option<IsoWeek>, ApiError> {
        Ok(self.enrolment_facts()?.map(|facts| facts.enrolled_week))
    }

    pub(crate) fn device_token(&self) -> Result<String, ApiError> {
        self.device_vault().and_then(|vault| {
            vault.get(&self.device_token_account).map_err(vault_to_api)?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotEnrolled,
                    "the device token is no longer in the system keyring; enrol the device again",
                )
            })
        })
    }

    /// The first step of a pass, on the store only: queues the report of every
    /// week that has closed since enrolment (due at [`sync::report_due_at`],
    /// with a random delay drawn from `random`), and returns the reports due at `now`, or `None` when
    /// there is nothing to send or the device is not enrolled. Each report's
    /// body is padded to [`sync::REPORT_BODY_BYTES`]. With `retry_now` (the
    /// employee pressed "Sync now"), reports waiting for a retry are due at
    /// once, unless the server asked them to wait (rate limited); a report's
    /// first, random delay is never skipped.
    pub fn prepare_sync(
        &mut self,
        today: NaiveDate,
        now: DateTime<Utc>,
        retry_now: bool,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<Option<SyncBatch>, ApiError> {
        let Some(facts) = self.enrolment_facts()? else {
            return Ok(None);
        };
        self.queue_closed_weeks(&facts, today, now, random)?;
        self.schedule_resends(&facts, today, now, random)?;

        let two_server_from = self.two_server_from_week()?;
        let mut due = Vec::new();
        for report in self.store.queued_reports().map_err(store_to_api)? {
            if !is_due(&report, now, retry_now) {
                continue;
            }
            // Shares are drawn afresh for each upload, under an id the helper has not seen, and
            // the helper's database is not restored with the leader's: sent again, a two-server
            // week's report would be counted twice there. Such weeks are not put back; one that
            // a helper pinned since made two-server is not sent again either.
            if is_resend(&report) && two_server_from.is_some_and(|from| report.week >= from) {
                let sent_at = report.sent_at.unwrap_or(now);
                self.store.mark_report_sent(report.week, sent_at).map_err(store_to_api)?;
                continue;
            }
            let body = match self.report_body(report.week, &report.payload) {
                Ok(ReportBody::Shared(shared)) => Ok((crate::shared_reporting::SHARED_REPORTS_PATH, shared)),
                Ok(ReportBody::Plain) => padded_body_of(&report).map(|body| (sync::REPORTS_PATH, body)),
                Ok(ReportBody::Held) => continue,
                Err(error) => Err(error),
            };
            match body {
                Ok((path, body)) => due.push(DueReport { week: report.week, path, body }),
                // The app's own queued text no longer reads as a report: it can
                // never be sent, so it fails for good instead of every pass.
                Err(error) => self
                    .store
                    .record_report_failure(report.week, &failure_of(&error), None)
                    .map_err(store_to_api)?,
            }
        }
        if due.is_empty() {
            return Ok(None);
        }
        match self.device_token() {
            Ok(device_token) => {
                Ok(Some(SyncBatch { server_url: facts.server_url, device_token, reports: due }))
            }
            Err(error) => {
                self.remember_last_error(Some(&error))?;
                Ok(None)
            }
        }
    }

    /// The last step of a pass, on the store only: records each outcome of
    /// [`sync::send_reports`], schedules retries with backoff, and returns
    /// the status as it now is.
    pub fn record_sync(
        &mut self,
        outcomes: &[SendOutcome],
        now: DateTime<Utc>,
    ) -> Result<SyncStatus, ApiError> {
        let mut last_error = None;
        let mut n_sent: u32 = 0;
        let mut clock_ahead = None;
        // Each generation the answers name is followed once, before this pass's reports are
        // marked sent, so a restore puts back only what earlier passes sent.
        let mut generations: Vec<&str> = Vec::new();
        for outcome in outcomes {
            if let SendOutcome::Sent { generation: Some(generation), .. } = outcome
                && !generations.contains(&generation.as_str())
            {
                generations.push(generation);
            }
        }
        for generation in generations {
            self.follow_generation(Some(generation), now)?;
        }
        for outcome in outcomes {
            match outcome {
                SendOutcome::Sent { week, server_time, .. } => {
                    // Only a clock behind is learned here: one ahead is known from the server's
                    // `week_not_open`, and a report it took says the two agree on the week.
                    let behind = sync::clock_skew_seconds(*server_time, now).filter(|skew| *skew < 0);
                    clock_ahead = clock_ahead.or(behind);
                    self.store.mark_report_sent(*week, now).map_err(store_to_api)?;
                    n_sent += 1;
                }
                // A report sent again after a restore, for a week the server can no longer
                // take: it was counted when first sent, before that week was published or closed.
                SendOutcome::Dropped { week, .. } | SendOutcome::Refused { week, .. }
                    if self.was_counted_before(*week, outcome)? =>
                {
                    self.store.mark_report_sent(*week, now).map_err(store_to_api)?;
                }
                SendOutcome::Retry { week, error, retry_after } => {
                    clock_ahead = clock_ahead.or(sync::clock_ahead_seconds(error, now));
                    let attempts_so_far = self
                        .store
                        .queued_report(*week)
                        .map_err(store_to_api)?
                        .map_or(0, |report| report.attempts);
                    let retry_at = next_attempt_at(now, attempts_so_far, *retry_after);
                    self.store
                        .record_report_failure(*week, &failure_of(error), Some(retry_at))
                        .map_err(store_to_api)?;
                    last_error = Some(error.clone());
                }
                // Not an error to show: the status names the week in words.
                SendOutcome::Dropped { week, error, .. } => {
                    self.store.drop_queued_report(*week, &failure_of(error)).map_err(store_to_api)?;
                }
                SendOutcome::Refused { week, error } => {
                    self.store
                        .record_report_failure(*week, &failure_of(error), None)
                        .map_err(store_to_api)?;
                    last_error = Some(error.clone());
                }
            }
        }
        match clock_ahead {
            Some(seconds) => {
                self.store.set_settings(&[(CLOCK_AHEAD_KEY, &seconds.to_string())]).map_err(store_to_api)?;
            }
            // A report the server took, and its time agrees with this clock's.
            None if n_sent > 0 => self.store.remove_settings(&[CLOCK_AHEAD_KEY]).map_err(store_to_api)?,
            None => {}
        }
        if !outcomes.is_empty() {
            self.remember_pass(n_sent, last_error.as_ref(), now)?;
        }
        self.sync_status()
    }

    /// Gives each report put back by a new generation ([`Desktop::follow_generation`]) its due
    /// time: a new random delay from `now`, as for a first send, so the re-sends of one device
    /// arrive apart and at times that point at no one. Before that, forgets the payload of every
    /// sent report whose week the server would no longer accept: nothing would send it again.
    fn schedule_resends(
        &mut self,
        facts: &EnrolmentFacts,
        today: NaiveDate,
        now: DateTime<Utc>,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<(), ApiError> {
        self.store.forget_sent_reports_before(facts.oldest_accepted(today)).map_err(store_to_api)?;
        for report in self.store.queued_reports().map_err(store_to_api)? {
            if report.state == QueuedReportState::Pending && report.next_attempt_at.is_none() {
                let due_at = report_due_at(report.week, now, facts.max_random_delay_seconds, random);
                self.store.schedule_report(report.week, due_at).map_err(store_to_api)?;
            }
        }
        Ok(())
    }

    /// Whether a restore was followed less than the enrolment's acceptance window before `now`.
    fn restore_followed_lately(&self, now: DateTime<Utc>) -> Result<bool, ApiError> {
        let (Some(at), Some(facts)) =
            (self.store.setting(SERVER_RESTORED_AT_KEY).map_err(store_to_api)?, self.enrolment_facts()?)
        else {
            return Ok(false);
        };
        let Ok(at) = DateTime::parse_from_rfc3339(&at) else { return Ok(false) };
        Ok(now - at.to_utc() < chrono::Duration::weeks(i64::from(facts.max_report_age_weeks)))
    }

    /// Drops the reports still queued from an earlier enrolment (their weeks are before this
    /// one's) and forgets the contents of those sent, so none ever goes out under a new token.
    fn forget_earlier_enrolments_reports(&mut self, today: NaiveDate) -> Result<(), ApiError> {
        let refused = ApiError::new(
            ErrorCode::WeekBeforeEnrolment,
            "this device joined again; a report of an earlier enrolment is never sent under the new one",
        );
        for report in self.store.queued_reports().map_err(store_to_api)? {
            if matches!(report.state, QueuedReportState::Pending | QueuedReportState::Failed) {
                self.store.drop_queued_report(report.week, &failure_of(&refused)).map_err(store_to_api)?;
            }
        }
        let this_week = IsoWeek::containing(today);
        self.store.forget_sent_reports_before(this_week.next()).map_err(store_to_api)?;
        Ok(())
    }

    /// Whether `outcome`, a refusal of `week`'s report, only says that a report sent again after
    /// a restore was counted before: its week is published or closed now.
    fn was_counted_before(&self, week: IsoWeek, outcome: &SendOutcome) -> Result<bool, ApiError> {
        let code = match outcome {
            SendOutcome::Dropped { error, .. } | SendOutcome::Refused { error, .. } => error.code,
            _ => return Ok(false),
        };
        if !matches!(code, ErrorCode::WeekPublished | ErrorCode::WeekClosed) {
            return Ok(false);
        }
        Ok(self.store.queued_report(week).map_err(store_to_api)?.is_some_and(|report| is_resend(&report)))
    }

    fn queue_closed_weeks(
        &mut self,
        facts: &EnrolmentFacts,
        today: NaiveDate,
        now: DateTime<Utc>,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<(), ApiError> {
        let oldest_accepted = facts.oldest_accepted(today);
        let queued: Vec<IsoWeek> =
            self.store.queued_reports().map_err(store_to_api)?.iter().map(|report| report.week).collect();
        for pulse in self.store.history().map_err(store_to_api)? {
            let week = pulse.week;
            // A week before the enrolment's is never queued: the server would
            // refuse it, and counting it would let one device back-fill a team.
            if week < facts.enrolled_week
                || week < oldest_accepted
                || !week_is_closed(week, today)
                || queued.contains(&week)
                || pulse.answers.is_empty()
            {
                continue;
            }
            let payload = serde_json::to_string(&report_for_pulse(&pulse)).map_err(|error| {
                ApiError::new(ErrorCode::Internal, format!("encoding the report for {week}: {error}"))
            })?;
            let due_at = report_due_at(week, now, facts.max_random_delay_seconds, random);
            self.store.enqueue_report(week, &payload, due_at).map_err(store_to_api)?;
        }
        Ok(())
    }

    pub(crate) fn enrolment_facts(&self) -> Result<Option<EnrolmentFacts>, ApiError> {
        let setting = |key: &str| self.store.setting(key).map_err(store_to_api);
        let Some(server_url) = setting(SERVER_URL_KEY)? else {
            return Ok(None);
        };
        let number = |key: &str| -> Result<u32, ApiError> {
            let text = setting(key)?.unwrap_or_default();
            text.parse().map_err(|_| corrupt_setting(key, &text))
        };
        let enrolled_week_text = setting(ENROLLED_WEEK_KEY)?.unwrap_or_default();
        let enrolled_week = enrolled_week_text
            .parse()
            .map_err(|_| corrupt_setting(ENROLLED_WEEK_KEY, &enrolled_week_text))?;
        Ok(Some(EnrolmentFacts {
            server_url,
            max_random_delay_seconds: number(MAX_RANDOM_DELAY_KEY)?,
            max_report_age_weeks: number(MAX_REPORT_AGE_KEY)?,
            enrolled_week,
        }))
    }

    fn remember_last_error(&mut self, error: Option<&ApiError>) -> Result<(), ApiError> {
        match error {
            Some(error) => self.store.set_settings(&[
                (LAST_ERROR_CODE_KEY, &error_code_text(error.code)),
                (LAST_ERROR_MESSAGE_KEY, &error.message),
            ]),
            None => self.store.remove_settings(&[LAST_ERROR_CODE_KEY, LAST_ERROR_MESSAGE_KEY]),
        }
        .map_err(store_to_api)
    }

    pub(crate) fn device_vault(&self) -> Result<&(dyn polso_store::SecretVault + Send + Sync), ApiError> {
        self.device_vault.as_deref().ok_or_else(|| {
            ApiError::new(ErrorCode::KeyringUnavailable, "no keyring was given to keep the device token in")
        })
    }
}

/// Whether `text` reads as a server's generation: 1 to 64 letters, digits or dashes. Anything
/// else a server sends there is not followed.
fn is_generation(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
}

/// Whether `report` waits to be sent again after a restore: pending, and sent before.
/// How many of `queued` are in `state`.
fn count_in(queued: &[QueuedReport], state: QueuedReportState) -> u32 {
    u32::try_from(queued.iter().filter(|report| report.state == state).count()).unwrap_or(u32::MAX)
}

fn is_resend(report: &QueuedReport) -> bool {
    report.state == QueuedReportState::Pending && report.sent_at.is_some()
}

/// Whether `report` is to be sent in a pass at `now`.
fn is_due(report: &QueuedReport, now: DateTime<Utc>, retry_now: bool) -> bool {
    // A wait the server asked for holds even on "Sync now": its `Retry-After`, or its week not
    // being over yet by its clock.
    let server_asked_to_wait = report.last_error.as_ref().is_some_and(|failure| {
        matches!(parse_error_code(&failure.code), ErrorCode::RateLimited | ErrorCode::WeekNotOpen)
    });
    report.state == QueuedReportState::Pending
        && (report.next_attempt_at.is_some_and(|due_at| due_at <= now)
            || (retry_now && report.attempts > 0 && !server_asked_to_wait))
}

/// The body to send for a queued report: its payload, padded.
fn padded_body_of(report: &QueuedReport) -> Result<String, ApiError> {
    let week = report.week;
    let parsed: WeeklyReport = serde_json::from_str(&report.payload).map_err(|_| {
        ApiError::new(ErrorCode::Internal, format!("the queued report for {week} is unreadable"))
    })?;
    padded_report_body(&parsed)
}

/// A dropped report as the status shows it; the reason read back from the
/// code it was dropped with.
fn dropped_report_to_wire(report: &QueuedReport) -> DroppedReport {
    let code = report.last_error.as_ref().map(|failure| parse_error_code(&failure.code));
    let reason = match code {
        Some(ErrorCode::WeekBeforeEnrolment) => DroppedReportReason::WeekBeforeEnrolment,
        _ => DroppedReportReason::WeekPublished,
    };
    DroppedReport { week: report.week.to_string(), reason }
}

pub(crate) fn failure_of(error: &ApiError) -> ReportFailure {
    ReportFailure { code: error_code_text(error.code), message: error.message.clone() }
}

/// An error code as its wire text, such as `"server_unreachable"`.
fn error_code_text(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(text)) => text,
        _ => "internal".to_owned(),
    }
}

/// The code stored by [`error_code_text`]; one this version does not know reads as `internal`.
fn parse_error_code(text: &str) -> ErrorCode {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap_or(ErrorCode::Internal)
}

fn corrupt_setting(key: &str, text: &str) -> ApiError {
    ApiError::new(
        ErrorCode::StoreCorrupt,
        format!("the stored setting '{key}' has an unreadable value '{text}'"),
    )
}
