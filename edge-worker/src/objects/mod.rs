//! Durable Objects: where one writer must decide.
//!
//! - [`cart::CartObject`] (`CART`, one per `user:<id>` / `guest:<client id>`):
//!   the server side of cart sync;
//! - [`inventory::InventoryObject`] (`INVENTORY`, one named `global`): stock
//!   per SKU, flash-sale stock, per-shopper limits and the payment timers
//!   (alarm) of unpaid orders;
//! - [`limiter::RateLimiter`] (`LIMITER`, one per limited key): token buckets.
//!
//! The protocol is typed: each object has one request enum and its answers,
//! shared by the object and its client (e.g. [`inventory::Inventory`]); a
//! call is one POST of the request as JSON, answered with [`Answer`] - the
//! reply, or a refusal carrying core's error kind and code. No paths, no
//! string-compared codes.
//!
//! Invariant: each object does read - decide (core) - write with no await
//! other than on its own storage in between, so the runtime's input gates
//! make every decision atomic.

pub mod cart;
pub mod inventory;
pub mod limiter;

use crate::error::{Error, Result};
use commerce_core::error::{ApiError, ErrorKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{Env, Method, Request, RequestInit, Response};

/// An object's answer to one call.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer<T> {
    Ok(T),
    Refused(Refusal),
}

/// An error, as it crosses from an object to its caller: its status and
/// core's kind, code and message.
#[derive(Serialize, Deserialize)]
pub struct Refusal {
    pub status: u16,
    pub kind: ErrorKind,
    pub code: String,
    pub message: String,
}

impl From<&Error> for Refusal {
    fn from(e: &Error) -> Self {
        let (status, api) = e.parts();
        Refusal {
            status,
            kind: api.kind,
            code: api.code,
            message: api.message,
        }
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        Error::Status(r.status, ApiError::new(r.kind, r.code, r.message))
    }
}

/// Send `request` to the object `name` of namespace `binding`.
pub async fn call<Q: Serialize, A: DeserializeOwned>(
    env: &Env,
    binding: &str,
    name: &str,
    request: &Q,
) -> Result<A> {
    let stub = env.durable_object(binding)?.get_by_name(name)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(&crate::http::encode(request)?)));
    let request = Request::new_with_init("https://object/", &init)?;
    let text = stub.fetch_with_request(request).await?.text().await?;
    match serde_json::from_str(&text)
        .map_err(|e| Error::Runtime(format!("{binding} answered {text:?}: {e}")))?
    {
        Answer::Ok(reply) => Ok(reply),
        Answer::Refused(refusal) => Err(refusal.into()),
    }
}

/// Inside an object: decode the call, run `handle`, answer.
pub async fn serve<Q, A, F>(
    mut req: Request,
    handle: impl FnOnce(Q) -> F,
) -> worker::Result<Response>
where
    Q: DeserializeOwned,
    A: Serialize,
    F: std::future::Future<Output = Result<A>>,
{
    let answer = match serde_json::from_str::<Q>(&req.text().await?) {
        Err(e) => Answer::Refused((&Error::from(ApiError::malformed(e.to_string()))).into()),
        Ok(call) => match handle(call).await {
            Ok(reply) => Answer::Ok(reply),
            Err(Error::Runtime(detail)) => return Err(worker::Error::RustError(detail)),
            Err(e) => Answer::Refused((&e).into()),
        },
    };
    let text =
        serde_json::to_string(&answer).map_err(|e| worker::Error::RustError(e.to_string()))?;
    Response::ok(text)
}
