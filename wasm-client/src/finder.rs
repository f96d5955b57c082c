//! `StoreFinder`: one store snapshot indexed once, queried many times —
//! **API boundary**.
//!
//! ```js
//! const finder = new StoreFinder(snapshot);          // validates + builds the index once
//! finder.nearest({ point: { lat, lng, coord: 'wgs84' }, k: 5, at, explain: true });
//! finder.within({ point, radius_m: 3000 });
//! finder.delivering({ point });
//! finder.free();   // when the snapshot changes: phones have no FinalizationRegistry
//! ```
//!
//! `nearest` / `within` / `delivering` take the request of `call('stores_nearest'
//! | 'stores_within' | 'stores_delivering', ...)` without `snapshot` and return
//! exactly what that call returns for `{snapshot, ...request}` (the same
//! core code, `lbs::contract::query_index`), without rebuilding the index. A
//! request that still carries a `snapshot` is `MALFORMED_REQUEST`: build a new
//! finder for a new snapshot. `scanNearest({point, k})` is the brute-force
//! baseline (distance to every store, no filters), for benchmarks.
//!
//! Invariants: no rule here (core's contract decides and validates); errors
//! are `Error`s with `code` like the rest of the package; after `free()` the
//! object is gone (wasm-bindgen throws on any later call).

use crate::{from_js, to_js, to_js_error};
use commerce_core::error::ApiError;
use commerce_core::lbs::contract::{self, Search, StoreList, StoreQuery};
use commerce_core::lbs::{LbsError, StoreIndex, StoreSnapshot};
use wasm_bindgen::prelude::*;

/// A store snapshot's index, kept. Free it with `free()`.
#[wasm_bindgen]
pub struct StoreFinder {
    index: StoreIndex,
}

fn decode<T: serde::de::DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, JsValue> {
    from_js(value, what).map_err(to_js_error)
}

fn answer(list: Result<StoreList, LbsError>) -> Result<JsValue, JsValue> {
    list.map_err(ApiError::from)
        .and_then(|list| to_js(&list))
        .map_err(to_js_error)
}

#[wasm_bindgen]
impl StoreFinder {
    /// Validate and index `snapshot` (`{version, coord, stores}`); throws the
    /// snapshot's error (`DUPLICATE_STORE_ID`, `INVALID_COORDINATE`, ...).
    #[wasm_bindgen(constructor)]
    pub fn new(snapshot: JsValue) -> Result<StoreFinder, JsValue> {
        let snapshot: StoreSnapshot = decode(&snapshot, "store snapshot")?;
        let index = StoreIndex::build(snapshot).map_err(|e| to_js_error(ApiError::from(e)))?;
        Ok(StoreFinder { index })
    }

    /// The snapshot's `version` ("" when it had none).
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.index.version().to_owned()
    }

    /// How many stores the snapshot has.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.index.stores().len()
    }

    /// `stores_nearest` on the kept index.
    pub fn nearest(&self, request: JsValue) -> Result<JsValue, JsValue> {
        self.search(Search::Nearest, request)
    }

    /// `stores_within` on the kept index.
    pub fn within(&self, request: JsValue) -> Result<JsValue, JsValue> {
        self.search(Search::Within, request)
    }

    /// `stores_delivering` on the kept index.
    pub fn delivering(&self, request: JsValue) -> Result<JsValue, JsValue> {
        self.search(Search::Delivering, request)
    }

    /// The `k` nearest stores by brute force (`{point, k}`; no filters): the
    /// linear-scan baseline for benchmarks.
    #[wasm_bindgen(js_name = scanNearest)]
    pub fn scan_nearest(&self, request: JsValue) -> Result<JsValue, JsValue> {
        let query: StoreQuery = decode(&request, "request")?;
        answer(contract::scan_index(&self.index, &query))
    }

    fn search(&self, kind: Search, request: JsValue) -> Result<JsValue, JsValue> {
        let query: StoreQuery = decode(&request, "request")?;
        answer(contract::query_index(&self.index, kind, &query))
    }
}
