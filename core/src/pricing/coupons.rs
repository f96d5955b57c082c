//! Coupons (优惠券): what each coupon is worth on this cart, whether it
//! applies at all, and which coupons may be used together.
//!
//! Rule, eligibility: a coupon applies when it is live at `now`, the shopper
//! has uses left and is a new customer if required, some line is in its scope
//! (its shop's lines for a shop coupon; never a product with
//! `coupons_allowed: false`; lines at an activity price only if
//! `on_activity_price`), the in-scope units reach `min_quantity` and the
//! in-scope amount reaches `threshold`. Thresholds are checked on the amount
//! after activity prices and full reductions and **before any coupon**, so
//! one coupon never disqualifies another. The first failing check is the
//! reported reason, in that order.
//!
//! Rule, value: fixed `off` (with threshold 0 it is a no-threshold coupon,
//! 无门槛); repeating `off` per full `every` of the pre-coupon in-scope amount
//! (capped); `percent_off` of what the in-scope lines *still owe* when the
//! coupon's turn comes, rounded half-up, at most `max_off`; a shipping coupon
//! takes `off` (or all) of the shipping fee. Coupons apply in a fixed order:
//! shop coupons (by shop id), then platform coupons, then shipping coupons;
//! within each, product-level scopes before order-level, then by id. Each
//! saving is clamped to what is left and allocated by largest remainder.
//!
//! Rule, stacking: two coupons combine only if each one's `combines_with`
//! allows the other's class (product / order / shipping, like Shopify's
//! combinesWith), shop and platform coupons mix only if
//! `stacking.shop_with_platform`, an `exclusive_group` holds one coupon, and
//! `max_coupons`, `max_coupons_per_shop` and `max_platform_coupons` cap the
//! counts.
//!
//! Example: an item at flash-sale price 30 fen with a 25%-off coupon
//! (`on_activity_price: true`): 30 x 25% = 7.5 -> 8 fen off, 22 payable; the
//! coupon never sees the list price. A 满200减20 coupon on 19999 fen in scope
//! is `THRESHOLD_NOT_MET` with `missing: 1`.
//!
//! Invariants: a coupon's saving in any combination is at most its saving
//! alone (amounts only go down along the pipeline and every value rule is
//! monotone), which is what makes the exact search in `best` prunable;
//! eligibility depends on the cart, never on the other coupons.

use super::allocation::owed_at;
use super::customer::Customer;
use super::error::{unique_ids, PricingError, RuleCheck, RuleKind};
use super::full_reduction::{repeating_off, validate_repeating};
use super::ledger::Line;
use super::outcome::Step;
use super::scope::{covers, Inactive, Scope, Window};
use crate::money::Money;
use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

/// A coupon the shopper holds, issued by a shop or (no `shop_id`) the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Coupon {
    pub id: String,
    /// What the shopper reads (e.g. "新人礼 满50减10"); display only, never
    /// matched on. Absent: pages describe the coupon from its rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default)]
    pub shop_id: Option<String>,
    pub benefit: CouponBenefit,
    /// In-scope amount needed (0: no threshold, 无门槛).
    #[serde(default)]
    pub threshold: Money,
    #[serde(default)]
    pub min_quantity: i64,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub window: Window,
    #[serde(default)]
    pub new_customers_only: bool,
    /// Uses allowed per shopper (see `customer.coupon_uses`).
    #[serde(default)]
    pub usage_limit: Option<i64>,
    /// Whether lines already at an activity price are in scope.
    #[serde(default)]
    pub on_activity_price: bool,
    #[serde(default)]
    pub exclusive_group: Option<String>,
    #[serde(default)]
    pub combines_with: CombinesWith,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum CouponBenefit {
    FixedOff {
        off: Money,
    },
    /// 每满减 coupon.
    RepeatingOff {
        every: Money,
        off: Money,
        #[serde(default)]
        cap: Option<Money>,
    },
    PercentOff {
        percent_off: i64,
        #[serde(default)]
        max_off: Option<Money>,
    },
    /// Takes `off` of the shipping fee, or all of it when `off` is absent.
    Shipping {
        #[serde(default)]
        off: Option<Money>,
    },
}

/// The class of a coupon for combination rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CouponClass {
    /// Scoped to products, SKUs or categories.
    Product,
    /// Scoped to the whole order or to shops.
    Order,
    Shipping,
}

/// Which classes a coupon may be combined with (both sides must allow).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CombinesWith {
    #[serde(default)]
    pub product: bool,
    #[serde(default)]
    pub order: bool,
    #[serde(default)]
    pub shipping: bool,
}

impl CombinesWith {
    fn allows(&self, class: CouponClass) -> bool {
        match class {
            CouponClass::Product => self.product,
            CouponClass::Order => self.order,
            CouponClass::Shipping => self.shipping,
        }
    }
}

/// Order-wide limits on coupon combinations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StackingRules {
    #[serde(default)]
    pub max_coupons: Option<i64>,
    #[serde(default)]
    pub max_coupons_per_shop: Option<i64>,
    #[serde(default)]
    pub max_platform_coupons: Option<i64>,
    /// Whether shop coupons and platform coupons may be used together.
    #[serde(default = "yes")]
    pub shop_with_platform: bool,
}

impl Default for StackingRules {
    fn default() -> Self {
        StackingRules {
            max_coupons: None,
            max_coupons_per_shop: None,
            max_platform_coupons: None,
            shop_with_platform: true,
        }
    }
}

/// Why a coupon the shopper holds is not used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CouponReason {
    NotStarted {
        starts_at: i64,
    },
    Expired {
        ends_at: i64,
    },
    UsageLimit {
        limit: i64,
        used: i64,
    },
    NewCustomersOnly,
    /// No line of the cart is in the coupon's scope.
    OutOfScope,
    /// The in-scope lines are all at an activity price.
    ActivityPriceExcluded,
    MinQuantityNotMet {
        min_quantity: i64,
        quantity: i64,
        missing: i64,
    },
    ThresholdNotMet {
        threshold: Money,
        in_scope: Money,
        missing: Money,
    },
    /// Applicable, but worth nothing on this cart (e.g. shipping is free),
    /// or nothing is left in its scope after the coupons before it.
    NoSaving,
    NotCombinableWith {
        coupon_id: String,
    },
    ExclusiveGroup {
        group: String,
        coupon_id: String,
    },
    MaxCoupons {
        max: i64,
    },
    MaxCouponsPerShop {
        shop_id: String,
        max: i64,
    },
    MaxPlatformCoupons {
        max: i64,
    },
    /// Combinable, but the best combination saves as much without it.
    NoExtraSaving,
    /// Applicable, but the shopper did not choose it.
    NotChosen,
}

impl From<Inactive> for CouponReason {
    fn from(inactive: Inactive) -> Self {
        match inactive {
            Inactive::NotStarted { starts_at } => CouponReason::NotStarted { starts_at },
            Inactive::Expired { ends_at } => CouponReason::Expired { ends_at },
        }
    }
}

impl Coupon {
    pub fn class(&self) -> CouponClass {
        if matches!(self.benefit, CouponBenefit::Shipping { .. }) {
            CouponClass::Shipping
        } else if self.scope.is_product_level() {
            CouponClass::Product
        } else {
            CouponClass::Order
        }
    }

    pub fn step(&self) -> Step {
        match (&self.benefit, &self.shop_id) {
            (CouponBenefit::Shipping { .. }, _) => Step::ShippingCoupon,
            (_, Some(_)) => Step::ShopCoupon,
            (_, None) => Step::PlatformCoupon,
        }
    }

    /// The in-scope amount the coupon needs (a repeating coupon needs one
    /// full step at least).
    fn effective_threshold(&self) -> Money {
        match self.benefit {
            CouponBenefit::RepeatingOff { every, .. } => self.threshold.max(every),
            _ => self.threshold,
        }
    }

    fn validate(&self) -> Result<(), PricingError> {
        let check = RuleCheck {
            rule: RuleKind::Coupon,
            id: &self.id,
        };
        self.window.validate(&check)?;
        check.amount("threshold", self.threshold)?;
        check.non_negative("min_quantity", self.min_quantity)?;
        check.non_negative("usage_limit", self.usage_limit.unwrap_or(0))?;
        match &self.benefit {
            CouponBenefit::FixedOff { off } => check.amount("off", *off),
            CouponBenefit::RepeatingOff { every, off, cap } => {
                validate_repeating(&check, *every, *off, *cap)
            }
            CouponBenefit::PercentOff {
                percent_off,
                max_off,
            } => {
                check.percent(*percent_off)?;
                check.amount("max_off", max_off.unwrap_or(Money::ZERO))
            }
            CouponBenefit::Shipping { off } => check.amount("off", off.unwrap_or(Money::ZERO)),
        }
    }
}

pub(crate) fn validate(coupons: &[Coupon], stacking: &StackingRules) -> Result<(), PricingError> {
    unique_ids(RuleKind::Coupon, coupons.iter().map(|c| c.id.as_str()))?;
    coupons.iter().try_for_each(Coupon::validate)?;
    let check = RuleCheck {
        rule: RuleKind::Stacking,
        id: "stacking",
    };
    check.non_negative("max_coupons", stacking.max_coupons.unwrap_or(0))?;
    check.non_negative(
        "max_coupons_per_shop",
        stacking.max_coupons_per_shop.unwrap_or(0),
    )?;
    check.non_negative(
        "max_platform_coupons",
        stacking.max_platform_coupons.unwrap_or(0),
    )
}

/// A coupon that applies to this cart, with what it could save alone.
#[derive(Debug, Clone)]
pub(crate) struct Candidate<'a> {
    pub coupon: &'a Coupon,
    /// Ledger slots it takes from: in-scope lines, or the shipping slot.
    pub slots: Vec<usize>,
    /// The in-scope amount before any coupon.
    pub base: Money,
    /// Its saving if it were the only coupon (an upper bound in any set).
    pub alone: Money,
}

/// The facts about the cart that coupon eligibility reads.
pub(crate) struct CouponContext<'a, 'l> {
    pub lines: &'a [Line<'l>],
    /// What each ledger slot owes before any coupon (lines, then shipping).
    pub owed: &'a [Money],
    pub shipping_slot: usize,
    pub customer: &'a Customer,
    pub now: i64,
}

impl<'a> Candidate<'a> {
    /// Check `coupon` against the cart: a candidate, or why it does not apply.
    pub fn assess(coupon: &'a Coupon, cx: &CouponContext<'_, '_>) -> Result<Self, CouponReason> {
        coupon.window.check(cx.now)?;
        let used = cx
            .customer
            .coupon_uses
            .get(&coupon.id)
            .copied()
            .unwrap_or(0);
        if let Some(limit) = coupon.usage_limit.filter(|&limit| used >= limit) {
            return Err(CouponReason::UsageLimit { limit, used });
        }
        if coupon.new_customers_only && !cx.customer.new_customer {
            return Err(CouponReason::NewCustomersOnly);
        }
        let matched: Vec<usize> = (0..cx.lines.len())
            .filter(|&i| {
                cx.lines.get(i).is_some_and(|l| {
                    l.item.product.coupons_allowed
                        && covers(coupon.shop_id.as_deref(), &coupon.scope, l.item)
                })
            })
            .collect();
        if matched.is_empty() {
            return Err(CouponReason::OutOfScope);
        }
        let in_scope: Vec<usize> = matched
            .into_iter()
            .filter(|&i| {
                coupon.on_activity_price || cx.lines.get(i).is_some_and(|l| l.activity.is_none())
            })
            .collect();
        if in_scope.is_empty() {
            return Err(CouponReason::ActivityPriceExcluded);
        }
        let quantity = in_scope
            .iter()
            .filter_map(|&i| cx.lines.get(i))
            .fold(0i64, |sum, l| sum.saturating_add(l.quantity));
        if quantity < coupon.min_quantity {
            return Err(CouponReason::MinQuantityNotMet {
                min_quantity: coupon.min_quantity,
                quantity,
                missing: coupon.min_quantity - quantity,
            });
        }
        let base = owed_at(cx.owed, &in_scope);
        let threshold = coupon.effective_threshold();
        if base < threshold {
            return Err(CouponReason::ThresholdNotMet {
                threshold,
                in_scope: base,
                missing: Money::fen(threshold.as_fen() - base.as_fen()),
            });
        }
        let slots = if coupon.class() == CouponClass::Shipping {
            vec![cx.shipping_slot]
        } else {
            in_scope
        };
        let mut candidate = Candidate {
            coupon,
            slots,
            base,
            alone: Money::ZERO,
        };
        let owed = owed_at(cx.owed, &candidate.slots);
        candidate.alone = candidate
            .requested(owed)
            .map_or(Money::ZERO, |r| r.min(owed));
        if candidate.alone == Money::ZERO {
            return Err(CouponReason::NoSaving);
        }
        Ok(candidate)
    }

    /// What the coupon asks for when its slots still owe `owed`.
    pub fn requested(&self, owed: Money) -> Result<Money, PricingError> {
        match &self.coupon.benefit {
            CouponBenefit::FixedOff { off } => Ok(*off),
            CouponBenefit::RepeatingOff { every, off, cap } => {
                repeating_off(self.base, *every, *off, *cap)
            }
            CouponBenefit::PercentOff {
                percent_off,
                max_off,
            } => {
                let off = owed.percent(*percent_off)?;
                Ok(max_off.map_or(off, |max| off.min(max)))
            }
            CouponBenefit::Shipping { off } => Ok(off.unwrap_or(owed)),
        }
    }

    /// The percentage a percentage coupon takes of what is left, if it is
    /// one (the others take at most their saving alone).
    pub fn percent_off(&self) -> Option<i64> {
        match self.coupon.benefit {
            CouponBenefit::PercentOff { percent_off, .. } => Some(percent_off),
            _ => None,
        }
    }

    /// Pipeline order: shop coupons by shop, platform coupons, shipping
    /// coupons; product-level before order-level; then id.
    pub fn pipeline_key(&self) -> (Step, Option<&str>, CouponClass, &str) {
        (
            self.coupon.step(),
            self.coupon.shop_id.as_deref(),
            self.coupon.class(),
            &self.coupon.id,
        )
    }

    /// The tie-break key among equally good combinations: earlier expiry,
    /// then id.
    pub fn expiry_key(&self) -> (i64, &str) {
        (self.coupon.window.expiry_key(), &self.coupon.id)
    }
}

/// Whether `coupon` may join the coupons already `selected`; if not, why.
pub(crate) fn may_join(
    selected: &[&Candidate<'_>],
    candidate: &Candidate<'_>,
    rules: &StackingRules,
) -> Result<(), CouponReason> {
    let coupon = candidate.coupon;
    for other in selected.iter().map(|s| s.coupon) {
        let classes_allow = coupon.combines_with.allows(other.class())
            && other.combines_with.allows(coupon.class());
        let issuers_allow =
            rules.shop_with_platform || coupon.shop_id.is_some() == other.shop_id.is_some();
        if !classes_allow || !issuers_allow {
            return Err(CouponReason::NotCombinableWith {
                coupon_id: other.id.clone(),
            });
        }
        if let (Some(group), Some(other_group)) = (&coupon.exclusive_group, &other.exclusive_group)
        {
            if group == other_group {
                return Err(CouponReason::ExclusiveGroup {
                    group: group.clone(),
                    coupon_id: other.id.clone(),
                });
            }
        }
    }
    let count = |same: &dyn Fn(&Coupon) -> bool| {
        i64::try_from(selected.iter().filter(|s| same(s.coupon)).count()).unwrap_or(i64::MAX)
    };
    let issuer_limit = match &coupon.shop_id {
        Some(shop) => rules
            .max_coupons_per_shop
            .filter(|&max| count(&|c| c.shop_id.as_ref() == Some(shop)) >= max)
            .map(|max| CouponReason::MaxCouponsPerShop {
                shop_id: shop.clone(),
                max,
            }),
        None => rules
            .max_platform_coupons
            .filter(|&max| count(&|c| c.shop_id.is_none()) >= max)
            .map(|max| CouponReason::MaxPlatformCoupons { max }),
    };
    let order_limit = rules
        .max_coupons
        .filter(|&max| count(&|_| true) >= max)
        .map(|max| CouponReason::MaxCoupons { max });
    issuer_limit.or(order_limit).map_or(Ok(()), Err)
}
