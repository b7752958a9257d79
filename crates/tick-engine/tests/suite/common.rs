//! What the engine tests share: the crate's own fixtures (a log handler spec for the
//! compiler, points written in a small subset of line protocol).

pub(crate) use tick_engine::testing::{LOG, point};
