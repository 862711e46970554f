//! The calendar the suite lives in (issue 11, published releases): a device
//! enrols while the server's clock is in week W ([`enrolment_time`]), reports
//! W once W has closed and its collection window is still open
//! ([`reporting_time`], the Wednesday after), and HR reads W once it is
//! published ([`after_publication`]). The real server runs each phase under
//! `serve --now`, restarted between phases on the same database; the
//! device's own clock is passed to the desktop's sync calls
//! ([`device_close`], [`device_due`]), apart from the server's.
//!
//! The weeks are fixed, in the past, rather than read from the system clock,
//! so every run sees the same calendar. An invite made by `create-invite`
//! expires two weeks after the real "now", so it is valid at any of them.

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use polso_core::IsoWeek;
use polso_core::collection::{CollectionWindow, send_delay_bounds};

/// The week most tests report: 2026-W47, Monday 16 to Sunday 22 November.
/// Published on Saturday 28 November, 12:00 UTC, under the server's defaults.
pub fn week() -> IsoWeek {
    IsoWeek::new(2026, 47).expect("2026-W47 is a week")
}

/// The server's collection window under its defaults (48 h announced delay,
/// 72 h acceptance), as `serve` runs without `--max-random-delay-seconds`
/// or `--acceptance-seconds`.
pub fn default_window() -> CollectionWindow {
    polso_server::ServerConfig::default().collection_window()
}

/// Wednesday of `week`, 10:00 UTC: the server's clock when devices enrol,
/// so their enrolment week is `week`.
pub fn enrolment_time(week: IsoWeek) -> DateTime<Utc> {
    wednesday_ten(week)
}

/// Wednesday after `week`, 10:00 UTC: the server's clock when `week`'s
/// reports arrive; `week` has closed and, under any window of at least a few
/// days, is not yet published.
pub fn reporting_time(week: IsoWeek) -> DateTime<Utc> {
    wednesday_ten(week.next())
}

/// When `week` is published under the server's default window: the
/// Saturday after it, 12:00 UTC.
pub fn publication_time(week: IsoWeek) -> DateTime<Utc> {
    default_window().publication_at(week)
}

/// Five seconds after [`publication_time`]: the server's clock for HR reads
/// of a published `week`, and for late reports.
pub fn after_publication(week: IsoWeek) -> DateTime<Utc> {
    publication_time(week) + Duration::seconds(5)
}

/// When `week` ends in UTC (the Monday after, 00:00): the device's clock for
/// the sync pass that queues the week's report.
pub fn device_close(week: IsoWeek) -> DateTime<Utc> {
    week.next().monday().and_time(NaiveTime::MIN).and_utc()
}

/// The device's clock at which `week`'s report, queued at [`device_close`],
/// is due whatever delay was drawn, for a server that announced
/// `announced_max_delay_seconds`: the week's end plus the app's longest
/// delay, plus a second.
pub fn device_due(week: IsoWeek, announced_max_delay_seconds: u32) -> DateTime<Utc> {
    device_close(week)
        + Duration::seconds(i64::from(send_delay_bounds(announced_max_delay_seconds).max_seconds))
        + Duration::seconds(1)
}

/// The delay the server announces under its defaults.
pub fn default_announced_delay_seconds() -> u32 {
    polso_server::ServerConfig::default().max_random_delay_seconds
}

/// Wednesday of `week`, the day a simulated employee answers its pulse.
pub fn wednesday(week: IsoWeek) -> NaiveDate {
    week.monday().checked_add_days(Days::new(2)).expect("a week has a Wednesday")
}

/// `at` as `serve --now` takes it.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn wednesday_ten(week: IsoWeek) -> DateTime<Utc> {
    Utc.from_utc_datetime(
        &wednesday(week).and_time(NaiveTime::from_hms_opt(10, 0, 0).expect("10:00 is a time")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_is_the_one_the_tests_describe() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc);
        assert_eq!(week().to_string(), "2026-W47");
        assert_eq!(enrolment_time(week()), at("2026-11-18T10:00:00Z"));
        assert_eq!(reporting_time(week()), at("2026-11-25T10:00:00Z"));
        assert_eq!(publication_time(week()), at("2026-11-28T12:00:00Z"));
        assert_eq!(device_close(week()), at("2026-11-23T00:00:00Z"));
        assert_eq!(device_due(week(), 0), at("2026-11-24T01:00:01Z"));
        assert!(default_window().accepts(week(), reporting_time(week())));
        assert!(!default_window().accepts(week(), after_publication(week())));
    }
}
