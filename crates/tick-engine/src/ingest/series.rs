//! The series cache of ingest: the shared tag set of every input series seen, keyed by the
//! series text as written ([`tick_lineproto::Point::series`]), and the series numbers that
//! per-series caches in the nodes index dense tables with. Owns [`SeriesId`], the only way to
//! mark a tag set with a series number; does not intern names (`interner.rs`) or route points.
//!
//! Design: the hash table holds only positions (4 bytes a series, so it stays in the core's
//! cache), and the series themselves sit in creation order. Metrics mostly arrive in the same
//! order every interval, so consecutive points read consecutive entries, which the hardware
//! prefetches; a table of whole entries is read in hash order, a cache miss per point.

use hashbrown::HashTable;
use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::point::{Tags, same_text};

/// The number of one input series within one generation of a series cache.
///
/// Only [`SeriesCache::insert`] makes one, and a cache gives each number once per generation
/// (a cleared cache starts a generation no cache has had before), so within one generation a
/// number always names tag sets with the same measurement and pairs. Nodes rely on that: they
/// cache what they derive from a point's tags under the pair, and index dense tables with the
/// number ([`Tags::for_series`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeriesId {
    generation: u32,
    number: u32,
}

impl SeriesId {
    /// The generation the number belongs to (never 0).
    pub(crate) fn generation(self) -> u32 {
        self.generation
    }

    /// The series number (never 0).
    pub(crate) fn number(self) -> u32 {
        self.number
    }

    /// A number made up by a unit test of another module.
    #[cfg(test)]
    pub(crate) fn for_test(generation: u32, number: u32) -> SeriesId {
        SeriesId { generation, number }
    }
}

static GENERATIONS: AtomicU32 = AtomicU32::new(1);

/// A series generation no cache has had before (never 0).
fn new_generation() -> u32 {
    loop {
        let g = GENERATIONS.fetch_add(1, Ordering::Relaxed);
        if g != 0 {
            return g;
        }
    }
}

/// The tag set of each series seen: a point of a known series shares it without interning a
/// name or building a set.
pub(super) struct SeriesCache {
    index: HashTable<u32>,
    /// Series `n` (its number) is at position `n - 1`.
    series: Vec<Series>,
    pub(super) hasher: foldhash::fast::RandomState,
    /// The generation of the numbers given now.
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
            generation: new_generation(),
        }
    }
}

impl SeriesCache {
    /// Past this many series the cache is cleared, so that unbounded distinct tag values
    /// cannot grow memory without limit.
    const LIMIT: usize = 100_000;

    pub(super) fn get(&self, hash: u64, key: &str) -> Option<&Tags> {
        let series = &self.series;
        let i = self.index.find(hash, |&i| {
            series
                .get(i as usize)
                .is_some_and(|s| same_text(s.key.as_bytes(), key.as_bytes()))
        })?;
        series.get(*i as usize).map(|s| &s.tags)
    }

    /// Caches a new series; returns its tags marked with the series number.
    pub(super) fn insert(&mut self, hash: u64, key: &str, tags: Tags) -> Tags {
        if self.series.len() >= Self::LIMIT {
            // Numbers restart in a new generation, so they stay small (nodes index tables
            // with them).
            self.index.clear();
            self.series.clear();
            self.generation = new_generation();
        }
        let i = self.series.len() as u32;
        let tags = tags.for_series(SeriesId {
            generation: self.generation,
            number: i + 1,
        });
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

#[cfg(test)]
mod tests {
    use super::*;

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
