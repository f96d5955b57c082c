//! Properties of the offline cache: corrupt bytes are never returned, chunked
//! values round-trip (also across a restart), the storage never holds more
//! than the budget, and a refused write leaves the cache consistent.

use commerce_core::cache::envelope::{open, open_text, seal, seal_text};
use commerce_core::cache::{
    Cache, CacheConfig, CacheError, Freshness, Lookup, MemoryStorage, Meta, Storage,
};
use commerce_core::error::Coded;
use proptest::prelude::*;
use std::collections::BTreeMap;

const NOW: i64 = 1_763_800_000_000;

fn meta(etag: &str) -> Meta {
    Meta::new(NOW, 60_000, 600_000, Some(etag.to_owned()))
}

fn config(chunk_chars: usize, budget_bytes: usize) -> CacheConfig {
    CacheConfig {
        prefix: "c:".to_owned(),
        chunk_chars,
        budget_bytes,
    }
}

fn read(cache: &mut Cache<MemoryStorage>, key: &str) -> Lookup<Vec<u8>> {
    cache
        .get::<Vec<u8>>(key, NOW)
        .expect("memory storage does not fail reads")
}

/// Every key under the prefix belongs to the cache's index, and every entry
/// reads back.
fn assert_consistent(cache: &mut Cache<MemoryStorage>) {
    let keys: Vec<String> = cache.keys().map(str::to_owned).collect();
    for key in keys {
        assert!(
            matches!(read(cache, &key), Lookup::Hit(_)),
            "entry {key} unreadable"
        );
    }
}

/// What a host hands back after damage to the bytes of a stored string:
/// bytes that stopped being UTF-8 read as U+FFFD, as a JS string would.
fn host_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn flip(text: &str, at: usize, mask: u8) -> String {
    let mut bytes = text.as_bytes().to_vec();
    bytes[at] ^= mask;
    host_text(bytes)
}

type Value = (String, Vec<u32>, Option<i64>);

#[test]
fn every_bit_flip_of_an_envelope_is_rejected() {
    let value = ("catalog".to_owned(), vec![1u32, 200, 70_000], Some(-5i64));
    let bytes = seal("k", &value, &meta("v1")).unwrap();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut bad = bytes.clone();
            bad[i] ^= 1 << bit;
            let opened = open::<Value>("k", &bad, NOW);
            assert!(opened.is_err(), "bit {bit} of byte {i} flipped, accepted");
        }
    }
    let text = seal_text("k", &value, &meta("v1")).unwrap();
    for i in 0..text.len() {
        for bit in 0..8 {
            let opened = open_text::<Value>("k", &flip(&text, i, 1 << bit), NOW);
            assert!(
                opened.is_err(),
                "bit {bit} of character {i} flipped, accepted"
            );
        }
    }
    let good = open::<Value>("k", &bytes, NOW).unwrap();
    assert_eq!(good.value, value);
    assert_eq!(good.freshness, Freshness::Fresh);
}

/// Base64 decoding is canonical, so no character of a sealed text (padding
/// included) can be changed without the change being detected.
#[test]
fn every_changed_character_of_a_sealed_text_is_rejected() {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= ";
    for payload in [vec![], vec![1u8], vec![1, 2], vec![1, 2, 3]] {
        let text = seal_text("k", &payload, &meta("e")).unwrap();
        for i in 0..text.len() {
            for &c in ALPHABET.iter().filter(|&&c| c != text.as_bytes()[i]) {
                let mut bad = text.clone().into_bytes();
                bad[i] = c;
                let bad = host_text(bad);
                assert!(
                    open_text::<Vec<u8>>("k", &bad, NOW).is_err(),
                    "{bad} accepted for {text}"
                );
            }
        }
    }
}

#[test]
fn an_envelope_of_another_schema_version_is_reported_as_such() {
    let bytes = seal("k", &7u8, &meta("v1")).unwrap();
    // The frame starts with the CBOR map entry "v": text "v" is 0x61 0x76,
    // then the unsigned 2. The version is read before the checksum is
    // checked, so a future writer's version 3 is reported as a version.
    let at = bytes
        .windows(3)
        .position(|w| w == [0x61, b'v', 0x02])
        .expect("version field");
    let mut future = bytes.clone();
    future[at + 2] = 0x03;
    let error = open::<u8>("k", &future, NOW).unwrap_err();
    assert_eq!(error.code(), "CACHE_UNKNOWN_VERSION");
    assert!(error.to_string().contains('3'), "{error}");
    assert_eq!(open::<u8>("k", &bytes, NOW).unwrap().value, 7);
}

/// Written by schema version 1 (its CRC covered only the body):
/// `seal_text("k", &7u8, &meta("v1"))`.
const V1_ENVELOPE: &str = "o2F2AWNjcmMadNSyVmRib2R5WFyjY2tleWFrZG1ldGGkamNyZWF0ZWRfYXQbAAABmqqsJgBrZnJlc2hfdW50aWwbAAABmqqtEGBqZXhwaXJlc19hdBsAAAGaqrY4IGRldGFnYnYxZ3BheWxvYWRBBw==";

/// Written by schema version 1: a cache (prefix `c:`, chunks of 40
/// characters) holding `vec![7u8; 20]` under `k`.
const V1_STORAGE: [(&str, &str); 6] = [
    ("c:#index", "o2F2AWNjcmMalNhXemRib2R5WI6jY2tleWhjOiNpbmRleGRtZXRhpGpjcmVhdGVkX2F0AGtmcmVzaF91bnRpbBt//////////2pleHBpcmVzX2F0G3//////////ZGV0YWf2Z3BheWxvYWRYNaJkdGljawFnZW50cmllc6Fha6RqZ2VuZXJhdGlvbgFmY2h1bmtzBWVieXRlcxjTZHVzZWQB"),
    ("c:k#1.0", "o2F2AWNjcmMasoHCoWRib2R5WHCjY2tleWFrZG1l"),
    ("c:k#1.1", "dGGkamNyZWF0ZWRfYXQbAAABmqqsJgBrZnJlc2hf"),
    ("c:k#1.2", "dW50aWwbAAABmqqtEGBqZXhwaXJlc19hdBsAAAGa"),
    ("c:k#1.3", "qrY4IGRldGFnYnYxZ3BheWxvYWRVlAcHBwcHBwcH"),
    ("c:k#1.4", "BwcHBwcHBwcHBwcH"),
];

#[test]
fn entries_of_schema_version_1_are_reported_and_dropped_never_misread() {
    let error = open_text::<u8>("k", V1_ENVELOPE, NOW).unwrap_err();
    assert_eq!(error.code(), "CACHE_UNKNOWN_VERSION");
    assert_eq!(
        error.to_string(),
        "cache entry has schema version 1, this code reads 2"
    );

    let mut storage = MemoryStorage::new();
    for (key, value) in V1_STORAGE {
        storage.set(key, value).unwrap();
    }
    let (mut cache, dropped) = Cache::open(storage, config(40, 1 << 20)).unwrap();
    let dropped: Vec<(&str, &str)> = dropped
        .iter()
        .map(|d| (d.key.as_str(), d.reason.code()))
        .collect();
    assert_eq!(dropped, [("c:#index", "CACHE_UNKNOWN_VERSION")]);
    assert!(matches!(read(&mut cache, "k"), Lookup::Miss));
    let storage = cache.into_storage();
    assert_eq!(storage.keys().unwrap(), ["c:#index"]);
    let (mut cache, dropped) = Cache::open(storage, config(40, 1 << 20)).unwrap();
    assert!(dropped.is_empty());
    cache.put("k", &vec![8u8; 20], meta("v2")).unwrap();
    match read(&mut cache, "k") {
        Lookup::Hit(entry) => assert_eq!(entry.value, vec![8u8; 20]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn freshness_follows_the_clock_argument() {
    let mut cache = Cache::open(MemoryStorage::new(), config(100, 1 << 20))
        .unwrap()
        .0;
    cache.put("k", &1u8, Meta::new(NOW, 10, 20, None)).unwrap();
    let at = |cache: &mut Cache<MemoryStorage>, now| match cache.get::<u8>("k", now).unwrap() {
        Lookup::Hit(e) => e.freshness,
        other => panic!("{other:?}"),
    };
    assert_eq!(at(&mut cache, NOW + 9), Freshness::Fresh);
    assert_eq!(at(&mut cache, NOW + 10), Freshness::Stale);
    assert_eq!(at(&mut cache, NOW + 30), Freshness::Expired);
}

#[test]
fn a_corrupt_chunk_is_dropped_and_reported() {
    let mut cache = Cache::open(MemoryStorage::new(), config(16, 1 << 20))
        .unwrap()
        .0;
    cache.put("k", &vec![7u8; 100], meta("a")).unwrap();
    let mut storage = cache.into_storage();
    let chunk = storage
        .keys()
        .unwrap()
        .into_iter()
        .find(|k| k.ends_with(".2"))
        .unwrap();
    let text = storage.get(&chunk).unwrap().unwrap();
    let flipped: String = text.chars().rev().collect();
    storage.set(&chunk, &flipped).unwrap();
    let (mut cache, dropped) = Cache::open(storage, config(16, 1 << 20)).unwrap();
    assert!(dropped.is_empty());
    assert!(matches!(read(&mut cache, "k"), Lookup::Dropped(_)));
    assert!(matches!(read(&mut cache, "k"), Lookup::Miss));
    assert_eq!(cache.into_storage().keys().unwrap(), vec!["c:#index"]);
}

const INDEX_KEY: &str = "c:#index";

/// A storage holding two chunked entries, `k` and `one`.
fn two_entries(chunk_chars: usize, payload: &[u8]) -> (MemoryStorage, BTreeMap<String, Vec<u8>>) {
    let values = BTreeMap::from([
        ("k".to_owned(), payload.to_vec()),
        ("one".to_owned(), vec![9u8]),
    ]);
    let mut cache = Cache::open(MemoryStorage::new(), config(chunk_chars, 1 << 20))
        .unwrap()
        .0;
    for (key, value) in &values {
        cache.put(key, value, meta(key)).unwrap();
    }
    (cache.into_storage(), values)
}

/// The entry a storage key belongs to; `None` for the manifest.
fn owner(storage_key: &str) -> Option<&str> {
    let name = storage_key.strip_prefix("c:")?;
    name.rfind('#')
        .and_then(|at| name.get(..at))
        .filter(|n| !n.is_empty())
}

/// Reopen `storage` after the value of `damaged` (a storage key) was damaged,
/// and check that the damage is reported and nothing else is lost: damage to
/// the manifest is reported by `open` and every entry reads as a miss; damage
/// to a chunk is reported by the read of its entry, which then reads as a
/// miss, and the other entries read back exactly. Returns the code reported.
fn assert_damage_reported(
    storage: MemoryStorage,
    damaged: &str,
    values: &BTreeMap<String, Vec<u8>>,
    chunk_chars: usize,
) -> Result<&'static str, TestCaseError> {
    let (mut cache, dropped) = Cache::open(storage, config(chunk_chars, 1 << 20)).unwrap();
    let code = match owner(damaged) {
        None => {
            prop_assert_eq!(dropped.len(), 1, "{:?}", dropped);
            prop_assert_eq!(dropped[0].key.as_str(), INDEX_KEY);
            for key in values.keys() {
                prop_assert!(matches!(read(&mut cache, key), Lookup::Miss));
            }
            let storage = cache.into_storage();
            prop_assert_eq!(storage.keys().unwrap(), [INDEX_KEY]);
            dropped[0].reason.code()
        }
        Some(entry) => {
            prop_assert!(dropped.is_empty(), "{:?}", dropped);
            let code = match read(&mut cache, entry) {
                Lookup::Dropped(reason) => reason.code(),
                other => return Err(TestCaseError::fail(format!("{damaged}: {other:?}"))),
            };
            for (key, value) in values {
                match read(&mut cache, key) {
                    Lookup::Miss => prop_assert_eq!(key, entry),
                    Lookup::Hit(hit) => prop_assert_eq!(&hit.value, value),
                    other => prop_assert!(false, "{}: {:?}", key, other),
                }
            }
            code
        }
    };
    Ok(code)
}

#[test]
fn every_bit_flip_of_every_stored_string_is_reported() {
    let (storage, values) = two_entries(64, &(0u8..100).collect::<Vec<u8>>());
    let keys = storage.keys().unwrap();
    assert_eq!(
        keys.iter().filter(|k| owner(k) == Some("k")).count(),
        6,
        "{keys:?}"
    );
    let mut codes = BTreeMap::new();
    for key in &keys {
        let text = storage.get(key).unwrap().unwrap();
        for at in 0..text.len() {
            for bit in 0..8 {
                let mut bad = storage.clone();
                bad.set(key, &flip(&text, at, 1 << bit)).unwrap();
                let code = assert_damage_reported(bad, key, &values, 64)
                    .unwrap_or_else(|e| panic!("bit {bit} of byte {at} of {key}: {e}"));
                *codes.entry(code).or_insert(0) += 1;
            }
        }
    }
    // Most flips change a base64 digit into another: checksum. Others make
    // a character that is not base64 (undecodable), a byte that is not UTF-8
    // (the host's U+FFFD lengthens the chunk), or hit the version number.
    assert_eq!(
        codes.keys().copied().collect::<Vec<_>>(),
        [
            "CACHE_CHECKSUM_MISMATCH",
            "CACHE_CHUNK_LENGTH",
            "CACHE_UNDECODABLE",
            "CACHE_UNKNOWN_VERSION"
        ],
        "{codes:?}"
    );
}

#[test]
fn a_damaged_key_makes_its_value_unreachable_never_another() {
    let (storage, values) = two_entries(64, &(0u8..100).collect::<Vec<u8>>());
    for key in storage.keys().unwrap() {
        let text = storage.get(&key).unwrap().unwrap();
        for at in 0..key.len() {
            for bit in 0..8 {
                let renamed = flip(&key, at, 1 << bit);
                let mut bad = storage.clone();
                bad.remove(&key).unwrap();
                bad.set(&renamed, &text).unwrap();
                let (mut cache, dropped) = Cache::open(bad, config(64, 1 << 20)).unwrap();
                assert!(dropped.is_empty(), "{dropped:?}");
                for (entry, value) in &values {
                    match read(&mut cache, entry) {
                        Lookup::Hit(hit) => {
                            assert!(
                                owner(&key).is_some_and(|o| o != entry),
                                "{key} -> {renamed}"
                            );
                            assert_eq!(&hit.value, value);
                        }
                        Lookup::Dropped(reason) => {
                            assert_eq!(owner(&key), Some(entry.as_str()), "{key} -> {renamed}");
                            // Missing, or renamed over a sibling chunk.
                            let code = reason.code();
                            assert!(
                                ["CACHE_MISSING_CHUNK", "CACHE_CHUNK_LENGTH"].contains(&code),
                                "{key} -> {renamed}: {reason}"
                            );
                        }
                        Lookup::Miss => assert_eq!(owner(&key), None, "{key} -> {renamed}"),
                    }
                }
            }
        }
    }
}

#[test]
fn a_chunk_of_another_length_is_reported_even_if_the_text_adds_up() {
    let (mut storage, values) = two_entries(64, &(0u8..100).collect::<Vec<u8>>());
    let chunk = |i: usize| {
        storage
            .keys()
            .unwrap()
            .into_iter()
            .find(|k| owner(k) == Some("k") && k.ends_with(&format!(".{i}")))
            .unwrap()
    };
    let (first, second) = (chunk(0), chunk(1));
    let (mut a, mut b) = (
        storage.get(&first).unwrap().unwrap(),
        storage.get(&second).unwrap().unwrap(),
    );
    a.push(b.remove(0));
    storage.set(&first, &a).unwrap();
    storage.set(&second, &b).unwrap();
    let (mut cache, _) = Cache::open(storage, config(64, 1 << 20)).unwrap();
    match read(&mut cache, "k") {
        Lookup::Dropped(reason) => {
            assert_eq!(reason.code(), "CACHE_CHUNK_LENGTH");
            assert_eq!(
                reason.to_string(),
                "cache entry chunk 0 of 6 holds 65 characters, the manifest recorded 64"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(read(&mut cache, "one"), Lookup::Hit(e) if e.value == values["one"]));
}

#[test]
fn a_value_over_the_budget_is_refused_and_changes_nothing() {
    let mut cache = Cache::open(MemoryStorage::new(), config(1000, 2000))
        .unwrap()
        .0;
    cache.put("small", &vec![1u8; 10], meta("a")).unwrap();
    let err = cache.put("big", &vec![1u8; 5000], meta("b")).unwrap_err();
    assert!(
        matches!(err, CacheError::TooLarge { budget: 2000, .. }),
        "{err}"
    );
    assert!(matches!(read(&mut cache, "small"), Lookup::Hit(_)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_damage_within_4_bytes_is_rejected(
        payload in proptest::collection::vec(any::<u8>(), 0..300),
        pick in any::<prop::sample::Index>(),
        mask in 1u32..,
    ) {
        let bytes = seal("key", &payload, &meta("etag")).unwrap();
        let mut bad = bytes.clone();
        let at = pick.index(bad.len());
        for (byte, m) in bad[at..].iter_mut().zip(mask.to_be_bytes()) {
            *byte ^= m;
        }
        prop_assume!(bad != bytes);
        prop_assert!(open::<Vec<u8>>("key", &bad, NOW).is_err());
        prop_assert_eq!(open::<Vec<u8>>("key", &bytes, NOW).unwrap().value, payload);
    }

    #[test]
    fn any_damage_within_4_bytes_of_any_stored_string_is_reported(
        payload in proptest::collection::vec(any::<u8>(), 0..600),
        chunk_chars in 1usize..200,
        which in any::<prop::sample::Index>(),
        pick in any::<prop::sample::Index>(),
        mask in 1u32..,
    ) {
        let (mut storage, values) = two_entries(chunk_chars, &payload);
        let keys = storage.keys().unwrap();
        let key = which.get(&keys);
        let text = storage.get(key).unwrap().unwrap();
        let mut bad = text.clone().into_bytes();
        let at = pick.index(bad.len());
        for (byte, m) in bad[at..].iter_mut().zip(mask.to_be_bytes()) {
            *byte ^= m;
        }
        let bad = host_text(bad);
        prop_assume!(bad != text);
        storage.set(key, &bad).unwrap();
        assert_damage_reported(storage, key, &values, chunk_chars)?;
    }

    #[test]
    fn garbage_never_panics_and_is_never_a_value(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        text in ".{0,200}",
    ) {
        prop_assert!(open::<Vec<u8>>("key", &bytes, NOW).is_err());
        prop_assert!(open_text::<Vec<u8>>("key", &text, NOW).is_err());
        let mut storage = MemoryStorage::new();
        storage.set("c:#index", &text).unwrap();
        storage.set("c:k#1.0", &text).unwrap();
        let (mut cache, _) = Cache::open(storage, config(100, 1 << 20)).unwrap();
        prop_assert!(matches!(read(&mut cache, "k"), Lookup::Miss));
    }

    #[test]
    fn chunked_values_round_trip_across_restarts(
        payload in proptest::collection::vec(any::<u8>(), 0..3000),
        chunk_chars in 1usize..400,
    ) {
        let cfg = config(chunk_chars, 1 << 20);
        let mut cache = Cache::open(MemoryStorage::new(), cfg.clone()).unwrap().0;
        cache.put("v", &payload, meta("e")).unwrap();
        cache.put("v", &payload, meta("e2")).unwrap();
        let (mut cache, dropped) = Cache::open(cache.into_storage(), cfg).unwrap();
        prop_assert!(dropped.is_empty());
        match read(&mut cache, "v") {
            Lookup::Hit(entry) => {
                prop_assert_eq!(entry.value, payload);
                prop_assert_eq!(entry.meta.etag.as_deref(), Some("e2"));
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn the_cache_never_exceeds_its_budget_and_stays_consistent(
        ops in proptest::collection::vec((0u8..6, 0usize..1500, any::<bool>()), 1..40),
        budget in 1500usize..6000,
        chunk_chars in 50usize..600,
        quota in proptest::option::of(800usize..5000),
    ) {
        let storage = match quota {
            Some(total) => MemoryStorage::with_limits(usize::MAX, total),
            None => MemoryStorage::new(),
        };
        let mut cache = Cache::open(storage, config(chunk_chars, budget)).unwrap().0;
        let mut model: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (n, (key, len, read_it)) in ops.into_iter().enumerate() {
            let key = format!("k{key}");
            if read_it {
                match read(&mut cache, &key) {
                    Lookup::Hit(e) => prop_assert_eq!(Some(&e.value), model.get(&key)),
                    Lookup::Miss => {}
                    Lookup::Dropped(reason) => prop_assert!(false, "dropped {}", reason),
                }
            } else {
                let value = vec![n as u8; len];
                match cache.put(&key, &value, meta("e")) {
                    Ok(()) => {
                        model.insert(key, value);
                    }
                    Err(CacheError::TooLarge { .. } | CacheError::Storage(_)) => {}
                    Err(e) => prop_assert!(false, "{}", e),
                }
            }
            prop_assert!(cache.used_bytes() <= budget);
        }
        let (mut cache, dropped) = Cache::open(cache.into_storage(), config(chunk_chars, budget)).unwrap();
        prop_assert!(dropped.is_empty());
        assert_consistent(&mut cache);
        let keys: Vec<String> = cache.keys().map(str::to_owned).collect();
        for key in keys {
            match read(&mut cache, &key) {
                Lookup::Hit(e) => prop_assert_eq!(Some(&e.value), model.get(&key)),
                other => prop_assert!(false, "{:?}", other),
            }
        }
        let storage = cache.into_storage();
        prop_assert!(storage.high_water() <= budget, "high water {} > budget {}", storage.high_water(), budget);
    }
}
