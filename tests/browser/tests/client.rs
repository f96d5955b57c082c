//! The wasm cart `Client` on the real `localStorage` of headless Chromium:
//! a cart survives dropping the client (a closed tab), and a full storage is
//! a thrown `STORAGE_QUOTA_EXCEEDED` that changes nothing.
//! `wasm-pack test --headless --chrome tests/browser`.
use commerce_wasm::Client;
use js_sys::{Function, Reflect, JSON};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const NOW: f64 = 1_763_800_000_000.0;
const CATALOG: &str = r#"{"version":"v1","products":[
  {"id":"p-tea","name":"Tea","shop_id":"s","category_id":"drinks",
   "skus":[{"id":"tea","list_price":1800,"stock":20,"purchase_limit":5}]},
  {"id":"p-bun","name":"Bun","shop_id":"s","category_id":"food",
   "skus":[{"id":"bun","list_price":350,"stock":3}]}]}"#;

fn parse(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn json(value: &JsValue) -> Value {
    let text = JSON::stringify(value).expect("stringify").as_string();
    serde_json::from_str(&text.unwrap_or_default()).expect("JSON")
}

fn code(error: JsValue) -> String {
    Reflect::get(&error, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default()
}

/// Call `localStorage.<method>(args...)`.
fn local_storage(method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let storage = Reflect::get(&js_sys::global(), &"localStorage".into())?;
    let function: Function = Reflect::get(&storage, &method.into())?.dyn_into()?;
    function.apply(&storage, &args.iter().collect())
}

/// Every key in `localStorage`.
fn keys() -> Vec<String> {
    let storage = Reflect::get(&js_sys::global(), &"localStorage".into()).expect("localStorage");
    let length = Reflect::get(&storage, &"length".into())
        .ok()
        .and_then(|n| n.as_f64())
        .unwrap_or(0.0) as u32;
    (0..length)
        .filter_map(|i| local_storage("key", &[i.into()]).ok()?.as_string())
        .collect()
}

fn open(client_id: &str) -> Client {
    Client::with_local_storage(client_id, NOW, JsValue::UNDEFINED).expect("open")
}

fn line(sku: &str) -> JsValue {
    parse(&format!(r#"{{"sku_id":"{sku}"}}"#))
}

#[wasm_bindgen_test]
fn a_cart_survives_dropping_the_client() {
    local_storage("clear", &[]).expect("clear");
    let mut client = open("tab-1");
    client
        .put_catalog(
            parse(CATALOG),
            NOW,
            60_000.0,
            86_400_000.0,
            Some("v1".into()),
        )
        .expect("catalog");
    client.add(line("tea"), 2.0, None).expect("add tea");
    let view = client.add(line("bun"), 5.0, None).expect("add bun");
    assert_eq!(json(&view)["warnings"][0]["code"], "NOT_ENOUGH_STOCK");
    let before = json(&client.cart_view().expect("view"));
    drop(client); // the tab is closed

    let mut client = open("tab-2");
    assert_eq!(client.client_id(), "tab-1");
    assert_eq!(json(&client.cart_view().expect("view")), before);
    assert_eq!(client.pending_count(), 2);
    assert_eq!(
        json(&client.dropped().expect("dropped")),
        Value::Array(vec![])
    );
    let cached = json(&client.catalog(NOW + 120_000.0).expect("catalog"));
    assert_eq!(cached["freshness"], "stale");
    assert_eq!(cached["etag"], "v1");
    assert_eq!(before["totals"]["payable"], 2 * 1800 + 3 * 350);
    let keys = keys();
    assert!(keys.iter().any(|k| k.starts_with("cart:")), "{keys:?}");
    assert!(
        keys.iter().any(|k| k.starts_with("cache:catalog#")),
        "{keys:?}"
    );
}

#[wasm_bindgen_test]
fn a_full_local_storage_is_a_quota_error_that_changes_nothing() {
    local_storage("clear", &[]).expect("clear");
    let mut client = open("tab-q");
    client
        .put_catalog(parse(CATALOG), NOW, 60_000.0, 86_400_000.0, None)
        .expect("catalog");
    client.add(line("tea"), 1.0, None).expect("add tea");
    let before = json(&client.cart_view().expect("view"));
    // The rest of the page fills localStorage up to the browser's quota.
    let mut size = 1 << 20;
    let mut i = 0;
    while size >= 16 {
        let filler = JsValue::from("x".repeat(size));
        if local_storage("setItem", &[format!("app:{i}").into(), filler]).is_err() {
            size /= 2;
        }
        i += 1;
    }
    let error = client
        .add(line("bun"), 1.0, None)
        .expect_err("storage is full");
    assert_eq!(code(error), "STORAGE_QUOTA_EXCEEDED");
    assert_eq!(json(&client.cart_view().expect("view")), before);
    assert_eq!(client.pending_count(), 1);
    drop(client);
    local_storage("clear", &[]).expect("clear");
}
