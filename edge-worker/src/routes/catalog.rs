//! `GET /v1/catalog` and `GET /v1/stores`: a published snapshot from KV (the
//! storefront: catalog and pricing rules; the store snapshot that clients
//! cache for offline store finding), with `ETag`; a matching
//! `If-None-Match` is 304 with no body.

use super::Ctx;
use crate::error::Result;
use crate::http::json_text;
use crate::kv;
use worker::Response;

pub async fn storefront(cx: Ctx) -> Result<Response> {
    snapshot(&cx, kv::STOREFRONT).await
}

pub async fn stores(cx: Ctx) -> Result<Response> {
    snapshot(&cx, kv::STORES).await
}

async fn snapshot(cx: &Ctx, key: &str) -> Result<Response> {
    let snapshot = kv::snapshot(&cx.env, key).await?;
    let fresh = cx
        .req
        .headers()
        .get("if-none-match")?
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == snapshot.etag));
    let response = if fresh {
        Response::empty()?.with_status(304)
    } else {
        json_text(200, snapshot.text)?
    };
    response.headers().set("etag", &snapshot.etag)?;
    response.headers().set("cache-control", "no-cache")?;
    Ok(response)
}
