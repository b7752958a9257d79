//! Per-group alert state and the emission rules for streams and batches (Kapacitor's `alertState`
//! in alert.go at v1.5.7: `addEvent`, `triggered`, `percentChange`, `Point` and `BufferedBatch`).
//! Pure: it decides *whether* an event is emitted and with which level, time and duration;
//! rendering, routing and forwarding are the alert node's.

use crate::event::Level;

/// The options of one alert node that shape its group state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StateOptions {
    /// `.history(n)`; values below 2 are raised to 2 when a state is created.
    pub history: usize,
    /// `.flapping(low, high)`.
    pub flapping: Option<Flapping>,
    /// `.stateChangesOnly()` is `Some(0)`, `.stateChangesOnly(d)` is `Some(d)` (ns).
    pub state_changes_only: Option<i64>,
    /// `.noRecoveries()`.
    pub no_recoveries: bool,
    /// `.all()` (batches only).
    pub all: bool,
}

impl Default for StateOptions {
    fn default() -> StateOptions {
        StateOptions {
            history: 21,
            flapping: None,
            state_changes_only: None,
            no_recoveries: false,
            all: false,
        }
    }
}

/// `.flapping(low, high)` thresholds, fractions of weighted changes (Kapacitor's
/// `alertState.updateFlapping`, alert.go at v1.5.7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Flapping {
    pub low: f64,
    pub high: f64,
}

/// What happened when the group was triggered: the event to build, unless suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Trigger {
    pub level: Level,
    /// Event time, ns since the epoch (UTC).
    pub time: i64,
    /// `lastTriggered − firstTriggered` in ns (Kapacitor's `alertState.duration`, alert.go at
    /// v1.5.7), saturating at `i64::MAX` as Go's `Time.Sub` does
    /// (<https://pkg.go.dev/time#Time.Sub>).
    pub duration: i64,
    /// False when `.noRecoveries()` suppresses this OK event: the state (and the group's
    /// inhibitors) were still updated, but nothing is emitted or forwarded.
    pub emit: bool,
}

/// The levels a batch reached, evaluated against the level at the start of the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchLevels {
    pub lowest: Level,
    pub highest: Level,
    /// Time of the first point that reached `highest`.
    pub highest_time: i64,
    /// The batch's `tmax`.
    pub tmax: i64,
}

/// One group's state: the level history ring and the trigger times (Kapacitor `alertState`).
#[derive(Debug, Clone)]
pub(crate) struct AlertState {
    history: History,
    /// Index of the newest level (histories hold at most 2²⁰ levels).
    newest: u32,
    flapping: bool,
    changed: bool,
    expired: bool,
    /// [`NEVER`] until the group is first triggered (kept unboxed so that a group's state
    /// fits one cache line).
    first_triggered: i64,
    last_triggered: i64,
}

/// The trigger times of a group never triggered: no point has this time (the line-protocol parser
/// refuses times outside ±9223372036854775806 ns, `MinNanoTime` and `MaxNanoTime` in the InfluxDB
/// models/time.go that Kapacitor v1.5.7 vendors).
const NEVER: i64 = i64::MIN;

/// The level history ring. Up to [`History::INLINE`] levels (the default is 21) live inside
/// the state itself, so reading a group's current level touches no other memory.
#[derive(Debug, Clone)]
enum History {
    Inline {
        levels: [Level; History::INLINE],
        len: u8,
    },
    Heap(Box<[Level]>),
}

impl History {
    const INLINE: usize = 24;

    fn new(len: usize) -> History {
        if len <= History::INLINE {
            History::Inline {
                levels: [Level::Ok; History::INLINE],
                len: len as u8,
            }
        } else {
            History::Heap(vec![Level::Ok; len].into_boxed_slice())
        }
    }
}

impl std::ops::Deref for History {
    type Target = [Level];
    fn deref(&self) -> &[Level] {
        match self {
            History::Inline { levels, len } => &levels[..usize::from(*len)],
            History::Heap(levels) => levels,
        }
    }
}

impl std::ops::DerefMut for History {
    fn deref_mut(&mut self) -> &mut [Level] {
        match self {
            History::Inline { levels, len } => &mut levels[..usize::from(*len)],
            History::Heap(levels) => levels,
        }
    }
}

// Flapping weights (Kapacitor's `alertState.percentChange`, alert.go at v1.5.7, with `maxWeight`
// 1.2 and `weightDiff` 1.5). Quirk: the start weight is the literal 0.8, which is what Go's exact
// constant folding of 1.2/1.5 yields; dividing at run time would give 0.7999999999999999 and change
// results at the thresholds.
const FLAP_START_WEIGHT: f64 = 0.8;
const FLAP_END_WEIGHT: f64 = 1.2;

impl AlertState {
    /// A fresh state: the whole history is OK.
    pub(crate) fn new(options: &StateOptions) -> AlertState {
        AlertState {
            history: History::new(options.history.max(2)),
            newest: 0,
            flapping: false,
            changed: false,
            expired: false,
            first_triggered: NEVER,
            last_triggered: NEVER,
        }
    }

    /// Starts a new group at the level an earlier event with its id left (Kapacitor's
    /// `restoreEventState` in alert.go at v1.5.7): `level` joins the history at `time` (the
    /// group's first point) and the group counts as triggered at `triggered` (that event's
    /// time), so durations run on from it.
    pub(crate) fn restore(
        &mut self,
        options: &StateOptions,
        time: i64,
        level: Level,
        triggered: i64,
    ) {
        if level == Level::Ok {
            return;
        }
        self.add_event(options, time, level);
        self.triggered(triggered);
    }

    /// The newest level in the history (OK initially).
    pub(crate) fn current(&self) -> Level {
        self.history[self.newest as usize]
    }

    fn previous(&self) -> Level {
        let len = self.history.len();
        self.history[(self.newest as usize + len - 1) % len]
    }

    /// Whether the group is flapping (only meaningful with `.flapping()`).
    #[cfg(test)]
    pub(crate) fn is_flapping(&self) -> bool {
        self.flapping
    }

    fn add_event(&mut self, options: &StateOptions, time: i64, level: Level) {
        self.changed = level != self.current();
        let newest = (self.newest as usize + 1) % self.history.len();
        self.history[newest] = level;
        self.newest = newest as u32;
        if let Some(f) = options.flapping {
            let pct = self.percent_change();
            if self.flapping && pct < f.low {
                self.flapping = false;
            } else if !self.flapping && pct > f.high {
                self.flapping = true;
            }
        }
        let d = options.state_changes_only.unwrap_or(0);
        self.expired = !self.changed
            && d != 0
            && match self.last_triggered {
                // Unset: Go subtracts the zero time, a huge difference.
                NEVER => true,
                last => time.saturating_sub(last) >= d,
            };
    }

    /// Weighted share of level changes across the history (Kapacitor `percentChange`).
    fn percent_change(&self) -> f64 {
        let len = self.history.len();
        let mut weight = FLAP_START_WEIGHT;
        // Run-time f64 arithmetic, as in Kapacitor.
        let step = (FLAP_END_WEIGHT - weight) / (len - 1) as f64;
        let mut total = 0.0;
        for i in 0..len - 1 {
            // Quirk: starts at the newest entry, so the second pair compares the oldest entry
            // with the newest, and (newest−1, newest−2) is never compared.
            let c = (self.newest as usize + i) % len;
            let p = if c == 0 { len - 1 } else { c - 1 };
            if self.history[c] != self.history[p] {
                total += weight;
            }
            weight += step;
        }
        total / (len - 1) as f64
    }

    fn triggered(&mut self, time: i64) -> i64 {
        self.last_triggered = time;
        if self.previous() == Level::Ok {
            self.first_triggered = time;
        }
        match self.first_triggered {
            // Go's Time.Sub against the zero time saturates.
            NEVER => i64::MAX,
            first => time.saturating_sub(first),
        }
    }

    /// Stream rules (Kapacitor's `alertState.Point`, alert.go at v1.5.7): add `level` (computed for
    /// a point at `time`) and decide. `None` means nothing is emitted and nothing is forwarded, and
    /// the group was not triggered.
    pub(crate) fn point(
        &mut self,
        options: &StateOptions,
        time: i64,
        level: Level,
    ) -> Option<Trigger> {
        self.add_event(options, time, level);
        let flapping = options.flapping.is_some() && self.flapping;
        if flapping || (options.state_changes_only.is_some() && !self.changed && !self.expired) {
            return None;
        }
        if level == Level::Ok && !self.changed {
            return None;
        }
        Some(self.trigger(options, time, level))
    }

    /// Batch rules (Kapacitor's `alertState.BufferedBatch`, alert.go at v1.5.7), for a non-empty
    /// batch whose points were evaluated against [`AlertState::current`] as it was at the start of
    /// the batch.
    pub(crate) fn batch(&mut self, options: &StateOptions, levels: BatchLevels) -> Option<Trigger> {
        let level = if options.all {
            levels.lowest
        } else {
            levels.highest
        };
        let time = if options.all || level == Level::Ok {
            levels.tmax
        } else {
            levels.highest_time
        };
        self.add_event(options, time, level);
        let recovery = self.changed && level == Level::Ok;
        let suppressed = (options.flapping.is_some() && self.flapping)
            || (options.state_changes_only.is_some() && !self.changed && !self.expired);
        // Quirk: unlike streams, a batch recovery is not suppressed by flapping.
        if !(recovery || (level != Level::Ok && !suppressed)) {
            return None;
        }
        Some(self.trigger(options, time, level))
    }

    fn trigger(&mut self, options: &StateOptions, time: i64, level: Level) -> Trigger {
        let duration = self.triggered(time);
        let emit = !(options.no_recoveries && level == Level::Ok);
        Trigger {
            level,
            time,
            duration,
            emit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Level::{Critical as C, Ok as O, Warning as W};

    const S: i64 = 1_000_000_000;

    /// Feeds one level per second (t = 1, 2, ...) and returns the emitted events as
    /// (seconds, level, duration in seconds).
    fn stream(options: &StateOptions, levels: &[Level]) -> Vec<(i64, Level, i64)> {
        let mut state = AlertState::new(options);
        let mut out = Vec::new();
        for (i, level) in levels.iter().enumerate() {
            let t = (i as i64 + 1) * S;
            if let Some(tr) = state.point(options, t, *level)
                && tr.emit
            {
                let d = if tr.duration == i64::MAX {
                    -1
                } else {
                    tr.duration / S
                };
                out.push((tr.time / S, tr.level, d));
            }
        }
        out
    }

    #[test]
    fn every_non_ok_point_emits_and_one_recovery_carries_the_total_duration() {
        let events = stream(&StateOptions::default(), &[O, C, C, W, O, O]);
        assert_eq!(events, vec![(2, C, 0), (3, C, 1), (4, W, 2), (5, O, 3)]);
    }

    #[test]
    fn state_changes_only_with_5s_resends_at_1_6_and_11_seconds() {
        let options = StateOptions {
            state_changes_only: Some(5 * S),
            ..Default::default()
        };
        let events = stream(&options, &[C; 12]);
        assert_eq!(events, vec![(1, C, 0), (6, C, 5), (11, C, 10)]);
    }

    #[test]
    fn state_changes_only_3s_on_warn_crit_sequence_matches_kapacitor() {
        // warn > 70, crit > 80 on 75 76 85 86 87 88 75 76 77 78.
        let options = StateOptions {
            state_changes_only: Some(3 * S),
            ..Default::default()
        };
        let events = stream(&options, &[W, W, C, C, C, C, W, W, W, W]);
        let times: Vec<(i64, Level)> = events.iter().map(|e| (e.0, e.1)).collect();
        assert_eq!(times, vec![(1, W), (3, C), (6, C), (7, W), (10, W)]);
    }

    #[test]
    fn state_changes_only_flag_keeps_only_transitions() {
        let options = StateOptions {
            state_changes_only: Some(0),
            ..Default::default()
        };
        let events = stream(&options, &[C, C, C, O, O, C]);
        assert_eq!(events, vec![(1, C, 0), (4, O, 3), (6, C, 0)]);
    }

    #[test]
    fn no_recoveries_suppresses_ok_but_still_updates_the_state() {
        // crit > 80 on 85 50 85 90: CRITICAL@1 (d 0), CRITICAL@3 (d 0), CRITICAL@4 (d 1).
        let options = StateOptions {
            no_recoveries: true,
            ..Default::default()
        };
        let events = stream(&options, &[C, O, C, C]);
        assert_eq!(events, vec![(1, C, 0), (3, C, 0), (4, C, 1)]);
    }

    #[test]
    fn no_recoveries_reports_the_suppressed_trigger_as_not_emitted() {
        let options = StateOptions {
            no_recoveries: true,
            ..Default::default()
        };
        let mut state = AlertState::new(&options);
        state.point(&options, S, C);
        let tr = state.point(&options, 2 * S, O);
        assert_eq!(
            tr,
            Some(Trigger {
                level: O,
                time: 2 * S,
                duration: S,
                emit: false
            })
        );
    }

    #[test]
    fn history_below_two_is_raised_to_two() {
        let options = StateOptions {
            history: 0,
            ..Default::default()
        };
        assert_eq!(AlertState::new(&options).history.len(), 2);
    }

    #[test]
    fn histories_longer_than_the_inline_ring_keep_every_level() {
        for n in [24, 25, 40] {
            let options = StateOptions {
                history: n,
                ..Default::default()
            };
            let mut state = AlertState::new(&options);
            assert_eq!(state.history.len(), n);
            // One CRITICAL, then OK until it is the oldest entry, then one more OK drops it.
            state.history.iter_mut().for_each(|l| *l = Level::Ok);
            state.newest = 0;
            state.history[0] = Level::Critical;
            for i in 1..n {
                state.newest = i as u32;
                state.history[i] = Level::Ok;
            }
            assert_eq!(
                state
                    .history
                    .iter()
                    .filter(|l| **l == Level::Critical)
                    .count(),
                1
            );
            state.newest = 0;
            state.history[0] = Level::Ok;
            assert!(state.history.iter().all(|l| *l == Level::Ok), "n = {n}");
        }
    }

    #[test]
    fn percent_change_weights_start_at_exactly_0_8() {
        // History 3 after OK OK CRITICAL: only (newest, newest−1) differs, weight 0.8,
        // pct = 0.8 / 2 = 0.4 exactly.
        let options = StateOptions {
            history: 3,
            ..Default::default()
        };
        let mut state = AlertState::new(&options);
        state.add_event(&options, S, C);
        // history [OK, C, OK]: newest=1. Pairs: (1,0) differ w=0.8; (2,1) differ w=0.8+step.
        let step = (1.2 - 0.8) / 2.0;
        assert_eq!(state.percent_change(), (0.8 + (0.8 + step)) / 2.0);
        state.add_event(&options, 2 * S, C);
        // history [OK, C, C], newest=2: (2,1) same; (0,2) differ with weight 0.8+step.
        assert_eq!(state.percent_change(), (0.8 + step) / 2.0);
        state.add_event(&options, 3 * S, O);
        // history [O, C, C], newest=0: (0,2) differ w 0.8; (1,0) differ w 0.8+step.
        assert_eq!(state.percent_change(), (0.8 + (0.8 + step)) / 2.0);
        state.add_event(&options, 4 * S, O);
        // history [O, O, C], newest=1: (1,0) same; (2,1) differ w 0.8+step.
        assert_eq!(state.percent_change(), (0.8 + step) / 2.0);
        state.add_event(&options, 5 * S, C);
        // history [O, O, C] → newest=2 value C: [O, O, C]; (2,1) differ 0.8; (0,2) differ.
        assert_eq!(state.history.as_ref(), &[O, O, C]);
        assert_eq!(state.percent_change(), (0.8 + (0.8 + step)) / 2.0);
    }

    #[test]
    fn flapping_with_history_3_stays_flapping_at_exactly_the_low_threshold() {
        // flapping(0.4, 0.6), history 3. Levels at t=1.. : C O O O ...
        // t1 C: history [O,C,O] newest 1: pct = (0.8 + 1.0)/2 ≈ 0.9 > 0.6 → flapping.
        // t2 O: [O,C,O] newest 2: (2,1) differ 0.8; (0,2) same → pct = 0.4: not < 0.4, stays.
        // t3 O: [O,C,O] newest 0: (0,2) same; (1,0) differ ≈1.0 → pct ≈ 0.5, stays.
        // t4 O: [O,O,O]: pct 0 < 0.4 → leaves flapping. Not changed, OK → nothing.
        // With a start weight of 0.7999999999999999, t2 would leave flapping and emit OK.
        let options = StateOptions {
            history: 3,
            flapping: Some(Flapping {
                low: 0.4,
                high: 0.6,
            }),
            ..Default::default()
        };
        let mut state = AlertState::new(&options);
        assert_eq!(state.point(&options, S, C), None);
        assert!(state.is_flapping());
        assert_eq!(state.point(&options, 2 * S, O), None);
        assert!(state.is_flapping());
        assert_eq!(state.point(&options, 3 * S, O), None);
        assert!(state.is_flapping());
        assert_eq!(state.point(&options, 4 * S, O), None);
        assert!(!state.is_flapping());
    }

    #[test]
    fn flapping_enters_above_high_and_leaves_below_low() {
        // history 3, flapping(0.25, 0.5): C at t1 enters flapping (pct 0.9), so nothing.
        // t2 C: [O,C,C] newest 2: (2,1) same; (0,2) differ w≈1.0 → pct ≈ 0.5, not < 0.25:
        //   stays flapping, nothing.
        // t3 C: [C,C,C]: pct 0 → leaves; unchanged CRITICAL → emits, and the previous entry
        //   is CRITICAL, so firstTriggered is unset: duration saturates.
        let options = StateOptions {
            history: 3,
            flapping: Some(Flapping {
                low: 0.25,
                high: 0.5,
            }),
            ..Default::default()
        };
        assert_eq!(
            stream(&options, &[C, C, C, C]),
            vec![(3, C, -1), (4, C, -1)]
        );
    }

    #[test]
    fn a_first_recovery_after_flapping_has_the_maximum_duration() {
        // history 2, flapping(0.1, 0.3). history len 2: one pair (newest, other) at w 0.8,
        // pct = 0.8 when they differ, 0 when equal.
        // t1 C: [O,C] differ → 0.8 > 0.3 flapping, nothing.
        // t2 O: [O,O]... newest=0 holds O, other C: differ → stays flapping.
        // t3 O: both O → pct 0 < 0.1, leaves; unchanged OK → nothing.
        // t4 C: differ → flapping again. So nothing at all; then add a history-2 sequence
        // where a recovery is first: see below with flapping(0.9, 0.1)
        let options = StateOptions {
            history: 2,
            flapping: Some(Flapping {
                low: 0.1,
                high: 0.3,
            }),
            ..Default::default()
        };
        assert_eq!(stream(&options, &[C, O, O, C]), vec![]);
        // flapping(0.9, 0.1) (low > high is accepted): t1 C pct 0.8 > 0.1 → flapping.
        // t2 O: pct 0.8 < 0.9 → leaves; changed → OK event; previous entry is CRITICAL so
        // firstTriggered was never set: duration = max int64.
        let options = StateOptions {
            history: 2,
            flapping: Some(Flapping {
                low: 0.9,
                high: 0.1,
            }),
            ..Default::default()
        };
        let mut state = AlertState::new(&options);
        assert_eq!(state.point(&options, S, C), None);
        let tr = state.point(&options, 2 * S, O);
        assert_eq!(
            tr,
            Some(Trigger {
                level: O,
                time: 2 * S,
                duration: i64::MAX,
                emit: true
            })
        );
    }

    fn batch(levels: BatchLevels) -> BatchLevels {
        levels
    }

    #[test]
    fn batch_uses_highest_then_recovers_at_tmax() {
        // window 3s on 75 90 95 | 20 20 20, warn > 70, crit > 80: CRITICAL at 2 s, OK at 7 s
        // with duration 5s.
        let options = StateOptions::default();
        let mut state = AlertState::new(&options);
        let b1 = batch(BatchLevels {
            lowest: W,
            highest: C,
            highest_time: 2 * S,
            tmax: 3 * S,
        });
        let tr = state.batch(&options, b1);
        assert_eq!(
            tr,
            Some(Trigger {
                level: C,
                time: 2 * S,
                duration: 0,
                emit: true
            })
        );
        let b2 = BatchLevels {
            lowest: O,
            highest: O,
            highest_time: 5 * S,
            tmax: 7 * S,
        };
        let tr = state.batch(&options, b2);
        assert_eq!(
            tr,
            Some(Trigger {
                level: O,
                time: 7 * S,
                duration: 5 * S,
                emit: true
            })
        );
    }

    #[test]
    fn batch_with_all_uses_the_lowest_level_at_tmax() {
        // .all() on 85 90 50 | 85 90 95 | 20 20 20: nothing, CRITICAL at 7 s, OK at 10 s.
        let options = StateOptions {
            all: true,
            ..Default::default()
        };
        let mut state = AlertState::new(&options);
        let b1 = BatchLevels {
            lowest: O,
            highest: C,
            highest_time: 2 * S,
            tmax: 4 * S,
        };
        assert_eq!(state.batch(&options, b1), None);
        let b2 = BatchLevels {
            lowest: C,
            highest: C,
            highest_time: 5 * S,
            tmax: 7 * S,
        };
        let tr = state.batch(&options, b2);
        assert_eq!(
            tr,
            Some(Trigger {
                level: C,
                time: 7 * S,
                duration: 0,
                emit: true
            })
        );
        let b3 = BatchLevels {
            lowest: O,
            highest: O,
            highest_time: 8 * S,
            tmax: 10 * S,
        };
        let tr = state.batch(&options, b3);
        assert_eq!(
            tr,
            Some(Trigger {
                level: O,
                time: 10 * S,
                duration: 3 * S,
                emit: true
            })
        );
    }

    #[test]
    fn batch_recovery_is_not_suppressed_by_flapping() {
        // history 2, flapping(0.1, 0.3): C enters flapping; O keeps flapping (pct 0.8) but a
        // batch recovery is still emitted.
        let options = StateOptions {
            history: 2,
            flapping: Some(Flapping {
                low: 0.1,
                high: 0.3,
            }),
            ..Default::default()
        };
        let mut state = AlertState::new(&options);
        let b1 = BatchLevels {
            lowest: C,
            highest: C,
            highest_time: S,
            tmax: S,
        };
        assert_eq!(state.batch(&options, b1), None);
        let b2 = BatchLevels {
            lowest: O,
            highest: O,
            highest_time: 2 * S,
            tmax: 2 * S,
        };
        let tr = state.batch(&options, b2);
        assert!(state.is_flapping());
        assert_eq!(
            tr,
            Some(Trigger {
                level: O,
                time: 2 * S,
                duration: i64::MAX,
                emit: true
            })
        );
        // The same on a stream is suppressed.
        let mut state = AlertState::new(&options);
        assert_eq!(state.point(&options, S, C), None);
        assert_eq!(state.point(&options, 2 * S, O), None);
    }
}
