//! The versioned, checksummed envelope every cached value travels in.
//!
//! Layout (CBOR), fixed for every schema version so that the version can
//! always be read: `{"v": u32, "crc": u32, "body": bytes}` where `crc` is the
//! CRC-32 (IEEE) of the exact `body` bytes, and for version 1 `body` is the
//! CBOR of `{"key", "meta": {"created_at", "fresh_until", "expires_at",
//! "etag"}, "payload": bytes}` with `payload` the CBOR of the value. Text form:
//! standard base64 of the envelope bytes.
//!
//! Invariants: [`open`] returns a value only if the version is known, the
//! bytes end where the envelope ends, the checksum matches, the key is the
//! one asked for and the payload decodes as the asked type; anything else is
//! a [`Corruption`], never a panic. CRC-32 detects every error confined to 32
//! consecutive bits, so any single flipped byte is caught.

use super::CacheError;
use crate::error::Coded;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The envelope schema this code writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Frame {
    v: u32,
    crc: u32,
    #[serde(with = "serde_bytes")]
    body: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    key: String,
    meta: Meta,
    #[serde(with = "serde_bytes")]
    payload: Vec<u8>,
}

/// When a value was stored and how long it may be served; times are
/// milliseconds since the Unix epoch, handed in by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub created_at: i64,
    /// Served as fresh before this instant.
    pub fresh_until: i64,
    /// Served as stale (use, then revalidate) before this instant; expired
    /// from it on.
    pub expires_at: i64,
    /// The origin's version of the value (HTTP ETag, catalog version).
    pub etag: Option<String>,
}

impl Meta {
    /// Fresh for `max_age_ms` from `now`, then stale for `stale_ms` more
    /// (Workbox's stale-while-revalidate).
    pub fn new(now: i64, max_age_ms: i64, stale_ms: i64, etag: Option<String>) -> Meta {
        let fresh_until = now.saturating_add(max_age_ms.max(0));
        Meta {
            created_at: now,
            fresh_until,
            expires_at: fresh_until.saturating_add(stale_ms.max(0)),
            etag,
        }
    }

    /// How fresh the value is at `now`.
    pub fn freshness(&self, now: i64) -> Freshness {
        if now < self.fresh_until {
            Freshness::Fresh
        } else if now < self.expires_at {
            Freshness::Stale
        } else {
            Freshness::Expired
        }
    }
}

/// How a cached value may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Use it.
    Fresh,
    /// Use it and revalidate in the background.
    Stale,
    /// Revalidate before use; show it only when offline.
    Expired,
}

/// A value read back, with its metadata and freshness at the time of reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<T> {
    pub value: T,
    pub freshness: Freshness,
    pub meta: Meta,
}

/// Why stored bytes were not accepted as a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Corruption {
    /// Not base64 / not CBOR of the envelope's shape / bytes after its end.
    Undecodable {
        detail: String,
    },
    UnknownVersion {
        found: u32,
    },
    ChecksumMismatch {
        stored: u32,
        computed: u32,
    },
    KeyMismatch {
        found: String,
    },
    /// A chunk of a split value is missing.
    MissingChunk {
        index: u32,
        chunks: u32,
    },
    /// The payload is intact but is not a value of the type asked for (the
    /// app's data shape changed).
    PayloadMismatch {
        detail: String,
    },
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Corruption::Undecodable { detail } => write!(f, "cache entry undecodable: {detail}"),
            Corruption::UnknownVersion { found } => write!(
                f,
                "cache entry has schema version {found}, this code reads {SCHEMA_VERSION}"
            ),
            Corruption::ChecksumMismatch { stored, computed } => write!(
                f,
                "cache entry checksum {stored:#010x} does not match its bytes ({computed:#010x})"
            ),
            Corruption::KeyMismatch { found } => {
                write!(f, "cache entry belongs to key {found:?}")
            }
            Corruption::MissingChunk { index, chunks } => {
                write!(f, "cache entry chunk {index} of {chunks} is missing")
            }
            Corruption::PayloadMismatch { detail } => {
                write!(
                    f,
                    "cache entry payload is not of the expected shape: {detail}"
                )
            }
        }
    }
}

impl Coded for Corruption {
    fn code(&self) -> &'static str {
        match self {
            Corruption::Undecodable { .. } => "CACHE_UNDECODABLE",
            Corruption::UnknownVersion { .. } => "CACHE_UNKNOWN_VERSION",
            Corruption::ChecksumMismatch { .. } => "CACHE_CHECKSUM_MISMATCH",
            Corruption::KeyMismatch { .. } => "CACHE_KEY_MISMATCH",
            Corruption::MissingChunk { .. } => "CACHE_MISSING_CHUNK",
            Corruption::PayloadMismatch { .. } => "CACHE_PAYLOAD_MISMATCH",
        }
    }
}

fn to_cbor<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<Vec<u8>, CacheError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| CacheError::Encode {
        key: key.to_owned(),
        detail: e.to_string(),
    })?;
    Ok(out)
}

/// Decode exactly one CBOR item filling all of `bytes`.
fn from_cbor<T: DeserializeOwned>(mut bytes: &[u8]) -> Result<T, String> {
    let value = ciborium::from_reader(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.is_empty() {
        Ok(value)
    } else {
        Err(format!("{} bytes after the end", bytes.len()))
    }
}

/// Seal `value` for `key` into envelope bytes.
pub fn seal<T: Serialize + ?Sized>(
    key: &str,
    value: &T,
    meta: &Meta,
) -> Result<Vec<u8>, CacheError> {
    let body = to_cbor(
        key,
        &Body {
            key: key.to_owned(),
            meta: meta.clone(),
            payload: to_cbor(key, value)?,
        },
    )?;
    let frame = Frame {
        v: SCHEMA_VERSION,
        crc: crc32fast::hash(&body),
        body,
    };
    to_cbor(key, &frame)
}

/// Open envelope bytes stored under `key`, judging freshness at `now`.
pub fn open<T: DeserializeOwned>(
    key: &str,
    bytes: &[u8],
    now: i64,
) -> Result<Entry<T>, Corruption> {
    let undecodable = |detail| Corruption::Undecodable { detail };
    let frame: Frame = from_cbor(bytes).map_err(undecodable)?;
    if frame.v != SCHEMA_VERSION {
        return Err(Corruption::UnknownVersion { found: frame.v });
    }
    let computed = crc32fast::hash(&frame.body);
    if computed != frame.crc {
        return Err(Corruption::ChecksumMismatch {
            stored: frame.crc,
            computed,
        });
    }
    let body: Body = from_cbor(&frame.body).map_err(undecodable)?;
    if body.key != key {
        return Err(Corruption::KeyMismatch { found: body.key });
    }
    let value =
        from_cbor(&body.payload).map_err(|detail| Corruption::PayloadMismatch { detail })?;
    Ok(Entry {
        value,
        freshness: body.meta.freshness(now),
        meta: body.meta,
    })
}

/// [`seal`], as base64 text for string stores.
pub fn seal_text<T: Serialize + ?Sized>(
    key: &str,
    value: &T,
    meta: &Meta,
) -> Result<String, CacheError> {
    Ok(STANDARD.encode(seal(key, value, meta)?))
}

/// [`open`] base64 text written by [`seal_text`].
pub fn open_text<T: DeserializeOwned>(
    key: &str,
    text: &str,
    now: i64,
) -> Result<Entry<T>, Corruption> {
    let bytes = STANDARD.decode(text).map_err(|e| Corruption::Undecodable {
        detail: format!("not base64: {e}"),
    })?;
    open(key, &bytes, now)
}
