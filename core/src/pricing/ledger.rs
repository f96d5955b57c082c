//! The ledger the pipeline steps take from: a [`Line`] being priced (its
//! activity price already set) and the [`Ledger`] of what each slot still
//! owes and who took what. Imported by every step after activity prices.
//!
//! Invariants: one slot per line in canonical order, then the shipping
//! slot; a slot never owes less than 0 (amounts are taken through
//! `allocation::take_from`, clamped to what is owed); every amount taken is
//! recorded once as a [`Discount`] and as line shares that sum to it.

use super::activity::{AppliedActivity, PriceSource, SkippedActivity};
use super::allocation::{owed_at, take_from};
use super::error::PricingError;
use super::outcome::{Discount, LineDiscount, Step};
use crate::catalog::SkuRef;
use crate::money::Money;

/// A line being priced.
pub(crate) struct Line<'a> {
    pub item: SkuRef<'a>,
    pub request_index: usize,
    pub quantity: i64,
    pub list_price: Money,
    pub unit_price: Money,
    pub price_source: PriceSource,
    pub activity: Option<AppliedActivity>,
    pub skipped: Vec<SkippedActivity>,
}

/// What every slot still owes, and who took what.
pub(crate) struct Ledger {
    /// One slot per line (canonical order), then the shipping slot.
    pub amounts: Vec<Money>,
    pub shares: Vec<Vec<LineDiscount>>,
    pub discounts: Vec<Discount>,
}

impl Ledger {
    pub fn new(amounts: Vec<Money>) -> Self {
        Ledger {
            shares: amounts.iter().map(|_| Vec::new()).collect(),
            amounts,
            discounts: Vec::new(),
        }
    }

    /// What `slots` still owe.
    pub fn owed(&self, slots: &[usize]) -> Money {
        owed_at(&self.amounts, slots)
    }

    /// Take `requested` (clamped to what `slots` owe) and record it; returns
    /// what was taken.
    pub fn take(
        &mut self,
        step: Step,
        source_id: &str,
        requested: Money,
        slots: &[usize],
    ) -> Result<Money, PricingError> {
        let (taken, shares) = take_from(&mut self.amounts, slots, requested)?;
        for (&slot, amount) in slots.iter().zip(shares) {
            if let (Some(line_shares), true) = (self.shares.get_mut(slot), amount > Money::ZERO) {
                line_shares.push(LineDiscount {
                    step,
                    source_id: source_id.to_owned(),
                    amount,
                });
            }
        }
        self.discounts.push(Discount {
            step,
            source_id: source_id.to_owned(),
            amount: taken,
            clamped_from: (taken < requested).then_some(requested),
        });
        Ok(taken)
    }
}
