//! The runtime side of a node: the trait every running node implements (`Node`), what it sees
//! while handling a message (`NodeContext`), and what it reports (`NodeStats`, errors, `|log()`
//! lines, alert emissions). Owns no node behaviour (that is `nodes/*.rs`) and no execution order
//! (`task.rs`).

use std::fmt;

use crate::point::Message;

/// What an alert node hands to the task: events and inhibitor updates, in order (Kapacitor's
/// `alertState.triggered` sets the inhibitors and `AlertNode.handleEvent` sends the event, alert.go
/// at v1.5.7).
pub type Emission = crate::topics::Emission;

/// A running node. Nodes are synchronous and deterministic: they react to messages only (the engine
/// has no IO and no wall clock, see `docs/ARCHITECTURE.md`, "Code map"), and keep their per-group
/// state inside themselves.
pub(crate) trait Node: Send {
    /// Handles one incoming message; pushes what it emits, in order, to `out`.
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>);

    /// Emits what the node still holds at end of input ([`crate::Task::flush`]); most nodes
    /// hold nothing.
    fn flush(&mut self, _ctx: &mut NodeContext<'_>, _out: &mut Vec<Message>) {}

    /// Alert nodes: takes the stored state of the topics they collect into, so that a new
    /// group starts at the level stored for its event id ([`crate::Task::restore_alerts`]).
    fn restore(&mut self, _topics: &[crate::topics::TopicState]) {}

    /// For `httpOut`: the endpoint name and the cached rows, one per group in creation order.
    fn http_out(&self) -> Option<(&str, Vec<crate::event::Row>)> {
        None
    }

    /// For `influxDBOut`: its settings.
    fn influxdb_out(&self) -> Option<&crate::nodes::influxdb_out::InfluxDbOutSettings> {
        None
    }

    /// For `influxDBOut`: takes the lines made since the last call.
    fn take_influxdb_writes(&mut self) -> Vec<crate::nodes::influxdb_out::InfluxDbWrite> {
        Vec::new()
    }

    /// The number of groups the node keeps state for (Kapacitor's `working_cardinality`
    /// statistic); 0 for nodes that do not report it.
    fn working_cardinality(&self) -> u64 {
        0
    }

    /// Alert nodes: the events sent to the topics so far, by level.
    fn events_by_level(&self) -> Option<[u64; 4]> {
        None
    }
}

/// Log levels of the `|log()` node (Kapacitor's `KapacitorHandler.LogPointData`,
/// services/diagnostic/handlers.go at v1.5.7, honours DEBUG, INFO and ERROR; anything else, WARN
/// included, logs at INFO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// `DEBUG`.
    Debug,
    /// `INFO` (and every level other than DEBUG and ERROR).
    Info,
    /// `ERROR`.
    Error,
}

/// One line produced by a `|log()` node.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    /// The node name (`log2`).
    pub node: String,
    /// The level it logs at.
    pub level: LogLevel,
    /// The logfmt text (`prefix=.. name=cpu ...`).
    pub line: String,
}

/// One distinct error message of a node and how often it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorSummary {
    /// `error while evaluating expression: left reference value "x" is missing value`.
    pub message: String,
    /// How many times it happened.
    pub count: u64,
}

/// Counters of one node (`tick run --stats`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeStats {
    /// The node name (`from1`).
    pub name: String,
    /// Messages received.
    pub received: u64,
    /// Messages emitted.
    pub emitted: u64,
    /// Evaluation errors.
    pub errors: u64,
    /// Alert events triggered but never emitted because their message or details failed to
    /// render: lost alerts, which make `tick run` exit 1.
    pub lost_events: u64,
    /// Distinct error messages in order of first occurrence.
    pub error_summaries: Vec<ErrorSummary>,
    /// The groups the node keeps state for (Kapacitor's `working_cardinality`); filled in by
    /// [`crate::Task::stats`], 0 for nodes that do not report it.
    pub working_cardinality: u64,
    /// Alert nodes only: the events the node sent to its topics, by level (OK, INFO, WARNING,
    /// CRITICAL), inhibited ones included; filled in by [`crate::Task::stats`].
    pub events_by_level: Option<[u64; 4]>,
}

/// What a node sees while handling one message.
pub(crate) struct NodeContext<'a> {
    pub task_name: &'a str,
    pub node_name: &'a str,
    /// Alert emissions of this push, in order.
    pub emissions: &'a mut Vec<Emission>,
    pub(crate) logs: &'a mut Vec<LogRecord>,
    pub(crate) stats: &'a mut NodeStats,
    pub(crate) quiet: bool,
}

impl NodeContext<'_> {
    /// Counts an evaluation error of this node. Each distinct message is logged (a `tracing`
    /// warning) the first time only, unless the node is `.quiet()`; the counts are in
    /// `Task::stats`. `what` is Kapacitor's log text (`error while evaluating expression`).
    /// Records an alert event lost to an error (logged with [`NodeContext::error`]).
    pub(crate) fn lost_event(&mut self) {
        self.stats.lost_events += 1;
    }

    pub(crate) fn error(&mut self, what: &str, err: &dyn fmt::Display) {
        self.stats.errors += 1;
        let message = format!("{what}: {err}");
        if let Some(s) = self
            .stats
            .error_summaries
            .iter_mut()
            .find(|s| s.message == message)
        {
            s.count += 1;
            return;
        }
        if !self.quiet {
            tracing::warn!(task = self.task_name, node = self.node_name, "{message}");
        }
        self.stats
            .error_summaries
            .push(ErrorSummary { message, count: 1 });
    }

    /// Records a line of the `|log()` node.
    pub(crate) fn log(&mut self, level: LogLevel, line: String) {
        self.logs.push(LogRecord {
            node: self.node_name.to_string(),
            level,
            line,
        });
    }
}
