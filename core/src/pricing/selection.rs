//! Which coupons a quote uses: the best combination or the shopper's choice,
//! and the report on every coupon the shopper holds.
//!
//! Rule: every held coupon is first assessed on its own (see `coupons`). With
//! `coupon_selection: {"mode":"best"}` (the default) the exact best
//! combination is used. With `{"mode":"chosen","coupon_ids":[..]}` the
//! chosen coupons are taken in the order given, each one joining if it
//! applies and the stacking rules allow it next to those already taken; an id
//! the shopper does not hold is `UNKNOWN_COUPON`, an id chosen twice is
//! `DUPLICATE_COUPON`. Either way the used coupons apply in pipeline order,
//! and every other held coupon is reported with the first reason it is not
//! used: its own (`THRESHOLD_NOT_MET`, ...), else a stacking reason against
//! the used ones (`NOT_COMBINABLE_WITH`, `EXCLUSIVE_GROUP`, `MAX_...`), else
//! `NO_EXTRA_SAVING` (best) or `NOT_CHOSEN` (chosen). A chosen coupon that
//! would save nothing where it stands in the pipeline (the coupons before
//! it left nothing in its scope) is not used, so it is never redeemed for
//! nothing: it is `NO_SAVING`, and the choice is made again without it.
//!
//! Example: holding A (满200减20, in scope 19999) and B (no threshold, 5 off)
//! in best mode: B is applied (500), A is `THRESHOLD_NOT_MET` with
//! `missing: 1`, and a hint says "add 1 fen for coupon A".
//!
//! Invariants: applied coupons are listed in pipeline order, not-applicable
//! ones by coupon id; best mode, and so the whole report, does not depend on
//! the order of coupons in the request.

use super::best::{best_combination, take};
use super::coupons::{may_join, Candidate, Coupon, CouponContext, CouponReason, StackingRules};
use super::error::{unique_ids, PricingError, RuleKind};
use super::ledger::Ledger;
use super::outcome::Hint;
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Assess, select and apply the coupons; report on each.
pub(crate) fn apply(
    coupons: &[Coupon],
    selection: &CouponSelection,
    rules: &StackingRules,
    cx: &CouponContext<'_, '_>,
    ledger: &mut Ledger,
    hints: &mut Vec<Hint>,
) -> Result<(CouponReport, u64), PricingError> {
    let mut candidates = Vec::new();
    let mut not_applicable = Vec::new();
    let mut threshold_hints = Vec::new();
    for coupon in coupons {
        match Candidate::assess(coupon, cx) {
            Ok(candidate) => candidates.push(candidate),
            Err(reason) => {
                if let CouponReason::ThresholdNotMet {
                    threshold, missing, ..
                } = reason
                {
                    threshold_hints.push((coupon.id.as_str(), threshold, missing));
                }
                not_applicable.push(NotApplicable {
                    coupon_id: coupon.id.clone(),
                    reason,
                });
            }
        }
    }
    // 凑单 hints by coupon id, whatever the order the coupons were sent in.
    threshold_hints.sort_unstable();
    hints.extend(
        threshold_hints
            .into_iter()
            .map(|(coupon_id, threshold, add)| Hint::Coupon {
                coupon_id: coupon_id.to_owned(),
                threshold,
                add,
            }),
    );
    candidates.sort_by(|a, b| a.pipeline_key().cmp(&b.pipeline_key()));
    let pool = candidates;
    // Coupons that would take nothing where they stand (a chosen one after
    // others emptied its lines): not used, so not redeemed, and the choice
    // is made again without them (they may have blocked another coupon).
    let mut worthless: Vec<usize> = Vec::new();
    let (picks, search_nodes) = loop {
        let (mut picks, search_nodes) = match selection {
            CouponSelection::Best => {
                let best = best_combination(&pool, &ledger.amounts, rules)?;
                (best.picks, best.nodes)
            }
            CouponSelection::Chosen { coupon_ids } => {
                (chosen(coupons, coupon_ids, &pool, rules, &worthless)?, 0)
            }
        };
        picks.sort_unstable();
        let mut owed = ledger.amounts.clone();
        let mut newly_worthless = Vec::new();
        for &position in &picks {
            if let Some(candidate) = pool.get(position) {
                if take(candidate, &mut owed)? == Money::ZERO {
                    newly_worthless.push(position);
                }
            }
        }
        // The best set never holds one: without it, the same saving with
        // fewer coupons would be better.
        if newly_worthless.is_empty() || matches!(selection, CouponSelection::Best) {
            break (picks, search_nodes);
        }
        worthless.extend(newly_worthless);
    };
    let used: Vec<&Candidate> = picks.iter().filter_map(|&i| pool.get(i)).collect();
    let mut applied = Vec::new();
    for candidate in &used {
        let requested = candidate.requested(ledger.owed(&candidate.slots))?;
        let saving = ledger.take(
            candidate.coupon.step(),
            &candidate.coupon.id,
            requested,
            &candidate.slots,
        )?;
        applied.push(AppliedCoupon {
            coupon_id: candidate.coupon.id.clone(),
            saving,
        });
    }
    for (position, candidate) in pool.iter().enumerate() {
        if picks.contains(&position) {
            continue;
        }
        let reason = match may_join(&used, candidate, rules) {
            _ if worthless.contains(&position) => CouponReason::NoSaving,
            Err(reason) => reason,
            Ok(()) if matches!(selection, CouponSelection::Best) => CouponReason::NoExtraSaving,
            Ok(()) => CouponReason::NotChosen,
        };
        not_applicable.push(NotApplicable {
            coupon_id: candidate.coupon.id.clone(),
            reason,
        });
    }
    // By coupon id, so the request's order of coupons changes nothing.
    not_applicable.sort_by(|a, b| a.coupon_id.cmp(&b.coupon_id));
    Ok((
        CouponReport {
            applied,
            not_applicable,
        },
        search_nodes,
    ))
}

/// The shopper's choice, honoured in the order given.
fn chosen(
    coupons: &[Coupon],
    coupon_ids: &[String],
    pool: &[Candidate<'_>],
    rules: &StackingRules,
    worthless: &[usize],
) -> Result<Vec<usize>, PricingError> {
    unique_ids(RuleKind::Coupon, coupon_ids.iter().map(String::as_str))?;
    let mut picks: Vec<usize> = Vec::new();
    for id in coupon_ids {
        if !coupons.iter().any(|c| &c.id == id) {
            return Err(PricingError::UnknownCoupon {
                coupon_id: id.clone(),
            });
        }
        let Some((position, candidate)) = pool.iter().enumerate().find(|(_, c)| &c.coupon.id == id)
        else {
            continue;
        };
        if worthless.contains(&position) {
            continue;
        }
        let selected: Vec<&Candidate> = picks.iter().filter_map(|&i| pool.get(i)).collect();
        if may_join(&selected, candidate, rules).is_ok() {
            picks.push(position);
        }
    }
    Ok(picks)
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
