//! MQTT handler options (Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7), shared by the TICKscript chain (`.mqtt('t').qos(1)`) and
//! handler files (`kind: mqtt`, keys `broker-name`, `topic`, `qos`, `retained`). Owns decoding
//! only.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use tick_engine::{HandlerUse, Literal};

/// Quality of service of a publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Qos {
    #[default]
    /// QoS 0: sent once, never acknowledged.
    AtMostOnce,
    /// QoS 1: acknowledged by PUBACK; may arrive twice.
    AtLeastOnce,
    /// QoS 2: completed by PUBCOMP; arrives once.
    ExactlyOnce,
}

impl Qos {
    /// 0, 1 or 2.
    pub fn level(self) -> u8 {
        match self {
            Qos::AtMostOnce => 0,
            Qos::AtLeastOnce => 1,
            Qos::ExactlyOnce => 2,
        }
    }

    /// QoS from an integer; anything but 0, 1 or 2 is refused (Deviation from Kapacitor, which
    /// casts to a byte and sends a malformed packet, Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7).
    pub fn from_int(q: i64) -> Result<Qos, String> {
        match q {
            0 => Ok(Qos::AtMostOnce),
            1 => Ok(Qos::AtLeastOnce),
            2 => Ok(Qos::ExactlyOnce),
            other => Err(qos_range_message(other)),
        }
    }

    /// QoS from the option strings. Quirk (Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7): Kapacitor spells QoS 2 `exactly-one`
    /// and refuses `exactly-once`.
    pub fn from_name(s: &str) -> Result<Qos, String> {
        match s {
            "at-most-once" => Ok(Qos::AtMostOnce),
            "at-least-once" => Ok(Qos::AtLeastOnce),
            "exactly-one" => Ok(Qos::ExactlyOnce),
            "exactly-once" => Err(
                "invalid QoS \"exactly-once\": Kapacitor spells QoS 2 \"exactly-one\" (or use 2)"
                    .to_owned(),
            ),
            other => Err(format!(
                "invalid QoS {other:?}: use 0, 1, 2, \"at-most-once\", \"at-least-once\" or \"exactly-one\""
            )),
        }
    }

    pub(crate) fn to_rumqttc(self) -> rumqttc::QoS {
        match self {
            Qos::AtMostOnce => rumqttc::QoS::AtMostOnce,
            Qos::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
            Qos::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
        }
    }
}

pub(crate) fn qos_range_message(q: i64) -> String {
    format!("invalid QoS {q}: must be 0, 1 or 2")
}

impl<'de> Deserialize<'de> for Qos {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Qos, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Qos;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("0, 1, 2, \"at-most-once\", \"at-least-once\" or \"exactly-one\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Qos, E> {
                Qos::from_int(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Qos, E> {
                Qos::from_int(i64::try_from(v).unwrap_or(i64::MAX)).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Qos, E> {
                if v.fract() == 0.0 && (0.0..=2.0).contains(&v) {
                    Qos::from_int(v as i64).map_err(E::custom)
                } else {
                    Err(E::custom(format!("invalid QoS {v}: must be 0, 1 or 2")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Qos, E> {
                Qos::from_name(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Options of one MQTT handler. In handler files the keys are `broker-name`, `topic`, `qos`
/// (an int or `at-most-once` / `at-least-once` / `exactly-one`) and `retained`; unknown keys
/// are refused (Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// `""` means the default broker.
    #[serde(default)]
    pub broker_name: String,
    /// A Go template rendered per event.
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    /// `.qos()`: 0, 1 or 2 (default 0).
    pub qos: Qos,
    #[serde(default)]
    /// `.retained()`: ask the broker to keep the last message for later subscribers.
    pub retained: bool,
}

impl Options {
    /// Options from `.mqtt('topic').brokerName(..).topic(..).qos(..).retained(..)`; the last
    /// setting of a property wins and `.topic()` overrides the method argument (Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7).
    pub fn from_use(u: &HandlerUse) -> Result<Options, String> {
        let mut opts = Options::from_use_lenient(u);
        if let Some([Literal::Int(q)]) = u.property("qos") {
            opts.qos = Qos::from_int(*q)?;
        }
        Ok(opts)
    }

    /// Like [`Options::from_use`], ignoring an invalid QoS (for reporting several problems).
    pub(crate) fn from_use_lenient(u: &HandlerUse) -> Options {
        let string = |args: Option<&[Literal]>| match args {
            Some([Literal::String(s)]) => Some(s.clone()),
            _ => None,
        };
        let mut opts = Options {
            topic: string(Some(u.args.as_slice())).unwrap_or_default(),
            ..Options::default()
        };
        if let Some(t) = string(u.property("topic")) {
            opts.topic = t;
        }
        if let Some(b) = string(u.property("brokerName")) {
            opts.broker_name = b;
        }
        if let Some([Literal::Int(q)]) = u.property("qos") {
            opts.qos = Qos::from_int(*q).unwrap_or_default();
        }
        if let Some([Literal::Bool(r)]) = u.property("retained") {
            opts.retained = *r;
        }
        opts
    }
}
