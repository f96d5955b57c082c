//! `cache::envelope::open` / `open_text` on arbitrary input. The first byte
//! picks how the rest is read:
//! - 0: envelope bytes as they are;
//! - 1: envelope text (base64), as UTF-8 with U+FFFD for what is not;
//! - 2, 3: the CBOR frame without its trailer: the harness appends the right
//!   CRC-32, so the frame and payload decoders behind the checksum are
//!   reached (random bytes would almost never pass it).
//!
//! Each input is opened as the types the shells store (bytes, text, JSON
//! values, a catalog snapshot, a client state). Checks: no panic; whatever
//! opens, sealed again, opens to the same value.
#![no_main]

use commerce_core::cache::envelope::{open, open_text, seal};
use commerce_core::catalog::CatalogSnapshot;
use commerce_core::sync::ClientState;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// The key the seeds are sealed under (`examples/seeds.rs`).
const KEY: &str = "catalog";
const NOW: i64 = 1_763_800_000_000;

fn check<T: DeserializeOwned + Serialize + PartialEq + Debug>(bytes: &[u8]) {
    if let Ok(entry) = open::<T>(KEY, bytes, NOW) {
        let again = seal(KEY, &entry.value, &entry.meta).expect("an opened value seals");
        let reopened = open::<T>(KEY, &again, NOW).expect("a sealed value opens");
        assert_eq!(reopened.value, entry.value);
        assert_eq!(reopened.meta, entry.meta);
    }
}

fn check_all(bytes: &[u8]) {
    check::<Vec<u8>>(bytes);
    check::<String>(bytes);
    check::<Option<i64>>(bytes);
    check::<serde_json::Value>(bytes);
    check::<CatalogSnapshot>(bytes);
    check::<ClientState>(bytes);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => check_all(rest),
        1 => {
            let text = String::from_utf8_lossy(rest);
            let _ = open_text::<Vec<u8>>(KEY, &text, NOW);
            let _ = open_text::<CatalogSnapshot>(KEY, &text, NOW);
        }
        _ => {
            let mut bytes = rest.to_vec();
            bytes.extend_from_slice(&crc32fast::hash(rest).to_be_bytes());
            check_all(&bytes);
        }
    }
});
