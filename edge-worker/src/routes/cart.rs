//! `POST /v1/cart/sync`: a cart sync push (`docs/sync.md`, `docs/api.md`).
//!
//! Which cart: the logged-in user's (`user:<id>`) with a Bearer token
//! (a bad token is 401, never a silent guest), else the guest cart of the
//! push's client id (`guest:<client_id>`; one client id per push, or
//! `?client_id=` for an empty pull). The `CART` object applies it.

use crate::auth;
use crate::http::{body_text, decode, json_text, HttpError};
use crate::objects;
use commerce_core::sync::PushRequest;
use serde::Deserialize;
use worker::{Env, Request, Response};

#[derive(Deserialize)]
struct SyncQuery {
    #[serde(default)]
    client_id: Option<String>,
}

/// The guest cart's client id: the one every mutation carries, agreeing
/// with `?client_id=` when both are given.
fn guest_client(push: &PushRequest, query: Option<String>) -> Result<String, HttpError> {
    let mut ids = push.mutations.iter().map(|m| m.client_id.as_str());
    let first = ids.next();
    if let Some(other) = ids.find(|id| Some(*id) != first) {
        return Err(HttpError::bad_request(
            "MIXED_CLIENT_IDS",
            format!(
                "a guest push carries one client id; got {:?} and {other:?}",
                first.unwrap_or_default()
            ),
        ));
    }
    match (first, query) {
        (Some(a), Some(b)) if a != b => Err(HttpError::bad_request(
            "MIXED_CLIENT_IDS",
            format!("mutations carry client id {a:?}, the query {b:?}"),
        )),
        (Some(id), _) => Ok(id.to_owned()),
        (None, Some(id)) if !id.is_empty() => Ok(id),
        (None, _) => Err(HttpError::bad_request(
            "MISSING_CLIENT_ID",
            "an empty guest push names its cart with ?client_id=",
        )),
    }
}

pub async fn sync(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    let user = match auth::bearer(req)? {
        Some(token) => Some(auth::verify(env, &token).await?),
        None => None,
    };
    let query: SyncQuery = req
        .query()
        .map_err(|e| HttpError::bad_request("MALFORMED_REQUEST", format!("query: {e}")))?;
    let push: PushRequest = decode(&body_text(req).await?)?;
    let cart = match user {
        Some(user_id) => format!("user:{user_id}"),
        None => format!("guest:{}", guest_client(&push, query.client_id)?),
    };
    let (status, text) = objects::call(env, "CART", &cart, "/push", &push).await?;
    json_text(status, text)
}
