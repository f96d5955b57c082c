//! The edge's one error type: what a route, a service or a storage call can
//! fail with. [`crate::http::error_response`] turns it into the JSON error
//! and its status.
//!
//! Invariants: core's typed errors stay typed ([`Error::Order`]) so callers
//! match variants, never compare code strings; a runtime failure
//! ([`Error::Runtime`]) carries its detail for the log only - no client ever
//! reads it.

use commerce_core::error::{ApiError, ErrorKind};
use commerce_core::fulfilment::FulfilmentError;
use commerce_core::orders::OrderError;

/// Why a request failed.
#[derive(Debug)]
pub enum Error {
    /// Core's error at the API boundary (its kind decides the status).
    Api(ApiError),
    /// An order rule refused; `PRICE_CHANGED` answers with the new quote.
    Order(OrderError),
    /// An error with a status of its own (401, 403, 404, 502, 503, ...).
    Status(u16, ApiError),
    RateLimited {
        retry_after_s: u64,
    },
    MethodNotAllowed {
        allowed: String,
    },
    BodyTooLarge {
        bytes: usize,
    },
    /// Storage, the runtime or a bug: logged, answered 500 `INTERNAL`.
    Runtime(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn status(status: u16, code: &str, message: impl Into<String>) -> Self {
        let kind = match status {
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            400 => ErrorKind::Malformed,
            _ => ErrorKind::Domain,
        };
        Error::Status(status, ApiError::new(kind, code, message))
    }

    pub fn unauthorized(code: &str, message: impl Into<String>) -> Self {
        Error::status(401, code, message)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Error::status(404, "NOT_FOUND", what)
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Error::status(400, code, message)
    }

    pub fn runtime(detail: impl std::fmt::Display) -> Self {
        Error::Runtime(detail.to_string())
    }

    /// The status and the wire error of this failure.
    pub fn parts(&self) -> (u16, ApiError) {
        match self {
            Error::Api(e) => (e.kind.http_status(), e.clone()),
            Error::Order(e) => {
                let api = ApiError::from(e.clone());
                (api.kind.http_status(), api)
            }
            Error::Status(status, e) => (*status, e.clone()),
            Error::RateLimited { retry_after_s } => (
                429,
                ApiError::new(
                    ErrorKind::Conflict,
                    "RATE_LIMITED",
                    format!("too many requests; retry after {retry_after_s} s"),
                ),
            ),
            Error::MethodNotAllowed { allowed } => (
                405,
                ApiError::new(
                    ErrorKind::NotFound,
                    "METHOD_NOT_ALLOWED",
                    format!("this route accepts {allowed}"),
                ),
            ),
            Error::BodyTooLarge { bytes } => (
                413,
                ApiError::new(
                    ErrorKind::Malformed,
                    "BODY_TOO_LARGE",
                    format!(
                        "request body of {bytes} bytes is over the limit of {} bytes",
                        crate::http::MAX_BODY_BYTES
                    ),
                ),
            ),
            Error::Runtime(_) => (
                500,
                ApiError::new(
                    ErrorKind::Domain,
                    "INTERNAL",
                    "internal error; it was logged",
                ),
            ),
        }
    }

    /// What the error body carries beside `code` and `message`: the new
    /// quote of a `PRICE_CHANGED`; the mode, candidates and suggestions of
    /// a `NO_STORE_CAN_SERVE`.
    pub fn details(&self) -> Option<serde_json::Value> {
        match self {
            Error::Order(OrderError::PriceChanged { quote, .. }) => {
                Some(serde_json::json!({ "quote": quote }))
            }
            Error::Order(OrderError::Fulfilment(FulfilmentError::NoStore {
                mode,
                candidates,
                suggestions,
            })) => Some(serde_json::json!({
                "mode": mode,
                "candidates": candidates,
                "suggestions": suggestions,
            })),
            _ => None,
        }
    }

    /// This failure for a log line (never a secret: messages are ours).
    pub fn describe(&self) -> String {
        match self {
            Error::Runtime(detail) => detail.clone(),
            other => other.parts().1.to_string(),
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(e)
    }
}

impl From<OrderError> for Error {
    fn from(e: OrderError) -> Self {
        Error::Order(e)
    }
}

impl From<worker::Error> for Error {
    fn from(e: worker::Error) -> Self {
        Error::Runtime(e.to_string())
    }
}

impl From<worker::kv::KvError> for Error {
    fn from(e: worker::kv::KvError) -> Self {
        Error::Runtime(format!("KV: {e}"))
    }
}

impl From<crate::crypto::CryptoError> for Error {
    fn from(e: crate::crypto::CryptoError) -> Self {
        Error::Runtime(format!("crypto: {}", e.0))
    }
}
