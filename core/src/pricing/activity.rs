//! Activity prices: flash sale (秒杀), ladder group buy (阶梯拼团),
//! limited-time discount (限时折扣) and quantity ladder (多件折扣).
//!
//! Rule: each line gets at most one activity price. Every live activity
//! covering the line offers a unit price computed from the **list price**
//! (percentages round half-up per unit); the line takes the lowest offer if
//! it is below its member price, ties going to the kind that ranks first
//! (flash sale, group buy, limited-time, quantity ladder) and then to the
//! lowest activity id. Every other covering activity is reported in
//! `activities_skipped` with its reason. Limits and ladders count the units of
//! *all* lines the activity covers, so splitting or reordering lines never
//! changes a price:
//! - flash sale: `price`, unless units already bought + units in the cart
//!   exceed `per_user_limit` (`PER_USER_LIMIT`) or the cart's units exceed the
//!   remaining activity `stock` (`ACTIVITY_STOCK`); the whole activity is then
//!   skipped, never applied to a part of the units;
//! - group buy: the price of the highest tier whose `min_size` the current
//!   `group_size` reaches, shown on the line as `group_buy_tier`; the next
//!   tier is a hint;
//! - limited-time: a fixed `price`, or `percent_off` the list price;
//! - quantity ladder: `percent_off` of the highest tier whose `min_quantity`
//!   the covered units reach; the next tier is a hint.
//!
//! Example: list price 199 fen, limited-time 25% off: 199 x 25% = 49.75 ->
//! 50 fen off, unit price 149. A ladder "2 pieces 10% off, 3 pieces 20% off"
//! over two lines of 1 unit each at 1000 fen counts 2 units: 900 fen each,
//! whatever the order of the lines.
//!
//! Invariants: an activity never raises a price (the member price stands if
//! it is lower); unit prices are never negative; the result does not depend
//! on the order of lines or of activities in the request.

use super::customer::Customer;
use super::error::{unique_ids, PricingError, RuleCheck, RuleKind};
use super::outcome::Hint;
use super::scope::{Inactive, Scope, Window};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// A merchant's activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Activity {
    pub id: String,
    #[serde(default)]
    pub window: Window,
    #[serde(default)]
    pub scope: Scope,
    pub rule: ActivityRule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum ActivityRule {
    FlashSale {
        price: Money,
        #[serde(default)]
        per_user_limit: Option<i64>,
        /// Activity stock left.
        #[serde(default)]
        stock: Option<i64>,
    },
    GroupBuy {
        tiers: Vec<GroupTier>,
        /// Members of the group, the shopper included.
        group_size: i64,
    },
    LimitedTimePrice {
        price: Money,
    },
    LimitedTimePercent {
        percent_off: i64,
    },
    QuantityLadder {
        tiers: Vec<LadderTier>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupTier {
    pub min_size: i64,
    pub price: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LadderTier {
    pub min_quantity: i64,
    pub percent_off: i64,
}

/// The kind of an activity, in precedence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    FlashSale,
    GroupBuy,
    LimitedTimePrice,
    LimitedTimePercent,
    QuantityLadder,
}

impl ActivityKind {
    /// Tie-break rank: limited-time prices and percentages rank together.
    pub(super) fn precedence(self) -> u8 {
        match self {
            ActivityKind::FlashSale => 0,
            ActivityKind::GroupBuy => 1,
            ActivityKind::LimitedTimePrice | ActivityKind::LimitedTimePercent => 2,
            ActivityKind::QuantityLadder => 3,
        }
    }
}

/// Why an activity covering a line did not set its price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityReason {
    NotStarted {
        starts_at: i64,
    },
    Expired {
        ends_at: i64,
    },
    PerUserLimit {
        limit: i64,
        purchased: i64,
        requested: i64,
    },
    ActivityStock {
        stock: i64,
        requested: i64,
    },
    GroupTooSmall {
        group_size: i64,
        min_size: i64,
    },
    LadderNotReached {
        quantity: i64,
        min_quantity: i64,
    },
    /// Another price for the line is lower (or equal and ranks first).
    NotLowest {
        price: Money,
        lowest: Money,
    },
}

impl From<Inactive> for ActivityReason {
    fn from(inactive: Inactive) -> Self {
        match inactive {
            Inactive::NotStarted { starts_at } => ActivityReason::NotStarted { starts_at },
            Inactive::Expired { ends_at } => ActivityReason::Expired { ends_at },
        }
    }
}

impl Activity {
    pub fn kind(&self) -> ActivityKind {
        match self.rule {
            ActivityRule::FlashSale { .. } => ActivityKind::FlashSale,
            ActivityRule::GroupBuy { .. } => ActivityKind::GroupBuy,
            ActivityRule::LimitedTimePrice { .. } => ActivityKind::LimitedTimePrice,
            ActivityRule::LimitedTimePercent { .. } => ActivityKind::LimitedTimePercent,
            ActivityRule::QuantityLadder { .. } => ActivityKind::QuantityLadder,
        }
    }

    fn validate(&self) -> Result<(), PricingError> {
        let check = RuleCheck {
            rule: RuleKind::Activity,
            id: &self.id,
        };
        self.window.validate(&check)?;
        match &self.rule {
            ActivityRule::FlashSale {
                price,
                per_user_limit,
                stock,
            } => {
                check.amount("price", *price)?;
                check.non_negative("per_user_limit", per_user_limit.unwrap_or(0))?;
                check.non_negative("stock", stock.unwrap_or(0))
            }
            ActivityRule::GroupBuy { tiers, group_size } => {
                check.non_negative("group_size", *group_size)?;
                if tiers.is_empty() {
                    return Err(check.invalid("a group buy needs at least one tier"));
                }
                for tier in tiers {
                    check.amount("price", tier.price)?;
                    if tier.min_size < 1 {
                        return Err(check.invalid("a group tier's min_size must be at least 1"));
                    }
                }
                Ok(())
            }
            ActivityRule::LimitedTimePrice { price } => check.amount("price", *price),
            ActivityRule::LimitedTimePercent { percent_off } => check.percent(*percent_off),
            ActivityRule::QuantityLadder { tiers } => {
                if tiers.is_empty() {
                    return Err(check.invalid("a quantity ladder needs at least one tier"));
                }
                for tier in tiers {
                    check.percent(tier.percent_off)?;
                    if tier.min_quantity < 1 {
                        return Err(
                            check.invalid("a ladder tier's min_quantity must be at least 1")
                        );
                    }
                }
                Ok(())
            }
        }
    }

    /// What the activity offers to the lines it covers, given their units.
    pub(super) fn offer(
        &self,
        units: i64,
        customer: &Customer,
        hints: &mut Vec<Hint>,
    ) -> Result<Offer, ActivityReason> {
        match &self.rule {
            ActivityRule::FlashSale {
                price,
                per_user_limit,
                stock,
            } => {
                let purchased = customer
                    .activity_purchases
                    .get(&self.id)
                    .copied()
                    .unwrap_or(0);
                if let Some(limit) = *per_user_limit {
                    if purchased.saturating_add(units) > limit {
                        return Err(ActivityReason::PerUserLimit {
                            limit,
                            purchased,
                            requested: units,
                        });
                    }
                }
                match *stock {
                    Some(stock) if units > stock => Err(ActivityReason::ActivityStock {
                        stock,
                        requested: units,
                    }),
                    _ => Ok(Offer::Price(*price)),
                }
            }
            ActivityRule::GroupBuy { tiers, group_size } => {
                if let Some(next) = tiers
                    .iter()
                    .filter(|t| t.min_size > *group_size)
                    .min_by_key(|t| (t.min_size, t.price))
                {
                    hints.push(Hint::GroupBuyTier {
                        activity_id: self.id.clone(),
                        members_needed: next.min_size - group_size,
                        price: next.price,
                    });
                }
                current_group_tier(tiers, *group_size)
                    .map(|t| Offer::Price(t.price))
                    .ok_or_else(|| ActivityReason::GroupTooSmall {
                        group_size: *group_size,
                        min_size: tiers.iter().map(|t| t.min_size).min().unwrap_or(1),
                    })
            }
            ActivityRule::LimitedTimePrice { price } => Ok(Offer::Price(*price)),
            ActivityRule::LimitedTimePercent { percent_off } => Ok(Offer::PercentOff(*percent_off)),
            ActivityRule::QuantityLadder { tiers } => {
                if let Some(next) = tiers
                    .iter()
                    .filter(|t| t.min_quantity > units)
                    .min_by_key(|t| (t.min_quantity, std::cmp::Reverse(t.percent_off)))
                {
                    hints.push(Hint::QuantityLadderTier {
                        activity_id: self.id.clone(),
                        add_quantity: next.min_quantity - units,
                        percent_off: next.percent_off,
                    });
                }
                tiers
                    .iter()
                    .filter(|t| t.min_quantity <= units)
                    .max_by_key(|t| (t.min_quantity, t.percent_off))
                    .map(|t| Offer::PercentOff(t.percent_off))
                    .ok_or_else(|| ActivityReason::LadderNotReached {
                        quantity: units,
                        min_quantity: tiers.iter().map(|t| t.min_quantity).min().unwrap_or(1),
                    })
            }
        }
    }
}

/// The group-buy tier a group of `group_size` has reached: the highest
/// `min_size` reached, the lower price among equal ones.
pub(super) fn current_group_tier(tiers: &[GroupTier], group_size: i64) -> Option<&GroupTier> {
    tiers
        .iter()
        .filter(|t| t.min_size <= group_size)
        .max_by_key(|t| (t.min_size, std::cmp::Reverse(t.price)))
}

pub(super) enum Offer {
    Price(Money),
    PercentOff(i64),
}

impl Offer {
    pub(super) fn unit_price(&self, list_price: Money) -> Result<Money, PricingError> {
        Ok(match *self {
            Offer::Price(price) => price,
            Offer::PercentOff(percent) => list_price.checked_sub(list_price.percent(percent)?)?,
        })
    }
}

pub(crate) fn validate(activities: &[Activity]) -> Result<(), PricingError> {
    unique_ids(RuleKind::Activity, activities.iter().map(|a| a.id.as_str()))?;
    activities.iter().try_for_each(Activity::validate)
}

/// Where a line's unit price comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    List,
    Member,
    Activity,
}

/// The activity that set a line's price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppliedActivity {
    pub activity_id: String,
    pub kind: ActivityKind,
    /// (price before the activity - unit price) x quantity.
    pub saving: Money,
    /// For a group buy: the tier the group has reached (its `min_size` and
    /// unit price); absent for other kinds. The next tier is a hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_buy_tier: Option<GroupTier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SkippedActivity {
    pub activity_id: String,
    pub reason: ActivityReason,
}
