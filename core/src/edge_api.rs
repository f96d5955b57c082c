//! The edge's HTTP bodies that are not core operations: **API boundary**.
//!
//! `docs/api.md` describes each route; these are its request and response
//! types (and the query strings), so the worker decodes and encodes exactly
//! these and the mini-program and its TypeScript types see the same names.
//! The few wire rules that are about the contract itself live here too:
//! the `lines=sku:qty,...` query of the wallet ([`parse_lines`]) and the
//! order list's cursor ([`OrderCursor`]).
//!
//! Invariants: every request type refuses unknown fields; numbers that go
//! into storage are checked where they are decoded (points against
//! [`MAX_POINTS`]); nothing here does I/O.
//!
//! ```
//! use commerce_core::edge_api::{parse_lines, OrderCursor};
//! let lines = parse_lines("tea:2,bun").unwrap();
//! assert_eq!((lines[0].quantity, lines[1].quantity), (2, 1));
//! assert_eq!(parse_lines("tea:x").unwrap_err().code, "MALFORMED_REQUEST");
//! assert_eq!(parse_lines(",").unwrap_err().code, "MALFORMED_REQUEST");
//! assert_eq!(parse_lines("tea:+2").unwrap_err().code, "MALFORMED_REQUEST");
//! assert!(parse_lines("").unwrap().is_empty());
//! let cursor = OrderCursor::parse("1767220000.o3a7c").unwrap();
//! assert_eq!(cursor.to_string(), "1767220000.o3a7c");
//! assert!(OrderCursor::parse("").is_err());
//! ```

use crate::error::{ApiError, ErrorKind};
use crate::orders::{Order, OrderView, RefundLine, RefundRecord};
use crate::pricing::{Customer, LineRequest, MAX_POINTS};
use crate::sync::PushRequest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// What `POST /v1/ops/:op` accepts.
    pub operations: Vec<String>,
}

/// `POST /v1/auth/login` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The code from `wx.login()` (1 to 128 characters).
    pub code: String,
}

impl LoginRequest {
    /// The code, if it has the length WeChat's codes have (characters, as
    /// the schema's maxLength counts).
    pub fn checked(&self) -> Result<&str, ApiError> {
        if (1..=128).contains(&self.code.chars().count()) {
            Ok(&self.code)
        } else {
            Err(ApiError::malformed(
                "code: must be 1 to 128 characters (the code from wx.login)",
            ))
        }
    }
}

/// A session token (`POST /v1/auth/login`, `POST /v1/admin/session`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub user_id: String,
    pub expires_at: i64,
}

/// `GET /v1/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub points: i64,
    /// Exactly what the edge prices this shopper with (the mini-program's
    /// quotes send it back as their `customer`).
    pub customer: Customer,
}

/// `GET /v1/coupons` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletQuery {
    /// `sku:qty,...` ([`parse_lines`]); absent: the wallet judged on nothing.
    #[serde(default)]
    pub lines: String,
}

/// `lines=tea:2,bun:1` as line requests: comma-separated `sku` or
/// `sku:qty`, a missing `:qty` being 1 and `qty` 1 to 15 digits; an empty
/// text is an empty cart. Anything else (an empty part, `tea:+2`,
/// `tea:1:2`) is `MALFORMED_REQUEST`, as `docs/openapi.json`'s pattern
/// says.
pub fn parse_lines(text: &str) -> Result<Vec<LineRequest>, ApiError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .enumerate()
        .map(|(i, part)| {
            let (sku_id, quantity) = part.split_once(':').unwrap_or((part, "1"));
            if sku_id.is_empty() {
                return Err(ApiError::malformed(format!(
                    "lines[{i}]: a SKU id before the quantity, got {part:?}"
                )));
            }
            let digits =
                (1..=15).contains(&quantity.len()) && quantity.bytes().all(|b| b.is_ascii_digit());
            let quantity = quantity.parse().ok().filter(|_| digits).ok_or_else(|| {
                ApiError::malformed(format!(
                    "lines[{i}]: quantity must be 1 to 15 digits, got {quantity:?}"
                ))
            })?;
            Ok(LineRequest {
                sku_id: sku_id.to_owned(),
                quantity,
            })
        })
        .collect()
}

/// `POST /v1/coupons/claim` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    pub coupon_id: String,
}

/// `POST /v1/coupons/claim` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claimed {
    pub coupon_id: String,
    /// `false`: the wallet already held it.
    pub claimed: bool,
}

/// `POST /v1/cart/sync` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncQuery {
    /// Names a guest cart on an empty push (a pull).
    #[serde(default)]
    pub client_id: Option<String>,
}

/// Which cart a push goes to: the logged-in user's, or the guest cart of
/// the push's client id (every mutation carries the same one; an empty push
/// names it with `?client_id=`; when both are given they agree).
pub fn cart_key(
    push: &PushRequest,
    user_id: Option<&str>,
    query: &SyncQuery,
) -> Result<String, ApiError> {
    if let Some(user_id) = user_id {
        return Ok(format!("user:{user_id}"));
    }
    let mixed = |message: String| ApiError::new(ErrorKind::Malformed, "MIXED_CLIENT_IDS", message);
    let mut ids = push.mutations.iter().map(|m| m.client_id.as_str());
    let first = ids.next();
    if let Some(other) = ids.find(|id| Some(*id) != first) {
        return Err(mixed(format!(
            "a guest push carries one client id; got {:?} and {other:?}",
            first.unwrap_or_default()
        )));
    }
    match (first, query.client_id.as_deref()) {
        (Some(a), Some(b)) if a != b => Err(mixed(format!(
            "mutations carry client id {a:?}, the query {b:?}"
        ))),
        (Some(id), _) => Ok(format!("guest:{id}")),
        (None, Some(id)) if !id.is_empty() => Ok(format!("guest:{id}")),
        (None, _) => Err(ApiError::new(
            ErrorKind::Malformed,
            "MISSING_CLIENT_ID",
            "an empty guest push names its cart with ?client_id=",
        )),
    }
}

/// `GET /v1/orders` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderListQuery {
    /// 1 to 100 (default 20); a number outside is clamped to that range.
    #[serde(default)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

impl OrderListQuery {
    /// The page size: `limit` clamped to 1..=100, 20 by default.
    pub fn page_size(&self) -> i64 {
        self.limit.unwrap_or(20).clamp(1, 100)
    }

    /// Where the page starts, from `cursor`.
    pub fn after(&self) -> Result<Option<OrderCursor>, ApiError> {
        self.cursor.as_deref().map(OrderCursor::parse).transpose()
    }
}

/// A position in a shopper's order list, newest first: the last order seen
/// (`<created_at>.<order id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCursor {
    pub created_at: i64,
    pub order_id: String,
}

impl OrderCursor {
    /// The cursor after `order`.
    pub fn after(order: &Order) -> OrderCursor {
        OrderCursor {
            created_at: order.created_at,
            order_id: order.id.clone(),
        }
    }

    pub fn parse(text: &str) -> Result<OrderCursor, ApiError> {
        text.split_once('.')
            .and_then(|(at, id)| {
                Some(OrderCursor {
                    created_at: at.parse().ok()?,
                    order_id: id.to_owned(),
                })
            })
            .filter(|c| !c.order_id.is_empty())
            .ok_or_else(|| ApiError::malformed("cursor: use next_cursor as given"))
    }
}

impl fmt::Display for OrderCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.created_at, self.order_id)
    }
}

/// `GET /v1/orders` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPage {
    /// Newest first, each with what the shopper may do with it now.
    pub orders: Vec<OrderView>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl OrderPage {
    /// A page of `orders` asked with `page_size`: a full page has a next one.
    pub fn new(orders: Vec<OrderView>, page_size: i64) -> OrderPage {
        let full = i64::try_from(orders.len()).is_ok_and(|n| n == page_size);
        let next_cursor = full
            .then(|| {
                orders
                    .last()
                    .map(|o| OrderCursor::after(&o.order).to_string())
            })
            .flatten();
        OrderPage {
            orders,
            next_cursor,
        }
    }
}

/// `POST /v1/orders/:id/refund` (and the merchant's) body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Makes retries safe; one is made up when absent.
    #[serde(default)]
    pub refund_id: Option<String>,
    /// Units per line; absent or null: everything still refundable.
    #[serde(default)]
    pub lines: Option<Vec<RefundLine>>,
}

/// A refund's payout, as WeChat Pay took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payout {
    pub out_refund_no: String,
    /// WeChat's refund id ("" when nothing was paid out).
    pub provider_refund_id: String,
    /// WeChat's status (`PROCESSING`, `SUCCESS`...), `FAILED` when it
    /// refused or did not answer, or `NOTHING_TO_PAY` for a refund of 0 fen.
    pub status: String,
}

/// `POST /v1/orders/:id/refund` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundResult {
    pub order: OrderView,
    pub refund: RefundRecord,
    pub payout: Payout,
}

/// What `wx.requestPayment` takes (`POST /v1/orders/:id/pay`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentParams {
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    pub package: String,
    #[serde(rename = "signType")]
    pub sign_type: String,
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

/// `POST /v1/orders/:id/pay/sandbox` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxPaid {
    pub requested: bool,
}

/// What `POST /v1/pay/notify` answers WeChat when it took a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyAck {
    pub code: String,
    pub message: String,
}

impl NotifyAck {
    pub fn ok() -> NotifyAck {
        NotifyAck {
            code: "SUCCESS".into(),
            message: "OK".into(),
        }
    }
}

/// `GET /v1/stores/nearest` query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearestQuery {
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub coord: Option<String>,
    pub k: Option<i64>,
    pub mode: Option<String>,
}

/// Where a nearest-stores query is asked from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub lat: f64,
    pub lng: f64,
    pub coord: String,
    /// The edge placed the request itself (no `lat`/`lng` given).
    pub placed_by_edge: bool,
}

impl NearestQuery {
    /// The point to search from: `lat` and `lng` with their `coord`
    /// (required: core never guesses a system), or - with neither, and no
    /// `coord` - the edge's own idea of the caller's position (WGS-84).
    pub fn point(&self, edge: Option<(f32, f32)>) -> Result<Located, ApiError> {
        match (self.lat, self.lng) {
            (Some(lat), Some(lng)) => {
                let coord = self.coord.clone().ok_or_else(|| {
                    ApiError::malformed("coord: required with lat and lng (wgs84, gcj02 or bd09)")
                })?;
                Ok(Located {
                    lat,
                    lng,
                    coord,
                    placed_by_edge: false,
                })
            }
            (None, None) if self.coord.is_some() => Err(ApiError::malformed(
                "coord: only with lat and lng (without them the edge places the request itself, in wgs84)",
            )),
            (None, None) => {
                let (lat, lng) = edge.ok_or_else(|| {
                    ApiError::malformed("lat, lng: required (no edge location)")
                })?;
                // The edge's f32 degrees as the decimals it means (31.2304,
                // not 31.230400085449219).
                let decimal = |x: f32| x.to_string().parse::<f64>().unwrap_or(f64::from(x));
                Ok(Located {
                    lat: decimal(lat),
                    lng: decimal(lng),
                    coord: "wgs84".into(),
                    placed_by_edge: true,
                })
            }
            _ => Err(ApiError::malformed("lat, lng: give both or neither")),
        }
    }
}

/// `PUT /v1/admin/catalog`, `PUT /v1/admin/stores` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub etag: String,
}

/// `POST /v1/admin/session` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSessionRequest {
    pub openid: String,
    /// A points balance to set: 0 to [`MAX_POINTS`].
    #[serde(default)]
    pub points: Option<i64>,
    /// A member tier to give ("" takes it away); absent: unchanged.
    #[serde(default)]
    pub member_tier: Option<String>,
}

impl AdminSessionRequest {
    /// The request, if its numbers fit what storage keeps.
    pub fn checked(self) -> Result<Self, ApiError> {
        match self.points {
            Some(points) if !(0..=MAX_POINTS).contains(&points) => Err(ApiError::malformed(
                format!("points: {points} is not a balance (0 to {MAX_POINTS})"),
            )),
            _ => Ok(self),
        }
    }
}

/// `POST /v1/admin/staff` body: a staff token for `name` at `store_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffRequest {
    pub store_id: String,
    /// Who (for the logs): 1 to 64 characters.
    pub name: String,
}

impl StaffRequest {
    /// The request, if the name is one.
    pub fn checked(self) -> Result<Self, ApiError> {
        if (1..=64).contains(&self.name.chars().count()) {
            Ok(self)
        } else {
            Err(ApiError::malformed("name: 1 to 64 characters"))
        }
    }
}

/// `POST /v1/admin/staff` answer: a staff token for one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    pub token: String,
    pub name: String,
    pub store_id: String,
    pub expires_at: i64,
}

/// `POST /v1/staff/orders/:id/verify` body: the code the shopper shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub code: String,
}

/// `GET /v1/staff/orders` answer: the store's queue, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreQueue {
    pub store_id: String,
    pub orders: Vec<crate::orders::OrderView>,
}

/// `POST /v1/admin/stock` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockQuery {
    /// `stock:<sku>`, `flash:<activity>`, `bought:<user>:<sku>`, ...
    pub counters: Vec<String>,
    /// Whose `stock:` counters: this store's (absent: the warehouse's).
    #[serde(default)]
    pub store_id: Option<String>,
}

/// `GET /v1/admin/stores/:id/stock` answer: a store's live units per SKU
/// (every SKU of its snapshot's `stock`) and its newest ledger entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStock {
    pub store_id: String,
    pub stock: BTreeMap<String, i64>,
    pub ledger: Vec<crate::orders::LedgerEntry>,
}

/// `GET /v1/stores/:id/stock` answer: what a shopper sees of a store's
/// stock - the live units, read at `as_of` and shown for up to
/// `max_age_s` seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStockNow {
    pub store_id: String,
    pub stock: BTreeMap<String, i64>,
    /// When the units were read from the store's keeper (unix seconds).
    pub as_of: i64,
    pub max_age_s: i64,
}

/// `POST /v1/admin/stock` answer: units left (`null`: never counted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockCounters {
    pub counters: BTreeMap<String, Option<i64>>,
}

/// `GET /v1/admin/refund-payouts` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutQuery {
    #[serde(default)]
    pub status: Option<String>,
}

/// A refund payout as WeChat Pay last answered it (D1 `refund_payouts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPayout {
    pub order_id: String,
    pub refund_id: String,
    pub out_refund_no: String,
    pub amount: i64,
    pub provider_refund_id: String,
    pub status: String,
    pub requested_at: i64,
}

/// `GET /v1/admin/refund-payouts` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPayouts {
    pub payouts: Vec<RefundPayout>,
}

/// A payment no order could take, kept for a refund by the merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedPayment {
    pub transaction_id: String,
    pub order_id: String,
    pub amount: i64,
    pub reason: String,
    pub received_at: i64,
}

/// `GET /v1/admin/unmatched-payments` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedPayments {
    pub payments: Vec<UnmatchedPayment>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_checked_against_the_balance_bound() {
        let session = |points| AdminSessionRequest {
            openid: "o".into(),
            points: Some(points),
            member_tier: None,
        };
        assert!(session(0).checked().is_ok());
        assert!(session(MAX_POINTS).checked().is_ok());
        for bad in [-1, MAX_POINTS + 1] {
            assert_eq!(
                session(bad).checked().unwrap_err().code,
                "MALFORMED_REQUEST"
            );
        }
    }

    #[test]
    fn a_full_page_has_a_next_cursor() {
        assert_eq!(OrderPage::new(Vec::new(), 20).next_cursor, None);
        assert!(OrderCursor::parse("12.").is_err());
        assert!(OrderCursor::parse("x.o1").is_err());
    }
}
