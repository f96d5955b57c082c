//! Checkout's fulfilment: which store serves the order
//! ([`crate::fulfilment`]'s decision, with the stores' live stock), what it
//! costs (the fee, priced as the quote's shipping), and what the order
//! records of it.
//!
//! Rule: an order placed with a `fulfilment` is served by the store core
//! assigns (`docs/lbs.md` §10), or refused with `NO_STORE_CAN_SERVE` (409)
//! naming every candidate and the one-tap fixes; its shipping is the mode's
//! fee for that store (pickup: 0; delivery: by distance; express: by the
//! province's template), waived from the rule's `free_over` on, and a
//! delivery below the minimum order (起送价) is `BELOW_MINIMUM_ORDER`, both
//! judged on the goods before coupons. An order placed without one ships
//! from the warehouse by the storefront's `shipping` rule, as before
//! fulfilment existed.
//!
//! The edge reads the live counters of [`stock_sources`] (each store's
//! stock keeper) and turns them into [`LiveStock`] with [`live_stock`]; the
//! phone passes the last stock it saw, or none (the snapshot's numbers).
//!
//! Invariants: pure; an order's fee is the rule book's for its assigned
//! store; a store that tracks no stock holds nothing for the order.

use super::error::OrderError;
use super::stock::STOCK_PREFIX;
use crate::fulfilment::{
    Assignment, Fulfilment, FulfilmentError, FulfilmentRules, LiveStock, Plan,
};
use crate::lbs::{Cart, StoreIndex, StoreSnapshot};
use crate::pricing::{LineRequest, Quote, ShippingRule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an order records of its fulfilment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderFulfilment {
    /// What the shopper asked for (the mode, the store or the address).
    pub requested: Fulfilment,
    /// The store that serves it and why.
    pub assignment: Assignment,
    /// After delivery (or shipping), the order completes by itself this
    /// long later unless the shopper confirms first - the merchant's terms
    /// at checkout (absent: pickup, which completes at the counter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_after_s: Option<i64>,
}

impl OrderFulfilment {
    /// The serving store.
    pub fn store_id(&self) -> &str {
        &self.assignment.store_id
    }
}

/// The stores whose live stock decides `fulfilment`: the chosen store
/// (pickup), every store that delivers (delivery), every store that ships
/// parcels (express) - those of them that track stock, in snapshot order.
pub fn stock_sources(stores: &StoreSnapshot, fulfilment: &Fulfilment) -> Vec<String> {
    stores
        .stores
        .iter()
        .filter(|s| s.stock.is_some())
        .filter(|s| match fulfilment {
            Fulfilment::Pickup { store_id, .. } => &s.id == store_id,
            Fulfilment::Delivery { .. } => s.delivery,
            Fulfilment::Express { .. } => s.express,
        })
        .map(|s| s.id.clone())
        .collect()
}

/// Live stock from what the stores' keepers counted,
/// `{store_id: {"stock:<sku>": units}}` (other counters are ignored), where
/// a counter no order or merchant has touched yet (`None`) has the
/// snapshot's units.
pub fn live_stock(
    stores: &StoreSnapshot,
    counted: &BTreeMap<String, BTreeMap<String, Option<i64>>>,
) -> LiveStock {
    counted
        .iter()
        .filter_map(|(store_id, counters)| {
            let store = stores.stores.iter().find(|s| &s.id == store_id)?;
            let snapshot = |sku: &str| {
                store
                    .stock
                    .as_ref()
                    .and_then(|stock| stock.get(sku).copied())
                    .unwrap_or(0)
            };
            let units = counters
                .iter()
                .filter_map(|(counter, live)| {
                    let sku = counter.strip_prefix(STOCK_PREFIX)?;
                    Some((sku.to_owned(), live.unwrap_or_else(|| snapshot(sku))))
                })
                .collect();
            Some((store_id.clone(), units))
        })
        .collect()
}

/// The units each SKU of a store's snapshot starts from before any order
/// or merchant touched its count; `UNKNOWN_STORE` for a store not in the
/// snapshot, `STOCK_NOT_TRACKED` for one without a `stock` map.
pub fn snapshot_stock(
    stores: &StoreSnapshot,
    store_id: &str,
) -> Result<BTreeMap<String, i64>, FulfilmentError> {
    let store = stores
        .stores
        .iter()
        .find(|s| s.id == store_id)
        .ok_or_else(|| FulfilmentError::UnknownStore {
            store_id: store_id.to_owned(),
        })?;
    store
        .stock
        .clone()
        .ok_or_else(|| FulfilmentError::StockNotTracked {
            store_id: store_id.to_owned(),
        })
}

/// The fulfilment of one checkout, decided.
pub(super) struct Served {
    pub fulfilment: OrderFulfilment,
    /// The fee, as the quote prices it.
    pub shipping: ShippingRule,
    /// The serving store's snapshot stock (`None`: not tracked).
    pub store_stock: Option<BTreeMap<String, i64>>,
    minimum: Option<crate::money::Money>,
}

impl Served {
    /// Decide who serves `lines` by `fulfilment`.
    pub fn decide(
        rules: &FulfilmentRules,
        stores: Option<&StoreSnapshot>,
        live: &LiveStock,
        now: i64,
        lines: &[LineRequest],
        fulfilment: &Fulfilment,
    ) -> Result<Served, OrderError> {
        let mode = fulfilment.mode();
        let stores = stores.ok_or(FulfilmentError::ModeNotOffered { mode })?;
        let cart = Cart::new(lines).map_err(FulfilmentError::from)?;
        let index = StoreIndex::build(stores.clone()).map_err(FulfilmentError::from)?;
        let plan = Plan {
            index: &index,
            live,
            rules,
            now,
        };
        let assignment = plan.assign(&cart, fulfilment)?;
        let not_offered = FulfilmentError::ModeNotOffered { mode };
        let (shipping, minimum) = match fulfilment {
            Fulfilment::Pickup { .. } => (
                ShippingRule {
                    region: mode.name().to_owned(),
                    fees: BTreeMap::new(),
                    default_fee: crate::money::Money::ZERO,
                    free_over: None,
                },
                None,
            ),
            Fulfilment::Delivery { .. } => {
                let fees = rules.delivery.as_ref().ok_or(not_offered)?;
                (
                    fees.shipping(assignment.distance_m.unwrap_or(0))?,
                    fees.min_order,
                )
            }
            Fulfilment::Express { address } => {
                let items = cart.lines().fold(0i64, |sum, (_, q)| sum.saturating_add(q));
                let fees = rules.express.as_ref().ok_or(not_offered)?;
                (fees.shipping(&address.province, items)?, None)
            }
        };
        let store_stock = stores
            .stores
            .iter()
            .find(|s| s.id == assignment.store_id)
            .and_then(|s| s.stock.clone());
        Ok(Served {
            fulfilment: OrderFulfilment {
                requested: fulfilment.clone(),
                complete_after_s: rules.complete_after_s(mode),
                assignment,
            },
            shipping,
            store_stock,
            minimum,
        })
    }

    /// `BELOW_MINIMUM_ORDER` when the quoted goods do not reach the
    /// delivery minimum.
    pub fn check_minimum(&self, quote: &Quote) -> Result<(), OrderError> {
        let goods = quote.goods_before_coupons();
        match self.minimum {
            Some(minimum) if goods < minimum => {
                Err(FulfilmentError::BelowMinimumOrder { minimum, goods }.into())
            }
            _ => Ok(()),
        }
    }
}
