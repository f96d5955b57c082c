//! `POST /v1/quote` and `POST /v1/ops/:op`: a core operation on the JSON
//! body. The response body is exactly `commerce_core::api::call_json`'s text,
//! so it is byte-identical to the wasm client's `callJson`. A quote request
//! without `catalog` is priced against the published storefront (its
//! catalog and rules fill every field the request leaves out).

use super::Ctx;
use crate::error::{Error, Result};
use crate::http::{body_text, encode, json_text};
use crate::kv;
use commerce_core::api;
use commerce_core::orders::Storefront;
use worker::Response;

pub async fn operation(mut cx: Ctx) -> Result<Response> {
    // An unknown operation is 404 before its body is read.
    if !api::OPERATIONS.contains(&cx.param.as_str()) {
        return Err(api::unknown_operation(&cx.param).into());
    }
    let body = body_text(&mut cx.req).await?;
    json_text(200, api::call_json(&cx.param, &body)?)
}

pub async fn quote(mut cx: Ctx) -> Result<Response> {
    let body = body_text(&mut cx.req).await?;
    // Integral floats become integers before the merge: serde_json's Value
    // would re-encode 1893972907476137.0 as 1893972907476136.8 (its default
    // float parsing is fast, not exact), which the decoder then refuses.
    let body = api::integral_floats_as_integers(&body).unwrap_or(body);
    let with_catalog = match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(mut request)) if !request.contains_key("catalog") => {
            match kv::storefront(&cx.env).await {
                Ok(storefront) => {
                    let rules = serde_json::to_value(storefront).map_err(Error::runtime)?;
                    if let serde_json::Value::Object(rules) = rules {
                        let pricing = rules
                            .into_iter()
                            .filter(|(f, _)| !Storefront::NOT_PRICING.contains(&f.as_str()));
                        for (field, value) in pricing {
                            request.entry(field).or_insert(value);
                        }
                    }
                    encode(&request)?
                }
                // Nothing published: core says what the request lacks.
                Err(Error::Status(503, _)) => body,
                Err(e) => return Err(e),
            }
        }
        _ => body,
    };
    json_text(200, api::call_json("quote", &with_catalog)?)
}
