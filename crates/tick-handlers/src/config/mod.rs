//! `kapacitor.conf` as tick reads it, read once: one typed [`Config`] with one struct per
//! section that tick uses, each part of tick taking its own section. The `[[mqtt]]` sections
//! ([`MqttConfig`], in `mqtt.rs`; Kapacitor's `mqtt.Config`, `services/mqtt/config.go` at
//! v1.5.7) with Kapacitor's validation rules and messages; `KAPACITOR_<SECTION>_<KEY>` and
//! `KAPACITOR_<SECTION>_<i>_<KEY>` environment overrides of every section (`env.rs`); `[http]` and `default-retention-policy`
//! ([`HttpSection`], in `http.rs`); the top-level `hostname`; and one warning for every other
//! section of a real Kapacitor file. The top-level `data_dir` and `[alert] persist-topics`
//! ([`AlertSection`]) say where `tick run` keeps its alert state. Owns parsing and validation only (the TLS files named by
//! `[[mqtt]]` are read by `tls_files.rs`); connecting is `mqtt::delivery`'s job and serving
//! HTTP the binary's.
//!
//! One key is a tick extension that Kapacitor does not know: `persistent-session = true`
//! (default false, Kapacitor's clean session), see [`MqttConfig::persistent_session`].
//!
//! Secrets never leave this module in clear text except through [`Secret::expose`]: the
//! `Debug` and `Display` of a [`Secret`] print `***`, and [`BrokerUrl`] redacts the URL password.

mod env;
mod http;
mod influxdb;
mod mqtt;
pub(crate) mod tls_files;

use std::fmt;
use std::path::Path;

use toml::{Table, Value};

pub use http::HttpSection;
pub use influxdb::InfluxdbConfig;
pub use mqtt::{BrokerUrl, MqttConfig, Scheme};

/// A password or other secret: prints as `***` in `Debug` and `Display` output.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The clear text, for the one place that sends it (the MQTT CONNECT packet).
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// True when no secret was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The whole configuration tick uses from a `kapacitor.conf`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The `[[mqtt]]` sections in file order (enabled or not).
    pub mqtt: Vec<MqttConfig>,
    /// The top-level `hostname` (`.ServerInfo.Hostname` in alert templates; Kapacitor's
    /// default is `localhost`).
    pub hostname: Option<String>,
    /// `[http]` and `default-retention-policy`, for `tick run --http`.
    pub http: HttpSection,
    /// The sections of handler services (`[[slack]]`, ...), checked at load by their handler
    /// kind and read again by it when a handler is built.
    pub services: ServiceSections,
    /// The top-level `data_dir`: where `tick run` keeps its alert state (`tick-state.sqlite`)
    /// while [`AlertSection::persist_topics`] is on.
    pub data_dir: Option<String>,
    /// `[alert]`.
    pub alert: AlertSection,
    /// The `[[influxdb]]` sections in file order (Kapacitor's one default cluster at
    /// `http://localhost:8086` when the file has none), for `|influxDBOut()`.
    pub influxdb: Vec<InfluxdbConfig>,
}

/// The `[alert]` section (Kapacitor's `alert.Config`, services/alert/config.go at v1.5.7).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSection {
    /// `persist-topics`: keep the alert topics' state on disk (Kapacitor's default: true).
    pub persist_topics: bool,
}

impl Default for AlertSection {
    fn default() -> AlertSection {
        AlertSection {
            persist_topics: true,
        }
    }
}

/// Reads `[alert]`: `persist-topics`, with a warning for any other key.
fn alert_section(
    value: &Value,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<AlertSection, ConfigError> {
    let err = |message: &str| ConfigError::Setting {
        path: path.to_owned(),
        message: message.to_owned(),
    };
    let Value::Table(table) = value else {
        return Err(err("[alert] must be a table"));
    };
    let mut section = AlertSection::default();
    for (key, value) in table {
        match key.as_str() {
            "persist-topics" => {
                section.persist_topics = value
                    .as_bool()
                    .ok_or_else(|| err("[alert] persist-topics must be true or false"))?;
            }
            k => warnings.push(format!("[alert] unknown key {k:?}; ignored")),
        }
    }
    Ok(section)
}

/// The TOML of each handler service's section, by section name. `Debug` names the sections
/// only: their values hold URLs with tokens and passwords.
#[derive(Clone, Default, PartialEq)]
pub struct ServiceSections(std::collections::BTreeMap<String, Value>);

impl ServiceSections {
    /// The section's TOML, if the file has it.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

impl fmt::Debug for ServiceSections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// A configuration file that cannot be used. Every message names the file; section errors also
/// name the section (`[[mqtt]] #2 "edge"`) and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: cannot read configuration: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("{path}: invalid TOML: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// Where and what: the line, column and key, never the value (it may be a secret).
        message: String,
    },
    /// A key with a wrong type or value.
    #[error("{path}: {section}: {key}: {message}")]
    Key {
        /// The file.
        path: String,
        /// The section (`[[mqtt]] #2 "edge"`).
        section: String,
        /// The key.
        key: String,
        /// What is wrong with its value.
        message: String,
    },
    /// A rule about one section (Kapacitor's messages from `Config.Validate` and `Configs.Validate` in services/mqtt/config.go at v1.5.7, e.g. `must specify a url for mqtt service`).
    #[error("{path}: {section}: {message}")]
    Section {
        /// The file.
        path: String,
        /// The section (`[[mqtt]] #2 "edge"`).
        section: String,
        /// The rule it breaks.
        message: String,
    },
    /// A top-level setting, or a key of a single-table section such as `[http]`, with a wrong
    /// type or value (`[http] auth-enabled must be true or false`).
    #[error("{path}: {message}")]
    Setting {
        /// The file.
        path: String,
        /// The setting and what is wrong with it.
        message: String,
    },
    /// A rule about the whole `[[mqtt]]` list (`more than one configuration is marked as the default`).
    #[error("{path}: mqtt: {message}")]
    List {
        /// The file.
        path: String,
        /// The rule it breaks.
        message: String,
    },
}

/// A TOML syntax error in one line: where it is, what is wrong, and the line it is on, with
/// any value left out. A value may be a password, a token or a URL with a token in it, and
/// error messages end up in logs.
fn toml_error_message(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim_end().replace('\n', " ");
    let Some(start) = e.span().map(|s| s.start) else {
        return what;
    };
    let Some(before) = text.get(..start) else {
        return what;
    };
    let line_no = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let shown = match line.split_once('=') {
        Some((key, _)) => format!(": `{} = …`", key.trim()),
        None if line.starts_with('[') => format!(": `{line}`"),
        None => String::new(),
    };
    format!("line {line_no}, column {column}: {what}{shown}")
}

impl Config {
    /// Reads and validates `path`. Returns the configuration and warnings (ignored sections and
    /// keys, `[http]` keys tick does not act on; without the file name: the caller prefixes it)
    /// for the caller to print. `KAPACITOR_*` environment overrides apply.
    pub fn load(path: &Path) -> Result<(Config, Vec<String>), ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let env: Vec<(String, String)> = std::env::vars().collect();
        Config::parse(&text, &shown, &env)
    }

    /// Parses and validates TOML text; `path` is only used in messages. Relative certificate
    /// paths are taken relative to the current directory. No environment overrides.
    pub fn from_toml_str(text: &str, path: &str) -> Result<(Config, Vec<String>), ConfigError> {
        Config::parse(text, path, &[])
    }

    /// Like [`Config::from_toml_str`], with explicit `KAPACITOR_*` environment overrides.
    pub fn from_toml_str_with_env(
        text: &str,
        path: &str,
        env: &[(String, String)],
    ) -> Result<(Config, Vec<String>), ConfigError> {
        Config::parse(text, path, env)
    }

    /// The default broker: the one marked `default = true`, or the only one (`Configs.index` and `Service.Alert` in Kapacitor's services/mqtt at v1.5.7).
    pub fn default_mqtt(&self) -> Option<&MqttConfig> {
        if self.mqtt.len() == 1 {
            return self.mqtt.first();
        }
        self.mqtt.iter().find(|m| m.default)
    }

    /// Resolves a handler's broker name ("" = the default) to an **enabled** broker.
    /// The error is Kapacitor's `unknown MQTT broker "<name>"`.
    pub fn mqtt_broker(&self, name: &str) -> Result<&MqttConfig, String> {
        let found = if name.is_empty() {
            self.default_mqtt()
        } else {
            self.mqtt.iter().find(|m| m.name == name)
        };
        match found {
            Some(m) if m.enabled => Ok(m),
            _ => Err(format!("unknown MQTT broker {name:?}")),
        }
    }

    /// Resolves an `influxDBOut` node's `.cluster()` ("" = the default) to an **enabled**
    /// `[[influxdb]]` section, or Kapacitor's error.
    pub fn influxdb_cluster(&self, name: &str) -> Result<&InfluxdbConfig, String> {
        influxdb::cluster(&self.influxdb, name)
    }

    fn parse(
        text: &str,
        path: &str,
        env: &[(String, String)],
    ) -> Result<(Config, Vec<String>), ConfigError> {
        let mut table: Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Syntax {
                path: path.to_owned(),
                message: toml_error_message(text, &e),
            })?;
        let mut warnings = Vec::new();
        let mut sections = crate::registry::sections();
        sections.extend(["mqtt", "http", "influxdb"]);
        let sources = env::apply(&mut table, env, &sections, path, &mut warnings)?;
        let mut top_level_keys = Vec::new();
        let mut hostname = None;
        let mut data_dir = None;
        let mut alert = AlertSection::default();
        let mut mqtt_tables: Vec<Table> = Vec::new();
        let mut services = ServiceSections::default();
        for (key, value) in &table {
            if let Some(check) = crate::registry::section_check(key) {
                let (checked, unknown) = crate::service::with_unknown_keys(|| check(value));
                checked.map_err(|message| {
                    let vars: Vec<&str> = sources
                        .iter()
                        .filter(|s| &s.section == key)
                        .map(|s| s.var.as_str())
                        .collect();
                    let message = if vars.is_empty() {
                        message
                    } else {
                        format!(
                            "{message} (keys set from the environment: {})",
                            vars.join(", ")
                        )
                    };
                    ConfigError::Section {
                        path: path.to_owned(),
                        section: format!("[{key}]"),
                        message,
                    }
                })?;
                // Named, never valued: a misspelt key may hold a token.
                if !unknown.is_empty() {
                    let quoted: Vec<String> = unknown.iter().map(|k| format!("{k:?}")).collect();
                    let s = if unknown.len() == 1 { "" } else { "s" };
                    warnings.push(format!(
                        "[{key}] unknown key{s} {}; ignored",
                        quoted.join(", ")
                    ));
                }
                services.0.insert(key.clone(), value.clone());
                continue;
            }
            match (key.as_str(), value) {
                ("mqtt", value) => mqtt_tables = mqtt::tables(value, path)?,
                // Read by `influxdb::parse` below.
                ("influxdb", _) => {}
                // Read by `http::parse` below.
                ("http", _) | ("default-retention-policy", _) => {}
                ("hostname", Value::String(h)) => hostname = Some(h.clone()),
                ("hostname", _) => {
                    return Err(ConfigError::List {
                        path: path.to_owned(),
                        message: "hostname must be a string".to_owned(),
                    });
                }
                ("data_dir", Value::String(d)) => data_dir = Some(d.clone()),
                ("data_dir", _) => {
                    return Err(ConfigError::Setting {
                        path: path.to_owned(),
                        message: "data_dir must be a string".to_owned(),
                    });
                }
                ("alert", value) => alert = alert_section(value, path, &mut warnings)?,
                (k, Value::Table(_)) => {
                    warnings.push(format!("section [{k}] is not used by tick; ignored"))
                }
                (k, Value::Array(items))
                    if items.iter().all(|v| v.is_table()) && !items.is_empty() =>
                {
                    warnings.push(format!("section [[{k}]] is not used by tick; ignored"))
                }
                (k, _) => top_level_keys.push(k.to_owned()),
            }
        }
        if !top_level_keys.is_empty() {
            warnings.push(format!(
                "top-level settings {} are not used by tick; ignored",
                top_level_keys.join(", ")
            ));
        }
        let mqtt = mqtt::parse(mqtt_tables, path, &mut warnings)?;
        // After the other sections' warnings: `tick run --http` printed these last when it
        // read them itself.
        let http = http::parse(&table, path, &mut warnings)?;
        let influxdb = influxdb::parse(table.get("influxdb"), path, &mut warnings)?;
        let config = Config {
            influxdb,
            mqtt,
            hostname,
            http,
            services,
            data_dir,
            alert,
        };
        config.validate(path)?;
        Ok((config, warnings))
    }

    fn validate(&self, path: &str) -> Result<(), ConfigError> {
        mqtt::validate(&self.mqtt, path)
    }
}
