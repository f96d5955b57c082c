//! Distance on the sphere: the only distance LBS reports or ranks by.
//!
//! Rule: the distance between two WGS-84 points is the great-circle
//! (haversine) distance on a sphere of radius 6 371 008.8 m (the IUGG mean
//! Earth radius, the same constant as `geo::Haversine`):
//! `d = 2R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))`. Against the
//! WGS-84 ellipsoid the error is below 0.5 %, and identical for every store
//! around one shopper, so rankings are exact for the model. Responses carry it
//! as whole metres (rounded half up).
//!
//! For the index each point is also a unit vector on the sphere (`x = cos φ
//! cos λ`, `y = cos φ sin λ`, `z = sin φ`). The straight-line (chord) distance
//! between unit vectors is `2 sin(d / 2R)`, strictly increasing in `d`, so a
//! plain Euclidean R-tree over these 3-D points returns stores in true
//! great-circle order. Treating degrees as a flat plane does not: at 60°N a
//! degree of longitude is half as long as a degree of latitude, and the
//! "nearest" store by degrees can be twice as far as the true nearest.
//!
//! Why hand-written instead of `geo::Haversine`: geo calls the platform's
//! `sin`/`cos`, which differ in the last bit between x86 libm and the wasm32
//! runtime; a last-bit difference can flip a rounded metre or a tie order, and
//! one response text is compared byte for byte across runtimes. Here all trig
//! is `libm` (pure Rust, same bits everywhere); a unit test checks agreement
//! with `geo::Haversine`.
//!
//! Worked example (New York to London, the pair in geo's documentation):
//!
//! ```
//! use commerce_core::lbs::{LatLng, Wgs84};
//! let new_york = LatLng::<Wgs84>::new(40.7128, -74.006).unwrap();
//! let london = LatLng::<Wgs84>::new(51.5074, -0.1278).unwrap();
//! assert_eq!(new_york.distance_m(london).round(), 5_570_230.0);
//! ```
//!
//! Invariants: `distance_m` is symmetric, zero for equal points, at most
//! `pi * R` (20 015 087 m), and never NaN for valid points.

use super::coord::{LatLng, Wgs84};
use super::error::LbsError;

/// Mean Earth radius in metres (IUGG), as used by `geo::Haversine`.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

impl LatLng<Wgs84> {
    /// Great-circle distance in metres (haversine on the mean-radius sphere).
    pub fn distance_m(self, other: LatLng<Wgs84>) -> f64 {
        let (phi1, phi2) = (self.lat().to_radians(), other.lat().to_radians());
        let half_d_phi = (phi2 - phi1) / 2.0;
        let half_d_lambda = (other.lng() - self.lng()).to_radians() / 2.0;
        let s_phi = libm::sin(half_d_phi);
        let s_lambda = libm::sin(half_d_lambda);
        let h = s_phi * s_phi + libm::cos(phi1) * libm::cos(phi2) * s_lambda * s_lambda;
        2.0 * EARTH_RADIUS_M * libm::asin(h.clamp(0.0, 1.0).sqrt())
    }

    /// The point as a unit vector, the R-tree key (see the module docs).
    pub(crate) fn unit_vector(self) -> [f64; 3] {
        let (phi, lambda) = (self.lat().to_radians(), self.lng().to_radians());
        let cos_phi = libm::cos(phi);
        [
            cos_phi * libm::cos(lambda),
            cos_phi * libm::sin(lambda),
            libm::sin(phi),
        ]
    }

    /// Whole metres to `other`, rounded half up: what responses print.
    pub fn metres_to(self, other: LatLng<Wgs84>) -> u64 {
        // A valid distance lies in 0..=20_015_087, so the cast is exact.
        self.distance_m(other).round() as u64
    }
}

/// The squared chord between unit vectors of two points `metres` apart along
/// the sphere: the R-tree's distance for that great-circle distance.
pub(crate) fn chord_squared(metres: f64) -> f64 {
    let half_angle = (metres / EARTH_RADIUS_M / 2.0).min(std::f64::consts::FRAC_PI_2);
    let chord = 2.0 * libm::sin(half_angle);
    chord * chord
}

/// Largest radius a query or geofence may use, in metres (half the Earth's
/// circumference is about 20 015 087 m).
pub const MAX_RADIUS_M: u32 = 20_000_000;

/// A validated radius in whole metres, `0..=MAX_RADIUS_M`. A point is within
/// it when its distance, rounded to whole metres, is at most the radius.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Radius(u32);

impl Radius {
    pub fn new(radius_m: i64) -> Result<Radius, LbsError> {
        u32::try_from(radius_m)
            .ok()
            .filter(|r| *r <= MAX_RADIUS_M)
            .map(Radius)
            .ok_or(LbsError::InvalidRadius {
                radius_m: Some(radius_m),
                max: MAX_RADIUS_M,
            })
    }

    pub fn whole_metres(self) -> u64 {
        u64::from(self.0)
    }

    pub fn metres(self) -> f64 {
        f64::from(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Haversine, Point};

    #[test]
    fn agrees_with_geo_haversine() {
        let pairs = [
            ((39.9042, 116.4074), (31.2304, 121.4737)),
            ((60.0, 10.0), (60.0, 11.0)),
            ((-33.8688, 151.2093), (51.5074, -0.1278)),
            ((0.0, 0.0), (0.0, 180.0)),
        ];
        for ((lat1, lng1), (lat2, lng2)) in pairs {
            let ours = LatLng::<Wgs84>::new(lat1, lng1)
                .unwrap()
                .distance_m(LatLng::new(lat2, lng2).unwrap());
            let theirs = Haversine.distance(Point::new(lng1, lat1), Point::new(lng2, lat2));
            assert!((ours - theirs).abs() < 1e-6, "{ours} vs {theirs}");
        }
    }
}
