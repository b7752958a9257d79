//! `|default()` (Kapacitor's `default.go` `DefaultNode.setDefaults` at v1.5.7): sets a field when
//! it is absent, a tag when it is absent or empty. In a batch the group tags are defaulted too.

use std::sync::Arc;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Message, Point, Tags};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "default",
    kind: "default",
    args: &[],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new(
            "field",
            &[Arg::STRING, Arg::Any],
            "Set field to value (float, int, string or bool) when absent.",
        ),
        NodeProperty::new(
            "tag",
            &[Arg::STRING, Arg::STRING],
            "Set tag to value when absent or empty.",
        ),
    ],
    handlers: false,
    doc: "Fills in missing fields and tags.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let mut fields = Vec::new();
    let mut errors = Vec::new();
    for s in props.all("field") {
        let (Some(Value::String(name)), Some(v)) =
            (s.args.first().map(|a| &a.value), s.args.get(1))
        else {
            continue;
        };
        let value = match &v.value {
            Value::Float(f) => FieldValue::Float(*f),
            Value::Int(i) => FieldValue::Int(*i),
            Value::String(x) => FieldValue::String(x.clone()),
            Value::Bool(b) => FieldValue::Bool(*b),
            other => {
                let ty = match other {
                    Value::Duration(_) => "time.Duration",
                    Value::Lambda(_) => "lambda",
                    _ => "star",
                };
                errors.push(Diagnostic::error(
                    v.span,
                    format!(
                        "unsupported type {ty} for field \"{name}\", field default values must be float,int,string or bool"
                    ),
                ));
                continue;
            }
        };
        fields.push((Arc::<str>::from(name.as_str()), value));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let tags = props
        .all("tag")
        .filter_map(|s| {
            match (
                s.args.first().map(|a| &a.value),
                s.args.get(1).map(|a| &a.value),
            ) {
                (Some(Value::String(k)), Some(Value::String(v))) => {
                    Some((Arc::from(k.as_str()), Arc::from(v.as_str())))
                }
                _ => None,
            }
        })
        .collect();
    Ok(Box::new(Default {
        fields,
        tags,
        groups: crate::group::GroupInterner::default(),
    }))
}

struct Default {
    fields: Vec<(Arc<str>, FieldValue)>,
    tags: Vec<(Arc<str>, Arc<str>)>,
    groups: crate::group::GroupInterner,
}

impl Default {
    /// Sets the missing or empty tags; whether it set any.
    fn tags(&self, tags: &mut Tags) -> bool {
        let mut set = false;
        for (k, v) in &self.tags {
            if tags.get(k).is_none_or(str::is_empty) {
                tags.insert(k.clone(), v.clone());
                set = true;
            }
        }
        set
    }
    /// Fills in `p`; a stream point (`regroup`) moves to the group of its new tags, as
    /// Kapacitor's `pointMessage.SetTags` does (a batch point's `SetTags` leaves the group).
    fn point(&mut self, p: &mut Point, regroup: bool) {
        for (k, v) in &self.fields {
            if !p.fields.contains(k) {
                p.fields.insert(k.clone(), v.clone());
            }
        }
        if self.tags(&mut p.tags) && regroup {
            crate::group::regroup_after_set_tags(
                &mut self.groups,
                p,
                self.tags.iter().map(|(k, _)| &**k),
            );
        }
    }
}

impl Node for Default {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(mut p) => {
                self.point(&mut p, true);
                out.push(Message::Point(p));
            }
            Message::Batch(mut b) => {
                self.tags(&mut b.tags);
                for p in &mut b.points {
                    self.point(p, false);
                }
                out.push(Message::Batch(b));
            }
        }
    }
}
