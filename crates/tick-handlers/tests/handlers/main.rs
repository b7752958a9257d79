//! Every handler against a real receiver (file, TCP listener, program, HTTP server, mosquitto
//! for MQTT with TLS and websockets), the dispatcher's queues, `kapacitor.conf` parsing, and
//! topic handler files, in one test binary. Expected JSON is written by
//! hand from Kapacitor's `Event.AlertData`, alert/types.go at v1.5.7, never copied from our output.

// Shared test code outside #[test] fns may unwrap too.
#![allow(clippy::unwrap_used)]

mod common;
mod dispatch;
mod exec;
mod files;
mod https;
mod log;
mod mqtt_config;
mod mqtt_delivery;
mod mqtt_tls;
mod post;
mod tcp;
