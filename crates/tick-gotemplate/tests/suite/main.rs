//! Every integration test of `tick-gotemplate`, in one test binary (one link instead of one per file).

mod common;
mod errors;
mod fuzz_regressions;
mod html;
mod language;
mod printf;
mod values;
