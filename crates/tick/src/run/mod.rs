//! `tick run`: compile scripts into tasks, stream line protocol through them, deliver alerts
//! to handlers, and at end of input (or SIGINT/SIGTERM) drain every queue and every
//! unacknowledged QoS 1/2 publish before exiting. This module is the glue, in the order things
//! happen; each step is its own module:
//!
//! 1. `plan.rs`: the options, `kapacitor.conf`, scripts and handler files, resolved once;
//! 2. `state.rs`: the alert state store (`--state-dir`), checked and restored;
//! 3. `delivery.rs`: the brokers, a queue per handler, and the router between them;
//! 4. `input.rs`: stdin, `--input` or the HTTP server;
//! 5. `pipeline.rs`: the pipeline thread (reading, `tick_engine::ingest`, batches);
//! 6. `drain.rs`: the end of input or a signal, then the drain;
//! 7. `outcome.rs`: the closing messages and the exit status.
//!
//! Threads: the pipeline runs synchronously on its own thread; with `--state-dir`, a writer
//! thread between it and the handler queues syncs each batch's alert state before queueing the
//! batch; handlers and MQTT connections run on a small tokio runtime. The main thread waits
//! for the end of input or a signal, then drains.

mod delivery;
mod drain;
mod input;
mod outcome;
pub(crate) mod pipeline;
mod plan;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use tick_engine::Pipeline;
use tick_engine::Task;

use crate::api::{ApiInfo, HandlerInfo, TaskInfo};
use crate::cmd::run::{Args, Clock};
use crate::stats::Stats;
use plan::Plan;

/// Why a run stopped before its end.
pub(crate) enum Exit {
    /// With this status, its reason already reported on stderr.
    Status(u8),
    /// With an error for `main` to report (exit status 2).
    Error(anyhow::Error),
}

impl From<anyhow::Error> for Exit {
    fn from(e: anyhow::Error) -> Exit {
        Exit::Error(e)
    }
}

/// Runs `tick run` with `args`.
pub(crate) fn main(args: Args) -> anyhow::Result<ExitCode> {
    match run(args) {
        Ok(code) | Err(Exit::Status(code)) => Ok(ExitCode::from(code)),
        Err(Exit::Error(e)) => Err(e),
    }
}

/// What Kapacitor's API shows of the scripts and handler files (`--http` only).
fn api_info(plan: &Plan, loaded: &[crate::script::LoadedTask]) -> ApiInfo {
    ApiInfo {
        tasks: loaded
            .iter()
            .map(|t| TaskInfo {
                name: t.task.name().to_string(),
                script: t.source.clone(),
                dbrps: t.task.dbrps().to_vec(),
            })
            .collect(),
        handlers: plan
            .handler_files
            .iter()
            .map(|h| HandlerInfo {
                topic: h.topic.clone(),
                id: h.id.clone(),
                kind: h.kind.clone(),
                options: h.options_as_written.clone(),
                match_src: h.match_src.clone().unwrap_or_default(),
            })
            .collect(),
        started: tick_lineproto::system_now(),
    }
}

fn run(args: Args) -> Result<u8, Exit> {
    let mut plan = Plan::resolve(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("tick-handlers")
        .build()
        .context("starting the handler runtime")?;
    let loaded = std::mem::take(&mut plan.tasks);
    let api = plan.http.is_some().then(|| api_info(&plan, &loaded));
    let (scripts, tasks): (Vec<PathBuf>, Vec<Task>) =
        loaded.into_iter().map(|t| (t.path, t.task)).unzip();
    let mut pipeline =
        Pipeline::new(tasks, &plan.origin).with_point_clock(plan.clock == Clock::Points);
    if let Some(api) = &api {
        // Kapacitor's API shows each topic's events: the topics keep them from now on,
        // starting with the ones the state store restores.
        let declared = api.declared_topics(pipeline.tasks());
        let topics = pipeline.topics_mut();
        topics.keep_events();
        for topic in &declared {
            topics.declare_topic(topic);
        }
    }
    let state_failures = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let state = state::open(&plan, &mut pipeline, &state_failures)?;
    let mut handlers = delivery::start(&plan, &scripts, &mut pipeline, &runtime, state)?;
    let mut signals = drain::Signals::listen(&runtime);
    let (source, ingest) = input::open(&plan, api.map(Arc::new), &runtime)?;

    let stop = Arc::new(AtomicBool::new(false));
    let dispatcher = handlers.dispatcher();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let settings = pipeline::Settings {
        precision: plan.precision,
        clock: plan.clock,
        flush_windows: plan.flush_windows,
    };
    let pipeline_thread = pipeline::spawn(
        pipeline,
        handlers.router,
        source,
        settings,
        Arc::clone(&stop),
        done_tx,
    )?;

    let interrupted = drain::wait(&runtime, done_rx, &mut signals);
    stop.store(true, Ordering::SeqCst);
    let force = drain::on_second_signal(&runtime, &handlers.stop_waiting, signals);
    let (interrupted, http_rejected) =
        drain::stop_input(ingest, interrupted, &plan, &runtime, &handlers.stop_waiting);
    let finished = if interrupted {
        None
    } else {
        pipeline_thread.join().ok()
    };
    // The state writer releases what the pipeline handed it before the queues are drained:
    // it ends with the pipeline thread, or is given the drain timeout when that thread was
    // left behind.
    if let Some(writer) = handlers.state_thread.take() {
        if interrupted {
            writer.settle(plan.drain_timeout);
        } else {
            writer.join();
        }
    }
    let mut stats = Stats::default();
    let lost = drain::drain(
        &runtime,
        &dispatcher,
        &mut handlers.services,
        &plan,
        interrupted,
        &force,
        &mut stats,
    ) + drain::drain_influxdb(
        &runtime,
        handlers.influxdb.take(),
        &plan,
        &force,
        &mut stats,
    );
    let mut code = outcome::finish(&plan, finished, http_rejected, lost, stats);
    if state::report_failures(&state_failures) {
        code = code.max(1);
    }
    runtime.shutdown_timeout(Duration::from_millis(250));
    Ok(code)
}
