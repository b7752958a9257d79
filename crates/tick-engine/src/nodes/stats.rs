//! The `stats` node behind `|deadman()` (Kapacitor's `stats.go` `StatsNode` and `pipeline/node.go`
//! `Deadman` at v1.5.7). It is a source: it has no parent, and the task's clock
//! ([`crate::Task::advance_clock`]) hands it one `stats` point per group of the watched node on
//! every tick, which it passes on. Not a chain method of its own (`|stats()` is not supported yet);
//! only `deadman` creates it.

use tick_syntax::Diagnostic;

use crate::node::{Arg, BuildContext, Node, NodeContext, NodeProps, NodeSpec, Value};
use crate::point::Message;

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
pub(crate) fn interval(props_args: &[crate::node::ArgValue]) -> Option<i64> {
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
