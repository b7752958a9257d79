//! The alert node (Kapacitor's `AlertNode`, alert.go at v1.5.7, with its properties in
//! pipeline/alert.go): its property catalogue (`SPEC`), templates, per-group state, event building
//! and forwarding (`augmentTagsWithEventState`, `augmentFieldsWithEventState`). Level selection is
//! `level.rs`, group state and the emission rules `state.rs`; routing to topics and handlers is
//! `crate::topics`, encoding `crate::json`.

pub(crate) mod level;
pub(crate) mod state;

use crate::group::GroupMap;
use std::sync::Arc;

use tick_gotemplate::{Escape, ExecError, Map, Template};
use tick_lambda::{FieldValue, Lambda, Record, State};
use tick_syntax::{Diagnostic, Span};

use crate::event::{Event, EventData, EventState, Level, Row, RowValue};
use crate::node_props::{BuildContext, NodeProps, Spanned};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Batch, GroupId, Message, Point};
use crate::template_data::{
    DetailsData, DetailsFuncs, FieldMap, IdData, MessageData, ServerInfo, TagMap, display_group,
    write_default_details,
};
use crate::topics::{AlertEvent, Emission, InhibitorKey, InhibitorUpdate, anonymous_topic};

use self::level::{LevelPredicates, select_level};
use self::state::{AlertState, BatchLevels, Flapping, StateOptions};

const PROPERTIES: &[NodeProperty] = &[
    NodeProperty::new("info", &[Arg::LAMBDA], "Predicate for the INFO level."),
    NodeProperty::new("warn", &[Arg::LAMBDA], "Predicate for the WARNING level."),
    NodeProperty::new("crit", &[Arg::LAMBDA], "Predicate for the CRITICAL level."),
    NodeProperty::new("infoReset", &[Arg::LAMBDA], "While INFO, stay INFO until this is true."),
    NodeProperty::new("warnReset", &[Arg::LAMBDA], "While WARNING, stay WARNING until this is true."),
    NodeProperty::new("critReset", &[Arg::LAMBDA], "While CRITICAL, stay CRITICAL until this is true."),
    NodeProperty::new("id", &[Arg::STRING], "Event ID template, default `{{ .Name }}:{{ .Group }}`."),
    NodeProperty::new("message", &[Arg::STRING], "Message template, default `{{ .ID }} is {{ .Level }}`."),
    NodeProperty::new("details", &[Arg::STRING], "HTML details template, default `{{ json . }}`."),
    NodeProperty::flag(
        "stateChangesOnly",
        "Only emit state changes; with a duration, also resend an unchanged state that often.",
    )
    .optional(&[Arg::DURATION]),
    NodeProperty::flag("noRecoveries", "Do not emit OK events."),
    NodeProperty::new(
        "flapping",
        &[Arg::FLOAT, Arg::FLOAT],
        "Suppress events while the weighted share of level changes is between low and high.",
    ),
    NodeProperty::new("history", &[Arg::INT], "Number of levels kept for flapping (at least 2, default 21)."),
    NodeProperty::flag("all", "Batches: alert only when every point matches."),
    NodeProperty::new("levelTag", &[Arg::STRING], "Tag the forwarded data with the level name."),
    NodeProperty::new("levelField", &[Arg::STRING], "Add the level name as a field to the forwarded data."),
    NodeProperty::new("idTag", &[Arg::STRING], "Tag the forwarded data with the event ID."),
    NodeProperty::new("idField", &[Arg::STRING], "Add the event ID as a field to the forwarded data."),
    NodeProperty::new("messageField", &[Arg::STRING], "Add the message as a field to the forwarded data."),
    NodeProperty::new(
        "durationField",
        &[Arg::STRING],
        "Add the alert duration (int nanoseconds) as a field to the forwarded data.",
    ),
    NodeProperty::new("topic", &[Arg::STRING], "Also publish events to this named topic."),
    NodeProperty::new("category", &[Arg::STRING], "Category matched by inhibitors."),
    NodeProperty::new(
        "inhibit",
        &[Arg::STRING],
        "While a group is not OK, drop events of this category whose listed tags equal the group's.",
    )
    .variadic(Arg::STRING),
];

/// The alert node's catalogue entry. Handler methods (`.mqtt()`, `.log()`, ...) come from the
/// injected handler specs.
pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "alert",
    kind: "alert",
    args: &[],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: PROPERTIES,
    handlers: true,
    doc: "Evaluates level predicates per group, emits alert events to topics and handlers, and \
          forwards the data of each emitted event.",
    build,
};

/// The message of the flapping range check (Kapacitor's `newAlertNode`, alert.go at v1.5.7).
pub(crate) const FLAPPING_RANGE_ERROR: &str =
    "alert flap thresholds are percentages and should be between 0 and 1";

/// A template property: the Kapacitor default (rendered without a template) or a parsed one.
#[derive(Debug)]
enum Tmpl {
    Default,
    Custom(Template),
}

/// Maps a byte range of a template onto the `.tick` source: `lit` is the string literal's
/// decoded value and the span of the literal, quotes included. In `'...'` the only escape is
/// `\'`, so each `'` before the offset adds one byte; `'''...'''` has no escapes. When the span
/// is not the literal itself (the value came through a `var`), the whole span is returned.
pub(crate) fn rebase_template_span(lit: Spanned<&str>, range: std::ops::Range<usize>) -> Span {
    let value = lit.value;
    let span_len = (lit.span.end - lit.span.start) as usize;
    let quotes = value.bytes().filter(|b| *b == b'\'').count();
    let triple = if span_len == value.len() + 2 + quotes {
        false
    } else if span_len == value.len() + 6 {
        true
    } else {
        return lit.span;
    };
    let at = |off: usize| -> u32 {
        let off = off.min(value.len());
        let extra = if triple {
            3
        } else {
            1 + value.as_bytes()[..off]
                .iter()
                .filter(|b| **b == b'\'')
                .count()
        };
        lit.span.start + (off + extra) as u32
    };
    let start = at(range.start);
    let end = at(range.end.max(range.start))
        .max(start + 1)
        .min(lit.span.end.max(start + 1));
    Span { start, end }
}

fn parse_template(
    props: &NodeProps,
    name: &'static str,
    escape: Escape,
    errors: &mut Vec<Diagnostic>,
) -> Tmpl {
    let Some(lit) = props.string(name) else {
        return Tmpl::Default;
    };
    let funcs = if escape == Escape::Html {
        DetailsFuncs::func_set()
    } else {
        tick_gotemplate::FuncSet::new()
    };
    match Template::parse(name, lit.value, &funcs) {
        Ok(t) => {
            let t = t.with_escape(escape);
            // html/template refuses some templates (an action in an ambiguous URL, a
            // template ending inside a tag ...); Kapacitor fails the task at the first alert,
            // we refuse the script.
            if let Some(e) = t.escape_error() {
                let span = if e.line == 0 {
                    lit.span
                } else {
                    rebase_template_span(lit, e.offset..e.offset + 1)
                };
                errors.push(Diagnostic::error(span, e.to_string()));
                return Tmpl::Default;
            }
            Tmpl::Custom(t)
        }
        Err(e) => {
            errors.push(Diagnostic::error(
                rebase_template_span(lit, e.span.clone()),
                e.to_string(),
            ));
            Tmpl::Default
        }
    }
}

fn build(props: &NodeProps, ctx: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let lambda = |name: &str| {
        props
            .lambda(name)
            .map(|l| (l.value.clone(), l.value.new_state()))
    };
    let levels = [None, lambda("info"), lambda("warn"), lambda("crit")];
    let resets = [
        None,
        lambda("infoReset"),
        lambda("warnReset"),
        lambda("critReset"),
    ];

    let id = parse_template(props, "id", Escape::Text, &mut errors);
    let message = parse_template(props, "message", Escape::Text, &mut errors);
    let details = parse_template(props, "details", Escape::Html, &mut errors);

    let flapping = match props.setting("flapping") {
        None => None,
        Some(s) => {
            let low = props.float("flapping").map(|f| f.value).unwrap_or(0.0);
            let high = match s.args.get(1).map(|a| &a.value) {
                Some(crate::node_props::Value::Float(f)) => *f,
                _ => 0.0,
            };
            // Kapacitor fails when the task starts; we report it with the script.
            if low > 1.0 || high > 1.0 {
                errors.push(Diagnostic::error(s.span, FLAPPING_RANGE_ERROR));
            }
            Some(Flapping { low, high })
        }
    };
    let history = props
        .int("history")
        .map(|h| h.value.clamp(2, 1 << 20) as usize)
        .unwrap_or(21);
    let state_changes_only = props.setting("stateChangesOnly").map(|_| {
        props
            .duration("stateChangesOnly")
            .map(|d| d.value)
            .unwrap_or(0)
    });
    let options = StateOptions {
        history,
        flapping,
        state_changes_only,
        no_recoveries: props.flag("noRecoveries").is_some(),
        all: props.flag("all").is_some(),
    };
    let opt_str = |name: &str| props.string(name).map(|s| Arc::<str>::from(s.value));
    let inhibits = props
        .all("inhibit")
        .filter_map(|s| {
            let mut args = s.args.iter().filter_map(|a| match &a.value {
                crate::node_props::Value::String(v) => Some(Arc::<str>::from(v.as_str())),
                _ => None,
            });
            let category = args.next()?;
            Some((category, args.collect::<Vec<_>>()))
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Box::new(AlertNode {
        task: Arc::from(ctx.task_name),
        node: Arc::from(ctx.node_name),
        anonymous_topic: Arc::from(anonymous_topic(ctx.task_name, ctx.node_name)),
        levels,
        resets,
        id,
        message,
        details,
        options,
        groups: GroupMap::default(),
        handlers: props.handlers().len(),
        topic: opt_str("topic"),
        category: opt_str("category").unwrap_or_else(|| Arc::from("")),
        inhibits,
        last_events: foldhash::HashMap::default(),
        sent: [0; 4],
        level_tag: opt_str("levelTag"),
        regroup: crate::group::GroupInterner::default(),
        level_field: opt_str("levelField"),
        id_tag: opt_str("idTag"),
        id_field: opt_str("idField"),
        message_field: opt_str("messageField"),
        duration_field: opt_str("durationField"),
        server: ctx.server.clone(),
        id_buf: String::new(),
        text_buf: String::new(),
    }))
}

/// Aligned so that each group's state is one cache line: with thousands of groups, a point
/// then reads one line of alert state, not two.
#[repr(align(64))]
struct Group {
    state: AlertState,
    /// Whether this group's inhibitors were last reported active.
    inhibiting: bool,
}

/// A running alert node.
struct AlertNode {
    task: Arc<str>,
    node: Arc<str>,
    /// `main:<task>:<node>`.
    anonymous_topic: Arc<str>,
    /// Indexed by level; the lambdas and their state are shared by all groups (Kapacitor's
    /// `AlertNode` keeps one expression per level, `levels` in alert.go at v1.5.7).
    levels: [Option<(Lambda, State)>; 4],
    resets: [Option<(Lambda, State)>; 4],
    id: Tmpl,
    message: Tmpl,
    details: Tmpl,
    options: StateOptions,
    groups: GroupMap<Group>,
    handlers: usize,
    topic: Option<Arc<str>>,
    category: Arc<str>,
    /// `.inhibit(category, tags...)` settings.
    inhibits: Vec<(Arc<str>, Vec<Arc<str>>)>,
    level_tag: Option<Arc<str>>,
    /// For forwarded points whose `levelTag`/`idTag` names a dimension.
    regroup: crate::group::GroupInterner,
    level_field: Option<Arc<str>>,
    id_tag: Option<Arc<str>>,
    id_field: Option<Arc<str>>,
    message_field: Option<Arc<str>>,
    duration_field: Option<Arc<str>>,
    server: ServerInfo,
    /// The level and time of the last event sent with each id, where the node collects its
    /// events into a topic (it has handlers or `.topic()`): a new group whose id is here
    /// starts at that level (see `AlertState::restore`).
    last_events: foldhash::HashMap<String, (Level, i64)>,
    /// Events sent to the topics, by level (Kapacitor's `*_triggered` statistics before
    /// inhibition, which the topics decide).
    sent: [u64; 4],
    id_buf: String,
    /// Message and details are rendered here, then copied out at their exact length.
    text_buf: String,
}

const LEVEL_ERRORS: [&str; 4] = [
    "error evaluating expression for level OK",
    "error evaluating expression for level INFO",
    "error evaluating expression for level WARNING",
    "error evaluating expression for level CRITICAL",
];

/// The level predicates evaluated against one record, logging errors through the context.
struct Predicates<'a, 'c> {
    levels: &'a mut [Option<(Lambda, State)>; 4],
    resets: &'a mut [Option<(Lambda, State)>; 4],
    record: &'a dyn Record,
    ctx: &'a mut NodeContext<'c>,
}

impl LevelPredicates for Predicates<'_, '_> {
    fn matches(&mut self, level: Level) -> bool {
        let Some((lambda, state)) = self.levels[level as usize].as_mut() else {
            return false;
        };
        match lambda.eval_bool(self.record, state) {
            Ok(b) => b,
            Err(e) => {
                self.ctx.error(LEVEL_ERRORS[level as usize], &e);
                false
            }
        }
    }
    fn reset_holds(&mut self, level: Level) -> bool {
        let Some((lambda, state)) = self.resets[level as usize].as_mut() else {
            return false;
        };
        match lambda.eval_bool(self.record, state) {
            Ok(b) => !b,
            Err(e) => {
                self.ctx
                    .error("error evaluating reset expression for current level", &e);
                false
            }
        }
    }
}

/// Whether a render went wrong; the error is logged and the event skipped (Deviation, spec
/// §5.6: Kapacitor stops the task).
fn render(
    tmpl: &Tmpl,
    data: &dyn tick_gotemplate::Object,
    out: &mut String,
    default: impl FnOnce(&mut String),
) -> Result<(), ExecError> {
    match tmpl {
        Tmpl::Default => {
            out.clear();
            default(out);
            Ok(())
        }
        Tmpl::Custom(t) => t.render_with(data, &DetailsFuncs, out),
    }
}

/// The pieces of an event that differ between a point and a batch.
struct Trigger<'a> {
    name: &'a str,
    group: &'a GroupId,
    tags: &'a dyn Map,
    tag_pairs: Vec<(String, String)>,
    fields: &'a [(Arc<str>, FieldValue)],
    row: Row,
    tr: state::Trigger,
}

/// The node's parts an id is rendered with (borrowed apart from the rest of the node).
struct IdRenderer<'n> {
    id: &'n Tmpl,
    task: &'n str,
    server: &'n ServerInfo,
    buf: &'n mut String,
}

impl IdRenderer<'_> {
    /// Renders the id into `buf`; a failure is logged and gives false.
    fn render(
        &mut self,
        ctx: &mut NodeContext<'_>,
        name: &str,
        group: &GroupId,
        tags: &dyn Map,
    ) -> bool {
        let data = IdData {
            name,
            task_name: self.task,
            group: group.as_str(),
            tags,
            server: self.server,
        };
        let r = render(self.id, &data, self.buf, |out| {
            out.push_str(name);
            out.push(':');
            out.push_str(display_group(group.as_str()));
        });
        match r {
            Ok(()) => true,
            Err(e) => {
                ctx.error("failed to render id", &e);
                false
            }
        }
    }
}

impl AlertNode {
    fn render_id(
        &mut self,
        ctx: &mut NodeContext<'_>,
        name: &str,
        group: &GroupId,
        tags: &dyn Map,
    ) -> bool {
        IdRenderer {
            id: &self.id,
            task: &self.task,
            server: &self.server,
            buf: &mut self.id_buf,
        }
        .render(ctx, name, group, tags)
    }

    fn group(&mut self, group: &GroupId) -> &mut Group {
        let options = &self.options;
        self.groups.get_or_insert_with(group, || Group {
            state: AlertState::new(options),
            inhibiting: false,
        })
    }

    /// Creates the group of a first point (or batch) at `time` whose id is in `id_buf`, at the
    /// level the last event with that id left, as Kapacitor's `AlertNode.NewGroup` restores it
    /// from the node's topic.
    fn new_group_from_last_event(&mut self, group: &GroupId, time: i64) {
        let restored = self.last_events.get(self.id_buf.as_str()).copied();
        let options = &self.options;
        self.groups.get_or_insert_with(group, || {
            let mut state = AlertState::new(options);
            if let Some((level, triggered)) = restored {
                state.restore(options, time, level, triggered);
            }
            Group {
                state,
                inhibiting: false,
            }
        });
    }

    /// Reports the group's inhibitors when their state changes (Kapacitor's `alertState.triggered`,
    /// alert.go at v1.5.7). The inhibit tag values come from the group tags, a tag outside the
    /// group giving `""` (`AlertNode.newAlertState`).
    fn update_inhibitors(
        &mut self,
        ctx: &mut NodeContext<'_>,
        group: &GroupId,
        group_tags: impl FnOnce() -> Vec<(Arc<str>, Arc<str>)>,
        level: Level,
    ) {
        if self.inhibits.is_empty() {
            return;
        }
        let active = level != Level::Ok;
        let g = self.group(group);
        if g.inhibiting == active {
            return;
        }
        g.inhibiting = active;
        let group_tags = group_tags();
        for (index, (category, names)) in self.inhibits.iter().enumerate() {
            let tags = names
                .iter()
                .map(|k| {
                    let v = group_tags
                        .iter()
                        .find(|(gk, _)| gk == k)
                        .map(|(_, v)| v.to_string());
                    (k.clone(), v.unwrap_or_default())
                })
                .collect();
            ctx.emissions.push(Emission::Inhibitor(InhibitorUpdate {
                key: InhibitorKey {
                    task: self.task.clone(),
                    node: self.node.clone(),
                    group: group.as_str().to_string(),
                    index,
                },
                category: category.clone(),
                tags,
                active,
            }));
        }
    }

    /// Renders message and details and builds the event. `None` when a template failed.
    fn event(&mut self, ctx: &mut NodeContext<'_>, t: Trigger<'_>) -> Option<Event> {
        let fields = FieldMap(t.fields);
        let message_data = MessageData {
            id_data: IdData {
                name: t.name,
                task_name: &self.task,
                group: t.group.as_str(),
                tags: t.tags,
                server: &self.server,
            },
            id: &self.id_buf,
            fields: &fields,
            level: t.tr.level,
            time: t.tr.time,
            duration: t.tr.duration,
        };
        let id = &self.id_buf;
        let level = t.tr.level;
        if let Err(e) = render(&self.message, &message_data, &mut self.text_buf, |out| {
            out.push_str(id);
            out.push_str(" is ");
            out.push_str(level.as_str());
        }) {
            ctx.error("failed to render message", &e);
            ctx.lost_event();
            return None;
        }
        let message = self.text_buf.as_str().to_owned();
        let details_data = DetailsData {
            message_data,
            message: &message,
        };
        if let Err(e) = render(&self.details, &details_data, &mut self.text_buf, |out| {
            write_default_details(out, &details_data)
        }) {
            ctx.error("failed to render details", &e);
            ctx.lost_event();
            return None;
        }
        let details = self.text_buf.as_str().to_owned();
        Some(Event {
            topic: Arc::from(""),
            state: EventState {
                id: self.id_buf.clone(),
                message,
                details,
                time: t.tr.time,
                duration: t.tr.duration,
                level: t.tr.level,
            },
            data: EventData {
                name: t.name.to_string(),
                task_name: self.task.to_string(),
                category: self.category.to_string(),
                group: t.group.as_str().to_string(),
                tags: t.tag_pairs,
                fields: t
                    .fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                recoverable: !self.options.no_recoveries,
                result: Some(t.row),
            },
            previous_level: Level::Ok,
            json: Default::default(),
        })
    }

    /// Emits `event` to the topics, handlers or not: Kapacitor collects every event into the
    /// node's topic (counted in `alerts_triggered`), and a topic-handler file or `tick test`
    /// may be listening there.
    fn send(&mut self, ctx: &mut NodeContext<'_>, event: Event) {
        if self.handlers > 0 || self.topic.is_some() {
            let last = (event.state.level, event.state.time);
            match self.last_events.get_mut(event.state.id.as_str()) {
                Some(l) => *l = last,
                None => {
                    self.last_events.insert(event.state.id.clone(), last);
                }
            }
        }
        self.sent[event.state.level as usize] += 1;
        ctx.emissions.push(Emission::Event(Box::new(AlertEvent {
            event,
            task: self.task.clone(),
            node: self.node.clone(),
            handlers: self.handlers,
            anonymous_topic: self.anonymous_topic.clone(),
            topic: self.topic.clone(),
        })));
    }

    /// Adds the level/id/message/duration fields to forwarded fields (Kapacitor's
    /// `alertState.augmentFieldsWithEventState`, alert.go at v1.5.7).
    fn augment_fields(&self, fields: &mut crate::point::Fields, event: &Event) {
        if let Some(f) = &self.level_field {
            fields.insert(
                f.clone(),
                FieldValue::String(event.state.level.as_str().to_string()),
            );
        }
        if let Some(f) = &self.id_field {
            fields.insert(f.clone(), FieldValue::String(event.state.id.clone()));
        }
        if let Some(f) = &self.message_field {
            fields.insert(f.clone(), FieldValue::String(event.state.message.clone()));
        }
        if let Some(f) = &self.duration_field {
            fields.insert(f.clone(), FieldValue::Int(event.state.duration));
        }
    }

    fn augment_tags(&self, tags: &mut crate::point::Tags, event: &Event) {
        if let Some(t) = &self.level_tag {
            tags.insert(t.clone(), event.state.level.as_str());
        }
        if let Some(t) = &self.id_tag {
            tags.insert(t.clone(), event.state.id.as_str());
        }
    }

    fn point(&mut self, ctx: &mut NodeContext<'_>, p: Point, out: &mut Vec<Message>) {
        let tags = TagMap(p.tags.as_slice());
        // Kapacitor renders the id of every point, and a failing id template drops the point.
        // The default id cannot fail, so it is rendered only when an event needs it.
        let lazy_id = matches!(self.id, Tmpl::Default);
        if !lazy_id && !self.render_id(ctx, &p.name, &p.group, &tags) {
            return;
        }
        let AlertNode {
            groups,
            options,
            levels,
            resets,
            last_events,
            id,
            task,
            server,
            id_buf,
            ..
        } = self;
        let g = groups.get_or_insert_with(&p.group, || {
            let mut state = AlertState::new(options);
            // A new group starts at the level the last event with its id left.
            if !last_events.is_empty() {
                if lazy_id {
                    let mut ids = IdRenderer {
                        id,
                        task,
                        server,
                        buf: id_buf,
                    };
                    ids.render(ctx, &p.name, &p.group, &tags);
                }
                if let Some(&(level, triggered)) = last_events.get(id_buf.as_str()) {
                    state.restore(options, p.time, level, triggered);
                }
            }
            Group {
                state,
                inhibiting: false,
            }
        });
        let current = g.state.current();
        let level = select_level(
            current,
            &mut Predicates {
                levels,
                resets,
                record: &p,
                ctx,
            },
        );
        let Some(tr) = g.state.point(options, p.time, level) else {
            return;
        };
        self.update_inhibitors(ctx, &p.group, || p.group_tags(), tr.level);
        if !tr.emit {
            return;
        }
        if lazy_id {
            self.render_id(ctx, &p.name, &p.group, &tags);
        }
        let mut columns = Vec::with_capacity(p.fields.len() + 1);
        columns.push("time".to_string());
        let mut values = Vec::with_capacity(p.fields.len() + 1);
        values.push(RowValue::Time(p.time));
        for (k, v) in p.fields.iter() {
            columns.push(k.to_string());
            values.push(RowValue::Field(v.clone()));
        }
        let tag_pairs: Vec<(String, String)> = p
            .tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let row = Row {
            name: p.name.to_string(),
            tags: tag_pairs.clone(),
            columns,
            values: vec![values],
        };
        let trigger = Trigger {
            name: &p.name,
            group: &p.group,
            tags: &tags,
            tag_pairs,
            fields: p.fields.as_slice(),
            row,
            tr,
        };
        let Some(event) = self.event(ctx, trigger) else {
            return;
        };
        let mut fwd = p.clone();
        self.augment_fields(&mut fwd.fields, &event);
        self.augment_tags(&mut fwd.tags, &event);
        let set = self.level_tag.iter().chain(&self.id_tag).map(|t| &**t);
        crate::group::regroup_after_set_tags(&mut self.regroup, &mut fwd, set);
        self.send(ctx, event);
        out.push(Message::Point(fwd));
    }

    fn batch(&mut self, ctx: &mut NodeContext<'_>, mut b: Batch, out: &mut Vec<Message>) {
        let tags = TagMap(b.tags.as_slice());
        if !self.render_id(ctx, &b.name, &b.group, &tags) || b.points.is_empty() {
            return;
        }
        if !self.last_events.is_empty() && self.groups.get_mut(&b.group).is_none() {
            self.new_group_from_last_event(&b.group, b.tmax);
        }
        let current = self.group(&b.group).state.current();
        let mut lowest = Level::Critical;
        let mut highest = Level::Ok;
        let mut highest_idx = 0;
        for (i, p) in b.points.iter().enumerate() {
            let l = select_level(
                current,
                &mut Predicates {
                    levels: &mut self.levels,
                    resets: &mut self.resets,
                    record: p,
                    ctx,
                },
            );
            lowest = lowest.min(l);
            if l > highest {
                highest = l;
                highest_idx = i;
            }
        }
        let hp = &b.points[highest_idx];
        let levels = BatchLevels {
            lowest,
            highest,
            highest_time: hp.time,
            tmax: b.tmax,
        };
        let options = &self.options;
        let Some(tr) = self
            .groups
            .get_mut(&b.group)
            .and_then(|g| g.state.batch(options, levels))
        else {
            return;
        };
        self.update_inhibitors(ctx, &b.group, || b.tags.as_slice().to_vec(), tr.level);
        if !tr.emit {
            return;
        }
        let tag_pairs: Vec<(String, String)> = b
            .tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let row = batch_row(&b, tag_pairs.clone());
        let trigger = Trigger {
            name: &b.name,
            group: &b.group,
            tags: &tags,
            tag_pairs,
            fields: hp.fields.as_slice(),
            row,
            tr,
        };
        let Some(event) = self.event(ctx, trigger) else {
            return;
        };
        for p in &mut b.points {
            self.augment_fields(&mut p.fields, &event);
            self.augment_tags(&mut p.tags, &event);
        }
        self.augment_tags(&mut b.tags, &event);
        self.send(ctx, event);
        out.push(Message::Batch(b));
    }
}

/// A batch as one row (Kapacitor `edge` `ToRow`): columns are `time` then the first point's
/// field names and non-group tag names, sorted together; a missing value is `null`.
pub(crate) fn batch_row(b: &Batch, tags: Vec<(String, String)>) -> Row {
    let mut columns: Vec<String> = Vec::new();
    if let Some(first) = b.points.first() {
        columns.extend(first.fields.iter().map(|(k, _)| k.to_string()));
        columns.extend(
            first
                .tags
                .iter()
                .filter(|(k, _)| b.tags.get(k).is_none())
                .map(|(k, _)| k.to_string()),
        );
        columns.sort();
        columns.insert(0, "time".to_string());
    }
    let values = if columns.is_empty() {
        Vec::new()
    } else {
        b.points
            .iter()
            .map(|p| {
                let mut vs = Vec::with_capacity(columns.len());
                vs.push(RowValue::Time(p.time));
                for c in &columns[1..] {
                    vs.push(match p.fields.get(c) {
                        Some(v) => RowValue::Field(v.clone()),
                        None => RowValue::Tag(p.tags.get(c).map(str::to_string)),
                    });
                }
                vs
            })
            .collect()
    };
    Row {
        name: b.name.to_string(),
        tags,
        columns,
        values,
    }
}

impl Node for AlertNode {
    fn process(&mut self, ctx: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(p) => self.point(ctx, p, out),
            Message::Batch(b) => self.batch(ctx, b, out),
        }
    }

    /// Kapacitor's `AlertNode.restoreEvent` (alert.go at v1.5.7): an id stored on the node's
    /// own topic (it has handlers) wins over the same id on its `.topic()`.
    fn restore(&mut self, topics: &[crate::topics::TopicState]) {
        let find = |name: &str| topics.iter().find(|t| t.topic == name);
        let own = (self.handlers > 0)
            .then(|| find(&self.anonymous_topic))
            .flatten();
        let named = self.topic.as_deref().and_then(find);
        for state in own.into_iter().chain(named) {
            for e in &state.events {
                self.last_events
                    .entry(e.id.clone())
                    .or_insert((e.level, e.time));
            }
        }
    }

    fn working_cardinality(&self) -> u64 {
        self.groups.len() as u64
    }

    fn events_by_level(&self) -> Option<[u64; 4]> {
        Some(self.sent)
    }
}

#[cfg(test)]
mod tests;
