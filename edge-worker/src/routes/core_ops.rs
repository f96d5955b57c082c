//! `POST /v1/quote` and `POST /v1/ops/:op`: a core operation on the JSON
//! body. The response body is exactly `commerce_core::api::call_json`'s text,
//! so it is byte-identical to the wasm client's `callJson`. A quote request
//! without `catalog` is priced against the published storefront (its
//! catalog and rules fill every field the request leaves out).

use crate::http::{body_text, json_text, HttpError};
use crate::kv;
use worker::{Env, Request, Response};

pub async fn post(req: &mut Request, op: &str) -> Result<Response, HttpError> {
    // An unknown operation is 404 before its body is read.
    if !commerce_core::api::OPERATIONS.contains(&op) {
        return Err(commerce_core::api::unknown_operation(op).into());
    }
    let body = body_text(req).await?;
    json_text(200, commerce_core::api::call_json(op, &body)?)
}

pub async fn quote(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    let body = body_text(req).await?;
    let with_catalog = match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(mut request)) if !request.contains_key("catalog") => {
            match kv::storefront(env).await {
                Ok(storefront) => {
                    let rules = serde_json::to_value(storefront)
                        .map_err(|e| HttpError::Runtime(e.to_string()))?;
                    if let serde_json::Value::Object(rules) = rules {
                        for (field, value) in rules.into_iter().filter(|(f, _)| f != "coupons") {
                            request.entry(field).or_insert(value);
                        }
                    }
                    serde_json::Value::Object(request).to_string()
                }
                // Nothing published: core says what the request lacks.
                Err(HttpError::Status(503, _)) => body,
                Err(e) => return Err(e),
            }
        }
        _ => body,
    };
    json_text(200, commerce_core::api::call_json("quote", &with_catalog)?)
}
