//! Native runner for the shared vectors in `tests/vectors/*.json`.
//!
//! Each vector is `{"description", "op", "request", "expect": {"ok": ..} | {"error": ..}}`.
//! The same files are run in headless Chromium, in the mini-program harness
//! and against the edge worker; this runner is the reference.
//!
//! - `UPDATE_VECTORS=1 cargo test -p commerce-core --test vectors` rewrites
//!   each file's `expect` from the current output (review the diff!).
//! - `PARITY_REFERENCE=path` writes `{name: response text}` for the other
//!   runtimes to compare byte for byte.

use commerce_core::api::call_json;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// The response text exactly as every runtime must produce it.
fn respond(op: &str, request: &Value) -> String {
    match call_json(op, &request.to_string()) {
        Ok(text) => text,
        Err(e) => e.to_json(),
    }
}

/// JSON paths of integers a JavaScript number cannot hold exactly: vectors
/// must be JS-safe, since the browser, the mini-program and the edge parse
/// them as JS numbers.
fn js_unsafe_numbers(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Number(n) if n.as_i64().is_some_and(|i| i.unsigned_abs() > (1 << 53) - 1) => {
            found.push(format!("{path} = {n}"))
        }
        Value::Number(n) if n.is_u64() && n.as_i64().is_none() => {
            found.push(format!("{path} = {n}"))
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                js_unsafe_numbers(item, &format!("{path}[{i}]"), found);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                js_unsafe_numbers(v, &format!("{path}.{k}"), found);
            }
        }
        _ => {}
    }
}

fn as_expect(op: &str, request: &Value) -> Value {
    match call_json(op, &request.to_string()) {
        Ok(text) => json!({ "ok": serde_json::from_str::<Value>(&text).unwrap() }),
        Err(e) => json!({ "error": e.body().error }),
    }
}

#[test]
fn shared_vectors() {
    let update = std::env::var_os("UPDATE_VECTORS").is_some();
    let mut reference = BTreeMap::new();
    let mut failures = Vec::new();
    let mut paths: Vec<_> = fs::read_dir(vector_dir())
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no vectors found");
    for path in &paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(path).unwrap();
        let mut vector: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{name}: vector is not JSON: {e}"));
        let op = vector["op"].as_str().expect("vector has op").to_owned();
        let mut unsafe_numbers = Vec::new();
        js_unsafe_numbers(&vector, "$", &mut unsafe_numbers);
        if !unsafe_numbers.is_empty() {
            failures.push(format!(
                "{name}: numbers beyond 2^53-1: {}",
                unsafe_numbers.join(", ")
            ));
        }
        let request = vector["request"].clone();
        let actual = as_expect(&op, &request);
        reference.insert(name.clone(), respond(&op, &request));
        if update {
            vector["expect"] = actual;
            let pretty = serde_json::to_string_pretty(&vector).unwrap() + "\n";
            fs::write(path, pretty).unwrap();
        } else if vector["expect"] != actual {
            failures.push(format!(
                "{name}:\n  expected {}\n  actual   {}",
                vector["expect"], actual
            ));
        }
    }
    if let Some(out) = std::env::var_os("PARITY_REFERENCE") {
        fs::write(out, serde_json::to_string_pretty(&reference).unwrap()).unwrap();
    }
    println!("native: {} vectors", paths.len());
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
