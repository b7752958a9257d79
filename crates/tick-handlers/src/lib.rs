//! Alert handlers (Kapacitor's services/alert and the services it delivers to, at v1.5.7): the
//! handler catalogue given to the engine, the handlers themselves (log, tcp, exec, post,
//! publish, mqtt, slack, teams, victorOps, pagerDuty, pagerDuty2, discord, telegram, opsGenie,
//! opsGenie2, pushover, sensu, alerta, serviceNow, bigPanda, snmpTrap, email, zenoss; each one
//! module found by its name in `registry.rs`), topic handler files and the delivery queues that
//! run them off the pipeline thread.
//!
//! Entry points: [`specs`] (TICKscript catalogue for the compiler), [`check_use`] and
//! [`check_use_with_config`] (checks for `tick check`), [`service_test`] (`tick service-test`), [`Handler::from_use`] and [`Handler::from_file_spec`] (building),
//! [`handler_file::load_paths`] (`--handler FILE_OR_DIR`) and [`Dispatcher`] (bounded, ordered
//! per-handler queues). The library never prints: every report goes through `tracing`.
//!
//! Three modules are public because their names say what their items are about:
//! [`config`] (`kapacitor.conf`, one typed [`config::Config`] with a struct per section),
//! [`mqtt`] (the brokers: [`mqtt::MqttService`], its settings and reports) and
//! [`handler_file`] (topic handler files). Everything else a caller uses is re-exported here;
//! the other modules are private. The per-kind handler and options types are re-exported
//! under their kind's name ([`LogOptions`], [`TcpHandler`], ...) because [`HandlerOptions`] and
//! [`Handler`] hold them.

#![warn(missing_docs)]

mod alert_json;
mod alerta;
mod arguments;
mod bigpanda;
pub mod config;
mod discord;
mod dispatch;
mod email;
mod error;
mod exec;
pub mod handler_file;
mod handler_template;
mod http;
mod http_post_node;
mod influxdb_out;
mod log;
pub mod mqtt;
mod opsgenie;
mod opsgenie2;
mod pagerduty;
mod pagerduty2;
mod post;
mod publish;
mod pushover;
mod registry;
mod sensu;
mod service;
mod servicenow;
mod slack;
mod snmptrap;
mod tcp;
mod teams;
mod telegram;
mod unsupported;
mod victorops;
mod zenoss;

pub use alerta::{AlertaHandler, Options as AlertaOptions};
pub use bigpanda::{BigPandaHandler, Options as BigPandaOptions};
pub use discord::{DiscordHandler, Options as DiscordOptions};
pub use dispatch::{DispatchOptions, Dispatcher, DrainReport, HandlerStats, WhenFull};
pub use email::{EmailHandler, Options as EmailOptions};
pub use error::{BuildError, HandlerError, HandlerFileError};
pub use exec::{ExecHandler, Options as ExecOptions};
pub use handler_file::{HandlerOptions, TopicHandlerSpec};
pub use http_post_node::NodePosters;
pub use influxdb_out::{InfluxDbOutStats, InfluxDbSink, InfluxDbWriters};
pub use log::{LogHandler, Options as LogOptions};
pub use opsgenie::{OpsGenieHandler, Options as OpsGenieOptions};
pub use opsgenie2::{OpsGenie2Handler, Options as OpsGenie2Options};
pub use pagerduty::{Options as PagerDutyOptions, PagerDutyHandler};
pub use pagerduty2::{Link as PagerDuty2Link, Options as PagerDuty2Options, PagerDuty2Handler};
pub use post::{Options as PostOptions, PostHandler, row_template as httppost_row_template};
pub use publish::{Options as PublishOptions, PublishHandler, Republish};
pub use pushover::{Options as PushoverOptions, PushoverHandler};
pub use registry::{
    Globals, Handler, Services, check_use, check_use_with_config, globals, service_names,
    service_test, specs,
};
pub use sensu::{Options as SensuOptions, SensuHandler};
pub use servicenow::{Options as ServiceNowOptions, ServiceNowHandler};
pub use slack::{Options as SlackOptions, SlackHandler};
pub use snmptrap::{Data as SnmpTrapData, Options as SnmpTrapOptions, SnmpTrapHandler};
pub use tcp::{Options as TcpOptions, TcpHandler};
pub use teams::{Options as TeamsOptions, TeamsHandler};
pub use telegram::{Options as TelegramOptions, TelegramHandler};
pub use unsupported::{Options as UnsupportedOptions, UnsupportedHandler};
pub use victorops::{Options as VictorOpsOptions, VictorOpsHandler};
pub use zenoss::{Options as ZenossOptions, ZenossHandler};
