//! Where and when a rule applies: [`Scope`] and [`Window`].
//!
//! Rule: an activity, a full reduction or a coupon covers a line when its
//! scope covers the line's SKU (all, shops, categories, products or SKUs) and,
//! if the rule is issued by a shop, the line belongs to that shop. A rule is
//! live at `now` (unix seconds, supplied by the caller) when
//! `starts_at <= now < ends_at`; a missing bound is open.
//!
//! Example: a window `{"starts_at": 1000, "ends_at": 2000}` is live at 1000
//! and 1999, not started at 999 and expired at 2000.
//!
//! Invariants: `ends_at > starts_at` whenever both are given (checked by
//! [`Window::validate`]); the scope test never looks at prices.

use super::error::{PricingError, RuleCheck};
use crate::catalog::SkuRef;
use serde::{Deserialize, Serialize};

/// The SKUs a rule covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// Every SKU (of the issuing shop, for a shop's rule).
    #[default]
    #[serde(deserialize_with = "crate::api::no_fields")]
    All,
    Shops {
        ids: Vec<String>,
    },
    Categories {
        ids: Vec<String>,
    },
    Products {
        ids: Vec<String>,
    },
    Skus {
        ids: Vec<String>,
    },
}

impl Scope {
    /// Whether the scope covers this SKU.
    pub fn covers(&self, item: SkuRef<'_>) -> bool {
        let (ids, id) = match self {
            Scope::All => return true,
            Scope::Shops { ids } => (ids, &item.product.shop_id),
            Scope::Categories { ids } => (ids, &item.product.category_id),
            Scope::Products { ids } => (ids, &item.product.id),
            Scope::Skus { ids } => (ids, &item.sku.id),
        };
        ids.contains(id)
    }

    /// Whether the scope names products (or their SKUs or categories) rather
    /// than the whole order.
    pub fn is_product_level(&self) -> bool {
        matches!(
            self,
            Scope::Categories { .. } | Scope::Products { .. } | Scope::Skus { .. }
        )
    }
}

/// Whether a rule issued by `shop_id` (`None`: the platform) with `scope`
/// covers `item`.
pub(crate) fn covers(shop_id: Option<&str>, scope: &Scope, item: SkuRef<'_>) -> bool {
    shop_id.is_none_or(|shop| shop == item.product.shop_id) && scope.covers(item)
}

/// When a rule is live: `starts_at <= now < ends_at`, unix seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Window {
    #[serde(default)]
    pub starts_at: Option<i64>,
    #[serde(default)]
    pub ends_at: Option<i64>,
}

/// Why a rule is not live at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inactive {
    NotStarted { starts_at: i64 },
    Expired { ends_at: i64 },
}

impl Window {
    pub(crate) fn validate(&self, check: &RuleCheck<'_>) -> Result<(), PricingError> {
        match (self.starts_at, self.ends_at) {
            (Some(starts_at), Some(ends_at)) if ends_at <= starts_at => {
                Err(PricingError::InvalidWindow {
                    rule: check.rule,
                    id: check.id.to_owned(),
                    starts_at,
                    ends_at,
                })
            }
            _ => Ok(()),
        }
    }

    /// `Ok` when live at `now`, else why not.
    pub fn check(&self, now: i64) -> Result<(), Inactive> {
        match (self.starts_at, self.ends_at) {
            (Some(starts_at), _) if now < starts_at => Err(Inactive::NotStarted { starts_at }),
            (_, Some(ends_at)) if now >= ends_at => Err(Inactive::Expired { ends_at }),
            _ => Ok(()),
        }
    }

    /// The end as a sort key: a window without an end sorts last.
    pub fn expiry_key(&self) -> i64 {
        self.ends_at.unwrap_or(i64::MAX)
    }
}
