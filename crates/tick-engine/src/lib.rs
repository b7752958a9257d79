//! Compiles a TICKscript into a task and runs points through it (spec §3–5): the node
//! catalogue, pipelines, alert state, events and topics. No IO and no wall clock.

pub mod event;
pub mod handler_use;

pub use event::{Event, EventData, EventState, Level, Row, RowValue};
pub use handler_use::{ArgType, HandlerSpec, HandlerUse, Literal, PropertySpec, PropertyUse};
