//! `CART`: one cart per user or guest, the server side of `docs/sync.md`.
//!
//! Rule: a push is applied with core's [`server_apply`] against the current
//! storefront catalog; the new [`ServerState`] is stored before the answer
//! leaves, so a lost answer is recovered by pushing again (every mutation
//! then comes back `duplicate`).
//!
//! A stored state that does not decode is an error (500 `INTERNAL`, the
//! cause logged; the state is left as it is), never an empty cart: starting over would forget
//! which mutations were applied.
//!
//! Invariant: the catalog is read before the stored state, so between
//! reading the state and writing it back there is no await but storage's:
//! two pushes to one cart never interleave.

use super::reply;
use crate::kv;
use commerce_core::catalog::Catalog;
use commerce_core::error::ApiError;
use commerce_core::sync::{server_apply, PushRequest, ServerState};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

#[durable_object]
pub struct CartObject {
    state: State,
    env: Env,
}

impl DurableObject for CartObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let push: PushRequest = match serde_json::from_str(&req.text().await?) {
            Ok(push) => push,
            Err(e) => return reply(400, ApiError::malformed(e.to_string()).to_json()),
        };
        let storefront = match kv::storefront(&self.env).await {
            Ok(s) => s,
            Err(e) => return crate::http::error_response(&e),
        };
        let catalog = match Catalog::new(&storefront.catalog) {
            Ok(c) => c,
            Err(e) => return reply(422, ApiError::from(e).to_json()),
        };
        let storage = self.state.storage();
        let state: ServerState = match storage.get::<String>("state").await? {
            None => ServerState::default(),
            Some(text) => match serde_json::from_str(&text) {
                Ok(state) => state,
                // Never start over silently: that would drop the cart and
                // the applied mutation ids (a retried push would apply twice).
                Err(e) => {
                    return crate::http::error_response(&crate::http::HttpError::Runtime(format!(
                        "CART state unreadable, kept as it is: {e}"
                    )))
                }
            },
        };
        let (state, response) = server_apply(state, &push, &catalog);
        let text =
            serde_json::to_string(&state).map_err(|e| worker::Error::RustError(e.to_string()))?;
        storage.put("state", text).await?;
        reply(
            200,
            serde_json::to_string(&response)
                .map_err(|e| worker::Error::RustError(e.to_string()))?,
        )
    }
}
