//! `GET /v1/stores/nearest?lat&lng&coord&k&mode`: core's `stores_nearest`
//! on the store snapshot in KV, open now, with the nearer stores that are not
//! (closed, outside the area...) explained.
//!
//! Without `lat`/`lng` the edge's own idea of the caller's position
//! (`request.cf`, WGS-84) is used and `coord` must be absent; with them,
//! `coord` is required (`wgs84`, `gcj02` or `bd09`: core never guesses a
//! system). The query time is the edge's clock (`at`), so a closed store is
//! never offered.

use crate::http::{json_text, now_s, HttpError};
use crate::kv;
use serde::Deserialize;
use worker::{Env, Request, Response};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    lat: Option<f64>,
    lng: Option<f64>,
    coord: Option<String>,
    k: Option<i64>,
    mode: Option<String>,
}

pub async fn nearest(req: &Request, env: &Env) -> Result<Response, HttpError> {
    let query: Query = req
        .query()
        .map_err(|e| HttpError::bad_request("MALFORMED_REQUEST", format!("query: {e}")))?;
    // Where the edge placed the request itself (no lat/lng): said in the
    // `x-location` header, so a client can label the list "approximate".
    let (point, placed) = match (query.lat, query.lng) {
        (Some(lat), Some(lng)) => {
            let coord = query.coord.ok_or_else(|| {
                HttpError::bad_request(
                    "MALFORMED_REQUEST",
                    "coord: required with lat and lng (wgs84, gcj02 or bd09)",
                )
            })?;
            (
                serde_json::json!({"lat": lat, "lng": lng, "coord": coord}),
                None,
            )
        }
        (None, None) => {
            if query.coord.is_some() {
                return Err(HttpError::bad_request(
                    "MALFORMED_REQUEST",
                    "coord: only with lat and lng (without them the edge places the request itself, in wgs84)",
                ));
            }
            let (lat, lng) = req.cf().and_then(|cf| cf.coordinates()).ok_or_else(|| {
                HttpError::bad_request("MALFORMED_REQUEST", "lat, lng: required (no edge location)")
            })?;
            (
                serde_json::json!({"lat": lat, "lng": lng, "coord": "wgs84"}),
                Some(format!("edge; lat={lat}; lng={lng}; coord=wgs84")),
            )
        }
        _ => {
            return Err(HttpError::bad_request(
                "MALFORMED_REQUEST",
                "lat, lng: give both or neither",
            ))
        }
    };
    let snapshot = kv::snapshot(env, kv::STORES).await?;
    let request = format!(
        r#"{{"snapshot":{},"point":{},"k":{},"mode":{},"at":{},"explain":true}}"#,
        snapshot.text,
        point,
        serde_json::json!(query.k),
        serde_json::json!(query.mode),
        now_s(),
    );
    let response = json_text(
        200,
        commerce_core::api::call_json("stores_nearest", &request)?,
    )?;
    if let Some(placed) = placed {
        response.headers().set("x-location", &placed)?;
    }
    Ok(response)
}
