//! # commerce-edge: the core as a Cloudflare Worker — **API boundary** (HTTP)
//!
//! Thin by design (workers-rs template shape): `lib.rs` routes, each route
//! module decodes, calls `commerce-core`, encodes. No business rule lives
//! here: a quote from this worker is byte-identical to the wasm client's.
//!
//! Routes (see `docs/api.md`):
//! - `GET  /v1/health` — liveness and version;
//! - `POST /v1/quote` — price a cart (`quote` operation);
//! - `POST /v1/ops/:op` — any core operation by name (`commerce_core::api`).
//!
//! Invariants: every error is `{"error":{"code","message"}}` with status 400
//! (malformed body), 404 (unknown route or operation), 405 (wrong method),
//! 413 (body over [`http::MAX_BODY_BYTES`]) or 422 (domain error); no panic
//! on input.

mod http;
mod routes;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match routes::dispatch(req, env).await {
        Ok(response) => Ok(response),
        Err(error) => http::error_response(&error),
    }
}
