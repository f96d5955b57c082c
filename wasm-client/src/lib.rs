//! # commerce-wasm: the core for mini-programs and browsers — **API boundary**
//!
//! A thin wasm-bindgen facade over `commerce-core`. It adapts values, never
//! rules: every price, cart change and store match is computed by the core.
//!
//! Exports (JavaScript names):
//! - `version()` — the package version;
//! - `quote(request)` — price a cart (plain JS object in, plain object out);
//! - `call(op, request)` — any core operation by name (see `operations()`);
//! - `callJson(op, body)` — the same with JSON text in and out; its output is
//!   byte-identical to the edge worker's response body for the same request;
//! - `operations()` — the names `call` accepts;
//! - `Client` — the cart, its pending mutations and the offline cache,
//!   persisted in the host's storage (`client` module; storage adapters in
//!   `storage`). Free it with `free()`: phones have no FinalizationRegistry.
//!
//! Errors are thrown as JS `Error` objects with a stable `code` property
//! (`UNKNOWN_SKU`, `MALFORMED_REQUEST`, ...) and the core's message.
//!
//! Invariants: no business rule here; no panic on input (a panic kills the
//! instance); objects returned are JSON-compatible (no `Map`, no `undefined`,
//! no `BigInt`), so `JSON.stringify` works on every result.

mod client;
mod storage;

pub use client::Client;

use commerce_core::api::{self, Operation, OperationVisitor};
use commerce_core::error::{ApiError, ErrorKind};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The package version, e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Names of every operation `call` accepts.
#[wasm_bindgen]
pub fn operations() -> Vec<String> {
    api::OPERATIONS.iter().map(|s| (*s).to_owned()).collect()
}

/// Price a cart: `quote({catalog, lines, ...})`.
#[wasm_bindgen]
pub fn quote(request: JsValue) -> Result<JsValue, JsValue> {
    call_op::<api::ops::Quote>(request).map_err(to_js_error)
}

/// Run core operation `op` on a plain JS object.
#[wasm_bindgen]
pub fn call(op: &str, request: JsValue) -> Result<JsValue, JsValue> {
    api::visit_operation(op, ObjectCall(request))
        .unwrap_or_else(|| Err(api::unknown_operation(op)))
        .map_err(to_js_error)
}

/// Run core operation `op` on JSON text; returns JSON text.
#[wasm_bindgen(js_name = callJson)]
pub fn call_json(op: &str, body: &str) -> Result<String, JsValue> {
    api::call_json(op, body).map_err(to_js_error)
}

struct ObjectCall(JsValue);

impl OperationVisitor for ObjectCall {
    type Output = Result<JsValue, ApiError>;
    fn visit<O: Operation>(self) -> Self::Output {
        call_op::<O>(self.0)
    }
}

fn call_op<O: Operation>(request: JsValue) -> Result<JsValue, ApiError> {
    let request: O::Request = serde_wasm_bindgen::from_value(request)
        .map_err(|e| ApiError::malformed(format!("invalid request: {e}")))?;
    to_js(&O::run(request)?)
}

/// Serialise to plain, JSON-compatible JS values.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, ApiError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| ApiError::new(ErrorKind::Domain, "ENCODE_FAILED", e.to_string()))
}

/// A JS `Error` carrying the stable `code`.
pub fn to_js_error(error: ApiError) -> JsValue {
    let js = js_sys::Error::new(&error.message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code.into());
    js.into()
}
