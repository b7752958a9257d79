//! `|stateDuration(lambda)` and `|stateCount(lambda)` (Kapacitor's `state_tracking.go` at v1.5.7):
//! how long, or for how many points, the predicate has held in a group; -1 when it does not.
//! Expression and tracker state are per group; an evaluation error drops the point and leaves the
//! state alone.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;

use tick_lambda::{FieldValue, Lambda, State};
use tick_syntax::Diagnostic;

use crate::node_props::{ArgValue, BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{GroupId, Message, Point};

pub(crate) const DURATION: NodeSpec = NodeSpec {
    method: "stateDuration",
    kind: "state_duration",
    args: &[Arg::LAMBDA],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new(
            "as",
            &[Arg::STRING],
            "Output field (default `state_duration`).",
        ),
        NodeProperty::new(
            "unit",
            &[Arg::DURATION],
            "Unit of the duration (default 1s).",
        ),
    ],
    handlers: false,
    doc: "Adds how long the predicate has been true (float, in units), or -1.",
    build,
};

pub(crate) const COUNT: NodeSpec = NodeSpec {
    method: "stateCount",
    kind: "state_count",
    args: &[Arg::LAMBDA],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[NodeProperty::new(
        "as",
        &[Arg::STRING],
        "Output field (default `state_count`).",
    )],
    handlers: false,
    doc: "Adds for how many consecutive points the predicate has been true (int), or -1.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let Some(ArgValue {
        value: Value::Lambda(lambda),
        ..
    }) = props.args.first()
    else {
        return Err(vec![Diagnostic::error(
            props.span,
            "a state node needs a lambda",
        )]);
    };
    let count = props.method == "stateCount";
    let default = if count {
        "state_count"
    } else {
        "state_duration"
    };
    let unit = props.duration("unit").map_or(1_000_000_000, |d| d.value);
    if unit <= 0 {
        return Err(vec![Diagnostic::error(
            props.flag("unit").unwrap_or(props.span),
            "unit must be a positive duration",
        )]);
    }
    Ok(Box::new(StateTracking {
        lambda: lambda.clone(),
        count,
        as_name: Arc::from(props.string("as").map_or(default, |s| s.value)),
        unit,
        groups: HashMap::new(),
    }))
}

#[derive(Debug, Clone, Copy, Default)]
struct Tracker {
    /// Start time (duration) of the current true run.
    since: Option<i64>,
    /// Points in the current true run.
    count: i64,
}

struct StateTracking {
    lambda: Lambda,
    count: bool,
    as_name: Arc<str>,
    unit: i64,
    groups: HashMap<GroupId, (State, Tracker)>,
}

impl StateTracking {
    fn step(
        &self,
        ctx: &mut NodeContext<'_>,
        state: &mut State,
        tr: &mut Tracker,
        mut p: Point,
    ) -> Option<Point> {
        let holds = match self.lambda.eval_bool(&p, state) {
            Ok(b) => b,
            Err(e) => {
                ctx.error("error while evaluating expression", &e);
                return None;
            }
        };
        let value = if !holds {
            *tr = Tracker::default();
            if self.count {
                FieldValue::Int(-1)
            } else {
                FieldValue::Float(-1.0)
            }
        } else if self.count {
            tr.count += 1;
            FieldValue::Int(tr.count)
        } else {
            let since = *tr.since.get_or_insert(p.time);
            // Go's `Time.Sub` saturates at the largest duration rather than wrapping
            // (Kapacitor v1.5.7 state_tracking.go, `stateDurationState.update`).
            FieldValue::Float(p.time.saturating_sub(since) as f64 / self.unit as f64)
        };
        p.fields.insert(self.as_name.clone(), value);
        Some(p)
    }
}

impl Node for StateTracking {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        let group = match &msg {
            Message::Point(p) => p.group.clone(),
            Message::Batch(b) => b.group.clone(),
        };
        let (mut state, mut tr) = self
            .groups
            .remove(&group)
            .unwrap_or_else(|| (self.lambda.new_state(), Tracker::default()));
        match msg {
            Message::Point(p) => {
                if let Some(r) = self.step(ctx, &mut state, &mut tr, p) {
                    out.push(Message::Point(r));
                }
            }
            // In batch mode the tracker resets for each batch.
            Message::Batch(mut b) => {
                let mut btr = Tracker::default();
                let points = std::mem::take(&mut b.points);
                b.points = points
                    .into_iter()
                    .filter_map(|p| self.step(ctx, &mut state, &mut btr, p))
                    .collect();
                out.push(Message::Batch(b));
            }
        }
        self.groups.insert(group, (state, tr));
    }
}
