//! Compiles a TICKscript into a task and runs points through it, as Kapacitor v1.5.7 does
//! (`tick/eval.go`, `pipeline/`, the nodes in its repository root, `alert/`; see
//! `docs/ARCHITECTURE.md`, "Where the rules come from"): the node catalogue, pipelines, alert
//! state, events and topics. No IO and no wall clock.
//!
//! A script's journey: `tick_syntax::parse` → [`Compiler::compile`] (catalogue checks, typed
//! properties, compiled lambdas) → [`Task`]. A point's journey: [`Pipeline::push`]
//! turns a parsed line-protocol point into a [`Point`] and routes it (dbrp, [`Task::accepts`])
//! to [`Task::push`], which runs it depth-first through the node graph and collects alert
//! emissions; the topics turn those into deliveries.

#![warn(missing_docs)]

mod alert;
mod compile;
mod event;
mod group;
mod handler_use;
mod ingest;
// Public as a module because its functions are named by path (`tick_engine::json::encode_event`)
// in tick-handlers.
pub mod json;
mod node_props;
mod node_runtime;
mod node_spec;
mod nodes;
mod point;
mod row_post;
mod task;
mod template_data;
mod time;
mod topics;

#[cfg(test)]
mod test_support;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod testing;

pub use compile::{CompileOptions, Compiler};
pub use event::{Event, EventData, EventState, JsonCache, Level, Row, RowValue};
pub use handler_use::{ArgType, HandlerSpec, HandlerUse, Literal, PropertySpec, PropertyUse};
pub use ingest::{Origin, Pipeline};
pub use node_runtime::{Emission, ErrorSummary, LogLevel, LogRecord, NodeStats};
pub use nodes::influxdb_out::{InfluxDbOutSettings, InfluxDbWrite};
pub use nodes::methods as node_methods;
pub use point::{Batch, Dimensions, Fields, GroupId, Message, Point, Tags};
pub use row_post::{HttpPostSpec, PostOutcome, RowPoster, RowPosters, SharedRowPosters};
pub use task::{Dbrp, Task};
pub use template_data::{
    AlertData, FieldMap, HandlerData, IdData, JsonFunc, MappedRow, MessageData, ServerInfo, TagMap,
};
pub use tick_lambda::FieldValue;
pub use topics::{Delivery, HandlerRef, TopicSnapshot, TopicState, TopicStats, Topics};
