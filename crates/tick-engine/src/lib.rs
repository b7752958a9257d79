//! Compiles a TICKscript into a task and runs points through it, as Kapacitor v1.5.7 does
//! (`tick/eval.go`, `pipeline/`, the nodes in its repository root, `alert/`; see
//! `docs/ARCHITECTURE.md`, "Where the rules come from"): the node catalogue, pipelines, alert
//! state, events and topics. No IO and no wall clock.
//!
//! A script's journey: `tick_syntax::parse` → [`Compiler::compile`] (catalogue checks, typed
//! properties, compiled lambdas) → [`Task`]. A point's journey: [`ingest::Pipeline::push`]
//! turns a parsed line-protocol point into a [`Point`] and routes it (dbrp, [`Task::accepts`])
//! to [`Task::push`], which runs it depth-first through the node graph and collects alert
//! emissions; the topics turn those into deliveries.

pub mod alert;
pub mod compile;
pub mod event;
pub mod group;
pub mod handler_use;
pub mod ingest;
pub mod json;
pub mod node_props;
pub mod node_runtime;
pub mod node_spec;
pub mod nodes;
pub mod point;
pub mod task;
pub mod template_data;
pub mod time;
pub mod topics;

#[cfg(test)]
mod test_support;

pub use compile::{CompileOptions, Compiler};
pub use event::{Event, EventData, EventState, Level, Row, RowValue};
pub use handler_use::{ArgType, HandlerSpec, HandlerUse, Literal, PropertySpec, PropertyUse};
pub use node_runtime::{Emission, ErrorSummary, LogLevel, LogRecord, NodeStats};
pub use point::{Batch, Dimensions, Fields, GroupId, Message, Point, Tags};
pub use task::{Dbrp, Task};
pub use template_data::ServerInfo;
pub use tick_lambda::FieldValue;
