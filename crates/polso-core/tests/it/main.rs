//! polso-core's one integration-test binary (STYLE.md point 10): tests that read files, run other
//! programs or build large inputs, which the pure unit tests beside the code do not.
//!
//! - `cx_import`: the CX CSV parser on well-formed and malformed files, and a 50 MB file.
//! - `linkage_planted`: the linkage grid finds a planted lagged relation at its lag.
//! - `linkage_reference`: the linkage statistics agree with scipy to 1e-9; runs when
//!   `POLSO_REFERENCE_PYTHON` names a Python with numpy and scipy
//!   (`bash scripts/python-reference-env.sh` prints one), and says it was skipped otherwise.
//! - `reading_time`: every pulse of two years reads in under a minute, in English and Italian.
//! - `synthetic`: the deterministic generator of EX and CX series the linkage tests share.

// clippy.toml allows `unwrap` in `#[test]` functions only; the helpers these tests share fail the
// test the same way, so they may unwrap too.
#![allow(clippy::unwrap_used)]

mod cx_import;
mod linkage_planted;
mod linkage_reference;
mod reading_time;
mod synthetic;
