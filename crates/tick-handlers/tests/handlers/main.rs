//! Every non-MQTT handler against a real receiver (file, TCP listener, program, HTTP
//! server), the dispatcher's queues, and topic handler files. Expected JSON is written by
//! hand from Kapacitor's `Event.AlertData`, alert/types.go at v1.5.7, never copied from our output.

// Shared test code outside #[test] fns may unwrap too.
#![allow(clippy::unwrap_used)]

mod common;
mod dispatch;
mod exec;
mod files;
mod https;
mod log;
mod post;
mod tcp;
