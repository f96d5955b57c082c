//! What delivery costs (配送费 / 运费): the merchant's fee rules for instant
//! delivery from a store and for parcels.
//!
//! **Instant delivery** ([`DeliveryFees`]): `base_fee` within
//! `base_distance_m` of the store; above it, `per_km_fee` for every started
//! kilometre; nothing beyond `max_distance_m` (the store is `TOO_FAR`); a
//! minimum order (起送价) below which delivery is refused; free above
//! `free_over`. Distances are the great-circle metres from the store to the
//! address, rounded to whole metres (`docs/lbs.md`). The goods amount the
//! minimum and the threshold look at is the one shipping always uses: after
//! activity prices and full reductions, before coupons (`docs/pricing.md`),
//! so a coupon never makes a shopper lose free delivery.
//!
//! Example: base 500 fen within 3 km, 100 fen per started km above, free over
//! 9900: 4.2 km with 5000 fen of goods pays 500 + 2 x 100 = 700 fen; the
//! same at 10000 fen of goods pays 0.
//!
//! **Parcels** ([`ExpressFees`]): templates by region - the first template
//! whose `regions` list the address's province (or, with no match, the one
//! with no regions: the default) - priced by item count: `first_fee` for the
//! first `first_items` items, `added_fee` for every started `added_items`
//! beyond; `free_over` as above; `refused` provinces are not shipped to
//! (`REGION_NOT_SERVED`). Remote regions (新疆, 西藏...) get their own template.
//!
//! Example: default 800 fen for the first 2 items, 300 per 2 more; 新疆
//! 2000 for the first item, 1000 per added item: 5 items to 上海市 pay
//! 800 + 2 x 300 = 1400; 2 items to 新疆维吾尔自治区 pay 3000.
//!
//! Checkout prices both as pricing's shipping rule ([`DeliveryFees::shipping`],
//! [`ExpressFees::shipping`]): one fee, waived from `free_over` on, so
//! shipping coupons and the 包邮 hint work as for any shipping fee.
//!
//! Invariants: every fee is within 0..=Money::MAX; a fee never depends on
//! anything but the distance or region, the items, and the goods amount.

use super::contract::Mode;
use super::error::FulfilmentError;
use crate::money::Money;
use crate::pricing::{PricingError, ShippingRule};
use serde::{Deserialize, Serialize};

/// Instant delivery's fee rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DeliveryFees {
    pub base_fee: Money,
    #[serde(default)]
    pub base_distance_m: u64,
    #[serde(default)]
    pub per_km_fee: Money,
    /// Farther than this, a store does not deliver (`TOO_FAR`).
    #[serde(default)]
    pub max_distance_m: Option<u64>,
    /// 起送价: the least goods amount delivered.
    #[serde(default)]
    pub min_order: Option<Money>,
    /// Free delivery from this goods amount on.
    #[serde(default)]
    pub free_over: Option<Money>,
}

impl DeliveryFees {
    /// Whether a store `distance_m` away is in reach.
    pub fn reaches(&self, distance_m: u64) -> bool {
        self.max_distance_m.is_none_or(|max| distance_m <= max)
    }

    /// The fee for `distance_m` and `goods`, and whether it was waived.
    pub fn fee(&self, distance_m: u64, goods: Money) -> Result<(Money, bool), FulfilmentError> {
        if let Some(minimum) = self.min_order.filter(|m| goods < *m) {
            return Err(FulfilmentError::BelowMinimumOrder { minimum, goods });
        }
        Ok(waived(&self.shipping(distance_m)?, goods))
    }

    /// The fee for `distance_m` as pricing's shipping rule (waived from
    /// `free_over` on): what a checkout prices delivery with.
    pub fn shipping(&self, distance_m: u64) -> Result<ShippingRule, FulfilmentError> {
        let above = distance_m.saturating_sub(self.base_distance_m);
        let started_km = i64::try_from(above.div_ceil(1000)).map_err(|_| overflow())?;
        let fee = self
            .base_fee
            .checked_add(self.per_km_fee.times(started_km).map_err(|_| overflow())?)
            .map_err(|_| overflow())?;
        Ok(flat(Mode::Delivery, fee, self.free_over))
    }
}

/// One region's parcel prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExpressTemplate {
    /// Provinces this template prices (as `wx.chooseAddress` names them);
    /// empty: every other province (the default template).
    #[serde(default)]
    pub regions: Vec<String>,
    /// The first `first_items` items cost `first_fee`.
    pub first_items: i64,
    pub first_fee: Money,
    /// Every started `added_items` beyond cost `added_fee`.
    #[serde(default = "one")]
    pub added_items: i64,
    #[serde(default)]
    pub added_fee: Money,
    #[serde(default)]
    pub free_over: Option<Money>,
}

fn one() -> i64 {
    1
}

/// Parcel shipping's fee rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExpressFees {
    pub templates: Vec<ExpressTemplate>,
    /// Provinces not shipped to.
    #[serde(default)]
    pub refused: Vec<String>,
}

impl ExpressFees {
    /// The template for `province`, or `REGION_NOT_SERVED`.
    pub fn template(&self, province: &str) -> Result<&ExpressTemplate, FulfilmentError> {
        let refused = || FulfilmentError::RegionNotServed {
            province: province.to_owned(),
        };
        if self.refused.iter().any(|r| r == province) {
            return Err(refused());
        }
        self.templates
            .iter()
            .find(|t| t.regions.iter().any(|r| r == province))
            .or_else(|| self.templates.iter().find(|t| t.regions.is_empty()))
            .ok_or_else(refused)
    }

    /// The fee of `items` items worth `goods` to `province`, and whether it
    /// was waived.
    pub fn fee(
        &self,
        province: &str,
        items: i64,
        goods: Money,
    ) -> Result<(Money, bool), FulfilmentError> {
        Ok(waived(&self.shipping(province, items)?, goods))
    }

    /// The fee of `items` items to `province` as pricing's shipping rule.
    pub fn shipping(&self, province: &str, items: i64) -> Result<ShippingRule, FulfilmentError> {
        let t = self.template(province)?;
        let beyond = items.saturating_sub(t.first_items).max(0);
        let steps = if beyond == 0 {
            0
        } else {
            (beyond + t.added_items.max(1) - 1) / t.added_items.max(1)
        };
        let fee = t
            .first_fee
            .checked_add(t.added_fee.times(steps).map_err(|_| overflow())?)
            .map_err(|_| overflow())?;
        Ok(flat(Mode::Express, fee, t.free_over))
    }

    /// Rules that can be evaluated.
    pub fn validate(&self) -> Result<(), FulfilmentError> {
        for t in &self.templates {
            if t.first_items < 1
                || t.added_items < 1
                || t.first_fee < Money::ZERO
                || t.added_fee < Money::ZERO
            {
                return Err(FulfilmentError::InvalidRule {
                    detail: "express templates need first_items and added_items of at least 1 and fees of at least 0".into(),
                });
            }
        }
        Ok(())
    }
}

impl DeliveryFees {
    /// Rules that can be evaluated.
    pub fn validate(&self) -> Result<(), FulfilmentError> {
        if self.base_fee < Money::ZERO || self.per_km_fee < Money::ZERO {
            return Err(FulfilmentError::InvalidRule {
                detail: "delivery fees must be at least 0".into(),
            });
        }
        Ok(())
    }
}

/// One fee, waived from `free_over` on: pricing's shipping rule with a
/// single region (the mode's name).
fn flat(mode: Mode, fee: Money, free_over: Option<Money>) -> ShippingRule {
    ShippingRule {
        region: mode.name().to_owned(),
        fees: Default::default(),
        default_fee: fee,
        free_over,
    }
}

/// What `rule` charges for `goods`, and whether it was waived.
fn waived(rule: &ShippingRule, goods: Money) -> (Money, bool) {
    match rule.free_over {
        Some(threshold) if goods >= threshold => (Money::ZERO, true),
        _ => (rule.default_fee, false),
    }
}

fn overflow() -> FulfilmentError {
    FulfilmentError::Pricing(PricingError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_examples() {
        let delivery = DeliveryFees {
            base_fee: Money::fen(500),
            base_distance_m: 3000,
            per_km_fee: Money::fen(100),
            max_distance_m: Some(5000),
            min_order: Some(Money::fen(2000)),
            free_over: Some(Money::fen(9900)),
        };
        assert_eq!(
            delivery.fee(4200, Money::fen(5000)).unwrap(),
            (Money::fen(700), false)
        );
        assert_eq!(
            delivery.fee(3000, Money::fen(5000)).unwrap(),
            (Money::fen(500), false)
        );
        assert_eq!(
            delivery.fee(3001, Money::fen(5000)).unwrap(),
            (Money::fen(600), false)
        );
        assert_eq!(
            delivery.fee(4200, Money::fen(10000)).unwrap(),
            (Money::ZERO, true)
        );
        assert!(!delivery.reaches(5001));
        assert!(matches!(
            delivery.fee(100, Money::fen(1999)),
            Err(FulfilmentError::BelowMinimumOrder { .. })
        ));
        let express = ExpressFees {
            templates: vec![
                ExpressTemplate {
                    regions: vec!["新疆维吾尔自治区".into()],
                    first_items: 1,
                    first_fee: Money::fen(2000),
                    added_items: 1,
                    added_fee: Money::fen(1000),
                    free_over: None,
                },
                ExpressTemplate {
                    regions: vec![],
                    first_items: 2,
                    first_fee: Money::fen(800),
                    added_items: 2,
                    added_fee: Money::fen(300),
                    free_over: None,
                },
            ],
            refused: vec!["西藏自治区".into()],
        };
        assert_eq!(
            express.fee("上海市", 5, Money::ZERO).unwrap().0,
            Money::fen(1400)
        );
        assert_eq!(
            express.fee("新疆维吾尔自治区", 2, Money::ZERO).unwrap().0,
            Money::fen(3000)
        );
        assert_eq!(
            express.fee("上海市", 1, Money::ZERO).unwrap().0,
            Money::fen(800)
        );
        assert!(matches!(
            express.fee("西藏自治区", 1, Money::ZERO),
            Err(FulfilmentError::RegionNotServed { .. })
        ));
    }
}
