//! A compiled, runnable task: the node graph, routing (which points reach the task: Kapacitor's
//! `Task.Measurements` in task.go and `TaskMaster.forkPoint` in task_master.go, at v1.5.7),
//! depth-first delivery, per-node counters, `httpOut` rows and the DOT view for `tick show`; the
//! caller-driven clock of `deadman` ([`Task::advance_clock`]) and the end-of-input flush
//! ([`Task::flush`]). Owns execution order; what each node does is `nodes/*.rs`.

use std::fmt::Write as _;

use crate::handler_use::HandlerUse;
use crate::node_runtime::{Emission, LogRecord, Node, NodeContext, NodeStats};
use crate::nodes::deadman::{self, Deadman, GroupCounts};
use crate::point::{Message, Point};

/// A `dbrp "db"."rp"` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dbrp {
    /// The database.
    pub db: String,
    /// The retention policy.
    pub rp: String,
}

pub(crate) struct TaskNode {
    pub(crate) name: String,
    pub(crate) method: &'static str,
    pub(crate) children: Vec<usize>,
    pub(crate) node: Box<dyn Node>,
    pub(crate) quiet: bool,
    pub(crate) stats: NodeStats,
    /// Per-group emitted counters, kept only for nodes a `deadman` watches.
    pub(crate) group_counts: Option<GroupCounts>,
}

/// A runnable task. Node 0 is `stream`.
pub struct Task {
    pub(crate) name: String,
    pub(crate) nodes: Vec<TaskNode>,
    pub(crate) dbrps: Vec<Dbrp>,
    /// `from().measurement()` values; `None` when some `from()` has no measurement.
    pub(crate) measurements: Option<Vec<String>>,
    pub(crate) handler_uses: Vec<(String, HandlerUse)>,
    pub(crate) logs: Vec<LogRecord>,
    pub(crate) deadmen: Vec<Deadman>,
    /// Reused work stack of (node index, message).
    stack: Vec<(usize, Message)>,
    out: Vec<Message>,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.name)
            .field("nodes", &self.nodes.len())
            .finish_non_exhaustive()
    }
}

impl Task {
    pub(crate) fn new(
        name: String,
        nodes: Vec<TaskNode>,
        dbrps: Vec<Dbrp>,
        measurements: Option<Vec<String>>,
        handler_uses: Vec<(String, HandlerUse)>,
    ) -> Task {
        Task {
            name,
            nodes,
            dbrps,
            measurements,
            handler_uses,
            logs: Vec::new(),
            deadmen: Vec::new(),
            stack: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Gives every alert node the stored state of the topics it collects into (its own topic
    /// `main:<task>:<node>` when it has handlers, its `.topic()`): from then on, a new group
    /// whose event id has a stored level starts at that level and trigger time, as
    /// Kapacitor's `AlertNode.restoreEvent` (alert.go at v1.5.7) finds it: the node's own topic
    /// first, then its named topic. Alert nodes are named by kind and position (`alert2`), so
    /// a changed script keeps the state of the alert nodes whose names still match. Call
    /// before the first point.
    pub fn restore_alerts(&mut self, topics: &[crate::topics::TopicState]) {
        for n in &mut self.nodes {
            n.node.restore(topics);
        }
    }

    /// The task name (the alert's `.TaskName`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The script's `dbrp` statements, in order.
    pub fn dbrps(&self) -> &[Dbrp] {
        &self.dbrps
    }

    /// The measurements the task's `from()` nodes select; `None` means every measurement (some
    /// `from()` has no `.measurement()`).
    pub fn measurements(&self) -> Option<&[String]> {
        self.measurements.as_deref()
    }

    /// Whether a point of measurement `name` reaches the task (db/rp routing is the caller's,
    /// against [`Task::dbrps`] or its own flags).
    ///
    /// Deliberate difference (docs/COMPATIBILITY.md, "Scripts"): Kapacitor's `TaskMaster.forkPoint`
    /// (task_master.go at v1.5.7) delivers a point twice when the task has both a
    /// `from().measurement('m')` and a bare `from()`; we deliver it once.
    pub fn accepts(&self, name: &str) -> bool {
        match &self.measurements {
            None => true,
            Some(ms) => ms.iter().any(|m| m == name),
        }
    }

    /// Every handler use of the script in order, with the name of its alert node (`alert2`).
    pub fn handler_uses(&self) -> &[(String, HandlerUse)] {
        &self.handler_uses
    }

    /// Per-node counters in node order (`stream0`, `from1`, ...).
    pub fn stats(&self) -> Vec<NodeStats> {
        self.nodes
            .iter()
            .map(|n| NodeStats {
                working_cardinality: n.node.working_cardinality(),
                events_by_level: n.node.events_by_level(),
                ..n.stats.clone()
            })
            .collect()
    }

    /// Takes the lines produced by `|log()` nodes since the last call.
    pub fn drain_logs(&mut self) -> Vec<LogRecord> {
        std::mem::take(&mut self.logs)
    }

    /// The settings of each `influxDBOut` node, in node order.
    pub fn influxdb_outs(&self) -> Vec<crate::InfluxDbOutSettings> {
        self.nodes
            .iter()
            .filter_map(|n| n.node.influxdb_out().cloned())
            .collect()
    }

    /// Takes the lines each `influxDBOut` node made since the last call: `f` gets the node's
    /// position among the task's `influxDBOut` nodes (as in [`Task::influxdb_outs`]) and its
    /// lines, for nodes that made any.
    pub fn drain_influxdb_writes(&mut self, mut f: impl FnMut(usize, Vec<crate::InfluxDbWrite>)) {
        let mut i = 0;
        for n in &mut self.nodes {
            if n.node.influxdb_out().is_none() {
                continue;
            }
            let writes = n.node.take_influxdb_writes();
            if !writes.is_empty() {
                f(i, writes);
            }
            i += 1;
        }
    }

    /// The rows cached by each `httpOut('name')` node: (name, rows in group-creation order).
    pub fn http_out(&self) -> Vec<(String, Vec<crate::event::Row>)> {
        self.nodes
            .iter()
            .filter_map(|n| {
                n.node
                    .http_out()
                    .map(|(name, rows)| (name.to_string(), rows))
            })
            .collect()
    }

    /// Runs one point through the task, depth-first and in order: each output of a node goes
    /// through the whole subtree of its first child before its second child sees it. Alert
    /// emissions are appended to `emissions`.
    pub fn push(&mut self, point: &Point, emissions: &mut Vec<Emission>) {
        self.push_owned(point.clone(), emissions);
    }

    /// [`Task::push`] for a point the caller no longer needs (saves one clone).
    pub fn push_owned(&mut self, point: Point, emissions: &mut Vec<Emission>) {
        if self.nodes.is_empty() {
            return;
        }
        let mut idx = 0;
        // Node 0 is `stream`, a pass-through: with one child, count it and skip the hop.
        if let Some(stream) = self.nodes.first_mut()
            && let [child] = stream.children[..]
        {
            stream.stats.received += 1;
            stream.stats.emitted += 1;
            idx = child;
        }
        self.deliver(idx, Message::Point(point), emissions);
    }

    /// Runs `msg` through node `idx` and, depth-first, through its subtree.
    fn deliver(&mut self, mut idx: usize, mut msg: Message, emissions: &mut Vec<Emission>) {
        self.stack.clear();
        loop {
            if let Some(tn) = self.nodes.get_mut(idx) {
                tn.stats.received += 1;
                self.out.clear();
                let mut ctx = NodeContext {
                    task_name: &self.name,
                    node_name: &tn.name,
                    emissions,
                    logs: &mut self.logs,
                    stats: &mut tn.stats,
                    quiet: tn.quiet,
                };
                tn.node.process(&mut ctx, msg, &mut self.out);
                tn.stats.emitted += self.out.len() as u64;
                if let Some(gc) = tn.group_counts.as_mut() {
                    for m in &self.out {
                        gc.count(m);
                    }
                }
                // Fast path: a node with one child that emitted one message hands it straight on.
                let children = &tn.children;
                match (children.len(), self.out.len()) {
                    (0, _) | (_, 0) => {}
                    (1, 1) => {
                        if let Some(m) = self.out.pop() {
                            idx = children[0];
                            msg = m;
                            continue;
                        }
                    }
                    (1, _) => {
                        let c = children[0];
                        self.stack.extend(self.out.drain(..).rev().map(|m| (c, m)));
                    }
                    _ => {
                        for m in self.out.drain(..).rev() {
                            for &c in children.iter().rev() {
                                self.stack.push((c, m.clone()));
                            }
                        }
                    }
                }
            }
            match self.stack.pop() {
                Some((i, m)) => {
                    idx = i;
                    msg = m;
                }
                None => break,
            }
        }
    }

    /// Emits what nodes still hold at end of input: every partial window of every group (time
    /// windows with the pending emit time as `tmax`, count windows with the points since the
    /// last emission) and the pending same-timestamp points of aggregates on a stream. Nodes
    /// are flushed in creation order, so a flushed window reaches its aggregate before the
    /// aggregate is flushed; groups in creation order.
    ///
    /// **Deviation** (docs/COMPATIBILITY.md, "Scripts": Kapacitor never emits a partial window, as
    /// a server has no end of input): used only when the user asks for it
    /// (`tick run --flush-windows`), for replaying a finished file. Call it once, after the last
    /// [`Task::push`].
    pub fn flush(&mut self, emissions: &mut Vec<Emission>) {
        for i in 0..self.nodes.len() {
            let mut flushed = Vec::new();
            if let Some(tn) = self.nodes.get_mut(i) {
                let mut ctx = NodeContext {
                    task_name: &self.name,
                    node_name: &tn.name,
                    emissions,
                    logs: &mut self.logs,
                    stats: &mut tn.stats,
                    quiet: tn.quiet,
                };
                tn.node.flush(&mut ctx, &mut flushed);
                tn.stats.emitted += flushed.len() as u64;
                if let Some(gc) = tn.group_counts.as_mut() {
                    for m in &flushed {
                        gc.count(m);
                    }
                }
            }
            let children = self
                .nodes
                .get(i)
                .map(|n| n.children.clone())
                .unwrap_or_default();
            for m in flushed {
                for &c in &children {
                    self.deliver(c, m.clone(), emissions);
                }
            }
        }
    }

    /// Advances the task's clock to `now_ns` (nanoseconds since the epoch) and fires every
    /// `deadman` tick due up to and including it (Kapacitor's `StatsNode.emit`, stats.go at v1.5.7,
    /// on its wall-clock ticker): each tick sends, per group of the watched node, a `stats` point
    /// with its cumulative `emitted` count through the deadman's `derivative` and `alert`; alert
    /// emissions are appended to `emissions`.
    ///
    /// The caller owns the clock: with `--clock points` call it with each point's time
    /// **before** pushing the point; with `--clock wall` call it from a timer with the wall
    /// clock. The first call starts the clock: ticks are the multiples of the interval after
    /// it (Kapacitor's `.align()`). A clock that goes back fires nothing. Deviation: when the
    /// clock jumps over more than 10,000 ticks of a deadman, only the last 10,000 fire (the
    /// derivative still divides by the real elapsed time).
    pub fn advance_clock(&mut self, now_ns: i64, emissions: &mut Vec<Emission>) {
        // Design: the clock stays here, not in `nodes/deadman.rs`, because a tick delivers
        // through the task's graph (the `stats` node, then its `derivative` and `alert`) and
        // reads the watched node's counters, which only the task holds; `nodes/deadman.rs`
        // decides which ticks are due and what each carries.
        if self.deadmen.is_empty() {
            return;
        }
        for d in &mut self.deadmen {
            d.start_or_catch_up(now_ns);
        }
        // Fire due ticks in time order across deadmen (ties: script order).
        while let Some((k, t)) = deadman::next_due(&self.deadmen, now_ns) {
            let Some(d) = self.deadmen.get_mut(k) else {
                break;
            };
            d.fired(t);
            let (stats, watched) = (d.stats, d.watched);
            let points = self
                .nodes
                .get(watched)
                .and_then(|n| n.group_counts.as_ref())
                .map(|gc| gc.stats_points(t))
                .unwrap_or_default();
            for p in points {
                self.deliver(stats, Message::Point(p), emissions);
            }
        }
    }

    /// Graphviz DOT of the node graph, as Kapacitor's `Pipeline.Dot` writes it
    /// (pipeline/pipeline.go at v1.5.7): `digraph cpu {\nstream0 -> from1;\n...}`, each node's
    /// edges to its children in the order they were added, the nodes in `Pipeline.sort`'s
    /// topological order — a depth-first search from each source (a node without a parent:
    /// `stream`, and the `stats` node of a `deadman`), last source first, listing a node after
    /// all of its descendants, then reversed. No final newline.
    pub fn to_dot(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "digraph {} {{", dot_id(&self.name));
        for i in self.topological_order() {
            let Some(n) = self.nodes.get(i) else { continue };
            for &c in &n.children {
                if let Some(child) = self.nodes.get(c) {
                    let _ = writeln!(s, "{} -> {};", n.name, child.name);
                }
            }
        }
        s.push('}');
        s
    }

    /// The node graph in [`Task::to_dot`]'s order (Kapacitor's `Pipeline.sort`): each node's
    /// index into [`Task::stats`] and its children's indexes, in the order they were added.
    pub fn graph(&self) -> Vec<(usize, &[usize])> {
        self.topological_order()
            .into_iter()
            .filter_map(|i| self.nodes.get(i).map(|n| (i, n.children.as_slice())))
            .collect()
    }

    /// Node indexes in the order of Kapacitor's `Pipeline.sort` (see [`Task::to_dot`]),
    /// without recursion: chains can be long.
    fn topological_order(&self) -> Vec<usize> {
        let mut has_parent = vec![false; self.nodes.len()];
        for n in &self.nodes {
            for &c in &n.children {
                if let Some(p) = has_parent.get_mut(c) {
                    *p = true;
                }
            }
        }
        let mut visited = vec![false; self.nodes.len()];
        let mut post_order = Vec::with_capacity(self.nodes.len());
        for source in (0..self.nodes.len()).rev().filter(|&i| !has_parent[i]) {
            // (node, index of the next child to visit)
            let mut stack = vec![(source, 0usize)];
            visited[source] = true;
            while let Some((node, next)) = stack.pop() {
                match self.nodes[node].children.get(next) {
                    Some(&child) => {
                        stack.push((node, next + 1));
                        if !visited[child] {
                            visited[child] = true;
                            stack.push((child, 0));
                        }
                    }
                    None => post_order.push(node),
                }
            }
        }
        post_order.reverse();
        post_order
    }

    /// Node names and their chain methods, in creation order.
    pub fn node_names(&self) -> Vec<(&str, &'static str)> {
        self.nodes
            .iter()
            .map(|n| (n.name.as_str(), n.method))
            .collect()
    }
}

fn dot_id(name: &str) -> String {
    let plain = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}
