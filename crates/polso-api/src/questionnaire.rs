//! An organisation's questionnaire between the wire and the core: the list of
//! [`QuestionnaireAdoption`]s that enrolment, `GET /v1/questionnaire` and
//! `GET /v1/units` carry, and the core's [`QuestionnairePlan`]. Written once
//! for the server and the app (the `core` feature).

use polso_core::IsoWeek;
use polso_core::questionnaire::{Adoption, Questionnaire, QuestionnairePlan};

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

/// The plan of the wire's list, checked as the core checks every plan; an
/// empty list (a server that predates editions) is edition 2 throughout.
/// The error says what is wrong, for the caller to wrap.
pub fn plan_from_wire(adoptions: &[QuestionnaireAdoption]) -> Result<QuestionnairePlan, String> {
    let questionnaire =
        |adoption: &QuestionnaireAdoption| Questionnaire { edition: adoption.edition, who5: adoption.who5 };
    let Some((first, later)) = adoptions.split_first() else {
        return Ok(QuestionnairePlan::legacy());
    };
    if let Some(week) = &first.from_week {
        return Err(format!("its first questionnaire starts in {week} instead of at the start"));
    }
    let later = later
        .iter()
        .map(|adoption| {
            let week = adoption.from_week.as_deref().ok_or("a later questionnaire has no first week")?;
            let from = week.parse::<IsoWeek>().map_err(|error| format!("{week}: {error}"))?;
            Ok(Adoption { from, questionnaire: questionnaire(adoption) })
        })
        .collect::<Result<Vec<_>, String>>()?;
    QuestionnairePlan::new(questionnaire(first), later).map_err(|error| error.to_string())
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
        assert!(plan_from_wire(&first_with_week).unwrap_err().contains("2026-W01"));
        let mut later_without = wire.clone();
        later_without[1].from_week = None;
        assert!(plan_from_wire(&later_without).unwrap_err().contains("no first week"));
        let mut unknown = wire.clone();
        unknown[1].edition = 9;
        assert!(plan_from_wire(&unknown).unwrap_err().contains('9'));
        let mut not_a_cycle = wire;
        not_a_cycle[1].from_week = Some(start.plus_weeks(1).to_string());
        assert!(plan_from_wire(&not_a_cycle).is_err());
    }
}
