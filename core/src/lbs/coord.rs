//! Typed coordinates: WGS-84, GCJ-02 and BD-09 are different types.
//!
//! Rule: a position is a [`LatLng<S>`] tagged with its coordinate system `S`
//! ([`Wgs84`], [`Gcj02`] or [`Bd09`]). The three systems place the same street
//! corner a few hundred metres apart, so mixing them silently is the classic
//! LBS bug in China (`wx.getLocation` answers WGS-84 by default, while maps and
//! most store data are GCJ-02). With the system in the type, measuring or
//! matching across systems does not compile; the only way across is an explicit
//! conversion (see `transform`). [`AnyLatLng`] carries a system chosen at run
//! time (from a request) until it is converted to a typed one.
//!
//! Worked example:
//!
//! ```
//! use commerce_core::lbs::{Gcj02, LatLng, Wgs84};
//! let phone = LatLng::<Wgs84>::new(39.915, 116.404).unwrap();
//! let on_map: LatLng<Gcj02> = phone.to_gcj02();
//! assert_eq!(on_map.rounded(), (39.9164043, 116.4102445));
//! // phone.distance_m(on_map) does not compile: distances are WGS-84 only.
//! assert_eq!(phone.distance_m(on_map.to_wgs84()).round(), 0.0);
//! assert!(LatLng::<Wgs84>::new(f64::NAN, 0.0).is_err());
//! ```
//!
//! Measuring across systems is a type error (this is the example above
//! without `.to_wgs84()`; `cargo test --doc` checks that it fails to compile):
//!
//! ```compile_fail,E0308
//! use commerce_core::lbs::{Gcj02, LatLng, Wgs84};
//! let phone = LatLng::<Wgs84>::new(39.915, 116.404).unwrap();
//! let on_map: LatLng<Gcj02> = phone.to_gcj02();
//! let _ = phone.distance_m(on_map);
//! ```
//!
//! Invariants:
//! - a `LatLng` built from outside data is finite with latitude in -90..=90 and
//!   longitude in -180..=180 ([`LatLng::new`] checks); conversions of such a
//!   point stay finite and in range (they only move points inside China);
//! - output coordinates are rounded to 7 decimal places (about 1 cm) so every
//!   runtime prints the same digits.

use super::error::LbsError;
use serde::Serialize;
use std::fmt;
use std::marker::PhantomData;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Wgs84 {}
    impl Sealed for super::Gcj02 {}
    impl Sealed for super::Bd09 {}
}

/// A coordinate system marker: [`Wgs84`], [`Gcj02`] or [`Bd09`].
pub trait CoordSystem: sealed::Sealed + Copy + fmt::Debug {
    /// The run-time name of this system.
    const SYSTEM: System;
}

/// WGS-84 (GPS, `wx.getLocation` default): the true position on the Earth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wgs84;
/// GCJ-02 (国测局坐标, "Mars coordinates"): WeChat `<map>`, Tencent/AMap data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcj02;
/// BD-09 (百度坐标): Baidu Maps, a further shift of GCJ-02.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bd09;

impl CoordSystem for Wgs84 {
    const SYSTEM: System = System::Wgs84;
}
impl CoordSystem for Gcj02 {
    const SYSTEM: System = System::Gcj02;
}
impl CoordSystem for Bd09 {
    const SYSTEM: System = System::Bd09;
}

/// A coordinate system named at run time; on the wire `"wgs84"`, `"gcj02"`, `"bd09"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum System {
    Wgs84,
    Gcj02,
    Bd09,
}

impl System {
    /// The three systems, in wire-name order.
    pub const ALL: [System; 3] = [System::Wgs84, System::Gcj02, System::Bd09];

    /// The wire name: `wgs84`, `gcj02` or `bd09`.
    pub fn name(self) -> &'static str {
        match self {
            System::Wgs84 => "wgs84",
            System::Gcj02 => "gcj02",
            System::Bd09 => "bd09",
        }
    }

    /// Parse a wire name; anything but the three exact lowercase names is
    /// `UNKNOWN_COORD_SYSTEM` (guessing a system is how offsets creep in).
    pub fn parse(name: &str) -> Result<System, LbsError> {
        System::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| LbsError::UnknownCoordSystem {
                given: name.to_owned(),
            })
    }
}

/// A validated latitude/longitude in degrees, in coordinate system `S`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLng<S> {
    lat: f64,
    lng: f64,
    system: PhantomData<S>,
}

impl<S: CoordSystem> LatLng<S> {
    /// A point from outside data: finite, latitude -90..=90, longitude -180..=180.
    pub fn new(lat: f64, lng: f64) -> Result<Self, LbsError> {
        Self::located(lat, lng, || "point".to_owned())
    }

    /// [`LatLng::new`] with `at` naming the point in the error.
    pub(crate) fn located(
        lat: f64,
        lng: f64,
        at: impl FnOnce() -> String,
    ) -> Result<Self, LbsError> {
        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) {
            Ok(Self::trusted(lat, lng))
        } else {
            Err(LbsError::InvalidCoordinate { at: at(), lat, lng })
        }
    }

    /// A point computed from a valid one (a conversion's output).
    pub(crate) fn trusted(lat: f64, lng: f64) -> Self {
        LatLng {
            lat,
            lng,
            system: PhantomData,
        }
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lng(self) -> f64 {
        self.lng
    }

    /// `(lat, lng)` rounded to 7 decimal places, as every response prints them.
    pub fn rounded(self) -> (f64, f64) {
        (round7(self.lat), round7(self.lng))
    }
}

/// Round to 7 decimal places (half away from zero). Multiplication, `round`
/// and division are exact IEEE operations, so the result is the same bits on
/// every runtime.
fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// A point whose system is known only at run time (decoded from a request).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AnyLatLng {
    Wgs84(LatLng<Wgs84>),
    Gcj02(LatLng<Gcj02>),
    Bd09(LatLng<Bd09>),
}

impl AnyLatLng {
    /// A validated point in `system`; `at` names it in an error.
    pub fn new(
        system: System,
        lat: f64,
        lng: f64,
        at: impl FnOnce() -> String,
    ) -> Result<AnyLatLng, LbsError> {
        Ok(match system {
            System::Wgs84 => AnyLatLng::Wgs84(LatLng::located(lat, lng, at)?),
            System::Gcj02 => AnyLatLng::Gcj02(LatLng::located(lat, lng, at)?),
            System::Bd09 => AnyLatLng::Bd09(LatLng::located(lat, lng, at)?),
        })
    }

    pub fn system(self) -> System {
        match self {
            AnyLatLng::Wgs84(_) => System::Wgs84,
            AnyLatLng::Gcj02(_) => System::Gcj02,
            AnyLatLng::Bd09(_) => System::Bd09,
        }
    }

    /// `(lat, lng)` rounded to 7 decimal places.
    pub fn rounded(self) -> (f64, f64) {
        match self {
            AnyLatLng::Wgs84(p) => p.rounded(),
            AnyLatLng::Gcj02(p) => p.rounded(),
            AnyLatLng::Bd09(p) => p.rounded(),
        }
    }
}
