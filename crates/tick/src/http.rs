//! `tick run --http`: Kapacitor's data path over HTTP (`serveWrite` and `serveWriteLine` in its
//! services/httpd/handler.go, then `TaskMaster.WritePoints` in task_master.go, at v1.5.7) and its
//! `|httpOut` endpoints (`HTTPOutNode.runOut`, http_out.go). Owns the server (connections, their
//! timeouts, the write, ping and httpOut routes), the bounded channel that carries write bodies to
//! the pipeline thread, the loop on that thread that consumes it, and `--http-out` files. Does not
//! own routing (`tick_engine::ingest`), alert delivery (`run/` passes it in) or reading the
//! `[http]` keys of `kapacitor.conf` (`tick_handlers::config::HttpSection`, read once with the
//! rest).
//!
//! Design: a write's body is read whole first, under the read timeouts ([`Limits`]), with no
//! permit held, so a client that stalls mid-upload holds up nobody but itself. Only a complete
//! body takes one of [`WRITERS`] permits; it is then decoded (gzip) off the async workers and
//! sent over one bounded channel to the pipeline thread, which parses it once, borrowing from
//! it, pushes its points and answers with the bad lines. The request is answered only then, so
//! a slow pipeline slows its clients down instead of growing memory, and a 204 means the points
//! went through the tasks. GETs of `httpOut` endpoints travel the same channel, so a GET sees
//! every write acknowledged before it.

use std::collections::HashMap;
use std::io::Read as _;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt as _;
use tick_engine::Row;
use tick_handlers::config::HttpSection;
use tick_lineproto::{Lines, ParseOptions, Point, Precision};
use tokio::sync::{Semaphore, mpsc, oneshot};

use tick_engine::Pipeline;

use crate::api::ApiInfo;
use crate::api::view::StateView;
use crate::report;
use crate::run::pipeline::FLUSH_POINTS;

/// Address used when neither `--http ADDR` nor `[http] bind-address` gives one.
pub(crate) const DEFAULT_ADDR: &str = "127.0.0.1:9092";

/// Points per message when reading `--input` next to `--http`.
const CHUNK: usize = 5000;

/// Messages the pipeline channel holds: at most this many write bodies (or chunks) wait.
const QUEUE: usize = 16;

/// Complete write bodies being decoded, queued or processed at once; other complete bodies
/// wait for a turn. Bodies still being received hold no permit.
const WRITERS: usize = 4;

/// The server's limits on connections and on the time a client may take to send a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limits {
    /// Largest write body, after gzip decoding (`--http-max-body`).
    pub(crate) max_body: usize,
    /// A request's headers must arrive within this, from the connection's opening or from the
    /// end of its previous request (so an idle connection is closed after it), and its body
    /// may not pause longer than this (`--http-read-timeout`).
    pub(crate) read_timeout: Duration,
    /// A whole write body must arrive within this (`--http-body-timeout`).
    pub(crate) body_timeout: Duration,
    /// Connections open at once; more wait to be accepted (`--http-max-connections`).
    pub(crate) max_connections: usize,
}

/// Bad lines named one by one in a write's error; the rest are counted.
const MAX_NAMED_ERRORS: usize = 100;

/// What the pipeline thread receives.
pub(crate) enum Input {
    /// The decoded body of one HTTP write, its `(db, rp)` and parse options; the bad lines go
    /// back on `reply` once every good one went through the pipeline.
    Write {
        origin: (Arc<str>, Arc<str>),
        body: Vec<u8>,
        options: ParseOptions,
        reply: oneshot::Sender<BadLines>,
    },
    /// Points read from stdin or `--input`, in order, routed as without `--http` (`--db/--rp`
    /// or each task's dbrp).
    Points(Vec<Point<'static>>),
    /// A GET of `/kapacitor/v1/tasks/<task>/<name>`: the rows, or `None` if no such endpoint.
    HttpOut {
        task: String,
        name: String,
        reply: oneshot::Sender<Option<Vec<Row>>>,
    },
    /// A read (or a topic deletion) of Kapacitor's API (`crate::api`), run on the pipeline
    /// thread between two batches.
    Api(ApiRequest),
    /// `--clock wall`: the system time in ns, sent ten times a second; deadman clocks
    /// advance to it.
    Clock(i64),
    /// Every input has ended: the pipeline thread returns.
    Stop,
}

/// What an API request runs on the pipeline thread.
pub(crate) type ApiRequest = Box<dyn FnOnce(&mut dyn StateView) + Send>;

/// Turns `host:port` into a socket address. An empty host (Kapacitor's default `:9092`) means
/// loopback here, not every interface: listening beyond this machine must be asked for by name
/// (`0.0.0.0:9092`).
pub(crate) fn resolve_addr(addr: &str) -> anyhow::Result<SocketAddr> {
    let full = if addr.starts_with(':') {
        format!("127.0.0.1{addr}")
    } else {
        addr.to_string()
    };
    full.to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "invalid --http address {addr:?}: expected HOST:PORT such as {DEFAULT_ADDR} \
                 (write --http=ADDR, or put --http after the scripts)"
            )
        })
}

/// Parses `25MB`, `512KiB`, `1000000` (bytes) for `--http-max-body`.
pub(crate) fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("invalid size {s:?} (e.g. 25MB, 512KiB, 1000000)"))?;
    let scale: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "mb" | "m" => 1_000_000,
        "gb" | "g" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "invalid size unit in {s:?} (use B, KB, MB, GB, KiB, MiB or GiB)"
            ));
        }
    };
    n.checked_mul(scale)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("invalid size {s:?}"))
}

/// The sending half of the pipeline channel and the lines rejected on it.
#[derive(Clone)]
pub(crate) struct Feed {
    tx: mpsc::Sender<Input>,
    rejected: Arc<AtomicU64>,
}

impl Feed {
    /// A new channel to the pipeline thread.
    pub(crate) fn channel() -> (Feed, mpsc::Receiver<Input>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (
            Feed {
                tx,
                rejected: Arc::new(AtomicU64::new(0)),
            },
            rx,
        )
    }

    /// Lines rejected so far, over HTTP and from stdin.
    pub(crate) fn rejected(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }

    /// Runs `read` on the pipeline thread, between two batches, and returns its answer;
    /// `None` when the pipeline thread has stopped.
    pub(crate) async fn ask<T: Send + 'static>(
        &self,
        read: impl FnOnce(&mut dyn StateView) -> T + Send + 'static,
    ) -> Option<T> {
        let (reply, answer) = oneshot::channel();
        let request: ApiRequest = Box::new(move |view| {
            let _ = reply.send(read(view));
        });
        self.tx.send(Input::Api(request)).await.ok()?;
        answer.await.ok()
    }

    /// Tells the pipeline thread that no input follows (after everything already queued).
    pub(crate) fn stop(&self) {
        let _ = self.tx.blocking_send(Input::Stop);
    }

    /// Reads line protocol from `input` on a new thread into the channel (stdin next to
    /// `--http`). Bad lines are reported on stderr and counted, as without `--http`.
    pub(crate) fn read_stream(
        &self,
        input: Box<dyn std::io::Read + Send>,
        precision: Precision,
    ) -> anyhow::Result<std::thread::JoinHandle<()>> {
        let feed = self.clone();
        std::thread::Builder::new()
            .name("tick-input".into())
            .spawn(move || {
                let mut reader =
                    tick_lineproto::Reader::new(std::io::BufReader::with_capacity(1 << 16, input))
                        .with_precision(precision);
                let mut chunk = Vec::with_capacity(CHUNK);
                let result = reader.for_each(|_, result| {
                    match result {
                        Ok(point) => {
                            chunk.push(point.clone().into_owned());
                            if chunk.len() == CHUNK {
                                let points =
                                    std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                                if feed.tx.blocking_send(Input::Points(points)).is_err() {
                                    return std::ops::ControlFlow::Break(());
                                }
                            }
                        }
                        Err(err) => {
                            feed.rejected.fetch_add(1, Ordering::Relaxed);
                            report::stderr(&format!("{err}\n"));
                        }
                    }
                    std::ops::ControlFlow::Continue(())
                });
                if !chunk.is_empty() {
                    let _ = feed.tx.blocking_send(Input::Points(chunk));
                }
                if let Err(e) = result {
                    report::stderr(&format!("error: reading input: {e}\n"));
                }
            })
            .context("starting the input thread")
    }
}

/// The lines of one write that were rejected.
#[derive(Debug, Default)]
pub(crate) struct BadLines {
    /// The first [`MAX_NAMED_ERRORS`] errors, each `line N: unable to parse ...`.
    errors: Vec<String>,
    /// How many lines were rejected.
    count: u64,
}

/// Runs on the pipeline thread until [`Input::Stop`] (or until every sender is gone): pushes each
/// point through `pipeline`, calls `deliver` after each write body or chunk (and every
/// [`FLUSH_POINTS`] points within one) to hand its deliveries on in one batch, and answers
/// `httpOut` reads.
pub(crate) fn consume(
    mut rx: mpsc::Receiver<Input>,
    pipeline: &mut Pipeline,
    mut deliver: impl FnMut(&mut Pipeline, &mut Vec<tick_engine::Delivery>),
) {
    let mut deliveries = Vec::new();
    while let Some(input) = rx.blocking_recv() {
        match input {
            Input::Write {
                origin: (db, rp),
                body,
                options,
                reply,
            } => {
                let mut bad = BadLines::default();
                for (i, (_, result)) in Lines::new(&body, options).enumerate() {
                    match result {
                        Ok(point) => pipeline.push_with_origin(&point, &db, &rp, &mut deliveries),
                        Err(err) => {
                            bad.count += 1;
                            if bad.errors.len() < MAX_NAMED_ERRORS {
                                bad.errors.push(err.to_string());
                            }
                        }
                    }
                    if i % FLUSH_POINTS == FLUSH_POINTS - 1 {
                        deliver(pipeline, &mut deliveries);
                    }
                }
                deliver(pipeline, &mut deliveries);
                let _ = reply.send(bad);
            }
            Input::Points(points) => {
                for (i, point) in points.iter().enumerate() {
                    pipeline.push(point, &mut deliveries);
                    if i % FLUSH_POINTS == FLUSH_POINTS - 1 {
                        deliver(pipeline, &mut deliveries);
                    }
                }
                deliver(pipeline, &mut deliveries);
            }
            Input::HttpOut { task, name, reply } => {
                let rows = pipeline
                    .tasks()
                    .find(|t| t.name() == task)
                    .and_then(|t| t.http_out().into_iter().find(|(n, _)| *n == name))
                    .map(|(_, rows)| rows);
                let _ = reply.send(rows);
            }
            Input::Api(request) => {
                request(pipeline);
                // A DELETE of a topic reaches the state store with the next batch: hand it
                // on now.
                deliver(pipeline, &mut deliveries);
            }
            Input::Clock(now) => {
                pipeline.advance_clock(now, &mut deliveries);
                deliver(pipeline, &mut deliveries);
            }
            Input::Stop => break,
        }
    }
}

/// `{"series":[row,...]}`, or `{"series":null}` before any data (the `models.Result` with no rows
/// yet that Kapacitor's `HTTPOutNode.runOut` marshals, http_out.go at v1.5.7), as Go's
/// `json.Marshal` writes it (no trailing newline).
pub(crate) fn series_json(rows: &[Row]) -> Result<String, tick_engine::json::JsonError> {
    if rows.is_empty() {
        return Ok("{\"series\":null}".to_string());
    }
    let mut out = String::from("{\"series\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        tick_engine::json::write_row(&mut out, row)?;
    }
    out.push_str("]}");
    Ok(out)
}

/// `--http-out DIR`: writes every `httpOut` endpoint's content to `DIR/<task>/<name>.json`.
pub(crate) fn write_http_out<'a>(
    dir: &Path,
    tasks: impl Iterator<Item = &'a tick_engine::Task>,
) -> anyhow::Result<()> {
    for task in tasks {
        for (name, rows) in task.http_out() {
            let body = series_json(&rows)
                .map_err(|e| anyhow::anyhow!("httpOut {name:?} of task {:?}: {e}", task.name()))?;
            let task_dir = dir.join(task.name());
            std::fs::create_dir_all(&task_dir)
                .with_context(|| format!("creating {}", task_dir.display()))?;
            let path = task_dir.join(format!("{name}.json"));
            std::fs::write(&path, body).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}

/// `tick run --http`: the server, the channel to the pipeline thread and its receiving end.
pub(crate) struct Ingest {
    server: Server,
    feed: Feed,
    rx: Option<mpsc::Receiver<Input>>,
    shutdown_timeout: Duration,
}

impl Ingest {
    /// Resolves the address (`--http ADDR`, else `[http] bind-address` of `config`, the
    /// `--config` file's section, else
    /// [`DEFAULT_ADDR`]), refuses `[http] auth-enabled = true`, binds and starts serving.
    /// Errors are configuration or usage errors (exit status 2).
    pub(crate) fn start(
        addr_flag: &str,
        config: Option<&HttpSection>,
        limits: Limits,
        api: Arc<ApiInfo>,
        runtime: &tokio::runtime::Handle,
    ) -> anyhow::Result<Ingest> {
        let default = HttpSection::default();
        let http_config = config.unwrap_or(&default);
        if http_config.https_enabled {
            anyhow::bail!(
                "[http] https-enabled = true: tick serves plain HTTP only and will not serve \
                 in clear text what the configuration asks to encrypt; set https-enabled = false \
                 (tick listens on loopback unless told otherwise) or put a TLS-terminating proxy \
                 in front of it"
            );
        }
        if http_config.auth_enabled {
            anyhow::bail!(
                "[http] auth-enabled = true: tick has no users or tokens and will not serve writes \
                 without them; set auth-enabled = false (tick listens on loopback unless told \
                 otherwise) or put an authenticating proxy in front of it"
            );
        }
        let addr = if !addr_flag.is_empty() {
            addr_flag
        } else {
            http_config.bind_address.as_deref().unwrap_or(DEFAULT_ADDR)
        };
        let addr = resolve_addr(addr)?;
        let (feed, rx) = Feed::channel();
        let server = Server::start(
            runtime,
            addr,
            limits,
            &http_config.default_retention_policy,
            feed.clone(),
            api,
        )?;
        report::stderr(&format!("tick: listening on http://{}\n", server.addr));
        Ok(Ingest {
            server,
            feed,
            rx: Some(rx),
            shutdown_timeout: http_config.shutdown_timeout,
        })
    }

    /// Also reads line protocol from `input` (`--input FILE` or `--input -`) into the pipeline.
    pub(crate) fn read(
        &self,
        input: Box<dyn std::io::Read + Send>,
        precision: Precision,
    ) -> anyhow::Result<()> {
        self.feed.read_stream(input, precision).map(drop)
    }

    /// `--clock wall`: sends the system time to the pipeline ten times a second, until the
    /// pipeline thread has stopped reading.
    pub(crate) fn tick_wall_clock(&self, runtime: &tokio::runtime::Handle) {
        let tx = self.feed.tx.clone();
        runtime.spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_millis(100));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if tx
                    .send(Input::Clock(crate::options::wall_now()))
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
    }

    /// The receiving end, for [`consume`] on the pipeline thread (once).
    pub(crate) fn receiver(&mut self) -> Option<mpsc::Receiver<Input>> {
        self.rx.take()
    }

    /// Stops accepting requests, waits for those in flight (up to `[http] shutdown-timeout`,
    /// 10 s by default), then tells the pipeline thread that nothing follows what is queued.
    /// Returns the lines rejected.
    pub(crate) fn shutdown(self, runtime: &tokio::runtime::Runtime) -> u64 {
        report::stderr("tick: stopping; finishing queued writes and draining handler queues\n");
        self.server.stop(runtime, self.shutdown_timeout);
        self.feed.stop();
        self.feed.rejected()
    }
}

/// A running HTTP server.
pub(crate) struct Server {
    /// The address actually bound.
    pub(crate) addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct AppState {
    feed: Feed,
    limits: Limits,
    default_rp: Arc<str>,
    writers: Arc<Semaphore>,
}

impl Server {
    /// Binds `addr` now (so a taken port is an immediate error) and serves on `runtime`.
    pub(crate) fn start(
        runtime: &tokio::runtime::Handle,
        addr: SocketAddr,
        limits: Limits,
        default_rp: &str,
        feed: Feed,
        api: Arc<ApiInfo>,
    ) -> anyhow::Result<Server> {
        let std_listener =
            std::net::TcpListener::bind(addr).with_context(|| format!("listening on {addr}"))?;
        std_listener.set_nonblocking(true).context("listening")?;
        let addr = std_listener.local_addr().context("listening")?;
        let _guard = runtime.enter();
        let listener = tokio::net::TcpListener::from_std(std_listener).context("listening")?;
        let api_routes = crate::api::router(feed.clone(), api);
        let state = AppState {
            feed,
            limits,
            default_rp: Arc::from(default_rp),
            writers: Arc::new(Semaphore::new(WRITERS)),
        };
        let app = Router::new()
            .route("/write", post(write))
            .route("/kapacitor/v1/write", post(write))
            .route("/kapacitor/v1/ping", get(ping).head(ping))
            .route("/kapacitor/v1/tasks/{task}/{name}", get(http_out))
            .fallback(not_found)
            .with_state(state)
            .merge(api_routes)
            .layer(axum::middleware::map_response(crate::api::version_header));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = runtime.spawn(serve(listener, app, limits, stopped));
        Ok(Server {
            addr,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// Stops accepting, lets requests in flight finish (up to `timeout`), then closes.
    pub(crate) fn stop(mut self, runtime: &tokio::runtime::Runtime, timeout: Duration) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let task = self.task;
        runtime.block_on(async move {
            let abort = task.abort_handle();
            if tokio::time::timeout(timeout, task).await.is_err() {
                abort.abort();
            }
        });
    }
}

/// Accepts connections until `stopped`, each served by hyper with the header read timeout
/// (which also closes connections left idle between requests), at most
/// `limits.max_connections` at once; then waits for the open ones to finish their requests.
///
/// Design: `axum::serve` sets no timer, so it has no header timeout; this loop is its
/// equivalent with hyper's `http1::Builder::header_read_timeout`.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = &mut stopped => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!("http: accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A closed or timed-out connection is the client's business, not an error of ours.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

fn json_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

async fn ping() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn not_found(uri: Uri) -> Response {
    json_error(StatusCode::NOT_FOUND, &format!("not found: {}", uri.path()))
}

async fn http_out(
    State(state): State<AppState>,
    UrlPath((task, name)): UrlPath<(String, String)>,
) -> Response {
    let (reply, rows) = oneshot::channel();
    let asked = Input::HttpOut {
        task: task.clone(),
        name: name.clone(),
        reply,
    };
    if state.feed.tx.send(asked).await.is_err() {
        return json_error(StatusCode::SERVICE_UNAVAILABLE, "tick is shutting down");
    }
    match rows.await {
        Ok(Some(rows)) => match series_json(&rows) {
            Ok(body) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        Ok(None) => json_error(
            StatusCode::NOT_FOUND,
            &format!("no httpOut({name:?}) endpoint in task {task:?}"),
        ),
        Err(_) => json_error(StatusCode::SERVICE_UNAVAILABLE, "tick is shutting down"),
    }
}

/// Why a body could not be read.
enum BodyError {
    TooLarge,
    TimedOut,
    Invalid(String),
}

/// Reads the whole body, refusing more than `max_body` bytes (before and after gzip decoding),
/// a pause longer than the read timeout and a body slower than the body timeout.
async fn read_body(body: Body, headers: &HeaderMap, limits: &Limits) -> Result<Vec<u8>, BodyError> {
    let max = limits.max_body;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let read = async {
        let mut raw = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        let mut body = body;
        loop {
            let frame = match tokio::time::timeout(limits.read_timeout, body.frame()).await {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(raw),
                Err(_) => return Err(BodyError::TimedOut),
            };
            let frame =
                frame.map_err(|e| BodyError::Invalid(format!("reading the request body: {e}")))?;
            if let Ok(data) = frame.into_data() {
                if raw.len() + data.len() > max {
                    return Err(BodyError::TooLarge);
                }
                raw.extend_from_slice(&data);
            }
        }
    };
    tokio::time::timeout(limits.body_timeout, read)
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

/// Decodes a `Content-Encoding: gzip` body, refusing more than `max` decoded bytes.
fn gunzip(raw: &[u8], max: usize) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(max));
    let mut decoder = flate2::read::MultiGzDecoder::new(raw).take(max as u64 + 1);
    decoder
        .read_to_end(&mut out)
        .map_err(|e| BodyError::Invalid(format!("invalid gzip body: {e}")))?;
    if out.len() > max {
        return Err(BodyError::TooLarge);
    }
    Ok(out)
}

/// `POST /write` and `POST /kapacitor/v1/write` (both routes of Kapacitor's `NewHandler`, served by
/// `serveWrite`, services/httpd/handler.go at v1.5.7).
async fn write(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let WriteParameters {
        origin,
        options,
        gzip,
    } = match WriteParameters::of(&params, &headers, &state.default_rp) {
        Ok(parts) => parts,
        Err((status, message)) => return json_error(status, &message),
    };
    let limits = state.limits;
    // The body is read before a permit is taken: a client that stalls holds up only itself.
    let raw = match read_body(body, &headers, &limits).await {
        Ok(raw) => raw,
        Err(e) => return body_error(e, &limits),
    };
    // One permit per complete body being decoded, queued or processed: bounds that memory
    // whatever the number of clients.
    let Ok(_permit) = state.writers.clone().acquire_owned().await else {
        return json_error(StatusCode::SERVICE_UNAVAILABLE, "tick is shutting down");
    };
    let body = if gzip {
        match tokio::task::spawn_blocking(move || gunzip(&raw, limits.max_body)).await {
            Ok(Ok(text)) => text,
            Ok(Err(e @ (BodyError::TooLarge | BodyError::Invalid(_)))) => {
                return body_error(e, &limits);
            }
            Ok(Err(BodyError::TimedOut)) | Err(_) => {
                return json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "decoding the body failed",
                );
            }
        }
    } else {
        raw
    };
    let (reply, bad) = oneshot::channel();
    let queued = state
        .feed
        .tx
        .send(Input::Write {
            origin,
            body,
            options,
            reply,
        })
        .await;
    let bad = match queued {
        Ok(()) => bad.await,
        Err(_) => return json_error(StatusCode::SERVICE_UNAVAILABLE, "tick is shutting down"),
    };
    let Ok(bad) = bad else {
        return json_error(StatusCode::SERVICE_UNAVAILABLE, "tick is shutting down");
    };
    write_answer(&state.feed, &bad)
}

/// What a write's query parameters and headers say.
struct WriteParameters {
    /// `(db, rp)`.
    origin: (Arc<str>, Arc<str>),
    options: ParseOptions,
    /// Whether the body is gzipped.
    gzip: bool,
}

impl WriteParameters {
    /// The parameters of a write, or the status and message refusing it.
    fn of(
        params: &HashMap<String, String>,
        headers: &HeaderMap,
        default_rp: &Arc<str>,
    ) -> Result<WriteParameters, (StatusCode, String)> {
        let db = match params.get("db") {
            Some(db) if !db.is_empty() => Arc::<str>::from(db.as_str()),
            _ => return Err((StatusCode::BAD_REQUEST, "database is required".into())),
        };
        let rp = match params.get("rp") {
            Some(rp) if !rp.is_empty() => Arc::<str>::from(rp.as_str()),
            _ => default_rp.clone(),
        };
        let precision = Precision::parse(params.get("precision").map_or("", String::as_str))
            .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
        let gzip = match headers
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap_or("?"))
        {
            None | Some("identity") => false,
            Some(v) if v.eq_ignore_ascii_case("gzip") => true,
            Some(v) => {
                return Err((
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!("unsupported Content-Encoding {v:?} (use gzip or none)"),
                ));
            }
        };
        Ok(WriteParameters {
            origin: (db, rp),
            options: ParseOptions {
                precision,
                now: tick_lineproto::system_now(),
            },
            gzip,
        })
    }
}

/// The answer to a write whose body could not be read or decoded.
fn body_error(e: BodyError, limits: &Limits) -> Response {
    match e {
        BodyError::TooLarge => json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "request body too large: the limit is {} bytes (--http-max-body)",
                limits.max_body
            ),
        ),
        BodyError::TimedOut => json_error(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "the request body arrived too slowly: it may pause at most {:?} \
                 (--http-read-timeout) and take at most {:?} in all (--http-body-timeout)",
                limits.read_timeout, limits.body_timeout
            ),
        ),
        BodyError::Invalid(msg) => json_error(StatusCode::BAD_REQUEST, &msg),
    }
}

/// The answer to a write that went through the pipeline: 204, or 400 naming its bad lines
/// (which are counted).
fn write_answer(feed: &Feed, bad: &BadLines) -> Response {
    if bad.count == 0 {
        return StatusCode::NO_CONTENT.into_response();
    }
    feed.rejected.fetch_add(bad.count, Ordering::Relaxed);
    // Deviation (docs/COMPATIBILITY.md, "Input"): Kapacitor's `serveWriteLine` rejects the whole
    // write when any line fails; like InfluxDB 1.x we keep the good lines and name every bad one.
    // "partial write" tells Telegraf not to retry the batch.
    let mut message = String::from("partial write: ");
    message.push_str(&bad.errors.join("\n"));
    let unnamed = bad.count - bad.errors.len() as u64;
    if unnamed > 0 {
        message.push_str(&format!("\n... and {unnamed} more bad lines"));
    }
    message.push_str(&format!(" dropped={}", bad.count));
    json_error(StatusCode::BAD_REQUEST, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_host_means_loopback() {
        assert_eq!(
            resolve_addr(":9092").unwrap(),
            "127.0.0.1:9092".parse().unwrap()
        );
        assert_eq!(
            resolve_addr("0.0.0.0:1").unwrap(),
            "0.0.0.0:1".parse().unwrap()
        );
        assert!(
            resolve_addr("cpu.tick")
                .unwrap_err()
                .to_string()
                .contains("expected HOST:PORT")
        );
    }

    #[test]
    fn sizes_take_decimal_and_binary_units() {
        assert_eq!(parse_size("25MB"), Ok(25_000_000));
        assert_eq!(parse_size("512KiB"), Ok(524_288));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("0").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn gzip_bodies_are_limited_after_decoding() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, &[b'a'; 1000]).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(gunzip(&gz, 1000).ok().map(|v| v.len()), Some(1000));
        assert!(matches!(gunzip(&gz, 999), Err(BodyError::TooLarge)));
        assert!(matches!(
            gunzip(b"not gzip", 999),
            Err(BodyError::Invalid(_))
        ));
    }

    #[test]
    fn series_json_is_null_before_data() {
        assert_eq!(series_json(&[]).unwrap(), "{\"series\":null}");
    }
}
