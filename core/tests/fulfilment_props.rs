//! Properties of the serving-store decision (`core/src/fulfilment/assign.rs`)
//! on random shops around one point: up to 8 stores, each delivering within
//! a square around itself, open or closed, with random live stock of three
//! SKUs; a random cart; a shopper somewhere in the square.
//!
//! - an assigned delivery store meets every rule, and no nearer store (by
//!   the documented distance, then id) meets them all - checked against a
//!   brute-force scan;
//! - when no store can serve, every suggestion is served when applied: the
//!   trimmed cart by the store it names, pickup at the suggested store.

use commerce_core::fulfilment::{
    DeliveryAddress, DeliveryFees, Fulfilment, FulfilmentError, FulfilmentRules, LiveStock, Plan,
    Suggestion,
};
use commerce_core::lbs::contract::WirePoint;
use commerce_core::lbs::{AnyLatLng, Cart, StoreIndex, StoreSnapshot, System};
use commerce_core::money::Money;
use commerce_core::pricing::LineRequest;
use proptest::prelude::*;

const NOW: i64 = 1_767_240_000; // a Thursday, 12:00 China time
const LAT: f64 = 31.23;
const LNG: f64 = 121.47;
const SKUS: [&str; 3] = ["a", "b", "c"];

#[derive(Debug, Clone)]
struct StoreSpec {
    dlat: f64,
    dlng: f64,
    reach: f64,
    open: bool,
    delivery: bool,
    stock: [i64; 3],
}

fn store_spec() -> impl Strategy<Value = StoreSpec> {
    (
        -0.03..0.03f64,
        -0.03..0.03f64,
        0.005..0.05f64,
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.85),
        [0i64..4, 0i64..4, 0i64..4],
    )
        .prop_map(|(dlat, dlng, reach, open, delivery, stock)| StoreSpec {
            dlat,
            dlng,
            reach,
            open,
            delivery,
            stock,
        })
}

fn shop(specs: &[StoreSpec]) -> (StoreIndex, LiveStock) {
    let stores: Vec<serde_json::Value> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (lat, lng) = (LAT + s.dlat, LNG + s.dlng);
            let r = s.reach;
            let hours = if s.open { serde_json::json!(null) } else { serde_json::json!([]) };
            serde_json::json!({
                "id": format!("s{i}"), "location": {"lat": lat, "lng": lng}, "delivery": s.delivery,
                "hours": hours,
                "delivery_areas": [[{"lat": lat - r, "lng": lng - r}, {"lat": lat - r, "lng": lng + r},
                                    {"lat": lat + r, "lng": lng + r}, {"lat": lat + r, "lng": lng - r}]],
            })
        })
        .collect();
    let snapshot: StoreSnapshot =
        serde_json::from_value(serde_json::json!({"coord": "gcj02", "stores": stores})).unwrap();
    let live = specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                format!("s{i}"),
                SKUS.iter()
                    .zip(s.stock)
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        })
        .collect();
    (StoreIndex::build(snapshot).unwrap(), live)
}

fn rules() -> FulfilmentRules {
    FulfilmentRules {
        delivery: Some(DeliveryFees {
            base_fee: Money::fen(500),
            base_distance_m: 3000,
            per_km_fee: Money::fen(100),
            max_distance_m: Some(3000),
            min_order: None,
            free_over: None,
        }),
        ..serde_json::from_str("{}").unwrap()
    }
}

fn lines(wanted: &[i64; 3]) -> Vec<LineRequest> {
    SKUS.iter()
        .zip(wanted)
        .filter(|(_, q)| **q > 0)
        .map(|(s, q)| LineRequest {
            sku_id: s.to_string(),
            quantity: *q,
        })
        .collect()
}

fn delivery_to(dlat: f64, dlng: f64) -> Fulfilment {
    Fulfilment::Delivery {
        address: DeliveryAddress {
            name: "王女士".into(),
            phone: "13800138000".into(),
            text: "南京西路 1 号".into(),
            location: WirePoint {
                lat: LAT + dlat,
                lng: LNG + dlng,
                coord: "gcj02".into(),
            },
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn delivery_goes_to_the_nearest_store_that_meets_every_rule_and_suggestions_work(
        specs in prop::collection::vec(store_spec(), 1..8),
        wanted in [0i64..3, 0i64..3, 0i64..3],
        dlat in -0.02..0.02f64,
        dlng in -0.02..0.02f64,
    ) {
        let lines = lines(&wanted);
        prop_assume!(!lines.is_empty());
        let (index, live) = shop(&specs);
        let rules = rules();
        let plan = Plan { index: &index, live: &live, rules: &rules, now: NOW };
        let cart = Cart::new(&lines).unwrap();
        let fulfilment = delivery_to(dlat, dlng);
        // Brute force: every store that meets every rule, by (distance, id).
        let to = AnyLatLng::new(System::Gcj02, LAT + dlat, LNG + dlng, || "to".into()).unwrap();
        let mut eligible: Vec<(u64, String)> = index.stores().iter().enumerate().filter_map(|(i, s)| {
            let d = to.to_wgs84().metres_to(s.position);
            let spec = &specs[i];
            let stocked = lines.iter().all(|l| {
                let k = SKUS.iter().position(|s| *s == l.sku_id).unwrap();
                spec.stock[k] >= l.quantity
            });
            (spec.delivery && spec.open && s.delivers_to(to.to_gcj02()) && d <= 3000 && stocked).then(|| (d, s.id.clone()))
        }).collect();
        eligible.sort();
        match plan.assign(&cart, &fulfilment) {
            Ok(a) => {
                prop_assert_eq!(Some(&(a.distance_m.unwrap(), a.store_id.clone())), eligible.first());
            }
            Err(FulfilmentError::NoStore { suggestions, .. }) => {
                prop_assert!(eligible.is_empty(), "refused, but {:?} could serve", eligible);
                for s in suggestions {
                    match s {
                        Suggestion::Trim { store_id, lines: trim, .. } => {
                            let kept: Vec<LineRequest> = lines.iter().filter_map(|l| {
                                let q = trim.iter().find(|t| t.sku_id == l.sku_id).map_or(l.quantity, |t| t.keep);
                                (q > 0).then(|| LineRequest { sku_id: l.sku_id.clone(), quantity: q })
                            }).collect();
                            let served = plan.assign(&Cart::new(&kept).unwrap(), &fulfilment);
                            prop_assert!(served.is_ok(), "trim for {store_id}: {:?}", served.err());
                        }
                        Suggestion::PickupAt { store_id, .. } => {
                            let pickup = Fulfilment::Pickup { store_id: store_id.clone(), pickup_at: None, near: None };
                            let served = plan.assign(&cart, &pickup);
                            prop_assert!(served.is_ok(), "pickup at {store_id}: {:?}", served.err());
                        }
                    }
                }
            }
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }
}

#[test]
fn a_store_without_stock_passes_to_the_farther_one_that_has_it() {
    let specs = [
        StoreSpec {
            dlat: 0.001,
            dlng: 0.0,
            reach: 0.05,
            open: true,
            delivery: true,
            stock: [0, 0, 0],
        },
        StoreSpec {
            dlat: 0.01,
            dlng: 0.0,
            reach: 0.05,
            open: true,
            delivery: true,
            stock: [5, 5, 5],
        },
    ];
    let (index, live) = shop(&specs);
    let rules = rules();
    let plan = Plan {
        index: &index,
        live: &live,
        rules: &rules,
        now: NOW,
    };
    let cart = Cart::new(&lines(&[2, 0, 0])).unwrap();
    let a = plan.assign(&cart, &delivery_to(0.0, 0.0)).unwrap();
    assert_eq!(a.store_id, "s1");
    assert_eq!(a.passed_over[0].store_id, "s0");
    assert_eq!(a.passed_over[0].short[0].available, 0);
}
