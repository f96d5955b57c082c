//! Stock holding (占库存): the counting rule of the stock Durable Object.
//!
//! Rule: a [`Reservation`] is a list of [`Hold`]s, all taken or none. A
//! `stock` hold takes units from a counter of units left (a SKU's stock, a
//! flash sale's stock), which starts at `initial` the first time it is seen;
//! it fails with `OUT_OF_STOCK` when fewer are left. A `limit` hold adds units
//! to a counter of units one shopper holds (per SKU or per flash sale); it
//! fails with `PURCHASE_LIMIT` past `limit`. Releasing gives every unit back.
//!
//! Example: stock 50, 500 shoppers each holding 1: the first 50 reservations
//! succeed (counter 50 -> 0), the other 450 fail with `OUT_OF_STOCK`; one
//! unpaid order timing out gives its unit back (0 -> 1).
//!
//! Invariants: a units-left counter never goes below zero and a units-held
//! counter never above its limit, so whoever serialises calls to [`reserve`]
//! (one Durable Object) can never oversell; [`release`] after [`reserve`]
//! restores every counter exactly.

use crate::error::{Coded, ErrorKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What a hold counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HoldKind {
    /// Units left; starts at `initial`.
    Stock { initial: i64 },
    /// Units one shopper holds; at most `limit`.
    Limit { limit: i64 },
}

/// Units of one counter, for one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Hold {
    pub counter: String,
    pub sku_id: String,
    pub quantity: i64,
    #[serde(flatten)]
    pub kind: HoldKind,
}

/// Everything one order holds until it is paid, cancelled or times out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reservation {
    pub order_id: String,
    pub user_id: String,
    /// Unpaid after this unix time, the order times out.
    pub expires_at: i64,
    pub holds: Vec<Hold>,
}

/// Why a reservation could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockError {
    OutOfStock {
        sku_id: String,
        requested: i64,
        available: i64,
    },
    PurchaseLimit {
        sku_id: String,
        limit: i64,
        held: i64,
        requested: i64,
    },
}

impl fmt::Display for StockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StockError::OutOfStock {
                sku_id,
                requested,
                available,
            } => write!(f, "SKU {sku_id}: {requested} requested, {available} left"),
            StockError::PurchaseLimit {
                sku_id,
                limit,
                held,
                requested,
            } => write!(
                f,
                "SKU {sku_id}: limit {limit} per shopper, {held} already bought, {requested} requested"
            ),
        }
    }
}

impl Coded for StockError {
    fn code(&self) -> &'static str {
        match self {
            StockError::OutOfStock { .. } => "OUT_OF_STOCK",
            StockError::PurchaseLimit { .. } => "PURCHASE_LIMIT",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Conflict
    }
}

fn current(counters: &BTreeMap<String, i64>, hold: &Hold) -> i64 {
    match (counters.get(&hold.counter), &hold.kind) {
        (Some(&value), _) => value,
        (None, HoldKind::Stock { initial }) => *initial,
        (None, HoldKind::Limit { .. }) => 0,
    }
}

/// Take every hold of `reservation` from `counters` (the counters' current
/// values; absent ones start fresh). Returns the new value of every counter
/// touched, or the first hold that does not fit.
pub fn reserve(
    counters: &BTreeMap<String, i64>,
    reservation: &Reservation,
) -> Result<BTreeMap<String, i64>, StockError> {
    let mut next: BTreeMap<String, i64> = BTreeMap::new();
    for hold in &reservation.holds {
        let value = next
            .get(&hold.counter)
            .copied()
            .unwrap_or_else(|| current(counters, hold));
        let new = match hold.kind {
            HoldKind::Stock { .. } if value < hold.quantity => {
                return Err(StockError::OutOfStock {
                    sku_id: hold.sku_id.clone(),
                    requested: hold.quantity,
                    available: value.max(0),
                })
            }
            HoldKind::Stock { .. } => value - hold.quantity,
            HoldKind::Limit { limit } if value.saturating_add(hold.quantity) > limit => {
                return Err(StockError::PurchaseLimit {
                    sku_id: hold.sku_id.clone(),
                    limit,
                    held: value,
                    requested: hold.quantity,
                })
            }
            HoldKind::Limit { .. } => value + hold.quantity,
        };
        next.insert(hold.counter.clone(), new);
    }
    Ok(next)
}

/// Give every hold of a taken `reservation` back. Returns the new value of
/// every counter touched.
pub fn release(
    counters: &BTreeMap<String, i64>,
    reservation: &Reservation,
) -> BTreeMap<String, i64> {
    let mut next: BTreeMap<String, i64> = BTreeMap::new();
    for hold in &reservation.holds {
        let value = next
            .get(&hold.counter)
            .copied()
            .unwrap_or_else(|| current(counters, hold));
        let new = match hold.kind {
            HoldKind::Stock { .. } => value.saturating_add(hold.quantity),
            HoldKind::Limit { .. } => value.saturating_sub(hold.quantity).max(0),
        };
        next.insert(hold.counter.clone(), new);
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(user: &str, limit: i64) -> Reservation {
        Reservation {
            order_id: format!("o-{user}"),
            user_id: user.into(),
            expires_at: 0,
            holds: vec![
                Hold {
                    counter: "stock:tea".into(),
                    sku_id: "tea".into(),
                    quantity: 1,
                    kind: HoldKind::Stock { initial: 2 },
                },
                Hold {
                    counter: format!("bought:{user}:tea"),
                    sku_id: "tea".into(),
                    quantity: 1,
                    kind: HoldKind::Limit { limit },
                },
            ],
        }
    }

    #[test]
    fn never_oversells_and_release_restores() {
        let mut counters = BTreeMap::new();
        for user in ["a", "b"] {
            counters.extend(reserve(&counters, &one(user, 1)).unwrap());
        }
        assert_eq!(
            reserve(&counters, &one("c", 1)).unwrap_err().code(),
            "OUT_OF_STOCK"
        );
        counters.extend(release(&counters, &one("a", 1)));
        assert_eq!(counters["stock:tea"], 1);
        assert_eq!(counters["bought:a:tea"], 0);
        assert_eq!(
            reserve(&counters, &one("b", 1)).unwrap_err().code(),
            "PURCHASE_LIMIT"
        );
    }
}
