//! Helpers shared by the syntax integration tests.

pub(crate) mod invariants;
