//! `POST /v1/cart/sync`: a cart sync push (`docs/sync.md`, `docs/api.md`).
//!
//! Which cart (core's [`cart_key`]): the logged-in user's with a Bearer
//! token (a bad token is 401, never a silent guest), else the guest cart of
//! the push's client id. The `CART` object applies it.

use super::Ctx;
use crate::error::Result;
use crate::http::{body_json, json, query};
use crate::objects::cart;
use commerce_core::edge_api::{cart_key, SyncQuery};
use commerce_core::sync::PushRequest;
use worker::Response;

pub async fn sync(mut cx: Ctx) -> Result<Response> {
    let query: SyncQuery = query(&cx.req)?;
    let push: PushRequest = body_json(&mut cx.req).await?;
    let key = cart_key(&push, cx.user.as_deref(), &query)?;
    json(200, &cart::push(&cx.env, &key, &push).await?)
}
