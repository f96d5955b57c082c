//! `Client`: the cart, its pending mutations and the offline cache for a
//! page, over `commerce_core::client::Client` — **API boundary**.
//!
//! ```js
//! const client = new Client(storage, 'k7f3q9', Date.now());   // or Client.withLocalStorage(...)
//! client.putCatalog(catalog, Date.now(), 60_000, 86_400_000, catalog.version);
//! const view = client.add({ sku_id: 'tea' }, 2);   // {cart, warnings, totals}
//! wx.request({ url, method: 'POST', data: client.syncPayload(),
//!   success: (res) => client.applySyncResponse(res.data) });
//! client.free();   // phones have no FinalizationRegistry
//! ```
//!
//! Every method adapts JS values to core calls and back; the rules (checks,
//! warnings, ids, rebase, persistence order) are core's. Numbers from JS must
//! be integers within 2^53 (quantities, fen, milliseconds). Objects returned
//! are JSON-compatible; errors are thrown as `Error`s with a stable `code`.
//!
//! Invariants: a method that throws changed nothing, in memory or in
//! storage; nothing here panics on input; after `free()` the object is gone
//! (wasm-bindgen throws on any later call).

use crate::storage::{HostStorage, JsCallbacks, Local};
use crate::{to_js, to_js_error};
use commerce_core::cache::{Dropped, Entry, Freshness, Lookup, Meta};
use commerce_core::cart::{CartOp, LineKey};
use commerce_core::catalog::CatalogSnapshot;
use commerce_core::client::{self, ClientConfig, STORES_KEY};
use commerce_core::error::{ApiError, Coded, ErrorKind};
use commerce_core::lbs::StoreSnapshot;
use commerce_core::money::Money;
use commerce_core::sync::PushResponse;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A cart client persisted in the host's storage. Free it with `free()`.
#[wasm_bindgen]
pub struct Client {
    inner: client::Client<HostStorage>,
    /// Entries dropped as corrupt since opening (reported, never returned).
    dropped: Vec<DroppedEntry>,
}

/// A dropped cache entry as JS sees it.
#[derive(Serialize)]
struct DroppedEntry {
    key: String,
    code: &'static str,
    message: String,
}

impl From<Dropped> for DroppedEntry {
    fn from(d: Dropped) -> Self {
        DroppedEntry {
            code: d.reason.code(),
            message: d.reason.to_string(),
            key: d.key,
        }
    }
}

/// A cached snapshot as JS sees it: the value, its freshness and metadata.
#[derive(Serialize)]
struct CachedEntry<T> {
    value: T,
    freshness: Freshness,
    etag: Option<String>,
    created_at: f64,
    fresh_until: f64,
    expires_at: f64,
}

/// A JS number that must be an integer a JS number holds exactly.
fn integer(value: f64, what: &str) -> Result<i64, JsValue> {
    const SAFE: f64 = 9_007_199_254_740_991.0;
    if value.fract() == 0.0 && value.abs() <= SAFE {
        // In range and integral: the cast is exact.
        Ok(value as i64)
    } else {
        Err(to_js_error(ApiError::malformed(format!(
            "{what} must be an integer within 2^53, got {value}"
        ))))
    }
}

/// Decode a plain JS object (or `undefined`/`null` as the default).
fn from_js<T: DeserializeOwned + Default>(value: JsValue, what: &str) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    decode(value, what)
}

fn decode<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    crate::from_js(&value, what).map_err(to_js_error)
}

fn line_key(line: JsValue) -> Result<LineKey, JsValue> {
    decode(line, "line (expected {sku_id, activity_id?})")
}

fn meta(
    now_ms: f64,
    max_age_ms: f64,
    stale_ms: f64,
    etag: Option<String>,
) -> Result<Meta, JsValue> {
    Ok(Meta::new(
        integer(now_ms, "nowMs")?,
        integer(max_age_ms, "maxAgeMs")?,
        integer(stale_ms, "staleMs")?,
        etag,
    ))
}

fn js_error(e: impl Into<ApiError>) -> JsValue {
    to_js_error(e.into())
}

fn ok_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    to_js(value).map_err(to_js_error)
}

#[wasm_bindgen]
impl Client {
    /// `new Client(storage, clientId, nowMs, config?)`: open the client kept
    /// in `storage` (`{get, set, remove, keys}`, see `lib/storage.js`).
    /// `clientId` (fresh, random) is used only if no state is stored; read
    /// the one in use with `clientId()`. `config`:
    /// `{cache: {prefix, chunk_chars, budget_bytes}, state: {...}}`, any field
    /// may be left out.
    #[wasm_bindgen(constructor)]
    pub fn new(
        storage: JsValue,
        client_id: &str,
        now_ms: f64,
        config: JsValue,
    ) -> Result<Client, JsValue> {
        let storage = JsCallbacks::new(storage).map_err(to_js_error)?;
        Client::open(HostStorage::Callbacks(storage), client_id, now_ms, config)
    }

    /// `Client.withLocalStorage(clientId, nowMs, config?)`: the same on the
    /// browser's `localStorage` (H5). Browsers allow about 5 MB there: pass
    /// a smaller `cache.budget_bytes` than the mini-program default.
    #[wasm_bindgen(js_name = withLocalStorage)]
    pub fn with_local_storage(
        client_id: &str,
        now_ms: f64,
        config: JsValue,
    ) -> Result<Client, JsValue> {
        let storage = Local::open().map_err(js_error)?;
        Client::open(HostStorage::Local(storage), client_id, now_ms, config)
    }

    fn open(
        storage: HostStorage,
        client_id: &str,
        now_ms: f64,
        config: JsValue,
    ) -> Result<Client, JsValue> {
        let config: ClientConfig = from_js(config, "config")?;
        let (inner, dropped) =
            client::Client::open(storage, client_id, config, integer(now_ms, "nowMs")?)
                .map_err(js_error)?;
        Ok(Client {
            inner,
            dropped: dropped.into_iter().map(DroppedEntry::from).collect(),
        })
    }

    /// The client id in use (the stored one, or the one given when none was).
    #[wasm_bindgen(js_name = clientId)]
    pub fn client_id(&self) -> String {
        self.inner.state().client_id.clone()
    }

    /// Entries dropped as corrupt since opening: `[{key, code, message}]`.
    pub fn dropped(&self) -> Result<JsValue, JsValue> {
        ok_js(&self.dropped)
    }

    /// Any cart operation in core's wire shape, e.g.
    /// `{type: 'add', sku_id: 'tea', quantity: 2}`; returns the cart view.
    pub fn apply(&mut self, op: JsValue) -> Result<JsValue, JsValue> {
        let op: CartOp = decode(op, "cart operation")?;
        self.run(&op)
    }

    /// `add(line, quantity, seenPrice?)`: `line` is `{sku_id, activity_id?}`
    /// (a line of a cart view works too); `seenPrice` (fen) defaults to the
    /// cached catalog's price.
    pub fn add(
        &mut self,
        line: JsValue,
        quantity: f64,
        seen_price: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let seen_price = match seen_price {
            Some(fen) => Some(Money::fen(integer(fen, "seenPrice")?)),
            None => None,
        };
        self.run(&CartOp::Add {
            line: line_key(line)?,
            quantity: integer(quantity, "quantity")?,
            seen_price,
        })
    }

    #[wasm_bindgen(js_name = setQuantity)]
    pub fn set_quantity(&mut self, line: JsValue, quantity: f64) -> Result<JsValue, JsValue> {
        self.run(&CartOp::SetQuantity {
            line: line_key(line)?,
            quantity: integer(quantity, "quantity")?,
        })
    }

    pub fn remove(&mut self, line: JsValue) -> Result<JsValue, JsValue> {
        self.run(&CartOp::Remove {
            line: line_key(line)?,
        })
    }

    pub fn select(&mut self, line: JsValue) -> Result<JsValue, JsValue> {
        self.run(&CartOp::Select {
            line: line_key(line)?,
        })
    }

    pub fn unselect(&mut self, line: JsValue) -> Result<JsValue, JsValue> {
        self.run(&CartOp::Unselect {
            line: line_key(line)?,
        })
    }

    #[wasm_bindgen(js_name = selectAll)]
    pub fn select_all(&mut self) -> Result<JsValue, JsValue> {
        self.run(&CartOp::SelectAll)
    }

    #[wasm_bindgen(js_name = unselectAll)]
    pub fn unselect_all(&mut self) -> Result<JsValue, JsValue> {
        self.run(&CartOp::UnselectAll)
    }

    #[wasm_bindgen(js_name = clearInvalid)]
    pub fn clear_invalid(&mut self) -> Result<JsValue, JsValue> {
        self.run(&CartOp::ClearInvalid)
    }

    fn run(&mut self, op: &CartOp) -> Result<JsValue, JsValue> {
        ok_js(&self.inner.mutate(op).map_err(js_error)?)
    }

    /// The cart view `{cart: {lines, invalid_lines}, warnings, totals:
    /// {quantity, subtotal, payable}}`; the warnings say why each invalid
    /// line is invalid.
    #[wasm_bindgen(js_name = cartView)]
    pub fn cart_view(&self) -> Result<JsValue, JsValue> {
        ok_js(&self.inner.view().map_err(js_error)?)
    }

    /// The pricing engine's quote of the selected valid lines.
    pub fn quote(&self) -> Result<JsValue, JsValue> {
        ok_js(&self.inner.quote().map_err(js_error)?)
    }

    /// Mutations not yet consumed by the server.
    #[wasm_bindgen(js_name = pendingCount)]
    pub fn pending_count(&self) -> usize {
        self.inner.state().pending.len()
    }

    /// The body of `POST /v1/cart/sync` (JSON text): every pending mutation.
    /// Sending it again (a retry) is safe.
    #[wasm_bindgen(js_name = syncPayload)]
    pub fn sync_payload(&self) -> Result<String, JsValue> {
        serde_json::to_string(&self.inner.push()).map_err(|e| {
            to_js_error(ApiError::new(
                ErrorKind::Domain,
                "ENCODE_FAILED",
                e.to_string(),
            ))
        })
    }

    /// Take the server's answer (JSON text or the parsed object): rebase,
    /// persist; returns the cart view with the server's warnings first.
    #[wasm_bindgen(js_name = applySyncResponse)]
    pub fn apply_sync_response(&mut self, response: JsValue) -> Result<JsValue, JsValue> {
        let response: PushResponse = match response.as_string() {
            Some(text) => commerce_core::api::decode_json(&text).map_err(to_js_error)?,
            None => decode(response, "sync response")?,
        };
        ok_js(&self.inner.apply_response(&response).map_err(js_error)?)
    }

    /// Log in as `newClientId` (fresh, random): the guest cart becomes one
    /// pending `merge_guest` mutation for the user's cart; sync next. Drop
    /// any answer to a push sent before this call.
    pub fn login(&mut self, new_client_id: &str) -> Result<(), JsValue> {
        self.inner.login(new_client_id).map_err(js_error)
    }

    /// `putCatalog(snapshot, nowMs, maxAgeMs, staleMs, etag?)`: cache a
    /// catalog snapshot (fresh for `maxAgeMs`, then stale for `staleMs`) and
    /// re-check the cart on it; returns the cart view, whose warnings say
    /// what the new catalog changed.
    #[wasm_bindgen(js_name = putCatalog)]
    pub fn put_catalog(
        &mut self,
        snapshot: JsValue,
        now_ms: f64,
        max_age_ms: f64,
        stale_ms: f64,
        etag: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let snapshot: CatalogSnapshot = decode(snapshot, "catalog snapshot")?;
        let meta = meta(now_ms, max_age_ms, stale_ms, etag)?;
        ok_js(&self.inner.put_catalog(snapshot, meta).map_err(js_error)?)
    }

    /// The cached catalog at `nowMs`: `{value, freshness: 'fresh'|'stale'|
    /// 'expired', etag, created_at, fresh_until, expires_at}` or `null`.
    pub fn catalog(&mut self, now_ms: f64) -> Result<JsValue, JsValue> {
        self.cached::<CatalogSnapshot>(client::CATALOG_KEY, now_ms)
    }

    /// `putStores(snapshot, nowMs, maxAgeMs, staleMs, etag?)`: cache the
    /// store snapshot (`{version, coord, stores}`).
    #[wasm_bindgen(js_name = putStores)]
    pub fn put_stores(
        &mut self,
        snapshot: JsValue,
        now_ms: f64,
        max_age_ms: f64,
        stale_ms: f64,
        etag: Option<String>,
    ) -> Result<(), JsValue> {
        let snapshot: StoreSnapshot = decode(snapshot, "store snapshot")?;
        let meta = meta(now_ms, max_age_ms, stale_ms, etag)?;
        self.inner
            .cache()
            .put(STORES_KEY, &snapshot, meta)
            .map_err(js_error)
    }

    /// The cached store snapshot at `nowMs`, shaped like `catalog()`.
    pub fn stores(&mut self, now_ms: f64) -> Result<JsValue, JsValue> {
        self.cached::<StoreSnapshot>(STORES_KEY, now_ms)
    }

    fn cached<T: DeserializeOwned + Serialize>(
        &mut self,
        key: &str,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let now = integer(now_ms, "nowMs")?;
        match self.inner.cache().get::<T>(key, now).map_err(js_error)? {
            Lookup::Hit(Entry {
                value,
                freshness,
                meta,
            }) => ok_js(&CachedEntry {
                value,
                freshness,
                etag: meta.etag,
                // Milliseconds within ±2^63 as JS numbers (nearest double).
                created_at: meta.created_at as f64,
                fresh_until: meta.fresh_until as f64,
                expires_at: meta.expires_at as f64,
            }),
            Lookup::Miss => Ok(JsValue::NULL),
            Lookup::Dropped(reason) => {
                self.dropped.push(DroppedEntry::from(Dropped {
                    key: key.to_owned(),
                    reason,
                }));
                Ok(JsValue::NULL)
            }
        }
    }
}
