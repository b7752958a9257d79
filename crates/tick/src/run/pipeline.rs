//! The pipeline thread of `tick run`: reads the input, pushes each point through the tasks
//! (`tick_engine::ingest`) and hands the deliveries to the [`Router`] in batches. One loop body
//! ([`Stream`]) whichever the clock: with `--clock points` the reader drives it on this thread;
//! with `--clock wall` a reader thread feeds it and the system clock advances deadman between
//! points. With `--http` the HTTP channel drives it instead (`http::consume`). Owns batching
//! and the count of rejected lines; does not own routing or conversion (`tick-engine`).

use std::io::Read;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use tick_engine::Delivery;
use tick_engine::Pipeline;
use tick_lineproto::{Item, LineError, Point, Precision, Reader};

use super::delivery::Router;
use crate::cmd::run::Clock;
use crate::report;

/// Points pushed through the pipeline before their deliveries and log lines are handed on in
/// one batch (fewer when the input pauses or a write body ends).
pub(crate) const FLUSH_POINTS: usize = 4096;

/// At most this many deliveries wait for a batch.
const FLUSH_DELIVERIES: usize = 256;

/// Where the pipeline thread's points come from.
pub(crate) enum Source {
    /// stdin or `--input`.
    Reader(Box<dyn Read + Send>),
    /// `--http`: write bodies (and `--input` next to them) over the HTTP channel.
    Http(tokio::sync::mpsc::Receiver<crate::http::Input>),
}

/// How the pipeline thread reads, and what it does at the end of input.
#[derive(Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) precision: Precision,
    pub(crate) clock: Clock,
    pub(crate) flush_windows: bool,
}

/// What the pipeline thread returns: the pipeline (for its counters) and the lines rejected,
/// or the error that stopped reading.
pub(crate) type Finished = (Pipeline, std::io::Result<u64>);

/// Starts the pipeline thread. It reads `source` until its end or until `stop` is set, then
/// (`--flush-windows`) flushes partial windows and signals `done`.
pub(crate) fn spawn(
    mut pipeline: Pipeline,
    router: Router,
    source: Source,
    settings: Settings,
    stop: Arc<AtomicBool>,
    done: tokio::sync::oneshot::Sender<()>,
) -> anyhow::Result<std::thread::JoinHandle<Finished>> {
    std::thread::Builder::new()
        .name("tick-pipeline".into())
        .spawn(move || {
            let result = match source {
                Source::Http(rx) => {
                    let mut log_text = String::new();
                    crate::http::consume(rx, &mut pipeline, |p, d| {
                        router.send(p, d, &mut log_text);
                    });
                    Ok(0)
                }
                Source::Reader(input) => {
                    let mut stream = Stream::new(&mut pipeline, &router, &stop);
                    match settings.clock {
                        Clock::Points => stream.read(input, settings.precision),
                        Clock::Wall => stream.read_with_wall_clock(input, settings.precision),
                    }
                }
            };
            if settings.flush_windows {
                let mut deliveries = Vec::new();
                pipeline.flush(&mut deliveries);
                router.send(&mut pipeline, &mut deliveries, &mut String::new());
            }
            let _ = done.send(());
            (pipeline, result)
        })
        .context("starting the pipeline thread")
}

/// The loop body of the pipeline thread: one line at a time, deliveries handed on in batches.
struct Stream<'a> {
    pipeline: &'a mut Pipeline,
    router: &'a Router,
    stop: &'a AtomicBool,
    deliveries: Vec<Delivery>,
    log_text: String,
    /// Points pushed since the last batch.
    unflushed: usize,
    rejected: u64,
}

impl<'a> Stream<'a> {
    fn new(pipeline: &'a mut Pipeline, router: &'a Router, stop: &'a AtomicBool) -> Stream<'a> {
        Stream {
            pipeline,
            router,
            stop,
            deliveries: Vec::new(),
            log_text: String::new(),
            unflushed: 0,
            rejected: 0,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// A point goes through the pipeline.
    #[inline]
    fn point(&mut self, point: &Point<'_>) {
        self.pipeline.push(point, &mut self.deliveries);
        self.unflushed += 1;
    }

    /// A bad line is reported with its number, counted and skipped.
    fn bad_line(&mut self, err: &LineError) {
        self.rejected += 1;
        report::stderr(&format!("{err}\n"));
    }

    /// Hands the batch on: `|log()` lines and deliveries.
    fn flush(&mut self) {
        self.unflushed = 0;
        self.router
            .send(self.pipeline, &mut self.deliveries, &mut self.log_text);
    }

    /// `--clock points`: reads `input` on this thread; a batch is handed on when the reader
    /// has used up what it buffered (before it reads, and maybe waits, again) or after a
    /// bounded number of points or deliveries. One wake-up of the handlers per batch instead
    /// of per alert.
    fn read(&mut self, input: Box<dyn Read + Send>, precision: Precision) -> std::io::Result<u64> {
        let mut reader = Reader::new(input).with_precision(precision);
        let result = reader.for_each_item(|item| {
            if self.stopped() {
                return ControlFlow::Break(());
            }
            match item {
                Item::Line(_, Ok(point)) => {
                    self.point(point);
                    if self.unflushed >= FLUSH_POINTS || self.deliveries.len() >= FLUSH_DELIVERIES {
                        self.flush();
                    }
                }
                Item::Line(_, Err(err)) => self.bad_line(&err),
                Item::Reading => self.flush(),
            }
            ControlFlow::Continue(())
        });
        self.flush();
        result?;
        Ok(self.rejected)
    }

    /// `--clock wall`: a reader thread parses `input`, and this thread advances the tasks'
    /// clocks (deadman) to the system time after every line and at least ten times a second,
    /// also while no input arrives, handing on a batch each time.
    fn read_with_wall_clock(
        &mut self,
        input: Box<dyn Read + Send>,
        precision: Precision,
    ) -> std::io::Result<u64> {
        use std::sync::mpsc::{RecvTimeoutError, sync_channel};
        let (tx, rx) = sync_channel::<Result<Point<'static>, LineError>>(4096);
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
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(Ok(point)) => self.point(&point),
                Ok(Err(err)) => self.bad_line(&err),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.stopped() {
                break;
            }
            self.pipeline
                .advance_clock(crate::options::wall_now(), &mut self.deliveries);
            self.flush();
        }
        drop(rx);
        match reader.join() {
            Ok(result) => result.map(|()| self.rejected),
            Err(_) => Err(std::io::Error::other("the input reader failed")),
        }
    }
}
