//! Group ids (Kapacitor's `ToGroupID`, models/point.go at v1.5.7) and the per-node interner that
//! keeps their computation allocation-free in steady state. Owns the id text format; which nodes
//! set dimensions is up to the nodes.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;

use hashbrown::HashTable;

use crate::point::{Dimensions, GroupId, Point, Tags, same_text, text_hash};

/// Writes the group id of a point with measurement `name`, `tags` and `dims` into `buf`
/// (cleared first):
/// * no dimensions: `""`;
/// * by name only: the measurement;
/// * otherwise `[name\n]k=v,k=v` over the dimension tags in their (sorted) order, a missing tag
///   giving `k=` (Quirk §4.0: repeated names are kept).
pub(crate) fn write_group_id(buf: &mut String, name: &str, tags: &Tags, dims: &Dimensions) {
    buf.clear();
    let tag_names = dims.tag_names();
    if dims.by_name {
        buf.push_str(name);
        if tag_names.is_empty() {
            return;
        }
        buf.push('\n');
    }
    for (i, k) in tag_names.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        buf.push_str(k);
        buf.push('=');
        buf.push_str(tags.get(k).unwrap_or(""));
    }
}

/// The group id as a fresh value (allocates; for tests).
#[cfg(test)]
pub(crate) fn group_id(name: &str, tags: &Tags, dims: &Dimensions) -> GroupId {
    let mut buf = String::new();
    write_group_id(&mut buf, name, tags, dims);
    GroupId::new(buf)
}

/// Interns group ids so that each distinct id is allocated once per node. The table holds
/// the ids themselves (text pointer and hash side by side), so a lookup compares stored hashes
/// before it reads any text: one probe and one text comparison per point.
#[derive(Debug, Default)]
pub(crate) struct GroupInterner {
    buf: String,
    /// Each id with its hash alongside, so that a probe reads no id text but the one it finds.
    ids: HashTable<(u64, GroupId)>,
    /// Ids already found under `known_dims`, by the series number of the point's tags: a
    /// point of a series seen before gets its id without writing or hashing any text.
    known: Vec<Option<Known>>,
    known_dims: Dimensions,
}

/// An entry of [`GroupInterner::known`]: the id of series number `i` of `generation`. Only
/// dimensions without the measurement use it (nodes may rename a point without changing its
/// tags), which keeps an entry at 16 bytes.
#[derive(Debug)]
struct Known {
    generation: u32,
    id: GroupId,
}

impl GroupInterner {
    /// The interned group id for these dimensions.
    pub(crate) fn id(&mut self, name: &str, tags: &Tags, dims: &Dimensions) -> GroupId {
        write_group_id(&mut self.buf, name, tags, dims);
        if self.buf.is_empty() {
            return GroupId::nil();
        }
        let hash = text_hash(&self.buf);
        let text = self.buf.as_str();
        if let Some((_, id)) = self.ids.find(hash, |(h, g)| {
            *h == hash && same_text(g.as_str().as_bytes(), text.as_bytes())
        }) {
            return id.clone();
        }
        let id = GroupId::with_hash(text, hash);
        self.ids
            .insert_unique(hash, (hash, id.clone()), |(h, _)| *h);
        id
    }

    /// Series numbers past this are grouped by text, so that the table stays small.
    const KNOWN_LIMIT: u32 = 1 << 20;

    /// Sets `p.dimensions` and recomputes `p.group`.
    pub(crate) fn regroup(&mut self, p: &mut Point, dims: Dimensions) {
        p.group = if dims.is_empty() {
            GroupId::nil()
        } else {
            self.known_id(p, &dims)
        };
        p.dimensions = dims;
    }

    /// [`GroupInterner::id`], remembered by the series number of the point's tags.
    fn known_id(&mut self, p: &Point, dims: &Dimensions) -> GroupId {
        let series = p.tags.series();
        if series == 0 || series >= Self::KNOWN_LIMIT || dims.by_name {
            return self.id(&p.name, &p.tags, dims);
        }
        if !self.known_dims.same(dims) {
            self.known.clear();
            self.known_dims = dims.clone();
        }
        let slot = series as usize;
        if let Some(Some(k)) = self.known.get(slot)
            && k.generation == p.tags.generation()
        {
            return k.id.clone();
        }
        let id = self.id(&p.name, &p.tags, dims);
        if self.known.len() <= slot {
            self.known.resize_with(slot + 1, || None);
        }
        self.known[slot] = Some(Known {
            generation: p.tags.generation(),
            id: id.clone(),
        });
        id
    }
}

/// A `groupBy` configuration (`from().groupBy` and `|groupBy`: Kapacitor's pipeline/stream.go
/// `FromNode.GroupBy` and pipeline/group_by.go `GroupByNode`, at v1.5.7): named tags or `*` (minus
/// excluded tags), and whether the measurement is part of the group.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grouping {
    /// Sorted named dimensions (duplicates kept, as Kapacitor's `models/point.go` `ToGroupID` does).
    pub names: Vec<Arc<str>>,
    /// Tags left out of `*` (`|groupBy(*).exclude('t')`).
    pub exclude: Vec<Arc<str>>,
    pub by_name: bool,
    /// Last dimensions built for `*`, reused while the point's tag keys are the same.
    cache: Option<Dimensions>,
    fixed: Option<Dimensions>,
}

impl Grouping {
    pub(crate) fn new(
        star: bool,
        mut names: Vec<Arc<str>>,
        exclude: Vec<Arc<str>>,
        by_name: bool,
    ) -> Grouping {
        names.sort();
        let fixed = (!star).then(|| Dimensions::new(by_name, names.clone()));
        Grouping {
            names,
            exclude,
            by_name,
            cache: None,
            fixed,
        }
    }

    /// The dimensions for point `p`; `or_by_name` is ORed into the by-name flag (§4.4).
    pub(crate) fn dimensions(&mut self, p: &Point, or_by_name: bool) -> Dimensions {
        if let Some(d) = &self.fixed {
            if d.by_name || !or_by_name {
                return d.clone();
            }
            return Dimensions::new(true, self.names.clone());
        }
        let by_name = self.by_name || or_by_name;
        let excluded = |k: &str| self.exclude.iter().any(|e| &**e == k);
        if let Some(c) = &self.cache {
            let same = c.by_name == by_name
                && c.tag_names().iter().map(|k| &**k).eq(p
                    .tags
                    .iter()
                    .map(|(k, _)| k)
                    .filter(|k| !excluded(k)));
            if same {
                return c.clone();
            }
        }
        let names: Vec<Arc<str>> = p
            .tags
            .as_slice()
            .iter()
            .filter(|(k, _)| !excluded(k))
            .map(|(k, _)| k.clone())
            .collect();
        let d = Dimensions::new(by_name, names);
        self.cache = Some(d.clone());
        d
    }
}

/// State per group id. An id seen before is found by its storage number in a dense vector
/// (a few bytes per group, so it stays in the core's cache with thousands of groups); other ids
/// go through a table looked up by the id's stored hash and pointer before text. The states
/// are kept in creation order; the id is cloned only when a group is created.
#[derive(Debug)]
pub(crate) struct GroupMap<S> {
    /// By id number: 1 + the index of the state, or 0.
    by_number: Vec<u32>,
    /// Indexes into `ids` and `states`, looked up by the id's stored hash.
    index: HashTable<u32>,
    /// The id each state was created for, in the order of `states`.
    ids: Vec<GroupId>,
    states: Vec<S>,
}

impl<S> Default for GroupMap<S> {
    fn default() -> GroupMap<S> {
        GroupMap {
            by_number: Vec::new(),
            index: HashTable::new(),
            ids: Vec::new(),
            states: Vec::new(),
        }
    }
}

impl<S> GroupMap<S> {
    /// Id numbers past this go through the table only, so that the vector stays small.
    const DENSE_LIMIT: u32 = 1 << 20;

    /// The index of the state of `group` if an id with this storage was seen before.
    #[inline]
    fn by_number(&self, group: &GroupId) -> Option<usize> {
        let i = *self.by_number.get(group.number() as usize)? as usize;
        let id = self.ids.get(i.checked_sub(1)?)?;
        id.same_storage(group).then_some(i - 1)
    }

    fn remember_number(&mut self, group: &GroupId, i: u32) {
        let n = group.number();
        if n == 0 || n >= Self::DENSE_LIMIT {
            return;
        }
        let n = n as usize;
        if self.by_number.len() <= n {
            self.by_number.resize(n + 1, 0);
        }
        self.by_number[n] = i + 1;
    }

    /// The state of `group`, created with `init` at its first use.
    pub(crate) fn get_or_insert_with(
        &mut self,
        group: &GroupId,
        init: impl FnOnce() -> S,
    ) -> &mut S {
        if let Some(i) = self.by_number(group) {
            return &mut self.states[i];
        }
        let hash = group.text_hash();
        let (states, ids) = (&mut self.states, &mut self.ids);
        let i = *self
            .index
            .entry(
                hash,
                |&i| ids.get(i as usize) == Some(group),
                |&i| ids.get(i as usize).map_or(0, GroupId::text_hash),
            )
            .or_insert_with(|| {
                states.push(init());
                ids.push(group.clone());
                (states.len() - 1) as u32
            })
            .get();
        self.remember_number(group, i);
        &mut self.states[i as usize]
    }

    /// The number of groups with a state.
    pub(crate) fn len(&self) -> usize {
        self.states.len()
    }

    pub(crate) fn get_mut(&mut self, group: &GroupId) -> Option<&mut S> {
        let i = match self.by_number(group) {
            Some(i) => i,
            None => {
                let ids = &self.ids;
                *self
                    .index
                    .find(group.text_hash(), |&i| ids.get(i as usize) == Some(group))?
                    as usize
            }
        };
        self.states.get_mut(i)
    }
}

/// Per-group node state, with a fast path for runs of points of the same group. As in Kapacitor
/// (`groupedConsumer.getOrCreateGroup`, edge/grouped.go at v1.5.7), a group's state is created at
/// its first point and never expires: only a delete-group message removes it, and only the
/// `barrier` node, which tick does not have, sends one.
#[derive(Debug)]
pub(crate) struct PerGroup<S> {
    index: HashMap<GroupId, usize>,
    states: Vec<S>,
    last: Option<(GroupId, usize)>,
}

impl<S> Default for PerGroup<S> {
    fn default() -> PerGroup<S> {
        PerGroup {
            index: HashMap::new(),
            states: Vec::new(),
            last: None,
        }
    }
}

impl<S> PerGroup<S> {
    /// The state of `group`, created with `init` at its first use.
    pub(crate) fn get_or_insert_with(
        &mut self,
        group: &GroupId,
        init: impl FnOnce() -> S,
    ) -> &mut S {
        let i = match &self.last {
            Some((g, i)) if g == group => *i,
            _ => {
                let i = match self.index.get(group) {
                    Some(&i) => i,
                    None => {
                        self.states.push(init());
                        self.index.insert(group.clone(), self.states.len() - 1);
                        self.states.len() - 1
                    }
                };
                self.last = Some((group.clone(), i));
                i
            }
        };
        &mut self.states[i]
    }
}

/// After a node set tags `changed` on `p` (Kapacitor's `SetTags`, edge/messages.go at v1.5.7,
/// which recomputes the group id): when one of them is a dimension, the point moves to the
/// group its new tags name.
pub(crate) fn regroup_after_set_tags<'k>(
    groups: &mut GroupInterner,
    p: &mut crate::point::Point,
    mut changed: impl Iterator<Item = &'k str>,
) {
    let dims = p.dimensions.tag_names();
    if dims.is_empty() || !changed.any(|k| dims.iter().any(|d| &**d == k)) {
        return;
    }
    p.group = groups.id(&p.name, &p.tags, &p.dimensions);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::SeriesId;
    use crate::point::Fields;

    fn dims(by_name: bool, names: &[&str]) -> Dimensions {
        Dimensions::new(by_name, names.iter().map(|s| Arc::from(*s)).collect())
    }

    fn tags() -> Tags {
        Tags::from_pairs([("host", "a"), ("region", "us"), ("dc", "x")])
    }

    #[test]
    fn no_dimensions_give_the_nil_group() {
        assert_eq!(group_id("cpu", &tags(), &dims(false, &[])).as_str(), "");
    }

    #[test]
    fn by_name_only_gives_the_measurement() {
        assert_eq!(group_id("cpu", &tags(), &dims(true, &[])).as_str(), "cpu");
    }

    #[test]
    fn tag_dimensions_join_sorted_pairs_with_commas() {
        assert_eq!(
            group_id("cpu", &tags(), &dims(false, &["host", "region"])).as_str(),
            "host=a,region=us"
        );
    }

    #[test]
    fn by_name_with_tags_puts_a_newline_after_the_measurement() {
        assert_eq!(
            group_id("cpu", &tags(), &dims(true, &["dc", "host", "region"])).as_str(),
            "cpu\ndc=x,host=a,region=us"
        );
    }

    #[test]
    fn a_missing_dimension_tag_contributes_an_empty_value() {
        let t = Tags::from_pairs([("host", "b")]);
        assert_eq!(
            group_id("cpu", &t, &dims(false, &["host", "region"])).as_str(),
            "host=b,region="
        );
    }

    #[test]
    fn repeated_dimension_names_are_kept() {
        assert_eq!(
            group_id("cpu", &tags(), &dims(false, &["host", "host"])).as_str(),
            "host=a,host=a"
        );
    }

    #[test]
    fn the_interner_returns_the_same_id_for_the_same_text() {
        let mut i = GroupInterner::default();
        let a = i.id("cpu", &tags(), &dims(false, &["host"]));
        let b = i.id("cpu", &tags(), &dims(false, &["host"]));
        assert_eq!(a.as_str(), "host=a");
        assert_eq!(a, b);
        assert_eq!(i.ids.len(), 1);
    }

    fn point_with(tags: &Tags, name: &Arc<str>) -> Point {
        Point::new(name.clone(), "db", "rp", tags.clone(), Fields::default(), 0)
    }

    #[test]
    fn a_series_is_grouped_by_its_number_under_each_dimensions() {
        let mut i = GroupInterner::default();
        let series = tags().for_series(SeriesId::for_test(1, 7));
        let name: Arc<str> = Arc::from("cpu");
        let mut p = point_with(&series, &name);
        i.regroup(&mut p, dims(false, &["host"]));
        assert_eq!(p.group.as_str(), "host=a");
        let mut q = point_with(&series, &name);
        i.regroup(&mut q, dims(false, &["host"]));
        assert_eq!(p.group.as_str().as_ptr(), q.group.as_str().as_ptr());
        assert!(i.known[7].is_some());
        // Other dimensions forget what was known under the old ones.
        let mut r = point_with(&series, &name);
        i.regroup(&mut r, dims(false, &["region"]));
        assert_eq!(r.group.as_str(), "region=us");
        assert_eq!(i.known.iter().flatten().count(), 1);
        // Dimensions with the measurement are grouped by text: a renamed point keeps its tags.
        let mut s = point_with(&series, &Arc::from("mem"));
        i.regroup(&mut s, dims(true, &["region"]));
        assert_eq!(s.group.as_str(), "mem\nregion=us");
    }

    #[test]
    fn a_series_number_of_another_generation_is_not_trusted() {
        let mut i = GroupInterner::default();
        let name: Arc<str> = Arc::from("cpu");
        let mut p = point_with(&tags().for_series(SeriesId::for_test(1, 3)), &name);
        i.regroup(&mut p, dims(false, &["host"]));
        let other = Tags::from_pairs([("host", "b")]).for_series(SeriesId::for_test(2, 3));
        let mut q = point_with(&other, &name);
        i.regroup(&mut q, dims(false, &["host"]));
        assert_eq!(q.group.as_str(), "host=b");
    }

    #[test]
    fn changed_tags_lose_their_series_number() {
        let mut t = tags().for_series(SeriesId::for_test(1, 5));
        assert_eq!(t.series(), 5);
        t.insert("host", "b");
        assert_eq!(t.series(), 0);
        let mut i = GroupInterner::default();
        let mut p = point_with(&t, &Arc::from("cpu"));
        i.regroup(&mut p, dims(false, &["host"]));
        assert_eq!(p.group.as_str(), "host=b");
        assert!(i.known.is_empty());
    }

    #[test]
    fn a_group_map_finds_one_state_per_id_text_whatever_its_storage() {
        let mut m: GroupMap<u32> = GroupMap::default();
        let a = GroupId::new("host=a");
        let a_again = GroupId::new("host=a");
        let b = GroupId::new("host=b");
        *m.get_or_insert_with(&a, || 0) += 1;
        *m.get_or_insert_with(&b, || 0) += 10;
        *m.get_or_insert_with(&a_again, || 0) += 1;
        *m.get_or_insert_with(&a, || 0) += 1;
        assert_eq!(m.get_mut(&a).copied(), Some(3));
        assert_eq!(m.get_mut(&a_again).copied(), Some(3));
        assert_eq!(m.get_mut(&b).copied(), Some(10));
        assert_eq!(m.get_mut(&GroupId::new("host=c")), None);
        assert_eq!(m.states.len(), 2);
        // The nil group has no number and is found by the table.
        *m.get_or_insert_with(&GroupId::nil(), || 5) += 1;
        assert_eq!(m.get_mut(&GroupId::nil()).copied(), Some(6));
    }
}
