//! The `[[mqtt]]` sections of `kapacitor.conf` (Kapacitor's `mqtt.Config`,
//! `services/mqtt/config.go` at v1.5.7): their keys, broker URLs, and Kapacitor's rules and messages for the list and each section.
//! Owns parsing and validation; the TLS files are read by `tls_files.rs`, connecting is
//! `crate::mqtt`'s.

use std::fmt;
use std::path::PathBuf;

use toml::{Table, Value};

use super::{ConfigError, Secret, tls_files};

/// How a broker is reached, from the `url` key (Kapacitor's `Config.NewClient`, services/mqtt/config.go at v1.5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `tcp://`, `mqtt://`, or no scheme.
    Tcp,
    /// `ssl://`, `tls://`, `mqtts://`, `mqtt+ssl://`, `tcps://`.
    Tls,
    /// `ws://`.
    Ws,
    /// `wss://`.
    Wss,
    /// `unix:///path/to/socket`.
    Unix,
}

impl Scheme {
    /// True for the schemes that use TLS.
    pub fn is_tls(self) -> bool {
        matches!(self, Scheme::Tls | Scheme::Wss)
    }
}

/// A parsed broker URL. Credentials found in the URL are kept apart so that printing the URL
/// never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    /// How the broker is reached.
    pub scheme: Scheme,
    /// Host name or IP address (without brackets); for `unix://`, the socket path.
    pub host: String,
    /// The port: as written, else the scheme's default (1883, 8883, 80, 443); 0 for `unix://`.
    pub port: u16,
    /// Path for websockets (`/mqtt`), empty otherwise.
    pub path: String,
    /// `user` from `tcp://user:pass@host`; overrides the `username` key (paho's URL handling, which Kapacitor's client uses).
    pub username: Option<String>,
    /// `pass` from `tcp://user:pass@host`; overrides the `password` key.
    pub password: Option<Secret>,
    /// The scheme as written (`mqtts`), for display.
    written_scheme: String,
}

impl BrokerUrl {
    /// Parses a Kapacitor/paho broker URL: `scheme://[user[:pass]@]host[:port][/path]`, no scheme
    /// means `tcp://`, and a leading `:` means `127.0.0.1` (paho `AddBroker`).
    pub fn parse(raw: &str) -> Result<BrokerUrl, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("must specify a url for mqtt service".to_owned());
        }
        let (written_scheme, rest) = match raw.find("://") {
            Some(i) => (raw[..i].to_ascii_lowercase(), &raw[i + 3..]),
            None => ("tcp".to_owned(), raw),
        };
        let scheme = match written_scheme.as_str() {
            "tcp" | "mqtt" => Scheme::Tcp,
            "ssl" | "tls" | "mqtts" | "mqtt+ssl" | "tcps" => Scheme::Tls,
            "ws" => Scheme::Ws,
            "wss" => Scheme::Wss,
            "unix" => Scheme::Unix,
            other => {
                return Err(format!(
                    "unknown URL scheme {other:?}: use tcp://, mqtt://, ssl://, tls://, mqtts://, \
                     mqtt+ssl://, tcps://, ws://, wss:// or unix://"
                ));
            }
        };
        if scheme == Scheme::Unix {
            if rest.is_empty() {
                return Err("a unix:// URL needs a socket path".to_owned());
            }
            return Ok(BrokerUrl {
                scheme,
                host: rest.to_owned(),
                port: 0,
                path: String::new(),
                username: None,
                password: None,
                written_scheme,
            });
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(ui) => match ui.split_once(':') {
                Some((u, p)) => (Some(u.to_owned()), Some(Secret::new(p))),
                None => (Some(ui.to_owned()), None),
            },
        };
        let (host, port) = split_host_port(hostport)?;
        let host = if host.is_empty() {
            "127.0.0.1".to_owned()
        } else {
            host
        };
        let port = match port {
            Some(p) => p,
            None => match scheme {
                Scheme::Tcp => 1883,
                Scheme::Tls => 8883,
                Scheme::Ws => 80,
                Scheme::Wss => 443,
                Scheme::Unix => 0,
            },
        };
        let path = match scheme {
            Scheme::Ws | Scheme::Wss => path.to_owned(),
            _ => String::new(),
        };
        Ok(BrokerUrl {
            scheme,
            host,
            port,
            path,
            username,
            password,
            written_scheme,
        })
    }

    /// The URL without credentials, for websocket requests (`ws://host:port/path`).
    pub fn without_credentials(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.scheme {
            Scheme::Ws => format!("ws://{host}:{}{}", self.port, self.path),
            Scheme::Wss => format!("wss://{host}:{}{}", self.port, self.path),
            Scheme::Unix => format!("unix://{}", self.host),
            _ => format!("{}://{host}:{}", self.written_scheme, self.port),
        }
    }
}

/// Shows the URL with the password replaced by `***`.
impl fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.without_credentials();
        match (&self.username, &self.password) {
            (Some(u), pw) => {
                let (scheme, rest) = plain.split_once("://").unwrap_or(("tcp", &plain));
                let pw = if pw.is_some() { ":***" } else { "" };
                write!(f, "{scheme}://{u}{pw}@{rest}")
            }
            (None, _) => f.write_str(&plain),
        }
    }
}

impl fmt::Debug for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BrokerUrl({self})")
    }
}

fn split_host_port(hostport: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err(format!("invalid host {hostport:?}: missing ']'"));
        };
        let host = &rest[..end];
        let after = &rest[end + 1..];
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return Err(format!("invalid host {hostport:?}")),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => {
                return Err(format!(
                    "invalid port {p:?}: must be a number from 1 to 65535"
                ));
            }
            Ok(n) => Some(n),
        },
    };
    Ok((host.to_owned(), port))
}

/// One `[[mqtt]]` section (Kapacitor's `Config`, services/mqtt/config.go at v1.5.7). `Debug` redacts the password, also inside `url`.
#[derive(Clone, PartialEq)]
pub struct MqttConfig {
    /// `enabled`: only enabled brokers are connected to.
    pub enabled: bool,
    /// `name` (default `default`): what `.brokerName()` and handler files refer to.
    pub name: String,
    /// As written; [`Config::default_mqtt`](super::Config::default_mqtt) also treats a single config as the default.
    pub default: bool,
    /// The `url` key as written (may hold a password; use [`MqttConfig::broker_url`] to print).
    pub url: String,
    /// `ssl-ca`: the CA file that signs the broker's certificate (else the system roots).
    pub ssl_ca: Option<PathBuf>,
    /// `ssl-cert`: the client certificate file (with `ssl-key`).
    pub ssl_cert: Option<PathBuf>,
    /// `ssl-key`: the private key file of `ssl-cert`.
    pub ssl_key: Option<PathBuf>,
    /// `insecure-skip-verify`: accept any server certificate and host name.
    pub insecure_skip_verify: bool,
    /// As written; see [`MqttConfig::effective_client_id`].
    pub client_id: String,
    /// `username`; a user name in `url` wins.
    pub username: String,
    /// `password`; a password in `url` wins.
    pub password: Secret,
    /// tick extension `persistent-session` (default false, Kapacitor's clean session): connect
    /// with clean session off so that a broker that keeps sessions (mosquitto `persistence
    /// true`) resumes this client's unfinished QoS 1/2 publishes after it restarts, and QoS 2
    /// alerts arrive exactly once across the restart. The client id ([`effective_client_id`],
    /// never empty) names the broker-side state, so it must be unique per `tick` process.
    ///
    /// [`effective_client_id`]: MqttConfig::effective_client_id
    pub persistent_session: bool,
}

impl fmt::Debug for MqttConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match self.broker_url() {
            Ok(u) => u.to_string(),
            Err(_) if self.url.contains('@') => "<unparsable url with credentials>".to_owned(),
            Err(_) => self.url.clone(),
        };
        f.debug_struct("MqttConfig")
            .field("enabled", &self.enabled)
            .field("name", &self.name)
            .field("default", &self.default)
            .field("url", &url)
            .field("ssl_ca", &self.ssl_ca)
            .field("ssl_cert", &self.ssl_cert)
            .field("ssl_key", &self.ssl_key)
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("persistent_session", &self.persistent_session)
            .finish()
    }
}

impl Default for MqttConfig {
    fn default() -> MqttConfig {
        MqttConfig {
            enabled: false,
            name: "default".to_owned(),
            default: false,
            url: String::new(),
            ssl_ca: None,
            ssl_cert: None,
            ssl_key: None,
            insecure_skip_verify: false,
            client_id: String::new(),
            username: String::new(),
            password: Secret::default(),
            persistent_session: false,
        }
    }
}

impl MqttConfig {
    /// `client-id`, or the broker `name` when it is empty (Kapacitor's `Config.NewClient`).
    pub fn effective_client_id(&self) -> &str {
        if self.client_id.is_empty() {
            &self.name
        } else {
            &self.client_id
        }
    }

    /// The parsed `url`.
    pub fn broker_url(&self) -> Result<BrokerUrl, String> {
        BrokerUrl::parse(&self.url)
    }

    /// The credentials sent in CONNECT: URL credentials win over the keys; an empty user name
    /// is not sent, and a password only together with a user name (paho's `ClientOptions`, as Kapacitor's client sets them).
    pub fn credentials(&self) -> Option<(String, Secret)> {
        let url = self.broker_url().ok();
        let (user, pass) = match url.as_ref().and_then(|u| u.username.clone()) {
            Some(u) => (u, url.and_then(|u| u.password).unwrap_or_default()),
            None => (self.username.clone(), self.password.clone()),
        };
        if user.is_empty() {
            None
        } else {
            Some((user, pass))
        }
    }
}

const MQTT_KEYS: &[&str] = &[
    "enabled",
    "name",
    "default",
    "url",
    "ssl-ca",
    "ssl-cert",
    "ssl-key",
    "insecure-skip-verify",
    "client-id",
    "username",
    "password",
    // tick extension, not in Kapacitor: see `MqttConfig::persistent_session`.
    "persistent-session",
];

/// The tables of the `mqtt` key, which must be an array of tables (`[[mqtt]]`).
pub(super) fn tables(value: &Value, path: &str) -> Result<Vec<Table>, ConfigError> {
    let mut mqtt_tables = Vec::new();
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Table(t) => mqtt_tables.push(t.clone()),
                    _ => {
                        return Err(ConfigError::Section {
                            path: path.to_owned(),
                            section: format!("[[mqtt]] #{}", i + 1),
                            message: "must be a table ([[mqtt]])".to_owned(),
                        });
                    }
                }
            }
        }
        Value::Table(_) => {
            return Err(ConfigError::List {
                path: path.to_owned(),
                message: "write the section as [[mqtt]] (an array of tables), not [mqtt]"
                    .to_owned(),
            });
        }
        _ => {
            return Err(ConfigError::List {
                path: path.to_owned(),
                message: "mqtt must be a list of [[mqtt]] sections".to_owned(),
            });
        }
    }
    Ok(mqtt_tables)
}

/// Reads each `[[mqtt]]` table (environment overrides are already applied).
pub(super) fn parse(
    tables: Vec<Table>,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<MqttConfig>, ConfigError> {
    let mut mqtt = Vec::with_capacity(tables.len());
    for (i, t) in tables.iter().enumerate() {
        mqtt.push(parse_mqtt(t, i, path, warnings)?);
    }
    Ok(mqtt)
}

/// The rules about the list (one default) and about each section, with Kapacitor's messages.
pub(super) fn validate(list: &[MqttConfig], path: &str) -> Result<(), ConfigError> {
    let list_err = |message: &str| ConfigError::List {
        path: path.to_owned(),
        message: message.to_owned(),
    };
    // As `Configs.Validate` (services/mqtt/config.go at v1.5.7): the default-count checks
    // count every config, enabled or not.
    let defaults = list.iter().filter(|m| m.default).count();
    if defaults > 1 {
        return Err(list_err(
            "more than one configuration is marked as the default",
        ));
    }
    if list.len() > 1 && defaults == 0 {
        return Err(list_err("no configuration is marked as the default"));
    }
    for (i, m) in list.iter().enumerate() {
        let section = section_name(i, &m.name);
        let sec_err = |message: String| ConfigError::Section {
            path: path.to_owned(),
            section: section.clone(),
            message,
        };
        if m.name.is_empty() {
            return Err(sec_err(
                "must specify a name for the mqtt broker".to_owned(),
            ));
        }
        if let Some(first) = list[..i].iter().position(|o| o.name == m.name) {
            return Err(sec_err(format!(
                "section \"mqtt\" has duplicate elements: {:?} (also [[mqtt]] #{})",
                m.name,
                first + 1
            )));
        }
        if m.enabled && m.url.trim().is_empty() {
            return Err(sec_err("must specify a url for mqtt service".to_owned()));
        }
        // The broker keeps a persistent session under the client id. The id is never empty
        // today (it defaults to the non-empty `name`), but the rule belongs to the key.
        if m.persistent_session && m.effective_client_id().is_empty() {
            return Err(sec_err(
                "persistent-session = true needs a client-id (or a name)".to_owned(),
            ));
        }
        // Kapacitor's sentence (tlsconfig.Create, tlsconfig/config.go at v1.5.7), which
        // users search for, then the key to add.
        match (&m.ssl_cert, &m.ssl_key) {
            (Some(cert), None) => {
                return Err(sec_err(format!(
                    "Must provide both key and cert files: only cert file provided. ssl-key \
                     is missing: add ssl-key with the private key file of ssl-cert {}",
                    cert.display()
                )));
            }
            (None, Some(key)) => {
                return Err(sec_err(format!(
                    "Must provide both key and cert files: only key file provided. ssl-cert \
                     is missing: add ssl-cert with the certificate file of ssl-key {}",
                    key.display()
                )));
            }
            _ => {}
        }
        if !m.enabled {
            continue;
        }
        let key_err = |key: &str, message: String| ConfigError::Key {
            path: path.to_owned(),
            section: section.clone(),
            key: key.to_owned(),
            message,
        };
        m.broker_url().map_err(|e| key_err("url", e))?;
        if let Some(ca) = &m.ssl_ca {
            tls_files::read_certs(ca).map_err(|e| key_err("ssl-ca", e))?;
        }
        if let (Some(cert), Some(key)) = (&m.ssl_cert, &m.ssl_key) {
            let certs = tls_files::read_certs(cert).map_err(|e| key_err("ssl-cert", e))?;
            if let Some(first) = certs.first()
                && tls_files::is_v1_certificate(first)
            {
                return Err(key_err(
                    "ssl-cert",
                    format!(
                        "{} is an X.509 v1 certificate, which TLS clients here refuse \
                         (UnsupportedCertVersion); re-issue it as a v3 certificate, e.g. \
                         `openssl x509 -req ... -extfile <(printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=clientAuth')`",
                        cert.display()
                    ),
                ));
            }
            let key_path = key;
            let key = tls_files::read_key(key).map_err(|e| key_err("ssl-key", e))?;
            tls_files::check_key_pair(certs, key, Some(cert), Some(key_path)).map_err(sec_err)?;
        }
    }
    Ok(())
}

fn section_name(index: usize, name: &str) -> String {
    format!("[[mqtt]] #{} {:?}", index + 1, name)
}

fn parse_mqtt(
    t: &Table,
    index: usize,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<MqttConfig, ConfigError> {
    let name = match t.get("name") {
        None => "default".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(ConfigError::Key {
                path: path.to_owned(),
                section: format!("[[mqtt]] #{}", index + 1),
                key: "name".to_owned(),
                message: format!("expected a string, found {}", other.type_str()),
            });
        }
    };
    let section = section_name(index, &name);
    let err = |key: &str, message: String| ConfigError::Key {
        path: path.to_owned(),
        section: section.clone(),
        key: key.to_owned(),
        message,
    };
    let get_bool = |key: &str| -> Result<bool, ConfigError> {
        match t.get(key) {
            None => Ok(false),
            Some(Value::Boolean(b)) => Ok(*b),
            // A value from the environment (`KAPACITOR_MQTT_0_ENABLED=1`), read as Go's
            // `strconv.ParseBool` reads it.
            Some(Value::String(s)) if super::env::go_bool(s).is_some() => {
                Ok(super::env::go_bool(s).unwrap_or(false))
            }
            Some(other) => Err(err(
                key,
                format!("expected a boolean, found {}", other.type_str()),
            )),
        }
    };
    let get_str = |key: &str| -> Result<String, ConfigError> {
        match t.get(key) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            // Never echo the value: it may be a password.
            Some(other) => Err(err(
                key,
                format!("expected a string, found {}", other.type_str()),
            )),
        }
    };
    let get_path = |key: &str| -> Result<Option<PathBuf>, ConfigError> {
        let s = get_str(key)?;
        Ok(if s.is_empty() {
            None
        } else {
            Some(PathBuf::from(s))
        })
    };
    for key in t.keys() {
        if !MQTT_KEYS.contains(&key.as_str()) {
            warnings.push(format!("{section}: unknown key {key:?}; ignored"));
        }
    }
    Ok(MqttConfig {
        enabled: get_bool("enabled")?,
        name,
        default: get_bool("default")?,
        url: get_str("url")?,
        ssl_ca: get_path("ssl-ca")?,
        ssl_cert: get_path("ssl-cert")?,
        ssl_key: get_path("ssl-key")?,
        insecure_skip_verify: get_bool("insecure-skip-verify")?,
        client_id: get_str("client-id")?,
        username: get_str("username")?,
        password: Secret::new(get_str("password")?),
        persistent_session: get_bool("persistent-session")?,
    })
}
