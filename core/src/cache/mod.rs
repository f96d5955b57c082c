//! Offline cache: catalog snapshots, store lists and the like kept in the
//! mini-program's (or browser's) string storage, so pages load offline.
//!
//! **Rule.** A value is sealed as CBOR in a versioned, checksummed envelope
//! ([`envelope`]), written as base64 text, and split into chunks of at most
//! [`CacheConfig::chunk_chars`] characters (the platform refuses values over
//! 1 MB per key). One index key, written last, lists every entry (generation,
//! chunk count and size, bytes, last use): it is the manifest that makes a
//! write atomic, and is itself an envelope. Before writing, least-recently-used
//! entries are evicted so that the storage never holds more than
//! [`CacheConfig::budget_bytes`] of cache data, not even between the steps of
//! a write. Reads say [`Freshness`] fresh /
//! stale / expired; an entry that fails its checks is dropped and reported.
//! Time is always an argument (milliseconds since the Unix epoch).
//!
//! ```
//! use commerce_core::cache::{Cache, CacheConfig, Freshness, Lookup, MemoryStorage, Meta};
//! let (mut cache, dropped) = Cache::open(MemoryStorage::new(), CacheConfig::default()).unwrap();
//! assert!(dropped.is_empty());
//! let now = 1_763_800_000_000;
//! cache.put("stores", &vec!["s1", "s2"], Meta::new(now, 60_000, 600_000, None)).unwrap();
//! match cache.get::<Vec<String>>("stores", now + 120_000).unwrap() {
//!     Lookup::Hit(entry) => assert_eq!(entry.freshness, Freshness::Stale),
//!     other => panic!("{other:?}"),
//! }
//! ```
//!
//! Invariants:
//! - storage holds at most `budget_bytes` of keys and values under the
//!   cache's prefix, at every step (orphans of an interrupted write aside,
//!   which the next [`Cache::open`] removes);
//! - a value is returned only if it is exactly what was put, and only under
//!   the key sealed inside it; a read never panics;
//! - every string the cache stores is checked: the manifest is an envelope;
//!   each chunk must have exactly the length the manifest recorded
//!   ([`Corruption::ChunkLength`]) and their concatenation is one envelope,
//!   whose CRC-32 covers every byte of it. So any flipped bit of any stored
//!   value, indeed any damage within 32 consecutive bits, is reported: in a
//!   chunk as [`Lookup::Dropped`], in the manifest by [`Cache::open`] (which
//!   drops it and the entries it listed, which then read as misses). Longer
//!   damage: see [`envelope`]. A damaged key leaves its value unreachable (a
//!   missing chunk, or a miss);
//! - a failed write returns a [`CacheError`] and leaves every entry readable
//!   as before, except entries evicted to make room;
//! - a read writes only to drop a corrupt entry; its recency (LRU) is saved
//!   with the next write.

pub mod envelope;
mod storage;

pub use envelope::{Corruption, Entry, Freshness, Meta, SCHEMA_VERSION};
pub use storage::{MemoryStorage, Storage, StorageError};

use crate::error::Coded;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Where and how big the cache may be. Fields left out when decoding take
/// their default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CacheConfig {
    /// Prefix of every storage key the cache owns.
    pub prefix: String,
    /// Largest chunk, in characters (= bytes: base64 is ASCII).
    pub chunk_chars: usize,
    /// Most bytes (keys plus values) the cache may hold in storage.
    pub budget_bytes: usize,
}

impl Default for CacheConfig {
    /// `cache:` prefix; chunks of 1,000,000 characters, leaving 48,576 bytes
    /// of the 1 MiB per-key limit for the key and the host's own encoding;
    /// 6 MiB budget. The wasm `Client` adds 1 MiB for the cart state, so
    /// together they use at most 7 MiB of WeChat's 10 MB per-user storage,
    /// leaving 3 MB to the rest of the app (a 5,000-SKU catalog is ~1.1 MB
    /// sealed); an app with more of its own data passes a smaller budget.
    fn default() -> Self {
        CacheConfig {
            prefix: "cache:".to_owned(),
            chunk_chars: 1_000_000,
            budget_bytes: 6 * 1024 * 1024,
        }
    }
}

/// Why a cache operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheError {
    Storage(StorageError),
    /// The value cannot fit within the budget even in an empty cache.
    TooLarge {
        key: String,
        bytes: usize,
        budget: usize,
    },
    /// The value could not be serialised.
    Encode {
        key: String,
        detail: String,
    },
}

impl From<StorageError> for CacheError {
    fn from(e: StorageError) -> Self {
        CacheError::Storage(e)
    }
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheError::Storage(e) => e.fmt(f),
            CacheError::TooLarge { key, bytes, budget } => write!(
                f,
                "cache entry {key:?} needs {bytes} bytes, the cache budget is {budget}"
            ),
            CacheError::Encode { key, detail } => {
                write!(f, "cache entry {key:?} could not be encoded: {detail}")
            }
        }
    }
}

impl Coded for CacheError {
    fn code(&self) -> &'static str {
        match self {
            CacheError::Storage(e) => e.code(),
            CacheError::TooLarge { .. } => "CACHE_VALUE_TOO_LARGE",
            CacheError::Encode { .. } => "CACHE_ENCODE_FAILED",
        }
    }
}

/// The result of a read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    Miss,
    Hit(Entry<T>),
    /// The entry failed its checks and was removed.
    Dropped(Corruption),
}

/// An entry removed when the cache was opened, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub key: String,
    pub reason: Corruption,
}

/// Where an entry lives: chunks `0..chunks` of `generation`, each
/// `chunk_chars` long but the last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Slot {
    generation: u64,
    chunks: u32,
    /// The chunk size the entry was split with (the configured one may have
    /// changed since).
    chunk_chars: usize,
    /// Keys plus values of its chunks.
    bytes: usize,
    /// Logical time of the last put or get (LRU order).
    used: u64,
}

/// The manifest: every entry, and the logical clock.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Index {
    tick: u64,
    entries: BTreeMap<String, Slot>,
}

/// A budgeted, chunking, checksummed cache over a [`Storage`].
#[derive(Debug)]
pub struct Cache<S> {
    storage: S,
    config: CacheConfig,
    index: Index,
    /// Size of the index as last written (key plus value).
    index_bytes: usize,
}

const INDEX_NAME: &str = "#index";

/// Bytes of every entry's chunks.
fn held(index: &Index) -> usize {
    index
        .entries
        .values()
        .fold(0, |sum, slot| sum.saturating_add(slot.bytes))
}

/// The length each chunk of `slot` must have, keyed by `keys`: `chunk_chars`
/// for all but the last, which holds the rest of the recorded bytes.
fn chunk_lengths(slot: &Slot, keys: &[String]) -> Result<Vec<usize>, Corruption> {
    let inconsistent = || Corruption::Undecodable {
        detail: format!(
            "index lists {} chunks of {} characters in {} bytes",
            slot.chunks, slot.chunk_chars, slot.bytes
        ),
    };
    let key_bytes: usize = keys.iter().map(String::len).sum();
    let full = keys.len().checked_sub(1).ok_or_else(inconsistent)?;
    let last = slot
        .bytes
        .checked_sub(key_bytes)
        .and_then(|chars| chars.checked_sub(full.checked_mul(slot.chunk_chars)?))
        .filter(|&last| (1..=slot.chunk_chars).contains(&last))
        .ok_or_else(inconsistent)?;
    let mut lengths = vec![slot.chunk_chars; full];
    lengths.push(last);
    Ok(lengths)
}

/// The index never expires; its freshness is not used.
fn index_meta() -> Meta {
    Meta {
        created_at: 0,
        fresh_until: i64::MAX,
        expires_at: i64::MAX,
        etag: None,
    }
}

impl<S: Storage> Cache<S> {
    /// Open the cache kept in `storage`: read the index (an unreadable index
    /// is dropped, with every entry), remove keys under the prefix that no
    /// entry owns (left by an interrupted write), and evict down to the
    /// budget if it shrank.
    pub fn open(storage: S, config: CacheConfig) -> Result<(Self, Vec<Dropped>), CacheError> {
        let mut cache = Cache {
            storage,
            config,
            index: Index::default(),
            index_bytes: 0,
        };
        let mut dropped = Vec::new();
        let index_key = cache.index_key();
        if let Some(text) = cache.storage.get(&index_key)? {
            match envelope::open_text::<Index>(&index_key, &text, 0) {
                Ok(entry) => {
                    let mut index = entry.value;
                    let budget = cache.config.budget_bytes;
                    index.entries.retain(|key, slot| {
                        let sane = slot.chunks >= 1
                            && slot.chunk_chars >= 1
                            && usize::try_from(slot.chunks).is_ok_and(|c| c <= slot.bytes)
                            && slot.bytes <= budget;
                        if !sane {
                            dropped.push(Dropped {
                                key: key.clone(),
                                reason: Corruption::Undecodable {
                                    detail: format!(
                                        "index lists {} chunks of {} characters, {} bytes \
                                         (budget {budget})",
                                        slot.chunks, slot.chunk_chars, slot.bytes
                                    ),
                                },
                            });
                        }
                        sane
                    });
                    cache.index = index;
                    cache.index_bytes = index_key.len() + text.len();
                }
                Err(reason) => {
                    cache.discard(std::slice::from_ref(&index_key));
                    dropped.push(Dropped {
                        key: index_key.clone(),
                        reason,
                    });
                }
            }
        }
        let owned: BTreeSet<String> = cache
            .index
            .entries
            .iter()
            .flat_map(|(key, slot)| cache.chunk_keys(key, slot))
            .chain([index_key])
            .collect();
        let orphans: Vec<String> = cache
            .storage
            .keys()?
            .into_iter()
            .filter(|k| k.starts_with(&cache.config.prefix) && !owned.contains(k))
            .collect();
        cache.discard(&orphans);
        if !dropped.is_empty() {
            cache.write_index(&cache.index.clone())?;
        }
        let within_budget = cache.plan(None)?;
        cache.commit(within_budget)?;
        Ok((cache, dropped))
    }

    /// Read `key` as a `T`, judging freshness at `now`.
    pub fn get<T: DeserializeOwned>(
        &mut self,
        key: &str,
        now: i64,
    ) -> Result<Lookup<T>, CacheError> {
        let Some(slot) = self.index.entries.get(key) else {
            return Ok(Lookup::Miss);
        };
        let chunks = slot.chunks;
        let keys = self.chunk_keys(key, slot);
        let lengths = match chunk_lengths(slot, &keys) {
            Ok(lengths) => lengths,
            Err(reason) => return self.drop_entry(key, reason),
        };
        let mut text = String::new();
        for ((index, chunk_key), expected) in (0..).zip(&keys).zip(lengths) {
            let Some(part) = self.storage.get(chunk_key)? else {
                return self.drop_entry(key, Corruption::MissingChunk { index, chunks });
            };
            if part.len() != expected {
                let found = part.len();
                let reason = Corruption::ChunkLength {
                    index,
                    chunks,
                    found,
                    expected,
                };
                return self.drop_entry(key, reason);
            }
            text.push_str(&part);
        }
        match envelope::open_text(key, &text, now) {
            Ok(entry) => {
                self.index.tick = self.index.tick.saturating_add(1);
                let tick = self.index.tick;
                if let Some(slot) = self.index.entries.get_mut(key) {
                    slot.used = tick;
                }
                Ok(Lookup::Hit(entry))
            }
            Err(reason) => self.drop_entry(key, reason),
        }
    }

    /// Store `value` under `key`, evicting least-recently-used entries as the
    /// budget requires. On error the previous value of `key` is still there
    /// (unless it had to be evicted to make room).
    pub fn put<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
        meta: Meta,
    ) -> Result<(), CacheError> {
        let text = envelope::seal_text(key, value, &meta)?;
        let generation = self.index.tick.saturating_add(1);
        let chunk_chars = self.config.chunk_chars.max(1);
        let mut chunks = Vec::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let (chunk, tail) = rest
                .split_at_checked(chunk_chars.min(rest.len()))
                .unwrap_or((rest, ""));
            chunks.push(chunk);
            rest = tail;
        }
        let mut slot = Slot {
            generation,
            chunks: u32::try_from(chunks.len()).unwrap_or(u32::MAX),
            chunk_chars,
            bytes: 0,
            used: generation,
        };
        let keys = self.chunk_keys(key, &slot);
        slot.bytes = keys
            .iter()
            .zip(&chunks)
            .map(|(k, c)| k.len() + c.len())
            .sum();
        let room = self.plan(Some((key, &slot)))?;
        self.commit(room.clone())?;
        for (i, (chunk_key, chunk)) in keys.iter().zip(&chunks).enumerate() {
            if let Err(e) = self.storage.set(chunk_key, chunk) {
                self.discard(keys.get(..i).unwrap_or_default());
                return Err(e.into());
            }
        }
        let mut index = room;
        index.tick = generation;
        index.entries.insert(key.to_owned(), slot);
        self.commit(index).inspect_err(|_| self.discard(&keys))
    }

    /// Remove `key`; removing an absent key succeeds.
    pub fn remove(&mut self, key: &str) -> Result<(), CacheError> {
        let mut index = self.index.clone();
        index.entries.remove(key);
        self.commit(index)
    }

    /// Keys of every entry, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.index.entries.keys().map(String::as_str)
    }

    /// Bytes the cache holds in storage (index included).
    pub fn used_bytes(&self) -> usize {
        self.index_bytes.saturating_add(held(&self.index))
    }

    /// The storage, e.g. to hand it to a new `Cache` after a restart.
    pub fn into_storage(self) -> S {
        self.storage
    }

    fn index_key(&self) -> String {
        format!("{}{INDEX_NAME}", self.config.prefix)
    }

    fn chunk_keys(&self, key: &str, slot: &Slot) -> Vec<String> {
        (0..slot.chunks)
            .map(|i| format!("{}{key}#{}.{i}", self.config.prefix, slot.generation))
            .collect()
    }

    /// Write `index` as the manifest and adopt it, then discard the chunks
    /// of entries it no longer has (evicted, removed, replaced). On failure
    /// nothing changes.
    fn commit(&mut self, index: Index) -> Result<(), CacheError> {
        if index == self.index {
            return Ok(());
        }
        self.write_index(&index)?;
        let evicted: Vec<String> = self
            .index
            .entries
            .iter()
            .filter(|(k, s)| {
                index
                    .entries
                    .get(*k)
                    .is_none_or(|now| now.generation != s.generation)
            })
            .flat_map(|(k, s)| self.chunk_keys(k, s))
            .collect();
        self.index = index;
        self.discard(&evicted);
        Ok(())
    }

    /// Write `index` to storage and record its size.
    fn write_index(&mut self, index: &Index) -> Result<(), CacheError> {
        let key = self.index_key();
        let text = envelope::seal_text(&key, index, &index_meta())?;
        self.storage.set(&key, &text)?;
        self.index_bytes = key.len() + text.len();
        Ok(())
    }

    /// Remove keys nobody references any more. Best effort: a key left
    /// behind is an orphan that [`Cache::open`] removes.
    fn discard(&mut self, keys: &[String]) {
        for key in keys {
            let _ = self.storage.remove(key);
        }
    }

    fn index_len(&self, index: &Index) -> Result<usize, CacheError> {
        let key = self.index_key();
        Ok(key.len() + envelope::seal_text(&key, index, &index_meta())?.len())
    }

    /// Choose what to evict so that writing `new` (if any) keeps the storage
    /// within budget at every step: evict least-recently-used entries first,
    /// then the old value of the same key.
    fn plan(&self, new: Option<(&str, &Slot)>) -> Result<Index, CacheError> {
        let mut index = self.index.clone();
        let mut lru: Vec<(u64, String)> = index
            .entries
            .iter()
            .filter(|(k, _)| new.is_none_or(|(key, _)| key != k.as_str()))
            .map(|(k, s)| (s.used, k.clone()))
            .collect();
        lru.sort();
        let mut lru = lru.into_iter().map(|(_, k)| k);
        loop {
            let held = held(&index);
            let peak = match new {
                Some((key, slot)) => {
                    let mut after = index.clone();
                    after.entries.insert(key.to_owned(), slot.clone());
                    let index_peak = self.index_len(&index)?.max(self.index_len(&after)?);
                    held.saturating_add(slot.bytes).saturating_add(index_peak)
                }
                None => held.saturating_add(self.index_len(&index)?),
            };
            if peak <= self.config.budget_bytes {
                return Ok(index);
            }
            let victim = lru.next().or_else(|| {
                new.map(|(key, _)| key.to_owned())
                    .filter(|k| index.entries.contains_key(k))
            });
            match victim {
                Some(victim) => {
                    index.entries.remove(&victim);
                }
                None => {
                    return Err(CacheError::TooLarge {
                        key: new.map_or_else(|| self.index_key(), |(key, _)| key.to_owned()),
                        bytes: peak,
                        budget: self.config.budget_bytes,
                    })
                }
            }
        }
    }

    fn drop_entry<T>(&mut self, key: &str, reason: Corruption) -> Result<Lookup<T>, CacheError> {
        let mut index = self.index.clone();
        index.entries.remove(key);
        self.commit(index)?;
        Ok(Lookup::Dropped(reason))
    }
}
