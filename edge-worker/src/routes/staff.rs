//! Store staff routes (`/v1/staff/...`, a staff token from
//! `POST /v1/admin/staff`): the store's queue and the fulfilment steps of
//! its orders - accept, mark ready (which draws the 6-digit pickup code),
//! verify the code at the counter, dispatch and deliver.
//!
//! Invariants: staff of one store never see or move another store's order
//! (404, as if absent); staff views never carry the pickup code; every
//! wrong code is stored on the order before the answer (`WRONG_PICKUP_CODE`
//! 422, then `PICKUP_LOCKED` 429: core's rule) and logged.

use super::Ctx;
use crate::error::{Error, Result};
use crate::http::{body_json, json, now_s};
use crate::live::Live;
use crate::services::{orders, Crypto};
use commerce_core::edge_api::{StoreQueue, VerifyRequest};
use commerce_core::orders::{Event, OrderStatus, Requester};
use worker::Response;

/// Orders a queue page shows.
const QUEUE_PAGE: i64 = 100;

pub async fn queue(cx: Ctx) -> Result<Response> {
    let store_id = cx.store()?.to_owned();
    let live = Live::open(&cx.env).await?;
    let now = now_s();
    let orders = live
        .db
        .store_queue(&store_id, &OrderStatus::STORE_QUEUE, QUEUE_PAGE)
        .await?
        .into_iter()
        .map(|o| o.view(Requester::Staff, now))
        .collect();
    json(200, &StoreQueue { store_id, orders })
}

pub async fn accept(cx: Ctx) -> Result<Response> {
    step(cx, Event::Accept).await
}

pub async fn ready(cx: Ctx) -> Result<Response> {
    let live = Live::open(&cx.env).await?;
    let pickup_code = pickup_code(&live)?;
    step(cx, Event::Ready { pickup_code }).await
}

pub async fn verify(mut cx: Ctx) -> Result<Response> {
    let body: VerifyRequest = body_json(&mut cx.req).await?;
    step(cx, Event::Verify { code: body.code }).await
}

pub async fn dispatch(cx: Ctx) -> Result<Response> {
    step(cx, Event::Dispatch).await
}

pub async fn deliver(cx: Ctx) -> Result<Response> {
    step(cx, Event::Deliver).await
}

/// Six random digits (a u32 modulo 10^6: the bias is below 1 in 4000).
fn pickup_code(crypto: &impl Crypto) -> Result<String> {
    let hex = crypto.random_hex(4)?;
    let n = u32::from_str_radix(&hex, 16).map_err(Error::runtime)?;
    Ok(format!("{:06}", n % 1_000_000))
}

/// Run a staff step on an order of the staff member's store.
async fn step(cx: Ctx, event: Event) -> Result<Response> {
    let store_id = cx.store()?;
    let live = Live::open(&cx.env).await?;
    let order = orders::load(&live, &cx.param, None).await?;
    if order.store_id() != Some(store_id) {
        return Err(Error::not_found(format!("no order {}", cx.param)));
    }
    let now = now_s();
    let transition = orders::run(&live, &cx.param, &event, None, now).await?;
    if let Some(wrong) = &transition.effects.wrong_code {
        let staff = cx.user.as_deref().unwrap_or_default();
        crate::logs::warn!(
            "store {store_id}: wrong pickup code for order {} by {staff} ({} attempts left)",
            cx.param,
            wrong.attempts_left
        );
        return Err(wrong.error().into());
    }
    json(200, &transition.order.view(Requester::Staff, now))
}
