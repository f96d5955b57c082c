//! The check the browser applies to each shared vector (the vectors are
//! embedded by `build.rs` as one test each in `tests/browser.rs`).

use serde_json::{json, Value};
use wasm_bindgen::JsValue;

/// Run one vector through both wasm entry points (JSON text and JS objects)
/// and return a description of every difference from its `expect`.
pub fn check(name: &str, text: &str) -> Vec<String> {
    let Ok(vector) = serde_json::from_str::<Value>(text) else {
        return vec![format!("{name}: vector is not JSON")];
    };
    let op = vector["op"].as_str().unwrap_or_default();
    let expect = &js_normalize(&vector["expect"]);
    // The request text exactly as the JS runtimes send it: compact, in the
    // file's key order (error messages quote columns of it).
    let request = js_sys::JSON::parse(text)
        .and_then(|v| js_sys::Reflect::get(&v, &"request".into()))
        .and_then(|r| js_sys::JSON::stringify(&r))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    let mut problems = Vec::new();

    let via_text = match commerce_wasm::call_json(op, &request) {
        Ok(body) => serde_json::from_str::<Value>(&body).map(|v| js_normalize(&json!({ "ok": v }))),
        Err(e) => Ok(json!({ "error": error_fields(&e) })),
    };
    match via_text {
        Ok(actual) if &actual == expect => {}
        Ok(actual) => problems.push(format!(
            "{name} (callJson):\n  expected {expect}\n  actual   {actual}"
        )),
        Err(e) => problems.push(format!("{name} (callJson): response is not JSON: {e}")),
    }

    let object = js_sys::JSON::parse(&request).unwrap_or(JsValue::NULL);
    let via_object = match commerce_wasm::call(op, object) {
        Ok(v) => js_sys::JSON::stringify(&v)
            .ok()
            .and_then(|s| s.as_string())
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .map(|v| json!({ "ok": v })),
        Err(e) => Some(json!({ "error": error_fields(&e) })),
    };
    // Objects: results must match exactly; errors by code (an object's decode
    // error drops serde_json's line/column, which point into a text the
    // caller never wrote).
    let same = match (&via_object, expect.get("ok")) {
        (Some(actual), Some(_)) => actual == expect,
        (Some(actual), None) => actual["error"]["code"] == expect["error"]["code"],
        (None, _) => false,
    };
    if !same {
        problems.push(format!(
            "{name} (call):\n  expected {expect}\n  actual   {}",
            via_object.unwrap_or(Value::Null)
        ));
    }
    problems
}

/// A value as JavaScript sees it (`60.0` and `60` are the same number), so
/// Rust's and JS's spellings of a float compare equal.
fn js_normalize(value: &Value) -> Value {
    js_sys::JSON::parse(&value.to_string())
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok())
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

fn error_fields(error: &JsValue) -> Value {
    let get = |key: &str| {
        js_sys::Reflect::get(error, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    json!({ "code": get("code"), "message": get("message") })
}
