//! LBS benchmarks: index build for 100 000 stores, top-5 nearest query, and a
//! linear scan over the same stores for the ratio.
//!
//! `cargo bench -p commerce-core --bench lbs`
//!
//! The workload is a deterministic synthetic snapshot that a Node/wasm
//! benchmark replays exactly (see "Benchmark workload" in `docs/lbs.md`):
//! a 64-bit LCG (`state = state * 6364136223846793005 + 1442695040888963407`
//! mod 2^64, seed 2024), each draw `u = (state >> 11) / 2^53` in [0, 1).
//! Store `i` (id `s000000`..) takes three draws: `lat = 22 + 20u`,
//! `lng = 102 + 20u` (GCJ-02, eastern China), delivery-square half-size
//! `0.005 + 0.015u` degrees. Even-numbered stores open 08:00-22:00 daily, odd
//! ones have no hours (always open). Query points continue the same LCG
//! after the stores: `lat = 22 + 20u`, `lng = 102 + 20u`.

use commerce_core::lbs::{
    nearest, scan_nearest, AnyLatLng, Filters, Limit, Shopper, StoreIndex, StoreSnapshot, System,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::json;
use std::hint::black_box;

const STORES: usize = 100_000;
const QUERIES: usize = 256;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn workload() -> (StoreSnapshot, Vec<Shopper>) {
    let mut lcg = Lcg(2024);
    let daily: Vec<_> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"day": d, "open": "08:00", "close": "22:00"}))
        .collect();
    let stores: Vec<_> = (0..STORES)
        .map(|i| {
            let lat = 22.0 + 20.0 * lcg.next();
            let lng = 102.0 + 20.0 * lcg.next();
            let h = 0.005 + 0.015 * lcg.next();
            let corner = |a: f64, b: f64| json!({"lat": lat + a, "lng": lng + b});
            json!({
                "id": format!("s{i:06}"),
                "location": {"lat": lat, "lng": lng},
                "delivery_areas": [[corner(-h, -h), corner(-h, h), corner(h, h), corner(h, -h)]],
                "hours": if i.is_multiple_of(2) { Some(&daily) } else { None },
            })
        })
        .collect();
    let snapshot =
        serde_json::from_value(json!({"version": "bench", "coord": "gcj02", "stores": stores}))
            .expect("synthetic snapshot decodes");
    let shoppers = (0..QUERIES)
        .map(|_| {
            let (lat, lng) = (22.0 + 20.0 * lcg.next(), 102.0 + 20.0 * lcg.next());
            Shopper::new(AnyLatLng::new(System::Gcj02, lat, lng, String::new).expect("in range"))
        })
        .collect();
    (snapshot, shoppers)
}

fn bench(c: &mut Criterion) {
    let (snapshot, shoppers) = workload();
    let mut group = c.benchmark_group("lbs_100k");
    group.sample_size(10);
    group.bench_function("index_build", |b| {
        b.iter_batched(
            || snapshot.clone(),
            |s| StoreIndex::build(s).expect("valid snapshot"),
            BatchSize::LargeInput,
        )
    });
    let index = StoreIndex::build(snapshot).expect("valid snapshot");
    let top5 = Limit::new(Some(5), 5).expect("5 is a valid k");
    let none = Filters::default();
    let mut cycle = shoppers.iter().cycle();
    group.sample_size(50);
    group.bench_function("nearest_top5", |b| {
        b.iter(|| {
            let who = cycle.next().expect("cycle is endless");
            black_box(nearest(&index, who, top5, None, &none).stores.len())
        })
    });
    let open_delivery = Filters::new(Some("delivery"), Some(1_795_194_000), &[]).expect("valid");
    group.bench_function("nearest_top5_delivery_open", |b| {
        b.iter(|| {
            let who = cycle.next().expect("cycle is endless");
            black_box(
                nearest(&index, who, top5, None, &open_delivery)
                    .stores
                    .len(),
            )
        })
    });
    group.bench_function("linear_scan_top5", |b| {
        b.iter(|| {
            let who = cycle.next().expect("cycle is endless");
            black_box(scan_nearest(&index, who, top5).stores.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
