//! Pricing benchmark: quote of a 50-line cart with 30 candidate coupons,
//! including the exact best-combination search (the workload in
//! `pricing_workload`, also saved as `tests/bench/pricing-50x30.json` for the
//! Node/wasm benchmark), and the adversarial workloads of `tests/bench/`
//! (30 coupons that all combine; `pricing-adversarial-*.json` and
//! `adversarial/*.json`), whose search work `tests/pricing_search_budget.rs`
//! holds to a node budget.

use commerce_core::pricing::{best_coupons, quote, QuoteRequest};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::path::{Path, PathBuf};

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

/// The saved quote requests in `dir`, by file name.
fn workloads(dir: &Path, prefix: &str) -> Vec<(String, QuoteRequest)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/bench exists")
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| {
            path.extension().is_some_and(|e| e == "json")
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("workload is readable");
            let name = path
                .file_stem()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            (
                name,
                serde_json::from_str(&text).expect("workload is a QuoteRequest"),
            )
        })
        .collect()
}

fn adversarial(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/bench");
    let mut all = workloads(&dir, "pricing-adversarial-");
    all.extend(workloads(&dir.join("adversarial"), ""));
    let mut group = c.benchmark_group("best_coupons_adversarial");
    group.sample_size(10);
    for (name, request) in &all {
        group.bench_function(name.as_str(), |b| {
            b.iter(|| best_coupons(black_box(request)))
        });
    }
    group.finish();
}

criterion_group!(benches, pricing, adversarial);
criterion_main!(benches);
