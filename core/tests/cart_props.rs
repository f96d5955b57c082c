//! Properties of the cart: whatever the operations, a checked cart respects
//! stock and limits, keeps keys unique, is stable under a second check, and a
//! refused operation changes nothing.

mod cart_support;

use cart_support::{op, snapshot};
use commerce_core::cart::{check, Cart, Warning, MAX_LINE_QUANTITY};
use commerce_core::catalog::Catalog;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn checked_carts_respect_stock_limits_and_are_stable(ops in prop::collection::vec(op(), 0..25)) {
        let snapshot = snapshot();
        let catalog = Catalog::new(&snapshot).unwrap();
        let mut cart = Cart::default();
        for op in &ops {
            let before = cart.clone();
            if cart.apply(op, &catalog).is_err() {
                prop_assert_eq!(&cart, &before, "a refused op changed the cart");
            }
            cart = check(cart, &catalog).cart;
        }
        let mut keys = BTreeSet::new();
        let mut per_sku: BTreeMap<&str, i64> = BTreeMap::new();
        for line in cart.all_lines() {
            prop_assert!(keys.insert(&line.key), "duplicate line {}", line.key);
            prop_assert!((1..=MAX_LINE_QUANTITY).contains(&line.quantity));
        }
        for line in &cart.lines {
            let sku = catalog.sku(&line.key.sku_id).unwrap();
            prop_assert!(sku.is_listed());
            *per_sku.entry(&line.key.sku_id).or_default() += line.quantity;
            prop_assert_eq!(line.seen_price, Some(sku.sku.list_price));
        }
        for (sku_id, quantity) in per_sku {
            let sku = catalog.sku(sku_id).unwrap().sku;
            prop_assert!(quantity <= sku.stock);
            prop_assert!(quantity <= sku.purchase_limit.unwrap_or(i64::MAX));
        }
        let again = check(cart.clone(), &catalog);
        prop_assert_eq!(&again.cart, &cart);
        prop_assert!(again.warnings.iter().all(|w| cart.invalid_lines.iter().any(|l| l.key == w.line)));
        let wire = serde_json::to_string(&cart).unwrap();
        prop_assert_eq!(serde_json::from_str::<Cart>(&wire).unwrap(), cart);
        let wire = serde_json::to_string(&again.warnings).unwrap();
        prop_assert_eq!(serde_json::from_str::<Vec<Warning>>(&wire).unwrap(), again.warnings);
    }
}
