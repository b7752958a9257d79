//! `tick run`'s options resolved once: `kapacitor.conf` and topic-handler files loaded, scripts
//! compiled into tasks, and every default that depends on another option decided (where the
//! task name comes from, what a full handler queue does). Owns the checks that make a run
//! refuse to start (exit status 2) before anything is started; starts nothing itself.

use std::path::PathBuf;
use std::time::Duration;

use tick_engine::CompileOptions;
use tick_engine::Origin;
use tick_handlers::config::Config;
use tick_handlers::handler_file::TopicHandlerSpec;
use tick_handlers::{DispatchOptions, WhenFull};
use tick_lineproto::Precision;

use super::Exit;
use crate::cmd::run::{Args, Clock, QueueFull};
use crate::report;
use crate::script::{self, LoadedTask};

/// Everything `tick run` was asked to do.
pub(crate) struct Plan {
    /// `--config`, when given.
    pub(crate) config: Option<Config>,
    /// `--tz` and the `hostname` of `--config`.
    pub(crate) compile: CompileOptions,
    /// The compiled scripts, in command-line order.
    pub(crate) tasks: Vec<LoadedTask>,
    /// The topic handlers of `--handler`.
    pub(crate) handler_files: Vec<TopicHandlerSpec>,
    /// `--input` (`None` or `-`: stdin).
    pub(crate) input: Option<PathBuf>,
    pub(crate) precision: Precision,
    /// `--db/--rp`.
    pub(crate) origin: Origin,
    /// `--queue-full`, with its default decided.
    pub(crate) queue_full: QueueFull,
    /// `--queue-size`, `--queue-full` and `--handler-timeout` for the dispatcher.
    pub(crate) dispatch: DispatchOptions,
    pub(crate) mqtt_outbox: usize,
    /// `--http` and its limits, when given.
    pub(crate) http: Option<HttpPlan>,
    pub(crate) clock: Clock,
    pub(crate) flush_windows: bool,
    pub(crate) drain_timeout: Duration,
    pub(crate) http_out: Option<PathBuf>,
    pub(crate) stats: Option<crate::stats::Format>,
    pub(crate) strict: bool,
    /// Where the alert state is kept (`--state-dir`, else `data_dir` of `--config` while
    /// `[alert] persist-topics` is on), if anywhere.
    pub(crate) state_dir: Option<PathBuf>,
    /// `--state-reset`.
    pub(crate) state_reset: bool,
}

/// `--http[=ADDR]` and the `--http-*` limits.
pub(crate) struct HttpPlan {
    /// `ADDR`, empty when not given (`[http] bind-address`, else the default, then applies).
    pub(crate) addr: String,
    pub(crate) limits: crate::http::Limits,
}

impl Plan {
    /// Resolves the options, loads `--config`, the scripts and the handler files. Every
    /// refusal is reported on stderr here.
    pub(crate) fn resolve(args: Args) -> Result<Plan, Exit> {
        let config = match crate::options::load_config(args.config.as_ref()) {
            Ok(c) => c,
            Err(e) => {
                report::stderr(&format!("error: {e:#}\n"));
                return Err(Exit::Status(2));
            }
        };
        let mut compile = crate::options::compile_options(args.tz.as_deref())?;
        if let Some(hostname) = config.as_ref().and_then(|c| c.hostname.clone()) {
            compile.server.hostname = hostname;
        }
        compile.row_posters = Some(tick_engine::SharedRowPosters(std::sync::Arc::new(
            tick_handlers::NodePosters::new(config.as_ref(), args.handler_timeout),
        )));
        let id = task_id(&args)?;
        let Some(tasks) = script::load_all(&args.scripts, id, &compile, config.as_ref())? else {
            return Err(Exit::Status(2));
        };
        let (handler_files, file_errors) = tick_handlers::handler_file::load_paths(&args.handlers);
        if !file_errors.is_empty() {
            for e in &file_errors {
                report::stderr(&format!("error: {e}\n"));
            }
            return Err(Exit::Status(2));
        }
        // Waiting loses nothing when tick reads a file or a pipe; over HTTP a waiting pipeline
        // would hold every writer, so a full queue drops (and counts) there, as in Kapacitor.
        let queue_full = args.queue_full.unwrap_or(if args.http.is_some() {
            QueueFull::Drop
        } else {
            QueueFull::Wait
        });
        let dispatch = DispatchOptions {
            queue_capacity: args.queue_size.max(1),
            when_full: match queue_full {
                QueueFull::Drop => WhenFull::Drop,
                QueueFull::Wait => WhenFull::Wait,
            },
            handler_timeout: args.handler_timeout,
        };
        let http = args.http.map(|addr| HttpPlan {
            addr,
            limits: crate::http::Limits {
                max_body: args.http_max_body,
                read_timeout: args.http_read_timeout,
                body_timeout: args.http_body_timeout,
                max_connections: args.http_max_connections,
            },
        });
        let state_dir = args.state_dir.or_else(|| {
            let c = config.as_ref()?;
            c.alert
                .persist_topics
                .then(|| c.data_dir.as_ref().map(PathBuf::from))
                .flatten()
        });
        if args.state_reset && state_dir.is_none() {
            report::stderr(
                "error: --state-reset needs a state directory: --state-dir, or --config with \
                 data_dir and [alert] persist-topics on\n",
            );
            return Err(Exit::Status(2));
        }
        Ok(Plan {
            state_dir,
            state_reset: args.state_reset,
            config,
            compile,
            tasks,
            handler_files,
            input: args.input,
            precision: args.precision,
            origin: Origin {
                db: args.db,
                rp: args.rp,
            },
            queue_full,
            dispatch,
            mqtt_outbox: args.mqtt_outbox,
            http,
            clock: args.clock,
            flush_windows: args.flush_windows,
            drain_timeout: args.drain_timeout,
            http_out: args.http_out,
            stats: args.stats,
            strict: args.strict,
        })
    }
}

/// `--id`: the task name of a single script (else each task is named after its file stem).
fn task_id(args: &Args) -> Result<Option<&str>, Exit> {
    if args.id.is_some() && args.scripts.len() > 1 {
        report::stderr("error: --id needs exactly one script\n");
        return Err(Exit::Status(2));
    }
    if let Some(id) = &args.id
        && (id.is_empty() || id.contains(['/', '\\']) || id == "." || id == "..")
    {
        // The task name is a path segment of its httpOut URLs and of --http-out files.
        report::stderr(&format!(
            "error: invalid --id {id:?}: a task name may not be empty, contain '/' or '\\', or be '.' or '..'\n"
        ));
        return Err(Exit::Status(2));
    }
    Ok(args.id.as_deref())
}
