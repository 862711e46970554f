//! The rules of a weekly pulse: when a week can be answered, what a
//! submission may contain, and how it becomes a validated, scored pulse.
//!
//! These rules live in the core, not in the app or the store, so the desktop
//! shell, a future web client and the tests all apply the same ones: a week is
//! open from its Monday through its Sunday in the employee's local date, only
//! the items the schedule asks that week can be answered, each once and on its
//! scale, skipping is allowed as long as one item is answered or marked not
//! applicable, an item may be marked "not applicable this week" only if the
//! bank allows it, and the private note is bounded in characters (not bytes,
//! so Italian accents cost nothing).

use chrono::NaiveDate;

use crate::bank::{ItemBank, ItemId};
use crate::schedule::Schedule;
use crate::scoring::{self, Answer, MetricScore, ScoringError};
use crate::week::IsoWeek;

/// The most items a weekly pulse asks ([`crate::schedule`] decides which).
pub use crate::schedule::MAX_ITEMS_PER_WEEK;

/// The longest private note, in characters (Unicode scalar values).
pub const MAX_NOTE_CHARS: usize = 2000;

/// Days in a week, the most that office and remote days can add up to.
pub const DAYS_PER_WEEK: u8 = 7;

/// Where the week was worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkWeek {
    /// Days worked at the office.
    pub office_days: u8,
    /// Days worked remotely.
    pub remote_days: u8,
}

/// The shape of a work week, from where its days were worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkMode {
    /// Every working day at the office.
    Office,
    /// Some days at the office and some remote.
    Hybrid,
    /// Every working day remote.
    Remote,
}

impl WorkWeek {
    /// A work week of `office_days` at the office and `remote_days` remote;
    /// together they cannot exceed the seven days of a week.
    pub fn new(office_days: u8, remote_days: u8) -> Result<WorkWeek, PulseError> {
        let work_week = WorkWeek { office_days, remote_days };
        work_week.check()?;
        Ok(work_week)
    }

    /// The week's shape, or `None` when no day was worked (leave, illness).
    pub fn mode(self) -> Option<WorkMode> {
        match (self.office_days > 0, self.remote_days > 0) {
            (false, false) => None,
            (true, false) => Some(WorkMode::Office),
            (true, true) => Some(WorkMode::Hybrid),
            (false, true) => Some(WorkMode::Remote),
        }
    }

    /// The fields are public, so a work week built by hand is checked again
    /// when it comes in with a submission.
    fn check(self) -> Result<(), PulseError> {
        let n_days = u16::from(self.office_days) + u16::from(self.remote_days);
        if n_days > u16::from(DAYS_PER_WEEK) {
            return Err(PulseError::InvalidWorkWeek {
                office_days: self.office_days,
                remote_days: self.remote_days,
            });
        }
        Ok(())
    }
}

/// Whether a week's pulse can be answered on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WeekState {
    /// The week has not begun.
    NotYetOpen,
    /// The week is under way: its pulse can be answered and changed.
    Open,
    /// The week is over: its pulse is final.
    Closed,
}

/// The state of `week` on `today`, the employee's local date: open from its
/// Monday through its Sunday, inclusive.
pub fn week_state(week: IsoWeek, today: NaiveDate) -> WeekState {
    if today < week.monday() {
        WeekState::NotYetOpen
    } else if today > week.sunday() {
        WeekState::Closed
    } else {
        WeekState::Open
    }
}

/// A pulse as the employee submits it, not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseSubmission {
    /// The week answered.
    pub week: IsoWeek,
    /// The answers; items of the week may be skipped.
    pub answers: Vec<Answer>,
    /// Where the week was worked, if the employee said.
    pub work_week: Option<WorkWeek>,
    /// A private note that never leaves the device.
    pub note: Option<String>,
}

/// A submission that passed [`validate_submission`], with its scores.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPulse {
    /// The submission, its note trimmed (and `None` when only white space).
    pub submission: PulseSubmission,
    /// The scores of the metrics answered, in [`crate::Metric::ALL`] order.
    pub scores: Vec<MetricScore>,
    /// The items marked "not applicable this week", in the order given: asked
    /// that week, not answered, and allowed to be not applicable. They have
    /// no value and no score, but they are counted.
    pub not_applicable: Vec<ItemId>,
}

/// Why a submission is refused. Each message names the week, item or value at
/// fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PulseError {
    /// The week is over; its pulse can no longer change.
    #[error("week {week} is closed; its pulse can no longer be changed")]
    WeekClosed {
        /// The week submitted.
        week: IsoWeek,
    },
    /// The week has not begun.
    #[error("week {week} is not open yet; it opens on its Monday, {}", .week.monday())]
    WeekNotOpen {
        /// The week submitted.
        week: IsoWeek,
    },
    /// Not a single item was answered.
    #[error("the pulse has no answers; answer at least one item")]
    NoAnswers,
    /// An answer names an item the bank does not have.
    #[error("item '{item}' is not in the item bank")]
    UnknownItem {
        /// The unknown item id.
        item: ItemId,
    },
    /// An answer names an item the week does not ask.
    #[error("item '{item}' is not asked in week {week}")]
    ItemNotInWeek {
        /// The item answered.
        item: ItemId,
        /// The week submitted.
        week: IsoWeek,
    },
    /// An item is answered twice.
    #[error("item '{item}' is answered more than once")]
    DuplicateAnswer {
        /// The item answered twice.
        item: ItemId,
    },
    /// A value is not on the item's scale.
    #[error("item '{item}' is answered from {min} to {max}, so {value} is not an answer")]
    ValueOutOfScale {
        /// The item answered.
        item: ItemId,
        /// The value given.
        value: u8,
        /// The scale's lowest value.
        min: u8,
        /// The scale's highest value.
        max: u8,
    },
    /// An item is marked not applicable but the bank does not allow it.
    #[error("item '{item}' cannot be marked not applicable; answer it or skip it")]
    NotApplicableNotAllowed {
        /// The item marked.
        item: ItemId,
    },
    /// An item is both answered and marked not applicable.
    #[error("item '{item}' is both answered and marked not applicable; keep one")]
    AnsweredAndNotApplicable {
        /// The item.
        item: ItemId,
    },
    /// The note is longer than [`MAX_NOTE_CHARS`].
    #[error("the note has {chars} characters; the most is {max}")]
    NoteTooLong {
        /// The note's length in characters, after trimming.
        chars: usize,
        /// The most allowed.
        max: usize,
    },
    /// Office and remote days add up to more than a week.
    #[error("{office_days} office days and {remote_days} remote days are more than the 7 days of a week")]
    InvalidWorkWeek {
        /// The office days given.
        office_days: u8,
        /// The remote days given.
        remote_days: u8,
    },
}

impl From<ScoringError> for PulseError {
    fn from(error: ScoringError) -> PulseError {
        match error {
            ScoringError::UnknownItem { item } => PulseError::UnknownItem { item },
            ScoringError::ValueOutOfScale { item, value, min, max } => {
                PulseError::ValueOutOfScale { item, value, min, max }
            }
        }
    }
}

/// The rules every answer of a week obeys, on the app before it is saved and
/// on the server before it is counted (one code for both): each answer's item
/// is known, asked that week, answered once and given a value on its scale;
/// each item marked not applicable is known, asked that week, marked once,
/// not also answered, and allowed to be not applicable by the bank. The first
/// answer or mark that breaks a rule is the error, in that order.
pub fn check_answers(
    bank: &ItemBank,
    schedule: &Schedule,
    week: IsoWeek,
    answers: &[Answer],
    not_applicable: &[ItemId],
) -> Result<(), PulseError> {
    let items_this_week = schedule.items_for_week(week);
    let mut answered: Vec<&ItemId> = Vec::with_capacity(answers.len());
    for answer in answers {
        let item = &answer.item;
        let Some(bank_item) = bank.item(item.as_str()) else {
            return Err(PulseError::UnknownItem { item: item.clone() });
        };
        if !items_this_week.contains(item) {
            return Err(PulseError::ItemNotInWeek { item: item.clone(), week });
        }
        if answered.contains(&item) {
            return Err(PulseError::DuplicateAnswer { item: item.clone() });
        }
        answered.push(item);
        let scale = bank.scale_of(bank_item);
        if !scale.contains(answer.value) {
            return Err(PulseError::ValueOutOfScale {
                item: item.clone(),
                value: answer.value,
                min: scale.min,
                max: scale.max,
            });
        }
    }
    let mut marked: Vec<&ItemId> = Vec::with_capacity(not_applicable.len());
    for item in not_applicable {
        if bank.item(item.as_str()).is_none() {
            return Err(PulseError::UnknownItem { item: item.clone() });
        }
        if !items_this_week.contains(item) {
            return Err(PulseError::ItemNotInWeek { item: item.clone(), week });
        }
        if marked.contains(&item) {
            return Err(PulseError::DuplicateAnswer { item: item.clone() });
        }
        if answered.contains(&item) {
            return Err(PulseError::AnsweredAndNotApplicable { item: item.clone() });
        }
        if !schedule.allows_not_applicable(bank, week, item.as_str()) {
            return Err(PulseError::NotApplicableNotAllowed { item: item.clone() });
        }
        marked.push(item);
    }
    Ok(())
}

/// Checks a submission against the rules and scores it.
///
/// The checks run in a fixed order, so the error reported is predictable: the
/// week's state on `today`, then that something is answered, then each answer
/// in turn (known item, asked this week, not repeated, on its scale), then the
/// work week, then the note.
pub fn validate_submission(
    bank: &ItemBank,
    schedule: &Schedule,
    submission: &PulseSubmission,
    today: NaiveDate,
) -> Result<ValidPulse, PulseError> {
    validate_submission_with_not_applicable(bank, schedule, submission, &[], today)
}

/// Checks a submission in which the items `not_applicable` are marked "not
/// applicable this week", and scores it.
///
/// The checks are those of [`validate_submission`], with the marks checked
/// after the answers: each marked item is known, asked this week, marked
/// once, not also answered, and allowed to be not applicable by the bank. A
/// submission with no answer but a mark is valid: it says something.
pub fn validate_submission_with_not_applicable(
    bank: &ItemBank,
    schedule: &Schedule,
    submission: &PulseSubmission,
    not_applicable: &[ItemId],
    today: NaiveDate,
) -> Result<ValidPulse, PulseError> {
    let week = submission.week;
    match week_state(week, today) {
        WeekState::NotYetOpen => return Err(PulseError::WeekNotOpen { week }),
        WeekState::Closed => return Err(PulseError::WeekClosed { week }),
        WeekState::Open => {}
    }
    if submission.answers.is_empty() && not_applicable.is_empty() {
        return Err(PulseError::NoAnswers);
    }

    check_answers(bank, schedule, week, &submission.answers, not_applicable)?;

    if let Some(work_week) = submission.work_week {
        work_week.check()?;
    }

    let note = submission.note.as_deref().map(str::trim).filter(|note| !note.is_empty());
    if let Some(note) = note {
        let n_chars = note.chars().count();
        if n_chars > MAX_NOTE_CHARS {
            return Err(PulseError::NoteTooLong { chars: n_chars, max: MAX_NOTE_CHARS });
        }
    }

    let scores = scoring::score_answers(bank, &submission.answers)?;
    Ok(ValidPulse {
        submission: PulseSubmission {
            week,
            answers: submission.answers.clone(),
            work_week: submission.work_week,
            note: note.map(str::to_owned),
        },
        scores,
        not_applicable: not_applicable.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::Days;

    use super::*;
    use crate::bank::Metric;
    use crate::questionnaire::QuestionnairePlan;
    use crate::schedule::WeekKind;

    const SEED: u64 = 42;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn answer(item: &ItemId, value: u8) -> Answer {
        Answer { item: item.clone(), value }
    }

    /// A regular week of the test schedule, its items, and a day inside it.
    fn regular_week(schedule: &Schedule) -> (IsoWeek, Vec<ItemId>, NaiveDate) {
        let mut week: IsoWeek = "2026-W48".parse().unwrap();
        while schedule.week_kind(week) != WeekKind::Regular {
            week = week.next();
        }
        (week, schedule.items_for_week(week), week.monday() + Days::new(2))
    }

    #[test]
    fn weeks_are_open_from_monday_through_sunday() {
        let week: IsoWeek = "2026-W53".parse().unwrap();
        let cases = [
            ("2026-12-27", WeekState::NotYetOpen),
            ("2026-12-28", WeekState::Open),
            ("2026-12-31", WeekState::Open),
            ("2027-01-03", WeekState::Open),
            ("2027-01-04", WeekState::Closed),
            ("2030-06-01", WeekState::Closed),
        ];
        for (today, expected) in cases {
            assert_eq!(week_state(week, date(today)), expected, "{today}");
        }
    }

    #[test]
    fn work_weeks_fit_in_seven_days_and_have_a_mode() {
        let cases = [
            (0, 0, Ok(None)),
            (5, 0, Ok(Some(WorkMode::Office))),
            (0, 5, Ok(Some(WorkMode::Remote))),
            (2, 3, Ok(Some(WorkMode::Hybrid))),
            (7, 0, Ok(Some(WorkMode::Office))),
            (4, 3, Ok(Some(WorkMode::Hybrid))),
            (5, 3, Err(PulseError::InvalidWorkWeek { office_days: 5, remote_days: 3 })),
            (8, 0, Err(PulseError::InvalidWorkWeek { office_days: 8, remote_days: 0 })),
            (255, 255, Err(PulseError::InvalidWorkWeek { office_days: 255, remote_days: 255 })),
        ];
        for (office_days, remote_days, expected) in cases {
            let mode = WorkWeek::new(office_days, remote_days).map(WorkWeek::mode);
            assert_eq!(mode, expected, "{office_days}+{remote_days}");
        }
    }

    #[test]
    fn a_valid_pulse_is_scored_and_its_note_trimmed() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::new(bank, SEED);
        let (week, items, today) = regular_week(&schedule);
        // 2000 characters, 4000 bytes: the limit counts characters.
        let longest_note = "è".repeat(MAX_NOTE_CHARS);
        struct Case<'a> {
            name: &'a str,
            answers: Vec<Answer>,
            note: Option<&'a str>,
            expected_note: Option<&'a str>,
            n_metrics_scored: usize,
        }
        let cases = [
            Case {
                name: "every item, a note",
                answers: items.iter().map(|id| answer(id, 3)).collect(),
                note: Some("  Busy week.\n"),
                expected_note: Some("Busy week."),
                n_metrics_scored: 5,
            },
            Case {
                name: "one item skipped, blank note",
                answers: items[..4].iter().map(|id| answer(id, 3)).collect(),
                note: Some(" \t\n"),
                expected_note: None,
                n_metrics_scored: 4,
            },
            Case {
                name: "a single answer, no note",
                answers: vec![answer(&items[0], 5)],
                note: None,
                expected_note: None,
                n_metrics_scored: 1,
            },
            Case {
                name: "a note of exactly the maximum",
                answers: vec![answer(&items[0], 5)],
                note: Some(longest_note.as_str()),
                expected_note: Some(longest_note.as_str()),
                n_metrics_scored: 1,
            },
        ];
        for case in cases {
            let name = case.name;
            let submission = PulseSubmission {
                week,
                answers: case.answers.clone(),
                work_week: Some(WorkWeek { office_days: 2, remote_days: 3 }),
                note: case.note.map(str::to_owned),
            };
            let valid = validate_submission(bank, &schedule, &submission, today).unwrap();
            assert_eq!(valid.submission.note.as_deref(), case.expected_note, "{name}");
            assert_eq!(valid.submission.answers, case.answers, "{name}");
            assert_eq!(valid.submission.work_week, submission.work_week, "{name}");
            assert_eq!(valid.scores.len(), case.n_metrics_scored, "{name}");
            assert_eq!(valid.scores, scoring::score_answers(bank, &case.answers).unwrap(), "{name}");
        }
    }

    /// Issue 13: a WHO-5 week answered in part is a valid pulse: its answers
    /// are kept, but it has no WHO-5 score, since the index needs all five.
    #[test]
    fn a_who5_week_with_four_answers_is_kept_but_not_scored_as_who5() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::new(bank, SEED);
        let mut week: IsoWeek = "2026-W48".parse().unwrap();
        while schedule.week_kind(week) != WeekKind::Who5 {
            week = week.next();
        }
        let items = schedule.items_for_week(week);
        assert_eq!(items.len(), 5);
        let today = week.monday() + Days::new(1);
        let submit = |answers: Vec<Answer>| {
            let submission = PulseSubmission { week, answers, work_week: None, note: None };
            validate_submission(bank, &schedule, &submission, today).unwrap()
        };

        let four: Vec<Answer> = items[..4].iter().map(|id| answer(id, 5)).collect();
        let valid = submit(four.clone());
        assert_eq!(valid.submission.answers, four, "the four answers are kept");
        assert_eq!(valid.scores, vec![], "no WHO-5 score from four items");

        let five: Vec<Answer> = items.iter().map(|id| answer(id, 5)).collect();
        let valid = submit(five);
        assert_eq!(valid.scores, vec![MetricScore { metric: Metric::Who5, score: 100.0 }]);
    }

    #[test]
    fn the_wellbeing_core_item_scores_as_expected() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::new(bank, SEED);
        let (week, items, today) = regular_week(&schedule);
        // The core item is first in a regular week; on mood5 a 4 is
        // (4 − 1) / 4 × 100 = 75.
        let submission =
            PulseSubmission { week, answers: vec![answer(&items[0], 4)], work_week: None, note: None };
        let valid = validate_submission(bank, &schedule, &submission, today).unwrap();
        assert_eq!(valid.scores, vec![MetricScore { metric: Metric::Wellbeing, score: 75.0 }]);
    }

    #[test]
    fn invalid_submissions_are_refused_with_the_culprit_named() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::new(bank, SEED);
        let (week, items, today) = regular_week(&schedule);
        let not_this_week =
            bank.items().iter().map(|item| item.id.clone()).find(|id| !items.contains(id)).unwrap();
        let unknown = ItemId("eng.99".into());
        let long_note = "è".repeat(MAX_NOTE_CHARS + 1);
        let good = vec![answer(&items[0], 3)];

        type Case = (&'static str, NaiveDate, Vec<Answer>, Option<WorkWeek>, Option<String>, PulseError);
        let cases: Vec<Case> = vec![
            (
                "the week is over",
                week.sunday() + Days::new(1),
                good.clone(),
                None,
                None,
                PulseError::WeekClosed { week },
            ),
            (
                "the week has not begun",
                week.monday() - Days::new(1),
                good.clone(),
                None,
                None,
                PulseError::WeekNotOpen { week },
            ),
            ("nothing answered", today, vec![], None, None, PulseError::NoAnswers),
            (
                "an unknown item",
                today,
                vec![answer(&items[0], 3), answer(&unknown, 3)],
                None,
                None,
                PulseError::UnknownItem { item: unknown.clone() },
            ),
            (
                "an item of another week",
                today,
                vec![answer(&not_this_week, 3)],
                None,
                None,
                PulseError::ItemNotInWeek { item: not_this_week.clone(), week },
            ),
            (
                "the same item twice",
                today,
                vec![answer(&items[1], 3), answer(&items[1], 4)],
                None,
                None,
                PulseError::DuplicateAnswer { item: items[1].clone() },
            ),
            (
                "a value above the scale",
                today,
                vec![answer(&items[0], 9)],
                None,
                None,
                PulseError::ValueOutOfScale { item: items[0].clone(), value: 9, min: 1, max: 5 },
            ),
            (
                "a value below the scale",
                today,
                vec![answer(&items[0], 0)],
                None,
                None,
                PulseError::ValueOutOfScale { item: items[0].clone(), value: 0, min: 1, max: 5 },
            ),
            (
                "a note one character too long, counted in characters",
                today,
                good.clone(),
                None,
                Some(long_note),
                PulseError::NoteTooLong { chars: MAX_NOTE_CHARS + 1, max: MAX_NOTE_CHARS },
            ),
            (
                "more than seven days worked",
                today,
                good.clone(),
                Some(WorkWeek { office_days: 5, remote_days: 3 }),
                None,
                PulseError::InvalidWorkWeek { office_days: 5, remote_days: 3 },
            ),
        ];
        for (case, today, answers, work_week, note, expected) in cases {
            let submission = PulseSubmission { week, answers, work_week, note };
            assert_eq!(validate_submission(bank, &schedule, &submission, today), Err(expected), "{case}");
        }
    }

    /// Issue 13: a customer item can be marked "not applicable this week";
    /// it is kept as a mark without value or score. An item that does not
    /// allow it, or one also answered, is refused.
    #[test]
    fn only_items_that_allow_it_can_be_marked_not_applicable() {
        let bank = ItemBank::embedded();
        let schedule = Schedule::with_plan(bank, SEED, &QuestionnairePlan::for_new_organisation());
        let allows = |id: &ItemId| bank.item(id.as_str()).is_some_and(|item| item.not_applicable);
        let mut week: IsoWeek = "2026-W48".parse().unwrap();
        let mut items = schedule.items_for_week(week);
        while !(items.iter().any(allows) && items.iter().any(|id| !allows(id))) {
            week = week.next();
            items = schedule.items_for_week(week);
        }
        let today = week.monday();
        let customer_item = items.iter().find(|id| allows(id)).unwrap().clone();
        let other_item = items.iter().find(|id| !allows(id)).unwrap().clone();
        let submission =
            PulseSubmission { week, answers: vec![answer(&other_item, 4)], work_week: None, note: None };
        let marks = [customer_item.clone()];
        let valid =
            validate_submission_with_not_applicable(bank, &schedule, &submission, &marks, today).unwrap();
        assert_eq!(valid.not_applicable, marks);
        assert_eq!(valid.submission.answers, submission.answers, "the mark is not an answer");
        let scored_metrics: Vec<Metric> = valid.scores.iter().map(|score| score.metric).collect();
        let customer_metric = bank.item(customer_item.as_str()).unwrap().metric;
        assert!(!scored_metrics.contains(&customer_metric), "{scored_metrics:?}");
        assert_eq!(validate_submission(bank, &schedule, &submission, today).unwrap().not_applicable, vec![]);

        let only_marks = PulseSubmission { answers: vec![], ..submission.clone() };
        let valid =
            validate_submission_with_not_applicable(bank, &schedule, &only_marks, &marks, today).unwrap();
        assert_eq!((valid.scores.len(), valid.not_applicable.len()), (0, 1), "a mark alone is a pulse");

        let not_this_week = bank
            .items()
            .iter()
            .find(|item| item.not_applicable && !items.contains(&item.id))
            .map(|item| item.id.clone())
            .unwrap();
        let cases = [
            (
                "not allowed",
                vec![other_item.clone()],
                only_marks.clone(),
                PulseError::NotApplicableNotAllowed { item: other_item.clone() },
            ),
            (
                "answered too",
                vec![customer_item.clone()],
                PulseSubmission { answers: vec![answer(&customer_item, 3)], ..submission.clone() },
                PulseError::AnsweredAndNotApplicable { item: customer_item.clone() },
            ),
            (
                "marked twice",
                vec![customer_item.clone(), customer_item.clone()],
                submission.clone(),
                PulseError::DuplicateAnswer { item: customer_item.clone() },
            ),
            (
                "not asked this week",
                vec![not_this_week.clone()],
                submission.clone(),
                PulseError::ItemNotInWeek { item: not_this_week, week },
            ),
            (
                "unknown",
                vec![ItemId("cust.99".into())],
                submission.clone(),
                PulseError::UnknownItem { item: ItemId("cust.99".into()) },
            ),
        ];
        for (name, marks, submission, expected) in cases {
            let result = validate_submission_with_not_applicable(bank, &schedule, &submission, &marks, today);
            assert_eq!(result, Err(expected), "{name}");
        }
        assert_eq!(
            PulseError::NotApplicableNotAllowed { item: ItemId("eng.1".into()) }.to_string(),
            "item 'eng.1' cannot be marked not applicable; answer it or skip it"
        );

        // Edition 2's weeks keep the answers they always had: no mark, even on a customer item.
        let legacy = Schedule::with_plan(bank, SEED, &QuestionnairePlan::legacy());
        let (legacy_week, legacy_item) = (0..52)
            .map(|offset| week.plus_weeks(offset))
            .find_map(|week| {
                legacy.items_for_week(week).into_iter().find(|id| allows(id)).map(|id| (week, id))
            })
            .unwrap();
        let legacy_submission =
            PulseSubmission { week: legacy_week, answers: vec![], work_week: None, note: None };
        assert_eq!(
            validate_submission_with_not_applicable(
                bank,
                &legacy,
                &legacy_submission,
                std::slice::from_ref(&legacy_item),
                legacy_week.monday()
            ),
            Err(PulseError::NotApplicableNotAllowed { item: legacy_item })
        );
    }

    #[test]
    fn error_messages_name_the_week_item_and_value() {
        let week: IsoWeek = "2026-W48".parse().unwrap();
        let cases = [
            (PulseError::WeekClosed { week }, "week 2026-W48 is closed; its pulse can no longer be changed"),
            (
                PulseError::WeekNotOpen { week },
                "week 2026-W48 is not open yet; it opens on its Monday, 2026-11-23",
            ),
            (
                PulseError::ItemNotInWeek { item: ItemId("tools.1".into()), week },
                "item 'tools.1' is not asked in week 2026-W48",
            ),
            (
                PulseError::ValueOutOfScale { item: ItemId("eng.1".into()), value: 9, min: 1, max: 5 },
                "item 'eng.1' is answered from 1 to 5, so 9 is not an answer",
            ),
            (
                PulseError::NoteTooLong { chars: 2001, max: 2000 },
                "the note has 2001 characters; the most is 2000",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }
}
