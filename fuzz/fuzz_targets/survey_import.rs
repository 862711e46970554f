//! Fuzz target: the survey-export importer (polso_core::survey: read, suggest, apply).
//! The properties checked live in `polso_faults::fuzz_checks::survey_import`, which
//! the test suite also runs over this target's corpus in every `cargo test`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| polso_faults::fuzz_checks::survey_import(data));
