//! An organisation's questionnaire on the wire and at the administrator's
//! command: the plan of [`polso_core::questionnaire`] as the list of
//! adoptions devices and HR read, and adopting a new one at a cycle boundary.
//!
//! A questionnaire is chosen by the administrator alone (like k and ε): no
//! request can change it. A new one is adopted only from a cycle that has not
//! begun, so no device ever has a week's items changed under it, and the
//! weeks before keep the edition their answers were given in.

use polso_core::IsoWeek;
use polso_core::questionnaire::{Questionnaire, QuestionnairePlan, cycle_start};
use polso_core::schedule::CYCLE_WEEKS;

use crate::error::{Result, ServerError};
use crate::store::ServerStore;

pub use polso_api::questionnaire::plan_to_wire;

/// The plan in words for the administrator, one line per adoption, such as
/// "from 2027-W05: edition 3 without WHO-5".
pub fn describe(plan: &QuestionnairePlan) -> Vec<String> {
    plan_to_wire(plan)
        .into_iter()
        .map(|adoption| {
            let from = adoption.from_week.unwrap_or_else(|| "the start".to_owned());
            let who5 = if adoption.who5 { "with WHO-5" } else { "without WHO-5" };
            format!("from {from}: edition {} {who5}", adoption.edition)
        })
        .collect()
}

/// The first week of the first cycle that begins after `week`.
pub fn next_cycle_start(week: IsoWeek) -> IsoWeek {
    cycle_start(week).plus_weeks(CYCLE_WEEKS)
}

/// The first week a questionnaire adopted in `this_week` may start: the
/// first cycle that begins at least four weeks later, so every device that
/// syncs within a month learns it before its first week.
pub fn earliest_adoption(this_week: IsoWeek) -> IsoWeek {
    next_cycle_start(this_week.plus_weeks(CYCLE_WEEKS - 1))
}

/// Adopts `questionnaire` for the organisation from `from` (by default
/// [`earliest_adoption`]), keeping every earlier week's edition. Refuses a
/// week that is not a cycle's first, or one sooner than that, naming the
/// first week that would do.
pub fn adopt_questionnaire(
    store: &dyn ServerStore,
    organisation_id: &str,
    questionnaire: Questionnaire,
    from: Option<IsoWeek>,
    this_week: IsoWeek,
) -> Result<QuestionnairePlan> {
    let earliest = earliest_adoption(this_week);
    let from = from.unwrap_or(earliest);
    if from < earliest {
        return Err(ServerError::InvalidInput(format!(
            "{from} is too soon: devices need four weeks to learn a new questionnaire, so it can start at {earliest} at the earliest"
        )));
    }
    let organisation = store.organisation(organisation_id)?;
    let plan = organisation.questionnaire.adopt(questionnaire, from).map_err(|error| {
        ServerError::InvalidInput(format!("the questionnaire cannot be adopted: {error}"))
    })?;
    store.set_questionnaire(organisation_id, &plan)?;
    Ok(plan)
}
