//! Fuzz target: the item-bank loader (polso_core::bank::ItemBank::parse).
//! The properties checked live in `polso_faults::fuzz_checks::bank_loader`, which
//! the test suite also runs over this target's corpus in every `cargo test`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| polso_faults::fuzz_checks::bank_loader(data));
