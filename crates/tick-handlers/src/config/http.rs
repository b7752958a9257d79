//! The `[http]` section of `kapacitor.conf` and the top-level `default-retention-policy`: the
//! keys `tick run --http` honours, and a warning for each key of Kapacitor's `[http]`
//! (`services/httpd/config.go` at v1.5.7) that it reads but does not act on. Owns reading and
//! checking the keys; serving HTTP is the `tick` binary's.

use std::time::Duration;

use tick_syntax::duration::{DurationSyntax, parse_duration};
use toml::{Table, Value};

use super::ConfigError;

/// The `[http]` keys of `kapacitor.conf` that tick honours, with the top-level
/// `default-retention-policy` that HTTP writes use.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSection {
    /// `[http] bind-address`.
    pub bind_address: Option<String>,
    /// `[http] auth-enabled`: tick has no users, so it refuses to start rather than serve openly.
    pub auth_enabled: bool,
    /// `[http] https-enabled`: tick serves plain HTTP only, so it refuses to start rather than
    /// serve in clear text what the file asks to encrypt.
    pub https_enabled: bool,
    /// `[http] shutdown-timeout`: how long requests in flight may take at shutdown (Kapacitor's
    /// default, 10 s).
    pub shutdown_timeout: Duration,
    /// The top-level `default-retention-policy`, given to writes without `rp` (Kapacitor's
    /// `Config.DefaultRetentionPolicy`, `server/config.go` at v1.5.7).
    pub default_retention_policy: String,
}

impl Default for HttpSection {
    fn default() -> HttpSection {
        HttpSection {
            bind_address: None,
            auth_enabled: false,
            https_enabled: false,
            shutdown_timeout: Duration::from_secs(10),
            default_retention_policy: String::new(),
        }
    }
}

/// `[http]` keys of Kapacitor's (`services/httpd/config.go` at v1.5.7) that tick reads but does
/// not act on: each present one is named in a warning.
const IGNORED_HTTP_KEYS: &[&str] = &[
    "log-enabled",
    "write-tracing",
    "pprof-enabled",
    "https-certificate",
    "https-private-key",
    "shared-secret",
];

/// Reads the `[http]` keys and `default-retention-policy` from the file's top-level `table`,
/// adding a warning for each key that tick does not act on. `path` is only used in messages.
pub(super) fn parse(
    table: &Table,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<HttpSection, ConfigError> {
    let err = |message: String| ConfigError::Setting {
        path: path.to_owned(),
        message,
    };
    let mut section = HttpSection::default();
    if let Some(rp) = table.get("default-retention-policy") {
        section.default_retention_policy = rp
            .as_str()
            .ok_or_else(|| err("default-retention-policy must be a string".to_owned()))?
            .to_string();
    }
    let Some(http) = table.get("http") else {
        return Ok(section);
    };
    let Value::Table(http) = http else {
        return Err(err("[http] must be a table".to_owned()));
    };
    let flag = |key: &str| -> Result<bool, ConfigError> {
        match http.get(key) {
            None => Ok(false),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| err(format!("[http] {key} must be true or false"))),
        }
    };
    section.auth_enabled = flag("auth-enabled")?;
    section.https_enabled = flag("https-enabled")?;
    let mut ignored = Vec::new();
    for (key, value) in http {
        match key.as_str() {
            "bind-address" => {
                let addr = value
                    .as_str()
                    .ok_or_else(|| err("[http] bind-address must be a string".to_owned()))?;
                section.bind_address = Some(addr.to_string());
            }
            "auth-enabled" | "https-enabled" => {}
            "shutdown-timeout" => {
                let text = value.as_str().ok_or_else(|| {
                    err("[http] shutdown-timeout must be a duration such as \"10s\"".to_owned())
                })?;
                // Kapacitor reads it as a `toml.Duration`, that is with Go's
                // `time.ParseDuration`; a negative timeout means nothing here.
                let nanos = parse_duration(text, DurationSyntax::Go)
                    .ok()
                    .and_then(|n| u64::try_from(n).ok())
                    .ok_or_else(|| {
                        err(format!(
                            "[http] shutdown-timeout: invalid duration {text:?} (e.g. 10s, 500ms, 1m30s)"
                        ))
                    })?;
                section.shutdown_timeout = Duration::from_nanos(nanos);
            }
            k if IGNORED_HTTP_KEYS.contains(&k) => ignored.push(k.to_string()),
            k => warnings.push(format!("[http] unknown key {k:?}; ignored")),
        }
    }
    if !ignored.is_empty() {
        warnings.push(format!(
            "[http] {} not honoured by tick; ignored",
            ignored.join(", ")
        ));
    }
    Ok(section)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn section(text: &str) -> (HttpSection, Vec<String>) {
        let table: Table = text.parse().unwrap();
        let mut warnings = Vec::new();
        let section = parse(&table, "kapacitor.conf", &mut warnings).unwrap();
        (section, warnings)
    }

    #[test]
    fn config_reads_bind_address_auth_and_default_rp() {
        let text = "default-retention-policy = \"autogen\"\n[http]\n  bind-address = \":9999\"\n  auth-enabled = true\n[[mqtt]]\n  name = \"x\"\n";
        let (config, warnings) = section(text);
        assert_eq!(
            config,
            HttpSection {
                bind_address: Some(":9999".into()),
                auth_enabled: true,
                default_retention_policy: "autogen".into(),
                ..HttpSection::default()
            }
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(section("").0, HttpSection::default());
    }

    #[test]
    fn config_reads_https_and_shutdown_timeout_and_names_every_key_it_ignores() {
        // The [http] section of Kapacitor's sample kapacitor.conf (etc/kapacitor/kapacitor.conf
        // at v1.5.7), plus one misspelt key.
        let text = "[http]\n  bind-address = \":9092\"\n  auth-enabled = false\n  log-enabled = true\n  write-tracing = false\n  pprof-enabled = false\n  https-enabled = true\n  https-certificate = \"/etc/ssl/kapacitor.pem\"\n  shutdown-timeout = \"2s\"\n  bind-adress = \":1\"\n";
        let (config, warnings) = section(text);
        assert!(config.https_enabled);
        assert_eq!(config.shutdown_timeout, Duration::from_secs(2));
        assert_eq!(
            warnings,
            [
                "[http] unknown key \"bind-adress\"; ignored",
                "[http] https-certificate, log-enabled, pprof-enabled, write-tracing not honoured by tick; ignored",
            ]
        );
    }

    #[test]
    fn wrong_types_and_bad_durations_are_errors_naming_the_key() {
        let err = |text: &str| {
            let table: Table = text.parse().unwrap();
            parse(&table, "k.conf", &mut Vec::new())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("[http]\n  auth-enabled = \"yes\"\n"),
            "k.conf: [http] auth-enabled must be true or false"
        );
        assert_eq!(
            err("default-retention-policy = 1\n"),
            "k.conf: default-retention-policy must be a string"
        );
        assert_eq!(
            err("[http]\n  shutdown-timeout = \"soon\"\n"),
            "k.conf: [http] shutdown-timeout: invalid duration \"soon\" (e.g. 10s, 500ms, 1m30s)"
        );
    }
}
