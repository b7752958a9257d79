//! The MQTT topic template (Kapacitor's mqtt `HandlerConfig` and `Service.Handler`, services/mqtt/service.go at v1.5.7): a Go text/template parsed once per handler and rendered
//! per event against the handler data (Kapacitor's `alert.TemplateData`, alert.go at v1.5.7, the engine's
//! [`Event::handler_data`]), then checked as a publish topic. Owns rendering and topic checks
//! only.

use tick_engine::Event;
use tick_gotemplate::{FuncSet, Template};

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
                t.render(&event.handler_data(), out)
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
