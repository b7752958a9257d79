//! A point's way into the tasks (Kapacitor's `TaskMaster.forkPoint` in task_master.go at
//! v1.5.7, which forks each point to the tasks of its db, rp and measurement): a parsed
//! line-protocol point becomes an engine [`Point`] (names interned, the series' shared tag set
//! from the series cache), is routed to every task whose `dbrp` and measurement match, and each
//! task's alert emissions go through the shared [`Topics`] into deliveries. Owns the interner, the series cache and the routing;
//! does no IO and reads no clock: time comes from the points, or from the caller through
//! [`Pipeline::advance_clock`]. Handing deliveries to handlers is the caller's.
//!
//! Design: this is the per-point path. A point of a known series costs one hash of its series
//! text and a lookup in the series cache; names at the same position as in the previous
//! point are compared, not hashed; the tag and field sets are built in reused scratch vectors
//! (docs/ARCHITECTURE.md, "Per-point cost"; figures in docs/PERFORMANCE.md).

mod interner;
mod series;

pub(crate) use series::SeriesId;

use std::hash::BuildHasher as _;
use std::sync::Arc;

use tick_lineproto::FieldValue as LpValue;

use crate::node_runtime::Emission;
use crate::point::{Fields, Point, Tags};
use crate::task::Task;
use crate::topics::{Delivery, Topics};
use interner::Interner;
use series::SeriesCache;
use tick_lambda::FieldValue;

/// Where points from one input belong (`--db/--rp`, else each task's first `dbrp`).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The database, when the input names one.
    pub db: Option<String>,
    /// The retention policy, when the input names one.
    pub rp: Option<String>,
}

struct Route {
    task: Task,
    /// `(db, rp)` pairs this task accepts; empty = every point.
    dbrps: Vec<(Arc<str>, Arc<str>)>,
    /// The db/rp points without an origin get for this task.
    default_db: Arc<str>,
    default_rp: Arc<str>,
}

/// Every task of a run, the topics they share, and the routing between them.
pub struct Pipeline {
    routes: Vec<Route>,
    topics: Topics,
    interner: Interner,
    series: SeriesCache,
    /// Scratch sets for converting a point, reused so that only the shared sets allocate.
    tag_buf: Vec<(Arc<str>, Arc<str>)>,
    field_buf: Vec<(Arc<str>, FieldValue)>,
    origin_db: Option<Arc<str>>,
    origin_rp: Option<Arc<str>>,
    emissions: Vec<Emission>,
    points: u64,
    /// `tick test`: route every alert event to its node's anonymous topic, as if the node
    /// had one handler, so that the events can be observed.
    observe_alerts: bool,
    /// Each point advances the tasks' clocks to its time first.
    point_clock: bool,
}

/// Routes a task's emissions through the topics, in order.
fn collect(
    emissions: &mut Vec<Emission>,
    topics: &mut Topics,
    observe_alerts: bool,
    out: &mut Vec<Delivery>,
) {
    if emissions.is_empty() {
        return;
    }
    for mut emission in emissions.drain(..) {
        if observe_alerts && let Emission::Event(e) = &mut emission {
            e.handlers = e.handlers.max(1);
        }
        topics.collect(emission, out);
    }
}

impl Pipeline {
    /// The tasks, routed from points of `origin` (`None` parts: each task's first dbrp).
    pub fn new(tasks: Vec<Task>, origin: &Origin) -> Pipeline {
        let routes = tasks
            .into_iter()
            .map(|task| {
                let dbrps: Vec<(Arc<str>, Arc<str>)> = task
                    .dbrps()
                    .iter()
                    .map(|d| (Arc::from(d.db.as_str()), Arc::from(d.rp.as_str())))
                    .collect();
                let (default_db, default_rp) = dbrps
                    .first()
                    .cloned()
                    .unwrap_or_else(|| (Arc::from(""), Arc::from("")));
                Route {
                    task,
                    dbrps,
                    default_db,
                    default_rp,
                }
            })
            .collect();
        Pipeline {
            routes,
            topics: Topics::new(),
            interner: Interner::default(),
            series: SeriesCache::default(),
            tag_buf: Vec::new(),
            field_buf: Vec::new(),
            origin_db: origin.db.as_deref().map(Arc::from),
            origin_rp: origin.rp.as_deref().map(Arc::from),
            emissions: Vec::new(),
            points: 0,
            observe_alerts: false,
            point_clock: false,
        }
    }

    /// `--clock points`: every input point first advances the tasks' clocks (deadman) to its
    /// time, so a replayed file behaves as it did live.
    pub fn with_point_clock(mut self, on: bool) -> Pipeline {
        self.point_clock = on;
        self
    }

    /// Makes every alert node's events visible as deliveries to handler 0 of its node.
    pub fn observing_alerts(mut self) -> Pipeline {
        self.observe_alerts = true;
        self
    }

    /// The tasks, in the order they were added.
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.routes.iter().map(|r| &r.task)
    }

    /// The tasks, mutably, in the order they were added.
    pub fn tasks_mut(&mut self) -> impl Iterator<Item = &mut Task> {
        self.routes.iter_mut().map(|r| &mut r.task)
    }

    /// Restores the stored state of alert topics (a state store's content) before the first
    /// point: the topics' levels, which become `previousLevel`, and each alert node's level per
    /// event id ([`Task::restore_alerts`]).
    pub fn restore(&mut self, topics: &[crate::topics::TopicState]) {
        for t in topics {
            self.topics.restore(t);
        }
        for route in &mut self.routes {
            route.task.restore_alerts(topics);
        }
    }

    /// The topics the tasks' alerts go through (topic handlers are added here).
    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    /// The topics, to register topic handlers and read their counters.
    pub fn topics_mut(&mut self) -> &mut Topics {
        &mut self.topics
    }

    /// Points pushed so far.
    pub fn points(&self) -> u64 {
        self.points
    }

    /// Converts a parsed point, hands it to every task it belongs to, and appends the
    /// resulting deliveries (in order) to `out`.
    pub fn push(&mut self, lp: &tick_lineproto::Point<'_>, out: &mut Vec<Delivery>) {
        let (db, rp) = (self.origin_db.clone(), self.origin_rp.clone());
        self.route(lp, db, rp, out);
    }

    /// [`Pipeline::push`] for a point written with its own `db` and `rp` (an HTTP write,
    /// Kapacitor's `serveWrite` in services/httpd/handler.go at v1.5.7): it goes to every task
    /// with a matching `dbrp` and to every task without one.
    pub fn push_with_origin(
        &mut self,
        lp: &tick_lineproto::Point<'_>,
        db: &Arc<str>,
        rp: &Arc<str>,
        out: &mut Vec<Delivery>,
    ) {
        self.route(lp, Some(db.clone()), Some(rp.clone()), out);
    }

    /// Routes one point with an explicit origin (`None`: each task's first dbrp).
    fn route(
        &mut self,
        lp: &tick_lineproto::Point<'_>,
        origin_db: Option<Arc<str>>,
        origin_rp: Option<Arc<str>>,
        out: &mut Vec<Delivery>,
    ) {
        self.points += 1;
        if self.point_clock {
            self.advance_clock(lp.time, out);
        }
        // The first task that takes the measurement; later ones are asked in the loop.
        let Some(first) = self
            .routes
            .iter()
            .position(|r| r.task.accepts(&lp.measurement))
        else {
            return;
        };
        let (measurement, tags) = self.series_of(lp);
        let first_field = 1 + 2 * lp.tags.len();
        let interner = &mut self.interner;
        self.field_buf
            .extend(lp.fields.iter().enumerate().map(|(i, f)| {
                let value = match &f.value {
                    LpValue::Float(x) => FieldValue::Float(*x),
                    LpValue::Int(i) => FieldValue::Int(*i),
                    LpValue::String(s) => FieldValue::String(s.to_string()),
                    LpValue::Bool(b) => FieldValue::Bool(*b),
                };
                (interner.get_at(first_field + i, &f.key), value)
            }));
        let fields = Fields::from_scratch(&mut self.field_buf);
        // The last task takes the shared parts themselves, the others clones.
        let (mut measurement, mut tags, mut fields) = (Some(measurement), Some(tags), Some(fields));
        let last = self.routes.len() - 1;
        for (i, route) in self.routes.iter_mut().enumerate().skip(first) {
            let db = origin_db
                .clone()
                .unwrap_or_else(|| route.default_db.clone());
            let rp = origin_rp
                .clone()
                .unwrap_or_else(|| route.default_rp.clone());
            if origin_db.is_some()
                && !route.dbrps.is_empty()
                && !route.dbrps.iter().any(|(d, r)| *d == db && *r == rp)
            {
                continue;
            }
            if i != first && !route.task.accepts(&lp.measurement) {
                continue;
            }
            let (m, t, f) = if i == last {
                (measurement.take(), tags.take(), fields.take())
            } else {
                (measurement.clone(), tags.clone(), fields.clone())
            };
            let point = Point::new(
                m.unwrap_or_default(),
                db,
                rp,
                t.unwrap_or_default(),
                f.unwrap_or_default(),
                lp.time,
            );
            route.task.push_owned(point, &mut self.emissions);
            collect(
                &mut self.emissions,
                &mut self.topics,
                self.observe_alerts,
                out,
            );
        }
    }

    /// Advances every task's clock (deadman) to `now` ns and routes what fires.
    pub fn advance_clock(&mut self, now: i64, out: &mut Vec<Delivery>) {
        for route in &mut self.routes {
            route.task.advance_clock(now, &mut self.emissions);
            collect(
                &mut self.emissions,
                &mut self.topics,
                self.observe_alerts,
                out,
            );
        }
    }

    /// End of input with `--flush-windows`: emits every partial window (a deliberate
    /// difference from Kapacitor, which never flushes) and routes the results.
    pub fn flush(&mut self, out: &mut Vec<Delivery>) {
        for route in &mut self.routes {
            route.task.flush(&mut self.emissions);
            collect(
                &mut self.emissions,
                &mut self.topics,
                self.observe_alerts,
                out,
            );
        }
    }

    /// The interned measurement and the shared tag set of the point's series: from the
    /// series cache, else interned and built (and cached when the point says how its series
    /// was written).
    fn series_of(&mut self, lp: &tick_lineproto::Point<'_>) -> (Arc<str>, Tags) {
        let measurement = self.interner.get_at(0, &lp.measurement);
        let key = &*lp.series;
        let hash = self.series.hasher.hash_one(key.as_bytes());
        if !key.is_empty()
            && let Some(tags) = self.series.get(hash, key)
        {
            return (measurement, tags.clone());
        }
        let interner = &mut self.interner;
        self.tag_buf
            .extend(lp.tags.iter().enumerate().map(|(i, t)| {
                (
                    interner.get_at(1 + 2 * i, &t.key),
                    interner.get_at(2 + 2 * i, &t.value),
                )
            }));
        // The parser delivers tags sorted by key without duplicates.
        let tags = Tags::from_sorted_scratch(&mut self.tag_buf);
        if key.is_empty() {
            return (measurement, tags);
        }
        let tags = self.series.insert(hash, key, tags);
        (measurement, tags)
    }
}
