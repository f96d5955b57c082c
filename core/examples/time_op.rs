//! Times one core operation on a request file with a plain loop — the same
//! loop `scripts/bench-wasm.mjs` runs in Node's wasm, so the two numbers are
//! comparable (criterion benches give the careful native statistics).
//!
//! `cargo run --release --example time_op -- quote tests/bench/pricing-50x30.json 200`
//! prints `{"op":..,"iterations":..,"mean_us":..}`.
//!
//! Three more names time a store index kept between queries (what the wasm
//! `StoreFinder` does), on a `stores_nearest` request file and, optionally, a
//! JSON array of queries without snapshot (used in a cycle; default: the
//! request's own point and `k`):
//! - `index_build`: decode the snapshot (JSON text) and build its index;
//! - `nearest_kept`: one `stores_nearest` query on the index built once;
//! - `scan_kept`: the same top-k by a linear scan over every store.
//!
//! `time_op nearest_kept target/bench/lbs-nearest-100k.json 2000 QUERIES.json`

use commerce_core::lbs::contract::{query_index, scan_index, Search, StoreQuery};
use commerce_core::lbs::{StoreIndex, StoreSnapshot};
use serde_json::Value;
use std::hint::black_box;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (op, file, iterations, queries) = match args.as_slice() {
        [_, op, file, n] => (op, file, n, None),
        [_, op, file, n, queries] => (op, file, n, Some(queries)),
        _ => return Err("usage: time_op OP REQUEST.json ITERATIONS [QUERIES.json]".into()),
    };
    let body = std::fs::read_to_string(file)?;
    let iterations: u32 = iterations.parse()?;
    let mean_us = match op.as_str() {
        "index_build" | "nearest_kept" | "scan_kept" => {
            let mut request: Value = serde_json::from_str(&body)?;
            let snapshot = request
                .as_object_mut()
                .and_then(|r| r.remove("snapshot"))
                .ok_or("the request has no snapshot")?
                .to_string();
            let queries: Vec<StoreQuery> = match queries {
                Some(path) => serde_json::from_str(&std::fs::read_to_string(path)?)?,
                None => vec![serde_json::from_value(request)?],
            };
            time_kept(op, &snapshot, &queries, iterations)?
        }
        _ => {
            commerce_core::api::call_json(op, &body).map_err(|e| e.to_string())?;
            time(iterations, || {
                black_box(commerce_core::api::call_json(op, black_box(&body)).ok());
            })
        }
    };
    println!(r#"{{"op":"{op}","iterations":{iterations},"mean_us":{mean_us:.1}}}"#);
    Ok(())
}

/// Mean microseconds of `iterations` runs of `step`.
fn time(iterations: u32, mut step: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        step();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations)
}

fn time_kept(
    op: &str,
    snapshot: &str,
    queries: &[StoreQuery],
    iterations: u32,
) -> Result<f64, Box<dyn std::error::Error>> {
    let build = || -> Result<StoreIndex, Box<dyn std::error::Error>> {
        let snapshot: StoreSnapshot = serde_json::from_str(snapshot)?;
        Ok(StoreIndex::build(snapshot)?)
    };
    let index = build()?;
    let mut cycle = queries.iter().cycle();
    let mut next = || cycle.next().ok_or("no queries");
    Ok(match op {
        "index_build" => time(iterations, || {
            black_box(build().ok());
        }),
        "nearest_kept" => {
            query_index(&index, Search::Nearest, next()?)?;
            time(iterations, || {
                let query = next().ok();
                black_box(query.map(|q| query_index(&index, Search::Nearest, q)));
            })
        }
        _ => {
            scan_index(&index, next()?)?;
            time(iterations, || {
                let query = next().ok();
                black_box(query.map(|q| scan_index(&index, q)));
            })
        }
    })
}
