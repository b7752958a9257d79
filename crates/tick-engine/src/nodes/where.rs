//! `|where(lambda)` (Kapacitor's `where.go` `whereGroup.doWhere` at v1.5.7): keeps a point when the
//! predicate is true; drops it when false or on an evaluation error (counted and logged).
//! Expression state is per group (§3.6).

use tick_lambda::{Lambda, State};
use tick_syntax::Diagnostic;

use crate::group::PerGroup;
use crate::node_props::{ArgValue, BuildContext, FieldCmp, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeSpec};
use crate::point::Message;

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "where",
    kind: "where",
    args: &[Arg::LAMBDA],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[],
    handlers: false,
    doc: "Keeps the points for which the lambda is true; the lambda's state is per group.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    match props.args.first() {
        Some(ArgValue {
            value: Value::Lambda(l),
            cmp,
            ..
        }) => Ok(Box::new(Where {
            lambda: l.clone(),
            cmp: cmp.clone(),
            states: PerGroup::default(),
        })),
        _ => Err(vec![Diagnostic::error(
            props.span,
            "where needs a lambda argument",
        )]),
    }
}

struct Where {
    lambda: Lambda,
    /// `"field" OP number`: evaluated directly when the point has the numeric field; the
    /// lambda (and its per-group state) is used otherwise. Such a lambda has no state.
    cmp: Option<FieldCmp>,
    states: PerGroup<State>,
}

impl Node for Where {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        let lambda = &self.lambda;
        match msg {
            Message::Point(ref p) => {
                if let Some(keep) = self.cmp.as_ref().and_then(|c| c.eval(p)) {
                    if keep {
                        out.push(msg);
                    }
                    return;
                }
                let state = self
                    .states
                    .get_or_insert_with(&p.group, || lambda.new_state());
                match lambda.eval_bool(p, state) {
                    // Pass the message itself on: no re-wrapping copy.
                    Ok(true) => out.push(msg),
                    Ok(false) => {}
                    Err(e) => ctx.error("error while evaluating expression", &e),
                }
            }
            Message::Batch(mut b) => {
                let state = self
                    .states
                    .get_or_insert_with(&b.group, || lambda.new_state());
                let mut kept = Vec::with_capacity(b.points.len());
                for p in b.points {
                    match lambda.eval_bool(&p, state) {
                        Ok(true) => kept.push(p),
                        Ok(false) => {}
                        Err(e) => ctx.error("error while evaluating expression", &e),
                    }
                }
                b.points = kept;
                out.push(Message::Batch(b));
            }
        }
    }
}
