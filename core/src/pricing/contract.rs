//! The wire contract of pricing: [`QuoteRequest`] in, [`Quote`] out.
//!
//! Rule: everything the engine needs is in the request (catalog snapshot,
//! lines, `now`, the shopper, the merchant's rules); everything it decided is
//! in the quote, with the source and the numbers of every fen taken off.
//! Every field added after the first version has a serde default, so a plain
//! `{"catalog":..,"lines":..}` request still prices at list price.
//!
//! Example: one line of 2 x 1800 fen with a 满200减20 full reduction (tiers
//! `[{"threshold":2000,"off":200}]`) quotes `subtotal` 3600, one discount of
//! 200 from step `full_reduction_platform` and `payable` 3400.
//!
//! Invariants (checked by the property tests): `subtotal` = sum of line
//! `total`; `goods_payable` = sum of line `payable` = `subtotal` - sum of
//! goods discounts; every line's discounts sum to `total - payable`;
//! `payable` = `goods_payable` + `shipping.payable` >= 0; all lists come out
//! in a fixed order, so the JSON is byte-identical on every runtime.

use super::activity::{Activity, AppliedActivity, PriceSource, SkippedActivity};
use super::coupons::{Coupon, StackingRules};
use super::customer::Customer;
use super::full_reduction::FullReduction;
use super::outcome::{Discount, Hint, LineDiscount, Step};
use super::points::{PointsOutcome, PointsRule};
use super::selection::{CouponReport, CouponSelection};
use super::shipping::{ShippingOutcome, ShippingRule};
use crate::catalog::CatalogSnapshot;
use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Input of [`super::quote`] and [`super::best_coupons`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    pub catalog: CatalogSnapshot,
    pub lines: Vec<LineRequest>,
    /// The moment of pricing, unix seconds (China time is UTC+8).
    #[serde(default)]
    pub now: i64,
    #[serde(default, deserialize_with = "crate::api::object")]
    pub customer: Customer,
    /// Percentage off list price by member tier, for SKUs without a tier price.
    #[serde(default)]
    pub member_discounts: BTreeMap<String, i64>,
    #[serde(default)]
    pub activities: Vec<Activity>,
    #[serde(default)]
    pub full_reductions: Vec<FullReduction>,
    /// The coupons the shopper holds (the candidates).
    #[serde(default)]
    pub coupons: Vec<Coupon>,
    #[serde(default, deserialize_with = "crate::api::object")]
    pub stacking: StackingRules,
    #[serde(default)]
    pub coupon_selection: CouponSelection,
    /// How points (积分) pay and are earned; `None`: no points on this order.
    #[serde(default)]
    pub points: Option<PointsRule>,
    /// Points the shopper asks to spend.
    #[serde(default)]
    pub use_points: i64,
    /// `None`: no shipping fee.
    #[serde(default)]
    pub shipping: Option<ShippingRule>,
}

/// One cart line to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    pub sku_id: String,
    pub quantity: i64,
}

/// Output of [`super::quote`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Quote {
    /// In request order.
    pub lines: Vec<QuotedLine>,
    /// Sum of list price x quantity.
    pub list_total: Money,
    /// Sum of line totals at member or activity price.
    pub subtotal: Money,
    /// Every order-level discount, in pipeline order.
    pub discounts: Vec<Discount>,
    pub coupons: CouponReport,
    pub points: PointsOutcome,
    pub shipping: ShippingOutcome,
    /// `subtotal` minus every goods discount: what the lines cost.
    pub goods_payable: Money,
    /// `goods_payable` + shipping payable.
    pub payable: Money,
    /// 凑单 hints, next tiers and thresholds within reach.
    pub hints: Vec<Hint>,
}

impl Quote {
    /// What shipping thresholds (包邮, 起送价) look at: the subtotal less the
    /// full reductions, before coupons (`docs/pricing.md`).
    pub fn goods_before_coupons(&self) -> Money {
        self.discounts
            .iter()
            .filter(|d| {
                matches!(
                    d.step,
                    Step::FullReductionShop | Step::FullReductionPlatform
                )
            })
            .fold(self.subtotal, |left, d| {
                left.checked_sub(d.amount).unwrap_or(Money::ZERO)
            })
    }
}

/// A priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuotedLine {
    pub sku_id: String,
    pub quantity: i64,
    pub list_price: Money,
    pub unit_price: Money,
    pub price_source: PriceSource,
    pub activity: Option<AppliedActivity>,
    /// Activities covering this line that did not set its price, and why.
    pub activities_skipped: Vec<SkippedActivity>,
    /// `unit_price` x `quantity`.
    pub total: Money,
    /// This line's share of each order-level discount, in pipeline order.
    pub discounts: Vec<LineDiscount>,
    pub payable: Money,
}

/// Output of [`super::best_coupons`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BestCoupons {
    /// The best combination, in pipeline order.
    pub coupon_ids: Vec<String>,
    pub saving: Money,
    /// The quote with exactly these coupons.
    pub quote: Quote,
}
