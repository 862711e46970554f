//! polso-core's one integration-test binary (STYLE.md point 10): tests that read files, run other
//! programs or build large inputs, which the pure unit tests beside the code do not.
//!
//! - `cx_import`: the CX CSV parser on well-formed and malformed files, and a 50 MB file.
//! - `linkage_detail_reference`: how teams differ (meta-analysis, shrinkage) and what the number of
//!   customers changes (reliability, customer weights, four-week pooling) agree with numpy to 1e-9;
//!   gated on `POLSO_REFERENCE_PYTHON` as `linkage_reference` is.
//! - `linkage_planted`: the linkage grid finds a planted lagged relation at its lag.
//! - `linkage_reference`: the linkage statistics agree with scipy to 1e-9; runs when
//!   `POLSO_REFERENCE_PYTHON` names a Python with numpy and scipy
//!   (`bash scripts/python-reference-env.sh` prints one), and says it was skipped otherwise.
//! - `linkage_simulation`: on 100 seeded datasets with no relation, persistent series and a shared
//!   week effect the default linkage view flags at most 5; on planted data it finds the lag.
//! - `reading_time`: every pulse of two years reads in under a minute, in English and Italian.
//! - `survey_import`: Qualtrics, SurveyMonkey, Google Forms and spreadsheet exports imported through
//!   the suggested mapping agree with what `tests/fixtures/survey/expected.py` computes from them.
//! - `synthetic`: the deterministic generator of EX and CX series the linkage tests share.

// clippy.toml allows `unwrap` in `#[test]` functions only; the helpers these tests share fail the
// test the same way, so they may unwrap too.
#![allow(clippy::unwrap_used)]

mod cx_import;
mod linkage_detail_reference;
mod linkage_planted;
mod linkage_reference;
mod linkage_simulation;
mod reading_time;
mod survey_import;
mod synthetic;
