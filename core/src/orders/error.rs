//! Why an order rule refused: [`OrderError`], with stable codes.
//!
//! Invariants: codes are part of the contract; conflicts with the order's
//! current state are [`ErrorKind::Conflict`] (HTTP 409), wrong numbers are
//! [`ErrorKind::Domain`] (422); messages carry the numbers.

use super::state::OrderStatus;
use crate::error::{Coded, ErrorKind};
use crate::fulfilment::FulfilmentError;
use crate::money::Money;
use crate::pricing::{PricingError, Quote};
use std::fmt;

/// Why an order rule refused.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderError {
    Pricing(PricingError),
    /// No store can serve, or the fulfilment asked for is wrong.
    Fulfilment(FulfilmentError),
    /// The server's quote differs from what the shopper saw; carries the quote.
    PriceChanged {
        expected: Money,
        quote: Box<Quote>,
    },
    EmptyOrder,
    /// This event is not allowed in this state.
    InvalidTransition {
        status: OrderStatus,
        event: &'static str,
    },
    /// A payment for another amount than the order's payable.
    AmountMismatch {
        expected: Money,
        paid: Money,
    },
    /// A second, different payment for an order already paid.
    AlreadyPaid {
        transaction_id: String,
    },
    UnknownLine {
        sku_id: String,
    },
    RefundExceeds {
        sku_id: String,
        requested: i64,
        refundable: i64,
    },
    /// A refund id used before for another refund.
    RefundIdReused {
        refund_id: String,
    },
    /// The shopper asked to refund an order whose goods have left.
    RefundNeedsMerchant {
        status: OrderStatus,
    },
    /// One idempotency key sent with two different checkout requests.
    IdempotencyKeyReused,
    /// A pickup code that is not 6 digits.
    InvalidPickupCode,
    /// A carrier or tracking number that is empty or over 64 characters.
    InvalidShipment,
    /// The code entered at the counter is not the order's.
    WrongPickupCode {
        attempts_left: u32,
    },
    /// Too many wrong codes: verification waits until `until`.
    PickupLocked {
        until: i64,
    },
    Overflow,
}

impl From<PricingError> for OrderError {
    fn from(e: PricingError) -> Self {
        OrderError::Pricing(e)
    }
}

impl From<FulfilmentError> for OrderError {
    fn from(e: FulfilmentError) -> Self {
        match e {
            FulfilmentError::Pricing(e) => OrderError::Pricing(e),
            other => OrderError::Fulfilment(other),
        }
    }
}

impl From<crate::money::MoneyError> for OrderError {
    fn from(_: crate::money::MoneyError) -> Self {
        OrderError::Overflow
    }
}

impl fmt::Display for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrderError::Pricing(e) => e.fmt(f),
            OrderError::Fulfilment(e) => e.fmt(f),
            OrderError::PriceChanged { expected, quote } => write!(
                f,
                "the price changed: expected payable {} fen, now {} fen",
                expected.as_fen(),
                quote.payable.as_fen()
            ),
            OrderError::EmptyOrder => f.write_str("an order needs at least one line"),
            OrderError::InvalidTransition { status, event } => {
                write!(f, "order is {}; cannot {event}", status.name())
            }
            OrderError::AmountMismatch { expected, paid } => write!(
                f,
                "paid {} fen, the order's payable is {} fen",
                paid.as_fen(),
                expected.as_fen()
            ),
            OrderError::AlreadyPaid { transaction_id } => {
                write!(f, "order already paid by transaction {transaction_id}")
            }
            OrderError::UnknownLine { sku_id } => write!(f, "the order has no line {sku_id}"),
            OrderError::RefundExceeds {
                sku_id,
                requested,
                refundable,
            } => write!(
                f,
                "line {sku_id}: {requested} units to refund, {refundable} refundable"
            ),
            OrderError::RefundIdReused { refund_id } => {
                write!(f, "refund id {refund_id} was used for another refund")
            }
            OrderError::RefundNeedsMerchant { status } => write!(
                f,
                "order is {}: once fulfilment has started, the merchant refunds it when the goods come back",
                status.name()
            ),
            OrderError::IdempotencyKeyReused => f.write_str(
                "this Idempotency-Key was used with another body; use a new key for a new order",
            ),
            OrderError::InvalidPickupCode => f.write_str("a pickup code is 6 digits"),
            OrderError::InvalidShipment => {
                f.write_str("a shipment's carrier and tracking_no are 1 to 64 characters each")
            }
            OrderError::WrongPickupCode { attempts_left } => write!(
                f,
                "wrong pickup code; {attempts_left} attempts left before verification locks"
            ),
            OrderError::PickupLocked { until } => write!(
                f,
                "too many wrong pickup codes: verification is locked until {until}"
            ),
            OrderError::Overflow => crate::money::MoneyError::Overflow.fmt(f),
        }
    }
}

impl Coded for OrderError {
    fn code(&self) -> &'static str {
        match self {
            OrderError::Pricing(e) => e.code(),
            OrderError::Fulfilment(e) => e.code(),
            OrderError::PriceChanged { .. } => "PRICE_CHANGED",
            OrderError::EmptyOrder => "EMPTY_ORDER",
            OrderError::InvalidTransition { .. } => "INVALID_TRANSITION",
            OrderError::AmountMismatch { .. } => "AMOUNT_MISMATCH",
            OrderError::AlreadyPaid { .. } => "ALREADY_PAID",
            OrderError::UnknownLine { .. } => "UNKNOWN_LINE",
            OrderError::RefundExceeds { .. } => "REFUND_EXCEEDS",
            OrderError::RefundIdReused { .. } => "REFUND_ID_REUSED",
            OrderError::RefundNeedsMerchant { .. } => "REFUND_NEEDS_MERCHANT",
            OrderError::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            OrderError::InvalidPickupCode => "INVALID_PICKUP_CODE",
            OrderError::InvalidShipment => "INVALID_SHIPMENT",
            OrderError::WrongPickupCode { .. } => "WRONG_PICKUP_CODE",
            OrderError::PickupLocked { .. } => "PICKUP_LOCKED",
            OrderError::Overflow => "AMOUNT_OVERFLOW",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            OrderError::Pricing(e) => e.kind(),
            OrderError::Fulfilment(e) => e.kind(),
            OrderError::PriceChanged { .. }
            | OrderError::InvalidTransition { .. }
            | OrderError::AlreadyPaid { .. }
            | OrderError::RefundIdReused { .. }
            | OrderError::RefundNeedsMerchant { .. } => ErrorKind::Conflict,
            OrderError::PickupLocked { .. } => ErrorKind::TooMany,
            _ => ErrorKind::Domain,
        }
    }
}
