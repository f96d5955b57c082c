//! Why a quote could not be made: [`PricingError`].
//!
//! Rule: a request that cannot be priced honestly is rejected as a whole with
//! one typed error, found in a fixed order (rules first, then the catalog,
//! then the lines, then the points request), so every runtime reports the same
//! error for the same request. A coupon that merely does not apply is *not* an
//! error: it is reported in the quote with a reason.
//!
//! Example: a coupon with `percent_off: 120` fails with
//! `PERCENT_OUT_OF_RANGE` and the message
//! "coupon c1: percentage must be between 0 and 100, got 120".
//!
//! Invariants: codes are stable (part of the contract); messages carry the
//! numbers; nothing in pricing panics on any input.

use crate::catalog::CatalogError;
use crate::error::Coded;
use crate::money::{Money, MoneyError};
use std::fmt;

/// Which kind of rule a configuration error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Activity,
    FullReduction,
    Coupon,
    Membership,
    Points,
    Shipping,
    Stacking,
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuleKind::Activity => "activity",
            RuleKind::FullReduction => "full reduction",
            RuleKind::Coupon => "coupon",
            RuleKind::Membership => "member tier",
            RuleKind::Points => "points rule",
            RuleKind::Shipping => "shipping rule",
            RuleKind::Stacking => "stacking rule",
        })
    }
}

/// Why a quote could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PricingError {
    Catalog(CatalogError),
    UnknownSku {
        sku_id: String,
    },
    InvalidQuantity {
        sku_id: String,
        quantity: i64,
    },
    Overflow,
    /// Two rules of one kind share an id (or a coupon is chosen twice).
    DuplicateId {
        rule: RuleKind,
        id: String,
    },
    PercentOutOfRange {
        rule: RuleKind,
        id: String,
        percent: i64,
    },
    /// A validity window that ends at or before its start.
    InvalidWindow {
        rule: RuleKind,
        id: String,
        starts_at: i64,
        ends_at: i64,
    },
    /// An amount or count that must not be negative.
    NegativeAmount {
        rule: RuleKind,
        id: String,
        field: &'static str,
        value: i64,
    },
    /// A rule that cannot be evaluated (no tiers, a zero step, ...).
    InvalidRule {
        rule: RuleKind,
        id: String,
        detail: &'static str,
    },
    /// The shopper chose a coupon they do not hold.
    UnknownCoupon {
        coupon_id: String,
    },
    /// More points than allowed, with the points rule set to reject.
    PointsExceedAllowed {
        requested: i64,
        allowed: i64,
    },
}

impl From<CatalogError> for PricingError {
    fn from(e: CatalogError) -> Self {
        PricingError::Catalog(e)
    }
}

impl From<MoneyError> for PricingError {
    fn from(_: MoneyError) -> Self {
        PricingError::Overflow
    }
}

impl fmt::Display for PricingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PricingError::Catalog(e) => e.fmt(f),
            PricingError::UnknownSku { sku_id } => {
                write!(f, "SKU {sku_id} is not in the catalog")
            }
            PricingError::InvalidQuantity { sku_id, quantity } => {
                write!(
                    f,
                    "quantity of SKU {sku_id} must be at least 1, got {quantity}"
                )
            }
            PricingError::Overflow => MoneyError::Overflow.fmt(f),
            PricingError::DuplicateId { rule, id } => {
                write!(f, "{rule} {id} appears more than once")
            }
            PricingError::PercentOutOfRange { rule, id, percent } => write!(
                f,
                "{rule} {id}: percentage must be between 0 and 100, got {percent}"
            ),
            PricingError::InvalidWindow {
                rule,
                id,
                starts_at,
                ends_at,
            } => write!(
                f,
                "{rule} {id}: window ends at {ends_at}, not after its start {starts_at}"
            ),
            PricingError::NegativeAmount {
                rule,
                id,
                field,
                value,
            } => write!(f, "{rule} {id}: {field} must not be negative, got {value}"),
            PricingError::InvalidRule { rule, id, detail } => write!(f, "{rule} {id}: {detail}"),
            PricingError::UnknownCoupon { coupon_id } => {
                write!(f, "coupon {coupon_id} was chosen but is not held")
            }
            PricingError::PointsExceedAllowed { requested, allowed } => write!(
                f,
                "{requested} points requested, at most {allowed} allowed on this order"
            ),
        }
    }
}

impl Coded for PricingError {
    fn code(&self) -> &'static str {
        match self {
            PricingError::Catalog(e) => e.code(),
            PricingError::UnknownSku { .. } => "UNKNOWN_SKU",
            PricingError::InvalidQuantity { .. } => "INVALID_QUANTITY",
            PricingError::Overflow => "AMOUNT_OVERFLOW",
            PricingError::DuplicateId { rule, .. } => match rule {
                RuleKind::Coupon => "DUPLICATE_COUPON",
                RuleKind::Activity => "DUPLICATE_ACTIVITY",
                RuleKind::FullReduction => "DUPLICATE_FULL_REDUCTION",
                _ => "DUPLICATE_RULE",
            },
            PricingError::PercentOutOfRange { .. } => "PERCENT_OUT_OF_RANGE",
            PricingError::InvalidWindow { .. } => "INVALID_WINDOW",
            PricingError::NegativeAmount { .. } => "NEGATIVE_AMOUNT",
            PricingError::InvalidRule { .. } => "INVALID_RULE",
            PricingError::UnknownCoupon { .. } => "UNKNOWN_COUPON",
            PricingError::PointsExceedAllowed { .. } => "POINTS_EXCEED_ALLOWED",
        }
    }
}

/// Shared checks of rule configuration, each naming the rule it is about.
pub(crate) struct RuleCheck<'a> {
    pub rule: RuleKind,
    pub id: &'a str,
}

impl RuleCheck<'_> {
    pub fn percent(&self, percent: i64) -> Result<(), PricingError> {
        if (0..=100).contains(&percent) {
            Ok(())
        } else {
            Err(PricingError::PercentOutOfRange {
                rule: self.rule,
                id: self.id.to_owned(),
                percent,
            })
        }
    }

    pub fn non_negative(&self, field: &'static str, value: i64) -> Result<(), PricingError> {
        if value >= 0 {
            Ok(())
        } else {
            Err(PricingError::NegativeAmount {
                rule: self.rule,
                id: self.id.to_owned(),
                field,
                value,
            })
        }
    }

    pub fn amount(&self, field: &'static str, value: Money) -> Result<(), PricingError> {
        self.non_negative(field, value.as_fen())
    }

    pub fn invalid(&self, detail: &'static str) -> PricingError {
        PricingError::InvalidRule {
            rule: self.rule,
            id: self.id.to_owned(),
            detail,
        }
    }
}

/// Fails on the first id that appears twice.
pub(crate) fn unique_ids<'a>(
    rule: RuleKind,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<(), PricingError> {
    let mut seen = std::collections::BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(PricingError::DuplicateId {
                rule,
                id: id.to_owned(),
            });
        }
    }
    Ok(())
}
