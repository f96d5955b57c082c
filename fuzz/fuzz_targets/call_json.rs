//! `api::call_json`, every operation: the first byte picks the operation in
//! `OPERATIONS`, the rest is the request body. Seeds: the requests of
//! `tests/vectors/*.json` (`examples/seeds.rs`).
//!
//! Checks: no panic (the project's rule: bad input is a typed error), an error
//! has a code, and an answer is JSON.
#![no_main]

use commerce_core::api::{call_json, OPERATIONS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return;
    };
    let op = OPERATIONS[usize::from(pick) % OPERATIONS.len()];
    match call_json(op, body) {
        Ok(answer) => {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&answer) {
                panic!("{op} answered text that is not JSON ({e}): {answer}");
            }
        }
        Err(error) => assert!(!error.code.is_empty(), "{op}: an error without a code"),
    }
});
