//! What Kapacitor's API reads of a running `tick run`: the [`StateView`] read interface and the
//! owned snapshots it hands out. The pipeline implements it (its topics keep their events once
//! the API is served, `Topics::keep_events`); another source of alert state, such as a state
//! store, can implement it too. Requests reach the pipeline thread over the HTTP channel
//! (`crate::http::Input::Api`) and are answered between two batches of points: a snapshot
//! copies counters and `Arc`s of events, so the pipeline is held up for that copy only; the
//! JSON is written on the server's threads.

use std::sync::Arc;

use tick_engine::{Event, Pipeline, TopicSnapshot};

/// The live state the API reads and the one change it makes (deleting a topic's state).
pub(crate) trait StateView {
    /// Every existing topic, sorted by name.
    fn topics(&self) -> Vec<TopicSnapshot>;
    /// One topic, if it exists.
    fn topic(&self, id: &str) -> Option<TopicSnapshot>;
    /// Forgets a topic's events, levels and count (`DELETE /kapacitor/v1/alerts/topics/<id>`).
    fn delete_topic(&mut self, id: &str);
    /// The counters of every task, in command-line order.
    fn tasks(&self) -> Vec<TaskSnapshot>;
}

/// The counters of one task's nodes and its graph.
#[derive(Debug, Clone)]
pub(crate) struct TaskSnapshot {
    pub(crate) name: String,
    /// In node order (`stream0`, `from1`, ...).
    pub(crate) nodes: Vec<NodeSnapshot>,
    /// Node indexes in the DOT order with their children's indexes.
    pub(crate) graph: Vec<(usize, Vec<usize>)>,
}

/// One node's statistics, as Kapacitor names them (`ExecutingTask.ExecutionStats`, task.go at
/// v1.5.7).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeSnapshot {
    pub(crate) name: String,
    /// Messages received (`collected`).
    pub(crate) collected: u64,
    /// Messages handed to each child (an edge's `processed`); Kapacitor's `emitted` is this
    /// times the number of children.
    pub(crate) sent: u64,
    pub(crate) errors: u64,
    pub(crate) working_cardinality: u64,
    /// Alert nodes: the events triggered (not inhibited) and inhibited, by level.
    pub(crate) alert: Option<AlertCounts>,
}

/// An alert node's events by level (OK, INFO, WARNING, CRITICAL).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AlertCounts {
    pub(crate) triggered: [u64; 4],
    pub(crate) inhibited: [u64; 4],
}

impl StateView for Pipeline {
    fn topics(&self) -> Vec<TopicSnapshot> {
        self.topics().snapshot()
    }

    fn topic(&self, id: &str) -> Option<TopicSnapshot> {
        self.topics().topic(id)
    }

    fn delete_topic(&mut self, id: &str) {
        self.topics_mut().delete_topic(id);
    }

    fn tasks(&self) -> Vec<TaskSnapshot> {
        let topics = self.topics();
        self.tasks()
            .map(|task| {
                let nodes: Vec<NodeSnapshot> = task
                    .stats()
                    .into_iter()
                    .map(|s| {
                        let alert = s.events_by_level.map(|sent| {
                            let inhibited = topics.inhibited(task.name(), &s.name);
                            let mut triggered = [0; 4];
                            for (t, (s, i)) in triggered.iter_mut().zip(sent.iter().zip(inhibited))
                            {
                                *t = s.saturating_sub(i);
                            }
                            AlertCounts {
                                triggered,
                                inhibited,
                            }
                        });
                        NodeSnapshot {
                            name: s.name,
                            collected: s.received,
                            sent: s.emitted,
                            errors: s.errors,
                            working_cardinality: s.working_cardinality,
                            alert,
                        }
                    })
                    .collect();
                TaskSnapshot {
                    name: task.name().to_string(),
                    nodes,
                    graph: task
                        .graph()
                        .into_iter()
                        .map(|(i, children)| (i, children.to_vec()))
                        .collect(),
                }
            })
            .collect()
    }
}

/// The events of a topic at or above `min_level`.
pub(crate) fn events_at_least(
    topic: &TopicSnapshot,
    min_level: tick_engine::Level,
) -> Vec<Arc<Event>> {
    topic
        .events
        .iter()
        .filter(|e| e.state.level >= min_level)
        .cloned()
        .collect()
}
