//! `tick run --state-dir`: the alert state store (`tick-state`) opened and checked before
//! anything starts, restored into the pipeline, and written by the store-writer thread that
//! sits between the pipeline and the handler queues. Owns when the state is written (before the
//! handlers get the events it holds) and what a failure does (reported, counted, exit status
//! 1); the file and its format are `tick-state`'s.
//!
//! The pipeline thread hands each delivery batch (the events whose state it set, and the
//! deliveries routed to their queues) to the writer through a bounded channel, and goes on with
//! the next points. The writer takes every batch waiting, writes their events in one commit
//! synced to disk (group commit: under load many batches share one sync), and only then queues
//! their deliveries, in order. When the writer falls behind by [`BACKLOG`] batches, the pipeline
//! waits for it: memory stays bounded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tick_engine::{Event, Pipeline};
use tick_handlers::Dispatcher;
use tick_state::Store;

use super::Exit;
use super::plan::Plan;
use crate::report;

/// Batches that may wait for the writer before the pipeline waits for it.
pub(crate) const BACKLOG: usize = 16;

/// The open store of a run, before its writer starts.
pub(crate) struct StateWriter {
    store: Store,
    /// Commits that failed, shared with the outcome.
    failures: Arc<AtomicU64>,
}

/// Opens the plan's state store, if it has one, and restores its content into `pipeline`: every
/// topic's levels and every alert node's state per event id. A store that cannot be opened or
/// read stops the run (exit status 2) with a message that names the file; nothing was written
/// to it then.
pub(crate) fn open(
    plan: &Plan,
    pipeline: &mut Pipeline,
    failures: &Arc<AtomicU64>,
) -> Result<Option<StateWriter>, Exit> {
    let Some(dir) = &plan.state_dir else {
        return Ok(None);
    };
    let refuse = |e: tick_state::StoreError| {
        report::stderr(&format!("error: {e}\n"));
        Exit::Status(2)
    };
    let store = Store::open(dir, plan.state_reset).map_err(refuse)?;
    let topics = store.load().map_err(refuse)?;
    pipeline.restore(&topics);
    pipeline.topics_mut().record_changes();
    Ok(Some(StateWriter {
        store,
        failures: Arc::clone(failures),
    }))
}

/// What the pipeline hands the writer: the events whose state a batch of points set, and the
/// batch's deliveries as (handler queue, event), in order.
pub(crate) struct Batch {
    /// Topics deleted through the alert API before this batch's events.
    pub(crate) deleted: Vec<Arc<str>>,
    pub(crate) events: Vec<Arc<Event>>,
    pub(crate) deliveries: Vec<(usize, Arc<Event>)>,
}

/// Batches handed to the writer and batches it released, for [`StateThread::settle`].
#[derive(Default)]
struct Progress {
    counts: Mutex<(u64, u64)>,
    changed: Condvar,
}

impl Progress {
    fn add(&self, sent: u64, released: u64) {
        if let Ok(mut c) = self.counts.lock() {
            c.0 += sent;
            c.1 += released;
        }
        self.changed.notify_all();
    }
}

/// The pipeline's end of the writer.
pub(crate) struct StateSender {
    tx: SyncSender<Batch>,
    progress: Arc<Progress>,
    failures: Arc<AtomicU64>,
}

/// The writer thread, for the end of the run.
pub(crate) struct StateThread {
    thread: JoinHandle<()>,
    progress: Arc<Progress>,
}

impl StateWriter {
    /// Starts the writer thread, which queues the deliveries it releases on `dispatcher`.
    pub(crate) fn start(
        self,
        dispatcher: Arc<Mutex<Option<Dispatcher>>>,
    ) -> std::io::Result<(StateSender, StateThread)> {
        let (tx, rx) = sync_channel(BACKLOG);
        let progress = Arc::new(Progress::default());
        let failures = Arc::clone(&self.failures);
        let thread = {
            let progress = Arc::clone(&progress);
            std::thread::Builder::new()
                .name("tick-state".into())
                .spawn(move || self.run(&rx, &dispatcher, &progress))?
        };
        Ok((
            StateSender {
                tx,
                progress: Arc::clone(&progress),
                failures,
            },
            StateThread { thread, progress },
        ))
    }

    /// The writer's loop, until the pipeline lets go of its end of the channel.
    fn run(
        mut self,
        rx: &Receiver<Batch>,
        dispatcher: &Mutex<Option<Dispatcher>>,
        progress: &Progress,
    ) {
        let mut batches: Vec<Batch> = Vec::new();
        let mut events: Vec<Arc<Event>> = Vec::new();
        while let Ok(first) = rx.recv() {
            batches.push(first);
            while batches.len() < BACKLOG
                && let Ok(next) = rx.try_recv()
            {
                batches.push(next);
            }
            for batch in &mut batches {
                if !batch.deleted.is_empty() {
                    // Kapacitor's `Service.DeleteTopic` forgets the stored state too; the
                    // events gathered so far come before the deletion.
                    self.save(&events);
                    events.clear();
                    for topic in batch.deleted.drain(..) {
                        self.delete(&topic);
                    }
                }
                events.append(&mut batch.events);
            }
            self.save(&events);
            events.clear();
            release(
                dispatcher,
                batches.iter_mut().flat_map(|b| b.deliveries.drain(..)),
            );
            progress.add(0, batches.len() as u64);
            batches.clear();
        }
    }

    /// Forgets a deleted topic's stored state; a failure is reported and counted like a
    /// failed write.
    fn delete(&mut self, topic: &str) {
        if let Err(e) = self.store.delete_topic(topic) {
            let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                report::stderr(&format!("error: {e} ({n} failed writes so far)\n"));
            }
        }
    }

    /// Writes `events` in one transaction synced to disk. A failed write is reported (the
    /// first, second, fourth, ... time), counted and not retried; the events are still
    /// delivered.
    fn save(&mut self, events: &[Arc<Event>]) {
        if let Err(e) = self.store.save(events) {
            let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                report::stderr(&format!("error: {e} ({n} failed writes so far)\n"));
            }
        }
    }
}

/// Queues `deliveries` on their handler queues and hands them on (`Dispatcher::flush`).
pub(crate) fn release(
    dispatcher: &Mutex<Option<Dispatcher>>,
    deliveries: impl Iterator<Item = (usize, Arc<Event>)>,
) {
    if let Ok(mut guard) = dispatcher.lock()
        && let Some(d) = guard.as_mut()
    {
        for (slot, event) in deliveries {
            d.queue(slot, event);
        }
        d.flush();
    }
}

impl StateSender {
    /// Hands `batch` to the writer, waiting while it is [`BACKLOG`] batches behind. Returns the
    /// batch when the writer is gone (it panicked): its events were not written.
    pub(crate) fn send(&self, batch: Batch) -> Result<(), Batch> {
        self.progress.add(1, 0);
        let sent = match self.tx.try_send(batch) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(batch)) => self.tx.send(batch).map_err(|e| e.0),
            Err(TrySendError::Disconnected(batch)) => Err(batch),
        };
        if sent.is_err() {
            self.progress.add(0, 1);
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        sent
    }
}

impl StateThread {
    /// Waits for the writer to end (the pipeline thread has ended and let go of its end of
    /// the channel): every batch is written and released.
    pub(crate) fn join(self) {
        let _ = self.thread.join();
    }

    /// Waits, at most `limit`, until the writer has released every batch handed to it so far
    /// (an interrupted run, whose pipeline thread is left behind).
    pub(crate) fn settle(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let Ok(mut counts) = self.progress.counts.lock() else {
            return;
        };
        while counts.0 > counts.1 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            counts = match self.progress.changed.wait_timeout(counts, left) {
                Ok((c, _)) => c,
                Err(_) => return,
            };
        }
    }
}

/// The closing message for failed state writes; true when there were any.
pub(crate) fn report_failures(failures: &AtomicU64) -> bool {
    let n = failures.load(Ordering::Relaxed);
    if n > 0 {
        report::stderr(&format!(
            "tick: {n} alert state write(s) failed: a restart may not resume those alerts\n"
        ));
    }
    n > 0
}
