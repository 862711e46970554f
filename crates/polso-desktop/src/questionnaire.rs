//! The questionnaire this device follows: which edition of the schedule from
//! which week, as its organisation's server says (at enrolment, and again on
//! every pass that reaches the server), kept in the store's settings.
//!
//! Before enrolment the device follows a plan of its own: the questionnaire
//! of a new organisation (no WHO-5), and for a store that already holds
//! answers, edition 2 until the cycle after its last saved week, so a week
//! already answered never has its items changed.

use polso_api::{ApiError, ErrorCode, QuestionnaireAdoption};
use polso_core::IsoWeek;
use polso_core::questionnaire::{Adoption, Questionnaire, QuestionnairePlan, cycle_start};
use polso_core::schedule::CYCLE_WEEKS;
use polso_store::Store;

use crate::errors::store_to_api;

/// The settings key of the plan, as the wire's list of adoptions in JSON.
pub(crate) const QUESTIONNAIRE_KEY: &str = "questionnaire";

/// The plan of the server's list of adoptions: the first without a week,
/// each later one from the first week of a cycle. An empty list (a server
/// that predates editions) is edition 2 throughout.
pub(crate) fn plan_from_wire(adoptions: &[QuestionnaireAdoption]) -> Result<QuestionnairePlan, ApiError> {
    let invalid = |what: String| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("the server's questionnaire is not one this app knows: {what}"),
        )
    };
    let questionnaire =
        |adoption: &QuestionnaireAdoption| Questionnaire { edition: adoption.edition, who5: adoption.who5 };
    let Some((first, later)) = adoptions.split_first() else {
        return Ok(QuestionnairePlan::legacy());
    };
    if let Some(week) = &first.from_week {
        return Err(invalid(format!("its first questionnaire starts in {week} instead of at the start")));
    }
    let later = later
        .iter()
        .map(|adoption| {
            let week = adoption
                .from_week
                .as_deref()
                .ok_or_else(|| invalid("a later questionnaire has no first week".to_owned()))?;
            let from = week.parse::<IsoWeek>().map_err(|error| invalid(format!("{week}: {error}")))?;
            Ok(Adoption { from, questionnaire: questionnaire(adoption) })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    QuestionnairePlan::new(questionnaire(first), later).map_err(|error| invalid(error.to_string()))
}

/// The plan as the wire's list of adoptions.
pub(crate) fn plan_to_wire(plan: &QuestionnairePlan) -> Vec<QuestionnaireAdoption> {
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

/// The first week up to `until` whose questionnaire differs between the two
/// plans, if one does. Plans change only at their adoption weeks, so the
/// weeks compared are the start, every adoption week up to `until`, and
/// `until` itself.
pub(crate) fn first_difference_until(
    left: &QuestionnairePlan,
    right: &QuestionnairePlan,
    until: IsoWeek,
) -> Option<IsoWeek> {
    let mut weeks: Vec<IsoWeek> = left
        .changes()
        .into_iter()
        .chain(right.changes())
        .filter(|week| *week <= until)
        .chain([until])
        .collect();
    weeks.sort();
    if left.first() != right.first() {
        return weeks.first().copied();
    }
    weeks.into_iter().find(|week| left.questionnaire_for(*week) != right.questionnaire_for(*week))
}

/// The plan as the text kept under [`QUESTIONNAIRE_KEY`].
pub(crate) fn plan_text(plan: &QuestionnairePlan) -> Result<String, ApiError> {
    serde_json::to_string(&plan_to_wire(plan))
        .map_err(|error| ApiError::new(ErrorCode::Internal, format!("writing the questionnaire: {error}")))
}

/// Keeps `plan` in the store's settings.
pub(crate) fn keep(store: &mut Store, plan: &QuestionnairePlan) -> Result<(), ApiError> {
    store.set_setting(QUESTIONNAIRE_KEY, &plan_text(plan)?).map_err(store_to_api)
}

/// The plan kept in the store; when there is none yet, the device's own plan
/// (see the module's documentation), kept from then on.
pub(crate) fn load_or_choose(store: &mut Store) -> Result<QuestionnairePlan, ApiError> {
    if let Some(text) = store.setting(QUESTIONNAIRE_KEY).map_err(store_to_api)? {
        let adoptions: Vec<QuestionnaireAdoption> = serde_json::from_str(&text).map_err(|error| {
            ApiError::new(
                ErrorCode::StoreCorrupt,
                format!("the stored setting '{QUESTIONNAIRE_KEY}' is not a questionnaire: {error}"),
            )
        })?;
        return plan_from_wire(&adoptions);
    }
    let last_saved = store.history().map_err(store_to_api)?.iter().map(|pulse| pulse.week).max();
    let plan = match last_saved {
        None => QuestionnairePlan::for_new_organisation(),
        Some(week) => {
            let next_cycle = cycle_start(week).plus_weeks(CYCLE_WEEKS);
            QuestionnairePlan::legacy()
                .adopt(QuestionnairePlan::for_new_organisation().first(), next_cycle)
                .map_err(|error| {
                ApiError::new(ErrorCode::Internal, format!("choosing this device's questionnaire: {error}"))
            })?
        }
    };
    keep(store, &plan)?;
    Ok(plan)
}
