//! Shared by the cart and sync property tests: a small catalog whose SKUs hit
//! every rule (limit, low stock, sold out, delisted, unknown) and a strategy
//! for cart operations on it.

use commerce_core::cart::{CartLine, CartOp, LineKey};
use commerce_core::catalog::CatalogSnapshot;
use commerce_core::money::Money;
use proptest::prelude::*;

pub fn snapshot() -> CatalogSnapshot {
    serde_json::from_str(
        r#"{"products":[
      {"id":"p-tea","name":"Tea","shop_id":"s","category_id":"c",
       "skus":[{"id":"tea","list_price":1800,"stock":20,"purchase_limit":5}]},
      {"id":"p-bun","name":"Bun","shop_id":"s","category_id":"c",
       "skus":[{"id":"bun","list_price":350,"stock":3}]},
      {"id":"p-cake","name":"Cake","shop_id":"s","category_id":"c",
       "skus":[{"id":"cake","list_price":6800,"stock":0}]},
      {"id":"p-pen","name":"Pen","shop_id":"s","category_id":"c","listed":false,
       "skus":[{"id":"pen","list_price":990,"stock":9}]}]}"#,
    )
    .expect("test catalog is valid")
}

fn key() -> impl Strategy<Value = LineKey> {
    (
        prop::sample::select(vec!["tea", "bun", "cake", "pen", "ghost"]),
        prop::option::of(Just("flash".to_owned())),
    )
        .prop_map(|(sku, activity_id)| LineKey {
            sku_id: sku.to_owned(),
            activity_id,
        })
}

fn line() -> impl Strategy<Value = CartLine> {
    (
        key(),
        1i64..8,
        any::<bool>(),
        prop::option::of(300i64..2000),
    )
        .prop_map(|(key, quantity, selected, seen)| CartLine {
            key,
            quantity,
            selected,
            seen_price: seen.map(Money::fen),
        })
}

/// Any cart operation, including ones the cart refuses (quantity 0, unknown
/// or delisted SKU, absent line).
pub fn op() -> impl Strategy<Value = CartOp> {
    prop_oneof![
        4 => (key(), 0i64..8, prop::option::of(300i64..2000)).prop_map(|(line, quantity, seen)| {
            CartOp::Add { line, quantity, seen_price: seen.map(Money::fen) }
        }),
        2 => (key(), 0i64..8).prop_map(|(line, quantity)| CartOp::SetQuantity { line, quantity }),
        1 => key().prop_map(|line| CartOp::Remove { line }),
        1 => key().prop_map(|line| CartOp::Select { line }),
        1 => key().prop_map(|line| CartOp::Unselect { line }),
        1 => Just(CartOp::SelectAll),
        1 => Just(CartOp::UnselectAll),
        1 => Just(CartOp::ClearInvalid),
        1 => prop::collection::vec(line(), 0..4).prop_map(|lines| CartOp::MergeGuest { lines }),
    ]
}
