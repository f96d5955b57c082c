//! Orders: `POST /v1/orders` (checkout, `Idempotency-Key`: see
//! `services::checkout`), `POST /v1/checkout/preview`, `GET /v1/orders`, `GET /v1/orders/:id`,
//! `POST /v1/orders/:id/cancel`, `POST /v1/orders/:id/complete` (the
//! shopper confirms receipt), `POST /v1/orders/:id/refund` (and the
//! merchant's `POST /v1/admin/orders/:id/refund`: `services::refund`).

use super::Ctx;
use crate::config::Config;
use crate::error::Result;
use crate::http::{body_json, body_text, client_ip, json, now_s, query};
use crate::live::Live;
use crate::services::{checkout, orders, refund};
use commerce_core::edge_api::{OrderListQuery, OrderPage, RefundRequest};
use commerce_core::orders::{CheckoutBody, Event, Requester};
use worker::Response;

/// Default payment deadline: 15 minutes (`PAYMENT_TIMEOUT_S`).
const PAYMENT_TIMEOUT_S: i64 = 15 * 60;

pub async fn create(mut cx: Ctx) -> Result<Response> {
    let live = Live::open(&cx.env).await?;
    let input = checkout::CheckoutInput {
        user_id: cx.user()?.to_owned(),
        ip: client_ip(&cx.req),
        key: cx.req.headers().get("idempotency-key")?,
        body: body_text(&mut cx.req).await?,
        now: now_s(),
        payment_timeout_s: Config(&cx.env).number("PAYMENT_TIMEOUT_S", PAYMENT_TIMEOUT_S),
    };
    let now = input.now;
    let placed = checkout::place(&live, input).await?;
    let response = json(201, &placed.order.view(Requester::Shopper, now))?;
    if placed.replayed {
        response.headers().set("idempotent-replayed", "true")?;
    }
    Ok(response)
}

/// `POST /v1/checkout/preview`: what `POST /v1/orders` with this body
/// would do now - the quote with the serving store's fee, the store, and
/// whether `expected_payable` is still right. Holds nothing.
pub async fn preview(mut cx: Ctx) -> Result<Response> {
    let body: CheckoutBody = body_json(&mut cx.req).await?;
    let live = Live::open(&cx.env).await?;
    let now = now_s();
    let request = checkout::request(&live, cx.user()?, String::new(), now, 0, body).await?;
    json(200, &commerce_core::orders::preview(&request)?)
}

pub async fn list(cx: Ctx) -> Result<Response> {
    let query: OrderListQuery = query(&cx.req)?;
    let after = query.after()?;
    let live = Live::open(&cx.env).await?;
    let orders = live
        .db
        .orders_of(cx.user()?, query.page_size(), after.as_ref())
        .await?;
    let now = now_s();
    let views = orders
        .into_iter()
        .map(|o| o.view(Requester::Shopper, now))
        .collect();
    json(200, &OrderPage::new(views, query.page_size()))
}

pub async fn get(cx: Ctx) -> Result<Response> {
    let live = Live::open(&cx.env).await?;
    let order = orders::load(&live, &cx.param, Some(cx.user()?)).await?;
    json(200, &order.view(Requester::Shopper, now_s()))
}

pub async fn cancel(cx: Ctx) -> Result<Response> {
    let live = Live::open(&cx.env).await?;
    let now = now_s();
    let transition = orders::run(&live, &cx.param, &Event::Cancel, Some(cx.user()?), now).await?;
    json(200, &transition.order.view(Requester::Shopper, now))
}

/// The shopper confirms receipt (确认收货) of a delivered or shipped order.
pub async fn complete(cx: Ctx) -> Result<Response> {
    let live = Live::open(&cx.env).await?;
    let now = now_s();
    let transition = orders::run(&live, &cx.param, &Event::Complete, Some(cx.user()?), now).await?;
    json(200, &transition.order.view(Requester::Shopper, now))
}

/// The shopper's refund of their own order (core: only before it ships).
pub async fn refund(cx: Ctx) -> Result<Response> {
    let owner = cx.user()?.to_owned();
    refund_by(cx, Requester::Shopper, Some(owner)).await
}

/// The merchant's refund of any order, also shipped or completed (behind
/// the admin guard).
pub async fn merchant_refund(cx: Ctx) -> Result<Response> {
    refund_by(cx, Requester::Merchant, None).await
}

async fn refund_by(mut cx: Ctx, by: Requester, owner: Option<String>) -> Result<Response> {
    let body: RefundRequest = body_json(&mut cx.req).await?;
    let live = Live::open(&cx.env).await?;
    let result = refund::refund(&live, &cx.param, body, by, owner.as_deref(), now_s()).await?;
    json(200, &result)
}
