//! `|flatten()`: joins the points of one group and one time (rounded to `.tolerance()`) into a
//! single point whose field names carry the `.on()` tags of each point (`host.cpu.usage`), as
//! Kapacitor's `flatten.go` at v1.5.7. Owns the per-group buffer of the current time's points;
//! on a stream a time is emitted when a point with another time arrives, in a batch also at
//! the batch's end.
//!
//! The output has the group's name (of its first point), its group tags only, no db or rp, and
//! the buffered time. Kapacitor's quirk is kept: a point without one of the `.on()` tags after
//! the first is skipped with an error, but the tag values written before it stay at the start
//! of the next point's field names in the same flatten.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;

use tick_lambda::FieldValue;
use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Fields, GroupId, Message, Point, Tags};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "flatten",
    kind: "flatten",
    args: &[],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new(
            "on",
            &[],
            "The tags whose values prefix the field names, in order.",
        )
        .variadic(Arg::STRING),
        NodeProperty::new(
            "delimiter",
            &[Arg::STRING],
            "Text between the parts of a field name (default `.`).",
        ),
        NodeProperty::new(
            "tolerance",
            &[Arg::DURATION],
            "Points whose times round to the same multiple of it are flattened together.",
        ),
        NodeProperty::flag(
            "dropOriginalFieldName",
            "Name the fields by the tag values only (the last field of a point wins).",
        )
        .optional(&[Arg::BOOL]),
    ],
    handlers: false,
    doc: "Flattens the points of one time into one point, naming fields by their tags.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let on = props
        .setting("on")
        .map(|s| {
            s.args
                .iter()
                .filter_map(|a| match &a.value {
                    Value::String(v) => Some(Arc::from(v.as_str())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    // `.dropOriginalFieldName()` is true, `.dropOriginalFieldName(b)` is b.
    let drop_name = match props.setting("dropOriginalFieldName") {
        None => false,
        Some(s) => !matches!(s.args.first().map(|a| &a.value), Some(Value::Bool(false))),
    };
    Ok(Box::new(Flatten {
        on,
        delimiter: props
            .string("delimiter")
            .map_or(".", |s| s.value)
            .to_string(),
        tolerance: props.duration("tolerance").map_or(0, |d| d.value),
        drop_name,
        empty: Arc::from(""),
        groups: HashMap::new(),
        prefix: String::new(),
        scratch: Vec::new(),
    }))
}

/// The points of one group waiting for their time to end.
struct Buffer {
    name: Arc<str>,
    tags: Tags,
    /// The rounded time of `points`; `None` at the start of a batch.
    time: Option<i64>,
    points: Vec<Point>,
}

struct Flatten {
    on: Vec<Arc<str>>,
    delimiter: String,
    tolerance: i64,
    drop_name: bool,
    /// The db and rp of every output point.
    empty: Arc<str>,
    groups: HashMap<GroupId, Buffer>,
    /// Reused: the field name being built.
    prefix: String,
    /// Reused: the flattened fields before they become a set.
    scratch: Vec<(Arc<str>, FieldValue)>,
}

impl Flatten {
    /// `FlattenNode.flatten` (flatten.go at v1.5.7): the fields of `points`, later points
    /// overwriting earlier ones of the same name.
    fn flatten(&mut self, ctx: &mut NodeContext<'_>, points: &[Point]) -> Fields {
        self.prefix.clear();
        'points: for p in points {
            for (i, tag) in self.on.iter().enumerate() {
                match p.tags.get(tag) {
                    Some(v) => {
                        if i > 0 {
                            self.prefix.push_str(&self.delimiter);
                        }
                        self.prefix.push_str(v);
                    }
                    None => {
                        ctx.error(
                            "point missing tag for flatten operation",
                            &format_args!("tag {tag} is missing from point"),
                        );
                        // Quirk: the prefix is not cleared (see the module doc).
                        continue 'points;
                    }
                }
            }
            let l = self.prefix.len();
            for (name, value) in p.fields.iter() {
                if !self.drop_name {
                    if l > 0 {
                        self.prefix.push_str(&self.delimiter);
                    }
                    self.prefix.push_str(name);
                }
                self.scratch
                    .push((Arc::from(self.prefix.as_str()), value.clone()));
                self.prefix.truncate(l);
            }
            self.prefix.clear();
        }
        // A later point's field of the same name wins (`Fields::from_scratch` keeps the last).
        Fields::from_scratch(&mut self.scratch)
    }

    /// Adds a point (time already rounded) to `buf`; the fields and time of the previous time
    /// when this point ends it.
    fn add(
        &mut self,
        ctx: &mut NodeContext<'_>,
        buf: &mut Buffer,
        p: Point,
    ) -> Option<(i64, Fields)> {
        let mut done = None;
        if buf.time != Some(p.time) {
            if let (false, Some(t)) = (buf.points.is_empty(), buf.time) {
                let points = std::mem::take(&mut buf.points);
                done = Some((t, self.flatten(ctx, &points)));
                buf.points = points;
                buf.points.clear();
            }
            buf.time = Some(p.time);
        }
        buf.points.push(p);
        done.filter(|(_, f)| !f.is_empty())
    }

    fn output(&self, buf: &Buffer, like: &Point, time: i64, fields: Fields) -> Point {
        Point {
            name: buf.name.clone(),
            db: self.empty.clone(),
            rp: self.empty.clone(),
            tags: buf.tags.clone(),
            fields,
            time,
            dimensions: like.dimensions.clone(),
            group: like.group.clone(),
        }
    }
}

impl Node for Flatten {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(mut p) => {
                p.time = crate::time::round(p.time, self.tolerance);
                // Taken out for the call (a move, no allocation).
                let mut groups = std::mem::take(&mut self.groups);
                if !groups.contains_key(&p.group) {
                    groups.insert(
                        p.group.clone(),
                        Buffer {
                            name: p.name.clone(),
                            tags: Tags::from_sorted(p.group_tags()),
                            time: Some(p.time),
                            points: Vec::new(),
                        },
                    );
                }
                if let Some(buf) = groups.get_mut(&p.group) {
                    let like = p.clone();
                    if let Some((t, fields)) = self.add(ctx, buf, p) {
                        out.push(Message::Point(self.output(buf, &like, t, fields)));
                    }
                }
                self.groups = groups;
            }
            Message::Batch(mut b) => {
                let mut buf = Buffer {
                    name: b.name.clone(),
                    tags: b.tags.clone(),
                    time: None,
                    points: Vec::new(),
                };
                let points = std::mem::take(&mut b.points);
                let mut like = None;
                for mut p in points {
                    p.time = crate::time::round(p.time, self.tolerance);
                    let l = p.clone();
                    if let Some((t, fields)) = self.add(ctx, &mut buf, p) {
                        b.points.push(self.output(&buf, &l, t, fields));
                    }
                    like = Some(l);
                }
                if let (Some(l), Some(t), false) = (like, buf.time, buf.points.is_empty()) {
                    let points = std::mem::take(&mut buf.points);
                    let fields = self.flatten(ctx, &points);
                    b.points.push(self.output(&buf, &l, t, fields));
                }
                out.push(Message::Batch(b));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{compile_errors, errors, run_log, run_log_task, task};

    #[test]
    fn a_missing_tag_is_an_error_and_drop_original_field_name_takes_a_bool() {
        let mut t = task("stream|from()|flatten().on('host')|log()");
        let out = run_log_task(&mut t, &["m,host=a u=1 1", "m u=2 1", "m,host=a u=3 2"]);
        assert_eq!(
            out,
            ["group= field_a.u=1 time=1970-01-01T00:00:00.000000001Z"]
        );
        assert_eq!(
            errors(&t)[0].1,
            "point missing tag for flatten operation: tag host is missing from point"
        );
        let lines = ["m,host=a u=1 1", "m,host=b u=2 1", "m,host=a u=3 2"];
        assert_eq!(
            run_log(
                "stream|from()|flatten().on('host').dropOriginalFieldName(FALSE)|log()",
                &lines
            ),
            ["group= field_a.u=1 field_b.u=2 time=1970-01-01T00:00:00.000000001Z"]
        );
        assert_eq!(
            run_log(
                "stream|from()|flatten().on('host').dropOriginalFieldName()|log()",
                &lines
            ),
            ["group= field_a=1 field_b=2 time=1970-01-01T00:00:00.000000001Z"]
        );
        assert!(
            compile_errors("stream|from()|flatten().on().delimiter('').tolerance(0s)").is_empty()
        );
    }
}
