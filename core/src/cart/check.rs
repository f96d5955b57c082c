//! The cart check: clamp lines to stock and purchase limits, move lines that
//! cannot be bought apart, and explain every change with a warning.
//!
//! Rule, per line in cart order (valid lines first, then invalid ones), with
//! stock and purchase limit shared by every line of the same SKU:
//! 1. SKU missing from the catalog or delisted -> invalid, `UNAVAILABLE`;
//! 2. no stock left for it -> invalid, `OUT_OF_STOCK`;
//! 3. purchase limit already used up -> invalid, `LIMIT_EXCEEDED` (quantity 0);
//! 4. more than the limit allows -> clamped, `LIMIT_EXCEEDED`; more than the
//!    stock left -> clamped, `NOT_ENOUGH_STOCK` (the tighter bound is named);
//! 5. the catalog price differs from the price the shopper saw ->
//!    `PRICE_CHANGED` (old, new), and the line now remembers the new price.
//!
//! Invalid lines keep their quantity, so a restocked line comes back as it was.

use super::{Cart, CartLine, LineKey};
use crate::catalog::Catalog;
use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A non-fatal change made by [`check`], attached to a line:
/// `{"sku_id":"bun","code":"NOT_ENOUGH_STOCK","requested":5,"available":3,"quantity":3,"message":".."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Warning {
    #[serde(flatten)]
    pub line: LineKey,
    #[serde(flatten)]
    pub kind: WarningKind,
    /// For people; the numbers are in the other fields.
    pub message: String,
}

/// What happened to a line; serialised as its `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WarningKind {
    /// Nothing left to sell; the line is now invalid.
    OutOfStock {
        requested: i64,
    },
    /// Fewer units left than asked; the line now holds `quantity`.
    NotEnoughStock {
        requested: i64,
        available: i64,
        quantity: i64,
    },
    /// More than one shopper may buy; the line now holds `quantity`, or is
    /// invalid when `quantity` is 0.
    LimitExceeded {
        requested: i64,
        limit: i64,
        quantity: i64,
    },
    PriceChanged {
        old_price: Money,
        new_price: Money,
    },
    /// Delisted or gone from the catalog; the line is now invalid.
    Unavailable,
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WarningKind::OutOfStock { requested } => {
                write!(f, "out of stock ({requested} requested)")
            }
            WarningKind::NotEnoughStock {
                requested,
                available,
                quantity,
            } => write!(
                f,
                "only {available} left: quantity lowered from {requested} to {quantity}"
            ),
            WarningKind::LimitExceeded {
                requested,
                limit,
                quantity,
            } => write!(
                f,
                "limit {limit} per shopper: quantity lowered from {requested} to {quantity}"
            ),
            WarningKind::PriceChanged {
                old_price,
                new_price,
            } => write!(
                f,
                "price changed from {} to {} fen",
                old_price.as_fen(),
                new_price.as_fen()
            ),
            WarningKind::Unavailable => f.write_str("no longer on sale"),
        }
    }
}

impl Warning {
    fn new(line: &LineKey, kind: WarningKind) -> Warning {
        Warning {
            message: format!("{line}: {kind}"),
            line: line.clone(),
            kind,
        }
    }

    /// The stable code, e.g. `NOT_ENOUGH_STOCK`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            WarningKind::OutOfStock { .. } => "OUT_OF_STOCK",
            WarningKind::NotEnoughStock { .. } => "NOT_ENOUGH_STOCK",
            WarningKind::LimitExceeded { .. } => "LIMIT_EXCEEDED",
            WarningKind::PriceChanged { .. } => "PRICE_CHANGED",
            WarningKind::Unavailable => "UNAVAILABLE",
        }
    }
}

/// A checked cart and the warnings that explain how it differs from the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CartCheck {
    pub cart: Cart,
    pub warnings: Vec<Warning>,
}

/// Check `cart` against `catalog` (see the module rule).
pub fn check(cart: Cart, catalog: &Catalog<'_>) -> CartCheck {
    let mut taken: BTreeMap<String, i64> = BTreeMap::new();
    let mut out = Cart::default();
    let mut warnings = Vec::new();
    for mut line in cart.lines.into_iter().chain(cart.invalid_lines) {
        let mut kinds = Vec::new();
        let valid = check_line(&mut line, catalog, &mut taken, &mut kinds);
        warnings.extend(kinds.into_iter().map(|kind| Warning::new(&line.key, kind)));
        if valid {
            out.lines.push(line);
        } else {
            out.invalid_lines.push(line);
        }
    }
    CartCheck {
        cart: out,
        warnings,
    }
}

/// Check one line, clamping it in place and pushing what changed to
/// `warnings`; `taken` holds the units of each SKU already allotted to earlier
/// lines. Returns whether the line can be bought.
fn check_line(
    line: &mut CartLine,
    catalog: &Catalog<'_>,
    taken: &mut BTreeMap<String, i64>,
    warnings: &mut Vec<WarningKind>,
) -> bool {
    let Some(sku) = catalog.sku(&line.key.sku_id).filter(|s| s.is_listed()) else {
        warnings.push(WarningKind::Unavailable);
        return false;
    };
    let requested = line.quantity;
    let already = taken.get(&line.key.sku_id).copied().unwrap_or(0);
    let stock_left = sku.sku.stock.saturating_sub(already).max(0);
    if stock_left == 0 {
        warnings.push(WarningKind::OutOfStock { requested });
        return false;
    }
    let limit = sku.sku.purchase_limit;
    let limit_left = limit.map(|l| l.saturating_sub(already).max(0));
    let allowed = stock_left.min(limit_left.unwrap_or(i64::MAX));
    if allowed < requested {
        warnings.push(match (limit, limit_left) {
            (Some(limit), Some(left)) if left <= stock_left => WarningKind::LimitExceeded {
                requested,
                limit,
                quantity: left,
            },
            _ => WarningKind::NotEnoughStock {
                requested,
                available: stock_left,
                quantity: stock_left,
            },
        });
    }
    if allowed == 0 {
        return false;
    }
    line.quantity = requested.min(allowed);
    *taken.entry(line.key.sku_id.clone()).or_insert(0) += line.quantity;
    let price = sku.sku.list_price;
    if let Some(old_price) = line.seen_price.filter(|&p| p != price) {
        warnings.push(WarningKind::PriceChanged {
            old_price,
            new_price: price,
        });
    }
    line.seen_price = Some(price);
    true
}
