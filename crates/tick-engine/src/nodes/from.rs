//! `|from()` (Kapacitor's `stream.go` `FromNode` and `pipeline/stream.go` at v1.5.7): selects
//! points by measurement, database and retention policy, filters them with `.where()` (ANDed, one
//! state shared by all groups), rewrites the time (`.truncate()`, then `.round()`) and **sets** the
//! dimensions.

use std::sync::Arc;

use tick_lambda::{Lambda, State};
use tick_syntax::{Diagnostic, Span};

use crate::group::{GroupInterner, Grouping};
use crate::node_props::{ArgValue, BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::Message;

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "from",
    kind: "from",
    args: &[],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new(
            "measurement",
            &[Arg::STRING],
            "Keep only points of this measurement.",
        ),
        NodeProperty::new(
            "database",
            &[Arg::STRING],
            "Keep only points from this database.",
        ),
        NodeProperty::new(
            "retentionPolicy",
            &[Arg::STRING],
            "Keep only points from this retention policy.",
        ),
        NodeProperty::new(
            "where",
            &[Arg::LAMBDA],
            "Keep only points for which the lambda is true. Repeated calls are ANDed; one expression state is shared by all groups.",
        ),
        NodeProperty::new(
            "groupBy",
            &[],
            "Group by these tags, or by all tags with `*`. Replaces an earlier groupBy.",
        )
        .variadic(Arg::StringOrStar),
        NodeProperty::flag(
            "groupByMeasurement",
            "Include the measurement in the group id.",
        ),
        NodeProperty::new(
            "truncate",
            &[Arg::DURATION],
            "Truncate the time to a multiple of the duration (Go Truncate: weeks start on Monday).",
        ),
        NodeProperty::new(
            "round",
            &[Arg::DURATION],
            "Round the time to a multiple of the duration, halfway up; after truncate.",
        ),
    ],
    handlers: false,
    doc: "Selects the points of a stream and sets how they are grouped.",
    build,
};

/// Checks `groupBy` arguments: `*` alone, or non-empty tag names (Kapacitor's
/// `pipeline/group_by.go` `validateDimensions` at v1.5.7, which `from` shares).
pub(crate) fn grouping_args(
    args: &[ArgValue],
    span: Span,
) -> Result<(bool, Vec<Arc<str>>), Vec<Diagnostic>> {
    let mut star = false;
    let mut names: Vec<Arc<str>> = Vec::new();
    let mut errors = Vec::new();
    for a in args {
        match &a.value {
            Value::Star => star = true,
            Value::String(s) if s.is_empty() => {
                errors.push(Diagnostic::error(
                    a.span,
                    "dimensions cannot not be the empty string",
                ));
            }
            Value::String(s) => names.push(Arc::from(s.as_str())),
            _ => {}
        }
    }
    if star && !names.is_empty() {
        errors.push(Diagnostic::error(
            span,
            "cannot group by both '*' and named dimensions",
        ));
    }
    if errors.is_empty() {
        Ok((star, names))
    } else {
        Err(errors)
    }
}

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let (star, names) = match props.setting("groupBy") {
        Some(s) => grouping_args(&s.args, s.span)?,
        None => (false, Vec::new()),
    };
    let by_name = props.flag("groupByMeasurement").is_some();
    let wheres: Vec<(Lambda, State)> = props
        .all("where")
        .filter_map(|s| match s.args.first() {
            Some(ArgValue {
                value: Value::Lambda(l),
                ..
            }) => Some((l.clone(), l.new_state())),
            _ => None,
        })
        .collect();
    Ok(Box::new(From {
        measurement: props.string("measurement").map(|s| Arc::from(s.value)),
        database: props.string("database").map(|s| Arc::from(s.value)),
        retention_policy: props.string("retentionPolicy").map(|s| Arc::from(s.value)),
        wheres,
        truncate: props.duration("truncate").map_or(0, |d| d.value),
        round: props.duration("round").map_or(0, |d| d.value),
        grouping: Grouping::new(star, names, Vec::new(), by_name),
        groups: GroupInterner::default(),
    }))
}

struct From {
    measurement: Option<Arc<str>>,
    database: Option<Arc<str>>,
    retention_policy: Option<Arc<str>>,
    /// Shared by all groups: Kapacitor's `stream.go` `FromNode` keeps one expression, not one
    /// per group.
    wheres: Vec<(Lambda, State)>,
    truncate: i64,
    round: i64,
    grouping: Grouping,
    groups: GroupInterner,
}

impl From {
    /// The measurement this node selects, if any (for routing, as Kapacitor's `task.go`
    /// `Task.Measurements`).
    fn selects(&self, name: &str, db: &str, rp: &str) -> bool {
        self.measurement.as_deref().is_none_or(|m| m == name)
            && self.database.as_deref().is_none_or(|d| d == db)
            && self.retention_policy.as_deref().is_none_or(|r| r == rp)
    }
}

impl Node for From {
    fn process(&mut self, ctx: &mut NodeContext<'_>, mut msg: Message, out: &mut Vec<Message>) {
        let Message::Point(p) = &mut msg else { return };
        if !self.selects(&p.name, &p.db, &p.rp) {
            return;
        }
        // The filter sees the original time: it runs before truncate and round.
        for (lambda, state) in &mut self.wheres {
            match lambda.eval_bool(&*p, state) {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    ctx.error("failed to evaluate WHERE expression", &e);
                    return;
                }
            }
        }
        p.time = crate::time::truncate(p.time, self.truncate);
        p.time = crate::time::round(p.time, self.round);
        let dims = self.grouping.dimensions(p, false);
        self.groups.regroup(p, dims);
        out.push(msg);
    }
}
