//! `|sample(rate)`: keeps every Nth point of a group (`sample(3)`), or the points whose time is
//! a multiple of a duration (`sample(10s)`), as Kapacitor's `sample.go` at v1.5.7. Owns the
//! per-group point counter; in a batch the counter restarts and applies to its points.

use foldhash::{HashMap, HashMapExt as _};

use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeSpec};
use crate::point::{GroupId, Message};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "sample",
    kind: "sample",
    args: &[Arg::IntOrDuration],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[],
    handlers: false,
    doc: "Keeps one point in N (an int), or the points at multiples of a duration.",
    build,
};

#[derive(Debug, Clone, Copy)]
enum Rate {
    /// Keep the points whose index in the group is a multiple of N (never 0).
    Count(i64),
    /// Keep the points whose time Go's `Time.Truncate` leaves unchanged (never 0).
    Every(i64),
}

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let Some(arg) = props.args.first() else {
        return Err(vec![Diagnostic::error(props.span, "sample needs a rate")]);
    };
    let rate = match arg.value {
        Value::Int(n) if n != 0 => Rate::Count(n),
        Value::Duration(d) if d != 0 => Rate::Every(d),
        // As `newSampleNode` (sample.go at v1.5.7), which fails when the task is enabled.
        Value::Int(_) | Value::Duration(_) => {
            return Err(vec![Diagnostic::error(
                arg.span,
                "invalid sample rate: must be positive integer or duration",
            )]);
        }
        _ => {
            return Err(vec![Diagnostic::error(
                arg.span,
                "sample needs an int or a duration",
            )]);
        }
    };
    Ok(Box::new(Sample {
        rate,
        counts: HashMap::new(),
    }))
}

struct Sample {
    rate: Rate,
    /// Points seen per group (stream only).
    counts: HashMap<GroupId, i64>,
}

impl Sample {
    /// `SampleNode.shouldKeep` (sample.go at v1.5.7).
    fn keep(&self, count: i64, time: i64) -> bool {
        match self.rate {
            // Quirk: a negative N keeps the same points as |N|, and a negative duration every
            // point (Go's `Truncate` leaves the time alone).
            Rate::Count(n) => count.wrapping_rem(n) == 0,
            Rate::Every(d) => crate::time::truncate(time, d) == time,
        }
    }
}

impl Node for Sample {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(p) => {
                let count = match self.counts.get_mut(&p.group) {
                    Some(c) => {
                        let n = *c;
                        *c = c.wrapping_add(1);
                        n
                    }
                    None => {
                        self.counts.insert(p.group.clone(), 1);
                        0
                    }
                };
                if self.keep(count, p.time) {
                    out.push(Message::Point(p));
                }
            }
            Message::Batch(mut b) => {
                let mut count = 0i64;
                b.points.retain(|p| {
                    let keep = self.keep(count, p.time);
                    count = count.wrapping_add(1);
                    keep
                });
                out.push(Message::Batch(b));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{compile_errors, run_log};

    fn values(out: &[String]) -> Vec<&str> {
        out.iter()
            .filter_map(|l| l.split(' ').find(|kv| kv.starts_with("field_v=")))
            .collect()
    }

    #[test]
    fn a_count_keeps_the_first_point_and_every_nth_after_it_per_group() {
        let lines = [
            "cpu,host=a v=0 1",
            "cpu,host=a v=1 2",
            "cpu,host=b v=10 3",
            "cpu,host=a v=2 4",
            "cpu,host=a v=3 5",
            "cpu,host=b v=11 6",
            "cpu,host=b v=12 7",
        ];
        let out = run_log("stream|from().groupBy('host')|sample(2)|log()", &lines);
        assert_eq!(
            values(&out),
            ["field_v=0", "field_v=10", "field_v=2", "field_v=12"]
        );
        // A negative count keeps the same points.
        let neg = run_log("stream|from().groupBy('host')|sample(-2)|log()", &lines);
        assert_eq!(neg, out);
    }

    #[test]
    fn a_duration_keeps_points_on_its_multiples() {
        let s = 1_000_000_000i64;
        let lines: Vec<String> = [0, 1, 2, 4, 5, 6, 9, 10]
            .iter()
            .map(|t| format!("cpu v={t} {}", t * s + if *t == 6 { 1 } else { 0 }))
            .collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let out = run_log("stream|from()|sample(2s)|log()", &lines);
        assert_eq!(
            values(&out),
            ["field_v=0", "field_v=2", "field_v=4", "field_v=10"]
        );
        // Quirk: a negative duration keeps everything.
        assert_eq!(run_log("stream|from()|sample(-2s)|log()", &lines).len(), 8);
    }

    #[test]
    fn a_zero_rate_or_another_type_is_rejected() {
        for src in ["stream|from()|sample(0)", "stream|from()|sample(0s)"] {
            assert_eq!(
                compile_errors(src),
                [(
                    "invalid sample rate: must be positive integer or duration".to_string(),
                    src[21..src.len() - 1].to_string()
                )],
                "{src}"
            );
        }
        for src in ["stream|from()|sample(2.0)", "stream|from()|sample('a')"] {
            let errs = compile_errors(src);
            assert_eq!(errs.len(), 1, "{src}");
            assert_eq!(
                errs[0].0,
                "error calling func \"sample\" on obj from: must pass int64 or duration to new sample node"
            );
        }
    }
}
