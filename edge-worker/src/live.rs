//! [`Live`]: the worker's real world for the services - D1, KV, the Durable
//! Objects, WebCrypto and WeChat Pay, reached through `Env`. Each storage
//! module implements its service trait for it (`db.rs` the order store,
//! `kv.rs` the snapshots, `objects/inventory.rs` the stock holds,
//! `protect.rs` the rate limits, `crypto.rs` hashes and ids, `wechatpay.rs`
//! the payouts); the native tests use `services::memory` instead.

use crate::db::Db;
use crate::error::Result;
use worker::Env;

/// One request's (or one alarm's) view of the bindings.
pub struct Live {
    pub env: Env,
    pub db: Db,
}

impl Live {
    /// The bindings, with the database's schema applied.
    pub async fn open(env: &Env) -> Result<Live> {
        Ok(Live {
            env: env.clone(),
            db: Db::open(env).await?,
        })
    }
}
