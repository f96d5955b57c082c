//! The order state machine and the stored order record.
//!
//! Rule: `pending_payment -pay-> paid`, then by the order's [`Flow`] (its
//! fulfilment mode):
//! - **parcel** (express, or no fulfilment): `paid -ship-> shipped
//!   -complete-> completed`;
//! - **pickup** (到店自提): `paid -accept-> accepted -ready-> ready
//!   -verify (the pickup code)-> completed`;
//! - **delivery** (即时配送): `paid -accept-> accepted -dispatch->
//!   out_for_delivery -deliver-> delivered -complete-> completed`.
//!
//! `pending_payment -cancel (shopper) | timeout (at or after pay_by)->
//! cancelled`; from `paid` on, `-refund->` the same state for some units,
//! `refunded` once every unit is refunded. Anything else is
//! `INVALID_TRANSITION` (409). Repeats are no-ops: the same payment
//! transaction again, the same refund id with the same lines again.
//!
//! Completing by itself: when a delivery is delivered or a parcel shipped,
//! the transition asks the shell to complete the order at `now +
//! complete_after_s` (the merchant's terms, kept on the order at checkout:
//! 1 day after delivery, 7 days after shipping by default) unless the
//! shopper confirms receipt first (`complete`).
//!
//! Pickup codes (核销码): `ready` carries a 6-digit code (the edge draws it)
//! kept on the order for the shopper; `verify` with another code records a
//! failed attempt (the transition is stored, and the shell answers 422
//! `WRONG_PICKUP_CODE` with the attempts left); the fifth failure in a row
//! locks verification for [`PICKUP_LOCK_S`] (`PICKUP_LOCKED`, 429, until
//! `locked_until`); the right code completes the order. Staff never see the
//! code ([`Order::view`]).
//!
//! Who may refund: the shopper, while fulfilment has not started (`paid`);
//! after that (accepted, ready, out for delivery, delivered, shipped,
//! completed), only the merchant, once the goods are back
//! (`REFUND_NEEDS_MERCHANT`, 409, for anyone else). The refund's amounts do
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
//! change and never otherwise; a pickup order completes only with its code.

use super::error::OrderError;
use super::serving::OrderFulfilment;
use super::stock::{Keeper, WAREHOUSE};
use crate::fulfilment::Mode;
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
    /// The store took the order and is preparing it.
    Accepted,
    /// Ready for pickup at the counter (a pickup code is set).
    Ready,
    OutForDelivery,
    Delivered,
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
            OrderStatus::Accepted => "accepted",
            OrderStatus::Ready => "ready",
            OrderStatus::OutForDelivery => "out_for_delivery",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// The statuses of a store's queue (待处理): paid and not yet handed
    /// over - to accept, prepare, hand over at the counter or deliver.
    pub const STORE_QUEUE: [OrderStatus; 4] = [
        OrderStatus::Paid,
        OrderStatus::Accepted,
        OrderStatus::Ready,
        OrderStatus::OutForDelivery,
    ];

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

/// How an order's life goes after payment (see the module rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Express, or an order without a fulfilment.
    Parcel,
    Pickup,
    Delivery,
}

/// How long five wrong pickup codes in a row lock verification.
pub const PICKUP_LOCK_S: i64 = 15 * 60;
/// Wrong pickup codes in a row that lock verification.
pub const PICKUP_ATTEMPTS: u32 = 5;

/// A pickup order's code and its verification attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PickupTicket {
    /// 6 digits, shown to the shopper (empty in staff views).
    pub code: String,
    pub ready_at: i64,
    /// Wrong codes since the last lock or the ticket's start.
    #[serde(default)]
    pub failed_attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<i64>,
}

/// A parcel's carrier and tracking number (物流单号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    /// e.g. "顺丰速运" or "SF".
    pub carrier: String,
    pub tracking_no: String,
}

impl Shipment {
    /// Both fields are 1 to 64 characters (`INVALID_SHIPMENT`).
    pub fn validate(&self) -> Result<(), OrderError> {
        let fits = |s: &str| (1..=64).contains(&s.chars().count());
        if fits(&self.carrier) && fits(&self.tracking_no) {
            Ok(())
        } else {
            Err(OrderError::InvalidShipment)
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
    /// The parcel's carrier and tracking number, once shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment: Option<Shipment>,
    /// The pickup code, once the store marked the order ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<PickupTicket>,
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
    /// A parcel leaves (发货), with its carrier and tracking number when
    /// the merchant has them.
    Ship {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shipment: Option<Shipment>,
    },
    Complete,
    /// The store takes a pickup or delivery order.
    Accept,
    /// A pickup order is ready; the edge draws its 6-digit code.
    Ready {
        pickup_code: String,
    },
    /// Staff at the counter enter the shopper's code.
    Verify {
        code: String,
    },
    /// A delivery order leaves the store with a rider.
    Dispatch,
    /// The rider handed it over.
    Deliver,
    /// The shopper cancels before paying.
    Cancel,
    /// The payment deadline passed.
    Timeout,
    /// Refund these units (every refundable unit when `lines` is absent).
    Refund {
        refund_id: String,
        #[serde(default)]
        lines: Option<Vec<RefundLine>>,
        /// Who asks: once fulfilment started, only the merchant refunds.
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
    /// A store's staff (the edge checks it is the order's store).
    Staff,
}

impl Event {
    fn verb(&self) -> &'static str {
        match self {
            Event::Pay { .. } => "pay",
            Event::Ship { .. } => "ship",
            Event::Complete => "complete",
            Event::Accept => "accept",
            Event::Ready { .. } => "mark ready",
            Event::Verify { .. } => "verify",
            Event::Dispatch => "dispatch",
            Event::Deliver => "deliver",
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
    /// Complete the order by itself at this time unless it moved on first
    /// (set when a delivery is delivered or a parcel shipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_at: Option<i64>,
    /// A wrong pickup code was recorded: after storing, answer
    /// [`WrongCode::error`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrong_code: Option<WrongCode>,
}

/// A wrong pickup code, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WrongCode {
    pub attempts_left: u32,
    /// This attempt locked verification until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<i64>,
}

impl WrongCode {
    /// What the staff member is told: `WRONG_PICKUP_CODE` (422), or
    /// `PICKUP_LOCKED` (429) when this attempt locked it.
    pub fn error(&self) -> OrderError {
        match self.locked_until {
            Some(until) => OrderError::PickupLocked { until },
            None => OrderError::WrongPickupCode {
                attempts_left: self.attempts_left,
            },
        }
    }
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

impl Order {
    /// The store that serves it (orders with a fulfilment).
    pub fn store_id(&self) -> Option<&str> {
        self.fulfilment.as_ref().map(|f| f.store_id())
    }

    /// The stock keepers holding its units: those checkout recorded, or,
    /// for an order from before keepers, the one stock object of that time.
    pub fn holding_keepers(&self) -> Vec<String> {
        if self.stock_keepers.is_empty() {
            vec![WAREHOUSE.to_owned()]
        } else {
            self.stock_keepers.clone()
        }
    }

    /// The keeper whose clock completes it by itself: its serving store's,
    /// or the warehouse's.
    pub fn clock_keeper(&self) -> String {
        match self.store_id() {
            Some(id) => Keeper::Store(id.to_owned()).name(),
            None => WAREHOUSE.to_owned(),
        }
    }

    /// The order's flow after payment, by its fulfilment mode.
    pub fn flow(&self) -> Flow {
        match self.fulfilment.as_ref().map(|f| f.assignment.mode) {
            Some(Mode::Pickup) => Flow::Pickup,
            Some(Mode::Delivery) => Flow::Delivery,
            Some(Mode::Express) | None => Flow::Parcel,
        }
    }
}

/// The status an event leads to from `status` in `flow` (refunds aside),
/// or `INVALID_TRANSITION`; a refund by anyone but the merchant once
/// fulfilment started is `REFUND_NEEDS_MERCHANT`.
pub fn transition_status(
    flow: Flow,
    status: OrderStatus,
    event: &Event,
) -> Result<OrderStatus, OrderError> {
    use OrderStatus::*;
    let started = matches!(
        status,
        Accepted | Ready | OutForDelivery | Delivered | Shipped | Completed
    );
    match (flow, status, event) {
        (_, PendingPayment, Event::Pay { .. }) => Ok(Paid),
        (_, PendingPayment, Event::Cancel | Event::Timeout) => Ok(Cancelled),
        (Flow::Parcel, Paid, Event::Ship { .. }) => Ok(Shipped),
        (Flow::Parcel, Shipped, Event::Complete) => Ok(Completed),
        (Flow::Pickup | Flow::Delivery, Paid, Event::Accept) => Ok(Accepted),
        (Flow::Pickup, Accepted, Event::Ready { .. }) => Ok(Ready),
        (Flow::Pickup, Ready, Event::Verify { .. }) => Ok(Completed),
        (Flow::Delivery, Accepted, Event::Dispatch) => Ok(OutForDelivery),
        (Flow::Delivery, OutForDelivery, Event::Deliver) => Ok(Delivered),
        (Flow::Delivery, Delivered, Event::Complete) => Ok(Completed),
        (_, Paid, Event::Refund { by, .. }) if *by != Requester::Staff => Ok(status),
        (
            _,
            _,
            Event::Refund {
                by: Requester::Merchant,
                ..
            },
        ) if started => Ok(status),
        (_, Paid, Event::Refund { .. }) => Err(OrderError::RefundNeedsMerchant { status }),
        (_, _, Event::Refund { .. }) if started => Err(OrderError::RefundNeedsMerchant { status }),
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
    let status = transition_status(order.flow(), order.status, event)?;
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
        Event::Ready { pickup_code } => {
            if pickup_code.len() != 6 || !pickup_code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(OrderError::InvalidPickupCode);
            }
            order.pickup = Some(PickupTicket {
                code: pickup_code.clone(),
                ready_at: now,
                failed_attempts: 0,
                locked_until: None,
                verified_at: None,
            });
        }
        Event::Verify { code } => {
            if let Some(wrong) = verify(&mut order, code, now)? {
                order.version = order.version.saturating_add(1);
                order.updated_at = now;
                effects.wrong_code = Some(wrong);
                return Ok(Transition {
                    order,
                    changed: true,
                    effects,
                });
            }
        }
        Event::Ship { .. } | Event::Deliver => {
            if let Event::Ship { shipment } = event {
                if let Some(s) = shipment {
                    s.validate()?;
                }
                order.shipment = shipment.clone();
            }
            effects.complete_at = order
                .fulfilment
                .as_ref()
                .and_then(|f| f.complete_after_s)
                .map(|after| now.saturating_add(after));
        }
        Event::Complete | Event::Accept | Event::Dispatch => {}
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

/// Check a pickup code at `now`: `None` when it is right (the ticket is
/// verified); the wrong code recorded otherwise; `PICKUP_LOCKED` while
/// locked.
fn verify(order: &mut Order, code: &str, now: i64) -> Result<Option<WrongCode>, OrderError> {
    let ticket = order.pickup.as_mut().ok_or(OrderError::InvalidTransition {
        status: order.status,
        event: "verify without a pickup code",
    })?;
    if let Some(until) = ticket.locked_until.filter(|until| now < *until) {
        return Err(OrderError::PickupLocked { until });
    }
    if ticket.code == code {
        ticket.verified_at = Some(now);
        ticket.failed_attempts = 0;
        ticket.locked_until = None;
        return Ok(None);
    }
    ticket.failed_attempts += 1;
    if ticket.failed_attempts >= PICKUP_ATTEMPTS {
        let until = now.saturating_add(PICKUP_LOCK_S);
        ticket.failed_attempts = 0;
        ticket.locked_until = Some(until);
        return Ok(Some(WrongCode {
            attempts_left: 0,
            locked_until: Some(until),
        }));
    }
    Ok(Some(WrongCode {
        attempts_left: PICKUP_ATTEMPTS - ticket.failed_attempts,
        locked_until: None,
    }))
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
