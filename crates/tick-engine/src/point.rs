//! The data that flows through a task (Kapacitor's edge/messages.go and models/point.go at v1.5.7):
//! `Point`, `Batch`, their tags, fields, dimensions and group id. Owns the data model and its
//! cheap-clone representation; group id computation lives in `group.rs`, and nothing here knows
//! about nodes.
//!
//! Design: names, keys and the tag/field sets are reference counted, so cloning a point for a
//! fan-out or a child node is a handful of counter increments, never an allocation. A node that
//! changes tags or fields copies the set once.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use tick_lambda::FieldValue;

use crate::ingest::SeriesId;

type TagSlice = [(Arc<str>, Arc<str>)];
/// The storage of a tag or field set: `None` when empty.
type SharedSet<V> = Option<Arc<[(Arc<str>, V)]>>;
type FieldSlice = [(Arc<str>, FieldValue)];

/// Sorted `(key, value)` tag pairs. Cloning shares the storage, which is one allocation.
///
/// A set may carry the number of the input series it was built for (given only by the series
/// cache of [`Pipeline`](crate::Pipeline)), which per-series caches use as a dense index; any change to the
/// set drops the number.
#[derive(Debug, Clone, Default)]
pub struct Tags {
    set: Option<Arc<TagSlice>>,
    series: u32,
    generation: u32,
}

/// Equal pairs make equal sets, whatever series numbers they carry.
impl PartialEq for Tags {
    fn eq(&self, other: &Tags) -> bool {
        self.set == other.set
    }
}

impl Tags {
    fn plain(set: Option<Arc<TagSlice>>) -> Tags {
        Tags {
            set,
            series: 0,
            generation: 0,
        }
    }
    /// The same set marked as the tags of series `id`. Only the series cache of ingest makes
    /// a [`SeriesId`], and within one generation it gives a number to sets with the same
    /// measurement and pairs only: nodes then cache what they derive from a point's tags
    /// under the pair, and index dense tables with the number.
    pub(crate) fn for_series(mut self, id: SeriesId) -> Tags {
        self.series = id.number();
        self.generation = id.generation();
        self
    }
    /// The series number given by [`Tags::for_series`]; 0 for a set built or changed since.
    pub(crate) fn series(&self) -> u32 {
        self.series
    }
    /// The generation of [`Tags::series`].
    pub(crate) fn generation(&self) -> u32 {
        self.generation
    }
    /// Builds the set from pairs in any order. A repeated key keeps the last value.
    pub fn from_pairs<K: Into<Arc<str>>, V: Into<Arc<str>>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Tags {
        let mut v: Vec<(Arc<str>, Arc<str>)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Tags::plain(build(&mut v))
    }
    /// Builds the set from pairs already sorted by key without duplicates (not checked in
    /// release builds).
    pub fn from_sorted(mut v: Vec<(Arc<str>, Arc<str>)>) -> Tags {
        debug_assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        Tags::plain(build(&mut v))
    }
    /// Builds the set from pairs in any order, emptying `scratch` but keeping its capacity
    /// (the per-point path: one allocation for the set, none for the scratch).
    pub fn from_scratch(scratch: &mut Vec<(Arc<str>, Arc<str>)>) -> Tags {
        Tags::plain(build(scratch))
    }
    /// [`Tags::from_scratch`] for pairs already sorted by key without duplicates, as the
    /// line-protocol parser delivers them (not checked in release builds).
    pub fn from_sorted_scratch(scratch: &mut Vec<(Arc<str>, Arc<str>)>) -> Tags {
        debug_assert!(scratch.windows(2).all(|w| w[0].0 < w[1].0));
        if scratch.is_empty() {
            return Tags::default();
        }
        Tags::plain(Some(scratch.drain(..).collect()))
    }
    /// The tags as (key, value) pairs, sorted by key.
    pub fn as_slice(&self) -> &[(Arc<str>, Arc<str>)] {
        self.set.as_deref().unwrap_or(&[])
    }
    /// The tags as (key, value) pairs, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.as_slice().iter().map(|(k, v)| (&**k, &**v))
    }
    /// The number of tags.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }
    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }
    #[inline]
    /// The value of tag `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let s = self.as_slice();
        find(s, key).map(|i| &*s[i].1)
    }
    /// The shared value of `key`.
    pub fn get_shared(&self, key: &str) -> Option<&Arc<str>> {
        let s = self.as_slice();
        find(s, key).map(|i| &s[i].1)
    }
    /// Whether tag `key` is present.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Sets `key` to `value`, replacing any earlier value.
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: impl Into<Arc<str>>) {
        self.series = 0;
        self.generation = 0;
        set_insert(&mut self.set, key.into(), value.into());
    }
    /// Removes `key`; returns whether it was present.
    pub fn remove(&mut self, key: &str) -> bool {
        self.series = 0;
        self.generation = 0;
        set_remove(&mut self.set, key)
    }
}

/// Sorted `(key, value)` field pairs. Cloning shares the storage, which is one allocation
/// (windows buffer millions of these).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fields(Option<Arc<FieldSlice>>);

impl Fields {
    /// Builds the set from pairs in any order. A repeated key keeps the last value.
    pub fn from_pairs<K: Into<Arc<str>>>(
        pairs: impl IntoIterator<Item = (K, FieldValue)>,
    ) -> Fields {
        let mut v: Vec<(Arc<str>, FieldValue)> =
            pairs.into_iter().map(|(k, v)| (k.into(), v)).collect();
        Fields(build(&mut v))
    }
    /// Builds the set from pairs in any order, emptying `scratch` but keeping its capacity.
    pub fn from_scratch(scratch: &mut Vec<(Arc<str>, FieldValue)>) -> Fields {
        Fields(build(scratch))
    }
    /// The fields as (key, value) pairs, sorted by key.
    pub fn as_slice(&self) -> &[(Arc<str>, FieldValue)] {
        self.0.as_deref().unwrap_or(&[])
    }
    /// The fields as (key, value) pairs, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.as_slice().iter().map(|(k, v)| (&**k, v))
    }
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }
    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }
    #[inline]
    /// The value of field `key`.
    pub fn get(&self, key: &str) -> Option<&FieldValue> {
        let s = self.as_slice();
        find(s, key).map(|i| &s[i].1)
    }
    /// Whether field `key` is present.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Sets `key` to `value`, replacing any earlier value.
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: FieldValue) {
        set_insert(&mut self.0, key.into(), value);
    }
    /// Removes `key`; returns whether it was present.
    pub fn remove(&mut self, key: &str) -> bool {
        set_remove(&mut self.0, key)
    }
}

/// Sorts `v` by key (keeping the last of repeated keys) and moves it into one shared
/// allocation; `v` is left empty with its capacity.
fn build<V>(v: &mut Vec<(Arc<str>, V)>) -> SharedSet<V> {
    if v.is_empty() {
        return None;
    }
    if !v.windows(2).all(|w| key_less(&w[0].0, &w[1].0)) {
        sort_dedup_last(v);
    }
    // `Drain` has an exact length: the shared slice is allocated once, without a copy of `v`.
    Some(v.drain(..).collect())
}

fn set_insert<V: Clone>(set: &mut SharedSet<V>, key: Arc<str>, value: V) {
    let pos = set
        .as_deref()
        .unwrap_or(&[])
        .binary_search_by(|(k, _)| (**k).cmp(&*key));
    if let (Ok(i), Some(arc)) = (pos, set.as_mut())
        && let Some(slot) = Arc::get_mut(arc).and_then(|s| s.get_mut(i))
    {
        slot.1 = value;
        return;
    }
    let slice: &[(Arc<str>, V)] = set.as_deref().unwrap_or(&[]);
    let mut v: Vec<(Arc<str>, V)> = Vec::with_capacity(slice.len() + 1);
    v.extend_from_slice(slice);
    match pos {
        Ok(i) => v[i].1 = value,
        Err(i) => v.insert(i, (key, value)),
    }
    *set = Some(v.into_iter().collect());
}

fn set_remove<V: Clone>(set: &mut SharedSet<V>, key: &str) -> bool {
    let Some(arc) = set.as_ref() else {
        return false;
    };
    let Ok(i) = arc.binary_search_by(|(k, _)| (**k).cmp(key)) else {
        return false;
    };
    *set = if arc.len() == 1 {
        None
    } else {
        Some(
            arc.iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, kv)| kv.clone())
                .collect(),
        )
    };
    true
}

/// The index of `key` in a sorted set. Small sets (the common case) are scanned, comparing
/// length and the last byte before the text: cheaper than a binary search of string compares.
#[inline]
fn find<V>(s: &[(Arc<str>, V)], key: &str) -> Option<usize> {
    if s.len() > 8 {
        return s.binary_search_by(|(k, _)| (**k).cmp(key)).ok();
    }
    let kb = key.as_bytes();
    s.iter().position(|(k, _)| same_text(k.as_bytes(), kb))
}

/// `a < b` byte-wise, inline for short names (no library call).
#[inline]
fn key_less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.iter().zip(b).find(|(x, y)| x != y) {
        Some((x, y)) => x < y,
        None => a.len() < b.len(),
    }
}

/// Byte equality, inline for the short names points are made of (a library `memcmp` call
/// costs more than the comparison itself).
#[inline]
pub(crate) fn same_text(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    match n {
        0 => true,
        1..=7 => a.last() == b.last() && a.iter().zip(b).all(|(x, y)| x == y),
        8..=16 => word(a, n - 8) == word(b, n - 8) && word(a, 0) == word(b, 0),
        // Series keys and longer names: two overlapping 16-byte halves, no library call.
        17..=32 => {
            let pair = |s: &[u8], at: usize| (word(s, at), word(s, at + 8));
            pair(a, 0) == pair(b, 0) && pair(a, n - 16) == pair(b, n - 16)
        }
        _ => a == b,
    }
}

fn sort_dedup_last<V>(v: &mut Vec<(Arc<str>, V)>) {
    // Stable sort keeps input order among equal keys; keep the last of each run, in place.
    v.sort_by(|a, b| a.0.cmp(&b.0));
    let mut kept = 0;
    for i in 0..v.len() {
        if kept > 0 && v[kept - 1].0 == v[i].0 {
            v.swap(kept - 1, i);
        } else {
            v.swap(kept, i);
            kept += 1;
        }
    }
    v.truncate(kept);
}

/// How a point is grouped (Kapacitor's `models.Dimensions`, models/point.go at v1.5.7): by
/// measurement name and/or by a sorted list of tag names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dimensions {
    /// Whether the measurement is part of the group (`groupByMeasurement`).
    pub by_name: bool,
    tag_names: Option<Arc<[Arc<str>]>>,
}

impl Dimensions {
    /// `tag_names` are kept in the given order; callers sort them (groupBy sorts, Quirk §4.0:
    /// duplicates are kept).
    pub fn new(by_name: bool, tag_names: Vec<Arc<str>>) -> Dimensions {
        let tag_names = if tag_names.is_empty() {
            None
        } else {
            Some(Arc::from(tag_names))
        };
        Dimensions { by_name, tag_names }
    }
    /// No dimensions: the nil group.
    pub fn none() -> Dimensions {
        Dimensions::default()
    }
    /// The grouping tag names, sorted.
    pub fn tag_names(&self) -> &[Arc<str>] {
        self.tag_names.as_deref().unwrap_or(&[])
    }
    /// Equal dimensions, comparing shared names by address first.
    pub(crate) fn same(&self, other: &Dimensions) -> bool {
        self.by_name == other.by_name
            && match (&self.tag_names, &other.tag_names) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                (None, None) => true,
                _ => false,
            }
    }
    /// True when there is nothing to group by: the nil group.
    pub fn is_empty(&self) -> bool {
        !self.by_name && self.tag_names().is_empty()
    }
}

/// A group id (Kapacitor's `ToGroupID`, models/point.go at v1.5.7): `""` for the nil group, else
/// e.g. `host=a,region=us` or `cpu\nhost=a`. Cheap to clone (one pointer); compares as its text.
/// Its hash is computed once, when the id is made, so that per-group tables never hash the text per
/// point.
#[derive(Clone, Default)]
pub struct GroupId(Option<Arc<GroupText>>);

/// The text of a non-nil group id, its hash, and the number of this storage. Padded so that
/// the shared allocation (two counters and this) is 64 bytes, which the allocator places on
/// one cache line: every point of the group reads the counter, hash and number.
struct GroupText {
    _line: [u64; 2],
    hash: u64,
    /// Unique among live ids in practice (a process-wide count, wrapping after 2³² ids):
    /// per-group tables index a dense vector with it, and check the storage on a hit.
    number: u32,
    text: Box<str>,
}

static GROUP_NUMBERS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// The per-process seeded hasher of group id texts (random, so crafted tag values cannot
/// force collisions).
pub(crate) fn text_hash(text: &str) -> u64 {
    use std::hash::BuildHasher as _;
    static STATE: std::sync::OnceLock<foldhash::fast::RandomState> = std::sync::OnceLock::new();
    STATE
        .get_or_init(foldhash::fast::RandomState::default)
        .hash_one(text)
}

impl GroupId {
    /// The nil group, `""`.
    pub fn nil() -> GroupId {
        GroupId::default()
    }
    /// A group id with this text.
    pub fn new(id: impl AsRef<str>) -> GroupId {
        let id = id.as_ref();
        if id.is_empty() {
            GroupId::nil()
        } else {
            GroupId::with_hash(id, text_hash(id))
        }
    }
    /// A non-empty id whose [`text_hash`] is already known.
    pub(crate) fn with_hash(id: &str, hash: u64) -> GroupId {
        debug_assert!(!id.is_empty() && hash == text_hash(id));
        let number = GROUP_NUMBERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        GroupId(Some(Arc::new(GroupText {
            _line: [0; 2],
            hash,
            number,
            text: Box::from(id),
        })))
    }
    /// The hash of the text, computed when the id was made (0 for the nil group).
    pub(crate) fn text_hash(&self) -> u64 {
        self.0.as_ref().map_or(0, |g| g.hash)
    }
    /// The group id text (`host=a,region=us`; empty for the nil group).
    pub fn as_str(&self) -> &str {
        self.0.as_ref().map_or("", |g| &g.text)
    }
    /// The number of this id's storage (0 for the nil group); see [`GroupText::number`].
    pub(crate) fn number(&self) -> u32 {
        self.0.as_ref().map_or(0, |g| g.number)
    }
    /// True when both are the nil group or share one storage.
    pub(crate) fn same_storage(&self, other: &GroupId) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
    /// Whether this is the nil group (no dimensions).
    pub fn is_nil(&self) -> bool {
        self.0.is_none()
    }
}

impl PartialEq for GroupId {
    fn eq(&self, other: &GroupId) -> bool {
        // Interned ids share their storage: compare pointers before text.
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || (a.hash == b.hash && a.text == b.text),
            _ => false,
        }
    }
}
impl Eq for GroupId {}
impl Hash for GroupId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.text_hash());
    }
}
impl fmt::Debug for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One point (Kapacitor's `edge.PointMessage`, edge/messages.go at v1.5.7).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The measurement.
    pub name: Arc<str>,
    /// The database.
    pub db: Arc<str>,
    /// The retention policy.
    pub rp: Arc<str>,
    /// The tags, sorted by key.
    pub tags: Tags,
    /// The fields, sorted by key.
    pub fields: Fields,
    /// Nanoseconds since the epoch, UTC.
    pub time: i64,
    /// How the point is grouped.
    pub dimensions: Dimensions,
    /// Always equal to `group::group_id(self)` for the current dimensions; nodes that change the
    /// dimensions recompute it.
    pub group: GroupId,
}

impl Point {
    /// A point with no dimensions (the nil group), as the router hands it to a task.
    pub fn new(
        name: impl Into<Arc<str>>,
        db: impl Into<Arc<str>>,
        rp: impl Into<Arc<str>>,
        tags: Tags,
        fields: Fields,
        time: i64,
    ) -> Point {
        Point {
            name: name.into(),
            db: db.into(),
            rp: rp.into(),
            tags,
            fields,
            time,
            dimensions: Dimensions::none(),
            group: GroupId::nil(),
        }
    }

    /// The tags named by the dimensions (Kapacitor's `pointMessage.GroupInfo`, edge/messages.go at
    /// v1.5.7); a missing tag is `""`.
    pub fn group_tags(&self) -> Vec<(Arc<str>, Arc<str>)> {
        let mut out: Vec<(Arc<str>, Arc<str>)> = Vec::new();
        for name in self.dimensions.tag_names() {
            if out.iter().any(|(k, _)| k == name) {
                continue;
            }
            let v = self
                .tags
                .as_slice()
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| Arc::from(""));
            out.push((name.clone(), v));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

impl tick_lambda::Record for Point {
    fn field(&self, name: &str) -> Option<&FieldValue> {
        self.fields.get(name)
    }
    fn tag(&self, name: &str) -> Option<&str> {
        self.tags.get(name)
    }
    #[inline]
    fn field_and_tag(&self, name: &str) -> (Option<&FieldValue>, Option<&str>) {
        (self.fields.get(name), self.tags.get(name))
    }
    fn time(&self) -> i64 {
        self.time
    }
}

/// A window's output (Kapacitor's `edge.BufferedBatchMessage`, edge/messages.go at v1.5.7): group,
/// group tags, `tmax` and its points.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The measurement.
    pub name: Arc<str>,
    /// The group the batch belongs to.
    pub group: GroupId,
    /// The group tags, sorted by key.
    pub tags: Tags,
    /// How the batch is grouped.
    pub dimensions: Dimensions,
    /// The batch time (window end), ns UTC.
    pub tmax: i64,
    /// The points, in arrival order; each keeps all its tags and fields.
    pub points: Vec<Point>,
}

/// What travels along an edge.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// One point (stream edges).
    Point(Point),
    /// One window of points (batch edges).
    Batch(Batch),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_id_allocation_is_one_cache_line() {
        // Two reference counters and the id: the allocator's 64-byte class.
        assert_eq!(
            2 * std::mem::size_of::<usize>() + std::mem::size_of::<GroupText>(),
            64
        );
    }

    #[test]
    fn same_text_agrees_with_slice_equality_at_every_length() {
        let base = b"abcdefghijklmnopqrstuvwxyz0123456789";
        for n in 0..=base.len() {
            let a = &base[..n];
            assert!(same_text(a, a), "length {n}");
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] = b'#';
                assert!(!same_text(a, &b), "length {n}, byte {i}");
            }
            if n > 0 {
                assert!(!same_text(a, &base[..n - 1]), "length {n}");
            }
        }
    }

    #[test]
    fn key_order_is_byte_order() {
        for (a, b) in [
            ("a", "b"),
            ("a", "ab"),
            ("", "a"),
            ("usage_idle", "usage_user"),
        ] {
            assert!(key_less(a, b), "{a} < {b}");
            assert!(!key_less(b, a), "not {b} < {a}");
        }
        assert!(!key_less("x", "x"));
        let f = Fields::from_pairs([("b", FieldValue::Int(1)), ("a", FieldValue::Int(2))]);
        assert_eq!(f.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn tags_are_sorted_and_last_duplicate_wins() {
        let t = Tags::from_pairs([("region", "us"), ("host", "a"), ("host", "b")]);
        let got: Vec<_> = t.iter().collect();
        assert_eq!(got, vec![("host", "b"), ("region", "us")]);
        assert_eq!(t.get("host"), Some("b"));
        assert_eq!(t.get("dc"), None);
    }

    #[test]
    fn inserting_and_removing_tags_keeps_order_and_does_not_touch_clones() {
        let mut t = Tags::from_pairs([("b", "2")]);
        let before = t.clone();
        t.insert("a", "1");
        t.insert("c", "3");
        assert!(t.remove("b"));
        assert!(!t.remove("zz"));
        assert_eq!(t.iter().collect::<Vec<_>>(), vec![("a", "1"), ("c", "3")]);
        assert_eq!(before.iter().collect::<Vec<_>>(), vec![("b", "2")]);
    }

    #[test]
    fn removing_the_last_field_leaves_an_empty_set() {
        let mut f = Fields::from_pairs([("v", FieldValue::Int(1))]);
        assert!(f.remove("v"));
        assert!(f.is_empty());
        assert_eq!(f, Fields::default());
    }

    #[test]
    fn group_id_compares_and_hashes_as_text() {
        use std::collections::HashSet;
        let mut s = HashSet::new();
        s.insert(GroupId::new("host=a"));
        assert!(s.contains(&GroupId::new(String::from("host=a"))));
        assert!(!s.contains(&GroupId::new("host=b")));
        assert_eq!(GroupId::new(""), GroupId::nil());
        assert_eq!(GroupId::nil().as_str(), "");
    }

    #[test]
    fn group_tags_fill_missing_tags_with_empty_values() {
        let mut p = Point::new(
            "cpu",
            "db",
            "rp",
            Tags::from_pairs([("host", "b")]),
            Fields::default(),
            0,
        );
        p.dimensions = Dimensions::new(false, vec!["host".into(), "region".into()]);
        let got: Vec<(String, String)> = p
            .group_tags()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![("host".into(), "b".into()), ("region".into(), "".into())]
        );
    }
}
