//! Delivery (Kapacitor's topic handler queues, `eventBufferSize` in alert/topics.go at v1.5.7): every handler runs on its own tokio task behind a bounded queue
//! (5000 events, like Kapacitor). By default [`Dispatcher::send`] never blocks the pipeline
//! thread; events stay in order per handler; a full queue drops the event, reports it and
//! counts it. With [`WhenFull::Wait`] (for replays, where nothing should be lost) the caller
//! waits for room instead, unless the dispatcher is cancelled.
//! [`Dispatcher::drain`] closes the queues and waits, within a grace period, for each
//! handler to finish (used at end of input and on Ctrl-C/SIGTERM). Owns queues and counters,
//! not the handlers' behaviour.
//!
//! Events travel in batches: [`Dispatcher::queue`] collects a caller's events and
//! [`Dispatcher::flush`] hands each handler its batch at once, so a burst of alerts wakes a
//! handler task once rather than once per event (on a busy or single core, each wake-up is a
//! context switch). The capacity still counts events.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

tokio::task_local! {
    /// The label of the handler whose delivery is running (`slack:alert2:slack`).
    static HANDLER: Arc<str>;
}

/// The label of the handler this task is delivering for, if any: the warnings logged on the
/// way (a retry) name it.
pub(crate) fn current_handler() -> Option<Arc<str>> {
    HANDLER.try_with(Arc::clone).ok()
}

use tick_engine::Event;
use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::task::JoinHandle;

use crate::error::HandlerError;
use crate::registry::Handler;

/// Kapacitor's per-handler buffer (`eventBufferSize` in alert/topics.go at v1.5.7).
pub(crate) const DEFAULT_QUEUE_CAPACITY: usize = 5000;

/// How long one event may keep its handler busy before it counts as failed and the handler
/// moves on. Kapacitor's `post` and `tcp` handlers have no default timeout and wait as long
/// as the server does; tick gives up, so that one dead service cannot hold its queue (and,
/// with [`WhenFull::Wait`], the pipeline) for ever.
pub(crate) const DEFAULT_HANDLER_TIMEOUT: Duration = Duration::from_secs(10);

/// Dispatcher settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispatchOptions {
    /// Events buffered per handler; at least 1.
    pub queue_capacity: usize,
    /// What happens to an event for a full queue.
    pub when_full: WhenFull,
    /// Longest time one event may take its handler (a handler's own longer timeout, such as
    /// `post`'s `.timeout()`, extends it). An event that takes longer counts as failed.
    pub handler_timeout: Duration,
}

/// What [`Dispatcher::queue`] does with an event for a handler whose queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhenFull {
    /// Drop it, report it and count it (Kapacitor's behaviour).
    #[default]
    Drop,
    /// Wait until the handler has taken up enough events (the pipeline, and so the input,
    /// slows down to the handler's pace). A cancelled dispatcher drops instead.
    Wait,
}

impl Default for DispatchOptions {
    fn default() -> Self {
        DispatchOptions {
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            when_full: WhenFull::Drop,
            handler_timeout: DEFAULT_HANDLER_TIMEOUT,
        }
    }
}

/// Counters of one handler, for `tick run --stats` and the drain report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerStats {
    /// What the caller named the handler (e.g. `cpu.tick:alert2:mqtt` or a file's topic/id).
    pub label: String,
    /// The handler kind (`log`, `mqtt`, ...).
    pub kind: &'static str,
    /// Events the handler processed without error. For `mqtt` this means queued on the
    /// broker's outbox; acknowledgements are counted by `MqttService::drain`.
    pub delivered: u64,
    /// Events the handler processed with an error (logged).
    pub failed: u64,
    /// Events refused at [`Dispatcher::send`] because the queue was full or closed.
    pub dropped: u64,
    /// Events queued but never processed because the drain grace period ran out.
    pub abandoned: u64,
}

/// What [`Dispatcher::drain`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainReport {
    /// Every handler's counts, in the order they were added.
    pub handlers: Vec<HandlerStats>,
    /// True when at least one handler was still busy when the grace period ended.
    pub timed_out: bool,
}

impl DrainReport {
    /// Events that did not reach their handler: dropped, failed or abandoned.
    pub fn undelivered(&self) -> u64 {
        self.handlers
            .iter()
            .map(|h| h.dropped + h.failed + h.abandoned)
            .sum()
    }
}

#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    abandoned: AtomicU64,
}

struct Queue {
    label: Arc<str>,
    kind: &'static str,
    tx: Option<mpsc::Sender<Vec<Arc<Event>>>>,
    /// Events queued by [`Dispatcher::queue`] and not yet flushed.
    pending: Vec<Arc<Event>>,
    /// Events sent to the handler task and not yet taken up by it.
    in_flight: Arc<AtomicUsize>,
    capacity: usize,
    counters: Arc<Counters>,
    task: Option<JoinHandle<()>>,
}

/// The handlers of a run and their queues. Build it inside (or with a handle to) the tokio
/// runtime that should run the handlers.
pub struct Dispatcher {
    runtime: Handle,
    options: DispatchOptions,
    queues: Vec<Queue>,
    /// Set (from any thread) to stop waiting for room: see [`Dispatcher::canceller`].
    cancel: Arc<AtomicBool>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("options", &self.options)
            .field(
                "handlers",
                &self.queues.iter().map(|q| &*q.label).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Dispatcher {
    /// A dispatcher whose handler tasks run on `runtime`.
    pub fn new(runtime: Handle, options: DispatchOptions) -> Dispatcher {
        Dispatcher {
            runtime,
            options,
            queues: Vec::new(),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A flag that, once set, makes a [`WhenFull::Wait`] dispatcher stop waiting for room
    /// and drop (and report) events for full queues, as with [`WhenFull::Drop`]. Set it
    /// before taking a lock the waiting thread may hold (e.g. on Ctrl-C).
    pub fn canceller(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    /// Starts `handler` on its own task; returns the index [`Dispatcher::send`] takes. Topic
    /// handlers' `match` expressions are evaluated before this, by the engine's topics.
    pub fn add(&mut self, label: impl Into<String>, mut handler: Handler) -> usize {
        let capacity = self.options.queue_capacity.max(1);
        // Every batch holds at least one event, so `capacity` batches are never refused while
        // the event count is within bounds.
        let (tx, mut rx) = mpsc::channel::<Vec<Arc<Event>>>(capacity);
        let counters = Arc::new(Counters::default());
        let in_flight = Arc::new(AtomicUsize::new(0));
        let label: Arc<str> = Arc::from(label.into());
        let kind = handler.kind();
        let limit = handler
            .timeout()
            .map_or(self.options.handler_timeout, |own| {
                own.max(self.options.handler_timeout)
            });
        let task = {
            let counters = Arc::clone(&counters);
            let in_flight = Arc::clone(&in_flight);
            let label = Arc::clone(&label);
            self.runtime.spawn(async move {
                while let Some(batch) = rx.recv().await {
                    for event in batch {
                        // Like an event taken from the queue: the capacity counts waiting events.
                        in_flight.fetch_sub(1, Ordering::Relaxed);
                        // Whatever the handler logs on the way (a retry) names it. A
                        // task-local rather than a tracing span: a span per event cost about
                        // 4,000 instructions per alert (docs/PERFORMANCE.md).
                        let handled = tokio::time::timeout(
                            limit,
                            HANDLER.scope(Arc::clone(&label), handler.handle(&event)),
                        )
                        .await
                            .unwrap_or(Err(HandlerError::TimedOut(limit)));
                        match handled {
                            Ok(()) => {
                                counters.delivered.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(error) => {
                                counters.failed.fetch_add(1, Ordering::Relaxed);
                                // The message is the error itself (`tcp handler failed to
                                // connect ...`, `exec command failed ...`): the words users
                                // search for.
                                tracing::error!(handler = %label, kind, event = %event.state.id, "{error}");
                            }
                        }
                    }
                    if rx.is_empty() {
                        handler.idle();
                    }
                }
            })
        };
        self.queues.push(Queue {
            label,
            kind,
            tx: Some(tx),
            pending: Vec::new(),
            in_flight,
            capacity,
            counters,
            task: Some(task),
        });
        self.queues.len() - 1
    }

    /// Number of handlers added.
    pub fn len(&self) -> usize {
        self.queues.len()
    }

    /// True when no handler was added.
    pub fn is_empty(&self) -> bool {
        self.queues.is_empty()
    }

    /// Queues `event` for handler `index` without waiting and hands it on at once. Returns
    /// false when the event was dropped (queue full, handler stopped, or no such handler); the
    /// drop is logged as `failed to deliver event "<id>" to handler <kind>` and counted.
    pub fn send(&mut self, index: usize, event: Arc<Event>) -> bool {
        let queued = self.queue(index, event);
        if let Some(queue) = self.queues.get_mut(index) {
            queue.flush();
        }
        queued
    }

    /// Queues `event` for handler `index` without waiting; it is handed on at the next
    /// [`Dispatcher::flush`]. Returns false when the event was dropped, as [`Dispatcher::send`].
    pub fn queue(&mut self, index: usize, event: Arc<Event>) -> bool {
        let Some(queue) = self.queues.get_mut(index) else {
            tracing::error!(index, event = %event.state.id, "failed to deliver event to unknown handler");
            return false;
        };
        if queue.tx.is_none() {
            return queue.dropped(&event, "the handler queues are closed");
        }
        if queue.is_full() {
            if self.options.when_full == WhenFull::Wait {
                queue.wait_for_room(&self.cancel);
            }
            if queue.is_full() {
                return queue.dropped(&event, "the handler queue is full");
            }
        }
        queue.counters.accepted.fetch_add(1, Ordering::Relaxed);
        queue.pending.push(event);
        true
    }

    /// Hands every handler the events queued for it since the last flush, in one batch.
    pub fn flush(&mut self) {
        for queue in &mut self.queues {
            queue.flush();
        }
    }

    /// Counters of every handler, in the order they were added.
    pub fn stats(&self) -> Vec<HandlerStats> {
        self.queues.iter().map(Queue::stats).collect()
    }

    /// Closes every queue and waits until each handler has processed what it holds, at most
    /// `grace` in total. Handlers still busy then are stopped and their remaining events are
    /// counted as abandoned. Later [`Dispatcher::send`] calls drop (and report) their events.
    pub async fn drain(&mut self, grace: Duration) -> DrainReport {
        self.drain_until(grace, std::future::pending()).await
    }

    /// [`Dispatcher::drain`] that also ends, as if the grace period had run out, as soon as
    /// `stop` completes (a second Ctrl-C): what is still queued is counted as abandoned.
    pub async fn drain_until(
        &mut self,
        grace: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) -> DrainReport {
        let stop = std::pin::pin!(stop);
        let mut stop = stop;
        let mut stopped = false;
        for queue in &mut self.queues {
            queue.flush();
            queue.tx = None;
        }
        let deadline = tokio::time::Instant::now() + grace;
        let mut timed_out = false;
        for queue in &mut self.queues {
            let Some(mut task) = queue.task.take() else {
                continue;
            };
            let outcome = if stopped && !task.is_finished() {
                None
            } else {
                tokio::select! {
                    joined = &mut task => Some(joined),
                    () = tokio::time::sleep_until(deadline) => None,
                    () = &mut stop, if !stopped => {
                        stopped = true;
                        None
                    }
                }
            };
            let finished = match outcome {
                Some(Ok(())) => true,
                Some(Err(error)) => {
                    tracing::error!(handler = %queue.label, kind = queue.kind, %error, "handler stopped unexpectedly");
                    false
                }
                None => {
                    timed_out = true;
                    task.abort();
                    // Wait for the abort to land so the counters below are final.
                    let _ = (&mut task).await;
                    false
                }
            };
            if !finished {
                let c = &queue.counters;
                let done = c.delivered.load(Ordering::Relaxed) + c.failed.load(Ordering::Relaxed);
                let left = c.accepted.load(Ordering::Relaxed).saturating_sub(done);
                c.abandoned.fetch_add(left, Ordering::Relaxed);
                if left > 0 {
                    tracing::error!(handler = %queue.label, kind = queue.kind, events = left,
                        "handler did not finish its queue; its remaining events were not delivered");
                }
            }
        }
        DrainReport {
            handlers: self.stats(),
            timed_out,
        }
    }
}

impl Queue {
    fn is_full(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) + self.pending.len() >= self.capacity
    }

    /// Hands on what is pending and waits until the handler task has taken up enough events
    /// for one more, the task has ended, or `cancel` is set.
    fn wait_for_room(&mut self, cancel: &AtomicBool) {
        self.flush();
        let mut pause = Duration::from_micros(50);
        while self.is_full()
            && !cancel.load(Ordering::Relaxed)
            && self.tx.as_ref().is_some_and(|tx| !tx.is_closed())
        {
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.pending);
        let Some(tx) = &self.tx else {
            for event in &batch {
                self.unaccept(event, "the handler queues are closed");
            }
            return;
        };
        let n = batch.len();
        self.in_flight.fetch_add(n, Ordering::Relaxed);
        if let Err(err) = tx.try_send(batch) {
            self.in_flight.fetch_sub(n, Ordering::Relaxed);
            let (batch, reason) = match err {
                TrySendError::Full(b) => (b, "the handler queue is full"),
                TrySendError::Closed(b) => (b, "the handler has stopped"),
            };
            for event in &batch {
                self.unaccept(event, reason);
            }
        }
    }

    /// An accepted event that could not be handed on after all: counted as dropped instead.
    fn unaccept(&self, event: &Event, reason: &str) {
        self.counters.accepted.fetch_sub(1, Ordering::Relaxed);
        self.dropped(event, reason);
    }

    fn dropped(&self, event: &Event, reason: &str) -> bool {
        let dropped = self.counters.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        // Every drop is counted; only the 1st, 2nd, 4th, 8th, ... is logged, so that a
        // handler that cannot keep up does not flood stderr with one line per event.
        if dropped.is_power_of_two() {
            tracing::error!(handler = %self.label, %reason, dropped,
                "failed to deliver event {:?} to handler {} ({dropped} dropped so far; logged again at {})",
                event.state.id, self.kind, dropped * 2);
        }
        false
    }

    fn stats(&self) -> HandlerStats {
        let c = &self.counters;
        HandlerStats {
            label: self.label.to_string(),
            kind: self.kind,
            delivered: c.delivered.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            abandoned: c.abandoned.load(Ordering::Relaxed),
        }
    }
}
