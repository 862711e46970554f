//! The questionnaire this device follows: which edition of the schedule from
//! which week, as its organisation's server says (at enrolment, and again on
//! every pass that reaches the server), kept in the store's settings.
//!
//! Before enrolment the device follows a plan of its own: the questionnaire
//! of a new organisation (no WHO-5), and for a store that already holds
//! answers, edition 2 until the cycle after its last saved week, so a week
//! already answered never has its items changed. A store enrolled before
//! editions follows edition 2, as its organisation does.

use polso_api::{ApiError, ErrorCode, QuestionnaireAdoption};
use polso_core::IsoWeek;
use polso_core::questionnaire::{QuestionnairePlan, cycle_start};
use polso_core::schedule::CYCLE_WEEKS;
use polso_store::Store;

use crate::errors::store_to_api;

/// The settings key of the plan, as the wire's list of adoptions in JSON.
pub(crate) const QUESTIONNAIRE_KEY: &str = "questionnaire";

/// The plan of the server's list of adoptions; an empty list (a server that
/// predates editions) is edition 2 throughout.
pub(crate) fn plan_from_wire(adoptions: &[QuestionnaireAdoption]) -> Result<QuestionnairePlan, ApiError> {
    polso_api::questionnaire::plan_from_wire(adoptions).map_err(|what| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("the server's questionnaire is not one this app knows: {what}"),
        )
    })
}

/// The first of `weeks` (the weeks this device has answered) whose
/// questionnaire differs between the two plans, if one does: a plan may
/// change any week but those, whose saved answers were given to its items.
pub(crate) fn first_changed_week(
    kept: &QuestionnairePlan,
    offered: &QuestionnairePlan,
    weeks: impl IntoIterator<Item = IsoWeek>,
) -> Option<IsoWeek> {
    let mut weeks: Vec<IsoWeek> = weeks.into_iter().collect();
    weeks.sort();
    weeks.into_iter().find(|week| kept.questionnaire_for(*week) != offered.questionnaire_for(*week))
}

/// The plan as the text kept under [`QUESTIONNAIRE_KEY`].
pub(crate) fn plan_text(plan: &QuestionnairePlan) -> Result<String, ApiError> {
    serde_json::to_string(&polso_api::questionnaire::plan_to_wire(plan))
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
    // Enrolled before editions: the organisation kept edition 2 (the
    // server's migration 0007), so the device does too until its server says
    // otherwise.
    if store.setting(crate::ORGANISATION_SEED_KEY).map_err(store_to_api)?.is_some() {
        let plan = QuestionnairePlan::legacy();
        keep(store, &plan)?;
        return Ok(plan);
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
