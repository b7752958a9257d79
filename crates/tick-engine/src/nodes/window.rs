//! `|window()` (Kapacitor's `window.go` `windowByTime` and `windowByCount` at v1.5.7): turns a
//! stream into batches per group, by time (`period`, `every`, `align`, `fillPeriod`) or by count
//! (`periodCount`, `everyCount`). Windows are emitted only when a later point arrives, never at end
//! of input, unless the caller asks for the `Task::flush` deviation. Buffers hold only time, tags
//! and fields per point (tag sets shared between consecutive points), bounded by the period.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt as _};

use tick_syntax::Diagnostic;

use crate::node_props::{BuildContext, NodeProps};
use crate::node_runtime::{Node, NodeContext};
use crate::node_spec::CHAIN_METHODS;
use crate::node_spec::{Arg, NodeProperty, NodeSpec};
use crate::point::{Batch, Fields, GroupId, Message, Point, Tags};

pub(crate) const SPEC: NodeSpec = NodeSpec {
    method: "window",
    kind: "window",
    args: &[],
    optional: &[],
    variadic: None,
    chains: CHAIN_METHODS,
    properties: &[
        NodeProperty::new("period", &[Arg::DURATION], "Length of the window."),
        NodeProperty::new(
            "every",
            &[Arg::DURATION],
            "Emit interval; 0 emits on every point.",
        ),
        NodeProperty::flag(
            "align",
            "Align emit times to multiples of `every` (Go Truncate).",
        ),
        NodeProperty::flag(
            "fillPeriod",
            "Emit nothing until a full period has elapsed.",
        ),
        NodeProperty::new("periodCount", &[Arg::INT], "Window length in points."),
        NodeProperty::new("everyCount", &[Arg::INT], "Emit every this many points."),
    ],
    handlers: false,
    doc: "Groups a stream into windows (batches) by time or by count.",
    build,
};

#[derive(Debug, Clone, Copy)]
enum Mode {
    Time {
        period: i64,
        every: i64,
        align: bool,
    },
    Count {
        period: usize,
        every: usize,
    },
}

fn build(props: &NodeProps, _: &BuildContext<'_>) -> Result<Box<dyn Node>, Vec<Diagnostic>> {
    let period = props.duration("period").map_or(0, |d| d.value);
    let every = props.duration("every").map_or(0, |d| d.value);
    let period_count = props.int("periodCount").map_or(0, |d| d.value);
    let every_count = props.int("everyCount").map_or(0, |d| d.value);
    let align = props.flag("align");
    let fill = props.flag("fillPeriod").is_some();
    let err = |span, m: &str| {
        Err(vec![Diagnostic::error(
            span,
            format!("invalid TICKscript: {m}"),
        )])
    };
    if period != 0 && period_count != 0 {
        return err(
            props.flag("periodCount").unwrap_or(props.span),
            "cannot specify both period and periodCount",
        );
    }
    if period_count != 0 {
        if let Some(span) = align {
            return err(span, "can only align windows based off time, not count");
        }
        if every_count <= 0 {
            return err(
                props.flag("periodCount").unwrap_or(props.span),
                "everyCount must be greater than zero",
            );
        }
    }
    let mode = if period > 0 {
        Mode::Time {
            period,
            every: every.max(0),
            align: align.is_some(),
        }
    } else if period_count > 0 {
        Mode::Count {
            period: period_count as usize,
            every: every_count as usize,
        }
    } else {
        return Err(vec![Diagnostic::error(
            props.span,
            "window node must have either a non zero period or non zero period count",
        )]);
    };
    Ok(Box::new(Window {
        mode,
        fill,
        groups: HashMap::new(),
    }))
}

/// A buffered point: what a batch point keeps (Kapacitor's `edge/messages.go`
/// `BatchPointMessage`: fields, tags, time); the name, db, rp and dimensions are the batch's.
/// 32 bytes, so that 100,000 one-minute windows at one point per second fit in well under 1 GB.
struct Entry {
    time: i64,
    tags: Tags,
    fields: Fields,
}

struct GroupWindow {
    buf: VecDeque<Entry>,
    /// Next emit time (time windows) once the first point was seen.
    next: Option<i64>,
    /// Points seen (count windows).
    count: usize,
    first: Point,
    /// The group tags of the batches (those of the first point).
    tags: Tags,
    /// Creation order of the group, for a deterministic flush.
    seq: usize,
    /// The latest point is in no emitted batch yet.
    pending: bool,
}

struct Window {
    mode: Mode,
    fill: bool,
    groups: HashMap<GroupId, GroupWindow>,
}

/// The most points a recycled batch vector may hold (about 560 KB).
const SPARE_MAX: usize = 4096;

thread_local! {
    /// The points of the last batch consumed on this thread, without their tags and fields,
    /// for the next batch of any window on this thread. A window's usual consumer, an
    /// aggregate, hands each batch's points back ([`recycle`]) once it has reduced them. The
    /// next batch overwrites them in place: its name, db, rp and dimensions are usually the
    /// same, so building and dropping a batch point updates three reference counts (group,
    /// tags, fields) instead of seven, and `window|mean` allocates no vector per batch.
    static SPARE: Cell<Vec<Point>> = const { Cell::new(Vec::new()) };
}

/// Hands the points of a consumed batch back for reuse by the next batch (see [`SPARE`]).
pub(crate) fn recycle(mut points: Vec<Point>) {
    if points.capacity() > SPARE_MAX {
        return;
    }
    for p in &mut points {
        p.tags = Tags::default();
        p.fields = Fields::default();
    }
    SPARE.with(|s| s.set(points));
}

impl GroupWindow {
    /// A batch point: the tags, fields and time of an entry with the name, db, rp, dimensions
    /// and group of the group.
    #[inline(always)]
    fn point(&self, tags: Tags, fields: Fields, time: i64) -> Point {
        let first = &self.first;
        Point {
            name: first.name.clone(),
            db: first.db.clone(),
            rp: first.rp.clone(),
            tags,
            fields,
            time,
            dimensions: first.dimensions.clone(),
            group: first.group.clone(),
        }
    }

    /// Overwrites a recycled point with a batch point of this group (see [`SPARE`]): the
    /// same value as [`GroupWindow::point`], keeping the shared strings it already holds.
    #[inline(always)]
    fn refill(&self, p: &mut Point, tags: Tags, fields: Fields, time: i64) {
        // Every field is named, so that a new one cannot be left stale.
        let Point {
            name,
            db,
            rp,
            tags: p_tags,
            fields: p_fields,
            time: p_time,
            dimensions,
            group,
        } = p;
        let first = &self.first;
        // By identity: `==` on an `Arc<str>` compares the text.
        if !Arc::ptr_eq(name, &first.name) {
            *name = first.name.clone();
        }
        if !Arc::ptr_eq(db, &first.db) {
            *db = first.db.clone();
        }
        if !Arc::ptr_eq(rp, &first.rp) {
            *rp = first.rp.clone();
        }
        let fd = &first.dimensions;
        if dimensions.by_name != fd.by_name || !std::ptr::eq(dimensions.tag_names(), fd.tag_names())
        {
            *dimensions = fd.clone();
        }
        if *group != first.group {
            *group = first.group.clone();
        }
        *p_tags = tags;
        *p_fields = fields;
        *p_time = time;
    }

    /// The batch ending at `tmax` of all buffered points. Leading entries older than
    /// `take_before` are in no later batch: they leave the buffer and are moved into this one
    /// instead of copied (`i64::MIN` keeps them all).
    fn batch(&mut self, tmax: i64, take_before: i64) -> Batch {
        let mut points = SPARE.with(Cell::take);
        let n = self.buf.len();
        points.truncate(n);
        points.reserve(n);
        let mut i = 0;
        while self.buf.front().is_some_and(|e| e.time < take_before) {
            if let Some(e) = self.buf.pop_front() {
                match points.get_mut(i) {
                    Some(p) => self.refill(p, e.tags, e.fields, e.time),
                    None => points.push(self.point(e.tags, e.fields, e.time)),
                }
                i += 1;
            }
        }
        for e in &self.buf {
            match points.get_mut(i) {
                Some(p) => self.refill(p, e.tags.clone(), e.fields.clone(), e.time),
                None => points.push(self.point(e.tags.clone(), e.fields.clone(), e.time)),
            }
            i += 1;
        }
        self.batch_of(tmax, points)
    }

    fn batch_of(&self, tmax: i64, points: Vec<Point>) -> Batch {
        let first = &self.first;
        Batch {
            name: first.name.clone(),
            group: first.group.clone(),
            tags: self.tags.clone(),
            dimensions: first.dimensions.clone(),
            tmax,
            points,
        }
    }
}

/// Whether two tag sets are equal, comparing the strings' pointers before their text (keys and
/// values are interned by the reader, so equal strings usually share their storage).
fn same_tags(a: &Tags, b: &Tags) -> bool {
    let (a, b) = (a.as_slice(), b.as_slice());
    std::ptr::eq(a, b)
        || (a.len() == b.len()
            && a.iter().zip(b).all(|((ka, va), (kb, vb))| {
                (Arc::ptr_eq(ka, kb) || ka == kb) && (Arc::ptr_eq(va, vb) || va == vb)
            }))
}

impl Mode {
    /// What bounds a group's buffer: for time windows the time it spans at most (`period`,
    /// plus `every` since points are dropped only when a window is emitted), for count windows
    /// its length (`periodCount`, plus the point just pushed).
    fn bound(self) -> Bound {
        match self {
            Mode::Time { period, every, .. } => Bound::Span(period.saturating_add(every)),
            Mode::Count { period, .. } => Bound::Len(period.saturating_add(1)),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Bound {
    Span(i64),
    Len(usize),
}

impl GroupWindow {
    /// Buffers `p`, sharing the tag set of the previous entry when it is equal (the usual case
    /// within a group). The buffer stops growing once the window is full, so it is grown to
    /// about the size it will need rather than doubled (see [`GroupWindow::growth`]).
    fn push(&mut self, time: i64, tags: Tags, fields: Fields, bound: Bound) {
        let tags = match self.buf.back() {
            Some(b) if same_tags(&b.tags, &tags) => b.tags.clone(),
            _ => tags,
        };
        if self.buf.len() == self.buf.capacity() {
            self.buf.reserve_exact(self.growth(bound));
        }
        self.buf.push_back(Entry { time, tags, fields });
    }

    /// How many slots to add to the full buffer. Count windows: a quarter more, up to their
    /// length. Time windows whose buffer spans less than a full window yet: the points a full
    /// one will hold at the rate seen so far, plus 1/16, but at least 1/16 more and at most
    /// 4 times as many (a burst of points says little about the rate), so that a steady
    /// stream reaches its size in a few steps (one minute at 1 point/s: 4, 16, 64, 75);
    /// otherwise a quarter more.
    fn growth(&self, bound: Bound) -> usize {
        let len = self.buf.len();
        let quarter = (len / 4).max(4);
        match bound {
            Bound::Len(max) => quarter.min(max.saturating_sub(len)).max(1),
            Bound::Span(span) => {
                let covered = match (self.buf.front(), self.buf.back()) {
                    (Some(a), Some(b)) => b.time.saturating_sub(a.time),
                    _ => 0,
                };
                if covered <= 0 || covered >= span {
                    return quarter;
                }
                // Points at the rate so far: (len - 1) intervals over `covered`.
                let est = (len.saturating_sub(1) as u128 * span as u128 / covered as u128)
                    .saturating_add(1);
                let want = usize::try_from(est + est / 16).unwrap_or(usize::MAX);
                want.saturating_sub(len)
                    .clamp((len / 16).max(4), len.saturating_mul(3).max(4))
            }
        }
    }
}

impl Window {
    #[inline]
    fn point(&mut self, p: Point, out: &mut Vec<Message>) {
        let mode = self.mode;
        let fill = self.fill;
        let seq = self.groups.len();
        let g = match self.groups.get_mut(&p.group) {
            Some(g) => g,
            None => self
                .groups
                .entry(p.group.clone())
                .or_insert_with(|| GroupWindow {
                    buf: VecDeque::new(),
                    next: None,
                    count: 0,
                    tags: Tags::from_sorted(p.group_tags()),
                    first: p.clone(),
                    seq,
                    pending: false,
                }),
        };
        match mode {
            Mode::Time {
                period,
                every,
                align,
            } if every > 0 => {
                let next = *g.next.get_or_insert_with(|| {
                    if fill {
                        let first_period = p.time.saturating_add(period);
                        if align {
                            let t = crate::time::truncate(first_period, every);
                            if t <= first_period {
                                t.saturating_add(every)
                            } else {
                                t
                            }
                        } else {
                            first_period
                        }
                    } else {
                        let n = p.time.saturating_add(every);
                        if align {
                            crate::time::truncate(n, every)
                        } else {
                            n
                        }
                    }
                });
                if p.time >= next {
                    let tmin = next.saturating_sub(period);
                    while g.buf.front().is_some_and(|b| b.time < tmin) {
                        g.buf.pop_front();
                    }
                    let n = p.time.saturating_add(every);
                    let n = if align {
                        crate::time::truncate(n, every)
                    } else {
                        n
                    };
                    // The next window starts at `n - period`: the next emission drops older
                    // points first, and so does a flush.
                    out.push(Message::Batch(g.batch(next, n.saturating_sub(period))));
                    g.next = Some(n);
                }
                g.push(p.time, p.tags, p.fields, mode.bound());
                g.pending = true;
            }
            // `every` 0, as Kapacitor's `windowByTime.Point` (window.go at v1.5.7): each point
            // goes into the buffer; one that is not before the last emission (at first, the
            // first point's time, plus the period with `fillPeriod`) drops the points at or
            // before its time minus the period and emits the window ending at its time. A point
            // older than the last emission (out of order) only joins the buffer.
            Mode::Time { period, .. } => {
                let next = *g.next.get_or_insert(if fill {
                    p.time.saturating_add(period)
                } else {
                    p.time
                });
                let t = p.time;
                g.push(p.time, p.tags, p.fields, mode.bound());
                g.pending = t < next;
                if !g.pending {
                    let tmin = t.saturating_sub(period);
                    while g.buf.front().is_some_and(|b| b.time <= tmin) {
                        g.buf.pop_front();
                    }
                    g.next = Some(t);
                    out.push(Message::Batch(g.batch(t, i64::MIN)));
                }
            }
            Mode::Count { period, every } => {
                let t = p.time;
                g.count += 1;
                g.push(p.time, p.tags, p.fields, mode.bound());
                if g.buf.len() > period {
                    g.buf.pop_front();
                }
                let emit = if fill {
                    g.count >= period && (g.count - period) % every == 0
                } else {
                    g.count % every == 0
                };
                g.pending = !emit;
                if emit {
                    out.push(Message::Batch(g.batch(t, i64::MIN)));
                }
            }
        }
    }
}

impl Window {
    /// End of input (a deviation, `Task::flush`): each group whose latest point is in no
    /// emitted batch yet emits the window it would emit next. For `every` > 0 that is the
    /// window ending at the pending emit time, as if a point arrived exactly then; otherwise
    /// (fillPeriod not reached, count windows between emissions) the buffered points with the
    /// latest point's time as `tmax`. Groups in creation order.
    fn flush_all(&mut self, out: &mut Vec<Message>) {
        let mut groups: Vec<&mut GroupWindow> =
            self.groups.values_mut().filter(|g| g.pending).collect();
        groups.sort_by_key(|g| g.seq);
        for g in groups {
            g.pending = false;
            let last = g.buf.back().map_or(g.first.time, |p| p.time);
            let (tmax, tmin) = match (self.mode, g.next) {
                (Mode::Time { period, every, .. }, Some(next)) if every > 0 => {
                    (next, next.saturating_sub(period))
                }
                _ => (last, i64::MIN),
            };
            let points = g
                .buf
                .iter()
                .filter(|e| e.time >= tmin)
                .map(|e| g.point(e.tags.clone(), e.fields.clone(), e.time))
                .collect();
            out.push(Message::Batch(g.batch_of(tmax, points)));
        }
    }
}

impl Node for Window {
    fn process(&mut self, _: &mut NodeContext<'_>, msg: Message, out: &mut Vec<Message>) {
        match msg {
            Message::Point(p) => self.point(p, out),
            Message::Batch(b) => {
                for p in b.points {
                    self.point(p, out);
                }
            }
        }
    }

    fn flush(&mut self, _: &mut NodeContext<'_>, out: &mut Vec<Message>) {
        self.flush_all(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    fn run(mode: Mode, fill: bool, secs: &[i64]) -> Vec<(i64, Vec<i64>)> {
        run_then(mode, fill, secs, false)
    }

    /// The batches (tmax and point times, in seconds) for points at `secs`, then those of a
    /// flush if `flush`.
    fn run_then(mode: Mode, fill: bool, secs: &[i64], flush: bool) -> Vec<(i64, Vec<i64>)> {
        let mut w = Window {
            mode,
            fill,
            groups: HashMap::new(),
        };
        let mut out = Vec::new();
        for &s in secs {
            w.point(
                Point::new("m", "", "", Tags::default(), Fields::default(), s * S),
                &mut out,
            );
        }
        if flush {
            w.flush_all(&mut out);
        }
        out.into_iter()
            .map(|m| match m {
                Message::Batch(b) => (b.tmax / S, b.points.iter().map(|p| p.time / S).collect()),
                Message::Point(_) => (-1, vec![]),
            })
            .collect()
    }

    const PTS: &[i64] = &[1, 3, 6, 11, 12, 17, 30];

    fn time(period: i64, every: i64, align: bool) -> Mode {
        Mode::Time {
            period: period * S,
            every: every * S,
            align,
        }
    }

    #[test]
    fn fill_period_waits_a_full_period_then_emits_every_interval() {
        // `window.go` `windowByTime.Point`: period 10s, every 5s, fillPeriod → 3@11, 3@16, 2@22.
        assert_eq!(
            run(time(10, 5, false), true, PTS),
            vec![
                (11, vec![1, 3, 6]),
                (16, vec![6, 11, 12]),
                (22, vec![12, 17])
            ]
        );
    }

    #[test]
    fn aligned_fill_period_emits_on_multiples_of_every() {
        assert_eq!(
            run(time(10, 5, true), true, PTS),
            vec![(15, vec![6, 11, 12]), (20, vec![11, 12, 17])]
        );
        assert_eq!(
            run(time(10, 4, true), true, PTS),
            vec![
                (12, vec![3, 6, 11]),
                (16, vec![6, 11, 12]),
                (20, vec![11, 12, 17])
            ]
        );
    }

    #[test]
    fn aligned_windows_skip_gaps_and_never_include_the_triggering_point() {
        // `window.go` `windowByTime.Point`: period 10s/every 10s aligned, points
        // 1,5,12,15,25,41 → 2@10, 2@20, 1@30.
        assert_eq!(
            run(time(10, 10, true), false, &[1, 5, 12, 15, 25, 41]),
            vec![(10, vec![1, 5]), (20, vec![12, 15]), (30, vec![25])]
        );
    }

    #[test]
    fn late_points_stay_until_the_points_before_them_leave_and_flush_sees_the_same_buffer() {
        // `window.go` `windowByTime.Point`, period 10s every 5s: the late point at 2 s stays
        // behind 6 s, so the window at 11 s holds {1,3,6,2,8}; at 18 s everything before 8
        // (all < 7) leaves: {8,12,13} at 17. Flush: next = 23, window [13, 23) = {13, 18}.
        assert_eq!(
            run_then(
                time(10, 5, false),
                false,
                &[1, 3, 6, 2, 8, 12, 13, 18],
                true
            ),
            vec![
                (6, vec![1, 3]),
                (11, vec![1, 3, 6, 2, 8]),
                (17, vec![8, 12, 13]),
                (23, vec![13, 18])
            ]
        );
    }

    #[test]
    fn tumbling_windows_hold_each_point_once() {
        // period = every = 10s from the first point at 1 s: [1,11), [11,21), [21,31); flush at
        // next = 35 + 10 = 45 gives [35, 45).
        assert_eq!(
            run_then(time(10, 10, false), false, &[1, 4, 11, 15, 21, 35], true),
            vec![
                (11, vec![1, 4]),
                (21, vec![11, 15]),
                (31, vec![21]),
                (45, vec![35])
            ]
        );
    }

    #[test]
    fn recycled_batch_points_take_every_value_of_their_new_batch() {
        use crate::point::Dimensions;
        use tick_lambda::FieldValue;
        // Two groups differing in everything but the retention policy; each batch's points
        // are handed back as an aggregate does, so the next batch reuses them (fewer, then
        // more, then fewer points than it needs).
        let point = |name: &str, db: &str, by_name: bool, host: &str, v: f64, t: i64| {
            let mut p = Point::new(
                name,
                db,
                "rp",
                Tags::from_pairs([("host", host), ("dc", "x")]),
                Fields::from_pairs([("v", FieldValue::Float(v))]),
                t,
            );
            p.dimensions = Dimensions::new(by_name, vec!["host".into()]);
            p.group = crate::group::group_id(&p.name, &p.tags, &p.dimensions);
            p
        };
        let a1 = point("cpu", "a", false, "h1", 1.0, 1);
        let a2 = point("cpu", "a", false, "h1", 2.0, 2);
        let b1 = point("mem", "b", true, "h2", 3.0, 3);
        let b2 = point("mem", "b", true, "h2", 4.0, 4);
        let mut w = Window {
            mode: Mode::Count {
                period: 2,
                every: 1,
            },
            fill: false,
            groups: HashMap::new(),
        };
        let mut batches = Vec::new();
        for p in [&a1, &a2, &b1, &b2] {
            let mut out = Vec::new();
            w.point(p.clone(), &mut out);
            let Some(Message::Batch(b)) = out.pop() else {
                panic!("every point emits a batch");
            };
            batches.push((b.name.to_string(), b.group.to_string(), b.points.clone()));
            recycle(b.points);
        }
        assert_eq!(
            batches,
            vec![
                ("cpu".into(), "host=h1".into(), vec![a1.clone()]),
                ("cpu".into(), "host=h1".into(), vec![a1, a2]),
                ("mem".into(), "mem\nhost=h2".into(), vec![b1.clone()]),
                ("mem".into(), "mem\nhost=h2".into(), vec![b1, b2]),
            ]
        );
    }

    /// A group buffer holding points at these seconds.
    fn buffer(secs: impl Iterator<Item = i64>) -> GroupWindow {
        let point = |t| Point::new("m", "", "", Tags::default(), Fields::default(), t);
        let mut g = GroupWindow {
            buf: VecDeque::new(),
            next: None,
            count: 0,
            first: point(0),
            tags: Tags::default(),
            seq: 0,
            pending: false,
        };
        g.buf.extend(secs.map(|s| Entry {
            time: s * S,
            tags: Tags::default(),
            fields: Fields::default(),
        }));
        g
    }

    #[test]
    fn a_steady_stream_grows_its_buffer_to_the_window_size_in_a_few_steps() {
        // period 1m every 10s at one point per second: a full buffer holds 70 points (60 s
        // plus the 10 s until the next emission drops the oldest). At 4, 16 and 64 points the
        // rate gives 71 (+1/16: 75); the growth is capped at 3 times the length.
        let span = Bound::Span(70 * S);
        assert_eq!(buffer(0..0).growth(span), 4);
        assert_eq!(buffer(0..4).growth(span), 12);
        assert_eq!(buffer(0..16).growth(span), 48);
        assert_eq!(buffer(0..64).growth(span), 11);
        // A buffer already spanning the window grows by a quarter.
        assert_eq!(buffer(0..80).growth(span), 20);
        // Points all at one time say nothing about the rate: a quarter.
        assert_eq!(buffer((0..8).map(|_| 5)).growth(span), 4);
        // Count windows never grow past their length (periodCount 5, plus the new point).
        assert_eq!(buffer(0..4).growth(Bound::Len(6)), 2);
    }

    #[test]
    fn unaligned_every_starts_from_the_first_point() {
        assert_eq!(
            run(time(10, 5, false), false, &[1, 3, 6, 8]),
            vec![(6, vec![1, 3])]
        );
    }

    #[test]
    fn every_zero_emits_on_each_point_including_it() {
        // `window.go` `windowByTime.Point`: period 10s with fillPeriod: {3,6,11}, {3,6,11,12},
        // {11,12,17}, {30}.
        assert_eq!(
            run(time(10, 0, false), true, PTS),
            vec![
                (11, vec![3, 6, 11]),
                (12, vec![3, 6, 11, 12]),
                (17, vec![11, 12, 17]),
                (30, vec![30])
            ]
        );
        assert_eq!(
            run(time(10, 0, false), false, &[1, 3]),
            vec![(1, vec![1]), (3, vec![1, 3])]
        );
    }

    #[test]
    fn every_zero_does_not_emit_for_a_point_older_than_the_last_emission() {
        // Kapacitor 1.5.7 (tickscripts/window_out_of_order): 4 s after 5 s joins the buffer
        // only; points leave from the front, so 4 s stays behind 5 s at 14 s.
        assert_eq!(
            run(time(10, 0, false), false, &[1, 5, 4, 6, 14, 17]),
            vec![
                (1, vec![1]),
                (5, vec![1, 5]),
                (6, vec![1, 5, 4, 6]),
                (14, vec![5, 4, 6, 14]),
                (17, vec![14, 17])
            ]
        );
    }

    #[test]
    fn count_windows_include_the_current_point() {
        let count = |p, e| Mode::Count {
            period: p,
            every: e,
        };
        let pts: Vec<i64> = (1..=6).collect();
        assert_eq!(
            run(count(3, 1), false, &pts[..4]),
            vec![
                (1, vec![1]),
                (2, vec![1, 2]),
                (3, vec![1, 2, 3]),
                (4, vec![2, 3, 4])
            ]
        );
        assert_eq!(
            run(count(3, 2), false, &pts),
            vec![(2, vec![1, 2]), (4, vec![2, 3, 4]), (6, vec![4, 5, 6])]
        );
        assert_eq!(
            run(count(2, 3), false, &pts),
            vec![(3, vec![2, 3]), (6, vec![5, 6])]
        );
    }
}
