//! `tick run`: compile scripts into tasks, stream line protocol through them, deliver alerts
//! to handlers, and at end of input (or SIGINT/SIGTERM) drain every queue and every
//! unacknowledged QoS 1/2 publish before exiting.
//!
//! Threads: the pipeline runs synchronously on its own thread (reading, routing, engine);
//! handlers and MQTT connections run on a small tokio runtime. The main thread waits for the
//! end of input or a signal, then drains.

use foldhash::{HashMap, HashMapExt as _};
use std::io::Read;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use tick_engine::topics::{Delivery, HandlerRef};
use tick_handlers::config::Config;
use tick_handlers::mqtt::{MqttService, MqttSettings};
use tick_handlers::{DispatchOptions, Dispatcher, Handler, Services, WhenFull};
use tick_lineproto::{Item, Precision, Reader};

use crate::pipeline::{FLUSH_POINTS, Origin, Pipeline};
use crate::report;
use crate::script;

#[derive(Debug, clap::Args)]
#[command(
    about = "Run TICKscripts over line protocol read from stdin (or --input)",
    long_about = "Run TICKscripts over InfluxDB line protocol read from stdin (or --input).\n\n\
        Each script is a task named after its file stem. Points are routed to tasks by their \
        dbrp (--db/--rp, else each task's first dbrp; a script without dbrp receives every \
        point). Alerts go to the handlers the scripts name (.mqtt(), .log(), .tcp(), .exec(), \
        .post()) and to topic handlers loaded with --handler. At end of input tick waits until \
        every handler queue is empty and every QoS 1/2 MQTT publish is acknowledged \
        (bounded by --drain-timeout).\n\n\
        Exit status: 0 ok; 1 alerts were lost, or --strict and a line was rejected; 2 invalid \
        script, configuration or usage.",
    after_help = "Examples:\n  tick run cpu.tick --config kapacitor.conf < points.lp\n  \
        tick run alerts/*.tick --handler handlers/ --input points.lp --precision s"
)]
pub(crate) struct Args {
    /// TICKscript files; each becomes a task named after its file stem
    #[arg(required = true, value_name = "SCRIPT")]
    scripts: Vec<PathBuf>,
    /// kapacitor.conf to read [[mqtt]] brokers from (other sections are ignored with a warning)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Topic-handler file (YAML or JSON) or a directory of them; repeatable
    #[arg(long = "handler", value_name = "FILE_OR_DIR")]
    handlers: Vec<PathBuf>,
    /// Read line protocol from this file instead of stdin
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Timestamp precision of the input: n, u, ms, s, m or h
    #[arg(long, default_value = "n", value_parser = super::parse_precision, value_name = "P")]
    precision: Precision,
    /// Database the input points belong to (default: each task's first dbrp)
    #[arg(long)]
    db: Option<String>,
    /// Retention policy the input points belong to
    #[arg(long)]
    rp: Option<String>,
    /// Task name when running a single script (default: the file stem)
    #[arg(long, value_name = "NAME")]
    id: Option<String>,
    /// Exit with status 1 if any input line was rejected
    #[arg(long)]
    strict: bool,
    /// Print the counters of every node, topic, handler and MQTT broker on stderr at exit, as
    /// aligned tables (--stats) or as one JSON object (--stats=json)
    #[arg(long, value_enum, value_name = "FORMAT", num_args = 0..=1, require_equals = true, default_missing_value = "text")]
    stats: Option<crate::stats::Format>,
    /// Time zone for the time functions of lambdas (hour("time"), ...); default UTC
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
    /// How long to wait at exit for handler queues and unacknowledged QoS 1/2 publishes
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    drain_timeout: Duration,
    /// Events buffered per handler before new ones are dropped (and reported), or waited
    /// for with --queue-full wait
    #[arg(long, default_value_t = 5000, value_name = "N")]
    queue_size: usize,
    /// What happens to an alert for a handler whose queue is full: `wait` until the handler
    /// has room, slowing the input down to the handler's pace (the default for stdin and
    /// --input, where waiting loses nothing), or `drop` it, reported and counted, as Kapacitor
    /// does (the default with --http, so that one slow handler does not stall every writer)
    #[arg(long, value_enum, value_name = "WHAT")]
    queue_full: Option<QueueFull>,
    /// Longest time one alert may keep a handler busy (a post that never answers, a tcp
    /// server that never accepts, an exec program that never exits); after it the alert
    /// counts as failed and the handler moves on. A post's own longer .timeout() wins
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    handler_timeout: Duration,
    /// QoS 1/2 alerts kept per broker while it is unreachable before new ones are refused
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    mqtt_outbox: usize,
    /// At end of input, emit every partial window (Kapacitor never does; for replaying a
    /// finished file)
    #[arg(long)]
    flush_windows: bool,
    /// What drives deadman's clock: `points` (each point's time, the default, for replays) or
    /// `wall` (the system clock, for live streams)
    #[arg(long, value_enum, default_value_t = Clock::Points)]
    clock: Clock,
    // --- HTTP ingest and httpOut (src/http.rs) ---
    /// Also take line protocol over HTTP as kapacitord does (POST /write, /kapacitor/v1/write;
    /// GET /kapacitor/v1/tasks/<task>/<httpOut name>). ADDR defaults to [http] bind-address of
    /// --config, else 127.0.0.1:9092 (an empty host means loopback). Runs until SIGINT/SIGTERM;
    /// stdin is then read only with --input - (or --input FILE). --http=127.0.0.1:9092 and
    /// --http 127.0.0.1:9092 both work
    #[arg(long, value_name = "ADDR", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    http: Option<String>,
    /// Largest HTTP write body accepted, after gzip decoding (larger ones get 413)
    #[arg(long, default_value = "25MB", value_parser = crate::http::parse_size, value_name = "SIZE")]
    http_max_body: usize,
    /// Time a client has to send a request's headers (after connecting, or after its previous
    /// request: idle connections are closed after it), and longest pause inside a body (408)
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    http_read_timeout: Duration,
    /// Time a client has to send a whole write body (408 after it)
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    http_body_timeout: Duration,
    /// HTTP connections open at once; further clients wait to be accepted
    #[arg(long, default_value_t = 1024, value_name = "N")]
    http_max_connections: usize,
    /// At exit, write each httpOut endpoint's content to DIR/<task>/<name>.json
    #[arg(long, value_name = "DIR")]
    http_out: Option<PathBuf>,
    // --- end HTTP ingest ---
}

/// `--queue-full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum QueueFull {
    /// Drop the alert, report it and count it.
    Drop,
    /// Wait for room in the handler's queue.
    Wait,
}

/// What advances time for `|deadman()` (spec §4.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Clock {
    /// Each input point's timestamp, before the point is processed.
    Points,
    /// The system clock, checked ten times a second.
    Wall,
}

/// Parses `500ms`, `30s`, `2m`, `1h` (a plain number is seconds).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (e.g. 30s, 500ms, 2m)"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "invalid duration unit in {s:?} (use ms, s, m or h)"
            ));
        }
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("invalid duration {s:?}: {e}"))
}

/// Parses `--tz` (default UTC, whatever the host zone) into lambda compile options.
pub(crate) fn compile_options(tz: Option<&str>) -> anyhow::Result<tick_engine::CompileOptions> {
    let mut opts = tick_engine::CompileOptions::default();
    if let Some(zone) = tz {
        opts.lambda.tz = zone.parse().map_err(|_| {
            anyhow::anyhow!("unknown time zone {zone:?} (use an IANA name such as Europe/Berlin)")
        })?;
    }
    Ok(opts)
}

/// Loads `--config`, printing its warnings.
pub(crate) fn load_config(path: Option<&PathBuf>) -> anyhow::Result<Option<Config>> {
    let Some(path) = path else { return Ok(None) };
    let (config, warnings) = Config::load(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    for w in warnings {
        report::stderr(&format!("{}: warning: {w}\n", path.display()));
    }
    Ok(Some(config))
}

struct Counters {
    rejected: u64,
}

pub(crate) fn main(args: Args) -> anyhow::Result<ExitCode> {
    crate::logging::init();
    let config = match load_config(args.config.as_ref()) {
        Ok(c) => c,
        Err(e) => {
            report::stderr(&format!("error: {e:#}\n"));
            return Ok(ExitCode::from(2));
        }
    };
    let mut opts = compile_options(args.tz.as_deref())?;
    if let Some(hostname) = config.as_ref().and_then(|c| c.hostname.clone()) {
        opts.server.hostname = hostname;
    }
    let id = if args.scripts.len() == 1 {
        args.id.as_deref()
    } else {
        None
    };
    if args.id.is_some() && args.scripts.len() > 1 {
        report::stderr("error: --id needs exactly one script\n");
        return Ok(ExitCode::from(2));
    }
    if let Some(id) = &args.id
        && (id.is_empty() || id.contains(['/', '\\']) || id == "." || id == "..")
    {
        // The task name is a path segment of its httpOut URLs and of --http-out files.
        report::stderr(&format!(
            "error: invalid --id {id:?}: a task name may not be empty, contain '/' or '\\', or be '.' or '..'\n"
        ));
        return Ok(ExitCode::from(2));
    }
    let Some(loaded) = script::load_all(&args.scripts, id, &opts, config.as_ref())? else {
        return Ok(ExitCode::from(2));
    };

    let (file_specs, file_errors) = tick_handlers::handler_file::load_paths(&args.handlers);
    if !file_errors.is_empty() {
        for e in &file_errors {
            report::stderr(&format!("error: {e}\n"));
        }
        return Ok(ExitCode::from(2));
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("tick-handlers")
        .build()
        .context("starting the handler runtime")?;

    // Handlers: one dispatcher queue per script handler use and per topic-handler file
    // (publish files excepted: the topics route those themselves).
    let needs_mqtt = loaded
        .iter()
        .any(|t| t.task.handler_uses().iter().any(|(_, u)| u.kind == "mqtt"))
        || file_specs.iter().any(|s| s.kind == "mqtt");
    let mut services = Services {
        config: config.clone().unwrap_or_default(),
        ..Services::default()
    };
    if needs_mqtt {
        let Some(cfg) = config.as_ref() else {
            report::stderr(
                "error: a script or handler file uses .mqtt(), but no --config with [[mqtt]] brokers was given\n",
            );
            return Ok(ExitCode::from(2));
        };
        let settings = MqttSettings {
            outbox_limit: args.mqtt_outbox,
            ..MqttSettings::default()
        };
        let svc = runtime.block_on(async { MqttService::start(cfg, settings) });
        match svc {
            Ok(svc) => services.mqtt = Some(svc),
            Err(e) => {
                report::stderr(&format!("error: {e}\n"));
                return Ok(ExitCode::from(2));
            }
        }
    }

    // Waiting loses nothing when tick reads a file or a pipe; over HTTP a waiting pipeline
    // would hold every writer, so a full queue drops (and counts) there, as in Kapacitor.
    let queue_full = args.queue_full.unwrap_or(if args.http.is_some() {
        QueueFull::Drop
    } else {
        QueueFull::Wait
    });
    let mut dispatcher = Dispatcher::new(
        runtime.handle().clone(),
        DispatchOptions {
            queue_capacity: args.queue_size.max(1),
            when_full: match queue_full {
                QueueFull::Drop => WhenFull::Drop,
                QueueFull::Wait => WhenFull::Wait,
            },
            handler_timeout: args.handler_timeout,
        },
    );
    let stop_waiting = dispatcher.canceller();
    let mut alert_handlers: HashMap<(Arc<str>, Arc<str>, usize), usize> = HashMap::new();
    let mut build_errors = String::new();
    for lt in &loaded {
        let task = &lt.task;
        let mut per_node: HashMap<&str, usize> = HashMap::new();
        for (node, handler_use) in task.handler_uses() {
            let index = per_node.entry(node.as_str()).or_insert(0);
            let _guard = runtime.enter();
            match Handler::from_use(handler_use, &services) {
                Ok(handler) => {
                    let label = format!("{}:{}:{}", task.name(), node, handler_use.kind);
                    let slot = dispatcher.add(label, handler);
                    alert_handlers.insert(
                        (Arc::from(task.name()), Arc::from(node.as_str()), *index),
                        slot,
                    );
                }
                Err(e) => build_errors.push_str(&format!(
                    "{}: error: {} handler of {node}: {e}\n",
                    lt.path.display(),
                    handler_use.kind
                )),
            }
            *index += 1;
        }
    }
    let mut pipeline = Pipeline::new(
        loaded.into_iter().map(|t| t.task).collect(),
        &Origin {
            db: args.db.clone(),
            rp: args.rp.clone(),
        },
    )
    .with_point_clock(args.clock == Clock::Points);
    let mut topic_handlers: Vec<Option<usize>> = Vec::new();
    for spec in &file_specs {
        let matcher = match &spec.match_src {
            Some(src) => match compile_match(src, &opts) {
                Ok(l) => Some(l),
                Err(msg) => {
                    build_errors
                        .push_str(&format!("{}: error: match: {msg}\n", spec.path.display()));
                    continue;
                }
            },
            None => None,
        };
        // `kind: publish` is routed by the topics themselves (spec §6.5): no queue.
        if let tick_handlers::HandlerOptions::Publish(o) = &spec.options {
            match o.validate(&spec.topic) {
                Ok(()) => {
                    pipeline
                        .topics
                        .add_publish_handler(&spec.topic, &spec.id, matcher, &o.topics);
                }
                Err(e) => {
                    build_errors.push_str(&format!("{}: error: {e}\n", spec.path.display()));
                }
            }
            continue;
        }
        let _guard = runtime.enter();
        match Handler::from_file_spec(spec, &services) {
            Ok(handler) => {
                let index = pipeline.topics.add_handler(&spec.topic, &spec.id, matcher);
                let slot = dispatcher.add(format!("{}/{}", spec.topic, spec.id), handler);
                if topic_handlers.len() <= index {
                    topic_handlers.resize(index + 1, None);
                }
                topic_handlers[index] = Some(slot);
            }
            Err(e) => build_errors.push_str(&format!("{}: error: {e}\n", spec.path.display())),
        }
    }
    if !build_errors.is_empty() {
        report::stderr(&build_errors);
        return Ok(ExitCode::from(2));
    }

    // The pipeline thread.
    let precision = args.precision;
    let input: Box<dyn Read + Send> = match &args.input {
        Some(path) if path.as_os_str() != "-" => Box::new(
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
        ),
        _ => Box::new(std::io::stdin()),
    };
    // --- HTTP ingest (src/http.rs): with --http, HTTP writes and --input share one channel ---
    let mut ingest = match &args.http {
        Some(addr) => {
            match crate::http::Ingest::start(
                addr,
                config.as_ref().map(|c| &c.http),
                crate::http::Limits {
                    max_body: args.http_max_body,
                    read_timeout: args.http_read_timeout,
                    body_timeout: args.http_body_timeout,
                    max_connections: args.http_max_connections,
                },
                runtime.handle(),
            ) {
                Ok(ingest) => Some(ingest),
                Err(e) => {
                    report::stderr(&format!("error: {e:#}\n"));
                    return Ok(ExitCode::from(2));
                }
            }
        }
        None => None,
    };
    let (input, http_rx): (Box<dyn Read + Send>, _) = match ingest.as_mut() {
        Some(ingest) => {
            if args.input.is_some() {
                ingest.read(input, precision)?;
            }
            (Box::new(std::io::empty()), ingest.receiver())
        }
        None => (input, None),
    };
    // --- end HTTP ingest ---
    let stop = Arc::new(AtomicBool::new(false));
    let flush_windows = args.flush_windows;
    let wall_clock = args.clock == Clock::Wall;
    if let Some(ingest) = ingest.as_ref()
        && wall_clock
    {
        ingest.tick_wall_clock(runtime.handle());
    }
    let dispatcher = Arc::new(Mutex::new(Some(dispatcher)));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let pipeline_thread = {
        let stop = Arc::clone(&stop);
        let dispatcher = Arc::clone(&dispatcher);
        std::thread::Builder::new()
            .name("tick-pipeline".into())
            .spawn(move || {
                let result = match http_rx {
                    Some(rx) => {
                        let mut log_text = String::new();
                        crate::http::consume(rx, &mut pipeline, |p, d| {
                            deliver(
                                p,
                                d,
                                &alert_handlers,
                                &topic_handlers,
                                &dispatcher,
                                &mut log_text,
                            )
                        });
                        Ok(Counters { rejected: 0 })
                    }
                    None if wall_clock => run_pipeline_wall_clock(
                        input,
                        precision,
                        &mut pipeline,
                        &alert_handlers,
                        &topic_handlers,
                        &dispatcher,
                        &stop,
                    ),
                    None => run_pipeline(
                        input,
                        precision,
                        &mut pipeline,
                        &alert_handlers,
                        &topic_handlers,
                        &dispatcher,
                        &stop,
                    ),
                };
                if flush_windows {
                    let mut deliveries = Vec::new();
                    pipeline.flush(&mut deliveries);
                    let mut log_text = String::new();
                    deliver(
                        &mut pipeline,
                        &mut deliveries,
                        &alert_handlers,
                        &topic_handlers,
                        &dispatcher,
                        &mut log_text,
                    );
                }
                let _ = done_tx.send(());
                (pipeline, result)
            })
            .context("starting the pipeline thread")?
    };

    // Wait for end of input or a signal.
    let interrupted = runtime.block_on(async {
        tokio::select! {
            _ = done_rx => false,
            _ = shutdown_signal() => true,
        }
    });
    stop.store(true, Ordering::SeqCst);
    // From here on, the next SIGINT/SIGTERM stops at once: nothing more is waited for, and
    // what is still queued is reported as undelivered.
    let (force_tx, force) = tokio::sync::watch::channel(false);
    {
        let stop_waiting = Arc::clone(&stop_waiting);
        runtime.spawn(async move {
            shutdown_signal().await;
            report::stderr("tick: second signal; stopping now without waiting for handlers\n");
            stop_waiting.store(true, Ordering::SeqCst);
            let _ = force_tx.send(true);
            // Keep the sender (and so the value) alive until the process ends.
            std::future::pending::<()>().await;
        });
    }
    let forced = || {
        let mut force = force.clone();
        async move {
            let _ = force.wait_for(|f| *f).await;
        }
    };
    // --- HTTP ingest: stop serving, then the pipeline finishes what was queued ---
    let mut http_rejected = 0;
    let interrupted = match ingest {
        Some(ingest) if interrupted => {
            // Acknowledged writes are still processed; with --queue-full wait, waiting for
            // handlers is bounded by the drain timeout.
            let stop_waiting = Arc::clone(&stop_waiting);
            let grace = args.drain_timeout;
            std::thread::spawn(move || {
                std::thread::sleep(grace);
                stop_waiting.store(true, Ordering::SeqCst);
            });
            http_rejected = ingest.shutdown(&runtime);
            false
        }
        _ => interrupted,
    };
    if interrupted {
        // A pipeline waiting for room in a handler queue (--queue-full wait) drops instead
        // from now on, so that it lets go of the dispatcher for the drain.
        stop_waiting.store(true, Ordering::SeqCst);
    }
    let finished = if interrupted {
        report::stderr("tick: interrupted; draining handler queues\n");
        None
    } else {
        pipeline_thread.join().ok()
    };

    // Drain: handler queues first (they enqueue MQTT publishes), then MQTT acknowledgements.
    let taken = dispatcher.lock().ok().and_then(|mut d| d.take());
    let mut lost = 0u64;
    let mut stats = crate::stats::Stats::default();
    if let Some(mut d) = taken {
        let report = runtime.block_on(d.drain_until(args.drain_timeout, forced()));
        lost += report
            .handlers
            .iter()
            .map(|h| h.dropped + h.abandoned)
            .sum::<u64>();
        let failed: u64 = report.handlers.iter().map(|h| h.failed).sum();
        lost += failed;
        let dropped: u64 = report.handlers.iter().map(|h| h.dropped).sum();
        if dropped > 0 && queue_full == QueueFull::Drop && !interrupted {
            report::stderr(&format!(
                "tick: {dropped} alert(s) found their handler's queue full and were dropped; \
                 --queue-full wait waits for room instead (or raise --queue-size)\n"
            ));
        }
        stats.handlers(&report.handlers);
        if report.timed_out {
            report::stderr("tick: handlers were still busy when --drain-timeout ran out\n");
        }
    }
    if let Some(svc) = services.mqtt.take() {
        let report = runtime.block_on(async {
            tokio::select! {
                report = svc.drain(args.drain_timeout) => report,
                () = forced() => svc.drain(Duration::ZERO).await,
            }
        });
        runtime.block_on(svc.close(Duration::ZERO));
        let mqtt_lost = report.lost();
        if mqtt_lost > 0 {
            report::stderr(&format!(
                "tick: {mqtt_lost} MQTT alert(s) were not acknowledged by the broker before --drain-timeout ({:?})\n",
                args.drain_timeout
            ));
        }
        stats.brokers(&report.brokers);
        lost += mqtt_lost;
    }

    let mut code = 0u8;
    match finished {
        Some((pipeline, result)) => {
            let mut counters = match result {
                Ok(c) => c,
                Err(e) => {
                    report::stderr(&format!("error: reading input: {e}\n"));
                    return Ok(ExitCode::from(1));
                }
            };
            counters.rejected += http_rejected;
            if let Some(dir) = &args.http_out
                && let Err(e) = crate::http::write_http_out(dir, pipeline.tasks())
            {
                report::stderr(&format!("error: --http-out: {e:#}\n"));
                code = 1;
            }
            let lost_events: u64 = pipeline
                .tasks()
                .flat_map(|t| t.stats())
                .map(|s| s.lost_events)
                .sum();
            if lost_events > 0 {
                report::stderr(&format!(
                    "tick: {lost_events} alert(s) were not sent because their message or details \
                     failed to render\n"
                ));
                lost += lost_events;
            }
            stats.pipeline(pipeline.tasks(), &pipeline.topics.stats());
            if let Some(format) = args.stats {
                report::stderr(&stats.render(format));
            }
            report::stderr(&format!(
                "tick: {} points read, {} lines rejected\n",
                pipeline.points, counters.rejected
            ));
            if args.strict && counters.rejected > 0 {
                code = 1;
            }
        }
        None => {
            if let Some(format) = args.stats {
                report::stderr(&stats.render(format));
            }
        }
    }
    if lost > 0 {
        report::stderr(&format!(
            "tick: {lost} alert deliveries failed or were lost\n"
        ));
        code = 1;
    }
    runtime.shutdown_timeout(Duration::from_millis(250));
    Ok(ExitCode::from(code))
}

fn compile_match(
    src: &str,
    opts: &tick_engine::CompileOptions,
) -> Result<tick_lambda::Lambda, String> {
    let (expr, diags) = tick_syntax::parse_expr(src);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    let expr = expr.ok_or_else(|| "empty match expression".to_string())?;
    tick_lambda::Lambda::compile_match(&expr, &opts.lambda).map_err(|errs| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// Reads every line, pushes points through the pipeline and hands deliveries to the
/// dispatcher. Bad lines are reported with their number, counted and skipped.
fn run_pipeline(
    input: Box<dyn Read + Send>,
    precision: Precision,
    pipeline: &mut Pipeline,
    alert_handlers: &HashMap<(Arc<str>, Arc<str>, usize), usize>,
    topic_handlers: &[Option<usize>],
    dispatcher: &Mutex<Option<Dispatcher>>,
    stop: &AtomicBool,
) -> std::io::Result<Counters> {
    let mut reader = Reader::new(input).with_precision(precision);
    let mut counters = Counters { rejected: 0 };
    let mut deliveries: Vec<Delivery> = Vec::new();
    let mut log_text = String::new();
    // Deliveries and `|log()` lines are handed on in batches: when the reader has used up what
    // it buffered (before it reads, and maybe waits, again) or after a bounded number of
    // points. One wake-up of the handlers per batch instead of per alert.
    let mut unflushed = 0usize;
    let result = reader.for_each_item(|item| {
        if stop.load(Ordering::Relaxed) {
            return ControlFlow::Break(());
        }
        match item {
            Item::Line(_, Ok(point)) => {
                pipeline.push(point, &mut deliveries);
                unflushed += 1;
                if unflushed >= FLUSH_POINTS || deliveries.len() >= FLUSH_DELIVERIES {
                    unflushed = 0;
                    deliver(
                        pipeline,
                        &mut deliveries,
                        alert_handlers,
                        topic_handlers,
                        dispatcher,
                        &mut log_text,
                    );
                }
            }
            Item::Line(_, Err(err)) => {
                counters.rejected += 1;
                report::stderr(&format!("{err}\n"));
            }
            Item::Reading => {
                unflushed = 0;
                deliver(
                    pipeline,
                    &mut deliveries,
                    alert_handlers,
                    topic_handlers,
                    dispatcher,
                    &mut log_text,
                );
            }
        }
        ControlFlow::Continue(())
    });
    deliver(
        pipeline,
        &mut deliveries,
        alert_handlers,
        topic_handlers,
        dispatcher,
        &mut log_text,
    );
    result?;
    Ok(counters)
}

/// At most this many deliveries wait for a batch.
const FLUSH_DELIVERIES: usize = 256;

/// The system time in ns since the epoch (`--clock wall`).
pub(crate) fn wall_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// [`run_pipeline`] with `--clock wall`: a reader thread parses the input, and the pipeline
/// thread advances the tasks' clocks (deadman) to the system time at least ten times a
/// second, also while no input arrives.
fn run_pipeline_wall_clock(
    input: Box<dyn Read + Send>,
    precision: Precision,
    pipeline: &mut Pipeline,
    alert_handlers: &HashMap<(Arc<str>, Arc<str>, usize), usize>,
    topic_handlers: &[Option<usize>],
    dispatcher: &Mutex<Option<Dispatcher>>,
    stop: &AtomicBool,
) -> std::io::Result<Counters> {
    use std::sync::mpsc::{RecvTimeoutError, sync_channel};
    type Item = Result<tick_lineproto::Point<'static>, tick_lineproto::LineError>;
    let (tx, rx) = sync_channel::<Item>(4096);
    let reader = std::thread::Builder::new()
        .name("tick-reader".into())
        .spawn(move || {
            Reader::new(input)
                .with_precision(precision)
                .for_each(|_, result| {
                    let item = result.map(|p| p.clone().into_owned());
                    match tx.send(item) {
                        Ok(()) => ControlFlow::Continue(()),
                        Err(_) => ControlFlow::Break(()),
                    }
                })
                .map(|_| ())
        })?;
    let mut counters = Counters { rejected: 0 };
    let mut deliveries: Vec<Delivery> = Vec::new();
    let mut log_text = String::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Ok(point)) => pipeline.push(&point, &mut deliveries),
            Ok(Err(err)) => {
                counters.rejected += 1;
                report::stderr(&format!("{err}\n"));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        pipeline.advance_clock(wall_now(), &mut deliveries);
        deliver(
            pipeline,
            &mut deliveries,
            alert_handlers,
            topic_handlers,
            dispatcher,
            &mut log_text,
        );
    }
    drop(rx);
    match reader.join() {
        Ok(result) => result.map(|()| counters),
        Err(_) => Err(std::io::Error::other("the input reader failed")),
    }
}

/// After one point: prints the `|log()` lines it produced and hands its deliveries to the
/// dispatcher.
fn deliver(
    pipeline: &mut Pipeline,
    deliveries: &mut Vec<Delivery>,
    alert_handlers: &HashMap<(Arc<str>, Arc<str>, usize), usize>,
    topic_handlers: &[Option<usize>],
    dispatcher: &Mutex<Option<Dispatcher>>,
    log_text: &mut String,
) {
    for task in pipeline.tasks_mut() {
        for record in task.drain_logs() {
            log_text.push_str(&record.line);
            log_text.push('\n');
        }
    }
    if !log_text.is_empty() {
        report::stderr(log_text);
        log_text.clear();
    }
    if !deliveries.is_empty() {
        if let Ok(mut guard) = dispatcher.lock()
            && let Some(d) = guard.as_mut()
        {
            for delivery in deliveries.drain(..) {
                let slot = match &delivery.handler {
                    HandlerRef::Alert { task, node, index } => alert_handlers
                        .get(&(task.clone(), node.clone(), *index))
                        .copied(),
                    HandlerRef::Topic(i) => topic_handlers.get(*i).copied().flatten(),
                };
                if let Some(slot) = slot {
                    d.queue(slot, delivery.event);
                }
            }
            d.flush();
        }
        deliveries.clear();
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
