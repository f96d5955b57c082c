//! Pricing benchmark: quote of a 50-line cart with 30 candidate coupons,
//! including the exact best-combination search (the workload in
//! `pricing_workload`, also saved as `tests/bench/pricing-50x30.json` for the
//! Node/wasm benchmark).

use commerce_core::pricing::{best_coupons, quote};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

#[path = "pricing_workload/mod.rs"]
mod pricing_workload;

fn pricing(c: &mut Criterion) {
    let request = pricing_workload::cart_50_lines_30_coupons();
    c.bench_function("quote_50_lines_30_coupons_best", |b| {
        b.iter(|| quote(black_box(&request)))
    });
    c.bench_function("best_coupons_50_lines_30_coupons", |b| {
        b.iter(|| best_coupons(black_box(&request)))
    });
}

criterion_group!(benches, pricing);
criterion_main!(benches);
