//! TICKscript parser: never panics, and every span stays inside the source.
//! Seed: `tickscripts/*.tick` and `tests/fixtures/syntax/**` (see docs/FUZZING.md).

#![no_main]

#[path = "../../crates/tick-syntax/tests/suite/support/invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariants::parse_invariants(data));
