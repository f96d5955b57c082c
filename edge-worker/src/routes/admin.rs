//! Dev and merchant routes under `/v1/admin/`, enabled only when the
//! `ADMIN_TOKEN` secret is set and sent back in `X-Admin-Token` (otherwise
//! they are 404, as if absent):
//! - `PUT /v1/admin/catalog` a storefront (validated by core) into KV;
//! - `PUT /v1/admin/stores` a store snapshot (validated by core) into KV;
//! - `POST /v1/admin/session {openid, points?}` a session token for trying
//!   user routes without WeChat;
//! - `POST /v1/admin/orders/:id/ship`, `.../complete` (merchant actions);
//!   `.../refund` is the shopper's refund handler run by the merchant
//!   (`routes/orders.rs`), which may also refund a shipped order;
//! - `POST /v1/admin/stock {counters: [..]}` the stock counters' values;
//! - `GET /v1/admin/unmatched-payments` payments no order could take.

use crate::config::Config;
use crate::flow::{apply_event, settle_stock};
use crate::http::{body_json, body_text, json, now_s, HttpError};
use crate::objects::{self, inventory::Counters};
use crate::{auth, db, kv};
use commerce_core::error::ApiError;
use commerce_core::lbs::{StoreIndex, StoreSnapshot};
use commerce_core::orders::{Event, Storefront};
use commerce_core::pricing::{self, CouponSelection, Customer, MAX_POINTS};
use serde::Deserialize;
use std::collections::BTreeMap;
use worker::{Env, Request, Response};

/// 404 unless the admin token is configured and matches (compared in
/// constant time).
pub fn guard(req: &Request, env: &Env) -> Result<(), HttpError> {
    let hidden = || HttpError::not_found("no such route");
    let expected = Config(env).get("ADMIN_TOKEN").ok_or_else(hidden)?;
    let given = req.headers().get("x-admin-token")?.unwrap_or_default();
    let same = given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some(()).ok_or_else(hidden)
}

pub async fn put_catalog(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    let storefront: Storefront = body_json(req).await?;
    let probe = storefront.quote_request(
        Vec::new(),
        Customer::default(),
        storefront.coupons.clone(),
        CouponSelection::Best,
        0,
        now_s(),
    );
    pricing::quote(&probe).map_err(ApiError::from)?;
    let text = serde_json::to_string(&storefront).map_err(|e| HttpError::Runtime(e.to_string()))?;
    let etag = kv::put(env, kv::STOREFRONT, &text).await?;
    json(200, &serde_json::json!({"etag": etag}))
}

pub async fn put_stores(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    let text = body_text(req).await?;
    let snapshot: StoreSnapshot = crate::http::decode(&text)?;
    StoreIndex::build(snapshot).map_err(ApiError::from)?;
    let etag = kv::put(env, kv::STORES, &text).await?;
    json(200, &serde_json::json!({"etag": etag}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionBody {
    openid: String,
    #[serde(default)]
    points: Option<i64>,
    /// A member tier to give ("" takes it away); absent: unchanged.
    #[serde(default)]
    member_tier: Option<String>,
}

pub async fn session(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    let body: SessionBody = body_json(req).await?;
    if let Some(points) = body.points.filter(|p| !(0..=MAX_POINTS).contains(p)) {
        return Err(HttpError::bad_request(
            "MALFORMED_REQUEST",
            format!("points: {points} is not a balance (0 to {MAX_POINTS})"),
        ));
    }
    let user_id = super::auth::user_id(&body.openid).await?;
    let db = db::open(env).await?;
    db::upsert_user(&db, &user_id, &body.openid, "dev-session", now_s()).await?;
    if let Some(points) = body.points {
        db::set_points(&db, &user_id, points).await?;
    }
    if let Some(tier) = &body.member_tier {
        let tier = Some(tier.as_str()).filter(|t| !t.is_empty());
        db::set_member_tier(&db, &user_id, tier, now_s()).await?;
    }
    json(200, &auth::issue(env, &user_id).await?)
}

pub async fn order_event(env: &Env, order_id: &str, event: Event) -> Result<Response, HttpError> {
    let transition = apply_event(env, order_id, &event, None).await?;
    settle_stock(env, &transition).await?;
    json(200, &transition.order)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StockBody {
    counters: Vec<String>,
}

pub async fn stock(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    let body: StockBody = body_json(req).await?;
    let query = Counters {
        counters: body
            .counters
            .into_iter()
            .map(|c| (c, None))
            .collect::<BTreeMap<_, _>>(),
    };
    let (_, text) = objects::call(env, "INVENTORY", "global", "/counters", &query).await?;
    crate::http::json_text(200, text)
}

#[derive(Deserialize)]
struct PayoutQuery {
    #[serde(default)]
    status: Option<String>,
}

/// `GET /v1/admin/refund-payouts?status=FAILED`: what was asked of WeChat's
/// refund API and its last answer (FAILED ones are money still owed).
pub async fn refund_payouts(req: &Request, env: &Env) -> Result<Response, HttpError> {
    let query: PayoutQuery = req
        .query()
        .map_err(|e| HttpError::bad_request("MALFORMED_REQUEST", format!("query: {e}")))?;
    let db = db::open(env).await?;
    json(
        200,
        &serde_json::json!({"payouts": db::payouts(&db, query.status.as_deref()).await?}),
    )
}

pub async fn unmatched_payments(env: &Env) -> Result<Response, HttpError> {
    let db = db::open(env).await?;
    json(
        200,
        &serde_json::json!({"payments": db::unmatched(&db).await?}),
    )
}
