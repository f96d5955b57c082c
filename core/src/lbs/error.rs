//! Errors of the LBS module: one enum, one stable code per way input can be wrong.
//!
//! Rule: every bad input (a coordinate out of range or NaN, an unknown
//! coordinate-system or mode string, `k = 0`, a radius past half the Earth,
//! a self-intersecting delivery area, opening hours that make no sense, a
//! negative stock) is an [`LbsError`] with a `SCREAMING_SNAKE` code and a
//! message carrying the offending numbers; nothing in `lbs` panics on input.
//!
//! Worked example:
//!
//! ```
//! use commerce_core::error::Coded;
//! use commerce_core::lbs::{LatLng, Wgs84};
//! let err = LatLng::<Wgs84>::new(91.0, 116.4).unwrap_err();
//! assert_eq!(err.code(), "INVALID_COORDINATE");
//! assert_eq!(
//!     err.to_string(),
//!     "point: latitude 91 must be within -90..=90 and longitude 116.4 within -180..=180"
//! );
//! ```
//!
//! Invariant: codes are part of the wire contract (see `docs/lbs.md`); renaming
//! one is a breaking change.

use crate::error::{Coded, ErrorKind};
use std::fmt;

/// Why an LBS request could not be answered.
#[derive(Debug, Clone, PartialEq)]
pub enum LbsError {
    /// A latitude outside -90..=90, a longitude outside -180..=180, or NaN/infinity.
    /// `at` names where (`point`, `store s1`, `store s1 delivery area 0 vertex 2`).
    InvalidCoordinate { at: String, lat: f64, lng: f64 },
    /// A coordinate system other than `wgs84`, `gcj02`, `bd09`.
    UnknownCoordSystem { given: String },
    /// A mode other than `pickup`, `delivery`.
    UnknownMode { given: String },
    /// `k` outside `1..=MAX_K`.
    InvalidK { k: i64, max: u32 },
    /// `radius_m` missing where required, or outside `0..=MAX_RADIUS_M`.
    InvalidRadius { radius_m: Option<i64>, max: u32 },
    /// A unix time outside the JavaScript-safe integer range.
    TimeOutOfRange { at: i64 },
    /// More points (or fences) in one request than the limit.
    TooManyPoints { count: usize, max: usize },
    /// Two stores in one snapshot share an id.
    DuplicateStoreId { store_id: String },
    /// A delivery area that is not a valid simple polygon.
    InvalidDeliveryArea {
        store_id: String,
        area: usize,
        reason: String,
    },
    /// An opening-hours entry that makes no sense.
    InvalidHours {
        store_id: String,
        entry: usize,
        reason: String,
    },
    /// A temporary closure whose `from` is not before its `until`.
    InvalidClosure {
        store_id: String,
        entry: usize,
        from: i64,
        until: i64,
    },
    /// A negative (or not JS-safe) stock count.
    InvalidStock {
        store_id: String,
        sku_id: String,
        stock: i64,
    },
    /// A cart line whose quantity is below 1 (or whose total is not JS-safe).
    InvalidQuantity { sku_id: String, quantity: i64 },
    /// A query against a kept index that brings its own `snapshot`.
    SnapshotInQuery,
}

impl fmt::Display for LbsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LbsError::InvalidCoordinate { at, lat, lng } => write!(
                f,
                "{at}: latitude {lat} must be within -90..=90 and longitude {lng} within -180..=180"
            ),
            LbsError::UnknownCoordSystem { given } => write!(
                f,
                "unknown coordinate system {given:?}; expected \"wgs84\", \"gcj02\" or \"bd09\""
            ),
            LbsError::UnknownMode { given } => {
                write!(f, "unknown mode {given:?}; expected \"pickup\" or \"delivery\"")
            }
            LbsError::InvalidK { k, max } => write!(f, "k must be within 1..={max}, got {k}"),
            LbsError::InvalidRadius {
                radius_m: Some(r),
                max,
            } => write!(f, "radius_m must be within 0..={max} metres, got {r}"),
            LbsError::InvalidRadius {
                radius_m: None,
                max,
            } => write!(f, "radius_m is required (0..={max} metres)"),
            LbsError::TimeOutOfRange { at } => write!(
                f,
                "time {at} is outside the JavaScript-safe range of unix seconds (±9007199254740991)"
            ),
            LbsError::TooManyPoints { count, max } => {
                write!(f, "{count} points or fences in one request; at most {max}")
            }
            LbsError::DuplicateStoreId { store_id } => {
                write!(f, "store id {store_id:?} appears more than once in the snapshot")
            }
            LbsError::InvalidDeliveryArea {
                store_id,
                area,
                reason,
            } => write!(f, "store {store_id} delivery area {area}: {reason}"),
            LbsError::InvalidHours {
                store_id,
                entry,
                reason,
            } => write!(f, "store {store_id} hours entry {entry}: {reason}"),
            LbsError::InvalidClosure {
                store_id,
                entry,
                from,
                until,
            } => write!(
                f,
                "store {store_id} closure {entry}: from {from} must be before until {until}"
            ),
            LbsError::InvalidStock {
                store_id,
                sku_id,
                stock,
            } => write!(
                f,
                "store {store_id} stock of SKU {sku_id} must be within 0..=9007199254740991, got {stock}"
            ),
            LbsError::InvalidQuantity { sku_id, quantity } => write!(
                f,
                "cart quantity of SKU {sku_id} must be within 1..=9007199254740991, got {quantity}"
            ),
            LbsError::SnapshotInQuery => write!(
                f,
                "snapshot: not accepted here; this query runs on the snapshot the index was built from"
            ),
        }
    }
}

impl std::error::Error for LbsError {}

impl Coded for LbsError {
    fn code(&self) -> &'static str {
        match self {
            LbsError::InvalidCoordinate { .. } => "INVALID_COORDINATE",
            LbsError::UnknownCoordSystem { .. } => "UNKNOWN_COORD_SYSTEM",
            LbsError::UnknownMode { .. } => "UNKNOWN_MODE",
            LbsError::InvalidK { .. } => "INVALID_K",
            LbsError::InvalidRadius { .. } => "INVALID_RADIUS",
            LbsError::TimeOutOfRange { .. } => "TIME_OUT_OF_RANGE",
            LbsError::TooManyPoints { .. } => "TOO_MANY_POINTS",
            LbsError::DuplicateStoreId { .. } => "DUPLICATE_STORE_ID",
            LbsError::InvalidDeliveryArea { .. } => "INVALID_DELIVERY_AREA",
            LbsError::InvalidHours { .. } => "INVALID_HOURS",
            LbsError::InvalidClosure { .. } => "INVALID_CLOSURE",
            LbsError::InvalidStock { .. } => "INVALID_STOCK",
            LbsError::InvalidQuantity { .. } => "INVALID_QUANTITY",
            LbsError::SnapshotInQuery => "MALFORMED_REQUEST",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            LbsError::SnapshotInQuery => ErrorKind::Malformed,
            _ => ErrorKind::Domain,
        }
    }
}

/// The largest integer a JavaScript number holds exactly (`2^53 - 1`); every
/// integer LBS accepts or returns stays within `±JS_SAFE`.
pub const JS_SAFE: i64 = 9_007_199_254_740_991;
