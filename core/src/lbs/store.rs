//! The store model: a snapshot as shipped to clients, and a validated store.
//!
//! Rules:
//! - A [`StoreSnapshot`] is plain data handed in by the caller (the worker from
//!   KV, the mini-program from its offline cache). It names the coordinate
//!   system of all its positions once (`"coord": "gcj02"`, the system of
//!   Chinese map data; `wgs84` and `bd09` are accepted and converted).
//! - **Canonical system: GCJ-02.** Each store's location and delivery areas
//!   are held in GCJ-02 (what the merchant drew and what the mini-program's
//!   `<map>` shows); each store also keeps its WGS-84 position, computed once,
//!   for true distances.
//! - `name` and `address` are optional display text for the shopper: core
//!   keeps them in the snapshot (so a cached snapshot still has them) and never
//!   reads them; responses carry ids, and pages look names up by id.
//! - A store offers `pickup` and/or `delivery` (both default true); delivery
//!   also needs a delivery area containing the shopper (none drawn = delivers
//!   nowhere). Opening hours and closures: see `hours`. `stock` maps SKU id to
//!   units on hand; absent means stock is not tracked (every SKU available), a
//!   SKU missing from a present map has 0 units.
//!
//! Worked example:
//!
//! ```
//! use commerce_core::lbs::{Cart, StoreIndex, StoreSnapshot};
//! let snapshot: StoreSnapshot = serde_json::from_str(r#"{"coord":"gcj02","stores":[
//!   {"id":"s1","location":{"lat":31.2304,"lng":121.4737},"stock":{"tea":2}}]}"#).unwrap();
//! let index = StoreIndex::build(snapshot).unwrap();
//! let store = &index.stores()[0];
//! let cart = Cart::new(&[commerce_core::pricing::LineRequest { sku_id: "tea".into(), quantity: 3 }]).unwrap();
//! assert!(!store.has_stock(&cart));
//! ```
//!
//! Invariants of a [`ValidStore`]: valid coordinates, valid delivery areas,
//! sane hours, closures with `from < until`, stock within `0..=2^53-1`.

use super::area::DeliveryArea;
use super::coord::{AnyLatLng, Gcj02, LatLng, System, Wgs84};
use super::error::{LbsError, JS_SAFE};
use super::hours::{Closure, HoursEntry, Schedule};
use crate::pricing::LineRequest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn yes() -> bool {
    true
}

/// All stores at one moment, as shipped to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StoreSnapshot {
    /// Opaque version of the snapshot (echoed in responses, used as an ETag).
    #[serde(default)]
    pub version: String,
    /// System of every position in the snapshot: `wgs84`, `gcj02` or `bd09`.
    pub coord: String,
    #[serde(default)]
    pub stores: Vec<Store>,
}

/// A latitude/longitude pair in degrees whose system is given by its container.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WireLatLng {
    pub lat: f64,
    pub lng: f64,
}

/// One store as on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Store {
    pub id: String,
    /// Display name for shoppers (e.g. "静安店 Jing'an"); optional, never
    /// matched on: kept and passed through as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Display address; optional, passed through like `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub location: WireLatLng,
    #[serde(default = "yes")]
    pub pickup: bool,
    #[serde(default = "yes")]
    pub delivery: bool,
    /// Ships parcels (快递) from its stock; default false.
    #[serde(default)]
    pub express: bool,
    /// Zero or more polygons, each its vertices in order (closing edge implied).
    #[serde(default)]
    pub delivery_areas: Vec<Vec<WireLatLng>>,
    /// Weekly opening hours; absent = always open.
    #[serde(default)]
    pub hours: Option<Vec<HoursEntry>>,
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// Units on hand by SKU id; absent = not tracked.
    #[serde(default)]
    pub stock: Option<BTreeMap<String, i64>>,
}

/// A validated store in the canonical system.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidStore {
    pub id: String,
    pub location: LatLng<Gcj02>,
    /// The true position, for distances.
    pub position: LatLng<Wgs84>,
    pub pickup: bool,
    pub delivery: bool,
    pub express: bool,
    pub areas: Vec<DeliveryArea<Gcj02>>,
    pub schedule: Schedule,
    pub stock: Option<BTreeMap<String, i64>>,
}

impl ValidStore {
    /// Validate `store`, whose positions are in `system`.
    pub fn new(store: Store, system: System) -> Result<ValidStore, LbsError> {
        let id = store.id;
        let canonical = |p: WireLatLng, at: &dyn Fn() -> String| {
            AnyLatLng::new(system, p.lat, p.lng, at).map(AnyLatLng::to_gcj02)
        };
        let location = canonical(store.location, &|| format!("store {id}"))?;
        let areas = store
            .delivery_areas
            .iter()
            .enumerate()
            .map(|(area, ring)| {
                let vertices = ring
                    .iter()
                    .enumerate()
                    .map(|(vertex, p)| {
                        canonical(*p, &|| {
                            format!("store {id} delivery area {area} vertex {vertex}")
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                DeliveryArea::new(&vertices).map_err(|reason| LbsError::InvalidDeliveryArea {
                    store_id: id.clone(),
                    area,
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let schedule = Schedule::new(&id, store.hours.as_deref(), &store.closures)?;
        if let Some((sku_id, &stock)) = store
            .stock
            .iter()
            .flatten()
            .find(|(_, s)| !(0..=JS_SAFE).contains(*s))
        {
            return Err(LbsError::InvalidStock {
                store_id: id.clone(),
                sku_id: sku_id.clone(),
                stock,
            });
        }
        Ok(ValidStore {
            position: location.to_wgs84(),
            location,
            pickup: store.pickup,
            delivery: store.delivery,
            express: store.express,
            areas,
            schedule,
            stock: store.stock,
            id,
        })
    }

    /// Whether some delivery area contains `point` (boundary included).
    pub fn delivers_to(&self, point: LatLng<Gcj02>) -> bool {
        self.areas.iter().any(|a| a.contains(point))
    }

    /// Units of `sku_id` on hand: `live` (the stock keeper's count) when
    /// given, else the snapshot's; `None` when stock is not tracked.
    pub fn units(&self, sku_id: &str, live: Option<&BTreeMap<String, i64>>) -> Option<i64> {
        live.or(self.stock.as_ref())
            .map(|stock| stock.get(sku_id).copied().unwrap_or(0))
    }

    /// Whether the store has every cart line's quantity on hand.
    pub fn has_stock(&self, cart: &Cart) -> bool {
        self.stock.as_ref().is_none_or(|stock| {
            cart.0
                .iter()
                .all(|(sku, wanted)| stock.get(sku).copied().unwrap_or(0) >= *wanted)
        })
    }
}

/// A shopper's cart for the stock filter: total quantity per SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cart(BTreeMap<String, i64>);

impl Cart {
    /// Sum the lines per SKU; each quantity and total must be within `1..=2^53-1`.
    pub fn new(lines: &[LineRequest]) -> Result<Cart, LbsError> {
        let mut totals = BTreeMap::new();
        for line in lines {
            let invalid = |quantity| LbsError::InvalidQuantity {
                sku_id: line.sku_id.clone(),
                quantity,
            };
            if !(1..=JS_SAFE).contains(&line.quantity) {
                return Err(invalid(line.quantity));
            }
            let total: &mut i64 = totals.entry(line.sku_id.clone()).or_default();
            *total += line.quantity;
            if *total > JS_SAFE {
                return Err(invalid(*total));
            }
        }
        Ok(Cart(totals))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Quantity per SKU, in SKU order.
    pub fn lines(&self) -> impl Iterator<Item = (&str, i64)> {
        self.0.iter().map(|(sku, q)| (sku.as_str(), *q))
    }
}
