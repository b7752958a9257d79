//! What the templates of service handlers share (`alerta`, `serviceNow`, `bigPanda`,
//! `zenoss`): parsing a handler's templates once, the event seen through the Go struct each
//! service renders them with (Kapacitor's services each pass their own struct with some of the
//! event's fields, so a template that names another field fails there as it does here), and
//! Go's byte cut of a string that the services apply before encoding it.

use tick_engine::{Event, HandlerData};
use tick_gotemplate::{FuncSet, Object, Template, Value};

use crate::error::BuildError;

/// A Go struct a service renders its templates with: its type name (for error texts) and its
/// fields, in declaration order, each one of the event's (`alert.TemplateData`'s, or
/// `Recoverable`).
#[derive(Debug)]
pub(crate) struct Shape {
    pub(crate) type_name: &'static str,
    pub(crate) fields: &'static [&'static str],
}

/// Kapacitor's `alert.TemplateData` (alert/types.go at v1.5.7), whole.
pub(crate) const TEMPLATE_DATA: Shape = Shape {
    type_name: "alert.TemplateData",
    fields: &[
        "ID", "Message", "Level", "Time", "Duration", "Details", "Name", "TaskName", "Group",
        "Tags", "Fields",
    ],
};

/// The event as one service's template data.
pub(crate) struct View<'a> {
    data: HandlerData<'a>,
    recoverable: bool,
    shape: &'static Shape,
}

impl<'a> View<'a> {
    pub(crate) fn new(event: &'a Event, shape: &'static Shape) -> View<'a> {
        View {
            data: event.handler_data(),
            recoverable: event.data.recoverable,
            shape,
        }
    }
}

impl Object for View<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        if !self.shape.fields.contains(&name) {
            return None;
        }
        match name {
            "Recoverable" => Some(Value::Bool(self.recoverable)),
            _ => self.data.field(name),
        }
    }
    fn type_name(&self) -> &str {
        self.shape.type_name
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for name in self.shape.fields {
            if let Some(v) = self.field(name) {
                f(name, v);
            }
        }
    }
}

/// Parses a handler's template `src` named `name`; `None` for an empty one (which the services
/// treat as unset). A parse error is a build error of `kind`'s property `property`.
pub(crate) fn parse_optional(
    kind: &'static str,
    property: &'static str,
    name: &str,
    src: &str,
) -> Result<Option<Template>, BuildError> {
    if src.is_empty() {
        return Ok(None);
    }
    Template::parse(name, src, &FuncSet::new())
        .map(Some)
        .map_err(|e| BuildError::Property {
            kind,
            property,
            message: e.to_string(),
        })
}

/// Renders an optional template, `""` when unset. Kapacitor's ServiceNow, BigPanda and Zenoss
/// services ignore a template's execution error; tick sends an empty value then (Go would send
/// what was written before the error) and logs the error.
pub(crate) fn render_lenient(template: Option<&Template>, data: &dyn Object, kind: &str) -> String {
    let mut out = String::new();
    if let Some(t) = template
        && let Err(e) = t.render(data, &mut out)
    {
        tracing::warn!("{kind}: template {:?} failed: {e}", t.name());
    }
    out
}

/// Writes `s` cut to its first `max` bytes as a JSON string, as Go's encoder writes
/// `s[:max]`: when the cut splits a character, each of its remaining bytes is invalid UTF-8
/// and becomes `\ufffd`.
pub(crate) fn write_cut_string(out: &mut String, s: &str, max: usize) {
    if s.len() <= max {
        tick_engine::json::write_string(out, s);
        return;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    tick_engine::json::write_string(out, &s[..end]);
    out.pop();
    for _ in end..max {
        out.push_str("\\ufffd");
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_inside_a_character_writes_a_replacement_per_byte_as_go_does() {
        let mut out = String::new();
        write_cut_string(&mut out, "ab€", 4);
        assert_eq!(out, "\"ab\\ufffd\\ufffd\"");
        out.clear();
        write_cut_string(&mut out, "a<b", 2);
        assert_eq!(out, "\"a\\u003c\"");
        out.clear();
        write_cut_string(&mut out, "ab", 100);
        assert_eq!(out, "\"ab\"");
    }
}
