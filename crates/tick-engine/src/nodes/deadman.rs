//! `|deadman(threshold, interval[, lambda...])` (Kapacitor's `pipeline/node.go` `Deadman` and
//! `stats.go` `StatsNode` at v1.5.7), in one place: the `stats` source node it creates, the
//! alert it configures ([`expansion`]), the per-group counters of the watched node
//! ([`GroupCounts`]) and the tick schedule ([`Deadman`]). The compiler wires the three nodes
//! into the graph (`compile/mod.rs`); the task's clock ([`crate::Task::advance_clock`]) delivers
//! each due tick, because only the task holds the graph. The `stats` node is a source: it has
//! no parent, and passes on the points each tick hands it. Not a chain method of its own
//! (`|stats()` is not supported yet); only `deadman` creates it.

use std::collections::HashMap;
use std::sync::Arc;

use tick_lambda::FieldValue;
use tick_syntax::ast::{self, Expr};
use tick_syntax::{Diagnostic, Span};

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::{Arg, NodeSpec};
use crate::point::{Dimensions, Fields, GroupId, Message, Point, Tags};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "stats",
    kind: "stats",
    args: &[Arg::DURATION],
    optional: &[],
    variadic: None,
    chains: &[],
    properties: &[],
    handlers: false,
    doc: "Emits the watched node's emitted count per group on every clock tick.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    match props.args.first().map(|a| &a.value) {
        Some(Value::Duration(d)) if *d > 0 => Ok(Box::new(Stats)),
        _ => Err(vec![Diagnostic::error(
            props.span,
            "deadman interval must be a positive duration",
        )]),
    }
}

/// The interval of a built stats node's properties.
pub(crate) fn interval(props_args: &[crate::node_props::ArgValue]) -> Option<i64> {
    match props_args.first().map(|a| &a.value) {
        Some(Value::Duration(d)) if *d > 0 => Some(*d),
        _ => None,
    }
}

struct Stats;

impl Node for Stats {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        out.push(msg);
    }
}

/// The most ticks one [`Task::advance_clock`] call fires per deadman.
pub(crate) const MAX_TICKS_PER_ADVANCE: i64 = 10_000;

/// One `|deadman()`: its `stats` node, the node it watches, its interval and next tick.
#[derive(Debug, Clone)]
pub(crate) struct Deadman {
    pub(crate) stats: usize,
    pub(crate) watched: usize,
    pub(crate) interval: i64,
    pub(crate) next_tick: Option<i64>,
}

/// Cumulative emitted messages per group of one node, groups in creation order (what Kapacitor's
/// `node.nodeStatsByGroup`, node.go at v1.5.7, gives the deadman's stats node).
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupCounts {
    index: HashMap<GroupId, usize>,
    groups: Vec<(GroupId, Tags, Dimensions, i64)>,
}

impl GroupCounts {
    pub(crate) fn count(&mut self, m: &Message) {
        let group = match m {
            Message::Point(p) => &p.group,
            Message::Batch(b) => &b.group,
        };
        if let Some(&i) = self.index.get(group) {
            if let Some(g) = self.groups.get_mut(i) {
                g.3 = g.3.saturating_add(1);
            }
            return;
        }
        let (tags, dims) = match m {
            Message::Point(p) => (Tags::from_sorted(p.group_tags()), p.dimensions.clone()),
            Message::Batch(b) => (b.tags.clone(), b.dimensions.clone()),
        };
        self.index.insert(group.clone(), self.groups.len());
        self.groups.push((group.clone(), tags, dims, 1));
    }

    /// The `stats` points of one tick at time `t`: one per group, or one for the nil group
    /// with `emitted` 0 while the node has no group yet.
    pub(crate) fn stats_points(&self, t: i64) -> Vec<Point> {
        let stats = |group: &GroupId, tags: &Tags, dims: &Dimensions, n: i64| Point {
            name: Arc::from("stats"),
            db: Arc::from(""),
            rp: Arc::from(""),
            tags: tags.clone(),
            fields: Fields::from_pairs([("emitted", FieldValue::Int(n))]),
            time: t,
            dimensions: dims.clone(),
            group: group.clone(),
        };
        if self.groups.is_empty() {
            return vec![stats(
                &GroupId::nil(),
                &Tags::default(),
                &Dimensions::none(),
                0,
            )];
        }
        self.groups
            .iter()
            .map(|(g, tags, dims, n)| stats(g, tags, dims, *n))
            .collect()
    }
}

impl Deadman {
    /// Starts the clock at the first call (ticks are the multiples of the interval after it,
    /// Kapacitor's `.align()`); when the clock jumps over more than [`MAX_TICKS_PER_ADVANCE`]
    /// ticks, skips all but the last that many.
    pub(crate) fn start_or_catch_up(&mut self, now_ns: i64) {
        let first = crate::time::truncate(now_ns, self.interval).saturating_add(self.interval);
        let next = *self.next_tick.get_or_insert(first);
        if now_ns >= next {
            let due = (now_ns - next) / self.interval + 1;
            if due > MAX_TICKS_PER_ADVANCE {
                self.next_tick =
                    Some(next.saturating_add(
                        (due - MAX_TICKS_PER_ADVANCE).saturating_mul(self.interval),
                    ));
            }
        }
    }

    /// The tick at `t` fired: the next is one interval later.
    pub(crate) fn fired(&mut self, t: i64) {
        self.next_tick = Some(t.saturating_add(self.interval));
    }
}

/// The earliest tick due at `now_ns` across `deadmen` (ties: script order), as (index, time).
/// A tick at `i64::MAX` never fires (the clock cannot pass it).
pub(crate) fn next_due(deadmen: &[Deadman], now_ns: i64) -> Option<(usize, i64)> {
    deadmen
        .iter()
        .enumerate()
        .filter_map(|(k, d)| {
            d.next_tick
                .filter(|&t| t <= now_ns && t < i64::MAX)
                .map(|t| (k, t))
        })
        .min_by_key(|&(k, t)| (t, k))
}

/// The deadman alert's crit lambda body: `"emitted" <= threshold`, ANDed with each extra lambda
/// body of the call, in order.
pub(crate) fn crit(threshold: f64, extra: Vec<Expr>, span: Span) -> Expr {
    let mut crit = Expr::Binary {
        op: ast::BinaryOp::LessEq,
        lhs: Box::new(Expr::Reference(ast::Reference {
            name: "emitted".to_string(),
            span,
        })),
        rhs: Box::new(Expr::Float {
            value: threshold,
            span,
        }),
        parenthesised: false,
        span,
    };
    for body in extra {
        crit = Expr::Binary {
            op: ast::BinaryOp::And,
            lhs: Box::new(crit),
            rhs: Box::new(body),
            parenthesised: false,
            span,
        };
    }
    crit
}

/// The deadman alert's id template, for the watched node's name (`from1`).
pub(crate) fn id(watched: &str) -> String {
    format!("{{{{ .Group }}}}:{watched} for task '{{{{ .TaskName }}}}'")
}

/// The deadman alert's message template, for the interval as Go prints it (`10s`, `1m0s`).
pub(crate) fn message(every: &str) -> String {
    format!(
        "{{{{ .ID }}}} is {{{{ if eq .Level \"OK\" }}}}alive{{{{ else }}}}dead{{{{ end }}}}: {{{{ index .Fields \"emitted\" | printf \"%0.3f\" }}}} points/{every}."
    )
}
