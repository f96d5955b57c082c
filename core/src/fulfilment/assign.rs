//! Which store serves the order: one decision, the same on the phone (a
//! preview with the last stock it saw) and at the edge (with live stock).
//!
//! Rules:
//! - **pickup** at the chosen store: the store must exist, offer pickup, be
//!   open at `pickup_at` (absent: now; not in the past, not later than
//!   `max_pickup_ahead_s`) and hold every line;
//! - **delivery** to an address: among the stores that offer delivery, are
//!   open now and have a delivery area containing the address (boundary
//!   included), within the fees' `max_distance_m`, the nearest that holds
//!   every line. Distance is great-circle metres, rounded, from the store's
//!   true position to the address; equal distances go to the smaller store
//!   id (byte order), as every store query does (`docs/lbs.md`);
//! - **express** (parcels): among the stores that ship parcels, the first in
//!   the merchant's order of stores that holds every line; hours do not
//!   matter (parcels leave when the warehouse works); the province must be
//!   one the express fees serve.
//! - "Holds": a store's live count ([`LiveStock`]) when the caller has one,
//!   else its snapshot's `stock`; a store that tracks no stock holds
//!   everything.
//!
//! When no store can serve, the error lists each candidate with every
//! reason (service, area, distance, hours) and every line it is short of,
//! nearest first (at most [`crate::lbs::query::MAX_EXCLUDED`]), plus the
//! suggestions a page offers as one-tap fixes: the nearest store open now
//! where the whole cart can be picked up, and the smallest trim of the cart
//! (fewest units removed, then nearest) that lets a candidate serve it.
//!
//! Example: two delivering stores, stock only at the farther one - the order
//! goes there, and the nearer one is listed as passed over, short of stock
//! (see the vectors `tests/vectors/fulfilment-*.json`).
//!
//! Invariants: the decision is a pure function of its arguments; a store is
//! assigned only if every rule above holds for it; every suggestion, applied,
//! is served by the store it names (property-tested in
//! `core/tests/fulfilment_props.rs`).

use super::contract::{
    Assignment, Candidate, Fulfilment, FulfilmentRules, LiveStock, LowStock, Mode, Short,
    Suggestion, TrimLine, Why,
};
use super::error::FulfilmentError;
use crate::lbs::query::{MAX_EXCLUDED, MAX_K};
use crate::lbs::{
    nearest, AnyLatLng, Cart, ChinaTime, Filters, Limit, Mode as Service, Reason, Shopper,
    StoreIndex, ValidStore,
};

/// How many pickup stores the "pickup instead" suggestion looks at.
const PICKUP_SCAN: i64 = 50;
/// How many passed-over stores an assignment names.
const PASSED_OVER: usize = 5;

/// Everything the decision depends on.
pub struct Plan<'a> {
    pub index: &'a StoreIndex,
    pub live: &'a LiveStock,
    pub rules: &'a FulfilmentRules,
    /// Unix seconds.
    pub now: i64,
}

impl Plan<'_> {
    /// The store that serves `cart` by `fulfilment`, or why none can.
    pub fn assign(
        &self,
        cart: &Cart,
        fulfilment: &Fulfilment,
    ) -> Result<Assignment, FulfilmentError> {
        match fulfilment {
            Fulfilment::Pickup {
                store_id,
                pickup_at,
                near,
            } => {
                let near = near
                    .as_ref()
                    .map(|p| p.parse(|| "near".into()))
                    .transpose()?
                    .map(Shopper::new);
                self.pickup(cart, store_id, *pickup_at, near)
            }
            Fulfilment::Delivery { address } => {
                let (_, point) = address.checked()?;
                self.delivery(cart, Shopper::new(point))
            }
            Fulfilment::Express { address } => {
                let address = address.checked()?;
                self.express(cart, &address.province)
            }
        }
    }

    fn stock_of(&self, store: &ValidStore) -> Option<&std::collections::BTreeMap<String, i64>> {
        self.live.get(&store.id)
    }

    /// The lines `store` has too few of.
    fn short(&self, store: &ValidStore, cart: &Cart) -> Vec<Short> {
        cart.lines()
            .filter_map(|(sku_id, wanted)| {
                let available = store.units(sku_id, self.stock_of(store))?;
                (available < wanted).then(|| Short {
                    sku_id: sku_id.to_owned(),
                    wanted,
                    available: available.max(0),
                })
            })
            .collect()
    }

    /// The lines that leave `store` with at most `low_stock_at` units.
    fn low_stock(&self, store: &ValidStore, cart: &Cart) -> Vec<LowStock> {
        cart.lines()
            .filter_map(|(sku_id, wanted)| {
                let left = store.units(sku_id, self.stock_of(store))?;
                (left - wanted <= self.rules.low_stock_at).then(|| LowStock {
                    sku_id: sku_id.to_owned(),
                    left,
                })
            })
            .collect()
    }

    fn assigned(
        &self,
        store: &ValidStore,
        cart: &Cart,
        mode: Mode,
        why: Why,
        distance_m: Option<u64>,
    ) -> Assignment {
        Assignment {
            mode,
            store_id: store.id.clone(),
            why,
            distance_m,
            pickup_at: None,
            low_stock: self.low_stock(store, cart),
            passed_over: Vec::new(),
        }
    }

    fn pickup(
        &self,
        cart: &Cart,
        store_id: &str,
        pickup_at: Option<i64>,
        near: Option<Shopper>,
    ) -> Result<Assignment, FulfilmentError> {
        if !self.rules.pickup {
            return Err(FulfilmentError::ModeNotOffered { mode: Mode::Pickup });
        }
        let store = self
            .index
            .stores()
            .iter()
            .find(|s| s.id == store_id)
            .ok_or_else(|| FulfilmentError::UnknownStore {
                store_id: store_id.to_owned(),
            })?;
        let at = pickup_at.unwrap_or(self.now);
        if at < self.now {
            return Err(FulfilmentError::PickupTimePast {
                pickup_at: at,
                now: self.now,
            });
        }
        let latest = self.now.saturating_add(self.rules.max_pickup_ahead_s);
        if at > latest {
            return Err(FulfilmentError::PickupTooFarAhead {
                pickup_at: at,
                latest,
            });
        }
        let filters = Filters {
            mode: Some(Service::Pickup),
            at: Some(ChinaTime::from_unix(at)?),
            cart: Cart::default(),
        };
        let here = Shopper::new(AnyLatLng::Gcj02(store.location));
        let reasons = filters.reasons(store, &here);
        let short = self.short(store, cart);
        let distance_m = near.map(|n| n.position.metres_to(store.position));
        if reasons.is_empty() && short.is_empty() {
            return Ok(Assignment {
                pickup_at,
                ..self.assigned(store, cart, Mode::Pickup, Why::Chosen, distance_m)
            });
        }
        let from = near.unwrap_or(here);
        let mut suggestions: Vec<Suggestion> = self
            .pickup_elsewhere(cart, &from, Some(store_id))
            .into_iter()
            .collect();
        if reasons.is_empty() {
            suggestions.extend(trim(store, &short, cart, Mode::Pickup));
        }
        Err(FulfilmentError::NoStore {
            mode: Mode::Pickup,
            candidates: vec![Candidate {
                store_id: store.id.clone(),
                distance_m,
                reasons,
                short,
            }],
            suggestions,
        })
    }

    /// The nearest store open now where the whole cart can be picked up.
    fn pickup_elsewhere(
        &self,
        cart: &Cart,
        from: &Shopper,
        except: Option<&str>,
    ) -> Option<Suggestion> {
        if !self.rules.pickup {
            return None;
        }
        let filters = Filters {
            mode: Some(Service::Pickup),
            at: ChinaTime::from_unix(self.now).ok(),
            cart: Cart::default(),
        };
        let limit = Limit::new(Some(PICKUP_SCAN), 1).ok()?;
        nearest(self.index, from, limit, None, &filters)
            .stores
            .into_iter()
            .find(|f| Some(f.store.id.as_str()) != except && self.short(f.store, cart).is_empty())
            .map(|f| Suggestion::PickupAt {
                store_id: f.store.id.clone(),
                distance_m: Some(f.distance_m),
            })
    }

    fn delivery(&self, cart: &Cart, to: Shopper) -> Result<Assignment, FulfilmentError> {
        let fees = self
            .rules
            .delivery
            .as_ref()
            .ok_or(FulfilmentError::ModeNotOffered {
                mode: Mode::Delivery,
            })?;
        let filters = Filters {
            mode: Some(Service::Delivery),
            at: Some(ChinaTime::from_unix(self.now)?),
            cart: Cart::default(),
        };
        let limit = Limit::new(Some(i64::from(MAX_K)), MAX_K)?;
        let found = nearest(self.index, &to, limit, None, &filters);
        let mut passed: Vec<Candidate> = Vec::new();
        for hit in &found.stores {
            let mut reasons = Vec::new();
            if !fees.reaches(hit.distance_m) {
                reasons.push(Reason::TooFar);
            }
            let short = self.short(hit.store, cart);
            if reasons.is_empty() && short.is_empty() {
                let mut passed_over: Vec<Candidate> = found
                    .excluded
                    .iter()
                    .filter(|e| e.distance_m <= hit.distance_m)
                    .map(|e| candidate(e.store, e.distance_m, e.reasons.clone(), Vec::new()))
                    .chain(passed)
                    .collect();
                sort_nearest(&mut passed_over);
                passed_over.truncate(PASSED_OVER);
                return Ok(Assignment {
                    passed_over,
                    ..self.assigned(
                        hit.store,
                        cart,
                        Mode::Delivery,
                        Why::NearestWithStock,
                        Some(hit.distance_m),
                    )
                });
            }
            passed.push(candidate(hit.store, hit.distance_m, reasons, short));
        }
        let mut suggestions: Vec<Suggestion> =
            self.pickup_elsewhere(cart, &to, None).into_iter().collect();
        suggestions.extend(best_trim(
            found
                .stores
                .iter()
                .zip(&passed)
                .filter(|(_, c)| c.reasons.is_empty())
                .map(|(hit, c)| (hit.store, &c.short)),
            cart,
            Mode::Delivery,
        ));
        let mut candidates: Vec<Candidate> = passed
            .into_iter()
            .chain(
                found
                    .excluded
                    .iter()
                    .map(|e| candidate(e.store, e.distance_m, e.reasons.clone(), Vec::new())),
            )
            .collect();
        sort_nearest(&mut candidates);
        candidates.truncate(MAX_EXCLUDED);
        Err(FulfilmentError::NoStore {
            mode: Mode::Delivery,
            candidates,
            suggestions,
        })
    }

    fn express(&self, cart: &Cart, province: &str) -> Result<Assignment, FulfilmentError> {
        let fees = self
            .rules
            .express
            .as_ref()
            .ok_or(FulfilmentError::ModeNotOffered {
                mode: Mode::Express,
            })?;
        fees.template(province)?;
        let shippers: Vec<&ValidStore> = self.index.stores().iter().filter(|s| s.express).collect();
        if shippers.is_empty() {
            return Err(FulfilmentError::ModeNotOffered {
                mode: Mode::Express,
            });
        }
        let shorts: Vec<Vec<Short>> = shippers.iter().map(|s| self.short(s, cart)).collect();
        if let Some(store) = shippers
            .iter()
            .zip(&shorts)
            .find(|(_, short)| short.is_empty())
            .map(|(s, _)| *s)
        {
            return Ok(self.assigned(store, cart, Mode::Express, Why::FirstShipperWithStock, None));
        }
        let suggestions = best_trim(shippers.iter().copied().zip(&shorts), cart, Mode::Express)
            .into_iter()
            .collect();
        let mut candidates: Vec<Candidate> = shippers
            .iter()
            .zip(shorts)
            .map(|(s, short)| Candidate {
                store_id: s.id.clone(),
                distance_m: None,
                reasons: Vec::new(),
                short,
            })
            .collect();
        candidates.truncate(MAX_EXCLUDED);
        Err(FulfilmentError::NoStore {
            mode: Mode::Express,
            candidates,
            suggestions,
        })
    }
}

fn candidate(
    store: &ValidStore,
    distance_m: u64,
    reasons: Vec<Reason>,
    short: Vec<Short>,
) -> Candidate {
    Candidate {
        store_id: store.id.clone(),
        distance_m: Some(distance_m),
        reasons,
        short,
    }
}

fn sort_nearest(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| (a.distance_m, &a.store_id).cmp(&(b.distance_m, &b.store_id)));
}

/// The trim that lets `store` serve: keep what it has of each short line.
/// `None` when nothing would be left.
fn trim(store: &ValidStore, short: &[Short], cart: &Cart, mode: Mode) -> Option<Suggestion> {
    let removed: i64 = short.iter().map(|s| s.wanted - s.available).sum();
    let total: i64 = cart.lines().map(|(_, q)| q).sum();
    (removed < total && !short.is_empty()).then(|| Suggestion::Trim {
        store_id: store.id.clone(),
        mode,
        lines: short
            .iter()
            .map(|s| TrimLine {
                sku_id: s.sku_id.clone(),
                keep: s.available,
            })
            .collect(),
    })
}

/// Of `stores` (in preference order) with their shortages, the trim that
/// removes the fewest units (the first such store on a tie).
fn best_trim<'a>(
    stores: impl Iterator<Item = (&'a ValidStore, &'a Vec<Short>)>,
    cart: &Cart,
    mode: Mode,
) -> Option<Suggestion> {
    stores
        .filter_map(|(store, short)| {
            let removed: i64 = short.iter().map(|s| s.wanted - s.available).sum();
            trim(store, short, cart, mode).map(|t| (removed, t))
        })
        .min_by_key(|(removed, _)| *removed)
        .map(|(_, t)| t)
}
