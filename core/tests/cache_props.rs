//! Properties of the offline cache: corrupt bytes are never returned, chunked
//! values round-trip (also across a restart), the storage never holds more
//! than the budget, and a refused write leaves the cache consistent.

use commerce_core::cache::envelope::{open, open_text, seal};
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

#[test]
fn every_single_byte_flip_of_an_envelope_is_rejected() {
    let value = ("catalog", vec![1u32, 200, 70_000], Some(-5i64));
    let bytes = seal("k", &value, &meta("v1")).unwrap();
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bad = bytes.clone();
            bad[i] ^= mask;
            let opened = open::<(String, Vec<u32>, Option<i64>)>("k", &bad, NOW);
            assert!(opened.is_err(), "flip {mask:#x} at {i} accepted");
        }
    }
    let good = open::<(String, Vec<u32>, Option<i64>)>("k", &bytes, NOW).unwrap();
    assert_eq!(good.value.2, Some(-5));
    assert_eq!(good.freshness, Freshness::Fresh);
}

#[test]
fn an_envelope_of_another_schema_version_is_reported_as_such() {
    let bytes = seal("k", &7u8, &meta("v1")).unwrap();
    // The frame is the CBOR map {"v": 1, "crc": .., "body": ..}: text "v" is
    // 0x61 0x76, then the unsigned 1. A future writer's version 2 is not
    // covered by the checksum (it covers the body), so only the version
    // check can refuse it.
    let at = bytes
        .windows(3)
        .position(|w| w == [0x61, b'v', 0x01])
        .expect("version field");
    let mut future = bytes.clone();
    future[at + 2] = 0x02;
    let error = open::<u8>("k", &future, NOW).unwrap_err();
    assert_eq!(error.code(), "CACHE_UNKNOWN_VERSION");
    assert!(error.to_string().contains('2'), "{error}");
    assert_eq!(open::<u8>("k", &bytes, NOW).unwrap().value, 7);
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
    fn any_flipped_byte_is_rejected(
        payload in proptest::collection::vec(any::<u8>(), 0..300),
        pick in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let bytes = seal("key", &payload, &meta("etag")).unwrap();
        let mut bad = bytes.clone();
        let i = pick.index(bad.len());
        bad[i] ^= mask;
        prop_assert!(open::<Vec<u8>>("key", &bad, NOW).is_err());
        prop_assert_eq!(open::<Vec<u8>>("key", &bytes, NOW).unwrap().value, payload);
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
