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
//! Keepers (库存归属): every counter lives with exactly one keeper - one
//! Durable Object at the edge - named by [`Keeper::name`]: a store's stock
//! with that store (`store:<id>`), a flash sale's stock and per-shopper
//! limit with the sale (`flash:<activity id>`), a shopper's purchase limits
//! with the shopper (`shopper:<user id>`), and the warehouse stock of orders
//! placed without a fulfilment with `global` (the name the single stock
//! object always had, so its counters carry on). An order's holds are split
//! into one [`Reservation`] per keeper, taken in keeper-name order (flash
//! sales, the most contended, first); a reservation refused by one keeper
//! gives back those already taken.
//!
//! Invariants: a units-left counter never goes below zero and a units-held
//! counter never above its limit, so whoever serialises calls to [`reserve`]
//! for a keeper (its Durable Object) can never oversell; [`release`] after
//! [`reserve`] restores every counter exactly; no counter is named by two
//! keepers.

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

/// Who counts a hold: one Durable Object each (see the module rule).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Keeper {
    /// The warehouse stock of orders without a fulfilment.
    Warehouse,
    Store(String),
    Flash(String),
    Shopper(String),
}

impl Keeper {
    /// The keeper's object name, e.g. `store:sh-jingan`.
    pub fn name(&self) -> String {
        match self {
            Keeper::Warehouse => WAREHOUSE.to_owned(),
            Keeper::Store(id) => format!("store:{id}"),
            Keeper::Flash(id) => format!("flash:{id}"),
            Keeper::Shopper(id) => format!("shopper:{id}"),
        }
    }
}

impl Keeper {
    /// The keeper of `counter` as checkout names counters: `flash:<id>`
    /// and `flash-bought:<user>:<id>` with the sale, `bought:<user>:<sku>`
    /// with the shopper, `stock:<sku>` with `store` (absent: the
    /// warehouse).
    pub fn of_counter(counter: &str, store: Option<&str>) -> Keeper {
        let mut parts = counter.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("flash"), Some(id), None) => Keeper::Flash(id.to_owned()),
            (Some("flash-bought"), Some(_), Some(id)) => Keeper::Flash(id.to_owned()),
            (Some("bought"), Some(user), Some(_)) => Keeper::Shopper(user.to_owned()),
            _ => match store {
                Some(id) => Keeper::Store(id.to_owned()),
                None => Keeper::Warehouse,
            },
        }
    }
}

impl Keeper {
    /// The keeper named `name` ([`Keeper::name`]'s inverse).
    pub fn parse(name: &str) -> Option<Keeper> {
        match name.split_once(':') {
            None if name == WAREHOUSE => Some(Keeper::Warehouse),
            Some(("store", id)) => Some(Keeper::Store(id.to_owned())),
            Some(("flash", id)) => Some(Keeper::Flash(id.to_owned())),
            Some(("shopper", id)) => Some(Keeper::Shopper(id.to_owned())),
            _ => None,
        }
    }

    /// Prefixes under which earlier versions kept this keeper's counters
    /// in `global` (before keepers, every counter was there); each counter
    /// found under them belongs here if [`Keeper::of_counter`] says so.
    pub fn legacy_prefixes(&self) -> Vec<String> {
        match self {
            Keeper::Flash(id) => vec![format!("flash:{id}"), "flash-bought:".to_owned()],
            Keeper::Shopper(user) => vec![format!("bought:{user}:")],
            Keeper::Warehouse | Keeper::Store(_) => Vec::new(),
        }
    }
}

/// The warehouse keeper's name: the one stock object of earlier versions.
pub const WAREHOUSE: &str = "global";

/// The counter of a SKU's units left (at a store, or in the warehouse).
pub fn stock_counter(sku_id: &str) -> String {
    format!("{STOCK_PREFIX}{sku_id}")
}

/// What every units-left counter of a SKU starts with.
pub const STOCK_PREFIX: &str = "stock:";

/// Everything one order holds with one keeper until it is paid, cancelled
/// or times out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reservation {
    /// The keeper's name ([`Keeper::name`]); empty in records written
    /// before keepers existed (all held by `global`).
    #[serde(default)]
    pub keeper: String,
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

/// A merchant's change to a SKU's units left at a keeper (补货 / 盘点):
/// exactly one of `set` (the count now on the shelf) and `add` (units
/// arrived, or negative: units lost), with the reason for the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StockChange {
    pub sku_id: String,
    #[serde(default)]
    pub set: Option<i64>,
    #[serde(default)]
    pub add: Option<i64>,
    /// Why, for the ledger: 1 to 200 characters ("到货", "盘点", "破损").
    pub reason: String,
}

/// One line of a keeper's append-only stock ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LedgerEntry {
    /// Position in the ledger, from 1.
    pub seq: u64,
    pub at: i64,
    /// Who changed it (`admin`, or a staff member).
    pub by: String,
    pub sku_id: String,
    pub reason: String,
    /// Units left before and after (held units of unpaid orders excluded).
    pub before: i64,
    pub after: i64,
}

/// Why a stock change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidStockChange(pub String);

impl fmt::Display for InvalidStockChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stock change: {}", self.0)
    }
}

impl Coded for InvalidStockChange {
    fn code(&self) -> &'static str {
        "INVALID_STOCK_CHANGE"
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Domain
    }
}

/// Units left after `change`, from `before`. The result must be a count
/// (0 to 2^53 - 1): a change that would take more units than are left is
/// refused, never clamped.
pub fn adjust(before: i64, change: &StockChange) -> Result<i64, InvalidStockChange> {
    let bad = |why: &str| Err(InvalidStockChange(format!("{}: {why}", change.sku_id)));
    if !(1..=200).contains(&change.reason.chars().count()) {
        return bad("give a reason of 1 to 200 characters");
    }
    let after = match (change.set, change.add) {
        (Some(set), None) => set,
        (None, Some(add)) => match before.checked_add(add) {
            Some(after) => after,
            None => return bad("the count would overflow"),
        },
        _ => return bad("give exactly one of `set` and `add`"),
    };
    if !(0..=crate::lbs::JS_SAFE).contains(&after) {
        return bad(&format!(
            "{before} units left, the change would make {after}"
        ));
    }
    Ok(after)
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
            keeper: WAREHOUSE.into(),
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
    fn a_stock_change_sets_or_adds_and_never_goes_below_zero() {
        let change = |set, add| StockChange {
            sku_id: "tea".into(),
            set,
            add,
            reason: "到货".into(),
        };
        assert_eq!(adjust(3, &change(Some(10), None)), Ok(10));
        assert_eq!(adjust(3, &change(None, Some(5))), Ok(8));
        assert_eq!(adjust(3, &change(None, Some(-3))), Ok(0));
        for refused in [
            change(None, Some(-4)),
            change(Some(1), Some(1)),
            change(None, None),
            change(Some(-1), None),
            change(None, Some(i64::MAX)),
        ] {
            assert_eq!(
                adjust(3, &refused).unwrap_err().code(),
                "INVALID_STOCK_CHANGE"
            );
        }
        let no_reason = StockChange {
            reason: String::new(),
            ..change(Some(1), None)
        };
        assert!(adjust(3, &no_reason).is_err());
    }

    #[test]
    fn counters_belong_to_the_keepers_checkout_names() {
        let of = |c| Keeper::of_counter(c, None).name();
        assert_eq!(of("flash:fs-1"), "flash:fs-1");
        assert_eq!(of("flash-bought:u-1:fs-1"), "flash:fs-1");
        assert_eq!(of("bought:u-1:tea"), "shopper:u-1");
        assert_eq!(of("stock:tea"), "global");
        assert_eq!(
            Keeper::of_counter("stock:tea", Some("sh-1")).name(),
            "store:sh-1"
        );
        for keeper in [
            Keeper::Warehouse,
            Keeper::Store("sh-1".into()),
            Keeper::Flash("fs-1".into()),
            Keeper::Shopper("u-1".into()),
        ] {
            assert_eq!(Keeper::parse(&keeper.name()), Some(keeper));
        }
        assert_eq!(Keeper::parse("elsewhere:x"), None);
    }

    #[test]
    fn legacy_counters_are_found_under_their_keepers_prefixes() {
        let global = [
            "stock:tea",
            "bought:u-1:tea",
            "bought:u-10:tea",
            "flash:fs-1",
            "flash:fs-10",
            "flash-bought:u-1:fs-1",
            "flash-bought:u-1:fs-10",
        ];
        let adopted = |keeper: Keeper| -> Vec<&str> {
            global
                .iter()
                .copied()
                .filter(|c| {
                    keeper
                        .legacy_prefixes()
                        .iter()
                        .any(|p| c.starts_with(p.as_str()))
                })
                .filter(|c| Keeper::of_counter(c, None) == keeper)
                .collect()
        };
        assert_eq!(adopted(Keeper::Shopper("u-1".into())), ["bought:u-1:tea"]);
        assert_eq!(
            adopted(Keeper::Flash("fs-1".into())),
            ["flash:fs-1", "flash-bought:u-1:fs-1"]
        );
        assert!(adopted(Keeper::Store("s".into())).is_empty());
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
