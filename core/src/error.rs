//! The one error shape that crosses every boundary.
//!
//! Each domain module keeps its own typed error enum and implements [`Coded`]
//! for it: a stable `SCREAMING_SNAKE` code that clients may switch on, and a
//! `Display` message for people, carrying the numbers that explain it
//! ("threshold 20000, in scope 19950, missing 50"). At the API boundary every
//! error becomes an [`ApiError`], whose [`ErrorKind`] the edge maps to an HTTP
//! status and the wasm client to a thrown `Error` with `code`.
//!
//! Invariant: codes are part of the contract. Renaming one is a breaking change.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A domain error with a stable machine-readable code.
pub trait Coded: fmt::Display {
    /// Stable code, e.g. `UNKNOWN_SKU`.
    fn code(&self) -> &'static str;

    /// What kind of failure this is; most domain errors are [`ErrorKind::Domain`].
    fn kind(&self) -> ErrorKind {
        ErrorKind::Domain
    }
}

/// The class of an error, which decides its HTTP status at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input is not valid JSON or not of the contract's shape (HTTP 400).
    Malformed,
    /// No such operation or resource (HTTP 404).
    NotFound,
    /// Well-formed input that the business rules reject (HTTP 422).
    Domain,
    /// The request conflicts with the current state (HTTP 409).
    Conflict,
    /// Too many attempts: wait and try again (HTTP 429).
    TooMany,
}

impl ErrorKind {
    /// The HTTP status the edge answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::Malformed => 400,
            ErrorKind::NotFound => 404,
            ErrorKind::Domain => 422,
            ErrorKind::Conflict => 409,
            ErrorKind::TooMany => 429,
        }
    }
}

/// An error as it travels: `{"error":{"code":"..","message":".."}}` on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub code: String,
    pub message: String,
}

/// The JSON body of an error response: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// `code` and `message` of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorDetail {
    /// Stable code (`SCREAMING_SNAKE`): switch on it.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[A-Z][A-Z0-9_]*$")))]
    pub code: String,
    /// English, for logs; names the field for validation errors.
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            code: code.into(),
            message: message.into(),
        }
    }

    /// A request body that is not JSON of the expected shape.
    pub fn malformed(message: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::Malformed, "MALFORMED_REQUEST", message)
    }

    /// The wire body for this error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.clone(),
                message: self.message.clone(),
            },
        }
    }

    /// The wire body as JSON text.
    pub fn to_json(&self) -> String {
        // Serialising two strings cannot fail.
        serde_json::to_string(&self.body()).unwrap_or_default()
    }
}

impl<E: Coded> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError::new(e.kind(), e.code(), e.to_string())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}
