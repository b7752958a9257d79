//! A point's journey inside the binary: a parsed line-protocol point becomes an engine point
//! (names interned), is routed to every task whose `dbrp` matches (spec §7.2), and each
//! task's alert emissions go through the topics into deliveries. Shared by `tick run` and
//! `tick test`; owns no handler and does no IO.

use hashbrown::HashTable;
use std::hash::BuildHasher as _;
use std::sync::Arc;

use tick_engine::point::{new_series_generation, same_text};
use tick_engine::topics::{Delivery, Topics};
use tick_engine::{Emission, FieldValue, Fields, Point, Tags, Task};
use tick_lineproto::FieldValue as LpValue;

/// Points pushed through the pipeline before their deliveries and log lines are handed on in
/// one batch (fewer when the input pauses or a write body ends).
pub(crate) const FLUSH_POINTS: usize = 4096;

/// Where points from one input belong (`--db/--rp`, else each task's first `dbrp`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    pub(crate) db: Option<String>,
    pub(crate) rp: Option<String>,
}

/// Reuses one `Arc<str>` per distinct measurement, key and (bounded) tag value, so that
/// converting a point allocates nothing for names seen before.
#[derive(Default)]
struct Interner {
    /// The names themselves: a lookup reads the table and then one allocation, which holds
    /// both the text it compares and the count it increments.
    table: HashTable<Arc<str>>,
    hasher: foldhash::fast::RandomState,
    /// The last name seen at each position of a point (measurement, each tag key and value,
    /// each field key): consecutive points mostly repeat them, and comparing with the last one
    /// is cheaper than hashing.
    recent: Vec<Arc<str>>,
}

impl Interner {
    /// Past this many entries the table is cleared, so unbounded distinct tag values (ids,
    /// timestamps in tags) cannot grow memory without limit.
    const LIMIT: usize = 200_000;

    fn get(&mut self, s: &str) -> Arc<str> {
        let hash = self.hasher.hash_one(s);
        if let Some(a) = self
            .table
            .find(hash, |a| same_text(a.as_bytes(), s.as_bytes()))
        {
            return a.clone();
        }
        if self.table.len() >= Self::LIMIT {
            self.table.clear();
        }
        let a: Arc<str> = Arc::from(s);
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, a.clone(), |a| hasher.hash_one(&**a));
        a
    }

    /// [`Interner::get`] for the name at `slot` of a point.
    #[inline]
    fn get_at(&mut self, slot: usize, s: &str) -> Arc<str> {
        if let Some(a) = self.recent.get(slot)
            && same_text(a.as_bytes(), s.as_bytes())
        {
            return a.clone();
        }
        let a = self.get(s);
        if slot < self.recent.len() {
            self.recent[slot] = a.clone();
        } else if slot == self.recent.len() {
            self.recent.push(a.clone());
        }
        a
    }
}

/// The tag set of each series seen, keyed by the series text as written
/// ([`tick_lineproto::Point::series`]): a point of a known series shares it without interning
/// a name or building a set.
///
/// Design: the hash table holds only positions (4 bytes a series, so it stays in the core's
/// cache), and the series themselves sit in creation order. Metrics mostly arrive in the same
/// order every interval, so consecutive points read consecutive entries, which the hardware
/// prefetches; a table of whole entries is read in hash order, a cache miss per point.
struct SeriesCache {
    index: HashTable<u32>,
    /// Series `n` (its number) is at position `n - 1`.
    series: Vec<Series>,
    hasher: foldhash::fast::RandomState,
    /// The generation of the numbers given now ([`Tags::for_series`]).
    generation: u32,
}

/// One cached series: 64 bytes, with the key in place when it is short, so that a hit
/// reads one entry and no other memory before the tag set itself.
struct Series {
    key: SeriesKey,
    tags: Tags,
}

enum SeriesKey {
    Short {
        len: u8,
        text: [u8; SeriesKey::SHORT],
    },
    Long(Box<[u8]>),
}

impl SeriesKey {
    const SHORT: usize = 38;

    fn new(key: &[u8]) -> SeriesKey {
        if key.len() <= Self::SHORT {
            let mut text = [0; Self::SHORT];
            text[..key.len()].copy_from_slice(key);
            SeriesKey::Short {
                len: key.len() as u8,
                text,
            }
        } else {
            SeriesKey::Long(Box::from(key))
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            SeriesKey::Short { len, text } => &text[..usize::from(*len)],
            SeriesKey::Long(b) => b,
        }
    }
}

impl Default for SeriesCache {
    fn default() -> SeriesCache {
        SeriesCache {
            index: HashTable::new(),
            series: Vec::new(),
            hasher: foldhash::fast::RandomState::default(),
            generation: new_series_generation(),
        }
    }
}

impl SeriesCache {
    /// Past this many series the cache is cleared, so that unbounded distinct tag values
    /// cannot grow memory without limit.
    const LIMIT: usize = 100_000;

    fn get(&self, hash: u64, key: &str) -> Option<&Tags> {
        let series = &self.series;
        let i = self.index.find(hash, |&i| {
            series
                .get(i as usize)
                .is_some_and(|s| same_text(s.key.as_bytes(), key.as_bytes()))
        })?;
        series.get(*i as usize).map(|s| &s.tags)
    }

    /// Caches a new series; returns its tags marked with the series number.
    fn insert(&mut self, hash: u64, key: &str, tags: Tags) -> Tags {
        if self.series.len() >= Self::LIMIT {
            // Numbers restart in a new generation, so they stay small (nodes index tables
            // with them).
            self.index.clear();
            self.series.clear();
            self.generation = new_series_generation();
        }
        let i = self.series.len() as u32;
        let tags = tags.for_series(self.generation, i + 1);
        self.series.push(Series {
            key: SeriesKey::new(key.as_bytes()),
            tags: tags.clone(),
        });
        let (hasher, series) = (&self.hasher, &self.series);
        self.index.insert_unique(hash, i, |&i| {
            series
                .get(i as usize)
                .map_or(0, |s| hasher.hash_one(s.key.as_bytes()))
        });
        tags
    }
}

struct Route {
    task: Task,
    /// `(db, rp)` pairs this task accepts; empty = every point.
    dbrps: Vec<(Arc<str>, Arc<str>)>,
    /// The db/rp stdin points get for this task when `--db/--rp` are not given.
    default_db: Arc<str>,
    default_rp: Arc<str>,
}

/// Every task of a run, the topics they share, and the routing between them.
pub(crate) struct Pipeline {
    routes: Vec<Route>,
    pub(crate) topics: Topics,
    interner: Interner,
    series: SeriesCache,
    /// Scratch sets for converting a point, reused so that only the shared sets allocate.
    tag_buf: Vec<(Arc<str>, Arc<str>)>,
    field_buf: Vec<(Arc<str>, FieldValue)>,
    origin_db: Option<Arc<str>>,
    origin_rp: Option<Arc<str>>,
    emissions: Vec<Emission>,
    pub(crate) points: u64,
    /// `tick test`: route every alert event to its node's anonymous topic, as if the node
    /// had one handler, so that the events can be observed.
    observe_alerts: bool,
    /// `--clock points`.
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
    pub(crate) fn new(tasks: Vec<Task>, origin: &Origin) -> Pipeline {
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
    pub(crate) fn with_point_clock(mut self, on: bool) -> Pipeline {
        self.point_clock = on;
        self
    }

    /// Makes every alert node's events visible as deliveries to handler 0 of its node.
    pub(crate) fn observing_alerts(mut self) -> Pipeline {
        self.observe_alerts = true;
        self
    }

    pub(crate) fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.routes.iter().map(|r| &r.task)
    }

    pub(crate) fn tasks_mut(&mut self) -> impl Iterator<Item = &mut Task> {
        self.routes.iter_mut().map(|r| &mut r.task)
    }

    /// Converts a parsed point, hands it to every task it belongs to, and appends the
    /// resulting deliveries (in order) to `out`.
    pub(crate) fn push(&mut self, lp: &tick_lineproto::Point<'_>, out: &mut Vec<Delivery>) {
        let (db, rp) = (self.origin_db.clone(), self.origin_rp.clone());
        self.route(lp, db, rp, out);
    }

    /// [`Pipeline::push`] for a point written with its own `db` and `rp` (an HTTP write,
    /// spec §7.2): it goes to every task with a matching `dbrp` and to every task without one.
    pub(crate) fn push_with_origin(
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
    pub(crate) fn advance_clock(&mut self, now: i64, out: &mut Vec<Delivery>) {
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
    pub(crate) fn flush(&mut self, out: &mut Vec<Delivery>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interner_reuses_names_by_position_and_by_table() {
        let mut i = Interner::default();
        let a = i.get_at(0, "cpu");
        let b = i.get_at(0, "cpu");
        assert!(Arc::ptr_eq(&a, &b));
        let c = i.get_at(1, "mem");
        let d = i.get_at(1, "cpu");
        assert!(
            Arc::ptr_eq(&a, &d),
            "a name seen at another position comes from the table"
        );
        assert_eq!(&*c, "mem");
    }

    #[test]
    fn a_series_entry_is_one_cache_line_and_keeps_long_keys_whole() {
        assert_eq!(std::mem::size_of::<Series>(), 64);
        let long = "m,".to_string() + &"k=v,".repeat(20) + "z=1";
        for key in [
            "cpu",
            "cpu,host=server01,region=uswest1,r=001",
            long.as_str(),
        ] {
            assert_eq!(SeriesKey::new(key.as_bytes()).as_bytes(), key.as_bytes());
        }
    }

    #[test]
    fn points_of_one_series_share_their_tag_set_and_number() {
        let mut cache = SeriesCache::default();
        let tags = Tags::from_pairs([("host", "a")]);
        let first = cache.insert(1, "cpu,host=a", tags);
        let hit = cache.get(1, "cpu,host=a").unwrap();
        assert!(hit.series() == first.series() && hit.generation() == first.generation());
        assert_eq!(hit.as_slice().as_ptr(), first.as_slice().as_ptr());
        assert!(cache.get(1, "cpu,host=b").is_none());
        let second = cache.insert(2, "cpu,host=b", Tags::from_pairs([("host", "b")]));
        assert_eq!(second.series(), first.series() + 1);
    }

    #[test]
    fn a_full_series_cache_starts_again_with_new_numbers_of_a_new_generation() {
        let mut cache = SeriesCache::default();
        let first = cache.insert(0, "m,k=0", Tags::default());
        for i in 1..SeriesCache::LIMIT {
            cache.insert(i as u64, &format!("m,k={i}"), Tags::default());
        }
        assert_eq!(cache.series.len(), SeriesCache::LIMIT);
        let after = cache.insert(7, "m,k=new", Tags::default());
        assert_eq!(after.series(), 1);
        assert_ne!(after.generation(), first.generation());
        assert!(
            cache.get(0, "m,k=0").is_none(),
            "the old series are forgotten"
        );
        assert!(cache.get(7, "m,k=new").is_some());
    }
}
