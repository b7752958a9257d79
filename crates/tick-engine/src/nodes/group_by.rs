//! `|groupBy(...)` (Kapacitor's `group_by.go` `GroupByNode` at v1.5.7): rewrites a stream's
//! dimensions: named tags or `*` minus `.exclude()`, with `.byMeasurement()` ORed into the incoming
//! by-name flag.

use std::sync::Arc;

use tick_syntax::Diagnostic;

use crate::group::{GroupInterner, Grouping};
use crate::node_props::{BuildContext, NodeProps};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::nodes::from::grouping_args;
use crate::point::{Batch, Message, Tags};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "groupBy",
    kind: "groupby",
    args: &[],
    optional: &[],
    variadic: Some(Arg::StringOrStar),
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new("exclude", &[], "Tags left out of `*`.").variadic(Arg::STRING),
        NodeProperty::flag(
            "byMeasurement",
            "Include the measurement in the group id (ORed with the incoming flag).",
        ),
    ],
    handlers: false,
    doc: "Groups the data by tags; `groupBy()` with no arguments resets to the nil group.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let (star, names) = grouping_args(&props.args, props.span)?;
    let exclude: Vec<Arc<str>> = props
        .strings("exclude")
        .unwrap_or_default()
        .into_iter()
        .map(|s| Arc::from(s.value))
        .collect();
    if let (Some(span), false) = (props.flag("exclude"), star) {
        return Err(vec![Diagnostic::error(span, "exclude requires '*'")]);
    }
    let by_name = props.flag("byMeasurement").is_some();
    Ok(Box::new(GroupBy {
        grouping: Grouping::new(star, names, exclude, by_name),
        groups: GroupInterner::default(),
        pending: Vec::new(),
        pending_time: None,
    }))
}

struct GroupBy {
    grouping: Grouping,
    groups: GroupInterner,
    /// Regrouped batches not emitted yet, in order of first appearance, all with the time of
    /// the batches they came from (`pending_time`).
    pending: Vec<Batch>,
    pending_time: Option<i64>,
}

impl GroupBy {
    /// Emits every pending batch, its points in time order.
    fn emit_pending(&mut self, out: &mut Vec<Message>) {
        for mut b in self.pending.drain(..) {
            b.points.sort_by_key(|p| p.time);
            out.push(Message::Batch(b));
        }
    }
}

impl Node for GroupBy {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(mut p) => {
                let dims = self.grouping.dimensions(&p, p.dimensions.by_name);
                self.groups.regroup(&mut p, dims);
                out.push(Message::Point(p));
            }
            // As Kapacitor's `GroupByNode` (group_by.go at v1.5.7): the points of a batch join
            // the batches of their new groups, and those are emitted only when a batch with
            // another time arrives (`BeginBatch` calls `emit`), so batches of one time from
            // several input groups merge, a regrouped batch leaves one batch late, and a batch
            // with no points emits nothing. Kapacitor emits the groups in map order; tick in
            // order of first appearance.
            Message::Batch(b) => {
                if self.pending_time != Some(b.tmax) {
                    self.emit_pending(out);
                    self.pending_time = Some(b.tmax);
                }
                for mut p in b.points {
                    let dims = self.grouping.dimensions(&p, b.dimensions.by_name);
                    self.groups.regroup(&mut p, dims);
                    match self.pending.iter_mut().find(|x| x.group == p.group) {
                        Some(x) => x.points.push(p),
                        None => self.pending.push(Batch {
                            name: b.name.clone(),
                            group: p.group.clone(),
                            tags: Tags::from_sorted(p.group_tags()),
                            dimensions: p.dimensions.clone(),
                            tmax: b.tmax,
                            points: vec![p],
                        }),
                    }
                }
            }
        }
    }

    /// End of input (`Task::flush`, a deviation: Kapacitor never emits the last batches).
    fn flush(&mut self, _: &mut NodeContext<'_>, out: &mut Vec<Message>) {
        self.emit_pending(out);
    }
}
