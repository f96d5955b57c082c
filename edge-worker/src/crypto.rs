//! WebCrypto through `crypto.subtle`: HMAC-SHA256, RSASSA-PKCS1-v1_5 with
//! SHA-256 (verify and sign), AES-256-GCM decryption, SHA-256 and random
//! bytes. The runtime's native primitives are constant-time and keep RSA out
//! of the wasm.
//!
//! Invariants: keys never leave this module except as opaque `CryptoKey`s;
//! errors say which operation failed, never the key material.

use base64::Engine;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

/// A WebCrypto failure (bad key, bad input); the message names the step.
#[derive(Debug)]
pub struct CryptoError(pub &'static str);

fn crypto() -> Result<Crypto, CryptoError> {
    Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .ok()
        .filter(|c| !c.is_undefined())
        .map(|c| c.unchecked_into::<Crypto>())
        .ok_or(CryptoError("no crypto global"))
}

fn subtle() -> Result<SubtleCrypto, CryptoError> {
    Ok(crypto()?.subtle())
}

fn algorithm(pairs: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(k), v);
    }
    object
}

fn usages(list: &[&str]) -> JsValue {
    list.iter()
        .map(|u| JsValue::from_str(u))
        .collect::<Array>()
        .into()
}

async fn promise(
    p: Result<js_sys::Promise, JsValue>,
    step: &'static str,
) -> Result<JsValue, CryptoError> {
    JsFuture::from(p.map_err(|_| CryptoError(step))?)
        .await
        .map_err(|_| CryptoError(step))
}

fn bytes(value: JsValue) -> Vec<u8> {
    Uint8Array::new(&value).to_vec()
}

async fn import(
    format: &str,
    data: &[u8],
    alg: &Object,
    use_: &[&str],
    step: &'static str,
) -> Result<CryptoKey, CryptoError> {
    let key_data: Object = Uint8Array::from(data).into();
    let key = promise(
        subtle()?.import_key_with_object(format, &key_data, alg, false, &usages(use_)),
        step,
    )
    .await?;
    Ok(key.unchecked_into())
}

fn rsa_alg() -> Object {
    algorithm(&[
        ("name", "RSASSA-PKCS1-v1_5".into()),
        ("hash", "SHA-256".into()),
    ])
}

fn hmac_alg() -> Object {
    algorithm(&[("name", "HMAC".into()), ("hash", "SHA-256".into())])
}

/// HMAC-SHA256 of `data` under `key`.
pub async fn hmac_sha256(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = import("raw", key, &hmac_alg(), &["sign"], "import HMAC key").await?;
    let sig = promise(
        subtle()?.sign_with_object_and_u8_array(&hmac_alg(), &key, data),
        "HMAC sign",
    )
    .await?;
    Ok(bytes(sig))
}

/// Whether `signature` is `key`'s HMAC-SHA256 of `data` (constant-time).
pub async fn hmac_sha256_verify(
    key: &[u8],
    data: &[u8],
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let key = import("raw", key, &hmac_alg(), &["verify"], "import HMAC key").await?;
    let ok = promise(
        subtle()?.verify_with_object_and_u8_array_and_u8_array(&hmac_alg(), &key, signature, data),
        "HMAC verify",
    )
    .await?;
    Ok(ok.as_bool().unwrap_or(false))
}

/// The DER bytes of a PEM block or of bare base64 (whitespace ignored).
pub fn pem_der(text: &str) -> Result<Vec<u8>, CryptoError> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| CryptoError("key is not PEM or base64 DER"))
}

/// Whether `signature` is an RSA-SHA256 (PKCS#1 v1.5) signature of `data`
/// under the SPKI public key `spki_der`.
pub async fn rsa_sha256_verify(
    spki_der: &[u8],
    data: &[u8],
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let key = import(
        "spki",
        spki_der,
        &rsa_alg(),
        &["verify"],
        "import RSA public key",
    )
    .await?;
    let ok = promise(
        subtle()?.verify_with_object_and_u8_array_and_u8_array(&rsa_alg(), &key, signature, data),
        "RSA verify",
    )
    .await?;
    Ok(ok.as_bool().unwrap_or(false))
}

/// RSA-SHA256 (PKCS#1 v1.5) signature of `data` under the PKCS#8 private key.
pub async fn rsa_sha256_sign(pkcs8_der: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = import(
        "pkcs8",
        pkcs8_der,
        &rsa_alg(),
        &["sign"],
        "import RSA private key",
    )
    .await?;
    let sig = promise(
        subtle()?.sign_with_object_and_u8_array(&rsa_alg(), &key, data),
        "RSA sign",
    )
    .await?;
    Ok(bytes(sig))
}

/// AES-256-GCM decryption (`ciphertext` ends with the 16-byte tag).
pub async fn aes_gcm_decrypt(
    key: &[u8],
    nonce: &[u8],
    associated_data: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let key_alg = algorithm(&[("name", "AES-GCM".into())]);
    let key = import("raw", key, &key_alg, &["decrypt"], "import AES key").await?;
    let alg = algorithm(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(nonce).into()),
        ("additionalData", Uint8Array::from(associated_data).into()),
    ]);
    let plain = promise(
        subtle()?.decrypt_with_object_and_u8_array(&alg, &key, ciphertext),
        "AES-GCM decrypt",
    )
    .await?;
    Ok(bytes(plain))
}

/// SHA-256 of `data`.
pub async fn sha256(data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let digest = promise(
        subtle()?.digest_with_str_and_u8_array("SHA-256", data),
        "SHA-256",
    )
    .await?;
    Ok(bytes(digest))
}

/// `n` random bytes from the runtime's CSPRNG.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let mut out = vec![0u8; n];
    crypto()?
        .get_random_values_with_u8_array(&mut out)
        .map_err(|_| CryptoError("getRandomValues"))?;
    Ok(out)
}

/// Lower-case hex.
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

impl crate::services::Crypto for crate::live::Live {
    async fn sha256(&self, data: &[u8]) -> crate::error::Result<Vec<u8>> {
        Ok(sha256(data).await?)
    }

    fn random_hex(&self, bytes: usize) -> crate::error::Result<String> {
        random_hex(bytes)
    }
}

/// `bytes` random bytes as hex.
pub fn random_hex(bytes: usize) -> crate::error::Result<String> {
    Ok(hex(&random_bytes(bytes)?))
}
