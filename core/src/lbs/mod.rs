//! LBS: which store serves this shopper, right now?
//!
//! Bird's-eye view: a [`StoreSnapshot`] (plain data from KV or the offline
//! cache) is validated and indexed once into a [`StoreIndex`]; a shopper's
//! point in any coordinate system becomes a [`Shopper`] (true WGS-84 position
//! for distances, GCJ-02 for delivery areas); the `query` functions walk the
//! index and apply the matching rules in a fixed order. The `contract` module
//! is the wire shape the operation registry exposes (`stores_nearest`,
//! `stores_within`, `stores_delivering`, `coord_convert`, `geofence_check`).
//!
//! One algorithm per module, each with its rule, a worked example and its
//! invariants:
//! - `coord`: WGS-84 / GCJ-02 / BD-09 as distinct types;
//! - `transform`: the published conversions and the out-of-China rule;
//! - `sphere`: great-circle distance and the unit-sphere R-tree key;
//! - `area`: delivery polygons and the boundary policy;
//! - `hours`: weekly hours past midnight, closures, China time;
//! - `store`: the snapshot and validated stores, stock;
//! - `index`: the R-trees; `query`: matching rules, tie-break, exclusions;
//! - `geofence`: "within r metres"; `contract`: the wire; `error`: codes.
//!
//! Architecture invariants: no I/O, no clock (`at` is an argument), no
//! randomness, no panic on input; all trigonometry is `libm`, so every
//! runtime prints the same bytes. See `docs/lbs.md`.
//!
//! ```
//! use commerce_core::lbs::{LatLng, Wgs84};
//! let beijing = LatLng::<Wgs84>::new(39.9042, 116.4074).unwrap();
//! let shanghai = LatLng::<Wgs84>::new(31.2304, 121.4737).unwrap();
//! assert_eq!(beijing.metres_to(shanghai), 1_067_312);
//! ```

pub mod area;
pub mod contract;
pub mod coord;
pub mod error;
pub mod geofence;
pub mod hours;
pub mod index;
pub mod query;
pub mod sphere;
pub mod store;
pub mod transform;

pub use area::DeliveryArea;
pub use coord::{AnyLatLng, Bd09, CoordSystem, Gcj02, LatLng, System, Wgs84};
pub use error::{LbsError, JS_SAFE};
pub use geofence::Geofence;
pub use hours::{Availability, ChinaTime, Closure, HoursEntry, Schedule};
pub use index::StoreIndex;
pub use query::{delivering, nearest, scan_nearest, within, Filters, Limit, Mode, Reason, Shopper};
pub use sphere::Radius;
pub use store::{Cart, Store, StoreSnapshot, ValidStore};
