//! Geofence: is the shopper within `r` metres of a point (a store)?
//!
//! Rule: a fence is a centre and a radius in whole metres; the shopper is
//! inside when the great-circle distance from the centre, rounded to whole
//! metres, is at most the radius (the circle's edge is inside, like a delivery
//! area's). Centres and shopper may come in any system; both are converted to
//! WGS-84 first, so a WGS-84 phone fix is never compared with a GCJ-02 store
//! position (that mistake alone is a 300-600 m error in a Chinese city).
//!
//! Worked example: a 100 m fence; the shopper 0.0009° of latitude (~100 m)
//! north is on the edge, hence inside.
//!
//! ```
//! use commerce_core::lbs::{Geofence, LatLng, Radius, Wgs84};
//! let store = LatLng::<Wgs84>::new(31.2304, 121.4737).unwrap();
//! let fence = Geofence { center: store, radius: Radius::new(100).unwrap() };
//! let shopper = LatLng::<Wgs84>::new(31.2313, 121.4737).unwrap();
//! assert_eq!(fence.check(shopper), (100, true));
//! ```
//!
//! Invariant: `check` is total and uses the same distance as store queries.

use super::coord::{LatLng, Wgs84};
use super::sphere::Radius;

/// A circle around a point, in true (WGS-84) positions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geofence {
    pub center: LatLng<Wgs84>,
    pub radius: Radius,
}

impl Geofence {
    /// `(distance in whole metres, inside)` for a shopper at `point`.
    pub fn check(&self, point: LatLng<Wgs84>) -> (u64, bool) {
        let distance_m = self.center.metres_to(point);
        (distance_m, distance_m <= self.radius.whole_metres())
    }
}
