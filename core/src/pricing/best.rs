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
//! Method: the candidates are walked in pipeline order, each one taken or
//! left, so a partial set's saving is final and an extension only adds what
//! later coupons take. A coupon that would take nothing is never taken (the
//! set without it saves as much with fewer coupons). At every node, for each
//! number `k` of coupons still to add, three bounds cap what they can add:
//!
//! - the `k` largest savings each open coupon would make alone *from the
//!   amounts still owed now*, chosen greedily under the per-shop and
//!   platform limits (which nest, so greedy is exact);
//! - the pools: coupons that share no slot, even through others (shipping
//!   coupons and goods coupons, say), take from separate pools. In one pool
//!   owing `X`, walking its coupons in pipeline order, a coupon lowers `X`
//!   by at most its saving alone, a percentage one by at most `round(X x
//!   p)`; the least `X` that `j` of them can reach (a small dynamic
//!   programme over count, exact because every step is monotone in `X`)
//!   bounds what they take together, and the pools' bounds are combined
//!   over how the `k` coupons could be shared among them;
//! - per slot: a slot gives at most what it owes and at most the sum of the
//!   savings-alone of the open coupons that reach it.
//!
//! Each is valid because amounts only decrease along the pipeline and every
//! coupon value is monotone in what is owed. A branch is cut when, for every
//! `k`, the bound cannot beat the best set so far, or can only tie it with
//! more coupons or later expiries. A greedy first set makes cuts early.
//!
//! Example: on 10000 fen, A (满100减30: threshold 10000, 3000 off, expires
//! day 2) and B (7折 capped at 3000, expires day 1) do not combine and each
//! save 3000 fen; the tie goes to B, which expires first.
//!
//! Invariants: the result equals exhaustive search (property-tested up to
//! 12 coupons); it never saves less than any single applicable coupon; it is
//! independent of the order of coupons in the request; bounds only decide
//! how much work is done, counted in search nodes (deterministic, so a test
//! can hold the adversarial cases to a budget without timing anything).

use super::allocation::{owed_at, take_from};
use super::coupons::{may_join, Candidate, StackingRules};
use super::error::PricingError;
use crate::money::Money;

/// A coupon's tie-break key: expiry, then id.
type ExpiryKey<'c> = (i64, &'c str);

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

/// The result of the search: the chosen candidates and the work it took.
pub(crate) struct Combination {
    pub picks: Vec<usize>,
    /// Search nodes visited (partial sets examined).
    pub nodes: u64,
}

struct Search<'c, 'a> {
    candidates: &'c [Candidate<'a>],
    rules: &'c StackingRules,
    best: Best<'c>,
    nodes: u64,
    /// `pairs[i][j]`: candidates `i` and `j` may be used together (classes,
    /// shop/platform mix, exclusive groups): `may_join` without the counts,
    /// worked out once.
    pairs: Vec<Vec<bool>>,
    /// Each candidate's pool of slots (`pool_ids`).
    pool_ids: Vec<usize>,
}

/// The indices of the best set among `candidates` (which must be in
/// pipeline order), starting from ledger amounts `owed`.
pub(crate) fn best_combination(
    candidates: &[Candidate<'_>],
    owed: &[Money],
    rules: &StackingRules,
) -> Result<Combination, PricingError> {
    let pair_rules = StackingRules {
        shop_with_platform: rules.shop_with_platform,
        ..StackingRules::default()
    };
    let mut search = Search {
        candidates,
        rules,
        best: Best {
            saving: Money::ZERO,
            keys: Vec::new(),
            picks: Vec::new(),
        },
        nodes: 0,
        pairs: candidates
            .iter()
            .map(|a| {
                candidates
                    .iter()
                    .map(|b| may_join(&[a], b, &pair_rules).is_ok())
                    .collect()
            })
            .collect(),
        pool_ids: pool_ids(candidates, owed.len()),
    };
    search.seed_greedily(owed)?;
    search.visit(0, &mut Vec::new(), owed, Money::ZERO)?;
    Ok(Combination {
        picks: search.best.picks,
        nodes: search.nodes,
    })
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
pub(crate) fn take(candidate: &Candidate<'_>, owed: &mut [Money]) -> Result<Money, PricingError> {
    let requested = candidate.requested(owed_at(owed, &candidate.slots))?;
    Ok(take_from(owed, &candidate.slots, requested)?.0)
}

/// What `candidate` would take alone from the amounts `owed`: at most what
/// it can take there after any other coupons.
fn alone_now(candidate: &Candidate<'_>, owed: &[Money]) -> Result<i64, PricingError> {
    let left = owed_at(owed, &candidate.slots);
    Ok(candidate
        .requested(left)?
        .min(left)
        .max(Money::ZERO)
        .as_fen())
}

impl<'c, 'a> Search<'c, 'a> {
    fn sorted_keys(&self, picks: &[usize]) -> Vec<ExpiryKey<'c>> {
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

    /// The node "coupons `picks` taken, candidates before `from` decided":
    /// record it, then take or leave the first candidate that may still
    /// join.
    fn visit(
        &mut self,
        from: usize,
        picks: &mut Vec<usize>,
        owed: &[Money],
        saving: Money,
    ) -> Result<(), PricingError> {
        self.nodes += 1;
        if saving >= self.best.saving {
            let keys = self.sorted_keys(picks);
            if self.best.beaten_by(saving, &keys) {
                self.best = Best {
                    saving,
                    keys,
                    picks: picks.clone(),
                };
            }
        }
        let candidates = self.candidates;
        let selected: Vec<&Candidate> = picks.iter().filter_map(|&i| candidates.get(i)).collect();
        let mut used: IssuerCounts = Vec::new();
        for issuer in selected.iter().map(|c| c.coupon.shop_id.as_deref()) {
            count_issuer(&mut used, issuer);
        }
        // `may_join`, with the pair rules looked up; the order-wide count is
        // `slots_left` below.
        let open: Vec<usize> = (from..candidates.len())
            .filter(|&i| {
                let pairs = self.pairs.get(i);
                picks
                    .iter()
                    .all(|&p| pairs.and_then(|row| row.get(p)).copied() == Some(true))
                    && candidates
                        .get(i)
                        .is_some_and(|c| self.issuer_has_room(&used, c))
            })
            .collect();
        let slots_left = self.rules.max_coupons.map_or(open.len(), |max| {
            usize::try_from(max)
                .unwrap_or(0)
                .saturating_sub(picks.len())
                .min(open.len())
        });
        let Some((next, candidate)) = open.first().and_then(|&i| Some((i, candidates.get(i)?)))
        else {
            return Ok(());
        };
        if slots_left == 0 || !self.promising(&open, &selected, picks, owed, saving, slots_left)? {
            return Ok(());
        }
        let mut after = owed.to_vec();
        let taken = take(candidate, &mut after)?;
        if taken > Money::ZERO {
            picks.push(next);
            self.visit(next + 1, picks, &after, saving.checked_add(taken)?)?;
            picks.pop();
        }
        self.visit(next + 1, picks, owed, saving)
    }

    /// Whether `candidate`'s issuer may issue one more coupon to the set
    /// counted in `used` (`max_coupons_per_shop`, `max_platform_coupons`).
    fn issuer_has_room(&self, used: &IssuerCounts<'_>, candidate: &Candidate<'_>) -> bool {
        let issuer = candidate.coupon.shop_id.as_deref();
        let limit = match issuer {
            Some(_) => self.rules.max_coupons_per_shop,
            None => self.rules.max_platform_coupons,
        };
        limit.is_none_or(|max| issued(used, issuer) < max)
    }

    /// Whether adding some of the `open` candidates (at most `slots_left`)
    /// to `picks` could beat the best set; see the module doc for the three
    /// bounds.
    fn promising(
        &self,
        open: &[usize],
        selected: &[&Candidate<'a>],
        picks: &[usize],
        owed: &[Money],
        saving: Money,
        slots_left: usize,
    ) -> Result<bool, PricingError> {
        let pool: Vec<(&Candidate<'a>, i64)> = open
            .iter()
            .filter_map(|&i| self.candidates.get(i))
            .map(|c| Ok((c, alone_now(c, owed)?)))
            .collect::<Result<_, PricingError>>()?;
        let by_count = self.greedy_top(&pool, selected, slots_left);
        let ids: Vec<usize> = open
            .iter()
            .map(|&i| self.pool_ids.get(i).copied().unwrap_or(usize::MAX))
            .collect();
        let pooled = pooled_most_taken(&pool, &ids, owed, by_count.len());
        let per_slot = per_slot_cap(&pool, owed);
        let best = self.best.saving.as_fen();
        // For ties at the best set's count: the set's keys and the pool's
        // earliest ones, worked out once.
        let mut tie_keys: Option<(Vec<ExpiryKey<'c>>, Vec<ExpiryKey<'c>>)> = None;
        let mut greedy = 0i64;
        for (added, (value, pooled_take)) in by_count.iter().zip(&pooled).enumerate() {
            greedy = greedy.saturating_add(*value);
            let bound = saving
                .as_fen()
                .saturating_add(greedy.min(*pooled_take).min(per_slot));
            if bound > best {
                return Ok(true);
            }
            // A tie must win on count, or on expiry keys at equal count.
            let count = picks.len() + added + 1;
            if bound == best && count <= self.best.keys.len() {
                if count < self.best.keys.len() {
                    return Ok(true);
                }
                let (keys, earliest) = tie_keys
                    .get_or_insert_with(|| (self.sorted_keys(picks), self.sorted_keys(open)));
                let mut keys = keys.clone();
                keys.extend(earliest.iter().take(added + 1));
                keys.sort_unstable();
                if keys < self.best.keys {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// The largest savings-alone that up to `limit` more coupons from `pool`
    /// could add next to `selected`, largest first, under the per-shop and
    /// platform limits (they nest, so the greedy choice is the largest sum).
    fn greedy_top(
        &self,
        pool: &[(&Candidate<'a>, i64)],
        selected: &[&Candidate<'a>],
        limit: usize,
    ) -> Vec<i64> {
        let mut by_saving: Vec<&(&Candidate<'a>, i64)> =
            pool.iter().filter(|(_, alone)| *alone > 0).collect();
        by_saving.sort_by_key(|(_, alone)| std::cmp::Reverse(*alone));
        let mut used: IssuerCounts = Vec::new();
        for issuer in selected.iter().map(|c| c.coupon.shop_id.as_deref()) {
            count_issuer(&mut used, issuer);
        }
        let mut top = Vec::new();
        for (candidate, alone) in by_saving {
            if top.len() >= limit {
                break;
            }
            if self.issuer_has_room(&used, candidate) {
                count_issuer(&mut used, candidate.coupon.shop_id.as_deref());
                top.push(*alone);
            }
        }
        top
    }
}

/// For each candidate, its pool: candidates that share no slot, even
/// through others (the shipping coupons and the goods coupons, say), are in
/// different pools. Worked out once for all candidates: the pools of any
/// subset are the same or finer, and coarser pools still give a valid bound.
fn pool_ids(candidates: &[Candidate<'_>], slot_count: usize) -> Vec<usize> {
    let mut root: Vec<usize> = (0..slot_count).collect();
    fn find(root: &[usize], mut slot: usize) -> usize {
        while let Some(&up) = root.get(slot) {
            if up == slot {
                break;
            }
            slot = up;
        }
        slot
    }
    for candidate in candidates {
        let mut slots = candidate.slots.iter().copied();
        let Some(first) = slots.next() else { continue };
        for slot in slots {
            let (a, b) = (find(&root, first), find(&root, slot));
            if let Some(r) = root.get_mut(b) {
                *r = a;
            }
        }
    }
    candidates
        .iter()
        .map(|c| c.slots.first().map_or(usize::MAX, |&s| find(&root, s)))
        .collect()
}

/// For `k = 1..=most`: the most that `k` coupons of `pool` can take
/// together. Coupons in different pools (`pool_ids`, see `pool_ids`) take
/// from disjoint slots; each pool is bounded by `most_taken_from_one_pool`
/// and the pools' bounds are combined over how the `k` coupons could be
/// shared among them.
fn pooled_most_taken(
    pool: &[(&Candidate<'_>, i64)],
    pool_ids: &[usize],
    owed: &[Money],
    most: usize,
) -> Vec<i64> {
    let mut pools: Vec<(usize, Vec<(&Candidate<'_>, i64)>)> = Vec::new();
    for (&(candidate, alone), &key) in pool.iter().zip(pool_ids) {
        match pools.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push((candidate, alone)),
            None => pools.push((key, vec![(candidate, alone)])),
        }
    }
    // combined[k]: the most taken with at most k coupons over the pools so far.
    let mut combined = vec![0i64; most + 1];
    for (_, members) in &pools {
        let taken = most_taken_from_one_pool(members, owed, most);
        combined = (0..=most)
            .map(|k| {
                (0..=k)
                    .map(|j| {
                        let here = taken.get(j).copied().unwrap_or(0);
                        let before = combined.get(k - j).copied().unwrap_or(0);
                        here.saturating_add(before)
                    })
                    .max()
                    .unwrap_or(0)
            })
            .collect();
    }
    combined.into_iter().skip(1).collect()
}

/// For `k = 0..=most`: the most that at most `k` coupons of `pool` (in
/// pipeline order) can take together from the slots they reach, treated as
/// one pool owing `X`. A coupon lowers `X` by at most its saving alone now,
/// and a percentage coupon also by at most `round(X x p)` (its slots owe at
/// most `X`). Each step is non-decreasing in `X`, so the least `X` reachable
/// with `k` coupons after each candidate follows from the least with `k - 1`
/// before it.
fn most_taken_from_one_pool(
    pool: &[(&Candidate<'_>, i64)],
    owed: &[Money],
    most: usize,
) -> Vec<i64> {
    let mut reached = vec![false; owed.len()];
    let mut start = 0i128;
    for slot in pool.iter().flat_map(|(c, _)| c.slots.iter().copied()) {
        if let (Some(seen), Some(amount)) = (reached.get_mut(slot), owed.get(slot)) {
            if !*seen {
                *seen = true;
                start += i128::from(amount.as_fen());
            }
        }
    }
    // least[j]: the least the pool can owe after exactly j coupons.
    let mut least: Vec<Option<i128>> = vec![None; most + 1];
    if let Some(first) = least.first_mut() {
        *first = Some(start);
    }
    for (candidate, alone) in pool {
        let alone = i128::from(*alone);
        for j in (1..=most).rev() {
            let Some(before) = least.get(j - 1).copied().flatten() else {
                continue;
            };
            let most_taken = match candidate.percent_off() {
                Some(percent) => alone.min((before * i128::from(percent) + 50) / 100),
                None => alone,
            };
            let after = (before - most_taken).max(0);
            if let Some(slot) = least.get_mut(j) {
                *slot = Some(slot.map_or(after, |s| s.min(after)));
            }
        }
    }
    let mut lowest = start;
    least
        .iter()
        .map(|left| {
            lowest = lowest.min(left.unwrap_or(start));
            i64::try_from(start - lowest).unwrap_or(i64::MAX)
        })
        .collect()
}

/// The most `pool` can take, slot by slot: each slot gives at most what it
/// owes and at most the sum of the savings-alone of the coupons reaching it.
fn per_slot_cap(pool: &[(&Candidate<'_>, i64)], owed: &[Money]) -> i64 {
    let mut reaching = vec![0i64; owed.len()];
    for (candidate, alone) in pool {
        for &slot in &candidate.slots {
            if let Some(sum) = reaching.get_mut(slot) {
                *sum = sum.saturating_add(*alone);
            }
        }
    }
    reaching
        .iter()
        .zip(owed)
        .fold(0i64, |cap, (reach, amount)| {
            cap.saturating_add((*reach).min(amount.as_fen()))
        })
}
