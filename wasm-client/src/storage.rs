//! The host's string storage as a [`commerce_core::cache::Storage`].
//!
//! Two adapters, one per host:
//! - [`JsCallbacks`]: an object `{get(key), set(key, value), remove(key),
//!   keys()}` built by the shell, e.g. from `wx.getStorageSync` and friends
//!   (`mp-shell/miniprogram/lib/storage.js`). `get` returns the string, or
//!   `null`, `undefined` or `''` (WeChat's "absent"); `keys` returns an array
//!   of strings. A throw from `set` whose `code` is `QUOTA_EXCEEDED` (or whose
//!   `name` is `QuotaExceededError`, as browsers name it) is a quota refusal;
//!   any other throw is a failure. Telling a quota error from the platform's
//!   wording is the shell's job: it knows its platform.
//! - [`Local`]: the browser's `localStorage` for H5, through `gloo-storage`
//!   (values stored as JSON strings, which is how gloo writes them).
//!
//! Invariants: nothing here panics or throws through wasm: every failure,
//! including a callback that throws or answers with the wrong type, is a
//! [`StorageError`] value; clones of an adapter reach the same store (they
//! are handles), which is what [`commerce_core::client::Client`] requires.

use commerce_core::cache::{Storage, StorageError};
use commerce_core::error::ApiError;
use gloo_storage::errors::StorageError as GlooError;
use gloo_storage::{LocalStorage, Storage as _};
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Whichever storage the client was opened on.
#[derive(Debug, Clone)]
pub enum HostStorage {
    Callbacks(JsCallbacks),
    Local(Local),
}

impl HostStorage {
    fn adapter(&self) -> &dyn Storage {
        match self {
            HostStorage::Callbacks(s) => s,
            HostStorage::Local(s) => s,
        }
    }

    fn adapter_mut(&mut self) -> &mut dyn Storage {
        match self {
            HostStorage::Callbacks(s) => s,
            HostStorage::Local(s) => s,
        }
    }
}

impl Storage for HostStorage {
    fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.adapter().get(key)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        self.adapter_mut().set(key, value)
    }
    fn remove(&mut self, key: &str) -> Result<(), StorageError> {
        self.adapter_mut().remove(key)
    }
    fn keys(&self) -> Result<Vec<String>, StorageError> {
        self.adapter().keys()
    }
}

/// The shell's storage callbacks, each called with the object as `this`.
#[derive(Debug, Clone)]
pub struct JsCallbacks {
    target: JsValue,
    get: Function,
    set: Function,
    remove: Function,
    keys: Function,
}

impl JsCallbacks {
    /// Take `target` if it has the four functions.
    pub fn new(target: JsValue) -> Result<JsCallbacks, ApiError> {
        let function = |name: &str| {
            Reflect::get(&target, &name.into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
                .ok_or_else(|| {
                    ApiError::malformed(format!(
                        "the storage adapter has no function {name}; \
                         expected {{get(key), set(key, value), remove(key), keys()}}"
                    ))
                })
        };
        Ok(JsCallbacks {
            get: function("get")?,
            set: function("set")?,
            remove: function("remove")?,
            keys: function("keys")?,
            target,
        })
    }
}

impl Storage for JsCallbacks {
    fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        let value = self
            .get
            .call1(&self.target, &key.into())
            .map_err(|e| failed(&e, "get", key))?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        match value.as_string() {
            Some(text) if text.is_empty() => Ok(None),
            Some(text) => Ok(Some(text)),
            None => Err(StorageError::Failed {
                message: format!("storage get({key:?}) returned a non-string"),
            }),
        }
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        match self.set.call2(&self.target, &key.into(), &value.into()) {
            Ok(_) => Ok(()),
            Err(thrown) if is_quota(&thrown) => Err(StorageError::QuotaExceeded {
                key: key.to_owned(),
                bytes: key.len().saturating_add(value.len()),
            }),
            Err(thrown) => Err(failed(&thrown, "set", key)),
        }
    }

    fn remove(&mut self, key: &str) -> Result<(), StorageError> {
        self.remove
            .call1(&self.target, &key.into())
            .map(|_| ())
            .map_err(|e| failed(&e, "remove", key))
    }

    fn keys(&self) -> Result<Vec<String>, StorageError> {
        let keys = self
            .keys
            .call0(&self.target)
            .map_err(|e| failed(&e, "keys", ""))?;
        let not_strings = || StorageError::Failed {
            message: "storage keys() did not return an array of strings".to_owned(),
        };
        if !Array::is_array(&keys) {
            return Err(not_strings());
        }
        Array::from(&keys)
            .iter()
            .map(|k| k.as_string().ok_or_else(not_strings))
            .collect()
    }
}

/// A string property of a thrown value, if it is an object that has one.
fn property(thrown: &JsValue, name: &str) -> Option<String> {
    Reflect::get(thrown, &name.into())
        .ok()
        .and_then(|v| v.as_string())
}

/// The `name` browsers give a write refused for size (a `DOMException`).
const QUOTA_ERROR_NAME: &str = "QuotaExceededError";

fn is_quota(thrown: &JsValue) -> bool {
    property(thrown, "code").as_deref() == Some("QUOTA_EXCEEDED")
        || property(thrown, "name").as_deref() == Some(QUOTA_ERROR_NAME)
}

fn failed(thrown: &JsValue, call: &str, key: &str) -> StorageError {
    let detail = property(thrown, "message")
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| "an exception without a message".to_owned());
    StorageError::Failed {
        message: format!("storage {call}({key:?}) threw: {detail}"),
    }
}

/// The browser's `localStorage`.
#[derive(Debug, Clone, Copy)]
pub struct Local(());

impl Local {
    /// `localStorage`, if this global has one (gloo would throw without it).
    pub fn open() -> Result<Local, StorageError> {
        match Reflect::get(&js_sys::global(), &"localStorage".into()) {
            Ok(storage) if !storage.is_null() && !storage.is_undefined() => Ok(Local(())),
            _ => Err(StorageError::Failed {
                message: "this runtime has no localStorage".to_owned(),
            }),
        }
    }
}

fn gloo_failure(e: GlooError, call: &str, key: &str) -> StorageError {
    StorageError::Failed {
        message: format!("localStorage {call}({key:?}): {e}"),
    }
}

impl Storage for Local {
    fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        match LocalStorage::get::<String>(key) {
            Ok(value) => Ok(Some(value)),
            Err(GlooError::KeyNotFound(_)) => Ok(None),
            Err(e) => Err(gloo_failure(e, "get", key)),
        }
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        match LocalStorage::set(key, value) {
            Ok(()) => Ok(()),
            Err(GlooError::JsError(e)) if e.name == QUOTA_ERROR_NAME => {
                Err(StorageError::QuotaExceeded {
                    key: key.to_owned(),
                    bytes: key.len().saturating_add(value.len()),
                })
            }
            Err(e) => Err(gloo_failure(e, "set", key)),
        }
    }

    fn remove(&mut self, key: &str) -> Result<(), StorageError> {
        LocalStorage::delete(key);
        Ok(())
    }

    fn keys(&self) -> Result<Vec<String>, StorageError> {
        let raw = LocalStorage::raw();
        (0..LocalStorage::length())
            .filter_map(|i| raw.key(i).transpose())
            .map(|k| k.map_err(|e| failed(&e, "localStorage.key", "")))
            .collect()
    }
}
