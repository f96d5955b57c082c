//! Store matching: nearest, within a radius, delivering here; with filters.
//!
//! Rules, in the order they are applied:
//! 1. **Candidates** come from the index: for `nearest`, every store in
//!    increasing great-circle distance (never flat degrees); for `within`, the
//!    stores within the radius; for `delivering`, the stores with a delivery
//!    area whose box holds the shopper. `radius_m`, when given, drops stores
//!    whose rounded distance is over it (a store at 500.4 m is "500 m" and is
//!    within 500 m).
//! 2. **Service** (`mode`): `pickup` needs `pickup: true` (else `NO_PICKUP`);
//!    `delivery` needs `delivery: true` (else `NO_DELIVERY`) and a delivery
//!    area containing the shopper, boundary included (else `OUTSIDE_AREA`).
//! 3. **Open at `at`**: inside a temporary closure is `TEMPORARILY_CLOSED`,
//!    outside the weekly hours `CLOSED` (see `hours`).
//! 4. **Stock**: with a non-empty cart, a store lacking any line's quantity is
//!    `NO_STOCK`.
//!
//! A store failing any rule is excluded, with *every* failed rule listed in
//! that order. Results and exclusions are sorted by rounded distance in whole
//! metres, then by store id (byte order): equal distances never come out in
//! an order that depends on the runtime or the R-tree. At most `k` stores are
//! returned, and at most [`MAX_EXCLUDED`] exclusions: the nearest ones not
//! farther than the last result (the stores a shopper would ask "why not that
//! one?" about; all visited ones when fewer than `k` matched).
//!
//! The nearest walk stops once `k` stores matched and the next candidate is
//! more than 1 m farther than the `k`-th (the 1 m margin absorbs the last-bit
//! difference between chord order and rounded haversine metres). In delivery
//! mode the stores that can match are counted first from the area index, so
//! the walk also stops once it has found all of them and explained
//! [`MAX_EXCLUDED`] others. Otherwise, with filters (open, stock) that fewer
//! than `k` stores pass and no radius, it visits every store: O(n).
//!
//! Worked example: two stores 1 km north and 0.5 km south of the shopper;
//! the nearer one is closed, so the farther one is the answer and the closed
//! one is explained.
//!
//! ```
//! use commerce_core::lbs::{nearest, AnyLatLng, Filters, Limit, Reason, Shopper, StoreIndex, StoreSnapshot, System};
//! let snapshot: StoreSnapshot = serde_json::from_str(r#"{"coord":"wgs84","stores":[
//!   {"id":"north","location":{"lat":60.009,"lng":10.0}},
//!   {"id":"south","location":{"lat":59.9955,"lng":10.0},"hours":[]}]}"#).unwrap();
//! let index = StoreIndex::build(snapshot).unwrap();
//! let shopper = Shopper::new(AnyLatLng::new(System::Wgs84, 60.0, 10.0, || "point".into()).unwrap());
//! let filters = Filters::new(None, Some(1_795_194_000), &[]).unwrap();
//! let found = nearest(&index, &shopper, Limit::new(Some(1), 1).unwrap(), None, &filters);
//! assert_eq!((found.stores[0].store.id.as_str(), found.stores[0].distance_m), ("north", 1001));
//! assert_eq!(found.excluded[0].reasons, vec![Reason::Closed]);
//! ```
//!
//! Invariants: results are exactly the brute-force answer (property-tested
//! against a linear scan); no query panics or allocates more than O(k) beyond
//! the candidates it visits.

use super::coord::{AnyLatLng, Gcj02, LatLng, Wgs84};
use super::error::LbsError;
use super::hours::{Availability, ChinaTime};
use super::index::StoreIndex;
use super::sphere::Radius;
use super::store::{Cart, ValidStore};
use crate::pricing::LineRequest;
use serde::{Deserialize, Serialize};

/// Largest `k` (or result limit) one query may ask for.
pub const MAX_K: u32 = 1000;
/// Most excluded stores one answer explains.
pub const MAX_EXCLUDED: usize = 20;

/// How many stores to return: `1..=MAX_K`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(usize);

impl Limit {
    /// `k` if given (must be `1..=MAX_K`), else `default`.
    pub fn new(k: Option<i64>, default: u32) -> Result<Limit, LbsError> {
        let k = k.unwrap_or(i64::from(default));
        if (1..=i64::from(MAX_K)).contains(&k) {
            Ok(Limit(usize::try_from(k).unwrap_or(1)))
        } else {
            Err(LbsError::InvalidK { k, max: MAX_K })
        }
    }
}

/// The service the shopper wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Pickup,
    Delivery,
}

impl Mode {
    /// `pickup` or `delivery`.
    pub fn parse(name: &str) -> Result<Mode, LbsError> {
        match name {
            "pickup" => Ok(Mode::Pickup),
            "delivery" => Ok(Mode::Delivery),
            _ => Err(LbsError::UnknownMode {
                given: name.to_owned(),
            }),
        }
    }
}

/// Why a store was excluded; on the wire `SCREAMING_SNAKE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    NoPickup,
    NoDelivery,
    OutsideArea,
    TemporarilyClosed,
    Closed,
    NoStock,
    /// Fulfilment only: farther than the delivery fees' `max_distance_m`.
    TooFar,
    /// Fulfilment only: the store does not ship parcels.
    NoExpress,
}

impl Reason {
    /// The wire name (`NO_PICKUP`, ...), for messages.
    pub fn code(self) -> &'static str {
        match self {
            Reason::NoPickup => "NO_PICKUP",
            Reason::NoDelivery => "NO_DELIVERY",
            Reason::OutsideArea => "OUTSIDE_AREA",
            Reason::TemporarilyClosed => "TEMPORARILY_CLOSED",
            Reason::Closed => "CLOSED",
            Reason::NoStock => "NO_STOCK",
            Reason::TooFar => "TOO_FAR",
            Reason::NoExpress => "NO_EXPRESS",
        }
    }
}

/// Where the shopper stands, in both systems a query needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shopper {
    /// For distances.
    pub position: LatLng<Wgs84>,
    /// For delivery areas (canonical GCJ-02).
    pub location: LatLng<Gcj02>,
}

impl Shopper {
    pub fn new(point: AnyLatLng) -> Shopper {
        Shopper {
            position: point.to_wgs84(),
            location: point.to_gcj02(),
        }
    }
}

/// The optional filters of a query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub mode: Option<Mode>,
    pub at: Option<ChinaTime>,
    pub cart: Cart,
}

impl Filters {
    /// Validate the wire filters (`at` in unix seconds).
    pub fn new(
        mode: Option<&str>,
        at: Option<i64>,
        cart: &[LineRequest],
    ) -> Result<Filters, LbsError> {
        Ok(Filters {
            mode: mode.map(Mode::parse).transpose()?,
            at: at.map(ChinaTime::from_unix).transpose()?,
            cart: Cart::new(cart)?,
        })
    }

    /// Every rule `store` fails for `shopper`, in rule order.
    pub fn reasons(&self, store: &ValidStore, shopper: &Shopper) -> Vec<Reason> {
        let mut reasons = Vec::new();
        match self.mode {
            Some(Mode::Pickup) if !store.pickup => reasons.push(Reason::NoPickup),
            Some(Mode::Delivery) if !store.delivery => reasons.push(Reason::NoDelivery),
            Some(Mode::Delivery) if !store.delivers_to(shopper.location) => {
                reasons.push(Reason::OutsideArea)
            }
            _ => {}
        }
        match self.at.map(|t| store.schedule.availability(t)) {
            Some(Availability::TemporarilyClosed) => reasons.push(Reason::TemporarilyClosed),
            Some(Availability::Closed) => reasons.push(Reason::Closed),
            Some(Availability::Open) | None => {}
        }
        if !self.cart.is_empty() && !store.has_stock(&self.cart) {
            reasons.push(Reason::NoStock);
        }
        reasons
    }
}

/// A store that matched, with its distance.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    pub store: &'a ValidStore,
    pub distance_m: u64,
    /// Empty for a match; the failed rules for an exclusion.
    pub reasons: Vec<Reason>,
}

/// The answer of a query: matches and explained exclusions, both sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct Matches<'a> {
    pub stores: Vec<Found<'a>>,
    pub excluded: Vec<Found<'a>>,
}

/// The `k` nearest stores passing `filters`, optionally within `radius`.
pub fn nearest<'a>(
    index: &'a StoreIndex,
    shopper: &Shopper,
    k: Limit,
    radius: Option<Radius>,
    filters: &Filters,
) -> Matches<'a> {
    // In delivery mode only stores with an area around the shopper can match;
    // counting them first lets the walk stop once it has found them all and
    // explained enough exclusions, instead of visiting every store.
    let possible = match filters.mode {
        Some(Mode::Delivery) => index
            .with_area_near(shopper.location)
            .filter(|s| filters.reasons(s, shopper).is_empty())
            .count(),
        _ => usize::MAX,
    };
    let walk = index.by_distance(shopper.position);
    collect(
        walk,
        shopper,
        k,
        radius,
        filters,
        Order::Nearest { possible },
    )
}

/// Stores within `radius` passing `filters`, nearest first, at most `limit`.
pub fn within<'a>(
    index: &'a StoreIndex,
    shopper: &Shopper,
    radius: Radius,
    limit: Limit,
    filters: &Filters,
) -> Matches<'a> {
    let candidates = index.within(shopper.position, radius.metres() + 1.0);
    collect(
        candidates,
        shopper,
        limit,
        Some(radius),
        filters,
        Order::Any,
    )
}

/// Stores delivering to the shopper (mode forced to delivery), nearest first.
pub fn delivering<'a>(
    index: &'a StoreIndex,
    shopper: &Shopper,
    limit: Limit,
    filters: &Filters,
) -> Matches<'a> {
    let filters = Filters {
        mode: Some(Mode::Delivery),
        ..filters.clone()
    };
    let candidates = index.with_area_near(shopper.location);
    collect(candidates, shopper, limit, None, &filters, Order::Any)
}

/// The `k` nearest stores by brute force, unfiltered: the distance to every
/// store, then a selection of the `k` smallest, sorted by distance then id.
/// O(n) per query. Same stores as [`nearest`] without filters; it is the
/// baseline the R-tree walk is measured against (`benches/lbs.rs`,
/// `examples/time_op.rs`, the wasm `StoreFinder.scanNearest`).
pub fn scan_nearest<'a>(index: &'a StoreIndex, shopper: &Shopper, Limit(k): Limit) -> Matches<'a> {
    let mut all: Vec<(u64, &'a ValidStore)> = index
        .stores()
        .iter()
        .map(|s| (shopper.position.metres_to(s.position), s))
        .collect();
    let by_distance_then_id =
        |a: &(u64, &ValidStore), b: &(u64, &ValidStore)| (a.0, &a.1.id).cmp(&(b.0, &b.1.id));
    if k < all.len() {
        // `Limit` is at least 1.
        all.select_nth_unstable_by(k.saturating_sub(1), by_distance_then_id);
        all.truncate(k);
    }
    all.sort_unstable_by(by_distance_then_id);
    let found = |(distance_m, store)| Found {
        store,
        distance_m,
        reasons: Vec::new(),
    };
    Matches {
        stores: all.into_iter().map(found).collect(),
        excluded: Vec::new(),
    }
}

/// How candidates arrive at [`collect`].
#[derive(Debug, Clone, Copy)]
enum Order {
    /// In no particular order: visit them all.
    Any,
    /// Nearest first, and at most `possible` of them can match: stop early.
    Nearest { possible: usize },
}

/// Apply the rules to `candidates`, then sort and cut both lists.
fn collect<'a>(
    candidates: impl Iterator<Item = &'a ValidStore>,
    shopper: &Shopper,
    Limit(k): Limit,
    radius: Option<Radius>,
    filters: &Filters,
    order: Order,
) -> Matches<'a> {
    let radius_m = radius.map(Radius::whole_metres);
    let mut stores: Vec<Found<'a>> = Vec::new();
    let mut excluded: Vec<Found<'a>> = Vec::new();
    // Farthest of the first `k` matches / first `MAX_EXCLUDED` exclusions.
    let mut kth_match = None;
    let mut last_explained = None;
    for store in candidates {
        let distance_m = shopper.position.metres_to(store.position);
        if let Order::Nearest { possible } = order {
            // The 1 m margin covers chord order vs rounded-metre ties.
            let past = |limit: Option<u64>| limit.is_some_and(|m| distance_m > m.saturating_add(1));
            let all_found = stores.len() >= possible;
            if past(radius_m) || past(kth_match) || (all_found && past(last_explained)) {
                break;
            }
        }
        if radius_m.is_some_and(|r| distance_m > r) {
            continue;
        }
        let reasons = filters.reasons(store, shopper);
        let found = Found {
            store,
            distance_m,
            reasons,
        };
        let (list, cap, farthest) = if found.reasons.is_empty() {
            (&mut stores, k, &mut kth_match)
        } else {
            (&mut excluded, MAX_EXCLUDED, &mut last_explained)
        };
        list.push(found);
        if list.len() == cap {
            *farthest = list.iter().map(|f| f.distance_m).max();
        }
    }
    let by_distance_then_id =
        |a: &Found, b: &Found| (a.distance_m, &a.store.id).cmp(&(b.distance_m, &b.store.id));
    stores.sort_by(by_distance_then_id);
    stores.truncate(k);
    excluded.sort_by(by_distance_then_id);
    if stores.len() == k {
        let last = stores.last().map_or(u64::MAX, |f| f.distance_m);
        excluded.retain(|f| f.distance_m <= last);
    }
    excluded.truncate(MAX_EXCLUDED);
    Matches { stores, excluded }
}
