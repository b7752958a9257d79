//! The `email` handler: `.email('a@example.com').to('b@example.com')` or `kind: smtp` (`to`),
//! sent through the SMTP server of `[smtp]` in `kapacitor.conf`. Owns the section's keys and
//! rules (Kapacitor's `smtp.Config` and `Config.Validate`, `services/smtp/config.go` at
//! v1.5.7), the message (`Service.prepareMessge`, `services/smtp/service.go`: the alert message
//! is the subject, the details the HTML body) and how it is sent (the `gomail.v2` dialer that
//! Kapacitor vendors, `vendor/gopkg.in/gomail.v2/smtp.go` `Dialer.Dial`: STARTTLS whenever the
//! server offers it, implicit TLS on port 465 when a username is set, AUTH PLAIN, or LOGIN when
//! the server offers only that, and a connection kept open until `idle-timeout`), and the
//! service test (`Service.Test`).
//!
//! The message is written byte for byte as gomail writes it (`message.go`, `writeto.go`): a
//! `Mime-Version` and a `Date` header, `From`, `To` and `Subject` (each encoded as Go's
//! `mime.QEncoding` does when it is not plain ASCII), one `text/html; charset=UTF-8` part in
//! quoted-printable (Go's `mime/quotedprintable` writer). gomail writes the headers in Go's
//! random map order; tick writes them in a fixed one.
//!
//! Deviations: tick retries a transient failure (no connection, a 4xx answer) with the
//! services' capped backoff, and gives up on a 5xx answer, logging the server's answer either
//! way; Kapacitor logs the error and drops the email. A missing recipient list or an address
//! that cannot be parsed refuses the task at start instead of failing each alert.

use std::sync::Arc;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Literal, PropertySpec};

use crate::config::{Config, Secret};
use crate::error::{BuildError, HandlerError};
use crate::http::{Backoff, Retry};
use crate::registry::{Deliver, HandlerKind};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "email",
    args: &[],
    variadic: Some(ArgType::String),
    properties: &[PropertySpec {
        name: "to",
        args: &[],
        variadic: Some(ArgType::String),
        doc: "More recipients; each call adds to the list. None at all means [smtp] to.",
    }],
    doc: "Email the alert through the [smtp] server: the message is the subject, the details \
          the HTML body. Example: .email('oncall@example.com')",
};

/// How long one attempt (connect, TLS, AUTH and the message) may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The name Go's `net/smtp` client greets every server with (`EHLO localhost`).
const HELLO_NAME: &str = "localhost";

/// Email handler options, shared by TICKscript and handler files (Kapacitor's
/// `smtp.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Recipients; none means `[smtp] to`.
    #[serde(default)]
    pub to: Vec<String>,
}

/// The `[smtp]` section (Kapacitor's `smtp.Config`, defaults from `NewConfig`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct SmtpConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default = "default_host")]
    host: String,
    #[serde(default = "default_port")]
    port: i64,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    no_verify: bool,
    #[serde(default)]
    global: bool,
    #[serde(default)]
    state_changes_only: bool,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: Vec<String>,
    #[serde(
        default = "default_idle_timeout",
        deserialize_with = "crate::arguments::deserialize_duration"
    )]
    idle_timeout: i64,
}

fn default_host() -> String {
    "localhost".to_string()
}

fn default_port() -> i64 {
    25
}

fn default_idle_timeout() -> i64 {
    30_000_000_000
}

impl SmtpConfig {
    /// Reads `[smtp]` and applies Kapacitor's `Config.Validate`, message for message.
    fn read(section: &toml::Value) -> Result<SmtpConfig, String> {
        let c: SmtpConfig = crate::service::read_table(section)?;
        if c.host.is_empty() {
            return Err("host cannot be empty".to_string());
        }
        if c.port <= 0 {
            return Err(format!("invalid port {}", c.port));
        }
        if c.idle_timeout < 0 {
            return Err("idle timeout must be positive".to_string());
        }
        if c.enabled && c.from.is_empty() {
            return Err("must provide a 'from' address".to_string());
        }
        if !c.from.is_empty() && !c.from.contains('@') {
            return Err(format!("invalid from email address: {:?}", c.from));
        }
        if let Some(t) = c.to.iter().find(|t| !t.contains('@')) {
            return Err(format!("invalid to email address: {t:?}"));
        }
        Ok(c)
    }
}

fn error(property: &'static str, message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "email",
        property,
        message: message.into(),
    }
}

/// The `email` entry of the handler catalogue (`kind: smtp` in handler files, `smtp` for
/// `tick service-test`).
pub(crate) struct Kind;

impl HandlerKind for Kind {
    const NAME: &'static str = "email";
    const FILE_NAME: &'static str = "smtp";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("smtp");
    type Options = Options;
    type Handler = EmailHandler;

    /// Kapacitor v1.5.7 alert.go `newAlertNode`: a global `[smtp]` emails every alert (to
    /// `[smtp] to`), and with `state-changes-only` makes every alert node stateChangesOnly.
    fn global(section: &toml::Value) -> crate::registry::Global {
        crate::service::global_keys(section)
    }

    /// `.email(to...)` and every `.to(...)`, in order (Kapacitor's `EmailHandler.ToList`).
    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let strings = |args: &[Literal]| -> Vec<String> {
            args.iter()
                .filter_map(|a| match a {
                    Literal::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect()
        };
        let mut to = strings(&handler.args);
        for p in handler.properties.iter().filter(|p| p.name == "to") {
            to.extend(strings(&p.args));
        }
        Ok(Options { to })
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        SmtpConfig::read(section).map(drop)
    }

    crate::registry::built_from_config!(EmailHandler::new, check);

    /// Kapacitor's `Service.Test` with its `TestOptions`: `[smtp] to` (or the options' `to`),
    /// subject `test subject`, body `test body`. Unlike Kapacitor, which only queues the
    /// email, the answer is the server's.
    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        let result = async {
            let handler = EmailHandler::new(options, config).map_err(|e| e.to_string())?;
            handler
                .send("test subject", "test body")
                .await
                .map_err(|e| e.to_string())
        };
        Some(result.await)
    }
}

/// The SMTP server of `[smtp]` and the sender, as every email handler uses them.
struct Server {
    host: String,
    port: u16,
    username: String,
    password: Secret,
    no_verify: bool,
    idle_timeout: Duration,
    /// `from` as written, for the header.
    from: String,
    /// `from`'s address, for `MAIL FROM`.
    sender: Address,
}

/// An SMTP connection kept between emails, and how many deliveries have used the handler
/// (so that a delayed close knows whether the connection was used since).
#[derive(Default)]
struct Link {
    conn: Option<AsyncSmtpConnection>,
    uses: u64,
}

/// Emails alerts through the `[smtp]` server.
pub struct EmailHandler {
    server: Arc<Server>,
    /// The recipients as written, for the `To` header.
    to: Vec<String>,
    /// Their addresses, each once, for `RCPT TO`.
    recipients: Vec<Address>,
    link: Arc<tokio::sync::Mutex<Link>>,
}

impl std::fmt::Debug for EmailHandler {
    // The password stays out of every report.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailHandler")
            .field("host", &self.server.host)
            .field("port", &self.server.port)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// The address of a mailbox as Go's `net/mail.ParseAddress` finds it (`Ops <ops@example.com>`
/// → `ops@example.com`), checked.
fn mailbox_address(mailbox: &str) -> Result<Address, String> {
    let text = mailbox.trim();
    let addr = match (text.rfind('<'), text.strip_suffix('>')) {
        (Some(open), Some(inner)) => inner.get(open + 1..).unwrap_or_default(),
        _ => text,
    };
    addr.trim()
        .parse::<Address>()
        .map_err(|e| format!("invalid email address {mailbox:?}: {e}"))
}

impl EmailHandler {
    /// Reads `[smtp]` and the recipients (Kapacitor's `Service.prepareMessge` checks, which it
    /// makes for every email: tick makes them once, at start).
    fn new(options: Options, config: &Config) -> Result<EmailHandler, BuildError> {
        let c = match config.services.get("smtp") {
            Some(s) => SmtpConfig::read(s).map_err(|e| error("", e))?,
            None => {
                return Err(error(
                    "",
                    "service is not enabled: add an [smtp] section with enabled = true, a host \
                     and a from address to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("", "service is not enabled"));
        }
        let to = if options.to.is_empty() {
            c.to
        } else {
            options.to
        };
        if to.is_empty() {
            return Err(error("to", "not sending email, no recipients defined"));
        }
        let mut recipients: Vec<Address> = Vec::with_capacity(to.len());
        for t in &to {
            let a = mailbox_address(t).map_err(|e| error("to", e))?;
            if !recipients.contains(&a) {
                recipients.push(a);
            }
        }
        let sender = mailbox_address(&c.from).map_err(|e| error("", format!("from: {e}")))?;
        let port =
            u16::try_from(c.port).map_err(|_| error("", format!("invalid port {}", c.port)))?;
        let server = Server {
            host: c.host,
            port,
            username: c.username,
            password: Secret::new(c.password),
            no_verify: c.no_verify,
            idle_timeout: Duration::from_nanos(c.idle_timeout.unsigned_abs()),
            from: c.from,
            sender,
        };
        Ok(EmailHandler {
            server: Arc::new(server),
            to,
            recipients,
            link: Arc::default(),
        })
    }

    /// Sends one email, on the kept connection or a new one; a transient failure is tried
    /// again with the services' capped backoff.
    async fn send(&self, subject: &str, body: &str) -> Result<(), HandlerError> {
        let message = write_message(
            &self.server.from,
            &self.to,
            subject,
            body,
            &chrono::Local::now()
                .format("%a, %d %b %Y %H:%M:%S %z")
                .to_string(),
        );
        let mut link = self.link.lock().await;
        link.uses += 1;
        let mut backoff = Backoff::new(Retry::SERVICE);
        loop {
            // Taken out while in use: if this delivery is given up midway, the connection,
            // in an unknown state, goes with it.
            let kept = link.conn.take();
            let reused = kept.is_some();
            let attempt = self.attempt(kept, &message);
            let outcome = tokio::time::timeout(ATTEMPT_TIMEOUT, attempt)
                .await
                .unwrap_or_else(|_| {
                    Err(Failure {
                        text: format!("timed out after {ATTEMPT_TIMEOUT:?}"),
                        transient: true,
                    })
                });
            match outcome {
                Ok(conn) => {
                    link.conn = Some(conn);
                    return Ok(());
                }
                // A kept connection may have been closed by the server meanwhile: once more,
                // at once, on a new one.
                Err(f) if f.transient && reused => continue,
                Err(f) => {
                    let text = self.scrub(f.text);
                    if !f.transient || !backoff.wait(&text, None).await {
                        return Err(HandlerError::Service {
                            kind: "email",
                            message: text,
                        });
                    }
                }
            }
        }
    }

    /// The password never appears in a message, even if a server repeats it.
    fn scrub(&self, text: String) -> String {
        let password = self.server.password.expose();
        if password.is_empty() {
            text
        } else {
            text.replace(password, "***")
        }
    }

    /// One try: connect unless a connection is kept, then Go's `net/smtp` `Client.Mail`,
    /// `Rcpt` for each recipient, `Data` and the message.
    async fn attempt(
        &self,
        kept: Option<AsyncSmtpConnection>,
        message: &[u8],
    ) -> Result<AsyncSmtpConnection, Failure> {
        let mut conn = match kept {
            Some(c) => c,
            None => self.server.dial().await?,
        };
        let info = conn.server_info();
        let mut params = Vec::new();
        if info.supports_feature(Extension::EightBitMime) {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if info.supports_feature(Extension::SmtpUtfEight) {
            params.push(MailParameter::SmtpUtfEight);
        }
        conn.command(Mail::new(Some(self.server.sender.clone()), params))
            .await
            .map_err(|e| Failure::from_smtp("MAIL FROM", &e))?;
        for r in &self.recipients {
            conn.command(Rcpt::new(r.clone(), Vec::new()))
                .await
                .map_err(|e| Failure::from_smtp(&format!("RCPT TO <{r}>"), &e))?;
        }
        conn.command(Data)
            .await
            .map_err(|e| Failure::from_smtp("DATA", &e))?;
        // lettre ends the data with CRLF "." CRLF itself, as Go's dot writer does after a
        // message that does not end a line.
        conn.message(message)
            .await
            .map_err(|e| Failure::from_smtp("sending the message", &e))?;
        Ok(conn)
    }
}

impl Server {
    /// gomail's `Dialer.Dial`: implicit TLS when a username is set and the port is 465, else
    /// a plain connection upgraded with STARTTLS when the server offers it; then AUTH when a
    /// username is set and the server offers PLAIN (preferred) or LOGIN. `no-verify` skips
    /// the certificate check; otherwise the system roots (`SSL_CERT_FILE` too) are used, with
    /// the host name.
    async fn dial(&self) -> Result<AsyncSmtpConnection, Failure> {
        let at = format!("{}:{}", self.host, self.port);
        let hello = ClientId::Domain(HELLO_NAME.to_string());
        let tls = TlsParameters::builder(self.host.clone())
            .dangerous_accept_invalid_certs(self.no_verify)
            .dangerous_accept_invalid_hostnames(self.no_verify)
            .build_rustls()
            .map_err(|e| Failure::from_smtp("setting up TLS", &e))?;
        let implicit_tls = implicit_tls(&self.username, self.port);
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (self.host.as_str(), self.port),
            Some(ATTEMPT_TIMEOUT),
            &hello,
            implicit_tls.then(|| tls.clone()),
            None,
        )
        .await
        .map_err(|e| Failure::from_smtp(&format!("connecting to {at}"), &e))?;
        if conn.can_starttls() {
            conn.starttls(tls, &hello)
                .await
                .map_err(|e| Failure::from_smtp(&format!("STARTTLS with {at}"), &e))?;
        }
        if !self.username.is_empty() {
            let offered = [Mechanism::Plain, Mechanism::Login]
                .into_iter()
                .find(|m| conn.server_info().supports_auth_mechanism(*m));
            if let Some(mechanism) = offered {
                let credentials =
                    Credentials::new(self.username.clone(), self.password.expose().to_string());
                conn.auth(&[mechanism], &credentials).await.map_err(|e| {
                    Failure::from_smtp(
                        &format!("authenticating as {:?} with {at}", self.username),
                        &e,
                    )
                })?;
            }
        }
        Ok(conn)
    }
}

/// Whether the connection is TLS from the start. Quirk: gomail's `NewPlainDialer`, which Kapacitor
/// uses only when a username is set, sets `SSL` for port 465; without a username Kapacitor's
/// dialer has no `SSL`, whatever the port.
fn implicit_tls(username: &str, port: u16) -> bool {
    !username.is_empty() && port == 465
}

/// Why an attempt failed, and whether trying again may help.
#[derive(Debug)]
struct Failure {
    text: String,
    transient: bool,
}

impl Failure {
    /// A lettre error during `step`: a 5xx answer is final, any other failure (no connection,
    /// a 4xx answer, TLS, a broken connection) may pass. A server's answer reads as Go's
    /// `textproto.Error` does: `535 5.7.8 Authentication credentials invalid`.
    fn from_smtp(step: &str, e: &lettre::transport::smtp::Error) -> Failure {
        let detail = match e.status() {
            Some(code) => {
                let text = std::error::Error::source(e)
                    .map(ToString::to_string)
                    .unwrap_or_default();
                format!("{code} {text}").trim_end().to_string()
            }
            None => {
                // lettre's errors repeat their kind at each level (`Connection error:
                // Connection error: invalid peer certificate: UnknownIssuer`): each part once.
                let mut parts: Vec<&str> = Vec::new();
                let text = crate::error::with_causes(e);
                for part in text.split(": ") {
                    if parts.last() != Some(&part) {
                        parts.push(part);
                    }
                }
                parts.join(": ")
            }
        };
        Failure {
            text: format!("{step}: {detail}"),
            transient: !e.is_permanent() && !e.is_client(),
        }
    }
}

impl Deliver for EmailHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        self.send(&event.state.message, &event.state.details).await
    }

    /// Closes the kept connection once it has been idle for `idle-timeout` (Kapacitor's
    /// `Service.runMailer`), unless an email used it meanwhile.
    fn idle(&mut self) {
        let Ok(link) = self.link.try_lock() else {
            return;
        };
        if link.conn.is_none() {
            return;
        }
        let uses = link.uses;
        drop(link);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let shared = Arc::clone(&self.link);
        let wait = self.server.idle_timeout;
        runtime.spawn(async move {
            tokio::time::sleep(wait).await;
            let mut link = shared.lock().await;
            if link.uses == uses
                && let Some(mut conn) = link.conn.take()
            {
                let _ = tokio::time::timeout(ATTEMPT_TIMEOUT, conn.quit()).await;
            }
        });
    }
}

/// The email as gomail's `Message.WriteTo` writes it, without the final line break (the
/// end-of-data marker supplies it). `date` is the `Date` header (RFC 1123 with a numeric zone).
fn write_message(from: &str, to: &[String], subject: &str, body: &str, date: &str) -> Vec<u8> {
    let mut out = String::with_capacity(256 + body.len() * 3 / 2);
    out.push_str("Mime-Version: 1.0\r\n");
    out.push_str("Date: ");
    out.push_str(date);
    out.push_str("\r\n");
    out.push_str("From: ");
    out.push_str(&encode_header(from));
    out.push_str("\r\nTo: ");
    let to: Vec<String> = to.iter().map(|t| encode_header(t)).collect();
    out.push_str(&to.join(", "));
    out.push_str("\r\nSubject: ");
    out.push_str(&encode_header(subject));
    out.push_str("\r\nContent-Type: text/html; charset=UTF-8\r\n");
    out.push_str("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    let mut bytes = out.into_bytes();
    let mut qp = QuotedPrintable::new(bytes);
    qp.write(body.as_bytes());
    bytes = qp.close();
    if bytes.ends_with(b"\r\n") {
        bytes.truncate(bytes.len() - 2);
    }
    bytes
}

/// Go's `mime.QEncoding.Encode("UTF-8", s)`: `s` itself when it is printable ASCII (tabs
/// allowed), else encoded words of at most 75 characters, split between characters.
fn encode_header(s: &str) -> String {
    const MAX_CONTENT: usize = 75 - "=?UTF-8?q?".len() - "?=".len();
    if !s.chars().any(|c| !(' '..='~').contains(&c) && c != '\t') {
        return s.to_string();
    }
    let mut out = String::from("=?UTF-8?q?");
    let mut len = 0;
    for c in s.chars() {
        let plain = c.is_ascii() && (' '..='~').contains(&c) && !matches!(c, '=' | '?' | '_');
        let width = if plain { 1 } else { 3 * c.len_utf8() };
        if len + width > MAX_CONTENT {
            out.push_str("?= =?UTF-8?q?");
            len = 0;
        }
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            match b {
                b' ' => out.push('_'),
                b'!'..=b'~' if !matches!(b, b'=' | b'?' | b'_') => out.push(char::from(b)),
                _ => push_hex(&mut out, b),
            }
        }
        len += width;
    }
    out.push_str("?=");
    out
}

fn push_hex(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('=');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0x0f)]));
}

/// Go's `mime/quotedprintable.Writer` in text mode: lines of at most 76 characters with soft
/// breaks, `=` and bytes outside printable ASCII encoded, line breaks (`\n`, `\r`, `\r\n`)
/// written as CRLF, and a space or tab before a line break encoded.
struct QuotedPrintable {
    out: Vec<u8>,
    line: Vec<u8>,
    cr: bool,
}

impl QuotedPrintable {
    const LINE_MAX: usize = 76;

    fn new(out: Vec<u8>) -> QuotedPrintable {
        QuotedPrintable {
            out,
            line: Vec::with_capacity(Self::LINE_MAX + 2),
            cr: false,
        }
    }

    fn write(&mut self, p: &[u8]) {
        let mut n = 0;
        for (i, &b) in p.iter().enumerate() {
            let literal = (b'!'..=b'~').contains(&b) && b != b'=';
            if literal || matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                continue;
            }
            if i > n {
                self.write_raw(&p[n..i]);
            }
            self.encode(b);
            n = i + 1;
        }
        if n < p.len() {
            self.write_raw(&p[n..]);
        }
    }

    fn close(mut self) -> Vec<u8> {
        self.check_last_byte();
        self.flush();
        self.out
    }

    fn write_raw(&mut self, p: &[u8]) {
        for &b in p {
            if b == b'\n' || b == b'\r' {
                if self.cr && b == b'\n' {
                    self.cr = false;
                    continue;
                }
                if b == b'\r' {
                    self.cr = true;
                }
                self.check_last_byte();
                self.insert_crlf();
                continue;
            }
            if self.line.len() == Self::LINE_MAX - 1 {
                self.insert_soft_line_break();
            }
            self.line.push(b);
            self.cr = false;
        }
    }

    fn encode(&mut self, b: u8) {
        if Self::LINE_MAX - 1 - self.line.len() < 3 {
            self.insert_soft_line_break();
        }
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        self.line
            .extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]]);
    }

    fn check_last_byte(&mut self) {
        if let Some(&b) = self.line.last()
            && (b == b' ' || b == b'\t')
        {
            self.line.pop();
            self.encode(b);
        }
    }

    fn insert_soft_line_break(&mut self) {
        self.line.push(b'=');
        self.insert_crlf();
    }

    fn insert_crlf(&mut self) {
        self.line.extend_from_slice(b"\r\n");
        self.flush();
    }

    fn flush(&mut self) {
        self.out.append(&mut self.line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qp(text: &str) -> String {
        let mut w = QuotedPrintable::new(Vec::new());
        w.write(text.as_bytes());
        String::from_utf8_lossy(&w.close()).into_owned()
    }

    #[test]
    fn quoted_printable_follows_gos_writer() {
        // Go's TestWriter (mime/quotedprintable/writer_test.go, text mode), then the body of
        // the Kapacitor 1.5.7 capture in tests/run_email.rs.
        let a = |n: usize| "a".repeat(n);
        let sp = |n: usize| " ".repeat(n);
        let cases: Vec<(String, String)> = vec![
            ("".into(), "".into()),
            ("foo bar".into(), "foo bar".into()),
            ("foo bar=".into(), "foo bar=3D".into()),
            ("foo bar\r".into(), "foo bar\r\n".into()),
            ("foo bar\r\r".into(), "foo bar\r\n\r\n".into()),
            ("foo bar\n".into(), "foo bar\r\n".into()),
            ("foo bar\r\n".into(), "foo bar\r\n".into()),
            ("foo bar\r\r\n".into(), "foo bar\r\n\r\n".into()),
            ("foo bar ".into(), "foo bar=20".into()),
            ("foo bar\t".into(), "foo bar=09".into()),
            ("foo bar  ".into(), "foo bar =20".into()),
            ("foo bar \n".into(), "foo bar=20\r\n".into()),
            ("foo bar \r".into(), "foo bar=20\r\n".into()),
            ("foo bar \r\n".into(), "foo bar=20\r\n".into()),
            ("foo bar  \n".into(), "foo bar =20\r\n".into()),
            ("foo bar  \n ".into(), "foo bar =20\r\n=20".into()),
            ("¡Hola Señor!".into(), "=C2=A1Hola Se=C3=B1or!".into()),
            (
                "\t !\"#$%&'()*+,-./ :;<>?@[\\]^_`{|}~".into(),
                "\t !\"#$%&'()*+,-./ :;<>?@[\\]^_`{|}~".into(),
            ),
            (a(75), a(75)),
            (a(76), a(75) + "=\r\na"),
            (a(72) + "=", a(72) + "=3D"),
            (a(73) + "=", a(73) + "=\r\n=3D"),
            (a(74) + "=", a(74) + "=\r\n=3D"),
            (a(75) + "=", a(75) + "=\r\n=3D"),
            (sp(73), sp(72) + "=20"),
            (sp(74), sp(73) + "=\r\n=20"),
            (sp(75), sp(74) + "=\r\n=20"),
            (sp(76), sp(75) + "=\r\n=20"),
            (sp(77), sp(75) + "=\r\n =20"),
            (
                "<h1>cpu/a</h1><p>Level: CRITICAL – usage_idle = 5</p> and a long line that goes on and on past the seventy-six character limit of quoted-printable".into(),
                "<h1>cpu/a</h1><p>Level: CRITICAL =E2=80=93 usage_idle =3D 5</p> and a long =\r\nline that goes on and on past the seventy-six character limit of quoted-pri=\r\nntable".into(),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(qp(&input), want, "input {input:?}");
        }
    }

    #[test]
    fn headers_are_encoded_as_gos_q_encoding() {
        // Go's TestEncodeWord (mime/encodedword_test.go), with gomail's "UTF-8" charset.
        assert_eq!(
            encode_header("François-Jérôme"),
            "=?UTF-8?q?Fran=C3=A7ois-J=C3=A9r=C3=B4me?="
        );
        assert_eq!(encode_header(""), "");
        assert_eq!(encode_header("A"), "A");
        assert_eq!(encode_header("123 456"), "123 456");
        let specials = "\t !\"#$%&'()*+,-./ :;<>?@[\\]^_`{|}~";
        assert_eq!(encode_header(specials), specials);
        assert_eq!(
            encode_header(&"é".repeat(10)),
            format!("=?UTF-8?q?{}?=", "=C3=A9".repeat(10))
        );
        assert_eq!(
            encode_header(&"é".repeat(11)),
            format!("=?UTF-8?q?{}?= =?UTF-8?q?=C3=A9?=", "=C3=A9".repeat(10))
        );
        // The subject of the Kapacitor 1.5.7 capture in tests/run_email.rs, and a line break
        // (which must never start a new header line).
        assert_eq!(
            encode_header("cpu/a is CRITICAL: idle=5°"),
            "=?UTF-8?q?cpu/a_is_CRITICAL:_idle=3D5=C2=B0?="
        );
        assert_eq!(encode_header("a\nb"), "=?UTF-8?q?a=0Ab?=");
    }

    #[test]
    fn tls_starts_at_once_only_on_port_465_with_a_username() {
        assert!(implicit_tls("alerts", 465));
        assert!(!implicit_tls("", 465));
        assert!(!implicit_tls("alerts", 587));
        assert!(!implicit_tls("alerts", 25));
    }

    #[test]
    fn addresses_are_found_as_go_parses_mailboxes() {
        assert_eq!(
            mailbox_address("Second Ops <ops2@example.com>").map(|a| a.to_string()),
            Ok("ops2@example.com".to_string())
        );
        assert_eq!(
            mailbox_address(" ops@example.com ").map(|a| a.to_string()),
            Ok("ops@example.com".to_string())
        );
        assert!(mailbox_address("Ops ops@example.com").is_err());
        assert!(mailbox_address("ops@exa\r\nmple.com").is_err());
    }

    fn check(text: &str) -> Result<(), String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        Kind::check_section(
            table
                .get("smtp")
                .unwrap_or(&toml::Value::Table(toml::Table::new())),
        )
    }

    #[test]
    fn sections_follow_kapacitors_rules() {
        assert_eq!(check("[smtp]\n"), Ok(()));
        assert_eq!(
            check("[smtp]\nenabled = true\n"),
            Err("must provide a 'from' address".into())
        );
        assert_eq!(
            check("[smtp]\nhost = \"\"\n"),
            Err("host cannot be empty".into())
        );
        assert_eq!(check("[smtp]\nport = 0\n"), Err("invalid port 0".into()));
        assert_eq!(
            check("[smtp]\nfrom = \"kapacitor\"\n"),
            Err("invalid from email address: \"kapacitor\"".into())
        );
        assert_eq!(
            check("[smtp]\nto = [\"a@b\", \"ops\"]\n"),
            Err("invalid to email address: \"ops\"".into())
        );
        assert_eq!(
            check("[smtp]\nidle-timeout = \"-1s\"\n"),
            Err("idle timeout must be positive".into())
        );
        assert_eq!(
            check(
                "[smtp]\nenabled = true\nfrom = \"k@example.com\"\nglobal = true\nstate-changes-only = true\nno-verify = true\nidle-timeout = \"1m\"\n"
            ),
            Ok(())
        );
        assert_eq!(
            check("[smtp]\nglobal = \"yes\"\n"),
            Err("a key has the wrong type".into())
        );
    }

    fn config(text: &str) -> Config {
        Config::from_toml_str(text, "kapacitor.conf")
            .map(|(c, _)| c)
            .unwrap_or_default()
    }

    #[test]
    fn recipients_come_from_the_handler_else_the_section() {
        let c = config(
            "[smtp]\nenabled = true\nfrom = \"Kapacitor <k@example.com>\"\nto = [\"ops@example.com\"]\n",
        );
        let h = EmailHandler::new(Options::default(), &c).map_err(|e| e.to_string());
        assert_eq!(h.map(|h| h.to), Ok(vec!["ops@example.com".to_string()]));
        let h = EmailHandler::new(
            Options {
                to: vec![
                    "a@example.com".into(),
                    "A <a@example.com>".into(),
                    "b@example.com".into(),
                ],
            },
            &c,
        )
        .map_err(|e| e.to_string());
        assert_eq!(
            h.map(|h| h
                .recipients
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()),
            Ok(vec![
                "a@example.com".to_string(),
                "b@example.com".to_string()
            ]),
            "each address once, as gomail's getRecipients"
        );
        let none = config("[smtp]\nenabled = true\nfrom = \"k@example.com\"\n");
        assert_eq!(
            EmailHandler::new(Options::default(), &none).map(drop),
            Err(error("to", "not sending email, no recipients defined"))
        );
        let off = config("[smtp]\nfrom = \"k@example.com\"\nto = [\"a@b.c\"]\n");
        assert_eq!(
            EmailHandler::new(Options::default(), &off).map(drop),
            Err(error("", "service is not enabled"))
        );
    }

    #[test]
    fn the_message_is_written_as_gomail_writes_it() {
        let m = write_message(
            "Kapacitor <k@example.com>",
            &["a@example.com".into(), "B <b@example.com>".into()],
            "cpu is OK",
            "<b>ok</b>\n",
            "Mon, 07 Dec 2026 23:36:24 +0000",
        );
        assert_eq!(
            String::from_utf8_lossy(&m),
            "Mime-Version: 1.0\r\nDate: Mon, 07 Dec 2026 23:36:24 +0000\r\n\
             From: Kapacitor <k@example.com>\r\nTo: a@example.com, B <b@example.com>\r\n\
             Subject: cpu is OK\r\nContent-Type: text/html; charset=UTF-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\n<b>ok</b>"
        );
    }
}
