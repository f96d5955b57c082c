//! The shopper as far as prices depend on them: member tier, new customer
//! (新人), points balance, coupon uses and activity purchases. A leaf.
//!
//! Invariants: every field has a default, so `{}` is a guest with nothing
//! used; nothing here reads a store - the shells pass what they know.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The shopper, as far as prices depend on them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Customer {
    #[serde(default)]
    pub member_tier: Option<String>,
    #[serde(default)]
    pub new_customer: bool,
    #[serde(default)]
    pub points_balance: i64,
    /// Times each coupon id was already used by this shopper.
    #[serde(default)]
    pub coupon_uses: BTreeMap<String, i64>,
    /// Units already bought under each activity id (flash-sale limits).
    #[serde(default)]
    pub activity_purchases: BTreeMap<String, i64>,
}

impl Customer {
    /// The pricing customer for what a shop keeps about a shopper: their
    /// member tier (if any), points balance and how many of their orders were
    /// ever paid. A *new customer* (新人) is one with no paid order yet
    /// (docs/pricing.md §4): cancelled or timed-out orders do not count.
    pub fn from_record(member_tier: Option<String>, points_balance: i64, paid_orders: i64) -> Self {
        Customer {
            member_tier,
            new_customer: paid_orders == 0,
            points_balance,
            ..Customer::default()
        }
    }
}
