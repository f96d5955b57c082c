//! `GET /v1/stores/nearest?lat&lng&coord&k&mode`: core's `stores_nearest`
//! on the store snapshot in KV, open now, with the nearer stores that are not
//! (closed, outside the area...) explained. Where the point comes from (the
//! query, or the edge's own idea of the caller's position, `request.cf`) is
//! core's rule ([`NearestQuery::point`]); the query time is the edge's clock
//! (`at`), so a closed store is never offered.

use super::Ctx;
use crate::error::Result;
use crate::http::{json_text, now_s, query};
use crate::kv;
use commerce_core::edge_api::NearestQuery;
use worker::Response;

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
