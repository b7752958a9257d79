//! Aggregates and selectors (Kapacitor's `pipeline/influxql.go` and `influxql.go` at v1.5.7,
//! reducers in its vendored `vendor/github.com/influxdata/influxdb/influxql/call_iterator.go`):
//! `mean`, `sum`, `count`, `median`, `mode`, `spread`, `stddev` (one field, group tags only) and
//! `first`, `last`, `min`, `max`, `percentile` (the selected point, field renamed). Batch input
//! aggregates the whole batch at `tmax`; stream input aggregates the points of one timestamp and
//! emits them when the time changes.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
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

/// Looks one field up in a run of points. Points of one series share their field keys (the
/// same interned `Arc`), so once the field was found at index `i`, the next point is checked
/// at `i` by pointer before any string is compared.
struct FieldCursor<'a> {
    field: &'a str,
    hint: Option<(usize, &'a Arc<str>)>,
}

impl<'a> FieldCursor<'a> {
    fn new(field: &'a str) -> FieldCursor<'a> {
        FieldCursor { field, hint: None }
    }

    #[inline(always)]
    fn get(&mut self, fields: &'a Fields) -> Option<&'a FieldValue> {
        let s = fields.as_slice();
        if let Some((i, key)) = self.hint
            && let Some((k, v)) = s.get(i)
            && Arc::ptr_eq(k, key)
        {
            return Some(v);
        }
        let field = self.field;
        let i = if s.len() > 8 {
            s.binary_search_by(|(k, _)| (**k).cmp(field)).ok()?
        } else {
            s.iter().position(|(k, _)| **k == *field)?
        };
        let (k, v) = &s[i];
        self.hint = Some((i, k));
        Some(v)
    }
}

/// The sum of a float or an int field over a batch (see [`Aggregate::fast`]).
enum Total {
    Float(f64),
    Int(i64),
}

impl Aggregate {
    /// `count`, `sum` and `mean` when every point has the field and all its values are floats
    /// or all are ints (the usual case): one pass over the points, no copies. `None` leaves the
    /// points to the general path, which also reports any error.
    fn fast(&self, points: &[Point]) -> Option<FieldValue> {
        if !matches!(self.func, Func::Count | Func::Sum | Func::Mean) {
            return None;
        }
        let first = points.first()?;
        let mut cur = FieldCursor::new(&self.field);
        let total = match cur.get(&first.fields)? {
            FieldValue::Float(_) => {
                // The value `Sum` starts from, so that the result is the general path's to
                // the bit (it adds in the same order).
                let mut sum: f64 = std::iter::empty::<f64>().sum();
                for p in points {
                    match cur.get(&p.fields) {
                        Some(FieldValue::Float(x)) => sum += *x,
                        _ => return None,
                    }
                }
                Total::Float(sum)
            }
            FieldValue::Int(_) => {
                let mut sum = 0i64;
                for p in points {
                    match cur.get(&p.fields) {
                        Some(FieldValue::Int(x)) => sum = sum.wrapping_add(*x),
                        _ => return None,
                    }
                }
                Total::Int(sum)
            }
            _ => return None,
        };
        let n = points.len();
        Some(match (self.func, total) {
            (Func::Count, _) => FieldValue::Int(n as i64),
            (Func::Sum, Total::Float(x)) => FieldValue::Float(x),
            (Func::Sum, Total::Int(x)) => FieldValue::Int(x),
            (_, Total::Float(x)) => FieldValue::Float(x / n as f64),
            (_, Total::Int(x)) => FieldValue::Float(x as f64 / n as f64),
        })
    }

    /// The output point of an aggregate (not a selector): the group tags and `{as: result}`
    /// at `tmax`, with the db and rp of the first point.
    fn aggregate_point(
        &self,
        points: &[Point],
        tmax: i64,
        g: GroupInfo<'_>,
        result: FieldValue,
    ) -> Point {
        let (db, rp) = points.first().map_or((Arc::from(""), Arc::from("")), |p| {
            (p.db.clone(), p.rp.clone())
        });
        let mut fields = Fields::default();
        fields.insert(self.as_name.clone(), result);
        Point {
            name: g.name.clone(),
            db,
            rp,
            tags: g.tags,
            fields,
            time: tmax,
            dimensions: g.dims.clone(),
            group: g.group.clone(),
        }
    }

    /// Reduces a window's points to the aggregate's point, with Kapacitor's type checks and
    /// messages on the way.
    ///
    /// Long because it is one table: one arm per function, each a few lines, side by side so
    /// that they can be compared at a glance with the reducers Kapacitor's InfluxQL node
    /// picks (`influxql.go`, `realizeReduceContext`, at v1.5.7).
    fn reduce(
        &self,
        ctx: &mut NodeContext<'_>,
        points: &[Point],
        tmax: i64,
        g: GroupInfo<'_>,
    ) -> Option<Point> {
        if let Some(result) = self.fast(points) {
            return Some(self.aggregate_point(points, tmax, g, result));
        }
        let mut cur = FieldCursor::new(&self.field);
        // (value, point index)
        let mut vals: Vec<(FieldValue, usize)> = Vec::with_capacity(points.len());
        for (i, p) in points.iter().enumerate() {
            let v = cur.get(&p.fields);
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
                // Quirk: percentile on an int field ignores usePointTimes: Kapacitor's vendored
                // `vendor/github.com/influxdata/influxdb/influxql/call_iterator.go`
                // `NewIntegerPercentileReduceSliceFunc` returns `ZeroTime`, so the batch time wins.
                let point_time =
                    self.use_point_times && !(matches!(self.func, Func::Percentile(_)) && is_int);
                out.time = if point_time { src.time } else { tmax };
                out.group = g.group.clone();
                out.dimensions = g.dims.clone();
                Some(out)
            }
            _ => Some(self.aggregate_point(points, tmax, g, result)),
        }
    }

    /// `mode` as Kapacitor's vendored `vendor/github.com/influxdata/influxdb/influxql/call_iterator.go`
    /// `FloatModeReduceSlice` computes it: runs of equal values in ascending order; a later run
    /// wins on a higher count, or an equal count when its first time is not after the best's.
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
        let Batch {
            name,
            group,
            tags,
            dimensions,
            tmax,
            points,
        } = b;
        let g = GroupInfo {
            name: &name,
            group: &group,
            tags,
            dims: &dimensions,
        };
        if let Some(p) = self.reduce(ctx, &points, tmax, g) {
            out.push(Message::Point(p));
        }
        crate::nodes::window::recycle(points);
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
        // Kapacitor's stream path (`influxqlGroup.Point` and `aggregatePoint` in influxql.go
        // at v1.5.7) emits a timestamp only once one of its points carried the field: a
        // timestamp where none did emits nothing, not a sum or count of 0 (a window's batch,
        // in `EndBatch`, does emit them).
        let mut cur = FieldCursor::new(&self.field);
        if !points.iter().any(|p| cur.get(&p.fields).is_some()) {
            for _ in points {
                ctx.error(
                    "failed to realize reduce context from fields",
                    &format!("field \"{}\" missing from point", self.field),
                );
            }
            return;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node_runtime::NodeStats;

    fn aggregate(func: Func, name: &'static str) -> Aggregate {
        Aggregate {
            func,
            name,
            field: Arc::from("v"),
            as_name: Arc::from(name),
            use_point_times: false,
            pending: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// Runs one batch of points with these fields at times 1, 2, ... through `a`: the output
    /// fields and the distinct error messages.
    fn reduce(a: &mut Aggregate, fields: Vec<Fields>) -> (Vec<Fields>, Vec<String>) {
        let points = fields
            .into_iter()
            .zip(1..)
            .map(|(f, t)| Point::new("m", "db", "rp", Tags::default(), f, t))
            .collect();
        let batch = Batch {
            name: Arc::from("m"),
            group: GroupId::nil(),
            tags: Tags::default(),
            dimensions: crate::point::Dimensions::none(),
            tmax: 10,
            points,
        };
        let (mut emissions, mut logs, mut stats) = (Vec::new(), Vec::new(), NodeStats::default());
        let mut ctx = NodeContext {
            task_name: "t",
            node_name: "n",
            emissions: &mut emissions,
            logs: &mut logs,
            stats: &mut stats,
            quiet: true,
        };
        let mut out = Vec::new();
        a.process(&mut ctx, Message::Batch(batch), &mut out);
        let fields = out
            .into_iter()
            .map(|m| match m {
                Message::Point(p) => {
                    assert_eq!((p.time, &*p.db), (10, "db"));
                    p.fields
                }
                Message::Batch(_) => panic!("an aggregate emits points"),
            })
            .collect();
        let errors = stats
            .error_summaries
            .iter()
            .map(|s| s.message.clone())
            .collect();
        (fields, errors)
    }

    /// Fields whose keys are shared between points, as the line-protocol reader interns them.
    struct Keys {
        a: Arc<str>,
        v: Arc<str>,
    }

    impl Keys {
        fn new() -> Keys {
            Keys {
                a: Arc::from("a"),
                v: Arc::from("v"),
            }
        }
        fn v(&self, v: FieldValue) -> Fields {
            Fields::from_pairs([(self.v.clone(), v)])
        }
        fn av(&self, v: FieldValue) -> Fields {
            Fields::from_pairs([(self.a.clone(), FieldValue::Int(7)), (self.v.clone(), v)])
        }
    }

    fn out(name: &str, v: FieldValue) -> Vec<Fields> {
        vec![Fields::from_pairs([(name, v)])]
    }

    #[test]
    fn mean_reads_the_field_wherever_each_point_has_it() {
        // `v` is the second field of the first and last points and the only one of the
        // second: (2 + 4 + 9) / 3.
        let k = Keys::new();
        let f = FieldValue::Float;
        let got = reduce(
            &mut aggregate(Func::Mean, "mean"),
            vec![k.av(f(2.0)), k.v(f(4.0)), k.av(f(9.0))],
        );
        assert_eq!(got, (out("mean", f(5.0)), vec![]));
    }

    #[test]
    fn sum_and_mean_of_ints_and_count_of_floats() {
        let k = Keys::new();
        let ints = || vec![k.v(FieldValue::Int(1)), k.v(FieldValue::Int(2))];
        let got = reduce(&mut aggregate(Func::Sum, "sum"), ints());
        assert_eq!(got, (out("sum", FieldValue::Int(3)), vec![]));
        let got = reduce(&mut aggregate(Func::Mean, "mean"), ints());
        assert_eq!(got, (out("mean", FieldValue::Float(1.5)), vec![]));
        let floats = vec![k.v(FieldValue::Float(0.5)), k.av(FieldValue::Float(0.5))];
        let got = reduce(&mut aggregate(Func::Count, "count"), floats);
        assert_eq!(got, (out("count", FieldValue::Int(2)), vec![]));
    }

    #[test]
    fn a_point_of_the_other_type_is_skipped_and_reported() {
        // Kapacitor's `influxql.go` `influxqlGroup.BatchPoint`: int 1, float 2.5, int 3 → sum
        // int 4, with the type error.
        let k = Keys::new();
        let got = reduce(
            &mut aggregate(Func::Sum, "sum"),
            vec![
                k.v(FieldValue::Int(1)),
                k.v(FieldValue::Float(2.5)),
                k.v(FieldValue::Int(3)),
            ],
        );
        assert_eq!(
            got,
            (
                out("sum", FieldValue::Int(4)),
                vec![
                    "failed to aggregate point in batch: field v has wrong type: got float64 exp int64"
                        .to_string()
                ]
            )
        );
    }

    #[test]
    fn a_point_without_the_field_is_not_counted_and_is_reported() {
        let k = Keys::new();
        let only_a = Fields::from_pairs([(k.a.clone(), FieldValue::Float(1.0))]);
        let got = reduce(
            &mut aggregate(Func::Count, "count"),
            vec![
                k.v(FieldValue::Float(1.0)),
                only_a,
                k.v(FieldValue::Float(2.0)),
            ],
        );
        assert_eq!(
            got,
            (
                out("count", FieldValue::Int(2)),
                vec![
                    "failed to aggregate point in batch: field v missing from point cannot aggregate"
                        .to_string()
                ]
            )
        );
    }

    #[test]
    fn mean_of_a_string_field_emits_nothing() {
        let k = Keys::new();
        let got = reduce(
            &mut aggregate(Func::Mean, "mean"),
            vec![k.v(FieldValue::String("x".into()))],
        );
        assert_eq!(
            got,
            (
                vec![],
                vec![
                    "failed to aggregate: invalid influxql func mean with field v: cannot apply mean to string field"
                        .to_string()
                ]
            )
        );
    }
}
