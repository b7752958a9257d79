//! The writer behind `|influxDBOut()` nodes (Kapacitor's `writeBuffer`, influxdb_out.go at
//! v1.5.7, and the HTTP client of influxdb/client.go): one task per node on the handler
//! runtime, fed over a bounded channel by the pipeline thread, which never waits for it. Each
//! task keeps the lines of each database and retention policy apart, writes them once
//! `.buffer()` lines wait or every `.flushInterval()`, and at the end writes what is left.
//!
//! A write is `POST <url>/write?consistency=&db=&precision=&rp=` with the lines as the body
//! (`Content-Type: application/octet-stream`, basic authentication when the section has a
//! `username`); `.create()` first sends `POST <url>/query?db=&q=CREATE DATABASE …` (with
//! `WITH NAME <rp>` when the node names a retention policy). The `urls` take turns, one
//! request each, as Kapacitor's client does.
//!
//! **Deviations** (docs/COMPATIBILITY.md): Kapacitor tries a write once and drops its points
//! when it fails; tick tries again after a failure with no answer, a 5xx or a 429, with a
//! capped backoff ([`RETRY`]), every request within the section's `timeout` (10 s when unset).
//! Points that could not be written (a 4xx answer, retries used up, the channel full, the drain
//! timed out) are counted as lost: logged, in `--stats`, and `tick run` exits 1.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tick_engine::{InfluxDbOutSettings, InfluxDbWrite};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::http::{Backoff, HttpClient, Request, Retry, basic_auth};
use crate::mqtt::tls::TlsFiles;

/// How often a write (or `CREATE DATABASE`) is tried again: up to 6 more times, pausing
/// 250 ms, 500 ms, 1 s, 2 s, 4 s, 5 s (about 13 s in all, plus the requests' own time).
pub(crate) const RETRY: Retry = Retry {
    retries: 6,
    first_delay: Duration::from_millis(250),
    max_delay: Duration::from_secs(5),
};

/// Chunks of lines (one per node per pipeline batch) waiting for a node's writer.
const CHANNEL: usize = 1024;

/// The counters of one node's writer.
#[derive(Debug, Default)]
struct Counters {
    /// Lines handed to the writer by the pipeline.
    received: AtomicU64,
    /// Lines InfluxDB acknowledged (Kapacitor's `points_written`).
    written: AtomicU64,
    /// Requests that failed for good (Kapacitor's `write_errors`).
    write_errors: AtomicU64,
    /// Lines refused because the writer's channel was full.
    dropped: AtomicU64,
    /// The last error, for `--stats`.
    last_error: std::sync::Mutex<Option<String>>,
}

impl Counters {
    fn fail(&self, message: String) {
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(message);
        }
    }
}

/// What one `influxDBOut` node's writer did, at the end of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfluxDbOutStats {
    /// The task.
    pub task: String,
    /// The node (`influxdb_out3`).
    pub node: String,
    /// Points InfluxDB acknowledged.
    pub written: u64,
    /// Requests that failed for good.
    pub write_errors: u64,
    /// Points never written: refused (channel full), failed, or still waiting when the drain
    /// ended. Any makes `tick run` exit 1.
    pub lost: u64,
    /// The last failure (never with a password or URL credentials).
    pub last_error: Option<String>,
}

/// The pipeline's end of one node's writer: never blocks.
#[derive(Debug, Clone)]
pub struct InfluxDbSink {
    tx: mpsc::Sender<Vec<InfluxDbWrite>>,
    counters: Arc<Counters>,
    label: Arc<str>,
}

impl InfluxDbSink {
    /// Hands `writes` to the writer. When its channel is full (InfluxDB slower than the
    /// points), they are counted as lost and logged at the 1st, 2nd, 4th, … time.
    pub fn send(&self, writes: Vec<InfluxDbWrite>) {
        let n = writes.len() as u64;
        self.counters.received.fetch_add(n, Ordering::Relaxed);
        if self.tx.try_send(writes).is_err() {
            let before = self.counters.dropped.fetch_add(n, Ordering::Relaxed);
            let after = before + n;
            if (before + 1).is_power_of_two() || after.is_power_of_two() || before == 0 {
                tracing::error!(
                    node = %self.label,
                    "influxDBOut: the writer is behind (InfluxDB slow or down); {after} point(s) dropped so far"
                );
            }
        }
    }
}

struct Writer {
    task: String,
    node: String,
    counters: Arc<Counters>,
    handle: JoinHandle<()>,
}

/// The writers of every `influxDBOut` node of a run.
pub struct InfluxDbWriters {
    writers: Vec<Writer>,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for InfluxDbWriters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InfluxDbWriters")
            .field("nodes", &self.writers.len())
            .finish_non_exhaustive()
    }
}

impl InfluxDbWriters {
    /// Starts a writer for each node (`(task, settings)`) on `runtime` and returns them with
    /// the sinks in the same order. An error (the node's `.cluster()` is not an enabled
    /// `[[influxdb]]` section, its TLS files cannot be read) names the task and node.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        config: &Config,
        nodes: &[(String, InfluxDbOutSettings)],
    ) -> Result<(InfluxDbWriters, Vec<InfluxDbSink>), String> {
        let (stop, stopped) = watch::channel(false);
        let mut writers = Vec::with_capacity(nodes.len());
        let mut sinks = Vec::with_capacity(nodes.len());
        for (task, settings) in nodes {
            let label: Arc<str> = Arc::from(format!("{task}/{}", settings.node));
            let fail = |e: String| format!("task {task:?}, node {}: {e}", settings.node);
            let cluster = config.influxdb_cluster(&settings.cluster).map_err(fail)?;
            let client = HttpClient::new(&TlsFiles {
                ssl_ca: cluster.ssl_ca.as_deref(),
                ssl_cert: cluster.ssl_cert.as_deref(),
                ssl_key: cluster.ssl_key.as_deref(),
                insecure_skip_verify: cluster.insecure_skip_verify,
            })
            .map_err(fail)?;
            let urls = cluster
                .urls
                .iter()
                .map(|u| reqwest::Url::parse(u))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| fail("invalid InfluxDB URL".to_string()))?;
            let counters = Arc::new(Counters::default());
            let (tx, rx) = mpsc::channel(CHANNEL);
            let out = Output {
                client,
                urls,
                next: 0,
                auth: (!cluster.username.is_empty())
                    .then(|| basic_auth(&cluster.username, cluster.password.expose())),
                timeout: cluster.request_timeout(),
                settings: settings.clone(),
                counters: Arc::clone(&counters),
                label: Arc::clone(&label),
            };
            let handle = runtime.spawn(out.run(rx, stopped.clone()));
            writers.push(Writer {
                task: task.clone(),
                node: settings.node.clone(),
                counters: Arc::clone(&counters),
                handle,
            });
            sinks.push(InfluxDbSink {
                tx,
                counters,
                label,
            });
        }
        Ok((InfluxDbWriters { writers, stop }, sinks))
    }

    /// Writes what is still waiting and stops, within `timeout` (or at once when `forced`
    /// resolves); returns each node's counters.
    pub async fn drain(
        self,
        timeout: Duration,
        forced: impl std::future::Future<Output = ()>,
    ) -> Vec<InfluxDbOutStats> {
        let _ = self.stop.send(true);
        let mut handles: Vec<&mut JoinHandle<()>> = Vec::with_capacity(self.writers.len());
        let mut writers = self.writers;
        for w in &mut writers {
            handles.push(&mut w.handle);
        }
        let all = async {
            for h in handles {
                let _ = h.await;
            }
        };
        tokio::select! {
            () = all => {}
            () = tokio::time::sleep(timeout) => {}
            () = forced => {}
        }
        writers
            .into_iter()
            .map(|w| {
                w.handle.abort();
                let c = &w.counters;
                let written = c.written.load(Ordering::Relaxed);
                let received = c.received.load(Ordering::Relaxed);
                InfluxDbOutStats {
                    task: w.task,
                    node: w.node,
                    written,
                    write_errors: c.write_errors.load(Ordering::Relaxed),
                    lost: received.saturating_sub(written),
                    last_error: c.last_error.lock().ok().and_then(|l| l.clone()),
                }
            })
            .collect()
    }
}

/// One node's writer task.
struct Output {
    client: HttpClient,
    urls: Vec<reqwest::Url>,
    /// The next URL to use.
    next: usize,
    auth: Option<(String, String)>,
    timeout: Duration,
    settings: InfluxDbOutSettings,
    counters: Arc<Counters>,
    label: Arc<str>,
}

/// The lines waiting for one database and retention policy.
type Buffer = ((Arc<str>, Arc<str>), Vec<String>);

impl Output {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Vec<InfluxDbWrite>>,
        mut stop: watch::Receiver<bool>,
    ) {
        if self.settings.create {
            self.create().await;
        }
        let mut buffers: Vec<Buffer> = Vec::new();
        let mut tick = tokio::time::interval(self.settings.flush_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                chunk = rx.recv() => match chunk {
                    Some(chunk) => self.take(&mut buffers, chunk).await,
                    None => break,
                },
                _ = tick.tick() => self.write_all(&mut buffers).await,
                _ = stop.changed() => {
                    while let Ok(chunk) = rx.try_recv() {
                        self.take(&mut buffers, chunk).await;
                    }
                    break;
                }
            }
        }
        self.write_all(&mut buffers).await;
    }

    async fn take(&mut self, buffers: &mut Vec<Buffer>, chunk: Vec<InfluxDbWrite>) {
        for w in chunk {
            let key = (w.database, w.retention_policy);
            let i = match buffers.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    buffers.push((key, Vec::new()));
                    buffers.len() - 1
                }
            };
            buffers[i].1.push(w.line);
            if buffers[i].1.len() >= self.settings.buffer {
                let ((db, rp), lines) = buffers.remove(i);
                self.write(&db, &rp, lines).await;
            }
        }
    }

    async fn write_all(&mut self, buffers: &mut Vec<Buffer>) {
        for ((db, rp), lines) in std::mem::take(buffers) {
            self.write(&db, &rp, lines).await;
        }
    }

    async fn write(&mut self, db: &str, rp: &str, lines: Vec<String>) {
        let mut body = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for l in &lines {
            body.extend_from_slice(l.as_bytes());
            body.push(b'\n');
        }
        let consistency = self.settings.write_consistency.clone();
        let precision = self.settings.precision.clone();
        let query = [
            ("consistency", consistency.as_str()),
            ("db", db),
            ("precision", precision.as_str()),
            ("rp", rp),
        ];
        let mut headers = vec![(
            "Content-Type".to_string(),
            "application/octet-stream".to_string(),
        )];
        headers.extend(self.auth.clone());
        match self.send("write", &query, headers, body).await {
            Ok(()) => {
                self.counters
                    .written
                    .fetch_add(lines.len() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                self.counters.write_errors.fetch_add(1, Ordering::Relaxed);
                let message = format!(
                    "failed to write points to InfluxDB: {e} ({} point(s) lost)",
                    lines.len()
                );
                tracing::error!(node = %self.label, database = db, "{message}");
                self.counters.fail(message);
            }
        }
    }

    /// `.create()`: Kapacitor logs a failure and goes on; so does tick (the writes then fail
    /// and count).
    async fn create(&mut self) {
        let mut statement = format!("CREATE DATABASE {}", quote_ident(&self.settings.database));
        if !self.settings.retention_policy.is_empty() {
            statement.push_str(" WITH NAME ");
            statement.push_str(&quote_ident(&self.settings.retention_policy));
        }
        let query = [("db", ""), ("q", statement.as_str())];
        let headers = self.auth.clone().into_iter().collect();
        if let Err(e) = self.send("query", &query, headers, Vec::new()).await {
            let message = format!("failed to create database: {e}");
            tracing::error!(node = %self.label, database = %self.settings.database, "{message}");
            self.counters.fail(message);
        }
    }

    /// One request, tried again as [`RETRY`] says, each attempt at the next URL. `Err` is
    /// InfluxDB's `error` text or what went wrong, never the URL.
    async fn send(
        &mut self,
        path: &str,
        query: &[(&str, &str)],
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<(), String> {
        let mut backoff = Backoff::new(RETRY);
        loop {
            let mut url = self.urls[self.next % self.urls.len()].clone();
            self.next = (self.next + 1) % self.urls.len();
            url.set_path(path);
            url.query_pairs_mut().clear().extend_pairs(query);
            let request = Request {
                method: reqwest::Method::POST,
                url,
                headers: headers.clone(),
                body: body.clone(),
            };
            let why = match self.client.send(&request, Some(self.timeout)).await {
                Ok(a) if a.status == 204 || (a.status == 200 && path == "write") => return Ok(()),
                Ok(a) if a.status == 200 => {
                    // A query answers 200 with the statement's own error in its results.
                    return match query_error(&a.body) {
                        Some(e) => Err(e),
                        None => Ok(()),
                    };
                }
                Ok(a) if a.status == 429 || a.status >= 500 => {
                    format!("status {}: {}", a.status, a.error_text("InfluxDB", "error"))
                }
                Ok(a) => return Err(a.error_text("InfluxDB", "error")),
                Err(e) => e.to_string(),
            };
            if !backoff.wait(&format!("{}: {why}", self.label), None).await {
                return Err(why);
            }
        }
    }
}

/// The first error of a `/query` answer (`{"results":[{"error":"…"}]}` or `{"error":"…"}`).
fn query_error(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if let Some(e) = v.get("error").and_then(|e| e.as_str()) {
        return Some(e.to_string());
    }
    v.get("results")?
        .as_array()?
        .iter()
        .find_map(|r| r.get("error")?.as_str().map(str::to_string))
}

/// An InfluxQL identifier in double quotes, `\`, `"` and newlines escaped (the vendored
/// influxql `QuoteIdent` at Kapacitor v1.5.7, which leaves plain identifiers bare; quoting
/// them too means the same to InfluxDB).
fn quote_ident(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_with_their_quotes_escaped() {
        assert_eq!(quote_ident("tickout"), "\"tickout\"");
        assert_eq!(quote_ident("a \"b\"\\c"), "\"a \\\"b\\\"\\\\c\"");
    }

    #[test]
    fn a_query_error_is_read_from_the_results() {
        assert_eq!(
            query_error(br#"{"results":[{"statement_id":0,"error":"database name required"}]}"#),
            Some("database name required".to_string())
        );
        assert_eq!(query_error(br#"{"results":[{"statement_id":0}]}"#), None);
    }
}
