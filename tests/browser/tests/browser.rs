//! The shared vectors in headless Chromium:
//! `wasm-pack test --headless --chrome tests/browser`.
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn shared_vectors_in_browser() {
    let mut problems = Vec::new();
    for (name, text) in parity_browser::VECTORS {
        problems.extend(parity_browser::check(name, text));
    }
    web_sys_log(&format!(
        "browser: {} passed, {} failed",
        parity_browser::VECTORS.len() - problems.len().min(parity_browser::VECTORS.len()),
        problems.len()
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn web_sys_log(line: &str) {
    wasm_bindgen_test::console_log!("{line}");
}
