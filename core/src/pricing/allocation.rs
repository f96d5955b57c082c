//! Allocation (分摊) of an order-level amount to lines by largest remainder.
//!
//! Rule: line `i` with current amount `w_i` (of a total `W`) first gets
//! `floor(T * w_i / W)` fen of the amount `T`; the fen left over go one each to
//! the lines with the largest remainders `T * w_i mod W`, ties to the lowest
//! line index. Lines are indexed in the quote's canonical order (by SKU id,
//! then quantity, then request order) so that reordering a cart never moves a
//! fen between lines.
//!
//! Example: 1000 fen over lines of 3000, 3000 and 4000 fen: exact shares are
//! 300, 300 and 400, nothing left over. 100 fen over 3 equal lines: 33, 33,
//! 33 with remainders all equal, so the spare fen goes to line 0: 34, 33, 33.
//!
//! Invariants: the shares sum to `T` exactly; no share is negative; when
//! `T <= W` no share exceeds its line's amount (every +1 goes to a line with a
//! non-zero remainder, whose floor share is strictly below its amount).

use super::error::PricingError;
use crate::money::Money;

/// Split `total` over lines weighted by `amounts`; `0 <= total <= sum(amounts)`
/// must hold (callers clamp first).
pub(crate) fn allocate(total: Money, amounts: &[Money]) -> Result<Vec<Money>, PricingError> {
    let weight_sum = i128::from(Money::sum(amounts.iter().copied())?.as_fen());
    let t = i128::from(total.as_fen());
    if t < 0 || t > weight_sum {
        return Err(PricingError::Overflow);
    }
    if weight_sum == 0 {
        return Ok(vec![Money::ZERO; amounts.len()]);
    }
    let mut shares = Vec::with_capacity(amounts.len());
    let mut remainders = Vec::with_capacity(amounts.len());
    let mut given = 0i128;
    for (index, amount) in amounts.iter().enumerate() {
        let product = t * i128::from(amount.as_fen());
        let share = product / weight_sum;
        given += share;
        shares.push(share);
        remainders.push((product % weight_sum, index));
    }
    // The `spare` largest remainders, ties to the lowest index (a total
    // order, so selecting them needs no full sort).
    let spare = usize::try_from(t - given).map_err(|_| PricingError::Overflow)?;
    if spare > 0 && spare < remainders.len() {
        remainders.select_nth_unstable_by(spare - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    for &(_, index) in remainders.iter().take(spare) {
        if let Some(share) = shares.get_mut(index) {
            *share += 1;
        }
    }
    shares
        .into_iter()
        .map(|s| {
            let fen = i64::try_from(s).map_err(|_| PricingError::Overflow)?;
            Ok(Money::checked(fen)?)
        })
        .collect()
}

/// What the slots at `slots` of `amounts` still owe. Saturating, not
/// checked: every subset of a quote's slots sums to at most its checked
/// subtotal or shipping fee.
pub(crate) fn owed_at(amounts: &[Money], slots: &[usize]) -> Money {
    Money::fen(
        slots
            .iter()
            .filter_map(|&i| amounts.get(i))
            .fold(0i64, |sum, m| sum.saturating_add(m.as_fen())),
    )
}

/// Take `total` (clamped to what the listed lines still owe) off `amounts` at
/// `lines`, returning what was taken and each line's share, in `lines` order.
pub(crate) fn take_from(
    amounts: &mut [Money],
    lines: &[usize],
    total: Money,
) -> Result<(Money, Vec<Money>), PricingError> {
    let current: Vec<Money> = lines
        .iter()
        .map(|&i| amounts.get(i).copied().unwrap_or(Money::ZERO))
        .collect();
    let taken = total
        .min(Money::sum(current.iter().copied())?)
        .max(Money::ZERO);
    let shares = allocate(taken, &current)?;
    for (&i, share) in lines.iter().zip(&shares) {
        if let Some(amount) = amounts.get_mut(i) {
            *amount = amount.checked_sub(*share)?;
        }
    }
    Ok((taken, shares))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(v: &[i64]) -> Vec<Money> {
        v.iter().map(|&f| Money::fen(f)).collect()
    }

    #[test]
    fn spare_fen_go_to_largest_remainders_then_lowest_index() {
        assert_eq!(
            allocate(Money::fen(100), &fen(&[1000, 1000, 1000])).unwrap(),
            fen(&[34, 33, 33])
        );
        assert_eq!(
            allocate(Money::fen(5), &fen(&[1, 2, 3])).unwrap(),
            fen(&[1, 2, 2])
        );
        assert_eq!(allocate(Money::ZERO, &fen(&[0, 0])).unwrap(), fen(&[0, 0]));
    }

    #[test]
    fn take_clamps_to_what_is_left() {
        let mut amounts = fen(&[30, 0, 20]);
        let (taken, shares) = take_from(&mut amounts, &[0, 2], Money::fen(80)).unwrap();
        assert_eq!(taken, Money::fen(50));
        assert_eq!(shares, fen(&[30, 20]));
        assert_eq!(amounts, fen(&[0, 0, 0]));
    }
}
