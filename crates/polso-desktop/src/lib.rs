//! Polso's desktop logic, without Tauri: what each command of the app does.
//!
//! The Tauri shell (`src-tauri`) holds one [`Desktop`] and turns each IPC
//! command into one call here, so everything a command does is tested in this
//! crate without a window. [`Desktop`] owns the local store and reads the item
//! bank and the schedule from the core; it speaks the wire types of
//! `polso-api`, including the one `{code, message}` error.
//!
//! The [`sync`] module is the app's sync client for the organisation server:
//! enrolment, and the weekly reports queued in the store and sent after their
//! week closes. Its network half sits behind [`sync::SyncTransport`].
//!
//! The [`hr`] module is HR's side: a connection with an HR token, and the
//! server's released aggregates shaped into an organisation overview and a
//! team × metric heatmap. Its network half sits behind [`hr::HrTransport`].
//! The [`privacy_ledger`] module reads the device's own yearly privacy loss
//! for Settings, through the same GET.
//!
//! The [`reminder`] module decides when the weekly reminder fires, as a pure
//! function of the schedule, what the reminder remembers and `now` with its
//! UTC offset; the shell asks it again on a short tick, so sleep, clock and
//! time-zone changes need no special case. [`Desktop::reminder_tick`] records
//! a firing in the store; [`Desktop::delete_local_data`] is "delete all my
//! local data".
//!
//! The [`session`] module is what the shell holds for the life of the app:
//! the store opened (or why not), its deletion, the clock, the sync pass
//! never run twice at once. The shell only supplies the system's parts, so
//! the session the app ships is the one the tests drive.
//!
//! Architecture invariant: this crate does not depend on Tauri. The
//! [`Desktop`]'s time comes in as arguments (`today`, `now`), and so does its
//! randomness; only the [`session`] reads a clock.

#![warn(missing_docs)]

pub mod about;
pub mod actions;
pub mod care;
pub use polso_hr::change;
pub mod comments;
mod convert;
pub mod credential;
pub mod cx_import;
pub mod demo;
mod enrolment;
mod errors;
pub mod export;
pub mod hr;
pub mod linkage_view;
pub mod periods;
pub mod priorities;
pub mod privacy_ledger;
mod questionnaire;
pub mod reminder;
mod reporting;
pub mod session;
mod settings;
mod shared_reporting;
pub mod sync;
pub mod sync_pass;
pub mod team_results;
pub mod team_view;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
mod transport;
pub mod tray;

use chrono::{DateTime, NaiveDate, Utc};
use polso_api::{
    ApiError, AskedWeek, ErrorCode, MetricKey, MyHistory, PulseView, Settings, SubmitPulse, UpdateSettings,
};
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::pulse::{self, PulseSubmission};
use polso_core::schedule::Schedule;
use polso_store::{SavedPulse, SecretVault, Store};

pub use errors::open_error_to_api;
pub use settings::{ReminderTick, language_of_locale};

/// The organisation seed used before the device is enrolled with a server.
/// Enrolment replaces it with the organisation's own, so a team shares items.
pub const LOCAL_ORGANISATION_SEED: u64 = 0x706f_6c73_6f00_0001;

/// The settings key under which the organisation's schedule seed is kept.
const ORGANISATION_SEED_KEY: &str = "organisation_seed";

/// The employee side of the app: the local store plus the rules of the core.
pub struct Desktop {
    store: Store,
    bank: &'static ItemBank,
    schedule: Schedule,
    system_locale: String,
    /// Where the device token is kept: the OS keyring in the app.
    device_vault: Option<Box<dyn SecretVault + Send + Sync>>,
    /// The vault account of the device token.
    device_token_account: String,
    /// Where HR's token is kept: the OS keyring in the app.
    hr_vault: Option<Box<dyn SecretVault + Send + Sync>>,
    /// The vault account of HR's token.
    hr_token_account: String,
}

/// The organisation's schedule seed kept in the store, or the local one
/// before enrolment.
fn stored_seed(store: &Store) -> Result<u64, ApiError> {
    match store.setting(ORGANISATION_SEED_KEY).map_err(errors::store_to_api)? {
        Some(text) => text.parse::<u64>().map_err(|_| {
            ApiError::new(
                ErrorCode::StoreCorrupt,
                format!("the stored setting '{ORGANISATION_SEED_KEY}' is not a number: '{text}'"),
            )
        }),
        None => Ok(LOCAL_ORGANISATION_SEED),
    }
}

impl Desktop {
    /// Wraps an open store. `system_locale` is the OS locale, such as `"it-IT"`.
    pub fn new(mut store: Store, system_locale: String) -> Result<Desktop, ApiError> {
        let bank = ItemBank::embedded();
        let seed = stored_seed(&store)?;
        let plan = questionnaire::load_or_choose(&mut store)?;
        let schedule = Schedule::with_plan(bank, seed, &plan);
        Ok(Desktop {
            store,
            bank,
            schedule,
            system_locale,
            device_vault: None,
            device_token_account: String::new(),
            hr_vault: None,
            hr_token_account: String::new(),
        })
    }

    /// Keeps the device token in `vault` under `account` (the app passes the
    /// OS keyring). Without a vault, enrolment is refused.
    pub fn with_device_vault(
        mut self,
        vault: Box<dyn SecretVault + Send + Sync>,
        account: impl Into<String>,
    ) -> Desktop {
        self.device_vault = Some(vault);
        self.device_token_account = account.into();
        self
    }

    /// The pulse of the week containing `today`, with what is saved for it.
    pub fn current_pulse(&self, today: NaiveDate) -> Result<PulseView, ApiError> {
        self.pulse_view(IsoWeek::containing(today), today)
    }

    /// Validates and saves the employee's answers for a week, then returns the
    /// week as it now stands. Nothing is written when anything is invalid.
    pub fn submit_pulse(
        &mut self,
        submission: SubmitPulse,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<PulseView, ApiError> {
        let wire_submission = submission;
        let submission: PulseSubmission = convert::submission_from_wire(&wire_submission)?;
        let not_applicable = convert::not_applicable_from_wire(&wire_submission);
        let valid = pulse::validate_submission_with_not_applicable(
            self.bank,
            &self.schedule,
            &submission,
            &not_applicable,
            today,
        )
        .map_err(errors::pulse_to_api)?;
        let week = valid.submission.week;
        let saved = SavedPulse {
            week,
            answers: valid.submission.answers.clone(),
            scores: valid.scores.clone(),
            not_applicable: valid.not_applicable.clone(),
            work_week: valid.submission.work_week,
            note: valid.submission.note.clone(),
            saved_at: now,
        };
        self.store.save_pulse(&saved).map_err(errors::store_to_api)?;
        self.pulse_view(week, today)
    }

    /// Every week the employee has answered, oldest first, with what the
    /// schedule asked in every week from the first answered to the last, so
    /// the history can join a driver's asked weeks and leave a gap where it
    /// was asked and not answered.
    pub fn history(&self) -> Result<MyHistory, ApiError> {
        let saved = self.store.history().map_err(errors::store_to_api)?;
        let span = saved.iter().map(|pulse| pulse.week.index());
        let asked = match (span.clone().min(), span.max()) {
            (Some(first), Some(last)) => {
                (first..=last).map(|index| self.asked_week(IsoWeek::from_index(index))).collect()
            }
            _ => Vec::new(),
        };
        Ok(MyHistory {
            weeks: saved.iter().map(|pulse| convert::history_week_to_wire(self.bank, pulse)).collect(),
            asked: Some(asked),
        })
    }

    /// The metrics the schedule asked in `week`, in the order of `MetricKey::ALL`.
    fn asked_week(&self, week: IsoWeek) -> AskedWeek {
        let items = self.schedule.items_for_week(week);
        let metrics: Vec<MetricKey> = self
            .bank
            .items()
            .iter()
            .filter(|item| items.contains(&item.id))
            .map(|item| convert::metric_to_wire(item.metric))
            .collect();
        AskedWeek {
            week: week.to_string(),
            metrics: MetricKey::ALL.into_iter().filter(|metric| metrics.contains(metric)).collect(),
        }
    }

    /// The settings as stored, with what the system offers.
    pub fn settings(&self) -> Result<Settings, ApiError> {
        settings::read(&self.store, &self.system_locale)
    }

    /// Applies a change of settings and returns them as they now are.
    pub fn update_settings(&mut self, change: UpdateSettings) -> Result<Settings, ApiError> {
        settings::update(&mut self.store, change)?;
        self.settings()
    }

    fn pulse_view(&self, week: IsoWeek, today: NaiveDate) -> Result<PulseView, ApiError> {
        let item_ids = self.schedule.items_for_week(week);
        let saved = self.store.pulse_for_week(week).map_err(errors::store_to_api)?;
        let allows_not_applicable =
            |item_id: &str| self.schedule.allows_not_applicable(self.bank, week, item_id);
        convert::pulse_view(
            self.bank,
            week,
            &item_ids,
            &allows_not_applicable,
            pulse::week_state(week, today),
            saved.as_ref(),
        )
    }
}

/// The change between periods ([`polso_hr::change`]) against numpy/scipy and the server's noise.
#[cfg(test)]
mod change_tests;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod settings_tests;
#[cfg(test)]
mod sync_tests;
#[cfg(test)]
mod tests;
