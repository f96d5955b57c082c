//! Orders: `POST /v1/orders` (checkout, `Idempotency-Key`), `GET /v1/orders`,
//! `GET /v1/orders/:id`, `POST /v1/orders/:id/cancel`,
//! `POST /v1/orders/:id/refund` (and the merchant's
//! `POST /v1/admin/orders/:id/refund`, the same handler).
//!
//! Checkout flow: rate limits -> idempotency key (same key and body: the
//! original order; same key, other body: 422) -> core's [`checkout`]
//! (re-price, 409 `PRICE_CHANGED` with the quote) -> hold stock in
//! `INVENTORY` (409 `OUT_OF_STOCK` / `PURCHASE_LIMIT`) -> one D1 batch
//! (order, lines, key, coupon redemptions, points). The order id is derived
//! from the user and the key, so a retry after a crash at any step lands on
//! the same hold and the same order; a hold whose order never got written is
//! released by its payment timer.

use super::pay;
use crate::auth::require_user;
use crate::config::Config;
use crate::flow::{self, apply_event, load, settle_stock};
use crate::http::{body_json, body_text, client_ip, decode, json, now_s, HttpError};
use crate::objects::{
    self,
    inventory::{OrderRef, ReserveBody},
};
use crate::{crypto, db, kv, protect};
use commerce_core::error::ApiError;
use commerce_core::orders::{
    checkout, CheckoutBody, CheckoutRequest, Event, Order, OrderError, RefundLine, Requester,
};
use futures_util::future::try_join;
use serde::{Deserialize, Serialize};
use worker::{Env, Request, Response};

/// Default payment deadline: 15 minutes (`PAYMENT_TIMEOUT_S`).
const PAYMENT_TIMEOUT_S: i64 = 15 * 60;

fn replayed(order: &Order) -> Result<Response, HttpError> {
    let response = json(201, order)?;
    response.headers().set("idempotent-replayed", "true")?;
    Ok(response)
}

async fn original(
    db: &worker::D1Database,
    order_id: &str,
    user_id: &str,
) -> Result<Response, HttpError> {
    replayed(&load(db, order_id, Some(user_id)).await?)
}

pub async fn create(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    let user_id = require_user(req, env).await?;
    let ip = client_ip(req);
    try_join(
        protect::take(env, &protect::CHECKOUT_IP, &ip),
        protect::take(env, &protect::CHECKOUT_USER, &user_id),
    )
    .await?;
    let key = req
        .headers()
        .get("idempotency-key")?
        .filter(|k| (1..=128).contains(&k.len()))
        .ok_or_else(|| {
            HttpError::bad_request(
                "MISSING_IDEMPOTENCY_KEY",
                "send an Idempotency-Key header (1 to 128 characters), the same on every retry",
            )
        })?;
    let text = body_text(req).await?;
    let request_hash = crypto::hex(&crypto::sha256(text.as_bytes()).await?);
    let db = db::open(env).await?;
    if let Some(seen) = db::idempotency(&db, &user_id, &key).await? {
        return if seen.request_hash == request_hash {
            original(&db, &seen.order_id, &user_id).await
        } else {
            Err(ApiError::from(OrderError::IdempotencyKeyReused).into())
        };
    }
    let body: CheckoutBody = decode(&text)?;
    let (storefront, shopper) = try_join(kv::storefront(env), db::shopper(&db, &user_id)).await?;
    let order_id = format!(
        "o{}",
        crypto::hex(
            crypto::sha256(format!("{user_id}\n{key}").as_bytes())
                .await?
                .get(..12)
                .unwrap_or_default()
        )
    );
    let request = CheckoutRequest {
        wallet: shopper
            .coupon_ids
            .iter()
            .filter_map(|id| storefront.coupons.iter().find(|c| &c.id == id).cloned())
            .collect(),
        customer: shopper.customer,
        storefront,
        order_id: order_id.clone(),
        user_id: user_id.clone(),
        now: now_s(),
        payment_timeout_s: Config(env).number("PAYMENT_TIMEOUT_S", PAYMENT_TIMEOUT_S),
        body,
    };
    let decision = checkout(&request).map_err(|e| match e {
        OrderError::PriceChanged { ref quote, .. } => {
            HttpError::PriceChanged(ApiError::from(e.clone()), quote.clone())
        }
        e => HttpError::Api(e.into()),
    })?;
    let (status, text) = objects::call(
        env,
        "INVENTORY",
        "global",
        "/reserve",
        &ReserveBody {
            reservation: decision.reservation.clone(),
            request_hash: request_hash.clone(),
        },
    )
    .await?;
    if status != 200 {
        let error: commerce_core::error::ErrorBody = decode(&text)?;
        return Err(HttpError::status(
            status,
            &error.error.code,
            error.error.message,
        ));
    }
    let op_id = flow::random_id(16)?;
    // The hold just taken is given back whenever no order is stored for it.
    let refused = match db::create_order(&db, &decision, &key, &request_hash, &op_id).await? {
        db::Checkout::Stored => return json(201, &decision.order),
        // Stored meanwhile by a concurrent request with this key: its order
        // only if it was this same request; otherwise the hold is ours alone.
        db::Checkout::Exists => match db::idempotency(&db, &user_id, &key).await? {
            Some(seen) if seen.request_hash == request_hash => {
                return original(&db, &seen.order_id, &user_id).await
            }
            _ => ApiError::from(OrderError::IdempotencyKeyReused).into(),
        },
        db::Checkout::CouponAlreadyUsed => HttpError::status(
            409,
            "COUPON_ALREADY_USED",
            "a chosen coupon was just used by another order",
        ),
        db::Checkout::NotEnoughPoints => HttpError::status(
            409,
            "NOT_ENOUGH_POINTS",
            "the points balance changed; quote again",
        ),
    };
    objects::call(
        env,
        "INVENTORY",
        "global",
        "/release",
        &OrderRef { order_id },
    )
    .await?;
    Err(refused)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Serialize)]
struct OrderPage {
    orders: Vec<Order>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

pub async fn list(req: &Request, env: &Env) -> Result<Response, HttpError> {
    let user_id = require_user(req, env).await?;
    let query: ListQuery = req
        .query()
        .map_err(|e| HttpError::bad_request("MALFORMED_REQUEST", format!("query: {e}")))?;
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let after = match &query.cursor {
        Some(cursor) => Some(
            cursor
                .split_once('.')
                .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id)))
                .ok_or_else(|| {
                    HttpError::bad_request("MALFORMED_REQUEST", "cursor: use next_cursor as given")
                })?,
        ),
        None => None,
    };
    let db = db::open(env).await?;
    let orders = db::orders_of(&db, &user_id, limit, after).await?;
    let next_cursor = (orders.len() as i64 == limit)
        .then(|| orders.last().map(|o| format!("{}.{}", o.created_at, o.id)))
        .flatten();
    json(
        200,
        &OrderPage {
            orders,
            next_cursor,
        },
    )
}

pub async fn get(req: &Request, env: &Env, order_id: &str) -> Result<Response, HttpError> {
    let user_id = require_user(req, env).await?;
    let db = db::open(env).await?;
    json(200, &load(&db, order_id, Some(&user_id)).await?)
}

pub async fn cancel(req: &Request, env: &Env, order_id: &str) -> Result<Response, HttpError> {
    let user_id = require_user(req, env).await?;
    let transition = apply_event(env, order_id, &Event::Cancel, Some(&user_id)).await?;
    settle_stock(env, &transition).await?;
    json(200, &transition.order)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundBody {
    /// Makes retries safe; one is made up when absent.
    #[serde(default)]
    refund_id: Option<String>,
    /// Units per line; absent: everything still refundable.
    #[serde(default)]
    lines: Option<Vec<RefundLine>>,
}

/// `POST /v1/orders/:id/refund` (`by` the shopper: their own order, before
/// it ships) and `POST /v1/admin/orders/:id/refund` (`by` the merchant, behind
/// the admin guard: any order, also shipped or completed, once the goods came
/// back). Core decides who may; the payout is the same either way.
pub async fn refund(
    req: &mut Request,
    env: &Env,
    order_id: &str,
    by: Requester,
) -> Result<Response, HttpError> {
    let owner = match by {
        Requester::Shopper => Some(require_user(req, env).await?),
        Requester::Merchant => None,
    };
    let body: RefundBody = body_json(req).await?;
    let refund_id = match body.refund_id {
        Some(id) => id,
        None => format!("r{}", flow::random_id(8)?),
    };
    let event = Event::Refund {
        refund_id: refund_id.clone(),
        lines: body.lines,
        by,
    };
    let transition = apply_event(env, order_id, &event, owner.as_deref()).await?;
    settle_stock(env, &transition).await?;
    // A retried refund_id changes nothing but asks for its payout again.
    let refund = transition
        .order
        .refunds
        .iter()
        .find(|r| r.refund_id == refund_id)
        .ok_or_else(|| HttpError::Runtime(format!("refund {refund_id} was not recorded")))?;
    let payout = pay::refund_payout(env, &transition.order, refund).await?;
    json(
        200,
        &serde_json::json!({"order": transition.order, "refund": refund, "payout": payout}),
    )
}
