//! Points (积分): paying with points, and points earned.
//!
//! Rule: points pay in whole units of `points_per_unit` points worth
//! `unit_value` fen each, after every coupon, on lines whose product allows
//! points. The most an order allows is the smallest of: the shopper's
//! balance, `max_points`, and `max_percent` of what those lines still owe
//! (rounded down to the fen, then to whole units). Asking for more is clamped
//! to that (default) or, with `on_excess: "reject"`, fails with
//! `POINTS_EXCEED_ALLOWED`. The deduction is allocated to the lines by
//! largest remainder. Points are earned on the goods paid in cash after
//! points (shipping excluded): `points` per full `per` fen.
//!
//! Example: 100 points = 100 fen, `max_percent` 50, lines owing 1999 fen:
//! 50% is 999.5 -> 999 fen -> 9 units -> at most 900 points (900 fen). Asking
//! for 1000 uses 900; goods paid 1099 fen with 1 point per full 100 fen earn
//! 10 points.
//!
//! Invariants: the deduction never exceeds what eligible lines owe; points
//! used never exceed the request or the balance; counts stay within
//! `2^53 - 1`.

use super::error::{PricingError, RuleCheck, RuleKind};
use super::ledger::{Ledger, Line};
use super::outcome::Step;
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// How points pay and are earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PointsRule {
    pub points_per_unit: i64,
    pub unit_value: Money,
    #[serde(default)]
    pub max_points: Option<i64>,
    /// At most this percentage of what the eligible lines owe.
    #[serde(default)]
    pub max_percent: Option<i64>,
    #[serde(default)]
    pub on_excess: OnExcess,
    #[serde(default)]
    pub earn: Option<EarnRate>,
}

/// What to do when the shopper asks for more points than allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OnExcess {
    #[default]
    Clamp,
    Reject,
}

/// `points` earned per full `per` fen paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EarnRate {
    pub per: Money,
    pub points: i64,
}

/// The largest points count anywhere (a balance, a rule's cap): 2^53 - 1, exact
/// as a JavaScript number, like [`Money::MAX`] for fen.
pub const MAX_POINTS: i64 = 9_007_199_254_740_991;

impl PointsRule {
    pub(crate) fn validate(&self) -> Result<(), PricingError> {
        let check = RuleCheck {
            rule: RuleKind::Points,
            id: "points",
        };
        if self.points_per_unit < 1 || self.unit_value.as_fen() < 1 {
            return Err(check.invalid("points_per_unit and unit_value must be at least 1"));
        }
        check.non_negative("max_points", self.max_points.unwrap_or(0))?;
        check.percent(self.max_percent.unwrap_or(0))?;
        if let Some(earn) = &self.earn {
            if earn.per.as_fen() < 1 {
                return Err(check.invalid("earn.per must be at least 1 fen"));
            }
            check.non_negative("earn.points", earn.points)?;
        }
        Ok(())
    }

    /// The most points this order allows when eligible lines owe `owed`.
    fn allowed(&self, owed: Money, balance: i64) -> Result<i64, PricingError> {
        let by_percent = match self.max_percent {
            Some(percent) => i128::from(owed.as_fen()) * i128::from(percent) / 100,
            None => i128::from(owed.as_fen()),
        };
        let units_by_value = by_percent / i128::from(self.unit_value.as_fen());
        let points_cap = balance.max(0).min(self.max_points.unwrap_or(i64::MAX));
        let units_by_points = i128::from(points_cap / self.points_per_unit);
        let units = units_by_value.min(units_by_points);
        i64::try_from(units * i128::from(self.points_per_unit)).map_err(|_| PricingError::Overflow)
    }

    /// Points earned on `paid` fen.
    pub(crate) fn earned(&self, paid: Money) -> Result<i64, PricingError> {
        let Some(earn) = &self.earn else {
            return Ok(0);
        };
        let points = (paid.as_fen() / earn.per.as_fen())
            .checked_mul(earn.points)
            .filter(|&p| p <= MAX_POINTS)
            .ok_or(PricingError::Overflow)?;
        Ok(points)
    }
}

/// Spend up to `requested` points on the lines that allow them.
pub(crate) fn apply(
    rule: Option<&PointsRule>,
    requested: i64,
    balance: i64,
    lines: &[Line<'_>],
    ledger: &mut Ledger,
) -> Result<PointsOutcome, PricingError> {
    RuleCheck {
        rule: RuleKind::Points,
        id: "use_points",
    }
    .non_negative("use_points", requested)?;
    let Some(rule) = rule else {
        return Ok(PointsOutcome {
            requested,
            ..PointsOutcome::default()
        });
    };
    let slots: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.item.product.points_allowed)
        .map(|(i, _)| i)
        .collect();
    let allowed = rule.allowed(ledger.owed(&slots), balance)?;
    if requested > allowed && rule.on_excess == OnExcess::Reject {
        return Err(PricingError::PointsExceedAllowed { requested, allowed });
    }
    let units = requested.min(allowed) / rule.points_per_unit;
    let used = units * rule.points_per_unit;
    let deduction = rule.unit_value.times(units)?;
    if deduction > Money::ZERO {
        ledger.take(Step::Points, "points", deduction, &slots)?;
    }
    Ok(PointsOutcome {
        requested,
        used,
        deduction,
        allowed,
        earned: 0,
    })
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
