//! # commerce-core
//!
//! The shared business core of mini-program commerce: pricing and coupon
//! stacking, cart state and sync, offline cache, LBS store matching and the
//! wire contract. It runs unchanged natively, in the mini-program's wasm and in
//! the Cloudflare Worker, which is what makes the cart and the server agree on
//! every fen.
//!
//! Architecture invariants (see `ARCHITECTURE.md`):
//! - no I/O, no clock, no randomness: time and data are arguments;
//! - nothing here knows about JavaScript, HTTP or storage APIs;
//! - money is integer fen ([`money::Money`]) everywhere;
//! - every entry point is a pure `request -> Result<response, error>` registered
//!   in [`api`]; bad input returns a typed error with a stable code, never a panic.
//!
//! ```
//! let body = r#"{"catalog":{"products":[{"id":"p","name":"Tea","shop_id":"s",
//!   "category_id":"c","skus":[{"id":"tea","list_price":1800,"stock":5}]}]},
//!   "lines":[{"sku_id":"tea","quantity":2}]}"#;
//! let quote = commerce_core::api::call_json("quote", body).unwrap();
//! assert!(quote.contains(r#""subtotal":3600"#));
//! ```

pub mod api;
pub mod cache;
pub mod cart;
pub mod catalog;
pub mod client;
pub mod edge_api;
pub mod error;
pub mod fulfilment;
pub mod lbs;
pub mod money;
pub mod orders;
pub mod pricing;
pub mod sync;
