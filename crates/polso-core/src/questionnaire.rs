//! An organisation's questionnaire: which edition of Polso's weekly
//! questions it asks, with which options, from which week.
//!
//! The schedule's rules change only by *editions*, so that an organisation's
//! history keeps its meaning: edition 2 is the questionnaire as it was before
//! editions, with bank version 2 (eleven drivers and a WHO-5 week in every
//! cycle); edition 3, from bank version 3, adds three
//! drivers, the life satisfaction question and the "not applicable" choice,
//! and asks the WHO-5 only as an opt-in module. Items carry the edition that
//! introduced them (`since_edition` in the bank), so an older edition never
//! sees a newer item and its schedule never moves.
//!
//! A [`QuestionnairePlan`] is the organisation's questionnaire over time: the
//! one it started with, then each later adoption, always from the first week
//! of a four-week cycle, so no cycle mixes two editions and HR's charts can
//! mark where a series changed ([`QuestionnairePlan::changes`]).
//!
//! Both types have a short text form, for storage and the command line:
//! a questionnaire is `2`, `3` or `3+who5`, and a plan is its questionnaires
//! separated by `;`, each later one with the week it is adopted from, such as
//! `2;3@2027-W21;3+who5@2028-W01`.
//!
//! Pure types: no IO, no clock. The weeks come from the caller.

use std::fmt;
use std::str::FromStr;

use crate::metric::Metric;
use crate::week::IsoWeek;

pub use crate::edition::{
    CYCLE_WEEKS, DRIVERS, EDITION_2_DRIVERS, FIRST_EDITION, KNOWN_EDITIONS, LATEST_EDITION,
};

/// One edition of the questionnaire with the organisation's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Questionnaire {
    /// The edition, one of [`KNOWN_EDITIONS`].
    pub edition: u32,
    /// Whether the organisation asks the WHO-5 module: for organisations
    /// that declare non-commercial use or hold WHO's permission (the WHO-5's
    /// licence is CC BY-NC-SA 3.0 IGO). Only meaningful in edition 3;
    /// edition 2 always has its WHO-5 week, whatever this says.
    pub who5: bool,
}

impl Questionnaire {
    /// Edition 2, as Polso first shipped it: eleven drivers and a WHO-5 week
    /// in every cycle.
    pub const EDITION_2: Questionnaire = Questionnaire { edition: 2, who5: true };

    /// Edition 3 without the WHO-5: the default for a commercial organisation.
    pub const EDITION_3: Questionnaire = Questionnaire { edition: 3, who5: false };

    /// Edition 3 with the WHO-5 module opted in.
    pub const EDITION_3_WITH_WHO5: Questionnaire = Questionnaire { edition: 3, who5: true };

    /// Whether the questionnaire has a WHO-5 week in every cycle.
    pub fn asks_who5(self) -> bool {
        self.edition == 2 || self.who5
    }

    /// The drivers this questionnaire asks, each once per cycle.
    pub fn drivers(self) -> &'static [Metric] {
        if self.edition == 2 { EDITION_2_DRIVERS } else { &DRIVERS }
    }

    /// The same questionnaire with `who5` set when the edition always asks it.
    fn normalised(self) -> Questionnaire {
        Questionnaire { who5: self.asks_who5(), ..self }
    }

    fn check(self) -> Result<(), PlanError> {
        if KNOWN_EDITIONS.contains(&self.edition) {
            Ok(())
        } else {
            Err(PlanError::UnknownEdition { edition: self.edition })
        }
    }
}

/// The organisation adopts `questionnaire` from the week `from` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Adoption {
    /// The first week asked with the new questionnaire: the first week of a
    /// cycle.
    pub from: IsoWeek,
    /// The questionnaire adopted.
    pub questionnaire: Questionnaire,
}

/// Why a questionnaire plan is refused. Each message names the week or
/// edition at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The edition is not one Polso knows.
    #[error(
        "edition {edition} of the questionnaire does not exist; the editions are {}",
        crate::edition::known_editions_text()
    )]
    UnknownEdition {
        /// The edition given.
        edition: u32,
    },
    /// An adoption does not start on the first week of a four-week cycle.
    #[error(
        "a questionnaire can only be adopted from the first week of a cycle; {week} is not one (its cycle starts in {cycle_start}, the next in {next_cycle_start})"
    )]
    NotAtCycleBoundary {
        /// The week given.
        week: IsoWeek,
        /// The first week of its cycle.
        cycle_start: IsoWeek,
        /// The first week of the next cycle.
        next_cycle_start: IsoWeek,
    },
    /// An adoption does not come after the one before it.
    #[error("the adoption from {week} must come after the previous one, from {previous}")]
    NotAfterPrevious {
        /// The week given.
        week: IsoWeek,
        /// The week of the adoption before it.
        previous: IsoWeek,
    },
    /// The text is not a questionnaire or a plan in their text form.
    #[error("'{text}' is not a questionnaire plan: {reason}; write it like `2;3@2027-W21;3+who5@2028-W01`")]
    InvalidText {
        /// The part of the text at fault.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl fmt::Display for Questionnaire {
    /// `2`, `3` or `3+who5`. Edition 2 always has its WHO-5 week, so its
    /// flag is not written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.edition != 2 && self.who5 {
            write!(f, "{}+who5", self.edition)
        } else {
            write!(f, "{}", self.edition)
        }
    }
}

impl FromStr for Questionnaire {
    type Err = PlanError;

    /// Reads `2`, `3` or `3+who5`; the edition must be known.
    fn from_str(text: &str) -> Result<Questionnaire, PlanError> {
        let invalid = |reason| PlanError::InvalidText { text: text.to_owned(), reason };
        let (edition_text, who5) = match text.trim().strip_suffix("+who5") {
            Some(edition_text) => (edition_text, true),
            None => (text.trim(), false),
        };
        let edition: u32 = edition_text.parse().map_err(|_| invalid("the edition is not a number"))?;
        let questionnaire = Questionnaire { edition, who5: who5 || edition == 2 };
        questionnaire.check()?;
        Ok(questionnaire)
    }
}

impl fmt::Display for QuestionnairePlan {
    /// The first questionnaire, then `;questionnaire@week` for each adoption.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first)?;
        for adoption in &self.later {
            write!(f, ";{}@{}", adoption.questionnaire, adoption.from)?;
        }
        Ok(())
    }
}

impl FromStr for QuestionnairePlan {
    type Err = PlanError;

    /// Reads the text form [`fmt::Display`] writes, and validates the plan as
    /// [`QuestionnairePlan::new`] does.
    fn from_str(text: &str) -> Result<QuestionnairePlan, PlanError> {
        let mut parts = text.trim().split(';');
        let first: Questionnaire = parts.next().unwrap_or_default().parse()?;
        let mut later = Vec::new();
        for part in parts {
            let invalid = |reason| PlanError::InvalidText { text: part.to_owned(), reason };
            let (questionnaire_text, week_text) = part
                .split_once('@')
                .ok_or_else(|| invalid("a later questionnaire needs `@` and its week"))?;
            let from: IsoWeek = week_text
                .trim()
                .parse()
                .map_err(|_| invalid("the week is not an ISO week such as 2027-W21"))?;
            later.push(Adoption { from, questionnaire: questionnaire_text.parse()? });
        }
        QuestionnairePlan::new(first, later)
    }
}

/// An organisation's questionnaire over time: the questionnaire it started
/// with, which applies to every week before the first later adoption, and
/// each later adoption, in order, each from the first week of a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuestionnairePlan {
    first: Questionnaire,
    later: Vec<Adoption>,
}

impl QuestionnairePlan {
    /// A plan that starts with `first` and then adopts each of `later` in
    /// turn. Refused if an edition is unknown, or an adoption is not from the
    /// first week of a cycle or not after the one before it. Edition 2
    /// always asks the WHO-5, so its `who5` is set to `true`.
    pub fn new(first: Questionnaire, mut later: Vec<Adoption>) -> Result<QuestionnairePlan, PlanError> {
        first.check()?;
        let first = first.normalised();
        for adoption in &mut later {
            adoption.questionnaire = adoption.questionnaire.normalised();
        }
        let mut previous: Option<IsoWeek> = None;
        for adoption in &later {
            adoption.questionnaire.check()?;
            check_cycle_boundary(adoption.from)?;
            if let Some(previous) = previous
                && adoption.from.index() <= previous.index()
            {
                return Err(PlanError::NotAfterPrevious { week: adoption.from, previous });
            }
            previous = Some(adoption.from);
        }
        Ok(QuestionnairePlan { first, later })
    }

    /// One questionnaire for every week.
    pub fn single(questionnaire: Questionnaire) -> Result<QuestionnairePlan, PlanError> {
        QuestionnairePlan::new(questionnaire, Vec::new())
    }

    /// Edition 2 for every week: the plan of every organisation that
    /// predates editions, so its history and schedule stay as they were.
    pub fn legacy() -> QuestionnairePlan {
        QuestionnairePlan { first: Questionnaire::EDITION_2, later: Vec::new() }
    }

    /// The plan of a new organisation: edition 3 without the WHO-5, which a
    /// company may use commercially.
    pub fn for_new_organisation() -> QuestionnairePlan {
        QuestionnairePlan { first: Questionnaire::EDITION_3, later: Vec::new() }
    }

    /// This plan, then `questionnaire` from `from` on, which must be the
    /// first week of a cycle after every earlier adoption.
    pub fn adopt(&self, questionnaire: Questionnaire, from: IsoWeek) -> Result<QuestionnairePlan, PlanError> {
        let mut later = self.later.clone();
        later.push(Adoption { from, questionnaire });
        QuestionnairePlan::new(self.first, later)
    }

    /// The questionnaire asked in `week`.
    pub fn questionnaire_for(&self, week: IsoWeek) -> Questionnaire {
        self.later
            .iter()
            .rev()
            .find(|adoption| adoption.from.index() <= week.index())
            .map_or(self.first, |adoption| adoption.questionnaire)
    }

    /// The questionnaire the organisation started with.
    pub fn first(&self) -> Questionnaire {
        self.first
    }

    /// The later adoptions, in order.
    pub fn adoptions(&self) -> &[Adoption] {
        &self.later
    }

    /// The weeks from which the questionnaire changed, in order: where HR's
    /// charts mark that a series changed.
    pub fn changes(&self) -> Vec<IsoWeek> {
        self.later.iter().map(|adoption| adoption.from).collect()
    }
}

/// The first week of `week`'s cycle.
pub fn cycle_start(week: IsoWeek) -> IsoWeek {
    IsoWeek::from_index(week.index().div_euclid(CYCLE_WEEKS) * CYCLE_WEEKS)
}

fn check_cycle_boundary(week: IsoWeek) -> Result<(), PlanError> {
    let start = cycle_start(week);
    if start == week {
        Ok(())
    } else {
        Err(PlanError::NotAtCycleBoundary {
            week,
            cycle_start: start,
            next_cycle_start: start.plus_weeks(CYCLE_WEEKS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(text: &str) -> IsoWeek {
        text.parse().unwrap()
    }

    /// The first week of the cycle that contains `text`'s week.
    fn boundary(text: &str) -> IsoWeek {
        cycle_start(week(text))
    }

    #[test]
    fn a_single_questionnaire_applies_to_every_week() {
        let plan = QuestionnairePlan::for_new_organisation();
        for text in ["1999-W01", "2026-W49", "2040-W30"] {
            assert_eq!(plan.questionnaire_for(week(text)), Questionnaire::EDITION_3, "{text}");
        }
        assert_eq!(plan.changes(), Vec::<IsoWeek>::new());
        assert_eq!(QuestionnairePlan::legacy().questionnaire_for(week("2026-W49")), Questionnaire::EDITION_2);
        assert!(!Questionnaire::EDITION_3.asks_who5());
        assert!(Questionnaire::EDITION_3_WITH_WHO5.asks_who5());
        assert!(Questionnaire { edition: 2, who5: false }.asks_who5(), "edition 2 always has its WHO-5 week");
        assert_eq!(Questionnaire::EDITION_2.drivers().len(), 11);
        assert_eq!(Questionnaire::EDITION_3.drivers().len(), 14);
    }

    #[test]
    fn adopting_an_edition_at_a_cycle_boundary_splits_the_weeks() {
        let from = boundary("2027-W10");
        assert_eq!(from.index().rem_euclid(CYCLE_WEEKS), 0);
        let plan = QuestionnairePlan::legacy().adopt(Questionnaire::EDITION_3, from).unwrap();
        assert_eq!(plan.questionnaire_for(from.previous()), Questionnaire::EDITION_2);
        assert_eq!(plan.questionnaire_for(from.plus_weeks(-40)), Questionnaire::EDITION_2);
        assert_eq!(plan.questionnaire_for(from), Questionnaire::EDITION_3);
        assert_eq!(plan.questionnaire_for(from.plus_weeks(100)), Questionnaire::EDITION_3);
        assert_eq!(plan.changes(), vec![from]);

        let opt_in = from.plus_weeks(3 * CYCLE_WEEKS);
        let later = plan.adopt(Questionnaire::EDITION_3_WITH_WHO5, opt_in).unwrap();
        assert_eq!(later.questionnaire_for(opt_in.previous()), Questionnaire::EDITION_3);
        assert_eq!(later.questionnaire_for(opt_in), Questionnaire::EDITION_3_WITH_WHO5);
        assert_eq!(later.changes(), vec![from, opt_in]);
        assert_eq!(later.first(), Questionnaire::EDITION_2);
        assert_eq!(later.adoptions().len(), 2);
    }

    #[test]
    fn invalid_plans_are_refused_with_the_week_or_edition_named() {
        let from = boundary("2027-W10");
        let legacy = QuestionnairePlan::legacy();
        let plan = legacy.adopt(Questionnaire::EDITION_3, from).unwrap();
        let cases: Vec<(&str, Result<QuestionnairePlan, PlanError>, PlanError)> = vec![
            (
                "not at a cycle boundary",
                legacy.adopt(Questionnaire::EDITION_3, from.next()),
                PlanError::NotAtCycleBoundary {
                    week: from.next(),
                    cycle_start: from,
                    next_cycle_start: from.plus_weeks(CYCLE_WEEKS),
                },
            ),
            (
                "the same week again",
                plan.adopt(Questionnaire::EDITION_3_WITH_WHO5, from),
                PlanError::NotAfterPrevious { week: from, previous: from },
            ),
            (
                "an earlier week",
                plan.adopt(Questionnaire::EDITION_2, from.plus_weeks(-CYCLE_WEEKS)),
                PlanError::NotAfterPrevious { week: from.plus_weeks(-CYCLE_WEEKS), previous: from },
            ),
            (
                "an unknown edition adopted",
                legacy.adopt(Questionnaire { edition: 4, who5: false }, from),
                PlanError::UnknownEdition { edition: 4 },
            ),
            (
                "an unknown first edition",
                QuestionnairePlan::single(Questionnaire { edition: 1, who5: true }),
                PlanError::UnknownEdition { edition: 1 },
            ),
        ];
        for (name, result, expected) in cases {
            assert_eq!(result, Err(expected), "{name}");
        }
    }

    #[test]
    fn plans_read_back_their_text_form() {
        let from = boundary("2027-W21");
        let opt_in = from.plus_weeks(8 * CYCLE_WEEKS);
        let plan = QuestionnairePlan::legacy()
            .adopt(Questionnaire::EDITION_3, from)
            .unwrap()
            .adopt(Questionnaire::EDITION_3_WITH_WHO5, opt_in)
            .unwrap();
        let text = plan.to_string();
        assert_eq!(text, format!("2;3@{from};3+who5@{opt_in}"));
        assert_eq!(text.parse::<QuestionnairePlan>(), Ok(plan));
        assert_eq!("3".parse::<QuestionnairePlan>(), Ok(QuestionnairePlan::for_new_organisation()));
        assert_eq!(" 2 ".parse::<QuestionnairePlan>(), Ok(QuestionnairePlan::legacy()));
        assert_eq!("3+who5".parse::<Questionnaire>(), Ok(Questionnaire::EDITION_3_WITH_WHO5));
        assert_eq!(Questionnaire::EDITION_2.to_string(), "2");
        let unflagged = QuestionnairePlan::single(Questionnaire { edition: 2, who5: false }).unwrap();
        assert_eq!(unflagged, QuestionnairePlan::legacy(), "edition 2 always asks the WHO-5");

        let not_a_boundary = format!("2;3@{}", from.next());
        let cases = [
            ("", PlanError::InvalidText { text: "".into(), reason: "the edition is not a number" }),
            ("three", PlanError::InvalidText { text: "three".into(), reason: "the edition is not a number" }),
            ("4", PlanError::UnknownEdition { edition: 4 }),
            (
                "2;3",
                PlanError::InvalidText {
                    text: "3".into(),
                    reason: "a later questionnaire needs `@` and its week",
                },
            ),
            (
                "2;3@next week",
                PlanError::InvalidText {
                    text: "3@next week".into(),
                    reason: "the week is not an ISO week such as 2027-W21",
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<QuestionnairePlan>(), Err(expected), "{text:?}");
        }
        assert!(matches!(
            not_a_boundary.parse::<QuestionnairePlan>(),
            Err(PlanError::NotAtCycleBoundary { .. })
        ));
    }

    #[test]
    fn error_messages_name_the_week_and_edition() {
        let from: IsoWeek = IsoWeek::from_index(2_000 * CYCLE_WEEKS);
        let error = QuestionnairePlan::legacy().adopt(Questionnaire::EDITION_3, from.next()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(&from.next().to_string()), "{message}");
        assert!(message.contains(&from.to_string()), "{message}");
        assert_eq!(
            PlanError::UnknownEdition { edition: 7 }.to_string(),
            "edition 7 of the questionnaire does not exist; the editions are 2, 3"
        );
    }
}
