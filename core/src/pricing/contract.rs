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

use super::activity::{Activity, ActivityKind, ActivityReason, GroupTier};
use super::coupons::{Coupon, CouponReason, StackingRules};
use super::full_reduction::FullReduction;
use super::points::PointsRule;
use super::shipping::ShippingRule;
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

/// The shopper, as far as prices depend on them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Customer {
    #[serde(default)]
    pub member_tier: Option<String>,
    #[serde(default)]
    pub new_customer: bool,
    #[serde(default)]
    pub points_balance: i64,
    /// Times each coupon id was already used by this shopper.
    #[serde(default)]
    pub coupon_uses: BTreeMap<String, i64>,
    /// Units already bought under each activity id (flash-sale limits).
    #[serde(default)]
    pub activity_purchases: BTreeMap<String, i64>,
}

impl Customer {
    /// The pricing customer for what a shop keeps about a shopper: their
    /// member tier (if any), points balance and how many of their orders were
    /// ever paid. A *new customer* (新人) is one with no paid order yet
    /// (docs/pricing.md §4): cancelled or timed-out orders do not count.
    pub fn from_record(member_tier: Option<String>, points_balance: i64, paid_orders: i64) -> Self {
        Customer {
            member_tier,
            new_customer: paid_orders == 0,
            points_balance,
            ..Customer::default()
        }
    }
}

/// Which coupons to use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, tag = "mode", rename_all = "snake_case")]
pub enum CouponSelection {
    /// The best combination (已为您选择最优优惠).
    #[default]
    #[serde(deserialize_with = "crate::api::no_fields")]
    Best,
    /// The shopper's choice, honoured in the order given.
    Chosen { coupon_ids: Vec<String> },
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

/// Where a line's unit price comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    List,
    Member,
    Activity,
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

/// The activity that set a line's price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppliedActivity {
    pub activity_id: String,
    pub kind: ActivityKind,
    /// (price before the activity - unit price) x quantity.
    pub saving: Money,
    /// For a group buy: the tier the group has reached (its `min_size` and
    /// unit price); absent for other kinds. The next tier is a hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_buy_tier: Option<GroupTier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SkippedActivity {
    pub activity_id: String,
    pub reason: ActivityReason,
}

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

/// What became of each coupon the shopper holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CouponReport {
    /// In pipeline order.
    pub applied: Vec<AppliedCoupon>,
    /// In request order.
    pub not_applicable: Vec<NotApplicable>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppliedCoupon {
    pub coupon_id: String,
    pub saving: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotApplicable {
    pub coupon_id: String,
    pub reason: CouponReason,
}

/// Points spent and earned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PointsOutcome {
    pub requested: i64,
    pub used: i64,
    pub deduction: Money,
    /// The most this order allows (by balance, by points cap, by percentage).
    pub allowed: i64,
    pub earned: i64,
}

/// Shipping fee and its coupons.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ShippingOutcome {
    pub fee: Money,
    /// The free-shipping threshold (包邮) was met.
    pub free_shipping: bool,
    pub discount: Money,
    pub payable: Money,
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
