//! `GET /v1/stores/:id/stock`: a store's live units (its stock keeper's
//! counts), kept for [`STOCK_MAX_AGE_S`] per isolate so that a busy store
//! page does not queue on the store's keeper; the answer says when they
//! were read.
//!
//! `GET /v1/stores/nearest?lat&lng&coord&k&mode`: core's `stores_nearest`
//! on the store snapshot in KV, open now, with the nearer stores that are not
//! (closed, outside the area...) explained. Where the point comes from (the
//! query, or the edge's own idea of the caller's position, `request.cf`) is
//! core's rule ([`NearestQuery::point`]); the query time is the edge's clock
//! (`at`), so a closed store is never offered.

use super::Ctx;
use crate::error::Result;
use crate::http::{json, json_text, now_s, query};
use crate::kv;
use crate::live::Live;
use crate::objects::inventory;
use commerce_core::edge_api::{NearestQuery, StoreStockNow};
use std::cell::RefCell;
use std::collections::BTreeMap;
use worker::Response;

/// How long a store's units read from its keeper are shown.
pub const STOCK_MAX_AGE_S: i64 = 5;

/// A store's units as read from its keeper, and when (unix seconds).
type Seen = (i64, BTreeMap<String, i64>);

thread_local! {
    /// Per store id, its units last read.
    static STOCK_SEEN: RefCell<BTreeMap<String, Seen>> = const { RefCell::new(BTreeMap::new()) };
}

pub async fn stock(cx: Ctx) -> Result<Response> {
    let now = now_s();
    let store_id = cx.param;
    let seen = STOCK_SEEN.with(|s| s.borrow().get(&store_id).cloned());
    let (as_of, stock) = match seen.filter(|(at, _)| now - at < STOCK_MAX_AGE_S) {
        Some(fresh) => fresh,
        None => {
            let stores = kv::stores(&cx.env).await?;
            let live = Live::open(&cx.env).await?;
            let units = inventory::store_units(&live, &stores, &store_id).await?;
            STOCK_SEEN.with(|s| {
                s.borrow_mut()
                    .insert(store_id.clone(), (now, units.clone()))
            });
            (now, units)
        }
    };
    let response = json(
        200,
        &StoreStockNow {
            store_id,
            stock,
            as_of,
            max_age_s: STOCK_MAX_AGE_S,
        },
    )?;
    response.headers().set(
        "cache-control",
        &format!(
            "public, max-age={}",
            (STOCK_MAX_AGE_S - (now - as_of)).max(0)
        ),
    )?;
    Ok(response)
}

pub async fn nearest(cx: Ctx) -> Result<Response> {
    let query: NearestQuery = query(&cx.req)?;
    let edge = cx.req.cf().and_then(|cf| cf.coordinates());
    let point = query.point(edge)?;
    let snapshot = kv::snapshot(&cx.env, kv::STORES).await?;
    let request = format!(
        r#"{{"snapshot":{},"point":{},"k":{},"mode":{},"at":{},"explain":true}}"#,
        snapshot.text,
        serde_json::json!({"lat": point.lat, "lng": point.lng, "coord": point.coord}),
        serde_json::json!(query.k),
        serde_json::json!(query.mode),
        now_s(),
    );
    let response = json_text(
        200,
        commerce_core::api::call_json("stores_nearest", &request)?,
    )?;
    // Said in `x-location`, so a client can label the list "approximate".
    if point.placed_by_edge {
        response.headers().set(
            "x-location",
            &format!("edge; lat={}; lng={}; coord=wgs84", point.lat, point.lng),
        )?;
    }
    Ok(response)
}
