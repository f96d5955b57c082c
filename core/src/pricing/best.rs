//! The best coupon combination (最优优惠): exact branch and bound.
//!
//! Rule: among every set of applicable coupons that the stacking rules allow,
//! pick the one with the largest total saving (goods and shipping coupons
//! together, evaluated through the real pipeline with its per-step rounding
//! and clamping); on equal saving prefer fewer coupons, then the set whose
//! expiry dates, sorted, come first (so the shopper keeps the longer-lived
//! coupons), then the set whose ids, in that order, come first.
//!
//! Method: candidates are visited in pipeline order, so a partial set's
//! saving is final and extending it only adds savings of later coupons. A
//! later coupon saves at most its saving alone (amounts only decrease along
//! the pipeline and every coupon value is monotone in what is owed), and the
//! whole order saves at most what is still owed. A branch is cut when even
//! that bound cannot beat the best set so far, or can only tie with more
//! coupons or later expiries. Coupons that save nothing alone never enter.
//!
//! Example: on 10000 fen, A (满100减30, expires day 2) and B (9折 capped 30,
//! expires day 1) that do not combine, each save 3000 fen; the tie goes to
//! B, which expires first.
//!
//! Invariants: the result equals exhaustive search (property-tested up to
//! 12 coupons); it never saves less than any single applicable coupon; it is
//! independent of the order of coupons in the request.

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
    search.visit(0, &mut Vec::new(), owed, Money::ZERO)?;
    Ok(search.best.picks)
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
        let tops = self.suffix_tops(&open, slots_left);
        let still_owed = owed
            .iter()
            .fold(0i64, |sum, m| sum.saturating_add(m.as_fen()));
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
            let top = tops.get(position).map_or(&[][..], Vec::as_slice);
            if !self.promising(pool, top, picks, saving, still_owed) {
                continue;
            }
            let mut after = owed.to_vec();
            let requested = candidate.requested(owed_at(&after, &candidate.slots))?;
            let (taken, _) = take_from(&mut after, &candidate.slots, requested)?;
            picks.push(next);
            self.visit(next + 1, picks, &after, saving.checked_add(taken)?)?;
            picks.pop();
        }
        Ok(())
    }

    /// For each suffix `open[p..]`, the `limit` largest savings-alone, largest
    /// first.
    fn suffix_tops(&self, open: &[usize], limit: usize) -> Vec<Vec<i64>> {
        let mut tops = vec![Vec::new(); open.len()];
        let mut running: Vec<i64> = Vec::new();
        for (position, &i) in open.iter().enumerate().rev() {
            let alone = self.candidates.get(i).map_or(0, |c| c.alone.as_fen());
            let at = running.partition_point(|&v| v >= alone);
            running.insert(at, alone);
            running.truncate(limit);
            if let Some(top) = tops.get_mut(position) {
                top.clone_from(&running);
            }
        }
        tops
    }

    /// Whether some extension of `picks` by coupons of `pool` (whose largest
    /// savings-alone are `top`) could beat the best set.
    fn promising(
        &self,
        pool: &[usize],
        top: &[i64],
        picks: &[usize],
        saving: Money,
        still_owed: i64,
    ) -> bool {
        let ceiling = saving.as_fen().saturating_add(still_owed);
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
