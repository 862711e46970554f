//! A simulated employee's machine: `polso_desktop::Desktop` over its own
//! SQLCipher store file, with the device token in an in-memory vault, and the
//! helpers that answer a week's pulse through the same `submit_pulse` the app
//! calls and send it through the same sync pass.
//!
//! The app keeps its own delay floor (issue 11): a closed week's report is
//! queued at the first pass after the week ends and is due from one hour to
//! the announced maximum later. The helpers pass the device a clock of its
//! own for that ([`crate::calendar::device_close`],
//! [`crate::calendar::device_due`]); the server keeps its own (`--now`).

use anyhow::{Result, anyhow};
use chrono::{Days, NaiveDate, Utc};
use polso_api::{AnswerDto, ApiError, EnrolDevice, PulseView, SubmitPulse, SyncStatus, WorkWeekDto};
use polso_core::IsoWeek;
use polso_desktop::Desktop;
use polso_desktop::sync_pass::Transport;
use polso_desktop::testing::{enrol, sync_now};
use polso_store::{Store, StoreKey};

/// The vault account of the device token in these tests.
pub const TOKEN_ACCOUNT: &str = "device-token@faults";

/// The account its HR token is kept under, when it has an HR vault.
pub const HR_TOKEN_ACCOUNT: &str = "hr-token@faults";

/// An error of the desktop as an `anyhow` error.
pub fn api(error: ApiError) -> anyhow::Error {
    anyhow!("{:?}: {}", error.code, error.message)
}

/// A vault the test shares with the desktop, to look inside.
pub type SharedVault = polso_store::SharedMemoryVault;

/// One simulated device.
pub struct Device {
    /// Its data directory, removed when the device is dropped.
    pub data_dir: tempfile::TempDir,
    /// The desktop logic over its store.
    pub desktop: Desktop,
    /// The store's key.
    pub key: StoreKey,
    /// Its vault.
    pub vault: SharedVault,
}

impl Device {
    /// A fresh device with a new encrypted store.
    pub fn new() -> Result<Device> {
        let data_dir = tempfile::tempdir()?;
        let key = StoreKey::generate().map_err(|error| anyhow!("{error}"))?;
        let store = Store::open(&data_dir.path().join("polso.db"), &key)?;
        let vault = SharedVault::default();
        let desktop = Desktop::new(store, "it-IT".to_owned())
            .map_err(api)?
            .with_device_vault(Box::new(vault.clone()), TOKEN_ACCOUNT);
        Ok(Device { data_dir, desktop, key, vault })
    }

    /// The device with `vault` keeping an HR token under [`HR_TOKEN_ACCOUNT`], as the app's keyring does.
    pub fn with_hr_vault(self, vault: SharedVault) -> Device {
        Device { desktop: self.desktop.with_hr_vault(Box::new(vault), HR_TOKEN_ACCOUNT), ..self }
    }

    /// Enrols with `invite` at `server_url` on `today`.
    pub fn enrol(
        &mut self,
        transport: &dyn Transport,
        server_url: &str,
        invite: &str,
        today: NaiveDate,
    ) -> Result<()> {
        let form = EnrolDevice { server_url: server_url.to_owned(), invite_code: invite.to_owned() };
        enrol(&mut self.desktop, transport, &form, today, Utc::now()).map_err(api)?;
        Ok(())
    }

    /// Answers every item of `week` with values drawn from `random`, on the
    /// week's Wednesday, with `note` as the private note.
    pub fn answer_week(
        &mut self,
        week: IsoWeek,
        random: &mut fastrand::Rng,
        note: Option<&str>,
    ) -> Result<PulseView> {
        let today = week.monday().checked_add_days(Days::new(2)).ok_or_else(|| anyhow!("date overflow"))?;
        let submission = submission_for(&self.desktop, today, random, note)?;
        self.desktop.submit_pulse(submission, today, Utc::now()).map_err(api)
    }
}

impl Device {
    /// The first sync pass after `week` ends, on the device's clock
    /// ([`crate::calendar::device_close`]): it queues the week's report with
    /// its random delay and, the delay being at least an hour, sends nothing.
    pub fn queue_closed_week(&mut self, week: IsoWeek, random: &mut dyn FnMut() -> u64) -> Result<()> {
        let close = crate::calendar::device_close(week);
        let batch = self.desktop.prepare_sync(close.date_naive(), close, true, random).map_err(api)?;
        anyhow::ensure!(batch.is_none(), "a report of {week} was due the moment the week closed");
        Ok(())
    }

    /// A sync pass on the device's clock once `week`'s report is due
    /// ([`crate::calendar::device_due`]) for a server that announced
    /// `announced_max_delay_seconds`; `retry_now` as the "Sync now" button.
    pub fn sync_when_due(
        &mut self,
        transport: &dyn Transport,
        week: IsoWeek,
        announced_max_delay_seconds: u32,
        retry_now: bool,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<SyncStatus> {
        let due = crate::calendar::device_due(week, announced_max_delay_seconds);
        sync_now(&mut self.desktop, transport, due.date_naive(), due, retry_now, random).map_err(api)
    }
}

/// A complete submission for the week containing `today`: every item answered
/// with a value drawn from `random`.
pub fn submission_for(
    desktop: &Desktop,
    today: NaiveDate,
    random: &mut fastrand::Rng,
    note: Option<&str>,
) -> Result<SubmitPulse> {
    let view = desktop.current_pulse(today).map_err(api)?;
    Ok(SubmitPulse {
        week: view.week.clone(),
        answers: view
            .items
            .iter()
            .map(|item| AnswerDto {
                item_id: item.id.clone(),
                value: random.u8(item.scale.min..=item.scale.max),
            })
            .collect(),
        not_applicable: Vec::new(),
        work_week: Some(WorkWeekDto { office_days: random.u8(0..=2), remote_days: random.u8(0..=3) }),
        note: note.map(str::to_owned),
    })
}

/// The generator of the answers the crash test saves for the week with index
/// `week_index`, shared by the killed process and the test that checks it.
pub fn answers_random(week_index: i64) -> fastrand::Rng {
    fastrand::Rng::with_seed(0x5eed_0000_0000_0000 ^ week_index as u64)
}
