//! Offline cache benchmarks: CBOR vs JSON for a 5,000-SKU catalog snapshot
//! (size, encode, decode), and reading a 3 MB value that the cache had to
//! split into 1 MB chunks. Sizes are printed before the timings.
//!
//! `cargo bench -p commerce-core --bench cache`

use commerce_core::cache::{Cache, CacheConfig, Lookup, MemoryStorage, Meta, Storage};
use commerce_core::catalog::{CatalogSnapshot, Product, Sku};
use commerce_core::money::Money;
use criterion::{criterion_group, criterion_main, Criterion};
use serde_bytes::ByteBuf;
use std::collections::BTreeMap;
use std::hint::black_box;

const NOW: i64 = 1_763_800_000_000;

/// 2,500 products of 2 SKUs each, with specs and member prices; the same
/// every run (a linear congruential sequence drives the numbers).
fn catalog_5000_skus() -> CatalogSnapshot {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |m: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % m
    };
    let products = (0..2_500)
        .map(|p| Product {
            id: format!("p{p:05}"),
            name: format!("Product {p} 商品"),
            shop_id: format!("shop-{}", p % 7),
            category_id: format!("cat-{}", next(40)),
            skus: ["M", "L"]
                .iter()
                .map(|size| {
                    let price = 100 + i64::try_from(next(50_000)).unwrap_or(0);
                    Sku {
                        id: format!("p{p:05}-{size}"),
                        spec: BTreeMap::from([
                            ("size".to_owned(), (*size).to_owned()),
                            ("colour".to_owned(), format!("c{}", next(12))),
                        ]),
                        list_price: Money::fen(price),
                        tier_prices: BTreeMap::from([(
                            "gold".to_owned(),
                            Money::fen(price * 9 / 10),
                        )]),
                        stock: i64::try_from(next(500)).unwrap_or(0),
                        purchase_limit: (next(4) == 0).then_some(5),
                        listed: next(20) != 0,
                    }
                })
                .collect(),
            coupons_allowed: true,
            points_allowed: next(3) != 0,
            listed: true,
        })
        .collect();
    CatalogSnapshot {
        version: "bench-1".to_owned(),
        products,
    }
}

fn cbor(snapshot: &CatalogSnapshot) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(snapshot, &mut out).unwrap();
    out
}

fn formats(c: &mut Criterion) {
    let snapshot = catalog_5000_skus();
    let as_cbor = cbor(&snapshot);
    let as_json = serde_json::to_vec(&snapshot).unwrap();
    let sealed = commerce_core::cache::envelope::seal_text(
        "catalog",
        &snapshot,
        &Meta::new(NOW, 60_000, 600_000, None),
    )
    .unwrap();
    println!(
        "5,000-SKU catalog: CBOR {} bytes, JSON {} bytes (CBOR/JSON {:.2}); sealed envelope as base64 {} chars",
        as_cbor.len(),
        as_json.len(),
        as_cbor.len() as f64 / as_json.len() as f64,
        sealed.len()
    );
    let mut group = c.benchmark_group("catalog_5000_skus");
    group.bench_function("cbor_encode", |b| b.iter(|| cbor(black_box(&snapshot))));
    group.bench_function("json_encode", |b| {
        b.iter(|| serde_json::to_vec(black_box(&snapshot)).unwrap())
    });
    group.bench_function("cbor_decode", |b| {
        b.iter(|| ciborium::from_reader::<CatalogSnapshot, _>(black_box(&as_cbor[..])).unwrap())
    });
    group.bench_function("json_decode", |b| {
        b.iter(|| serde_json::from_slice::<CatalogSnapshot>(black_box(&as_json)).unwrap())
    });
    group.finish();
}

fn chunked_read(c: &mut Criterion) {
    let blob = ByteBuf::from(
        (0..3_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect::<Vec<u8>>(),
    );
    let (mut cache, _) = Cache::open(MemoryStorage::new(), CacheConfig::default()).unwrap();
    cache
        .put("blob", &blob, Meta::new(NOW, 60_000, 600_000, None))
        .unwrap();
    let used = cache.used_bytes();
    let storage = cache.into_storage();
    println!(
        "3 MB value: cache holds {used} bytes in {} storage keys (chunks of at most {} chars, plus the index)",
        storage.keys().unwrap().len(),
        CacheConfig::default().chunk_chars
    );
    // Read after a restart, as the mini-program does.
    let (mut cache, _) = Cache::open(storage, CacheConfig::default()).unwrap();
    c.bench_function("cache_get_chunked_3mb", |b| {
        b.iter(
            || match cache.get::<ByteBuf>(black_box("blob"), NOW).unwrap() {
                Lookup::Hit(entry) => entry.value.len(),
                other => panic!("{other:?}"),
            },
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = formats, chunked_read
}
criterion_main!(benches);
