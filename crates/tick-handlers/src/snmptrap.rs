//! The `snmpTrap` handler: `.snmpTrap(trapOid).data(oid, type, value)` or `kind: snmptrap`
//! (`trap-oid`, `data-list` of `oid`/`type`/`value`), delivered as one SNMPv2c trap over UDP to
//! the `[snmptrap]` `addr` of `kapacitor.conf`. Owns the section's keys and rules (Kapacitor's
//! `snmptrap.Config`, `services/snmptrap/config.go` at v1.5.7), the script's checks
//! (`SNMPTrapHandler.validate`, `pipeline/alert.go`), the trap (`Service.Trap` and
//! `handler.Handle`, `services/snmptrap/service.go`, sent through the `snmpgo` package that
//! Kapacitor vendors) and the service test (`Service.Test`).
//!
//! The trap is `sysUpTime.0` (always 1000 TimeTicks, as Kapacitor sends), `snmpTrapOID.0` (the
//! trap OID), then one variable binding per `.data()` in order, each value rendered as a Go
//! template with the alert data and converted by its type letter: `c` Counter64, `i` Integer32,
//! `n` Null (value ignored), `s` OctetString, `t` TimeTicks. Numbers are parsed as Go's
//! `strconv.ParseInt(value, 10, 64)` does and then narrowed as Kapacitor narrows them (Quirk:
//! `i` keeps the low 32 bits, so `4294967297` is sent as 1; `t` and `c` wrap negatives). The
//! bytes are DER, as Go's `encoding/asn1` writes them; only the request id, random per trap
//! (as snmpgo draws it), differs from Kapacitor's datagram.
//!
//! SNMPv2c traps are not acknowledged: a trap counts as delivered once its datagram was sent,
//! as Kapacitor counts it. Deviations: an OID or a type letter that can never be sent is refused
//! by `tick check` and at start (Kapacitor accepts the OIDs and fails every alert; it refuses
//! the type letters only in scripts), a missing or disabled `[snmptrap]` section is refused at
//! start, and a failed send is tried again (up to `retries` times, with a capped backoff) on any
//! error, not only on a write timeout.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tick_engine::{ArgType, Event, HandlerSpec, HandlerUse, Literal, PropertySpec};
use tick_gotemplate::{FuncSet, Template};

use crate::arguments::string_arg;
use crate::config::Config;
use crate::error::{BuildError, HandlerError};
use crate::registry::{Deliver, HandlerKind, Services};

const SPEC: HandlerSpec = HandlerSpec {
    kind: "snmpTrap",
    args: &[ArgType::String],
    variadic: None,
    properties: &[PropertySpec {
        name: "data",
        args: &[ArgType::String, ArgType::String, ArgType::String],
        variadic: None,
        doc: "One variable binding: OID, type (c counter, i integer, n null, s string, \
              t time ticks) and value (a Go template); repeatable.",
    }],
    doc: "Send the alert as an SNMPv2c trap to [snmptrap] addr. \
          Example: .snmpTrap('1.3.6.1.4.1.1').data('1.3.6.1.4.1.1.5', 's', '{{ .Level }}')",
};

/// `sysUpTime.0`, sent with every trap (snmpgo's `OidSysUpTime`).
const SYS_UP_TIME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 3, 0];
/// `snmpTrapOID.0`, whose value is the trap OID (snmpgo's `OidSnmpTrap`).
const SNMP_TRAP_OID: &[u32] = &[1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
/// The uptime every trap carries: Kapacitor sends a constant.
const UP_TIME: i64 = 1000;
/// How long one attempt to send may take (snmpgo's default `Timeout`).
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// snmpTrap handler options, shared by TICKscript and handler files (Kapacitor's
/// `snmptrap.HandlerConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The trap OID (`snmpTrapOID.0`'s value); `None` when left out, which the service test
    /// tells from an empty one.
    #[serde(default)]
    pub trap_oid: Option<String>,
    /// The variable bindings after the trap OID, in order; `None` when left out.
    #[serde(default)]
    pub data_list: Option<Vec<Data>>,
}

impl Options {
    fn trap_oid(&self) -> &str {
        self.trap_oid.as_deref().unwrap_or("")
    }

    fn data_list(&self) -> &[Data] {
        self.data_list.as_deref().unwrap_or(&[])
    }
}

/// One variable binding of a trap (Kapacitor's `snmptrap.Data`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    /// Its OID.
    #[serde(default)]
    pub oid: String,
    /// Its type letter: `c`, `i`, `n`, `s` or `t`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Its value, a Go template rendered with the alert data.
    #[serde(default)]
    pub value: String,
}

/// The `[snmptrap]` section (Kapacitor's `snmptrap.Config` and `NewConfig`'s defaults).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct SnmpTrapConfig {
    #[serde(default)]
    enabled: bool,
    #[serde(default = "default_addr")]
    addr: String,
    #[serde(default = "default_community")]
    community: String,
    #[serde(default = "default_retries")]
    retries: i64,
}

fn default_addr() -> String {
    "localhost:162".to_string()
}

fn default_community() -> String {
    "kapacitor".to_string()
}

fn default_retries() -> i64 {
    1
}

impl SnmpTrapConfig {
    fn read(section: &toml::Value) -> Result<SnmpTrapConfig, String> {
        let c: SnmpTrapConfig = crate::service::read_table(section)?;
        // Kapacitor's `Config.Validate`.
        if c.enabled && c.addr.is_empty() {
            return Err("must specify addr".to_string());
        }
        Ok(c)
    }
}

/// Go's `%q` of a string (`strconv.Quote`), as Kapacitor's messages quote OIDs and values.
fn quote(s: &str) -> String {
    let mut out = String::new();
    tick_gotemplate::gofmt::sprintf(&mut out, "%q", &[tick_gotemplate::Value::Str(s.into())]);
    out
}

/// Which part of a use a problem is in: the call (its trap OID) or the `n`th `.data()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Trap,
    Data(usize),
}

/// Kapacitor's `SNMPTrapHandler.validate` (pipeline/alert.go at v1.5.7), run when a script is
/// defined: a trap OID, and a type letter Kapacitor can send for every `.data()`.
fn validate_script(options: &Options) -> Result<(), (Part, String)> {
    let trap_oid = options.trap_oid();
    if trap_oid.is_empty() {
        return Err((
            Part::Trap,
            format!(
                "invalid SNMP trap {}: you must supply a trap Oid",
                quote(trap_oid)
            ),
        ));
    }
    for (i, d) in options.data_list().iter().enumerate() {
        if !matches!(d.kind.as_str(), "c" | "i" | "n" | "s" | "t") {
            return Err((
                Part::Data(i),
                format!(
                    "invalid SNMP trap {}: unsupported data type {} for data entry {}",
                    quote(trap_oid),
                    quote(&d.kind),
                    quote(&d.oid)
                ),
            ));
        }
    }
    Ok(())
}

/// An OID's arcs, checked as snmpgo's `NewOid` checks them (with its messages): Kapacitor
/// parses every OID of a trap this way before sending it.
fn parse_oid(s: &str) -> Result<Vec<u32>, String> {
    let fail = |message: &str| format!("{message}, value `{s}`");
    let mut parts: Vec<&str> = s.split('.').collect();
    // A leading dot (or the empty string) leaves an empty first part, which Kapacitor drops.
    if parts.first() == Some(&"") {
        parts.remove(0);
    }
    if parts.len() > 128 {
        return Err(fail("The sub-identifiers in an OID is up to 128"));
    }
    let mut arcs = Vec::with_capacity(parts.len());
    for p in parts {
        // Go's `strconv.Atoi`: an optional sign, then decimal digits; `-0` is 0.
        let n = p
            .parse::<i64>()
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| fail("The sub-identifiers is range 0..4294967295"))?;
        arcs.push(n);
    }
    if arcs.first().is_some_and(|&a| a > 2) {
        return Err(fail("The first sub-identifier is range 0..2"));
    }
    if arcs.len() < 2 {
        return Err(fail("The first and second sub-identifier is required"));
    }
    if arcs[0] < 2 && arcs[1] >= 40 {
        return Err(fail("The second sub-identifier is range 0..39"));
    }
    Ok(arcs)
}

/// The five types Kapacitor sends, by their letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataType {
    Counter64,
    Integer,
    Null,
    OctetString,
    TimeTicks,
}

impl DataType {
    /// Kapacitor's send-time switch in `Service.Trap`, with its messages for the letters of
    /// net-snmp's `snmptrap` it does not send.
    fn from_letter(letter: &str) -> Result<DataType, String> {
        let unsupported = |what: &str| Err(format!("Snmptrap Datatype '{what}' not supported"));
        match letter {
            "c" => Ok(DataType::Counter64),
            "i" => Ok(DataType::Integer),
            "n" => Ok(DataType::Null),
            "s" => Ok(DataType::OctetString),
            "t" => Ok(DataType::TimeTicks),
            "a" => unsupported("IP address"),
            "d" => unsupported("Decimal string"),
            "o" => unsupported("Object ID"),
            "u" => unsupported("Unsigned integer"),
            "x" => unsupported("Hexadecimal string"),
            other => Err(format!("Snmptrap Datatype not known: {other}")),
        }
    }

    /// The value's BER encoding: `strconv.ParseInt(value, 10, 64)`, then the narrowing
    /// Kapacitor applies (`int32`, `uint32`, `uint64` conversions), with Go's error text.
    fn encode(self, value: &str, out: &mut Vec<u8>) -> Result<(), String> {
        let number = || {
            value.parse::<i64>().map_err(|e| {
                let why = match e.kind() {
                    std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                        "value out of range"
                    }
                    _ => "invalid syntax",
                };
                format!("strconv.ParseInt: parsing {}: {why}", quote(value))
            })
        };
        match self {
            // Quirk: Go's conversions keep the low bits.
            DataType::Counter64 => ber::integer(out, ber::COUNTER64, i128::from(number()? as u64)),
            DataType::Integer => ber::integer(out, ber::INTEGER, i128::from(number()? as i32)),
            DataType::TimeTicks => ber::integer(out, ber::TIME_TICKS, i128::from(number()? as u32)),
            DataType::Null => ber::tlv(out, ber::NULL, &[]),
            DataType::OctetString => ber::tlv(out, ber::OCTET_STRING, value.as_bytes()),
        }
        Ok(())
    }
}

/// One `.data()`, ready to send.
#[derive(Debug)]
struct Binding {
    /// The OID's DER content octets.
    oid: Vec<u8>,
    kind: DataType,
    template: Template,
    /// The value as written (the service test sends it without rendering it).
    raw: String,
}

/// A use's trap, checked and compiled: what every alert sends, but the rendered values.
#[derive(Debug)]
struct Trap {
    /// The trap OID's DER content octets.
    oid: Vec<u8>,
    bindings: Vec<Binding>,
}

/// Compiles the value templates, as Kapacitor's `Service.Handler` does at task start: a
/// template that does not parse stops the start.
fn templates(options: &Options) -> Result<Vec<Template>, (Part, String)> {
    options
        .data_list()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            Template::parse("data", &d.value, &FuncSet::new())
                .map_err(|e| (Part::Data(i), format!("failed to create SNMP handler: {e}")))
        })
        .collect()
}

impl Trap {
    /// Compiles the value templates (Kapacitor's `Service.Handler`, at task start), then checks
    /// every OID and type letter as Kapacitor's `Service.Trap` does before each send.
    fn compile(options: &Options) -> Result<Trap, (Part, String)> {
        let templates = templates(options)?;
        let trap_oid = options.trap_oid();
        let oid = parse_oid(trap_oid).map_err(|e| {
            (
                Part::Trap,
                format!("invalid trap Oid {}: {e}", quote(trap_oid)),
            )
        })?;
        let mut bindings = Vec::with_capacity(templates.len());
        for (i, (d, template)) in options.data_list().iter().zip(templates).enumerate() {
            let arcs = parse_oid(&d.oid).map_err(|e| {
                (
                    Part::Data(i),
                    format!("invalid data Oid {}: {e}", quote(&d.oid)),
                )
            })?;
            let kind = DataType::from_letter(&d.kind).map_err(|e| (Part::Data(i), e))?;
            bindings.push(Binding {
                oid: ber::oid_content(&arcs),
                kind,
                template,
                raw: d.value.clone(),
            });
        }
        Ok(Trap {
            oid: ber::oid_content(&oid),
            bindings,
        })
    }

    /// The whole SNMPv2c message: version 1 (v2c), the community, and a SNMPv2-Trap PDU with
    /// `request_id`, no error, and the variable bindings (`values` in `bindings`' order).
    fn message(
        &self,
        community: &str,
        request_id: i32,
        values: &[&str],
    ) -> Result<Vec<u8>, String> {
        let mut binds = Vec::with_capacity(256);
        let bind = |oid: &[u8], value: &[u8], out: &mut Vec<u8>| {
            let mut inner = Vec::with_capacity(oid.len() + value.len() + 4);
            ber::tlv(&mut inner, ber::OID, oid);
            inner.extend_from_slice(value);
            ber::tlv(out, ber::SEQUENCE, &inner);
        };
        let mut value = Vec::new();
        ber::integer(&mut value, ber::TIME_TICKS, i128::from(UP_TIME));
        bind(&ber::oid_content(SYS_UP_TIME), &value, &mut binds);
        value.clear();
        ber::tlv(&mut value, ber::OID, &self.oid);
        bind(&ber::oid_content(SNMP_TRAP_OID), &value, &mut binds);
        for (b, v) in self.bindings.iter().zip(values) {
            value.clear();
            b.kind.encode(v, &mut value)?;
            bind(&b.oid, &value, &mut binds);
        }
        let mut pdu = Vec::with_capacity(binds.len() + 16);
        ber::integer(&mut pdu, ber::INTEGER, i128::from(request_id));
        ber::integer(&mut pdu, ber::INTEGER, 0);
        ber::integer(&mut pdu, ber::INTEGER, 0);
        ber::tlv(&mut pdu, ber::SEQUENCE, &binds);
        let mut message = Vec::with_capacity(pdu.len() + community.len() + 16);
        ber::integer(&mut message, ber::INTEGER, 1);
        ber::tlv(&mut message, ber::OCTET_STRING, community.as_bytes());
        ber::tlv(&mut message, ber::SNMPV2_TRAP, &pdu);
        let mut out = Vec::with_capacity(message.len() + 4);
        ber::tlv(&mut out, ber::SEQUENCE, &message);
        Ok(out)
    }
}

/// The `snmpTrap` entry of the handler catalogue.
pub(crate) struct Kind;

/// The span of the part of a script's use at fault.
fn span_of(handler: &HandlerUse, part: Part) -> tick_syntax::Span {
    match part {
        Part::Trap => handler.span,
        Part::Data(i) => handler
            .properties
            .iter()
            .filter(|p| p.name == "data")
            .nth(i)
            .map_or(handler.span, |p| p.span),
    }
}

fn refused(message: String, span: Option<tick_syntax::Span>) -> BuildError {
    BuildError::Refused { message, span }
}

fn error(message: impl Into<String>) -> BuildError {
    BuildError::Property {
        kind: "snmpTrap",
        property: "",
        message: message.into(),
    }
}

impl HandlerKind for Kind {
    const NAME: &'static str = "snmpTrap";
    const FILE_NAME: &'static str = "snmptrap";
    const SPEC: Option<HandlerSpec> = Some(SPEC);
    const SECTION: Option<&'static str> = Some("snmptrap");
    type Options = Options;
    type Handler = SnmpTrapHandler;

    fn from_use(handler: &HandlerUse) -> Result<Options, BuildError> {
        let trap_oid = string_arg("snmpTrap", "the trap OID", handler.args.first())?;
        let data_list = handler
            .properties
            .iter()
            .filter_map(|p| match (p.name.as_str(), p.args.as_slice()) {
                (
                    "data",
                    [
                        Literal::String(oid),
                        Literal::String(kind),
                        Literal::String(value),
                    ],
                ) => Some(Data {
                    oid: oid.clone(),
                    kind: kind.clone(),
                    value: value.clone(),
                }),
                _ => None,
            })
            .collect();
        Ok(Options {
            trap_oid: Some(trap_oid),
            data_list: Some(data_list),
        })
    }

    fn check_section(section: &toml::Value) -> Result<(), String> {
        SnmpTrapConfig::read(section).map(drop)
    }

    fn build(
        options: Options,
        _topic: &str,
        services: &Services,
    ) -> Result<SnmpTrapHandler, BuildError> {
        SnmpTrapHandler::new(&options, &services.config)
    }

    /// An OID Kapacitor cannot encode is accepted at start there and fails at every alert:
    /// a warning here, and the same failure at every alert.
    fn warnings(handler: &HandlerUse) -> Vec<(tick_syntax::Span, String)> {
        let Ok(options) = Kind::from_use(handler) else {
            return Vec::new();
        };
        if validate_script(&options).is_err() || templates(&options).is_err() {
            return Vec::new();
        }
        match Trap::compile(&options) {
            Ok(_) => Vec::new(),
            Err((part, message)) => vec![(
                span_of(handler, part),
                format!("{message} (every alert of this handler will fail)"),
            )],
        }
    }

    fn check(handler: &HandlerUse, config: Option<&Config>) -> Result<(), BuildError> {
        let options = Kind::from_use(handler)?;
        validate_script(&options)
            .and_then(|()| templates(&options).map(drop))
            .map_err(|(part, message)| refused(message, Some(span_of(handler, part))))?;
        match config {
            Some(config) => SnmpTrapHandler::new(&options, config).map(drop),
            None => Ok(()),
        }
    }

    async fn service_test(config: &Config, options: Options) -> Option<Result<(), String>> {
        // Kapacitor's `TestOptions`: trap OID 1.1.1.1 and one string, sent as written (not
        // rendered), for the keys left out (`"data-list": []` sends no data, as there).
        let options = Options {
            trap_oid: options.trap_oid.or_else(|| Some("1.1.1.1".to_string())),
            data_list: options.data_list.or_else(|| {
                Some(vec![Data {
                    oid: "1.1.1.1.2".to_string(),
                    kind: "s".to_string(),
                    value: "test snmptrap message".to_string(),
                }])
            }),
        };
        let result = async {
            // Kapacitor's `Service.Trap` answers a missing or disabled section first.
            let enabled = config
                .services
                .get("snmptrap")
                .and_then(|s| SnmpTrapConfig::read(s).ok())
                .is_some_and(|c| c.enabled);
            if !enabled {
                return Err("service is not enabled".to_string());
            }
            let mut handler = SnmpTrapHandler::new(&options, config).map_err(|e| e.to_string())?;
            let values: Vec<String> = handler
                .trap
                .as_ref()
                .map_err(Clone::clone)?
                .bindings
                .iter()
                .map(|b| b.raw.clone())
                .collect();
            handler.send(&values).await
        };
        Some(result.await)
    }
}

/// Sends alerts as SNMPv2c traps to `[snmptrap] addr`.
pub struct SnmpTrapHandler {
    addr: String,
    community: String,
    retries: u32,
    /// The compiled trap, or why its OIDs cannot be sent (the message of every alert).
    trap: Result<Trap, String>,
    /// The next request id; ids go up by one from a random start, within Go's `Int31` range.
    request_id: u32,
}

impl std::fmt::Debug for SnmpTrapHandler {
    // The community is a password: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnmpTrapHandler")
            .field("addr", &self.addr)
            .field("retries", &self.retries)
            .field("trap", &self.trap)
            .finish_non_exhaustive()
    }
}

impl SnmpTrapHandler {
    fn new(options: &Options, config: &Config) -> Result<SnmpTrapHandler, BuildError> {
        let c = match config.services.get("snmptrap") {
            Some(s) => SnmpTrapConfig::read(s).map_err(error)?,
            None => {
                return Err(error(
                    "service is not enabled: add a [snmptrap] section with enabled = true and \
                     an addr to the file given with --config",
                ));
            }
        };
        if !c.enabled {
            return Err(error("service is not enabled"));
        }
        templates(options).map_err(|(_, message)| refused(message, None))?;
        // A bad OID fails at every alert, as in Kapacitor (`Service.Trap`).
        let trap = Trap::compile(options).map_err(|(_, message)| message);
        Ok(SnmpTrapHandler {
            addr: c.addr,
            community: c.community,
            // Kapacitor converts with `uint(c.Retries)`; a negative count means no retry here,
            // and the dispatcher's per-event timeout bounds them all.
            retries: u32::try_from(c.retries).unwrap_or(0),
            trap,
            request_id: random_request_id(),
        })
    }

    /// Encodes the trap with `values` and sends it, trying again after a failure up to
    /// `retries` times (pausing 250 ms, doubling, at most 5 s). Each attempt has its own
    /// timeout. The error is Kapacitor's text where it has one.
    async fn send(&mut self, values: &[String]) -> Result<(), String> {
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let request_id = (self.request_id & 0x7fff_ffff) as i32;
        self.request_id = self.request_id.wrapping_add(1);
        let trap = self.trap.as_ref().map_err(Clone::clone)?;
        let datagram = trap.message(&self.community, request_id, &values)?;
        let mut delay = Duration::from_millis(250);
        let mut attempt = 0;
        loop {
            let sent = tokio::time::timeout(SEND_TIMEOUT, send_datagram(&self.addr, &datagram))
                .await
                .unwrap_or_else(|_| Err(format!("timed out after {SEND_TIMEOUT:?}")));
            match sent {
                Ok(()) => return Ok(()),
                Err(e) if attempt >= self.retries => {
                    return Err(format!("failed to send SNMP trap to {}: {e}", self.addr));
                }
                Err(e) => {
                    attempt += 1;
                    tracing::warn!(handler = %crate::dispatch::current_handler().as_deref().unwrap_or("-"), attempt, addr = %self.addr, "failed to send SNMP trap ({e}); trying again in {delay:?}");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

/// A request id to start from, as random as snmpgo's (`rand.Int31`).
fn random_request_id() -> u32 {
    // Truncation keeps the low bits, which are as random as the rest.
    RandomState::new().hash_one(Instant::now()) as u32
}

/// Sends one datagram from a fresh socket of the address's family (snmpgo dials `udp`).
async fn send_datagram(addr: &str, datagram: &[u8]) -> Result<(), String> {
    let target = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| e.to_string())?
        .next()
        .ok_or_else(|| format!("no address found for {addr}"))?;
    let local = if target.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = tokio::net::UdpSocket::bind(local)
        .await
        .map_err(|e| e.to_string())?;
    socket.connect(target).await.map_err(|e| e.to_string())?;
    let n = socket.send(datagram).await.map_err(|e| e.to_string())?;
    if n != datagram.len() {
        return Err(format!("sent {n} of {} bytes", datagram.len()));
    }
    Ok(())
}

impl Deliver for SnmpTrapHandler {
    async fn handle(&mut self, event: &Event) -> Result<(), HandlerError> {
        // Kapacitor's `handler.Handle`: every value rendered with the event's template data.
        let data = event.handler_data();
        let trap = self
            .trap
            .as_ref()
            .map_err(|message| HandlerError::Service {
                kind: "snmpTrap",
                message: message.clone(),
            })?;
        let mut values = Vec::with_capacity(trap.bindings.len());
        for b in &trap.bindings {
            let mut value = String::new();
            b.template
                .render(&data, &mut value)
                .map_err(|e| HandlerError::Service {
                    kind: "snmpTrap",
                    message: e.to_string(),
                })?;
            values.push(value);
        }
        self.send(&values)
            .await
            .map_err(|message| HandlerError::Service {
                kind: "snmpTrap",
                message,
            })
    }
}

/// The few DER encodings a trap needs, written as Go's `encoding/asn1` writes them (minimal
/// lengths and integers).
mod ber {
    pub(super) const INTEGER: u8 = 0x02;
    pub(super) const OCTET_STRING: u8 = 0x04;
    pub(super) const NULL: u8 = 0x05;
    pub(super) const OID: u8 = 0x06;
    pub(super) const SEQUENCE: u8 = 0x30;
    /// `[APPLICATION 3] TimeTicks`.
    pub(super) const TIME_TICKS: u8 = 0x43;
    /// `[APPLICATION 6] Counter64`.
    pub(super) const COUNTER64: u8 = 0x46;
    /// `[7] SNMPv2-Trap-PDU` (RFC 3416).
    pub(super) const SNMPV2_TRAP: u8 = 0xa7;

    /// Tag, definite length (short form below 128, else the fewest octets), content.
    pub(super) fn tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
        out.push(tag);
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
    }

    /// An integer in the fewest two's complement octets (an unsigned value that sets the top
    /// bit gets a leading zero).
    pub(super) fn integer(out: &mut Vec<u8>, tag: u8, value: i128) {
        let bytes = value.to_be_bytes();
        let mut start = 0;
        while start + 1 < bytes.len() {
            let (b, next) = (bytes[start], bytes[start + 1]);
            if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
                start += 1;
            } else {
                break;
            }
        }
        tlv(out, tag, &bytes[start..]);
    }

    /// An OID's content octets: the first two arcs as one (40 × first + second), then each arc
    /// in base 128, high bit set on all but its last octet.
    pub(super) fn oid_content(arcs: &[u32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(arcs.len() + 4);
        let first = match arcs {
            [a, b, ..] => u64::from(*a) * 40 + u64::from(*b),
            [a] => u64::from(*a) * 40,
            [] => 0,
        };
        let mut push = |mut n: u64| {
            let mut digits = [0u8; 10];
            let mut i = digits.len();
            loop {
                i -= 1;
                digits[i] = (n & 0x7f) as u8 | if i == digits.len() - 1 { 0 } else { 0x80 };
                n >>= 7;
                if n == 0 {
                    break;
                }
            }
            out.extend_from_slice(&digits[i..]);
        };
        push(first);
        for &arc in arcs.iter().skip(2) {
            push(u64::from(arc));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn options(trap_oid: &str, data: &[(&str, &str, &str)]) -> Options {
        Options {
            trap_oid: Some(trap_oid.to_string()),
            data_list: Some(
                data.iter()
                    .map(|(oid, kind, value)| Data {
                        oid: oid.to_string(),
                        kind: kind.to_string(),
                        value: value.to_string(),
                    })
                    .collect(),
            ),
        }
    }

    /// The datagrams Kapacitor 1.5.7 sent (captured on a UDP socket) for a CRITICAL and its
    /// recovery, `community = "public"`; encoded here with the same request ids and the values
    /// its templates rendered.
    #[test]
    fn the_trap_is_byte_for_byte_kapacitors() {
        let trap = Trap::compile(&options(
            "1.3.6.1.4.1.53864.1",
            &[
                ("1.3.6.1.4.1.53864.1.1", "s", "{{ .Message }} é"),
                (
                    "1.3.6.1.4.1.53864.1.2",
                    "i",
                    "{{ index .Fields \"delta\" }}",
                ),
                (
                    "1.3.6.1.4.1.53864.1.3",
                    "c",
                    "{{ index .Fields \"requests\" }}",
                ),
                ("1.3.6.1.4.1.53864.1.4", "t", "3000000000"),
                ("1.3.6.1.4.1.53864.1.5", "n", ""),
                (
                    "1.3.6.1.4.1.53864.1.6",
                    "i",
                    "{{ index .Fields \"usage_idle\" }}",
                ),
                ("1.3.6.1.4.1.53864.1.7", "s", "{{ .Level }}"),
            ],
        ))
        .expect("compiles");
        let critical = trap
            .message(
                "public",
                0x735e95a7,
                &[
                    "cpu/a is CRITICAL é",
                    "-300",
                    "4294967296000",
                    "3000000000",
                    "",
                    "5",
                    "CRITICAL",
                ],
            )
            .expect("encodes");
        assert_eq!(
            hex(&critical),
            "3081e002010104067075626c6963a781d20204735e95a70201000201003081c3300e06082b060102010103\
             00430203e83017060a2b06010603010104010006092b0601040183a468013022060a2b0601040183a468\
             010104146370752f6120697320435249544943414c20c3a93010060a2b0601040183a46801020202fed4\
             3014060a2b0601040183a4680103460603e8000000003013060a2b0601040183a4680104430500b2d05e\
             00300e060a2b0601040183a46801050500300f060a2b0601040183a46801060201053016060a2b060104\
             0183a46801070408435249544943414c"
        );
        let ok = trap
            .message(
                "public",
                0x37bbf267,
                &[
                    "cpu/a is OK é",
                    "127",
                    "9223372036854775807",
                    "3000000000",
                    "",
                    "200",
                    "OK",
                ],
            )
            .expect("encodes");
        assert_eq!(
            hex(&ok),
            "3081d602010104067075626c6963a781c8020437bbf2670201000201003081b9300e06082b0601020101\
             0300430203e83017060a2b06010603010104010006092b0601040183a46801301c060a2b0601040183a4\
             680101040e6370752f61206973204f4b20c3a9300f060a2b0601040183a468010202017f3016060a2b06\
             01040183a468010346087fffffffffffffff3013060a2b0601040183a4680104430500b2d05e00300e06\
             0a2b0601040183a468010505003010060a2b0601040183a4680106020200c83010060a2b0601040183a4\
             68010704024f4b"
        );
    }

    /// Go's conversions, as Kapacitor 1.5.7 sent them (captured): `t` -1 is 2³²-1 TimeTicks,
    /// `c` -1 is 2⁶⁴-1, `i` 4294967297 keeps its low 32 bits.
    #[test]
    fn numbers_are_narrowed_as_go_converts_them() {
        let cases = [
            (
                "t",
                "-1",
                0x18e91451,
                "304902010104067075626c6963a73c020418e91451020100020100302e300e06082b06010201010300430203e8300f060a2b06010603010104010006012a300b06022b06430500ffffffff",
            ),
            (
                "c",
                "-1",
                0x5bc53b85,
                "304d02010104067075626c6963a74002045bc53b850201000201003032300e06082b06010201010300430203e8300f060a2b06010603010104010006012a300f06022b06460900ffffffffffffffff",
            ),
            (
                "i",
                "4294967297",
                0x43ac0ff4,
                "304502010104067075626c6963a738020443ac0ff4020100020100302a300e06082b06010201010300430203e8300f060a2b06010603010104010006012a300706022b06020101",
            ),
        ];
        for (kind, value, id, expected) in cases {
            let trap = Trap::compile(&options("1.2", &[("1.3.6", kind, value)])).expect("compiles");
            let bytes = trap.message("public", id, &[value]).expect("encodes");
            assert_eq!(hex(&bytes), expected, "{kind} {value}");
        }
    }

    /// Kapacitor 1.5.7's messages (its daemon log) for values `strconv.ParseInt` refuses.
    #[test]
    fn unparsable_numbers_fail_with_gos_message() {
        let trap = Trap::compile(&options("1.2", &[("1.3.6", "i", "x")])).expect("compiles");
        assert_eq!(
            trap.message("public", 1, &["abc"]).unwrap_err(),
            "strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            trap.message("public", 1, &["99999999999999999999"])
                .unwrap_err(),
            "strconv.ParseInt: parsing \"99999999999999999999\": value out of range"
        );
    }

    /// snmpgo's `NewOid` messages, as Kapacitor 1.5.7 logged them for each alert.
    #[test]
    fn oids_are_checked_as_kapacitor_checks_them() {
        let fail = |trap: &str, data: &str| {
            Trap::compile(&options(trap, &[(data, "s", "v")]))
                .map(drop)
                .unwrap_err()
        };
        assert_eq!(
            fail("1.45", "1.2.3"),
            (
                Part::Trap,
                "invalid trap Oid \"1.45\": The second sub-identifier is range 0..39, value `1.45`"
                    .to_string()
            )
        );
        assert_eq!(
            fail("1.2", "1.x"),
            (
                Part::Data(0),
                "invalid data Oid \"1.x\": The sub-identifiers is range 0..4294967295, value `1.x`"
                    .to_string()
            )
        );
        assert_eq!(
            parse_oid("3.1").unwrap_err(),
            "The first sub-identifier is range 0..2, value `3.1`"
        );
        assert_eq!(
            parse_oid("").unwrap_err(),
            "The first and second sub-identifier is required, value ``"
        );
        assert_eq!(parse_oid(".1.3.6").expect("leading dot"), [1, 3, 6]);
        assert_eq!(
            ber::oid_content(&[2, 999, 4294967295]),
            [0x88, 0x37, 0x8f, 0xff, 0xff, 0xff, 0x7f]
        );
    }

    /// Kapacitor 1.5.7's `kapacitor define` answers (`SNMPTrapHandler.validate`), and the
    /// send-time messages for letters it refuses only there.
    #[test]
    fn type_letters_are_kapacitors() {
        assert_eq!(
            validate_script(&options("", &[])).unwrap_err().1,
            "invalid SNMP trap \"\": you must supply a trap Oid"
        );
        assert_eq!(
            validate_script(&options("1.2", &[("1.2.3", "s", ""), ("1.2.3", "a", "")]))
                .unwrap_err(),
            (
                Part::Data(1),
                "invalid SNMP trap \"1.2\": unsupported data type \"a\" for data entry \"1.2.3\""
                    .to_string()
            )
        );
        assert_eq!(
            DataType::from_letter("a").unwrap_err(),
            "Snmptrap Datatype 'IP address' not supported"
        );
        assert_eq!(
            DataType::from_letter("S").unwrap_err(),
            "Snmptrap Datatype not known: S"
        );
    }

    #[test]
    fn the_community_never_shows_in_debug_output() {
        let (config, _) = Config::from_toml_str(
            "[snmptrap]\n  enabled = true\n  addr = \"127.0.0.1:9\"\n  community = \"s3cret\"\n",
            "k.conf",
        )
        .expect("config");
        let handler = SnmpTrapHandler::new(&options("1.2", &[]), &config).expect("builds");
        assert!(!format!("{handler:?}").contains("s3cret"));
    }
}
