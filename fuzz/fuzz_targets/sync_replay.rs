//! Cart sync replayed over many rounds: `sync::server_apply` and
//! `sync::client_rebase` driven by a script decoded with `arbitrary` (three
//! devices of one shopper, a catalog of a few SKUs that the server restocks,
//! cart operations with any quantities, partial, repeated and late pushes,
//! responses delivered out of order or twice, logins). Requests and
//! responses cross as JSON, as on the wire.
//!
//! Checks: no panic; what the server sends decodes; a mutation is consumed
//! (applied or rejected) at most once and in id order; the server's version
//! never goes down; and once every device has pushed everything and pulled,
//! every device shows the server's cart (the protocol's convergence).
#![no_main]

use arbitrary::Arbitrary;
use commerce_core::cart::CartOp;
use commerce_core::catalog::{Catalog, CatalogSnapshot};
use commerce_core::sync::{
    client_rebase, server_apply, ClientState, MutationStatus, PushRequest, PushResponse,
    ServerState,
};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const DEVICES: usize = 3;

#[derive(Arbitrary, Debug, Clone)]
struct SkuSpec {
    stock: u8,
    limit: Option<u8>,
    listed: bool,
    price: u16,
}

#[derive(Arbitrary, Debug)]
struct Script {
    skus: Vec<SkuSpec>,
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
enum Step {
    Mutate {
        device: u8,
        op: Op,
    },
    /// Push `take` pending mutations starting at `skip` (all of them by
    /// default; a gap makes the rest out of order).
    Push {
        device: u8,
        skip: u8,
        take: u8,
    },
    /// Send an earlier push again.
    Resend {
        device: u8,
        which: u8,
    },
    /// Deliver a response the device received, maybe an old one.
    Deliver {
        device: u8,
        which: u8,
    },
    /// The server's catalog changes.
    Restock {
        sku: u8,
        spec: SkuSpec,
    },
    /// The device takes the server's current catalog.
    Refresh {
        device: u8,
    },
    Login {
        device: u8,
    },
}

#[derive(Arbitrary, Debug)]
struct Line {
    sku: u8,
    activity: Option<u8>,
}

#[derive(Arbitrary, Debug)]
enum Quantity {
    Small(i8),
    Any(i64),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Add {
        line: Line,
        quantity: Quantity,
        seen_price: Option<u16>,
    },
    SetQuantity {
        line: Line,
        quantity: Quantity,
    },
    Remove {
        line: Line,
    },
    Select {
        line: Line,
    },
    Unselect {
        line: Line,
    },
    SelectAll,
    UnselectAll,
    ClearInvalid,
    MergeGuest {
        lines: Vec<(Line, Quantity, bool)>,
    },
}

fn quantity(q: &Quantity) -> i64 {
    match q {
        Quantity::Small(n) => i64::from(*n),
        Quantity::Any(n) => *n,
    }
}

/// `{"sku_id", "activity_id"?}`; one SKU index past the catalog is unknown.
fn line(line: &Line, skus: usize) -> serde_json::Map<String, Value> {
    let mut key = serde_json::Map::new();
    key.insert(
        "sku_id".into(),
        json!(format!("s{}", usize::from(line.sku) % (skus + 1))),
    );
    if let Some(activity) = line.activity {
        key.insert("activity_id".into(), json!(format!("a{}", activity % 2)));
    }
    key
}

fn op(op: &Op, skus: usize) -> Option<CartOp> {
    let with = |kind: &str, line: &Line, extra: Value| {
        let mut object = self::line(line, skus);
        object.insert("type".into(), json!(kind));
        if let Value::Object(extra) = extra {
            object.extend(extra);
        }
        Value::Object(object)
    };
    let value = match op {
        Op::Add {
            line,
            quantity: q,
            seen_price,
        } => {
            let mut extra = json!({ "quantity": quantity(q) });
            if let Some(price) = seen_price {
                extra["seen_price"] = json!(price);
            }
            with("add", line, extra)
        }
        Op::SetQuantity { line, quantity: q } => {
            with("set_quantity", line, json!({ "quantity": quantity(q) }))
        }
        Op::Remove { line } => with("remove", line, json!({})),
        Op::Select { line } => with("select", line, json!({})),
        Op::Unselect { line } => with("unselect", line, json!({})),
        Op::SelectAll => json!({ "type": "select_all" }),
        Op::UnselectAll => json!({ "type": "unselect_all" }),
        Op::ClearInvalid => json!({ "type": "clear_invalid" }),
        Op::MergeGuest { lines } => {
            let lines: Vec<Value> = lines
                .iter()
                .take(8)
                .map(|(l, q, selected)| {
                    let mut object = line(l, skus);
                    object.insert("quantity".into(), json!(quantity(q)));
                    object.insert("selected".into(), json!(selected));
                    Value::Object(object)
                })
                .collect();
            json!({ "type": "merge_guest", "lines": lines })
        }
    };
    serde_json::from_value(value).ok()
}

fn snapshot(skus: &[SkuSpec]) -> CatalogSnapshot {
    let skus: Vec<Value> = skus
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut sku = json!({
                "id": format!("s{i}"),
                "list_price": s.price,
                "stock": s.stock,
                "listed": s.listed,
            });
            if let Some(limit) = s.limit {
                sku["purchase_limit"] = json!(limit);
            }
            sku
        })
        .collect();
    serde_json::from_value(json!({
        "version": "v",
        "products": [{"id": "p", "name": "P", "shop_id": "s", "category_id": "c", "skus": skus}],
    }))
    .expect("a catalog of small numbers decodes")
}

/// Through JSON, as on the wire: what one side sends, the other decodes.
fn wire<T: Serialize + DeserializeOwned>(value: &T) -> T {
    let text = serde_json::to_string(value).expect("encodes");
    match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(e) => panic!("{text} does not decode: {e}"),
    }
}

struct Device {
    state: ClientState,
    catalog: CatalogSnapshot,
    sent: Vec<PushRequest>,
    received: Vec<PushResponse>,
}

struct Server {
    state: ServerState,
    catalog: CatalogSnapshot,
    /// The last id consumed per client, as the results tell it.
    consumed: BTreeMap<String, u64>,
}

impl Server {
    fn apply(&mut self, push: &PushRequest) -> PushResponse {
        let catalog = Catalog::new(&self.catalog).expect("valid catalog");
        let before = self.state.version;
        let (state, response) = server_apply(self.state.clone(), &wire(push), &catalog);
        assert!(state.version >= before, "version went down");
        for result in &response.results {
            if matches!(
                result.status,
                MutationStatus::Applied | MutationStatus::Rejected
            ) {
                let last = self.consumed.entry(result.client_id.clone()).or_insert(0);
                assert_eq!(
                    result.id,
                    *last + 1,
                    "{} consumed {} after {}",
                    result.client_id,
                    result.id,
                    last
                );
                *last = result.id;
            }
        }
        assert_eq!(state.last_mutation_ids, self.consumed);
        self.state = state;
        wire(&response)
    }
}

fn rebase(device: &mut Device, response: &PushResponse) {
    let catalog = Catalog::new(&device.catalog).expect("valid catalog");
    device.state = client_rebase(device.state.clone(), response, &catalog).0;
}

fn push(server: &mut Server, device: &mut Device, request: PushRequest) {
    let response = server.apply(&request);
    device.sent.push(request);
    device.received.push(response);
    if device.sent.len() > 8 {
        device.sent.remove(0);
    }
    if device.received.len() > 8 {
        device.received.remove(0);
    }
}

fuzz_target!(|script: Script| {
    let mut skus: Vec<SkuSpec> = script.skus.into_iter().take(4).collect();
    if skus.is_empty() {
        return;
    }
    let mut server = Server {
        state: ServerState::default(),
        catalog: snapshot(&skus),
        consumed: BTreeMap::new(),
    };
    let mut devices: Vec<Device> = (0..DEVICES)
        .map(|i| Device {
            state: ClientState::new(format!("d{i}")),
            catalog: server.catalog.clone(),
            sent: Vec::new(),
            received: Vec::new(),
        })
        .collect();
    let mut logins = 0;
    for step in script.steps.iter().take(64) {
        match step {
            Step::Mutate { device, op: o } => {
                let d = &mut devices[usize::from(*device) % DEVICES];
                if let Some(o) = op(o, skus.len()) {
                    let catalog = Catalog::new(&d.catalog).expect("valid catalog");
                    if let Ok((state, _)) = d.state.clone().mutate(&o, &catalog) {
                        d.state = state;
                    }
                }
            }
            Step::Push { device, skip, take } => {
                let d = &mut devices[usize::from(*device) % DEVICES];
                let take = if *take == 0 {
                    usize::MAX
                } else {
                    usize::from(*take)
                };
                let mutations = d
                    .state
                    .pending
                    .iter()
                    .skip(usize::from(*skip % 4))
                    .take(take)
                    .cloned()
                    .collect();
                push(&mut server, d, PushRequest { mutations });
            }
            Step::Resend { device, which } => {
                let d = &mut devices[usize::from(*device) % DEVICES];
                if !d.sent.is_empty() {
                    let request = d.sent[usize::from(*which) % d.sent.len()].clone();
                    push(&mut server, d, request);
                }
            }
            Step::Deliver { device, which } => {
                let d = &mut devices[usize::from(*device) % DEVICES];
                if !d.received.is_empty() {
                    let response = d.received[usize::from(*which) % d.received.len()].clone();
                    rebase(d, &response);
                }
            }
            Step::Restock { sku, spec } => {
                let n = skus.len();
                skus[usize::from(*sku) % n] = spec.clone();
                server.catalog = snapshot(&skus);
            }
            Step::Refresh { device } => {
                let d = &mut devices[usize::from(*device) % DEVICES];
                d.catalog = server.catalog.clone();
                let catalog = Catalog::new(&d.catalog).expect("valid catalog");
                d.state = d.state.clone().replay(&catalog).0;
            }
            Step::Login { device } => {
                let d = &mut devices[usize::from(*device) % DEVICES];
                logins += 1;
                d.state = d.state.clone().login(format!("u{logins}"));
            }
        }
    }
    // Settle: every device takes the server's catalog, pushes everything
    // and takes the answer; then every device pulls.
    for d in &mut devices {
        d.catalog = server.catalog.clone();
        let request = d.state.push();
        let response = server.apply(&request);
        rebase(d, &response);
        assert!(
            d.state.pending.is_empty(),
            "{} still has {:?} after pushing everything",
            d.state.client_id,
            d.state.pending
        );
    }
    for d in &mut devices {
        let response = server.apply(&PushRequest::default());
        rebase(d, &response);
    }
    for d in &devices {
        assert_eq!(
            d.state.cart, server.state.cart,
            "{} does not show the server's cart",
            d.state.client_id
        );
    }
});
