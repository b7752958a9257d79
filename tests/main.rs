//! End-to-end tests of the `tick` binary: one integration-test crate, so the tests link once (see
//! `docs/ARCHITECTURE.md`, "Tests").

mod cli_check;
mod cli_fmt;
mod cli_service_test;
mod cli_show;
mod golden;
mod http;
mod http_api;
mod run_clock;
mod run_email;
mod run_errors;
mod run_handlers;
mod run_handlers_more;
mod run_http_post;
mod run_influxdb_out;
mod run_log;
mod run_mqtt;
mod run_mqtt_outage;
mod run_publish;
mod run_queue;
mod run_snmptrap;
mod run_state;
mod run_stats;
mod support;
