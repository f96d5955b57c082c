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
use serde::Deserialize;
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

        /// The JSON Schema of every operation's request (from `requests`, a
        /// generator for the deserialize contract) and response (from
        /// `responses`, the serialize contract), by name, in registry order:
        /// what `docs/openapi.json` describes (`core/tests/openapi_schemas.rs`).
        #[cfg(feature = "schema")]
        pub fn operation_schemas(
            requests: &mut schemars::SchemaGenerator,
            responses: &mut schemars::SchemaGenerator,
        ) -> Vec<(&'static str, schemars::Schema, schemars::Schema)> {
            vec![$((
                <$op as Operation>::NAME,
                requests.subschema_for::<<$op as Operation>::Request>(),
                responses.subschema_for::<<$op as Operation>::Response>(),
            )),*]
        }

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
    ops::OrderPreview,
    ops::OrderTransition,
    ops::CouponWallet,
    ops::FulfilmentAssign,
}

/// The operations' adapters from domain functions to [`Operation`].
pub mod ops {
    use super::Operation;
    use crate::catalog::Catalog;
    use crate::error::ApiError;
    use crate::lbs::contract as lbs;
    use crate::{cart, fulfilment, orders, pricing, sync};

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
        /// `order_preview`: what a checkout would do now - the quote with
        /// the serving store's fee, the store, whether the price changed.
        OrderPreview, "order_preview", orders::CheckoutRequest => orders::Preview,
        |request| orders::preview(&request)
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
        /// `fulfilment_assign`: the store that serves a cart by pickup,
        /// delivery or express, and its fee; or, when none can, why and the
        /// suggestions.
        FulfilmentAssign, "fulfilment_assign", fulfilment::AssignRequest => fulfilment::AssignOutcome,
        |request| fulfilment::assign(request)
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
        refuse_top_level_array(self.body)?;
        let request: O::Request = decode_json(self.body)?;
        let response = O::run(request)?;
        serde_json::to_string(&response)
            .map_err(|e| ApiError::new(ErrorKind::Domain, "ENCODE_FAILED", e.to_string()))
    }
}

/// Decode a JSON request body, turning serde's error into a `Malformed` error
/// that names the line and column. An integer field also takes an integral
/// number written as a float (`1150.0`, `1.15e3`; see
/// [`decode_with_integral_floats`]).
pub fn decode_json<T: DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    decode_with_integral_floats(body, |text| {
        serde_json::from_str(text)
            .map_err(|e| ApiError::malformed(format!("invalid request body: {e}")))
    })
}

/// Every request body (of an operation, of an edge route) is a JSON object;
/// serde's derived structs would also read an array of their fields in
/// order (`[null, null]` as a struct of optional fields), so a body that is
/// an array is refused first.
pub fn refuse_top_level_array(body: &str) -> Result<(), ApiError> {
    if body.trim_start().starts_with('[') {
        return Err(ApiError::malformed(
            "invalid request body: expected a JSON object, got an array",
        ));
    }
    Ok(())
}

/// Decode `text` with `decode`; if that fails and `text` has integral
/// numbers written as floats, decode once more with them written as
/// integers ([`integral_floats_as_integers`]) and report that attempt's
/// error.
///
/// JSON (and JSON Schema, which `docs/openapi.json` is written in) counts
/// `1150.0` as the integer 1150, but serde's integers refuse it: a client
/// whose JSON encoder writes whole numbers that way would get a 400 for a
/// valid body. A body that decodes as sent costs exactly one decode, so the
/// normal path is not slowed; every runtime decodes through this (the edge's
/// own decoder too).
///
/// ```
/// use commerce_core::api::decode_json;
/// use commerce_core::pricing::LineRequest;
/// let line: LineRequest = decode_json(r#"{"sku_id":"tea","quantity":2.0}"#).unwrap();
/// assert_eq!(line.quantity, 2);
/// let err = decode_json::<LineRequest>(r#"{"sku_id":"tea","quantity":2.5}"#).unwrap_err();
/// assert_eq!(err.code, "MALFORMED_REQUEST");
/// ```
pub fn decode_with_integral_floats<T, E>(
    text: &str,
    decode: impl Fn(&str) -> Result<T, E>,
) -> Result<T, E> {
    decode(text).or_else(|error| match integral_floats_as_integers(text) {
        Some(rewritten) => decode(&rewritten),
        None => Err(error),
    })
}

/// Most digits an integral float is rewritten to: 20 holds every `i64` and
/// `u64`; a longer integer fits no integer field anyway (and `1e999999`
/// must not become a million zeros).
const MAX_INTEGER_DIGITS: usize = 20;

/// `text` with every number outside strings that has a fraction or an
/// exponent but an integral value (`1150.0`, `1.15e3`, `-0.0`, `2E+1`)
/// written as that integer, exactly (by its decimal digits, never through
/// an `f64`); `None` when there is none. Everything else is left as it is,
/// byte for byte, so a body that is not JSON stays not JSON.
///
/// ```
/// use commerce_core::api::integral_floats_as_integers;
/// assert_eq!(
///     integral_floats_as_integers(r#"{"a":1150.0,"b":"2.0","c":[1.15e3,0.5,-0.0]}"#).as_deref(),
///     Some(r#"{"a":1150,"b":"2.0","c":[1150,0.5,0]}"#)
/// );
/// assert_eq!(integral_floats_as_integers(r#"{"a":1,"b":0.5}"#), None);
/// ```
pub fn integral_floats_as_integers(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'"' => {
                i += 1;
                while let Some(&b) = bytes.get(i) {
                    i += if b == b'\\' { 2 } else { 1 };
                    if b == b'"' {
                        break;
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                {
                    i += 1;
                }
                let token = text.get(start..i).unwrap_or_default();
                if let Some(integer) = integral_value(token) {
                    out.push_str(text.get(copied..start).unwrap_or_default());
                    out.push_str(&integer);
                    copied = i;
                }
            }
            _ => i += 1,
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Some(out)
}

/// The integer a JSON number token with a fraction or an exponent stands
/// for, if it is integral and has at most [`MAX_INTEGER_DIGITS`] digits.
fn integral_value(token: &str) -> Option<String> {
    let (negative, unsigned) = match token.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, token),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (int_part, fraction) = match mantissa.split_once('.') {
        Some((int_part, fraction)) => (int_part, Some(fraction)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let json_integer = all_digits(int_part) && (int_part == "0" || !int_part.starts_with('0'));
    if !json_integer
        || fraction.is_some_and(|f| !all_digits(f))
        || (fraction.is_none() && exponent.is_none())
    {
        return None;
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if !all_digits(digits) {
                return None;
            }
            e.parse().ok()?
        }
    };
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(fraction.unwrap_or_default().bytes())
        .collect();
    // The decimal point sits after `point` of `digits` (which may be
    // negative or past the end).
    let point = i64::try_from(int_part.len()).ok()?.checked_add(exponent)?;
    let whole = usize::try_from(point.max(0)).ok()?;
    if digits.iter().skip(whole).any(|&d| d != b'0') {
        return None;
    }
    let significant: String = digits
        .iter()
        .take(whole)
        .map(|&d| char::from(d))
        .skip_while(|&d| d == '0')
        .collect();
    if significant.is_empty() {
        return Some("0".to_owned());
    }
    let zeros = whole.saturating_sub(digits.len());
    let length = significant.len() + zeros;
    if length > MAX_INTEGER_DIGITS {
        return None;
    }
    let sign = if negative { "-" } else { "" };
    Some(format!("{sign}{significant}{}", "0".repeat(zeros)))
}

/// A unit variant of an internally tagged enum that refuses fields besides
/// the tag (serde's own unit variants ignore them, so
/// `{"mode":"best","coupon_ids":[{}]}` would pass): use as the variant's
/// `#[serde(deserialize_with = "crate::api::no_fields")]`. Serialising is
/// unchanged (`{"mode":"best"}`).
pub(crate) fn no_fields<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NoFields {}
    NoFields::deserialize(deserializer).map(|NoFields {}| ())
}

/// A struct field that must be written as a JSON object: serde's derived
/// structs also take an array of their fields in declaration order, so a
/// struct whose fields are all optional would read `[]` or `[null, null]`
/// as its defaults. Use as the field's `#[serde(default, deserialize_with =
/// "crate::api::object")]` (for the all-optional structs of a request:
/// `StackingRules`, `Customer`).
pub(crate) fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ObjectVisitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for ObjectVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
}

/// Run operation `name` on a JSON request body and return the JSON response.
pub fn call_json(name: &str, body: &str) -> Result<String, ApiError> {
    visit_operation(name, JsonCall { body }).unwrap_or_else(|| Err(unknown_operation(name)))
}
