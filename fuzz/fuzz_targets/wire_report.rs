//! Fuzz target: the report wire decoder and the server's validation.
//! The properties checked live in `polso_faults::fuzz_checks::wire_report`, which
//! the test suite also runs over this target's corpus in every `cargo test`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| polso_faults::fuzz_checks::wire_report(data));
