//! The shared vectors in headless Chromium, one test per vector file:
//! `wasm-pack test --headless --chrome tests/browser`.
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

include!(concat!(env!("OUT_DIR"), "/vector_tests.rs"));
