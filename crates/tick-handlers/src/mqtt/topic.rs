//! The MQTT topic template (spec §6.3): a Go text/template parsed once per handler and rendered
//! per event against the handler data (spec §5.6 `alert.TemplateData`), then checked as a
//! publish topic. Owns rendering and topic checks only.

use std::borrow::Cow;

use tick_engine::Event;
use tick_gotemplate::{FuncSet, GoTime, Map, Object, Template, Value};
use tick_lambda::FieldValue;

/// A parsed topic; plain topics skip the template engine.
#[derive(Debug, Clone)]
pub(crate) enum TopicTemplate {
    Plain(String),
    Template(Template),
}

impl TopicTemplate {
    /// Parses the topic; the error reads like Kapacitor's task-start error
    /// (`failed to create MQTT handler: template: topic:1: unclosed action`).
    pub(crate) fn parse(src: &str) -> Result<TopicTemplate, String> {
        if !src.contains("{{") {
            return Ok(TopicTemplate::Plain(src.to_owned()));
        }
        Template::parse("topic", src, &FuncSet::new())
            .map(TopicTemplate::Template)
            .map_err(|e| format!("failed to create MQTT handler: {e}"))
    }

    /// Renders into `out` and checks the result is a usable publish topic.
    pub(crate) fn render(&self, event: &Event, out: &mut String) -> Result<(), String> {
        match self {
            TopicTemplate::Plain(s) => {
                out.clear();
                out.push_str(s);
            }
            TopicTemplate::Template(t) => {
                t.render(&HandlerData::new(event), out)
                    .map_err(|e| format!("failed to create MQTT topic from template: {e}"))?;
            }
        }
        check_topic(out)
    }
}

/// A publish topic must be non-empty, without wildcards or NUL, and at most 65535 bytes.
pub(crate) fn check_topic(topic: &str) -> Result<(), String> {
    if topic.is_empty() {
        return Err("missing MQTT topic".to_owned());
    }
    if topic.contains(['+', '#']) {
        return Err(format!(
            "invalid MQTT topic {topic:?}: wildcards '+' and '#' are not allowed when publishing"
        ));
    }
    if topic.contains('\0') {
        return Err(format!(
            "invalid MQTT topic {topic:?}: contains a NUL character"
        ));
    }
    if topic.len() > usize::from(u16::MAX) {
        return Err(format!(
            "invalid MQTT topic: {} bytes long, the maximum is 65535",
            topic.len()
        ));
    }
    Ok(())
}

/// Kapacitor's `alert.TemplateData`: `.ID .Message .Level .Time .Duration .Details .Name
/// .TaskName .Group .Tags .Fields`, with `.Group` raw (`""` when ungrouped).
struct HandlerData<'a> {
    event: &'a Event,
    tags: Tags<'a>,
    fields: Fields<'a>,
}

impl<'a> HandlerData<'a> {
    fn new(event: &'a Event) -> HandlerData<'a> {
        HandlerData {
            event,
            tags: Tags(&event.data.tags),
            fields: Fields(&event.data.fields),
        }
    }
}

struct Tags<'a>(&'a [(String, String)]);
struct Fields<'a>(&'a [(String, FieldValue)]);

fn field_value(v: &FieldValue) -> Value<'_> {
    match v {
        FieldValue::Float(f) => Value::Float(*f),
        FieldValue::Int(i) => Value::Int(*i),
        FieldValue::String(s) => Value::str(s),
        FieldValue::Bool(b) => Value::Bool(*b),
        FieldValue::Duration(d) => Value::Duration(*d),
    }
}

impl Map for Tags<'_> {
    fn get(&self, key: &str) -> Option<Value<'_>> {
        let i = self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        Some(Value::str(&self.0[i].1))
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_> {
        Box::new(self.0.iter().map(|(k, v)| (k.as_str(), Value::str(v))))
    }
    fn zero(&self) -> Value<'static> {
        Value::Str(Cow::Borrowed(""))
    }
    fn type_name(&self) -> &str {
        "map[string]string"
    }
}

impl Map for Fields<'_> {
    fn get(&self, key: &str) -> Option<Value<'_>> {
        let i = self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        Some(field_value(&self.0[i].1))
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn entries_sorted(&self) -> Box<dyn Iterator<Item = (&str, Value<'_>)> + '_> {
        Box::new(self.0.iter().map(|(k, v)| (k.as_str(), field_value(v))))
    }
    fn zero(&self) -> Value<'static> {
        Value::NoValue
    }
    fn type_name(&self) -> &str {
        "map[string]interface {}"
    }
}

const FIELDS: [&str; 11] = [
    "ID", "Message", "Level", "Time", "Duration", "Details", "Name", "TaskName", "Group", "Tags",
    "Fields",
];

impl Object for HandlerData<'_> {
    fn field(&self, name: &str) -> Option<Value<'_>> {
        let e = self.event;
        Some(match name {
            "ID" => Value::str(&e.state.id),
            "Message" => Value::str(&e.state.message),
            "Level" => Value::str(e.state.level.as_str()),
            "Time" => Value::Time(GoTime::utc(e.state.time)),
            "Duration" => Value::Duration(e.state.duration),
            "Details" => Value::str(&e.state.details),
            "Name" => Value::str(&e.data.name),
            "TaskName" => Value::str(&e.data.task_name),
            "Group" => Value::str(&e.data.group),
            "Tags" => Value::Map(&self.tags),
            "Fields" => Value::Map(&self.fields),
            _ => return None,
        })
    }
    fn type_name(&self) -> &str {
        "alert.TemplateData"
    }
    fn for_each_field(&self, f: &mut dyn FnMut(&str, Value<'_>)) {
        for name in FIELDS {
            if let Some(v) = self.field(name) {
                f(name, v);
            }
        }
    }
}
