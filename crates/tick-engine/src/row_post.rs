//! The contract between the `httpPost` node and whoever sends its requests. The engine does no
//! IO (`docs/ARCHITECTURE.md`, "Code map"): the binary injects a [`RowPosters`] through
//! [`crate::CompileOptions::row_posters`]; each `httpPost` node asks it at build time for a
//! [`RowPoster`] made for its URL or endpoint, and hands it one row per point or batch.
//! Without an injected [`RowPosters`] (`tick check`, `tick test`) the node posts nothing and
//! passes its data on unchanged.

use std::fmt;
use std::sync::Arc;

use crate::event::Row;

/// What one `httpPost` node asks for (Kapacitor's `pipeline.HTTPPostNode`, at v1.5.7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpPostSpec {
    /// `|httpPost('http://...')`: a URL (a Go template over the row); `None` with an endpoint.
    pub url: Option<String>,
    /// `.endpoint('name')`: a `[[httppost]]` endpoint of the configuration.
    pub endpoint: Option<String>,
    /// `.header(k, v)`, in name order (a later setting of a name replaces an earlier one).
    pub headers: Vec<(String, String)>,
    /// `.captureResponse()`: the body of a non-2xx answer goes into the logged error.
    pub capture_response: bool,
    /// `.timeout()` in nanoseconds; 0 means the poster's default.
    pub timeout: i64,
}

/// The outcome of one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostOutcome {
    /// The HTTP status, 0 when there was none (no connection, timeout, a template failing).
    pub code: u16,
    /// Why the post failed, as Kapacitor logs it: its message (`failed to POST data`) and the
    /// error; `None` for a 2xx answer.
    pub error: Option<(String, String)>,
}

/// Makes the poster of each `httpPost` node.
pub trait RowPosters: Send + Sync {
    /// The poster of a node; `Err` (an unknown endpoint, a URL that does not parse) fails the
    /// task, as Kapacitor's `newHTTPPostNode` does.
    fn poster(&self, spec: &HttpPostSpec) -> Result<Box<dyn RowPoster>, String>;
}

/// Sends one node's rows.
pub trait RowPoster: Send {
    /// Posts `row` and waits for the answer, at most the timeout.
    fn post(&mut self, row: &Row) -> PostOutcome;
}

/// A shared [`RowPosters`], as [`crate::CompileOptions`] holds it.
#[derive(Clone)]
pub struct SharedRowPosters(pub Arc<dyn RowPosters>);

impl fmt::Debug for SharedRowPosters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedRowPosters")
    }
}
