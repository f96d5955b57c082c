//! The shared output types of the pricing steps: which [`Step`] took a
//! [`Discount`] and each line's [`LineDiscount`] share of it, and the 凑单
//! [`Hint`]s a step leaves. A leaf: every rule module imports it, it imports
//! none of them.
//!
//! Invariants: `Step` orders the pipeline (derive `Ord` follows the order of
//! the variants, which is the order the steps run); nothing here computes.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// A pipeline step after activity prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    FullReductionShop,
    FullReductionPlatform,
    ShopCoupon,
    PlatformCoupon,
    Points,
    ShippingCoupon,
}

/// One order-level discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Discount {
    pub step: Step,
    /// The full reduction's or coupon's id, or `points`.
    pub source_id: String,
    pub amount: Money,
    /// What the rule asked for when more than was left (the clamp).
    pub clamped_from: Option<Money>,
}

/// A line's share of one [`Discount`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineDiscount {
    pub step: Step,
    pub source_id: String,
    pub amount: Money,
}

/// A 凑单 hint: what would unlock the next saving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hint {
    /// Add `add` fen in scope to reach the full reduction's next tier.
    FullReductionTier {
        full_reduction_id: String,
        threshold: Money,
        add: Money,
    },
    /// Add `add` fen in scope to meet the coupon's threshold.
    Coupon {
        coupon_id: String,
        threshold: Money,
        add: Money,
    },
    /// Add `add` fen to ship free.
    FreeShipping { threshold: Money, add: Money },
    /// `members_needed` more members reach the group-buy tier at `price`.
    GroupBuyTier {
        activity_id: String,
        members_needed: i64,
        price: Money,
    },
    /// `add_quantity` more units reach the quantity ladder's next tier.
    QuantityLadderTier {
        activity_id: String,
        add_quantity: i64,
        percent_off: i64,
    },
}
