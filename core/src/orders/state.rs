//! The order state machine and the stored order record.
//!
//! Rule: `pending_payment -pay-> paid -ship-> shipped -complete-> completed`;
//! `pending_payment -cancel (shopper) | timeout (at or after pay_by)->
//! cancelled`; `paid | shipped | completed -refund->` the same state for some
//! units, `refunded` once every unit is refunded. Anything else is
//! `INVALID_TRANSITION` (409). Repeats are no-ops: the same payment
//! transaction again, the same refund id with the same lines again.
//!
//! Who may refund: the shopper, while the goods have not left (`paid`); once
//! `shipped` or `completed`, only the merchant, after the goods come back
//! (`REFUND_NEEDS_MERCHANT`, 409, for the shopper). The refund's amounts do
//! not depend on who asks.
//!
//! Refund amounts come from the stored per-line payables (the quote's
//! allocation, 分摊): refunding units of a line brings its cumulative refund to
//! `floor(payable x units_refunded / quantity)`, and to exactly `payable` with
//! the last unit; the shipping payable goes back with the last unit of the
//! order. Example: a line of 3 units payable 1000 fen refunds 333, then 333,
//! then 334; with shipping 600 the last refund also carries 600.
//!
//! Effects: payment sells the held stock; cancellation and timeout give back the held stock, the redeemed
//! coupons and the points; a full refund gives back the points (not the
//! coupons, not the stock: goods may have left the warehouse).
//!
//! Invariants: the sum of all refunds never exceeds the order's payable and
//! equals it when the order is `refunded`; `version` grows by one on every
//! change and never otherwise.

use super::error::OrderError;
use super::serving::OrderFulfilment;
use crate::money::Money;
use crate::pricing::Quote;
use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Shipped,
    Completed,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    /// The wire name, e.g. `pending_payment`.
    pub fn name(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "pending_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// What became of the stock an order in this status held: `None` while
    /// it is still held (unpaid), `Some(true)` given back (cancelled),
    /// `Some(false)` sold (paid, and every status after).
    pub fn stock_released(self) -> Option<bool> {
        match self {
            OrderStatus::PendingPayment => None,
            OrderStatus::Cancelled => Some(true),
            _ => Some(false),
        }
    }
}

/// One line of an order, with its share of every discount already applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderLine {
    pub sku_id: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub total: Money,
    /// What this line costs after its share of every discount.
    pub payable: Money,
    #[serde(default)]
    pub refunded_quantity: i64,
    #[serde(default)]
    pub refunded_amount: Money,
}

/// A confirmed payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Payment {
    pub transaction_id: String,
    pub amount: Money,
    pub paid_at: i64,
}

/// Units of one line to refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RefundLine {
    pub sku_id: String,
    pub quantity: i64,
    /// Set by the rule; ignored in requests.
    #[serde(default)]
    pub amount: Money,
}

/// One refund, as decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RefundRecord {
    pub refund_id: String,
    pub lines: Vec<RefundLine>,
    pub shipping: Money,
    pub amount: Money,
    pub at: i64,
}

/// The stored order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Order {
    pub id: String,
    pub user_id: String,
    pub status: OrderStatus,
    /// Grows by one on every change (the shell's compare-and-set).
    pub version: u64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Unpaid after this unix time, the order times out.
    pub pay_by: i64,
    pub lines: Vec<OrderLine>,
    pub shipping_payable: Money,
    pub payable: Money,
    pub coupon_ids: Vec<String>,
    pub points_used: i64,
    pub points_earned: i64,
    #[serde(default)]
    pub payment: Option<Payment>,
    #[serde(default)]
    pub refunds: Vec<RefundRecord>,
    /// `user` or `timeout` once cancelled.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(extend("enum" = ["user", "timeout", null])))]
    pub cancel_reason: Option<String>,
    /// How it reaches the shopper and the store that serves it (absent:
    /// placed without a fulfilment, shipped from the warehouse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<OrderFulfilment>,
    /// The stock keepers holding its units (`docs/api.md`); empty for
    /// orders placed before keepers existed (all in `global`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stock_keepers: Vec<String>,
    /// The full price breakdown at checkout.
    pub quote: Quote,
}

/// Something that happens to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A verified payment notification.
    Pay {
        transaction_id: String,
        amount: Money,
    },
    Ship,
    Complete,
    /// The shopper cancels before paying.
    Cancel,
    /// The payment deadline passed.
    Timeout,
    /// Refund these units (every refundable unit when `lines` is absent).
    Refund {
        refund_id: String,
        #[serde(default)]
        lines: Option<Vec<RefundLine>>,
        /// Who asks: a shipped order is refunded by the merchant only.
        #[serde(default)]
        by: Requester,
    },
}

/// Who asks for a refund.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    /// The shopper, for their own order.
    #[default]
    Shopper,
    /// The merchant (after the goods came back, for a shipped order).
    Merchant,
}

impl Event {
    fn verb(&self) -> &'static str {
        match self {
            Event::Pay { .. } => "pay",
            Event::Ship => "ship",
            Event::Complete => "complete",
            Event::Cancel => "cancel",
            Event::Timeout => "time out",
            Event::Refund { .. } => "refund",
        }
    }
}

/// What the shell must do besides storing the order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Effects {
    /// Give the order's held stock back.
    pub release_stock: bool,
    /// The held stock is sold: stop the payment timer, keep the units out.
    pub sell_stock: bool,
    /// Put these coupons back in the shopper's wallet.
    pub return_coupons: Vec<String>,
    /// Credit these points back.
    pub return_points: i64,
    /// Pay this refund out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<RefundRecord>,
}

/// Request of the `order_transition` operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TransitionRequest {
    pub order: Order,
    pub event: Event,
    pub now: i64,
}

/// The order after an event, whether it changed, and the effects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Transition {
    pub order: Order,
    pub changed: bool,
    pub effects: Effects,
}

/// The status an event leads to from `status` (refunds aside), or
/// `INVALID_TRANSITION`; a shopper's refund of a shipped or completed order
/// is `REFUND_NEEDS_MERCHANT`.
pub fn transition_status(status: OrderStatus, event: &Event) -> Result<OrderStatus, OrderError> {
    use OrderStatus::*;
    match (status, event) {
        (PendingPayment, Event::Pay { .. }) => Ok(Paid),
        (Paid, Event::Ship) => Ok(Shipped),
        (Shipped, Event::Complete) => Ok(Completed),
        (PendingPayment, Event::Cancel | Event::Timeout) => Ok(Cancelled),
        (Paid, Event::Refund { .. }) => Ok(status),
        (
            Shipped | Completed,
            Event::Refund {
                by: Requester::Merchant,
                ..
            },
        ) => Ok(status),
        (Shipped | Completed, Event::Refund { .. }) => {
            Err(OrderError::RefundNeedsMerchant { status })
        }
        _ => Err(OrderError::InvalidTransition {
            status,
            event: event.verb(),
        }),
    }
}

/// Apply `event` to `order` at `now` (see the module rule).
pub fn transition(mut order: Order, event: &Event, now: i64) -> Result<Transition, OrderError> {
    if let Some(unchanged) = repeat(&order, event)? {
        return Ok(unchanged);
    }
    let status = transition_status(order.status, event)?;
    let mut effects = Effects::default();
    match event {
        Event::Pay {
            transaction_id,
            amount,
        } => {
            if *amount != order.payable {
                return Err(OrderError::AmountMismatch {
                    expected: order.payable,
                    paid: *amount,
                });
            }
            effects.sell_stock = true;
            order.payment = Some(Payment {
                transaction_id: transaction_id.clone(),
                amount: *amount,
                paid_at: now,
            });
        }
        Event::Timeout if now < order.pay_by => {
            return Err(OrderError::InvalidTransition {
                status: order.status,
                event: "time out before its payment deadline",
            });
        }
        Event::Cancel | Event::Timeout => {
            order.cancel_reason = Some(
                if matches!(event, Event::Cancel) {
                    "user"
                } else {
                    "timeout"
                }
                .to_owned(),
            );
            effects.release_stock = true;
            effects.return_coupons = order.coupon_ids.clone();
            effects.return_points = order.points_used;
        }
        Event::Refund {
            refund_id, lines, ..
        } => {
            let record = refund(&mut order, refund_id, lines.as_deref(), now)?;
            if order
                .lines
                .iter()
                .all(|l| l.refunded_quantity == l.quantity)
            {
                order.status = OrderStatus::Refunded;
                effects.return_points = order.points_used;
            }
            effects.refund = Some(record);
        }
        Event::Ship | Event::Complete => {}
    }
    if !matches!(event, Event::Refund { .. }) {
        order.status = status;
    }
    order.version = order.version.saturating_add(1);
    order.updated_at = now;
    Ok(Transition {
        order,
        changed: true,
        effects,
    })
}

/// A repeated payment or refund: `Some(unchanged)`, or the conflict it is.
fn repeat(order: &Order, event: &Event) -> Result<Option<Transition>, OrderError> {
    let unchanged = |refund: Option<RefundRecord>| Transition {
        order: order.clone(),
        changed: false,
        effects: Effects {
            refund,
            ..Effects::default()
        },
    };
    match event {
        Event::Pay { transaction_id, .. } => match &order.payment {
            Some(p) if &p.transaction_id == transaction_id => Ok(Some(unchanged(None))),
            Some(p) => Err(OrderError::AlreadyPaid {
                transaction_id: p.transaction_id.clone(),
            }),
            None => Ok(None),
        },
        Event::Refund {
            refund_id, lines, ..
        } => {
            let Some(done) = order.refunds.iter().find(|r| &r.refund_id == refund_id) else {
                return Ok(None);
            };
            let same = match lines {
                None => true,
                Some(lines) => {
                    lines.len() == done.lines.len()
                        && lines
                            .iter()
                            .zip(&done.lines)
                            .all(|(a, b)| a.sku_id == b.sku_id && a.quantity == b.quantity)
                }
            };
            if same {
                Ok(Some(unchanged(Some(done.clone()))))
            } else {
                Err(OrderError::RefundIdReused {
                    refund_id: refund_id.clone(),
                })
            }
        }
        _ => Ok(None),
    }
}

/// Decide one refund and record it on the order's lines.
fn refund(
    order: &mut Order,
    refund_id: &str,
    lines: Option<&[RefundLine]>,
    now: i64,
) -> Result<RefundRecord, OrderError> {
    let requested: Vec<(String, i64)> = match lines {
        Some(lines) => lines
            .iter()
            .map(|l| (l.sku_id.clone(), l.quantity))
            .collect(),
        None => order
            .lines
            .iter()
            .filter(|l| l.quantity > l.refunded_quantity)
            .map(|l| (l.sku_id.clone(), l.quantity - l.refunded_quantity))
            .collect(),
    };
    if requested.is_empty() {
        return Err(OrderError::InvalidTransition {
            status: order.status,
            event: "refund nothing",
        });
    }
    let mut record_lines = Vec::with_capacity(requested.len());
    for (sku_id, units) in requested {
        let line = order
            .lines
            .iter_mut()
            .find(|l| l.sku_id == sku_id)
            .ok_or_else(|| OrderError::UnknownLine {
                sku_id: sku_id.clone(),
            })?;
        let refundable = line.quantity - line.refunded_quantity;
        if units < 1 || units > refundable {
            return Err(OrderError::RefundExceeds {
                sku_id,
                requested: units,
                refundable,
            });
        }
        let refunded_quantity = line.refunded_quantity + units;
        let cumulative = floor_share(line.payable, refunded_quantity, line.quantity)?;
        let amount = cumulative.checked_sub(line.refunded_amount)?;
        line.refunded_quantity = refunded_quantity;
        line.refunded_amount = cumulative;
        record_lines.push(RefundLine {
            sku_id,
            quantity: units,
            amount,
        });
    }
    let everything = order
        .lines
        .iter()
        .all(|l| l.refunded_quantity == l.quantity);
    let shipping = if everything {
        order.shipping_payable
    } else {
        Money::ZERO
    };
    let amount = Money::sum(record_lines.iter().map(|l| l.amount))?.checked_add(shipping)?;
    let record = RefundRecord {
        refund_id: refund_id.to_owned(),
        lines: record_lines,
        shipping,
        amount,
        at: now,
    };
    order.refunds.push(record.clone());
    Ok(record)
}

/// `amount x part / whole`, rounded down (`0 < part <= whole`).
fn floor_share(amount: Money, part: i64, whole: i64) -> Result<Money, OrderError> {
    let fen = i128::from(amount.as_fen()) * i128::from(part) / i128::from(whole.max(1));
    Ok(Money::checked(
        i64::try_from(fen).map_err(|_| OrderError::Overflow)?,
    )?)
}
