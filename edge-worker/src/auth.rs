//! Session tokens: the project's own, HMAC-SHA256 signed and expiring.
//!
//! Format: `v1.<base64url(payload JSON)>.<base64url(HMAC-SHA256(SESSION_SECRET, "v1." + payload part))>`,
//! payload `{"sub": user_id, "iat": unix s, "exp": unix s}`. The token names
//! the user and nothing else: WeChat's `openid` and `session_key` stay in D1.
//! A store staff token also has `"store": store_id` (its `sub` is the staff
//! member's name): it opens the staff routes of that store only, and no
//! shopper route.
//!
//! Invariants: every user route calls [`require_user`] (a staff token is
//! refused there), every staff route [`require_staff`]; a missing, malformed
//! or tampered token is 401 `UNAUTHORIZED`, an expired one 401
//! `TOKEN_EXPIRED`; the signature is checked (constant-time, WebCrypto)
//! before the payload is parsed.

use crate::config::Config;
use crate::crypto;
use crate::error::{Error, Result};
use crate::http::now_s;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use commerce_core::edge_api::{Session, StaffSession};
use serde::{Deserialize, Serialize};
use worker::{Env, Request};

/// Default lifetime of a session token: 7 days (`SESSION_TTL_S`).
const DEFAULT_TTL_S: i64 = 7 * 24 * 3600;

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
    /// Staff tokens: the store they work at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    store: Option<String>,
}

/// Who a valid token names.
pub struct Principal {
    pub sub: String,
    /// Set for a store's staff.
    pub store: Option<String>,
}

fn secret(env: &Env) -> Result<Vec<u8>> {
    Ok(Config(env).required("SESSION_SECRET")?.into_bytes())
}

/// Issue a token for `user_id`.
pub async fn issue(env: &Env, user_id: &str) -> Result<Session> {
    sign(env, user_id, None).await
}

/// Issue a staff token for `name` at `store_id`.
pub async fn issue_staff(env: &Env, name: &str, store_id: &str) -> Result<StaffSession> {
    let session = sign(env, name, Some(store_id.to_owned())).await?;
    Ok(StaffSession {
        token: session.token,
        name: name.to_owned(),
        store_id: store_id.to_owned(),
        expires_at: session.expires_at,
    })
}

async fn sign(env: &Env, user_id: &str, store: Option<String>) -> Result<Session> {
    let now = now_s();
    let expires_at = now.saturating_add(Config(env).number("SESSION_TTL_S", DEFAULT_TTL_S));
    let claims = Claims {
        sub: user_id.to_owned(),
        iat: now,
        exp: expires_at,
        store,
    };
    let payload = serde_json::to_vec(&claims).map_err(|e| Error::runtime(e.to_string()))?;
    let signed = format!("v1.{}", B64URL.encode(payload));
    let mac = crypto::hmac_sha256(&secret(env)?, signed.as_bytes()).await?;
    Ok(Session {
        token: format!("{signed}.{}", B64URL.encode(mac)),
        user_id: user_id.to_owned(),
        expires_at,
    })
}

fn bad(message: &str) -> Error {
    Error::unauthorized("UNAUTHORIZED", message)
}

/// The shopper of a valid token (a staff token is not a shopper's).
pub async fn verify(env: &Env, token: &str) -> Result<String> {
    let who = principal(env, token).await?;
    match who.store {
        None => Ok(who.sub),
        Some(_) => Err(bad("a staff token does not open shopper routes")),
    }
}

/// Who a valid token names.
async fn principal(env: &Env, token: &str) -> Result<Principal> {
    let (signed, mac) = token
        .rsplit_once('.')
        .ok_or_else(|| bad("malformed session token"))?;
    let payload = signed
        .strip_prefix("v1.")
        .ok_or_else(|| bad("malformed session token"))?;
    let mac = B64URL
        .decode(mac)
        .map_err(|_| bad("malformed session token"))?;
    if !crypto::hmac_sha256_verify(&secret(env)?, signed.as_bytes(), &mac).await? {
        return Err(bad("session token signature is not valid"));
    }
    let claims: Claims = B64URL
        .decode(payload)
        .ok()
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or_else(|| bad("malformed session token"))?;
    if claims.exp <= now_s() {
        return Err(Error::unauthorized(
            "TOKEN_EXPIRED",
            "session token expired; log in again",
        ));
    }
    Ok(Principal {
        sub: claims.sub,
        store: claims.store,
    })
}

/// The bearer token of the request, if it has an `Authorization` header.
pub fn bearer(req: &Request) -> Result<Option<String>> {
    match req.headers().get("authorization")? {
        None => Ok(None),
        Some(value) => value
            .strip_prefix("Bearer ")
            .map(|t| Some(t.trim().to_owned()))
            .ok_or_else(|| bad("Authorization must be `Bearer <token>`")),
    }
}

/// The staff member of a request and their store, or 401 (a shopper's
/// token: `UNAUTHORIZED`).
pub async fn require_staff(req: &Request, env: &Env) -> Result<Principal> {
    let token = bearer(req)?.ok_or_else(|| bad("no staff token"))?;
    let who = principal(env, &token).await?;
    match who.store {
        Some(_) => Ok(who),
        None => Err(bad("a shopper's token does not open staff routes")),
    }
}

/// The logged-in user of a request, or 401.
pub async fn require_user(req: &Request, env: &Env) -> Result<String> {
    let token = bearer(req)?.ok_or_else(|| bad("log in first: no session token"))?;
    verify(env, &token).await
}
