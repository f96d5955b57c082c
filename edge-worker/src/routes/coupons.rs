//! `GET /v1/coupons?lines=sku:qty,...` (the wallet, usable or not on that
//! cart and why: core's `coupon_wallet`) and `POST /v1/coupons/claim
//! {coupon_id}` (one of each published coupon per shopper).

use super::Ctx;
use crate::error::{Error, Result};
use crate::http::{body_json, json, now_s, query};
use crate::live::Live;
use crate::services::{OrderStore, Snapshots};
use commerce_core::edge_api::{parse_lines, ClaimRequest, Claimed, WalletQuery};
use commerce_core::error::ApiError;
use commerce_core::orders::{wallet, WalletRequest};
use worker::Response;

pub async fn list(cx: Ctx) -> Result<Response> {
    let query: WalletQuery = query(&cx.req)?;
    let lines = parse_lines(&query.lines)?;
    let live = Live::open(&cx.env).await?;
    let storefront = live.storefront().await?;
    let shopper = live.shopper(cx.user()?).await?;
    let request = WalletRequest {
        wallet: storefront.held_coupons(&shopper.coupon_ids),
        customer: shopper.customer,
        storefront,
        now: now_s(),
        lines,
    };
    json(200, &wallet(&request).map_err(ApiError::from)?)
}

pub async fn claim(mut cx: Ctx) -> Result<Response> {
    let body: ClaimRequest = body_json(&mut cx.req).await?;
    let live = Live::open(&cx.env).await?;
    let storefront = live.storefront().await?;
    if !storefront.coupons.iter().any(|c| c.id == body.coupon_id) {
        return Err(Error::status(
            404,
            "UNKNOWN_COUPON",
            format!("no published coupon {}", body.coupon_id),
        ));
    }
    let claimed = live
        .db
        .claim_coupon(cx.user()?, &body.coupon_id, now_s())
        .await?;
    json(
        200,
        &Claimed {
            coupon_id: body.coupon_id,
            claimed,
        },
    )
}
