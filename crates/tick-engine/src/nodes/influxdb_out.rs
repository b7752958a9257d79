//! `|influxDBOut()` (Kapacitor's `pipeline/influxdb_out.go` and `influxdb_out.go`
//! `InfluxDBOutNode` at v1.5.7): turns each point into one line of line protocol for an InfluxDB
//! 1.x database. The engine does no IO: the lines wait in the node until the task hands them
//! out (`Task::drain_influxdb_writes`), and the binary's writer batches and sends them. Nothing
//! can be chained after it (Kapacitor's `NoEdge`).
//!
//! What a line holds is Kapacitor's `InfluxDBOutNode.write` and `influxdb.Point.Bytes`
//! (influxdb/client.go at v1.5.7): the node's `.measurement()` or the point's name; every tag of
//! the point with the node's `.tag()`s over them, sorted; every field, sorted; the time divided by
//! the precision's unit. The database and retention policy are the node's, else the point's
//! (a batch has none).

use std::sync::Arc;
use std::time::Duration;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Message, Point};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "influxDBOut",
    kind: "influxdb_out",
    args: &[],
    optional: &[],
    variadic: None,
    chains: &[],
    properties: &[
        NodeProperty::new(
            "cluster",
            &[Arg::STRING],
            "The [[influxdb]] section to write to (default: the default one).",
        ),
        NodeProperty::new(
            "database",
            &[Arg::STRING],
            "The database (default: the point's).",
        ),
        NodeProperty::new(
            "retentionPolicy",
            &[Arg::STRING],
            "The retention policy (default: the point's).",
        ),
        NodeProperty::new(
            "measurement",
            &[Arg::STRING],
            "The measurement (default: the point's).",
        ),
        NodeProperty::new(
            "writeConsistency",
            &[Arg::STRING],
            "The write consistency (InfluxDB Enterprise).",
        ),
        NodeProperty::new(
            "precision",
            &[Arg::STRING],
            "The precision of the written times (default ns).",
        ),
        NodeProperty::new(
            "buffer",
            &[Arg::INT],
            "Points buffered before a write (default 1000).",
        ),
        NodeProperty::new(
            "flushInterval",
            &[Arg::DURATION],
            "Longest time points wait before a write (default 10s).",
        ),
        NodeProperty::flag(
            "create",
            "Create the database (and retention policy) first.",
        ),
        NodeProperty::new(
            "tag",
            &[Arg::STRING, Arg::STRING],
            "Add or replace a tag on every written point.",
        ),
    ],
    handlers: false,
    doc: "Writes the data to InfluxDB.",
    build,
};

/// Kapacitor's `DefaultBufferSize` (pipeline/influxdb_out.go at v1.5.7).
const DEFAULT_BUFFER: usize = 1000;
/// Kapacitor's `DefaultFlushInterval` (pipeline/influxdb_out.go at v1.5.7).
const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(10);

/// What one `influxDBOut` node was configured with, for the writer that sends its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfluxDbOutSettings {
    /// The node name (`influxdb_out3`).
    pub node: String,
    /// `.cluster()`: the `[[influxdb]]` name; empty for the default one.
    pub cluster: String,
    /// `.database()`; empty: each point's own.
    pub database: String,
    /// `.retentionPolicy()`; empty: each point's own.
    pub retention_policy: String,
    /// `.writeConsistency()`, sent as the `consistency` parameter (empty by default).
    pub write_consistency: String,
    /// `.precision()`, sent as the `precision` parameter (`ns` by default).
    pub precision: String,
    /// `.buffer()`: a write goes out once this many points of one database and retention
    /// policy are waiting.
    pub buffer: usize,
    /// `.flushInterval()`: waiting points are written at least this often.
    pub flush_interval: Duration,
    /// `.create()`: `CREATE DATABASE` (with the retention policy) before the first write.
    pub create: bool,
}

/// One line of line protocol for an `influxDBOut` node, with where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfluxDbWrite {
    /// The database (the node's, else the point's).
    pub database: Arc<str>,
    /// The retention policy (the node's, else the point's).
    pub retention_policy: Arc<str>,
    /// The point as line protocol, without the line end.
    pub line: String,
}

/// The time units Kapacitor's `influxdb.NewBatchPoints` accepts as a precision (Go's
/// `time.ParseDuration` of `"1" + precision`), and the divisor of nanosecond times that
/// `influxdb.Point.Bytes` uses for each (the vendored `models.GetPrecisionMultiplier`).
/// **Quirk:** the multiplier knows `u` but not `us`, and `u` is no Go duration unit, so
/// `.precision('us')` writes nanosecond times that InfluxDB reads as microseconds.
fn precision_divisor(precision: &str) -> Option<i64> {
    Some(match precision {
        "" | "ns" | "us" | "µs" | "μs" => 1,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

fn build(props: &NodeProps, ctx: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let text = |name: &str| {
        props
            .string(name)
            .map_or_else(String::new, |s| s.value.to_string())
    };
    let mut errors = Vec::new();
    let precision = text("precision");
    let divisor = match precision_divisor(&precision) {
        Some(d) => d,
        None => {
            // Deviation: Kapacitor accepts the task and then fails every write with Go's
            // duration error; such a task can never write, so tick refuses it up front.
            if let Some(p) = props.string("precision") {
                errors.push(Diagnostic::error(
                    p.span,
                    format!(
                        "invalid precision {precision:?}: must be one of ns, us, ms, s, m or h"
                    ),
                ));
            }
            1
        }
    };
    let buffer = match props.int("buffer") {
        Some(b) if b.value <= 0 => {
            // Deviation: Kapacitor then writes after every point (a buffer of 0 is always
            // full) and panics on a negative one; tick asks for a usable size.
            errors.push(Diagnostic::error(
                b.span,
                format!("invalid buffer {}: must be at least 1", b.value),
            ));
            1
        }
        Some(b) => usize::try_from(b.value).unwrap_or(usize::MAX),
        None => DEFAULT_BUFFER,
    };
    let flush_interval = match props.duration("flushInterval") {
        Some(d) if d.value <= 0 => {
            // Deviation: Go's `time.NewTicker` panics on a duration that is not positive.
            errors.push(Diagnostic::error(
                d.span,
                "invalid flushInterval: must be positive",
            ));
            DEFAULT_FLUSH_INTERVAL
        }
        Some(d) => Duration::from_nanos(d.value.unsigned_abs()),
        None => DEFAULT_FLUSH_INTERVAL,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    // A later `.tag()` of the same key replaces an earlier one (Kapacitor keeps them in a map).
    let mut tags: Vec<(Arc<str>, Arc<str>)> = Vec::new();
    for s in props.all("tag") {
        let value_of = |i: usize| match s.args.get(i).map(|a| &a.value) {
            Some(crate::node_props::Value::String(v)) => Some(Arc::<str>::from(v.as_str())),
            _ => None,
        };
        let (Some(k), Some(v)) = (value_of(0), value_of(1)) else {
            continue;
        };
        match tags.iter_mut().find(|(key, _)| *key == k) {
            Some(slot) => slot.1 = v,
            None => tags.push((k, v)),
        }
    }
    let settings = InfluxDbOutSettings {
        node: ctx.node_name.to_string(),
        cluster: text("cluster"),
        database: text("database"),
        retention_policy: text("retentionPolicy"),
        write_consistency: text("writeConsistency"),
        precision: if precision.is_empty() {
            "ns".to_string()
        } else {
            precision
        },
        buffer,
        flush_interval,
        create: props.flag("create").is_some(),
    };
    let measurement = text("measurement");
    Ok(Box::new(InfluxDbOut {
        database: Arc::from(settings.database.as_str()),
        retention_policy: Arc::from(settings.retention_policy.as_str()),
        measurement: (!measurement.is_empty()).then(|| Arc::from(measurement.as_str())),
        settings,
        tags,
        divisor,
        pending: Vec::new(),
        scratch: Vec::new(),
    }))
}

struct InfluxDbOut {
    settings: InfluxDbOutSettings,
    database: Arc<str>,
    retention_policy: Arc<str>,
    measurement: Option<Arc<str>>,
    tags: Vec<(Arc<str>, Arc<str>)>,
    divisor: i64,
    /// Lines not yet handed to the writer.
    pending: Vec<InfluxDbWrite>,
    /// Reused: the merged tags of one point.
    scratch: Vec<(Arc<str>, Arc<str>)>,
}

impl InfluxDbOut {
    fn write(&mut self, p: &Point, name: &Arc<str>, db: &Arc<str>, rp: &Arc<str>) {
        let pick = |own: &Arc<str>, point: &Arc<str>| {
            if own.is_empty() {
                Arc::clone(point)
            } else {
                Arc::clone(own)
            }
        };
        let database = pick(&self.database, db);
        let retention_policy = pick(&self.retention_policy, rp);
        let name = self.measurement.as_ref().unwrap_or(name);
        self.scratch.clear();
        for (k, v) in p.tags.iter() {
            if !self.tags.iter().any(|(key, _)| &**key == k) {
                self.scratch.push((Arc::from(k), Arc::from(v)));
            }
        }
        self.scratch.extend(self.tags.iter().cloned());
        self.scratch.sort_by(|a, b| a.0.cmp(&b.0));
        let mut line = String::with_capacity(64);
        escape(&mut line, name, b", ");
        for (k, v) in &self.scratch {
            // The vendored `models.Tags.AppendHashKey` leaves out a tag with an empty key or value.
            if k.is_empty() || v.is_empty() {
                continue;
            }
            line.push(',');
            escape(&mut line, k, b", =");
            line.push('=');
            escape(&mut line, v, b", =");
        }
        for (n, (k, v)) in p.fields.iter().enumerate() {
            line.push(if n == 0 { ' ' } else { ',' });
            escape(&mut line, k, b", =\"");
            line.push('=');
            push_value(&mut line, v);
        }
        line.push(' ');
        line.push_str(&(p.time / self.divisor).to_string());
        self.pending.push(InfluxDbWrite {
            database,
            retention_policy,
            line,
        });
    }
}

/// Appends `s` with a backslash before each byte in `special` (the vendored influxdb
/// `models` escaping: measurement `, `, tag keys and values `, =`, field keys `, ="`).
fn escape(out: &mut String, s: &str, special: &[u8]) {
    for c in s.chars() {
        if c.is_ascii() && special.contains(&(c as u8)) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// A field value as the vendored `models` `appendField` writes it: floats in Go's shortest
/// `'f'` form (Rust's `Display` of an `f64` is the same digits), integers with `i`, strings
/// quoted with `\` and `"` escaped, durations as Go prints them, in quotes.
fn push_value(out: &mut String, v: &FieldValue) {
    use std::fmt::Write as _;
    match v {
        FieldValue::Float(f) => {
            let _ = write!(out, "{f}");
        }
        FieldValue::Int(i) => {
            let _ = write!(out, "{i}i");
        }
        FieldValue::String(s) => {
            out.push('"');
            escape(out, s, b"\\\"");
            out.push('"');
        }
        FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // `appendField`'s fallback: Go's `%v` of the value (`1m30s`), as a string field.
        FieldValue::Duration(d) => {
            let mut text = String::new();
            tick_gotemplate::gofmt::write_duration(&mut text, *d);
            out.push('"');
            escape(out, &text, b"\\\"");
            out.push('"');
        }
    }
}

impl Node for InfluxDbOut {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, _out: &mut Vec<Message>) {
        match &msg {
            Message::Point(p) => self.write(p, &p.name, &p.db, &p.rp),
            Message::Batch(b) => {
                // Kapacitor's `BufferedBatch` writes a batch with no database or retention
                // policy of its own.
                let none: Arc<str> = Arc::from("");
                for p in &b.points {
                    self.write(p, &b.name, &none, &none);
                }
            }
        }
    }

    fn influxdb_out(&self) -> Option<&InfluxDbOutSettings> {
        Some(&self.settings)
    }

    fn take_influxdb_writes(&mut self) -> Vec<InfluxDbWrite> {
        std::mem::take(&mut self.pending)
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{point, task};

    fn lines(script: &str, input: &[&str]) -> Vec<(String, String, String)> {
        let mut t = task(script);
        let mut emissions = Vec::new();
        for p in input.iter().map(|l| point(l)) {
            t.push(&p, &mut emissions);
        }
        let mut out = Vec::new();
        t.drain_influxdb_writes(|_, writes| {
            out.extend(writes.into_iter().map(|w| {
                (
                    w.database.to_string(),
                    w.retention_policy.to_string(),
                    w.line,
                )
            }))
        });
        out
    }

    #[test]
    fn lines_are_written_as_kapacitor_writes_them() {
        // The body Kapacitor 1.5.7 posted for the same script and point (recorded at a
        // loopback listener): sorted tags with the node's over the point's, sorted fields,
        // the time cut to the precision.
        let got = lines(
            "stream|from()|influxDBOut().database('d').retentionPolicy('r').measurement('copy')\
             .tag('source', 'tick').tag('region', 'eu').precision('s')",
            &["cpu,host=a,region=us v=1.5,n=3i,b=true 1000000000123"],
        );
        assert_eq!(
            got,
            vec![(
                "d".to_string(),
                "r".to_string(),
                "copy,host=a,region=eu,source=tick b=true,n=3i,v=1.5 1000".to_string()
            )]
        );
    }

    #[test]
    fn the_point_keeps_its_own_database_and_names_are_escaped() {
        let got = lines(
            "stream|from()|eval(lambda: 90s).as('d x')|influxDBOut().tag('k', 'a b,c=d')",
            &["cpu v=1 5"],
        );
        assert_eq!(
            got,
            vec![(
                "db".to_string(),
                "rp".to_string(),
                "cpu,k=a\\ b\\,c\\=d d\\ x=\"1m30s\" 5".to_string()
            )]
        );
    }

    #[test]
    fn a_precision_kapacitor_cannot_write_with_is_refused() {
        let (program, _) = tick_syntax::parse("stream|from()|influxDBOut().precision('u')");
        let (t, diags) =
            crate::Compiler::new().compile("t", &program, &crate::CompileOptions::default());
        assert!(t.is_none());
        assert!(
            diags
                .iter()
                .any(|d| d.message.contains("invalid precision \"u\"")),
            "{diags:?}"
        );
    }
}
