//! An organisation's questionnaire between the wire and the core: the list of
//! [`QuestionnaireAdoption`]s that enrolment, `GET /v1/questionnaire` and
//! `GET /v1/units` carry, and the core's [`QuestionnairePlan`]. Written once
//! for the server and the app (the `core` feature).

use std::fmt;

use polso_core::IsoWeek;
use polso_core::questionnaire::{Adoption, PlanError, Questionnaire, QuestionnairePlan};

use crate::QuestionnaireAdoption;

/// The plan as the wire's list: the first questionnaire without a week,
/// each later adoption with the week it starts.
pub fn plan_to_wire(plan: &QuestionnairePlan) -> Vec<QuestionnaireAdoption> {
    let adoption = |from_week: Option<String>, questionnaire: Questionnaire| QuestionnaireAdoption {
        from_week,
        edition: questionnaire.edition,
        who5: questionnaire.who5,
    };
    std::iter::once(adoption(None, plan.first()))
        .chain(
            plan.adoptions().iter().map(|later| adoption(Some(later.from.to_string()), later.questionnaire)),
        )
        .collect()
}

/// Why a list of adoptions is not a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WirePlanError {
    /// The first adoption names a week; it applies from the start.
    FirstHasWeek(String),
    /// A later adoption names no week.
    LaterWithoutWeek,
    /// A week is not an ISO week.
    BadWeek {
        /// The text given.
        week: String,
        /// Why it is not one.
        reason: String,
    },
    /// The adoptions break a rule of every plan (edition, cycle, order).
    Plan(PlanError),
}

impl fmt::Display for WirePlanError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WirePlanError::FirstHasWeek(week) => {
                write!(formatter, "its first questionnaire starts in {week} instead of at the start")
            }
            WirePlanError::LaterWithoutWeek => write!(formatter, "a later questionnaire has no first week"),
            WirePlanError::BadWeek { week, reason } => {
                write!(formatter, "'{week}' is not an ISO week: {reason}")
            }
            WirePlanError::Plan(error) => write!(formatter, "{error}"),
        }
    }
}

impl std::error::Error for WirePlanError {}

/// The plan of the wire's list, checked as the core checks every plan; an
/// empty list (a server that predates editions) is edition 2 throughout.
pub fn plan_from_wire(adoptions: &[QuestionnaireAdoption]) -> Result<QuestionnairePlan, WirePlanError> {
    let questionnaire =
        |adoption: &QuestionnaireAdoption| Questionnaire { edition: adoption.edition, who5: adoption.who5 };
    let Some((first, later)) = adoptions.split_first() else {
        return Ok(QuestionnairePlan::legacy());
    };
    if let Some(week) = &first.from_week {
        return Err(WirePlanError::FirstHasWeek(week.clone()));
    }
    let later = later
        .iter()
        .map(|adoption| {
            let week = adoption.from_week.as_deref().ok_or(WirePlanError::LaterWithoutWeek)?;
            let from = week.parse::<IsoWeek>().map_err(|error| WirePlanError::BadWeek {
                week: week.to_owned(),
                reason: error.to_string(),
            })?;
            Ok(Adoption { from, questionnaire: questionnaire(adoption) })
        })
        .collect::<Result<Vec<_>, WirePlanError>>()?;
    QuestionnairePlan::new(questionnaire(first), later).map_err(WirePlanError::Plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_crosses_the_wire_both_ways_and_bad_lists_are_named() {
        let week: IsoWeek = "2027-W05".parse().unwrap();
        let start = polso_core::questionnaire::cycle_start(week);
        let plan = QuestionnairePlan::legacy().adopt(Questionnaire::EDITION_3, start).unwrap();
        let wire = plan_to_wire(&plan);
        assert_eq!(wire[0].from_week, None);
        assert_eq!(wire[1].from_week.as_deref(), Some(start.to_string().as_str()));
        assert_eq!(plan_from_wire(&wire).unwrap(), plan);
        assert_eq!(plan_from_wire(&[]).unwrap(), QuestionnairePlan::legacy());

        let mut first_with_week = wire.clone();
        first_with_week[0].from_week = Some("2026-W01".to_owned());
        assert_eq!(plan_from_wire(&first_with_week), Err(WirePlanError::FirstHasWeek("2026-W01".to_owned())));
        let mut later_without = wire.clone();
        later_without[1].from_week = None;
        assert_eq!(plan_from_wire(&later_without), Err(WirePlanError::LaterWithoutWeek));
        let mut unknown = wire.clone();
        unknown[1].edition = 9;
        assert!(plan_from_wire(&unknown).unwrap_err().to_string().contains('9'));
        let mut bad_week = unknown.clone();
        bad_week[1].edition = 3;
        bad_week[1].from_week = Some("next week".to_owned());
        assert!(plan_from_wire(&bad_week).unwrap_err().to_string().contains("'next week'"));
        let mut not_a_cycle = wire;
        not_a_cycle[1].from_week = Some(start.plus_weeks(1).to_string());
        assert!(matches!(plan_from_wire(&not_a_cycle), Err(WirePlanError::Plan(_))));
    }
}
