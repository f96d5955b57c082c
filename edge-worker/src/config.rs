//! The worker's configuration: `[vars]` and secrets, read per request.
//!
//! Secrets (`SESSION_SECRET`, `WECHAT_SECRET`, `WECHATPAY_APIV3_KEY`,
//! `WECHATPAY_MERCHANT_PRIVATE_KEY`, `ADMIN_TOKEN`) are read with the same
//! call as vars (`wrangler secret put` in production, `--var` in tests) and
//! are never logged or returned. A missing required setting is 503
//! `NOT_CONFIGURED`, naming the setting, never its value.

use crate::error::{Error, Result};
use worker::Env;

/// Read access to settings.
pub struct Config<'a>(pub &'a Env);

impl Config<'_> {
    /// A setting, if set and not empty.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .var(name)
            .map(|v| v.to_string())
            .or_else(|_| self.0.secret(name).map(|v| v.to_string()))
            .ok()
            .filter(|v| !v.is_empty())
    }

    /// A required setting.
    pub fn required(&self, name: &str) -> Result<String> {
        self.get(name).ok_or_else(|| {
            Error::status(503, "NOT_CONFIGURED", format!("setting {name} is not set"))
        })
    }

    /// A whole number setting, or `default`.
    pub fn number(&self, name: &str, default: i64) -> i64 {
        self.get(name)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default)
    }
}
