//! `tick run`: its command line. What the options mean together is resolved once into a plan
//! (`run/plan.rs`), and the run itself (handlers, input, the pipeline thread, signals, drain)
//! lives in `run/`. Owns the flags, their help and their defaults; does nothing itself.

// The field doc comments here are clap's `--help` text, written for a terminal
// (`[[mqtt]]`, `<task>`); rustdoc would read them as links and HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tick_lineproto::Precision;

#[derive(Debug, clap::Args)]
#[command(
    about = "Run TICKscripts over line protocol read from stdin (or --input)",
    long_about = "Run TICKscripts over InfluxDB line protocol read from stdin (or --input).\n\n\
        Each script is a task named after its file stem. Points are routed to tasks by their \
        dbrp (--db/--rp, else each task's first dbrp; a script without dbrp receives every \
        point). Alerts go to the handlers the scripts name (.mqtt(), .slack(), .pagerDuty2(), .email(), \
        .alerta(), .serviceNow(), .bigPanda(), .zenoss(), .snmpTrap(), .post(), .log(), ...; the services' sections come from --config, [[httppost]] endpoints \
        included (also for the httpPost node), and a section with global = true adds its handler to every alert; \
        KAPACITOR_<SECTION>_<KEY> and KAPACITOR_<SECTION>_<i>_<KEY> environment variables \
        override its keys) and to topic handlers loaded with --handler. At end of input tick waits until \
        every handler queue is empty and every QoS 1/2 MQTT publish is acknowledged \
        (bounded by --drain-timeout).\n\n\
        With --state-dir (or data_dir in --config) the alert state survives restarts.\n\n\
        Exit status: 0 ok; 1 alerts were lost, the alert state could not be written, or \
        --strict and a line was rejected; 2 invalid script, configuration, usage or stored \
        alert state.",
    after_help = "Examples:\n  tick run cpu.tick --config kapacitor.conf < points.lp\n  \
        tick run alerts/*.tick --handler handlers/ --input points.lp --precision s"
)]
pub(crate) struct Args {
    /// TICKscript files; each becomes a task named after its file stem
    #[arg(required = true, value_name = "SCRIPT")]
    pub(crate) scripts: Vec<PathBuf>,
    /// kapacitor.conf to read the services' sections from ([[mqtt]], [[slack]], [[httppost]], [[influxdb]] for influxDBOut, ...; others are ignored with a warning)
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Topic-handler file (YAML or JSON) or a directory of them; repeatable
    #[arg(long = "handler", value_name = "FILE_OR_DIR")]
    pub(crate) handlers: Vec<PathBuf>,
    /// Read line protocol from this file instead of stdin
    #[arg(long, value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
    /// Timestamp precision of the input: n, u, ms, s, m or h
    #[arg(long, default_value = "n", value_parser = crate::options::parse_precision, value_name = "P")]
    pub(crate) precision: Precision,
    /// Database the input points belong to (default: each task's first dbrp)
    #[arg(long)]
    pub(crate) db: Option<String>,
    /// Retention policy the input points belong to
    #[arg(long)]
    pub(crate) rp: Option<String>,
    /// Task name when running a single script (default: the file stem)
    #[arg(long, value_name = "NAME")]
    pub(crate) id: Option<String>,
    /// Exit with status 1 if any input line was rejected
    #[arg(long)]
    pub(crate) strict: bool,
    /// Print the counters of every node, topic, handler and MQTT broker on stderr at exit, as
    /// aligned tables (--stats) or as one JSON object (--stats=json)
    #[arg(long, value_enum, value_name = "FORMAT", num_args = 0..=1, require_equals = true, default_missing_value = "text")]
    pub(crate) stats: Option<crate::stats::Format>,
    /// Time zone for the time functions of lambdas (hour("time"), ...); default UTC
    #[arg(long, value_name = "ZONE")]
    pub(crate) tz: Option<String>,
    /// How long to wait at exit for handler queues and unacknowledged QoS 1/2 publishes
    #[arg(long, default_value = "30s", value_parser = crate::options::parse_duration, value_name = "DURATION")]
    pub(crate) drain_timeout: Duration,
    /// Events buffered per handler before new ones are dropped (and reported), or waited
    /// for with --queue-full wait
    #[arg(long, default_value_t = 5000, value_name = "N")]
    pub(crate) queue_size: usize,
    /// What happens to an alert for a handler whose queue is full: `wait` until the handler
    /// has room, slowing the input down to the handler's pace (the default for stdin and
    /// --input, where waiting loses nothing), or `drop` it, reported and counted, as Kapacitor
    /// does (the default with --http, so that one slow handler does not stall every writer)
    #[arg(long, value_enum, value_name = "WHAT")]
    pub(crate) queue_full: Option<QueueFull>,
    /// Longest time one alert may keep a handler busy (a post that never answers, a tcp
    /// server that never accepts, an exec program that never exits); after it the alert
    /// counts as failed and the handler moves on. A post's own longer .timeout() wins.
    /// Also the timeout of an httpPost node's request when the node sets no .timeout()
    #[arg(long, default_value = "10s", value_parser = crate::options::parse_duration, value_name = "DURATION")]
    pub(crate) handler_timeout: Duration,
    /// QoS 1/2 alerts kept per broker while it is unreachable before new ones are refused
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub(crate) mqtt_outbox: usize,
    /// At end of input, emit every partial window (Kapacitor never does; for replaying a
    /// finished file)
    #[arg(long)]
    pub(crate) flush_windows: bool,
    /// Keep the alert state in DIR (DIR/tick-state.sqlite): each topic's last event per
    /// event id, so that a restarted run starts every alert group at the level, trigger time
    /// and previous level the last run left it at, as Kapacitor does. An event's state is on
    /// disk before its handlers get it. Default: `data_dir` of --config while its
    /// `[alert] persist-topics` is on (Kapacitor's default); else no state is kept
    #[arg(long, value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,
    /// Remove the stored alert state and start afresh (with --state-dir or the data_dir of
    /// --config)
    #[arg(long)]
    pub(crate) state_reset: bool,
    /// What drives deadman's clock: `points` (each point's time, the default, for replays) or
    /// `wall` (the system clock, for live streams)
    #[arg(long, value_enum, default_value_t = Clock::Points)]
    pub(crate) clock: Clock,
    // --- HTTP ingest and httpOut (src/http.rs) ---
    /// Also take line protocol over HTTP as kapacitord does (POST /write, /kapacitor/v1/write;
    /// GET /kapacitor/v1/tasks/<task>/<httpOut name>), and serve Kapacitor's alert and task API,
    /// read-only, for the `kapacitor` CLI (list topics, show-topic, list tasks, show). ADDR defaults to [http] bind-address of
    /// --config, else 127.0.0.1:9092 (an empty host means loopback). Runs until SIGINT/SIGTERM;
    /// stdin is then read only with --input - (or --input FILE). --http=127.0.0.1:9092 and
    /// --http 127.0.0.1:9092 both work
    #[arg(long, value_name = "ADDR", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub(crate) http: Option<String>,
    /// Largest HTTP write body accepted, after gzip decoding (larger ones get 413)
    #[arg(long, default_value = "25MB", value_parser = crate::http::parse_size, value_name = "SIZE")]
    pub(crate) http_max_body: usize,
    /// Time a client has to send a request's headers (after connecting, or after its previous
    /// request: idle connections are closed after it), and longest pause inside a body (408)
    #[arg(long, default_value = "10s", value_parser = crate::options::parse_duration, value_name = "DURATION")]
    pub(crate) http_read_timeout: Duration,
    /// Time a client has to send a whole write body (408 after it)
    #[arg(long, default_value = "60s", value_parser = crate::options::parse_duration, value_name = "DURATION")]
    pub(crate) http_body_timeout: Duration,
    /// HTTP connections open at once; further clients wait to be accepted
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub(crate) http_max_connections: usize,
    /// At exit, write each httpOut endpoint's content to DIR/<task>/<name>.json
    #[arg(long, value_name = "DIR")]
    pub(crate) http_out: Option<PathBuf>,
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

/// What advances time for `|deadman()`. Kapacitor's stats node ticks on the wall clock
/// (`StatsNode.runStats`, stats.go at v1.5.7); point time is tick's default so that a replay gives
/// the live run's result (docs/COMPATIBILITY.md, "Scripts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Clock {
    /// Each input point's timestamp, before the point is processed.
    Points,
    /// The system clock, checked ten times a second.
    Wall,
}

/// Runs `tick run`: exit status 0 ok, 1 alerts lost or (`--strict`) lines rejected, 2 invalid
/// script, configuration or usage.
pub(crate) fn main(args: Args) -> anyhow::Result<ExitCode> {
    crate::logging::init();
    crate::run::main(args)
}
