//! KV: the read-mostly snapshots - the storefront (catalog and pricing
//! rules, key `storefront`) and the store list (key `stores`), each with an
//! ETag in its metadata.
//!
//! Invariants: KV is eventually consistent, so nothing here counts stock
//! (the `INVENTORY` Durable Object does); a snapshot is validated by core
//! before it is written, so every reader can trust its shape.

use crate::crypto;
use crate::http::HttpError;
use commerce_core::orders::Storefront;
use serde::{Deserialize, Serialize};
use worker::Env;

pub const STOREFRONT: &str = "storefront";
pub const STORES: &str = "stores";

#[derive(Serialize, Deserialize)]
struct Meta {
    etag: String,
}

/// A snapshot's text and ETag.
pub struct Snapshot {
    pub text: String,
    pub etag: String,
}

/// Read a snapshot, or 503 `<WHAT>_UNAVAILABLE` when none was seeded.
pub async fn snapshot(env: &Env, key: &str) -> Result<Snapshot, HttpError> {
    let (text, meta) = env
        .kv("SNAPSHOTS")?
        .get(key)
        .text_with_metadata::<Meta>()
        .await?;
    match text {
        Some(text) => Ok(Snapshot {
            text,
            etag: meta.map(|m| m.etag).unwrap_or_default(),
        }),
        None => Err(HttpError::status(
            503,
            &format!(
                "{}_UNAVAILABLE",
                if key == STOREFRONT {
                    "CATALOG"
                } else {
                    "STORES"
                }
            ),
            format!("no {key} snapshot has been published"),
        )),
    }
}

/// The storefront, decoded.
pub async fn storefront(env: &Env) -> Result<Storefront, HttpError> {
    let snapshot = snapshot(env, STOREFRONT).await?;
    serde_json::from_str(&snapshot.text)
        .map_err(|e| HttpError::Runtime(format!("stored storefront: {e}")))
}

/// Write a snapshot; returns its ETag (a hash of the text).
pub async fn put(env: &Env, key: &str, text: &str) -> Result<String, HttpError> {
    let digest = crypto::sha256(text.as_bytes()).await?;
    let etag = format!("\"{}\"", crypto::hex(digest.get(..12).unwrap_or(&digest)));
    env.kv("SNAPSHOTS")?
        .put(key, text)?
        .metadata(Meta { etag: etag.clone() })?
        .execute()
        .await?;
    Ok(etag)
}
