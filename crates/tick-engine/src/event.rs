//! The alert event (Kapacitor's `alert.Event`, alert/types.go at v1.5.7, built by `AlertNode.event`
//! in alert.go): what an alert node emits and every handler receives. Owns the data model only;
//! JSON encoding lives in `json.rs`, template data in `template_data.rs`.

use std::sync::Arc;

use tick_lambda::FieldValue;

/// Alert levels, ordered OK < INFO < WARNING < CRITICAL (Kapacitor's `alert.Level`, alert/types.go
/// at v1.5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    #[default]
    /// `OK`: no level matched.
    Ok = 0,
    /// `INFO`.
    Info = 1,
    /// `WARNING`.
    Warning = 2,
    /// `CRITICAL`.
    Critical = 3,
}

impl Level {
    /// The name Kapacitor prints: `OK`, `INFO`, `WARNING`, `CRITICAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
        }
    }
}

/// One row of `data.series` (Kapacitor `models.Row`): `name`, `tags`, `columns`, `values`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// The measurement.
    pub name: String,
    /// Sorted by key.
    pub tags: Vec<(String, String)>,
    /// `time` first, then the sorted field names (and, for batches, the non-group tags).
    pub columns: Vec<String>,
    /// One entry per point; the first value of each is the time in ns (UTC).
    pub values: Vec<Vec<RowValue>>,
}

#[derive(Debug, Clone, PartialEq)]
/// One cell of a [`Row`]'s `values`.
pub enum RowValue {
    /// Nanoseconds since the epoch, UTC (rendered as RFC3339Nano in JSON).
    Time(i64),
    /// A field value.
    Field(FieldValue),
    /// A tag value used as a column (batches), or absent (`null`).
    Tag(Option<String>),
}

/// `alert.EventState`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventState {
    /// The rendered `.id()`.
    pub id: String,
    /// The rendered `.message()`.
    pub message: String,
    /// The rendered `.details()`.
    pub details: String,
    /// Event time, ns since the epoch, UTC.
    pub time: i64,
    /// Duration of the incident in ns (Kapacitor's `alertState.duration`, alert.go at v1.5.7).
    pub duration: i64,
    /// The level the alert reached.
    pub level: Level,
}

/// `alert.EventData`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventData {
    /// The measurement.
    pub name: String,
    /// The task (script) name.
    pub task_name: String,
    /// The alert's category (`.category()`, empty by default).
    pub category: String,
    /// The raw group id, `""` when ungrouped (not `nil`).
    pub group: String,
    /// Sorted by key: all point tags (stream) or the group tags (batch).
    pub tags: Vec<(String, String)>,
    /// The triggering point's fields, sorted by key, before augmentation.
    pub fields: Vec<(String, FieldValue)>,
    /// Whether an OK event may follow (false with `.noRecoveries()`).
    pub recoverable: bool,
    /// The data as one row (`None` gives `"series":null`).
    pub result: Option<Row>,
}

/// An alert event as a topic hands it to its handlers.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The topic this event was collected on (anonymous `main:<task>:<node>` or named).
    pub topic: Arc<str>,
    /// The alert's state: id, message, details, time, duration, level.
    pub state: EventState,
    /// The data that triggered it, with the task name and category.
    pub data: EventData,
    /// Level of the last event stored under the same id on this topic; OK if none (Kapacitor's
    /// `Topic.collect` and `Topic.updateEvent`, alert/topics.go at v1.5.7).
    pub previous_level: Level,
    /// The event's alert JSON once made by [`crate::json::event_json`]; empty in a new event.
    pub json: JsonCache,
}

/// The alert JSON of an [`Event`], made at most once and shared by whoever needs it next (the
/// state store makes it before the handlers get the event; a handler that sends the alert JSON
/// then copies it instead of encoding the event again). Events that differ only here are equal;
/// a clone starts empty, since a clone may be changed.
#[derive(Default)]
pub struct JsonCache(pub(crate) std::sync::OnceLock<Option<Box<str>>>);

impl Clone for JsonCache {
    fn clone(&self) -> JsonCache {
        JsonCache::default()
    }
}

impl PartialEq for JsonCache {
    fn eq(&self, _: &JsonCache) -> bool {
        true
    }
}

impl std::fmt::Debug for JsonCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonCache")
    }
}
