//! Pricing: turns a cart, a catalog snapshot and the merchant's rules into a
//! [`Quote`] that every runtime computes to the same fen.
//!
//! The pipeline (see [`docs/pricing.md`](../../../docs/pricing.md) for the
//! full rules with worked examples) is fixed: member price -> activity price
//! (`activity` the rules, `activity_prices` the step) -> full reductions,
//! shop then platform (`full_reduction`) -> shop coupons -> platform coupons
//! (`coupons`, `selection`, `best`) -> points (`points`) -> shipping
//! (`shipping`). Each module states its rule, a fen-exact example and its
//! invariants; `pipeline` holds the order, `ledger` what each slot owes,
//! `allocation` the largest-remainder split (分摊), `contract` the request
//! and the quote, `error` the typed errors.
//!
//! The modules form a DAG, read from the leaves up: `error`, `outcome`
//! (steps, discounts, hints) and `customer` import no sibling; `scope`,
//! `allocation`; the rule modules (`activity`, `full_reduction`,
//! `coupons`, `points`, `shipping`) and `ledger`; then `activity_prices`,
//! `best`, `selection`; `contract` gathers the wire types; `pipeline` runs
//! it all. No rule module imports `contract` or `pipeline`.
//!
//! Invariants:
//! - every amount is integer fen ([`Money`]); percentages round half-up per
//!   step (i128 intermediates); no float is ever involved;
//! - `subtotal` equals the sum of the line totals, `goods_payable` the sum of
//!   the line payables, and every allocation sums exactly;
//! - no line and no total goes below zero: discounts are clamped and the
//!   clamp is reported;
//! - bad input is a [`PricingError`] with a stable code, never a panic;
//! - the output is deterministic and does not depend on the order of lines,
//!   activities, full reductions or coupons in the request.
//!
//! ```
//! use commerce_core::pricing::{quote, QuoteRequest};
//! let request: QuoteRequest = serde_json::from_str(r#"{
//!   "catalog": {"products":[{"id":"p1","name":"Tea","shop_id":"s1","category_id":"drinks",
//!               "skus":[{"id":"tea","list_price":1800,"stock":10}]}]},
//!   "lines": [{"sku_id":"tea","quantity":3}],
//!   "full_reductions": [{"id":"fr","rule":{"kind":"tiered",
//!                        "tiers":[{"threshold":5000,"off":500}]}}]}"#).unwrap();
//! let quote = quote(&request).unwrap();
//! assert_eq!(quote.subtotal.as_fen(), 5400);
//! assert_eq!(quote.payable.as_fen(), 4900);
//! ```

mod activity;
mod activity_prices;
mod allocation;
mod best;
mod contract;
mod coupons;
mod customer;
mod error;
mod full_reduction;
mod ledger;
mod outcome;
mod pipeline;
mod points;
mod scope;
mod selection;
mod shipping;

pub use activity::{
    Activity, ActivityKind, ActivityReason, ActivityRule, AppliedActivity, GroupTier, LadderTier,
    PriceSource, SkippedActivity,
};
pub use contract::{BestCoupons, LineRequest, Quote, QuoteRequest, QuotedLine};
pub use coupons::{CombinesWith, Coupon, CouponBenefit, CouponReason, StackingRules};
pub use customer::Customer;
pub use error::{PricingError, RuleKind};
pub use full_reduction::{FullReduction, PercentTier, ReductionRule, ReductionTier};
pub use outcome::{Discount, Hint, LineDiscount, Step};
pub use points::{EarnRate, OnExcess, PointsOutcome, PointsRule, MAX_POINTS};
pub use scope::{Scope, Window};
pub use selection::{AppliedCoupon, CouponReport, CouponSelection, NotApplicable};
pub use shipping::{ShippingOutcome, ShippingRule};

use crate::money::Money;

/// Price a cart with the coupons its `coupon_selection` asks for.
pub fn quote(request: &QuoteRequest) -> Result<Quote, PricingError> {
    Ok(pipeline::run(request, &request.coupon_selection)?.0)
}

/// The best coupon combination for a cart (whatever its
/// `coupon_selection`), with the quote that uses it.
pub fn best_coupons(request: &QuoteRequest) -> Result<BestCoupons, PricingError> {
    let (quote, _) = pipeline::run(request, &CouponSelection::Best)?;
    let saving = Money::sum(quote.coupons.applied.iter().map(|c| c.saving))?;
    Ok(BestCoupons {
        coupon_ids: quote
            .coupons
            .applied
            .iter()
            .map(|c| c.coupon_id.clone())
            .collect(),
        saving,
        quote,
    })
}

/// How many nodes the exact best-combination search visits for `request`: a
/// deterministic measure of its work, for benchmarks and the work-budget
/// test (`core/tests/pricing_search_budget.rs`); not part of the contract.
pub fn best_coupons_search_nodes(request: &QuoteRequest) -> Result<u64, PricingError> {
    Ok(pipeline::run(request, &CouponSelection::Best)?.1)
}
