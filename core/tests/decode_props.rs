//! The request decoder (`commerce_core::api::decode_json`, behind every
//! runtime's `call_json` and the edge's bodies):
//! - an integer may be written as an integral float (`2.0`, `2.000`,
//!   `2e0`, `0.2e1`): JSON Schema counts those as integers, so a client or a
//!   fuzzer following docs/openapi.json sends them; the request means the
//!   same and gets the same answer (checked on every vector's request);
//! - the request types refuse unknown fields, as docs/api.md says, including
//!   fields on a unit variant (`{"mode":"best","coupon_ids":[..]}`);
//! - a quote request still takes every field of the published storefront,
//!   which the edge fills in for a quote without `catalog`.

use commerce_core::api::{call_json, decode_json, integral_floats_as_integers};
use commerce_core::orders::{CheckoutBody, Storefront};
use commerce_core::pricing::QuoteRequest;
use commerce_core::sync::PushRequest;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::fs;
use std::path::PathBuf;

fn vectors() -> Vec<(String, String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let mut paths: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let vector: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (
                name,
                vector["op"].as_str().unwrap().to_owned(),
                vector["request"].clone(),
            )
        })
        .collect()
}

/// How an integer is written as a float.
#[derive(Debug, Clone, Copy)]
enum Style {
    PointZero,
    PointZeros,
    Exponent,
    Scientific,
}

fn as_float(n: i128, style: Style) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let digits = n.unsigned_abs().to_string();
    match style {
        Style::PointZero => format!("{n}.0"),
        Style::PointZeros => format!("{n}.000"),
        Style::Exponent => format!("{n}e0"),
        // 1150 -> 1.150e3: the digits after the point, the point moved back.
        Style::Scientific => format!(
            "{sign}{}.{}0e{}",
            &digits[..1],
            &digits[1..],
            digits.len() - 1
        ),
    }
}

/// `value` as JSON text with the integers that `pick` chooses written as
/// floats in the style it gives.
fn write(value: &Value, pick: &mut impl FnMut() -> Option<Style>, out: &mut String) {
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            let integer: i128 = n.to_string().parse().unwrap();
            match pick() {
                Some(style) => out.push_str(&as_float(integer, style)),
                None => out.push_str(&n.to_string()),
            }
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, pick, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).unwrap());
                out.push(':');
                write(item, pick, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn answer(op: &str, body: &str) -> Result<String, (String, String)> {
    call_json(op, body).map_err(|e| (e.code, e.message))
}

/// A request that decodes gives the same answer with its integers as floats.
fn same_answer(name: &str, op: &str, request: &Value, pick: &mut impl FnMut() -> Option<Style>) {
    let plain = answer(op, &request.to_string());
    if matches!(&plain, Err((code, _)) if code == "MALFORMED_REQUEST") {
        return;
    }
    let mut floats = String::new();
    write(request, pick, &mut floats);
    assert_eq!(answer(op, &floats), plain, "{name}: {floats}");
}

#[test]
fn every_vector_answers_the_same_with_integers_as_floats() {
    let vectors = vectors();
    assert!(!vectors.is_empty());
    for (name, op, request) in &vectors {
        same_answer(name, op, request, &mut || Some(Style::PointZero));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_integers_in_any_float_style_answer_the_same(
        which in any::<prop::sample::Index>(),
        styles in prop::collection::vec(prop::option::of(prop_oneof![
            Just(Style::PointZero), Just(Style::PointZeros), Just(Style::Exponent), Just(Style::Scientific),
        ]), 1..64),
    ) {
        let vectors = vectors();
        let (name, op, request) = &vectors[which.index(vectors.len())];
        let mut at = 0;
        same_answer(name, op, request, &mut || {
            at += 1;
            styles[at % styles.len()]
        });
    }

    #[test]
    fn an_integral_float_is_its_integer(n in any::<i64>(), style in prop_oneof![
        Just(Style::PointZero), Just(Style::PointZeros), Just(Style::Exponent), Just(Style::Scientific),
    ]) {
        let text = format!("[{}]", as_float(i128::from(n), style));
        prop_assert_eq!(integral_floats_as_integers(&text), Some(format!("[{n}]")));
        prop_assert_eq!(decode_json::<Vec<i64>>(&text).unwrap(), vec![n]);
    }
}

#[test]
fn fractions_strings_and_huge_numbers_are_left_alone() {
    for text in [
        r#"[0.5, 1.25e1, 1e-1, "2.0", "a\"3.0", 1, -7]"#,
        "[1e400]",
        "[100000000000000000000.0]",
        "[01.0]",
    ] {
        let rewritten = integral_floats_as_integers(text);
        assert!(rewritten.is_none(), "{text} -> {rewritten:?}");
    }
    assert_eq!(
        integral_floats_as_integers(r#"{"a":"x\\",  "b":2.0}"#).as_deref(),
        Some(r#"{"a":"x\\",  "b":2}"#)
    );
    assert_eq!(
        integral_floats_as_integers("[1e19, 12.50e1, -0e3, 0.0]").as_deref(),
        Some("[10000000000000000000, 125, 0, 0]")
    );
    // Out of i64 after the rewrite: serde's own error is reported.
    let err = decode_json::<Vec<i64>>("[1e19]").unwrap_err();
    assert_eq!(err.code, "MALFORMED_REQUEST");
    assert!(err.message.contains("invalid"), "{}", err.message);
}

fn refused<T: serde::de::DeserializeOwned>(body: Value) -> String {
    match decode_json::<T>(&body.to_string()) {
        Ok(_) => panic!("accepted {body}"),
        Err(e) => {
            assert_eq!(e.code, "MALFORMED_REQUEST", "{body}");
            e.message
        }
    }
}

#[test]
fn request_types_refuse_unknown_fields() {
    let catalog = json!({"products": []});
    let line = json!({"sku_id": "tea", "quantity": 1});
    let quote = json!({"catalog": catalog, "lines": [line]});
    assert!(decode_json::<QuoteRequest>(&quote.to_string()).is_ok());
    let with = |mut base: Value, pointer: &str, field: &str, value: Value| {
        base.pointer_mut(pointer).unwrap()[field] = value;
        base
    };
    assert!(
        refused::<QuoteRequest>(with(quote.clone(), "", "colour", json!(1))).contains("colour")
    );
    assert!(
        refused::<QuoteRequest>(with(quote.clone(), "/lines/0", "price", json!(1)))
            .contains("price")
    );
    let best = json!({"mode": "best", "coupon_ids": [{}]});
    assert!(
        refused::<QuoteRequest>(with(quote.clone(), "", "coupon_selection", best))
            .contains("coupon_ids")
    );
    let all = json!([{"id": "fr", "scope": {"kind": "all", "ids": ["x"]},
                      "rule": {"kind": "tiered", "tiers": []}}]);
    assert!(
        refused::<QuoteRequest>(with(quote.clone(), "", "full_reductions", all)).contains("ids")
    );

    let checkout = json!({"lines": [line], "expected_payable": 0});
    assert!(decode_json::<CheckoutBody>(&checkout.to_string()).is_ok());
    assert!(
        refused::<CheckoutBody>(with(checkout, "/lines/0", "price", json!(1))).contains("price")
    );

    let push = json!({"mutations": [{"client_id": "c", "id": 1,
                                     "op": {"type": "add", "sku_id": "tea", "quantity": 1}}]});
    assert!(decode_json::<PushRequest>(&push.to_string()).is_ok());
    assert!(refused::<PushRequest>(with(push.clone(), "", "cart", json!([]))).contains("cart"));
    assert!(
        refused::<PushRequest>(with(push.clone(), "/mutations/0", "at", json!(1))).contains("at")
    );
    assert!(refused::<PushRequest>(with(
        push.clone(),
        "/mutations/0/op",
        "colour",
        json!("red")
    ))
    .contains("colour"));
    let select_all = json!({"type": "select_all", "sku_id": "tea"});
    assert!(
        refused::<PushRequest>(with(push, "/mutations/0", "op", select_all)).contains("sku_id")
    );
}

/// serde's derived structs also read an array of their fields in order; a
/// struct whose fields are all optional would take `[]` as its defaults.
/// The request's all-optional objects refuse that, and still take objects.
#[test]
fn all_optional_objects_must_be_objects() {
    let quote = json!({"catalog": {"products": []}, "lines": []});
    for (field, array, object) in [
        ("stacking", json!([null, null]), json!({"max_coupons": 1})),
        ("customer", json!([]), json!({"member_tier": "gold"})),
    ] {
        let mut bad = quote.clone();
        bad[field] = array;
        assert!(
            refused::<QuoteRequest>(bad.clone()).contains("an object"),
            "{field}"
        );
        if field == "stacking" {
            assert!(refused::<Storefront>(bad).contains("an object"));
        }
        let mut good = quote.clone();
        good[field] = object;
        assert!(
            decode_json::<QuoteRequest>(&good.to_string()).is_ok(),
            "{field}"
        );
    }
}

/// A request body is an object: an array of the fields in order (serde's
/// positional form) is refused for every operation.
#[test]
fn an_operation_body_that_is_an_array_is_refused() {
    for op in commerce_core::api::OPERATIONS {
        for body in ["[]", "[null, null]", " [1]"] {
            let error = call_json(op, body).unwrap_err();
            assert_eq!(error.code, "MALFORMED_REQUEST", "{op} {body}");
            assert!(
                error.message.contains("got an array"),
                "{op} {body}: {}",
                error.message
            );
        }
    }
}

#[test]
fn unit_variants_still_encode_as_their_tag_alone() {
    let request: QuoteRequest =
        decode_json(r#"{"catalog":{},"lines":[],"coupon_selection":{"mode":"best"}}"#).unwrap();
    let encoded = serde_json::to_value(&request).unwrap();
    assert_eq!(encoded["coupon_selection"], json!({"mode": "best"}));
}

#[test]
fn a_quote_request_takes_every_storefront_field() {
    // What the edge's quote route does without `catalog`: the storefront's
    // pricing fields fill the request's.
    let Value::Object(storefront) = serde_json::to_value(Storefront::default()).unwrap() else {
        panic!("a storefront is an object")
    };
    let mut request = json!({"lines": [{"sku_id": "tea", "quantity": 1}]});
    for (field, value) in storefront
        .into_iter()
        .filter(|(f, _)| !Storefront::NOT_PRICING.contains(&f.as_str()))
    {
        request[field] = value;
    }
    decode_json::<QuoteRequest>(&request.to_string()).unwrap_or_else(|e| {
        panic!(
            "a Storefront field is not a QuoteRequest field: {}",
            e.message
        )
    });
}
