//! The weekly reminder's schedule, as a pure function of the world passed in.
//!
//! The shell asks [`plan`] again every few seconds with the current instant and
//! its UTC offset, instead of sleeping until a computed instant: a machine that
//! slept over the due time, a wall clock set forwards or backwards, a change of
//! time zone or a daylight-saving switch are then all just a different `now` at
//! the next tick. Due times are local wall-clock times ("Thursday 11:00 where I
//! am now"), so they are compared in the offset of `now`.
//!
//! The rules: a week's reminder is due at the chosen weekday and time of that
//! ISO week; it fires once that week, as soon as it is due and outside quiet hours, and
//! again only when a snooze set after that runs out; nothing fires for a week
//! whose pulse is answered, nor for an earlier week.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday,
};
use polso_core::IsoWeek;

/// When the employee wants to be reminded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderSchedule {
    /// Whether reminders are on at all.
    pub enabled: bool,
    /// The day of the week the pulse is due.
    pub weekday: Weekday,
    /// The local time of that day.
    pub time: NaiveTime,
    /// Hours in which no reminder fires; one due inside them waits for their end.
    pub quiet_hours: Option<QuietHours>,
}

impl Default for ReminderSchedule {
    /// Thursday 11:00 local, no quiet hours.
    fn default() -> ReminderSchedule {
        ReminderSchedule {
            enabled: true,
            weekday: Weekday::Thu,
            time: NaiveTime::from_hms_opt(11, 0, 0).unwrap_or(NaiveTime::MIN),
            quiet_hours: None,
        }
    }
}

/// A daily stretch of local time without reminders, from `start` (included) to
/// `end` (excluded). When `start` is after `end` the stretch spans midnight;
/// when they are equal there are no quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// When the quiet hours begin.
    pub start: NaiveTime,
    /// When they end.
    pub end: NaiveTime,
}

impl QuietHours {
    /// Whether the local time `time` falls in the quiet hours.
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    /// The first local instant at or after `at` outside the quiet hours.
    pub fn first_free_instant(&self, at: NaiveDateTime) -> NaiveDateTime {
        if !self.contains(at.time()) {
            return at;
        }
        let end_today = at.date().and_time(self.end);
        if end_today > at { end_today } else { next_day(at.date()).and_time(self.end) }
    }
}

/// What the reminder remembers between ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReminderMemory {
    /// The newest ISO week whose pulse the employee has saved.
    pub last_answered_week: Option<IsoWeek>,
    /// When a reminder last fired.
    pub last_fired_at: Option<DateTime<Utc>>,
    /// The end of the snooze the employee asked for last, if any.
    pub snoozed_until: Option<DateTime<Utc>>,
}

/// What to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderAction {
    /// Show the reminder now, and record that it fired.
    FireNow,
    /// Nothing to do before this instant (given in the offset of `now`). The
    /// shell still asks again on its next tick, since the clock may jump.
    WaitUntil(DateTime<FixedOffset>),
    /// Reminders are off.
    Off,
}

/// The reminder's state at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderPlan {
    /// Whether this week's pulse is due and still unanswered (the tray shows it).
    pub pulse_due: bool,
    /// What to do.
    pub action: ReminderAction,
}

/// Decides what the reminder does at `now`, whose offset is the employee's
/// current UTC offset.
pub fn plan(
    schedule: &ReminderSchedule,
    memory: &ReminderMemory,
    now: DateTime<FixedOffset>,
) -> ReminderPlan {
    let offset = *now.offset();
    let local_now = now.naive_local();
    let week = IsoWeek::containing(local_now.date());
    let answered = memory.last_answered_week.is_some_and(|answered| answered >= week);
    let due = due_in_week(schedule, week);
    let pulse_due = !answered && local_now >= due;
    if !schedule.enabled {
        return ReminderPlan { pulse_due, action: ReminderAction::Off };
    }
    let local = |instant: DateTime<Utc>| instant.with_timezone(&offset).naive_local();
    let next_week_due = due_in_week(schedule, week.next());
    let pending = if answered {
        next_week_due
    } else if local_now < due {
        due
    } else {
        let last_fired = memory.last_fired_at.map(local);
        // Compared by week, not with the due time: after flying west the
        // reminder fired at 11:00 in Rome reads as 10:00 in London, and it
        // must not come again at 11:00 London time.
        let fired_since_due = last_fired.is_some_and(|fired| IsoWeek::containing(fired.date()) == week);
        let snooze = memory.snoozed_until.map(local).filter(|until| *until >= due);
        match (fired_since_due, snooze) {
            (false, _) => due,
            // A snooze asked for after the last reminder: fire again when it ends.
            (true, Some(until)) if last_fired.is_some_and(|fired| until > fired) => until,
            (true, _) => next_week_due,
        }
    };
    let pending = match schedule.quiet_hours {
        Some(quiet) => quiet.first_free_instant(pending),
        None => pending,
    };
    let action = if pending <= local_now && !answered {
        ReminderAction::FireNow
    } else {
        ReminderAction::WaitUntil(at_offset(pending.max(local_now), offset))
    };
    ReminderPlan { pulse_due, action }
}

/// How long a snooze lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnoozeLength {
    /// One hour from now.
    OneHour,
    /// Tomorrow at the reminder's time of day.
    Tomorrow,
}

/// The end of a snooze of `length` asked for at `now`.
pub fn snooze_end(
    schedule: &ReminderSchedule,
    length: SnoozeLength,
    now: DateTime<FixedOffset>,
) -> DateTime<Utc> {
    match length {
        SnoozeLength::OneHour => now.to_utc() + TimeDelta::hours(1),
        SnoozeLength::Tomorrow => {
            let tomorrow = next_day(now.date_naive()).and_time(schedule.time);
            at_offset(tomorrow, *now.offset()).to_utc()
        }
    }
}

/// The local instant a week's reminder is due.
fn due_in_week(schedule: &ReminderSchedule, week: IsoWeek) -> NaiveDateTime {
    let day = week.monday() + Days::new(u64::from(schedule.weekday.num_days_from_monday()));
    debug_assert_eq!(day.weekday(), schedule.weekday);
    day.and_time(schedule.time)
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.succ_opt().unwrap_or(date)
}

/// A local wall-clock time read in `offset`. A fixed offset maps every local
/// time to exactly one instant; the shell passes the offset in force now, and a
/// DST switch before the due time shows up as a new offset at a later tick.
fn at_offset(local: NaiveDateTime, offset: FixedOffset) -> DateTime<FixedOffset> {
    local
        .and_local_timezone(offset)
        .single()
        .unwrap_or_else(|| (local - offset).and_utc().with_timezone(&offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(hours: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3600).unwrap()
    }

    /// A local time on the `day`th day counted from 1 November 2026 (so 33 is
    /// 3 December), at a UTC offset.
    fn at(day: u64, hour: u32, minute: u32, offset_hours: i32) -> DateTime<FixedOffset> {
        (NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + Days::new(day - 1))
            .and_hms_opt(hour, minute, 0)
            .unwrap()
            .and_local_timezone(offset(offset_hours))
            .unwrap()
    }

    fn week(text: &str) -> IsoWeek {
        text.parse().unwrap()
    }

    fn time(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    fn wait_until(instant: DateTime<FixedOffset>) -> ReminderAction {
        ReminderAction::WaitUntil(instant)
    }

    // 2026-11-26 is the Thursday of 2026-W48; 2026-12-03 that of W49.

    #[test]
    fn the_default_is_thursday_at_eleven_and_on() {
        let schedule = ReminderSchedule::default();
        assert!(schedule.enabled);
        assert_eq!(schedule.weekday, Weekday::Thu);
        assert_eq!(schedule.time, time(11, 0));
        assert_eq!(schedule.quiet_hours, None);
    }

    #[test]
    fn before_the_due_time_it_waits_for_it() {
        let plan = plan(&ReminderSchedule::default(), &ReminderMemory::default(), at(24, 9, 0, 1));
        assert_eq!(plan, ReminderPlan { pulse_due: false, action: wait_until(at(26, 11, 0, 1)) });
    }

    #[test]
    fn at_the_due_time_it_fires() {
        let plan = plan(&ReminderSchedule::default(), &ReminderMemory::default(), at(26, 11, 0, 1));
        assert_eq!(plan, ReminderPlan { pulse_due: true, action: ReminderAction::FireNow });
        let one_minute_before =
            super::plan(&ReminderSchedule::default(), &ReminderMemory::default(), at(26, 10, 59, 1));
        assert_eq!(one_minute_before.action, wait_until(at(26, 11, 0, 1)));
        assert!(!one_minute_before.pulse_due);
    }

    #[test]
    fn after_firing_it_does_not_repeat_that_week() {
        let memory = ReminderMemory { last_fired_at: Some(at(26, 11, 0, 1).to_utc()), ..Default::default() };
        let plan = plan(&ReminderSchedule::default(), &memory, at(27, 16, 0, 1));
        assert_eq!(plan, ReminderPlan { pulse_due: true, action: wait_until(at(33, 11, 0, 1)) });
    }

    #[test]
    fn an_answered_week_never_fires_and_waits_for_next_week() {
        let memory = ReminderMemory { last_answered_week: Some(week("2026-W48")), ..Default::default() };
        for now in [at(23, 8, 0, 1), at(26, 11, 0, 1), at(29, 23, 0, 1)] {
            let plan = plan(&ReminderSchedule::default(), &memory, now);
            assert!(!plan.pulse_due, "{now}");
            assert_eq!(plan.action, wait_until(at(33, 11, 0, 1)), "{now}");
        }
        // A snooze left over from before answering changes nothing.
        let memory = ReminderMemory {
            last_fired_at: Some(at(26, 11, 0, 1).to_utc()),
            snoozed_until: Some(at(26, 12, 0, 1).to_utc()),
            ..memory
        };
        assert_ne!(
            plan(&ReminderSchedule::default(), &memory, at(26, 12, 30, 1)).action,
            ReminderAction::FireNow
        );
    }

    #[test]
    fn last_weeks_answer_does_not_silence_this_week() {
        let memory = ReminderMemory { last_answered_week: Some(week("2026-W47")), ..Default::default() };
        assert_eq!(
            plan(&ReminderSchedule::default(), &memory, at(26, 11, 5, 1)).action,
            ReminderAction::FireNow
        );
    }

    #[test]
    fn a_machine_asleep_over_the_due_time_fires_on_waking() {
        // Last looked on Wednesday evening; the next tick is Friday morning.
        let schedule = ReminderSchedule::default();
        let asleep = plan(&schedule, &ReminderMemory::default(), at(25, 22, 0, 1));
        assert_eq!(asleep.action, wait_until(at(26, 11, 0, 1)));
        let awake = plan(&schedule, &ReminderMemory::default(), at(27, 8, 30, 1));
        assert_eq!(awake, ReminderPlan { pulse_due: true, action: ReminderAction::FireNow });
        // Asleep over a whole week: last week's reminder is not fired late.
        let memory = ReminderMemory { last_fired_at: Some(at(19, 11, 0, 1).to_utc()), ..Default::default() };
        let monday = plan(&schedule, &memory, at(30, 9, 0, 1));
        assert_eq!(monday, ReminderPlan { pulse_due: false, action: wait_until(at(33, 11, 0, 1)) });
    }

    #[test]
    fn a_clock_set_back_or_forward_is_judged_by_the_new_time() {
        let schedule = ReminderSchedule::default();
        let fired = ReminderMemory { last_fired_at: Some(at(26, 11, 0, 1).to_utc()), ..Default::default() };
        // Set back to before the due time after firing: wait, do not fire again.
        assert_eq!(plan(&schedule, &fired, at(26, 9, 0, 1)).action, wait_until(at(26, 11, 0, 1)));
        // Then the clock reaches the due time again: it already fired at that time.
        assert_eq!(plan(&schedule, &fired, at(26, 11, 1, 1)).action, wait_until(at(33, 11, 0, 1)));
        // Set forward past the due time of a new week: fire at once.
        assert_eq!(plan(&schedule, &fired, at(34, 9, 0, 1)).action, ReminderAction::FireNow);
    }

    #[test]
    fn the_due_time_follows_a_change_of_time_zone() {
        let schedule = ReminderSchedule::default();
        // 10:30 in Rome (UTC+1) is 09:30 UTC; flying to London (UTC+0) makes it
        // 09:30 local: the reminder waits until 11:00 London time.
        let in_rome = at(26, 10, 30, 1);
        let in_london = in_rome.with_timezone(&offset(0));
        assert_eq!(plan(&schedule, &ReminderMemory::default(), in_rome).action, wait_until(at(26, 11, 0, 1)));
        assert_eq!(
            plan(&schedule, &ReminderMemory::default(), in_london).action,
            wait_until(at(26, 11, 0, 0))
        );
        // Flying east to UTC+3 makes it 12:30 local: past due, fire.
        let in_moscow = in_rome.with_timezone(&offset(3));
        assert_eq!(plan(&schedule, &ReminderMemory::default(), in_moscow).action, ReminderAction::FireNow);
        // Having fired in Rome at 11:00, landing in London at 10:30 local (the
        // same instant as 11:30 in Rome) does not fire again at 11:00 London time.
        let fired = ReminderMemory { last_fired_at: Some(at(26, 11, 0, 1).to_utc()), ..Default::default() };
        let landed = at(26, 11, 30, 1).with_timezone(&offset(0));
        assert_eq!(plan(&schedule, &fired, landed).action, wait_until(at(26, 11, 0, 0)));
        assert_eq!(plan(&schedule, &fired, at(26, 11, 0, 0)).action, wait_until(at(33, 11, 0, 0)));
    }

    #[test]
    fn daylight_saving_time_keeps_the_wall_clock_time() {
        // Europe/Rome leaves DST on Sunday 2026-10-25: the Thursday before is at
        // UTC+2, the one after at UTC+1; both reminders are at 11:00 local.
        let schedule = ReminderSchedule::default();
        let summer = NaiveDate::from_ymd_opt(2026, 10, 22).unwrap().and_hms_opt(11, 0, 0).unwrap();
        let summer_now = summer.and_local_timezone(offset(2)).unwrap();
        assert_eq!(plan(&schedule, &ReminderMemory::default(), summer_now).action, ReminderAction::FireNow);
        let fired = ReminderMemory { last_fired_at: Some(summer_now.to_utc()), ..Default::default() };
        // On Saturday, still in summer time, the next one is computed at UTC+2 ...
        let saturday = NaiveDate::from_ymd_opt(2026, 10, 24).unwrap().and_hms_opt(12, 0, 0).unwrap();
        let winter_due = NaiveDate::from_ymd_opt(2026, 10, 29).unwrap().and_hms_opt(11, 0, 0).unwrap();
        let planned = plan(&schedule, &fired, saturday.and_local_timezone(offset(2)).unwrap());
        assert_eq!(planned.action, wait_until(winter_due.and_local_timezone(offset(2)).unwrap()));
        // ... and once the offset is UTC+1 it is 11:00 at UTC+1, not 10:00.
        let at_ten = (winter_due - TimeDelta::hours(1)).and_local_timezone(offset(1)).unwrap();
        assert_eq!(
            plan(&schedule, &fired, at_ten).action,
            wait_until(winter_due.and_local_timezone(offset(1)).unwrap())
        );
        let at_eleven = winter_due.and_local_timezone(offset(1)).unwrap();
        assert_eq!(plan(&schedule, &fired, at_eleven).action, ReminderAction::FireNow);
    }

    #[test]
    fn quiet_hours_hold_the_reminder_until_they_end() {
        let schedule = ReminderSchedule {
            quiet_hours: Some(QuietHours { start: time(10, 30), end: time(12, 0) }),
            ..ReminderSchedule::default()
        };
        assert_eq!(
            plan(&schedule, &ReminderMemory::default(), at(24, 9, 0, 1)).action,
            wait_until(at(26, 12, 0, 1))
        );
        let during = plan(&schedule, &ReminderMemory::default(), at(26, 11, 15, 1));
        assert_eq!(during, ReminderPlan { pulse_due: true, action: wait_until(at(26, 12, 0, 1)) });
        assert_eq!(
            plan(&schedule, &ReminderMemory::default(), at(26, 12, 0, 1)).action,
            ReminderAction::FireNow
        );
    }

    #[test]
    fn quiet_hours_across_midnight() {
        let quiet = QuietHours { start: time(22, 0), end: time(7, 0) };
        assert!(quiet.contains(time(23, 0)) && quiet.contains(time(0, 0)) && quiet.contains(time(6, 59)));
        assert!(!quiet.contains(time(7, 0)) && !quiet.contains(time(21, 59)));
        let late = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap().and_hms_opt(23, 0, 0).unwrap();
        assert_eq!(quiet.first_free_instant(late), at(27, 7, 0, 0).naive_local());
        let early = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap().and_hms_opt(2, 0, 0).unwrap();
        assert_eq!(quiet.first_free_instant(early), at(27, 7, 0, 0).naive_local());
        // A reminder due at 23:00 (after a snooze, say) waits for the morning.
        let schedule =
            ReminderSchedule { time: time(23, 0), quiet_hours: Some(quiet), ..ReminderSchedule::default() };
        let plan = plan(&schedule, &ReminderMemory::default(), at(26, 23, 30, 1));
        assert_eq!(plan, ReminderPlan { pulse_due: true, action: wait_until(at(27, 7, 0, 1)) });
        // Equal start and end: no quiet hours at all.
        let none = QuietHours { start: time(9, 0), end: time(9, 0) };
        assert!(!none.contains(time(9, 0)) && !none.contains(time(3, 0)));
    }

    #[test]
    fn a_snooze_fires_again_when_it_ends_and_only_then() {
        let schedule = ReminderSchedule::default();
        let fired_at = at(26, 11, 0, 1);
        let snoozed_until = snooze_end(&schedule, SnoozeLength::OneHour, at(26, 11, 2, 1));
        assert_eq!(snoozed_until, at(26, 12, 2, 1).to_utc());
        let memory = ReminderMemory {
            last_fired_at: Some(fired_at.to_utc()),
            snoozed_until: Some(snoozed_until),
            ..Default::default()
        };
        assert_eq!(plan(&schedule, &memory, at(26, 11, 30, 1)).action, wait_until(at(26, 12, 2, 1)));
        assert_eq!(plan(&schedule, &memory, at(26, 12, 2, 1)).action, ReminderAction::FireNow);
        // Once the snooze fired, nothing more this week.
        let after = ReminderMemory { last_fired_at: Some(at(26, 12, 2, 1).to_utc()), ..memory };
        assert_eq!(plan(&schedule, &after, at(26, 15, 0, 1)).action, wait_until(at(33, 11, 0, 1)));
    }

    #[test]
    fn snoozing_until_tomorrow_uses_the_reminder_time() {
        let schedule = ReminderSchedule::default();
        let until = snooze_end(&schedule, SnoozeLength::Tomorrow, at(26, 11, 2, 1));
        assert_eq!(until, at(27, 11, 0, 1).to_utc());
        let memory = ReminderMemory {
            last_fired_at: Some(at(26, 11, 0, 1).to_utc()),
            snoozed_until: Some(until),
            ..Default::default()
        };
        assert_eq!(plan(&schedule, &memory, at(26, 18, 0, 1)).action, wait_until(at(27, 11, 0, 1)));
        assert_eq!(plan(&schedule, &memory, at(27, 11, 0, 1)).action, ReminderAction::FireNow);
        // Snoozed until a day of next week: that week's own rules apply.
        let sunday = snooze_end(&schedule, SnoozeLength::Tomorrow, at(29, 20, 0, 1));
        let memory = ReminderMemory { snoozed_until: Some(sunday), ..memory };
        assert_eq!(plan(&schedule, &memory, at(30, 11, 0, 1)).action, wait_until(at(33, 11, 0, 1)));
    }

    #[test]
    fn reminders_switched_off_never_fire_but_the_pulse_is_still_due() {
        let schedule = ReminderSchedule { enabled: false, ..ReminderSchedule::default() };
        let plan = plan(&schedule, &ReminderMemory::default(), at(26, 12, 0, 1));
        assert_eq!(plan, ReminderPlan { pulse_due: true, action: ReminderAction::Off });
    }

    #[test]
    fn a_sunday_reminder_in_a_week_that_spans_two_years() {
        // 2026-W53 runs from Monday 2026-12-28 to Sunday 2027-01-03.
        let schedule =
            ReminderSchedule { weekday: Weekday::Sun, time: time(18, 0), ..ReminderSchedule::default() };
        let monday = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let sunday = NaiveDate::from_ymd_opt(2027, 1, 3).unwrap().and_hms_opt(18, 0, 0).unwrap();
        let planned =
            plan(&schedule, &ReminderMemory::default(), monday.and_local_timezone(offset(1)).unwrap());
        assert_eq!(planned.action, wait_until(sunday.and_local_timezone(offset(1)).unwrap()));
    }
}
