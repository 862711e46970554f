//! Group commit, for both stores: reports that arrive together are folded
//! in one transaction, and each is answered only after that transaction
//! commits.
//!
//! A request's report joins a queue ([`GroupCommit::fold`]) and waits for its
//! outcome. One writer thread per store takes the next report, gets ready to
//! write (the SQLite store locks its connection, the PostgreSQL store takes a
//! pooled one), then takes every report queued meanwhile, and hands them to
//! the store's own fold as one group ([`Queued::take`]). So one durable
//! commit serves every report that was waiting, and reports of one team no
//! longer queue on its rows' locks one commit after another.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

use crate::error::{Result, ServerError};
use crate::store::{FoldOutcome, ReportFold};

/// The most reports one group commit folds: enough for every request a
/// server holds at once, few enough that one transaction stays short.
const MOST_FOLDS_PER_COMMIT: usize = 512;

/// A report waiting in the group commit, with where its outcome goes.
pub(crate) struct PendingFold {
    pub(crate) fold: ReportFold,
    outcome: mpsc::SyncSender<Result<FoldOutcome>>,
}

impl PendingFold {
    /// Answers the request that queued this report.
    pub(crate) fn answer(self, outcome: Result<FoldOutcome>) {
        // A request that gave up waiting has nobody to answer.
        let _ = self.outcome.send(outcome);
    }
}

/// Answers every report of `group` with the failure `error` of the transaction that held them,
/// `what` naming it ("folding a batch of reports"): a group of one gets the error itself, so its
/// kind (a full disk, a closed connection) reaches the device as its code; several share its
/// words, each as the server's storage-full error when the disk is full, which devices try
/// again, else as an internal one.
pub(crate) fn fail_group(group: Vec<PendingFold>, error: ServerError, what: &str) {
    let mut group = group;
    if group.len() == 1
        && let Some(pending) = group.pop()
    {
        pending.answer(Err(error));
        return;
    }
    let (full, message) = (error.is_storage_full(), error.to_string());
    for pending in group {
        pending.answer(Err(if full {
            ServerError::StorageFull(message.clone())
        } else {
            ServerError::BlockingTask(format!("{what} failed: {message}"))
        }));
    }
}

/// The reports queued when the writer is ready to write.
pub(crate) struct Queued<'queue> {
    first: PendingFold,
    rest: &'queue mpsc::Receiver<PendingFold>,
    groups: &'queue AtomicUsize,
}

impl Queued<'_> {
    /// The first report and every one queued after it, up to
    /// [`MOST_FOLDS_PER_COMMIT`]: take them once ready to write, so that
    /// those that arrived while the writer waited join the group.
    pub(crate) fn take(self) -> Vec<PendingFold> {
        let group: Vec<PendingFold> =
            std::iter::once(self.first).chain(self.rest.try_iter().take(MOST_FOLDS_PER_COMMIT - 1)).collect();
        // Counted before the group's reports are answered, so that whoever
        // reads the count after an answer sees this group in it.
        let commits = self.groups.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(reports = group.len(), commits, "folding a group of reports");
        group
    }
}

/// A store's queue of reports and the writer thread that folds them.
pub(crate) struct GroupCommit {
    /// `None` once closed.
    queue: Option<mpsc::Sender<PendingFold>>,
    writer: Option<std::thread::JoinHandle<()>>,
    /// How many groups the writer has taken.
    groups: Arc<AtomicUsize>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").field("groups", &self.groups.load(Ordering::Relaxed)).finish()
    }
}

impl GroupCommit {
    /// Starts the writer thread `name`, which calls `write` with the reports
    /// queued each time it finds some. `write` answers every report it
    /// takes; a report it drops unanswered (a panic in `write`, which fails
    /// that group only, not the writer) fails its request.
    pub(crate) fn start(
        name: &str,
        mut write: impl FnMut(Queued<'_>) + Send + 'static,
    ) -> Result<GroupCommit> {
        let (queue, waiting) = mpsc::channel::<PendingFold>();
        let groups = Arc::new(AtomicUsize::new(0));
        let writer = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn({
                let groups = Arc::clone(&groups);
                move || {
                    while let Ok(first) = waiting.recv() {
                        let queued = Queued { first, rest: &waiting, groups: &groups };
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write(queued)));
                    }
                }
            })
            .map_err(|error| ServerError::BlockingTask(format!("starting the report writer: {error}")))?;
        Ok(GroupCommit { queue: Some(queue), writer: Some(writer), groups })
    }

    /// Queues `fold` and waits until the writer has committed it (or failed).
    pub(crate) fn fold(&self, fold: &ReportFold) -> Result<FoldOutcome> {
        let stopped = || ServerError::BlockingTask("the report writer has stopped".to_owned());
        let (outcome, answer) = mpsc::sync_channel(1);
        self.queue
            .as_ref()
            .ok_or_else(stopped)?
            .send(PendingFold { fold: fold.clone(), outcome })
            .map_err(|_| stopped())?;
        answer.recv().map_err(|_| ServerError::BlockingTask("a report's fold was not answered".to_owned()))?
    }

    /// How many groups the writer has taken so far.
    #[cfg(test)]
    pub(crate) fn groups(&self) -> usize {
        self.groups.load(Ordering::Relaxed)
    }

    /// Closes the queue and waits for the writer to finish what it holds.
    pub(crate) fn close(&mut self) {
        self.queue.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polso_api::ErrorCode;
    use polso_core::IsoWeek;

    fn fold(device: u8) -> ReportFold {
        ReportFold {
            receipt: [device; 32],
            organisation_id: "org".to_owned(),
            team_id: "team".to_owned(),
            week: IsoWeek::from_index(2_000),
            contributions: Vec::new(),
        }
    }

    fn sqlite(code: i32) -> ServerError {
        ServerError::Database(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None))
    }

    /// A failed group's reports are answered with what failed: a group of one with the error
    /// itself, several with its kind kept where the device acts on it (a full disk).
    #[test]
    fn a_failed_group_keeps_the_kind_of_its_failure() {
        let failed = |size: u8, error: ServerError| {
            let (pendings, answers): (Vec<_>, Vec<_>) = (0..size)
                .map(|device| {
                    let (outcome, answer) = mpsc::sync_channel(1);
                    (PendingFold { fold: fold(device), outcome }, answer)
                })
                .unzip();
            fail_group(pendings, error, "folding");
            answers.into_iter().map(|answer| answer.recv().unwrap().unwrap_err()).collect::<Vec<_>>()
        };
        let alone = failed(1, sqlite(rusqlite::ffi::SQLITE_CONSTRAINT));
        assert!(matches!(alone[..], [ServerError::Database(_)]), "{alone:?}");
        let full = failed(3, sqlite(rusqlite::ffi::SQLITE_FULL));
        assert!(full.iter().all(|error| error.code() == ErrorCode::ServerStorageFull), "{full:?}");
        let other = failed(3, sqlite(rusqlite::ffi::SQLITE_IOERR));
        assert!(other.iter().all(|error| error.code() == ErrorCode::Internal), "{other:?}");
    }

    /// Reports queued while the writer is busy form one group; each is
    /// answered with its own outcome.
    #[test]
    fn reports_queued_while_the_writer_is_busy_form_one_group() {
        let (busy, released) = mpsc::channel::<()>();
        let released = std::sync::Mutex::new(released);
        let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut commit = GroupCommit::start("test-writer", {
            let sizes = Arc::clone(&sizes);
            move |queued: Queued<'_>| {
                // The first group waits until the test lets it go.
                let _ = released.lock().unwrap().recv();
                let group = queued.take();
                sizes.lock().unwrap().push(group.len());
                for pending in group {
                    let outcome = match pending.fold.receipt[0] % 2 {
                        0 => Ok(FoldOutcome::Counted),
                        _ => Ok(FoldOutcome::AlreadyCounted),
                    };
                    pending.answer(outcome);
                }
            }
        })
        .unwrap();
        let outcomes = std::thread::scope(|scope| {
            let commit = &commit;
            let senders: Vec<_> =
                (0..8u8).map(|device| scope.spawn(move || commit.fold(&fold(device)))).collect();
            std::thread::sleep(std::time::Duration::from_millis(200));
            for _ in 0..8 {
                busy.send(()).unwrap();
            }
            senders.into_iter().map(|sender| sender.join().unwrap().unwrap()).collect::<Vec<_>>()
        });
        for (device, outcome) in outcomes.iter().enumerate() {
            let expected = if device % 2 == 0 { FoldOutcome::Counted } else { FoldOutcome::AlreadyCounted };
            assert_eq!(*outcome, expected, "device {device}");
        }
        let sizes = sizes.lock().unwrap().clone();
        assert_eq!(sizes.iter().sum::<usize>(), 8);
        assert!(sizes.len() <= 2, "eight queued reports, groups {sizes:?}");
        commit.close();
        assert!(commit.fold(&fold(1)).is_err(), "a closed queue takes no report");
    }

    /// A panic while folding fails that group's reports, not the writer.
    #[test]
    fn a_panic_fails_its_group_only() {
        let commit = GroupCommit::start("test-writer", |queued: Queued<'_>| {
            let group = queued.take();
            assert!(group[0].fold.receipt[0] != 0, "a fold that panics");
            for pending in group {
                pending.answer(Ok(FoldOutcome::Counted));
            }
        })
        .unwrap();
        assert!(matches!(commit.fold(&fold(0)), Err(ServerError::BlockingTask(_))));
        assert_eq!(commit.fold(&fold(1)).unwrap(), FoldOutcome::Counted);
    }
}
