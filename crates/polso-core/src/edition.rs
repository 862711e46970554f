//! The questionnaire's editions and what each asks: the edition numbers, the drivers that
//! rotate through the weeks, and the cycle they rotate in. Below the bank (which checks its
//! items' editions and drivers against these), the questionnaire and the schedule.

use crate::metric::Metric;

/// How many weeks make a cycle: every driver is asked once per cycle.
pub const CYCLE_WEEKS: i64 = 4;

/// Every driver: the metrics that rotate through the weeks' slots, in
/// edition 3. Wellbeing (the core), life satisfaction, WHO-5, burnout and
/// eNPS are scheduled by their own rules instead.
pub const DRIVERS: [Metric; 14] = [
    Metric::Engagement,
    Metric::WorkLifeBalance,
    Metric::Communication,
    Metric::TeamCohesion,
    Metric::Tools,
    Metric::Empowerment,
    Metric::RoleClarity,
    Metric::Recognition,
    Metric::Growth,
    Metric::Trust,
    Metric::CustomerFocus,
    Metric::CustomerEmpathy,
    Metric::ManagerSupport,
    Metric::Flexibility,
];

/// The drivers of edition 2: the first eleven of [`DRIVERS`], which edition
/// 3 extends.
pub const EDITION_2_DRIVERS: &[Metric] = DRIVERS.split_at(11).0;

/// The first edition of the questionnaire, and the one an item belongs to
/// when the bank does not say.
pub const FIRST_EDITION: u32 = 2;

/// The newest edition of the questionnaire.
pub const LATEST_EDITION: u32 = 3;

/// Every edition Polso knows how to schedule.
pub const KNOWN_EDITIONS: [u32; 2] = [FIRST_EDITION, LATEST_EDITION];

/// The known editions as text, for error messages: `"2, 3"`.
pub(crate) fn known_editions_text() -> String {
    KNOWN_EDITIONS.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}
