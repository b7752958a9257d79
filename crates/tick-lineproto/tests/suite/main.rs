//! Every integration test of `tick-lineproto`, in one test binary (one link instead of one per file).

mod fast_paths;
mod fixtures;
mod reader;
mod regressions;
mod rules;
mod write;
