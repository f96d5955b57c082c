//! `GET /v1/health`: the worker is up; which version and which operations.

use crate::http::{json_text, HttpError};
use worker::{Env, Response};

pub fn get(_env: &Env) -> Result<Response, HttpError> {
    let body = serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "operations": commerce_core::api::OPERATIONS,
    });
    json_text(200, body.to_string())
}
