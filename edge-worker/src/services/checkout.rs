//! Checkout (`POST /v1/orders`): rate limits -> the idempotency key (same
//! key and body: the original order; same key, other body: 422) -> core's
//! [`checkout`] (re-price; 409 `PRICE_CHANGED` with the quote) -> the stock
//! hold (409 `OUT_OF_STOCK` / `PURCHASE_LIMIT`) -> one D1 transaction.
//!
//! The order id is derived from the user and the key, so a retry after a
//! crash at any step lands on the same hold and the same order; a hold whose
//! order never got stored is released here, or by its payment timer.
//!
//! Invariants, under any interleaving of requests: one key gets at most one
//! order, and only for the request body it first came with (the hold and
//! the stored key both carry the body's hash and every replay path compares
//! it); a refused checkout holds nothing.

use super::{
    digest_hex, Crypto, HoldState, NewOrder, OrderStore, RateLimits, Snapshots, StockHolds, Written,
};
use crate::error::{Error, Result};
use crate::http::decode;
use crate::protect;
use commerce_core::orders::{checkout, CheckoutBody, CheckoutRequest, Order, OrderError};
use futures_util::future::try_join;

/// One checkout tap.
pub struct CheckoutInput {
    pub user_id: String,
    pub ip: String,
    /// The `Idempotency-Key` header.
    pub key: Option<String>,
    /// The body as sent (its hash is the key's request).
    pub body: String,
    pub now: i64,
    pub payment_timeout_s: i64,
}

/// The order, and whether it is a replay of an earlier request.
pub struct Placed {
    pub order: Order,
    pub replayed: bool,
}

pub async fn place(
    b: &(impl OrderStore + StockHolds + RateLimits + Snapshots + Crypto),
    input: CheckoutInput,
) -> Result<Placed> {
    let CheckoutInput {
        user_id,
        ip,
        key,
        body,
        now,
        payment_timeout_s,
    } = input;
    try_join(
        b.take(&protect::CHECKOUT_IP, &ip),
        b.take(&protect::CHECKOUT_USER, &user_id),
    )
    .await?;
    let key = key
        .filter(|k| (1..=128).contains(&k.len()))
        .ok_or_else(|| {
            Error::bad_request(
                "MISSING_IDEMPOTENCY_KEY",
                "send an Idempotency-Key header (1 to 128 characters), the same on every retry",
            )
        })?;
    let request_hash = digest_hex(b, &body, 32).await?;
    if let Some(seen) = b.key_use(&user_id, &key).await? {
        return replay(
            b,
            &seen.order_id,
            &user_id,
            seen.request_hash == request_hash,
        )
        .await;
    }
    let body: CheckoutBody = decode(&body)?;
    let (storefront, shopper) = try_join(b.storefront(), b.shopper(&user_id)).await?;
    let order_id = format!(
        "o{}",
        digest_hex(b, &format!("{user_id}\n{key}"), 12).await?
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
        now,
        payment_timeout_s,
        body,
    };
    let decision = checkout(&request)?;
    b.reserve(&decision.reservation, &request_hash).await?;
    let op_id = b.random_hex(16)?;
    let stored = b
        .create_order(&NewOrder {
            decision: &decision,
            key: &key,
            request_hash: &request_hash,
            op_id: &op_id,
        })
        .await?;
    // Every way out but a stored order gives the hold just taken back.
    let refused: Error = match stored {
        Written::Stored => {
            return Ok(Placed {
                order: decision.order,
                replayed: false,
            })
        }
        // Stored meanwhile by a concurrent request with this key: its order
        // only if it was this same request; otherwise the hold is ours alone.
        Written::Exists => match b.key_use(&user_id, &key).await? {
            Some(seen) if seen.request_hash == request_hash => {
                return replay(b, &seen.order_id, &user_id, true).await
            }
            _ => OrderError::IdempotencyKeyReused.into(),
        },
        Written::CouponAlreadyUsed => Error::status(
            409,
            "COUPON_ALREADY_USED",
            "a chosen coupon was just used by another order",
        ),
        Written::NotEnoughPoints => Error::status(
            409,
            "NOT_ENOUGH_POINTS",
            "the points balance changed; quote again",
        ),
    };
    b.settle(&order_id, HoldState::Released).await?;
    Err(refused)
}

/// The order an earlier request with this key placed - if it was the same
/// request.
async fn replay(b: &impl OrderStore, order_id: &str, user_id: &str, same: bool) -> Result<Placed> {
    if !same {
        return Err(OrderError::IdempotencyKeyReused.into());
    }
    Ok(Placed {
        order: super::orders::load(b, order_id, Some(user_id)).await?,
        replayed: true,
    })
}
