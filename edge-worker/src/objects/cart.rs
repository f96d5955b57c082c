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

use super::{call, serve};
use crate::error::{Error, Result};
use crate::kv;
use commerce_core::catalog::Catalog;
use commerce_core::error::ApiError;
use commerce_core::sync::{server_apply, PushRequest, PushResponse, ServerState};
use worker::{durable_object, DurableObject, Env, Request, Response, State};

/// Push to the cart `cart` (`user:<id>` or `guest:<client id>`).
pub async fn push(env: &Env, cart: &str, push: &PushRequest) -> Result<PushResponse> {
    call(env, "CART", cart, push).await
}

#[durable_object]
pub struct CartObject {
    state: State,
    env: Env,
}

impl DurableObject for CartObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        serve(req, |push: PushRequest| self.apply(push)).await
    }
}

impl CartObject {
    async fn apply(&self, push: PushRequest) -> Result<PushResponse> {
        let storefront = kv::storefront(&self.env).await?;
        let catalog = Catalog::new(&storefront.catalog).map_err(ApiError::from)?;
        let storage = self.state.storage();
        let state: ServerState = match storage.get::<String>("state").await? {
            None => ServerState::default(),
            // Never start over silently: that would drop the cart and the
            // applied mutation ids (a retried push would apply twice).
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                Error::Runtime(format!("CART state unreadable, kept as it is: {e}"))
            })?,
        };
        let (state, response) = server_apply(state, &push, &catalog);
        storage.put("state", crate::http::encode(&state)?).await?;
        Ok(response)
    }
}
