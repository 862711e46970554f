//! ISO 8601 weeks, the unit of time of every pulse and every aggregate.
//!
//! A week runs Monday to Sunday and belongs to the ISO year of its Thursday, so
//! 2026-12-31 is in 2026-W53 and 2027-01-01 too. Weeks are also numbered
//! continuously from an epoch Monday ([`IsoWeek::index`]) so that rotations and
//! lags never special-case year boundaries or 53-week years.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// One ISO 8601 week, such as `2026-W48`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i32,
    week: u32,
}

/// Why a text or a pair of numbers is not an ISO week.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeekError {
    /// The text is not of the form `YYYY-Www`.
    #[error("'{text}' is not an ISO week; expected the form 2026-W48")]
    Malformed {
        /// The text that was given.
        text: String,
    },
    /// The year has no such week (weeks run 1..=52, or 1..=53 in long years).
    #[error("{year} has no ISO week {week}; it has weeks 1 to {weeks_in_year}")]
    NoSuchWeek {
        /// The ISO year.
        year: i32,
        /// The week number asked for.
        week: u32,
        /// How many weeks that year has.
        weeks_in_year: u32,
    },
}

/// The Monday that week index 0 starts on: the first Monday of ISO year 2000.
const EPOCH_MONDAY: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 3) {
    Some(date) => date,
    None => panic!("the epoch Monday is a valid date"),
};

impl IsoWeek {
    /// The week with this ISO year and week number, if the year has it.
    pub fn new(year: i32, week: u32) -> Result<IsoWeek, WeekError> {
        let weeks_in_year = weeks_in_iso_year(year);
        if week == 0 || week > weeks_in_year || NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).is_none()
        {
            return Err(WeekError::NoSuchWeek { year, week, weeks_in_year });
        }
        Ok(IsoWeek { year, week })
    }

    /// The ISO week that contains `date`.
    pub fn containing(date: NaiveDate) -> IsoWeek {
        let iso = date.iso_week();
        IsoWeek { year: iso.year(), week: iso.week() }
    }

    /// The ISO year (the year of the week's Thursday).
    pub fn year(self) -> i32 {
        self.year
    }

    /// The week number, 1 to 53.
    pub fn week(self) -> u32 {
        self.week
    }

    /// The week's Monday.
    pub fn monday(self) -> NaiveDate {
        // `new` and `containing` only build weeks that exist.
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or(EPOCH_MONDAY)
    }

    /// The week's Sunday, its last day.
    pub fn sunday(self) -> NaiveDate {
        self.monday() + Days::new(6)
    }

    /// Weeks since the epoch week (2000-W01 is 0); negative before it.
    pub fn index(self) -> i64 {
        (self.monday() - EPOCH_MONDAY).num_weeks()
    }

    /// The week with this continuous index.
    pub fn from_index(index: i64) -> IsoWeek {
        let monday = EPOCH_MONDAY + chrono::Duration::weeks(index);
        IsoWeek::containing(monday)
    }

    /// The week `n` weeks later (earlier when `n` is negative).
    pub fn plus_weeks(self, n: i64) -> IsoWeek {
        IsoWeek::from_index(self.index() + n)
    }

    /// The following week.
    pub fn next(self) -> IsoWeek {
        self.plus_weeks(1)
    }

    /// The week before.
    pub fn previous(self) -> IsoWeek {
        self.plus_weeks(-1)
    }
}

/// How many ISO weeks a year has: 53 when it starts on a Thursday, or is a
/// leap year starting on a Wednesday; 52 otherwise.
pub fn weeks_in_iso_year(year: i32) -> u32 {
    match NaiveDate::from_ymd_opt(year, 12, 28) {
        Some(december_28) => december_28.iso_week().week(),
        None => 0,
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = WeekError;

    fn from_str(text: &str) -> Result<IsoWeek, WeekError> {
        let malformed = || WeekError::Malformed { text: text.to_owned() };
        let (year, week) = text.trim().split_once(['-']).ok_or_else(malformed)?;
        let week = week.strip_prefix(['W', 'w']).ok_or_else(malformed)?;
        if year.len() != 4 || week.is_empty() || week.len() > 2 {
            return Err(malformed());
        }
        let year: i32 = year.parse().map_err(|_| malformed())?;
        let week: u32 = week.parse().map_err(|_| malformed())?;
        IsoWeek::new(year, week)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn year_boundaries_follow_the_thursday_rule() {
        let cases = [
            (date(2026, 12, 31), "2026-W53"),
            (date(2027, 1, 1), "2026-W53"),
            (date(2027, 1, 3), "2026-W53"),
            (date(2027, 1, 4), "2027-W01"),
            (date(2024, 12, 30), "2025-W01"),
            (date(2021, 1, 3), "2020-W53"),
            (date(2000, 1, 3), "2000-W01"),
        ];
        for (day, expected) in cases {
            assert_eq!(IsoWeek::containing(day).to_string(), expected, "{day}");
        }
    }

    #[test]
    fn long_years_have_53_weeks() {
        let long: Vec<i32> = (2000..=2040).filter(|&y| weeks_in_iso_year(y) == 53).collect();
        assert_eq!(long, vec![2004, 2009, 2015, 2020, 2026, 2032, 2037]);
        assert!(IsoWeek::new(2026, 53).is_ok());
        assert_eq!(
            IsoWeek::new(2025, 53),
            Err(WeekError::NoSuchWeek { year: 2025, week: 53, weeks_in_year: 52 })
        );
        assert!(IsoWeek::new(2025, 0).is_err());
    }

    #[test]
    fn index_is_continuous_across_years() {
        let mut week = IsoWeek::new(1999, 50).unwrap();
        let first_index = week.index();
        for index in first_index..first_index + 52 * 30 {
            let next = week.next();
            assert_eq!(next.index(), index + 1, "after {week}");
            assert_eq!(next.monday() - week.monday(), chrono::Duration::weeks(1));
            assert_eq!(IsoWeek::from_index(next.index()), next);
            assert_eq!(next.previous(), week);
            week = next;
        }
        assert_eq!(IsoWeek::new(2000, 1).unwrap().index(), 0);
    }

    #[test]
    fn parses_and_rejects_text() {
        assert_eq!("2026-W48".parse::<IsoWeek>().unwrap(), IsoWeek::new(2026, 48).unwrap());
        assert_eq!("2026-w05".parse::<IsoWeek>().unwrap().week(), 5);
        for bad in ["", "2026", "2026-48", "26-W48", "2026-W", "2026-W123", "x026-W01"] {
            assert!(matches!(bad.parse::<IsoWeek>(), Err(WeekError::Malformed { .. })), "{bad}");
        }
        assert!(matches!("2025-W53".parse::<IsoWeek>(), Err(WeekError::NoSuchWeek { .. })));
    }

    #[test]
    fn sunday_is_six_days_after_monday() {
        let week = IsoWeek::new(2026, 53).unwrap();
        assert_eq!(week.monday(), date(2026, 12, 28));
        assert_eq!(week.sunday(), date(2027, 1, 3));
    }
}
