//! Name interning for ingest: one `Arc<str>` per distinct measurement, key and (bounded) tag
//! value, so that converting a point allocates nothing for names seen before. Owns the table
//! and the last name seen at each position of a point; knows nothing of series or tasks.

use hashbrown::HashTable;
use std::hash::BuildHasher as _;
use std::sync::Arc;

use crate::point::same_text;

#[derive(Default)]
pub(super) struct Interner {
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

    /// The interned name at `slot` of a point (0: the measurement; then each tag key and
    /// value; then each field key).
    #[inline]
    pub(super) fn get_at(&mut self, slot: usize, s: &str) -> Arc<str> {
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
}
