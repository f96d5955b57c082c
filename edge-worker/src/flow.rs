//! Order flows shared by routes and the payment timer: load an order, run
//! one event through core's state machine, store it with a compare-and-set,
//! then settle its stock.
//!
//! Invariants: the decision is core's [`transition`]; this module only
//! loads, retries a lost compare-and-set (someone else changed the order
//! first: decide again on the fresh order) and performs the effects core
//! listed. A crash between storing and settling the stock is repaired by the
//! payment timer, which settles by the order's stored status.

use crate::crypto;
use crate::db;
use crate::http::{now_s, HttpError};
use crate::objects::{self, inventory::OrderRef};
use commerce_core::error::ApiError;
use commerce_core::orders::{transition, Event, Order, Transition};
use worker::Env;

/// Attempts at a compare-and-set before giving up with 409.
const ATTEMPTS: usize = 4;

/// A fresh random id (hex), for op ids and the like.
pub fn random_id(bytes: usize) -> Result<String, HttpError> {
    Ok(crypto::hex(&crypto::random_bytes(bytes)?))
}

/// The order `order_id`, if it exists and (when `owner` is given) belongs
/// to that user; someone else's order is 404 like a missing one.
pub async fn load(
    db: &worker::D1Database,
    order_id: &str,
    owner: Option<&str>,
) -> Result<Order, HttpError> {
    db::order(db, order_id)
        .await?
        .filter(|o| owner.is_none_or(|u| u == o.user_id))
        .ok_or_else(|| HttpError::not_found(format!("no order {order_id}")))
}

/// Run `event` on an order and store the result (no stock effects).
pub async fn apply_event(
    env: &Env,
    order_id: &str,
    event: &Event,
    owner: Option<&str>,
) -> Result<Transition, HttpError> {
    let db = db::open(env).await?;
    for _ in 0..ATTEMPTS {
        let order = load(&db, order_id, owner).await?;
        let before = order.version;
        let next = transition(order, event, now_s()).map_err(ApiError::from)?;
        if !next.changed || db::save_transition(&db, before, &next, &random_id(16)?).await? {
            return Ok(next);
        }
    }
    Err(HttpError::status(
        409,
        "CONCURRENT_UPDATE",
        format!("order {order_id} kept changing; retry"),
    ))
}

/// Give back or keep the stock a stored transition says to.
pub async fn settle_stock(env: &Env, transition: &Transition) -> Result<(), HttpError> {
    let body = OrderRef {
        order_id: transition.order.id.clone(),
    };
    for (yes, path) in [
        (transition.effects.release_stock, "/release"),
        (transition.effects.sell_stock, "/sell"),
    ] {
        if yes {
            objects::call(env, "INVENTORY", "global", path, &body).await?;
        }
    }
    Ok(())
}

/// The payment timer of `order_id` fired: time the order out. `Some(true)`:
/// give its stock back (cancelled, or never stored); `Some(false)`: keep it
/// (paid); `None`: not due yet, keep the timer.
pub async fn time_out(env: &Env, order_id: &str) -> Result<Option<bool>, HttpError> {
    let db = db::open(env).await?;
    if db::order(&db, order_id).await?.is_none() {
        return Ok(Some(true));
    }
    match apply_event(env, order_id, &Event::Timeout, None).await {
        Ok(t) => Ok(t.order.status.stock_released()),
        Err(HttpError::Api(e)) if e.code == "INVALID_TRANSITION" => {
            Ok(load(&db, order_id, None).await?.status.stock_released())
        }
        Err(e) => Err(e),
    }
}

/// An error for a log line (never a secret: messages are ours).
pub fn describe(error: &HttpError) -> String {
    match error {
        HttpError::Api(e) | HttpError::Status(_, e) | HttpError::PriceChanged(e, _) => {
            e.to_string()
        }
        HttpError::Runtime(detail) => detail.clone(),
        HttpError::RateLimited { .. } => "rate limited".into(),
        HttpError::MethodNotAllowed { .. } => "method not allowed".into(),
        HttpError::BodyTooLarge { bytes } => format!("body of {bytes} bytes"),
    }
}
