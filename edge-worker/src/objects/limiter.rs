//! `LIMITER`: a token bucket per limited key (`login:ip:<ip>`,
//! `checkout:user:<id>`, ...).
//!
//! Rule: a bucket holds up to `burst` tokens and refills `per_minute` tokens
//! a minute; a request takes one token or is refused with the seconds until
//! one is back. Example: burst 5, 60 a minute: 5 requests at once pass, the
//! 6th waits 1 s.
//!
//! Invariant: the bucket lives in memory only; an evicted object starts
//! full again, which can only let a few more requests through, never block
//! a legitimate one.

use super::serve;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use worker::{durable_object, DurableObject, Env, Request, Response, State};

/// A take request.
#[derive(Serialize, Deserialize)]
pub struct Take {
    pub burst: f64,
    pub per_minute: f64,
}

/// The answer.
#[derive(Serialize, Deserialize)]
pub struct Taken {
    pub allowed: bool,
    pub retry_after_s: u64,
}

#[durable_object]
pub struct RateLimiter {
    tokens: Cell<f64>,
    at_ms: Cell<f64>,
}

impl DurableObject for RateLimiter {
    fn new(_state: State, _env: Env) -> Self {
        Self {
            tokens: Cell::new(f64::NAN),
            at_ms: Cell::new(0.0),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        serve(req, |take: Take| async move { Ok(self.take(&take)) }).await
    }
}

impl RateLimiter {
    fn take(&self, take: &Take) -> Taken {
        let now = worker::Date::now().as_millis() as f64;
        let per_ms = take.per_minute.max(0.0) / 60_000.0;
        let start = if self.tokens.get().is_nan() {
            take.burst
        } else {
            self.tokens.get()
        };
        let tokens = (start + (now - self.at_ms.get()).max(0.0) * per_ms).min(take.burst);
        self.at_ms.set(now);
        if tokens >= 1.0 {
            self.tokens.set(tokens - 1.0);
            Taken {
                allowed: true,
                retry_after_s: 0,
            }
        } else {
            self.tokens.set(tokens);
            let wait_ms = if per_ms > 0.0 {
                (1.0 - tokens) / per_ms
            } else {
                60_000.0
            };
            Taken {
                allowed: false,
                retry_after_s: (wait_ms / 1000.0).ceil().max(1.0) as u64,
            }
        }
    }
}
