//! The `[[influxdb]]` sections of `kapacitor.conf` (Kapacitor's `influxdb.Config`,
//! services/influxdb/config.go at v1.5.7), for `|influxDBOut()`: the keys tick uses (`name`,
//! `default`, `enabled`, `urls`, `username`, `password`, `ssl-ca`, `ssl-cert`, `ssl-key`,
//! `insecure-skip-verify`, `timeout`), Kapacitor's rules for the list (`Config.Validate` in
//! server/config.go) and which cluster a node's `.cluster()` names (`Service.NewNamedClient`,
//! services/influxdb/service.go). Owns parsing and validation; writing is
//! `crate::influxdb_out`'s.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use tick_syntax::duration::{DurationSyntax, parse_duration};
use toml::Value;

use super::{ConfigError, Secret};

/// One `[[influxdb]]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct InfluxdbConfig {
    /// `enabled` (Kapacitor's default: true).
    pub enabled: bool,
    /// `name` (default `default`).
    pub name: String,
    /// `default`.
    pub default: bool,
    /// `urls`: tried in turn, one request each, as Kapacitor's client does.
    pub urls: Vec<String>,
    /// `username`; with a non-empty one, requests carry basic authentication.
    pub username: String,
    /// `password`.
    pub password: Secret,
    /// `ssl-ca`.
    pub ssl_ca: Option<PathBuf>,
    /// `ssl-cert`.
    pub ssl_cert: Option<PathBuf>,
    /// `ssl-key`.
    pub ssl_key: Option<PathBuf>,
    /// `insecure-skip-verify`.
    pub insecure_skip_verify: bool,
    /// `timeout`: the bound on each request; `None` when 0 or unset (Kapacitor then waits
    /// without limit; tick uses [`InfluxdbConfig::DEFAULT_TIMEOUT`]).
    pub timeout: Option<Duration>,
}

impl InfluxdbConfig {
    /// The bound on a request when `timeout` is 0 or unset. **Deviation:** Kapacitor's client
    /// has none, so one InfluxDB that accepts a connection and never answers stops its writes
    /// for good.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// Kapacitor's `NewConfig`: what a file without `[[influxdb]]` gets.
    fn kapacitor_default() -> InfluxdbConfig {
        InfluxdbConfig {
            enabled: true,
            name: "default".to_string(),
            default: false,
            urls: vec!["http://localhost:8086".to_string()],
            username: String::new(),
            password: Secret::default(),
            ssl_ca: None,
            ssl_cert: None,
            ssl_key: None,
            insecure_skip_verify: false,
            timeout: None,
        }
    }

    /// The bound on each request.
    pub fn request_timeout(&self) -> Duration {
        self.timeout.unwrap_or(Self::DEFAULT_TIMEOUT)
    }
}

/// The keys of Kapacitor's section that only its subscriptions and UDP listener use.
const SUBSCRIPTION_KEYS: &[&str] = &[
    "disable-subscriptions",
    "subscription-protocol",
    "subscription-mode",
    "subscriptions",
    "excluded-subscriptions",
    "kapacitor-hostname",
    "http-port",
    "udp-bind",
    "udp-buffer",
    "udp-read-buffer",
    "startup-timeout",
    "subscriptions-sync-interval",
];

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Raw {
    enabled: Option<bool>,
    name: Option<String>,
    #[serde(default)]
    default: bool,
    urls: Option<Value>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    ssl_ca: Option<String>,
    ssl_cert: Option<String>,
    ssl_key: Option<String>,
    #[serde(default)]
    insecure_skip_verify: bool,
    timeout: Option<Value>,
}

/// Reads the `influxdb` key (`None`: the file has none, so Kapacitor's default cluster).
///
/// Long because it is Kapacitor's `Config.Validate` for the section (services/influxdb/config.go
/// at v1.5.7) in its order, key by key, each with its own message, read top to bottom.
pub(super) fn parse(
    value: Option<&Value>,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<InfluxdbConfig>, ConfigError> {
    let Some(value) = value else {
        return Ok(vec![InfluxdbConfig::kapacitor_default()]);
    };
    let list_err = |message: String| ConfigError::Setting {
        path: path.to_owned(),
        message,
    };
    let tables: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Table(_) => vec![value],
        _ => {
            return Err(list_err(
                "influxdb must be a list of [[influxdb]] sections".into(),
            ));
        }
    };
    let mut list = Vec::with_capacity(tables.len());
    for (i, table) in tables.into_iter().enumerate() {
        let section = format!("[[influxdb]] #{}", i + 1);
        let mut unused = Vec::new();
        let raw: Raw = serde_ignored::deserialize(table.clone(), |p| unused.push(p.to_string()))
            .map_err(|e| ConfigError::Section {
                path: path.to_owned(),
                section: section.clone(),
                // toml quotes a mistyped value, which may be a password: the type only.
                message: match e.message().rsplit_once(", expected ") {
                    Some((_, expected)) => format!("a key has the wrong type: expected {expected}"),
                    None => "a key has the wrong type".to_string(),
                },
            })?;
        let defaults = InfluxdbConfig::kapacitor_default();
        let name = raw.name.unwrap_or(defaults.name);
        let section = format!("{section} {name:?}");
        let key_err = |key: &str, message: String| ConfigError::Key {
            path: path.to_owned(),
            section: section.clone(),
            key: key.to_owned(),
            message,
        };
        let timeout = match raw.timeout {
            None => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => {
                let ns = parse_duration(&s, DurationSyntax::Go)
                    .map_err(|_| key_err("timeout", format!("invalid duration {s:?}")))?;
                u64::try_from(ns)
                    .ok()
                    .filter(|n| *n > 0)
                    .map(Duration::from_nanos)
            }
            Some(Value::Integer(n)) => u64::try_from(n)
                .ok()
                .filter(|n| *n > 0)
                .map(Duration::from_nanos),
            Some(_) => {
                return Err(key_err(
                    "timeout",
                    "expected a duration such as \"10s\"".into(),
                ));
            }
        };
        let mut ignored: Vec<String> = unused
            .into_iter()
            .filter(|k| !SUBSCRIPTION_KEYS.contains(&k.as_str()))
            .collect();
        ignored.sort();
        if !ignored.is_empty() {
            warnings.push(format!(
                "{section} unknown keys {}; ignored",
                ignored
                    .iter()
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        // A list, or (as `KAPACITOR_INFLUXDB_0_URLS` gives it) one string of comma-separated
        // URLs, as Kapacitor's environment overrides split a list.
        let urls = match raw.urls {
            None => defaults.urls,
            Some(Value::String(s)) => s.split(',').map(|u| u.trim().to_string()).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| key_err("urls", "expected a list of strings".into()))?,
            Some(_) => return Err(key_err("urls", "expected a list of strings".into())),
        };
        let config = InfluxdbConfig {
            enabled: raw.enabled.unwrap_or(true),
            name,
            default: raw.default,
            urls,
            username: raw.username,
            password: Secret::new(raw.password),
            ssl_ca: raw.ssl_ca.filter(|s| !s.is_empty()).map(PathBuf::from),
            ssl_cert: raw.ssl_cert.filter(|s| !s.is_empty()).map(PathBuf::from),
            ssl_key: raw.ssl_key.filter(|s| !s.is_empty()).map(PathBuf::from),
            insecure_skip_verify: raw.insecure_skip_verify,
            timeout,
        };
        validate_one(&config, &key_err, |m| ConfigError::Section {
            path: path.to_owned(),
            section: section.clone(),
            message: m,
        })?;
        if list.iter().any(|c: &InfluxdbConfig| c.name == config.name) {
            return Err(list_err(format!(
                "duplicate name {:?} for influxdb configs",
                config.name
            )));
        }
        list.push(config);
    }
    let mut default: Option<&InfluxdbConfig> = None;
    for c in list.iter().filter(|c| c.enabled && c.default) {
        if let Some(d) = default {
            return Err(list_err(format!(
                "More than one InfluxDB default was specified: {} {}",
                c.name, d.name
            )));
        }
        default = Some(c);
    }
    if list.iter().filter(|c| c.enabled).count() > 1 && default.is_none() {
        return Err(list_err(
            "at least one of the enabled InfluxDB clusters must be marked as default.".into(),
        ));
    }
    Ok(list)
}

/// Kapacitor's `Config.Validate` for one section, with its messages.
fn validate_one(
    c: &InfluxdbConfig,
    key_err: &dyn Fn(&str, String) -> ConfigError,
    section_err: impl Fn(String) -> ConfigError,
) -> Result<(), ConfigError> {
    if c.name.is_empty() {
        return Err(section_err("influxdb cluster must be given a name".into()));
    }
    let valid = |ch: char| ch.is_alphanumeric() || matches!(ch, '-' | '.' | '_');
    if !c.name.chars().all(valid) {
        return Err(section_err(
            "influxdb cluster name must contain only numbers, letters or '.', '-', and '_' characters"
                .into(),
        ));
    }
    if c.urls.is_empty() {
        return Err(section_err("must specify at least one InfluxDB URL".into()));
    }
    if !c.enabled {
        return Ok(());
    }
    for u in &c.urls {
        match reqwest::Url::parse(u) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            // The URL may hold a password: never shown.
            _ => {
                return Err(key_err(
                    "urls",
                    "every URL must be an http:// or https:// URL".into(),
                ));
            }
        }
    }
    match (&c.ssl_cert, &c.ssl_key) {
        (Some(_), None) => Err(section_err(
            "Must provide both key and cert files: only cert file provided.".into(),
        )),
        (None, Some(_)) => Err(section_err(
            "Must provide both key and cert files: only key file provided.".into(),
        )),
        _ => Ok(()),
    }
}

/// The enabled cluster `name` names (`""`: the default one: the only enabled cluster, else the
/// enabled one marked `default`), or Kapacitor's error (`NewNamedClient` and
/// `newInfluxDBOutNode`, at v1.5.7).
/// Without a configuration file, Kapacitor's default cluster too.
pub(super) fn cluster<'a>(
    list: &'a [InfluxdbConfig],
    name: &str,
) -> Result<&'a InfluxdbConfig, String> {
    static DEFAULT: std::sync::LazyLock<[InfluxdbConfig; 1]> =
        std::sync::LazyLock::new(|| [InfluxdbConfig::kapacitor_default()]);
    let list: &'a [InfluxdbConfig] = if list.is_empty() { &*DEFAULT } else { list };
    let enabled: Vec<&InfluxdbConfig> = list.iter().filter(|c| c.enabled).collect();
    if enabled.is_empty() {
        return Err("no InfluxDB cluster configured cannot use the InfluxDBOutNode".into());
    }
    let found = if name.is_empty() {
        match enabled.as_slice() {
            [only] => Some(*only),
            _ => enabled.iter().copied().find(|c| c.default),
        }
    } else {
        enabled.iter().copied().find(|c| c.name == name)
    };
    found.ok_or_else(|| format!("failed to get InfluxDB client: no such InfluxDB config {name}"))
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn sections_are_read_with_kapacitors_defaults_and_rules() {
        let (c, warnings) = Config::from_toml_str(
            "[[influxdb]]\n  name = \"a\"\n  urls = [\"http://127.0.0.1:1\"]\n  timeout = \"5s\"\n  \
             disable-subscriptions = true\n  colour = 1\n",
            "k.conf",
        )
        .expect("config");
        assert_eq!(
            warnings,
            vec!["[[influxdb]] #1 \"a\" unknown keys \"colour\"; ignored"]
        );
        let a = c
            .influxdb_cluster("")
            .expect("the only enabled one is the default");
        assert_eq!(a.name, "a");
        assert_eq!(a.timeout, Some(std::time::Duration::from_secs(5)));
        assert_eq!(
            c.influxdb_cluster("b").map(|c| c.name.clone()),
            Err("failed to get InfluxDB client: no such InfluxDB config b".to_string())
        );
        let (none, _) = Config::from_toml_str("", "k.conf").expect("config");
        assert_eq!(
            none.influxdb_cluster("").map(|c| c.urls.clone()),
            Ok(vec!["http://localhost:8086".to_string()])
        );
        let two = Config::from_toml_str(
            "[[influxdb]]\n  name = \"a\"\n[[influxdb]]\n  name = \"b\"\n",
            "k.conf",
        );
        assert_eq!(
            two.map(|_| ()).map_err(|e| e.to_string()),
            Err(
                "k.conf: at least one of the enabled InfluxDB clusters must be marked as default."
                    .to_string()
            )
        );
    }

    #[test]
    fn urls_can_come_from_the_environment() {
        let env = vec![(
            "KAPACITOR_INFLUXDB_0_URLS".to_string(),
            "http://10.0.0.1:8086,http://10.0.0.2:8086".to_string(),
        )];
        let (c, _) = Config::from_toml_str_with_env(
            "[[influxdb]]\n  name = \"a\"\n  urls = [\"http://127.0.0.1:1\"]\n",
            "k.conf",
            &env,
        )
        .expect("config");
        assert_eq!(
            c.influxdb[0].urls,
            vec!["http://10.0.0.1:8086", "http://10.0.0.2:8086"]
        );
    }
}
