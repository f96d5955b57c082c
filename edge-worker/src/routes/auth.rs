//! `POST /v1/auth/login {code}`: exchange a `wx.login` code for the
//! project's session token.
//!
//! Flow: rate limit per IP -> code-to-session (`WECHAT_CODE2SESSION_URL`,
//! WeChat's `jscode2session` by default; a fake on loopback in tests) ->
//! rate limit per user -> create or find the user by `openid` (D1; `session_key` stored, never
//! returned) -> issue a signed token. The user id is derived from the
//! openid, so the openid itself never leaves the server either.

use crate::config::Config;
use crate::http::{body_json, client_ip, json, now_s, HttpError};
use crate::{auth, crypto, db, protect};
use commerce_core::pricing::Customer;
use serde::Deserialize;
use worker::{Env, Fetch, Request, Response, Url};

const CODE2SESSION: &str = "https://api.weixin.qq.com/sns/jscode2session";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    code: String,
}

#[derive(Deserialize)]
struct CodeSession {
    #[serde(default)]
    openid: Option<String>,
    #[serde(default)]
    session_key: Option<String>,
    #[serde(default)]
    errcode: i64,
}

/// The stable user id of an openid.
pub async fn user_id(openid: &str) -> Result<String, HttpError> {
    let digest = crypto::sha256(format!("user:{openid}").as_bytes()).await?;
    Ok(format!(
        "u_{}",
        crypto::hex(digest.get(..10).unwrap_or(&digest))
    ))
}

pub async fn login(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    protect::take(env, &protect::LOGIN_IP, &client_ip(req)).await?;
    let body: LoginBody = body_json(req).await?;
    if body.code.is_empty() || body.code.len() > 128 {
        return Err(HttpError::bad_request(
            "MALFORMED_REQUEST",
            "code: must be 1 to 128 characters (the code from wx.login)",
        ));
    }
    let config = Config(env);
    let mut url = Url::parse(
        &config
            .get("WECHAT_CODE2SESSION_URL")
            .unwrap_or_else(|| CODE2SESSION.into()),
    )
    .map_err(|_| {
        HttpError::status(
            503,
            "NOT_CONFIGURED",
            "WECHAT_CODE2SESSION_URL is not a URL",
        )
    })?;
    url.query_pairs_mut()
        .append_pair("appid", &config.required("WECHAT_APPID")?)
        .append_pair("secret", &config.required("WECHAT_SECRET")?)
        .append_pair("js_code", &body.code)
        .append_pair("grant_type", "authorization_code");
    let upstream = |why: String| HttpError::status(502, "UPSTREAM_UNAVAILABLE", why);
    let mut response = Fetch::Url(url)
        .send()
        .await
        .map_err(|_| upstream("WeChat login service did not answer".into()))?;
    // WeChat refuses a code with 200 and an errcode; any other status means
    // the service itself failed (the shopper's code may still be good).
    if !(200..300).contains(&response.status_code()) {
        return Err(upstream(format!(
            "WeChat login service answered {}",
            response.status_code()
        )));
    }
    let session: CodeSession = response
        .json()
        .await
        .map_err(|_| upstream("WeChat login service's answer was unreadable".into()))?;
    let (Some(openid), Some(session_key), 0) =
        (session.openid, session.session_key, session.errcode)
    else {
        return Err(HttpError::unauthorized(
            "LOGIN_FAILED",
            format!(
                "WeChat refused the login code (errcode {}); call wx.login again",
                session.errcode
            ),
        ));
    };
    let user_id = user_id(&openid).await?;
    protect::take(env, &protect::LOGIN_USER, &user_id).await?;
    let db = db::open(env).await?;
    db::upsert_user(&db, &user_id, &openid, &session_key, now_s()).await?;
    json(200, &auth::issue(env, &user_id).await?)
}

#[derive(serde::Serialize)]
struct Me {
    user_id: String,
    points: i64,
    /// Exactly what the edge prices this shopper with (the mini-program's
    /// quotes send it back as their `customer`).
    customer: Customer,
}

/// `GET /v1/me`: who the token names and their points balance (积分).
pub async fn me(req: &Request, env: &Env) -> Result<Response, HttpError> {
    let user_id = crate::auth::require_user(req, env).await?;
    let db = db::open(env).await?;
    let customer = db::shopper(&db, &user_id).await?.customer;
    json(
        200,
        &Me {
            user_id,
            points: customer.points_balance,
            customer,
        },
    )
}
