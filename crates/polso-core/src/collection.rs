//! When a week's reports travel and when its snapshot is published: the one
//! calendar the app and the server share, so neither can drift from the other.
//!
//! A week's pulse closes on Sunday at midnight, local time. The app then holds
//! the week's report for a random delay before sending it, so its arrival time
//! does not point at a person. The delay's bounds are the app's own: at least
//! [`MIN_SEND_DELAY_SECONDS`], spread over at least [`MIN_SEND_SPREAD_SECONDS`],
//! whatever the server announces; a server can only make the spread longer.
//!
//! The server publishes a week once, as an immutable snapshot, when its
//! collection window has closed: the last time zone's Sunday midnight, plus
//! the longest delay any app may use, plus an acceptance period for devices
//! that were offline. Reports arriving later are refused; nothing about a week
//! is served before it is published.

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::IsoWeek;

/// The shortest delay between a week's close and its report being sent,
/// whatever the server announces: one hour.
pub const MIN_SEND_DELAY_SECONDS: u32 = 60 * 60;

/// The shortest span the random delay is spread over, whatever the server
/// announces: one day.
pub const MIN_SEND_SPREAD_SECONDS: u32 = 24 * 60 * 60;

/// The longest delay an app uses, whatever the server announces: a week.
pub const MAX_SEND_DELAY_SECONDS: u32 = 7 * 24 * 60 * 60;

/// How many hours after midnight UTC the last time zone (UTC−12) reaches
/// Sunday midnight.
pub const LATEST_TIME_ZONE_LAG_HOURS: i64 = 12;

/// The range an app draws a week's send delay from, in seconds after the
/// week closed locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendDelayBounds {
    /// The shortest delay: never below [`MIN_SEND_DELAY_SECONDS`].
    pub min_seconds: u32,
    /// The longest delay: the server's announced maximum, but at least
    /// `min_seconds + MIN_SEND_SPREAD_SECONDS` and at most
    /// [`MAX_SEND_DELAY_SECONDS`].
    pub max_seconds: u32,
}

/// The delay bounds an app uses when its server announces
/// `announced_max_delay_seconds` (0, or any value, is accepted: the app's own
/// floor holds).
pub fn send_delay_bounds(announced_max_delay_seconds: u32) -> SendDelayBounds {
    let min_seconds = MIN_SEND_DELAY_SECONDS;
    let max_seconds =
        announced_max_delay_seconds.max(min_seconds + MIN_SEND_SPREAD_SECONDS).min(MAX_SEND_DELAY_SECONDS);
    SendDelayBounds { min_seconds, max_seconds }
}

/// When the last time zone's Sunday midnight ends `week`.
pub fn week_closes_everywhere_at(week: IsoWeek) -> DateTime<Utc> {
    let next_monday = week.next().monday().and_time(NaiveTime::MIN).and_utc();
    next_monday + Duration::hours(LATEST_TIME_ZONE_LAG_HOURS)
}

/// How a server collects reports: what it announces and how long it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionWindow {
    /// The longest random delay the server announces to its devices.
    pub announced_max_delay_seconds: u32,
    /// How long after the last delay ends reports are still accepted, for
    /// devices that were offline.
    pub acceptance_seconds: u32,
}

impl CollectionWindow {
    /// When `week`'s collection window closes and its snapshot is published.
    pub fn publication_at(self, week: IsoWeek) -> DateTime<Utc> {
        let bounds = send_delay_bounds(self.announced_max_delay_seconds);
        week_closes_everywhere_at(week)
            + Duration::seconds(i64::from(bounds.max_seconds))
            + Duration::seconds(i64::from(self.acceptance_seconds))
    }

    /// The last week whose window has closed at `now`: every week up to it
    /// may be published, none after it.
    pub fn last_publishable_week(self, now: DateTime<Utc>) -> IsoWeek {
        // Publication is at least eight days after the week's Monday, so
        // start from the week before `now`'s and walk back.
        let mut week = IsoWeek::containing(now.date_naive()).previous();
        while self.publication_at(week) > now {
            week = week.previous();
        }
        week
    }

    /// Whether a report for `week` may still be counted at `now`: the week
    /// has closed (it is before `now`'s week) and is not yet published.
    pub fn accepts(self, week: IsoWeek, now: DateTime<Utc>) -> bool {
        week < IsoWeek::containing(now.date_naive()) && now < self.publication_at(week)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_app_keeps_its_own_floor_whatever_the_server_announces() {
        for announced in [0, 1, 3600, 6 * 3600] {
            let bounds = send_delay_bounds(announced);
            assert_eq!(bounds.min_seconds, 3600, "{announced}");
            assert_eq!(bounds.max_seconds, 3600 + 86_400, "{announced}");
        }
        assert_eq!(send_delay_bounds(3 * 86_400).max_seconds, 3 * 86_400);
        assert_eq!(send_delay_bounds(u32::MAX).max_seconds, MAX_SEND_DELAY_SECONDS);
    }

    #[test]
    fn a_week_is_published_after_the_last_zone_the_longest_delay_and_the_acceptance_period() {
        let window =
            CollectionWindow { announced_max_delay_seconds: 48 * 3600, acceptance_seconds: 72 * 3600 };
        let week: IsoWeek = "2026-W48".parse().unwrap();
        // 2026-W48 ends on Sunday 29 November; Monday 30 November + 12 h + 48 h + 72 h: Saturday noon.
        assert_eq!(window.publication_at(week), at("2026-12-05T12:00:00Z"));
        assert!(window.accepts(week, at("2026-11-30T00:00:01Z")));
        assert!(window.accepts(week, at("2026-12-05T11:59:59Z")));
        assert!(!window.accepts(week, at("2026-12-05T12:00:00Z")));
        // The open week is never accepted.
        assert!(!window.accepts(week, at("2026-11-29T23:00:00Z")));
        assert_eq!(window.last_publishable_week(at("2026-12-05T11:59:59Z")).to_string(), "2026-W47");
        assert_eq!(window.last_publishable_week(at("2026-12-05T12:00:00Z")).to_string(), "2026-W48");
    }

    #[test]
    fn windows_longer_than_a_week_are_walked_back() {
        let window =
            CollectionWindow { announced_max_delay_seconds: u32::MAX, acceptance_seconds: 10 * 86_400 };
        let now = at("2026-12-06T00:00:00Z");
        let week = window.last_publishable_week(now);
        assert!(window.publication_at(week) <= now);
        assert!(window.publication_at(week.next()) > now);
    }
}
