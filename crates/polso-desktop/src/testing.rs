//! The app's sync pass and enrolment ([`crate::sync_pass`]) run on a [`Desktop`] a test holds,
//! at an instant the test chooses and with randomness it supplies: the same functions the app's
//! [`crate::session::Session`] runs, with the session's clock, lock and operating-system
//! randomness (tested on their own in the session's tests) replaced by the test's.
//!
//! Built for this crate's tests and, with the `test-util` feature, for other crates' tests; the
//! app never enables it.

use std::cell::RefCell;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use polso_api::{ApiError, EnrolDevice, SyncStatus};

use crate::Desktop;
use crate::hr::HrTransport;
use crate::sync_pass::{AppSession, Transport};
use crate::transport::{HttpAnswer, SyncTransport, TransportFailure, UreqTransport};

/// One whole sync pass of the app ([`crate::sync_pass::run_sync_pass`]) on `desktop`, at `today`
/// and `now`, with `random` for the random delays.
pub fn sync_now(
    desktop: &mut Desktop,
    transport: &dyn Transport,
    today: NaiveDate,
    now: DateTime<Utc>,
    retry_now: bool,
    random: &mut dyn FnMut() -> u64,
) -> Result<SyncStatus, ApiError> {
    let session = StandingSession::new(desktop, transport, today, now, random);
    crate::sync_pass::run_sync_pass(&session, retry_now)
}

/// The app's enrolment ([`crate::sync_pass::enrol`]) of `desktop`, on `today` at `now`.
pub fn enrol(
    desktop: &mut Desktop,
    transport: &dyn Transport,
    form: &EnrolDevice,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<SyncStatus, ApiError> {
    let mut random = || 0;
    crate::sync_pass::enrol(&StandingSession::new(desktop, transport, today, now, &mut random), form)
}

/// A session whose clock stands at one instant, around a desktop the test holds.
struct StandingSession<'a> {
    desktop: RefCell<&'a mut Desktop>,
    transport: &'a dyn Transport,
    today: NaiveDate,
    now: DateTime<Utc>,
    random: RefCell<&'a mut dyn FnMut() -> u64>,
}

impl<'a> StandingSession<'a> {
    fn new(
        desktop: &'a mut Desktop,
        transport: &'a dyn Transport,
        today: NaiveDate,
        now: DateTime<Utc>,
        random: &'a mut dyn FnMut() -> u64,
    ) -> StandingSession<'a> {
        StandingSession {
            desktop: RefCell::new(desktop),
            transport,
            today,
            now,
            random: RefCell::new(random),
        }
    }
}

impl AppSession for StandingSession<'_> {
    fn with_desktop<T>(&self, work: impl FnOnce(&mut Desktop) -> Result<T, ApiError>) -> Result<T, ApiError> {
        work(&mut self.desktop.borrow_mut())
    }

    fn today(&self) -> NaiveDate {
        self.today
    }

    fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn transport(&self) -> &dyn Transport {
        self.transport
    }

    fn random(&self) -> u64 {
        (self.random.borrow_mut())()
    }
}

/// One POST a [`RecordingTransport`] sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPost {
    /// Where it went.
    pub url: String,
    /// The bearer token it carried, if any.
    pub bearer_token: Option<String>,
    /// Its body.
    pub body: String,
}

/// Real HTTP ([`UreqTransport`]) that keeps every POST it sends, so a test can search the
/// server's data and output for what a device sent, and check what went where.
#[derive(Default)]
pub struct RecordingTransport {
    inner: UreqTransport,
    posts: Mutex<Vec<SentPost>>,
}

impl RecordingTransport {
    /// The POSTs sent so far, in order.
    pub fn posts(&self) -> Vec<SentPost> {
        self.posts.lock().map(|posts| posts.clone()).unwrap_or_default()
    }

    /// Their bodies.
    pub fn bodies(&self) -> Vec<String> {
        self.posts().into_iter().map(|post| post.body).collect()
    }

    /// How many POSTs were sent.
    pub fn sent(&self) -> usize {
        self.posts.lock().map(|posts| posts.len()).unwrap_or(0)
    }

    /// Forgets what was sent so far.
    pub fn clear(&self) {
        if let Ok(mut posts) = self.posts.lock() {
            posts.clear();
        }
    }
}

impl SyncTransport for RecordingTransport {
    fn post_json(
        &self,
        url: &str,
        bearer_token: Option<&str>,
        body: &str,
    ) -> Result<HttpAnswer, TransportFailure> {
        self.post_json_with_retry_after(url, bearer_token, body).map(|(answer, _)| answer)
    }

    fn post_json_with_retry_after(
        &self,
        url: &str,
        bearer_token: Option<&str>,
        body: &str,
    ) -> Result<(HttpAnswer, Option<String>), TransportFailure> {
        if let Ok(mut posts) = self.posts.lock() {
            posts.push(SentPost {
                url: url.to_owned(),
                bearer_token: bearer_token.map(str::to_owned),
                body: body.to_owned(),
            });
        }
        self.inner.post_json_with_retry_after(url, bearer_token, body)
    }
}

/// The reads of a pass (the server check, the care contacts) carry nothing of the device's:
/// passed on unrecorded.
impl HrTransport for RecordingTransport {
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure> {
        self.inner.get_json(url, bearer_token)
    }

    fn post_csv(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        self.inner.post_csv(url, bearer_token, body)
    }
}
