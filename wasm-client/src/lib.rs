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
//! Objects cross the boundary as JSON text (`JSON.stringify` in, core's
//! serde_json, `JSON.parse` out): one serde path for every type instead of
//! a second, serde-wasm-bindgen one, which nearly doubled the wasm; it is
//! also faster than walking objects field by field across the boundary.
//!
//! Invariants: no business rule here; no panic on input (a panic kills the
//! instance); objects returned are JSON-compatible (no `Map`, no `undefined`,
//! no `BigInt`), so `JSON.stringify` works on every result.

mod client;
mod finder;
mod storage;

pub use client::Client;
pub use finder::StoreFinder;

use commerce_core::api::{self, Operation};
use commerce_core::error::{ApiError, ErrorKind};
use serde::de::DeserializeOwned;
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
    call_object(<api::ops::Quote as Operation>::NAME, &request).map_err(to_js_error)
}

/// Run core operation `op` on a plain JS object.
#[wasm_bindgen]
pub fn call(op: &str, request: JsValue) -> Result<JsValue, JsValue> {
    call_object(op, &request).map_err(to_js_error)
}

/// Run core operation `op` on JSON text; returns JSON text.
#[wasm_bindgen(js_name = callJson)]
pub fn call_json(op: &str, body: &str) -> Result<String, JsValue> {
    api::call_json(op, body).map_err(to_js_error)
}

/// The object API is the JSON API between `JSON.stringify` and `JSON.parse`:
/// one serde path (core's serde_json) for every operation keeps the wasm
/// small, and a result is exactly what `callJson` returns, parsed.
fn call_object(op: &str, request: &JsValue) -> Result<JsValue, ApiError> {
    if !api::OPERATIONS.contains(&op) {
        return Err(api::unknown_operation(op));
    }
    let body = json_text(request, "request")?;
    let response = api::call_json(op, &body).map_err(|e| object_decode_error(e, "request"))?;
    parse_json(&response)
}

/// Decode a plain JS value into `T` (through its JSON text); a failure is
/// `MALFORMED_REQUEST` "invalid {what}: ...".
pub fn from_js<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, ApiError> {
    api::decode_json(&json_text(value, what)?).map_err(|e| object_decode_error(e, what))
}

/// Serialise to plain, JSON-compatible JS values (`JSON.parse` of the JSON).
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, ApiError> {
    let text = serde_json::to_string(value)
        .map_err(|e| ApiError::new(ErrorKind::Domain, "ENCODE_FAILED", e.to_string()))?;
    parse_json(&text)
}

/// `JSON.stringify(value)`; `undefined` (and functions) read as `null`.
fn json_text(value: &JsValue, what: &str) -> Result<String, ApiError> {
    match js_sys::JSON::stringify(value) {
        Ok(text) => Ok(text.as_string().unwrap_or_else(|| "null".to_owned())),
        // A BigInt or a cycle: not JSON data.
        Err(thrown) => Err(ApiError::malformed(format!(
            "invalid {what}: {}",
            js_sys::Error::from(thrown).message()
        ))),
    }
}

fn parse_json(text: &str) -> Result<JsValue, ApiError> {
    js_sys::JSON::parse(text).map_err(|_| {
        ApiError::new(
            ErrorKind::Domain,
            "ENCODE_FAILED",
            "the response is not JSON",
        )
    })
}

/// A decode error of core's JSON path reworded for an object: "invalid
/// {what}: {serde's message}", without the position in a text the caller
/// never saw.
fn object_decode_error(mut error: ApiError, what: &str) -> ApiError {
    if error.kind == ErrorKind::Malformed {
        if let Some(detail) = error.message.strip_prefix("invalid request body: ") {
            error.message = format!("invalid {what}: {}", without_position(detail));
        }
    }
    error
}

/// `detail` without serde_json's trailing " at line L column C".
fn without_position(detail: &str) -> &str {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match detail.rsplit_once(" at line ") {
        Some((head, tail))
            if tail
                .split_once(" column ")
                .is_some_and(|(line, column)| digits(line) && digits(column)) =>
        {
            head
        }
        _ => detail,
    }
}

/// A JS `Error` carrying the stable `code`.
pub fn to_js_error(error: ApiError) -> JsValue {
    let js = js_sys::Error::new(&error.message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code.into());
    js.into()
}
