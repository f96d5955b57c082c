//! `docs/openapi.json`'s `components.schemas`, generated from the contract
//! types (schemars, which reads the same serde attributes the decoder obeys:
//! `deny_unknown_fields` is `additionalProperties: false`, a `default` field
//! is not required, a tagged enum is a `oneOf`, doc comments are the
//! descriptions). The paths stay hand-written and `$ref` these components.
//!
//! - `cargo test -p commerce-core --features schema --test openapi_schemas`
//!   fails when the file's generated components differ from the types'.
//! - `UPDATE_OPENAPI=1` (same command) rewrites them in place (review the
//!   diff).
//!
//! A type that is both decoded and encoded is described twice when the two
//! differ (a `default` field may be left out of a request but is always in an
//! answer): `X` as encoded and `XInput` as decoded. Request bodies `$ref` the
//! decoded form (`QuoteRequest`, `StorefrontInput`), responses the encoded one.
//!
//! Integers carry their real bounds: an `i64` is `i64::MIN..=i64::MAX`, a
//! `u64` `0..=u64::MAX`, `Money` ±(2^53 - 1), so a schema-valid number always
//! decodes and a fuzzer's 1e30 is out of the schema as it is out of serde's
//! range.

#![cfg(feature = "schema")]

use commerce_core::api::operation_schemas;
use commerce_core::error::ErrorBody;
use commerce_core::lbs::contract::StoreList;
use commerce_core::lbs::StoreSnapshot;
use commerce_core::orders::{
    CheckoutBody, LedgerEntry, OrderView, RefundLine, RefundRecord, StockChange, Storefront,
    WalletView,
};
use commerce_core::pricing::{Customer, Quote, QuoteRequest};
use commerce_core::sync::{PushRequest, PushResponse};
use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Components written by hand in docs/openapi.json: the edge's own bodies
/// (`commerce_core::edge_api`, not yet deriving `JsonSchema`) and the 409 of
/// checkout, which the edge builds from an error and a quote.
const HAND_WRITTEN: &[&str] = &[
    "CheckoutConflict",
    "Etag",
    "Health",
    "Me",
    "OrderPage",
    "PaymentParams",
    "RefundResult",
    "Session",
];

const REF_PREFIX: &str = "#/components/schemas/";

fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

fn generator(contract: Contract) -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
            s.contract = contract;
        })
        .into_generator()
}

/// Named schemas of what the edge decodes (route bodies and every core
/// operation's request) and of what it encodes (answers and every core
/// operation's response).
fn definitions() -> (Map<String, Value>, Map<String, Value>) {
    let mut decoded = generator(Contract::Deserialize);
    let mut encoded = generator(Contract::Serialize);
    fn add<T: JsonSchema>(generator: &mut SchemaGenerator) {
        generator.subschema_for::<T>();
    }
    add::<QuoteRequest>(&mut decoded);
    add::<CheckoutBody>(&mut decoded);
    add::<PushRequest>(&mut decoded);
    add::<Storefront>(&mut decoded);
    add::<StoreSnapshot>(&mut decoded);
    add::<RefundLine>(&mut decoded);
    add::<StockChange>(&mut decoded);
    add::<ErrorBody>(&mut encoded);
    add::<Quote>(&mut encoded);
    add::<OrderView>(&mut encoded);
    add::<RefundRecord>(&mut encoded);
    add::<WalletView>(&mut encoded);
    add::<PushResponse>(&mut encoded);
    add::<StoreList>(&mut encoded);
    add::<Storefront>(&mut encoded);
    add::<StoreSnapshot>(&mut encoded);
    add::<Customer>(&mut encoded);
    add::<LedgerEntry>(&mut encoded);
    operation_schemas(&mut decoded, &mut encoded);
    (
        decoded.take_definitions(true),
        encoded.take_definitions(true),
    )
}

/// Every `$ref` to a component in `renamed` pointed at its `Input` name.
fn rename_refs(value: &mut Value, renamed: &BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), &v) {
                    ("$ref", Value::String(target)) => {
                        if let Some(name) = target.strip_prefix(REF_PREFIX) {
                            if renamed.contains(name) {
                                *v = Value::String(format!("{REF_PREFIX}{name}Input"));
                            }
                        }
                    }
                    _ => rename_refs(v, renamed),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, renamed)),
        _ => {}
    }
}

/// The JSON range of each integer format schemars names; the `format`
/// itself goes (OpenAPI tools and ajv's strict mode know none of them).
fn integer_range(format: &str) -> Option<(Value, Value)> {
    Some(match format {
        "int64" => (json!(i64::MIN), json!(i64::MAX)),
        "int32" => (json!(i32::MIN), json!(i32::MAX)),
        "uint64" => (json!(0), json!(u64::MAX)),
        "uint32" => (json!(0), json!(u32::MAX)),
        "uint" => (json!(0), json!(usize::MAX)),
        "int" => (json!(isize::MIN), json!(isize::MAX)),
        _ => return None,
    })
}

/// Bounds on every integer, formats dropped, rustdoc links as plain code.
fn finish(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(format)) = map.get("format") {
                let bounds: Vec<(String, Value)> = integer_range(format)
                    .map(|(min, max)| vec![("minimum", min), ("maximum", max)])
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(key, _)| !map.contains_key(*key))
                    .map(|(key, value)| (key.to_owned(), value))
                    .collect();
                // Rebuilt so that the bounds take the format's place.
                *map = std::mem::take(map)
                    .into_iter()
                    .flat_map(|(key, value)| match key.as_str() {
                        "format" => bounds.clone(),
                        _ => vec![(key, value)],
                    })
                    .collect();
            }
            if let Some(Value::String(text)) = map.get_mut("description") {
                *text = text.replace("[`", "`").replace("`]", "`");
            }
            map.values_mut().for_each(finish);
        }
        Value::Array(items) => items.iter_mut().for_each(finish),
        _ => {}
    }
}

/// The generated components, by name.
fn generated() -> BTreeMap<String, Value> {
    let (mut decoded, encoded) = definitions();
    // Described twice: what differs between decoding and encoding, and
    // (until nothing changes) what refers to something that does.
    let mut renamed = BTreeSet::new();
    loop {
        let mut renamed_decoded = Value::Object(decoded.clone());
        rename_refs(&mut renamed_decoded, &renamed);
        let Value::Object(candidate) = renamed_decoded else {
            unreachable!()
        };
        let differing: Vec<String> = candidate
            .iter()
            .filter(|(name, schema)| {
                !renamed.contains(*name) && encoded.get(*name).is_some_and(|e| e != *schema)
            })
            .map(|(name, _)| name.clone())
            .collect();
        if differing.is_empty() {
            decoded = candidate;
            break;
        }
        renamed.extend(differing);
    }
    let mut out: BTreeMap<String, Value> = encoded.into_iter().collect();
    for (name, schema) in decoded {
        let name = if renamed.contains(&name) {
            format!("{name}Input")
        } else {
            name
        };
        out.insert(name, schema);
    }
    // `POST /v1/quote` without `catalog` prices against the published
    // storefront, whose fields the edge fills in: core's request, catalog
    // optional.
    let mut published = out["QuoteRequest"].clone();
    if let Some(Value::Array(required)) = published.get_mut("required") {
        required.retain(|r| r != "catalog");
    }
    published["description"] = json!(
        "`POST /v1/quote`: core's `QuoteRequest`; without `catalog` the published storefront's catalog and rules fill every field left out (its `coupons` never: send the wallet's)."
    );
    out.insert("StorefrontQuoteRequest".into(), published);
    for schema in out.values_mut() {
        finish(schema);
    }
    out
}

fn refs(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.insert(target.clone());
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[test]
fn components_are_generated_from_the_contract_types() {
    let path = spec_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut spec: Value = serde_json::from_str(&text).unwrap();
    let generated = generated();
    let current = spec["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for name in HAND_WRITTEN {
        assert!(
            current.contains_key(*name),
            "hand-written component {name} is missing"
        );
        assert!(
            !generated.contains_key(*name),
            "{name} is generated now: drop it from HAND_WRITTEN"
        );
    }
    let mut expected = Map::new();
    for (name, schema) in &generated {
        expected.insert(name.clone(), schema.clone());
    }
    for name in HAND_WRITTEN {
        expected.insert((*name).to_owned(), current[*name].clone());
    }
    let mut sorted: Vec<(String, Value)> = expected.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let expected: Map<String, Value> = sorted.into_iter().collect();

    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        spec["components"]["schemas"] = Value::Object(expected);
        let out = serde_json::to_string_pretty(&spec).unwrap() + "\n";
        if out != text {
            std::fs::write(&path, out).unwrap();
            eprintln!("rewrote {}", path.display());
        }
        return;
    }
    let stale: Vec<&String> = current
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    let differ: Vec<&String> = expected
        .keys()
        .filter(|k| current.get(*k) != expected.get(*k))
        .collect();
    assert!(
        stale.is_empty() && differ.is_empty(),
        "docs/openapi.json components are not what the contract types generate:\n  \
         stale (neither generated nor hand-written): {stale:?}\n  differ or missing: {differ:?}\n\
         Regenerate on purpose: UPDATE_OPENAPI=1 cargo test -p commerce-core --features schema --test openapi_schemas"
    );
}

#[test]
fn every_ref_resolves_to_a_component() {
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(spec_path()).unwrap()).unwrap();
    let mut found = BTreeSet::new();
    refs(&spec, &mut found);
    let missing: Vec<&String> = found
        .iter()
        .filter(|target| {
            let pointer = target.strip_prefix('#').unwrap_or(target);
            spec.pointer(pointer).is_none()
        })
        .collect();
    assert!(missing.is_empty(), "unresolved $refs: {missing:?}");
}

#[test]
fn the_ops_route_lists_every_operation() {
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(spec_path()).unwrap()).unwrap();
    let op = spec["paths"]["/v1/ops/{op}"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "op"))
        .and_then(|p| p["schema"]["enum"].as_array().cloned())
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect::<BTreeSet<_>>()
        });
    let operations = commerce_core::api::OPERATIONS
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    assert_eq!(op, Some(operations));
}
