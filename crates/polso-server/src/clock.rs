//! The server's sense of time, passed in so tests can set it.
//!
//! Which weeks a report may be for depends on today; a test that checks the
//! refusal of a future week must not depend on the day it runs.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Where the server reads the current time.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that shows whatever it was last set to; for tests.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    /// A clock stopped at `now`.
    pub fn new(now: DateTime<Utc>) -> FixedClock {
        FixedClock { now: Mutex::new(now) }
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = now;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A clock that starts at a given instant and runs on in real time: for
/// end-to-end tests and demos that need the server on another day (`serve
/// --now`). It moves only the server's own calendar; no request can set it.
#[derive(Debug)]
pub struct OffsetClock {
    offset: chrono::Duration,
}

impl OffsetClock {
    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: DateTime<Utc>) -> OffsetClock {
        OffsetClock { offset: start - Utc::now() }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

/// An instant as the stores keep it: RFC 3339 in UTC, whole seconds (`2026-12-02T09:30:00Z`).
pub(crate) fn stored_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_starts_where_asked_and_runs_on() {
        let start = DateTime::parse_from_rfc3339("2031-01-06T10:00:00Z").unwrap().with_timezone(&Utc);
        let clock = OffsetClock::starting_at(start);
        let first = clock.now();
        assert!((first - start).num_seconds().abs() < 5, "{first}");
        assert!(clock.now() >= first);
    }
}
