//! Dev and merchant routes under `/v1/admin/`, enabled only when the
//! `ADMIN_TOKEN` secret is set and sent back in `X-Admin-Token` (otherwise
//! they are 404, as if absent):
//! - `PUT /v1/admin/catalog` a storefront (validated by core) into KV;
//! - `PUT /v1/admin/stores` a store snapshot (validated by core) into KV;
//! - `POST /v1/admin/session {openid, points?}` a session token for trying
//!   user routes without WeChat;
//! - `POST /v1/admin/staff {store_id, name}` a store staff token;
//! - `POST /v1/admin/orders/:id/ship`, `.../complete` (merchant actions);
//!   `.../refund` is the shopper's refund handler run by the merchant
//!   (`routes/orders.rs`), which may also refund a shipped order;
//! - `POST /v1/admin/stock {counters: [..], store_id?}` the stock counters'
//!   values (each asked of the keeper checkout names for it);
//! - `GET /v1/admin/stores/:id/stock` a store's live units and stock
//!   ledger; `POST` the same path restocks or counts one SKU (ledgered);
//! - `GET /v1/admin/unmatched-payments` payments no order could take.

use super::Ctx;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::http::{body_json, body_text, decode, json, now_s, query};
use crate::live::Live;
use crate::objects::inventory;
use crate::services::{orders, StockHolds};
use crate::{auth, kv};
use commerce_core::edge_api::{
    AdminSessionRequest, PayoutQuery, Published, RefundPayouts, StaffRequest, StockCounters,
    StockQuery, StoreStock, UnmatchedPayments,
};
use commerce_core::error::ApiError;
use commerce_core::lbs::{StoreIndex, StoreSnapshot};
use commerce_core::orders::stock::stock_counter;
use commerce_core::orders::{Event, Keeper, Requester, Shipment, StockChange, Storefront};
use commerce_core::pricing::{self, CouponSelection, Customer};
use futures_util::future::{try_join, try_join_all};
use std::collections::BTreeMap;
use worker::{Request, Response};

/// 404 unless the admin token is configured and matches (compared in
/// constant time).
pub fn guard(req: &Request, env: &worker::Env) -> Result<()> {
    let hidden = || Error::not_found("no such route");
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

/// Ledger entries a store's stock page shows.
const LEDGER_PAGE: usize = 50;

pub async fn put_catalog(mut cx: Ctx) -> Result<Response> {
    let storefront: Storefront = body_json(&mut cx.req).await?;
    let probe = storefront.quote_request(
        Vec::new(),
        Customer::default(),
        storefront.coupons.clone(),
        CouponSelection::Best,
        0,
        now_s(),
    );
    pricing::quote(&probe).map_err(ApiError::from)?;
    let text = crate::http::encode(&storefront)?;
    let etag = kv::put(&cx.env, kv::STOREFRONT, &text).await?;
    json(200, &Published { etag })
}

pub async fn put_stores(mut cx: Ctx) -> Result<Response> {
    let text = body_text(&mut cx.req).await?;
    let snapshot: StoreSnapshot = decode(&text)?;
    StoreIndex::build(snapshot).map_err(ApiError::from)?;
    let etag = kv::put(&cx.env, kv::STORES, &text).await?;
    json(200, &Published { etag })
}

pub async fn session(mut cx: Ctx) -> Result<Response> {
    let body = body_json::<AdminSessionRequest>(&mut cx.req)
        .await?
        .checked()?;
    let user_id = super::auth::user_id(&body.openid).await?;
    let live = Live::open(&cx.env).await?;
    live.db
        .upsert_user(&user_id, &body.openid, "dev-session", now_s())
        .await?;
    if let Some(points) = body.points {
        live.db.set_points(&user_id, points).await?;
    }
    if let Some(tier) = &body.member_tier {
        let tier = Some(tier.as_str()).filter(|t| !t.is_empty());
        live.db.set_member_tier(&user_id, tier, now_s()).await?;
    }
    json(200, &auth::issue(&cx.env, &user_id).await?)
}

/// `POST /v1/admin/staff {store_id, name}`: a staff token for one store.
pub async fn staff(mut cx: Ctx) -> Result<Response> {
    let body = body_json::<StaffRequest>(&mut cx.req).await?.checked()?;
    let stores = kv::stores(&cx.env).await?;
    if !stores.stores.iter().any(|s| s.id == body.store_id) {
        return Err(Error::not_found(format!("no store {}", body.store_id)));
    }
    json(
        200,
        &auth::issue_staff(&cx.env, &body.name, &body.store_id).await?,
    )
}

/// `POST /v1/admin/orders/:id/ship`, with `{"carrier", "tracking_no"}` or
/// no body.
pub async fn ship(mut cx: Ctx) -> Result<Response> {
    let text = body_text(&mut cx.req).await?;
    let shipment = match text.trim() {
        "" => None,
        body => Some(decode::<Shipment>(body)?),
    };
    order_event(cx, Event::Ship { shipment }).await
}

pub async fn complete(cx: Ctx) -> Result<Response> {
    order_event(cx, Event::Complete).await
}

async fn order_event(cx: Ctx, event: Event) -> Result<Response> {
    let live = Live::open(&cx.env).await?;
    let now = now_s();
    let transition = orders::run(&live, &cx.param, &event, None, now).await?;
    json(200, &transition.order.view(Requester::Merchant, now))
}

pub async fn stock(mut cx: Ctx) -> Result<Response> {
    let body: StockQuery = body_json(&mut cx.req).await?;
    let mut by_keeper: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for counter in body.counters {
        let keeper = Keeper::of_counter(&counter, body.store_id.as_deref()).name();
        by_keeper.entry(keeper).or_default().push(counter);
    }
    let live = Live::open(&cx.env).await?;
    let reads = by_keeper
        .iter()
        .map(|(keeper, counters)| live.count(keeper, counters.clone()));
    let counters = try_join_all(reads).await?.into_iter().flatten().collect();
    json(200, &StockCounters { counters })
}

/// `GET /v1/admin/stores/:id/stock`: the store's live units and ledger.
pub async fn store_stock(cx: Ctx) -> Result<Response> {
    let stores = kv::stores(&cx.env).await?;
    let store_id = cx.param;
    let keeper = Keeper::Store(store_id.clone()).name();
    let live = Live::open(&cx.env).await?;
    let (stock, ledger) = try_join(
        inventory::store_units(&live, &stores, &store_id),
        inventory::ledger(&cx.env, &keeper, LEDGER_PAGE),
    )
    .await?;
    json(
        200,
        &StoreStock {
            store_id,
            stock,
            ledger,
        },
    )
}

/// `POST /v1/admin/stores/:id/stock`: restock or count a SKU at a store
/// (`{"sku_id", "set" | "add", "reason"}`), written to its ledger.
pub async fn adjust_store_stock(mut cx: Ctx) -> Result<Response> {
    let change: StockChange = body_json(&mut cx.req).await?;
    let stores = kv::stores(&cx.env).await?;
    let snapshot = inventory::tracked_stock(&stores, &cx.param)?;
    let call = inventory::Call::Adjust {
        counter: stock_counter(&change.sku_id),
        initial: snapshot.get(&change.sku_id).copied().unwrap_or(0),
        change,
        by: "admin".into(),
        at: now_s(),
    };
    let keeper = Keeper::Store(cx.param.clone()).name();
    json(200, &inventory::adjust(&cx.env, &keeper, &call).await?)
}

/// `GET /v1/admin/refund-payouts?status=FAILED`: what was asked of WeChat's
/// refund API and its last answer (FAILED ones are money still owed).
pub async fn refund_payouts(cx: Ctx) -> Result<Response> {
    let query: PayoutQuery = query(&cx.req)?;
    let live = Live::open(&cx.env).await?;
    let payouts = live.db.payouts(query.status.as_deref()).await?;
    json(200, &RefundPayouts { payouts })
}

pub async fn unmatched_payments(cx: Ctx) -> Result<Response> {
    let live = Live::open(&cx.env).await?;
    json(
        200,
        &UnmatchedPayments {
            payments: live.db.unmatched().await?,
        },
    )
}
