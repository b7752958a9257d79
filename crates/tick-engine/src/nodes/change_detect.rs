//! `|changeDetect('f', ...)`: passes a point on only when one of the named fields differs from
//! the last point the node passed on in its group (Kapacitor's `change_detect.go` at v1.5.7).
//! Owns that last point's fields per group; in a batch it starts afresh for each batch.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;

use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeSpec};
use crate::point::{Fields, GroupId, Message, Point};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "changeDetect",
    kind: "changeDetect",
    args: &[],
    optional: &[],
    variadic: Some(Arg::STRING),
    chains: CHAIN_METHODS,
    properties: &[],
    handlers: false,
    doc: "Passes a point on only when one of the fields changed since the last point passed on.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let fields = props
        .args
        .iter()
        .filter_map(|a| match &a.value {
            Value::String(s) => Some(Arc::from(s.as_str())),
            _ => None,
        })
        .collect();
    Ok(Box::new(ChangeDetect {
        fields,
        previous: HashMap::new(),
    }))
}

struct ChangeDetect {
    fields: Vec<Arc<str>>,
    /// Per group, the fields of the last point passed on (stream only).
    previous: HashMap<GroupId, Fields>,
}

impl ChangeDetect {
    /// `ChangeDetectNode.changeDetect` (change_detect.go at v1.5.7): the first named field the
    /// point has whose value is not the previous one decides. Values compare as Go interfaces:
    /// `1i` and `1.0` differ, and NaN always differs from itself. A field the point lacks is an
    /// error and is skipped, so a point without any of them is dropped; with no fields named,
    /// every point is dropped.
    fn changed(&self, ctx: &mut NodeContext<'_>, previous: Option<&Fields>, p: &Point) -> bool {
        for f in &self.fields {
            let Some(v) = p.fields.get(f) else {
                ctx.error(
                    "Invalid field in change detect",
                    &format_args!("expected field {f} not found"),
                );
                continue;
            };
            if previous.and_then(|prev| prev.get(f)) != Some(v) {
                return true;
            }
        }
        false
    }
}

impl Node for ChangeDetect {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(p) => {
                if !self.changed(ctx, self.previous.get(&p.group), &p) {
                    return;
                }
                match self.previous.get_mut(&p.group) {
                    Some(prev) => prev.clone_from(&p.fields),
                    None => {
                        self.previous.insert(p.group.clone(), p.fields.clone());
                    }
                }
                out.push(Message::Point(p));
            }
            Message::Batch(mut b) => {
                let mut previous: Option<Fields> = None;
                b.points.retain(|p| {
                    let keep = self.changed(ctx, previous.as_ref(), p);
                    if keep {
                        previous = Some(p.fields.clone());
                    }
                    keep
                });
                out.push(Message::Batch(b));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{errors, run_log, run_log_task, task};

    fn values(out: &[String]) -> Vec<String> {
        out.iter()
            .map(|l| {
                l.split(' ')
                    .filter(|kv| kv.starts_with("field_") || kv.starts_with("tag_"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn passes_a_point_when_a_field_differs_from_the_last_one_passed_per_group() {
        let out = run_log(
            "stream|from().groupBy('host')|changeDetect('v')|log()",
            &[
                "cpu,host=a v=1 1",
                "cpu,host=a v=1 2",
                "cpu,host=b v=1 3",
                "cpu,host=a v=1i 4",
                "cpu,host=a v=1i 5",
                "cpu,host=a v=2i 6",
            ],
        );
        assert_eq!(
            values(&out),
            [
                "tag_host=a field_v=1",
                "tag_host=b field_v=1",
                "tag_host=a field_v=1",
                "tag_host=a field_v=2"
            ]
        );
    }

    #[test]
    fn a_missing_field_is_an_error_and_the_other_fields_decide() {
        let mut t = task("stream|from()|changeDetect('a', 'b')|log()");
        let out = run_log_task(
            &mut t,
            &[
                "cpu a=1,b=1 1",
                "cpu b=1 2",
                "cpu b=2 3",
                "cpu c=1 4",
                "cpu a=1,b=2 5",
            ],
        );
        // The last point has `a` where the one passed before it had none: a change.
        assert_eq!(
            values(&out),
            ["field_a=1 field_b=1", "field_b=2", "field_a=1 field_b=2"]
        );
        assert_eq!(
            errors(&t),
            [
                (
                    "changeDetect2".to_string(),
                    "Invalid field in change detect: expected field a not found".to_string(),
                    3
                ),
                (
                    "changeDetect2".to_string(),
                    "Invalid field in change detect: expected field b not found".to_string(),
                    1
                )
            ]
        );
    }

    #[test]
    fn nan_always_counts_as_a_change_and_no_fields_drop_everything() {
        let out = run_log(
            "stream|from()|changeDetect('v')|log()",
            &["cpu v=NaN 1", "cpu v=NaN 2"],
        );
        assert_eq!(out.len(), 2);
        assert!(run_log("stream|from()|changeDetect()|log()", &["cpu v=1 1"]).is_empty());
    }
}
