//! Publishing weeks: once a week's collection window has closed, its cells are
//! computed once under the organisation's rules and stored as an immutable
//! snapshot, with the privacy ledger; its raw sums and receipts are deleted.
//!
//! Publication runs from a background task every minute and before every HR
//! read, so a read never waits for the next tick and a due week is published
//! even when nobody reads. In two-server mode a read does not wait on a
//! helper that hangs: it waits a short while for a pass already running
//! (the background one, say), and after a helper call that failed slowly it
//! leaves the helper to the background pass for a while; either way it
//! serves what is published ([`Patience`]). One publisher at a time ([`Publisher`]); a week is
//! never published twice (the store refuses it). Reads are served only from
//! what this module stored, so polling between arrivals shows nothing: a week
//! still collecting is not served at all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;

use crate::error::{Result, ServerError};
use crate::helper_wire::{ReleaseRequest, ReleaseResponse, VerifyRequest, VerifyResponse};
use crate::leader::{HelperApi, HttpHelperApi, publish_shared_week, verify_pending};
use crate::privacy::PublicationRandomness;
use crate::publication::{PublicationSettings, week_publication};
use crate::store::ServerStore;
use crate::store::shared::HelperLink;

/// How long an HR read gives a helper, in two-server mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    /// How long a read waits for a publication pass already running before
    /// it serves what is published.
    pub read_wait: Duration,
    /// A helper call that fails after at least this long counts as the
    /// helper hanging (one that is down fails at once, and reads keep trying it).
    pub slow_call: Duration,
    /// How long after a hanging call reads leave the helper to the
    /// background pass.
    pub backoff: Duration,
}

impl Default for Patience {
    fn default() -> Patience {
        Patience {
            read_wait: Duration::from_secs(5),
            slow_call: Duration::from_secs(5),
            backoff: Duration::from_secs(5 * 60),
        }
    }
}

/// The helpers, with when a call to each (by its address) last took longer
/// than [`Patience::slow_call`], answered or not.
struct WatchedHelper {
    inner: Arc<dyn HelperApi>,
    slow_call: Duration,
    slow_at: Mutex<HashMap<String, Instant>>,
}

impl WatchedHelper {
    fn watch<T>(&self, link: &HelperLink, call: impl FnOnce() -> Result<T>) -> Result<T> {
        let started = Instant::now();
        let answer = call();
        if started.elapsed() >= self.slow_call {
            let mut slow_at = self.slow_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            slow_at.insert(link.url.clone(), Instant::now());
        }
        answer
    }

    fn slow_within(&self, link: &HelperLink, backoff: Duration) -> bool {
        self.slow_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&link.url)
            .is_some_and(|at| at.elapsed() < backoff)
    }
}

impl HelperApi for WatchedHelper {
    fn verify(&self, link: &HelperLink, request: &VerifyRequest) -> Result<VerifyResponse> {
        self.watch(link, || self.inner.verify(link, request))
    }

    fn release(&self, link: &HelperLink, request: &ReleaseRequest) -> Result<ReleaseResponse> {
        self.watch(link, || self.inner.release(link, request))
    }
}

/// Serialises publication, one organisation at a time: the background task
/// and HR reads may both try. In two-server mode it verifies pending reports
/// with the helper first, and publishes a two-server week with it; one
/// organisation's helper that hangs holds up only that organisation.
pub struct Publisher {
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    helper: WatchedHelper,
    patience: Patience,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Publisher").finish_non_exhaustive()
    }
}

impl Default for Publisher {
    /// A publisher that reaches helpers over HTTP(S).
    fn default() -> Publisher {
        Publisher::with_helper(Arc::new(HttpHelperApi::default()))
    }
}

impl Publisher {
    /// A publisher that reaches helpers through `helper`.
    pub fn with_helper(helper: Arc<dyn HelperApi>) -> Publisher {
        Publisher::with_patience(helper, Patience::default())
    }

    /// A publisher that reaches helpers through `helper`, reads giving it `patience`.
    pub fn with_patience(helper: Arc<dyn HelperApi>, patience: Patience) -> Publisher {
        Publisher {
            locks: Mutex::new(HashMap::new()),
            helper: WatchedHelper {
                inner: helper,
                slow_call: patience.slow_call,
                slow_at: Mutex::new(HashMap::new()),
            },
            patience,
        }
    }

    /// The publication lock of `organisation_id`.
    fn lock_of(&self, organisation_id: &str) -> Arc<Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(locks.entry(organisation_id.to_owned()).or_default())
    }
}

/// The weeks of `organisation_id` due for publication at `now`: from the one
/// after the last published (or the earliest collected) to the last whose
/// window has closed; `None` when there is none. Read again under the locks
/// before publishing, so a read that finds nothing due takes no lock.
fn due_weeks(
    store: &dyn ServerStore,
    organisation_id: &str,
    settings: PublicationSettings,
    now: DateTime<Utc>,
) -> Result<Option<std::ops::RangeInclusive<IsoWeek>>> {
    let last_due = settings.window.last_publishable_week(now);
    let first = match store.last_published_week(organisation_id)? {
        Some(last) => last.next(),
        None => match store.earliest_collected_week(organisation_id)? {
            Some(week) => week,
            None => return Ok(None),
        },
    };
    Ok((first <= last_due).then_some(first..=last_due))
}

/// Takes `lock`. A panic while publishing leaves no half-published week (one
/// transaction per week), so a poisoned lock is safe to take.
fn take(lock: &Mutex<()>) -> MutexGuard<'_, ()> {
    lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Publisher {
    /// Publishes every week of `organisation_id` whose window has closed by
    /// `now` and that is not yet published, oldest first. Returns the weeks
    /// published now.
    pub fn publish_due_weeks(
        &self,
        store: &dyn ServerStore,
        organisation_id: &str,
        settings: PublicationSettings,
        now: DateTime<Utc>,
    ) -> Result<Vec<IsoWeek>> {
        // Most reads find nothing due: no lock is taken for them.
        if due_weeks(store, organisation_id, settings, now)?.is_none() {
            return Ok(Vec::new());
        }
        let lock = self.lock_of(organisation_id);
        let _guard = take(&lock);
        let Some(_store_lock) = store.lock_publication(organisation_id, self.patience.read_wait)? else {
            // Another replica is publishing; it publishes what is due.
            return Ok(Vec::new());
        };
        self.publish_locked(store, organisation_id, settings, now, true)
    }

    /// [`Publisher::publish_due_weeks`] before an HR read. With one server it
    /// is the same. In two-server mode it does not wait on a helper that
    /// hangs: it gives a pass already running [`Patience::read_wait`], and
    /// after a call to the organisation's helper that took longer than
    /// [`Patience::slow_call`] it leaves the helper to the background pass
    /// for [`Patience::backoff`]; then it publishes nothing and the read
    /// serves what is published.
    pub fn publish_due_weeks_for_read(
        &self,
        store: &dyn ServerStore,
        organisation_id: &str,
        settings: PublicationSettings,
        now: DateTime<Utc>,
    ) -> Result<Vec<IsoWeek>> {
        let linked = store.shared().map(|shared| shared.helper_link(organisation_id)).transpose()?.flatten();
        let Some(link) = linked else {
            return self.publish_due_weeks(store, organisation_id, settings, now);
        };
        if self.helper.slow_within(&link, self.patience.backoff)
            || due_weeks(store, organisation_id, settings, now)?.is_none()
        {
            return Ok(Vec::new());
        }
        let deadline = Instant::now() + self.patience.read_wait;
        let lock = self.lock_of(organisation_id);
        let _guard = loop {
            match lock.try_lock() {
                Ok(guard) => break guard,
                Err(TryLockError::Poisoned(poisoned)) => break poisoned.into_inner(),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(TryLockError::WouldBlock) => return Ok(Vec::new()),
            }
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(_store_lock) = store.lock_publication(organisation_id, left)? else {
            return Ok(Vec::new());
        };
        self.publish_locked(store, organisation_id, settings, now, true)
    }

    /// Publishes the due weeks, verifying pending reports with the
    /// organisation's helper first when `verify` (the background pass has
    /// just done it). The caller holds the organisation's lock and the
    /// store's publication lock, so that replicas sharing the store verify
    /// and publish one at a time and fold no report meanwhile.
    fn publish_locked(
        &self,
        store: &dyn ServerStore,
        organisation_id: &str,
        settings: PublicationSettings,
        now: DateTime<Utc>,
        verify: bool,
    ) -> Result<Vec<IsoWeek>> {
        let Some(due) = due_weeks(store, organisation_id, settings, now)? else {
            return Ok(Vec::new());
        };
        let (first, last_due) = (*due.start(), *due.end());
        let tree = store.organisation_tree(organisation_id)?;
        let link = store.shared().map(|shared| shared.helper_link(organisation_id)).transpose()?.flatten();
        if link.is_some() && verify {
            // Reports wait for the helper until it answers; a helper that is
            // down delays publication, and loses nothing.
            if let Err(error) = verify_pending(store, &self.helper, &tree) {
                tracing::warn!(organisation = organisation_id, %error, "verifying reports with the helper failed; retrying later");
            }
        }
        let mut random = PublicationRandomness::from_os()?;
        let schedule = Schedule::with_plan(
            ItemBank::embedded(),
            tree.organisation.seed,
            &tree.organisation.questionnaire,
        );
        let mut published = Vec::new();
        for index in first.index()..=last_due.index() {
            let week = IsoWeek::from_index(index);
            if let Some(link) = link.as_ref().filter(|link| week >= link.from_week) {
                match publish_shared_week(store, &self.helper, &tree, link, settings, week, now) {
                    Ok(true) => {
                        published.push(week);
                        continue;
                    }
                    Ok(false) => break,
                    Err(error) => {
                        tracing::warn!(organisation = organisation_id, %week, %error, "publishing with the helper failed; retrying later");
                        break;
                    }
                }
            }
            let aggregates = store.team_aggregates(organisation_id, None, week..=week)?;
            let publication =
                week_publication(&tree, &schedule, &aggregates, week, settings, now, &mut random);
            match store.publish_week(organisation_id, &publication) {
                Ok(()) => published.push(week),
                // Another server process on the same database published it
                // first (where the store has no lock across processes): what it
                // published is what every read serves.
                Err(ServerError::AlreadyPublished { .. }) => break,
                Err(error) => return Err(error),
            }
        }
        Ok(published)
    }

    /// [`Publisher::publish_due_weeks`] for every organisation of the store;
    /// the background task's pass. It also verifies the reports of
    /// two-server organisations with their helper as they arrive, so a week
    /// that falls due has little left to verify; an HR read verifies only
    /// when a week is due.
    pub fn publish_all_due(
        &self,
        store: &dyn ServerStore,
        settings: PublicationSettings,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let mut published = 0;
        for organisation in store.organisations()? {
            let lock = self.lock_of(&organisation.id);
            let _guard = take(&lock);
            // Verifying settles sums (whole, not added to), so it runs under the
            // store's lock too: two replicas never settle one week at once.
            let Some(_store_lock) = store.lock_publication(&organisation.id, self.patience.read_wait)? else {
                continue;
            };
            if let Some(shared) = store.shared()
                && shared.helper_link(&organisation.id)?.is_some()
            {
                let tree = store.organisation_tree(&organisation.id)?;
                if let Err(error) = verify_pending(store, &self.helper, &tree) {
                    // Publishing needs the helper too: try again next pass.
                    tracing::warn!(organisation = %organisation.id, %error, "verifying reports with the helper failed; retrying later");
                    continue;
                }
            }
            published += self.publish_locked(store, &organisation.id, settings, now, false)?.len();
        }
        Ok(published)
    }
}
