//! The storage the cache sits on: a synchronous string key-value store, as
//! `wx.setStorageSync` and `localStorage` offer.
//!
//! Adapters (JS callbacks and `localStorage` in `wasm-client`) implement
//! [`Storage`]; core ships [`MemoryStorage`], which can also play the
//! mini-program's limits (bytes per key, bytes in all) for tests. Workers KV
//! is asynchronous and holds 25 MiB values, so the edge does not go through
//! this trait: it seals its KV values with [`super::envelope::seal`] directly
//! (`edge-worker/src/kv.rs`).
//!
//! Invariants: the trait is object-safe (`Box<dyn Storage>` works); every
//! failure is a [`StorageError`] value, never a panic or a silent loss; a
//! failed `set` leaves the previous value of that key in place.

use crate::error::Coded;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// A string key-value store. Values are base64 text when the cache writes
/// them; sizes are counted in bytes of key plus value.
pub trait Storage {
    /// The value of `key`, if any.
    fn get(&self, key: &str) -> Result<Option<String>, StorageError>;
    /// Store `value` under `key`, replacing any previous value.
    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError>;
    /// Remove `key`; removing an absent key succeeds.
    fn remove(&mut self, key: &str) -> Result<(), StorageError>;
    /// Every key present (any order).
    fn keys(&self) -> Result<Vec<String>, StorageError>;
}

impl<T: Storage + ?Sized> Storage for Box<T> {
    fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        (**self).get(key)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        (**self).set(key, value)
    }
    fn remove(&mut self, key: &str) -> Result<(), StorageError> {
        (**self).remove(key)
    }
    fn keys(&self) -> Result<Vec<String>, StorageError> {
        (**self).keys()
    }
}

/// A store shared by several owners (say, the two caches of a
/// [`crate::client::Client`]), each holding a clone of the handle.
impl<T: Storage> Storage for Rc<RefCell<T>> {
    fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.try_borrow().map_err(busy)?.get(key)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        self.try_borrow_mut().map_err(busy)?.set(key, value)
    }
    fn remove(&mut self, key: &str) -> Result<(), StorageError> {
        self.try_borrow_mut().map_err(busy)?.remove(key)
    }
    fn keys(&self) -> Result<Vec<String>, StorageError> {
        self.try_borrow().map_err(busy)?.keys()
    }
}

fn busy(e: impl fmt::Display) -> StorageError {
    StorageError::Failed {
        message: format!("shared storage in use: {e}"),
    }
}

/// Why the storage refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The write would pass a size limit (per key or in all); nothing was
    /// written. `bytes` is the size of the refused key plus value.
    QuotaExceeded { key: String, bytes: usize },
    /// Any other failure the host reported.
    Failed { message: String },
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::QuotaExceeded { key, bytes } => {
                write!(
                    f,
                    "storage quota exceeded writing {bytes} bytes under {key}"
                )
            }
            StorageError::Failed { message } => write!(f, "storage failed: {message}"),
        }
    }
}

impl Coded for StorageError {
    fn code(&self) -> &'static str {
        match self {
            StorageError::QuotaExceeded { .. } => "STORAGE_QUOTA_EXCEEDED",
            StorageError::Failed { .. } => "STORAGE_FAILED",
        }
    }
}

/// An in-memory [`Storage`] with optional limits, which also records the
/// most bytes it ever held (to test that a cache stays within its budget).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryStorage {
    items: BTreeMap<String, String>,
    per_key_limit: Option<usize>,
    total_limit: Option<usize>,
    bytes: usize,
    high_water: usize,
}

impl MemoryStorage {
    /// Unlimited storage.
    pub fn new() -> Self {
        MemoryStorage::default()
    }

    /// Storage that refuses a key plus value over `per_key` bytes, or a write
    /// that would take the total over `total` bytes, like `wx.setStorageSync`
    /// (1 MB per key, 10 MB per user).
    pub fn with_limits(per_key: usize, total: usize) -> Self {
        MemoryStorage {
            per_key_limit: Some(per_key),
            total_limit: Some(total),
            ..MemoryStorage::default()
        }
    }

    /// Bytes held now (keys plus values).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The most bytes ever held at once.
    pub fn high_water(&self) -> usize {
        self.high_water
    }
}

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(self.items.get(key).cloned())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        let size = key.len() + value.len();
        let old = self.items.get(key).map_or(0, |v| key.len() + v.len());
        let total = self.bytes.saturating_sub(old).saturating_add(size);
        let too_big = self.per_key_limit.is_some_and(|l| size > l)
            || self.total_limit.is_some_and(|l| total > l);
        if too_big {
            return Err(StorageError::QuotaExceeded {
                key: key.to_owned(),
                bytes: size,
            });
        }
        self.items.insert(key.to_owned(), value.to_owned());
        self.bytes = total;
        self.high_water = self.high_water.max(total);
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), StorageError> {
        if let Some(v) = self.items.remove(key) {
            self.bytes = self.bytes.saturating_sub(key.len() + v.len());
        }
        Ok(())
    }

    fn keys(&self) -> Result<Vec<String>, StorageError> {
        Ok(self.items.keys().cloned().collect())
    }
}
