//! The offline cache's read path over damaged or forged storage: chunked
//! entries, the manifest, and the client state and catalog of a real
//! `Client` on top.
//!
//! Two kinds of input (`arbitrary`):
//! - `Damaged`: edits (bit flips, truncations, insertions, copies, renames,
//!   removals, new keys) to the storage of a real client whose state and
//!   catalog are split into several chunks;
//! - `Forged`: a manifest that passes its checksum (sealed by the harness,
//!   in the manifest's serde shape) listing slots, consistent with their
//!   chunks or not, over chunks cut from sealed values, plus arbitrary keys.
//!
//! Checks: no panic; opening never fails on a storage that cannot fail; a
//! value read is exactly the value written under that key; after any damage
//! the cache stays within its budget and a new value round-trips.
#![no_main]

use arbitrary::Arbitrary;
use commerce_core::cache::envelope::seal_text;
use commerce_core::cache::{Cache, CacheConfig, Lookup, MemoryStorage, Meta, Storage};
use commerce_core::cart::{CartOp, LineKey};
use commerce_core::catalog::CatalogSnapshot;
use commerce_core::client::{Client, ClientConfig, CATALOG_KEY, STATE_KEY};
use commerce_core::sync::ClientState;
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::OnceLock;

const NOW: i64 = 1_763_800_000_000;
const CHUNK_CHARS: usize = 48;
const BUDGET: usize = 1 << 16;

#[derive(Arbitrary, Debug)]
enum Input {
    Damaged(Vec<Damage>),
    Forged(Forged),
}

/// One edit of the stored strings; `key` picks a present key (in order).
#[derive(Arbitrary, Debug)]
enum Damage {
    Flip { key: u8, at: u16, mask: u8 },
    Truncate { key: u8, len: u16 },
    Insert { key: u8, at: u16, text: String },
    Copy { from: u8, to: u8 },
    Rename { key: u8, to: String },
    Remove { key: u8 },
    Set { key: String, value: String },
}

#[derive(Arbitrary, Debug)]
struct Forged {
    tick: u64,
    slots: Vec<(String, FakeSlot, Vec<u8>)>,
    junk: Vec<(String, String)>,
}

/// The manifest's entry (`Slot` in `core/src/cache/mod.rs`), field for field.
#[derive(Arbitrary, Debug, Clone, Serialize)]
struct FakeSlot {
    generation: u64,
    chunks: u32,
    chunk_chars: u16,
    bytes: u32,
    used: u64,
    /// Not a field: replace chunks, chunk_chars and bytes by the true ones.
    #[serde(skip)]
    consistent: bool,
}

#[derive(Serialize)]
struct FakeIndex {
    tick: u64,
    entries: BTreeMap<String, FakeSlot>,
}

/// A real client's storage, and what it wrote.
struct Written {
    storage: MemoryStorage,
    state: ClientState,
    catalog: CatalogSnapshot,
}

fn config() -> ClientConfig {
    let mut config = ClientConfig::default();
    config.cache.chunk_chars = CHUNK_CHARS;
    config.state.chunk_chars = CHUNK_CHARS;
    config
}

fn written() -> &'static Written {
    static WRITTEN: OnceLock<Written> = OnceLock::new();
    WRITTEN.get_or_init(|| {
        let catalog: CatalogSnapshot = serde_json::from_str(
            r#"{"version":"v1","products":[
              {"id":"p","name":"Tea","shop_id":"s","category_id":"c",
               "skus":[{"id":"tea","list_price":1800,"stock":9,"purchase_limit":5},
                       {"id":"bun","list_price":350,"stock":0}]}]}"#,
        )
        .expect("catalog");
        let storage = Rc::new(RefCell::new(MemoryStorage::new()));
        let (mut client, _) =
            Client::open(storage.clone(), "phone", config(), NOW).expect("client");
        client
            .put_catalog(catalog.clone(), Meta::new(NOW, 60_000, 600_000, None))
            .expect("catalog put");
        for sku in ["tea", "bun"] {
            let add = CartOp::Add {
                line: LineKey::sku(sku),
                quantity: 2,
                seen_price: None,
            };
            let _ = client.mutate(&add);
        }
        let state = client.state().clone();
        drop(client);
        let storage = storage.borrow().clone();
        Written {
            storage,
            state,
            catalog,
        }
    })
}

fn host_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn nth_key(storage: &MemoryStorage, pick: u8) -> Option<String> {
    let keys = storage.keys().ok()?;
    let n = keys.len();
    (n > 0).then(|| keys[usize::from(pick) % n].clone())
}

fn damage(storage: &mut MemoryStorage, edit: &Damage) {
    let value = |s: &MemoryStorage, k: &str| s.get(k).ok().flatten().unwrap_or_default();
    match edit {
        Damage::Flip { key, at, mask } => {
            if let Some(k) = nth_key(storage, *key) {
                let mut bytes = value(storage, &k).into_bytes();
                if !bytes.is_empty() {
                    let i = usize::from(*at) % bytes.len();
                    bytes[i] ^= mask;
                }
                let _ = storage.set(&k, &host_text(bytes));
            }
        }
        Damage::Truncate { key, len } => {
            if let Some(k) = nth_key(storage, *key) {
                let mut bytes = value(storage, &k).into_bytes();
                bytes.truncate(usize::from(*len));
                let _ = storage.set(&k, &host_text(bytes));
            }
        }
        Damage::Insert { key, at, text } => {
            if let Some(k) = nth_key(storage, *key) {
                let mut bytes = value(storage, &k).into_bytes();
                let i = usize::from(*at) % (bytes.len() + 1);
                bytes.splice(i..i, text.bytes());
                let _ = storage.set(&k, &host_text(bytes));
            }
        }
        Damage::Copy { from, to } => {
            if let (Some(from), Some(to)) = (nth_key(storage, *from), nth_key(storage, *to)) {
                let text = value(storage, &from);
                let _ = storage.set(&to, &text);
            }
        }
        Damage::Rename { key, to } => {
            if let Some(k) = nth_key(storage, *key) {
                let text = value(storage, &k);
                let _ = storage.remove(&k);
                let _ = storage.set(to, &text);
            }
        }
        Damage::Remove { key } => {
            if let Some(k) = nth_key(storage, *key) {
                let _ = storage.remove(&k);
            }
        }
        Damage::Set { key, value } => {
            let _ = storage.set(key, value);
        }
    }
}

/// A value read under `key` is the one written there; the cache stays within
/// budget and takes a new value.
fn check_cache<T>(storage: &MemoryStorage, config: CacheConfig, key: &str, written: &T)
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let budget = config.budget_bytes;
    let (mut cache, _) = Cache::open(storage.clone(), config).expect("memory storage never fails");
    assert!(cache.used_bytes() <= budget);
    if let Lookup::Hit(entry) = cache.get::<T>(key, NOW).expect("read") {
        assert_eq!(&entry.value, written, "{key} read back another value");
    }
    let fresh = vec![7u8; 100];
    cache
        .put("fresh", &fresh, Meta::new(NOW, 1, 1, None))
        .expect("a small value fits");
    match cache.get::<Vec<u8>>("fresh", NOW).expect("read") {
        Lookup::Hit(entry) => assert_eq!(entry.value, fresh),
        other => panic!("a new value reads back as {other:?}"),
    }
    assert!(cache.used_bytes() <= budget);
}

fn damaged(edits: &[Damage]) {
    let written = written();
    let mut storage = written.storage.clone();
    for edit in edits.iter().take(16) {
        damage(&mut storage, edit);
    }
    let config = config();
    check_cache(
        &storage,
        config.cache.clone(),
        CATALOG_KEY,
        &written.catalog,
    );
    check_cache(&storage, config.state.clone(), STATE_KEY, &written.state);
    let shared = Rc::new(RefCell::new(storage));
    let (client, _) =
        Client::open(shared, "fresh", config, NOW).expect("memory storage never fails");
    let state = client.state();
    if state.client_id == written.state.client_id {
        assert_eq!(state.pending, written.state.pending);
        assert_eq!(state.server_cart, written.state.server_cart);
    } else {
        assert_eq!(state.client_id, "fresh");
        assert!(state.pending.is_empty());
    }
    let _ = client.view();
    let _ = client.quote();
}

fn forged(input: &Forged) {
    let config = CacheConfig {
        prefix: "c:".to_owned(),
        chunk_chars: CHUNK_CHARS,
        budget_bytes: BUDGET,
    };
    let mut storage = MemoryStorage::new();
    let mut entries = BTreeMap::new();
    let mut payloads = BTreeMap::new();
    let meta = Meta::new(NOW, 60_000, 600_000, None);
    for (name, slot, payload) in input.slots.iter().take(8) {
        let mut slot = slot.clone();
        let Ok(text) = seal_text(name, payload, &meta) else {
            continue;
        };
        let chunk_chars = usize::from(slot.chunk_chars.max(1));
        let pieces: Vec<&[u8]> = text.as_bytes().chunks(chunk_chars).collect();
        let keys: Vec<String> = (0..pieces.len())
            .map(|j| format!("c:{name}#{}.{j}", slot.generation))
            .collect();
        if slot.consistent {
            slot.chunks = u32::try_from(pieces.len()).unwrap_or(u32::MAX);
            slot.chunk_chars = u16::try_from(chunk_chars).unwrap_or(u16::MAX);
            let bytes = keys.iter().map(String::len).sum::<usize>() + text.len();
            slot.bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        }
        for (key, piece) in keys.iter().zip(pieces) {
            let _ = storage.set(key, &String::from_utf8_lossy(piece));
        }
        entries.insert(name.clone(), slot);
        payloads.insert(name.clone(), payload.clone());
    }
    let index = FakeIndex {
        tick: input.tick,
        entries,
    };
    let index_meta = Meta {
        created_at: 0,
        fresh_until: i64::MAX,
        expires_at: i64::MAX,
        etag: None,
    };
    if let Ok(text) = seal_text("c:#index", &index, &index_meta) {
        let _ = storage.set("c:#index", &text);
    }
    for (key, value) in input.junk.iter().take(8) {
        let _ = storage.set(key, value);
    }
    let (mut cache, _) = Cache::open(storage, config).expect("memory storage never fails");
    assert!(cache.used_bytes() <= BUDGET);
    for (name, payload) in &payloads {
        if let Lookup::Hit(entry) = cache.get::<Vec<u8>>(name, NOW).expect("read") {
            assert_eq!(&entry.value, payload, "{name} read back another value");
        }
    }
    let fresh = vec![7u8; 100];
    cache
        .put("fresh", &fresh, meta)
        .expect("a small value fits");
    assert!(matches!(cache.get::<Vec<u8>>("fresh", NOW), Ok(Lookup::Hit(e)) if e.value == fresh));
    assert!(cache.used_bytes() <= BUDGET);
}

fuzz_target!(|input: Input| {
    match input {
        Input::Damaged(edits) => damaged(&edits),
        Input::Forged(forged_input) => forged(&forged_input),
    }
});
