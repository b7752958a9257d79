//! `|top(n, 'f', 'tagOrField'...)`, `|bottom(...)` and `|distinct('f')`: the InfluxQL functions
//! whose result is a batch (Kapacitor's `influxql.go` `influxqlGroup` and the
//! `influxql.gen.go` emitters at v1.5.7, with the `call_iterator.go` and `functions.gen.go`
//! reducers of the InfluxDB `influxql` package it vendors). A window's batch is reduced at its
//! end; on a stream, the points of one group and one time are reduced when a point with
//! another time arrives. Owns the pending run of each group.
//!
//! Each output point has the single field `.as()` (default: the method name). `top` and
//! `bottom` keep the selected points' own tags (over the group tags); `distinct` has the group
//! tags only. Without `.usePointTimes()` every point has the batch time.

use foldhash::{HashMap, HashMapExt as _};
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::sync::Arc;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Batch, Dimensions, Fields, GroupId, Message, Point, Tags};

const PROPERTIES: &[NodeProperty] = &[
    NodeProperty::new(
        "as",
        &[Arg::STRING],
        "Name of the output field (default: the method name).",
    ),
    NodeProperty::flag(
        "usePointTimes",
        "Give each output point its own time instead of the batch time.",
    ),
];

pub(crate) const TOP: NodeSpec = NodeSpec {
    method: "top",
    kind: "top",
    args: &[Arg::INT, Arg::STRING],
    optional: &[],
    variadic: Some(Arg::STRING),
    chains: CHAIN_METHODS,
    properties: PROPERTIES,
    handlers: false,
    doc: "The n points with the largest values (float or int), at most one per combination of \
          the named tags or fields; a batch in time order.",
    build,
};

pub(crate) const BOTTOM: NodeSpec = NodeSpec {
    method: "bottom",
    doc: "The n points with the smallest values (float or int), at most one per combination of \
          the named tags or fields; a batch in time order.",
    ..TOP
};

pub(crate) const DISTINCT: NodeSpec = NodeSpec {
    method: "distinct",
    kind: "distinct",
    args: &[Arg::STRING],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: PROPERTIES,
    handlers: false,
    doc: "The distinct values of a field, as a batch ordered by time then value.",
    build,
};

#[derive(Debug, Clone)]
enum Func {
    /// `top` (true) or `bottom` (false): how many, and the tags or fields that must differ.
    Select {
        top: bool,
        n: usize,
        unique_by: Vec<Arc<str>>,
    },
    Distinct,
}

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let strings: Vec<Arc<str>> = props
        .args
        .iter()
        .filter_map(|a| match &a.value {
            Value::String(s) => Some(Arc::from(s.as_str())),
            _ => None,
        })
        .collect();
    let Some(field) = strings.first().cloned() else {
        return Err(vec![Diagnostic::error(
            props.span,
            "a field name is needed",
        )]);
    };
    let func = if props.method == "distinct" {
        Func::Distinct
    } else {
        let count = props.args.first();
        let n = match count.map(|a| &a.value) {
            Some(Value::Int(n)) => usize::try_from(*n).ok(),
            _ => None,
        };
        // Deviation: Kapacitor accepts a negative count and crashes (a slice with a negative
        // capacity) at the first batch.
        let Some(n) = n else {
            return Err(vec![Diagnostic::error(
                count.map_or(props.span, |a| a.span),
                format!("{} count must not be negative", props.method),
            )]);
        };
        Func::Select {
            top: props.method == "top",
            n,
            unique_by: strings[1..].to_vec(),
        }
    };
    Ok(Box::new(Top {
        method: props.method,
        func,
        field,
        as_name: Arc::from(props.string("as").map_or(props.method, |s| s.value)),
        use_point_times: props.flag("usePointTimes").is_some(),
        empty: Arc::from(""),
        runs: HashMap::new(),
        order: Vec::new(),
        scratch: String::new(),
    }))
}

/// The Go kind of the field, fixed by the first point of a run that has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Float,
    Int,
    String,
    Bool,
}

impl Kind {
    fn of(v: &FieldValue) -> Kind {
        match v {
            FieldValue::Float(_) => Kind::Float,
            FieldValue::Int(_) | FieldValue::Duration(_) => Kind::Int,
            FieldValue::String(_) => Kind::String,
            FieldValue::Bool(_) => Kind::Bool,
        }
    }
    fn go(self) -> &'static str {
        match self {
            Kind::Float => "float64",
            Kind::Int => "int64",
            Kind::String => "string",
            Kind::Bool => "bool",
        }
    }
    fn matches(self, v: &FieldValue) -> bool {
        matches!(
            (self, v),
            (Kind::Float, FieldValue::Float(_))
                | (Kind::Int, FieldValue::Int(_))
                | (Kind::String, FieldValue::String(_))
                | (Kind::Bool, FieldValue::Bool(_))
        )
    }
}

fn go_type(v: &FieldValue) -> &'static str {
    match v {
        FieldValue::Float(_) => "float64",
        FieldValue::Int(_) => "int64",
        FieldValue::String(_) => "string",
        FieldValue::Bool(_) => "bool",
        FieldValue::Duration(_) => "time.Duration",
    }
}

/// Values of one kind, ordered as the reducers order them.
fn cmp(a: &FieldValue, b: &FieldValue) -> Ordering {
    match (a, b) {
        (FieldValue::Float(x), FieldValue::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (FieldValue::Int(x), FieldValue::Int(y)) => x.cmp(y),
        (FieldValue::String(x), FieldValue::String(y)) => x.cmp(y),
        (FieldValue::Bool(x), FieldValue::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Equal as a Go map key: NaN never equals anything, -0 equals 0.
fn same_key(a: &FieldValue, b: &FieldValue) -> bool {
    match (a, b) {
        (FieldValue::Float(x), FieldValue::Float(y)) => x == y,
        _ => a == b,
    }
}

/// One aggregated point: its value, time and tags, and for `top`/`bottom` with tags or fields
/// to tell apart, its key (`filterFloatByUniqueTags`: each aux value printed with `%s`,
/// joined by commas).
#[derive(Debug, Clone)]
struct Entry {
    value: FieldValue,
    time: i64,
    tags: Tags,
    key: String,
}

/// The points of one group waiting to be reduced: a stream group's current time, or a batch.
#[derive(Debug, Default)]
struct Run {
    name: Arc<str>,
    group: GroupId,
    /// The group tags, from the group's first point.
    tags: Tags,
    dims: Dimensions,
    time: i64,
    /// Set once a point had the field (Kapacitor's reduce context is realized).
    kind: Option<Kind>,
    entries: Vec<Entry>,
}

struct Top {
    method: &'static str,
    func: Func,
    field: Arc<str>,
    as_name: Arc<str>,
    use_point_times: bool,
    /// The db and rp of every output point (a batch point has none).
    empty: Arc<str>,
    /// Stream input: the pending run of each group.
    runs: HashMap<GroupId, Run>,
    /// Groups of `runs` in creation order (for the end-of-input flush).
    order: Vec<GroupId>,
    scratch: String,
}

/// `%s` of an aux value as Go prints it: a string as itself, anything else as `%!s(T=v)`.
fn write_aux(out: &mut String, v: &FieldValue) {
    let _ = match v {
        FieldValue::String(s) => write!(out, "{s}"),
        FieldValue::Float(f) => write!(out, "%!s(float64={})", crate::nodes::log::go_float(*f)),
        FieldValue::Int(i) => write!(out, "%!s(int64={i})"),
        FieldValue::Bool(b) => write!(out, "%!s(bool={b})"),
        FieldValue::Duration(d) => write!(out, "%!s(time.Duration={d})"),
    };
}

impl Top {
    /// One point into a run (`influxqlGroup.aggregatePoint` / `BatchPoint`).
    fn aggregate(&mut self, ctx: &mut NodeContext<'_>, run: &mut Run, p: &Point, in_batch: bool) {
        let v = p.fields.get(&self.field);
        let kind = match run.kind {
            Some(k) => k,
            None => {
                let what = "failed to realize reduce context from fields";
                let Some(v) = v else {
                    ctx.error(
                        what,
                        &format_args!("field \"{}\" missing from point", self.field),
                    );
                    return;
                };
                let kind = Kind::of(v);
                if matches!(self.func, Func::Select { .. })
                    && !matches!(kind, Kind::Float | Kind::Int)
                {
                    let m = self.method;
                    ctx.error(
                        what,
                        &format_args!(
                            "invalid influxql func {m} with field {}: cannot apply {m} to {} field",
                            self.field,
                            kind.go()
                        ),
                    );
                    return;
                }
                run.kind = Some(kind);
                kind
            }
        };
        let what = if in_batch {
            "failed to aggregate point in batch"
        } else {
            "failed to aggregate point"
        };
        let v = match v {
            Some(v) if kind.matches(v) => v,
            Some(other) => {
                ctx.error(
                    what,
                    &format_args!(
                        "field {} has wrong type: got {} exp {}",
                        self.field,
                        go_type(other),
                        kind.go()
                    ),
                );
                return;
            }
            None => {
                ctx.error(
                    what,
                    &format_args!("field {} missing from point cannot aggregate", self.field),
                );
                return;
            }
        };
        match &self.func {
            // The first point of each value is kept.
            Func::Distinct => {
                if run.entries.iter().any(|e| same_key(&e.value, v)) {
                    return;
                }
                run.entries.push(Entry {
                    value: v.clone(),
                    time: p.time,
                    tags: Tags::default(),
                    key: String::new(),
                });
            }
            Func::Select { unique_by, .. } => {
                self.scratch.clear();
                for (i, name) in unique_by.iter().enumerate() {
                    if i > 0 {
                        self.scratch.push(',');
                    }
                    match p.fields.get(name) {
                        Some(f) => write_aux(&mut self.scratch, f),
                        None => self.scratch.push_str(p.tags.get(name).unwrap_or("")),
                    }
                }
                run.entries.push(Entry {
                    value: v.clone(),
                    time: p.time,
                    tags: p.tags.clone(),
                    key: self.scratch.clone(),
                });
            }
        }
    }

    /// The batch of a run (`EmitBatch`), leaving the run empty with its capacity.
    fn emit(&self, run: &mut Run) -> Batch {
        let mut entries = std::mem::take(&mut run.entries);
        match &self.func {
            Func::Distinct => {
                entries.sort_by(|a, b| a.time.cmp(&b.time).then(cmp(&a.value, &b.value)))
            }
            Func::Select { top, n, unique_by } => {
                // Better: a larger (top) or smaller (bottom) value, then an earlier time.
                let better = |a: &Entry, b: &Entry| {
                    let c = cmp(&a.value, &b.value);
                    let c = if *top { c.reverse() } else { c };
                    c.then(a.time.cmp(&b.time))
                };
                if !unique_by.is_empty() {
                    let mut kept: Vec<Entry> = Vec::with_capacity(entries.len());
                    let mut index: HashMap<String, usize> = HashMap::with_capacity(entries.len());
                    for e in entries.drain(..) {
                        match index.get(&e.key).and_then(|&i| kept.get_mut(i)) {
                            Some(k) => {
                                if better(&e, k) == Ordering::Less {
                                    *k = e;
                                }
                            }
                            None => {
                                index.insert(e.key.clone(), kept.len());
                                kept.push(e);
                            }
                        }
                    }
                    entries = kept;
                }
                entries.sort_by(better);
                entries.truncate(*n);
                entries.sort_by_key(|e| e.time);
            }
        }
        let mut tmax = run.time;
        let mut points = Vec::with_capacity(entries.len());
        for e in entries.drain(..) {
            let time = if self.use_point_times {
                e.time
            } else {
                run.time
            };
            tmax = tmax.max(time);
            // Point tags over the group tags (`EmitBatch`); distinct points have none.
            let tags = if e.tags.is_empty() {
                run.tags.clone()
            } else if run.tags.iter().all(|(k, _)| e.tags.contains(k)) {
                e.tags
            } else {
                let mut t = run.tags.clone();
                for (k, v) in e.tags.as_slice() {
                    t.insert(k.clone(), v.clone());
                }
                t
            };
            points.push(Point {
                name: run.name.clone(),
                db: self.empty.clone(),
                rp: self.empty.clone(),
                tags,
                fields: Fields::from_pairs([(self.as_name.clone(), e.value)]),
                time,
                dimensions: run.dims.clone(),
                group: run.group.clone(),
            });
        }
        run.entries = entries;
        run.kind = None;
        Batch {
            name: run.name.clone(),
            group: run.group.clone(),
            tags: run.tags.clone(),
            dimensions: run.dims.clone(),
            tmax,
            points,
        }
    }
}

impl Node for Top {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(p) => {
                // Taken out for the calls (a move, no allocation).
                let mut runs = std::mem::take(&mut self.runs);
                if !runs.contains_key(&p.group) {
                    self.order.push(p.group.clone());
                    runs.insert(
                        p.group.clone(),
                        Run {
                            name: p.name.clone(),
                            group: p.group.clone(),
                            tags: Tags::from_sorted(p.group_tags()),
                            dims: p.dimensions.clone(),
                            time: p.time,
                            kind: None,
                            entries: Vec::new(),
                        },
                    );
                }
                if let Some(run) = runs.get_mut(&p.group) {
                    if run.time != p.time {
                        // Time moved on: the run is emitted if a point realized it.
                        if run.kind.is_some() {
                            out.push(Message::Batch(self.emit(run)));
                        }
                        run.entries.clear();
                        run.kind = None;
                        run.name = p.name.clone();
                        run.time = p.time;
                    }
                    self.aggregate(ctx, run, &p, false);
                }
                self.runs = runs;
            }
            Message::Batch(b) => {
                let mut run = Run {
                    name: b.name.clone(),
                    group: b.group.clone(),
                    tags: b.tags.clone(),
                    dims: b.dimensions.clone(),
                    time: b.tmax,
                    kind: None,
                    entries: Vec::with_capacity(b.points.len()),
                };
                for p in &b.points {
                    self.aggregate(ctx, &mut run, p, true);
                }
                // An empty batch (or one where no point had the field) emits nothing.
                if !run.entries.is_empty() {
                    out.push(Message::Batch(self.emit(&mut run)));
                }
            }
        }
    }

    /// End of input (`Task::flush`, a deviation): each group's pending time, in group
    /// creation order.
    fn flush(&mut self, _: &mut NodeContext<'_>, out: &mut Vec<Message>) {
        for g in std::mem::take(&mut self.order) {
            if let Some(mut run) = self.runs.remove(&g)
                && run.kind.is_some()
            {
                out.push(Message::Batch(self.emit(&mut run)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{compile_errors, errors, run_log_task, task};

    #[test]
    fn top_cannot_take_strings_and_reports_later_points_of_another_type() {
        let mut t = task("stream|from()|window().periodCount(3).everyCount(3)|top(1, 'v')|log()");
        // The string does not fix the type; 2i does, so 3.5 is then of the wrong type.
        let out = run_log_task(&mut t, &["cpu v=\"s\" 1", "cpu v=2i 2", "cpu v=3.5 3"]);
        assert_eq!(
            out,
            ["group= field_top=2 time=1970-01-01T00:00:00.000000003Z"]
        );
        let mut t2 = task("stream|from()|window().periodCount(3).everyCount(3)|top(1, 'v')|log()");
        let out = run_log_task(&mut t2, &["cpu v=1 1", "cpu v=2i 2", "cpu w=1 3"]);
        assert_eq!(
            out,
            ["group= field_top=1 time=1970-01-01T00:00:00.000000003Z"]
        );
        assert_eq!(
            errors(&t)[0].1,
            "failed to realize reduce context from fields: invalid influxql func top with field v: cannot apply top to string field"
        );
        let msgs: Vec<String> = errors(&t2).into_iter().map(|e| e.1).collect();
        assert_eq!(
            msgs,
            [
                "failed to aggregate point in batch: field v has wrong type: got int64 exp float64",
                "failed to aggregate point in batch: field v missing from point cannot aggregate"
            ]
        );
    }

    #[test]
    fn a_negative_count_is_rejected_and_zero_gives_empty_batches() {
        assert_eq!(
            compile_errors("stream|from()|top(-1, 'v')"),
            [(
                "top count must not be negative".to_string(),
                "-1".to_string()
            )]
        );
        assert!(compile_errors("stream|from()|bottom(0, 'v', 'host', 'dc')").is_empty());
        assert_eq!(
            compile_errors("stream|from()|distinct('v', 'w')")
                .first()
                .map(|e| e.0.clone()),
            Some("too many arguments to call distinct on from".to_string())
        );
    }
}
