//! A map that forgets its least recently used entries past a bound: every cache of the service
//! (documents, chunks, rendered items, item lists) keeps what people keep asking for and lets an
//! old month page or a rare filter go first, instead of starting over when it is full.

use std::{
    borrow::Borrow,
    collections::{BTreeMap, HashMap},
    hash::Hash,
};

/// Entries by key, each with a weight (its bytes, or 1), within a number of entries and a total
/// weight. Not synchronized: the caches keep one behind a `Mutex`.
#[derive(Debug)]
pub struct Lru<K, V> {
    map: HashMap<K, Slot<V>>,
    /// Use tick → key, oldest first: the next to go is the first.
    order: BTreeMap<u64, K>,
    tick: u64,
    weight: usize,
    max_entries: usize,
    max_weight: usize,
    evictions: u64,
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    tick: u64,
    weight: usize,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    pub fn new(max_entries: usize, max_weight: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
            weight: 0,
            max_entries,
            max_weight,
            evictions: 0,
        }
    }

    /// The value under `key`, now the most recently used.
    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.map.get_mut(key)?;
        self.tick += 1;
        if let Some(key) = self.order.remove(&slot.tick) {
            self.order.insert(self.tick, key);
        }
        slot.tick = self.tick;
        Some(&slot.value)
    }

    /// The value under `key`, leaving its place in the order alone.
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(key).map(|slot| &slot.value)
    }

    /// Keeps `value` under `key`, the least recently used going first until it fits. A value
    /// heavier than the whole bound is not kept (`false`).
    pub fn insert(&mut self, key: K, value: V, weight: usize) -> bool {
        self.remove(&key);
        if weight > self.max_weight || self.max_entries == 0 {
            return false;
        }
        while self.weight + weight > self.max_weight || self.map.len() >= self.max_entries {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            if let Some(slot) = self.map.remove(&oldest) {
                self.weight -= slot.weight;
                self.evictions += 1;
            }
        }
        self.tick += 1;
        self.order.insert(self.tick, key.clone());
        self.map.insert(key, Slot { value, tick: self.tick, weight });
        self.weight += weight;
        true
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.map.remove(key)?;
        self.order.remove(&slot.tick);
        self.weight -= slot.weight;
        Some(slot.value)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The total weight held.
    pub fn weight(&self) -> usize {
        self.weight
    }

    /// How many entries went to make room since the start.
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.map.values().map(|slot| &slot.value)
    }
}

#[cfg(test)]
mod tests {
    use super::Lru;

    #[test]
    fn the_least_recently_used_go_first_and_a_read_counts_as_use() {
        let mut lru = Lru::new(3, usize::MAX);
        for key in ["a", "b", "c"] {
            lru.insert(key, key.len(), 1);
        }
        assert!(lru.get("a").is_some(), "a is now the most recent");
        lru.insert("d", 1, 1);
        assert!(lru.peek("b").is_none(), "b was the least recently used");
        assert!(lru.peek("a").is_some() && lru.peek("c").is_some() && lru.peek("d").is_some());
        assert_eq!((lru.len(), lru.evictions()), (3, 1));
    }

    #[test]
    fn weight_bounds_the_total_and_a_value_heavier_than_the_bound_is_not_kept() {
        let mut lru = Lru::new(100, 10);
        lru.insert(1, "six", 6);
        lru.insert(2, "three", 3);
        lru.insert(3, "four", 4);
        assert_eq!((lru.peek(&1), lru.weight()), (None, 7), "the oldest went to make room");
        assert!(!lru.insert(4, "eleven", 11));
        assert_eq!((lru.len(), lru.weight()), (2, 7), "nothing was evicted for a value never kept");
        lru.insert(2, "again", 5);
        assert_eq!((lru.peek(&2), lru.weight()), (Some(&"again"), 9), "replacing reweighs");
        assert_eq!(lru.remove(&3), Some("four"));
        assert_eq!(lru.weight(), 5);
    }
}
