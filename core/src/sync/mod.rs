//! Cart sync: a mutation log pushed from clients to an authoritative server
//! cart, in the style of Replicache's push and rebase. The wire shapes here
//! are the shared contract; `docs/sync.md` documents them for other clients.
//!
//! **Rule.** Every cart operation a client performs becomes a [`Mutation`]
//! `{client_id, id, op}` with ids `1, 2, 3, ...` per client. The client applies
//! it at once (optimistically) and keeps it pending. A push sends the pending
//! mutations; the server ([`server_apply`]) applies mutation `id` of a client
//! only if it is exactly `last_mutation_ids[client] + 1`: smaller ids are
//! duplicates (skipped, so a repeated push is a no-op), larger ids are out of
//! order (left for a later push). A mutation the cart refuses (say, setting
//! the quantity of a line another device removed) is still consumed, with
//! its error in the result, so one bad mutation never blocks the queue. Like
//! the client, the server checks the cart against its own catalog after each
//! mutation ([`Cart::step`]), so batching never changes the result. It answers
//! with the authoritative cart, the warnings and the last id consumed per
//! client; the client ([`client_rebase`]) drops the mutations the server has
//! consumed and replays the rest on the server's cart.
//!
//! ```
//! use commerce_core::cart::{CartOp, LineKey};
//! use commerce_core::catalog::{Catalog, CatalogSnapshot};
//! use commerce_core::sync::{client_rebase, server_apply, ClientState, ServerState};
//! let snapshot: CatalogSnapshot = serde_json::from_str(r#"{"products":[{
//!   "id":"p","name":"Tea","shop_id":"s","category_id":"c",
//!   "skus":[{"id":"tea","list_price":1800,"stock":9}]}]}"#).unwrap();
//! let catalog = Catalog::new(&snapshot).unwrap();
//! let add = CartOp::Add { line: LineKey::sku("tea"), quantity: 2, seen_price: None };
//! let (client, _) = ClientState::new("phone").mutate(&add, &catalog).unwrap();
//! let push = client.push();
//! let (server, response) = server_apply(ServerState::default(), &push, &catalog);
//! // The response was lost; the client pushes again: nothing is doubled.
//! let (server, response) = server_apply(server, &push, &catalog);
//! let (client, _) = client_rebase(client, &response, &catalog);
//! assert_eq!(server.cart.lines[0].quantity, 2);
//! assert_eq!(client.cart, server.cart);
//! assert!(client.pending.is_empty());
//! ```
//!
//! Invariants:
//! - each mutation changes the server cart at most once, whatever is pushed
//!   again, late or out of order;
//! - the server never waits on a client: every push returns a full answer;
//! - a client's cart is always the server's last cart with its pending
//!   mutations replayed and checked against the client's catalog;
//! - once every mutation is consumed, a client's cart equals the server's,
//!   however the pushes were split into rounds.

use crate::cart::{Cart, CartError, CartOp, Warning};
use crate::catalog::{Catalog, CatalogSnapshot};
use crate::error::{ApiError, ErrorDetail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One cart operation by one client, numbered `1, 2, 3, ...` per client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    pub client_id: String,
    pub id: u64,
    pub op: CartOp,
}

/// `POST /v1/cart/sync` body: the client's pending mutations, oldest first.
/// An empty list is a pull.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    #[serde(default)]
    pub mutations: Vec<Mutation>,
}

/// What the server keeps per cart (per user): the cart, the last mutation id
/// consumed per client, and a version that grows whenever either changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServerState {
    #[serde(default)]
    pub cart: Cart,
    #[serde(default)]
    pub last_mutation_ids: BTreeMap<String, u64>,
    #[serde(default)]
    pub version: u64,
}

/// What became of one pushed mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MutationStatus {
    /// Applied to the cart now.
    Applied,
    /// Consumed now but refused by the cart; see `error`.
    Rejected,
    /// Consumed by an earlier push; skipped.
    Duplicate,
    /// A gap before it (an earlier id is missing); push it again later.
    OutOfOrder,
}

/// The result of one pushed mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MutationResult {
    pub client_id: String,
    pub id: u64,
    pub status: MutationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// The server's answer to a push: the authoritative cart, checked against
/// the server's catalog; every warning the server's checks raised during the
/// push (each once, in order); and the last mutation id consumed per client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushResponse {
    pub cart: Cart,
    pub warnings: Vec<Warning>,
    pub last_mutation_ids: BTreeMap<String, u64>,
    pub version: u64,
    pub results: Vec<MutationResult>,
}

/// Server side of a push: check the stored cart against the server's catalog
/// (it may have changed), then step through each new mutation exactly once,
/// in the order pushed ([`Cart::step`]: apply, check). Pure: the caller
/// persists the returned state (atomically with answering) and sends the
/// response.
pub fn server_apply(
    state: ServerState,
    push: &PushRequest,
    catalog: &Catalog<'_>,
) -> (ServerState, PushResponse) {
    let ServerState {
        mut cart,
        mut last_mutation_ids,
        version,
    } = state;
    let before = (cart.clone(), last_mutation_ids.clone());
    let mut warnings = Vec::new();
    cart.recheck(catalog, &mut warnings);
    let results = push
        .mutations
        .iter()
        .map(|m| {
            let last = last_mutation_ids.get(&m.client_id).copied().unwrap_or(0);
            let (status, error) = if m.id <= last {
                (MutationStatus::Duplicate, None)
            } else if m.id != last.saturating_add(1) {
                (MutationStatus::OutOfOrder, None)
            } else {
                last_mutation_ids.insert(m.client_id.clone(), m.id);
                match cart.step(&m.op, catalog, &mut warnings) {
                    Ok(()) => (MutationStatus::Applied, None),
                    Err(e) => (
                        MutationStatus::Rejected,
                        Some(ApiError::from(e).body().error),
                    ),
                }
            };
            MutationResult {
                client_id: m.client_id.clone(),
                id: m.id,
                status,
                error,
            }
        })
        .collect();
    let changed = (&cart, &last_mutation_ids) != (&before.0, &before.1);
    let state = ServerState {
        cart,
        last_mutation_ids,
        version: if changed {
            version.saturating_add(1)
        } else {
            version
        },
    };
    let response = PushResponse {
        cart: state.cart.clone(),
        warnings,
        last_mutation_ids: state.last_mutation_ids.clone(),
        version: state.version,
        results,
    };
    (state, response)
}

/// What a client keeps (and persists across restarts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientState {
    /// Names this client's mutation sequence against one server cart; the
    /// shell makes it up (random) and starts a new one at login.
    pub client_id: String,
    /// The last mutation id this client issued.
    #[serde(default)]
    pub last_mutation_id: u64,
    /// The server's cart as of the last response applied.
    #[serde(default)]
    pub server_cart: Cart,
    /// The version of `server_cart`; older responses are ignored.
    #[serde(default)]
    pub server_version: u64,
    /// Mutations not yet consumed by the server, oldest first.
    #[serde(default)]
    pub pending: Vec<Mutation>,
    /// What the shopper sees: `server_cart` with `pending` replayed, checked.
    #[serde(default)]
    pub cart: Cart,
}

impl ClientState {
    /// A fresh client with an empty cart.
    pub fn new(client_id: impl Into<String>) -> Self {
        ClientState {
            client_id: client_id.into(),
            ..ClientState::default()
        }
    }

    /// Perform `op` optimistically: apply it to the cart, check, and keep it
    /// pending under the next mutation id. A refused op is not recorded.
    pub fn mutate(
        mut self,
        op: &CartOp,
        catalog: &Catalog<'_>,
    ) -> Result<(ClientState, Vec<Warning>), CartError> {
        let mut warnings = Vec::new();
        self.cart.step(op, catalog, &mut warnings)?;
        self.last_mutation_id = self.last_mutation_id.saturating_add(1);
        self.pending.push(Mutation {
            client_id: self.client_id.clone(),
            id: self.last_mutation_id,
            op: op.clone(),
        });
        Ok((self, warnings))
    }

    /// The push to send: every pending mutation. Sending it twice is safe.
    pub fn push(&self) -> PushRequest {
        PushRequest {
            mutations: self.pending.clone(),
        }
    }

    /// Rebuild `cart` from `server_cart` and `pending` against `catalog`:
    /// check the server's cart, then step through each pending mutation (one
    /// the cart refuses is skipped but stays pending: the server decides).
    /// Used after a response and when the client's catalog changes; the
    /// warnings are those of these checks.
    pub fn replay(mut self, catalog: &Catalog<'_>) -> (ClientState, Vec<Warning>) {
        let mut warnings = Vec::new();
        self.cart = self.server_cart.clone();
        self.cart.recheck(catalog, &mut warnings);
        for m in &self.pending {
            // A refusal here is the server's to give when it sees the mutation.
            let _ = self.cart.step(&m.op, catalog, &mut warnings);
        }
        (self, warnings)
    }

    /// Log in: this (guest) client's cart becomes one `merge_guest` mutation,
    /// id 1 of the new client id `client_id`, to be pushed to the user's
    /// server cart. Until the answer arrives the shopper sees the guest cart.
    pub fn login(self, client_id: impl Into<String>) -> ClientState {
        let client_id = client_id.into();
        let lines = self.cart.all_lines().cloned().collect();
        ClientState {
            pending: vec![Mutation {
                client_id: client_id.clone(),
                id: 1,
                op: CartOp::MergeGuest { lines },
            }],
            last_mutation_id: 1,
            client_id,
            cart: self.cart,
            ..ClientState::default()
        }
    }
}

/// Client side of a push's answer: forget the mutations the server consumed,
/// take its cart, check it against the client's catalog and step through the
/// still-pending mutations on it. The returned warnings are these local
/// checks'; show the response's warnings too (they are the server's). A response older than
/// the last one applied changes nothing.
pub fn client_rebase(
    mut client: ClientState,
    response: &PushResponse,
    catalog: &Catalog<'_>,
) -> (ClientState, Vec<Warning>) {
    if response.version < client.server_version {
        let mut warnings = Vec::new();
        client.cart.recheck(catalog, &mut warnings);
        return (client, warnings);
    }
    let consumed = response
        .last_mutation_ids
        .get(&client.client_id)
        .copied()
        .unwrap_or(0);
    client.pending.retain(|m| m.id > consumed);
    client.last_mutation_id = client.last_mutation_id.max(consumed);
    client.server_cart = response.cart.clone();
    client.server_version = response.version;
    client.replay(catalog)
}

/// Request of the `sync_push` operation (server side).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SyncPushRequest {
    pub catalog: CatalogSnapshot,
    #[serde(default)]
    pub state: ServerState,
    pub push: PushRequest,
}

/// Response of the `sync_push` operation: the state to persist and the
/// response to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SyncPushResponse {
    pub state: ServerState,
    pub response: PushResponse,
}

/// Request of the `sync_rebase` operation (client side).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SyncRebaseRequest {
    pub catalog: CatalogSnapshot,
    pub client: ClientState,
    pub response: PushResponse,
}

/// Response of the `sync_rebase` operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SyncRebaseResponse {
    pub client: ClientState,
    pub warnings: Vec<Warning>,
}
