//! The best coupon combination (最优优惠): exact branch and bound.
//!
//! Rule: among every set of applicable coupons that the stacking rules allow,
//! pick the one with the largest total saving (goods and shipping coupons
//! together, evaluated through the real pipeline with its per-step rounding
//! and clamping). On equal saving prefer fewer coupons, then compare the
//! sets' `(expiry, id)` pairs, each set sorted, pair by pair: earlier expiry
//! first (the shopper keeps the longer-lived coupons), then the smaller id;
//! a coupon without an end date sorts last.
//!
//! Method: sets are enumerated in pipeline order, so a partial set's saving
//! is final and an extension only adds the savings of later coupons. Each
//! of those is at most its saving alone (amounts only decrease along the
//! pipeline and every coupon value is monotone in what is owed); together
//! they are at most the greedy sum of savings-alone under the count limits
//! (which nest, so greedy is exact), at most what the slots they reach still
//! owe, and, percentages compounding, at most what `product(1 - p)` lets
//! them take. A branch is cut when that bound cannot beat the best set so
//! far, or can only tie it with more coupons or later expiries. A greedy
//! first set and largest-saving-first children make the cuts early.
//! Coupons that save nothing alone never enter.
//!
//! Example: on 10000 fen, A (满100减30: threshold 10000, 3000 off, expires
//! day 2) and B (7折 capped at 3000, expires day 1) do not combine and each
//! save 3000 fen; the tie goes to B, which expires first.
//!
//! Invariants: the result equals exhaustive search (property-tested up to
//! 12 coupons); it never saves less than any single applicable coupon; it is
//! independent of the order of coupons in the request; children may be
//! explored in any order and bounds only decide how much work is done.

use super::allocation::{owed_at, take_from};
use super::coupons::{may_join, Candidate, StackingRules};
use super::error::PricingError;
use crate::money::Money;

/// The best set so far, with its tie-break keys.
struct Best<'c> {
    saving: Money,
    /// Expiry keys of the set, sorted.
    keys: Vec<(i64, &'c str)>,
    picks: Vec<usize>,
}

impl<'c> Best<'c> {
    /// Whether a set saving `saving` with sorted `keys` beats this one.
    fn beaten_by(&self, saving: Money, keys: &[(i64, &'c str)]) -> bool {
        (
            saving,
            std::cmp::Reverse(keys.len()),
            std::cmp::Reverse(keys),
        ) > (
            self.saving,
            std::cmp::Reverse(self.keys.len()),
            std::cmp::Reverse(self.keys.as_slice()),
        )
    }
}

struct Search<'c, 'a> {
    candidates: &'c [Candidate<'a>],
    rules: &'c StackingRules,
    best: Best<'c>,
}

/// The indices of the best set among `candidates` (which must be in
/// pipeline order), starting from ledger amounts `owed`.
pub(crate) fn best_combination(
    candidates: &[Candidate<'_>],
    owed: &[Money],
    rules: &StackingRules,
) -> Result<Vec<usize>, PricingError> {
    let mut search = Search {
        candidates,
        rules,
        best: Best {
            saving: Money::ZERO,
            keys: Vec::new(),
            picks: Vec::new(),
        },
    };
    search.seed_greedily(owed)?;
    search.visit(0, &mut Vec::new(), owed, Money::ZERO)?;
    Ok(search.best.picks)
}

/// Coupons per issuer (a shop, or `None`: the platform).
type IssuerCounts<'s> = Vec<(Option<&'s str>, i64)>;

fn issued(used: &IssuerCounts<'_>, issuer: Option<&str>) -> i64 {
    used.iter()
        .find(|(i, _)| *i == issuer)
        .map_or(0, |(_, n)| *n)
}

fn count_issuer<'s>(used: &mut IssuerCounts<'s>, issuer: Option<&'s str>) {
    match used.iter_mut().find(|(i, _)| *i == issuer) {
        Some((_, n)) => *n += 1,
        None => used.push((issuer, 1)),
    }
}

/// Apply one more coupon to the ledger amounts `owed`; what it takes.
fn take(candidate: &Candidate<'_>, owed: &mut [Money]) -> Result<Money, PricingError> {
    let requested = candidate.requested(owed_at(owed, &candidate.slots))?;
    Ok(take_from(owed, &candidate.slots, requested)?.0)
}

impl<'c, 'a> Search<'c, 'a> {
    fn sorted_keys(&self, picks: &[usize]) -> Vec<(i64, &'c str)> {
        let mut keys: Vec<_> = picks
            .iter()
            .filter_map(|&i| self.candidates.get(i))
            .map(Candidate::expiry_key)
            .collect();
        keys.sort_unstable();
        keys
    }

    /// Start from a good set: coupons by saving alone (largest first, then
    /// earliest expiry), each kept if it may join and adds to the saving.
    /// Only the amount of pruning depends on it, never the result.
    fn seed_greedily(&mut self, owed: &[Money]) -> Result<(), PricingError> {
        let candidates = self.candidates;
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&i| {
            candidates
                .get(i)
                .map(|c| (std::cmp::Reverse(c.alone), c.expiry_key()))
        });
        let mut picks: Vec<usize> = Vec::new();
        let mut saving = Money::ZERO;
        for i in order {
            let selected: Vec<&Candidate> =
                picks.iter().filter_map(|&p| candidates.get(p)).collect();
            if candidates
                .get(i)
                .is_none_or(|c| may_join(&selected, c, self.rules).is_err())
            {
                continue;
            }
            let mut trial = picks.clone();
            trial.push(i);
            trial.sort_unstable();
            let mut after = owed.to_vec();
            let mut total = Money::ZERO;
            for candidate in trial.iter().filter_map(|&p| candidates.get(p)) {
                total = total.checked_add(take(candidate, &mut after)?)?;
            }
            if total > saving {
                picks = trial;
                saving = total;
            }
        }
        let keys = self.sorted_keys(&picks);
        if self.best.beaten_by(saving, &keys) {
            self.best = Best {
                saving,
                keys,
                picks,
            };
        }
        Ok(())
    }

    fn visit(
        &mut self,
        from: usize,
        picks: &mut Vec<usize>,
        owed: &[Money],
        saving: Money,
    ) -> Result<(), PricingError> {
        let keys = self.sorted_keys(picks);
        if self.best.beaten_by(saving, &keys) {
            self.best = Best {
                saving,
                keys,
                picks: picks.clone(),
            };
        }
        let candidates = self.candidates;
        let selected: Vec<&Candidate> = picks.iter().filter_map(|&i| candidates.get(i)).collect();
        // Candidates after `from` that may join the current set.
        let open: Vec<usize> = (from..candidates.len())
            .filter(|&i| {
                candidates
                    .get(i)
                    .is_some_and(|c| may_join(&selected, c, self.rules).is_ok())
            })
            .collect();
        let slots_left = self.rules.max_coupons.map_or(open.len(), |max| {
            usize::try_from(max)
                .unwrap_or(0)
                .saturating_sub(picks.len())
        });
        let bounds = self.suffix_bounds(&open, &selected, slots_left, owed);
        // Children in any order give the same result; the largest savings
        // first find a strong best set early, which prunes the rest.
        let mut order: Vec<usize> = (0..open.len()).collect();
        order.sort_by_key(|&position| {
            let alone = open
                .get(position)
                .and_then(|&i| candidates.get(i))
                .map_or(0, |c| c.alone.as_fen());
            (std::cmp::Reverse(alone), position)
        });
        for position in order {
            let (Some(&next), Some(pool)) = (open.get(position), open.get(position..)) else {
                continue;
            };
            let Some(candidate) = candidates.get(next) else {
                continue;
            };
            let Some((top, reach)) = bounds.get(position) else {
                continue;
            };
            if !self.promising(pool, top, picks, saving, *reach) {
                continue;
            }
            let mut after = owed.to_vec();
            let taken = take(candidate, &mut after)?;
            picks.push(next);
            self.visit(next + 1, picks, &after, saving.checked_add(taken)?)?;
            picks.pop();
        }
        Ok(())
    }

    /// For each suffix `open[p..]` of the joinable candidates: the largest
    /// savings-alone that an allowed extension of `selected` could add,
    /// largest first, and what the slots the suffix can take from still owe.
    ///
    /// The savings are chosen greedily under the count limits (at most
    /// `limit` more coupons, per shop, platform): those limits nest, so the
    /// greedy choice is the largest sum they allow.
    fn suffix_bounds(
        &self,
        open: &[usize],
        selected: &[&Candidate<'a>],
        limit: usize,
        owed: &[Money],
    ) -> Vec<(Vec<i64>, i64)> {
        let alone = |position: usize| {
            open.get(position)
                .and_then(|&i| self.candidates.get(i))
                .map_or(0, |c| c.alone.as_fen())
        };
        let mut by_saving: Vec<usize> = (0..open.len()).collect();
        by_saving.sort_by_key(|&position| std::cmp::Reverse(alone(position)));
        let mut bounds = Vec::with_capacity(open.len());
        for start in 0..open.len() {
            let mut used: IssuerCounts = Vec::new();
            for issuer in selected.iter().map(|c| c.coupon.shop_id.as_deref()) {
                count_issuer(&mut used, issuer);
            }
            let mut top = Vec::new();
            for position in by_saving.iter().copied().filter(|&p| p >= start) {
                if top.len() >= limit {
                    break;
                }
                let Some(candidate) = open.get(position).and_then(|&i| self.candidates.get(i))
                else {
                    continue;
                };
                let issuer = candidate.coupon.shop_id.as_deref();
                let issuer_limit = match issuer {
                    Some(_) => self.rules.max_coupons_per_shop,
                    None => self.rules.max_platform_coupons,
                };
                if issuer_limit.is_some_and(|max| issued(&used, issuer) >= max) {
                    continue;
                }
                count_issuer(&mut used, issuer);
                top.push(alone(position));
            }
            bounds.push((top, 0));
        }
        let mut reachable = vec![false; owed.len()];
        let mut reach = 0i64;
        for (position, candidate) in open
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(p, &i)| Some((p, self.candidates.get(i)?)))
        {
            for &slot in &candidate.slots {
                if let (Some(seen), Some(amount)) = (reachable.get_mut(slot), owed.get(slot)) {
                    if !*seen {
                        *seen = true;
                        reach = reach.saturating_add(amount.as_fen());
                    }
                }
            }
            if let Some(bound) = bounds.get_mut(position) {
                bound.1 = reach;
            }
        }
        bounds
    }

    /// At most what all of `pool` together can take from slots owing
    /// `reach`: percentages compound on what is left, so after them at least
    /// `reach x product(1 - p)` remains (rounded down at each step, less half
    /// a fen of rounding per coupon), less what the other coupons take at
    /// most alone.
    fn compounded_reach(&self, pool: &[usize], reach: i64) -> i64 {
        let mut left = i128::from(reach);
        let mut others = 0i128;
        let mut count = 0i128;
        for candidate in pool.iter().filter_map(|&i| self.candidates.get(i)) {
            count += 1;
            match candidate.percent_off() {
                Some(percent) => left = left * i128::from(100 - percent) / 100,
                None => others += i128::from(candidate.alone.as_fen()),
            }
        }
        let remains = (left - others - count).max(0);
        i64::try_from(i128::from(reach) - remains).unwrap_or(reach)
    }

    /// Whether some extension of `picks` by coupons of `pool` (whose largest
    /// savings-alone are `top`, taking from slots that owe `reach`) could
    /// beat the best set.
    fn promising(
        &self,
        pool: &[usize],
        top: &[i64],
        picks: &[usize],
        saving: Money,
        reach: i64,
    ) -> bool {
        let ceiling = saving
            .as_fen()
            .saturating_add(reach.min(self.compounded_reach(pool, reach)));
        let best = self.best.saving.as_fen();
        // Bound on the saving with `added` more coupons, for added = 1, 2, ...
        let mut bound = saving.as_fen();
        for (added, value) in top.iter().enumerate() {
            bound = bound.saturating_add(*value).min(ceiling);
            if bound > best {
                return true;
            }
            // A tie must win on count, or on expiry keys at equal count.
            let count = picks.len() + added + 1;
            if bound == best && count <= self.best.keys.len() {
                if count < self.best.keys.len() {
                    return true;
                }
                let mut keys = self.sorted_keys(picks);
                let mut earliest: Vec<_> = pool
                    .iter()
                    .filter_map(|&i| self.candidates.get(i))
                    .map(Candidate::expiry_key)
                    .collect();
                earliest.sort_unstable();
                keys.extend(earliest.into_iter().take(added + 1));
                keys.sort_unstable();
                if keys < self.best.keys {
                    return true;
                }
            }
        }
        false
    }
}
