//! # commerce-edge: the core as a Cloudflare Worker — **API boundary** (HTTP)
//!
//! The edge is the authority: it re-prices with `commerce-core`, holds
//! stock, takes orders and payments. Thin by design (the workers-rs
//! templates' shape):
//!
//! - `routes` - the route table (one row per route: method, pattern, guard,
//!   handler); each handler decodes, calls core or one service, encodes;
//! - `services` - the flows (checkout, order events, payment, refund) as
//!   plain async functions over small storage traits, with native tests on
//!   in-memory storage;
//! - `live` - those traits on the real bindings: `db` (D1 records), `kv`
//!   (snapshots), `objects` (Durable Objects with typed clients: carts,
//!   inventory and payment timers, rate limits), `crypto` (WebCrypto),
//!   `wechatpay` (the signed WeChat Pay v3 client);
//! - `error`, `http`, `auth`, `protect`, `config`, `logs` - the plumbing.
//!
//! Every route is documented in `docs/api.md` and `docs/openapi.json`.
//!
//! Invariants: no business rule lives here (prices, order states and their
//! actions, stock counting and refunds are core's); every error is
//! `{"error":{"code", "message"}}` with its status; no panic on input; no
//! secret in any response or log line.

mod auth;
mod config;
mod crypto;
mod db;
mod error;
mod http;
mod kv;
mod live;
mod logs;
mod objects;
mod protect;
mod routes;
mod services;
mod wechatpay;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match routes::dispatch(req, env).await {
        Ok(response) => Ok(response),
        Err(error) => http::error_response(&error),
    }
}
