//! Group ids (spec §4.0 `ToGroupID`) and the per-node interner that keeps their computation
//! allocation-free in steady state. Owns the id text format; which nodes set dimensions is up to
//! the nodes.

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
pub fn write_group_id(buf: &mut String, name: &str, tags: &Tags, dims: &Dimensions) {
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

/// The group id as a fresh value (allocates; tests and cold paths).
pub fn group_id(name: &str, tags: &Tags, dims: &Dimensions) -> GroupId {
    let mut buf = String::new();
    write_group_id(&mut buf, name, tags, dims);
    GroupId::new(buf)
}

/// Interns group ids so that each distinct id is allocated once per node. The table holds
/// the ids themselves (text pointer and hash side by side), so a lookup compares stored hashes
/// before it reads any text: one probe and one text comparison per point.
#[derive(Debug, Default)]
pub struct GroupInterner {
    buf: String,
    /// Each id with its hash alongside, so that a probe reads no id text but the one it finds.
    ids: HashTable<(u64, GroupId)>,
}

impl GroupInterner {
    /// The interned group id for these dimensions.
    pub fn id(&mut self, name: &str, tags: &Tags, dims: &Dimensions) -> GroupId {
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

    /// Sets `p.dimensions` and recomputes `p.group`.
    pub fn regroup(&mut self, p: &mut Point, dims: Dimensions) {
        p.group = if dims.is_empty() {
            GroupId::nil()
        } else {
            self.id(&p.name, &p.tags, &dims)
        };
        p.dimensions = dims;
    }
}

/// A `groupBy` configuration (spec §4.1 `from().groupBy`, §4.4 `|groupBy`): named tags or `*`
/// (minus excluded tags), and whether the measurement is part of the group.
#[derive(Debug, Clone, Default)]
pub struct Grouping {
    /// `*`: all the point's tags.
    pub star: bool,
    /// Sorted named dimensions (duplicates kept, Quirk §4.0).
    pub names: Vec<Arc<str>>,
    /// Tags left out of `*` (`|groupBy(*).exclude('t')`).
    pub exclude: Vec<Arc<str>>,
    pub by_name: bool,
    /// Last dimensions built for `*`, reused while the point's tag keys are the same.
    cache: Option<Dimensions>,
    fixed: Option<Dimensions>,
}

impl Grouping {
    pub fn new(
        star: bool,
        mut names: Vec<Arc<str>>,
        exclude: Vec<Arc<str>>,
        by_name: bool,
    ) -> Grouping {
        names.sort();
        let fixed = (!star).then(|| Dimensions::new(by_name, names.clone()));
        Grouping {
            star,
            names,
            exclude,
            by_name,
            cache: None,
            fixed,
        }
    }

    /// The dimensions for point `p`; `or_by_name` is ORed into the by-name flag (§4.4).
    pub fn dimensions(&mut self, p: &Point, or_by_name: bool) -> Dimensions {
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

/// State per group id: a small table of ids and indexes, looked up by the id's stored hash (no
/// hashing per point) and pointer before text, and the states in creation order. Thousands of
/// groups keep the table within the core's cache; the state itself is one more read. The id is
/// cloned only when a group is created.
#[derive(Debug)]
pub struct GroupMap<S> {
    index: HashTable<(GroupId, u32)>,
    states: Vec<S>,
}

impl<S> Default for GroupMap<S> {
    fn default() -> GroupMap<S> {
        GroupMap {
            index: HashTable::new(),
            states: Vec::new(),
        }
    }
}

impl<S> GroupMap<S> {
    /// The state of `group`, created with `init` at its first use.
    pub fn get_or_insert_with(&mut self, group: &GroupId, init: impl FnOnce() -> S) -> &mut S {
        let hash = group.text_hash();
        let states = &mut self.states;
        let (_, i) = *self
            .index
            .entry(hash, |(g, _)| g == group, |(g, _)| g.text_hash())
            .or_insert_with(|| {
                states.push(init());
                (group.clone(), (states.len() - 1) as u32)
            })
            .get();
        &mut self.states[i as usize]
    }

    pub fn get_mut(&mut self, group: &GroupId) -> Option<&mut S> {
        let (_, i) = self.index.find(group.text_hash(), |(g, _)| g == group)?;
        self.states.get_mut(*i as usize)
    }
}

/// Per-group node state (spec §4.0: created at a group's first point, never expired), with a
/// fast path for runs of points of the same group.
#[derive(Debug)]
pub struct PerGroup<S> {
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
    pub fn get_or_insert_with(&mut self, group: &GroupId, init: impl FnOnce() -> S) -> &mut S {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
