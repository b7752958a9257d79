//! `|delete()` (Kapacitor's `delete.go` `DeleteNode.doDeletes` at v1.5.7): removes named fields and
//! tags. Deleting a tag that is a group dimension also removes it from the dimensions, which
//! regroups the point.

use std::sync::Arc;

use tick_syntax::Diagnostic;

use crate::group::GroupInterner;
use crate::node_props::{BuildContext, NodeProps};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Dimensions, Message, Point};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "delete",
    kind: "delete",
    args: &[],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new("field", &[Arg::STRING], "Remove this field if present."),
        NodeProperty::new(
            "tag",
            &[Arg::STRING],
            "Remove this tag if present (and from the group dimensions).",
        ),
    ],
    handlers: false,
    doc: "Removes fields and tags.",
    build,
};

fn names(props: &NodeProps, prop: &str) -> Vec<Arc<str>> {
    props
        .all(prop)
        .filter_map(|s| s.args.first())
        .filter_map(|a| match &a.value {
            crate::node_props::Value::String(s) => Some(Arc::from(s.as_str())),
            _ => None,
        })
        .collect()
}

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    Ok(Box::new(Delete {
        fields: names(props, "field"),
        tags: names(props, "tag"),
        groups: GroupInterner::default(),
    }))
}

struct Delete {
    fields: Vec<Arc<str>>,
    tags: Vec<Arc<str>>,
    groups: GroupInterner,
}

impl Delete {
    fn point(&mut self, p: &mut Point) {
        for f in &self.fields {
            p.fields.remove(f);
        }
        for t in &self.tags {
            p.tags.remove(t);
        }
        if p.dimensions
            .tag_names()
            .iter()
            .any(|d| self.tags.contains(d))
        {
            let kept: Vec<Arc<str>> = p
                .dimensions
                .tag_names()
                .iter()
                .filter(|d| !self.tags.contains(d))
                .cloned()
                .collect();
            let dims = Dimensions::new(p.dimensions.by_name, kept);
            self.groups.regroup(p, dims);
        }
    }
}

impl Node for Delete {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(mut p) => {
                self.point(&mut p);
                out.push(Message::Point(p));
            }
            Message::Batch(mut b) => {
                for t in &self.tags {
                    b.tags.remove(t);
                }
                for p in &mut b.points {
                    self.point(p);
                }
                out.push(Message::Batch(b));
            }
        }
    }
}
