//! WeChat Pay (API v3): `POST /v1/orders/:id/pay` (prepay, answers the
//! parameters of `wx.requestPayment`) and `POST /v1/pay/notify` (the
//! payment notification).
//!
//! Notify rule: the `Wechatpay-Signature` must be the platform key's
//! RSA-SHA256 signature of `"{timestamp}\n{nonce}\n{body}\n"` (and
//! `Wechatpay-Serial` the configured platform serial, when one is set); the
//! timestamp must be within `WECHATPAY_MAX_SKEW_S` (300) seconds of now; the
//! `resource` is decrypted with AES-256-GCM under the APIv3 key. Only a
//! `TRANSACTION.SUCCESS` event can pay (any other signed event, a refund's
//! for one, is refused with 422 `UNSUPPORTED_EVENT`). Then core
//! decides: the order's payable must equal `amount.total`, a repeated
//! transaction is acknowledged and changes nothing. A payment the order
//! cannot take (it timed out or was cancelled first, or another transaction
//! paid it) is kept in D1 `unmatched_payments` for the merchant to refund,
//! and refused. Rejections are logged
//! (code and order id, never a key) and answered non-2xx so WeChat retries.
//!
//! Invariants: nothing is read from the body before its signature is
//! checked; keys come from secrets and never appear in a response or log.

use super::Ctx;
use crate::config::Config;
use crate::crypto;
use crate::error::{Error, Result};
use crate::http::{body_text, decode, json, now_s};
use crate::live::Live;
use crate::logs;
use crate::services::{orders, payment};
use crate::wechatpay::Merchant;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use commerce_core::edge_api::{NotifyAck, PaymentParams, SandboxPaid};
use commerce_core::error::{ApiError, ErrorKind};
use commerce_core::money::Money;
use commerce_core::orders::{Action, Requester};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{js_sys, Fetch, Headers, Method, Request, RequestInit, Response};

#[derive(Deserialize)]
struct Notification {
    /// `TRANSACTION.SUCCESS` is the only event that pays an order.
    event_type: String,
    resource: Resource,
}

/// The one event type this route acts on.
const PAID: &str = "TRANSACTION.SUCCESS";

#[derive(Deserialize)]
struct Resource {
    ciphertext: String,
    #[serde(default)]
    associated_data: String,
    nonce: String,
}

#[derive(Deserialize)]
struct Transaction {
    out_trade_no: String,
    transaction_id: String,
    trade_state: String,
    amount: Amount,
}

#[derive(Deserialize)]
struct Amount {
    total: Money,
}

fn rejected(status: u16, code: &str, message: impl Into<String>) -> Error {
    let error = Error::status(status, code, message);
    logs::warn!("pay notify rejected: {}", error.describe());
    error
}

fn header(req: &Request, name: &str) -> Result<String> {
    req.headers()
        .get(name)?
        .ok_or_else(|| rejected(401, "SIGNATURE_INVALID", format!("missing header {name}")))
}

pub async fn notify(mut cx: Ctx) -> Result<Response> {
    let config = Config(&cx.env);
    let req = &mut cx.req;
    let timestamp = header(req, "wechatpay-timestamp")?;
    let nonce = header(req, "wechatpay-nonce")?;
    let signature = header(req, "wechatpay-signature")?;
    let serial = header(req, "wechatpay-serial")?;
    let body = body_text(req).await?;
    if config
        .get("WECHATPAY_PLATFORM_SERIAL")
        .is_some_and(|s| s != serial)
    {
        return Err(rejected(
            401,
            "SIGNATURE_INVALID",
            "unknown platform certificate serial",
        ));
    }
    let public_key = crypto::pem_der(&config.required("WECHATPAY_PLATFORM_PUBLIC_KEY")?)?;
    let signature = B64
        .decode(signature.trim())
        .map_err(|_| rejected(401, "SIGNATURE_INVALID", "signature is not base64"))?;
    let message = format!("{timestamp}\n{nonce}\n{body}\n");
    if !crypto::rsa_sha256_verify(&public_key, message.as_bytes(), &signature).await? {
        return Err(rejected(
            401,
            "SIGNATURE_INVALID",
            "signature does not verify",
        ));
    }
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| rejected(400, "STALE_NOTIFICATION", "timestamp is not a number"))?;
    let skew = config.number("WECHATPAY_MAX_SKEW_S", 300);
    if (now_s() - sent).abs() > skew {
        return Err(rejected(
            400,
            "STALE_NOTIFICATION",
            format!("timestamp {sent} is more than {skew} s from now"),
        ));
    }
    let notification: Notification = decode(&body)?;
    if notification.event_type != PAID {
        return Err(rejected(
            422,
            "UNSUPPORTED_EVENT",
            format!(
                "event {:?} is not a payment; only {PAID} is handled here",
                notification.event_type
            ),
        ));
    }
    let key = config.required("WECHATPAY_APIV3_KEY")?;
    let resource = &notification.resource;
    let ciphertext = B64
        .decode(&resource.ciphertext)
        .map_err(|_| rejected(400, "DECRYPT_FAILED", "ciphertext is not base64"))?;
    let plain = crypto::aes_gcm_decrypt(
        key.as_bytes(),
        resource.nonce.as_bytes(),
        resource.associated_data.as_bytes(),
        &ciphertext,
    )
    .await
    .map_err(|_| {
        rejected(
            400,
            "DECRYPT_FAILED",
            "resource does not decrypt under the APIv3 key",
        )
    })?;
    let transaction: Transaction = serde_json::from_slice(&plain)
        .map_err(|e| rejected(400, "MALFORMED_REQUEST", format!("resource: {e}")))?;
    let order_id = transaction.out_trade_no.clone();
    let live = Live::open(&cx.env).await?;
    payment::notified(
        &live,
        payment::Transaction {
            out_trade_no: transaction.out_trade_no,
            transaction_id: transaction.transaction_id,
            trade_state: transaction.trade_state,
            total: transaction.amount.total,
        },
        now_s(),
    )
    .await
    .inspect_err(|e| logs::warn!("pay notify rejected: order {order_id}: {}", e.describe()))?;
    json(200, &NotifyAck::ok())
}

#[derive(Deserialize)]
struct Prepay {
    prepay_id: String,
}

/// `POST /v1/orders/:id/pay`: create the payment with the provider and sign
/// the parameters for `wx.requestPayment` - if core's actions for the
/// shopper include `pay` now.
pub async fn prepay(cx: Ctx) -> Result<Response> {
    let user_id = cx.user()?;
    let live = Live::open(&cx.env).await?;
    let order = orders::load(&live, &cx.param, Some(user_id)).await?;
    let now = now_s();
    order.allows(Action::Pay, Requester::Shopper, now)?;
    let merchant = Merchant::from_env(&cx.env)?;
    let openid = live.db.openid(user_id).await?;
    let body = serde_json::json!({
        "appid": merchant.appid, "mchid": merchant.mchid, "description": format!("order {}", order.id),
        "out_trade_no": order.id,
        "time_expire": js_sys::Date::new(&JsValue::from_f64((order.pay_by * 1000) as f64)).to_iso_string().as_string(),
        "notify_url": Config(&cx.env).get("WECHATPAY_NOTIFY_URL").unwrap_or_default(),
        "amount": {"total": order.payable, "currency": "CNY"},
        "payer": {"openid": openid},
    });
    let prepay: Prepay = merchant
        .post(
            &cx.env,
            "WECHATPAY_PREPAY_URL",
            &body,
            "UPSTREAM_UNAVAILABLE",
        )
        .await?;
    let package = format!("prepay_id={}", prepay.prepay_id);
    let nonce_str = crypto::random_hex(16)?;
    let time_stamp = now.to_string();
    let pay_sign = merchant
        .sign(&format!(
            "{}\n{time_stamp}\n{nonce_str}\n{package}\n",
            merchant.appid
        ))
        .await?;
    json(
        200,
        &PaymentParams {
            time_stamp,
            nonce_str,
            package,
            sign_type: "RSA".into(),
            pay_sign,
        },
    )
}

/// The sandbox route exists only where the sandbox is configured.
pub fn sandbox_guard(env: &worker::Env) -> Result<()> {
    match Config(env).get("WECHATPAY_SANDBOX_URL") {
        Some(_) => Ok(()),
        None => Err(ApiError::new(
            ErrorKind::NotFound,
            "NOT_FOUND",
            "no payment sandbox here: pay with wx.requestPayment",
        )
        .into()),
    }
}

/// `POST /v1/orders/:id/pay/sandbox` - development only: 404 unless
/// `WECHATPAY_SANDBOX_URL` is configured (never in production). Stands in
/// for the shopper confirming `wx.requestPayment` where there is no WeChat
/// (the H5 preview, DevTools against `make dev`): asks the payment sandbox
/// to pay the order's latest prepay; the sandbox then sends a signed
/// notification to `POST /v1/pay/notify`, which alone moves the order to
/// `paid`. Answers `{"requested": true}` once the sandbox has delivered it.
pub async fn sandbox(cx: Ctx) -> Result<Response> {
    let url = Config(&cx.env).required("WECHATPAY_SANDBOX_URL")?;
    let live = Live::open(&cx.env).await?;
    let order = orders::load(&live, &cx.param, Some(cx.user()?)).await?;
    // A paid, cancelled or expired order is core's 409, not the sandbox's.
    order.allows(Action::Pay, Requester::Shopper, now_s())?;
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(
            &serde_json::json!({ "out_trade_no": cx.param }).to_string(),
        )));
    let response = Fetch::Request(Request::new_with_init(&url, &init)?)
        .send()
        .await
        .map_err(|_| {
            Error::status(
                502,
                "UPSTREAM_UNAVAILABLE",
                "the payment sandbox did not answer",
            )
        })?;
    if response.status_code() == 404 {
        // The sandbox pays a prepay; there is none for this order yet.
        return Err(Error::status(
            409,
            "NO_PREPAY",
            "ask for the payment parameters first (POST /v1/orders/{id}/pay)",
        ));
    }
    if !(200..300).contains(&response.status_code()) {
        return Err(Error::status(
            502,
            "PAYMENT_FAILED",
            format!("the payment sandbox answered {}", response.status_code()),
        ));
    }
    json(200, &SandboxPaid { requested: true })
}
