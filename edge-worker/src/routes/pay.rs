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

use crate::auth::require_user;
use crate::config::Config;
use crate::crypto;
use crate::db;
use crate::flow::{self, apply_event, load, settle_stock};
use crate::http::{body_text, decode, json, now_s, HttpError};
use crate::wechatpay::Merchant;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use commerce_core::error::{ApiError, ErrorKind};
use commerce_core::money::Money;
use commerce_core::orders::{transition_status, Event, Order, RefundRecord};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, Response};

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

fn rejected(status: u16, code: &str, message: impl Into<String>) -> HttpError {
    let error = HttpError::status(status, code, message);
    worker::console_warn!("pay notify rejected: {}", flow::describe(&error));
    error
}

fn rejected_api(order_id: &str, error: ApiError) -> HttpError {
    worker::console_warn!("pay notify rejected: order {order_id}: {error}");
    HttpError::Api(error)
}

fn header(req: &Request, name: &str) -> Result<String, HttpError> {
    req.headers()
        .get(name)?
        .ok_or_else(|| rejected(401, "SIGNATURE_INVALID", format!("missing header {name}")))
}

pub async fn notify(req: &mut Request, env: &Env) -> Result<Response, HttpError> {
    let config = Config(env);
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
    if transaction.trade_state == "SUCCESS" {
        let event = Event::Pay {
            transaction_id: transaction.transaction_id.clone(),
            amount: transaction.amount.total,
        };
        let order_id = transaction.out_trade_no;
        let transition = match apply_event(env, &order_id, &event, None).await {
            Ok(t) => t,
            Err(HttpError::Api(e)) if e.kind == ErrorKind::Conflict => {
                // The money arrived but the order cannot take it: keep it
                // for a refund, then refuse (WeChat retries; recorded once).
                let db = db::open(env).await?;
                let payment = db::UnmatchedPayment {
                    transaction_id: transaction.transaction_id,
                    order_id: order_id.clone(),
                    amount: transaction.amount.total.as_fen(),
                    reason: e.code.clone(),
                    received_at: now_s(),
                };
                db::record_unmatched(&db, &payment).await?;
                return Err(rejected_api(&order_id, e));
            }
            Err(e) => {
                worker::console_warn!(
                    "pay notify rejected: order {order_id}: {}",
                    flow::describe(&e)
                );
                return Err(e);
            }
        };
        settle_stock(env, &transition).await?;
    }
    json(
        200,
        &serde_json::json!({"code": "SUCCESS", "message": "OK"}),
    )
}

/// What `wx.requestPayment` takes.
#[derive(Serialize)]
struct PaymentParams {
    #[serde(rename = "timeStamp")]
    time_stamp: String,
    #[serde(rename = "nonceStr")]
    nonce_str: String,
    package: String,
    #[serde(rename = "signType")]
    sign_type: &'static str,
    #[serde(rename = "paySign")]
    pay_sign: String,
}

#[derive(Deserialize)]
struct Prepay {
    prepay_id: String,
}

/// `POST /v1/orders/:id/pay`: create the payment with the provider and sign
/// the parameters for `wx.requestPayment`.
pub async fn prepay(req: &Request, env: &Env, order_id: &str) -> Result<Response, HttpError> {
    let user_id = require_user(req, env).await?;
    let db = db::open(env).await?;
    let order = load(&db, order_id, Some(&user_id)).await?;
    let probe = Event::Pay {
        transaction_id: String::new(),
        amount: order.payable,
    };
    transition_status(order.status, &probe).map_err(commerce_core::error::ApiError::from)?;
    let merchant = Merchant::from_env(env)?;
    let openid = db::openid(&db, &user_id).await?;
    let body = serde_json::json!({
        "appid": merchant.appid, "mchid": merchant.mchid, "description": format!("order {}", order.id),
        "out_trade_no": order.id,
        "time_expire": js_sys::Date::new(&JsValue::from_f64((order.pay_by * 1000) as f64)).to_iso_string().as_string(),
        "notify_url": Config(env).get("WECHATPAY_NOTIFY_URL").unwrap_or_default(),
        "amount": {"total": order.payable, "currency": "CNY"},
        "payer": {"openid": openid},
    });
    let prepay: Prepay = merchant
        .post(env, "WECHATPAY_PREPAY_URL", &body, "UPSTREAM_UNAVAILABLE")
        .await?;
    let package = format!("prepay_id={}", prepay.prepay_id);
    let nonce_str = flow::random_id(16)?;
    let time_stamp = now_s().to_string();
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
            sign_type: "RSA",
            pay_sign,
        },
    )
}

/// What the provider answers a refund request.
#[derive(Deserialize)]
struct ProviderRefund {
    refund_id: String,
    status: String,
}

/// A refund's payout, as the provider took it.
#[derive(Serialize)]
pub struct Payout {
    out_refund_no: String,
    /// WeChat's refund id ("" when nothing was paid out).
    provider_refund_id: String,
    /// WeChat's status (`PROCESSING`, `SUCCESS`...), or `NOTHING_TO_PAY`
    /// for a refund of 0 fen.
    status: String,
}

/// Pay `refund` of `order` back through WeChat Pay (`WECHATPAY_REFUND_URL`,
/// `POST /v3/refund/domestic/refunds`) and record the answer in D1
/// `refund_payouts`. `out_refund_no` is derived from the order and refund
/// ids, so retrying a refund asks WeChat for the same payout (it pays each
/// `out_refund_no` once). The amount is the refund's, from the stored
/// per-line allocations (core); a refund of 0 fen asks nothing.
pub async fn refund_payout(
    env: &Env,
    order: &Order,
    refund: &RefundRecord,
) -> Result<Payout, HttpError> {
    let payment = order
        .payment
        .as_ref()
        .ok_or_else(|| HttpError::Runtime(format!("refund of unpaid order {}", order.id)))?;
    let digest = crypto::sha256(format!("{}\n{}", order.id, refund.refund_id).as_bytes()).await?;
    let out_refund_no = format!("rf{}", crypto::hex(digest.get(..15).unwrap_or_default()));
    let asked = if refund.amount == Money::ZERO {
        Ok(ProviderRefund {
            refund_id: String::new(),
            status: "NOTHING_TO_PAY".into(),
        })
    } else {
        let body = serde_json::json!({
            "transaction_id": payment.transaction_id,
            "out_refund_no": out_refund_no,
            "reason": format!("refund {} of order {}", refund.refund_id, order.id),
            "notify_url": Config(env).get("WECHATPAY_NOTIFY_URL").unwrap_or_default(),
            "amount": {"refund": refund.amount, "total": payment.amount, "currency": "CNY"},
        });
        Merchant::from_env(env)?
            .post(env, "WECHATPAY_REFUND_URL", &body, "REFUND_PAYOUT_FAILED")
            .await
    };
    // A refused payout is recorded too (status FAILED): the merchant sees
    // what is still owed, and a retry of the refund asks again.
    let (provider_refund_id, status) = match &asked {
        Ok(answer) => (answer.refund_id.clone(), answer.status.clone()),
        Err(_) => (String::new(), "FAILED".to_owned()),
    };
    let payout = db::RefundPayout {
        order_id: order.id.clone(),
        refund_id: refund.refund_id.clone(),
        out_refund_no,
        amount: refund.amount.as_fen(),
        provider_refund_id,
        status,
        requested_at: now_s(),
    };
    db::record_payout(&db::open(env).await?, &payout).await?;
    match asked {
        Ok(_) => Ok(Payout {
            out_refund_no: payout.out_refund_no,
            provider_refund_id: payout.provider_refund_id,
            status: payout.status,
        }),
        Err(HttpError::Status(code, mut e)) => {
            worker::console_warn!(
                "refund payout failed: order {} refund {}: {}",
                order.id,
                refund.refund_id,
                e.code
            );
            e.message = format!(
                "refund {} is recorded but its payout failed ({}); retry with the same refund_id",
                refund.refund_id, e.message
            );
            Err(HttpError::Status(code, e))
        }
        Err(other) => Err(other),
    }
}

/// `POST /v1/orders/:id/pay/sandbox` — development only: 404 unless
/// `WECHATPAY_SANDBOX_URL` is configured (never in production). Stands in
/// for the shopper confirming `wx.requestPayment` where there is no WeChat
/// (the H5 preview, DevTools against `make dev`): asks the payment sandbox
/// to pay the order's latest prepay; the sandbox then sends a signed
/// notification to `POST /v1/pay/notify`, which alone moves the order to
/// `paid`. Answers `{"requested": true}` once the sandbox has delivered it.
pub async fn sandbox(req: &Request, env: &Env, order_id: &str) -> Result<Response, HttpError> {
    let Some(url) = Config(env).get("WECHATPAY_SANDBOX_URL") else {
        return Err(ApiError::new(
            ErrorKind::NotFound,
            "NOT_FOUND",
            "no payment sandbox here: pay with wx.requestPayment",
        )
        .into());
    };
    let user_id = require_user(req, env).await?;
    let db = db::open(env).await?;
    load(&db, order_id, Some(&user_id)).await?;
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(
            &serde_json::json!({ "out_trade_no": order_id }).to_string(),
        )));
    let response = Fetch::Request(Request::new_with_init(&url, &init)?)
        .send()
        .await
        .map_err(|_| {
            HttpError::status(
                502,
                "UPSTREAM_UNAVAILABLE",
                "the payment sandbox did not answer",
            )
        })?;
    if !(200..300).contains(&response.status_code()) {
        return Err(HttpError::status(
            502,
            "PAYMENT_FAILED",
            format!("the payment sandbox answered {}", response.status_code()),
        ));
    }
    json(200, &serde_json::json!({ "requested": true }))
}
