//! Shipping: base fee by region, free over a threshold (包邮).
//!
//! Rule: the fee is `fees[region]`, or `default_fee` for a region not listed.
//! It is waived when the goods amount after activity prices and full
//! reductions, **before coupons**, reaches `free_over`: a coupon never makes
//! the shopper lose free shipping. Shipping coupons then take from the fee in
//! the last pipeline step. Short of the threshold, the missing amount is a
//! 凑单 hint.
//!
//! Example: fee 800 fen to "sh", free over 9900: goods of 9899 fen pay 800
//! and get the hint "add 1 fen to ship free"; goods of 9900 ship free.
//!
//! Invariants: the fee is never negative; shipping discounts never exceed the
//! fee; goods discounts never touch shipping.

use super::error::{PricingError, RuleCheck, RuleKind};
use super::outcome::Hint;
use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The shop's shipping terms for this order's destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ShippingRule {
    /// The destination region, e.g. a province code.
    pub region: String,
    #[serde(default)]
    pub fees: BTreeMap<String, Money>,
    #[serde(default)]
    pub default_fee: Money,
    #[serde(default)]
    pub free_over: Option<Money>,
}

impl ShippingRule {
    pub(crate) fn validate(&self) -> Result<(), PricingError> {
        let check = RuleCheck {
            rule: RuleKind::Shipping,
            id: &self.region,
        };
        check.amount("default_fee", self.default_fee)?;
        check.amount("free_over", self.free_over.unwrap_or(Money::ZERO))?;
        self.fees
            .values()
            .try_for_each(|fee| check.amount("fee", *fee))
    }

    /// The fee for goods worth `goods` before coupons, and whether it was
    /// waived.
    pub(crate) fn fee(
        &self,
        goods: Money,
        hints: &mut Vec<Hint>,
    ) -> Result<(Money, bool), PricingError> {
        let base = self
            .fees
            .get(&self.region)
            .copied()
            .unwrap_or(self.default_fee);
        match self.free_over {
            Some(threshold) if goods >= threshold => Ok((Money::ZERO, true)),
            Some(threshold) if base > Money::ZERO => {
                hints.push(Hint::FreeShipping {
                    threshold,
                    add: threshold.checked_sub(goods)?,
                });
                Ok((base, false))
            }
            _ => Ok((base, false)),
        }
    }
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
