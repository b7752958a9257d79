//! Every integration test of `tick-lambda`, in one test binary (one link instead of one per file).

mod common;
mod functions;
mod match_expr;
mod operators;
mod semantics;
