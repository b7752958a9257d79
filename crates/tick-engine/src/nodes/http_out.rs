//! `|httpOut('name')` (Kapacitor's `http_out.go` `HTTPOutNode` at v1.5.7): caches the latest point
//! or batch of each group as one row, in group-creation order, for `Task::http_out` (Kapacitor
//! serves them at `/kapacitor/v1/tasks/<task>/<name>`). Passes the data through.

use tick_syntax::Diagnostic;

use crate::event::{Row, RowValue};
use crate::node_props::{BuildContext, NodeProps, Value};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeSpec};
use crate::point::{Batch, GroupId, Message, Point};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "httpOut",
    kind: "http_out",
    args: &[Arg::STRING],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[],
    handlers: false,
    doc: "Keeps the latest data of each group for reading over HTTP.",
    build,
};

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let Some((Value::String(name), span)) = props.args.first().map(|a| (&a.value, a.span)) else {
        return Err(vec![Diagnostic::error(
            props.span,
            "httpOut needs an endpoint name",
        )]);
    };
    // The name is one segment of `/kapacitor/v1/tasks/<task>/<name>` and the file name that
    // `tick run --http-out DIR` writes: a separator or `..` would leave both.
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(vec![Diagnostic::error(
            span,
            format!(
                "invalid httpOut name {name:?}: it names an HTTP path segment and a file, so it \
                 may not be empty, contain '/' or '\\', or be '.' or '..'"
            ),
        )]);
    }
    Ok(Box::new(HttpOut {
        name: name.clone(),
        rows: Vec::new(),
    }))
}

struct HttpOut {
    name: String,
    rows: Vec<(GroupId, Row)>,
}

pub(crate) fn point_row(p: &Point) -> Row {
    let mut columns = vec!["time".to_string()];
    let mut values = vec![RowValue::Time(p.time)];
    for (k, v) in p.fields.iter() {
        columns.push(k.to_string());
        values.push(RowValue::Field(v.clone()));
    }
    Row {
        name: p.name.to_string(),
        tags: p
            .tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        columns,
        values: vec![values],
    }
}

/// A batch as one row, as the alert node's data (both are Kapacitor's `ToRow` of the batch,
/// http_out.go at v1.5.7): the group tags, then `time` and the first point's field and
/// non-group tag names, sorted together.
pub(crate) fn batch_row(b: &Batch) -> Row {
    let tags = b
        .tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    crate::alert::batch_row(b, tags)
}

impl Node for HttpOut {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        let (group, row) = match &msg {
            Message::Point(p) => (&p.group, point_row(p)),
            Message::Batch(b) => (&b.group, batch_row(b)),
        };
        match self.rows.iter_mut().find(|(g, _)| g == group) {
            Some(slot) => slot.1 = row,
            None => self.rows.push((group.clone(), row)),
        }
        out.push(msg);
    }

    fn http_out(&self) -> Option<(&str, Vec<Row>)> {
        Some((
            &self.name,
            self.rows.iter().map(|(_, r)| r.clone()).collect(),
        ))
    }
}
