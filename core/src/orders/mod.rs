//! Orders (订单): the rules of an order's life, from checkout to refund.
//!
//! Bird's-eye view: [`checkout`] re-prices the shopper's lines with
//! [`crate::pricing::quote`] against the server's [`Storefront`], compares the
//! payable the shopper saw, and decides the order, the stock to hold
//! ([`Reservation`]) and the coupons and points to redeem. [`transition`] is
//! the state machine every later event goes through (payment, shipping,
//! completion, cancellation, timeout, refund) and says what each change gives
//! back. [`stock`] is the counting rule the stock-holding Durable Object runs.
//!
//! ```text
//! pending_payment --pay--> paid --ship--> shipped --complete--> completed          (parcel)
//!        |                  +--accept--> accepted --ready--> ready --verify--> completed   (pickup)
//!        |                  +--accept--> accepted --dispatch--> out_for_delivery
//!        |                                   --deliver--> delivered --complete--> completed (delivery)
//!        +--cancel/timeout--> cancelled          refund (all units, from paid on) --> refunded
//! ```
//!
//! The shopper refunds a `paid` order; once fulfilment started only the
//! merchant ([`Requester::Merchant`]), once the goods come back.
//!
//! ```
//! use commerce_core::error::Coded;
//! use commerce_core::orders::{transition_status, Event, Flow, OrderStatus, Requester};
//! assert_eq!(transition_status(Flow::Parcel, OrderStatus::PendingPayment, &Event::Ship { shipment: None }).unwrap_err().code(), "INVALID_TRANSITION");
//! assert_eq!(transition_status(Flow::Parcel, OrderStatus::Paid, &Event::Accept).unwrap_err().code(), "INVALID_TRANSITION");
//! assert_eq!(transition_status(Flow::Pickup, OrderStatus::Paid, &Event::Accept).unwrap(), OrderStatus::Accepted);
//! let refund = |by| Event::Refund { refund_id: "r-1".into(), lines: None, by };
//! assert_eq!(transition_status(Flow::Parcel, OrderStatus::Shipped, &refund(Requester::Shopper)).unwrap_err().code(), "REFUND_NEEDS_MERCHANT");
//! assert_eq!(transition_status(Flow::Pickup, OrderStatus::Ready, &refund(Requester::Staff)).unwrap_err().code(), "REFUND_NEEDS_MERCHANT");
//! assert_eq!(transition_status(Flow::Parcel, OrderStatus::Shipped, &refund(Requester::Merchant)).unwrap(), OrderStatus::Shipped);
//! ```
//!
//! Invariants:
//! - pure: time (`now`), ids and stored records are arguments; the shell
//!   persists what comes back (with a compare-and-set on `version`);
//! - every transition not drawn above is an [`OrderError::InvalidTransition`]
//!   (HTTP 409), and a repeated payment of the same transaction is a no-op;
//! - the amounts of an order are the quote's, per line (allocations, 分摊),
//!   and refunds never return more than a line's payable, summing exactly to
//!   the order's payable when everything is refunded.

mod actions;
mod checkout;
mod error;
mod serving;
mod state;
pub mod stock;

pub use actions::{Action, OrderView};
pub use checkout::{
    checkout, preview, wallet, CheckoutBody, CheckoutDecision, CheckoutRequest, Preview,
    Storefront, WalletCoupon, WalletRequest, WalletView,
};
pub use error::OrderError;
pub use serving::{live_stock, snapshot_stock, stock_sources, OrderFulfilment};
pub use state::{
    transition, transition_status, Effects, Event, Flow, Order, OrderLine, OrderStatus, Payment,
    PickupTicket, RefundLine, RefundRecord, Requester, Shipment, Transition, TransitionRequest,
    WrongCode, PICKUP_ATTEMPTS, PICKUP_LOCK_S,
};
pub use stock::{Hold, Keeper, LedgerEntry, Reservation, StockChange, StockError};
