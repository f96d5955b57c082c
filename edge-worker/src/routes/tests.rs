//! The route table against itself and against `docs/openapi.json`: every
//! documented operation is a row and every row is documented, with the
//! security its guard implies.

use super::{Guard, Table, ROUTES};
use std::collections::BTreeSet;

fn spec() -> serde_json::Value {
    serde_json::from_str(include_str!("../../../docs/openapi.json")).expect("docs/openapi.json")
}

/// `/v1/orders/:id` as OpenAPI writes it, `/v1/orders/{id}`.
fn openapi_path(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|part| match part.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_pattern_is_routable_and_each_path_has_one_guard() {
    let table = Table::build();
    for route in ROUTES {
        let matched = table.router.at(route.pattern).expect(route.pattern);
        let path = &table.paths[*matched.value];
        assert!(
            path.rows.iter().all(|r| r.guard == route.guard),
            "{}: one guard per path",
            route.pattern
        );
        assert_eq!(
            path.rows
                .iter()
                .filter(|r| r.method == route.method)
                .count(),
            1,
            "{} {}",
            route.method,
            route.pattern
        );
    }
}

#[test]
fn the_spec_documents_exactly_the_route_table() {
    let spec = spec();
    let documented: BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|k| ["get", "put", "post", "delete", "patch"].contains(&k.as_str()))
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), openapi_path(r.pattern)))
        .collect();
    assert_eq!(documented, routed);
}

#[test]
fn the_spec_states_each_guard_as_its_security() {
    let spec = spec();
    for route in ROUTES {
        let op = &spec["paths"][openapi_path(route.pattern)][route.method.to_lowercase()];
        let security = op.get("security").unwrap_or(&spec["security"]);
        let schemes: BTreeSet<String> = security
            .as_array()
            .expect("security")
            .iter()
            .flat_map(|req| req.as_object().expect("requirement").keys().cloned())
            .collect();
        let optional = security.as_array().is_some_and(|a| {
            a.iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
        });
        let label = format!("{} {}", route.method, route.pattern);
        match route.guard {
            Guard::Public => assert!(
                schemes.is_empty() || optional,
                "{label}: public, documented {schemes:?}"
            ),
            Guard::User | Guard::DevUser => assert!(
                schemes.contains("bearer") && !optional,
                "{label}: needs a session, documented {schemes:?}"
            ),
            Guard::MaybeUser => assert!(
                schemes.contains("bearer") && optional,
                "{label}: optional session, documented {schemes:?}"
            ),
            Guard::Admin => assert!(
                schemes.contains("adminToken"),
                "{label}: admin, documented {schemes:?}"
            ),
            Guard::Staff => assert!(
                schemes.contains("staffToken") && !optional,
                "{label}: staff, documented {schemes:?}"
            ),
        }
    }
}
