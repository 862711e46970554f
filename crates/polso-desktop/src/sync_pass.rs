//! One whole sync pass, as the app runs it on "Sync now" and in the background: the comments'
//! outbox and threads ([`crate::comments`]), then the reports ([`crate::sync`]), or, with no
//! report due, the server check that also reads the care contacts. The shell only supplies an
//! [`AppSession`] (its locked [`Desktop`], clock, network and randomness), so the path the app
//! ships is the one the tests run.
//!
//! The store is held for each store step alone, never while the network answers; the caller
//! makes sure two passes never overlap.

use chrono::{DateTime, NaiveDate, Utc};
use polso_api::{ApiError, EnrolDevice, SyncStatus};

use crate::Desktop;
use crate::hr::HrTransport;
use crate::transport::SyncTransport;
use crate::{care, comments, sync};

/// HTTP for both halves of a pass: the device's posts and its reads.
pub trait Transport: SyncTransport + HrTransport {}

impl<T: SyncTransport + HrTransport> Transport for T {}

/// What a pass needs from the app around its [`Desktop`].
pub trait AppSession {
    /// Runs `work` on the open desktop (the store held for its length), or says why it is not open.
    fn with_desktop<T>(&self, work: impl FnOnce(&mut Desktop) -> Result<T, ApiError>) -> Result<T, ApiError>;
    /// Today, in the employee's calendar.
    fn today(&self) -> NaiveDate;
    /// Now.
    fn now(&self) -> DateTime<Utc>;
    /// The HTTP client.
    fn transport(&self) -> &dyn Transport;
    /// A random number from the operating system, for the random delays.
    fn random(&self) -> u64;
}

/// One pass: the comments' outbox and threads, then the reports due now (`retry_now` retries
/// failed ones at once, as "Sync now" does), or with none due, the check that the server still
/// answers (on "Sync now", or at most once an hour) with the care contacts; the status after it.
pub fn run_sync_pass(session: &impl AppSession, retry_now: bool) -> Result<SyncStatus, ApiError> {
    exchange_comments(session, retry_now);
    let (today, now) = (session.today(), session.now());
    let mut random = || session.random();
    let batch = session.with_desktop(|desktop| desktop.prepare_sync(today, now, retry_now, &mut random))?;
    let Some(batch) = batch else {
        let Some(check) = session.with_desktop(|desktop| desktop.prepare_check(now, retry_now))? else {
            return session.with_desktop(|desktop| desktop.sync_status());
        };
        let checked = sync::check_server(session.transport(), &check);
        // Every device reads the care contacts on this check, whatever it answered.
        let care_contacts = care::read_care_contacts(session.transport(), &check);
        let finished_at = session.now();
        return session.with_desktop(|desktop| {
            desktop.keep_care_contacts(care_contacts)?;
            desktop.record_check(checked, finished_at)
        });
    };
    let outcomes = sync::send_reports(session.transport(), &batch);
    let finished_at = session.now();
    session.with_desktop(|desktop| desktop.record_sync(&outcomes, finished_at))
}

/// Redeems an invite code or personal code at the server, without holding the store while it
/// answers, then keeps the enrolment ([`Desktop::complete_enrolment`]).
pub fn enrol(session: &impl AppSession, form: &EnrolDevice) -> Result<SyncStatus, ApiError> {
    let enrolment = sync::request_enrolment(session.transport(), form)?;
    let (today, now) = (session.today(), session.now());
    session.with_desktop(|desktop| desktop.complete_enrolment(enrolment, today, now))
}

/// Sends the comments and "did it help?" answers that are due and reads the replies to sent
/// comments, in the same three steps as reports. What fails here is kept on each comment or
/// answer and tried again; it never fails the pass.
fn exchange_comments(session: &impl AppSession, read_now: bool) {
    let (today, now) = (session.today(), session.now());
    let mut random = || session.random();
    if let Ok(Some(batch)) = session.with_desktop(|desktop| desktop.prepare_outbox(today, now, &mut random)) {
        let outcomes = comments::send_outbox(session.transport(), &batch);
        let finished_at = session.now();
        let _ = session.with_desktop(|desktop| desktop.record_outbox(&outcomes, finished_at));
    }
    if let Ok(Some(check)) = session.with_desktop(|desktop| desktop.prepare_threads(now, read_now)) {
        let threads = comments::read_threads(session.transport(), &check);
        let finished_at = session.now();
        let _ = session.with_desktop(|desktop| desktop.keep_threads(threads, finished_at));
    }
}
