//! Property tests of LBS: the R-tree answers equal a linear scan, and the
//! GCJ-02 inverse holds to 0.5 m inside China.
//!
//! `cargo test -p commerce-core --test lbs_props` (about 10 s in debug).

use commerce_core::lbs::query::MAX_EXCLUDED;
use commerce_core::lbs::{
    delivering, nearest, within, AnyLatLng, Filters, Gcj02, LatLng, Limit, Radius, Shopper,
    StoreIndex, StoreSnapshot, System, Wgs84,
};
use proptest::prelude::*;
use serde_json::json;

/// A store near `(lat0, lng0)`: offsets in degrees, never-open flag, area half-size.
type StoreSpec = (f64, f64, bool, f64);

fn snapshot(lat0: f64, lng0: f64, specs: &[StoreSpec]) -> StoreSnapshot {
    let stores: Vec<_> = specs
        .iter()
        .enumerate()
        .map(|(i, &(dlat, dlng, never_open, half))| {
            let (lat, lng) = ((lat0 + dlat).clamp(-89.0, 89.0), (lng0 + dlng).clamp(-180.0, 180.0));
            let (s, n) = ((lat - half).max(-90.0), (lat + half).min(90.0));
            let (w, e) = ((lng - half).max(-180.0), (lng + half).min(180.0));
            json!({
                "id": format!("s{i:03}"),
                "location": {"lat": lat, "lng": lng},
                "hours": if never_open { Some(json!([])) } else { None },
                "delivery_areas": [[{"lat": s, "lng": w}, {"lat": s, "lng": e}, {"lat": n, "lng": e}, {"lat": n, "lng": w}]],
            })
        })
        .collect();
    serde_json::from_value(json!({"coord": "gcj02", "stores": stores})).unwrap()
}

/// `(id, metres)` of every store passing `keep`, sorted by metres then id: the brute force.
fn brute_force(
    index: &StoreIndex,
    shopper: &Shopper,
    keep: impl Fn(&commerce_core::lbs::ValidStore, u64) -> bool,
) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = index
        .stores()
        .iter()
        .map(|s| {
            // Independent of the index: from the GCJ-02 input, not the stored position.
            let wgs = LatLng::<Gcj02>::new(s.location.lat(), s.location.lng())
                .unwrap()
                .to_wgs84();
            (s, shopper.position.metres_to(wgs))
        })
        .filter(|(s, d)| keep(s, *d))
        .map(|(s, d)| (s.id.clone(), d))
        .collect();
    all.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    all
}

fn found(m: &commerce_core::lbs::query::Matches) -> Vec<(String, u64)> {
    m.stores
        .iter()
        .map(|f| (f.store.id.clone(), f.distance_m))
        .collect()
}

fn shopper(lat: f64, lng: f64) -> Shopper {
    Shopper::new(AnyLatLng::new(System::Gcj02, lat, lng, || "point".into()).unwrap())
}

const SATURDAY: i64 = 1_795_194_000;

/// Offsets in degrees: spread out, or on a coarse grid so positions and
/// distances tie (the tie-break and the walk's stop margin get exercised).
fn offset() -> impl Strategy<Value = f64> {
    prop_oneof![-2.0..2.0f64, (-5i32..5).prop_map(|v| f64::from(v) * 0.001)]
}

fn stores() -> impl Strategy<Value = Vec<StoreSpec>> {
    prop::collection::vec(
        (offset(), offset(), prop::bool::weighted(0.3), 0.001..0.5f64),
        0..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn nearest_equals_brute_force(
        lat0 in -85.0..85.0f64, lng0 in -180.0..180.0f64, specs in stores(),
        dlat in offset(), dlng in offset(), k in 1i64..12, open_filter: bool,
    ) {
        let index = StoreIndex::build(snapshot(lat0, lng0, &specs)).unwrap();
        let who = shopper((lat0 + dlat).clamp(-89.0, 89.0), (lng0 + dlng).clamp(-180.0, 180.0));
        let filters = Filters::new(None, open_filter.then_some(SATURDAY), &[]).unwrap();
        let got = nearest(&index, &who, Limit::new(Some(k), 1).unwrap(), None, &filters);
        let mut want = brute_force(&index, &who, |s, _| !open_filter || s.schedule.availability(filters.at.unwrap()) == commerce_core::lbs::Availability::Open);
        want.truncate(usize::try_from(k).unwrap());
        prop_assert_eq!(found(&got), want);
    }

    #[test]
    fn nearest_delivery_and_exclusions_equal_brute_force(
        lat0 in 18.0..50.0f64, lng0 in 75.0..130.0f64, specs in stores(),
        dlat in offset(), dlng in offset(), k in 1i64..12,
    ) {
        let index = StoreIndex::build(snapshot(lat0, lng0, &specs)).unwrap();
        let who = shopper(lat0 + dlat, lng0 + dlng);
        let filters = Filters::new(Some("delivery"), Some(SATURDAY), &[]).unwrap();
        let got = nearest(&index, &who, Limit::new(Some(k), 1).unwrap(), None, &filters);
        let k = usize::try_from(k).unwrap();
        let mut want = brute_force(&index, &who, |s, _| filters.reasons(s, &who).is_empty());
        want.truncate(k);
        let mut excluded = brute_force(&index, &who, |s, _| !filters.reasons(s, &who).is_empty());
        if let (true, Some(last)) = (want.len() == k, want.last()) {
            excluded.retain(|(_, d)| *d <= last.1);
        }
        excluded.truncate(MAX_EXCLUDED);
        let got_excluded: Vec<_> = got.excluded.iter().map(|f| (f.store.id.clone(), f.distance_m)).collect();
        prop_assert_eq!(found(&got), want);
        prop_assert_eq!(got_excluded, excluded);
    }

    #[test]
    fn within_equals_brute_force(
        lat0 in -85.0..85.0f64, lng0 in -180.0..180.0f64, specs in stores(),
        dlat in offset(), dlng in offset(), radius in 0i64..250_000,
    ) {
        let index = StoreIndex::build(snapshot(lat0, lng0, &specs)).unwrap();
        let who = shopper((lat0 + dlat).clamp(-89.0, 89.0), (lng0 + dlng).clamp(-180.0, 180.0));
        let r = Radius::new(radius).unwrap();
        let got = within(&index, &who, r, Limit::new(None, 1000).unwrap(), &Filters::default());
        let want = brute_force(&index, &who, |_, d| d <= r.whole_metres());
        prop_assert_eq!(found(&got), want);
    }

    #[test]
    fn delivering_equals_brute_force(
        lat0 in 18.0..50.0f64, lng0 in 75.0..130.0f64, specs in stores(),
        dlat in offset(), dlng in offset(),
    ) {
        let index = StoreIndex::build(snapshot(lat0, lng0, &specs)).unwrap();
        let who = shopper(lat0 + dlat, lng0 + dlng);
        let got = delivering(&index, &who, Limit::new(None, 1000).unwrap(), &Filters::default());
        let want = brute_force(&index, &who, |s, _| s.delivers_to(who.location));
        prop_assert_eq!(found(&got), want);
    }

    #[test]
    fn gcj02_round_trip_within_half_a_metre_in_china(lat in 18.0..53.5f64, lng in 73.5..135.0f64) {
        let wgs = LatLng::<Wgs84>::new(lat, lng).unwrap();
        let back = wgs.to_gcj02().to_wgs84();
        prop_assert!(wgs.distance_m(back) < 0.5, "{lat},{lng}: {} m", wgs.distance_m(back));
        let gcj = LatLng::<Gcj02>::new(lat, lng).unwrap();
        let again = gcj.to_wgs84().to_gcj02();
        prop_assert!((gcj.lat() - again.lat()).abs() < 1e-9 && (gcj.lng() - again.lng()).abs() < 1e-9);
    }

    #[test]
    fn bd09_round_trip_within_a_metre(lat in 18.0..53.5f64, lng in 73.5..135.0f64) {
        let gcj = LatLng::<Gcj02>::new(lat, lng).unwrap();
        let back = gcj.to_bd09().to_gcj02();
        prop_assert!(gcj.to_wgs84().distance_m(back.to_wgs84()) < 1.0);
    }

    #[test]
    fn any_input_is_a_point_or_a_typed_error(lat: f64, lng: f64, system in 0usize..3) {
        let system = System::ALL[system];
        let valid = (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng);
        match AnyLatLng::new(system, lat, lng, || "p".into()) {
            Ok(p) => {
                prop_assert!(valid);
                for to in System::ALL {
                    let (a, b) = p.to_system(to).rounded();
                    prop_assert!((-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&b));
                }
            }
            Err(e) => {
                prop_assert!(!valid);
                prop_assert_eq!(commerce_core::error::Coded::code(&e), "INVALID_COORDINATE");
            }
        }
    }
}
