//! Checkout (`POST /v1/orders`): rate limits -> the idempotency key (same
//! key and body: the original order; same key, other body: 422) -> with a
//! fulfilment, the live stock of the stores that could serve (read from
//! their keepers) -> core's [`checkout`] (the serving store, 409
//! `NO_STORE_CAN_SERVE`; re-price, 409 `PRICE_CHANGED` with the quote) ->
//! the stock holds, keeper by keeper (409 `OUT_OF_STOCK` / `PURCHASE_LIMIT`,
//! giving back those taken) -> one D1 transaction.
//!
//! The order id is derived from the user and the key, so a retry after a
//! crash at any step lands on the same hold and the same order; a hold whose
//! order never got stored is released here, or by its payment timer (each
//! keeper has its own).
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
use commerce_core::fulfilment::{Fulfilment, LiveStock};
use commerce_core::lbs::StoreSnapshot;
use commerce_core::orders::stock::stock_counter;
use commerce_core::orders::{
    checkout, live_stock, stock_sources, CheckoutBody, CheckoutRequest, Keeper, Order, OrderError,
    Reservation,
};
use futures_util::future::{try_join, try_join_all};
use std::collections::{BTreeMap, BTreeSet};

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
    let order_id = format!(
        "o{}",
        digest_hex(b, &format!("{user_id}\n{key}"), 12).await?
    );
    let request = request(b, &user_id, order_id.clone(), now, payment_timeout_s, body).await?;
    let decision = checkout(&request)?;
    hold(b, &decision.reservations, &request_hash).await?;
    let op_id = b.random_hex(16)?;
    let stored = b
        .create_order(&NewOrder {
            decision: &decision,
            key: &key,
            request_hash: &request_hash,
            op_id: &op_id,
        })
        .await?;
    // Every way out but a stored order gives the holds just taken back.
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
    release(b, &decision.reservations).await?;
    Err(refused)
}

/// What a checkout needs beyond its body: the storefront, the shopper's
/// wallet, and - with a fulfilment - the stores and their live stock.
pub async fn request(
    b: &(impl OrderStore + StockHolds + Snapshots),
    user_id: &str,
    order_id: String,
    now: i64,
    payment_timeout_s: i64,
    body: CheckoutBody,
) -> Result<CheckoutRequest> {
    let (storefront, shopper) = try_join(b.storefront(), b.shopper(user_id)).await?;
    let (stores, live) = match &body.fulfilment {
        Some(fulfilment) => {
            let stores = b.stores().await?;
            let live = live(b, &stores, fulfilment, &body).await?;
            (Some(stores), live)
        }
        None => (None, LiveStock::new()),
    };
    Ok(CheckoutRequest {
        wallet: storefront.held_coupons(&shopper.coupon_ids),
        customer: shopper.customer,
        storefront,
        order_id,
        user_id: user_id.to_owned(),
        now,
        payment_timeout_s,
        body,
        stores,
        live,
    })
}

/// The live stock of the cart's SKUs at every store that could serve it,
/// read from the stores' keepers side by side.
async fn live(
    b: &impl StockHolds,
    stores: &StoreSnapshot,
    fulfilment: &Fulfilment,
    body: &CheckoutBody,
) -> Result<LiveStock> {
    let skus: BTreeSet<&str> = body.lines.iter().map(|l| l.sku_id.as_str()).collect();
    let counters: Vec<String> = skus.into_iter().map(stock_counter).collect();
    let reads = stock_sources(stores, fulfilment)
        .into_iter()
        .map(|store_id| {
            let counters = counters.clone();
            async move {
                let keeper = Keeper::Store(store_id.clone()).name();
                Ok::<_, Error>((store_id, b.count(&keeper, counters).await?))
            }
        });
    let counted: BTreeMap<_, _> = try_join_all(reads).await?.into_iter().collect();
    Ok(live_stock(stores, &counted))
}

/// Take every keeper's reservation in order; one refused gives back those
/// taken before it.
async fn hold(b: &impl StockHolds, reservations: &[Reservation], request_hash: &str) -> Result<()> {
    for (taken, reservation) in reservations.iter().enumerate() {
        if let Err(e) = b.reserve(reservation, request_hash).await {
            release(b, reservations.get(..taken).unwrap_or_default()).await?;
            return Err(e);
        }
    }
    Ok(())
}

/// Give every reservation back.
async fn release(b: &impl StockHolds, reservations: &[Reservation]) -> Result<()> {
    for r in reservations {
        b.settle(&r.keeper, &r.order_id, HoldState::Released)
            .await?;
    }
    Ok(())
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
