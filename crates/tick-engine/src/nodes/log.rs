//! `|log()` (Kapacitor's `log.go` `LogNode` at v1.5.7): produces one logfmt line per point and
//! passes the data on unchanged. The line goes to the task's log records (`Task::drain_logs`);
//! printing is the binary's job.

use std::fmt::Write as _;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps};
use crate::node_runtime::{LogLevel, Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Message, Point};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "log",
    kind: "log",
    args: &[],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new(
            "level",
            &[Arg::STRING],
            "DEBUG, INFO or ERROR; anything else (WARN too) logs at INFO.",
        ),
        NodeProperty::new("prefix", &[Arg::STRING], "Text of the `prefix` key."),
    ],
    handlers: false,
    doc: "Logs every point as a logfmt line and passes it on.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let level = match props
        .string("level")
        .map(|s| s.value.to_ascii_uppercase())
        .as_deref()
    {
        Some("DEBUG") => LogLevel::Debug,
        Some("ERROR") => LogLevel::Error,
        _ => LogLevel::Info,
    };
    Ok(Box::new(Log {
        level,
        prefix: props
            .string("prefix")
            .map(|s| s.value.to_string())
            .unwrap_or_default(),
    }))
}

struct Log {
    level: LogLevel,
    prefix: String,
}

/// Writes `key=value`. Like go-logfmt, a value holding a space, `=`, `"` or a control character
/// is quoted (`group="host=a"`); an empty value is written bare (`group=`).
fn kv(out: &mut String, key: &str, value: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(key);
    out.push('=');
    let needs_quotes = value
        .chars()
        .any(|c| c == ' ' || c == '"' || c == '=' || c.is_control());
    if needs_quotes {
        let _ = write!(out, "{value:?}");
    } else {
        out.push_str(value);
    }
}

/// Go's `%v` of a float64: shortest digits, exponent form (`1e+06`) when the exponent is
/// below -4 or at least 6.
pub(crate) fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

fn field_text(v: &FieldValue) -> String {
    match v {
        FieldValue::Float(f) => go_float(*f),
        FieldValue::Int(i) => i.to_string(),
        FieldValue::String(s) => s.clone(),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Duration(d) => d.to_string(),
    }
}

impl Log {
    fn line(&self, p: &Point) -> String {
        let mut s = String::new();
        kv(&mut s, "prefix", &self.prefix);
        kv(&mut s, "name", &p.name);
        kv(&mut s, "db", &p.db);
        kv(&mut s, "rp", &p.rp);
        kv(&mut s, "group", p.group.as_str());
        for (i, d) in p.dimensions.tag_names().iter().enumerate() {
            kv(&mut s, &format!("dimension_{i}"), d);
        }
        for (k, v) in p.tags.iter() {
            kv(&mut s, &format!("tag_{k}"), v);
        }
        for (k, v) in p.fields.iter() {
            kv(&mut s, &format!("field_{k}"), &field_text(v));
        }
        kv(&mut s, "time", &crate::time::rfc3339_nano(p.time));
        s
    }
}

impl Node for Log {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match &msg {
            Message::Point(p) => ctx.log(self.level, self.line(p)),
            Message::Batch(b) => {
                for p in &b.points {
                    ctx.log(self.level, self.line(p));
                }
            }
        }
        out.push(msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::point::{Fields, Tags};

    #[test]
    fn go_float_uses_exponents_like_fmt_v() {
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(2.5), "2.5");
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(1.5e300), "1.5e+300");
    }

    #[test]
    fn a_point_is_logged_with_prefix_name_db_rp_group_tags_fields_and_time() {
        let log = Log {
            level: LogLevel::Info,
            prefix: "PFX".into(),
        };
        let p = Point::new(
            "cpu",
            "db10",
            "rp",
            Tags::from_pairs([("host", "a")]),
            Fields::from_pairs([("v", FieldValue::Float(1.0))]),
            1_000_000_000,
        );
        assert_eq!(
            log.line(&p),
            "prefix=PFX name=cpu db=db10 rp=rp group= tag_host=a field_v=1 time=1970-01-01T00:00:01Z"
        );
    }

    #[test]
    fn values_with_spaces_are_quoted() {
        let mut s = String::new();
        kv(&mut s, "field_s", "a b");
        assert_eq!(s, "field_s=\"a b\"");
    }
}
