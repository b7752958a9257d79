//! `|derivative('field')` (Kapacitor's `derivative.go` `DerivativeNode.derivative` at v1.5.7): the
//! rate of change of a field between consecutive points of a group, per `.unit()` (default 1s). The
//! first point and invalid points are dropped; see the spec for which dropped points still become
//! the previous one.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{GroupId, Message, Point};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "derivative",
    kind: "derivative",
    args: &[Arg::STRING],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new(
            "unit",
            &[Arg::DURATION],
            "The time unit of the rate (default 1s).",
        ),
        NodeProperty::flag(
            "nonNegative",
            "Drop negative rates (the point still becomes the previous one).",
        ),
        NodeProperty::new(
            "as",
            &[Arg::STRING],
            "Output field (default: the input field itself).",
        ),
    ],
    handlers: false,
    doc: "Computes the rate of change of a field.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let Some(Value::String(field)) = props.args.first().map(|a| &a.value) else {
        return Err(vec![Diagnostic::error(
            props.span,
            "derivative needs a field name",
        )]);
    };
    let field: Arc<str> = Arc::from(field.as_str());
    let unit = props.duration("unit").map_or(1_000_000_000, |d| d.value);
    if unit <= 0 {
        let span = props.flag("unit").unwrap_or(props.span);
        return Err(vec![Diagnostic::error(
            span,
            "derivative unit must be a positive duration",
        )]);
    }
    Ok(Box::new(Derivative {
        as_name: props
            .string("as")
            .map_or_else(|| field.clone(), |s| Arc::from(s.value)),
        field,
        unit,
        non_negative: props.flag("nonNegative").is_some(),
        prev: HashMap::new(),
    }))
}

struct Derivative {
    field: Arc<str>,
    as_name: Arc<str>,
    unit: i64,
    non_negative: bool,
    /// Per group: (time, value) of the previous stored point.
    prev: HashMap<GroupId, (i64, f64)>,
}

impl Derivative {
    /// One step with `prev` as the group's previous point; `None` drops the point.
    fn step(
        &self,
        ctx: &mut NodeContext<'_>,
        prev: &mut Option<(i64, f64)>,
        mut p: Point,
    ) -> Option<Point> {
        let v = match p.fields.get(&self.field) {
            Some(FieldValue::Float(f)) => *f,
            Some(FieldValue::Int(i)) => *i as f64,
            other => {
                let ty = match other {
                    None => "<nil>",
                    Some(FieldValue::String(_)) => "string",
                    Some(FieldValue::Bool(_)) => "bool",
                    _ => "time.Duration",
                };
                ctx.error(
                    "cannot perform derivative",
                    &format!("field is the wrong type: {ty}"),
                );
                return None;
            }
        };
        // The first point of a group only becomes the previous one.
        let (pt, pv) = prev.replace((p.time, v))?;
        // Go's `Time.Sub` saturates at the largest and smallest duration instead of wrapping.
        let elapsed = p.time.saturating_sub(pt);
        if elapsed == 0 {
            ctx.error("cannot perform derivative", &"elaspsed time was 0");
            return None;
        }
        // As `DerivativeNode.derivative` (derivative.go at v1.5.7): `nonNegative` drops a
        // negative *difference* of the values, so when time goes backwards a rising value
        // gives a negative rate, which is kept.
        let diff = v - pv;
        if self.non_negative && diff < 0.0 {
            return None;
        }
        let rate = diff / (elapsed as f64 / self.unit as f64);
        p.fields
            .insert(self.as_name.clone(), FieldValue::Float(rate));
        Some(p)
    }
}

impl Node for Derivative {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(p) => {
                let mut prev = self.prev.get(&p.group).copied();
                let group = p.group.clone();
                if let Some(r) = self.step(ctx, &mut prev, p) {
                    out.push(Message::Point(r));
                }
                if let Some(v) = prev {
                    self.prev.insert(group, v);
                }
            }
            // In batch mode the previous point resets for each batch.
            Message::Batch(mut b) => {
                let mut prev = None;
                let points = std::mem::take(&mut b.points);
                b.points = points
                    .into_iter()
                    .filter_map(|p| self.step(ctx, &mut prev, p))
                    .collect();
                out.push(Message::Batch(b));
            }
        }
    }
}
