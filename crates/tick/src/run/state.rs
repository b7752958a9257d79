//! `tick run --state-dir`: the alert state store (`tick-state`) opened and checked before
//! anything starts, restored into the pipeline, and written in the delivery path. Owns when the
//! state is written (before the handlers get the events of a batch, in one synced commit per
//! batch) and what a failure does (reported, counted, exit status 1); the file and its format
//! are `tick-state`'s.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tick_engine::{Event, Pipeline};
use tick_state::Store;

use super::Exit;
use super::plan::Plan;
use crate::report;

/// The open store of a run and the events waiting to be written.
pub(crate) struct StateWriter {
    store: Store,
    pending: Vec<Arc<Event>>,
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
        pending: Vec::new(),
        failures: Arc::clone(failures),
    }))
}

impl StateWriter {
    /// Writes the state every event collected since the last call set, in one transaction
    /// synced to disk. Called before the events' deliveries are queued, so a handler never
    /// has an event whose state could be lost by a crash. A failed write is reported (the
    /// first, second, fourth, ... time), counted and not retried; the events are still
    /// delivered.
    pub(crate) fn save(&mut self, pipeline: &mut Pipeline) {
        pipeline.topics_mut().take_changes(&mut self.pending);
        if self.pending.is_empty() {
            return;
        }
        let result = self.store.save(&self.pending);
        self.pending.clear();
        if let Err(e) = result {
            let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                report::stderr(&format!("error: {e} ({n} failed writes so far)\n"));
            }
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
