//! Line protocol: parsing never panics, the streaming reader agrees with the in-memory parser, and
//! every accepted point, written back, re-parses to itself. Seed: `tests/fixtures/lineproto/`.

#![no_main]

#[path = "../../crates/tick-lineproto/tests/support/roundtrip.rs"]
mod roundtrip;

libfuzzer_sys::fuzz_target!(|data: &[u8]| roundtrip::check(data));
