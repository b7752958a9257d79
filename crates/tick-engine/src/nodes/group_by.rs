//! `|groupBy(...)` (spec §4.4): rewrites a stream's dimensions: named tags or `*` minus
//! `.exclude()`, with `.byMeasurement()` ORed into the incoming by-name flag.

use std::sync::Arc;

use tick_syntax::Diagnostic;

use crate::group::{GroupInterner, Grouping};
use crate::node::{Arg, BuildContext, Node, NodeContext, NodeProperty, NodeProps, NodeSpec};
use crate::nodes::CHAIN_METHODS;
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
    }))
}

struct GroupBy {
    grouping: Grouping,
    groups: GroupInterner,
}

impl Node for GroupBy {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(mut p) => {
                let dims = self.grouping.dimensions(&p, p.dimensions.by_name);
                self.groups.regroup(&mut p, dims);
                out.push(Message::Point(p));
            }
            // Spec §4.4: a batch is regrouped: its points are split by their new group, one
            // batch per group in order of first appearance, each with the same tmax.
            Message::Batch(b) => {
                let mut batches: Vec<Batch> = Vec::new();
                for mut p in b.points {
                    let dims = self.grouping.dimensions(&p, b.dimensions.by_name);
                    self.groups.regroup(&mut p, dims);
                    match batches.iter_mut().find(|x| x.group == p.group) {
                        Some(x) => x.points.push(p),
                        None => batches.push(Batch {
                            name: b.name.clone(),
                            group: p.group.clone(),
                            tags: Tags::from_sorted(p.group_tags()),
                            dimensions: p.dimensions.clone(),
                            tmax: b.tmax,
                            points: vec![p],
                        }),
                    }
                }
                out.extend(batches.into_iter().map(Message::Batch));
            }
        }
    }
}
