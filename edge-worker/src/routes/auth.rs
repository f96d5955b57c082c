//! `POST /v1/auth/login {code}`: exchange a `wx.login` code for the
//! project's session token.
//!
//! Flow: rate limit per IP -> code-to-session (`WECHAT_CODE2SESSION_URL`,
//! WeChat's `jscode2session` by default; a fake on loopback in tests) ->
//! rate limit per user -> create or find the user by `openid` (D1; `session_key` stored, never
//! returned) -> issue a signed token. The user id is derived from the
//! openid, so the openid itself never leaves the server either.

use super::Ctx;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::http::{body_json, client_ip, json, now_s};
use crate::live::Live;
use crate::services::{OrderStore, RateLimits};
use crate::{auth, crypto, protect};
use commerce_core::edge_api::{LoginRequest, Me};
use serde::Deserialize;
use worker::{Fetch, Response, Url};

const CODE2SESSION: &str = "https://api.weixin.qq.com/sns/jscode2session";

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
pub async fn user_id(openid: &str) -> Result<String> {
    let digest = crypto::sha256(format!("user:{openid}").as_bytes()).await?;
    Ok(format!(
        "u_{}",
        crypto::hex(digest.get(..10).unwrap_or(&digest))
    ))
}

pub async fn login(mut cx: Ctx) -> Result<Response> {
    let live = Live::open(&cx.env).await?;
    live.take(&protect::LOGIN_IP, &client_ip(&cx.req)).await?;
    let body: LoginRequest = body_json(&mut cx.req).await?;
    let code = body.checked()?;
    let config = Config(&cx.env);
    let mut url = Url::parse(
        &config
            .get("WECHAT_CODE2SESSION_URL")
            .unwrap_or_else(|| CODE2SESSION.into()),
    )
    .map_err(|_| {
        Error::status(
            503,
            "NOT_CONFIGURED",
            "WECHAT_CODE2SESSION_URL is not a URL",
        )
    })?;
    url.query_pairs_mut()
        .append_pair("appid", &config.required("WECHAT_APPID")?)
        .append_pair("secret", &config.required("WECHAT_SECRET")?)
        .append_pair("js_code", code)
        .append_pair("grant_type", "authorization_code");
    let upstream = |why: String| Error::status(502, "UPSTREAM_UNAVAILABLE", why);
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
        return Err(Error::unauthorized(
            "LOGIN_FAILED",
            format!(
                "WeChat refused the login code (errcode {}); call wx.login again",
                session.errcode
            ),
        ));
    };
    let user_id = user_id(&openid).await?;
    live.take(&protect::LOGIN_USER, &user_id).await?;
    live.db
        .upsert_user(&user_id, &openid, &session_key, now_s())
        .await?;
    json(200, &auth::issue(&cx.env, &user_id).await?)
}

/// `GET /v1/me`: who the token names and their points balance (积分).
pub async fn me(cx: Ctx) -> Result<Response> {
    let user_id = cx.user()?.to_owned();
    let customer = Live::open(&cx.env).await?.shopper(&user_id).await?.customer;
    json(
        200,
        &Me {
            user_id,
            points: customer.points_balance,
            customer,
        },
    )
}
