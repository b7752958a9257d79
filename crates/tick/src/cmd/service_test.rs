//! `tick service-test mqtt` (Kapacitor's `Service.Test` in services/mqtt/service.go and the CLI's
//! `doServiceTest` in cmd/kapacitor/main.go, v1.5.7): publishes one message to one configured
//! broker and reports success or the exact failure, in Kapacitor's `service-tests` table format.
//! Unlike Kapacitor's CLI, the topic and message can be given, so the test can succeed.
//! Every other service (`tick service-test slack`) sends the handler's own test alert
//! (`tick_handlers::service_test`), with `--options` as Kapacitor's service-test API takes them.
//! Exit codes: 0 published (and acknowledged for QoS 1/2), 1 failed, 2 bad config or usage.

// The field doc comments here are clap's `--help` text, written for a terminal
// (`[[mqtt]]`, `<task>`); rustdoc would read them as links and HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use tick_handlers::config::Config;
use tick_handlers::mqtt::{MqttService, MqttSettings, Qos};

use crate::report;

#[derive(Debug, clap::Args)]
#[command(
    about = "Publish one test message to a configured service and report the result",
    after_help = "Examples:\n  tick service-test mqtt --config kapacitor.conf --topic test/tick\n  \
        tick service-test mqtt --config kapacitor.conf --broker edge --topic t --qos 2 --message hello\n\n\
        Exit status: 0 delivered, 1 failed (the reason is printed), 2 invalid configuration or usage."
)]
pub(crate) struct Args {
    /// The service to test: mqtt, or a handler service of the configuration (slack, teams, ...).
    #[arg(value_parser = service_names())]
    service: String,
    /// kapacitor.conf with the [[mqtt]] brokers.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Broker name; the default broker when omitted.
    #[arg(long, value_name = "NAME", default_value = "")]
    broker: String,
    /// Topic to publish to (used as is, not a template).
    #[arg(long, value_name = "TOPIC", default_value = "")]
    topic: String,
    /// Payload.
    #[arg(long, value_name = "TEXT", default_value = "test MQTT message")]
    message: String,
    /// 0, 1, 2, at-most-once, at-least-once or exactly-one.
    #[arg(long, value_name = "QOS", default_value = "at-most-once")]
    qos: String,
    /// Ask the broker to retain the message.
    #[arg(long)]
    retained: bool,
    /// The test's options as a JSON object, for services other than mqtt (slack:
    /// {"workspace": "ops", "channel": "#test"}); the service's defaults when omitted.
    #[arg(long, value_name = "JSON")]
    options: Option<String>,
    /// How long to wait for the connection and the acknowledgement, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    timeout: u64,
}

pub(crate) fn main(args: Args) -> anyhow::Result<ExitCode> {
    let (config, warnings) = Config::load(&args.config).map_err(|e| anyhow::anyhow!("{e}"))?;
    for w in warnings {
        report::stderr(&format!("{}: warning: {w}\n", args.config.display()));
    }
    let name = args.service.as_str();
    if name != "mqtt" {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the runtime")?;
        let timeout = Duration::from_secs(args.timeout.max(1));
        let result = runtime.block_on(async {
            tokio::time::timeout(
                timeout,
                tick_handlers::service_test(name, &config, args.options.as_deref()),
            )
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} s", timeout.as_secs())))
        });
        return Ok(print_result(name, result));
    }
    let qos = match args.qos.parse::<i64>() {
        Ok(n) => Qos::from_int(n),
        Err(_) => Qos::from_name(&args.qos),
    }
    .map_err(|e| anyhow::anyhow!("--qos: {e}"))?;
    let result = test_mqtt(&config, &args, qos)?;
    Ok(print_result(name, result))
}

/// `mqtt`, then every service the handlers know.
fn service_names() -> clap::builder::PossibleValuesParser {
    let mut names = vec!["mqtt"];
    names.extend(tick_handlers::service_names());
    clap::builder::PossibleValuesParser::new(names)
}

/// Prints Kapacitor's table (`%-20s%-10v%s`); exit 0 on success, 1 on failure.
fn print_result(name: &str, result: Result<(), String>) -> ExitCode {
    let (ok, message) = match result {
        Ok(()) => (true, String::new()),
        Err(e) => (false, e),
    };
    report::stdout(&format!(
        "{:<20}{:<10}{}\n{:<20}{:<10}{}\n",
        "Service", "Success", "Message", name, ok, message
    ));
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `Ok(Err(reason))` is a failed test; `Err` is a problem running it at all.
fn test_mqtt(config: &Config, args: &Args, qos: Qos) -> anyhow::Result<Result<(), String>> {
    let broker = match config.mqtt_broker(&args.broker) {
        Ok(b) => b.clone(),
        Err(e) => return Ok(Err(e)),
    };
    if args.topic.is_empty() {
        return Ok(Err("missing MQTT topic".to_owned()));
    }
    // Only the broker under test is connected.
    let only = Config {
        mqtt: vec![tick_handlers::config::MqttConfig {
            default: true,
            ..broker
        }],
        ..Config::default()
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let outcome = runtime.block_on(async {
        let settings = MqttSettings {
            connect_timeout: timeout,
            ..MqttSettings::default()
        };
        let svc = match MqttService::start(&only, settings) {
            Ok(s) => s,
            Err(e) => return Err(e.to_string()),
        };
        if let Err(e) = svc.wait_connected(timeout).await {
            return Err(e.to_string());
        }
        svc.publish("", &args.topic, args.message.as_bytes(), qos, args.retained)?;
        let report = svc.close(timeout).await;
        if report.lost() > 0 {
            let why = report.brokers.first().and_then(|b| b.last_error.clone());
            return Err(match why {
                Some(e) => format!("not acknowledged by the broker: {e}"),
                None => format!(
                    "not acknowledged by the broker within {} s",
                    timeout.as_secs()
                ),
            });
        }
        Ok(())
    });
    Ok(outcome)
}
