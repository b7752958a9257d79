//! The end of `tick run`: waiting for the end of input or SIGINT/SIGTERM, stopping the HTTP
//! server, and draining the handler queues and then the unacknowledged MQTT publishes, within
//! `--drain-timeout`; a second signal stops the drain at once. Owns the signals and what the
//! drain counts as lost; does not own the final summary (`outcome.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tick_handlers::{Dispatcher, InfluxDbWriters, Services};

use super::plan::Plan;
use crate::cmd::run::QueueFull;
use crate::http::Ingest;
use crate::report;
use crate::stats::Stats;

/// SIGINT and SIGTERM, listened to from [`Signals::listen`] on: made before any input is
/// taken, so that a signal that arrives as soon as the HTTP server answers is a shutdown
/// request like any later one, never the default action that kills the process.
pub(crate) struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Starts listening (installs the handlers).
    pub(crate) fn listen(runtime: &tokio::runtime::Runtime) -> Signals {
        let _entered = runtime.enter();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    /// Resolves on the next SIGINT or SIGTERM.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                _ = recv(&mut self.term) => {}
                _ = recv(&mut self.int) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Waits for the pipeline thread to signal `done` (end of input) or for SIGINT/SIGTERM;
/// returns true on a signal.
pub(crate) fn wait(
    runtime: &tokio::runtime::Runtime,
    done: tokio::sync::oneshot::Receiver<()>,
    signals: &mut Signals,
) -> bool {
    runtime.block_on(async {
        tokio::select! {
            _ = done => false,
            _ = signals.next() => true,
        }
    })
}

/// Resolves once a second SIGINT/SIGTERM arrived.
pub(crate) type Forced = tokio::sync::watch::Receiver<bool>;

/// From now on, the next SIGINT/SIGTERM stops at once: nothing more is waited for
/// (`stop_waiting`), and what is still queued is reported as undelivered.
pub(crate) fn on_second_signal(
    runtime: &tokio::runtime::Runtime,
    stop_waiting: &Arc<AtomicBool>,
    mut signals: Signals,
) -> Forced {
    let (force_tx, force) = tokio::sync::watch::channel(false);
    let stop_waiting = Arc::clone(stop_waiting);
    runtime.spawn(async move {
        signals.next().await;
        report::stderr("tick: second signal; stopping now without waiting for handlers\n");
        stop_waiting.store(true, Ordering::SeqCst);
        let _ = force_tx.send(true);
        // Keep the sender (and so the value) alive until the process ends.
        std::future::pending::<()>().await;
    });
    force
}

async fn forced(force: &Forced) {
    let mut force = force.clone();
    let _ = force.wait_for(|f| *f).await;
}

/// With `--http`, a signal ends the input: the server stops and the pipeline thread finishes
/// the writes it acknowledged. Returns whether the run still counts as interrupted (without
/// `--http`, a signal leaves the pipeline thread behind) and the lines rejected over HTTP.
pub(crate) fn stop_input(
    ingest: Option<Ingest>,
    interrupted: bool,
    plan: &Plan,
    runtime: &tokio::runtime::Runtime,
    stop_waiting: &Arc<AtomicBool>,
) -> (bool, u64) {
    let (interrupted, http_rejected) = match ingest {
        Some(ingest) if interrupted => {
            // Acknowledged writes are still processed; with --queue-full wait, waiting for
            // handlers is bounded by the drain timeout.
            let stop_waiting = Arc::clone(stop_waiting);
            let grace = plan.drain_timeout;
            std::thread::spawn(move || {
                std::thread::sleep(grace);
                stop_waiting.store(true, Ordering::SeqCst);
            });
            (false, ingest.shutdown(runtime))
        }
        _ => (interrupted, 0),
    };
    if interrupted {
        // A pipeline waiting for room in a handler queue (--queue-full wait) drops instead
        // from now on, so that it lets go of the dispatcher for the drain.
        stop_waiting.store(true, Ordering::SeqCst);
        report::stderr("tick: interrupted; draining handler queues\n");
    }
    (interrupted, http_rejected)
}

/// Drains the handler queues first (they enqueue MQTT publishes), then the MQTT
/// acknowledgements. Returns the alerts lost; records the counters in `stats`.
pub(crate) fn drain(
    runtime: &tokio::runtime::Runtime,
    dispatcher: &Mutex<Option<Dispatcher>>,
    services: &mut Services,
    plan: &Plan,
    interrupted: bool,
    force: &Forced,
    stats: &mut Stats,
) -> u64 {
    let mut lost = 0;
    let taken = dispatcher.lock().ok().and_then(|mut d| d.take());
    if let Some(mut d) = taken {
        let report = runtime.block_on(d.drain_until(plan.drain_timeout, forced(force)));
        lost += report
            .handlers
            .iter()
            .map(|h| h.dropped + h.abandoned)
            .sum::<u64>();
        let failed: u64 = report.handlers.iter().map(|h| h.failed).sum();
        lost += failed;
        let dropped: u64 = report.handlers.iter().map(|h| h.dropped).sum();
        if dropped > 0 && plan.queue_full == QueueFull::Drop && !interrupted {
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
                report = svc.drain(plan.drain_timeout) => report,
                () = forced(force) => svc.drain(Duration::ZERO).await,
            }
        });
        runtime.block_on(svc.close(Duration::ZERO));
        let mqtt_lost = report.lost();
        if mqtt_lost > 0 {
            report::stderr(&format!(
                "tick: {mqtt_lost} MQTT alert(s) were not acknowledged by the broker before --drain-timeout ({:?})\n",
                plan.drain_timeout
            ));
        }
        stats.brokers(&report.brokers);
        lost += mqtt_lost;
    }
    lost
}

/// Writes what the `influxDBOut` nodes still hold, within `--drain-timeout`. Returns the
/// points lost (failed, refused or still waiting); records the counters in `stats`.
pub(crate) fn drain_influxdb(
    runtime: &tokio::runtime::Runtime,
    writers: Option<InfluxDbWriters>,
    plan: &Plan,
    force: &Forced,
    stats: &mut Stats,
) -> u64 {
    let Some(writers) = writers else {
        return 0;
    };
    let report = runtime.block_on(writers.drain(plan.drain_timeout, forced(force)));
    let lost: u64 = report.iter().map(|r| r.lost).sum();
    if lost > 0 {
        report::stderr(&format!(
            "tick: {lost} point(s) of influxDBOut nodes were not written to InfluxDB\n"
        ));
    }
    stats.influxdb(report);
    lost
}
