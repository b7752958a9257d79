//! `|window()` (spec §4.5): turns a stream into batches per group, by time (`period`, `every`,
//! `align`, `fillPeriod`) or by count (`periodCount`, `everyCount`). Windows are emitted only
//! when a later point arrives, never at end of input, unless the caller asks for the
//! `Task::flush` deviation. Buffers hold only time, tags and fields per point (tag sets shared
//! between consecutive points), bounded by the period.

use std::collections::{HashMap, VecDeque};

use tick_syntax::Diagnostic;

use crate::node::{Arg, BuildContext, Node, NodeContext, NodeProperty, NodeProps, NodeSpec};
use crate::nodes::CHAIN_METHODS;
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

/// A buffered point: what a batch point keeps (spec §4.0: fields, tags, time); the name,
/// db, rp and dimensions are the batch's. 24 bytes, so that 100,000 one-minute windows at one
/// point per second fit in well under 1 GB.
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

fn batch<'a>(first: &Point, tmax: i64, entries: impl Iterator<Item = &'a Entry>) -> Batch {
    let points = entries
        .map(|e| Point {
            name: first.name.clone(),
            db: first.db.clone(),
            rp: first.rp.clone(),
            tags: e.tags.clone(),
            fields: e.fields.clone(),
            time: e.time,
            dimensions: first.dimensions.clone(),
            group: first.group.clone(),
        })
        .collect();
    Batch {
        name: first.name.clone(),
        group: first.group.clone(),
        tags: Tags::from_sorted(first.group_tags()),
        dimensions: first.dimensions.clone(),
        tmax,
        points,
    }
}

impl GroupWindow {
    /// Buffers `p`, sharing the tag set of the previous entry when it is equal (the usual case
    /// within a group), and growing the buffer by a quarter at a time rather than doubling:
    /// its size is bounded by the period, so it stops growing once the window is full, with
    /// at most 25% unused slots.
    fn push(&mut self, p: Point) {
        let tags = match self.buf.back() {
            Some(b) if b.tags == p.tags => b.tags.clone(),
            _ => p.tags,
        };
        if self.buf.len() == self.buf.capacity() {
            self.buf.reserve_exact((self.buf.len() / 4).max(4));
        }
        self.buf.push_back(Entry {
            time: p.time,
            tags,
            fields: p.fields,
        });
    }
}

impl Window {
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
                    out.push(Message::Batch(batch(&g.first, next, g.buf.iter())));
                    let n = p.time.saturating_add(every);
                    g.next = Some(if align {
                        crate::time::truncate(n, every)
                    } else {
                        n
                    });
                }
                g.push(p);
                g.pending = true;
            }
            Mode::Time { period, .. } => {
                let start = *g.next.get_or_insert(if fill {
                    p.time.saturating_add(period)
                } else {
                    i64::MIN
                });
                let t = p.time;
                g.push(p);
                let tmin = t.saturating_sub(period);
                while g.buf.front().is_some_and(|b| b.time <= tmin) {
                    g.buf.pop_front();
                }
                g.pending = t < start;
                if !g.pending {
                    out.push(Message::Batch(batch(&g.first, t, g.buf.iter())));
                }
            }
            Mode::Count { period, every } => {
                let t = p.time;
                g.count += 1;
                g.push(p);
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
                    out.push(Message::Batch(batch(&g.first, t, g.buf.iter())));
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
            let points = g.buf.iter().filter(|p| p.time >= tmin);
            out.push(Message::Batch(batch(&g.first, tmax, points)));
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
        // Spec §4.5: period 10s, every 5s, fillPeriod → 3@11, 3@16, 2@22.
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
        // Spec §4.5: period 10s/every 10s aligned, points 1,5,12,15,25,41 → 2@10, 2@20, 1@30.
        assert_eq!(
            run(time(10, 10, true), false, &[1, 5, 12, 15, 25, 41]),
            vec![(10, vec![1, 5]), (20, vec![12, 15]), (30, vec![25])]
        );
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
        // Spec §4.5: period 10s with fillPeriod: {3,6,11}, {3,6,11,12}, {11,12,17}, {30}.
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
