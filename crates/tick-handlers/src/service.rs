//! What the sections of handler services in `kapacitor.conf` share: a section is one table
//! (`[slack]`) or a list of them (`[[slack]]`), each named (`workspace = "ops"`), one of them
//! the default (the only one, or the one with `default = true`), as Kapacitor's `listmap`
//! reads them (`listmap/listmap.go` at v1.5.7). Owns reading a section into its kind's
//! config type and finding a named config; each kind owns its keys and rules.

use std::cell::RefCell;

use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::registry::Global;

thread_local! {
    /// The keys that decoding left unread, while [`with_unknown_keys`] runs.
    static UNKNOWN: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Runs `check` (a kind's `check_section`) and returns its result with the keys of the
/// section that the kind's config type does not know, as every section read through
/// [`Section::read`] or [`read_table`] in the meantime reports them (`basic-auth.x` for a
/// nested key), each once, in key order.
pub(crate) fn with_unknown_keys<T>(check: impl FnOnce() -> T) -> (T, Vec<String>) {
    UNKNOWN.with(|u| *u.borrow_mut() = Some(Vec::new()));
    let result = check();
    let keys = UNKNOWN.with(|u| u.borrow_mut().take()).unwrap_or_default();
    (result, keys)
}

/// Decodes one table into `C`, noting the keys `C` does not read.
fn decode<C: DeserializeOwned>(table: toml::Value) -> Result<C, toml::de::Error> {
    serde_ignored::deserialize(table, |path| {
        let key = path.to_string();
        UNKNOWN.with(|u| {
            if let Some(keys) = u.borrow_mut().as_mut()
                && !keys.contains(&key)
            {
                keys.push(key);
            }
        });
    })
}

/// One config of a named, multi-config service section.
pub(crate) trait ServiceConfig {
    /// The config's name (`workspace`), `""` when unnamed.
    fn name(&self) -> &str;
    /// `default = true`.
    fn is_default(&self) -> bool;
    /// Marks the config as the default (the only config of a section is).
    fn set_default(&mut self);
}

/// Kapacitor's rules for a service with several named `[[x]]` configs (`Configs.Validate` of
/// services/slack/config.go and services/discord/config.go at v1.5.7), message for message:
/// for each config in file order, its own rules (`own`), then a name when there are several,
/// `global` only on the default and `state-changes-only` only with both (`flags`: global,
/// state-changes-only); then at least one default. `service` names it (`Slack`).
pub(crate) fn check_workspaces<C: ServiceConfig>(
    configs: &[C],
    service: &str,
    own: impl Fn(&C) -> Result<(), String>,
    flags: impl Fn(&C) -> (bool, bool),
) -> Result<(), String> {
    let mut has_default = configs.len() == 1;
    for c in configs {
        own(c)?;
        if configs.len() > 1 && c.name().is_empty() {
            return Err("id must not be empty".to_string());
        }
        has_default |= c.is_default();
        let (global, state_changes_only) = flags(c);
        if global && !c.is_default() {
            return Err("only the default config may be assigned as global".to_string());
        }
        if state_changes_only && (!c.is_default() || !global) {
            return Err(
                "stateChangesOnly may only be assigned when the config is both default and global"
                    .to_string(),
            );
        }
    }
    if !configs.is_empty() && !has_default {
        return Err(format!(
            "at least one {service} config must be set as default"
        ));
    }
    Ok(())
}

/// A service section: its configs in file order.
#[derive(Debug, Clone)]
pub(crate) struct Section<C> {
    pub(crate) configs: Vec<C>,
}

impl<C> Default for Section<C> {
    fn default() -> Self {
        Section {
            configs: Vec::new(),
        }
    }
}

impl<C: ServiceConfig + DeserializeOwned> Section<C> {
    /// Reads `[name]` or `[[name]]`. The message names the key at fault, never a value.
    pub(crate) fn read(value: &toml::Value) -> Result<Section<C>, String> {
        let tables = match value {
            toml::Value::Table(t) => vec![t.clone()],
            toml::Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.as_table()
                        .cloned()
                        .ok_or_else(|| "must be a table or a list of tables".to_string())
                })
                .collect::<Result<_, _>>()?,
            _ => return Err("must be a table or a list of tables".to_string()),
        };
        let mut configs = tables
            .into_iter()
            .map(|t| {
                decode::<C>(toml::Value::Table(t)).map_err(|e| {
                    // toml's message quotes a mistyped value, which may be a token: only the
                    // expected type is kept.
                    let text = e.message().to_string();
                    match text.rsplit_once(", expected ") {
                        Some((what, expected)) if what.starts_with("invalid type") => {
                            format!("a key has the wrong type: expected {expected}")
                        }
                        _ => text,
                    }
                })
            })
            .collect::<Result<Vec<C>, String>>()?;
        if let [only] = configs.as_mut_slice() {
            only.set_default();
        }
        Ok(Section { configs })
    }

    /// The config named `name`; `""` is the default one.
    pub(crate) fn find(&self, name: &str) -> Option<&C> {
        if name.is_empty() {
            self.configs.iter().find(|c| c.is_default())
        } else {
            self.configs.iter().find(|c| c.name() == name)
        }
    }
}

/// Kapacitor's own API URL, which PagerDuty requests carry as `client_url`: `httpd.Service.URL` (the address its listener
/// has, then `/kapacitor/v1`). tick takes `[http] bind-address` (default `:9092`) as a Go
/// listener would show it: an empty host is `[::]`, `localhost` is `127.0.0.1`.
pub(crate) fn kapacitor_url(config: &Config) -> String {
    let bind = config.http.bind_address.as_deref().unwrap_or(":9092");
    let (host, port) = bind.rsplit_once(':').unwrap_or((bind, "9092"));
    let host = match host {
        "" => "[::]",
        "localhost" => "127.0.0.1",
        h => h,
    };
    format!("http://{host}:{port}/kapacitor/v1")
}

/// Reads a single-table section (`[pagerduty]`) into its config type; a wrong type is reported
/// without the value, which may be a token.
pub(crate) fn read_table<C: DeserializeOwned>(section: &toml::Value) -> Result<C, String> {
    if !section.is_table() {
        return Err("must be a table".to_string());
    }
    decode::<C>(section.clone()).map_err(|_| "a key has the wrong type".to_string())
}

/// The wall clock in whole seconds since the Unix epoch, for the service tests that send
/// "now" (Kapacitor's `time.Now()` in their `TestOptions`).
pub(crate) fn unix_now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The `global` and `state-changes-only` keys of a section's default config (the table of
/// `[x]`; of `[[x]]`, the one with `default = true` or the only one), as most kinds'
/// `HandlerKind::global` reads them.
pub(crate) fn global_keys(section: &toml::Value) -> Global {
    let default = match section {
        toml::Value::Array(items) if items.len() == 1 => items.first(),
        toml::Value::Array(items) => items
            .iter()
            .find(|t| t.get("default").and_then(toml::Value::as_bool) == Some(true)),
        table => Some(table),
    };
    let flag = |key: &str| {
        default
            .and_then(|t| t.get(key))
            .and_then(toml::Value::as_bool)
            .unwrap_or(false)
    };
    // `newAlertNode` (alert.go at v1.5.7) makes a node stateChangesOnly only when the
    // service is global *and* state-changes-only.
    let global = flag("global");
    Global {
        handler: global,
        state_changes_only: global && flag("state-changes-only"),
    }
}

/// A service whose `kapacitor.conf` section is one table (`[alerta]`): its name, what it needs
/// to be usable, whether it is enabled, and Kapacitor's `Config.Validate` for it.
pub(crate) trait SingleSection: DeserializeOwned {
    /// The section's name (`alerta` for `[alerta]`).
    const NAME: &'static str;
    /// What a user must add besides `enabled = true`, for the message when the section is
    /// missing (`"a url"`).
    const NEEDS: &'static str;
    /// `enabled = true`.
    fn enabled(&self) -> bool;
    /// Kapacitor's `Config.Validate`, message for message (values never quoted: they may be
    /// secrets).
    fn validate(&self) -> Result<(), String>;
}

/// Reads and validates a single-table section.
pub(crate) fn read_section<C: SingleSection>(section: &toml::Value) -> Result<C, String> {
    let c: C = read_table(section)?;
    c.validate()?;
    Ok(c)
}

/// The section of `C` from the configuration, which must be there and enabled (Kapacitor only
/// notices a missing or disabled service at the first alert; tick refuses to start).
pub(crate) fn enabled_section<C: SingleSection>(config: &Config) -> Result<C, String> {
    let Some(section) = config.services.get(C::NAME) else {
        return Err(format!(
            "service is not enabled: add a [{}] section with enabled = true and {} to the file \
             given with --config",
            C::NAME,
            C::NEEDS
        ));
    };
    let c: C = read_section(section)?;
    if !c.enabled() {
        return Err("service is not enabled".to_string());
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_changes_only_counts_only_with_global_as_in_new_alert_node() {
        let keys = |toml: &str| global_keys(&toml::from_str::<toml::Value>(toml).unwrap());
        let none = Global::default();
        assert_eq!(keys("state-changes-only = true"), none);
        assert_eq!(
            keys("global = true"),
            Global {
                handler: true,
                state_changes_only: false
            }
        );
        assert_eq!(
            keys("global = true\nstate-changes-only = true"),
            Global {
                handler: true,
                state_changes_only: true
            }
        );
    }

    #[test]
    fn the_client_url_is_the_listener_address_kapacitor_would_have() {
        let mut config = Config::default();
        assert_eq!(kapacitor_url(&config), "http://[::]:9092/kapacitor/v1");
        config.http.bind_address = Some("127.0.0.1:47581".to_string());
        assert_eq!(
            kapacitor_url(&config),
            "http://127.0.0.1:47581/kapacitor/v1"
        );
    }
}
