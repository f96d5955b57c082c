//! Times one core operation on a request file with a plain loop — the same
//! loop `scripts/bench-wasm.mjs` runs in Node's wasm, so the two numbers are
//! comparable (criterion benches give the careful native statistics).
//!
//! `cargo run --release --example time_op -- quote tests/bench/pricing-50x30.json 200`
//! prints `{"op":..,"iterations":..,"mean_us":..}`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, op, file, iterations] = args.as_slice() else {
        return Err("usage: time_op OP REQUEST.json ITERATIONS".into());
    };
    let body = std::fs::read_to_string(file)?;
    let iterations: u32 = iterations.parse()?;
    commerce_core::api::call_json(op, &body).map_err(|e| e.to_string())?;
    let start = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(commerce_core::api::call_json(op, std::hint::black_box(&body)).ok());
    }
    let mean_us = start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
    println!(r#"{{"op":"{op}","iterations":{iterations},"mean_us":{mean_us:.1}}}"#);
    Ok(())
}
