//! Services: the edge's flows between the routes and storage, as plain async
//! functions over small storage traits. A route decodes, calls one service,
//! encodes; a service asks core to decide and performs what core decided.
//!
//! - [`checkout`]: rate limits, idempotency, re-pricing, the stock hold, the
//!   order's one D1 transaction;
//! - [`orders`]: run an event through core's state machine with a
//!   compare-and-set, settle its stock, time an unpaid order out;
//! - [`payment`]: a verified payment notification's effect;
//! - [`refund`]: a refund and its payout through the payment provider.
//!
//! The traits below are what the services need from the world. In the
//! worker, [`crate::live::Live`] implements them on D1, KV, the Durable
//! Objects and WebCrypto; the native tests use `memory::Memory`.
//!
//! Invariants: no service reads the clock or a random source other than
//! through its arguments and [`Crypto`]; no service decides a price, an
//! order state or a stock count (core does); a service's effects happen
//! only after the decision they follow was stored.

pub mod checkout;
#[cfg(test)]
pub mod memory;
pub mod orders;
pub mod payment;
pub mod refund;
#[cfg(test)]
mod tests;

use crate::error::Result;
use crate::protect::Limit;
use commerce_core::edge_api::{RefundPayout, UnmatchedPayment};
use commerce_core::lbs::StoreSnapshot;
use commerce_core::money::Money;
use commerce_core::orders::{CheckoutDecision, Order, Reservation, Storefront, Transition};
use commerce_core::pricing::Customer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an idempotency key was used for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KeyUse {
    pub request_hash: String,
    pub order_id: String,
}

/// What checkout and the wallet need to know about a shopper.
#[derive(Debug, Clone, Default)]
pub struct Shopper {
    /// The coupons they hold and have not redeemed, in claim order.
    pub coupon_ids: Vec<String>,
    /// The shopper as pricing sees them (tier, points, new customer).
    pub customer: Customer,
}

/// A checkout decision to store, with the key it came with.
pub struct NewOrder<'a> {
    pub decision: &'a CheckoutDecision,
    pub key: &'a str,
    pub request_hash: &'a str,
    /// Marks the rows this write made (see `db.rs`).
    pub op_id: &'a str,
}

/// How storing a checkout ended (each found by its cause, not by an error
/// message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Stored,
    /// The order or its key exists already (a concurrent request won).
    Exists,
    CouponAlreadyUsed,
    NotEnoughPoints,
}

/// The D1 records: users, wallets, orders, payments, refunds.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait OrderStore {
    async fn key_use(&self, user_id: &str, key: &str) -> Result<Option<KeyUse>>;
    async fn shopper(&self, user_id: &str) -> Result<Shopper>;
    /// Store a checkout in one transaction: the order, its lines, its key,
    /// its coupon redemptions and its points, or nothing.
    async fn create_order(&self, new: &NewOrder<'_>) -> Result<Written>;
    async fn order(&self, order_id: &str) -> Result<Option<Order>>;
    /// Store a transition of an order last seen at `before_version`, with
    /// its effects on coupons, points, payments and refunds; `false` when
    /// someone changed the order first (nothing was written).
    async fn save_transition(
        &self,
        before_version: u64,
        transition: &Transition,
        op_id: &str,
    ) -> Result<bool>;
    /// Keep a payment no order could take (once per transaction).
    async fn record_unmatched(&self, payment: &UnmatchedPayment) -> Result<()>;
    /// Record (or update) a refund payout.
    async fn record_payout(&self, payout: &RefundPayout) -> Result<()>;
}

/// Where an order's stock hold is, as the stock keeper answers.
#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HoldState {
    Held,
    Sold,
    Released,
}

/// The stock keepers (one writer per keeper: a Durable Object each, named
/// by core's [`commerce_core::orders::Keeper::name`]).
#[allow(async_fn_in_trait)]
pub trait StockHolds {
    /// Take every hold of `reservation` with its keeper for the checkout
    /// request `request_hash`, all or none; the same order id again answers
    /// as the first time did (another request's hash: `IDEMPOTENCY_KEY_REUSED`).
    async fn reserve(&self, reservation: &Reservation, request_hash: &str) -> Result<HoldState>;
    /// Give the hold `keeper` has for `order_id` back (`Released`) or keep
    /// it (`Sold`).
    async fn settle(&self, keeper: &str, order_id: &str, to: HoldState) -> Result<HoldState>;
    /// The values of `keeper`'s counters (`None`: never counted).
    async fn count(
        &self,
        keeper: &str,
        counters: Vec<String>,
    ) -> Result<BTreeMap<String, Option<i64>>>;
    /// Have `keeper` complete `order_id` at `at` (unless it moved on).
    async fn complete_at(&self, keeper: &str, order_id: &str, at: i64) -> Result<()>;
}

/// Token buckets (429 `RATE_LIMITED` when empty).
#[allow(async_fn_in_trait)]
pub trait RateLimits {
    async fn take(&self, limit: &Limit, who: &str) -> Result<()>;
}

/// The published snapshots.
#[allow(async_fn_in_trait)]
pub trait Snapshots {
    async fn storefront(&self) -> Result<Storefront>;
    async fn stores(&self) -> Result<StoreSnapshot>;
}

/// Hashes and random ids.
#[allow(async_fn_in_trait)]
pub trait Crypto {
    async fn sha256(&self, data: &[u8]) -> Result<Vec<u8>>;
    /// `bytes` random bytes as hex.
    fn random_hex(&self, bytes: usize) -> Result<String>;
}

/// What a refund asks of the payment provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayoutRequest {
    pub transaction_id: String,
    pub out_refund_no: String,
    pub reason: String,
    pub refund: Money,
    /// The whole payment.
    pub total: Money,
}

/// What the provider answered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PayoutAnswer {
    /// The provider's refund id.
    pub refund_id: String,
    pub status: String,
}

/// The payment provider (WeChat Pay).
#[allow(async_fn_in_trait)]
pub trait Payments {
    /// Ask for a refund payout; the provider pays each `out_refund_no` once.
    async fn refund(&self, request: &PayoutRequest) -> Result<PayoutAnswer>;
}

/// `bytes` of `sha256(text)` as hex: ids derived from what they identify.
pub async fn digest_hex(crypto: &impl Crypto, text: &str, bytes: usize) -> Result<String> {
    let digest = crypto.sha256(text.as_bytes()).await?;
    Ok(crate::crypto::hex(digest.get(..bytes).unwrap_or(&digest)))
}
