//! `POST /v1/quote` and `POST /v1/ops/:op`: a core operation on the JSON
//! body. The response body is exactly `commerce_core::api::call_json`'s text,
//! so it is byte-identical to the wasm client's `callJson`.

use crate::http::{body_text, json_text, HttpError};
use worker::{Request, Response};

pub async fn post(req: &mut Request, op: &str) -> Result<Response, HttpError> {
    // An unknown operation is 404 before its body is read.
    if !commerce_core::api::OPERATIONS.contains(&op) {
        return Err(commerce_core::api::unknown_operation(op).into());
    }
    let body = body_text(req).await?;
    json_text(200, commerce_core::api::call_json(op, &body)?)
}
