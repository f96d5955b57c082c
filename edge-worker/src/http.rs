//! HTTP adaptation: JSON responses, the error mapping and body limits.
//!
//! Invariant: every response this worker sends is JSON, errors included, and
//! an error's status comes from its [`ErrorKind`] alone.

use commerce_core::error::{ApiError, ErrorKind};
use worker::{Headers, Request, Response};

/// Largest accepted request body: 1 MiB. Larger bodies get 413 `BODY_TOO_LARGE`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Errors that arise in the HTTP layer itself, on top of core's kinds.
pub enum HttpError {
    Api(ApiError),
    MethodNotAllowed { allowed: &'static str },
    BodyTooLarge { bytes: usize },
    Runtime(String),
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

/// `200` with a JSON text body produced by core.
pub fn json_text(status: u16, body: String) -> Result<Response, HttpError> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// The JSON error response for `error`.
pub fn error_response(error: &HttpError) -> worker::Result<Response> {
    let (status, api) = match error {
        HttpError::Api(e) => (e.kind.http_status(), e.clone()),
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
        HttpError::Runtime(message) => (
            500,
            ApiError::new(ErrorKind::Domain, "INTERNAL", message.clone()),
        ),
    };
    let response = json_text(status, api.to_json())
        .map_err(|_| worker::Error::RustError("building an error response failed".into()))?;
    if let HttpError::MethodNotAllowed { allowed } = error {
        response.headers().set("allow", allowed)?;
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
