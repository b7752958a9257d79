//! Alert handlers (spec §5.8, §6.3–§6.6): the handler catalogue given to the engine, the
//! handlers themselves (log, tcp, exec, post, publish, mqtt), topic handler files and the
//! delivery queues that run them off the pipeline thread.
//!
//! Entry points: [`specs`] (TICKscript catalogue for the compiler), [`check_use`] (checks for
//! `tick check`), [`Handler::from_use`] and [`Handler::from_file_spec`] (building),
//! [`handler_file::load_paths`] (`--handler FILE_OR_DIR`) and [`Dispatcher`] (bounded, ordered
//! per-handler queues). The library never prints: every report goes through `tracing`.

mod alert_json;
mod arguments;
pub mod config;
pub mod dispatch;
pub mod error;
pub mod exec;
pub mod handler_file;
pub mod log;
pub mod mqtt;
pub mod post;
pub mod publish;
pub mod registry;
pub mod tcp;

pub use dispatch::{DispatchOptions, Dispatcher, DrainReport, HandlerStats, WhenFull};
pub use error::{BuildError, HandlerError, HandlerFileError};
pub use handler_file::{HandlerOptions, TopicHandlerSpec};
pub use publish::Republish;
pub use registry::{Handler, Services, check_use, specs};
