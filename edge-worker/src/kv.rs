//! KV: the read-mostly snapshots - the storefront (catalog and pricing
//! rules, key `storefront`) and the store list (key `stores`), each sealed
//! in core's cache envelope (`commerce_core::cache::envelope`, the same CBOR
//! frame the mini-program's offline cache writes: schema version, key,
//! created-at, ETag, CRC-32 checksum, payload = the snapshot's JSON text).
//!
//! Invariants: KV is eventually consistent, so nothing here counts stock
//! (the `INVENTORY` Durable Object does); a snapshot is validated by core
//! before it is written, so every reader can trust its shape; a stored
//! value that does not open (unknown version, checksum, another key) is an
//! error, never served.

use crate::crypto;
use crate::error::{Error, Result};
use crate::http::now_ms;
use crate::live::Live;
use crate::services::Snapshots;
use commerce_core::cache::{envelope, Meta};
use commerce_core::lbs::StoreSnapshot;
use commerce_core::orders::Storefront;
use worker::Env;

pub const STOREFRONT: &str = "storefront";
pub const STORES: &str = "stores";

/// A snapshot's text and ETag.
pub struct Snapshot {
    pub text: String,
    pub etag: String,
}

/// Read a snapshot, or 503 `<WHAT>_UNAVAILABLE` when none was seeded.
pub async fn snapshot(env: &Env, key: &str) -> Result<Snapshot> {
    let bytes = env.kv("SNAPSHOTS")?.get(key).bytes().await?;
    match bytes {
        Some(bytes) => {
            let entry = envelope::open::<String>(key, &bytes, now_ms())
                .map_err(|e| Error::Runtime(format!("stored {key} snapshot: {e}")))?;
            Ok(Snapshot {
                text: entry.value,
                etag: entry.meta.etag.unwrap_or_default(),
            })
        }
        None => Err(Error::status(
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
pub async fn storefront(env: &Env) -> Result<Storefront> {
    let snapshot = snapshot(env, STOREFRONT).await?;
    serde_json::from_str(&snapshot.text)
        .map_err(|e| Error::Runtime(format!("stored storefront: {e}")))
}

/// Write a snapshot, sealed; returns its ETag (a hash of the text).
/// Snapshots do not go stale by age: a newer one replaces them.
pub async fn put(env: &Env, key: &str, text: &str) -> Result<String> {
    let digest = crypto::sha256(text.as_bytes()).await?;
    let etag = format!("\"{}\"", crypto::hex(digest.get(..12).unwrap_or(&digest)));
    let meta = Meta::new(now_ms(), i64::MAX, 0, Some(etag.clone()));
    let sealed = envelope::seal(key, text, &meta)
        .map_err(|e| Error::Runtime(format!("sealing the {key} snapshot: {e}")))?;
    env.kv("SNAPSHOTS")?
        .put_bytes(key, &sealed)?
        .execute()
        .await?;
    Ok(etag)
}

/// The store snapshot, decoded.
pub async fn stores(env: &Env) -> Result<StoreSnapshot> {
    let snapshot = snapshot(env, STORES).await?;
    serde_json::from_str(&snapshot.text).map_err(|e| Error::Runtime(format!("stored stores: {e}")))
}

impl Snapshots for Live {
    async fn storefront(&self) -> Result<Storefront> {
        storefront(&self.env).await
    }

    async fn stores(&self) -> Result<StoreSnapshot> {
        stores(&self.env).await
    }
}
