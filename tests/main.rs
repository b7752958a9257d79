//! End-to-end tests of the `tick` binary: one integration-test crate (STYLE.md §5).

mod support;
mod cli_check;
mod cli_fmt;
mod run_mqtt;
mod golden;
mod run_log;
mod cli_service_test;
mod http;
mod run_mqtt_outage;
