//! `|shift(duration)`: moves every point, and every batch with its points, by a fixed duration
//! in time (Kapacitor's `shift.go` at v1.5.7). Owns nothing per group: the node is stateless.

use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeSpec};
use crate::point::Message;

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "shift",
    kind: "shift",
    args: &[Arg::DURATION],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[],
    handlers: false,
    doc: "Shifts the time of points and batches by a duration (negative: back in time).",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let arg = props.args.first();
    match arg.map(|a| &a.value) {
        // As `newShiftNode` (shift.go at v1.5.7), which fails when the task is enabled.
        Some(Value::Duration(0)) | None => Err(vec![Diagnostic::error(
            arg.map_or(props.span, |a| a.span),
            "invalid shift value: must be non zero duration",
        )]),
        Some(Value::Duration(d)) => Ok(Box::new(Shift { by: *d })),
        Some(_) => Err(vec![Diagnostic::error(
            props.span,
            "shift needs a duration",
        )]),
    }
}

struct Shift {
    /// Nanoseconds, never 0.
    by: i64,
}

impl Node for Shift {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        // Go's `Time.Add` has no defined result outside the int64 nanosecond range; tick
        // saturates there.
        let by = self.by;
        out.push(match msg {
            Message::Point(mut p) => {
                p.time = p.time.saturating_add(by);
                Message::Point(p)
            }
            Message::Batch(mut b) => {
                b.tmax = b.tmax.saturating_add(by);
                for p in &mut b.points {
                    p.time = p.time.saturating_add(by);
                }
                Message::Batch(b)
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{compile_errors, run_log};

    #[test]
    fn shifts_points_forward_and_back() {
        let out = run_log(
            "stream|from()|shift(5s)|log()",
            &["cpu,host=a v=1 1000000000", "cpu,host=b v=2 2000000000"],
        );
        assert_eq!(
            out,
            [
                "group= tag_host=a field_v=1 time=1970-01-01T00:00:06Z",
                "group= tag_host=b field_v=2 time=1970-01-01T00:00:07Z",
            ]
        );
        let out = run_log("stream|from()|shift(-1s)|log()", &["cpu v=1 1000000000"]);
        assert_eq!(out, ["group= field_v=1 time=1970-01-01T00:00:00Z"]);
    }

    #[test]
    fn a_zero_shift_is_rejected_with_kapacitors_message() {
        assert_eq!(
            compile_errors("stream|from()|shift(0s)"),
            [(
                "invalid shift value: must be non zero duration".to_string(),
                "0s".to_string()
            )]
        );
        assert_eq!(
            compile_errors("stream|from()|shift(5)")
                .first()
                .map(|e| e.0.clone()),
            Some(
                "error calling func \"shift\" on obj from: value of type int is not assignable to type duration"
                    .to_string()
            )
        );
    }
}
