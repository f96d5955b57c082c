//! The operation registry: **API boundary** shared by every runtime.
//!
//! Each public core entry point is an [`Operation`]: a name, a serde request
//! type, a serde response type and a pure `run`. The wasm client, the edge
//! worker and the native vector tests all reach core through this one list, so
//! a request means the same thing everywhere and the JSON produced by
//! [`call_json`] is byte-identical on every runtime (it is the same Rust
//! serde_json code).
//!
//! Invariants:
//! - adding an operation = one line in the `operations!` list below;
//! - a decode failure is an [`ApiError`] of kind `Malformed` (400), an unknown
//!   operation is `NotFound` (404); nothing here panics on input.
//!
//! ```
//! let body = r#"{"catalog":{"products":[]},"lines":[{"sku_id":"x","quantity":1}]}"#;
//! let err = commerce_core::api::call_json("quote", body).unwrap_err();
//! assert_eq!(err.code, "UNKNOWN_SKU");
//! ```

use crate::error::{ApiError, ErrorKind};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// One pure entry point of the core.
pub trait Operation {
    /// Stable name, used as the wasm `call` argument and the edge route segment.
    const NAME: &'static str;
    type Request: DeserializeOwned;
    type Response: Serialize;
    fn run(request: Self::Request) -> Result<Self::Response, ApiError>;
}

/// Something done with an operation chosen at run time by name (decode with
/// serde_json, ...).
pub trait OperationVisitor {
    type Output;
    fn visit<O: Operation>(self) -> Self::Output;
}

macro_rules! operations {
    ($($op:path),* $(,)?) => {
        /// Names of every operation, in registry order.
        pub const OPERATIONS: &[&str] = &[$(<$op as Operation>::NAME),*];

        /// Run `visitor` with the operation called `name`, if there is one.
        pub fn visit_operation<V: OperationVisitor>(name: &str, visitor: V) -> Option<V::Output> {
            $(if name == <$op as Operation>::NAME {
                return Some(visitor.visit::<$op>());
            })*
            None
        }
    };
}

operations! {
    ops::Quote,
    ops::BestCoupons,
    ops::StoresNearest,
    ops::StoresWithin,
    ops::StoresDelivering,
    ops::CoordConvert,
    ops::GeofenceCheck,
    ops::CartApply,
    ops::CartMerge,
    ops::SyncPush,
    ops::SyncRebase,
    ops::OrderCheckout,
    ops::OrderTransition,
    ops::CouponWallet,
}

/// The operations' adapters from domain functions to [`Operation`].
pub mod ops {
    use super::Operation;
    use crate::catalog::Catalog;
    use crate::error::ApiError;
    use crate::lbs::contract as lbs;
    use crate::{cart, orders, pricing, sync};

    /// `operation!(Type, "name", Request => Response, |request| body)`: one
    /// registry entry; `body` is a `Result` whose error converts to [`ApiError`].
    macro_rules! operation {
        ($(#[$doc:meta])* $op:ident, $name:literal, $request:ty => $response:ty, |$req:ident| $body:expr) => {
            $(#[$doc])*
            pub struct $op;
            impl Operation for $op {
                const NAME: &'static str = $name;
                type Request = $request;
                type Response = $response;
                fn run($req: Self::Request) -> Result<Self::Response, ApiError> {
                    Ok($body?)
                }
            }
        };
    }

    operation!(
        /// `quote`: price a cart against a catalog snapshot.
        Quote, "quote", pricing::QuoteRequest => pricing::Quote,
        |request| pricing::quote(&request)
    );
    operation!(
        /// `best_coupons`: the best coupon combination for a cart, with its quote.
        BestCoupons, "best_coupons", pricing::QuoteRequest => pricing::BestCoupons,
        |request| pricing::best_coupons(&request)
    );
    operation!(
        /// `cart_apply`: apply cart operations (all or nothing), check, price.
        CartApply, "cart_apply", cart::CartApplyRequest => cart::CartView,
        |request| cart::apply_ops(&request.catalog, request.cart, &request.ops)
    );
    operation!(
        /// `cart_merge`: fold a guest cart into a user's cart, check, price.
        CartMerge, "cart_merge", cart::CartMergeRequest => cart::CartView,
        |request| cart::merge_carts(request)
    );
    operation!(
        /// `sync_push`: server side of a cart sync push (state in, state out).
        SyncPush, "sync_push", sync::SyncPushRequest => sync::SyncPushResponse,
        |request| Catalog::new(&request.catalog).map(|catalog| {
            let (state, response) = sync::server_apply(request.state, &request.push, &catalog);
            sync::SyncPushResponse { state, response }
        })
    );
    operation!(
        /// `sync_rebase`: client side of a cart sync answer.
        SyncRebase, "sync_rebase", sync::SyncRebaseRequest => sync::SyncRebaseResponse,
        |request| Catalog::new(&request.catalog).map(|catalog| {
            let (client, warnings) = sync::client_rebase(request.client, &request.response, &catalog);
            sync::SyncRebaseResponse { client, warnings }
        })
    );
    operation!(
        /// `order_checkout`: re-price, compare the expected payable, decide the order.
        OrderCheckout, "order_checkout", orders::CheckoutRequest => orders::CheckoutDecision,
        |request| orders::checkout(&request)
    );
    operation!(
        /// `order_transition`: one event of the order state machine.
        OrderTransition, "order_transition", orders::TransitionRequest => orders::Transition,
        |request| orders::transition(request.order, &request.event, request.now)
    );
    operation!(
        /// `coupon_wallet`: which held coupons a cart can use, and why not.
        CouponWallet, "coupon_wallet", orders::WalletRequest => orders::WalletView,
        |request| orders::wallet(&request)
    );
    operation!(
        /// `stores_nearest`: the `k` nearest stores passing the filters.
        StoresNearest, "stores_nearest", lbs::StoreQueryRequest => lbs::StoreList,
        |request| lbs::stores_nearest(request)
    );
    operation!(
        /// `stores_within`: every store within `radius_m` passing the filters.
        StoresWithin, "stores_within", lbs::StoreQueryRequest => lbs::StoreList,
        |request| lbs::stores_within(request)
    );
    operation!(
        /// `stores_delivering`: stores whose delivery area contains the point.
        StoresDelivering, "stores_delivering", lbs::StoreQueryRequest => lbs::StoreList,
        |request| lbs::stores_delivering(request)
    );
    operation!(
        /// `coord_convert`: points between WGS-84, GCJ-02 and BD-09.
        CoordConvert, "coord_convert", lbs::ConvertRequest => lbs::ConvertResponse,
        |request| lbs::coord_convert(request)
    );
    operation!(
        /// `geofence_check`: is the shopper within r metres of each store.
        GeofenceCheck, "geofence_check", lbs::GeofenceRequest => lbs::GeofenceResponse,
        |request| lbs::geofence_check(request)
    );
}

/// The error for a name that is not in the registry.
pub fn unknown_operation(name: &str) -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        "UNKNOWN_OPERATION",
        format!(
            "no operation named {name:?}; known: {}",
            OPERATIONS.join(", ")
        ),
    )
}

struct JsonCall<'a> {
    body: &'a str,
}

impl OperationVisitor for JsonCall<'_> {
    type Output = Result<String, ApiError>;
    fn visit<O: Operation>(self) -> Self::Output {
        let request: O::Request = decode_json(self.body)?;
        let response = O::run(request)?;
        serde_json::to_string(&response)
            .map_err(|e| ApiError::new(ErrorKind::Domain, "ENCODE_FAILED", e.to_string()))
    }
}

/// Decode a JSON request body, turning serde's error into a `Malformed` error
/// that names the line and column.
pub fn decode_json<T: DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    serde_json::from_str(body)
        .map_err(|e| ApiError::malformed(format!("invalid request body: {e}")))
}

/// Run operation `name` on a JSON request body and return the JSON response.
pub fn call_json(name: &str, body: &str) -> Result<String, ApiError> {
    visit_operation(name, JsonCall { body }).unwrap_or_else(|| Err(unknown_operation(name)))
}
