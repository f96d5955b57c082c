//! The WeChat Pay API v3 client: signed JSON requests to the provider
//! (JSAPI prepay, domestic refunds) and the signature `wx.requestPayment`
//! checks.
//!
//! Every request carries `Authorization: WECHATPAY2-SHA256-RSA2048 ...`: the
//! merchant key's RSA-SHA256 signature over `"{METHOD}\n{path}\n{timestamp}\n
//! {nonce}\n{body}\n"`. Endpoints come from vars (`WECHATPAY_PREPAY_URL`,
//! `WECHATPAY_REFUND_URL`), so tests and `make dev` point them at the stand-in
//! on loopback.
//!
//! Invariants: the merchant private key comes from secrets and is never
//! logged or answered; a provider that does not answer, or answers non-2xx
//! or unreadable JSON, is a 502 with a stable code (never a panic).

use crate::config::Config;
use crate::crypto;
use crate::error::{Error, Result};
use crate::http::now_s;
use crate::live::Live;
use crate::services::{Payments, PayoutAnswer, PayoutRequest};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit};

/// The merchant's identity and signing key, from the worker's secrets.
pub struct Merchant {
    pub appid: String,
    pub mchid: String,
    serial: String,
    private_key: Vec<u8>,
}

impl Merchant {
    pub fn from_env(env: &Env) -> Result<Merchant> {
        let config = Config(env);
        Ok(Merchant {
            appid: config.required("WECHAT_APPID")?,
            mchid: config.required("WECHATPAY_MCHID")?,
            serial: config.get("WECHATPAY_MERCHANT_SERIAL").unwrap_or_default(),
            private_key: crypto::pem_der(&config.required("WECHATPAY_MERCHANT_PRIVATE_KEY")?)?,
        })
    }

    /// Base64 RSA-SHA256 signature of `message` with the merchant key.
    pub async fn sign(&self, message: &str) -> Result<String> {
        Ok(B64.encode(crypto::rsa_sha256_sign(&self.private_key, message.as_bytes()).await?))
    }

    /// POST `body` (JSON) to the provider endpoint named by var `url_var`,
    /// signed; the answer decoded as `T`. `code` names the failure (e.g.
    /// `UPSTREAM_UNAVAILABLE`, `REFUND_PAYOUT_FAILED`).
    pub async fn post<T: DeserializeOwned>(
        &self,
        env: &Env,
        url_var: &str,
        body: &serde_json::Value,
        code: &str,
    ) -> Result<T> {
        let url = Config(env).required(url_var)?;
        let body = body.to_string();
        let timestamp = now_s().to_string();
        let nonce = crate::crypto::random_hex(16)?;
        let path = worker::Url::parse(&url)
            .map(|u| u.path().to_owned())
            .unwrap_or_default();
        let signature = self
            .sign(&format!("POST\n{path}\n{timestamp}\n{nonce}\n{body}\n"))
            .await?;
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set("accept", "application/json")?;
        headers.set(
            "authorization",
            &format!(
                "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
                self.mchid, self.serial
            ),
        )?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(JsValue::from_str(&body)));
        let failed = |why: String| Error::status(502, code, why);
        let mut response = Fetch::Request(Request::new_with_init(&url, &init)?)
            .send()
            .await
            .map_err(|_| failed("the payment provider did not answer".into()))?;
        let status = response.status_code();
        let text = response
            .text()
            .await
            .map_err(|_| failed("the payment provider's answer was unreadable".into()))?;
        if !(200..300).contains(&status) {
            return Err(failed(format!(
                "the payment provider answered {status}: {}",
                text.chars().take(200).collect::<String>()
            )));
        }
        serde_json::from_str(&text)
            .map_err(|e| failed(format!("the payment provider's answer: {e}")))
    }
}

impl Payments for Live {
    /// `POST /v3/refund/domestic/refunds` at `WECHATPAY_REFUND_URL`.
    async fn refund(&self, request: &PayoutRequest) -> Result<PayoutAnswer> {
        let body = serde_json::json!({
            "transaction_id": request.transaction_id,
            "out_refund_no": request.out_refund_no,
            "reason": request.reason,
            "notify_url": Config(&self.env).get("WECHATPAY_NOTIFY_URL").unwrap_or_default(),
            "amount": {"refund": request.refund, "total": request.total, "currency": "CNY"},
        });
        Merchant::from_env(&self.env)?
            .post(
                &self.env,
                "WECHATPAY_REFUND_URL",
                &body,
                "REFUND_PAYOUT_FAILED",
            )
            .await
    }
}
