//! tick-syntax's integration tests, linked as one binary: data-driven fixtures with their
//! snapshots, the fuzz regression corpus, and generated round-trip scripts.

mod fixtures;
mod fuzz_regressions;
mod roundtrip;
mod support;
