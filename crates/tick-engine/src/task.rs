//! A compiled, runnable task: the node graph, routing (spec §4.1 "which points reach the
//! task"), depth-first delivery, per-node counters, `httpOut` rows and the DOT view for
//! `tick show`. Owns execution order; what each node does is `nodes/*.rs`.

use std::fmt::Write as _;

use crate::handler_use::HandlerUse;
use crate::node::{Emission, LogRecord, Node, NodeContext, NodeStats};
use crate::point::{Message, Point};

/// A `dbrp "db"."rp"` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dbrp {
    pub db: String,
    pub rp: String,
}

pub(crate) struct TaskNode {
    pub(crate) name: String,
    pub(crate) method: &'static str,
    pub(crate) children: Vec<usize>,
    pub(crate) node: Box<dyn Node>,
    pub(crate) quiet: bool,
    pub(crate) stats: NodeStats,
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
            stack: Vec::new(),
            out: Vec::new(),
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
    /// Deliberate difference (spec §4.1 Quirk): Kapacitor delivers a point twice when the task
    /// has both a `from().measurement('m')` and a bare `from()`; we deliver it once.
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
        self.nodes.iter().map(|n| n.stats.clone()).collect()
    }

    /// Takes the lines produced by `|log()` nodes since the last call.
    pub fn drain_logs(&mut self) -> Vec<LogRecord> {
        std::mem::take(&mut self.logs)
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
        self.stack.clear();
        // Fast path: a node with one child that emitted one message hands it straight on.
        let mut idx = 0;
        let mut msg = Message::Point(point);
        // Node 0 is `stream`, a pass-through: with one child, count it and skip the hop.
        if let Some(stream) = self.nodes.first_mut()
            && let [child] = stream.children[..]
        {
            stream.stats.received += 1;
            stream.stats.emitted += 1;
            idx = child;
        }
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

    /// Graphviz DOT of the node graph, like Kapacitor's `show`:
    /// `digraph cpu {\nstream0 -> from1;\n...}`.
    pub fn to_dot(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "digraph {} {{", dot_id(&self.name));
        for n in &self.nodes {
            for &c in &n.children {
                if let Some(child) = self.nodes.get(c) {
                    let _ = writeln!(s, "{} -> {};", n.name, child.name);
                }
            }
        }
        s.push('}');
        s
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
