//! The best-combination search stays within a work budget on adversarial
//! configurations: 30 coupons that all combine with each other, most of
//! them clamped, on small and large carts (`tests/bench/pricing-adversarial-*`
//! and `tests/bench/adversarial/`, see its README).
//!
//! Work is counted in search nodes, which is deterministic; time is measured
//! by the benches (`cargo bench -p commerce-core --bench pricing`, `make
//! bench`), never asserted. Each budget is the node count when the bounds
//! were last changed, with about 30 % headroom: a change that makes the
//! search weaker fails here, one that makes it stronger should lower them.

use commerce_core::pricing::{best_coupons_search_nodes, QuoteRequest};
use std::path::PathBuf;

/// Workload (relative to `tests/bench/`) and its budget in search nodes.
const BUDGETS: &[(&str, u64)] = &[
    ("pricing-50x30.json", 200),
    ("pricing-adversarial-3x30.json", 2_400),
    ("pricing-adversarial-50x30-max11.json", 100),
    ("adversarial/random-3x30-71.json", 1_000),
    ("adversarial/random-3x30-41.json", 1_200),
    ("adversarial/random-3x30-256.json", 3_400),
    ("adversarial/subset-sum-50-lines.json", 1_700),
    ("adversarial/even-offs-odd-total.json", 100),
    ("adversarial/capped-percentages.json", 10),
];

#[test]
fn adversarial_searches_stay_within_their_node_budgets() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/bench");
    let mut over = Vec::new();
    for &(file, budget) in BUDGETS {
        let text = std::fs::read_to_string(dir.join(file)).expect("workload exists");
        let request: QuoteRequest =
            serde_json::from_str(&text).expect("workload is a QuoteRequest");
        let nodes = best_coupons_search_nodes(&request).expect("workload prices");
        println!("{file}: {nodes} nodes (budget {budget})");
        if nodes > budget {
            over.push(format!("{file}: {nodes} > {budget}"));
        }
    }
    assert!(over.is_empty(), "over budget: {over:?}");
}
