//! Order events: load an order, run one event through core's state machine,
//! store it with a compare-and-set, then settle its stock; and the payment
//! timer's question, time this unpaid order out?
//!
//! A transition that asks to complete the order later (delivered, shipped)
//! sets a completion timer with the serving store's keeper; when it fires,
//! [`complete_due`] completes the order unless it moved on.
//!
//! Invariants: the decision is core's [`transition`]; this module loads,
//! retries a lost compare-and-set (someone else changed the order first:
//! decide again on the fresh order) and performs the effects core listed. A
//! crash between storing and settling the stock is repaired by the payment
//! timer, which settles by the order's stored status.

use super::{Crypto, HoldState, OrderStore, StockHolds};
use crate::error::{Error, Result};
use commerce_core::orders::{transition, Event, Order, OrderError, Transition};

/// Attempts at a compare-and-set before giving up with 409.
const ATTEMPTS: usize = 4;

/// The order `order_id`, if it exists and (when `owner` is given) belongs
/// to that user; someone else's order is 404 like a missing one.
pub async fn load(db: &impl OrderStore, order_id: &str, owner: Option<&str>) -> Result<Order> {
    db.order(order_id)
        .await?
        .filter(|o| owner.is_none_or(|u| u == o.user_id))
        .ok_or_else(|| Error::not_found(format!("no order {order_id}")))
}

/// Run `event` on an order and store the result (no stock effects).
pub async fn apply(
    b: &(impl OrderStore + Crypto),
    order_id: &str,
    event: &Event,
    owner: Option<&str>,
    now: i64,
) -> Result<Transition> {
    for _ in 0..ATTEMPTS {
        let order = load(b, order_id, owner).await?;
        let before = order.version;
        let next = transition(order, event, now)?;
        if !next.changed || b.save_transition(before, &next, &b.random_hex(16)?).await? {
            return Ok(next);
        }
    }
    Err(Error::status(
        409,
        "CONCURRENT_UPDATE",
        format!("order {order_id} kept changing; retry"),
    ))
}

/// Give back or keep the stock a stored transition says to, with every
/// keeper that holds some of it.
pub async fn settle_stock(stock: &impl StockHolds, transition: &Transition) -> Result<()> {
    let order_id = &transition.order.id;
    let to = match (
        transition.effects.release_stock,
        transition.effects.sell_stock,
    ) {
        (true, _) => HoldState::Released,
        (false, true) => HoldState::Sold,
        (false, false) => return Ok(()),
    };
    for keeper in transition.order.holding_keepers() {
        stock.settle(&keeper, order_id, to).await?;
    }
    Ok(())
}

/// Run `event` and settle its stock: what every route that moves an order
/// does.
pub async fn run(
    b: &(impl OrderStore + StockHolds + Crypto),
    order_id: &str,
    event: &Event,
    owner: Option<&str>,
    now: i64,
) -> Result<Transition> {
    let transition = apply(b, order_id, event, owner, now).await?;
    settle_stock(b, &transition).await?;
    if let Some(at) = transition.effects.complete_at {
        b.complete_at(&transition.order.clock_keeper(), order_id, at)
            .await?;
    }
    Ok(transition)
}

/// A completion timer of `order_id` fired: complete it, unless it moved on
/// (the shopper confirmed, a refund, ...).
pub async fn complete_due(
    b: &(impl OrderStore + StockHolds + Crypto),
    order_id: &str,
    now: i64,
) -> Result<()> {
    match run(b, order_id, &Event::Complete, None, now).await {
        Ok(_) | Err(Error::Order(OrderError::InvalidTransition { .. })) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The payment timer of `order_id` fired: time the order out. Answers what
/// its hold becomes: `Some(Released)` (cancelled, or never stored),
/// `Some(Sold)` (it was paid), `None` (still unpaid: not due yet).
pub async fn time_out(
    b: &(impl OrderStore + Crypto),
    order_id: &str,
    now: i64,
) -> Result<Option<HoldState>> {
    let outcome = |order: &Order| {
        order.status.stock_released().map(|released| {
            if released {
                HoldState::Released
            } else {
                HoldState::Sold
            }
        })
    };
    if b.order(order_id).await?.is_none() {
        return Ok(Some(HoldState::Released));
    }
    match apply(b, order_id, &Event::Timeout, None, now).await {
        Ok(t) => Ok(outcome(&t.order)),
        // Paid or cancelled meanwhile: its stored status says.
        Err(Error::Order(OrderError::InvalidTransition { .. })) => {
            Ok(outcome(&load(b, order_id, None).await?))
        }
        Err(e) => Err(e),
    }
}
