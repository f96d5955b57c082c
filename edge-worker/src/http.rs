//! HTTP adaptation: JSON responses, the error mapping, body limits and
//! strict decoding.
//!
//! Invariants: every response this worker sends is JSON (errors included;
//! a 304 has no body); an error's status comes from its [`ErrorKind`] or from
//! the HTTP-level variant of [`HttpError`]; a runtime failure is logged and
//! answered with a fixed message, so no storage error text (or anything
//! else internal) reaches a client.

use commerce_core::error::{ApiError, ErrorKind};
use commerce_core::pricing::Quote;
use serde::de::DeserializeOwned;
use worker::{Headers, Request, Response};

/// Largest accepted request body: 1 MiB. Larger bodies get 413 `BODY_TOO_LARGE`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Errors that arise in the HTTP layer itself, on top of core's kinds.
pub enum HttpError {
    Api(ApiError),
    /// An error with a status of its own (401, 403, 404, 503, ...).
    Status(u16, ApiError),
    /// 409 `PRICE_CHANGED`, carrying the server's quote.
    PriceChanged(ApiError, Box<Quote>),
    RateLimited {
        retry_after_s: u64,
    },
    MethodNotAllowed {
        allowed: &'static str,
    },
    BodyTooLarge {
        bytes: usize,
    },
    Runtime(String),
}

impl HttpError {
    pub fn status(status: u16, code: &str, message: impl Into<String>) -> Self {
        let kind = match status {
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            400 => ErrorKind::Malformed,
            _ => ErrorKind::Domain,
        };
        HttpError::Status(status, ApiError::new(kind, code, message))
    }

    pub fn unauthorized(code: &str, message: impl Into<String>) -> Self {
        HttpError::status(401, code, message)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        HttpError::status(404, "NOT_FOUND", what)
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        HttpError::status(400, code, message)
    }
}

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        HttpError::Api(e)
    }
}

impl From<worker::Error> for HttpError {
    fn from(e: worker::Error) -> Self {
        HttpError::Runtime(e.to_string())
    }
}

impl From<worker::kv::KvError> for HttpError {
    fn from(e: worker::kv::KvError) -> Self {
        HttpError::Runtime(format!("KV: {e}"))
    }
}

impl From<crate::crypto::CryptoError> for HttpError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        HttpError::Runtime(format!("crypto: {}", e.0))
    }
}

/// A JSON response with this status and body text.
pub fn json_text(status: u16, body: String) -> Result<Response, HttpError> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// A JSON response serialising `value`.
pub fn json<T: serde::Serialize>(status: u16, value: &T) -> Result<Response, HttpError> {
    let body = serde_json::to_string(value).map_err(|e| HttpError::Runtime(e.to_string()))?;
    json_text(status, body)
}

/// The JSON error response for `error`.
pub fn error_response(error: &HttpError) -> worker::Result<Response> {
    let (status, api) = match error {
        HttpError::Api(e) => (e.kind.http_status(), e.clone()),
        HttpError::Status(status, e) => (*status, e.clone()),
        HttpError::PriceChanged(e, _) => (409, e.clone()),
        HttpError::RateLimited { retry_after_s } => (
            429,
            ApiError::new(
                ErrorKind::Conflict,
                "RATE_LIMITED",
                format!("too many requests; retry after {retry_after_s} s"),
            ),
        ),
        HttpError::MethodNotAllowed { allowed } => (
            405,
            ApiError::new(
                ErrorKind::NotFound,
                "METHOD_NOT_ALLOWED",
                format!("this route accepts {allowed}"),
            ),
        ),
        HttpError::BodyTooLarge { bytes } => (
            413,
            ApiError::new(
                ErrorKind::Malformed,
                "BODY_TOO_LARGE",
                format!(
                    "request body of {bytes} bytes is over the limit of {MAX_BODY_BYTES} bytes"
                ),
            ),
        ),
        HttpError::Runtime(detail) => {
            worker::console_error!("internal error: {detail}");
            (
                500,
                ApiError::new(
                    ErrorKind::Domain,
                    "INTERNAL",
                    "internal error; it was logged",
                ),
            )
        }
    };
    let body = match error {
        HttpError::PriceChanged(e, quote) => serde_json::json!({
            "error": {"code": e.code, "message": e.message, "quote": quote}
        })
        .to_string(),
        _ => api.to_json(),
    };
    let response = json_text(status, body)
        .map_err(|_| worker::Error::RustError("building an error response failed".into()))?;
    match error {
        HttpError::MethodNotAllowed { allowed } => response.headers().set("allow", allowed)?,
        HttpError::RateLimited { retry_after_s } => response
            .headers()
            .set("retry-after", &retry_after_s.to_string())?,
        _ => {}
    }
    Ok(response)
}

/// The request body as UTF-8 text, refusing bodies over [`MAX_BODY_BYTES`]
/// (by `Content-Length` before reading, and by actual size after).
pub async fn body_text(req: &mut Request) -> Result<String, HttpError> {
    if let Some(length) = req.headers().get("content-length")? {
        if let Ok(bytes) = length.trim().parse::<usize>() {
            if bytes > MAX_BODY_BYTES {
                return Err(HttpError::BodyTooLarge { bytes });
            }
        }
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(HttpError::BodyTooLarge { bytes: bytes.len() });
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::malformed("request body is not UTF-8 text").into())
}

/// Decode JSON strictly, naming the field that is wrong:
/// `MALFORMED_REQUEST` "lines[0].quantity: invalid type: string \"2\", expected i64".
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, HttpError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if path == "." {
            format!("invalid request body: {inner}")
        } else {
            format!("{path}: {inner}")
        };
        HttpError::Api(ApiError::malformed(message))
    })?;
    de.end()
        .map_err(|e| ApiError::malformed(format!("invalid request body: {e}")))?;
    Ok(value)
}

/// Read and strictly decode a JSON body.
pub async fn body_json<T: DeserializeOwned>(req: &mut Request) -> Result<T, HttpError> {
    decode(&body_text(req).await?)
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
