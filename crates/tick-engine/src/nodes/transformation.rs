//! The InfluxQL stream transformations `|difference('f')`, `|cumulativeSum('f')`,
//! `|movingAverage('f', n)` and `|elapsed('f', unit)`: one output per input point, computed
//! from the points before it in the group (Kapacitor's `influxql.go`
//! `influxqlStreamingTransformGroup` at v1.5.7, with the reducers of the InfluxDB `influxql`
//! package it vendors, `functions.go` and `functions.gen.go`). Owns the per-group reducer
//! state; in a batch the state starts afresh for each batch.
//!
//! What Kapacitor does, kept here: the field's type is fixed by the first point of a group that
//! has the field; a later point without the field or with another type is an error, after
//! which the reducer is asked for its value anyway, so `cumulativeSum`, `movingAverage` and
//! `elapsed` emit their last value again (at its old time) while `difference` emits nothing.
//! The output has the group's name (of its first point), its group tags only, no db or rp,
//! and the single field `.as()` (default: the method name) at the reducer's point time.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Fields, GroupId, Message, Point, Tags};

const PROPERTIES: &[NodeProperty] = &[
    NodeProperty::new(
        "as",
        &[Arg::STRING],
        "Name of the output field (default: the method name).",
    ),
    NodeProperty::flag(
        "usePointTimes",
        "Accepted for every InfluxQL node; transformations always use the point times.",
    ),
];

const fn spec(method: &'static str, args: &'static [Arg], doc: &'static str) -> NodeSpec {
    NodeSpec {
        method,
        kind: method,
        args,
        optional: &[],
        variadic: None,
        chains: CHAIN_METHODS,
        properties: PROPERTIES,
        handlers: false,
        doc,
        build,
    }
}

pub(crate) const DIFFERENCE: NodeSpec = spec(
    "difference",
    &[Arg::STRING],
    "The difference between a point's value and the previous point's (float or int).",
);
pub(crate) const CUMULATIVE_SUM: NodeSpec = spec(
    "cumulativeSum",
    &[Arg::STRING],
    "The running sum of a field (float or int).",
);
pub(crate) const MOVING_AVERAGE: NodeSpec = spec(
    "movingAverage",
    &[Arg::STRING, Arg::INT],
    "The mean of the last N values of a field, once N have arrived (float).",
);
pub(crate) const ELAPSED: NodeSpec = spec(
    "elapsed",
    &[Arg::STRING, Arg::DURATION],
    "The time since the previous point with the field, in units (int).",
);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Func {
    Difference,
    CumulativeSum,
    MovingAverage(usize),
    /// The unit in nanoseconds, never 0.
    Elapsed(i64),
}

impl Func {
    fn name(self) -> &'static str {
        match self {
            Func::Difference => "difference",
            Func::CumulativeSum => "cumulativeSum",
            Func::MovingAverage(_) => "movingAverage",
            Func::Elapsed(_) => "elapsed",
        }
    }
}

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let err = |span, m: &str| Err(vec![Diagnostic::error(span, m.to_string())]);
    let second = props.args.get(1);
    let func = match (props.method, second.map(|a| &a.value)) {
        ("difference", _) => Func::Difference,
        ("cumulativeSum", _) => Func::CumulativeSum,
        // Deviation: Kapacitor accepts these and then crashes (a slice with a negative or zero
        // capacity, an integer division by zero) at the first point.
        ("movingAverage", Some(Value::Int(n))) => match usize::try_from(*n) {
            Ok(n) if n > 0 => Func::MovingAverage(n),
            _ => {
                return err(
                    second.map_or(props.span, |a| a.span),
                    "movingAverage window must be a positive number of points",
                );
            }
        },
        ("elapsed", Some(Value::Duration(0))) => {
            return err(
                second.map_or(props.span, |a| a.span),
                "elapsed unit must be a non-zero duration",
            );
        }
        ("elapsed", Some(Value::Duration(d))) => Func::Elapsed(*d),
        _ => return err(props.span, "invalid arguments"),
    };
    let Some(Value::String(field)) = props.args.first().map(|a| &a.value) else {
        return err(props.span, "a transformation needs a field name");
    };
    Ok(Box::new(Transformation {
        func,
        field: Arc::from(field.as_str()),
        as_name: Arc::from(props.string("as").map_or(func.name(), |s| s.value)),
        empty: Arc::from(""),
        groups: HashMap::new(),
    }))
}

/// The type of the field, fixed by the first point of a group that has it (Go's
/// `reflect.Kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Float,
    Int,
    String,
    Bool,
}

impl Kind {
    /// The kind a field value realizes a reducer with: a duration is an int64 kind in Go.
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
}

/// Go's `%T` of a field value.
fn go_type(v: &FieldValue) -> &'static str {
    match v {
        FieldValue::Float(_) => "float64",
        FieldValue::Int(_) => "int64",
        FieldValue::String(_) => "string",
        FieldValue::Bool(_) => "bool",
        FieldValue::Duration(_) => "time.Duration",
    }
}

/// A numeric value of the reducer's kind.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    F(f64),
    I(i64),
}

impl Num {
    fn sub(self, o: Num) -> Num {
        match (self, o) {
            (Num::F(a), Num::F(b)) => Num::F(a - b),
            (Num::I(a), Num::I(b)) => Num::I(a.wrapping_sub(b)),
            (a, _) => a,
        }
    }
    fn add(self, o: Num) -> Num {
        match (self, o) {
            (Num::F(a), Num::F(b)) => Num::F(a + b),
            (Num::I(a), Num::I(b)) => Num::I(a.wrapping_add(b)),
            (a, _) => a,
        }
    }
    fn value(self) -> FieldValue {
        match self {
            Num::F(f) => FieldValue::Float(f),
            Num::I(i) => FieldValue::Int(i),
        }
    }
    fn zero(kind: Kind) -> Num {
        if kind == Kind::Int {
            Num::I(0)
        } else {
            Num::F(0.0)
        }
    }
}

/// The state of one reducer (`Float/IntegerDifferenceReducer`, `...CumulativeSumReducer`,
/// `...MovingAverageReducer`, `...ElapsedReducer`).
#[derive(Debug, Clone)]
enum Reducer {
    Difference {
        prev: Option<(i64, Num)>,
        curr: Option<(i64, Num)>,
    },
    CumulativeSum {
        curr: Option<(i64, Num)>,
    },
    MovingAverage {
        n: usize,
        buf: Vec<Num>,
        pos: usize,
        sum: Num,
        time: i64,
    },
    Elapsed {
        unit: i64,
        prev: Option<i64>,
        curr: Option<i64>,
    },
}

impl Reducer {
    /// The reducer for `kind`, or Kapacitor's message when the function cannot take it.
    fn new(func: Func, kind: Kind) -> Option<Reducer> {
        let numeric = matches!(kind, Kind::Float | Kind::Int);
        Some(match func {
            Func::Difference if numeric => Reducer::Difference {
                prev: None,
                curr: None,
            },
            Func::CumulativeSum if numeric => Reducer::CumulativeSum { curr: None },
            Func::MovingAverage(n) if numeric => Reducer::MovingAverage {
                n,
                buf: Vec::with_capacity(n),
                pos: 0,
                sum: Num::zero(kind),
                time: 0,
            },
            Func::Elapsed(unit) => Reducer::Elapsed {
                unit,
                prev: None,
                curr: None,
            },
            _ => return None,
        })
    }

    fn aggregate(&mut self, time: i64, x: Num) {
        match self {
            Reducer::Difference { prev, curr } => {
                // A point at the time of the current one does not advance the series.
                if curr.is_some_and(|(t, _)| t == time) {
                    return;
                }
                *prev = *curr;
                *curr = Some((time, x));
            }
            Reducer::CumulativeSum { curr } => {
                let base = curr.map_or(Num::zero(kind_of_num(x)), |(_, v)| v);
                *curr = Some((time, base.add(x)));
            }
            Reducer::MovingAverage {
                n,
                buf,
                pos,
                sum,
                time: t,
            } => {
                if buf.len() != *n {
                    buf.push(x);
                } else if let Some(slot) = buf.get_mut(*pos) {
                    *sum = sum.sub(*slot);
                    *slot = x;
                }
                *sum = sum.add(x);
                *t = time;
                *pos += 1;
                if *pos >= *n {
                    *pos = 0;
                }
            }
            Reducer::Elapsed { prev, curr, .. } => {
                *prev = *curr;
                *curr = Some(time);
            }
        }
    }

    fn emit(&mut self) -> Option<(i64, FieldValue)> {
        match self {
            Reducer::Difference { prev, curr } => {
                let (_, p) = prev.take()?;
                let (t, c) = (*curr)?;
                Some((t, c.sub(p).value()))
            }
            Reducer::CumulativeSum { curr } => curr.map(|(t, v)| (t, v.value())),
            Reducer::MovingAverage {
                n, buf, sum, time, ..
            } => {
                if buf.len() != *n {
                    return None;
                }
                let total = match *sum {
                    Num::F(f) => f,
                    Num::I(i) => i as f64,
                };
                Some((*time, FieldValue::Float(total / buf.len() as f64)))
            }
            // Quirk: the previous time is not consumed, so a failed point emits the same
            // elapsed time again.
            Reducer::Elapsed { unit, prev, curr } => {
                let (p, c) = ((*prev)?, (*curr)?);
                Some((c, FieldValue::Int(c.wrapping_sub(p).wrapping_div(*unit))))
            }
        }
    }
}

fn kind_of_num(x: Num) -> Kind {
    match x {
        Num::F(_) => Kind::Float,
        Num::I(_) => Kind::Int,
    }
}

/// One group (or one batch): its name and group tags, from its first point, and its reducer
/// once a point with the field has fixed the type.
struct GroupState {
    name: Arc<str>,
    tags: Tags,
    reducer: Option<(Kind, Reducer)>,
}

impl GroupState {
    fn new(p: &Point) -> GroupState {
        GroupState {
            name: p.name.clone(),
            tags: Tags::from_sorted(p.group_tags()),
            reducer: None,
        }
    }
}

struct Transformation {
    func: Func,
    field: Arc<str>,
    as_name: Arc<str>,
    /// The db and rp of every output (Kapacitor leaves them empty).
    empty: Arc<str>,
    groups: HashMap<GroupId, GroupState>,
}

impl Transformation {
    /// One point into the group's reducer; the value and time the reducer emits after it.
    fn step(
        &self,
        ctx: &mut NodeContext<'_>,
        st: &mut GroupState,
        p: &Point,
    ) -> Option<(i64, FieldValue)> {
        let v = p.fields.get(&self.field);
        let (kind, reducer) = match &mut st.reducer {
            Some((k, r)) => (*k, r),
            None => {
                let what = "failed to realize reduce context from fields";
                let Some(v) = v else {
                    ctx.error(
                        what,
                        &format_args!("field \"{}\" missing from point", self.field),
                    );
                    return None;
                };
                let kind = Kind::of(v);
                let Some(r) = Reducer::new(self.func, kind) else {
                    let m = self.func.name();
                    ctx.error(
                        what,
                        &format_args!(
                            "invalid influxql func {m} with field {}: cannot apply {m} to {} field",
                            self.field,
                            kind.go()
                        ),
                    );
                    return None;
                };
                let (k, r) = st.reducer.insert((kind, r));
                (*k, r)
            }
        };
        let x = match (v, kind) {
            (Some(FieldValue::Float(f)), Kind::Float) => Some(Num::F(*f)),
            (Some(FieldValue::Int(i)), Kind::Int) => Some(Num::I(*i)),
            // `elapsed` only reads the time.
            (Some(FieldValue::String(_)), Kind::String)
            | (Some(FieldValue::Bool(_)), Kind::Bool) => Some(Num::I(0)),
            (None, _) => {
                ctx.error(
                    "failed to aggregate point",
                    &format_args!("field {} missing from point cannot aggregate", self.field),
                );
                None
            }
            (Some(other), _) => {
                ctx.error(
                    "failed to aggregate point",
                    &format_args!(
                        "field {} has wrong type: got {} exp {}",
                        self.field,
                        go_type(other),
                        kind.go()
                    ),
                );
                None
            }
        };
        if let Some(x) = x {
            reducer.aggregate(p.time, x);
        }
        reducer.emit()
    }

    fn output(&self, st: &GroupState, p: &Point, time: i64, value: FieldValue) -> Point {
        Point {
            name: st.name.clone(),
            db: self.empty.clone(),
            rp: self.empty.clone(),
            tags: st.tags.clone(),
            fields: Fields::from_pairs([(self.as_name.clone(), value)]),
            time,
            dimensions: p.dimensions.clone(),
            group: p.group.clone(),
        }
    }
}

impl Node for Transformation {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(p) => {
                // Taken out for the call (a move, no allocation), so that `step` can borrow
                // the node.
                let mut groups = std::mem::take(&mut self.groups);
                if !groups.contains_key(&p.group) {
                    groups.insert(p.group.clone(), GroupState::new(&p));
                }
                if let Some(st) = groups.get_mut(&p.group)
                    && let Some((t, v)) = self.step(ctx, st, &p)
                {
                    out.push(Message::Point(self.output(st, &p, t, v)));
                }
                self.groups = groups;
            }
            Message::Batch(mut b) => {
                let points = std::mem::take(&mut b.points);
                let mut st: Option<GroupState> = None;
                for p in &points {
                    let st = st.get_or_insert_with(|| GroupState {
                        name: b.name.clone(),
                        tags: b.tags.clone(),
                        reducer: None,
                    });
                    if let Some((t, v)) = self.step(ctx, st, p) {
                        let mut q = self.output(st, p, t, v);
                        q.name = p.name.clone();
                        b.points.push(q);
                    }
                }
                out.push(Message::Batch(b));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{compile_errors, errors, run_log_task, task};

    #[test]
    fn errors_use_kapacitors_messages() {
        let mut t = task("stream|from()|difference('v')|log()");
        let out = run_log_task(
            &mut t,
            &[
                "cpu w=1 1",
                "cpu v=\"s\" 2",
                "cpu v=1 3",
                "cpu v=2i 4",
                "cpu w=1 5",
                "cpu v=4 6",
            ],
        );
        assert_eq!(
            out,
            ["group= field_difference=3 time=1970-01-01T00:00:00.000000006Z"]
        );
        let realize = "failed to realize reduce context from fields";
        assert_eq!(
            errors(&t),
            [
                (
                    "difference2".to_string(),
                    format!("{realize}: field \"v\" missing from point"),
                    1
                ),
                (
                    "difference2".to_string(),
                    format!(
                        "{realize}: invalid influxql func difference with field v: cannot apply difference to string field"
                    ),
                    1
                ),
                (
                    "difference2".to_string(),
                    "failed to aggregate point: field v has wrong type: got int64 exp float64"
                        .to_string(),
                    1
                ),
                (
                    "difference2".to_string(),
                    "failed to aggregate point: field v missing from point cannot aggregate"
                        .to_string(),
                    1
                ),
            ]
        );
    }

    #[test]
    fn elapsed_takes_any_field_type() {
        let mut t = task("stream|from()|elapsed('v', 1ms)|log()");
        let out = run_log_task(&mut t, &["cpu v=\"a\" 1000000", "cpu v=\"b\" 3500000"]);
        assert_eq!(
            out,
            ["group= field_elapsed=2 time=1970-01-01T00:00:00.0035Z"]
        );
    }

    #[test]
    fn arguments_that_crash_kapacitor_are_rejected() {
        assert_eq!(
            compile_errors("stream|from()|movingAverage('v', 0)"),
            [(
                "movingAverage window must be a positive number of points".to_string(),
                "0".to_string()
            )]
        );
        assert_eq!(
            compile_errors("stream|from()|movingAverage('v', -3)").len(),
            1
        );
        assert_eq!(
            compile_errors("stream|from()|elapsed('v', 0s)"),
            [(
                "elapsed unit must be a non-zero duration".to_string(),
                "0s".to_string()
            )]
        );
        assert!(
            compile_errors("stream|from()|elapsed('v', -1s)|difference('e').as('d')").is_empty()
        );
        assert_eq!(
            compile_errors("stream|from()|movingAverage('v', 2.0)")
                .first()
                .map(|e| e.0.clone()),
            Some(
                "error calling func \"movingAverage\" on obj from: value of type float is not assignable to type int"
                    .to_string()
            )
        );
    }
}
