//! Durable Objects: where one writer must decide.
//!
//! - [`cart::CartObject`] (`CART`, one per `user:<id>` / `guest:<client id>`):
//!   the server side of cart sync;
//! - [`inventory::InventoryObject`] (`INVENTORY`, one named `global`): stock
//!   per SKU, flash-sale stock, per-shopper limits and the payment timers
//!   (alarm) of unpaid orders;
//! - [`limiter::RateLimiter`] (`LIMITER`, one per limited key): token buckets.
//!
//! Invariant: each object does read - decide (core) - write with no await
//! other than on its own storage in between, so the runtime's input gates
//! make every decision atomic; callers reach them only through [`call`].

pub mod cart;
pub mod inventory;
pub mod limiter;

use crate::http::HttpError;
use serde::Serialize;
use wasm_bindgen::JsValue;
use worker::{Env, Method, Request, RequestInit};

/// POST `body` as JSON to `path` of the object `name` in namespace
/// `binding`; returns the status and the body text.
pub async fn call<T: Serialize>(
    env: &Env,
    binding: &str,
    name: &str,
    path: &str,
    body: &T,
) -> Result<(u16, String), HttpError> {
    let stub = env.durable_object(binding)?.get_by_name(name)?;
    let text = serde_json::to_string(body).map_err(|e| HttpError::Runtime(e.to_string()))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(&text)));
    let request = Request::new_with_init(&format!("https://object{path}"), &init)?;
    let mut response = stub.fetch_with_request(request).await?;
    Ok((response.status_code(), response.text().await?))
}

/// A JSON response from inside an object.
fn reply(status: u16, body: String) -> worker::Result<worker::Response> {
    Ok(worker::Response::ok(body)?.with_status(status))
}
