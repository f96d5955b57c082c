//! Conversions between WGS-84, GCJ-02 and BD-09.
//!
//! Rules:
//! - **WGS-84 -> GCJ-02** is the standard published formula (Krasovsky 1940
//!   ellipsoid, `a = 6378245`, `ee = 0.00669342162296594323`, the
//!   `transformLat`/`transformLng` polynomial-plus-sine offsets), evaluated in
//!   the same operation order as the reference implementations, so it
//!   reproduces their published values to the last printed digit (or the
//!   last bit, where a JS engine's `Math.sin` rounds differently).
//! - **Out-of-China rule**: a point is "in China" when
//!   `72.004 <= lng <= 137.8347` and `0.8293 <= lat <= 55.8271` (the published
//!   rectangle, boundary included). Outside it the three systems coincide:
//!   every conversion returns the point unchanged. The rectangle is coarse:
//!   it also covers Korea, Japan, Mongolia and parts of South-East Asia, where
//!   map data is really WGS-84; we keep it because every JS library a
//!   mini-program uses (coordtransform, eviltransform) does, and agreeing with
//!   the map on the screen matters more than geography.
//! - **GCJ-02 -> WGS-84** has no closed form: fixed-point iteration
//!   `w <- w - (gcj(w) - g)` from `w = g`. The offset changes by at most a few
//!   metres per kilometre, so each step shrinks the error ~1000-fold; we stop
//!   when `gcj(w)` is within 1e-10 degrees (about 0.01 mm) of `g`, or after 10
//!   steps. The result is far inside the 0.5 m the contract promises.
//! - **GCJ-02 <-> BD-09** is Baidu's published rotation-and-shift
//!   (`x_pi = pi * 3000 / 180`, +0.0065 lng, +0.006 lat), applied inside the
//!   China rectangle only (Baidu data abroad is WGS-84). BD-09 -> GCJ-02 is the
//!   published approximate inverse (round trip within ~1e-6 degrees).
//!
//! Trigonometry is `libm` (pure Rust), not the platform's: the same bits on
//! x86 and wasm32, hence byte-identical responses.
//!
//! Worked example (the published pair for Tiananmen, from coordtransform):
//!
//! ```
//! use commerce_core::lbs::{Bd09, Gcj02, LatLng, Wgs84};
//! let gcj = LatLng::<Wgs84>::new(39.915, 116.404).unwrap().to_gcj02();
//! assert_eq!((gcj.lat(), gcj.lng()), (39.91640428150164, 116.41024449916938));
//! let bd = LatLng::<Gcj02>::new(39.915, 116.404).unwrap().to_bd09();
//! assert_eq!(bd.lng(), 116.41036949371029);
//! // Published 39.92133699351021: one last-bit apart, from V8's `Math.sin`
//! // versus libm -- the very difference that rounding to 7 decimals absorbs.
//! assert_eq!(bd.lat(), 39.92133699351022);
//! assert_eq!(bd.rounded(), (39.921337, 116.4103695));
//! // Outside China nothing moves:
//! let paris = LatLng::<Wgs84>::new(48.8584, 2.2945).unwrap();
//! assert_eq!(paris.to_gcj02().lat(), 48.8584);
//! ```
//!
//! Invariants: conversions are total (no error, no panic) on valid points;
//! `gcj.to_wgs84().to_gcj02()` equals `gcj` within 1e-10 degrees inside China.

use super::coord::{AnyLatLng, Bd09, Gcj02, LatLng, System, Wgs84};
use std::f64::consts::PI;

const KRASOVSKY_A: f64 = 6_378_245.0;
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
const X_PI: f64 = PI * 3000.0 / 180.0;
const CHINA_MIN_LNG: f64 = 72.004;
const CHINA_MAX_LNG: f64 = 137.8347;
const CHINA_MIN_LAT: f64 = 0.8293;
const CHINA_MAX_LAT: f64 = 55.8271;
const INVERSE_TOLERANCE_DEG: f64 = 1e-10;
const INVERSE_MAX_STEPS: usize = 10;

/// Whether the published rectangle counts `(lat, lng)` as in China (boundary included).
pub fn in_china(lat: f64, lng: f64) -> bool {
    (CHINA_MIN_LNG..=CHINA_MAX_LNG).contains(&lng) && (CHINA_MIN_LAT..=CHINA_MAX_LAT).contains(&lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * libm::sin(6.0 * x * PI) + 20.0 * libm::sin(2.0 * x * PI)) * 2.0 / 3.0;
    ret += (20.0 * libm::sin(y * PI) + 40.0 * libm::sin(y / 3.0 * PI)) * 2.0 / 3.0;
    ret += (160.0 * libm::sin(y / 12.0 * PI) + 320.0 * libm::sin(y * PI / 30.0)) * 2.0 / 3.0;
    ret
}

fn offset_lng(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * libm::sin(6.0 * x * PI) + 20.0 * libm::sin(2.0 * x * PI)) * 2.0 / 3.0;
    ret += (20.0 * libm::sin(x * PI) + 40.0 * libm::sin(x / 3.0 * PI)) * 2.0 / 3.0;
    ret += (150.0 * libm::sin(x / 12.0 * PI) + 300.0 * libm::sin(x / 30.0 * PI)) * 2.0 / 3.0;
    ret
}

/// The published WGS-84 -> GCJ-02 formula on raw degrees.
fn wgs_to_gcj(lat: f64, lng: f64) -> (f64, f64) {
    if !in_china(lat, lng) {
        return (lat, lng);
    }
    let d_lat = offset_lat(lng - 105.0, lat - 35.0);
    let d_lng = offset_lng(lng - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let magic = libm::sin(rad_lat);
    let magic = 1.0 - KRASOVSKY_EE * magic * magic;
    let sqrt_magic = magic.sqrt();
    let d_lat =
        (d_lat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lng = (d_lng * 180.0) / (KRASOVSKY_A / sqrt_magic * libm::cos(rad_lat) * PI);
    (lat + d_lat, lng + d_lng)
}

impl LatLng<Wgs84> {
    /// The published WGS-84 -> GCJ-02 formula (identity outside China).
    pub fn to_gcj02(self) -> LatLng<Gcj02> {
        let (lat, lng) = wgs_to_gcj(self.lat(), self.lng());
        LatLng::trusted(lat, lng)
    }
}

impl LatLng<Gcj02> {
    /// GCJ-02 -> WGS-84 by fixed-point iteration to 1e-10 degrees (identity outside China).
    pub fn to_wgs84(self) -> LatLng<Wgs84> {
        let (g_lat, g_lng) = (self.lat(), self.lng());
        let (mut lat, mut lng) = (g_lat, g_lng);
        if in_china(g_lat, g_lng) {
            for _ in 0..INVERSE_MAX_STEPS {
                let (f_lat, f_lng) = wgs_to_gcj(lat, lng);
                let (e_lat, e_lng) = (f_lat - g_lat, f_lng - g_lng);
                lat -= e_lat;
                lng -= e_lng;
                if e_lat.abs() < INVERSE_TOLERANCE_DEG && e_lng.abs() < INVERSE_TOLERANCE_DEG {
                    break;
                }
            }
        }
        LatLng::trusted(lat, lng)
    }

    /// Baidu's GCJ-02 -> BD-09 (identity outside China).
    pub fn to_bd09(self) -> LatLng<Bd09> {
        let (lat, lng) = (self.lat(), self.lng());
        if !in_china(lat, lng) {
            return LatLng::trusted(lat, lng);
        }
        let z = (lng * lng + lat * lat).sqrt() + 0.00002 * libm::sin(lat * X_PI);
        let theta = libm::atan2(lat, lng) + 0.000003 * libm::cos(lng * X_PI);
        LatLng::trusted(z * libm::sin(theta) + 0.006, z * libm::cos(theta) + 0.0065)
    }
}

impl LatLng<Bd09> {
    /// Baidu's BD-09 -> GCJ-02 (identity outside China).
    pub fn to_gcj02(self) -> LatLng<Gcj02> {
        let (lat, lng) = (self.lat(), self.lng());
        if !in_china(lat, lng) {
            return LatLng::trusted(lat, lng);
        }
        let x = lng - 0.0065;
        let y = lat - 0.006;
        let z = (x * x + y * y).sqrt() - 0.00002 * libm::sin(y * X_PI);
        let theta = libm::atan2(y, x) - 0.000003 * libm::cos(x * X_PI);
        LatLng::trusted(z * libm::sin(theta), z * libm::cos(theta))
    }
}

impl AnyLatLng {
    /// This point in GCJ-02.
    pub fn to_gcj02(self) -> LatLng<Gcj02> {
        match self {
            AnyLatLng::Wgs84(p) => p.to_gcj02(),
            AnyLatLng::Gcj02(p) => p,
            AnyLatLng::Bd09(p) => p.to_gcj02(),
        }
    }

    /// This point in WGS-84 (the true position, for distances).
    pub fn to_wgs84(self) -> LatLng<Wgs84> {
        match self {
            AnyLatLng::Wgs84(p) => p,
            AnyLatLng::Gcj02(p) => p.to_wgs84(),
            AnyLatLng::Bd09(p) => p.to_gcj02().to_wgs84(),
        }
    }

    /// This point in `system` (via GCJ-02, the hub of the three).
    pub fn to_system(self, system: System) -> AnyLatLng {
        if self.system() == system {
            return self;
        }
        match system {
            System::Wgs84 => AnyLatLng::Wgs84(self.to_wgs84()),
            System::Gcj02 => AnyLatLng::Gcj02(self.to_gcj02()),
            System::Bd09 => AnyLatLng::Bd09(self.to_gcj02().to_bd09()),
        }
    }
}
