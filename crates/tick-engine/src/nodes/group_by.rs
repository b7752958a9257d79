//! `|groupBy(...)` (spec §4.4): rewrites a stream's dimensions: named tags or `*` minus
//! `.exclude()`, with `.byMeasurement()` ORed into the incoming by-name flag.

use std::sync::Arc;

use tick_syntax::Diagnostic;

use crate::group::{GroupInterner, Grouping};
use crate::node::{Arg, BuildContext, Node, NodeContext, NodeProperty, NodeProps, NodeSpec};
use crate::nodes::CHAIN_METHODS;
use crate::nodes::from::grouping_args;
use crate::point::Message;

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
            // Regrouping batches needs a batch source, which streams do not have yet
            // (`window` output is already grouped upstream of it); pass it on unchanged.
            Message::Batch(b) => out.push(Message::Batch(b)),
        }
    }
}
