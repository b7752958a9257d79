//! Every integration test of `tick-engine`, in one test binary (one link instead of one per file).

mod clock_and_flush;
mod common;
mod engine;
mod golden;
mod memory;
