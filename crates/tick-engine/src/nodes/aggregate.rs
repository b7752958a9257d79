//! Aggregates and selectors (spec §4.6): `mean`, `sum`, `count`, `median`, `mode`, `spread`,
//! `stddev` (one field, group tags only) and `first`, `last`, `min`, `max`, `percentile` (the
//! selected point, field renamed). Batch input aggregates the whole batch at `tmax`; stream
//! input aggregates the points of one timestamp and emits them when the time changes.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node::{Arg, BuildContext, Node, NodeContext, NodeProperty, NodeProps, NodeSpec, Value};
use crate::nodes::CHAIN_METHODS;
use crate::point::{Batch, Fields, GroupId, Message, Point, Tags};

const PROPERTIES: &[NodeProperty] = &[
    NodeProperty::new(
        "as",
        &[Arg::STRING],
        "Name of the output field (default: the method name).",
    ),
    NodeProperty::flag(
        "usePointTimes",
        "Selectors: use the selected point's time instead of the window time.",
    ),
];

const fn spec(method: &'static str, doc: &'static str) -> NodeSpec {
    NodeSpec {
        method,
        kind: method,
        args: &[Arg::STRING],
        optional: &[],
        variadic: None,
        chains: CHAIN_METHODS,
        properties: PROPERTIES,
        handlers: false,
        doc,
        build,
    }
}

pub(crate) const COUNT: NodeSpec = spec("count", "Number of points that have the field (int).");
pub(crate) const SUM: NodeSpec = spec("sum", "Sum of the field; 0 for an empty window.");
pub(crate) const MEAN: NodeSpec = spec("mean", "Mean of the field (float).");
pub(crate) const MEDIAN: NodeSpec = spec("median", "Median of the field (float).");
pub(crate) const MODE: NodeSpec = spec("mode", "Most frequent value of the field.");
pub(crate) const SPREAD: NodeSpec = spec("spread", "Maximum minus minimum of the field.");
pub(crate) const STDDEV: NodeSpec =
    spec("stddev", "Sample standard deviation of the field (float).");
pub(crate) const FIRST: NodeSpec = spec("first", "The earliest point (selector).");
pub(crate) const LAST: NodeSpec = spec("last", "The latest point (selector).");
pub(crate) const MIN: NodeSpec = spec("min", "The point with the smallest value (selector).");
pub(crate) const MAX: NodeSpec = spec("max", "The point with the largest value (selector).");
pub(crate) const PERCENTILE: NodeSpec = NodeSpec {
    args: &[Arg::STRING, Arg::FLOAT],
    ..spec(
        "percentile",
        "The point at the given percentile (selector); the percentile is a float.",
    )
};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Func {
    Count,
    Sum,
    Mean,
    Median,
    Mode,
    Spread,
    Stddev,
    First,
    Last,
    Min,
    Max,
    Percentile(f64),
}

impl Func {
    fn numeric_only(self) -> bool {
        !matches!(self, Func::Count | Func::First | Func::Last)
    }
    fn selector(self) -> bool {
        matches!(
            self,
            Func::First | Func::Last | Func::Min | Func::Max | Func::Percentile(_)
        )
    }
}

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let func = match props.method {
        "count" => Func::Count,
        "sum" => Func::Sum,
        "mean" => Func::Mean,
        "median" => Func::Median,
        "mode" => Func::Mode,
        "spread" => Func::Spread,
        "stddev" => Func::Stddev,
        "first" => Func::First,
        "last" => Func::Last,
        "min" => Func::Min,
        "max" => Func::Max,
        _ => match props.args.get(1).map(|a| &a.value) {
            Some(Value::Float(p)) => Func::Percentile(*p),
            _ => {
                return Err(vec![Diagnostic::error(
                    props.span,
                    "percentile needs a float percentile",
                )]);
            }
        },
    };
    let field = match props.args.first().map(|a| &a.value) {
        Some(Value::String(f)) => Arc::<str>::from(f.as_str()),
        _ => {
            return Err(vec![Diagnostic::error(
                props.span,
                "an aggregate needs a field name",
            )]);
        }
    };
    let as_name = props
        .string("as")
        .map_or_else(|| Arc::from(props.method), |s| Arc::from(s.value));
    Ok(Box::new(Aggregate {
        func,
        name: props.method,
        field,
        as_name,
        use_point_times: props.flag("usePointTimes").is_some(),
        pending: HashMap::new(),
        order: Vec::new(),
    }))
}

struct Aggregate {
    func: Func,
    name: &'static str,
    field: Arc<str>,
    as_name: Arc<str>,
    use_point_times: bool,
    /// Stream input: the points of the current timestamp, per group.
    pending: HashMap<GroupId, Vec<Point>>,
    /// Groups of `pending` in creation order.
    order: Vec<GroupId>,
}

fn go_type(v: &FieldValue) -> &'static str {
    match v {
        FieldValue::Float(_) => "float64",
        FieldValue::Int(_) => "int64",
        FieldValue::String(_) => "string",
        FieldValue::Bool(_) => "bool",
        FieldValue::Duration(_) => "int64",
    }
}

fn type_word(v: &FieldValue) -> &'static str {
    match v {
        FieldValue::Float(_) => "float",
        FieldValue::Int(_) | FieldValue::Duration(_) => "integer",
        FieldValue::String(_) => "string",
        FieldValue::Bool(_) => "boolean",
    }
}

fn cmp_values(a: &FieldValue, b: &FieldValue) -> Ordering {
    match (a, b) {
        (FieldValue::Float(x), FieldValue::Float(y)) => x.total_cmp(y),
        (FieldValue::Int(x), FieldValue::Int(y))
        | (FieldValue::Duration(x), FieldValue::Duration(y)) => x.cmp(y),
        (FieldValue::String(x), FieldValue::String(y)) => x.cmp(y),
        (FieldValue::Bool(x), FieldValue::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

fn as_f64(v: &FieldValue) -> f64 {
    match v {
        FieldValue::Float(f) => *f,
        FieldValue::Int(i) | FieldValue::Duration(i) => *i as f64,
        _ => 0.0,
    }
}

/// The group a batch or pending stream run belongs to.
struct GroupInfo<'a> {
    name: &'a Arc<str>,
    group: &'a GroupId,
    tags: Tags,
    dims: &'a crate::point::Dimensions,
}

impl Aggregate {
    fn reduce(
        &self,
        ctx: &mut NodeContext<'_>,
        points: &[Point],
        tmax: i64,
        g: GroupInfo<'_>,
    ) -> Option<Point> {
        // (value, point index)
        let mut vals: Vec<(FieldValue, usize)> = Vec::with_capacity(points.len());
        for (i, p) in points.iter().enumerate() {
            let v = p.fields.get(&self.field);
            match (v, vals.first()) {
                (None, None) => ctx.error(
                    "failed to realize reduce context from fields",
                    &format!("field \"{}\" missing from point", self.field),
                ),
                (None, Some(_)) => ctx.error(
                    "failed to aggregate point in batch",
                    &format!("field {} missing from point cannot aggregate", self.field),
                ),
                (Some(v), None) => {
                    if self.func.numeric_only()
                        && !matches!(v, FieldValue::Float(_) | FieldValue::Int(_))
                    {
                        ctx.error(
                            "failed to aggregate",
                            &format!(
                                "invalid influxql func {} with field {}: cannot apply {} to {} field",
                                self.name,
                                self.field,
                                self.name,
                                type_word(v)
                            ),
                        );
                        return None;
                    }
                    vals.push((v.clone(), i));
                }
                (Some(v), Some((first, _))) => {
                    if std::mem::discriminant(v) == std::mem::discriminant(first) {
                        vals.push((v.clone(), i));
                    } else {
                        ctx.error(
                            "failed to aggregate point in batch",
                            &format!(
                                "field {} has wrong type: got {} exp {}",
                                self.field,
                                go_type(v),
                                go_type(first)
                            ),
                        );
                    }
                }
            }
        }
        let is_int = matches!(vals.first(), Some((FieldValue::Int(_), _)));
        let n = vals.len();
        let (result, selected): (FieldValue, Option<usize>) = match self.func {
            Func::Count => (FieldValue::Int(n as i64), None),
            Func::Sum if n == 0 => (FieldValue::Float(0.0), None),
            _ if n == 0 => return None,
            Func::Sum => {
                if is_int {
                    (
                        FieldValue::Int(
                            vals.iter()
                                .fold(0i64, |a, (v, _)| a.wrapping_add(as_i64(v))),
                        ),
                        None,
                    )
                } else {
                    (
                        FieldValue::Float(vals.iter().map(|(v, _)| as_f64(v)).sum()),
                        None,
                    )
                }
            }
            Func::Mean => {
                let sum = if is_int {
                    vals.iter()
                        .fold(0i64, |a, (v, _)| a.wrapping_add(as_i64(v)))
                        as f64
                } else {
                    vals.iter().map(|(v, _)| as_f64(v)).sum()
                };
                (FieldValue::Float(sum / n as f64), None)
            }
            Func::Median => {
                let mut xs: Vec<f64> = vals.iter().map(|(v, _)| as_f64(v)).collect();
                xs.sort_by(f64::total_cmp);
                let m = if n % 2 == 1 {
                    xs[n / 2]
                } else {
                    (xs[n / 2 - 1] + xs[n / 2]) / 2.0
                };
                (FieldValue::Float(m), None)
            }
            Func::Stddev => {
                if n < 2 {
                    (FieldValue::Float(0.0), None)
                } else {
                    let mean = vals.iter().map(|(v, _)| as_f64(v)).sum::<f64>() / n as f64;
                    let var = vals
                        .iter()
                        .map(|(v, _)| (as_f64(v) - mean).powi(2))
                        .sum::<f64>()
                        / (n - 1) as f64;
                    (FieldValue::Float(var.sqrt()), None)
                }
            }
            Func::Spread => {
                let min = vals.iter().map(|(v, _)| v).min_by(|a, b| cmp_values(a, b));
                let max = vals.iter().map(|(v, _)| v).max_by(|a, b| cmp_values(a, b));
                match (min, max) {
                    (Some(FieldValue::Int(a)), Some(FieldValue::Int(b))) => {
                        (FieldValue::Int(b.wrapping_sub(*a)), None)
                    }
                    (Some(a), Some(b)) => (FieldValue::Float(as_f64(b) - as_f64(a)), None),
                    _ => return None,
                }
            }
            Func::Mode => (self.mode(&vals, points), None),
            Func::First | Func::Last => {
                let first = self.func == Func::First;
                let mut best = 0;
                for k in 1..n {
                    let (t, bt) = (points[vals[k].1].time, points[vals[best].1].time);
                    let better = if first { t < bt } else { t > bt };
                    if better
                        || (t == bt && cmp_values(&vals[k].0, &vals[best].0) == Ordering::Greater)
                    {
                        best = k;
                    }
                }
                (vals[best].0.clone(), Some(best))
            }
            Func::Min | Func::Max => {
                let want = if self.func == Func::Min {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                let mut best = 0;
                for k in 1..n {
                    let c = cmp_values(&vals[k].0, &vals[best].0);
                    let earlier = points[vals[k].1].time < points[vals[best].1].time;
                    if c == want || (c == Ordering::Equal && earlier) {
                        best = k;
                    }
                }
                (vals[best].0.clone(), Some(best))
            }
            Func::Percentile(p) => {
                let mut order: Vec<usize> = (0..n).collect();
                order.sort_by(|a, b| cmp_values(&vals[*a].0, &vals[*b].0));
                let idx = ((n as f64) * p / 100.0 + 0.5).floor() as i64 - 1;
                if idx < 0 || idx >= n as i64 {
                    return None;
                }
                let k = order[idx as usize];
                (vals[k].0.clone(), Some(k))
            }
        };
        match selected {
            Some(k) if self.func.selector() => {
                let src = &points[vals[k].1];
                let mut out = src.clone();
                if *self.field != *self.as_name {
                    out.fields.remove(&self.field);
                }
                out.fields.insert(self.as_name.clone(), result);
                // Quirk (spec §4.6): percentile on an int field ignores usePointTimes.
                let point_time =
                    self.use_point_times && !(matches!(self.func, Func::Percentile(_)) && is_int);
                out.time = if point_time { src.time } else { tmax };
                out.group = g.group.clone();
                out.dimensions = g.dims.clone();
                Some(out)
            }
            _ => {
                let (db, rp) = points.first().map_or((Arc::from(""), Arc::from("")), |p| {
                    (p.db.clone(), p.rp.clone())
                });
                Some(Point {
                    name: g.name.clone(),
                    db,
                    rp,
                    tags: g.tags,
                    fields: Fields::from_pairs([(self.as_name.clone(), result)]),
                    time: tmax,
                    dimensions: g.dims.clone(),
                    group: g.group.clone(),
                })
            }
        }
    }

    /// Spec §4.6 `mode`: runs of equal values in ascending order; a later run wins on a higher
    /// count, or an equal count when its first time is not after the best's time.
    fn mode(&self, vals: &[(FieldValue, usize)], points: &[Point]) -> FieldValue {
        let mut order: Vec<usize> = (0..vals.len()).collect();
        order.sort_by(|a, b| cmp_values(&vals[*a].0, &vals[*b].0));
        let time = |k: usize| points[vals[k].1].time;
        let mut best = (order[0], 1usize, time(order[0]));
        let mut run = (1usize, time(order[0]));
        for w in 1..order.len() {
            let (prev, cur) = (order[w - 1], order[w]);
            if cmp_values(&vals[cur].0, &vals[prev].0) != Ordering::Equal {
                run = (1, time(cur));
                continue;
            }
            run.0 += 1;
            if run.0 > best.1 || (run.0 == best.1 && run.1 <= best.2) {
                best = (cur, run.0, time(cur));
            }
        }
        vals[best.0].0.clone()
    }

    fn batch(&mut self, ctx: &mut NodeContext<'_>, b: Batch, out: &mut Vec<Message>) {
        let g = GroupInfo {
            name: &b.name,
            group: &b.group,
            tags: b.tags.clone(),
            dims: &b.dimensions,
        };
        if let Some(p) = self.reduce(ctx, &b.points, b.tmax, g) {
            out.push(Message::Point(p));
        }
    }
}

fn as_i64(v: &FieldValue) -> i64 {
    match v {
        FieldValue::Int(i) | FieldValue::Duration(i) => *i,
        FieldValue::Float(f) => *f as i64,
        _ => 0,
    }
}

impl Aggregate {
    /// Reduces the pending same-timestamp points of one group (stream input).
    fn reduce_run(&self, ctx: &mut NodeContext<'_>, points: &[Point], out: &mut Vec<Message>) {
        let Some(first) = points.first() else {
            return;
        };
        let g = GroupInfo {
            name: &first.name,
            group: &first.group,
            tags: Tags::from_sorted(first.group_tags()),
            dims: &first.dimensions,
        };
        if let Some(r) = self.reduce(ctx, points, first.time, g) {
            out.push(Message::Point(r));
        }
    }
}

impl Node for Aggregate {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Batch(b) => self.batch(ctx, b, out),
            Message::Point(p) => {
                if !self.pending.contains_key(&p.group) {
                    self.order.push(p.group.clone());
                }
                let pending = self.pending.entry(p.group.clone()).or_default();
                if pending.first().is_some_and(|q| q.time != p.time) {
                    let points = std::mem::take(pending);
                    pending.push(p);
                    self.reduce_run(ctx, &points, out);
                } else {
                    pending.push(p);
                }
            }
        }
    }

    /// End of input (`Task::flush`, a deviation): reduces each group's pending timestamp, in
    /// group creation order.
    fn flush(&mut self, ctx: &mut NodeContext<'_>, out: &mut Vec<Message>) {
        for g in std::mem::take(&mut self.order) {
            if let Some(points) = self.pending.remove(&g) {
                self.reduce_run(ctx, &points, out);
            }
        }
    }
}
