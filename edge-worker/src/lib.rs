//! # commerce-edge: the core as a Cloudflare Worker — **API boundary** (HTTP)
//!
//! The edge is the authority: it re-prices with `commerce-core`, holds
//! stock, takes orders and payments. Thin by design (workers-rs template
//! shape): `routes` decode, call core, encode; storage sits behind small
//! modules - `kv` (snapshots), `db` (D1 records), `objects` (Durable
//! Objects: carts, inventory and payment timers, rate limits); `flow` runs
//! order events; `wechatpay` is the signed client of WeChat Pay v3 (prepay,
//! refunds); `auth`, `crypto`, `protect` and `config` are the plumbing.
//! Every route is documented in `docs/api.md`.
//!
//! Invariants: no business rule lives here (prices, order states, stock
//! counting and refunds are core's); every error is `{"error":{"code",
//! "message"}}` with its status; no panic on input; no secret in any
//! response or log line.

mod auth;
mod config;
mod crypto;
mod db;
mod flow;
mod http;
mod kv;
mod objects;
mod protect;
mod routes;
mod wechatpay;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match routes::dispatch(req, env).await {
        Ok(response) => Ok(response),
        Err(error) => http::error_response(&error),
    }
}
