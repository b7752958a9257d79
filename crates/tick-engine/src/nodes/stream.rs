//! `stream` (Kapacitor's `stream.go` `StreamNode` at v1.5.7): the source of a stream task. It
//! passes every delivered point on; only `|from()` may follow it.

use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::NodeSpec;
use crate::point::Message;

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "stream",
    kind: "stream",
    args: &[],
    optional: &[],
    variadic: None,
    chains: &["from"],
    properties: &[],
    handlers: false,
    doc: "The source of a stream task: every point routed to the task. Only `|from()` may follow.",
    build,
};

fn build(_: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    Ok(Box::new(Stream))
}

struct Stream;

impl Node for Stream {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        out.push(msg);
    }
}
