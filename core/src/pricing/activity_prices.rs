//! The activity step: every line's unit price from the live activities
//! covering it (the rules, their offers and their outcome types are in
//! `activity`; this is the step that applies them to the ledger's lines).
//!
//! Rule (docs/pricing.md §5): the lowest offer below the member price wins,
//! ties to the kind that ranks first, then to the lowest activity id; every
//! other covering activity is reported as skipped, with its reason; limits
//! and ladders count the units of all covered lines.
//!
//! Invariants: a price is never raised; the result does not depend on the
//! order of lines or of activities.

use super::activity::{
    current_group_tier, Activity, ActivityReason, ActivityRule, AppliedActivity, PriceSource,
    SkippedActivity,
};
use super::customer::Customer;
use super::error::PricingError;
use super::ledger::Line;
use super::outcome::Hint;
use crate::money::Money;

/// One activity's price offer for one line.
struct LineOffer<'a> {
    activity: &'a Activity,
    price: Money,
}

/// Set every line's unit price: its member price, or the lowest activity
/// offer below it. Lines must hold their member price in `unit_price`.
pub(crate) fn price_lines(
    activities: &[Activity],
    lines: &mut [Line<'_>],
    customer: &Customer,
    now: i64,
    hints: &mut Vec<Hint>,
) -> Result<(), PricingError> {
    let mut by_id: Vec<&Activity> = activities.iter().collect();
    by_id.sort_by(|a, b| a.id.cmp(&b.id));
    let mut offers: Vec<Vec<LineOffer>> = lines.iter().map(|_| Vec::new()).collect();
    for activity in by_id {
        let covered: Vec<usize> = (0..lines.len())
            .filter(|&i| lines.get(i).is_some_and(|l| activity.scope.covers(l.item)))
            .collect();
        if covered.is_empty() {
            continue;
        }
        let mut units = 0i64;
        for &i in &covered {
            let quantity = lines.get(i).map_or(0, |l| l.quantity);
            units = units.checked_add(quantity).ok_or(PricingError::Overflow)?;
        }
        let offer = activity
            .window
            .check(now)
            .map_err(ActivityReason::from)
            .and_then(|()| activity.offer(units, customer, hints));
        for &i in &covered {
            let (Some(line), Some(line_offers)) = (lines.get_mut(i), offers.get_mut(i)) else {
                continue;
            };
            match &offer {
                Ok(offer) => line_offers.push(LineOffer {
                    activity,
                    price: offer.unit_price(line.list_price)?,
                }),
                Err(reason) => line.skipped.push(SkippedActivity {
                    activity_id: activity.id.clone(),
                    reason: reason.clone(),
                }),
            }
        }
    }
    for (line, mut line_offers) in lines.iter_mut().zip(offers) {
        line_offers.sort_by(|a, b| {
            (a.price, a.activity.kind().precedence(), &a.activity.id).cmp(&(
                b.price,
                b.activity.kind().precedence(),
                &b.activity.id,
            ))
        });
        let mut lowest = line.unit_price;
        if let Some(best) = line_offers.first().filter(|c| c.price < line.unit_price) {
            let saving = line
                .unit_price
                .checked_sub(best.price)?
                .times(line.quantity)?;
            let group_buy_tier = match &best.activity.rule {
                ActivityRule::GroupBuy { tiers, group_size } => {
                    current_group_tier(tiers, *group_size).cloned()
                }
                _ => None,
            };
            line.activity = Some(AppliedActivity {
                activity_id: best.activity.id.clone(),
                kind: best.activity.kind(),
                saving,
                group_buy_tier,
            });
            line.unit_price = best.price;
            line.price_source = PriceSource::Activity;
            lowest = best.price;
        }
        let winner = line.activity.as_ref().map(|a| a.activity_id.as_str());
        for offer in line_offers {
            if Some(offer.activity.id.as_str()) != winner {
                line.skipped.push(SkippedActivity {
                    activity_id: offer.activity.id.clone(),
                    reason: ActivityReason::NotLowest {
                        price: offer.price,
                        lowest,
                    },
                });
            }
        }
        line.skipped
            .sort_by(|a, b| a.activity_id.cmp(&b.activity_id));
    }
    Ok(())
}
