//! `tick run --stats[=text|json]`: the counters of a run, gathered once at exit and printed as
//! aligned tables or as one JSON object. Owns the layout only; the counters come from the
//! engine (nodes, topics), the dispatcher (handlers) and the MQTT service (brokers).
//!
//! "Delivered" means acknowledged: a `post` got its 2xx, a `tcp` write or a `log` append
//! succeeded, an `exec` program exited 0, an MQTT broker sent PUBACK/PUBCOMP. An `mqtt`
//! handler only hands alerts to its broker's outbox, so its row says `queued`, and the broker
//! rows say what was acknowledged.

use serde_json::{Value, json};
use tick_engine::Task;
use tick_engine::TopicStats;
use tick_handlers::mqtt::BrokerReport;
use tick_handlers::{HandlerStats, InfluxDbOutStats};

/// `--stats` output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned tables.
    Text,
    /// One JSON object.
    Json,
}

/// Everything `--stats` reports.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    nodes: Vec<Value>,
    topics: Option<Value>,
    handlers: Vec<HandlerStats>,
    brokers: Vec<BrokerReport>,
    influxdb: Vec<InfluxDbOutStats>,
}

impl Stats {
    /// Adds every node of `tasks` and the topics' counters.
    pub(crate) fn pipeline<'a>(
        &mut self,
        tasks: impl Iterator<Item = &'a Task>,
        topics: &TopicStats,
    ) {
        for task in tasks {
            for s in task.stats() {
                let errors: Vec<Value> = s
                    .error_summaries
                    .iter()
                    .map(|e| json!({"message": e.message, "count": e.count}))
                    .collect();
                self.nodes.push(json!({
                    "task": task.name(),
                    "node": s.name,
                    "received": s.received,
                    "emitted": s.emitted,
                    "errors": s.errors,
                    "lost_events": s.lost_events,
                    "error_messages": errors,
                }));
            }
        }
        self.topics = Some(json!({
            "collected": topics.collected,
            "inhibited": topics.inhibited,
            "unmatched": topics.unmatched,
            "republished": topics.republished,
            "publish_dropped": topics.publish_dropped,
        }));
    }

    /// Adds the handlers' counters from the dispatcher's drain.
    pub(crate) fn handlers(&mut self, handlers: &[HandlerStats]) {
        self.handlers.extend_from_slice(handlers);
    }

    /// Adds the brokers' counters from the MQTT drain.
    pub(crate) fn brokers(&mut self, brokers: &[BrokerReport]) {
        self.brokers.extend_from_slice(brokers);
    }

    /// Adds the `influxDBOut` writers' counters from their drain.
    pub(crate) fn influxdb(&mut self, writers: Vec<InfluxDbOutStats>) {
        self.influxdb.extend(writers);
    }

    /// The report in `format`, ending with a newline.
    pub(crate) fn render(&self, format: Format) -> String {
        match format {
            Format::Json => format!("{}\n", self.json()),
            Format::Text => self.text(),
        }
    }

    fn json(&self) -> Value {
        let handlers: Vec<Value> = self
            .handlers
            .iter()
            .map(|h| {
                let mut v = json!({
                    "handler": h.label,
                    "kind": h.kind,
                    "failed": h.failed,
                    "dropped": h.dropped,
                    "abandoned": h.abandoned,
                });
                let key = if h.kind == "mqtt" {
                    "queued"
                } else {
                    "delivered"
                };
                v[key] = json!(h.delivered);
                v
            })
            .collect();
        let brokers: Vec<Value> = self
            .brokers
            .iter()
            .map(|b| {
                json!({
                    "broker": b.name,
                    "delivered": b.delivered,
                    "sent_qos0": b.sent_qos0,
                    "pending": b.pending,
                    "dropped": b.dropped,
                    "possible_duplicates": b.possible_duplicates,
                    "last_error": b.last_error,
                })
            })
            .collect();
        let influxdb: Vec<Value> = self
            .influxdb
            .iter()
            .map(|w| {
                json!({
                    "task": w.task,
                    "node": w.node,
                    "points_written": w.written,
                    "write_errors": w.write_errors,
                    "lost": w.lost,
                    "last_error": w.last_error,
                })
            })
            .collect();
        json!({
            "nodes": self.nodes,
            "topics": self.topics,
            "handlers": handlers,
            "mqtt_brokers": brokers,
            "influxdb_out": influxdb,
        })
    }

    /// The `--stats` tables, one after the other (nodes, topics, handlers, MQTT brokers,
    /// influxDBOut writers). Long because it is that list of tables in the order printed, each
    /// a few lines of columns.
    fn text(&self) -> String {
        let mut out = String::new();
        if !self.nodes.is_empty() {
            let mut rows = vec![row(&[
                "task", "node", "received", "emitted", "errors", "lost",
            ])];
            let mut messages = Vec::new();
            for n in &self.nodes {
                rows.push(vec![
                    text(&n["task"]),
                    text(&n["node"]),
                    text(&n["received"]),
                    text(&n["emitted"]),
                    text(&n["errors"]),
                    text(&n["lost_events"]),
                ]);
                for e in n["error_messages"].as_array().into_iter().flatten() {
                    messages.push(format!(
                        "  {}/{}: {} (x{})\n",
                        text(&n["task"]),
                        text(&n["node"]),
                        text(&e["message"]),
                        text(&e["count"])
                    ));
                }
            }
            out.push_str("nodes\n");
            out.push_str(&table(&rows));
            if !messages.is_empty() {
                out.push_str("node errors\n");
                out.extend(messages);
            }
        }
        if let Some(t) = &self.topics {
            let keys = [
                "collected",
                "inhibited",
                "unmatched",
                "republished",
                "publish_dropped",
            ];
            let rows = vec![row(&keys), keys.iter().map(|k| text(&t[*k])).collect()];
            out.push_str("topics\n");
            out.push_str(&table(&rows));
        }
        if !self.handlers.is_empty() {
            let mut rows = vec![row(&[
                "handler",
                "kind",
                "delivered",
                "queued",
                "failed",
                "dropped",
                "abandoned",
            ])];
            for h in &self.handlers {
                let (delivered, queued) = if h.kind == "mqtt" {
                    ("-".to_string(), h.delivered.to_string())
                } else {
                    (h.delivered.to_string(), "-".to_string())
                };
                rows.push(vec![
                    h.label.clone(),
                    h.kind.to_string(),
                    delivered,
                    queued,
                    h.failed.to_string(),
                    h.dropped.to_string(),
                    h.abandoned.to_string(),
                ]);
            }
            out.push_str("handlers\n");
            out.push_str(&table(&rows));
        }
        if !self.brokers.is_empty() {
            let mut rows = vec![row(&[
                "mqtt broker",
                "delivered",
                "sent_qos0",
                "pending",
                "dropped",
                "possible_duplicates",
            ])];
            for b in &self.brokers {
                rows.push(vec![
                    b.name.clone(),
                    b.delivered.to_string(),
                    b.sent_qos0.to_string(),
                    b.pending.to_string(),
                    b.dropped.to_string(),
                    b.possible_duplicates.to_string(),
                ]);
            }
            out.push_str("mqtt brokers (delivered = acknowledged by the broker)\n");
            out.push_str(&table(&rows));
        }
        if !self.influxdb.is_empty() {
            let mut rows = vec![row(&[
                "task",
                "node",
                "points_written",
                "write_errors",
                "lost",
            ])];
            let mut errors = String::new();
            for w in &self.influxdb {
                rows.push(vec![
                    w.task.clone(),
                    w.node.clone(),
                    w.written.to_string(),
                    w.write_errors.to_string(),
                    w.lost.to_string(),
                ]);
                if let Some(e) = &w.last_error {
                    errors.push_str(&format!("  {}/{}: {e}\n", w.task, w.node));
                }
            }
            out.push_str("influxDBOut (written = acknowledged by InfluxDB)\n");
            out.push_str(&table(&rows));
            if !errors.is_empty() {
                out.push_str("influxDBOut last errors\n");
                out.push_str(&errors);
            }
        }
        out
    }
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Rows as columns two spaces apart, each indented by two; text columns (the first ones, up
/// to the first number) are left-aligned, numbers right-aligned.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let numeric: Vec<bool> = (0..columns)
        .map(|c| {
            rows.iter()
                .skip(1)
                .filter_map(|r| r.get(c))
                .all(|s| s == "-" || s.parse::<u64>().is_ok())
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::from(" ");
        for (c, cell) in r.iter().enumerate() {
            let pad = widths[c].saturating_sub(cell.chars().count());
            line.push(' ');
            if numeric[c] {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
            line.push(' ');
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let rows = vec![
            row(&["handler", "kind", "delivered"]),
            row(&["cpu:alert2:log", "log", "3"]),
            row(&["x", "mqtt", "-"]),
        ];
        assert_eq!(
            table(&rows),
            "  handler         kind  delivered\n  cpu:alert2:log  log           3\n  x               mqtt          -\n"
        );
    }

    #[test]
    fn an_mqtt_handler_counts_queued_alerts_and_its_broker_the_acknowledged_ones() {
        let mut stats = Stats::default();
        stats.handlers(&[HandlerStats {
            label: "cpu:alert2:mqtt".into(),
            kind: "mqtt",
            delivered: 10,
            failed: 0,
            dropped: 0,
            abandoned: 0,
        }]);
        stats.brokers(&[BrokerReport {
            name: "default".into(),
            pending: 10,
            ..BrokerReport::default()
        }]);
        assert_eq!(
            stats.render(Format::Json),
            "{\"handlers\":[{\"abandoned\":0,\"dropped\":0,\"failed\":0,\"handler\":\"cpu:alert2:mqtt\",\"kind\":\"mqtt\",\"queued\":10}],\"influxdb_out\":[],\"mqtt_brokers\":[{\"broker\":\"default\",\"delivered\":0,\"dropped\":0,\"last_error\":null,\"pending\":10,\"possible_duplicates\":0,\"sent_qos0\":0}],\"nodes\":[],\"topics\":null}\n"
        );
        assert_eq!(
            stats.render(Format::Text),
            "handlers\n  handler          kind  delivered  queued  failed  dropped  abandoned\n  cpu:alert2:mqtt  mqtt          -      10       0        0          0\n\
             mqtt brokers (delivered = acknowledged by the broker)\n  mqtt broker  delivered  sent_qos0  pending  dropped  possible_duplicates\n  default              0          0       10        0                    0\n"
        );
    }
}
