//! HTTP adaptation: JSON responses, the error mapping, body limits, strict
//! decoding of bodies and query strings, the clock and the caller's address.
//!
//! Invariants: every response this worker sends is JSON (errors included;
//! a 304 has no body); an error's status comes from [`Error::parts`]; a
//! runtime failure is logged and answered with a fixed message, so no
//! storage error text (or anything else internal) reaches a client; client
//! input is decoded only here (strictly, naming the field), never with `?`
//! into a runtime error.

use crate::error::{Error, Result};
use commerce_core::error::ApiError;
use commerce_core::orders::OrderError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Headers, Request, Response};

/// Largest accepted request body: 1 MiB. Larger bodies get 413 `BODY_TOO_LARGE`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON response with this status and body text.
pub fn json_text(status: u16, body: String) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// A JSON response serialising `value`.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response> {
    json_text(status, encode(value)?)
}

/// `value` as JSON text (our own types: a failure is a bug, logged as such).
pub fn encode<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::runtime)
}

/// The JSON error response for `error`.
pub fn error_response(error: &Error) -> worker::Result<Response> {
    if let Error::Runtime(detail) = error {
        worker::console_error!("internal error: {detail}");
    }
    let (status, api) = error.parts();
    let body = match error.details() {
        Some(serde_json::Value::Object(mut details)) => {
            details.insert("code".into(), api.code.into());
            details.insert("message".into(), api.message.into());
            serde_json::json!({ "error": details }).to_string()
        }
        _ => api.to_json(),
    };
    let response = json_text(status, body)
        .map_err(|_| worker::Error::RustError("building an error response failed".into()))?;
    match error {
        Error::MethodNotAllowed { allowed } => response.headers().set("allow", allowed)?,
        Error::RateLimited { retry_after_s } => response
            .headers()
            .set("retry-after", &retry_after_s.to_string())?,
        Error::Order(OrderError::PickupLocked { until }) => response
            .headers()
            .set("retry-after", &(until - now_s()).max(1).to_string())?,
        _ => {}
    }
    Ok(response)
}

/// The request body as UTF-8 text, refusing bodies over [`MAX_BODY_BYTES`]
/// (by `Content-Length` before reading, and by actual size after).
pub async fn body_text(req: &mut Request) -> Result<String> {
    if let Some(length) = req.headers().get("content-length")? {
        if let Ok(bytes) = length.trim().parse::<usize>() {
            if bytes > MAX_BODY_BYTES {
                return Err(Error::BodyTooLarge { bytes });
            }
        }
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Error::BodyTooLarge { bytes: bytes.len() });
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::malformed("request body is not UTF-8 text").into())
}

/// Decode JSON strictly, naming the field that is wrong:
/// `MALFORMED_REQUEST` "lines[0].quantity: invalid type: string \"2\", expected i64".
/// A body that is an array is refused, and an integer field takes an
/// integral float (`2.0`), as core's decoder does
/// ([`commerce_core::api::decode_with_integral_floats`]).
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T> {
    commerce_core::api::refuse_top_level_array(text)?;
    commerce_core::api::decode_with_integral_floats(text, decode_exactly)
}

fn decode_exactly<T: DeserializeOwned>(text: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if path == "." {
            format!("invalid request body: {inner}")
        } else {
            format!("{path}: {inner}")
        };
        Error::Api(ApiError::malformed(message))
    })?;
    de.end()
        .map_err(|e| ApiError::malformed(format!("invalid request body: {e}")))?;
    Ok(value)
}

/// Read and strictly decode a JSON body.
pub async fn body_json<T: DeserializeOwned>(req: &mut Request) -> Result<T> {
    decode(&body_text(req).await?)
}

/// Decode the query string (`400 MALFORMED_REQUEST` naming the problem).
pub fn query<T: DeserializeOwned>(req: &Request) -> Result<T> {
    req.query()
        .map_err(|e| Error::bad_request("MALFORMED_REQUEST", format!("query: {e}")))
}

/// The request's method as sent. (`worker::Request::method` reads any
/// method it does not know - `QUERY`, `PURGE` - as GET.)
pub fn method(req: &Request) -> String {
    req.inner().method()
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    i64::try_from(worker::Date::now().as_millis()).unwrap_or(i64::MAX)
}

/// Unix seconds now.
pub fn now_s() -> i64 {
    now_ms() / 1000
}

/// The caller's IP as the edge saw it (`CF-Connecting-IP`), or `local`.
pub fn client_ip(req: &Request) -> String {
    req.headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .unwrap_or_else(|| "local".to_owned())
}
