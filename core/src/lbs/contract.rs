//! The LBS wire contract: serde requests and responses, and the pure
//! functions the operation registry (`api`) calls. **API boundary.**
//!
//! Rules:
//! - every position on the wire says its system: a point is
//!   `{"lat":..,"lng":..,"coord":"wgs84"|"gcj02"|"bd09"}`, a snapshot has one
//!   `coord` for all its stores; there is no default system (guessing is the
//!   bug this module exists to prevent);
//! - the store snapshot travels in the request; each call builds a
//!   [`StoreIndex`] from it, then queries it (callers holding a snapshot for
//!   many queries use [`StoreIndex::build`] and the `query` functions
//!   directly);
//! - responses are deterministic text: distances are whole metres
//!   (`distance_m`), coordinates are rounded to 7 decimals, store locations
//!   are in GCJ-02 (ready for `<map>` markers), lists are sorted by distance
//!   then id, `excluded` appears only when `explain` is true.
//!
//! Worked example (`stores_nearest`):
//!
//! ```
//! let body = r#"{"snapshot":{"coord":"gcj02","stores":[
//!     {"id":"a","location":{"lat":31.2304,"lng":121.4737}}]},
//!   "point":{"lat":31.2304,"lng":121.4737,"coord":"gcj02"},"k":1}"#;
//! let out = commerce_core::api::call_json("stores_nearest", body).unwrap();
//! assert_eq!(out, r#"{"version":"","stores":[{"id":"a","distance_m":0,"location":{"lat":31.2304,"lng":121.4737,"coord":"gcj02"}}]}"#);
//! ```
//!
//! Invariants: every function here is `request -> Result<response, LbsError>`,
//! pure, and total on any decoded request.

use super::coord::{AnyLatLng, LatLng, System};
use super::error::LbsError;
use super::geofence::Geofence;
use super::index::StoreIndex;
use super::query::{self, Filters, Found, Limit, Matches, Reason, Shopper, MAX_K};
use super::sphere::{Radius, MAX_RADIUS_M};
use super::store::{StoreSnapshot, WireLatLng};
use crate::pricing::LineRequest;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

/// How many stores `stores_nearest` returns when `k` is absent.
pub const DEFAULT_K: u32 = 10;
/// Most points in one `coord_convert`, most fences in one `geofence_check`.
pub const MAX_POINTS: usize = 10_000;

/// A point with its coordinate system, as on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WirePoint {
    #[cfg_attr(feature = "schema", schemars(range(min = -90.0, max = 90.0)))]
    pub lat: f64,
    #[cfg_attr(feature = "schema", schemars(range(min = -180.0, max = 180.0)))]
    pub lng: f64,
    /// `wgs84`, `gcj02` or `bd09`.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = "^(wgs84|gcj02|bd09)$")))]
    pub coord: String,
}

impl WirePoint {
    pub fn parse(&self, at: impl FnOnce() -> String) -> Result<AnyLatLng, LbsError> {
        AnyLatLng::new(System::parse(&self.coord)?, self.lat, self.lng, at)
    }

    fn from_any(point: AnyLatLng) -> WirePoint {
        let (lat, lng) = point.rounded();
        WirePoint {
            lat,
            lng,
            coord: point.system().name().to_owned(),
        }
    }
}

/// Input of `stores_nearest`, `stores_within` and `stores_delivering`.
///
/// `S` is what the `snapshot` field holds: the snapshot itself for the
/// operations, nothing for a query against an index the caller keeps
/// ([`StoreQuery`], [`query_index`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StoreQueryRequest<S = StoreSnapshot> {
    pub snapshot: S,
    /// Where the shopper is.
    pub point: WirePoint,
    /// How many stores: `1..=1000`; default 10 for `stores_nearest`, 1000 otherwise.
    #[serde(default)]
    pub k: Option<i64>,
    /// Only stores within this many metres (required by `stores_within`).
    #[serde(default)]
    pub radius_m: Option<i64>,
    /// `pickup` or `delivery`; absent = either.
    #[serde(default)]
    pub mode: Option<String>,
    /// Only stores open at this unix time (seconds).
    #[serde(default)]
    pub at: Option<i64>,
    /// Only stores with stock for every line.
    #[serde(default)]
    pub cart: Vec<LineRequest>,
    /// Also list the nearest excluded stores and why.
    #[serde(default)]
    pub explain: bool,
}

/// Output of the store queries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StoreList {
    /// The snapshot's version.
    pub version: String,
    pub stores: Vec<StoreHit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<Vec<ExcludedStore>>,
}

/// A matching store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StoreHit {
    pub id: String,
    pub distance_m: u64,
    /// In GCJ-02, rounded to 7 decimals.
    pub location: WirePoint,
}

/// A store left out, and every rule it failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExcludedStore {
    pub id: String,
    pub distance_m: u64,
    pub reasons: Vec<Reason>,
}

/// A store query without its snapshot, for an index the caller keeps: the
/// request of `stores_*` minus `snapshot` (which must then be absent).
pub type StoreQuery = StoreQueryRequest<Option<IgnoredAny>>;

/// Which index walk a store query uses: which `stores_*` operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// `stores_nearest`
    Nearest,
    /// `stores_within`
    Within,
    /// `stores_delivering`
    Delivering,
}

/// A store query's fields, validated (everything but the snapshot).
struct Prepared {
    shopper: Shopper,
    radius: Option<Radius>,
    filters: Filters,
    k: Limit,
    explain: bool,
}

fn prepare<S>(request: &StoreQueryRequest<S>, kind: Search) -> Result<Prepared, LbsError> {
    let shopper = Shopper::new(request.point.parse(|| "point".to_owned())?);
    let radius = request.radius_m.map(Radius::new).transpose()?;
    let filters = Filters::new(request.mode.as_deref(), request.at, &request.cart)?;
    let default_k = match kind {
        Search::Nearest => DEFAULT_K,
        Search::Within | Search::Delivering => MAX_K,
    };
    let k = Limit::new(request.k, default_k)?;
    Ok(Prepared {
        shopper,
        radius,
        filters,
        k,
        explain: request.explain,
    })
}

fn run(index: &StoreIndex, query: Prepared, kind: Search) -> Result<StoreList, LbsError> {
    let Prepared {
        shopper,
        radius,
        filters,
        k,
        explain,
    } = query;
    let matches = match kind {
        Search::Nearest => query::nearest(index, &shopper, k, radius, &filters),
        Search::Within => {
            let radius = radius.ok_or(LbsError::InvalidRadius {
                radius_m: None,
                max: MAX_RADIUS_M,
            })?;
            query::within(index, &shopper, radius, k, &filters)
        }
        Search::Delivering => query::delivering(index, &shopper, k, &filters),
    };
    Ok(store_list(index, matches, explain))
}

/// The `stores_*` operation `kind` on a request: its fields are checked
/// first, then its snapshot is indexed and queried.
fn search(request: StoreQueryRequest, kind: Search) -> Result<StoreList, LbsError> {
    let prepared = prepare(&request, kind)?;
    let index = StoreIndex::build(request.snapshot)?;
    run(&index, prepared, kind)
}

/// The `stores_*` operation `kind` against an index built once
/// ([`StoreIndex::build`]) and kept: the same response as the operation on
/// `{snapshot, ..query}` for the snapshot the index was built from, without
/// rebuilding the index. A `snapshot` in `query` is `MALFORMED_REQUEST` (the
/// index is the snapshot; build another for another snapshot).
///
/// ```
/// use commerce_core::lbs::contract::{query_index, Search, StoreQuery};
/// use commerce_core::lbs::{StoreIndex, StoreSnapshot};
/// let snapshot: StoreSnapshot = serde_json::from_str(r#"{"coord":"gcj02","stores":[
///     {"id":"a","location":{"lat":31.2304,"lng":121.4737}}]}"#).unwrap();
/// let index = StoreIndex::build(snapshot).unwrap();
/// let query: StoreQuery = serde_json::from_str(
///     r#"{"point":{"lat":31.2304,"lng":121.4737,"coord":"gcj02"},"k":1}"#).unwrap();
/// let list = query_index(&index, Search::Nearest, &query).unwrap();
/// assert_eq!(list.stores[0].id, "a");
/// ```
pub fn query_index(
    index: &StoreIndex,
    kind: Search,
    query: &StoreQuery,
) -> Result<StoreList, LbsError> {
    if query.snapshot.is_some() {
        return Err(LbsError::SnapshotInQuery);
    }
    run(index, prepare(query, kind)?, kind)
}

fn store_list(index: &StoreIndex, matches: Matches, explain: bool) -> StoreList {
    let hit = |f: Found| StoreHit {
        id: f.store.id.clone(),
        distance_m: f.distance_m,
        location: WirePoint::from_any(AnyLatLng::Gcj02(f.store.location)),
    };
    let excluded = |f: Found| ExcludedStore {
        id: f.store.id.clone(),
        distance_m: f.distance_m,
        reasons: f.reasons,
    };
    StoreList {
        version: index.version().to_owned(),
        stores: matches.stores.into_iter().map(hit).collect(),
        excluded: explain.then(|| matches.excluded.into_iter().map(excluded).collect()),
    }
}

/// The `k` nearest stores to `query.point` in a kept index by brute force
/// ([`query::scan_nearest`]): the baseline of the R-tree walk, for
/// benchmarks. Only `point` and `k` (default 10) are used; no filter applies.
pub fn scan_index(index: &StoreIndex, query: &StoreQuery) -> Result<StoreList, LbsError> {
    let shopper = Shopper::new(query.point.parse(|| "point".to_owned())?);
    let k = Limit::new(query.k, DEFAULT_K)?;
    Ok(store_list(
        index,
        query::scan_nearest(index, &shopper, k),
        false,
    ))
}

/// `stores_nearest`: the `k` nearest stores passing the filters.
pub fn stores_nearest(request: StoreQueryRequest) -> Result<StoreList, LbsError> {
    search(request, Search::Nearest)
}

/// `stores_within`: every store within `radius_m` passing the filters (at most `k`).
pub fn stores_within(request: StoreQueryRequest) -> Result<StoreList, LbsError> {
    search(request, Search::Within)
}

/// `stores_delivering`: stores whose delivery area contains the point.
pub fn stores_delivering(request: StoreQueryRequest) -> Result<StoreList, LbsError> {
    search(request, Search::Delivering)
}

/// Input of `coord_convert`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConvertRequest {
    pub from: String,
    pub to: String,
    pub points: Vec<WireLatLng>,
}

/// Output of `coord_convert`: the points in `coord`, rounded to 7 decimals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConvertResponse {
    pub coord: System,
    pub points: Vec<WireLatLng>,
}

/// `coord_convert`: convert up to 10 000 points between systems.
pub fn coord_convert(request: ConvertRequest) -> Result<ConvertResponse, LbsError> {
    let from = System::parse(&request.from)?;
    let to = System::parse(&request.to)?;
    if request.points.len() > MAX_POINTS {
        return Err(LbsError::TooManyPoints {
            count: request.points.len(),
            max: MAX_POINTS,
        });
    }
    let points = request
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (lat, lng) = AnyLatLng::new(from, p.lat, p.lng, || format!("points[{i}]"))?
                .to_system(to)
                .rounded();
            Ok(WireLatLng { lat, lng })
        })
        .collect::<Result<Vec<_>, LbsError>>()?;
    Ok(ConvertResponse { coord: to, points })
}

/// Input of `geofence_check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GeofenceRequest {
    /// Where the shopper is.
    pub point: WirePoint,
    pub fences: Vec<FenceRequest>,
}

/// One fence: a centre (e.g. a store) and a radius in metres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FenceRequest {
    pub id: String,
    pub center: WirePoint,
    pub radius_m: i64,
}

/// Output of `geofence_check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GeofenceResponse {
    /// Ids of the fences the shopper is inside, nearest first.
    pub inside: Vec<String>,
    /// Every fence, nearest first (then by id).
    pub fences: Vec<FenceResult>,
}

/// One fence's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FenceResult {
    pub id: String,
    pub distance_m: u64,
    pub inside: bool,
}

/// `geofence_check`: which fences contain the shopper.
pub fn geofence_check(request: GeofenceRequest) -> Result<GeofenceResponse, LbsError> {
    if request.fences.len() > MAX_POINTS {
        return Err(LbsError::TooManyPoints {
            count: request.fences.len(),
            max: MAX_POINTS,
        });
    }
    let shopper: LatLng<_> = request.point.parse(|| "point".to_owned())?.to_wgs84();
    let mut fences = request
        .fences
        .into_iter()
        .map(|f| {
            let fence = Geofence {
                center: f
                    .center
                    .parse(|| format!("fence {} center", f.id))?
                    .to_wgs84(),
                radius: Radius::new(f.radius_m)?,
            };
            let (distance_m, inside) = fence.check(shopper);
            Ok(FenceResult {
                id: f.id,
                distance_m,
                inside,
            })
        })
        .collect::<Result<Vec<_>, LbsError>>()?;
    fences.sort_by(|a, b| (a.distance_m, &a.id).cmp(&(b.distance_m, &b.id)));
    let inside = fences
        .iter()
        .filter(|f| f.inside)
        .map(|f| f.id.clone())
        .collect();
    Ok(GeofenceResponse { inside, fences })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, Coded};

    /// Every store-query vector, asked of an index built once from its
    /// snapshot (`query_index`, what the wasm `StoreFinder` runs), answers
    /// the operation's exact text; the linear scan agrees with the unfiltered
    /// nearest walk.
    #[test]
    fn a_kept_index_answers_like_the_operations() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let vector: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap())
                    .unwrap();
            let kind = match vector["op"].as_str().unwrap() {
                "stores_nearest" => Search::Nearest,
                "stores_within" => Search::Within,
                "stores_delivering" => Search::Delivering,
                _ => continue,
            };
            let mut request = vector["request"].clone();
            let Some(snapshot) = request.as_object_mut().unwrap().remove("snapshot") else {
                continue;
            };
            let Ok(index) = StoreIndex::build(serde_json::from_value(snapshot).unwrap()) else {
                continue; // a snapshot error is the constructor's
            };
            let op = vector["op"].as_str().unwrap();
            let via_op = crate::api::call_json(op, &vector["request"].to_string());
            let query: StoreQuery = match serde_json::from_value(request) {
                Ok(query) => query,
                Err(_) => continue, // malformed: no query to run
            };
            let kept = query_index(&index, kind, &query);
            match (via_op, kept) {
                (Ok(text), Ok(list)) => {
                    assert_eq!(serde_json::to_string(&list).unwrap(), text, "{op}");
                    if kind == Search::Nearest
                        && query.mode.is_none()
                        && (query.at, query.radius_m) == (None, None)
                        && query.cart.is_empty()
                    {
                        let scan = scan_index(&index, &query).unwrap();
                        assert_eq!(scan.stores, list.stores, "{op} scan");
                    }
                }
                (Err(e), Err(k)) => assert_eq!(e, ApiError::from(k), "{op}"),
                (a, b) => panic!("{op}: {a:?} vs {b:?}"),
            }
            checked += 1;
        }
        assert!(checked >= 15, "only {checked} vectors checked");
    }

    #[test]
    fn a_query_for_a_kept_index_brings_no_snapshot() {
        let index =
            StoreIndex::build(serde_json::from_str(r#"{"coord":"gcj02"}"#).unwrap()).unwrap();
        let query: StoreQuery = serde_json::from_str(
            r#"{"snapshot":{"coord":"gcj02"},"point":{"lat":0,"lng":0,"coord":"wgs84"}}"#,
        )
        .unwrap();
        let err = ApiError::from(query_index(&index, Search::Nearest, &query).unwrap_err());
        assert_eq!(
            (err.code.as_str(), err.kind),
            ("MALFORMED_REQUEST", crate::error::ErrorKind::Malformed)
        );
    }

    #[test]
    fn too_many_points_is_a_typed_error() {
        let request = ConvertRequest {
            from: "wgs84".into(),
            to: "gcj02".into(),
            points: vec![WireLatLng { lat: 0.0, lng: 0.0 }; MAX_POINTS + 1],
        };
        let err = coord_convert(request).unwrap_err();
        assert_eq!(err.code(), "TOO_MANY_POINTS");
        assert_eq!(
            err.to_string(),
            "10001 points or fences in one request; at most 10000"
        );
    }

    #[test]
    fn nan_and_infinity_are_invalid_coordinates() {
        for (lat, lng) in [(f64::NAN, 0.0), (0.0, f64::INFINITY), (-90.5, 0.0)] {
            let request = ConvertRequest {
                from: "gcj02".into(),
                to: "wgs84".into(),
                points: vec![WireLatLng { lat, lng }],
            };
            assert_eq!(
                coord_convert(request).unwrap_err().code(),
                "INVALID_COORDINATE"
            );
        }
    }
}
