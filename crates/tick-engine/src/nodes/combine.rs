//! `|combine(lambda, ...)`: pairs the points of one group and one time (rounded to
//! `.tolerance()`) into every combination where the i-th point matches the i-th lambda, as
//! Kapacitor's `combine.go` at v1.5.7. Owns the per-group buffer of the current time's points
//! and the per-group state of each lambda. Its output is always a stream of points.
//!
//! An output point has the group's name (of its first point, or the batch's), no db or rp, the
//! fields and non-group tags of its i-th point prefixed with the i-th `.as()` name and the
//! `.delimiter()`, the group tags as they are, and the first point's time. A time is combined
//! when a point with another time arrives (on a stream) or at the end of the batch.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;

use tick_lambda::{Lambda, State};
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Dimensions, Fields, GroupId, Message, Point, Tags};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "combine",
    kind: "combine",
    args: &[],
    optional: &[],
    variadic: Some(Arg::LAMBDA),
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new("as", &[], "The prefix of each lambda's point, in order.")
            .variadic(Arg::STRING),
        NodeProperty::new(
            "delimiter",
            &[Arg::STRING],
            "Text between a prefix and a name (default `.`).",
        ),
        NodeProperty::new(
            "tolerance",
            &[Arg::DURATION],
            "Points whose times round to the same multiple of it are combined.",
        ),
        NodeProperty::new(
            "max",
            &[Arg::INT],
            "The most combinations of one time (default 1,000,000); more are refused.",
        ),
    ],
    handlers: false,
    doc: "Combines the points of one time into every ordered set matching the lambdas.",
    build,
};

/// Kapacitor's default `.max()` (pipeline/combine.go at v1.5.7).
const DEFAULT_MAX: i64 = 1_000_000;

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let lambdas: Vec<Lambda> = props
        .args
        .iter()
        .filter_map(|a| match &a.value {
            Value::Lambda(l) => Some(l.clone()),
            _ => None,
        })
        .collect();
    let names: Vec<String> = props
        .strings("as")
        .unwrap_or_default()
        .iter()
        .map(|s| s.value.to_string())
        .collect();
    let delimiter = props
        .string("delimiter")
        .map_or(".", |s| s.value)
        .to_string();
    // `CombineNode.validate` (pipeline/combine.go at v1.5.7), in its order.
    let problem = if names.is_empty() {
        Some(
            "a call to combine.as() is required to specify the output stream prefixes.".to_string(),
        )
    } else if names.len() != lambdas.len() {
        Some(
            "number of prefixes specified by combine.as() must match the number of combine expressions"
                .to_string(),
        )
    } else if names.iter().any(String::is_empty) {
        Some(
            "must provide a prefix name for the combine node, see .as() property method"
                .to_string(),
        )
    } else if let Some(n) = names.iter().find(|n| n.contains(delimiter.as_str())) {
        Some(format!(
            "cannot use name {n} as field prefix, it contains the delimiter character {delimiter}"
        ))
    } else if names
        .iter()
        .enumerate()
        .any(|(i, n)| names[..i].contains(n))
    {
        Some("cannot use the same prefix name see .as() property method".to_string())
    } else {
        None
    };
    if let Some(m) = problem {
        let span = props.flag("as").unwrap_or(props.span);
        return Err(vec![Diagnostic::error(
            span,
            format!("invalid TICKscript: {m}"),
        )]);
    }
    Ok(Box::new(Combine {
        prefixes: names.iter().map(|n| format!("{n}{delimiter}")).collect(),
        lambdas,
        tolerance: props.duration("tolerance").map_or(0, |d| d.value),
        max: props.int("max").map_or(DEFAULT_MAX, |m| m.value),
        empty: Arc::from(""),
        groups: HashMap::new(),
    }))
}

/// The points of one group waiting for their time to end, and the group's lambda states.
struct Buffer {
    name: Arc<str>,
    dims: Dimensions,
    group: GroupId,
    time: Option<i64>,
    points: Vec<Point>,
    states: Vec<State>,
}

struct Combine {
    /// `name` + delimiter, per lambda.
    prefixes: Vec<String>,
    lambdas: Vec<Lambda>,
    tolerance: i64,
    max: i64,
    /// The db and rp of every output point.
    empty: Arc<str>,
    groups: HashMap<GroupId, Buffer>,
}

/// `combination.Count` (combine.go at v1.5.7): n choose k, -1 when n < k, in Go's int64
/// arithmetic.
fn count(n: i64, k: i64) -> i64 {
    if n < k {
        return -1;
    }
    let mut c: i64 = 1;
    for i in 0..k {
        c = c.wrapping_mul(n - i) / (i + 1);
    }
    c
}

impl Combine {
    /// `combineBuffer.combine`: every combination of `k` points (in lexicographic order of
    /// their indexes) where each lambda, in order, takes the first remaining point it matches.
    fn combine(&self, ctx: &mut NodeContext<'_>, buf: &mut Buffer, out: &mut Vec<Message>) {
        let points = std::mem::take(&mut buf.points);
        let (n, k) = (points.len(), self.lambdas.len());
        if n == 0 {
            return;
        }
        let mut matches = vec![false; n * k];
        for (idx, p) in points.iter().enumerate() {
            for (i, l) in self.lambdas.iter().enumerate() {
                let m = match buf.states.get_mut(i).map(|s| l.eval_bool(p, s)) {
                    Some(Ok(b)) => b,
                    Some(Err(e)) => {
                        ctx.error("error evaluating lambda expression", &e);
                        false
                    }
                    None => false,
                };
                matches[i * n + idx] = m;
            }
        }
        let total = count(n as i64, k as i64);
        // Deviation: Kapacitor returns this error from the node, which stops the task; tick
        // reports it and goes on with the next time.
        if total > self.max {
            ctx.error(
                "error combining points",
                &format_args!(
                    "refusing to perform combination as total combinations {total} exceeds max combinations {}",
                    self.max
                ),
            );
        } else if total != -1 {
            let mut indices: Vec<usize> = (0..k).collect();
            let mut remaining: Vec<usize> = Vec::with_capacity(k);
            let mut set: Vec<usize> = vec![0; k];
            loop {
                remaining.clear();
                remaining.extend_from_slice(&indices);
                let valid =
                    (0..k).all(
                        |s| match remaining.iter().position(|&i| matches[s * n + i]) {
                            Some(pos) => {
                                set[s] = remaining.remove(pos);
                                true
                            }
                            None => false,
                        },
                    );
                if valid {
                    out.push(Message::Point(self.merge(buf, &points, &set)));
                }
                // The next combination in lexicographic order.
                let Some(i) = (0..k).rev().find(|&i| indices[i] != i + n - k) else {
                    break;
                };
                indices[i] += 1;
                for j in i + 1..k {
                    indices[j] = indices[j - 1] + 1;
                }
            }
        }
        buf.points = points;
        buf.points.clear();
    }

    /// `combineBuffer.merge`: the prefixed fields and tags of the chosen points.
    fn merge(&self, buf: &Buffer, points: &[Point], set: &[usize]) -> Point {
        let dims = buf.dims.tag_names();
        let mut fields = Vec::new();
        let mut tags = Vec::new();
        for (s, &i) in set.iter().enumerate() {
            let (Some(p), Some(prefix)) = (points.get(i), self.prefixes.get(s)) else {
                continue;
            };
            for (f, v) in p.fields.iter() {
                fields.push((Arc::<str>::from(format!("{prefix}{f}")), v.clone()));
            }
            for (t, v) in p.tags.as_slice() {
                if dims.iter().any(|d| d == t) {
                    tags.push((t.clone(), v.clone()));
                } else {
                    tags.push((Arc::from(format!("{prefix}{t}")), v.clone()));
                }
            }
        }
        let time = set
            .first()
            .and_then(|&i| points.get(i))
            .map_or(0, |p| p.time);
        Point {
            name: buf.name.clone(),
            db: self.empty.clone(),
            rp: self.empty.clone(),
            tags: Tags::from_scratch(&mut tags),
            fields: Fields::from_scratch(&mut fields),
            time: crate::time::round(time, self.tolerance),
            dimensions: buf.dims.clone(),
            group: buf.group.clone(),
        }
    }

    fn add(
        &self,
        ctx: &mut NodeContext<'_>,
        buf: &mut Buffer,
        mut p: Point,
        out: &mut Vec<Message>,
    ) {
        p.time = crate::time::round(p.time, self.tolerance);
        if buf.time != Some(p.time) {
            self.combine(ctx, buf, out);
            buf.time = Some(p.time);
        }
        buf.points.push(p);
    }
}

impl Node for Combine {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(p) => {
                // Taken out for the call (a move, no allocation).
                let mut groups = std::mem::take(&mut self.groups);
                if !groups.contains_key(&p.group) {
                    // Deviation: Kapacitor starts the group at the first point's time before
                    // rounding, and crashes when rounding changes it.
                    groups.insert(
                        p.group.clone(),
                        Buffer {
                            name: p.name.clone(),
                            dims: p.dimensions.clone(),
                            group: p.group.clone(),
                            time: None,
                            points: Vec::new(),
                            states: self.lambdas.iter().map(Lambda::new_state).collect(),
                        },
                    );
                }
                if let Some(buf) = groups.get_mut(&p.group) {
                    self.add(ctx, buf, p, out);
                }
                self.groups = groups;
            }
            Message::Batch(b) => {
                let mut groups = std::mem::take(&mut self.groups);
                if !groups.contains_key(&b.group) {
                    groups.insert(
                        b.group.clone(),
                        Buffer {
                            name: b.name.clone(),
                            dims: b.dimensions.clone(),
                            group: b.group.clone(),
                            time: None,
                            points: Vec::new(),
                            states: self.lambdas.iter().map(Lambda::new_state).collect(),
                        },
                    );
                }
                if let Some(buf) = groups.get_mut(&b.group) {
                    buf.name = b.name.clone();
                    buf.time = None;
                    buf.points.clear();
                    for p in b.points {
                        self.add(ctx, buf, p, out);
                    }
                    self.combine(ctx, buf, out);
                }
                self.groups = groups;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{compile_errors, errors, run_log_task, task};

    #[test]
    fn the_prefixes_are_checked_as_kapacitor_checks_them() {
        let msg = |src: &str| compile_errors(src).first().map(|e| e.0.clone());
        assert_eq!(
            msg("stream|from()|combine(lambda: TRUE)").as_deref(),
            Some(
                "invalid TICKscript: a call to combine.as() is required to specify the output stream prefixes."
            )
        );
        assert_eq!(
            msg("stream|from()|combine(lambda: TRUE).as('a', 'b')").as_deref(),
            Some(
                "invalid TICKscript: number of prefixes specified by combine.as() must match the number of combine expressions"
            )
        );
        assert_eq!(
            msg("stream|from()|combine(lambda: TRUE, lambda: TRUE).as('a.x', 'b')").as_deref(),
            Some(
                "invalid TICKscript: cannot use name a.x as field prefix, it contains the delimiter character ."
            )
        );
        assert_eq!(
            msg("stream|from()|combine(lambda: TRUE, lambda: TRUE).as('a', 'a')").as_deref(),
            Some("invalid TICKscript: cannot use the same prefix name see .as() property method")
        );
        assert_eq!(
            compile_errors(
                "stream|from()|combine(lambda: TRUE, lambda: TRUE).as('a', 'b').max(-1)"
            ),
            []
        );
    }

    #[test]
    fn too_many_combinations_are_refused_with_an_error() {
        let mut t =
            task("stream|from()|combine(lambda: TRUE, lambda: TRUE).as('a', 'b').max(2)|log()");
        let out = run_log_task(&mut t, &["m v=1 1", "m v=2 1", "m v=3 1", "m v=4 2"]);
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(
            errors(&t)[0].1,
            "error combining points: refusing to perform combination as total combinations 3 exceeds max combinations 2"
        );
    }
}
