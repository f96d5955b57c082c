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
/// serde_json, with serde-wasm-bindgen, ...).
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
    use crate::error::ApiError;
    use crate::pricing;

    /// `quote`: price a cart against a catalog snapshot.
    pub struct Quote;
    impl Operation for Quote {
        const NAME: &'static str = "quote";
        type Request = pricing::QuoteRequest;
        type Response = pricing::Quote;
        fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
            Ok(pricing::quote(&request)?)
        }
    }

    /// `best_coupons`: the best coupon combination for a cart, with its quote.
    pub struct BestCoupons;
    impl Operation for BestCoupons {
        const NAME: &'static str = "best_coupons";
        type Request = pricing::QuoteRequest;
        type Response = pricing::BestCoupons;
        fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
            Ok(pricing::best_coupons(&request)?)
        }
    }

    /// `cart_apply`: apply cart operations (all or nothing), check, price.
    pub struct CartApply;
    impl Operation for CartApply {
        const NAME: &'static str = "cart_apply";
        type Request = crate::cart::CartApplyRequest;
        type Response = crate::cart::CartView;
        fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
            Ok(crate::cart::apply_ops(
                &request.catalog,
                request.cart,
                &request.ops,
            )?)
        }
    }

    /// `cart_merge`: fold a guest cart into a user's cart, check, price.
    pub struct CartMerge;
    impl Operation for CartMerge {
        const NAME: &'static str = "cart_merge";
        type Request = crate::cart::CartMergeRequest;
        type Response = crate::cart::CartView;
        fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
            Ok(crate::cart::merge_carts(request)?)
        }
    }

    /// `sync_push`: server side of a cart sync push (state in, state out).
    pub struct SyncPush;
    impl Operation for SyncPush {
        const NAME: &'static str = "sync_push";
        type Request = crate::sync::SyncPushRequest;
        type Response = crate::sync::SyncPushResponse;
        fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
            let catalog = crate::catalog::Catalog::new(&request.catalog)?;
            let (state, response) =
                crate::sync::server_apply(request.state, &request.push, &catalog);
            Ok(crate::sync::SyncPushResponse { state, response })
        }
    }

    /// `sync_rebase`: client side of a cart sync answer.
    pub struct SyncRebase;
    impl Operation for SyncRebase {
        const NAME: &'static str = "sync_rebase";
        type Request = crate::sync::SyncRebaseRequest;
        type Response = crate::sync::SyncRebaseResponse;
        fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
            let catalog = crate::catalog::Catalog::new(&request.catalog)?;
            let (client, warnings) =
                crate::sync::client_rebase(request.client, &request.response, &catalog);
            Ok(crate::sync::SyncRebaseResponse { client, warnings })
        }
    }

    /// `order_checkout`: re-price, compare the expected payable, decide the order.
    pub struct OrderCheckout;
    impl Operation for OrderCheckout {
        const NAME: &'static str = "order_checkout";
        type Request = crate::orders::CheckoutRequest;
        type Response = crate::orders::CheckoutDecision;
        fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
            Ok(crate::orders::checkout(&request)?)
        }
    }

    /// `order_transition`: one event of the order state machine.
    pub struct OrderTransition;
    impl Operation for OrderTransition {
        const NAME: &'static str = "order_transition";
        type Request = crate::orders::TransitionRequest;
        type Response = crate::orders::Transition;
        fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
            Ok(crate::orders::transition(
                request.order,
                &request.event,
                request.now,
            )?)
        }
    }

    /// `coupon_wallet`: which held coupons a cart can use, and why not.
    pub struct CouponWallet;
    impl Operation for CouponWallet {
        const NAME: &'static str = "coupon_wallet";
        type Request = crate::orders::WalletRequest;
        type Response = crate::orders::WalletView;
        fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
            Ok(crate::orders::wallet(&request)?)
        }
    }

    /// One `lbs` operation: name, request, response, function.
    macro_rules! lbs_operation {
        ($op:ident, $name:literal, $request:ty, $response:ty, $run:path) => {
            #[doc = concat!("`", $name, "`: an LBS operation of `crate::lbs::contract`.")]
            pub struct $op;
            impl Operation for $op {
                const NAME: &'static str = $name;
                type Request = $request;
                type Response = $response;
                fn run(request: Self::Request) -> Result<Self::Response, ApiError> {
                    Ok($run(request)?)
                }
            }
        };
    }
    use crate::lbs::contract as lbs;
    lbs_operation!(
        StoresNearest,
        "stores_nearest",
        lbs::StoreQueryRequest,
        lbs::StoreList,
        lbs::stores_nearest
    );
    lbs_operation!(
        StoresWithin,
        "stores_within",
        lbs::StoreQueryRequest,
        lbs::StoreList,
        lbs::stores_within
    );
    lbs_operation!(
        StoresDelivering,
        "stores_delivering",
        lbs::StoreQueryRequest,
        lbs::StoreList,
        lbs::stores_delivering
    );
    lbs_operation!(
        CoordConvert,
        "coord_convert",
        lbs::ConvertRequest,
        lbs::ConvertResponse,
        lbs::coord_convert
    );
    lbs_operation!(
        GeofenceCheck,
        "geofence_check",
        lbs::GeofenceRequest,
        lbs::GeofenceResponse,
        lbs::geofence_check
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
