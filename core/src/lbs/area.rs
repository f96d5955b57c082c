//! Delivery areas: does a store's drawn polygon contain the shopper?
//!
//! Rule: a delivery area is one simple polygon (an outer ring; no holes),
//! given as its vertices in order, closing edge implied. Containment is tested
//! with `geo`'s [`CoordinatePosition`] in the plane of longitude/latitude of
//! the area's own coordinate system, with robust (exact) orientation
//! predicates, so the answer is the same bits on every runtime.
//!
//! **Boundary policy: a point on an edge or a vertex is inside.** The line a
//! merchant draws is the promise "we deliver up to here"; a shopper standing on
//! it is served. Because stores are canonical in GCJ-02 (the system the areas
//! were drawn in on a Chinese map), the test runs in GCJ-02: a point exactly on
//! the drawn line stays exactly on it, instead of drifting by a conversion's
//! rounding. Edges are straight in degrees, which for areas of a few km
//! differs from the geodesic by millimetres.
//!
//! Worked example:
//!
//! ```
//! use commerce_core::lbs::{DeliveryArea, Gcj02, LatLng};
//! let v = |lat, lng| LatLng::<Gcj02>::new(lat, lng).unwrap();
//! let square = DeliveryArea::new(&[v(31.0, 121.0), v(31.0, 121.1), v(31.1, 121.1), v(31.1, 121.0)]).unwrap();
//! assert!(square.contains(v(31.05, 121.05))); // inside
//! assert!(square.contains(v(31.0, 121.05))); // on the southern edge: inside
//! assert!(!square.contains(v(31.2, 121.05))); // outside
//! ```
//!
//! An area drawn in GCJ-02 cannot be asked about a WGS-84 phone fix: that is
//! a type error (`cargo test --doc` checks it fails to compile); convert first
//! with `to_gcj02()`.
//!
//! ```compile_fail,E0308
//! use commerce_core::lbs::{DeliveryArea, Gcj02, LatLng, Wgs84};
//! let v = |lat, lng| LatLng::<Gcj02>::new(lat, lng).unwrap();
//! let square = DeliveryArea::new(&[v(31.0, 121.0), v(31.0, 121.1), v(31.1, 121.1), v(31.1, 121.0)]).unwrap();
//! let phone = LatLng::<Wgs84>::new(31.05, 121.05).unwrap();
//! let _ = square.contains(phone);
//! ```
//!
//! Invariants: an area has 3..=1000 distinct vertices, no self-intersection
//! (checked by `geo`'s `Validation`) and non-zero area (not all vertices on
//! one line); `contains` never panics.

use super::coord::{CoordSystem, LatLng};
use geo::coordinate_position::CoordPos;
use geo::kernels::RobustKernel;
use geo::{Coord, CoordinatePosition, Kernel, LineString, Orientation, Polygon, Validation};
use std::marker::PhantomData;

/// Most vertices one delivery area may have.
pub const MAX_AREA_VERTICES: usize = 1000;

/// Whether every vertex of `ring` is on the line through its first two
/// distinct vertices (exact predicate). `geo`'s validation accepts such a
/// ring, but it delivers only along a line, which no merchant means.
fn is_flat(ring: &LineString<f64>) -> bool {
    let coords = &ring.0;
    let first = coords.first().copied();
    let second = coords.iter().copied().find(|c| Some(*c) != first);
    match (first, second) {
        (Some(p), Some(q)) => coords
            .iter()
            .all(|r| RobustKernel::orient2d(p, q, *r) == Orientation::Collinear),
        _ => true,
    }
}

/// A validated delivery polygon in coordinate system `S`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryArea<S> {
    polygon: Polygon<f64>,
    system: PhantomData<S>,
}

impl<S: CoordSystem> DeliveryArea<S> {
    /// An area from its vertices in order; the reason names what is wrong.
    pub fn new(vertices: &[LatLng<S>]) -> Result<Self, String> {
        if vertices.len() > MAX_AREA_VERTICES {
            return Err(format!(
                "{} vertices; at most {MAX_AREA_VERTICES}",
                vertices.len()
            ));
        }
        let ring: LineString<f64> = vertices
            .iter()
            .map(|p| Coord {
                x: p.lng(),
                y: p.lat(),
            })
            .collect();
        let polygon = Polygon::new(ring, Vec::new());
        if let Some(problem) = polygon.validation_errors().first() {
            return Err(problem.to_string());
        }
        if is_flat(polygon.exterior()) {
            return Err("has zero area: every vertex lies on one line".to_owned());
        }
        Ok(DeliveryArea {
            polygon,
            system: PhantomData,
        })
    }

    /// Whether `point` is inside or on the boundary.
    pub fn contains(&self, point: LatLng<S>) -> bool {
        let at = Coord {
            x: point.lng(),
            y: point.lat(),
        };
        self.polygon.coordinate_position(&at) != CoordPos::Outside
    }

    /// `([min_lng, min_lat], [max_lng, max_lat])`, for the area index.
    pub(crate) fn bounds(&self) -> ([f64; 2], [f64; 2]) {
        self.polygon.exterior().coords().fold(
            ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]),
            |([x0, y0], [x1, y1]), c| ([x0.min(c.x), y0.min(c.y)], [x1.max(c.x), y1.max(c.y)]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lbs::coord::Gcj02;

    fn area(points: &[(f64, f64)]) -> Result<DeliveryArea<Gcj02>, String> {
        let vertices: Vec<_> = points
            .iter()
            .map(|&(lat, lng)| LatLng::<Gcj02>::new(lat, lng).unwrap())
            .collect();
        DeliveryArea::new(&vertices)
    }

    #[test]
    fn degenerate_areas_are_rejected() {
        assert!(area(&[(31.0, 121.0), (31.5, 121.25), (32.0, 121.5)]).is_err());
        assert!(area(&[(31.0, 121.0), (31.0, 121.0), (31.1, 121.1)]).is_err());
        assert!(area(&[]).is_err());
    }

    #[test]
    fn explicitly_closed_ring_is_the_same_area() {
        let open = area(&[(31.0, 121.0), (31.0, 121.1), (31.1, 121.1)]).unwrap();
        let closed = area(&[(31.0, 121.0), (31.0, 121.1), (31.1, 121.1), (31.0, 121.0)]).unwrap();
        assert_eq!(open, closed);
    }
}
