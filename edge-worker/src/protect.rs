//! Protection: rate limits (token buckets in the `LIMITER` Durable Object)
//! on login and checkout, per user and per IP, configured by vars.
//!
//! | limit | key | vars (default) |
//! | --- | --- | --- |
//! | login per IP | `login:ip:<ip>` | `RATE_LOGIN_IP_BURST` (10), `RATE_LOGIN_IP_PER_MIN` (30) |
//! | login per user (after the code exchange) | `login:user:<id>` | `RATE_LOGIN_USER_BURST` (5), `RATE_LOGIN_USER_PER_MIN` (10) |
//! | checkout per user | `checkout:user:<id>` | `RATE_CHECKOUT_USER_BURST` (5), `RATE_CHECKOUT_USER_PER_MIN` (30) |
//! | checkout per IP | `checkout:ip:<ip>` | `RATE_CHECKOUT_IP_BURST` (60), `RATE_CHECKOUT_IP_PER_MIN` (600) |
//!
//! Invariant: a refused request is 429 `RATE_LIMITED` with `Retry-After`
//! and does nothing else.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::live::Live;
use crate::objects::{self, limiter::Take, limiter::Taken};
use crate::services::RateLimits;

/// One limit: the key prefix and its vars' prefix and defaults.
pub struct Limit {
    pub name: &'static str,
    pub vars: &'static str,
    pub burst: i64,
    pub per_minute: i64,
}

pub const LOGIN_IP: Limit = Limit {
    name: "login:ip",
    vars: "RATE_LOGIN_IP",
    burst: 10,
    per_minute: 30,
};
pub const LOGIN_USER: Limit = Limit {
    name: "login:user",
    vars: "RATE_LOGIN_USER",
    burst: 5,
    per_minute: 10,
};
pub const CHECKOUT_USER: Limit = Limit {
    name: "checkout:user",
    vars: "RATE_CHECKOUT_USER",
    burst: 5,
    per_minute: 30,
};
pub const CHECKOUT_IP: Limit = Limit {
    name: "checkout:ip",
    vars: "RATE_CHECKOUT_IP",
    burst: 60,
    per_minute: 600,
};

impl RateLimits for Live {
    /// Take a token for `who` under `limit`, or 429.
    async fn take(&self, limit: &Limit, who: &str) -> Result<()> {
        let config = Config(&self.env);
        let take = Take {
            burst: config.number(&format!("{}_BURST", limit.vars), limit.burst) as f64,
            per_minute: config.number(&format!("{}_PER_MIN", limit.vars), limit.per_minute) as f64,
        };
        let name = format!("{}:{who}", limit.name);
        let taken: Taken = objects::call(&self.env, "LIMITER", &name, &take).await?;
        if taken.allowed {
            Ok(())
        } else {
            Err(Error::RateLimited {
                retry_after_s: taken.retry_after_s,
            })
        }
    }
}
