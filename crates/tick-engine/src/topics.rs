//! Topics, routing and inhibition (Kapacitor's `AlertNode.handleEvent` in alert.go, alert/topics.go
//! and alert/inhibit.go, at v1.5.7): what happens to an event after the alert node built it. Owns
//! the inhibitor table, each topic's stored level per event id (which becomes `previousLevel`)
//! and, for Kapacitor's alert API, each id's last event and the topic's collected count (kept
//! only when asked, [`Topics::keep_events`]), the
//! fan-out to handler references with topic-handler `match` filters, and `kind: publish` topic
//! handlers (`publishHandler`, services/alert/handlers.go), which collect the event again into
//! other topics here, synchronously, with a guard against publish cycles. Owns no handler instance
//! and no queue: deliveries are handed to `tick-handlers`.

use foldhash::HashMap;
use std::collections::VecDeque;
use std::sync::Arc;

use tick_lambda::{Lambda, MatchEvent};

use crate::event::{Event, EventData, EventState, Level};

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
        /// The task name.
        task: Arc<str>,
        /// The alert node name (`alert3`).
        node: Arc<str>,
        /// Which handler use of that node, in script order.
        index: usize,
    },
    /// A handler registered from a topic-handler file, by [`Topics::add_handler`]'s index.
    Topic(usize),
}

/// One event for one handler.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The handler it goes to.
    pub handler: HandlerRef,
    /// The event.
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
    /// Events a publish handler collected into another topic, counted once per target topic
    /// (each is also counted in `collected`).
    pub republished: u64,
    /// Republications not made because the event was going round a publish cycle or its
    /// publish chain exceeded 1,000 collections.
    pub publish_dropped: u64,
}

/// The most collections publish handlers may make for one alert event, over all hops: a bound
/// on the work one event can cause (a chain of many fan-outs grows exponentially).
pub(crate) const MAX_REPUBLISH: usize = 1000;

/// A topic-handler file's handler (Kapacitor's `HandlerSpec`, services/alert/dao.go at v1.5.7, made
/// into a handler by `Service.createHandlerFromSpec`) as routing sees it.
#[derive(Debug)]
struct TopicHandler {
    topic: Arc<str>,
    id: String,
    matcher: Option<(Lambda, tick_lambda::State)>,
    /// `kind: publish`: the topics a matching event is collected into, in order. `None` for
    /// every other kind, whose events become deliveries.
    publish: Option<Vec<Arc<str>>>,
    /// A publish cycle through this handler was already logged.
    cycle_reported: bool,
}

/// An event a publish handler hands to `topic`. `path` holds the topics it went through,
/// starting with the one the alert node collected it on.
struct Hop {
    topic: Arc<str>,
    event: Event,
    path: Vec<Arc<str>>,
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
    /// topic → index into `levels`.
    topic_index: HashMap<Arc<str>, usize>,
    /// Per topic: event id → level of the last event stored under that id.
    levels: Vec<HashMap<String, Level>>,
    /// The topic stored last and its index: events of one node come on the same `Arc`, so
    /// most stores find their topic by pointer without hashing its name.
    last_topic: Option<(Arc<str>, usize)>,
    handlers: Vec<TopicHandler>,
    /// Whether any handler is a publish handler.
    has_publish: bool,
    /// The [`MAX_REPUBLISH`] limit was already logged.
    limit_reported: bool,
    /// Only the active inhibitors.
    active: HashMap<InhibitorKey, Inhibitor>,
    stats: TopicStats,
    /// Whether every stored event is also kept in `changes` (see [`Topics::record_changes`]).
    record: bool,
    /// The events stored since the last [`Topics::take_changes`], in order.
    changes: Vec<Arc<Event>>,
    /// The topics deleted since the last [`Topics::take_deleted`] (recorded with `record`).
    deleted: Vec<Arc<str>>,
    /// Per alert node (task, node): the events inhibited, by level.
    inhibited_by_node: HashMap<(Arc<str>, Arc<str>), [u64; 4]>,
    /// What Kapacitor's alert API shows of each topic, by the topic's index; `None` until
    /// [`Topics::keep_events`].
    kept: Option<Vec<KeptTopic>>,
}

/// One topic's stored state as a state store keeps it (Kapacitor's `TopicState`,
/// services/alert/dao.go at v1.5.7): the last event state of each event id collected on it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicState {
    /// The topic name: `main:<task>:<node>` for an alert node's own topic, else the
    /// `.topic()` name.
    pub topic: String,
    /// The last event state stored under each event id, one per id.
    pub events: Vec<EventState>,
}

/// What Kapacitor's alert API shows of one topic (its `alert.Topic`, alert/topics.go at v1.5.7).
#[derive(Debug, Default)]
struct KeptTopic {
    /// Whether the topic exists: declared, or it collected an event since it was made or
    /// deleted.
    live: bool,
    /// Events collected (Kapacitor's `collected`).
    collected: u64,
    /// The last event stored under each id.
    events: HashMap<String, Arc<Event>>,
}

/// A topic as Kapacitor's alert API shows it ([`Topics::keep_events`]).
#[derive(Debug, Clone)]
pub struct TopicSnapshot {
    /// The topic name.
    pub id: Arc<str>,
    /// Events collected on it since it was made (or deleted).
    pub collected: u64,
    /// The last event stored under each id, sorted by id.
    pub events: Vec<Arc<Event>>,
}

impl TopicSnapshot {
    /// The highest level among the topic's events; OK when it has none.
    pub fn level(&self) -> Level {
        self.events
            .iter()
            .map(|e| e.state.level)
            .max()
            .unwrap_or(Level::Ok)
    }
}

/// The anonymous topic of an alert node with handlers: `main:<task>:<node>`.
pub(crate) fn anonymous_topic(task: &str, node: &str) -> String {
    format!("main:{task}:{node}")
}

impl Topics {
    /// No topics and no handlers yet.
    pub fn new() -> Topics {
        Topics::default()
    }

    /// Registers a topic handler on `topic` with handler `id` and an optional `match`
    /// expression (compiled with `Lambda::compile_match`). Defining the same topic and id again
    /// replaces the earlier handler and keeps its index. Returns the index used in
    /// [`HandlerRef::Topic`].
    pub fn add_handler(&mut self, topic: &str, id: &str, matcher: Option<Lambda>) -> usize {
        self.register(topic, id, matcher, None)
    }

    /// Registers a `kind: publish` topic handler (Kapacitor's `publishHandler.Handle`,
    /// services/alert/handlers.go at v1.5.7): every event collected on `topic` that passes
    /// `matcher` is collected again into each of `targets`, in order, as Kapacitor's publish
    /// handler does. The event keeps its data, its topic becomes the target, and the target topic
    /// stores its level (its handlers see the target's `previousLevel`; on a target that never
    /// stored the id, the one the event brought along). No [`Delivery`] is ever made for this
    /// handler. Replaces a handler with the same topic and id, like [`Topics::add_handler`], and
    /// returns its index.
    ///
    /// An event that would enter a topic a third time on one publish path is going round a
    /// cycle for ever (from its second round on nothing it carries changes), so it is not
    /// collected there: the first time per handler this is logged as an error.
    pub fn add_publish_handler(
        &mut self,
        topic: &str,
        id: &str,
        matcher: Option<Lambda>,
        targets: &[String],
    ) -> usize {
        let targets: Vec<Arc<str>> = targets.iter().map(|t| Arc::from(t.as_str())).collect();
        self.register(topic, id, matcher, Some(targets))
    }

    fn register(
        &mut self,
        topic: &str,
        id: &str,
        matcher: Option<Lambda>,
        publish: Option<Vec<Arc<str>>>,
    ) -> usize {
        let matcher = matcher.map(|l| {
            let s = l.new_state();
            (l, s)
        });
        let index = match self
            .handlers
            .iter()
            .position(|h| &*h.topic == topic && h.id == id)
        {
            Some(i) => {
                let h = &mut self.handlers[i];
                h.matcher = matcher;
                h.publish = publish;
                h.cycle_reported = false;
                i
            }
            None => {
                self.handlers.push(TopicHandler {
                    topic: Arc::from(topic),
                    id: id.to_string(),
                    matcher,
                    publish,
                    cycle_reported: false,
                });
                self.handlers.len() - 1
            }
        };
        self.has_publish = self.handlers.iter().any(|h| h.publish.is_some());
        index
    }

    /// The target topics of the publish handler with `index`, or `None` when that handler
    /// is not a publish handler (or does not exist).
    pub fn publish_targets(&self, index: usize) -> Option<Vec<&str>> {
        let targets = self.handlers.get(index)?.publish.as_ref()?;
        Some(targets.iter().map(|t| &**t).collect())
    }

    /// Counters of the topics: inhibited, collected, unmatched and republished events.
    pub fn stats(&self) -> TopicStats {
        self.stats
    }

    /// Keeps every event stored on a topic from now on, for [`Topics::take_changes`]: what a
    /// state store must write. Off by default (nothing is kept).
    pub fn record_changes(&mut self) {
        self.record = true;
    }

    /// The events stored on topics since the last call, in order, each with its topic set
    /// (`event.topic`) and the level it replaced (`event.previous_level`). Only events change
    /// a topic's state: a point that emits nothing adds nothing here.
    pub fn take_changes(&mut self, out: &mut Vec<Arc<Event>>) {
        out.append(&mut self.changes);
    }

    /// The topics [`Topics::delete_topic`] forgot since the last call (with
    /// [`Topics::record_changes`]): what a state store must forget too, before the events
    /// [`Topics::take_changes`] gives next.
    pub fn take_deleted(&mut self, out: &mut Vec<Arc<str>>) {
        out.append(&mut self.deleted);
    }

    /// Restores a topic's stored levels (Kapacitor's `Topics.RestoreTopic`, alert/topics.go at
    /// v1.5.7), so that the next event with one of its ids gets the stored level as
    /// `previousLevel`, and, after [`Topics::keep_events`], the events the alert API shows.
    /// Call before any event.
    pub fn restore(&mut self, state: &TopicState) {
        let topic: Arc<str> = Arc::from(state.topic.as_str());
        let index = self.topic_slot(&topic);
        if let Some(levels) = self.levels.get_mut(index) {
            for e in &state.events {
                levels.insert(e.id.clone(), e.level);
            }
        }
        // With the alert API on, the restored events are what the topic shows until new ones
        // replace them (Kapacitor's API reads the same stored state).
        if let Some(kept) = self.kept_slot(index) {
            kept.live = true;
            for e in &state.events {
                kept.events.insert(
                    e.id.clone(),
                    Arc::new(Event {
                        topic: topic.clone(),
                        state: e.clone(),
                        data: EventData {
                            name: String::new(),
                            task_name: String::new(),
                            category: String::new(),
                            group: String::new(),
                            tags: Vec::new(),
                            fields: Vec::new(),
                            recoverable: true,
                            result: None,
                        },
                        previous_level: Level::Ok,
                        json: Default::default(),
                    }),
                );
            }
        }
    }

    /// Keeps what Kapacitor's alert API shows from now on: each topic's collected count and the
    /// last event stored under each id. Off by default: a run without the API keeps levels only.
    pub fn keep_events(&mut self) {
        if self.kept.is_none() {
            self.kept = Some(Vec::new());
        }
    }

    /// Makes `topic` exist for [`Topics::snapshot`] before any event, as Kapacitor makes the
    /// topic of an alert node with handlers and of a topic handler when it registers them
    /// (`Topics.RegisterHandler`, alert/topics.go at v1.5.7).
    pub fn declare_topic(&mut self, topic: &str) {
        let index = self.topic_slot(&Arc::from(topic));
        if let Some(kept) = self.kept_slot(index) {
            kept.live = true;
        }
    }

    fn kept_slot(&mut self, index: usize) -> Option<&mut KeptTopic> {
        let kept = self.kept.as_mut()?;
        if kept.len() <= index {
            kept.resize_with(index + 1, KeptTopic::default);
        }
        kept.get_mut(index)
    }

    /// Every existing topic with its kept events, sorted by name ([`Topics::keep_events`];
    /// empty without it).
    pub fn snapshot(&self) -> Vec<TopicSnapshot> {
        let mut topics: Vec<TopicSnapshot> = self
            .topic_index
            .iter()
            .filter_map(|(name, &i)| self.topic_snapshot(name, i))
            .collect();
        topics.sort_by(|a, b| a.id.cmp(&b.id));
        topics
    }

    /// One existing topic with its kept events ([`Topics::keep_events`]).
    pub fn topic(&self, topic: &str) -> Option<TopicSnapshot> {
        let (name, &i) = self.topic_index.get_key_value(topic)?;
        self.topic_snapshot(name, i)
    }

    fn topic_snapshot(&self, name: &Arc<str>, index: usize) -> Option<TopicSnapshot> {
        let kept = self.kept.as_ref()?.get(index).filter(|k| k.live)?;
        let mut events: Vec<Arc<Event>> = kept.events.values().cloned().collect();
        events.sort_by(|a, b| a.state.id.cmp(&b.state.id));
        Some(TopicSnapshot {
            id: name.clone(),
            collected: kept.collected,
            events,
        })
    }

    /// Forgets a topic's state: its stored levels (the next event of each id gets
    /// `previousLevel` OK), its events and its collected count; the topic no longer exists
    /// until it collects an event (Kapacitor's `Service.DeleteTopic`, services/alert/service.go
    /// at v1.5.7). Its handlers stay.
    pub fn delete_topic(&mut self, topic: &str) {
        let Some((name, &index)) = self.topic_index.get_key_value(topic) else {
            return;
        };
        if self.record {
            self.deleted.push(name.clone());
        }
        if let Some(levels) = self.levels.get_mut(index) {
            levels.clear();
        }
        if let Some(kept) = self.kept.as_mut().and_then(|k| k.get_mut(index)) {
            *kept = KeptTopic::default();
        }
    }

    /// The events of alert node `node` of task `task` that an inhibitor dropped, by level
    /// (OK, INFO, WARNING, CRITICAL).
    pub fn inhibited(&self, task: &str, node: &str) -> [u64; 4] {
        self.inhibited_by_node
            .iter()
            .find(|((t, n), _)| &**t == task && &**n == node)
            .map_or([0; 4], |(_, counts)| *counts)
    }

    /// The level stored under event `id` on `topic`, if any.
    pub fn stored_level(&self, topic: &str, id: &str) -> Option<Level> {
        let index = *self.topic_index.get(topic)?;
        self.levels.get(index)?.get(id).copied()
    }

    /// Processes one emission (Kapacitor's `AlertNode.handleEvent`, alert.go at v1.5.7): updates an
    /// inhibitor, or routes an event — inhibition check first (an inhibited event is dropped
    /// entirely), then the anonymous topic (if the node has handlers), then the named topic.
    /// Appends the deliveries, in handler order, to `out`.
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
            Emission::Event(e) => self.route(e, out),
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

    fn route(&mut self, alert: Box<AlertEvent>, out: &mut Vec<Delivery>) {
        if !self.active.is_empty() && self.is_inhibited(&alert.event) {
            self.stats.inhibited += 1;
            let counts = self
                .inhibited_by_node
                .entry((alert.task.clone(), alert.node.clone()))
                .or_default();
            counts[alert.event.state.level as usize] += 1;
            return;
        }
        let AlertEvent {
            event,
            task,
            node,
            handlers,
            anonymous_topic,
            topic,
        } = *alert;
        // The event is copied only when it goes to both the node's own topic and a named one;
        // otherwise it moves straight into its topic's `Arc` (it is large: fewer moves).
        match topic {
            None => {
                if handlers > 0 {
                    self.collect_own(event, &task, &node, handlers, anonymous_topic, out);
                }
            }
            Some(name) => {
                if handlers > 0 {
                    let own = event.clone();
                    self.collect_own(own, &task, &node, handlers, anonymous_topic, out);
                }
                let ev = self.store(name.clone(), event);
                self.handle_collected(name, ev, out);
            }
        }
    }

    /// Collects `event` on the node's anonymous topic: a delivery for each of its `handlers`,
    /// then for the topic-handler files subscribed to that topic.
    fn collect_own(
        &mut self,
        event: Event,
        task: &Arc<str>,
        node: &Arc<str>,
        handlers: usize,
        anonymous_topic: Arc<str>,
        out: &mut Vec<Delivery>,
    ) {
        let ev = self.store(anonymous_topic.clone(), event);
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
        // Topic-handler files may also subscribe to the anonymous topic.
        if !self.handlers.is_empty() {
            self.handle_collected(anonymous_topic, ev, out);
        }
    }

    /// Hands an event just stored on `topic` to the topic's file handlers, then follows the
    /// publish handlers breadth first: every topic an event is published to first hands it
    /// to all its own handlers, in registration order.
    fn handle_collected(&mut self, topic: Arc<str>, ev: Arc<Event>, out: &mut Vec<Delivery>) {
        if !self.has_publish {
            self.fan_out(&topic, &ev, &[], out, None);
            return;
        }
        let mut pending: VecDeque<Hop> = VecDeque::new();
        self.fan_out(&topic, &ev, &[], out, Some(&mut pending));
        let mut collections = 0usize;
        while let Some(hop) = pending.pop_front() {
            if collections == MAX_REPUBLISH {
                let dropped = 1 + pending.len() as u64;
                self.stats.publish_dropped += dropped;
                if !self.limit_reported {
                    self.limit_reported = true;
                    tracing::error!(
                        event = hop.event.state.id.as_str(),
                        topic = &*topic,
                        limit = MAX_REPUBLISH,
                        dropped,
                        "publish handlers collected one event into more topics than the limit; the rest are dropped"
                    );
                }
                return;
            }
            collections += 1;
            self.stats.republished += 1;
            let Hop { topic, event, path } = hop;
            let ev = self.store(topic.clone(), event);
            self.fan_out(&topic, &ev, &path, out, Some(&mut pending));
        }
    }

    /// One topic's file handlers for one event: a delivery for each matching handler, and for
    /// each matching publish handler a [`Hop`] per target (only when `pending` is given).
    /// `path` is the topics the event went through before `topic`.
    fn fan_out(
        &mut self,
        topic: &Arc<str>,
        ev: &Arc<Event>,
        path: &[Arc<str>],
        out: &mut Vec<Delivery>,
        mut pending: Option<&mut VecDeque<Hop>>,
    ) {
        for (i, h) in self.handlers.iter_mut().enumerate() {
            if h.topic != *topic || !passes(h, ev, &mut self.stats) {
                continue;
            }
            let Some(targets) = &h.publish else {
                out.push(Delivery {
                    handler: HandlerRef::Topic(i),
                    event: ev.clone(),
                });
                continue;
            };
            let Some(pending) = pending.as_deref_mut() else {
                continue;
            };
            let mut next_path = Vec::with_capacity(path.len() + 1);
            next_path.extend_from_slice(path);
            next_path.push(topic.clone());
            for target in targets {
                let seen = next_path.iter().filter(|t| **t == *target).count();
                if seen >= 2 {
                    self.stats.publish_dropped += 1;
                    if !h.cycle_reported {
                        h.cycle_reported = true;
                        let mut route: Vec<&str> = next_path.iter().map(|t| &**t).collect();
                        route.push(target);
                        tracing::error!(
                            topic = &*h.topic,
                            handler = h.id.as_str(),
                            event = ev.state.id.as_str(),
                            path = route.join(" -> ").as_str(),
                            "publish cycle: the event would enter topic {:?} a third time and go round for ever; it is not published there",
                            &**target
                        );
                    }
                    continue;
                }
                pending.push_back(Hop {
                    topic: target.clone(),
                    event: (**ev).clone(),
                    path: next_path.clone(),
                });
            }
        }
    }

    /// Stores the event's level under its id on `topic` and sets the event's topic. The level
    /// stored before becomes `previous_level`; when the topic never stored this id, the
    /// event's own `previous_level` stays (OK from an alert node; the source topic's from a
    /// publish handler, as in Kapacitor).
    fn store(&mut self, topic: Arc<str>, mut event: Event) -> Arc<Event> {
        self.stats.collected += 1;
        let index = self.topic_slot(&topic);
        let Some(states) = self.levels.get_mut(index) else {
            // `topic_slot` always returns an index into `levels`.
            event.topic = topic;
            return Arc::new(event);
        };
        match states.get_mut(event.state.id.as_str()) {
            Some(l) => event.previous_level = std::mem::replace(l, event.state.level),
            None => {
                states.insert(event.state.id.clone(), event.state.level);
            }
        }
        event.topic = topic;
        let event = Arc::new(event);
        if self.record {
            self.changes.push(event.clone());
        }
        if let Some(kept) = self.kept_slot(index) {
            kept.live = true;
            kept.collected += 1;
            match kept.events.get_mut(event.state.id.as_str()) {
                Some(e) => *e = event.clone(),
                None => {
                    kept.events.insert(event.state.id.clone(), event.clone());
                }
            }
        }
        event
    }

    /// The index in `levels` of `topic`'s stored levels, made when the topic is new.
    fn topic_slot(&mut self, topic: &Arc<str>) -> usize {
        if let Some((last, index)) = &self.last_topic
            && Arc::ptr_eq(last, topic)
        {
            return *index;
        }
        let next = self.levels.len();
        let index = *self.topic_index.entry(topic.clone()).or_insert(next);
        if index == next {
            self.levels.push(HashMap::default());
        }
        self.last_topic = Some((topic.clone(), index));
        index
    }
}

/// Whether a topic handler takes the event: no `match`, or a `match` that is true. A false
/// or failing match is counted in `unmatched`; a failure is also logged.
fn passes(h: &mut TopicHandler, ev: &Event, stats: &mut TopicStats) -> bool {
    let Some((lambda, state)) = h.matcher.as_mut() else {
        return true;
    };
    match lambda.eval_match(ev, state) {
        Ok(true) => true,
        Ok(false) => {
            stats.unmatched += 1;
            false
        }
        Err(err) => {
            tracing::error!(
                topic = &*h.topic,
                handler = h.id.as_str(),
                %err,
                "failed to evaluate match expression"
            );
            stats.unmatched += 1;
            false
        }
    }
}

/// What a `match` expression reads from an event (Kapacitor's `matchHandler.match`,
/// services/alert/handlers.go at v1.5.7): tags only as references, `changed()` against the topic's
/// previous level, `alertDuration()` the event duration (1.5.7 names it `duration()`; later
/// versions renamed it, as the built-in `duration()` conversion hides it).
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

    /// An event of group `host=HOST` with that one tag (the nil group and no tags when
    /// `host` is empty).
    pub(super) fn event(id: &str, level: Level, category: &str, host: &str) -> Event {
        let (group, tags) = if host.is_empty() {
            (String::new(), vec![])
        } else {
            (format!("host={host}"), vec![("host".into(), host.into())])
        };
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
                group,
                tags,
                fields: vec![],
                recoverable: true,
                result: None,
            },
            previous_level: Level::Ok,
            json: Default::default(),
        }
    }

    /// `e` as emitted by node `alert2` of `task`, which has `handlers` handlers of its own.
    pub(super) fn emission(task: &str, e: Event, handlers: usize, topic: Option<&str>) -> Emission {
        Emission::Event(Box::new(AlertEvent {
            event: e,
            task: Arc::from(task),
            node: Arc::from("alert2"),
            handlers,
            anonymous_topic: Arc::from(format!("main:{task}:alert2")),
            topic: topic.map(Arc::from),
        }))
    }

    fn emit(e: Event, handlers: usize, topic: Option<&str>) -> Emission {
        emission("cpu_alert", e, handlers, topic)
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

    #[test]
    fn kept_topics_show_each_ids_last_event_until_deleted() {
        let mut t = Topics::new();
        t.keep_events();
        t.declare_topic("main:cpu_alert:alert2");
        let mut out = Vec::new();
        t.collect(
            emit(event("x", Level::Critical, "", "a"), 1, Some("cpu")),
            &mut out,
        );
        t.collect(
            emit(event("x", Level::Ok, "", "a"), 0, Some("cpu")),
            &mut out,
        );
        t.collect(
            emit(event("y", Level::Warning, "", "b"), 0, Some("cpu")),
            &mut out,
        );
        let topics = t.snapshot();
        let names: Vec<&str> = topics.iter().map(|s| &*s.id).collect();
        assert_eq!(names, ["cpu", "main:cpu_alert:alert2"]);
        let cpu = &topics[0];
        assert_eq!(cpu.collected, 3);
        assert_eq!(cpu.level(), Level::Warning);
        let events: Vec<(&str, Level)> = cpu
            .events
            .iter()
            .map(|e| (e.state.id.as_str(), e.state.level))
            .collect();
        assert_eq!(events, [("x", Level::Ok), ("y", Level::Warning)]);
        assert_eq!(topics[1].collected, 1);
        assert_eq!(topics[1].level(), Level::Critical);

        t.delete_topic("cpu");
        assert!(t.topic("cpu").is_none());
        assert_eq!(t.stored_level("cpu", "y"), None);
        t.collect(
            emit(event("y", Level::Warning, "", "b"), 0, Some("cpu")),
            &mut out,
        );
        let cpu = t.topic("cpu").expect("made again");
        assert_eq!(cpu.collected, 1);
        assert_eq!(cpu.events[0].previous_level, Level::Ok);
    }

    #[test]
    fn nothing_is_kept_unless_asked() {
        let mut t = Topics::new();
        t.declare_topic("cpu");
        let mut out = Vec::new();
        t.collect(
            emit(event("x", Level::Critical, "", "a"), 1, Some("cpu")),
            &mut out,
        );
        assert!(t.snapshot().is_empty());
        assert!(t.topic("cpu").is_none());
    }

    #[test]
    fn inhibited_events_are_counted_per_alert_node_and_level() {
        let mut t = Topics::new();
        let mut out = Vec::new();
        t.collect(inhibitor("a", true), &mut out);
        t.collect(
            emit(event("c:a", Level::Critical, "sys", "a"), 1, None),
            &mut out,
        );
        t.collect(
            emit(event("c:a", Level::Critical, "sys", "a"), 1, None),
            &mut out,
        );
        t.collect(emit(event("c:a", Level::Ok, "sys", "a"), 1, None), &mut out);
        assert_eq!(t.inhibited("cpu_alert", "alert2"), [1, 0, 0, 2]);
        assert_eq!(t.inhibited("cpu_alert", "alert3"), [0; 4]);
    }
}

#[cfg(test)]
mod match_tests {
    use super::*;

    pub(super) fn compile(expr: &str) -> Lambda {
        let (e, diags) = tick_syntax::parse_expr(expr);
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
        Lambda::compile_match(&e.unwrap(), &tick_lambda::CompileOptions::default()).unwrap()
    }

    fn emit(host: &str, level: Level) -> Emission {
        let e = tests::event(&format!("cpu:host={host}"), level, "", host);
        tests::emission("t", e, 0, Some("cpu"))
    }

    #[test]
    fn match_expressions_filter_topic_handler_deliveries() {
        // A handler matching `changed() == TRUE AND "host" == 'serverA'` and one matching
        // `level() >= WARNING`, on serverA 85 (CRIT), serverB 85, serverA 90 (CRIT, unchanged), 75
        // (WARNING), 50 (OK), serverB 50: `changed()` compares with the previous event of the id on
        // the topic (Kapacitor's `matchHandler.match`).
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

#[cfg(test)]
mod publish_tests {
    use super::match_tests::compile;
    use super::*;
    use Level::{Critical as C, Ok as O};

    /// An event of alert node `alert2` of task `t` with only `.topic(topic)`.
    fn emit(level: Level, topic: &str) -> Emission {
        tests::emission("t", tests::event("cpu:nil", level, "", ""), 0, Some(topic))
    }

    /// (handler index, event topic, level, previous level) of each delivery.
    fn seen(out: &[Delivery]) -> Vec<(usize, String, Level, Level)> {
        out.iter()
            .map(|d| {
                let HandlerRef::Topic(i) = d.handler else {
                    panic!("not a topic handler: {:?}", d.handler)
                };
                (
                    i,
                    d.event.topic.to_string(),
                    d.event.state.level,
                    d.event.previous_level,
                )
            })
            .collect()
    }

    fn targets(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_publish_handler_collects_the_event_into_each_target_topic_in_order() {
        let mut t = Topics::new();
        let fwd = t.add_publish_handler("cpu", "fwd", None, &targets(&["ops", "audit"]));
        let ops = t.add_handler("ops", "log-ops", None);
        let audit = t.add_handler("audit", "log-audit", None);
        let mut out = Vec::new();
        t.collect(emit(C, "cpu"), &mut out);
        t.collect(emit(O, "cpu"), &mut out);
        // No delivery for the publish handler itself; each target's handler gets the event
        // with the target as its topic and the target's previous level.
        assert_eq!(
            seen(&out),
            vec![
                (ops, "ops".into(), C, O),
                (audit, "audit".into(), C, O),
                (ops, "ops".into(), O, C),
                (audit, "audit".into(), O, C),
            ]
        );
        assert_eq!(t.stored_level("ops", "cpu:nil"), Some(O));
        assert_eq!(t.stored_level("audit", "cpu:nil"), Some(O));
        assert_eq!(t.publish_targets(fwd), Some(vec!["ops", "audit"]));
        assert_eq!(t.publish_targets(ops), None);
        let stats = t.stats();
        assert_eq!((stats.collected, stats.republished), (6, 4));
        assert_eq!(stats.publish_dropped, 0);
    }

    #[test]
    fn a_target_that_never_stored_the_id_keeps_the_previous_level_the_event_brought() {
        // Kapacitor's topic only replaces the event's previous state when it has one stored.
        let mut t = Topics::new();
        t.add_publish_handler(
            "cpu",
            "fwd-ok",
            Some(compile("level() == OK")),
            &targets(&["ops"]),
        );
        let ops = t.add_handler("ops", "log-ops", None);
        let mut out = Vec::new();
        t.collect(emit(C, "cpu"), &mut out);
        t.collect(emit(O, "cpu"), &mut out);
        assert_eq!(seen(&out), vec![(ops, "ops".into(), O, C)]);
        assert_eq!(t.stats().unmatched, 1);
    }

    #[test]
    fn a_publish_match_sees_the_source_topic_and_filters_republication() {
        let mut t = Topics::new();
        t.add_publish_handler("cpu", "fwd", Some(compile("changed()")), &targets(&["ops"]));
        let ops = t.add_handler("ops", "log-ops", None);
        let mut out = Vec::new();
        for level in [C, C, O] {
            t.collect(emit(level, "cpu"), &mut out);
        }
        assert_eq!(
            seen(&out),
            vec![(ops, "ops".into(), C, O), (ops, "ops".into(), O, C)]
        );
    }

    #[test]
    fn an_endless_publish_cycle_stops_when_the_event_would_enter_a_topic_a_third_time() {
        let mut t = Topics::new();
        let cpu = t.add_handler("cpu", "log-cpu", None);
        t.add_publish_handler("cpu", "to-ops", None, &targets(&["ops"]));
        let ops = t.add_handler("ops", "log-ops", None);
        t.add_publish_handler("ops", "to-cpu", None, &targets(&["cpu"]));
        let mut out = Vec::new();
        t.collect(emit(C, "cpu"), &mut out);
        assert_eq!(
            seen(&out),
            vec![
                (cpu, "cpu".into(), C, O),
                (ops, "ops".into(), C, O),
                (cpu, "cpu".into(), C, C),
                (ops, "ops".into(), C, C),
            ]
        );
        assert_eq!(t.stats().publish_dropped, 1);
        out.clear();
        t.collect(emit(O, "cpu"), &mut out);
        assert_eq!(out.len(), 4);
        assert_eq!(t.stats().publish_dropped, 2);
    }

    #[test]
    fn a_cycle_that_a_changed_match_ends_runs_as_in_kapacitor() {
        // cpu -> ops only on a change; ops -> cpu always. The event comes back to cpu once
        // (cpu's log handler sees it again, unchanged), and cpu's publish match stops it.
        let mut t = Topics::new();
        let cpu = t.add_handler("cpu", "log-cpu", None);
        t.add_publish_handler(
            "cpu",
            "to-ops",
            Some(compile("changed()")),
            &targets(&["ops"]),
        );
        let ops = t.add_handler("ops", "log-ops", None);
        t.add_publish_handler("ops", "to-cpu", None, &targets(&["cpu"]));
        let mut out = Vec::new();
        t.collect(emit(C, "cpu"), &mut out);
        assert_eq!(
            seen(&out),
            vec![
                (cpu, "cpu".into(), C, O),
                (ops, "ops".into(), C, O),
                (cpu, "cpu".into(), C, C),
            ]
        );
        assert_eq!(t.stats().publish_dropped, 0);
    }

    #[test]
    fn two_publish_paths_to_one_topic_are_not_a_cycle() {
        let mut t = Topics::new();
        t.add_publish_handler("cpu", "fan", None, &targets(&["ops", "audit"]));
        t.add_publish_handler("ops", "fwd", None, &targets(&["audit"]));
        let audit = t.add_handler("audit", "log-audit", None);
        let mut out = Vec::new();
        t.collect(emit(C, "cpu"), &mut out);
        assert_eq!(
            seen(&out),
            vec![(audit, "audit".into(), C, O), (audit, "audit".into(), C, C)]
        );
        assert_eq!(t.stats().publish_dropped, 0);
    }

    #[test]
    fn redefining_a_publish_handler_as_another_kind_stops_republishing() {
        let mut t = Topics::new();
        let fwd = t.add_publish_handler("cpu", "h", None, &targets(&["ops"]));
        t.add_handler("ops", "log-ops", None);
        assert_eq!(t.add_handler("cpu", "h", None), fwd);
        let mut out = Vec::new();
        t.collect(emit(C, "cpu"), &mut out);
        assert_eq!(seen(&out), vec![(fwd, "cpu".into(), C, O)]);
        assert_eq!(t.stats().republished, 0);
    }

    #[test]
    fn a_publish_handler_without_targets_delivers_nothing() {
        let mut t = Topics::new();
        let h = t.add_publish_handler("cpu", "none", None, &[]);
        let mut out = Vec::new();
        t.collect(emit(C, "cpu"), &mut out);
        assert!(out.is_empty());
        assert_eq!(t.publish_targets(h), Some(vec![]));
        assert_eq!(t.stats().republished, 0);
    }

    #[test]
    fn topic_handler_files_also_receive_events_on_the_anonymous_topic() {
        let mut t = Topics::new();
        t.add_publish_handler("main:t:alert2", "fwd", None, &targets(&["ops"]));
        let ops = t.add_handler("ops", "log-ops", None);
        let mut out = Vec::new();
        let Emission::Event(mut e) = emit(C, "cpu") else {
            unreachable!()
        };
        e.handlers = 1;
        e.topic = None;
        t.collect(Emission::Event(e), &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(&*out[0].event.topic, "main:t:alert2");
        assert_eq!(seen(&out[1..]), vec![(ops, "ops".into(), C, O)]);
    }

    #[test]
    fn one_event_may_cause_at_most_max_republish_collections() {
        // t0..t9 each publish twice to the next topic: level k holds 2^k hops, and levels
        // 1..8 make 510 collections. The limit falls after 490 of level 9's 512 hops; those
        // 490 queued 980 level-10 hops, so 1 + 21 + 980 = 1002 hops are dropped.
        let mut t = Topics::new();
        for k in 0..10 {
            let next = format!("t{}", k + 1);
            t.add_publish_handler(&format!("t{k}"), "fan", None, &[next.clone(), next.clone()]);
        }
        t.add_handler("t10", "log", None);
        let mut out = Vec::new();
        t.collect(emit(C, "t0"), &mut out);
        assert!(out.is_empty());
        assert_eq!(t.stats().republished, MAX_REPUBLISH as u64);
        assert_eq!(t.stats().publish_dropped, 1002);
    }
}
