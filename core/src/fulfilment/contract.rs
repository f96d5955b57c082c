//! The wire shapes of fulfilment: what the shopper asks ([`Fulfilment`]),
//! what core decided ([`Assignment`]), and why a store could not serve
//! ([`Candidate`], [`Suggestion`]).
//!
//! ```
//! use commerce_core::fulfilment::Fulfilment;
//! let pickup: Fulfilment = serde_json::from_str(r#"{"mode":"pickup","store_id":"sh-jingan"}"#).unwrap();
//! assert_eq!(pickup.mode().name(), "pickup");
//! ```

use super::address::{DeliveryAddress, PostalAddress};
use super::fees::{DeliveryFees, ExpressFees};
use crate::lbs::Reason;
use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the shopper gets the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fulfilment {
    /// 到店自提: collect at this store, at `pickup_at` (absent: as soon as
    /// it is ready). `near` (the shopper's position, any system) only
    /// orders the suggestions when the store cannot serve.
    Pickup {
        store_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pickup_at: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        near: Option<crate::lbs::contract::WirePoint>,
    },
    /// 即时配送: a store's rider brings it to this address today.
    Delivery { address: DeliveryAddress },
    /// 快递: a parcel from a store that ships.
    Express { address: PostalAddress },
}

impl Fulfilment {
    pub fn mode(&self) -> Mode {
        match self {
            Fulfilment::Pickup { .. } => Mode::Pickup,
            Fulfilment::Delivery { .. } => Mode::Delivery,
            Fulfilment::Express { .. } => Mode::Express,
        }
    }
}

/// The three ways an order reaches the shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Pickup,
    Delivery,
    Express,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Pickup => "pickup",
            Mode::Delivery => "delivery",
            Mode::Express => "express",
        }
    }
}

/// Units on hand per store and SKU, as the stock keepers last counted
/// them: `{store_id: {sku_id: units}}`. A store listed here is judged by
/// these numbers instead of its snapshot's `stock`; a SKU missing from a
/// listed store has 0 units.
pub type LiveStock = BTreeMap<String, BTreeMap<String, i64>>;

/// The merchant's fulfilment rules (part of the storefront).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FulfilmentRules {
    /// Instant delivery's fees; absent: no delivery.
    #[serde(default)]
    pub delivery: Option<DeliveryFees>,
    /// Parcel fees; absent: no parcels.
    #[serde(default)]
    pub express: Option<ExpressFees>,
    /// Pickup is offered (at stores with `pickup: true`).
    #[serde(default = "yes")]
    pub pickup: bool,
    /// "Only N left at this store" when a line leaves at most this many.
    #[serde(default = "low_stock_at")]
    pub low_stock_at: i64,
    /// How far ahead a pickup may be booked, in seconds (default 7 days).
    #[serde(default = "pickup_ahead")]
    pub max_pickup_ahead_s: i64,
    /// A delivered order completes by itself this long after delivery
    /// unless the shopper confirms first (default 1 day).
    #[serde(default = "delivered_completes")]
    pub delivered_complete_after_s: i64,
    /// A shipped parcel counts as received this long after shipping
    /// unless the shopper confirms first (自动确认收货, default 7 days).
    #[serde(default = "shipped_completes")]
    pub shipped_complete_after_s: i64,
}

impl FulfilmentRules {
    /// How long after the hand-over (delivered, shipped) an order of `mode`
    /// completes by itself; `None` for pickup (it completes at the counter).
    pub fn complete_after_s(&self, mode: Mode) -> Option<i64> {
        match mode {
            Mode::Pickup => None,
            Mode::Delivery => Some(self.delivered_complete_after_s.max(0)),
            Mode::Express => Some(self.shipped_complete_after_s.max(0)),
        }
    }
}

fn delivered_completes() -> i64 {
    24 * 3600
}

fn shipped_completes() -> i64 {
    7 * 24 * 3600
}

fn yes() -> bool {
    true
}

fn low_stock_at() -> i64 {
    3
}

fn pickup_ahead() -> i64 {
    7 * 24 * 3600
}

/// Why this store serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// The shopper chose it (pickup).
    Chosen,
    /// The nearest store delivering to the address that has every line.
    NearestWithStock,
    /// The first store that ships parcels and has every line, in the
    /// merchant's order of stores.
    FirstShipperWithStock,
}

/// A line the serving store has little of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LowStock {
    pub sku_id: String,
    /// Units on hand before this order.
    pub left: i64,
}

/// What core decided: the store that serves the order and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Assignment {
    pub mode: Mode,
    pub store_id: String,
    pub why: Why,
    /// Metres from the store to the address (delivery), or to `near`
    /// (pickup, when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<u64>,
    /// When the order is collected (pickup; absent: as soon as ready).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_at: Option<i64>,
    /// "Only N left at this store".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub low_stock: Vec<LowStock>,
    /// Nearer stores passed over, and why (delivery).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passed_over: Vec<Candidate>,
}

/// A line a store is short of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Short {
    pub sku_id: String,
    pub wanted: i64,
    pub available: i64,
}

/// A store that could not serve, and everything that stops it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Candidate {
    pub store_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<u64>,
    /// Service, area, distance, hours (`NO_PICKUP`, `OUTSIDE_AREA`,
    /// `TOO_FAR`, `CLOSED`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    /// Lines it has too few of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short: Vec<Short>,
}

impl Candidate {
    /// One line for people: "sh-jingan (1200 m): CLOSED; short of jasmine-250g (2 wanted, 1 left)".
    pub fn explain(&self) -> String {
        let mut parts: Vec<String> = self.reasons.iter().map(|r| r.code().to_owned()).collect();
        parts.extend(self.short.iter().map(|s| {
            format!(
                "short of {} ({} wanted, {} left)",
                s.sku_id, s.wanted, s.available
            )
        }));
        match self.distance_m {
            Some(m) => format!("{} ({m} m): {}", self.store_id, parts.join(", ")),
            None => format!("{}: {}", self.store_id, parts.join(", ")),
        }
    }
}

/// Keep `keep` units of a line (0: remove it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TrimLine {
    pub sku_id: String,
    pub keep: i64,
}

/// A one-tap fix a page can offer when no store can serve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Suggestion {
    /// "The nearest store that has everything is Y (pickup, 3.2 km)".
    PickupAt {
        store_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        distance_m: Option<u64>,
    },
    /// "Remove X (or keep only N of it) and store Z serves by `mode`".
    Trim {
        store_id: String,
        mode: Mode,
        lines: Vec<TrimLine>,
    },
}

/// What a fulfilment costs, when the goods are known (see `fees`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeeQuote {
    pub fee: Money,
    /// The free-delivery threshold was met.
    pub free: bool,
}
