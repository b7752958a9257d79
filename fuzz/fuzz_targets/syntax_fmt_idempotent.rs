//! TICKscript formatter: on any script that parses, `fmt` succeeds, keeps the meaning, and
//! `fmt(fmt(x)) == fmt(x)`. Seed: as for `syntax_parse`.

#![no_main]

#[path = "../../crates/tick-syntax/tests/suite/support/invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariants::fmt_idempotent(data));
