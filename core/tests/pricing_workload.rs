//! The saved benchmark workload `tests/bench/pricing-50x30.json` is exactly
//! what the generator in `benches/pricing_workload` builds, and it prices.
//! `UPDATE_VECTORS=1` rewrites the file from the generator.

use commerce_core::pricing::{best_coupons, QuoteRequest};
use std::path::PathBuf;

#[path = "../benches/pricing_workload/mod.rs"]
mod pricing_workload;

#[test]
fn saved_workload_matches_the_generator() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/bench/pricing-50x30.json");
    let request = pricing_workload::cart_50_lines_30_coupons();
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&request).expect("request serialises") + "\n";
        std::fs::write(&path, text).expect("tests/bench is writable");
    }
    let saved: QuoteRequest = serde_json::from_str(
        &std::fs::read_to_string(&path).expect("tests/bench/pricing-50x30.json exists"),
    )
    .expect("saved workload is a QuoteRequest");
    assert_eq!(saved, request);
    let best = best_coupons(&request).expect("the workload prices");
    assert!(best.coupon_ids.len() >= 3, "{:?}", best.coupon_ids);
}
