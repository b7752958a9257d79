//! Topics, routing and inhibition (spec §5.8): what happens to an event after the alert node
//! built it. Owns the inhibitor table, each topic's stored level per event id (which becomes
//! `previousLevel`) and the fan-out to handler references, with topic-handler `match`
//! filters. Owns no handler instance and no queue: deliveries are handed to `tick-handlers`.

use std::collections::HashMap;
use std::sync::Arc;

use tick_lambda::{Lambda, MatchEvent};

use crate::event::{Event, Level};

/// What an alert node hands to the runtime, in order (the order matters: an inhibitor update
/// affects the events that follow it).
#[derive(Debug, Clone, PartialEq)]
pub enum Emission {
    /// A group's inhibitor became active or inactive (set whenever the group is triggered).
    Inhibitor(InhibitorUpdate),
    /// An event to route to the node's anonymous topic and/or its named topic.
    Event(Box<AlertEvent>),
}

/// Identifies one inhibitor: the alert node (`task`, `node`), the group and the position of
/// the `.inhibit()` call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InhibitorKey {
    pub task: Arc<str>,
    pub node: Arc<str>,
    pub group: String,
    pub index: usize,
}

/// The state of one group's inhibitor (`.inhibit(category, tags...)`).
#[derive(Debug, Clone, PartialEq)]
pub struct InhibitorUpdate {
    pub key: InhibitorKey,
    pub category: Arc<str>,
    /// The inhibit tag names with this group's values (`""` when the group lacks the tag).
    pub tags: Vec<(Arc<str>, String)>,
    /// True while the group's level is not OK.
    pub active: bool,
}

/// An event as the alert node emits it, before any topic saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    /// `event.topic` and `event.previous_level` are set per topic by [`Topics::collect`].
    pub event: Event,
    pub task: Arc<str>,
    /// The alert node name (`alert2`).
    pub node: Arc<str>,
    /// The number of handler uses of the node: when non-zero the event goes to the anonymous
    /// topic and to handlers `0..handlers`.
    pub handlers: usize,
    /// The anonymous topic name, `main:<task>:<node>` (see [`anonymous_topic`]).
    pub anonymous_topic: Arc<str>,
    /// `.topic('name')`.
    pub topic: Option<Arc<str>>,
}

/// Which handler a delivery is for. `tick-handlers` owns the instances and their queues.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HandlerRef {
    /// Handler use `index` of alert node `node` of task `task` (`.mqtt(..)`, `.log(..)`, ...).
    Alert {
        task: Arc<str>,
        node: Arc<str>,
        index: usize,
    },
    /// A handler registered from a topic-handler file, by [`Topics::add_handler`]'s index.
    Topic(usize),
}

/// One event for one handler.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub handler: HandlerRef,
    pub event: Arc<Event>,
}

/// Counters of the routing stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TopicStats {
    /// Events dropped by an active inhibitor (Kapacitor `alerts_inhibited`).
    pub inhibited: u64,
    /// Events collected, counted once per topic.
    pub collected: u64,
    /// Events a topic handler skipped because its match expression was false or failed.
    pub unmatched: u64,
}

/// A topic-handler file's handler (spec §6.5) as routing sees it.
#[derive(Debug)]
struct TopicHandler {
    topic: Arc<str>,
    id: String,
    matcher: Option<(Lambda, tick_lambda::State)>,
}

#[derive(Debug)]
struct Inhibitor {
    category: Arc<str>,
    tags: Vec<(Arc<str>, String)>,
}

/// All topics of a run: their stored states, the registered topic handlers and the
/// inhibitors of every alert node.
#[derive(Debug, Default)]
pub struct Topics {
    /// topic → event id → level of the last event stored under that id.
    states: HashMap<Arc<str>, HashMap<String, Level>>,
    handlers: Vec<TopicHandler>,
    /// Only the active inhibitors.
    active: HashMap<InhibitorKey, Inhibitor>,
    stats: TopicStats,
}

/// The anonymous topic of an alert node with handlers: `main:<task>:<node>`.
pub fn anonymous_topic(task: &str, node: &str) -> String {
    format!("main:{task}:{node}")
}

impl Topics {
    pub fn new() -> Topics {
        Topics::default()
    }

    /// Registers a topic handler on `topic` with handler `id` and an optional `match`
    /// expression (compiled with `Lambda::compile_match`). Defining the same topic and id again
    /// replaces the earlier handler and keeps its index. Returns the index used in
    /// [`HandlerRef::Topic`].
    pub fn add_handler(&mut self, topic: &str, id: &str, matcher: Option<Lambda>) -> usize {
        let matcher = matcher.map(|l| {
            let s = l.new_state();
            (l, s)
        });
        if let Some(i) = self
            .handlers
            .iter()
            .position(|h| &*h.topic == topic && h.id == id)
        {
            self.handlers[i].matcher = matcher;
            return i;
        }
        self.handlers.push(TopicHandler {
            topic: Arc::from(topic),
            id: id.to_string(),
            matcher,
        });
        self.handlers.len() - 1
    }

    pub fn stats(&self) -> TopicStats {
        self.stats
    }

    /// The level stored under event `id` on `topic`, if any.
    pub fn stored_level(&self, topic: &str, id: &str) -> Option<Level> {
        self.states.get(topic)?.get(id).copied()
    }

    /// Processes one emission (spec §5.8): updates an inhibitor, or routes an event —
    /// inhibition check first (an inhibited event is dropped entirely), then the anonymous
    /// topic (if the node has handlers), then the named topic. Appends the deliveries, in
    /// handler order, to `out`.
    pub fn collect(&mut self, emission: Emission, out: &mut Vec<Delivery>) {
        match emission {
            Emission::Inhibitor(u) => {
                if u.active {
                    self.active.insert(
                        u.key,
                        Inhibitor {
                            category: u.category,
                            tags: u.tags,
                        },
                    );
                } else {
                    self.active.remove(&u.key);
                }
            }
            Emission::Event(e) => self.route(*e, out),
        }
    }

    fn is_inhibited(&self, event: &Event) -> bool {
        let data = &event.data;
        self.active.values().any(|inh| {
            *inh.category == *data.category
                && inh.tags.iter().all(|(k, v)| {
                    let got = data
                        .tags
                        .binary_search_by(|(tk, _)| tk.as_str().cmp(k))
                        .map(|i| data.tags[i].1.as_str())
                        .unwrap_or("");
                    got == v
                })
        })
    }

    fn route(&mut self, alert: AlertEvent, out: &mut Vec<Delivery>) {
        if !self.active.is_empty() && self.is_inhibited(&alert.event) {
            self.stats.inhibited += 1;
            return;
        }
        let AlertEvent {
            event,
            task,
            node,
            handlers,
            anonymous_topic,
            topic,
        } = alert;
        if handlers > 0 {
            let ev = self.store(anonymous_topic, event.clone());
            for index in 0..handlers {
                let handler = HandlerRef::Alert {
                    task: task.clone(),
                    node: node.clone(),
                    index,
                };
                out.push(Delivery {
                    handler,
                    event: ev.clone(),
                });
            }
        }
        if let Some(name) = topic {
            let ev = self.store(name.clone(), event);
            for (i, h) in self.handlers.iter_mut().enumerate() {
                if h.topic != name {
                    continue;
                }
                if let Some((lambda, state)) = h.matcher.as_mut() {
                    match lambda.eval_match(&*ev, state) {
                        Ok(true) => {}
                        Ok(false) => {
                            self.stats.unmatched += 1;
                            continue;
                        }
                        Err(err) => {
                            tracing::error!(
                                topic = &*h.topic,
                                handler = h.id.as_str(),
                                %err,
                                "failed to evaluate match expression"
                            );
                            self.stats.unmatched += 1;
                            continue;
                        }
                    }
                }
                out.push(Delivery {
                    handler: HandlerRef::Topic(i),
                    event: ev.clone(),
                });
            }
        }
    }

    /// Stores the event's level under its id; the previous stored level becomes
    /// `previous_level` (OK when there was none).
    fn store(&mut self, topic: Arc<str>, mut event: Event) -> Arc<Event> {
        self.stats.collected += 1;
        let states = self.states.entry(topic.clone()).or_default();
        let previous = match states.get_mut(event.state.id.as_str()) {
            Some(l) => std::mem::replace(l, event.state.level),
            None => {
                states.insert(event.state.id.clone(), event.state.level);
                Level::Ok
            }
        };
        event.topic = topic;
        event.previous_level = previous;
        Arc::new(event)
    }
}

/// What a `match` expression reads from an event (spec §6.5): tags only as references,
/// `changed()` against the topic's previous level, `alertDuration()` the event duration.
impl MatchEvent for Event {
    fn tag(&self, name: &str) -> Option<&str> {
        let tags = &self.data.tags;
        tags.binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()
            .map(|i| tags[i].1.as_str())
    }
    fn level(&self) -> i64 {
        self.state.level as i64
    }
    fn changed(&self) -> bool {
        self.state.level != self.previous_level
    }
    fn name(&self) -> &str {
        &self.data.name
    }
    fn task_name(&self) -> &str {
        &self.data.task_name
    }
    fn duration(&self) -> i64 {
        self.state.duration
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventData, EventState};

    fn event(id: &str, level: Level, category: &str, host: &str) -> Event {
        Event {
            topic: Arc::from(""),
            state: EventState {
                id: id.into(),
                message: format!("{id} is {}", level.as_str()),
                details: String::new(),
                time: 0,
                duration: 0,
                level,
            },
            data: EventData {
                name: "cpu".into(),
                task_name: "t".into(),
                category: category.into(),
                group: format!("host={host}"),
                tags: vec![("host".into(), host.into())],
                fields: vec![],
                recoverable: true,
                result: None,
            },
            previous_level: Level::Ok,
        }
    }

    fn emit(e: Event, handlers: usize, topic: Option<&str>) -> Emission {
        Emission::Event(Box::new(AlertEvent {
            event: e,
            task: Arc::from("cpu_alert"),
            node: Arc::from("alert2"),
            handlers,
            anonymous_topic: Arc::from("main:cpu_alert:alert2"),
            topic: topic.map(Arc::from),
        }))
    }

    fn inhibitor(group_host: &str, active: bool) -> Emission {
        Emission::Inhibitor(InhibitorUpdate {
            key: InhibitorKey {
                task: Arc::from("t"),
                node: Arc::from("alert1"),
                group: format!("host={group_host}"),
                index: 0,
            },
            category: Arc::from("sys"),
            tags: vec![(Arc::from("host"), group_host.to_string())],
            active,
        })
    }

    #[test]
    fn anonymous_topic_is_named_main_task_node_and_reaches_every_handler_in_order() {
        let mut t = Topics::new();
        let mut out = Vec::new();
        t.collect(
            emit(event("cpu:nil", Level::Critical, "", "a"), 2, None),
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(&*out[0].event.topic, "main:cpu_alert:alert2");
        let refs: Vec<_> = out.iter().map(|d| d.handler.clone()).collect();
        let r = |index| HandlerRef::Alert {
            task: Arc::from("cpu_alert"),
            node: Arc::from("alert2"),
            index,
        };
        assert_eq!(refs, vec![r(0), r(1)]);
    }

    #[test]
    fn previous_level_is_the_last_level_stored_under_the_same_id_on_that_topic() {
        let mut t = Topics::new();
        let mut out = Vec::new();
        t.collect(
            emit(event("x", Level::Critical, "", "a"), 1, Some("cpu")),
            &mut out,
        );
        t.collect(
            emit(event("y", Level::Warning, "", "a"), 1, Some("cpu")),
            &mut out,
        );
        t.collect(
            emit(event("x", Level::Ok, "", "a"), 1, Some("cpu")),
            &mut out,
        );
        let prev: Vec<Level> = out.iter().map(|d| d.event.previous_level).collect();
        // No topic handlers on "cpu": only the anonymous deliveries.
        assert_eq!(prev, vec![Level::Ok, Level::Ok, Level::Critical]);
        assert_eq!(t.stored_level("cpu", "x"), Some(Level::Ok));
        assert_eq!(
            t.stored_level("main:cpu_alert:alert2", "y"),
            Some(Level::Warning)
        );
        assert_eq!(t.stats().collected, 6);
    }

    #[test]
    fn a_node_with_only_a_named_topic_creates_no_anonymous_topic() {
        let mut t = Topics::new();
        let h = t.add_handler("cpu", "log-cpu", None);
        let mut out = Vec::new();
        t.collect(
            emit(event("x", Level::Critical, "", "a"), 0, Some("cpu")),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].handler, HandlerRef::Topic(h));
        assert_eq!(&*out[0].event.topic, "cpu");
        assert_eq!(t.stored_level("main:cpu_alert:alert2", "x"), None);
    }

    #[test]
    fn redefining_a_topic_handler_keeps_its_index() {
        let mut t = Topics::new();
        assert_eq!(t.add_handler("cpu", "a", None), 0);
        assert_eq!(t.add_handler("cpu", "b", None), 1);
        assert_eq!(t.add_handler("cpu", "a", None), 0);
    }

    #[test]
    fn inhibited_events_are_dropped_entirely_and_counted() {
        // Kapacitor 1.5.7 sequence: M host=a CRITICAL inhibits C host=a; C host=b is sent;
        // M host=a OK releases; M host=b CRITICAL inhibits C host=b CRITICAL and its recovery.
        let mut t = Topics::new();
        let mut out = Vec::new();
        t.collect(inhibitor("a", true), &mut out);
        t.collect(
            emit(event("c:a", Level::Critical, "sys", "a"), 1, None),
            &mut out,
        );
        assert!(out.is_empty());
        t.collect(
            emit(event("c:b", Level::Critical, "sys", "b"), 1, None),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        t.collect(inhibitor("a", false), &mut out);
        t.collect(
            emit(event("c:a", Level::Critical, "sys", "a"), 1, None),
            &mut out,
        );
        assert_eq!(out.len(), 2);
        // The inhibited event never reached the topic: previousLevel is still OK.
        assert_eq!(out[1].event.previous_level, Level::Ok);
        t.collect(inhibitor("b", true), &mut out);
        t.collect(
            emit(event("c:b", Level::Critical, "sys", "b"), 1, None),
            &mut out,
        );
        t.collect(emit(event("c:b", Level::Ok, "sys", "b"), 1, None), &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(t.stats().inhibited, 3);
    }

    #[test]
    fn an_inhibitor_only_matches_its_category_and_tag_values() {
        let mut t = Topics::new();
        let mut out = Vec::new();
        t.collect(inhibitor("a", true), &mut out);
        t.collect(
            emit(event("other", Level::Critical, "net", "a"), 1, None),
            &mut out,
        );
        t.collect(
            emit(event("none", Level::Critical, "", "a"), 1, None),
            &mut out,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(t.stats().inhibited, 0);
    }

    #[test]
    fn match_event_reads_tags_level_changed_and_duration() {
        let mut e = event("x", Level::Warning, "", "a");
        e.state.duration = 5;
        e.previous_level = Level::Warning;
        assert_eq!(MatchEvent::tag(&e, "host"), Some("a"));
        assert_eq!(MatchEvent::tag(&e, "dc"), None);
        assert_eq!(MatchEvent::level(&e), 2);
        assert!(!MatchEvent::changed(&e));
        assert_eq!(MatchEvent::duration(&e), 5);
        assert_eq!(MatchEvent::name(&e), "cpu");
        assert_eq!(MatchEvent::task_name(&e), "t");
    }
}

#[cfg(test)]
mod match_tests {
    use super::*;
    use crate::event::{EventData, EventState};

    fn compile(expr: &str) -> Lambda {
        let (e, diags) = tick_syntax::parse_expr(expr);
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
        Lambda::compile_match(&e.unwrap(), &tick_lambda::CompileOptions::default()).unwrap()
    }

    fn emit(host: &str, level: Level) -> Emission {
        Emission::Event(Box::new(AlertEvent {
            event: Event {
                topic: Arc::from(""),
                state: EventState {
                    id: format!("cpu:host={host}"),
                    message: String::new(),
                    details: String::new(),
                    time: 0,
                    duration: 0,
                    level,
                },
                data: EventData {
                    name: "cpu".into(),
                    task_name: "t".into(),
                    category: String::new(),
                    group: format!("host={host}"),
                    tags: vec![("host".into(), host.into())],
                    fields: vec![],
                    recoverable: true,
                    result: None,
                },
                previous_level: Level::Ok,
            },
            task: Arc::from("t"),
            node: Arc::from("alert2"),
            handlers: 0,
            anonymous_topic: Arc::from("main:t:alert2"),
            topic: Some(Arc::from("cpu")),
        }))
    }

    #[test]
    fn match_expressions_filter_topic_handler_deliveries() {
        // Spec §6.5 example: `changed() == TRUE AND "host" == 'serverA'` on serverA 85 (CRIT),
        // serverB 85, serverA 90 (CRIT, unchanged), 75 (WARNING), 50 (OK), serverB 50.
        let mut t = Topics::new();
        let mqtt = t.add_handler(
            "cpu",
            "mqtt-cpu",
            Some(compile("changed() == TRUE AND \"host\" == 'serverA'")),
        );
        let log = t.add_handler("cpu", "log-cpu", Some(compile("level() >= WARNING")));
        let mut out = Vec::new();
        use Level::{Critical as C, Ok as O, Warning as W};
        for (host, level) in [
            ("serverA", C),
            ("serverB", C),
            ("serverA", C),
            ("serverA", W),
            ("serverA", O),
            ("serverB", O),
        ] {
            t.collect(emit(host, level), &mut out);
        }
        let to = |h: usize| -> Vec<(String, Level)> {
            out.iter()
                .filter(|d| d.handler == HandlerRef::Topic(h))
                .map(|d| (d.event.data.tags[0].1.clone(), d.event.state.level))
                .collect()
        };
        let a = |l| ("serverA".to_string(), l);
        assert_eq!(to(mqtt), vec![a(C), a(W), a(O)]);
        assert_eq!(to(log).len(), 4);
        assert_eq!(t.stats().unmatched, 3 + 2);
    }

    #[test]
    fn a_match_on_a_missing_tag_fails_and_skips_the_handler() {
        let mut t = Topics::new();
        t.add_handler("cpu", "h", Some(compile("\"dc\" == 'x'")));
        let mut out = Vec::new();
        t.collect(emit("a", Level::Critical), &mut out);
        assert!(out.is_empty());
        assert_eq!(t.stats().unmatched, 1);
    }
}
