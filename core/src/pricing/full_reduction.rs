//! Full-reduction promotions: 满减 (tiered), 每满减 (repeating) and 满折
//! (percentage off over a threshold).
//!
//! Rule: a live full reduction takes its saving from the lines it covers
//! (its scope, its shop for a shop's promotion, and lines at an activity price
//! only if `on_activity_price`). The threshold is compared, to the fen, with
//! the covered lines' amount *after* activity prices and any earlier full
//! reduction. Shop-level promotions run first (by shop id, then id), then
//! platform-level ones (by id); each sees what the previous ones left.
//! - tiered: the `off` of the highest tier whose threshold is reached;
//! - repeating: `off` for every full `every` fen, at most `cap` if given;
//! - percent tiered: `percent_off` of the covered amount for the highest tier
//!   reached, rounded half-up.
//!
//! The saving is clamped to what the covered lines still owe (reported as
//! `clamped_from`) and allocated to them by largest remainder. The next tier
//! within reach becomes a 凑单 hint.
//!
//! Example: 每满100减10 capped at 25 yuan (`every` 10000, `off` 1000, `cap`
//! 2500) on 35000 fen takes 3 x 1000 = 3000 -> capped to 2500. 满200减20 /
//! 满300减50 on 29999 fen takes 2000 and hints "add 1 fen for tier 30000".
//!
//! Invariants: never takes more than the covered lines owe; a threshold one
//! fen short gives nothing; the result depends on amounts, not line order.

use super::error::{unique_ids, PricingError, RuleCheck, RuleKind};
use super::ledger::{Ledger, Line};
use super::outcome::{Hint, Step};
use super::scope::{covers, Scope, Window};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// A full-reduction promotion, by a shop or (no `shop_id`) the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FullReduction {
    pub id: String,
    #[serde(default)]
    pub shop_id: Option<String>,
    #[serde(default)]
    pub window: Window,
    #[serde(default)]
    pub scope: Scope,
    /// Whether lines already at an activity price take part.
    #[serde(default)]
    pub on_activity_price: bool,
    pub rule: ReductionRule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum ReductionRule {
    /// 满减: highest tier reached.
    Tiered { tiers: Vec<ReductionTier> },
    /// 每满减: `off` per full `every`, optionally capped.
    Repeating {
        every: Money,
        off: Money,
        #[serde(default)]
        cap: Option<Money>,
    },
    /// 满折: percentage off for the highest tier reached.
    PercentTiered { tiers: Vec<PercentTier> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReductionTier {
    pub threshold: Money,
    pub off: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PercentTier {
    pub threshold: Money,
    pub percent_off: i64,
}

/// 每满减: `off` for every full `every` of `base`, at most `cap`.
pub(crate) fn repeating_off(
    base: Money,
    every: Money,
    off: Money,
    cap: Option<Money>,
) -> Result<Money, PricingError> {
    let times = base
        .as_fen()
        .checked_div(every.as_fen())
        .ok_or(PricingError::Overflow)?;
    let total = off.times(times)?;
    Ok(cap.map_or(total, |cap| total.min(cap)))
}

/// Validation shared by every repeating rule.
pub(crate) fn validate_repeating(
    check: &RuleCheck<'_>,
    every: Money,
    off: Money,
    cap: Option<Money>,
) -> Result<(), PricingError> {
    if every.as_fen() <= 0 {
        return Err(check.invalid("`every` of a repeating rule must be at least 1 fen"));
    }
    check.amount("off", off)?;
    check.amount("cap", cap.unwrap_or(Money::ZERO))
}

impl FullReduction {
    fn validate(&self) -> Result<(), PricingError> {
        let check = RuleCheck {
            rule: RuleKind::FullReduction,
            id: &self.id,
        };
        self.window.validate(&check)?;
        match &self.rule {
            ReductionRule::Tiered { tiers } => {
                if tiers.is_empty() {
                    return Err(check.invalid("a tiered full reduction needs at least one tier"));
                }
                tiers.iter().try_for_each(|t| {
                    check.amount("threshold", t.threshold)?;
                    check.amount("off", t.off)
                })
            }
            ReductionRule::Repeating { every, off, cap } => {
                validate_repeating(&check, *every, *off, *cap)
            }
            ReductionRule::PercentTiered { tiers } => {
                if tiers.is_empty() {
                    return Err(check.invalid("a percent full reduction needs at least one tier"));
                }
                tiers.iter().try_for_each(|t| {
                    check.amount("threshold", t.threshold)?;
                    check.percent(t.percent_off)
                })
            }
        }
    }

    /// The saving asked for on `base` fen, and the next threshold above it.
    fn reduction(&self, base: Money) -> Result<(Money, Option<Money>), PricingError> {
        match &self.rule {
            ReductionRule::Tiered { tiers } => {
                let off = tiers
                    .iter()
                    .filter(|t| t.threshold <= base)
                    .max_by_key(|t| (t.threshold, t.off))
                    .map_or(Money::ZERO, |t| t.off);
                let next = tiers
                    .iter()
                    .map(|t| t.threshold)
                    .filter(|&t| t > base)
                    .min();
                Ok((off, next))
            }
            ReductionRule::Repeating { every, off, cap } => {
                let taken = repeating_off(base, *every, *off, *cap)?;
                let next = if cap.is_some_and(|cap| taken >= cap) {
                    None
                } else {
                    let times = base.as_fen() / every.as_fen();
                    Some(every.times(times.saturating_add(1))?)
                };
                Ok((taken, next))
            }
            ReductionRule::PercentTiered { tiers } => {
                let off = match tiers
                    .iter()
                    .filter(|t| t.threshold <= base)
                    .max_by_key(|t| (t.threshold, t.percent_off))
                {
                    Some(tier) => base.percent(tier.percent_off)?,
                    None => Money::ZERO,
                };
                let next = tiers
                    .iter()
                    .map(|t| t.threshold)
                    .filter(|&t| t > base)
                    .min();
                Ok((off, next))
            }
        }
    }
}

pub(crate) fn validate(reductions: &[FullReduction]) -> Result<(), PricingError> {
    unique_ids(
        RuleKind::FullReduction,
        reductions.iter().map(|r| r.id.as_str()),
    )?;
    reductions.iter().try_for_each(FullReduction::validate)
}

/// Apply every live full reduction, shop-level first, recording each in
/// `ledger` and the next tiers in `hints`.
pub(crate) fn apply(
    reductions: &[FullReduction],
    lines: &[Line<'_>],
    ledger: &mut Ledger,
    now: i64,
    hints: &mut Vec<Hint>,
) -> Result<(), PricingError> {
    let mut ordered: Vec<&FullReduction> = reductions
        .iter()
        .filter(|r| r.window.check(now).is_ok())
        .collect();
    ordered.sort_by(|a, b| {
        (a.shop_id.is_none(), &a.shop_id, &a.id).cmp(&(b.shop_id.is_none(), &b.shop_id, &b.id))
    });
    for reduction in ordered {
        let covered: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                covers(reduction.shop_id.as_deref(), &reduction.scope, l.item)
                    && (reduction.on_activity_price || l.activity.is_none())
            })
            .map(|(i, _)| i)
            .collect();
        if covered.is_empty() {
            continue;
        }
        let base = ledger.owed(&covered);
        let (requested, next) = reduction.reduction(base)?;
        if requested > Money::ZERO {
            let step = if reduction.shop_id.is_some() {
                Step::FullReductionShop
            } else {
                Step::FullReductionPlatform
            };
            ledger.take(step, &reduction.id, requested, &covered)?;
        }
        if let Some(threshold) = next {
            hints.push(Hint::FullReductionTier {
                full_reduction_id: reduction.id.clone(),
                threshold,
                add: threshold.checked_sub(base)?,
            });
        }
    }
    Ok(())
}
