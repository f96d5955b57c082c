//! `GET /v1/coupons?lines=sku:qty,...` (the wallet, usable or not on that
//! cart and why: core's `coupon_wallet`) and `POST /v1/coupons/claim
//! {coupon_id}` (one of each published coupon per shopper).

use crate::auth::require_user;
use crate::http::{body_json, json, now_s, HttpError};
use crate::{db, kv};
use commerce_core::orders::{wallet, WalletRequest};
use commerce_core::pricing::LineRequest;
use serde::{Deserialize, Serialize};
use worker::{Env, Request, Response};

/// `lines=tea:2,bun:1` as line requests.
pub fn parse_lines(text: &str) -> Result<Vec<LineRequest>, HttpError> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .enumerate()
        .map(|(i, part)| {
            let (sku_id, quantity) = part.split_once(':').unwrap_or((part, "1"));
            let quantity = quantity.parse().map_err(|_| {
                HttpError::bad_request(
                    "MALFORMED_REQUEST",
                    format!("lines[{i}]: quantity must be a whole number, got {quantity:?}"),
                )
            })?;
            Ok(LineRequest {
                sku_id: sku_id.to_owned(),
                quantity,
            })
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WalletQuery {
    #[serde(default)]
    lines: String,
}

pub async fn list(req: &Request, env: &Env) -> Result<Response, HttpError> {
    let user_id = require_user(req, env).await?;
    let query: WalletQuery = req
        .query()
        .map_err(|e| HttpError::bad_request("MALFORMED_REQUEST", format!("query: {e}")))?;
    let lines = parse_lines(&query.lines)?;
    let storefront = kv::storefront(env).await?;
    let db = db::open(env).await?;
    let shopper = db::shopper(&db, &user_id).await?;
    let request = WalletRequest {
        wallet: shopper
            .coupon_ids
            .iter()
            .filter_map(|id| storefront.coupons.iter().find(|c| &c.id == id).cloned())
            .collect(),
        customer: shopper.customer,
        storefront,
        now: now_s(),
        lines,
    };
    json(
        200,
        &wallet(&request).map_err(commerce_core::error::ApiError::from)?,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimBody {
    coupon_id: String,
}

#[derive(Serialize)]
struct Claimed {
    coupon_id: String,
    /// `false`: the wallet already held it.
    claimed: bool,
}

pub async fn claim(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    let user_id = require_user(req, env).await?;
    let body: ClaimBody = body_json(req).await?;
    let storefront = kv::storefront(env).await?;
    if !storefront.coupons.iter().any(|c| c.id == body.coupon_id) {
        return Err(HttpError::status(
            404,
            "UNKNOWN_COUPON",
            format!("no published coupon {}", body.coupon_id),
        ));
    }
    let db = db::open(env).await?;
    let claimed = db::claim_coupon(&db, &user_id, &body.coupon_id, now_s()).await?;
    json(
        200,
        &Claimed {
            coupon_id: body.coupon_id,
            claimed,
        },
    )
}
