//! The versioned, checksummed envelope every cached value travels in.
//!
//! Layout of schema version 2: the CBOR map `{"v": 2, "key": text, "meta":
//! {"created_at", "fresh_until", "expires_at", "etag"}, "payload": bytes}`
//! (`payload` is the CBOR of the value), then a 4-byte trailer: the CRC-32
//! (IEEE), big-endian, of every byte before it. Text form: padded standard
//! base64 of those bytes.
//!
//! What every schema version keeps, so that a reader can always tell an
//! unknown version from damage: the bytes start with a CBOR map whose first
//! entry is `"v": unsigned`. Version 1 (`{"v": 1, "crc", "body"}`, the CRC
//! over the body only) is therefore [`Corruption::UnknownVersion`] here:
//! dropped and refetched, never misread.
//!
//! Invariants: [`open`] returns a value only if the version is
//! [`SCHEMA_VERSION`], the trailer is the CRC-32 of all the bytes before it,
//! those bytes are exactly one CBOR frame, the key is the one asked for and
//! the payload decodes as the asked type; anything else is a [`Corruption`],
//! never a panic. The checksum covers every byte of the envelope but its own
//! four, and a change to those is a mismatch too. CRC-32 detects every error
//! confined to 32 consecutive bits, so every flipped bit, every changed byte
//! and every damaged run of up to 4 bytes is reported, wherever it is (a hit
//! on the version number reads as another version, or as undecodable; the
//! version is read first so that it can be reported); longer damage passes
//! with probability 2^-32. The text form adds no blind spot: [`open_text`]
//! accepts only canonical base64 (padding as written, unused bits zero, no
//! whitespace), so no two texts decode to the same bytes and a changed
//! character is either refused or a changed byte. No damage is ever
//! accepted as harmless: there is no padding or ignored field whose change
//! leaves the value intact.

use super::CacheError;
use crate::error::Coded;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The envelope schema this code writes and reads.
pub const SCHEMA_VERSION: u32 = 2;

/// Bytes of the CRC-32 trailer.
const CRC_LEN: usize = 4;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Frame {
    /// First, as in every version: see [`version`].
    v: u32,
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
    /// A chunk of a split value is not as long as the manifest recorded
    /// (characters).
    ChunkLength {
        index: u32,
        chunks: u32,
        found: usize,
        expected: usize,
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
            Corruption::ChunkLength {
                index,
                chunks,
                found,
                expected,
            } => write!(
                f,
                "cache entry chunk {index} of {chunks} holds {found} characters, \
                 the manifest recorded {expected}"
            ),
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
            Corruption::ChunkLength { .. } => "CACHE_CHUNK_LENGTH",
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
    let frame = Frame {
        v: SCHEMA_VERSION,
        key: key.to_owned(),
        meta: meta.clone(),
        payload: to_cbor(key, value)?,
    };
    let mut bytes = to_cbor(key, &frame)?;
    let crc = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&crc.to_be_bytes());
    Ok(bytes)
}

/// The head of a CBOR item of `major` type with a definite argument: the
/// argument and the bytes after the head.
fn head(bytes: &[u8], major: u8) -> Option<(u64, &[u8])> {
    let (&initial, rest) = bytes.split_first()?;
    if initial >> 5 != major {
        return None;
    }
    let len = match initial & 0x1f {
        n @ 0..=23 => return Some((u64::from(n), rest)),
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        _ => return None,
    };
    let (argument, rest) = rest.split_at_checked(len)?;
    let argument = argument
        .iter()
        .fold(0u64, |n, &byte| n << 8 | u64::from(byte));
    Some((argument, rest))
}

/// The schema version at the start of `bytes`, which every version writes
/// the same way: a CBOR map (major type 5) whose first key is the text `"v"`
/// and whose first value is an unsigned integer.
fn version(bytes: &[u8]) -> Result<u32, Corruption> {
    let found = head(bytes, 5)
        .and_then(|(_, rest)| head(rest, 3).filter(|&(len, _)| len == 1))
        .and_then(|(_, rest)| rest.strip_prefix(b"v"))
        .and_then(|rest| head(rest, 0))
        .map(|(v, _)| v);
    let detail = match found {
        Some(v) => match u32::try_from(v) {
            Ok(v) => return Ok(v),
            Err(_) => format!("schema version {v} is out of range"),
        },
        None => "does not start with a schema version".to_owned(),
    };
    Err(Corruption::Undecodable { detail })
}

/// Open envelope bytes stored under `key`, judging freshness at `now`.
pub fn open<T: DeserializeOwned>(
    key: &str,
    bytes: &[u8],
    now: i64,
) -> Result<Entry<T>, Corruption> {
    let found = version(bytes)?;
    if found != SCHEMA_VERSION {
        return Err(Corruption::UnknownVersion { found });
    }
    let (framed, trailer) =
        bytes
            .split_last_chunk::<CRC_LEN>()
            .ok_or_else(|| Corruption::Undecodable {
                detail: format!("{} bytes leave no room for the checksum", bytes.len()),
            })?;
    let stored = u32::from_be_bytes(*trailer);
    let computed = crc32fast::hash(framed);
    if computed != stored {
        return Err(Corruption::ChecksumMismatch { stored, computed });
    }
    let frame: Frame = from_cbor(framed).map_err(|detail| Corruption::Undecodable { detail })?;
    if frame.key != key {
        return Err(Corruption::KeyMismatch { found: frame.key });
    }
    let value =
        from_cbor(&frame.payload).map_err(|detail| Corruption::PayloadMismatch { detail })?;
    Ok(Entry {
        value,
        freshness: frame.meta.freshness(now),
        meta: frame.meta,
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
