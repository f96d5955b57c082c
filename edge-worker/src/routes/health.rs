//! `GET /v1/health`: the worker is up; which version and which operations.

use super::Ctx;
use crate::error::Result;
use crate::http::json;
use commerce_core::edge_api::Health;
use worker::Response;

pub async fn get(_cx: Ctx) -> Result<Response> {
    json(
        200,
        &Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            operations: commerce_core::api::OPERATIONS
                .iter()
                .map(|&o| o.to_owned())
                .collect(),
        },
    )
}
